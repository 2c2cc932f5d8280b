/* Unit tests for tlsrpt-summary's aggregation, flags and status line. */
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
	struct sum_detail d = { rtype, failed, "192.0.2.1", "198.51.100.1", NULL };
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

static size_t nflags(enum sum_flag_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < A.nflags; i++)
		n += A.flags[i].kind == k;
	return n;
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
	is_int(d->days[UNTIL - A.start].success + d->days[UNTIL - A.start].failed, 902,
	       "domain day: largest per reporter (802), plus the other reporter");
	is_int(d->days[UNTIL - A.start].failed, 2, "failed not doubled");
	is_int(d->days[UNTIL - 1 - A.start].success + d->days[UNTIL - 1 - A.start].failed, 510,
	       "largest total per reporter");
	is_int(d->days[UNTIL - 1 - A.start].failed, 30, "largest failed per reporter");
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

static void test_spike(void)
{
	const struct sum_group *g;
	const struct sum_flag *f = NULL;
	static const uint64_t week[] = { 4, 5, 6, 5, 4, 5, 6 };

	start(NULL);
	history("a.example", "testing", 5, "starttls-not-supported");
	add(SINCE, "Google", "a.example", "sts", "testing", 1000, 14, "starttls-not-supported");
	add(SINCE + 1, "Google", "a.example", "sts", "testing", 1000, 15, "starttls-not-supported");
	for (int i = 0; i < 7; i++)     /* median 5 before the last day */
		add(UNTIL - 7 + i, "Google", "b.example", "sts", "testing", 1000, week[i],
		    "starttls-not-supported");
	add(UNTIL, "Google", "b.example", "sts", "testing", 1000, 15, "starttls-not-supported");
	history("c.example", "testing", 0, NULL);
	add(UNTIL, "Google", "c.example", "sts", "testing", 1000, 9, "starttls-not-supported");
	history("d.example", "enforce", 0, NULL);
	add(UNTIL, "Google", "d.example", "sts", "enforce", 994, 6, "starttls-not-supported");
	history("e.example", "testing", 0, NULL);
	add(UNTIL, "Google", "e.example", "sts", "testing", 994, 6, "starttls-not-supported");
	ok(sum_agg_finish(&A, NULL) == 0, "finished");
	g = grp("a.example", "sts");
	ok(!(g->days[SINCE - A.start].flags & SUM_DAY_SPIKE), "14 < 3 x 5: no spike");
	ok(g->days[SINCE + 1 - A.start].flags & SUM_DAY_SPIKE, "15 >= 3 x 5: spike");
	ok(grp("b.example", "sts")->days[UNTIL - A.start].flags & SUM_DAY_SPIKE,
	   "median of the 7 days before (5): 15 is a spike");
	ok(!(grp("c.example", "sts")->days[UNTIL - A.start].flags & SUM_DAY_SPIKE),
	   "9 failures stay under the minimum of 10");
	ok(grp("d.example", "sts")->days[UNTIL - A.start].flags & SUM_DAY_SPIKE,
	   "0.6 % on mode enforce is a spike");
	ok(!(grp("e.example", "sts")->days[UNTIL - A.start].flags & SUM_DAY_SPIKE),
	   "0.6 % on mode testing is not");
	for (size_t i = 0; i < A.nflags; i++)
		if (A.flags[i].kind == SUM_FLAG_SPIKE && strcmp(A.flags[i].dom->name, "d.example") == 0)
			f = &A.flags[i];
	ok(f != NULL && f->by_rate && !f->by_median, "d.example flagged by the rate rule only");
	is_int(nflags(SUM_FLAG_SPIKE), 3, "three spikes");
	is_int(nflags(SUM_FLAG_NEW_TYPE), 3, "c, d and e see a new type");
	is_int(sum_state_of(&A), SUM_CRITICAL, "new type on enforce (d) is critical");
	sum_agg_free(&A);
}

static void test_new_type(void)
{
	const struct sum_group *g;

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
	ok(((const struct sum_rtype *)g->types.v[0].val)->is_new,
	   "seen only before the 30-day baseline: new");
	is_int(((const struct sum_rtype *)g->types.v[0].val)->first, SINCE + 3, "first seen");
	is_int(((const struct sum_rtype *)g->types.v[0].val)->win, 6, "its sessions");
	is_str(g->types.v[1].key, "x-strange", "unknown type listed");
	is_str(g->types.v[2].key, "starttls-not-supported", "old type listed");
	ok(!((const struct sum_rtype *)g->types.v[2].val)->is_new, "old type not new");
	is_int(nflags(SUM_FLAG_NEW_TYPE), 2, "two new types");
	ok(A.flags[0].critical, "critical on enforce");
	ok(g->days[SINCE + 3 - A.start].flags & SUM_DAY_NEWTYPE, "day flagged");
	sum_agg_free(&A);
}

static void test_silent(void)
{
	const struct sum_domain *d;

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
	ok(d->days[UNTIL - A.start].flags & SUM_DAY_SILENT, "last day flagged");
	is_int(sum_state_of(&A), SUM_WARNING, "silent reporters warn");
	sum_agg_free(&A);
}

static void test_critical_and_filter(void)
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
	ok(grp("b.example", "sts")->over_critical, "6 % over the window is critical");
	is_int(nflags(SUM_FLAG_RATE), 1, "one critical-rate flag");
	is_int(nflags(SUM_FLAG_SPIKE), 1, "and a spike (60 >= 3 x 6)");
	is_int(A.records, 1, "one record in the window");
	is_int(A.records_hist, 30, "thirty baseline records");
	buf_init(&line);
	ok(sum_status(&A, &line) == 0, "status line");
	is_str((char *)line.p, "TLSRPT CRITICAL - 2 flags (1 critical): b.example sts 6.00 % failed; "
	       "b.example sts spike on 2026-05-18 (60 failed) | sessions=1000 failed=60 flags=2 "
	       "critical=1 quarantined=0 skipped_lines=0", "exact status line");
	sum_agg_free(&A);
	start(NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "empty finished");
	buf_reset(&line);
	sum_status(&A, &line);
	is_str((char *)line.p, "TLSRPT UNKNOWN - no reports from 2026-05-12 to 2026-05-18 | "
	       "sessions=0 failed=0 flags=0 critical=0 quarantined=0 skipped_lines=0", "no data");
	sum_agg_free(&A);
	start(NULL);
	add(UNTIL, "Google", "a.example", "sts", "enforce", 100, 0, NULL);
	ok(sum_agg_finish(&A, NULL) == 0, "clean finished");
	buf_reset(&line);
	sum_status(&A, &line);
	is_str((char *)line.p, "TLSRPT OK - 1 domain, 100 sessions, 0.00 % failed, no flags | "
	       "sessions=100 failed=0 flags=0 critical=0 quarantined=0 skipped_lines=0", "all good");
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
	struct sum_detail d = { "starttls-not-supported", 1, NULL, NULL, "mx.a.example" };
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
	is_str((char *)b.p, "https://mta-sts.example.com/.well-known/mta-sts.txt is down, "
	       "redirects, or its certificate is bad.", "domain filled in");
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
	test_spike();
	test_new_type();
	test_silent();
	test_critical_and_filter();
	test_top_and_cap();
	test_key_cap();
	test_words();
	return tap_done();
}
