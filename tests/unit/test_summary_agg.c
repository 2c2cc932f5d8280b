/* Unit tests for tlsrpt-summary's aggregation, incidents and status line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sumagg.h"
#include "sumout.h"
#include "../tap.h"

#define UNTIL 20591L            /* 2026-05-18 */
#define SINCE (UNTIL - 6)

static struct sum_agg A;
static long last_day = -1;

static void start(const struct strlist *domains)
{
	struct sum_opts o;

	sum_opts_default(&o, UNTIL);
	o.today = UNTIL + 1;        /* every window day complete */
	o.domains = domains;
	if (sum_agg_init(&A, &o, NULL) < 0)
		abort();
	last_day = -1;
}

/* One record with at most one failure detail of rtype; like main, fold
 * the reporters' day when the day changes. */
static void add(long day, const char *org, const char *dom, const char *ptype, const char *mode,
		uint64_t good, uint64_t failed, const char *rtype)
{
	struct sum_detail d = { rtype, failed, "192.0.2.1", "198.51.100.1", NULL, NULL, NULL };
	struct sum_rec r = { .org = org, .domain = dom, .policy_type = ptype, .mode = mode,
			     .success = good, .failed = failed, .details = &d,
			     .ndetails = rtype != NULL };

	if (day != last_day)
		sum_agg_end_day(&A);
	last_day = day;
	ok(sum_agg_add(&A, day, &r, NULL) == 0, "record added");
}

static const struct sum_domain *dom(const char *name)
{
	for (size_t i = 0; i < A.ndoms; i++)
		if (strcmp(A.doms[i]->name, name) == 0)
			return A.doms[i];
	return NULL;
}

static const struct sum_group *grp(const char *d, const char *ptype)
{
	const struct sum_domain *x = dom(d);

	for (size_t i = 0; x != NULL && i < x->ngroups; i++)
		if (strcmp(x->groups[i]->policy_type, ptype) == 0)
			return x->groups[i];
	return NULL;
}

/* The incident of domain d (and result type or organization what). */
static const struct sum_incident *inc(const char *d, const char *what)
{
	for (size_t i = 0; i < A.ninc; i++)
		if (strcmp(A.inc[i].dom->name, d) == 0 &&
		    (what == NULL || (A.inc[i].what && strcmp(A.inc[i].what, what) == 0)))
			return &A.inc[i];
	return NULL;
}

static void test_rate(void)
{
	is_int(sum_rate_bp(0, 0), 0, "no sessions, rate 0");
	is_int(sum_rate_bp(1, 3), 3333, "1/3 = 33.33 %");
	is_int(sum_rate_bp(2, 3), 6667, "2/3 rounds half up to 66.67 %");
	is_int(sum_rate_bp(1, 20000), 1, "0.005 % rounds up to 0.01 %");
	is_int(sum_rate_bp(1, 20001), 0, "just under rounds down");
	is_int(sum_rate_bp(UINT64_MAX / 2, UINT64_MAX), 5000, "huge counts, no overflow");
	is_int(sum_rate_bp(5, 3), 10000, "failed above total is capped at 100 %");
}

/* Microsoft reports the same sessions under sts and tlsa. */
static void test_duplicates(void)
{
	const struct sum_domain *d;

	start(NULL);
	add(UNTIL, "Microsoft", "Example.COM", "sts", "enforce", 800, 2, "starttls-not-supported");
	add(UNTIL, "Microsoft", "example.com", "tlsa", NULL, 800, 2, "starttls-not-supported");
	add(UNTIL, "Google", "example.com", "sts", "enforce", 100, 0, NULL);
	add(UNTIL - 1, "Microsoft", "example.com", "sts", "enforce", 500, 10, "starttls-not-supported");
	add(UNTIL - 1, "Microsoft", "example.com", "tlsa", NULL, 400, 30, "starttls-not-supported");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	d = dom("example.com");
	ok(d != NULL && d->ngroups == 2, "one domain (case folded), two policy types");
	is_int(grp("example.com", "sts")->success + grp("example.com", "sts")->failed, 1412,
	       "sts counted alone");
	is_int(grp("example.com", "tlsa")->failed, 32, "tlsa counted alone");
	is_int(sum_day_at(&d->days, UNTIL)->success + sum_day_at(&d->days, UNTIL)->failed, 902,
	       "domain day: largest per reporter (802), plus the other reporter");
	is_int(sum_day_at(&d->days, UNTIL)->failed, 2, "failed not doubled");
	is_int(sum_day_at(&d->days, UNTIL - 1)->success + sum_day_at(&d->days, UNTIL - 1)->failed, 510,
	       "largest total per reporter");
	is_int(sum_day_at(&d->days, UNTIL - 1)->failed, 30, "largest failed per reporter");
	is_int(d->failed, 32, "window domain failed");
	is_str(grp("example.com", "sts")->mode, "enforce", "mode kept");
	is_int(grp("example.com", "sts")->norgs, 2, "two organizations for sts");
	sum_agg_free(&A);
}

