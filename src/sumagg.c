/* Aggregation and incidents for tlsrpt-summary; see sumagg.h for the model.
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
	o->today = today;
	o->history = SUM_HISTORY_DAYS;
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
	a->start = o->since - o->history;
	a->nd = (size_t)(o->until - a->start) + 1;
	a->ref = o->today < o->until + 1 ? o->today : o->until + 1;
	a->complete = o->today - 1 < o->until ? o->today - 1 : o->until;
	sum_arena_init(&a->arena);
	sum_map_init(&a->groups, sizeof(struct sum_group), SUM_MAX_GROUPS, &a->arena);
	sum_map_init(&a->domains, sizeof(struct sum_domain), SUM_MAX_GROUPS, &a->arena);
	sum_map_init(&a->warnings, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	buf_init(&a->key);
	return 0;
}

static void rtype_fini(void *val)
{
	struct sum_rtype *t = val;

	free(t->days.v);
	sum_map_free(&t->send, NULL);
	sum_map_free(&t->recv, NULL);
	sum_map_free(&t->orgs, NULL);
	sum_map_free(&t->reasons, NULL);
	sum_map_free(&t->uris, NULL);
}

static void group_fini(void *val)
{
	struct sum_group *g = val;

	free(g->days.v);
	free(g->sig);
	for (size_t i = 0; i < g->nchanges; i++) {
		free(g->changes[i].from);
		free(g->changes[i].to);
	}
	sum_map_free(&g->ready_types, NULL);
	sum_map_free(&g->ready_mx, NULL);
	sum_map_free(&g->ready_orgmap, NULL);
	free(g->top_ready_types.v);
	free(g->top_ready_mx.v);
	sum_map_free(&g->rtypes, rtype_fini);
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

	free(d->days.v);
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
	for (size_t i = 0; i < a->ninc; i++) {
		free(a->inc[i].orgs.v);
		free(a->inc[i].send.v);
		free(a->inc[i].recv.v);
		free(a->inc[i].reasons.v);
		free(a->inc[i].uris.v);
	}
	free(a->inc);
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
	sum_map_init(&g->ready_types, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&g->ready_mx, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&g->ready_orgmap, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	g->sig_day = -1;
	if (attach(d, g) < 0)
		return NULL;
	return g;
}

static const struct sum_day zero_day;

const struct sum_day *sum_day_at(const struct sum_days *s, long day)
{
	if (s->n == 0 || day < s->first || day >= s->first + (long)s->n)
		return &zero_day;
	return &s->v[day - s->first];
}

/* The element for day in a series of *n elements of size elem from day
 * *first, grown (zeroed) to reach it; NULL on ENOMEM.  Days mostly come
 * in order, so growth is at the end, the capacity doubling. */
static void *span_at(void **v, long *first, size_t *n, size_t *cap, long day, size_t elem)
{
	size_t head, need, nc;
	char *nv;

	if (*n == 0)
		*first = day;
	if (day >= *first && day < *first + (long)*n)
		return (char *)*v + (size_t)(day - *first) * elem;
	head = day < *first ? (size_t)(*first - day) : 0;
	need = head > 0 ? head + *n : (size_t)(day - *first) + 1;
	if (need > *cap || head > 0) {
		for (nc = *cap ? *cap : 4; nc < need; nc *= 2)
			;
		nv = calloc(nc, elem);
		if (nv == NULL)
			return NULL;
		if (*n > 0)
			memcpy(nv + head * elem, *v, *n * elem);
		free(*v);
		*v = nv;
		*cap = nc;
	}
	if (head > 0)
		*first = day;
	*n = need;   /* the elements past the old n are still zero */
	return (char *)*v + (size_t)(day - *first) * elem;
}

static struct sum_day *day_of(struct sum_days *s, long day)
{
	void *v = s->v, *r = span_at(&v, &s->first, &s->n, &s->cap, day, sizeof *s->v);

	s->v = v;
	return r;
}

