/* RFC 8460 §4.4 report JSON -> struct report, with every tolerated
 * deviation recorded as a warning and only meaningless reports rejected.
 * All strings in the struct are valid UTF-8, without NUL bytes, and at
 * most l->max_string bytes (longer ones are rejected).  They belong to the
 * report and only report_free releases them: each is malloc'd, except the
 * failure_detail strings of a report from report_parse, which live in the
 * report's private pool (one copy of each distinct string). */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "err.h"
#include "limits.h"
#include "util.h"

struct failure_detail {
	char *result_type;            /* verbatim, never NULL */
	int64_t failed_session_count; /* >= 0 */
	char *sending_mta_ip;         /* NULL when absent */
	char *receiving_ip;
	char *receiving_mx_hostname;
	char *receiving_mx_helo;
	char *additional_info_uri;    /* from additional-information or additional-info-uri */
	char *failure_reason_code;    /* from failure-reason-code or failure-error-code */
};

struct policy {
	char *policy_type;            /* verbatim ("sts", "tlsa", "no-policy-found", or unknown) */
	char *policy_domain;          /* from the report or the hint's fallback;
				       * NULL when neither gave one (null in the
				       * records, with a warning) */
	struct strlist policy_strings;
	struct strlist mx_host_patterns;
	int64_t successful_session_count;
	int64_t failed_session_count; /* REPORT_COUNT_ABSENT when the summary
				       * gives none (null in the records) */
	struct failure_detail *details;
	size_t n_details;
	struct strlist warnings;      /* policy-level warnings, already prefixed "policies[i]..." */
};

/* A policy's failure total the report did not give: never made up from
 * the failure details, whose counts may overlap (RFC 8460 §4). */
#define REPORT_COUNT_ABSENT ((int64_t)-1)

struct report {
	char *organization_name;      /* never NULL */
	char *contact_info;           /* NULL when absent or null */
	char *report_id;              /* never NULL */
	char begin_date[21];          /* normalized "YYYY-MM-DDTHH:MM:SSZ" */
	char end_date[21];
	time_t begin;                 /* UTC seconds of begin_date */
	struct policy *policies;
	size_t n_policies;            /* >= 1 */
	struct strlist warnings;      /* report-level warnings */
	struct report_pool *pool;     /* private to report.c; NULL in a report
				       * built by hand (its detail strings are
				       * then malloc'd one by one) */
};

/* Context from the envelope, used only for fallbacks the report lacks. */
struct report_hints {
	const char *report_domain;    /* TLS-Report-Domain, Subject "Report Domain:", or file name; may be NULL */
	const char *report_domain_from; /* where it came from, for the warning text */
};

/* Parse and validate json[0..n).  Strict JSON first; if json-c's strict
 * mode fails, retry non-strict and add warning "non-strict JSON accepted".
 * Depth limit l->max_json_depth.  A NUL byte or trailing non-whitespace
 * after the top-level object is ERR_INPUT.  Rejections are ERR_INPUT with
 * a precise reason such as "missing policies[0].summary.total-successful-session-count"
 * or "invalid date-range.start-datetime". ENOMEM is ERR_TEMP.
 * On failure *out is left empty (report_free safe). */
int report_parse(const unsigned char *json, size_t n, const struct limits *l,
		 const struct report_hints *hints, struct report *out, struct err *e);

/* The same checks on one json-c tree of the whole document, the way
 * report_parse falls back to: for the tests that compare the two ways
 * (tests/fuzz/fuzz_sliced.c).  A whole tree costs about eight times the
 * JSON's size in memory, so nothing else should call it. */
int report_parse_tree(const unsigned char *json, size_t n,
		      const struct limits *l, const struct report_hints *hints,
		      struct report *out, struct err *e);

void report_init(struct report *r);
void report_free(struct report *r);

#endif
