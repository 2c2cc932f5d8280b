/* Aggregation and analysis for tlsrpt-summary.  Records arrive day by day
 * (the spool's files in date order) from o.history days before the
 * window up to its last day.  Everything is keyed by domain and policy
 * type and never summed across policy types: Microsoft reports the same
 * sessions under both "sts" and "tlsa".  The one domain-level figure
 * takes, per reporter and day, the largest count among the policy types.
 * Days before the window only feed the look-back (where a problem began,
 * how many days of history a policy has, reporters' habits).  Memory
 * grows with the number of distinct keys times the days that hold their
 * data (a day series is stored from its first to its last day with
 * reports, not over the whole window and look-back), each map capped
 * (SUM_MAX_*), never with the number of records or the window's length.
 *
 * sum_agg_finish turns the day series into incidents: one problem on one
 * policy domain and policy type (a result type failing, failures without
 * a result type above a rate, a reporter gone silent), from the first
 * day of its current run to its last, judged on complete days only (the
 * reports for day D arrive during D+1, so today is never complete and
 * yesterday may still be missing reports).  The output formats only read
 * the public fields below. */
#ifndef TLSRPT_SUMAGG_H
#define TLSRPT_SUMAGG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "summap.h"
#include "sumread.h"
#include "util.h"

#define SUM_HISTORY_DAYS 90  /* default --history: look-back before the window */
#define SUM_MAX_HISTORY  3660
#define SUM_MEDIAN_DAYS  7   /* trailing median for jumps */
#define SUM_BASELINE_DAYS 7  /* days with reports before a policy has a baseline */
#define SUM_RUN_GAP      2   /* days with reports but without the problem that end a run */
#define SUM_CONCENTRATE  80  /* % of a type's failures on one MX: the incident names it */
#define SUM_SILENT_LAST  2   /* a silent reporter covers neither of the 2 days before today */
#define SUM_SILENT_PRIOR 7   /* ... after covering the 7 days before them */
#define SUM_SILENT_MIN   5   /* ... on at least this many of them */
#define SUM_URI_SAMPLES  3   /* additional_info_uri samples kept per incident */
#define SUM_MAX_CHANGES  8   /* policy changes kept per domain and policy type */
#define SUM_READY_DAYS   14  /* ready to enforce: days without refusals ... */
#define SUM_READY_ORGS   2   /* ... from at least this many reporters */
#define SUM_MAX_GROUPS   ((size_t)100000)  /* domain + policy type pairs */
#define SUM_MAX_KEYS     ((size_t)100000)  /* entries per map; the rest is "(other)" */
#define SUM_OTHER        "(other)"

struct sum_opts {
	long since, until;          /* window, inclusive UTC day numbers */
	long today;                 /* the clock's day (complete days end before it) */
	long history;               /* days looked back before since, default 90 */
	double spike_factor;        /* x trailing median, default 3 */
	uint64_t spike_min;         /* failed sessions, default 10 */
	double enforce_rate;        /* percent, on mode enforce, default 0.5 */
	double critical_rate;       /* percent over the window, default 5 */
	size_t top;                 /* entries per top list, default 5 */
	const struct strlist *domains; /* lower case; NULL or empty: all */
};

/* Defaults with the 7 days ending on today, 90 days of history. */
void sum_opts_default(struct sum_opts *o, long today);

struct sum_day {
	uint64_t success, failed, records;
	uint64_t dsess;             /* failed sessions with a result type (details) */
	unsigned char enforce;      /* a record that day had mode enforce */
	unsigned char incident;     /* the day is in an incident's run */
};

/* A day series stored from its first to its last day with data: a
 * 400-day window over 30 days of reports costs 30 days. */
struct sum_days {
	struct sum_day *v;
	long first;                 /* the day of v[0] */
	size_t n, cap;
};

/* The figures of day; all zero outside the days stored. */
const struct sum_day *sum_day_at(const struct sum_days *s, long day);

struct sum_tday {               /* a result type's day */
	uint64_t sessions;          /* failed sessions */
	unsigned char present;      /* appeared (even with 0 sessions) */
};

struct sum_tdays {
	struct sum_tday *v;
	long first;
	size_t n, cap;
};