static void history(const char *dom_name, const char *mode, uint64_t failed, const char *rtype)
{
	for (long day = A.start; day < SINCE; day++)
		add(day, "Google", dom_name, "sts", mode, 1000, failed, rtype);
}

/* One incident per problem, with the day-level jump as a fact of it. */
static void test_jump(void)
{
	const struct sum_incident *i;
	static const uint64_t week[] = { 4, 5, 6, 5, 4, 5, 6 };

	start(NULL);
	history("a.example", "testing", 5, "starttls-not-supported");
	add(SINCE, "Google", "a.example", "sts", "testing", 1000, 14, "starttls-not-supported");
	add(SINCE + 1, "Google", "a.example", "sts", "testing", 1000, 15, "starttls-not-supported");
	for (int k = 0; k < 7; k++)     /* median 5 before the last day */
		add(UNTIL - 7 + k, "Google", "b.example", "sts", "testing", 1000, week[k],
		    "starttls-not-supported");
	add(UNTIL, "Google", "b.example", "sts", "testing", 1000, 15, "starttls-not-supported");
	history("c.example", "testing", 0, NULL);
	add(UNTIL, "Google", "c.example", "sts", "testing", 1000, 9, "starttls-not-supported");
	history("d.example", "enforce", 0, NULL);
	add(UNTIL, "Google", "d.example", "sts", "enforce", 994, 6, "starttls-not-supported");
	history("e.example", "testing", 0, NULL);
	add(UNTIL, "Google", "e.example", "sts", "testing", 994, 6, "starttls-not-supported");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	is_int(A.ninc, 5, "one incident per domain, not one per day");
	i = inc("a.example", NULL);
	ok(i && i->first == A.start && i->from_start && i->last == SINCE + 1 && !i->ongoing,
	   "a: since the first day read, ended (no reports since)");
	ok(i && i->jump_day == SINCE + 1 && i->jump_failed == 15, "a: 15 >= 3 x 5 is a jump, 14 not");
	is_int(i ? i->failed_since : 0, 5 * 90 + 29, "a: failed since first seen");
	is_int(i ? (long)i->severity : -1, SUM_SEV_INFO, "a: 1.45 % on testing is info");
	i = inc("b.example", NULL);
	ok(i && i->jump_day == UNTIL && i->jump_median == 5.0, "b: the 7-day median (5) before the jump");
	ok(i && !i->no_history && i->severity == SUM_SEV_INFO,
	   "b: 8 days of data are a baseline; 0.66 % on testing is info");
	is_int(i ? i->history_days : 0, 8, "b: 8 days with reports");
	i = inc("c.example", NULL);
	ok(i && i->first == UNTIL && i->after_clean && i->jump_day < 0 && i->ongoing,
	   "c: new after a clean baseline; its first day is no jump");
	is_int(i ? (long)i->severity : -1, SUM_SEV_INFO, "c: testing, under the critical rate: info");
	i = inc("d.example", NULL);
	is_int(i ? (long)i->severity : -1, SUM_SEV_CRITICAL, "d: new type after a clean baseline on enforce");
	is_int((long)A.inc[0].severity, SUM_SEV_CRITICAL, "critical first");
	ok(A.inc[0].dom == dom("d.example"), "d first");
	is_int(sum_state_of(&A), SUM_CRITICAL, "state critical");
	sum_agg_free(&A);
}

