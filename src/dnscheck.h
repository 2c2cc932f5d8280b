/* The pure checks of tlsrpt-check-dns: values in, verdicts out, no DNS.
 *
 * - TLS-RPT TXT records (RFC 8460 section 3): version first, rua= with
 *   comma-separated URIs, extension fields; rua URIs (mailto:, https:).
 * - MTA-STS TXT records (RFC 8461 section 3.1): v=STSv1; id=...
 * - MX host patterns of an MTA-STS policy (RFC 8461 section 4.1): exact
 *   names, or "*." matching exactly one leftmost label.
 * - A policy (mode and patterns) against the MX hosts in DNS now.
 *
 * Findings go into a list, each with a severity and one line of text
 * that says what is wrong and how to fix it. */
#ifndef TLSRPT_DNSCHECK_H
#define TLSRPT_DNSCHECK_H

#include <stddef.h>

#include "util.h"

/* Monitoring-plugin states; DC_OK findings are information. */
enum dc_sev { DC_OK = 0, DC_WARNING = 1, DC_CRITICAL = 2, DC_UNKNOWN = 3 };

struct dc_finding {
	enum dc_sev sev;
	char *domain;
	char *text;
};

struct dc_list {
	struct dc_finding *v;
	size_t n, cap;
	int failed;              /* sticky ENOMEM */
};

void dc_list_init(struct dc_list *l);
void dc_list_free(struct dc_list *l);
/* Add a finding (text printf-formatted).  0, or -1 on ENOMEM (l->failed). */
int dc_add(struct dc_list *l, enum dc_sev sev, const char *domain, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The worst state, as monitoring-plugins' max_state_alt orders them:
 * CRITICAL > WARNING > UNKNOWN > OK. */
enum dc_sev dc_worse(enum dc_sev a, enum dc_sev b);
const char *dc_sev_name(enum dc_sev s);

/* 1 if the TXT value begins with "v=TLSRPTv1" (how senders pick the
 * records they count), else 0. */
int dc_tlsrpt_candidate(const unsigned char *p, size_t n);

/* Parse a TLS-RPT record.  0 with the rua URIs (as written) added to
 * rua; 1 when the record is not valid, with why set. -1 on ENOMEM. */
int dc_tlsrpt_parse(const unsigned char *p, size_t n, struct strlist *rua,
		    char *why, size_t whyn);

enum dc_uri { DC_URI_BAD, DC_URI_MAILTO, DC_URI_HTTPS };

/* Check one rua URI.  MAILTO: out gets the address (percent-decoded),
 * *dom points at its domain inside out.  HTTPS: out gets the host.
 * BAD: why says what is wrong. */
enum dc_uri dc_rua_uri(const char *uri, char *out, size_t outn, const char **dom,
		       char *why, size_t whyn);

/* 1 if p[0..n) begins with "v=STSv1" */
int dc_sts_candidate(const unsigned char *p, size_t n);
/* Parse an MTA-STS TXT record: 0 with its id (<= 32 characters) in
 * id[33], 1 when invalid with why set. */
int dc_sts_parse(const unsigned char *p, size_t n, char id[33], char *why, size_t whyn);

/* 1 if an RFC 8461 section 4.1 pattern matches host (ASCII case
 * insensitive, a trailing dot ignored on either side). */
int dc_mx_match(const char *pattern, const char *host);

/* 1 if s is a host name: LDH labels of 1-63, 253 at most, a final dot
 * allowed. */
int dc_hostname_valid(const char *s, size_t n);

/* A policy from the spool against the MX hosts now.  mode: "enforce",
 * "testing", "none" or anything else as reported; where: how the policy
 * was found, for the lines.  Adds findings; -1 on ENOMEM. */
int dc_policy_vs_mx(struct dc_list *l, const char *domain, const char *mode,
		    const struct strlist *patterns, const struct strlist *mx,
		    const char *where);

/* s with every ' written as '\'' inside single quotes, for the curl
 * commands shown to the user; malloc'd, NULL on ENOMEM. */
char *dc_shell_quote(const char *s);

#endif
