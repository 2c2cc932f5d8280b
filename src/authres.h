/* DKIM verdicts from Authentication-Results header fields (RFC 8601)
 * written by our own MTA or milter.  We verify no signature ourselves; we
 * read what the receiving MTA recorded, and only from fields whose
 * authserv-id the operator trusts (--trust-authserv-id): any other field
 * may have been written by the sender.  Also the domain helpers the
 * verdict's alignment needs (RFC 8460 §3: reports must be DKIM-signed by
 * the reporting domain). */
#ifndef TLSRPT_AUTHRES_H
#define TLSRPT_AUTHRES_H

#include <stddef.h>
#include "util.h"

/* dkim results kept per message; further ones are ignored */
#define AUTHRES_MAX_RESULTS 32
#define AUTHRES_RESULT_MAX 32    /* bytes incl. NUL of a result keyword */
#define AUTHRES_DOMAIN_MAX 254   /* bytes incl. NUL of a domain */

struct authres_dkim {
	char result[AUTHRES_RESULT_MAX]; /* lowercased: pass, fail, none, neutral,
					  * policy, temperror, permerror, or
					  * whatever keyword the verifier wrote */
	char domain[AUTHRES_DOMAIN_MAX]; /* lowercased header.d, else the domain
					  * of header.i; "" when neither is usable */
};

struct authres {
	struct authres_dkim dkim[AUTHRES_MAX_RESULTS];
	size_t n_dkim;
	size_t n_trusted;                /* trusted fields seen */
};

void authres_init(struct authres *a);

/* Read one Authentication-Results value v[0..n) (raw or unfolded; folds,
 * comments and quoted strings are handled).  If its authserv-id equals one
 * of `trusted` (ASCII case-insensitive), count the field and append its
 * dkim results (method "dkim" or "dkim/N", in field order) and return 1.
 * A foreign or unparsable authserv-id, or trusted NULL/empty, returns 0
 * and changes nothing.  Malformed result clauses are skipped up to the
 * next ';'.  Never allocates. */
int authres_parse(const unsigned char *v, size_t n, const struct strlist *trusted,
		  struct authres *a);

struct authres_verdict {
	const char *result;  /* NULL: no trusted field, so no verdict at all */
	const char *domain;  /* NULL when unknown */
	int aligned;         /* a pass whose domain covers one of the domains */
};

/* The message's verdict: the first pass whose domain covers one of
 * domains[0..nd) (NULL entries skipped), else the first pass, else the
 * first dkim result, else "none" when trusted fields exist but name no
 * dkim result.  Pointers point into a. */
void authres_verdict(const struct authres *a, const char *const *domains, size_t nd,
		     struct authres_verdict *v);

/* 1 if d equals dom or is a parent domain of it (ASCII case-insensitive,
 * one trailing dot ignored on either), else 0.  d must have at least two
 * labels: a bare top-level domain covers nothing. */
int authres_domain_covers(const char *d, const char *dom);

/* The domain of an RFC 8460 contact-info value: "mailto:a@b.example",
 * "a@b.example", "https://b.example/path" or a bare "b.example".
 * Lowercased, trailing dot removed, into out[cap] (cap at least
 * AUTHRES_DOMAIN_MAX).  Returns 0, or -1 (out gets "") when no domain
 * name with at least two labels is found. */
int authres_contact_domain(const char *contact, char *out, size_t cap);

/* 1 if s[0..n) is a DNS name as used in these headers (letters, digits,
 * '-', '_', '.'; 1..253 bytes; no empty label), else 0. */
int authres_is_domain(const char *s, size_t n);

#endif