struct sum_count {              /* value of the top-list maps */
	uint64_t sessions;          /* failed sessions */
	uint64_t records;
	unsigned days;              /* distinct window days with failures */
	long last;                  /* last day counted, + 1 (0: never) */
};

struct sum_rtype {              /* value of a group's result type map */
	uint64_t win, win_n;        /* sessions and appearances in the window */
	uint64_t win_capped;        /* window sessions within each record's failed
	                             * total, details taken in report order */
	uint64_t hist_n;            /* appearances in the days before the window */
	long first;                 /* first window day seen */
	int is_new;                 /* not seen in the history days */
	struct sum_tdays days;      /* per day */
	int init;                   /* the maps below are set up */
	struct sum_map send, recv, orgs, reasons, uris; /* window, sum_count */
};

struct sum_item {
	const char *key;
	const void *val;
};

struct sum_list {
	struct sum_item *v;
	size_t n;
};

struct sum_domain;

struct sum_group {              /* one domain + policy type */
	struct sum_domain *dom;
	const char *policy_type;
	int slot;                   /* 0 sts, 1 tlsa, 2 no-policy-found, 3 other */
	const char *mode;           /* latest "mode:" (static string) or NULL */
	long mode_day;
	int enforce;                /* a window record had mode enforce */
	uint64_t success, failed, records;  /* window */
	uint64_t detail_sessions;   /* sum over failure_details, window */
	uint64_t unattributed;      /* window: failed beyond the records' details;
	                             * + every type's win_capped = failed */
	struct sum_days days;
	struct sum_map rtypes, send, recv, orgs;
	struct sum_list types;      /* ranked sum_rtype seen in the window */
	struct sum_list top_send, top_recv, top_orgs; /* ranked sum_count */
	size_t norgs;               /* organizations reporting in the window */
	unsigned rate_bp;           /* window failure rate, 0.01 % units */
	int over_critical;
	/* policy changes: a signature (mode, mx: lines, mx_host_patterns)
	 * never seen before in this group, on the day it first appeared */
	char *sig;                  /* latest new signature (malloc'd) */
	long sig_day;
	struct sum_change {
		long day;
		char *from, *to;        /* malloc'd signatures */
	} changes[SUM_MAX_CHANGES];
	size_t nchanges, changes_lost;
	/* ready to enforce (sts mode testing): the last SUM_READY_DAYS
	 * complete days */
	int testing;                /* latest mode is testing */
	long ready_days;            /* days with reports among them */
	uint64_t ready_refused;     /* sessions that failed: refused under enforce */
	size_t ready_orgs;          /* reporters among them */
	int ready;
	struct sum_map ready_types, ready_mx, ready_orgmap; /* sum_count */
	struct sum_list top_ready_types, top_ready_mx;
};

struct sum_reporter {           /* value of a domain's reporter map */
	uint64_t tot[4], fail[4];   /* current day, per policy type slot */
	long cur_day;
	int dirty;                  /* tot/fail hold a day not yet folded */
	int listed;                 /* on the agg's dirty list */
	struct sum_reporter *next_dirty;
	struct sum_domain *dom;
	unsigned seen;              /* bit i: reported on day agg->ref - 1 - i */
	unsigned prior;             /* after finish: days reported before the last ones */
	long last;                  /* last day reported before agg->ref, + 1 (0: none) */
};

struct sum_domain {
	const char *name;
	struct sum_days days;       /* largest per reporter and day */
	uint64_t success, failed, records; /* window, same method */
	unsigned rate_bp;
	struct sum_map reporters;
	struct sum_group **groups;  /* sorted by policy type after finish */
	size_t ngroups, capgroups;
	struct sum_list silent;     /* silent reporters (sum_reporter) */
	size_t ninc;                /* after finish: its incidents */
	int worst;                  /* ... the most severe (enum sum_severity), -1: none */
};

enum sum_kind {
	SUM_KIND_TYPE,              /* a result type failing */
	SUM_KIND_RATE,              /* failures without a result type above a rate */
	SUM_KIND_SILENT             /* a reporter gone silent */
};

enum sum_severity { SUM_SEV_CRITICAL, SUM_SEV_WARNING, SUM_SEV_INFO };

