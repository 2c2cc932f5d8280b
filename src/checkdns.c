/* tlsrpt-check-dns: is a domain set up to receive SMTP TLS Reports, and
 * does the MTA-STS policy reporters last saw still match its MX hosts?
 * One line per finding with its fix; monitoring-plugin exit codes (0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN), the worst over all domains.
 * Only this file parses options, prints and picks the exit code; the
 * checks on values are dnscheck's, the queries dnsquery's, the spool
 * reading dnspolicy's. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/nameser.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dnscheck.h"
#include "dnspolicy.h"
#include "dnsquery.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define EXIT_UNKNOWN 3
#define SHOW_MAX 200          /* bytes of a TXT value shown in a line */

struct cli {
	const char *server;
	struct strlist spools;
	int json;
};

struct ctx {
	struct cli *c;
	struct dnsq *q;
	struct dc_list *l;
	const char *d;             /* the domain being checked */
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, 's' },
	{ "spool", required_argument, NULL, 'S' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fputs("usage: tlsrpt-check-dns [--server ADDR[:PORT]] [--spool DIR]... [--format text|json] DOMAIN...\n"
	      "exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the worst over all domains)\n", f);
}

/* A DNS value made printable for one line: bytes outside printable
 * ASCII become '?', long values are cut. */
static void show(const char *s, char *out, size_t outn)
{
	size_t o = 0;

	for (; *s != '\0' && o + 4 < outn && o < SHOW_MAX; s++)
		out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s != '\0' && o + 4 <= outn) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void unknown(struct ctx *x, const char *what, const struct err *e)
{
	dc_add(x->l, DC_UNKNOWN, x->d, "cannot %s: %s; fix: check that the DNS server answers", what, e->reason);
}

/* The domain of a mailto: rua must receive mail: MX, or A/AAAA. */
static void rua_domain(struct ctx *x, const char *addr, const char *dom)
{
	struct strlist mx;
	struct err e;
	enum dnsq_status s;
	size_t n4 = 0, n6 = 0;

	strlist_init(&mx);
	err_clear(&e);
	s = dnsq_mx(x->q, dom, &mx, &e);
	if (s == DNSQ_FOUND && !(mx.n == 1 && mx.v[0][0] == '\0')) {
		dc_add(x->l, DC_OK, x->d, "rua mailto:%s: %s has MX %s", addr, dom, mx.v[0]);
	} else if (s == DNSQ_FOUND) {
		dc_add(x->l, DC_CRITICAL, x->d, "rua mailto:%s: %s publishes a null MX and accepts no mail: "
		       "no report arrives; fix: send reports to an address whose domain receives mail", addr, dom);
	} else if (s == DNSQ_NXDOMAIN) {
		dc_add(x->l, DC_CRITICAL, x->d, "rua mailto:%s: domain %s does not exist: no report arrives; "
		       "fix: correct the address in _smtp._tls.%s", addr, dom, x->d);
	} else if (s == DNSQ_NODATA &&
		   (s = dnsq_count(x->q, dom, ns_t_a, &n4, NULL, &e)) != DNSQ_FAIL &&
		   (s = dnsq_count(x->q, dom, ns_t_aaaa, &n6, NULL, &e)) != DNSQ_FAIL) {
		if (n4 + n6 > 0)
			dc_add(x->l, DC_OK, x->d, "rua mailto:%s: %s has no MX but an address record (implicit MX)", addr, dom);
		else
			dc_add(x->l, DC_CRITICAL, x->d, "rua mailto:%s: %s has neither MX nor address records: "
			       "no report arrives; fix: give %s an MX record or use another address", addr, dom, dom);
	}
	if (s == DNSQ_FAIL)
		unknown(x, "check the rua domain", &e);
	strlist_free(&mx);
}

