/* JSON output; see sumjson.h.  The tree is built with json-c (which
 * escapes every string) and any failed allocation is remembered in one
 * flag checked at the end, instead of after each of the many adds. */
#include <string.h>

#include <json-c/json.h>

#include "sumdate.h"
#include "sumjson.h"

struct jb {
	const struct sum_agg *a;
	int fail;
};

static void set(struct jb *j, struct json_object *o, const char *k, struct json_object *v)
{
	if (o == NULL || v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		j->fail = 1;
	}
}

static void push(struct jb *j, struct json_object *arr, struct json_object *v)
{
	if (arr == NULL || v == NULL || json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		j->fail = 1;
	}
}

/* A string, or JSON null for NULL (which json-c represents as NULL). */
static void set_str(struct jb *j, struct json_object *o, const char *k, const char *s)
{
	if (s != NULL)
		set(j, o, k, json_object_new_string(s));
	else if (o == NULL || json_object_object_add(o, k, NULL) != 0)
		j->fail = 1;
}

static struct json_object *u64(uint64_t n)
{
	return json_object_new_uint64(n);
}

static struct json_object *date(long day)
{
	char d[SUM_DATE_LEN + 1];

	sum_date_format(day, d);
	return json_object_new_string(d);
}

/* A percentage with exactly two decimals, serialized as written. */
static struct json_object *pct(unsigned bp)
{
	char s[16];

	sum_fmt_rate(bp, s);
	return json_object_new_double_s(bp / 100.0, s);
}

static struct json_object *num2(double v)
{
	char s[32];

	snprintf(s, sizeof s, "%.2f", v);
	return json_object_new_double_s(v, s);
}

static void totals(struct jb *j, struct json_object *o, uint64_t success, uint64_t failed)
{
	set(j, o, "sessions", u64(sum_sat_add(success, failed)));
	set(j, o, "successful", u64(success));
	set(j, o, "failed", u64(failed));
	set(j, o, "failure_rate", pct(sum_rate_bp(failed, sum_sat_add(success, failed))));
}

static struct json_object *j_window(struct jb *j, const struct sum_view *v)
{
	const struct sum_opts *o = &j->a->o;
	struct json_object *w = json_object_new_object();

	set(j, w, "since", date(o->since));
	set(j, w, "until", date(o->until));
	set(j, w, "days", json_object_new_int64(o->until - o->since + 1));
	set_str(j, w, "spool", v->spool);
	return w;
}

static struct json_object *j_thresholds(struct jb *j)
{
	const struct sum_opts *o = &j->a->o;
	struct json_object *t = json_object_new_object();

	set(j, t, "spike_factor", num2(o->spike_factor));
	set(j, t, "spike_min", u64(o->spike_min));
	set(j, t, "enforce_rate", num2(o->enforce_rate));
	set(j, t, "critical_rate", num2(o->critical_rate));
	set(j, t, "median_days", json_object_new_int(SUM_MEDIAN_DAYS));
	set(j, t, "history_days", json_object_new_int(SUM_HISTORY_DAYS));
	set(j, t, "silent_last_days", json_object_new_int(SUM_SILENT_LAST));
	set(j, t, "silent_prior_days", json_object_new_int(SUM_SILENT_PRIOR));
	set(j, t, "silent_min_days", json_object_new_int(SUM_SILENT_MIN));
	return t;
}

static struct json_object *j_status(struct jb *j)
{
	struct json_object *s = json_object_new_object();
	enum sum_state st = sum_state_of(j->a);
	struct buf line;

	buf_init(&line);
	if (sum_status(j->a, &line) < 0 || buf_reserve(&line, 0) < 0)
		j->fail = 1;
	set_str(j, s, "state", sum_state_name(st));
	set(j, s, "code", json_object_new_int((int)st));
	set_str(j, s, "line", line.p ? (char *)line.p : "");
	buf_free(&line);
	return s;
}

static struct json_object *j_flag(struct jb *j, const struct sum_flag *f)
{
	struct json_object *o = json_object_new_object();
	struct buf d;

