/* Text output of tlsrpt-summary, the --check status line, and the small
 * pieces the JSON and HTML formats share (rates, flag wording, cleaning
 * report strings for a terminal).  Everything reads a finished struct
 * sum_agg; nothing here changes it.  Text is laid out for 80 columns
 * (long names are cut with "..."), with ANSI colour only when asked. */
#ifndef TLSRPT_SUMOUT_H
#define TLSRPT_SUMOUT_H

#include <stdio.h>

#include "sumagg.h"
#include "util.h"

struct sum_view {
	const char *spool;          /* shown in the header */
	int color;                  /* text: ANSI colour */
	size_t top_domains;         /* text, html: sections for this many domains (0: all) */
};

#define SUM_TOP_DOMAINS 20      /* default --top-domains */
#define SUM_OVERVIEW_INC 500    /* incidents an overview lists one by one */

/* The domains that have something to show (reports in the window or a
 * silent reporter), most severe incident first, then most failed
 * sessions, then by name: malloc'd, NULL with *n 0 when there is none
 * (or on ENOMEM: -1). */
int sum_ranked_domains(const struct sum_agg *a, const struct sum_domain ***out, size_t *n);

/* 1 when the output is an overview: more domains to show than
 * v->top_domains, whose sections alone are shown in full. */
int sum_is_overview(const struct sum_view *v, size_t ndoms);

enum sum_state { SUM_OK = 0, SUM_WARNING = 1, SUM_CRITICAL = 2, SUM_UNKNOWN = 3 };

/* "OK", "WARNING", ... */
const char *sum_state_name(enum sum_state s);

/* Monitoring-plugin verdict: UNKNOWN without records in the window,
 * CRITICAL for a critical incident, WARNING for a warning incident or
 * any unreadable line, else OK (info incidents do not raise it). */
enum sum_state sum_state_of(const struct sum_agg *a);

/* Append the one-line status ("TLSRPT WARNING - ... | perfdata"). */
int sum_status(const struct sum_agg *a, struct buf *out);

/* bp (0.01 % units) -> "12.34". */
void sum_fmt_rate(unsigned bp, char out[16]);

/* Stable machine names: "failure-type", "failure-rate", "silent-reporter";
 * "critical", "warning", "info". */
const char *sum_kind_name(enum sum_kind k);
const char *sum_severity_name(enum sum_severity s);

/* Append what the incident is, without domain and policy type:
 * "certificate-expired at mx2.example.com", "silent reporter Quiet". */
int sum_incident_what(const struct sum_incident *i, struct buf *out);

/* Append the sentences that date, count and judge the incident. */
int sum_incident_detail(const struct sum_agg *a, const struct sum_incident *i, struct buf *out);

/* Append "N unreadable lines in FILE" (and how many more files), or
 * nothing when every line was read. */
int sum_unreadable(const struct sum_agg *a, struct buf *out);

/* Append the remediation for the incident (nothing for a silent reporter). */
int sum_incident_remedy(const struct sum_incident *i, struct buf *out);

/* Append s with control characters (C0, DEL, C1) replaced by "?", cut
 * to max code points with "..." (max 0: no limit).  s is valid UTF-8.
 * Returns the number of code points appended, -1 on ENOMEM. */
long sum_clean(struct buf *out, const char *s, size_t max);

/* Write the text report to out.  -1 when writing fails. */
int sum_text(const struct sum_agg *a, const struct sum_view *v, FILE *out);

#endif
