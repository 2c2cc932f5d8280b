/* The MTA-STS policy that reporters saw most recently for a domain, read
 * from tlsrpt-lda spools, for tlsrpt-check-dns to hold against the MX
 * hosts in DNS now.
 *
 * The daily files (YYYY-MM-DD.jsonl, names we match exactly) are read
 * newest first; the first file holding records of the domain with
 * policy_type "sts" decides, and among its records the one with the
 * latest begin_date (then the latest received_at) is the policy.  Its
 * mode is the "mode:" line of policy_strings; its patterns are the
 * "mx:" lines there, or mx_host_patterns when the reporter gave no
 * policy lines.  Lines that are not JSON objects are skipped. */
#ifndef TLSRPT_DNSPOLICY_H
#define TLSRPT_DNSPOLICY_H

#include "err.h"
#include "util.h"

#define DPOL_MAX_LINE ((size_t)16 << 20)   /* longer lines are skipped */

struct dpol {
	char *mode;               /* "enforce", "testing", "none", or "(none given)" */
	struct strlist patterns;
	char *begin_date;         /* of the report, "" when absent */
	char *received_at;        /* "" when absent */
	char *file;               /* SPOOL/YYYY-MM-DD.jsonl it came from */
};

void dpol_init(struct dpol *p);
void dpol_free(struct dpol *p);

/* Look into spool for domain (ASCII case insensitive, a final dot
 * ignored).  If a policy newer than *p (by begin_date, received_at) is
 * found, *p is replaced.  1 when replaced, 0 when not, -1 on error (the
 * spool cannot be opened or read: ERR_CONFIG / ERR_TEMP). */
int dpol_latest(const char *spool, const char *domain, struct dpol *p, struct err *e);

#endif