	buf_init(&d);
	if (sum_flag_detail(j->a, f, &d) < 0 || buf_reserve(&d, 0) < 0)
		j->fail = 1;
	set_str(j, o, "type", sum_flag_name(f->kind));
	set(j, o, "critical", json_object_new_boolean(f->critical));
	set(j, o, "date", date(f->day));
	set_str(j, o, "domain", f->dom->name);
	set_str(j, o, "policy_type", f->grp ? f->grp->policy_type : NULL);
	set_str(j, o, "result_type", f->kind == SUM_FLAG_NEW_TYPE ? f->what : NULL);
	set_str(j, o, "organization", f->kind == SUM_FLAG_SILENT ? f->what : NULL);
	set_str(j, o, "detail", d.p ? (char *)d.p : "");
	buf_free(&d);
	return o;
}

static struct json_object *j_top(struct jb *j, const struct sum_list *l)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;
		struct json_object *o = json_object_new_object();

		set_str(j, o, "key", l->v[i].key);
		set(j, o, "sessions", u64(c->sessions));
		set(j, o, "days", u64(c->days));
		push(j, arr, o);
	}
	return arr;
}

static struct json_object *j_types(struct jb *j, const struct sum_group *g)
{
	struct json_object *arr = json_object_new_array();
	struct buf r;

	buf_init(&r);
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;
		struct json_object *o = json_object_new_object();
		int known;

		buf_reset(&r);
		known = sum_remedy(g->types.v[i].key, g->dom->name, &r);
		if (known < 0 || buf_reserve(&r, 0) < 0)
			j->fail = 1;
		set_str(j, o, "result_type", g->types.v[i].key);
		set(j, o, "known", json_object_new_boolean(known > 0));
		set(j, o, "new", json_object_new_boolean(t->is_new));
		set(j, o, "sessions", u64(t->win));
		set(j, o, "share", pct(sum_rate_bp(t->win, g->detail_sessions)));
		set(j, o, "first_seen", date(t->first));
		set_str(j, o, "remediation", r.p ? (char *)r.p : "");
		push(j, arr, o);
	}
	buf_free(&r);
	return arr;
}

static struct json_object *j_day_flags(struct jb *j, unsigned flags)
{
	struct json_object *arr = json_object_new_array();

	if (flags & SUM_DAY_SPIKE)
		push(j, arr, json_object_new_string("spike"));
	if (flags & SUM_DAY_NEWTYPE)
		push(j, arr, json_object_new_string("new-failure-type"));
	if (flags & SUM_DAY_SILENT)
		push(j, arr, json_object_new_string("silent-reporter"));
	return arr;
}

/* One entry per window day, zeros where nothing was reported. */
static struct json_object *j_daily(struct jb *j, const struct sum_day *days, int with_mode)
{
	const struct sum_agg *a = j->a;
	struct json_object *arr = json_object_new_array();

	for (long d = a->o.since; d <= a->o.until; d++) {
		const struct sum_day *sd = &days[d - a->start];
		struct json_object *o = json_object_new_object();

		set(j, o, "date", date(d));
		set(j, o, "reports", u64(sd->records));
		totals(j, o, sd->success, sd->failed);
		if (with_mode)
			set(j, o, "enforce", json_object_new_boolean(sd->enforce));
		set(j, o, "flags", j_day_flags(j, sd->flags));
		push(j, arr, o);
	}
	return arr;
}

static struct json_object *j_group(struct jb *j, const struct sum_group *g)
{
	struct json_object *o = json_object_new_object();

	set_str(j, o, "policy_type", g->policy_type);
	set_str(j, o, "mode", g->mode);
	totals(j, o, g->success, g->failed);
	set(j, o, "critical", json_object_new_boolean(g->over_critical));
	set(j, o, "reports", u64(g->records));
	set(j, o, "organizations", u64(g->norgs));
	set(j, o, "failures", j_types(j, g));
	set(j, o, "top_sending_ips", j_top(j, &g->top_send));
	set(j, o, "top_receiving_mx", j_top(j, &g->top_recv));
	set(j, o, "top_organizations", j_top(j, &g->top_orgs));
	set(j, o, "daily", j_daily(j, g->days, 1));
	return o;
}

