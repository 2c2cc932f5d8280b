/* Aggregation and analysis for tlsrpt-summary.  Records arrive day by day
 * (the spool's files in date order) from SUM_HISTORY_DAYS before the
 * window up to its last day.  Everything is keyed by domain and policy
 * type and never summed across policy types: Microsoft reports the same
 * sessions under both "sts" and "tlsa".  The one domain-level figure
 * takes, per reporter and day, the largest count among the policy types.
 * Days before the window only feed the baselines (trailing median,
 * result types already seen, reporters' habits).  Memory grows with the
 * number of distinct keys, each map capped (SUM_MAX_*), never with the
 * number of records.  sum_agg_finish ranks, flags and freezes it all for
 * the output formats, which only read the public fields below. */
#ifndef TLSRPT_SUMAGG_H
#define TLSRPT_SUMAGG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "summap.h"
#include "sumread.h"
#include "util.h"

#define SUM_HISTORY_DAYS 30  /* baseline for "new failure type" */
#define SUM_MEDIAN_DAYS  7   /* trailing median for spikes */
#define SUM_SILENT_LAST  2   /* a silent reporter sent nothing on these last days */
#define SUM_SILENT_PRIOR 7   /* ... after reporting on the days before them */
#define SUM_SILENT_MIN   5   /* ... on at least this many of them */
#define SUM_MAX_GROUPS   ((size_t)100000)  /* domain + policy type pairs */
#define SUM_MAX_KEYS     ((size_t)100000)  /* entries per map; the rest is "(other)" */
#define SUM_OTHER        "(other)"

struct sum_opts {
	long since, until;          /* window, inclusive UTC day numbers */
	double spike_factor;        /* x trailing median, default 3 */
	uint64_t spike_min;         /* failed sessions, default 10 */
	double enforce_rate;        /* percent, on mode enforce, default 0.5 */
	double critical_rate;       /* percent over the window, default 5 */
	size_t top;                 /* entries per top list, default 5 */
	const struct strlist *domains; /* lower case; NULL or empty: all */
};

/* Defaults with the 7 days ending on today. */
void sum_opts_default(struct sum_opts *o, long today);

#define SUM_DAY_SPIKE    1u
#define SUM_DAY_NEWTYPE  2u
#define SUM_DAY_SILENT   4u

struct sum_day {
	uint64_t success, failed, records;
	unsigned char enforce;      /* a record that day had mode enforce */
	unsigned char flags;        /* SUM_DAY_* */
};

struct sum_count {              /* value of the top-list maps */
	uint64_t sessions;          /* failed sessions */
	uint64_t records;
	unsigned days;              /* distinct window days with failures */
	long last;                  /* last day counted, + 1 (0: never) */
};

struct sum_rtype {              /* value of a group's result type map */
	uint64_t win, win_n;        /* sessions and appearances in the window */
	uint64_t hist_n;            /* appearances in the baseline days */
	long first;                 /* first window day seen */
	int is_new;
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
	struct sum_day *days;       /* agg->nd days from agg->start */
	struct sum_map rtypes, send, recv, orgs;
	struct sum_list types;      /* ranked sum_rtype seen in the window */
	struct sum_list top_send, top_recv, top_orgs; /* ranked sum_count */
	size_t norgs;               /* organizations reporting in the window */
	unsigned rate_bp;           /* window failure rate, 0.01 % units */
	int over_critical;
};

struct sum_reporter {           /* value of a domain's reporter map */
	uint64_t tot[4], fail[4];   /* current day, per policy type slot */
	long cur_day;
	int dirty;                  /* tot/fail hold a day not yet folded */
	int listed;                 /* on the agg's dirty list */
	struct sum_reporter *next_dirty;
	struct sum_domain *dom;
	unsigned seen;              /* bit i: reported on day until - i */
	unsigned prior;             /* after finish: days reported before the last ones */
};

struct sum_domain {
	const char *name;
	struct sum_day *days;       /* largest per reporter and day */
	uint64_t success, failed, records; /* window, same method */
	unsigned rate_bp;
	struct sum_map reporters;
	struct sum_group **groups;  /* sorted by policy type after finish */
	size_t ngroups, capgroups;
	struct sum_list silent;     /* silent reporters (sum_reporter) */
	unsigned flags;             /* union of its days' flags */
};

enum sum_flag_kind {
	SUM_FLAG_RATE,              /* window rate above critical_rate */
	SUM_FLAG_NEW_TYPE,
	SUM_FLAG_SPIKE,
	SUM_FLAG_SILENT
};

struct sum_flag {
	enum sum_flag_kind kind;
	int critical;
	const struct sum_domain *dom;
	const struct sum_group *grp;  /* NULL for SUM_FLAG_SILENT */
	long day;
	const char *what;           /* result type or organization */
	uint64_t failed, sessions;  /* the day's (spike) or window's (rate) */
	double median;              /* spike: trailing median */
	int by_median, by_rate;     /* spike: which rule fired */
	unsigned prior;             /* silent: days reported before */
};

struct sum_agg {
	struct sum_opts o;
	long start;                 /* first day read: since - SUM_HISTORY_DAYS */
	size_t nd;                  /* days from start to until */
	struct sum_arena arena;     /* every map entry */
	struct sum_map groups, domains, warnings;
	struct sum_reporter *dirty;
	uint64_t records, records_hist, records_warn, dropped;
	/* filled by the caller from the reader */
	uint64_t skipped, skipped_hist;
	uint64_t duplicates;        /* copies of one report (merged spools), not counted */
	uint64_t conflicts;         /* records whose report_id came before with other content: counted */
	uint64_t conflicts_dropped; /* records of such a copy without an aligned DKIM pass,
				     * left out for the copy with one */
	char conflict_example[160]; /* "org" "report_id" of the first left out */
	unsigned long quarantined;
	/* after sum_agg_finish */
	struct sum_domain **doms;
	size_t ndoms;
	struct sum_flag *flags;
	size_t nflags;
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

/* Append the remediation for an RFC 8460 result type (domain fills the
 * MTA-STS host name).  Returns 1 for a known type, 0 for an unknown one
 * (a generic text is appended), -1 on ENOMEM. */
int sum_remedy(const char *result_type, const char *domain, struct buf *out);

/* The i-th RFC 8460 result type sum_remedy knows, NULL past the last. */
const char *sum_known_type(size_t i);

#endif