static void rua(struct ctx *x, const char *uri)
{
	char out[512], why[200], shown[SHOW_MAX + 8];
	const char *dom;
	char *qu;

	show(uri, shown, sizeof shown);
	switch (dc_rua_uri(uri, out, sizeof out, &dom, why, sizeof why)) {
	case DC_URI_MAILTO:
		rua_domain(x, out, dom);
		break;
	case DC_URI_HTTPS:
		qu = dc_shell_quote(shown);
		dc_add(x->l, DC_OK, x->d, "rua %s: reports are POSTed there; test it with: "
		       "curl -sS -o /dev/null -w '%%{http_code}\\n' -X POST -H 'Content-Type: application/tlsrpt+json' "
		       "--data-binary '{}' %s", shown, qu ? qu : "URL");
		free(qu);
		break;
	default:
		dc_add(x->l, DC_CRITICAL, x->d, "rua %s is unusable: %s; fix: use mailto:ADDRESS or https://HOST/PATH in _smtp._tls.%s",
		       shown, why, x->d);
	}
}

static void tlsrpt(struct ctx *x)
{
	char name[NS_MAXDNAME + 16], why[200], shown[SHOW_MAX + 8];
	struct strlist txt, uris;
	const char *rec = NULL;
	size_t cand = 0;
	struct err e;
	enum dnsq_status s;
	int ad, rc;

	strlist_init(&txt);
	strlist_init(&uris);
	err_clear(&e);
	snprintf(name, sizeof name, "_smtp._tls.%s", x->d);
	s = dnsq_txt(x->q, name, &txt, &ad, &e);
	if (s == DNSQ_FAIL) {
		unknown(x, "look up the TLS-RPT record", &e);
		goto out;
	}
	for (size_t i = 0; i < txt.n; i++)
		if (dc_tlsrpt_candidate((const unsigned char *)txt.v[i], strlen(txt.v[i]))) {
			cand++;
			rec = txt.v[i];
		}
	if (cand == 0) {
		if (txt.n > 0)
			show(txt.v[0], shown, sizeof shown);
		dc_add(x->l, DC_CRITICAL, x->d, "no TLS-RPT record at %s%s%s%s: senders send no reports; "
		       "fix: publish %s TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"", name,
		       txt.n ? " (no TXT record there begins with v=TLSRPTv1; found \"" : "",
		       txt.n ? shown : "", txt.n ? "\")" : "", name, x->d);
		goto out;
	}
	if (cand > 1) {
		dc_add(x->l, DC_CRITICAL, x->d, "%zu TXT records at %s begin with v=TLSRPTv1: senders send no reports "
		       "(RFC 8460 section 3); fix: delete all but one", cand, name);
		goto out;
	}
	show(rec, shown, sizeof shown);
	rc = dc_tlsrpt_parse((const unsigned char *)rec, strlen(rec), &uris, why, sizeof why);
	if (rc < 0) {
		dc_add(x->l, DC_UNKNOWN, x->d, "out of memory");
	} else if (rc > 0) {
		dc_add(x->l, DC_CRITICAL, x->d, "TLS-RPT record \"%s\" at %s is unusable: it %s; senders send no reports; "
		       "fix: publish %s TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"", shown, name, why, name, x->d);
	} else {
		dc_add(x->l, DC_OK, x->d, "TLS-RPT record at %s: \"%s\"", name, shown);
		for (size_t i = 0; i < uris.n; i++)
			rua(x, uris.v[i]);
	}
out:
	strlist_free(&txt);
	strlist_free(&uris);
}

/* The MX hosts (no null MX) into mx; 0, or -1 when they are unknown. */
static int mx_hosts(struct ctx *x, struct strlist *mx)
{
	struct strlist all;
	struct err e;
	enum dnsq_status s;
	int rc = 0;

	strlist_init(&all);
	err_clear(&e);
	s = dnsq_mx(x->q, x->d, &all, &e);
	if (s == DNSQ_FAIL) {
		unknown(x, "look up the MX records", &e);
		rc = -1;
	} else if (s == DNSQ_NXDOMAIN) {
		dc_add(x->l, DC_CRITICAL, x->d, "%s does not exist in DNS; fix: check the domain name", x->d);
		rc = -1;
	} else if (s == DNSQ_NODATA) {
		dc_add(x->l, DC_OK, x->d, "no MX records: mail goes to %s itself (implicit MX)", x->d);
		rc = strlist_add(mx, x->d);
	} else {
		for (size_t i = 0; i < all.n && rc == 0; i++)
			if (all.v[i][0] != '\0')
				rc = strlist_add(mx, all.v[i]);
		if (mx->n == 0)
			dc_add(x->l, DC_OK, x->d, "null MX: %s accepts no mail", x->d);
	}
	strlist_free(&all);
	return rc;
}

/* DANE: TLSA at _25._tcp.MX for each MX; *any set when one has some. */
static void dane(struct ctx *x, const struct strlist *mx, int *any)
{
	char name[NS_MAXDNAME + 16];

	*any = 0;
	for (size_t i = 0; i < mx->n; i++) {
		struct err e;
		size_t n = 0;
		int ad = 0;
		enum dnsq_status s;

		err_clear(&e);
		snprintf(name, sizeof name, "_25._tcp.%s", mx->v[i]);
		s = dnsq_count(x->q, name, ns_t_tlsa, &n, &ad, &e);
		if (s == DNSQ_FAIL) {
			unknown(x, "look up TLSA records", &e);
		} else if (s == DNSQ_FOUND) {
			*any = 1;
			dc_add(x->l, DC_OK, x->d, "MX %s has %zu TLSA record%s at %s (DANE; %s)", mx->v[i], n,
			       n == 1 ? "" : "s", name, ad ? "AD bit set: DNSSEC-validated by the resolver" :
			       "no AD bit: the resolver did not validate them with DNSSEC");
		} else {
			dc_add(x->l, DC_OK, x->d, "MX %s has no TLSA records at %s (no DANE)", mx->v[i], name);
		}
	}
}

/* _mta-sts.DOMAIN; 1 when a valid record is published, 0 not, -1 unknown */
static int mta_sts(struct ctx *x)
{
	char name[NS_MAXDNAME + 16], why[200], id[33], shown[SHOW_MAX + 8];
	struct strlist txt;
	const char *rec = NULL;
	size_t cand = 0;
	struct err e;
	enum dnsq_status s;
	int rc = 0;

	strlist_init(&txt);
	err_clear(&e);
	snprintf(name, sizeof name, "_mta-sts.%s", x->d);
	s = dnsq_txt(x->q, name, &txt, NULL, &e);
	if (s == DNSQ_FAIL) {
		unknown(x, "look up the MTA-STS record", &e);
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < txt.n; i++)
		if (dc_sts_candidate((const unsigned char *)txt.v[i], strlen(txt.v[i]))) {
			cand++;
			rec = txt.v[i];
		}
	if (cand > 1) {
		dc_add(x->l, DC_WARNING, x->d, "%zu TXT records at %s begin with v=STSv1: senders ignore MTA-STS "
		       "(RFC 8461 section 3.1); fix: delete all but one", cand, name);
	} else if (cand == 1 && dc_sts_parse((const unsigned char *)rec, strlen(rec), id, why, sizeof why) != 0) {
		show(rec, shown, sizeof shown);
		dc_add(x->l, DC_WARNING, x->d, "MTA-STS record \"%s\" at %s is invalid: it %s; senders ignore MTA-STS; "
		       "fix: publish %s TXT \"v=STSv1; id=YYYYMMDDNN\"", shown, name, why, name);
	} else if (cand == 1) {
		dc_add(x->l, DC_OK, x->d, "MTA-STS record at %s: id=%s", name, id);
		rc = 1;
	}
	if (cand > 0)
		dc_add(x->l, DC_OK, x->d, "MTA-STS policy file: check it with: curl -sS https://mta-sts.%s/.well-known/mta-sts.txt",
		       x->d);
out:
	strlist_free(&txt);
	return rc;
}

/* The latest policy of the spools against the MX hosts now. */
static void policy(struct ctx *x, const struct strlist *mx, int mx_known)
{
	struct dpol p;
	struct err e;
	char where[600];

	dpol_init(&p);
	err_clear(&e);
	for (size_t i = 0; i < x->c->spools.n; i++)
		if (dpol_latest(x->c->spools.v[i], x->d, &p, &e) < 0) {
			dc_add(x->l, DC_UNKNOWN, x->d, "cannot read the spool: %s; fix: check --spool", e.reason);
			goto out;
		}
	if (p.file == NULL) {
		dc_add(x->l, DC_OK, x->d, "no report in the spool shows an MTA-STS policy of %s", x->d);
	} else if (!mx_known) {
		dc_add(x->l, DC_UNKNOWN, x->d, "the policy of the latest report cannot be compared: the MX hosts are unknown");
	} else {
		snprintf(where, sizeof where, "latest report, begin_date %s, in %s",
			 p.begin_date[0] ? p.begin_date : "?", p.file);
		dc_policy_vs_mx(x->l, x->d, p.mode, &p.patterns, mx, where);
	}
out:
	dpol_free(&p);
}

static void check_domain(struct ctx *x)
{
	struct strlist mx;
	int tlsa = 0, sts, mx_known;

	strlist_init(&mx);
	tlsrpt(x);
	mx_known = mx_hosts(x, &mx) == 0;
	if (mx_known)
		dane(x, &mx, &tlsa);
	sts = mta_sts(x);
	if (sts == 0 && mx_known && mx.n > 0 && !tlsa)
		dc_add(x->l, DC_WARNING, x->d, "no MTA-STS record at _mta-sts.%s and no TLSA record on any MX: senders "
		       "use TLS only when offered and reports cover that only; fix: publish an MTA-STS policy "
		       "(RFC 8461: _mta-sts.%s TXT \"v=STSv1; id=YYYYMMDDNN\" and https://mta-sts.%s/.well-known/mta-sts.txt) "
		       "or DNSSEC-signed TLSA records (RFC 7672)", x->d, x->d, x->d);
	if (x->c->spools.n > 0)
		policy(x, &mx, mx_known);
	strlist_free(&mx);
}

static enum dc_sev worst(const struct dc_list *l, const char *domain)
{
	enum dc_sev w = DC_OK;

	for (size_t i = 0; i < l->n; i++)
		if (domain == NULL || strcmp(l->v[i].domain, domain) == 0)
			w = dc_worse(w, l->v[i].sev);
	return w;
}

static void print_text(const struct dc_list *l, size_t ndomains, enum dc_sev w)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < l->n; i++)
		count[l->v[i].sev]++;
	printf("TLSRPT DNS %s - %zu domain%s: %zu critical, %zu warning, %zu unknown\n", dc_sev_name(w),
	       ndomains, ndomains == 1 ? "" : "s", count[DC_CRITICAL], count[DC_WARNING], count[DC_UNKNOWN]);
	for (size_t i = 0; i < l->n; i++)
		printf("%s %s: %s\n", dc_sev_name(l->v[i].sev), l->v[i].domain, l->v[i].text);
}