static struct json_object *j_domain(struct jb *j, const struct sum_domain *d)
{
	struct json_object *o = json_object_new_object(), *all = json_object_new_object();
	struct json_object *pol = json_object_new_array(), *sil = json_object_new_array();

	set_str(j, o, "domain", d->name);
	set_str(j, all, "method", "largest figure per reporter and day among the policy types");
	totals(j, all, d->success, d->failed);
	set(j, all, "daily", j_daily(j, d->days, 0));
	set(j, o, "all_policy_types", all);
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *r = d->silent.v[i].val;
		struct json_object *s = json_object_new_object();

		set_str(j, s, "organization", d->silent.v[i].key);
		set(j, s, "days_reported", u64(r->prior));
		push(j, sil, s);
	}
	set(j, o, "silent_reporters", sil);
	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i]->records > 0)
			push(j, pol, j_group(j, d->groups[i]));
	set(j, o, "policies", pol);
	return o;
}

static struct json_object *j_quality(struct jb *j)
{
	const struct sum_agg *a = j->a;
	struct json_object *o = json_object_new_object(), *w = json_object_new_array();

	set(j, o, "records", u64(a->records));
	set(j, o, "records_with_warnings", u64(a->records_warn));
	set(j, o, "unparsable_lines", u64(a->skipped));
	set(j, o, "unparsable_lines_before_window", u64(a->skipped_hist));
	set(j, o, "quarantined", u64(a->quarantined));
	set(j, o, "days_with_reports", u64(a->days_with_data));
	set(j, o, "records_dropped", u64(a->dropped));
	set(j, o, "duplicate_records", u64(a->duplicates));
	set(j, o, "conflicting_records_included", u64(a->conflicts));
	set(j, o, "conflicting_records_left_out_for_dkim", u64(a->conflicts_dropped));
	for (size_t i = 0; i < a->top_warnings.n; i++) {
		const struct sum_count *c = a->top_warnings.v[i].val;
		struct json_object *e = json_object_new_object();

		set_str(j, e, "warning", a->top_warnings.v[i].key);
		set(j, e, "records", u64(c->sessions));
		push(j, w, e);
	}
	set(j, o, "top_warnings", w);
	return o;
}

static struct json_object *j_root(struct jb *j, const struct sum_view *v)
{
	struct json_object *root = json_object_new_object();
	struct json_object *flags = json_object_new_array(), *doms = json_object_new_array();

	set_str(j, root, "generator", "tlsrpt-summary");
	set(j, root, "format_version", json_object_new_int(1));
	set(j, root, "window", j_window(j, v));
	set(j, root, "thresholds", j_thresholds(j));
	set(j, root, "status", j_status(j));
	for (size_t i = 0; i < j->a->nflags; i++)
		push(j, flags, j_flag(j, &j->a->flags[i]));
	set(j, root, "flags", flags);
	for (size_t i = 0; i < j->a->ndoms; i++)
		if (j->a->doms[i]->records > 0 || j->a->doms[i]->silent.n > 0)
			push(j, doms, j_domain(j, j->a->doms[i]));
	set(j, root, "domains", doms);
	set(j, root, "data_quality", j_quality(j));
	return root;
}

int sum_json(const struct sum_agg *a, const struct sum_view *v, FILE *out, struct err *e)
{
	struct jb j = { .a = a };
	struct json_object *root = j_root(&j, v);
	const char *s = NULL;

	if (!j.fail)
		s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL) {
		json_object_put(root);
		return err_nomem(e);
	}
	fputs(s, out);
	fputc('\n', out);
	json_object_put(root);
	if (fflush(out) != 0 || ferror(out))
		return err_set(e, ERR_TEMP, "write: error on standard output");
	return 0;
}
