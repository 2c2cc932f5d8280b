/* struct report -> normalized JSON Lines, one line per policy, fixed key
 * order, compact, valid UTF-8.  Field names follow parsedmarc's SMTP TLS
 * output.  Key order (every key always present; null when unknown, as are
 * policy_domain and failed_session_count when the report gave none):
 *
 *   organization_name contact_info report_id begin_date end_date
 *   policy_domain policy_type policy_strings mx_host_patterns
 *   successful_session_count failed_session_count failure_details
 *   received_at source message_id submitter recipient client_ip dkim
 *   warnings
 *
 * failure_details[] objects: result_type failed_session_count
 *   sending_mta_ip receiving_ip receiving_mx_hostname receiving_mx_helo
 *   additional_info_uri failure_reason_code (absent ones are null).
 * client_ip: the HTTP client's address (source "http"), else null.
 * dkim: {"result":"pass|fail|none|...","domain":string|null,"aligned":bool}
 *   from a trusted Authentication-Results header, else null.
 * warnings: the report-level warnings, then the policy's own, then
 *   meta->extra_warnings. */
#ifndef TLSRPT_RECORD_H
#define TLSRPT_RECORD_H

#include "err.h"
#include "report.h"
#include "util.h"

/* The DKIM verdict of a mailed report (see authres.h). */
struct record_dkim {
	const char *result;       /* "pass", "fail", "none", ...; never NULL */
	const char *domain;       /* signing domain, NULL -> null */
	int aligned;              /* a pass by the submitter/contact-info domain or a parent */
};

struct record_meta {
	const char *received_at;  /* "YYYY-MM-DDTHH:MM:SSZ" */
	const char *source;       /* "mail", "file" or "http" */
	const char *message_id;   /* NULL -> null */
	const char *submitter;    /* TLS-Report-Submitter, NULL -> null */
	const char *recipient;    /* envelope recipient from the MTA, NULL -> null */
	const struct strlist *extra_warnings; /* from transport/MIME/inflate; may be NULL */
	/* last so older positional initializers keep their meaning */
	const char *client_ip;    /* http: REMOTE_ADDR, NULL -> null */
	const struct record_dkim *dkim; /* NULL -> null */
};

/* The longest spool line (without its "\n") record_format writes, and
 * so the longest tlsrpt-summary must read: one constant for both sides.
 * The default --max-report; a report's line is about its JSON's size
 * plus the null fields normalization adds (up to ~4x for bare failure
 * details), so only a pathological report reaches it. */
#define RECORD_MAX_LINE ((size_t)64 << 20)
/* record_format stops this much short of RECORD_MAX_LINE: room for the
 * warning record_add_warning may add when a report is stored in conflict
 * with another copy, so a stored line never outgrows the reader. */
#define RECORD_WARN_ROOM ((size_t)1024)

/* Append the report's lines (each ending in "\n") to out.  All strings
 * are expected clean (report.c guarantees it); meta strings are cleaned
 * here.  ENOMEM is ERR_TEMP; a line longer than RECORD_MAX_LINE is
 * ERR_INPUT (nothing appended), so the reader never meets one.  What the
 * duplicate index takes as a report's content is dedup_content_hash's. */
int record_format(const struct report *r, const struct record_meta *meta,
		  struct buf *out, struct err *e);

/* How the warning on the records of a report stored beside another copy
 * with the same organization_name and report_id but other content
 * begins (tlsrpt-summary looks for it). */
#define RECORD_CONFLICT_WARNING "report_id conflict"

/* Add warning w as the last element of the warnings array of every line
 * in lines (lines as record_format wrote them: each ends in "]}\n").
 * ENOMEM is ERR_TEMP, and lines is then unchanged. */
int record_add_warning(struct buf *lines, const char *w, struct err *e);

#endif