static int print_json(const struct dc_list *l, char **domains, size_t nd, enum dc_sev w)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	const char *s;

	if (root == NULL || arr == NULL)
		goto fail;
	json_object_object_add(root, "status", json_object_new_string(dc_sev_name(w)));
	json_object_object_add(root, "exit_code", json_object_new_int((int)w));
	json_object_object_add(root, "domains", arr);
	for (size_t d = 0; d < nd; d++) {
		json_object *o = json_object_new_object(), *f = json_object_new_array();

		if (o == NULL || f == NULL || json_object_array_add(arr, o) < 0)
			goto fail;
		json_object_object_add(o, "domain", json_object_new_string(domains[d]));
		json_object_object_add(o, "status", json_object_new_string(dc_sev_name(worst(l, domains[d]))));
		json_object_object_add(o, "findings", f);
		for (size_t i = 0; i < l->n; i++) {
			json_object *one;

			if (strcmp(l->v[i].domain, domains[d]) != 0)
				continue;
			if ((one = json_object_new_object()) == NULL || json_object_array_add(f, one) < 0)
				goto fail;
			json_object_object_add(one, "severity", json_object_new_string(dc_sev_name(l->v[i].sev)));
			json_object_object_add(one, "text", json_object_new_string(l->v[i].text));
		}
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		goto fail;
	puts(s);
	json_object_put(root);
	return 0;
fail:
	json_object_put(root);
	return -1;
}

