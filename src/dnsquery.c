/* glibc resolver wrapper with bounded waits (see dnsquery.h).  The state
 * is private (res_ninit), so nothing here touches _res or the host's
 * configuration.  An answer is parsed with ns_initparse/ns_parserr and
 * only records of the type asked count (a CNAME in front is followed by
 * the server, not by us). */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsquery.h"

#define ANSWER_MAX 65536

struct dnsq {
	struct __res_state st;
	char label[64];                 /* the server, for messages */
	int dead;
	unsigned char ans[ANSWER_MAX];
};

static int set_server(struct dnsq *q, const char *server, struct err *e)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon = strrchr(server, ':');
	size_t an = colon ? (size_t)(colon - server) : strlen(server);
	unsigned long port = 53;
	struct sockaddr_in sin;

	if (an == 0 || an >= sizeof addr)
		return err_set(e, ERR_USAGE, "--server wants an IPv4 ADDR[:PORT], not \"%s\"", server);
	memcpy(addr, server, an);
	addr[an] = '\0';
	if (colon != NULL) {
		char *end;

		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 || port > 65535)
			return err_set(e, ERR_USAGE, "--server: bad port in \"%s\"", server);
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return err_set(e, ERR_USAGE, "--server wants an IPv4 ADDR[:PORT], not \"%s\"", server);
	q->st.nsaddr_list[0] = sin;
	q->st.nscount = 1;
	snprintf(q->label, sizeof q->label, "%s:%lu", addr, port);
	return 0;
}

struct dnsq *dnsq_new(const char *server, struct err *e)
{
	struct dnsq *q = calloc(1, sizeof *q);

	if (q == NULL) {
		err_nomem(e);
		return NULL;
	}
	if (res_ninit(&q->st) != 0) {
		err_set(e, ERR_TEMP, "res_ninit failed");
		free(q);
		return NULL;
	}
	/* after res_ninit, so RES_OPTIONS cannot stretch the waits */
	q->st.retrans = DNSQ_RETRANS;
	q->st.retry = DNSQ_TRIES;
	q->st.options |= RES_USE_EDNS0;
#ifdef RES_TRUSTAD
	q->st.options |= RES_TRUSTAD;
#endif
	q->st.options &= ~(unsigned long)(RES_ROTATE | RES_DEFNAMES | RES_DNSRCH);
	snprintf(q->label, sizeof q->label, "the system's resolver");
	if (server != NULL && set_server(q, server, e) < 0) {
		dnsq_free(q);
		return NULL;
	}
	if (q->st.nscount > 1)
		q->st.retry = 1;
	return q;
}

void dnsq_free(struct dnsq *q)
{
	if (q == NULL)
		return;
	res_nclose(&q->st);
	free(q);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum dnsq_status query(struct dnsq *q, const char *name, int type, ns_msg *msg,
			      int *ad, struct err *e)
{
	double t0;
	int n;

	if (q->dead) {
		err_set(e, ERR_TEMP, "%s: not asked, %s did not answer before", name, q->label);
		return DNSQ_FAIL;
	}
	t0 = now();
	errno = 0;
	q->st.res_h_errno = 0;
	n = res_nquery(&q->st, name, ns_c_in, type, q->ans, sizeof q->ans);
	if (n < 0) {
		if (q->st.res_h_errno == HOST_NOT_FOUND)
			return DNSQ_NXDOMAIN;
		if (q->st.res_h_errno == NO_DATA)
			return DNSQ_NODATA;
		if (now() - t0 >= DNSQ_RETRANS) {
			q->dead = 1;
			err_set(e, ERR_TEMP, "%s: no answer from %s (waited %.0f s)", name, q->label, now() - t0);
		} else {
			err_set(e, ERR_TEMP, "%s: %s failed (%s)", name, q->label,
				errno == ECONNREFUSED ? "connection refused" :
				q->st.res_h_errno == TRY_AGAIN ? "SERVFAIL" : "REFUSED or bad answer");
		}
		return DNSQ_FAIL;
	}
	if (ns_initparse(q->ans, n, msg) < 0) {
		err_set(e, ERR_TEMP, "%s: unparsable answer from %s", name, q->label);
		return DNSQ_FAIL;
	}
	if (ad != NULL)
		*ad = ns_msg_getflag(*msg, ns_f_ad);
	return DNSQ_FOUND;
}

/* Call fn for each answer record of type; DNSQ_NODATA when none. */
typedef int (*rr_fn)(void *arg, ns_msg *msg, ns_rr *rr);

static enum dnsq_status each_rr(struct dnsq *q, const char *name, int type, rr_fn fn,
				void *arg, int *ad, struct err *e)
{
	enum dnsq_status s;
	ns_msg msg;
	ns_rr rr;
	size_t found = 0;

	s = query(q, name, type, &msg, ad, e);
	if (s != DNSQ_FOUND)
		return s;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			err_set(e, ERR_TEMP, "%s: bad record in the answer from %s", name, q->label);
			return DNSQ_FAIL;
		}
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		found++;
		if (fn != NULL && fn(arg, &msg, &rr) < 0) {
			err_set(e, ERR_TEMP, "%s: %s", name, errno == ENOMEM ? "out of memory" : "bad record data");
			return DNSQ_FAIL;
		}
	}
	return found ? DNSQ_FOUND : DNSQ_NODATA;
}

