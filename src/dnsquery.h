/* A bounded-time wrapper of glibc's resolver for tlsrpt-check-dns:
 * res_ninit into a private res_state (the system's resolv.conf, or one
 * IPv4 server and port given), res_nquery, ns_initparse/ns_parserr.
 *
 * A query to one server waits DNSQ_RETRANS s per try, DNSQ_TRIES tries:
 * 4 s in all (glibc lengthens the wait only for the second and third
 * servers of resolv.conf, so with several servers there is one try:
 * 2 + 1 + 2 = 5 s for three).  A query that fails after waiting marks
 * the servers dead: every later query fails at once, so dead servers
 * cost one query's time however many names are asked.  The AD bit is asked for and kept (RES_TRUSTAD): only a
 * validating resolver the host trusts sets it. */
#ifndef TLSRPT_DNSQUERY_H
#define TLSRPT_DNSQUERY_H

#include <stddef.h>

#include "err.h"
#include "util.h"

#define DNSQ_RETRANS 2      /* seconds for the first try */
#define DNSQ_TRIES 2

enum dnsq_status {
	DNSQ_FOUND,          /* answers of the type asked */
	DNSQ_NODATA,         /* the name exists, no records of that type */
	DNSQ_NXDOMAIN,       /* no such name */
	DNSQ_FAIL            /* no answer, SERVFAIL, REFUSED...: e says why */
};

struct dnsq;

/* server: NULL for the system's resolvers, else "ADDR" or "ADDR:PORT"
 * (IPv4; port 53 by default).  NULL on error: ERR_USAGE for a bad
 * server, ERR_TEMP otherwise. */
struct dnsq *dnsq_new(const char *server, struct err *e);
void dnsq_free(struct dnsq *q);

/* TXT records of name, each record's strings concatenated (RFC 8460
 * and 8461 say so), one list entry per record.  *ad: the AD bit. */
enum dnsq_status dnsq_txt(struct dnsq *q, const char *name, struct strlist *out,
			  int *ad, struct err *e);

/* MX hosts of name by preference (lower first), lowercase, without the
 * final dot; a null MX ("." , RFC 7505) is the entry "". */
enum dnsq_status dnsq_mx(struct dnsq *q, const char *name, struct strlist *out,
			 struct err *e);

/* How many records of type (ns_t_a, ns_t_aaaa, ns_t_tlsa...) name has. */
enum dnsq_status dnsq_count(struct dnsq *q, const char *name, int type, size_t *count,
			    int *ad, struct err *e);

#endif