static void test_new_type(void)
{
	const struct sum_group *g;
	const struct sum_incident *i;

	start(NULL);
	history("a.example", "enforce", 1, "starttls-not-supported");
	add(A.start - 1, "Google", "a.example", "sts", "enforce", 1000, 1, "certificate-expired");
	add(SINCE + 2, "Google", "a.example", "sts", "enforce", 1000, 1, "starttls-not-supported");
	add(SINCE + 3, "Google", "a.example", "sts", "enforce", 1000, 2, "certificate-expired");
	add(SINCE + 4, "Google", "a.example", "sts", "enforce", 1000, 3, "x-strange");
	add(SINCE + 5, "Google", "a.example", "sts", "enforce", 1000, 4, "certificate-expired");
	add(UNTIL + 1, "Google", "a.example", "sts", "enforce", 1000, 4, "dane-required");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	g = grp("a.example", "sts");
	is_int(g->types.n, 3, "three types in the window, the future day ignored");
	is_str(g->types.v[0].key, "certificate-expired", "ranked by sessions");
	ok(((const struct sum_rtype *)g->types.v[0].val)->is_new, "seen only before the history: new");
	is_int(((const struct sum_rtype *)g->types.v[0].val)->win, 6, "its sessions");
	ok(!((const struct sum_rtype *)g->types.v[2].val)->is_new, "old type not new");
	i = inc("a.example", "certificate-expired");
	ok(i && i->first == SINCE + 3 && i->last == SINCE + 5 && i->failed == 6,
	   "one run across a day without it (a gap of 1 < 2)");
	ok(i && i->severity == SUM_SEV_CRITICAL && i->after_clean, "new after a clean baseline: critical");
	ok(inc("a.example", "x-strange") && inc("a.example", "x-strange")->severity == SUM_SEV_CRITICAL,
	   "an unknown type too");
	i = inc("a.example", "starttls-not-supported");
	ok(i && i->severity == SUM_SEV_INFO && i->first == A.start, "the old type: 0.1 %, info");
	is_int(A.ncrit, 2, "two critical");
	sum_agg_free(&A);
}

/* No baseline: at most a warning; failures without a result type. */
static void test_no_history_and_rate(void)
{
	const struct sum_incident *i;

	start(NULL);
	for (long day = UNTIL - 2; day <= UNTIL; day++) {
		add(day, "Google", "fresh.example", "sts", "enforce", 800, 200, "starttls-not-supported");
		add(day, "Google", "blind.example", "sts", "enforce", 990, 10, NULL);
	}
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	i = inc("fresh.example", NULL);
	ok(i && i->no_history && i->severity == SUM_SEV_WARNING && i->history_days == 3,
	   "20 % on enforce without history: a warning");
	i = inc("blind.example", NULL);
	ok(i && i->kind == SUM_KIND_RATE && i->what == NULL && i->failed == 30 &&
	   i->first == UNTIL - 2 && i->severity == SUM_SEV_WARNING,
	   "1 % without a result type on enforce: failure-rate, warning");
	is_int(sum_state_of(&A), SUM_WARNING, "state warning");
	sum_agg_free(&A);
}