static int txt_rr(void *arg, ns_msg *msg, ns_rr *rr)
{
	const unsigned char *p = ns_rr_rdata(*rr);
	size_t n = ns_rr_rdlen(*rr), i = 0;
	struct buf b;
	int rc = -1;

	(void)msg;
	buf_init(&b);
	while (i < n) {
		size_t len = p[i++];

		if (len > n - i) {
			errno = EINVAL;
			goto out;
		}
		for (size_t j = 0; j < len; j++)   /* a NUL would end the string early */
			if (buf_append_byte(&b, p[i + j] ? p[i + j] : 0x01) < 0)
				goto out;
		i += len;
	}
	rc = strlist_addn(arg, b.p ? (const char *)b.p : "", b.n);
out:
	buf_free(&b);
	return rc;
}

enum dnsq_status dnsq_txt(struct dnsq *q, const char *name, struct strlist *out,
			  int *ad, struct err *e)
{
	return each_rr(q, name, ns_t_txt, txt_rr, out, ad, e);
}

struct mx_ent {
	unsigned pref;
	char host[NS_MAXDNAME];
};

struct mx_set {
	struct mx_ent *v;
	size_t n;
};

static int mx_rr(void *arg, ns_msg *msg, ns_rr *rr)
{
	struct mx_set *s = arg;
	struct mx_ent *v, *m;

	if (ns_rr_rdlen(*rr) < 3) {
		errno = EINVAL;
		return -1;
	}
	v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	s->v = v;
	m = &v[s->n];
	m->pref = ns_get16(ns_rr_rdata(*rr));
	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), ns_rr_rdata(*rr) + 2,
			       m->host, sizeof m->host) < 0) {
		errno = EINVAL;
		return -1;
	}
	for (char *c = m->host; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (strcmp(m->host, ".") == 0)
		m->host[0] = '\0';
	s->n++;
	return 0;
}

static int mx_cmp(const void *a, const void *b)
{
	const struct mx_ent *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->host, y->host);
}

enum dnsq_status dnsq_mx(struct dnsq *q, const char *name, struct strlist *out,
			 struct err *e)
{
	struct mx_set s = { NULL, 0 };
	enum dnsq_status st = each_rr(q, name, ns_t_mx, mx_rr, &s, NULL, e);

	if (st == DNSQ_FOUND) {
		qsort(s.v, s.n, sizeof *s.v, mx_cmp);
		for (size_t i = 0; i < s.n; i++) {
			if (strlist_contains(out, s.v[i].host))
				continue;
			if (strlist_add(out, s.v[i].host) < 0) {
				err_nomem(e);
				st = DNSQ_FAIL;
				break;
			}
		}
	}
	free(s.v);
	return st;
}

static int count_rr(void *arg, ns_msg *msg, ns_rr *rr)
{
	(void)msg;
	(void)rr;
	(*(size_t *)arg)++;
	return 0;
}

enum dnsq_status dnsq_count(struct dnsq *q, const char *name, int type, size_t *count,
			    int *ad, struct err *e)
{
	*count = 0;
	return each_rr(q, name, type, count_rr, count, ad, e);
}
