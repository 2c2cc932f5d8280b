/* Aggregation and flags for tlsrpt-summary; see sumagg.h for the model.
 * Counters saturate instead of wrapping: a hostile spool can claim
 * INT64_MAX sessions many times over. */
#include <stdlib.h>
#include <string.h>

#include "sumagg.h"

#define NSLOTS 4

uint64_t sum_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void sum_opts_default(struct sum_opts *o, long today)
{
	o->until = today;
	o->since = today - 6;
	o->spike_factor = 3.0;
	o->spike_min = 10;
	o->enforce_rate = 0.5;
	o->critical_rate = 5.0;
	o->top = 5;
	o->domains = NULL;
}

unsigned sum_rate_bp(uint64_t failed, uint64_t total)
{
	if (total == 0)
		return 0;
	if (failed > total)
		failed = total;
	if (failed <= (UINT64_MAX - total / 2) / 10000)
		return (unsigned)((failed * 10000 + total / 2) / total);
	return (unsigned)((long double)failed * 10000.0L / (long double)total + 0.5L);
}

int sum_agg_init(struct sum_agg *a, const struct sum_opts *o, struct err *e)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	if (o->until < o->since)
		return err_set(e, ERR_USAGE, "window ends before it starts");
	a->start = o->since - SUM_HISTORY_DAYS;
	a->nd = (size_t)(o->until - a->start) + 1;
	sum_arena_init(&a->arena);
	sum_map_init(&a->groups, sizeof(struct sum_group), SUM_MAX_GROUPS, &a->arena);
	sum_map_init(&a->domains, sizeof(struct sum_domain), SUM_MAX_GROUPS, &a->arena);
	sum_map_init(&a->warnings, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	buf_init(&a->key);
	return 0;
}

static void group_fini(void *val)
{
	struct sum_group *g = val;

	free(g->days);
	sum_map_free(&g->rtypes, NULL);
	sum_map_free(&g->send, NULL);
	sum_map_free(&g->recv, NULL);
	sum_map_free(&g->orgs, NULL);
	free(g->types.v);
	free(g->top_send.v);
	free(g->top_recv.v);
	free(g->top_orgs.v);
}

static void domain_fini(void *val)
{
	struct sum_domain *d = val;

	free(d->days);
	sum_map_free(&d->reporters, NULL);
	free(d->groups);
	free(d->silent.v);
}

void sum_agg_free(struct sum_agg *a)
{
	sum_map_free(&a->groups, group_fini);
	sum_map_free(&a->domains, domain_fini);
	sum_map_free(&a->warnings, NULL);
	sum_arena_free(&a->arena);
	free(a->doms);
	free(a->flags);
	free(a->top_warnings.v);
	buf_free(&a->key);
	memset(a, 0, sizeof *a);
}

static int slot_of(const char *policy_type)
{
	if (strcmp(policy_type, "sts") == 0)
		return 0;
	if (strcmp(policy_type, "tlsa") == 0)
		return 1;
	if (strcmp(policy_type, "no-policy-found") == 0)
		return 2;
	return NSLOTS - 1;
}

/* Entry for key in a capped map; past the cap everything lands in
 * SUM_OTHER so totals stay right.  NULL only on ENOMEM. */
static void *capped_get(struct sum_map *m, const char *key)
{
	void *v;
	int rc = sum_map_get(m, key, strlen(key), 1, &v);

	if (rc == SUM_MAP_FULL) {
		m->max++;   /* room for SUM_OTHER itself, kept once it is there */
		rc = sum_map_get(m, SUM_OTHER, strlen(SUM_OTHER), 1, &v);
		if (rc != SUM_MAP_NEW)
			m->max--;
	}
	return rc < 0 ? NULL : v;
}

static int count_add(struct sum_map *m, const char *key, long day, uint64_t sessions)
{
	struct sum_count *c = capped_get(m, key);

	if (c == NULL)
		return -1;
	c->sessions = sum_sat_add(c->sessions, sessions);
	c->records++;
	if (sessions > 0 && c->last != day + 1) {
		c->days++;
		c->last = day + 1;
	}
	return 0;
}

static struct sum_domain *get_domain(struct sum_agg *a, const char *name, size_t n, int *full)
{
	struct sum_domain *d;
	int rc = sum_map_get(&a->domains, name, n, 1, (void **)&d);