struct sum_incident {
	enum sum_kind kind;
	enum sum_severity severity;
	const struct sum_domain *dom;
	const struct sum_group *grp;  /* NULL for SUM_KIND_SILENT */
	const char *what;           /* result type or organization; NULL for a rate */
	const char *mx;             /* the MX host the failures concentrate on, or NULL */
	long first, last;           /* first_seen, last_seen */
	int ongoing;
	int from_start;             /* first is the group's first day with reports */
	int at_limit;               /* first is the first day read: maybe earlier */
	int enforcing;              /* sts mode enforce or tlsa */
	int no_history;             /* fewer than SUM_BASELINE_DAYS days with reports */
	int after_clean;            /* began after SUM_BASELINE_DAYS clean days */
	long history_days;          /* days with reports up to the last complete day */
	uint64_t failed;            /* failed sessions in the window (complete days) */
	uint64_t failed_since;      /* since first */
	uint64_t sessions;          /* all sessions of the policy on those window days */
	unsigned rate_bp;
	long jump_day;              /* largest day-level jump inside the run, or -1 */
	uint64_t jump_failed;
	double jump_median;
	long change_day;            /* a policy change within a day of first, or -1 */
	unsigned prior;             /* silent: days covered before */
	struct sum_list orgs, send, recv, reasons, uris; /* ranked sum_count */
};

struct sum_agg {
	struct sum_opts o;
	long start;                 /* first day read: since - o.history */
	size_t nd;                  /* days from start to until */
	long ref;                   /* min(today, until + 1): silence is judged before it */
	long complete;              /* last complete day: min(until, today - 1) */
	struct sum_arena arena;     /* every map entry */
	struct sum_map groups, domains, warnings;
	struct sum_reporter *dirty;
	int nomem;                  /* sum_agg_end_day ran out of memory */
	uint64_t records, records_hist, records_warn, dropped;
	/* filled by the caller from the reader */
	uint64_t skipped, skipped_hist;
	uint64_t skipped_files;     /* files with unreadable lines */
	char skipped_file[256];     /* the first of them, as "SPOOL/YYYY-MM-DD.jsonl" */
	uint64_t duplicates;        /* copies of one report (merged spools), not counted */
	uint64_t no_domain;         /* records without a policy domain, not counted */
	uint64_t conflicts;         /* records whose report_id came before with other content: counted */
	uint64_t conflicts_dropped; /* records of such a copy without an aligned DKIM pass,
				     * left out for the copy with one */
	char conflict_example[160]; /* "org" "report_id" of the first left out */
	unsigned long quarantined;
	/* after sum_agg_finish */
	struct sum_domain **doms;
	size_t ndoms;
	struct sum_incident *inc;   /* critical -> warning -> info */
	size_t ninc, ncrit, nwarn;
	struct sum_list top_warnings;
	size_t days_with_data;
	struct buf key;
};

int sum_agg_init(struct sum_agg *a, const struct sum_opts *o, struct err *e);
void sum_agg_free(struct sum_agg *a);

/* Account one record of day.  Days outside [start, until] and domains
 * not selected are ignored.  ENOMEM is ERR_TEMP. */
int sum_agg_add(struct sum_agg *a, long day, const struct sum_rec *r, struct err *e);

/* sum_rec_fn adapter: arg is the struct sum_agg. */
int sum_agg_add_cb(void *arg, long day, const struct sum_rec *r, struct err *e);

/* Call after each day's records (folds the per-reporter maxima). */
void sum_agg_end_day(struct sum_agg *a);

int sum_agg_finish(struct sum_agg *a, struct err *e);

/* a + b, saturating at UINT64_MAX (the counters do the same). */
uint64_t sum_sat_add(uint64_t a, uint64_t b);

/* failed / total in hundredths of a percent, rounded half up; 0 if total 0. */
unsigned sum_rate_bp(uint64_t failed, uint64_t total);

/* Append the remediation for an RFC 8460 section 4.3 result type (domain
 * fills the MTA-STS host name).  Returns 1 for a known type, 0 for an
 * unknown one (a generic text is appended), -1 on ENOMEM. */
int sum_remedy(const char *result_type, const char *domain, struct buf *out);

/* The i-th RFC 8460 result type sum_remedy knows, NULL past the last. */
const char *sum_known_type(size_t i);

#endif
