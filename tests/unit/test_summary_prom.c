/* Unit tests for tlsrpt-summary's Prometheus output: label escaping, the
 * split of failed sessions by result type (overlapping details, details
 * that name only some failures, a report using the fallback's name),
 * exact output, tlsrpt_status, a write error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sumagg.h"
#include "sumout.h"
#include "sumprom.h"
#include "../tap.h"

#define UNTIL 20591L            /* 2026-05-18 */

static struct sum_agg A;

static void start(void)
{
	struct sum_opts o;

	sum_opts_default(&o, UNTIL);
	o.today = UNTIL + 1;
	o.history = 0;
	if (sum_agg_init(&A, &o, NULL) < 0)
		abort();
}

/* One record with n details: types[i] with counts[i] failed sessions. */
static void add(long day, const char *org, const char *dom, uint64_t good, uint64_t failed,
		size_t n, const char *const *types, const uint64_t *counts)
{
	struct sum_detail d[4];
	struct sum_rec r = { .org = org, .domain = dom, .policy_type = "sts", .mode = "enforce",
			     .success = good, .failed = failed, .details = d, .ndetails = n };

	for (size_t i = 0; i < n; i++)
		d[i] = (struct sum_detail){ types[i], counts[i], "192.0.2.1", "198.51.100.1",
					    "mx.example", NULL, NULL };
	ok(sum_agg_add(&A, day, &r, NULL) == 0, "record added");
}

/* The whole output of sum_prom, malloc'd. */
static char *render(void)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	ok(f != NULL && sum_prom(&A, f) == 0, "written");
	if (f != NULL)
		fclose(f);
	return p;
}

/* The lines of out that start with prefix, joined. */
static char *grep(const char *out, const char *prefix)
{
	static char got[4096];
	size_t n = 0, len = strlen(prefix);

	got[0] = '\0';
	for (const char *l = out; l != NULL && *l != '\0'; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t ll = strcspn(l, "\n") + 1;

		if (strncmp(l, prefix, len) == 0 && n + ll < sizeof got) {
			memcpy(got + n, l, ll);
			n += ll;
			got[n] = '\0';
		}
	}
	return got;
}

static void test_label(void)
{
	struct buf b;

	buf_init(&b);
	ok(sum_prom_label(&b, "a\\b\"c\nd\te\xc3\xa9") == 0 && buf_reserve(&b, 0) == 0, "escaped");
	is_str((char *)b.p, "a\\\\b\\\"c\\nd\te\xc3\xa9",
	       "backslash, double quote and newline escaped; tab and UTF-8 as they are");
	buf_free(&b);
}

/* 10 failed, details 6 + 7 (overlap): 6 and 4.  10 failed, one detail of
 * 3: 3 and 7 without a type.  5 failed, no detail: 5 without a type. */