static struct sum_tday *tday_of(struct sum_tdays *s, long day)
{
	void *v = s->v, *r = span_at(&v, &s->first, &s->n, &s->cap, day, sizeof *s->v);

	s->v = v;
	return r;
}

/* The stored day, to mark it; NULL outside the days stored. */
static struct sum_day *day_mut(struct sum_days *s, long day)
{
	if (s->n == 0 || day < s->first || day >= s->first + (long)s->n)
		return NULL;
	return &s->v[day - s->first];
}

/* Fold one reporter's day into the domain series: the largest figure
 * among policy types, because they describe the same sessions. */
static int flush_reporter(struct sum_agg *a, struct sum_reporter *r)
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
	day = day_of(&r->dom->days, r->cur_day);
	r->dirty = 0;
	if (day == NULL) {
		a->nomem = 1;   /* sum_agg_finish reports it */
		return -1;
	}
	day->success = sum_sat_add(day->success, tot - fail);
	day->failed = sum_sat_add(day->failed, fail);
	day->records++;
	return 0;
}

void sum_agg_end_day(struct sum_agg *a)
{
	while (a->dirty != NULL) {
		struct sum_reporter *r = a->dirty;

		a->dirty = r->next_dirty;
		r->next_dirty = NULL;
		r->listed = 0;
		if (r->dirty)
			(void)flush_reporter(a, r);
	}
}

static int add_reporter(struct sum_agg *a, struct sum_domain *d, int slot, long day,
			const struct sum_rec *r)
{
	struct sum_reporter *rep = capped_get(&d->reporters, r->org ? r->org : "(unknown)");
	long back = a->ref - 1 - day;

	if (rep == NULL)
		return -1;
	rep->dom = d;
	if (rep->dirty && rep->cur_day != day)
		if (flush_reporter(a, rep) < 0)
			return -1;
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
	if (back >= 0 && day + 1 > rep->last)
		rep->last = day + 1;
	return 0;
}

/* Window facts of one failure detail, kept per result type for its incident. */
static int type_window(struct sum_rtype *t, long day, const char *org, const struct sum_detail *d)
{
	const char *mx = d->receiving_mx ? d->receiving_mx : d->receiving_ip;
	void *v;
	int rc;

	if (count_add(&t->send, d->sending_ip ? d->sending_ip : "(unknown)", day, d->sessions) < 0 ||
	    count_add(&t->recv, mx ? mx : "(unknown)", day, d->sessions) < 0 ||
	    count_add(&t->orgs, org, day, d->sessions) < 0 ||
	    (d->reason != NULL && count_add(&t->reasons, d->reason, day, d->sessions) < 0))
		return -1;
	if (d->info_uri == NULL)
		return 0;
	rc = sum_map_get(&t->uris, d->info_uri, strlen(d->info_uri), 1, &v);
	if (rc >= 0)
		((struct sum_count *)v)->records++;
	return rc == SUM_MAP_NOMEM ? -1 : 0;
}

static struct sum_rtype *get_rtype(struct sum_agg *a, struct sum_group *g, const char *key)
{
	struct sum_rtype *t = capped_get(&g->rtypes, key);

	if (t == NULL || t->init)
		return t;
	t->init = 1;
	sum_map_init(&t->send, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&t->recv, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&t->orgs, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&t->reasons, sizeof(struct sum_count), SUM_MAX_KEYS, &a->arena);
	sum_map_init(&t->uris, sizeof(struct sum_count), SUM_URI_SAMPLES, &a->arena);
	return t;
}

/* Details may count a session twice (RFC 8460 does not say they add up
 * to the total) or leave some out: win_capped takes each detail only up
 * to what is left of the record's failed total, and unattributed gets
 * the rest, so a group's failed sessions split exactly by result type. */
