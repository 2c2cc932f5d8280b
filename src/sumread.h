/* Streaming reader of the spool's daily JSON Lines files for
 * tlsrpt-summary.  A file is read in 64 KiB chunks and split on "\n";
 * each line is cut down to the members the summary reads (a structural
 * scan, jsonscan.h, steps over the others: they are checked for
 * structure only), that is parsed with one reused json_tokener (strict,
 * UTF-8 validated, reset per line) and the fields the summary needs are
 * handed to a callback as a struct sum_rec that borrows the parsed tree,
 * so memory stays at one line plus one tree however large the spool is.
 * A line the scan cannot cut is parsed whole.
 * A line that is not JSON, not an object, too long, or lacks the record
 * keys written by tlsrpt-lda (policy_domain, policy_type and the two
 * session counts) is skipped and counted, never fatal.  A record whose
 * report gave no policy domain (null) is counted apart and not handed
 * on; a null failure total is read as 0.
 *
 * A spool merged from several MX hosts (contrib/rsyslog) holds one copy
 * of a report per host that received it, and a reader may be given
 * several spools (one per MX host, or the HTTPS one beside the mail
 * one).  Across the files of one day (however many spools) a record
 * whose content (the line up to what a delivery adds, as tlsrpt-lda's
 * duplicate index compares it) was already seen is counted as a
 * duplicate and not handed on, so each report counts once.
 *
 * Copies with the same identity (organization_name, report_id,
 * begin_date, policy_domain, policy_type, policy_strings,
 * mx_host_patterns) but other content conflict: a forgery sent under a
 * real reporter's report-id, or a corrected resend.  When the day's
 * index (YYYY-MM-DD.idx) flags such a copy, the file is read twice: the
 * first pass notes each copy's DKIM verdict, and where some but not all
 * of the conflicting contents came with an aligned DKIM pass, the others
 * are left out (conflicts_dropped), in that file and the day's later
 * files.  Otherwise every copy is handed on and counted (conflicts): the
 * figures include a conflicting copy.  Only 64-bit hashes per record of
 * the current day are kept; records without a report_id are never
 * duplicates nor conflicts. */
#ifndef TLSRPT_SUMREAD_H
#define TLSRPT_SUMREAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "record.h"

#define SUM_MAX_LINE RECORD_MAX_LINE   /* longest line parsed: what tlsrpt-lda writes */

struct sum_detail {
	const char *result_type;   /* "(missing)" when null */
	uint64_t sessions;         /* failed_session_count, 0 when null */
	const char *sending_ip;    /* NULL when null */
	const char *receiving_ip;
	const char *receiving_mx;  /* receiving_mx_hostname */
	const char *reason;        /* failure_reason_code, NULL when null */
	const char *info_uri;      /* additional_info_uri, NULL when null */
};

struct sum_rec {
	const char *org;           /* organization_name, NULL when null */
	const char *domain;        /* policy_domain, as written */
	const char *policy_type;
	const char *mode;          /* value of "mode: X" in policy_strings, or NULL */
	const char *policy;        /* "mode X; mx: a, b" from policy_strings (sts), or NULL */
	uint64_t success, failed;
	const struct sum_detail *details;
	size_t ndetails;
	const char *const *warnings;
	size_t nwarnings;
};

struct sum_read_stats {
	uint64_t lines;            /* non-empty lines seen */
	uint64_t records;          /* lines handed to the callback */
	uint64_t skipped;          /* unparsable or invalid lines */
	uint64_t filtered;         /* lines without the required bytes, not parsed */
	uint64_t duplicates;       /* records already seen this day (any spool) */
	uint64_t no_domain;        /* records with policy_domain null: not handed on */
	uint64_t conflicts;        /* records handed on whose identity came before
				    * with other content */
	uint64_t conflicts_dropped; /* records of a conflicting copy without an
				    * aligned DKIM pass, left out for one with it */
	char example[160];         /* "org" report_id of the first left out */
};

/* Return 0 to go on, -1 (with e set) to stop reading. */
typedef int (*sum_rec_fn)(void *arg, long day, const struct sum_rec *r, struct err *e);

struct sum_read;

/* max_line: longest line accepted (SUM_MAX_LINE normally). */
struct sum_read *sum_read_new(size_t max_line, struct err *e);
void sum_read_free(struct sum_read *r);

/* Parse only lines containing needle (NULL: all lines).  A cheap scan
 * for days that only feed one baseline, e.g. "\"result_type\"" when only
 * failure details matter: most lines have none and cost no parse. */
void sum_read_require(struct sum_read *r, const char *needle);

/* The next file read holds conflicting copies (see above): read it twice
 * to prefer those with an aligned DKIM pass.  sum_read_day sets this from
 * the day's index; the file must be seekable. */
void sum_read_conflicts(struct sum_read *r, int on);

/* Parse one line (without its "\n"; a trailing "\r" is tolerated). */
int sum_read_line(struct sum_read *r, const char *p, size_t n, long day,
		  sum_rec_fn fn, void *arg, struct sum_read_stats *st, struct err *e);

/* Read a whole file from fd to EOF.  A read error is ERR_TEMP.  Files of
 * the same day read one after the other share one duplicate set; a new
 * day starts a new one. */
int sum_read_fd(struct sum_read *r, int fd, long day, sum_rec_fn fn, void *arg,
		struct sum_read_stats *st, struct err *e);

/* Open and read <dirfd>/YYYY-MM-DD.jsonl of day.  1 when read, 0 when the
 * file does not exist, -1 on error (not a regular file: ERR_CONFIG; I/O:
 * ERR_TEMP). */
int sum_read_day(struct sum_read *r, int dirfd, long day, sum_rec_fn fn, void *arg,
		 struct sum_read_stats *st, struct err *e);

/* Count the entries of <dirfd>/quarantine/new (0 if it does not exist). */
int sum_read_quarantine(int dirfd, unsigned long *count, struct err *e);

#endif