	*full = rc == SUM_MAP_FULL;
	if (rc < 0)
		return NULL;
	if (rc == SUM_MAP_NEW) {
		d->name = sum_map_key(&a->domains, d);
		sum_map_init(&d->reporters, sizeof(struct sum_reporter), SUM_MAX_KEYS, &a->arena);
		d->days = calloc(a->nd, sizeof *d->days);
		if (d->days == NULL)
			return NULL;
	}
	return d;
}

static int attach(struct sum_domain *d, struct sum_group *g)
{
	if (d->ngroups == d->capgroups) {
		size_t cap = d->capgroups ? d->capgroups * 2 : 4;
		struct sum_group **ng = realloc(d->groups, cap * sizeof *ng);

		if (ng == NULL)
			return -1;
		d->groups = ng;
		d->capgroups = cap;
	}
	d->groups[d->ngroups++] = g;
	return 0;
}

/* a->key holds "domain\0policy_type". */
static struct sum_group *get_group(struct sum_agg *a, struct sum_domain *d, size_t dlen, int *full)
{
	struct sum_group *g;
	int rc = sum_map_get(&a->groups, (char *)a->key.p, a->key.n, 1, (void **)&g);

	*full = rc == SUM_MAP_FULL;
	if (rc < 0)
		return NULL;
	if (rc == SUM_MAP_FOUND)
		return g;
	g->dom = d;
	g->policy_type = sum_map_key(&a->groups, g) + dlen + 1;
	g->slot = slot_of(g->policy_type);
	g->mode_day = -1;
	sum_map_init(&g->rtypes, sizeof(struct sum_rtype), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&g->send, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&g->recv, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&g->orgs, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	g->days = calloc(a->nd, sizeof *g->days);
	if (g->days == NULL || attach(d, g) < 0)
		return NULL;
	return g;
}

/* Fold one reporter's day into the domain series: the largest figure
 * among policy types, because they describe the same sessions. */
static void flush_reporter(struct sum_agg *a, struct sum_reporter *r)
{
	uint64_t tot = 0, fail = 0;
	struct sum_day *day;

	for (int s = 0; s < NSLOTS; s++) {
		if (r->tot[s] > tot)
			tot = r->tot[s];
		if (r->fail[s] > fail)
			fail = r->fail[s];
		r->tot[s] = r->fail[s] = 0;
	}
	day = &r->dom->days[r->cur_day - a->start];
	day->success = sum_sat_add(day->success, tot - fail);
	day->failed = sum_sat_add(day->failed, fail);
	day->records++;
	r->dirty = 0;
}

void sum_agg_end_day(struct sum_agg *a)
{
	while (a->dirty != NULL) {
		struct sum_reporter *r = a->dirty;

		a->dirty = r->next_dirty;
		r->next_dirty = NULL;
		r->listed = 0;
		if (r->dirty)
			flush_reporter(a, r);
	}
}

static int add_reporter(struct sum_agg *a, struct sum_domain *d, int slot, long day,
			const struct sum_rec *r)
{
	struct sum_reporter *rep = capped_get(&d->reporters, r->org ? r->org : "(unknown)");
	long back = a->o.until - day;

	if (rep == NULL)
		return -1;
	rep->dom = d;
	if (rep->dirty && rep->cur_day != day)
		flush_reporter(a, rep);
	if (!rep->listed) {
		rep->listed = 1;
		rep->next_dirty = a->dirty;
		a->dirty = rep;
	}
	rep->dirty = 1;
	rep->cur_day = day;
	rep->tot[slot] = sum_sat_add(rep->tot[slot], sum_sat_add(r->success, r->failed));
	rep->fail[slot] = sum_sat_add(rep->fail[slot], r->failed);
	if (back >= 0 && back < SUM_SILENT_LAST + SUM_SILENT_PRIOR)
		rep->seen |= 1u << back;
	return 0;
}

static int add_types(struct sum_agg *a, struct sum_group *g, long day, const struct sum_rec *r)
{
	int window = day >= a->o.since;

	for (size_t i = 0; i < r->ndetails; i++) {
		const struct sum_detail *d = &r->details[i];
		struct sum_rtype *t = capped_get(&g->rtypes, d->result_type);

		if (t == NULL)
			return -1;
		if (!window) {
			t->hist_n++;
			continue;
		}
		if (t->win_n++ == 0 || day < t->first)
			t->first = day;
		t->win = sum_sat_add(t->win, d->sessions);
		g->detail_sessions = sum_sat_add(g->detail_sessions, d->sessions);
	}
	return 0;
}

static int add_window(struct sum_agg *a, struct sum_group *g, long day, const struct sum_rec *r)
{
	const char *org = r->org ? r->org : "(unknown)";

	g->success = sum_sat_add(g->success, r->success);
	g->failed = sum_sat_add(g->failed, r->failed);
	g->records++;
	g->enforce |= r->mode != NULL && strcmp(r->mode, "enforce") == 0;
	if (count_add(&g->orgs, org, day, r->failed) < 0)
		return -1;
	for (size_t i = 0; i < r->ndetails; i++) {
		const struct sum_detail *d = &r->details[i];
		const char *mx = d->receiving_mx ? d->receiving_mx : d->receiving_ip;

		if (count_add(&g->send, d->sending_ip ? d->sending_ip : "(unknown)", day, d->sessions) < 0 ||
		    count_add(&g->recv, mx ? mx : "(unknown)", day, d->sessions) < 0)
			return -1;
	}
	a->records++;
	if (r->nwarnings > 0)
		a->records_warn++;
	for (size_t i = 0; i < r->nwarnings; i++)
		if (count_add(&a->warnings, r->warnings[i], day, 1) < 0)
			return -1;
	return 0;
}

/* a->key = lower-case domain; 1 if it is selected. */
static int select_domain(struct sum_agg *a, const char *domain, struct err *e)
{
	buf_reset(&a->key);
	for (const char *p = domain; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (buf_append_byte(&a->key, (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c) < 0)
			return err_nomem(e);
	}
	if (buf_reserve(&a->key, 0) < 0)
		return err_nomem(e);
	if (a->o.domains == NULL || a->o.domains->n == 0)
		return 1;
	return strlist_contains(a->o.domains, (char *)a->key.p);
}

int sum_agg_add(struct sum_agg *a, long day, const struct sum_rec *r, struct err *e)
{
	struct sum_domain *d;
	struct sum_group *g;
	struct sum_day *sd;
	size_t dlen;
	int full, sel;

	if (day < a->start || day > a->o.until)
		return 0;
	sel = select_domain(a, r->domain, e);
	if (sel <= 0)
		return sel;
	dlen = a->key.n;
	d = get_domain(a, (char *)a->key.p, dlen, &full);
	if (d != NULL && (buf_append_byte(&a->key, 0) < 0 || buf_append_str(&a->key, r->policy_type) < 0))
		return err_nomem(e);
	g = d != NULL ? get_group(a, d, dlen, &full) : NULL;
	if (g == NULL && full) {
		a->dropped++;
		return 0;
	}
	if (g == NULL)
		return err_nomem(e);
	sd = &g->days[day - a->start];
	sd->success = sum_sat_add(sd->success, r->success);
	sd->failed = sum_sat_add(sd->failed, r->failed);
	sd->records++;
	sd->enforce |= r->mode != NULL && strcmp(r->mode, "enforce") == 0;
	if (day >= g->mode_day) {
		g->mode = r->mode;
		g->mode_day = day;
	}
	if (day < a->o.since)
		a->records_hist++;
	if (add_reporter(a, d, g->slot, day, r) < 0 || add_types(a, g, day, r) < 0 ||
	    (day >= a->o.since && add_window(a, g, day, r) < 0))
		return err_nomem(e);
	return 0;
}

int sum_agg_add_cb(void *arg, long day, const struct sum_rec *r, struct err *e)
{
	return sum_agg_add(arg, day, r, e);
}

static int cmp_count(const void *x, const void *y)
{
	const struct sum_item *a = x, *b = y;
	const struct sum_count *ca = a->val, *cb = b->val;

	if (ca->sessions != cb->sessions)
		return ca->sessions > cb->sessions ? -1 : 1;
	if (ca->days != cb->days)
		return ca->days > cb->days ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int cmp_rtype(const void *x, const void *y)
{
	const struct sum_item *a = x, *b = y;
	const struct sum_rtype *ta = a->val, *tb = b->val;

	if (ta->win != tb->win)
		return ta->win > tb->win ? -1 : 1;
	if (ta->win_n != tb->win_n)
		return ta->win_n > tb->win_n ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int cmp_key(const void *x, const void *y)
{
	return strcmp(((const struct sum_item *)x)->key, ((const struct sum_item *)y)->key);
}

static int keep_failed(const void *val)
{
	return ((const struct sum_count *)val)->sessions > 0;
}

static int keep_window_type(const void *val)
{
	return ((const struct sum_rtype *)val)->win_n > 0;
}

/* Entries of m that keep accepts, sorted by cmp, at most limit (0: all). */
static int rank(const struct sum_map *m, int (*keep)(const void *),
		int (*cmp)(const void *, const void *), size_t limit, struct sum_list *out)
{
	void **v = sum_map_values(m);

	out->n = 0;
	if (m->n > 0 && v == NULL)
		return -1;
	out->v = calloc(m->n ? m->n : 1, sizeof *out->v);
	if (out->v == NULL) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		if (keep(v[i]))
			out->v[out->n++] = (struct sum_item){ sum_map_key(m, v[i]), v[i] };
	free(v);
	qsort(out->v, out->n, sizeof *out->v, cmp);
	if (limit > 0 && out->n > limit)
		out->n = limit;
	return 0;
}

static int push_flag(struct sum_agg *a, const struct sum_flag *f)
{
	if ((a->nflags & (a->nflags - 1)) == 0) {   /* 0 or a power of two: grow */
		size_t cap = a->nflags ? a->nflags * 2 : 1;
		struct sum_flag *nf = realloc(a->flags, cap * sizeof *nf);

		if (nf == NULL)
			return -1;
		a->flags = nf;
	}
	a->flags[a->nflags++] = *f;
	return 0;
}

/* Median failed sessions of the days before idx that had reports. */
static double trailing_median(const struct sum_group *g, size_t idx)
{
	uint64_t v[SUM_MEDIAN_DAYS], t;
	size_t n = 0;

	for (size_t k = 1; k <= SUM_MEDIAN_DAYS && k <= idx; k++)
		if (g->days[idx - k].records > 0)
			v[n++] = g->days[idx - k].failed;
	if (n == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* rate in percent strictly above limit (percent)? */
static int rate_above(uint64_t failed, uint64_t total, double limit)
{
	return total > 0 && failed > 0 &&
		(long double)failed * 100.0L > (long double)limit * (long double)total;
}

static int find_spikes(struct sum_agg *a, struct sum_group *g)
{
	for (long day = a->o.since; day <= a->o.until; day++) {
		size_t idx = (size_t)(day - a->start);
		struct sum_day *sd = &g->days[idx];
		struct sum_flag f = { .kind = SUM_FLAG_SPIKE, .dom = g->dom, .grp = g, .day = day };

		if (sd->records == 0 || sd->failed == 0)
			continue;
		f.failed = sd->failed;
		f.sessions = sum_sat_add(sd->success, sd->failed);
		f.median = trailing_median(g, idx);
		f.by_median = sd->failed >= a->o.spike_min &&
			(long double)sd->failed >= (long double)a->o.spike_factor * f.median;
		f.by_rate = sd->enforce && rate_above(sd->failed, f.sessions, a->o.enforce_rate);
		if (!f.by_median && !f.by_rate)
			continue;
		sd->flags |= SUM_DAY_SPIKE;
		if (push_flag(a, &f) < 0)
			return -1;
	}
	return 0;
}

static int find_new_types(struct sum_agg *a, struct sum_group *g)
{
	for (size_t i = 0; i < g->types.n; i++) {
		struct sum_rtype *t = (struct sum_rtype *)g->types.v[i].val;
		struct sum_flag f = { .kind = SUM_FLAG_NEW_TYPE, .dom = g->dom, .grp = g,
				      .day = t->first, .what = g->types.v[i].key,
				      .critical = g->enforce, .sessions = t->win };

		if (t->hist_n > 0)
			continue;
		t->is_new = 1;
		g->days[t->first - a->start].flags |= SUM_DAY_NEWTYPE;
		if (push_flag(a, &f) < 0)
			return -1;
	}
	return 0;
}

static int analyse_group(struct sum_agg *a, struct sum_group *g)
{
	uint64_t total = sum_sat_add(g->success, g->failed);

	if (rank(&g->rtypes, keep_window_type, cmp_rtype, 0, &g->types) < 0 ||
	    rank(&g->send, keep_failed, cmp_count, a->o.top, &g->top_send) < 0 ||
	    rank(&g->recv, keep_failed, cmp_count, a->o.top, &g->top_recv) < 0 ||
	    rank(&g->orgs, keep_failed, cmp_count, a->o.top, &g->top_orgs) < 0)
		return -1;
	g->norgs = g->orgs.n;
	g->rate_bp = sum_rate_bp(g->failed, total);
	if (rate_above(g->failed, total, a->o.critical_rate)) {
		struct sum_flag f = { .kind = SUM_FLAG_RATE, .critical = 1, .dom = g->dom,
				      .grp = g, .day = a->o.until, .failed = g->failed,
				      .sessions = total };

		g->over_critical = 1;
		if (push_flag(a, &f) < 0)
			return -1;
	}
	if (find_spikes(a, g) < 0 || find_new_types(a, g) < 0)
		return -1;
	for (long day = a->o.since; day <= a->o.until; day++)
		g->dom->flags |= g->days[day - a->start].flags;
	return 0;
}

static int keep_silent(const void *val)
{
	const struct sum_reporter *r = val;

	return r->prior >= SUM_SILENT_MIN;
}

static int cmp_group(const void *x, const void *y)
{
	const struct sum_group *a = *(struct sum_group *const *)x;
	const struct sum_group *b = *(struct sum_group *const *)y;

	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return strcmp(a->policy_type, b->policy_type);
}

/* Reporters that went quiet: on >= SUM_SILENT_MIN of the SUM_SILENT_PRIOR
 * days before the last SUM_SILENT_LAST, and on none of those. */
static int find_silent(struct sum_agg *a, struct sum_domain *d)
{
	void **v = sum_map_values(&d->reporters);
	unsigned last = (1u << SUM_SILENT_LAST) - 1;

	if (d->reporters.n > 0 && v == NULL)
		return -1;
	for (size_t i = 0; i < d->reporters.n; i++) {
		struct sum_reporter *r = v[i];

		r->prior = (r->seen & last) ? 0 :
			(unsigned)__builtin_popcount(r->seen >> SUM_SILENT_LAST);
	}
	free(v);
	if (rank(&d->reporters, keep_silent, cmp_key, 0, &d->silent) < 0)
		return -1;
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *r = d->silent.v[i].val;
		struct sum_flag f = { .kind = SUM_FLAG_SILENT, .dom = d, .day = a->o.until,
				      .what = d->silent.v[i].key, .prior = r->prior };

		if (push_flag(a, &f) < 0)
			return -1;
		d->days[a->o.until - a->start].flags |= SUM_DAY_SILENT;
		d->flags |= SUM_DAY_SILENT;
	}
	return 0;
}

static int analyse_domain(struct sum_agg *a, struct sum_domain *d)
{
	if (d->ngroups > 0)
		qsort(d->groups, d->ngroups, sizeof *d->groups, cmp_group);
	for (long day = a->o.since; day <= a->o.until; day++) {
		const struct sum_day *sd = &d->days[day - a->start];

		d->success = sum_sat_add(d->success, sd->success);
		d->failed = sum_sat_add(d->failed, sd->failed);
		d->records = sum_sat_add(d->records, sd->records);
	}
	d->rate_bp = sum_rate_bp(d->failed, sum_sat_add(d->success, d->failed));
	for (size_t i = 0; i < d->ngroups; i++)
		if (analyse_group(a, d->groups[i]) < 0)
			return -1;
	return find_silent(a, d);
}

static int group_order(const struct sum_group *a, const struct sum_group *b)
{
	if (a == b)
		return 0;
	if (a == NULL || b == NULL)
		return a == NULL ? 1 : -1;
	return cmp_group(&a, &b);
}

static int cmp_flag(const void *x, const void *y)
{
	const struct sum_flag *a = x, *b = y;
	int c = strcmp(a->dom->name, b->dom->name);

	if (c == 0)
		c = group_order(a->grp, b->grp);
	if (c == 0 && a->day != b->day)
		c = a->day < b->day ? -1 : 1;
	if (c == 0 && a->kind != b->kind)
		c = a->kind < b->kind ? -1 : 1;
	if (c == 0 && a->what != NULL && b->what != NULL)
		c = strcmp(a->what, b->what);
	return c;
}

static int cmp_domain(const void *x, const void *y)
{
	return strcmp((*(struct sum_domain *const *)x)->name,
		      (*(struct sum_domain *const *)y)->name);
}

static void count_days(struct sum_agg *a)
{
	a->days_with_data = 0;
	for (long day = a->o.since; day <= a->o.until; day++) {
		for (size_t i = 0; i < a->ndoms; i++) {
			if (a->doms[i]->days[day - a->start].records > 0) {
				a->days_with_data++;
				break;
			}
		}
	}
}

int sum_agg_finish(struct sum_agg *a, struct err *e)
{
	sum_agg_end_day(a);
	a->ndoms = a->domains.n;
	a->doms = (struct sum_domain **)sum_map_values(&a->domains);
	if (a->ndoms > 0 && a->doms == NULL)
		return err_nomem(e);
	if (a->ndoms > 0)
		qsort(a->doms, a->ndoms, sizeof *a->doms, cmp_domain);
	for (size_t i = 0; i < a->ndoms; i++)
		if (analyse_domain(a, a->doms[i]) < 0)
			return err_nomem(e);
	if (a->nflags > 0)
		qsort(a->flags, a->nflags, sizeof *a->flags, cmp_flag);
	if (rank(&a->warnings, keep_failed, cmp_count, a->o.top, &a->top_warnings) < 0)
		return err_nomem(e);
	count_days(a);
	return 0;
}

struct remedy {
	const char *type;
	const char *text;
};

/* RFC 8460 section 4.3; "%s" is the policy domain. */
static const struct remedy remedies[] = {
	{ "starttls-not-supported", "An MX (often a backup MX or a load balancer in front of it) "
	  "does not offer STARTTLS: check every MX host in the policy." },
	{ "certificate-host-mismatch", "Reissue the MX certificate with the exact MX host name "
	  "in its subjectAltName." },
	{ "certificate-not-trusted", "Serve the full certificate chain, from a publicly "
	  "trusted CA (or one matching your TLSA records)." },
	{ "certificate-expired", "Renew the MX certificate, automate ACME renewal, and alert "
	  "when notAfter is less than 14 days away." },
	{ "validation-failure", "Hostname or TLSA mismatch: compare the MX names with the "
	  "certificate and with the published TLSA records." },
	{ "tlsa-invalid", "Re-derive the TLSA records from the MX certificates and republish "
	  "them; fix DNSSEC for the MX zone." },
	{ "dnssec-invalid", "Fix DNSSEC for the MX zone (signatures, DS at the parent), then "
	  "re-check the TLSA records." },
	{ "dane-required", "A DANE-enforcing sender found no usable TLSA records: re-derive and "
	  "republish TLSA, fix DNSSEC for the MX zone." },
	{ "sts-policy-fetch-error", "https://mta-sts.%s/.well-known/mta-sts.txt is down, "
	  "redirects, or its certificate is bad." },
	{ "sts-policy-invalid", "The MTA-STS policy file does not parse: check for a BOM, the "
	  "line endings and a first line \"version: STSv1\"." },
	{ "sts-webpki-invalid", "The certificate of mta-sts.%s is not trusted by the web PKI: "
	  "serve a publicly trusted certificate with its full chain." },
};

int sum_remedy(const char *result_type, const char *domain, struct buf *out)
{
	for (size_t i = 0; i < sizeof remedies / sizeof remedies[0]; i++) {
		const char *t = remedies[i].text, *s = strstr(t, "%s");

		if (strcmp(result_type, remedies[i].type) != 0)
			continue;
		if (s == NULL)
			return buf_append_str(out, t) < 0 ? -1 : 1;
		if (buf_append(out, t, (size_t)(s - t)) < 0 || buf_append_str(out, domain) < 0 ||
		    buf_append_str(out, s + 2) < 0)
			return -1;
		return 1;
	}
	if (buf_append_str(out, "Unknown result type (not in RFC 8460 section 4.3): "
			   "see the reporting organization's documentation.") < 0)
		return -1;
	return 0;
}

const char *sum_known_type(size_t i)
{
	return i < sizeof remedies / sizeof remedies[0] ? remedies[i].type : NULL;
}