/* 0 to run, 1 when --help/--version was answered, -1 on a usage error */
static int parse_args(struct cli *c, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "s:S:f:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': c->server = optarg; break;
		case 'S':
			if (strlist_add(&c->spools, optarg) < 0)
				return -1;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "tlsrpt-check-dns: --format wants text or json\n");
				return -1;
			}
			c->json = optarg[0] == 'j';
			break;
		case 'h': usage(stdout); return 1;
		case 'V': puts("tlsrpt-check-dns " PACKAGE_VERSION); return 1;
		default: return -1;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "tlsrpt-check-dns: no DOMAIN given\n");
		return -1;
	}
	return 0;
}

/* DOMAIN arguments: host names, lowercased, without a final dot. */
static int domains(struct strlist *out, int argc, char **argv)
{
	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);
		char *d;

		if (!dc_hostname_valid(argv[i], n) || strchr(argv[i], '.') == NULL) {
			fprintf(stderr, "tlsrpt-check-dns: \"%s\" is not a domain name\n", argv[i]);
			return -1;
		}
		if (argv[i][n - 1] == '.')
			n--;
		if (strlist_addn(out, argv[i], n) < 0)
			return -1;
		for (d = out->v[out->n - 1]; *d != '\0'; d++)
			if (*d >= 'A' && *d <= 'Z')
				*d = (char)(*d - 'A' + 'a');
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = { NULL, { NULL, 0, 0 }, 0 };
	struct strlist doms;
	struct dc_list l;
	struct ctx x;
	struct err e;
	enum dc_sev w;
	int rc;

	strlist_init(&doms);
	dc_list_init(&l);
	err_clear(&e);
	rc = parse_args(&c, argc, argv);
	if (rc != 0 || domains(&doms, argc, argv) < 0) {
		if (rc <= 0)
			usage(stderr);
		rc = rc > 0 ? 0 : EXIT_UNKNOWN;
		goto out;
	}
	x.c = &c;
	x.l = &l;
	x.q = dnsq_new(c.server, &e);
	if (x.q == NULL) {
		fprintf(stderr, "tlsrpt-check-dns: %s\n", e.reason);
		printf("TLSRPT DNS UNKNOWN - %s\n", e.reason);
		rc = EXIT_UNKNOWN;
		goto out;
	}
	for (size_t i = 0; i < doms.n; i++) {
		x.d = doms.v[i];
		check_domain(&x);
	}
	dnsq_free(x.q);
	w = l.failed ? DC_UNKNOWN : worst(&l, NULL);
	if (c.json ? print_json(&l, doms.v, doms.n, w) < 0 : (print_text(&l, doms.n, w), 0))
		w = DC_UNKNOWN;
	if (fflush(stdout) != 0 || ferror(stdout))
		w = DC_UNKNOWN;
	rc = (int)w;
out:
	dc_list_free(&l);
	strlist_free(&doms);
	strlist_free(&c.spools);
	return rc;
}