static int add_types(struct sum_agg *a, struct sum_group *g, long day, const struct sum_rec *r)
{
	int window = day >= a->o.since;
	uint64_t left = r->failed;

	for (size_t i = 0; i < r->ndetails; i++) {
		const struct sum_detail *d = &r->details[i];
		struct sum_rtype *t = get_rtype(a, g, d->result_type);
		uint64_t take = d->sessions < left ? d->sessions : left;

		if (t == NULL)
			return -1;
		struct sum_tday *td = tday_of(&t->days, day);
		struct sum_day *gd = day_of(&g->days, day);

		if (td == NULL || gd == NULL)
			return -1;
		td->sessions = sum_sat_add(td->sessions, d->sessions);
		td->present = 1;
		gd->dsess = sum_sat_add(gd->dsess, d->sessions);
		left -= take;
		if (!window) {
			t->hist_n++;
			continue;
		}
		if (t->win_n++ == 0 || day < t->first)
			t->first = day;
		t->win = sum_sat_add(t->win, d->sessions);
		t->win_capped = sum_sat_add(t->win_capped, take);
		g->detail_sessions = sum_sat_add(g->detail_sessions, d->sessions);
		/* the incident's lists add up to its failed sessions: complete days */
		if (day <= a->complete && type_window(t, day, r->org ? r->org : "(unknown)", d) < 0)
			return -1;
	}
	if (window)
		g->unattributed = sum_sat_add(g->unattributed, left);
	return 0;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

/* A policy signature never seen in this group is a change on its first
 * day.  Reporters cache policies, so an old signature coming back is
 * not a change; only the latest new one is remembered, which is enough
 * for a domain that moves forward. */
static int add_policy(struct sum_group *g, long day, const char *sig)
{
	struct sum_change *c;
	char *to;

	if (sig == NULL || (g->sig != NULL && strcmp(g->sig, sig) == 0))
		return 0;
	for (size_t i = 0; i < g->nchanges; i++)
		if (strcmp(g->changes[i].from, sig) == 0)
			return 0;
	to = dup_str(sig);
	if (to == NULL)
		return -1;
	if (g->sig == NULL) {
		g->sig = to;
		g->sig_day = day;
		return 0;
	}
	if (g->nchanges == SUM_MAX_CHANGES) {
		free(g->changes[0].from);
		free(g->changes[0].to);
		memmove(g->changes, g->changes + 1, (SUM_MAX_CHANGES - 1) * sizeof *g->changes);
		g->nchanges--;
		g->changes_lost++;
	}
	c = &g->changes[g->nchanges++];
	c->day = day;
	c->from = g->sig;
	c->to = dup_str(sig);
	g->sig = to;
	g->sig_day = day;
	return c->to == NULL ? -1 : 0;
}

/* Would an enforce policy have refused these sessions?  The last
 * SUM_READY_DAYS complete days of an sts policy. */
static int add_ready(struct sum_agg *a, struct sum_group *g, long day, const struct sum_rec *r)
{
	if (g->slot != 0 || day > a->complete || day <= a->complete - SUM_READY_DAYS)
		return 0;
	if (count_add(&g->ready_orgmap, r->org ? r->org : "(unknown)", day, 1) < 0)
		return -1;
	for (size_t i = 0; i < r->ndetails; i++) {
		const struct sum_detail *d = &r->details[i];
		const char *mx = d->receiving_mx ? d->receiving_mx : d->receiving_ip;

		if (count_add(&g->ready_types, d->result_type, day, d->sessions) < 0 ||
		    count_add(&g->ready_mx, mx ? mx : "(unknown)", day, d->sessions) < 0)
			return -1;
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
	sd = day_of(&g->days, day);
	if (sd == NULL)
		return err_nomem(e);
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
	if (add_policy(g, day, r->policy) < 0 || add_ready(a, g, day, r) < 0)
		return err_nomem(e);
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

static int keep_any(const void *val)
{
	(void)val;
	return 1;
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
	if (out->n < m->n) {   /* keep what is shown, not the whole map: one per incident */
		struct sum_item *nv = realloc(out->v, (out->n ? out->n : 1) * sizeof *nv);

		if (nv != NULL)
			out->v = nv;
	}
	return 0;
}

static int push_incident(struct sum_agg *a, const struct sum_incident *inc)
{
	if ((a->ninc & (a->ninc - 1)) == 0) {   /* 0 or a power of two: grow */
		size_t cap = a->ninc ? a->ninc * 2 : 1;
		struct sum_incident *ni = realloc(a->inc, cap * sizeof *ni);

		if (ni == NULL)
			return -1;
		a->inc = ni;
	}
	a->inc[a->ninc++] = *inc;
	return 0;
}

/* rate in percent strictly above limit (percent)? */
static int rate_above(uint64_t failed, uint64_t total, double limit)
{
	return total > 0 && failed > 0 &&
		(long double)failed * 100.0L > (long double)limit * (long double)total;
}

/* One problem's day series: whether it is present on day idx, and its
 * failed sessions that day. */
struct series {
	const struct sum_agg *a;
	const struct sum_group *g;
	const struct sum_rtype *t;  /* NULL: failures without a result type */
	const char *name;           /* t's result type */
};

static int has_data(const struct series *s, size_t idx)
{
	return sum_day_at(&s->g->days, s->a->start + (long)idx)->records > 0;
}

static int enforcing_day(const struct sum_agg *a, const struct sum_group *g, size_t idx)
{
	return g->slot == 1 || sum_day_at(&g->days, a->start + (long)idx)->enforce;
}

static uint64_t untyped(const struct sum_day *sd)
{
	return sd->failed > sd->dsess ? sd->failed - sd->dsess : 0;
}

static uint64_t failed_on(const struct series *s, size_t idx)
{
	long day = s->a->start + (long)idx;

	if (s->t != NULL) {
		const struct sum_tdays *td = &s->t->days;

		return day >= td->first && day < td->first + (long)td->n ? td->v[day - td->first].sessions : 0;
	}
	return untyped(sum_day_at(&s->g->days, day));
}

static int present(const struct series *s, size_t idx)
{
	long day = s->a->start + (long)idx;
	const struct sum_day *sd = sum_day_at(&s->g->days, day);

	if (s->t != NULL) {
		const struct sum_tdays *td = &s->t->days;

		return day >= td->first && day < td->first + (long)td->n && td->v[day - td->first].present;
	}
	return sd->records > 0 && rate_above(untyped(sd), sum_sat_add(sd->success, sd->failed),
		enforcing_day(s->a, s->g, idx) ? s->a->o.enforce_rate : s->a->o.critical_rate);
}

/* Median failed sessions of the SUM_MEDIAN_DAYS days with reports before idx. */
static double trailing_median(const struct series *s, size_t idx)
{
	uint64_t v[SUM_MEDIAN_DAYS], t;
	size_t n = 0;

	for (size_t k = idx; k > 0 && n < SUM_MEDIAN_DAYS; k--)
		if (has_data(s, k - 1))
			v[n++] = failed_on(s, k - 1);
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

/* The largest day-level jump after the run's first day: at least
 * spike_min and spike_factor x the trailing median. */
static void find_jump(const struct series *s, size_t lo, size_t hi, struct sum_incident *inc)
{
	const struct sum_opts *o = &s->a->o;

	inc->jump_day = -1;
	for (size_t idx = lo; idx <= hi; idx++) {
		uint64_t v = failed_on(s, idx);
		double m = trailing_median(s, idx);

		if (idx == (size_t)(inc->first - s->a->start) || v < o->spike_min ||
		    (long double)v < (long double)o->spike_factor * m || (double)v <= m ||
		    v <= inc->jump_failed)
			continue;
		inc->jump_day = s->a->start + (long)idx;
		inc->jump_failed = v;
		inc->jump_median = m;
	}
}

/* Days with reports up to the last complete day, and whether the problem
 * was absent on the last SUM_BASELINE_DAYS of them before first. */
static void history(const struct series *s, struct sum_incident *inc)
{
	const struct sum_agg *a = s->a;
	long seen = 0, first_data = -1;

	for (long d = a->start; d <= a->complete; d++)
		if (has_data(s, (size_t)(d - a->start))) {
			seen++;
			if (first_data < 0)
				first_data = d;
		}
	inc->history_days = seen;
	inc->no_history = seen < SUM_BASELINE_DAYS;
	inc->from_start = inc->first == first_data;
	inc->at_limit = inc->first == a->start;
	seen = 0;
	inc->after_clean = 1;
	for (long d = inc->first - 1; d >= a->start && seen < SUM_BASELINE_DAYS; d--) {
		size_t idx = (size_t)(d - a->start);

		if (!has_data(s, idx))
			continue;
		seen++;
		if (present(s, idx))
			inc->after_clean = 0;
	}
	if (seen < SUM_BASELINE_DAYS)
		inc->after_clean = 0;
}

/* Critical: enforcing, with a baseline, above the critical rate or new
 * after a clean baseline.  Warning: enforcing above enforce_rate, any
 * policy above the critical rate.  Info: the rest.  Without a baseline
 * at most a warning. */
static enum sum_severity severity(const struct sum_agg *a, const struct sum_incident *inc)
{
	int over_crit = rate_above(inc->failed, inc->sessions, a->o.critical_rate);

	if (inc->enforcing && !inc->no_history &&
	    (over_crit || (inc->kind == SUM_KIND_TYPE && inc->after_clean)))
		return SUM_SEV_CRITICAL;
	if (over_crit || (inc->enforcing && (rate_above(inc->failed, inc->sessions, a->o.enforce_rate) ||
					     (inc->kind == SUM_KIND_TYPE && inc->no_history))))
		return SUM_SEV_WARNING;
	return SUM_SEV_INFO;
}

/* The policy change on first - 1, first or first + 1, if any. */
static long change_near(const struct sum_group *g, long first)
{
	for (size_t i = 0; i < g->nchanges; i++)
		if (g->changes[i].day >= first - 1 && g->changes[i].day <= first + 1)
			return g->changes[i].day;
	return -1;
}

static int rank_inc(const struct sum_agg *a, const struct series *s, struct sum_incident *inc);

/* One run [first, last] of a problem becomes an incident. */
static int make_incident(struct sum_agg *a, const struct series *s, long first, long last,
			 long lastrep)
{
	struct sum_incident inc = { .kind = s->t ? SUM_KIND_TYPE : SUM_KIND_RATE,
				    .dom = s->g->dom, .grp = s->g, .what = s->name,
				    .first = first, .last = last };
	size_t lo = (size_t)((first > a->o.since ? first : a->o.since) - a->start);
	size_t hi = (size_t)(last - a->start);
	struct sum_group *g = (struct sum_group *)s->g;

	inc.ongoing = last == lastrep && lastrep >= a->complete - 1;
	for (size_t idx = (size_t)(first - a->start); idx <= hi; idx++) {
		inc.failed_since = sum_sat_add(inc.failed_since, failed_on(s, idx));
		if (idx < lo)
			continue;
		inc.failed = sum_sat_add(inc.failed, failed_on(s, idx));
		struct sum_day *sd = day_mut(&g->days, a->start + (long)idx);

		inc.enforcing |= enforcing_day(a, g, idx);
		if (sd == NULL)   /* a day without reports inside the run */
			continue;
		inc.sessions = sum_sat_add(inc.sessions, sum_sat_add(sd->success, sd->failed));
		sd->incident = 1;
	}
	inc.rate_bp = sum_rate_bp(inc.failed, inc.sessions);
	history(s, &inc);
	find_jump(s, lo, hi, &inc);
	inc.change_day = change_near(g, first);
	inc.severity = severity(a, &inc);
	if (rank_inc(a, s, &inc) < 0 || push_incident(a, &inc) < 0)
		return -1;
	return 0;
}

/* Runs of a problem, newest first, down to the first that ends before
 * the window: a run goes back through days where the problem shows or
 * nothing was reported, and ends at SUM_RUN_GAP days with reports
 * without it.  Only complete days are judged. */
static int find_runs(struct sum_agg *a, const struct series *s)
{
	long d = a->complete, lastrep = -1;

	for (long k = a->complete; k >= a->o.since && lastrep < 0; k--)
		if (has_data(s, (size_t)(k - a->start)))
			lastrep = k;
	while (d >= a->o.since) {
		long last, first, k;
		int gap = 0;

		while (d >= a->o.since && !present(s, (size_t)(d - a->start)))
			d--;
		if (d < a->o.since)
			break;
		last = first = d;
		for (k = d - 1; k >= a->start; k--) {
			size_t idx = (size_t)(k - a->start);

			if (present(s, idx)) {
				first = k;
				gap = 0;
			} else if (has_data(s, idx) && ++gap >= SUM_RUN_GAP) {
				break;
			}
		}
		if (make_incident(a, s, first, last, lastrep) < 0)
			return -1;
		d = k;
	}
	return 0;
}

static int keep_failed(const void *val);
static int keep_any(const void *val);
static int cmp_count(const void *x, const void *y);
static int rank(const struct sum_map *m, int (*keep)(const void *),
		int (*cmp)(const void *, const void *), size_t limit, struct sum_list *out);

/* The incident's lists and the MX host its failures concentrate on. */
static int rank_inc(const struct sum_agg *a, const struct series *s, struct sum_incident *inc)
{
	const struct sum_rtype *t = s->t;
	const struct sum_group *g = s->g;

	if (rank(t ? &t->orgs : &g->orgs, keep_failed, cmp_count, a->o.top, &inc->orgs) < 0 ||
	    rank(t ? &t->send : &g->send, keep_failed, cmp_count, a->o.top, &inc->send) < 0 ||
	    rank(t ? &t->recv : &g->recv, keep_failed, cmp_count, a->o.top, &inc->recv) < 0)
		return -1;
	if (t != NULL && (rank(&t->reasons, keep_any, cmp_count, a->o.top, &inc->reasons) < 0 ||
			  rank(&t->uris, keep_any, cmp_count, SUM_URI_SAMPLES, &inc->uris) < 0))
		return -1;
	if (t != NULL && inc->recv.n > 0 && strcmp(inc->recv.v[0].key, "(unknown)") != 0 &&
	    strcmp(inc->recv.v[0].key, SUM_OTHER) != 0 && t->win > 0 &&
	    (long double)((const struct sum_count *)inc->recv.v[0].val)->sessions * 100.0L >=
	    (long double)t->win * SUM_CONCENTRATE)
		inc->mx = inc->recv.v[0].key;
	return 0;
}

/* Ready to enforce: an sts policy in mode testing whose last
 * SUM_READY_DAYS complete days all had reports, from at least
 * SUM_READY_ORGS reporters, and no failed session at all. */
static int analyse_ready(struct sum_agg *a, struct sum_group *g)
{
	g->testing = g->slot == 0 && g->mode != NULL && strcmp(g->mode, "testing") == 0;
	if (!g->testing)
		return 0;
	for (long d = a->complete - SUM_READY_DAYS + 1; d <= a->complete; d++) {
		const struct sum_day *sd = sum_day_at(&g->days, d);

		if (sd->records == 0)
			continue;
		g->ready_days++;
		g->ready_refused = sum_sat_add(g->ready_refused, sd->failed);
	}
	g->ready_orgs = g->ready_orgmap.n;
	g->ready = g->ready_days >= SUM_READY_DAYS && g->ready_orgs >= SUM_READY_ORGS &&
		g->ready_refused == 0;
	if (rank(&g->ready_types, keep_failed, cmp_count, a->o.top, &g->top_ready_types) < 0 ||
	    rank(&g->ready_mx, keep_failed, cmp_count, a->o.top, &g->top_ready_mx) < 0)
		return -1;
	return 0;
}

static int keep_window_type(const void *val);

static int analyse_group(struct sum_agg *a, struct sum_group *g)
{
	uint64_t total = sum_sat_add(g->success, g->failed);
	struct series s = { a, g, NULL, NULL };

	if (rank(&g->rtypes, keep_window_type, cmp_rtype, 0, &g->types) < 0 ||
	    rank(&g->send, keep_failed, cmp_count, a->o.top, &g->top_send) < 0 ||
	    rank(&g->recv, keep_failed, cmp_count, a->o.top, &g->top_recv) < 0 ||
	    rank(&g->orgs, keep_failed, cmp_count, a->o.top, &g->top_orgs) < 0)
		return -1;
	g->norgs = g->orgs.n;
	g->rate_bp = sum_rate_bp(g->failed, total);
	g->over_critical = rate_above(g->failed, total, a->o.critical_rate);
	for (size_t i = 0; i < g->types.n; i++) {
		struct sum_rtype *t = (struct sum_rtype *)g->types.v[i].val;

		t->is_new = t->hist_n == 0;
		s.t = t;
		s.name = g->types.v[i].key;
		if (find_runs(a, &s) < 0)
			return -1;
	}
	s.t = NULL;
	s.name = NULL;
	if (find_runs(a, &s) < 0)
		return -1;
	return analyse_ready(a, g);
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

/* Reporters gone quiet: they covered >= SUM_SILENT_MIN of the
 * SUM_SILENT_PRIOR days before the last SUM_SILENT_LAST days before
 * agg->ref, and neither of those (a report for yesterday that has not
 * arrived yet is normal, so one missing day is not silence). */
static int find_silent(struct sum_agg *a, struct sum_domain *d)
{
	void **v = sum_map_values(&d->reporters);
	unsigned last = (1u << SUM_SILENT_LAST) - 1;

	if (d->reporters.n > 0 && v == NULL)
		return -1;
	for (size_t i = 0; i < d->reporters.n; i++) {
		struct sum_reporter *r = v[i];

		r->prior = (r->seen & last) ? 0 : (unsigned)__builtin_popcount(
			(r->seen >> SUM_SILENT_LAST) & ((1u << SUM_SILENT_PRIOR) - 1));
	}
	free(v);
	if (rank(&d->reporters, keep_silent, cmp_key, 0, &d->silent) < 0)
		return -1;
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *r = d->silent.v[i].val;
		struct sum_incident inc = { .kind = SUM_KIND_SILENT, .severity = SUM_SEV_WARNING,
					    .dom = d, .what = d->silent.v[i].key, .first = r->last,
					    .last = a->ref - 1, .ongoing = 1, .prior = r->prior,
					    .jump_day = -1, .change_day = -1 };

		if (push_incident(a, &inc) < 0)
			return -1;
	}
	return 0;
}

static int analyse_domain(struct sum_agg *a, struct sum_domain *d)
{
	if (d->ngroups > 0)
		qsort(d->groups, d->ngroups, sizeof *d->groups, cmp_group);
	for (long day = a->o.since; day <= a->o.until; day++) {
		const struct sum_day *sd = sum_day_at(&d->days, day);

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

/* Most severe first; then ongoing, more failures, older; then by name. */
static int cmp_incident(const void *x, const void *y)
{
	const struct sum_incident *a = x, *b = y;
	int c = 0;

	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	if (a->ongoing != b->ongoing)
		return a->ongoing ? -1 : 1;
	if (a->failed != b->failed)
		return a->failed > b->failed ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	c = strcmp(a->dom->name, b->dom->name);
	if (c == 0)
		c = group_order(a->grp, b->grp);
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
			if (sum_day_at(&a->doms[i]->days, day)->records > 0) {
				a->days_with_data++;
				break;
			}
		}
	}
}

int sum_agg_finish(struct sum_agg *a, struct err *e)
{
	sum_agg_end_day(a);
	if (a->nomem)
		return err_nomem(e);
	a->ndoms = a->domains.n;
	a->doms = (struct sum_domain **)sum_map_values(&a->domains);
	if (a->ndoms > 0 && a->doms == NULL)
		return err_nomem(e);
	if (a->ndoms > 0)
		qsort(a->doms, a->ndoms, sizeof *a->doms, cmp_domain);
	for (size_t i = 0; i < a->ndoms; i++)
		if (analyse_domain(a, a->doms[i]) < 0)
			return err_nomem(e);
	if (a->ninc > 0)
		qsort(a->inc, a->ninc, sizeof *a->inc, cmp_incident);
	for (size_t i = 0; i < a->ndoms; i++)
		a->doms[i]->worst = -1;
	for (size_t i = 0; i < a->ninc; i++) {
		struct sum_domain *d = (struct sum_domain *)a->inc[i].dom;

		a->ncrit += a->inc[i].severity == SUM_SEV_CRITICAL;
		a->nwarn += a->inc[i].severity == SUM_SEV_WARNING;
		if (d->ninc++ == 0)   /* sorted: the first is the worst */
			d->worst = (int)a->inc[i].severity;
	}
	if (rank(&a->warnings, keep_failed, cmp_count, a->o.top, &a->top_warnings) < 0)
		return err_nomem(e);
	count_days(a);
	return 0;
}

struct remedy {
	const char *type;
	const char *text;
};

/* RFC 8460 section 4.3, each text checked against the section's
 * definition of the type; "%s" is the
 * policy domain.  The reporter's failure_reason_code is shown beside. */
static const struct remedy remedies[] = {
	/* 4.3.1 negotiation failures */
	{ "starttls-not-supported", "The MX did not support STARTTLS: check every MX host "
	  "of the policy (often a backup MX or a load balancer in front of one) offers it." },
	{ "certificate-host-mismatch", "The MX certificate does not match the policy, e.g. the "
	  "MX host name is not in its subjectAltName: reissue it naming every MX host." },
	{ "certificate-expired", "The MX certificate has expired: renew it, automate renewal, "
	  "and alert when notAfter is less than 14 days away." },
	{ "certificate-not-trusted", "The MX certificate is not trusted (unknown CA, broken "
	  "chain, name constraints; the reason code says which): serve the full chain from a "
	  "publicly trusted CA." },
	{ "validation-failure", "A general failure for a reason not matching the other types: "
	  "the reporter's reason code is the diagnosis; start there, then check the MX "
	  "certificates and TLS settings." },
	/* 4.3.2.1 DANE */
	{ "tlsa-invalid", "None of the MX's TLSA records was found valid: re-derive them from "
	  "the MX certificates (mind rollovers) and republish." },
	{ "dnssec-invalid", "No valid DNSSEC answer for the MX's records: fix DNSSEC for the MX "
	  "zone (signatures, DS at the parent), then re-check the TLSA records." },
	{ "dane-required", "The sender requires DANE for this domain but found no "
	  "DNSSEC-validated TLSA records for the MX: publish them in a signed zone." },
	/* 4.3.2.2 MTA-STS */
	{ "sts-policy-fetch-error", "The MTA-STS policy could not be fetched: "
	  "https://mta-sts.%s/.well-known/mta-sts.txt must answer 200 without a redirect, "
	  "from outside your network." },
	{ "sts-policy-invalid", "The MTA-STS policy does not validate: check for a BOM, the "
	  "line endings, a first line \"version: STSv1\", mode, mx and max_age." },
	{ "sts-webpki-invalid", "The MTA-STS policy could not be authenticated: the certificate "
	  "of mta-sts.%s is not trusted by the web PKI, expired or names another host; serve "
	  "a publicly trusted certificate with its full chain." },
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