static void test_silent(void)
{
	const struct sum_domain *d;
	const struct sum_incident *i;

	start(NULL);
	for (long day = UNTIL - 8; day <= UNTIL - 2; day++) {
		add(day, "Quiet", "a.example", "sts", NULL, 10, 0, NULL);
		if (day != UNTIL - 4 && day != UNTIL - 6 && day != UNTIL - 8)
			add(day, "Four", "a.example", "sts", NULL, 10, 0, NULL);
		if (day != UNTIL - 4 && day != UNTIL - 6)
			add(day, "Five", "a.example", "tlsa", NULL, 10, 0, NULL);
		add(day, "Late", "a.example", "sts", NULL, 10, 0, NULL);
	}
	add(UNTIL - 1, "Late", "a.example", "sts", NULL, 10, 0, NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	d = dom("a.example");
	is_int(d->silent.n, 2, "two silent reporters");
	is_str(d->silent.v[0].key, "Five", "five of seven days is enough");
	is_str(d->silent.v[1].key, "Quiet", "seven of seven");
	is_int(((const struct sum_reporter *)d->silent.v[1].val)->prior, 7, "days counted");
	i = inc("a.example", "Quiet");
	ok(i && i->kind == SUM_KIND_SILENT && i->first == UNTIL - 1 && i->last == UNTIL &&
	   i->ongoing && i->severity == SUM_SEV_WARNING, "silent since the first day missed");
	ok(inc("a.example", "Late") == NULL, "one day late is not silent");
	is_int(sum_state_of(&A), SUM_WARNING, "silent reporters warn");
	sum_agg_free(&A);
}

static void test_status(void)
{
	struct strlist only;
	struct buf line;

	strlist_init(&only);
	strlist_add(&only, "b.example");
	start(&only);
	history("a.example", "testing", 0, NULL);
	history("b.example", "testing", 6, "starttls-not-supported");
	add(UNTIL, "Google", "B.Example", "sts", "testing", 940, 60, "starttls-not-supported");
	add(UNTIL, "Google", "a.example", "sts", "testing", 0, 100, "starttls-not-supported");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	is_int(A.ndoms, 1, "only the selected domain");
	ok(grp("b.example", "sts")->over_critical, "6 % over the window");
	is_int(A.ninc, 1, "one incident");
	is_int(A.records, 1, "one record in the window");
	is_int(A.records_hist, 90, "ninety history records");
	buf_init(&line);
	ok(sum_status(&A, &line) == 0, "status line");
	is_str((char *)line.p, "TLSRPT WARNING - 1 incident (0 critical, 1 warning, 0 info): "
	       "b.example sts starttls-not-supported at 198.51.100.1 since 2026-02-11 (warning) | sessions=1000 "
	       "failed=60 incidents=1 critical=0 warning=1 quarantined=0 skipped_lines=0",
	       "above the critical rate on testing: a warning, dated from its start");
	A.skipped = 2;
	A.skipped_files = 2;
	snprintf(A.skipped_file, sizeof A.skipped_file, "s/2026-05-17.jsonl");
	buf_reset(&line);
	sum_status(&A, &line);
	is_str((char *)line.p, "TLSRPT WARNING - 1 incident (0 critical, 1 warning, 0 info): "
	       "b.example sts starttls-not-supported at 198.51.100.1 since 2026-02-11 (warning); 2 unreadable "
	       "lines in s/2026-05-17.jsonl and 1 more file | sessions=1000 failed=60 incidents=1 "
	       "critical=0 warning=1 quarantined=0 skipped_lines=2", "unreadable lines named");
	sum_agg_free(&A);
	start(NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "empty finished");
	buf_reset(&line);
	sum_status(&A, &line);
	is_str((char *)line.p, "TLSRPT UNKNOWN - no reports from 2026-05-12 to 2026-05-18 | "
	       "sessions=0 failed=0 incidents=0 critical=0 warning=0 quarantined=0 skipped_lines=0",
	       "no data");
	sum_agg_free(&A);
	start(NULL);
	add(UNTIL, "Google", "a.example", "sts", "enforce", 100, 0, NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "clean finished");
	buf_reset(&line);
	sum_status(&A, &line);
	is_str((char *)line.p, "TLSRPT OK - 1 domain, 100 sessions, 0.00 % failed, no incidents | "
	       "sessions=100 failed=0 incidents=0 critical=0 warning=0 quarantined=0 skipped_lines=0",
	       "all good");
	A.skipped_hist = 1;
	snprintf(A.skipped_file, sizeof A.skipped_file, "s/2026-04-01.jsonl");
	A.skipped_files = 1;
	is_int(sum_state_of(&A), SUM_WARNING, "an unreadable line, even before the window, warns");
	sum_agg_free(&A);
	buf_free(&line);
	strlist_free(&only);
}

static void test_top_and_cap(void)
{
	const struct sum_group *g;

	start(NULL);
	add(SINCE, "Small", "a.example", "sts", NULL, 10, 5, "x");
	add(SINCE + 1, "Small", "a.example", "sts", NULL, 10, 5, "x");
	add(SINCE, "Big", "a.example", "sts", NULL, 10, 10, "x");
	add(SINCE, "Clean", "a.example", "sts", NULL, 10, 0, NULL);
	add(UNTIL, "Big", "a.example", "sts", NULL, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX, "x");
	add(UNTIL, "Big", "a.example", "sts", NULL, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX, "x");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	g = grp("a.example", "sts");
	is_int(g->norgs, 3, "three organizations");
	is_int(g->top_orgs.n, 2, "two behind failures");
	is_str(g->top_orgs.v[0].key, "Big", "largest first");
	is_int(((const struct sum_count *)g->top_orgs.v[1].val)->days, 2, "Small on two days");
	ok(g->failed == UINT64_MAX && g->success == UINT64_MAX, "counters saturate");
	sum_agg_free(&A);
}

/* Past SUM_MAX_KEYS distinct IPs the rest is counted under "(other)". */
static void test_key_cap(void)
{
	struct sum_detail d = { "starttls-not-supported", 1, NULL, NULL, "mx.a.example", NULL, NULL };
	struct sum_rec r = { .org = "O", .domain = "a.example", .policy_type = "sts",
			     .success = 0, .failed = 1, .details = &d, .ndetails = 1 };
	const struct sum_group *g;
	const struct sum_count *c;
	char ip[32];
	int fine = 1;

	start(NULL);
	for (size_t i = 0; i < SUM_MAX_KEYS + 7; i++) {
		snprintf(ip, sizeof ip, "10.%zu.%zu.%zu", i >> 16, (i >> 8) & 255, i & 255);
		d.sending_ip = ip;
		fine &= sum_agg_add(&A, UNTIL, &r, NULL) == 0;
	}
	ok(fine, "many distinct IPs added");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	g = grp("a.example", "sts");
	is_int(g->send.n, SUM_MAX_KEYS + 1, "map capped, plus (other)");
	is_str(g->top_send.v[0].key, SUM_OTHER, "the overflow ranks first");
	c = g->top_send.v[0].val;
	is_int(c->sessions, 7, "and holds the sessions past the cap");
	is_int(g->failed, SUM_MAX_KEYS + 7, "totals unaffected");
	sum_agg_free(&A);
}

static void test_words(void)
{
	struct buf b;

	buf_init(&b);
	is_int(sum_clean(&b, "a\033[31mb\x7f\xc2\x85", 0), 9, "code points counted");
	is_str((char *)b.p, "a?[31mb??", "ESC, DEL and C1 replaced");
	buf_reset(&b);
	sum_clean(&b, "ab\xe2\x80\xae" "cd", 0);
	is_str((char *)b.p, "ab?cd", "bidi override replaced");
	buf_reset(&b);
	is_int(sum_clean(&b, "\xc3\xa9t\xc3\xa9-long-name", 8), 8, "cut to 8");
	is_str((char *)b.p, "\xc3\xa9t\xc3\xa9-l...", "cut on a character boundary");
	buf_reset(&b);
	is_int(sum_remedy("sts-policy-fetch-error", "example.com", &b), 1, "known type");
	ok(strstr((char *)b.p, "https://mta-sts.example.com/.well-known/mta-sts.txt") != NULL,
	   "domain filled in");
	ok(strstr((char *)b.p, "certificate") == NULL,
	   "a fetch error is not a certificate problem (that is sts-webpki-invalid)");
	buf_reset(&b);
	sum_remedy("sts-webpki-invalid", "example.com", &b);
	ok(strstr((char *)b.p, "certificate of mta-sts.example.com") != NULL, "webpki: the certificate");
	buf_reset(&b);
	sum_remedy("validation-failure", "example.com", &b);
	ok(strstr((char *)b.p, "general failure") != NULL && strstr((char *)b.p, "reason code") != NULL,
	   "validation-failure is the general category; the reason code tells");
	buf_reset(&b);
	is_int(sum_remedy("x-new", "example.com", &b), 0, "unknown type");
	ok(strstr((char *)b.p, "Unknown result type") != NULL, "says so");
	for (size_t i = 0; sum_known_type(i) != NULL; i++) {
		buf_reset(&b);
		if (sum_remedy(sum_known_type(i), "d", &b) != 1)
			break;
		if (i == 10)
			ok(1, "eleven RFC 8460 types known");
	}
	buf_free(&b);
}

int main(void)
{
	test_rate();
	test_duplicates();
	test_jump();
	test_new_type();
	test_no_history_and_rate();
	test_silent();
	test_status();
	test_top_and_cap();
	test_key_cap();
	test_words();
	return tap_done();
}