static void test_split(void)
{
	static const char *const ab[] = { "starttls-not-supported", "certificate-expired" };
	static const uint64_t c67[] = { 6, 7 }, c3[] = { 3 };
	char *out;

	start();
	add(UNTIL - 2, "Google", "a.example", 100, 10, 2, ab, c67);
	add(UNTIL - 1, "Google", "a.example", 100, 10, 1, ab, c3);
	add(UNTIL, "Google", "a.example", 100, 5, 0, NULL, NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	out = render();
	is_str(grep(out, "tlsrpt_failed_sessions{"),
	       "tlsrpt_failed_sessions{domain=\"a.example\",policy_type=\"sts\",result_type=\"starttls-not-supported\"} 9\n"
	       "tlsrpt_failed_sessions{domain=\"a.example\",policy_type=\"sts\",result_type=\"certificate-expired\"} 4\n"
	       "tlsrpt_failed_sessions{domain=\"a.example\",policy_type=\"sts\",result_type=\"(no result type)\"} 12\n",
	       "overlapping details cut to the failed total; the rest without a type: 9 + 4 + 12 = 25");
	is_str(grep(out, "tlsrpt_failure_detail_sessions{"),
	       "tlsrpt_failure_detail_sessions{domain=\"a.example\",policy_type=\"sts\",result_type=\"starttls-not-supported\"} 9\n"
	       "tlsrpt_failure_detail_sessions{domain=\"a.example\",policy_type=\"sts\",result_type=\"certificate-expired\"} 7\n",
	       "the details as reported");
	is_str(grep(out, "tlsrpt_sessions{"),
	       "tlsrpt_sessions{domain=\"a.example\",policy_type=\"sts\",outcome=\"successful\"} 300\n"
	       "tlsrpt_sessions{domain=\"a.example\",policy_type=\"sts\",outcome=\"failed\"} 25\n",
	       "sessions by outcome");
	free(out);
	sum_agg_free(&A);
}

/* A report that calls its result type "(no result type)": one series. */
static void test_fallback_name(void)
{
	static const char *const t[] = { SUM_PROM_NO_TYPE };
	static const uint64_t c2[] = { 2 };
	char *out;

	start();
	add(UNTIL, "Odd", "b.example", 100, 5, 1, t, c2);
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	out = render();
	is_str(grep(out, "tlsrpt_failed_sessions{"),
	       "tlsrpt_failed_sessions{domain=\"b.example\",policy_type=\"sts\",result_type=\"(no result type)\"} 5\n",
	       "the report's type and the unnamed failures are one series (2 + 3)");
	free(out);
	sum_agg_free(&A);
}

static const char want_full[] =
	"# HELP tlsrpt_status The state tlsrpt-summary --check gives, its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
	"# TYPE tlsrpt_status gauge\n"
	"tlsrpt_status 1\n"
	"# HELP tlsrpt_window_start_timestamp_seconds Start (midnight UTC) of the first day of the window the other tlsrpt metrics count.\n"
	"# TYPE tlsrpt_window_start_timestamp_seconds gauge\n"
	"tlsrpt_window_start_timestamp_seconds 1778544000\n"
	"# HELP tlsrpt_window_end_timestamp_seconds End (the next midnight UTC) of the last day of the window.\n"
	"# TYPE tlsrpt_window_end_timestamp_seconds gauge\n"
	"tlsrpt_window_end_timestamp_seconds 1779148800\n"
	"# HELP tlsrpt_records Report records in the window (one per report and policy).\n"
	"# TYPE tlsrpt_records gauge\n"
	"tlsrpt_records 1\n"
	"# HELP tlsrpt_unreadable_lines Spool lines that could not be read, in the window and the history days before it.\n"
	"# TYPE tlsrpt_unreadable_lines gauge\n"
	"tlsrpt_unreadable_lines 0\n"
	"# HELP tlsrpt_quarantined_messages Messages in the spool's quarantine/new.\n"
	"# TYPE tlsrpt_quarantined_messages gauge\n"
	"tlsrpt_quarantined_messages 0\n"
	"# HELP tlsrpt_sessions Sessions in the window per policy domain and policy type, by outcome (successful, failed), as the reports count them.\n"
	"# TYPE tlsrpt_sessions gauge\n"
	"tlsrpt_sessions{domain=\"q\\\"\\\\.example\",policy_type=\"sts\",outcome=\"successful\"} 90\n"
	"tlsrpt_sessions{domain=\"q\\\"\\\\.example\",policy_type=\"sts\",outcome=\"failed\"} 10\n"
	"# HELP tlsrpt_domain_sessions Sessions in the window per policy domain, by outcome: per reporter and day the largest figure among the policy types, never their sum (some report the same sessions under each).\n"
	"# TYPE tlsrpt_domain_sessions gauge\n"
	"tlsrpt_domain_sessions{domain=\"q\\\"\\\\.example\",outcome=\"successful\"} 90\n"
	"tlsrpt_domain_sessions{domain=\"q\\\"\\\\.example\",outcome=\"failed\"} 10\n"
	"# HELP tlsrpt_failed_sessions Failed sessions in the window by result type; per policy domain and policy type they add up to tlsrpt_sessions{outcome=\"failed\"}: a failure detail counts only up to what is left of its report's failed total, and what no detail names is result_type=\"(no result type)\".\n"
	"# TYPE tlsrpt_failed_sessions gauge\n"
	"tlsrpt_failed_sessions{domain=\"q\\\"\\\\.example\",policy_type=\"sts\",result_type=\"x\\nnew\"} 10\n"
	"# HELP tlsrpt_failure_detail_sessions Failed sessions in the window as the reports' failure details give them, by result type (they may overlap).\n"
	"# TYPE tlsrpt_failure_detail_sessions gauge\n"
	"tlsrpt_failure_detail_sessions{domain=\"q\\\"\\\\.example\",policy_type=\"sts\",result_type=\"x\\nnew\"} 10\n"
	"# HELP tlsrpt_incidents Incidents in the window per policy domain and severity (critical, warning, info).\n"
	"# TYPE tlsrpt_incidents gauge\n"
	"tlsrpt_incidents{domain=\"q\\\"\\\\.example\",severity=\"critical\"} 0\n"
	"tlsrpt_incidents{domain=\"q\\\"\\\\.example\",severity=\"warning\"} 1\n"
	"tlsrpt_incidents{domain=\"q\\\"\\\\.example\",severity=\"info\"} 0\n"
	"# HELP tlsrpt_ongoing_incidents Incidents still going on, per policy domain and severity.\n"
	"# TYPE tlsrpt_ongoing_incidents gauge\n"
	"tlsrpt_ongoing_incidents{domain=\"q\\\"\\\\.example\",severity=\"critical\"} 0\n"
	"tlsrpt_ongoing_incidents{domain=\"q\\\"\\\\.example\",severity=\"warning\"} 1\n"
	"tlsrpt_ongoing_incidents{domain=\"q\\\"\\\\.example\",severity=\"info\"} 0\n"
	"# HELP tlsrpt_last_report_timestamp_seconds End (the next midnight UTC) of the last day a report from the organization covers for the policy domain.\n"
	"# TYPE tlsrpt_last_report_timestamp_seconds gauge\n"
	"tlsrpt_last_report_timestamp_seconds{domain=\"q\\\"\\\\.example\",organization=\"Evil \\\"Org\\\"\\nInc.\"} 1779148800\n";

/* Every family, a hostile domain, organization and result type, exactly. */
static void test_full(void)
{
	static const char *const t[] = { "x\nnew" };
	static const uint64_t c10[] = { 10 };
	FILE *full;
	char *out;

	start();
	add(UNTIL, "Evil \"Org\"\nInc.", "Q\"\\.example", 90, 10, 1, t, c10);
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	is_int(sum_state_of(&A), SUM_WARNING, "10 % on enforce without history: a warning");
	out = render();
	is_str(out, want_full, "the whole output");
	free(out);
	full = fopen("/dev/full", "w");
	if (full != NULL) {
		ok(sum_prom(&A, full) < 0, "a write error is reported");
		fclose(full);
	} else {
		ok(1, "# SKIP no /dev/full");
	}
	sum_agg_free(&A);
}

static void test_unknown(void)
{
	char *out;

	start();
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	out = render();
	is_str(grep(out, "tlsrpt_status "), "tlsrpt_status 3\n", "no records: UNKNOWN, 3");
	is_str(grep(out, "tlsrpt_sessions{"), "", "no series without domains");
	free(out);
	sum_agg_free(&A);
}

int main(void)
{
	test_label();
	test_split();
	test_fallback_name();
	test_full();
	test_unknown();
	return tap_done();
}
