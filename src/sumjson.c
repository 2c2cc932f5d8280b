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
	set(j, w, "last_complete_day", date(j->a->complete));
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
	set(j, t, "history_days", json_object_new_int64(o->history));
	set(j, t, "baseline_days", json_object_new_int(SUM_BASELINE_DAYS));
	set(j, t, "run_gap_days", json_object_new_int(SUM_RUN_GAP));
	set(j, t, "concentrate_percent", json_object_new_int(SUM_CONCENTRATE));
	set(j, t, "ready_days", json_object_new_int(SUM_READY_DAYS));
	set(j, t, "ready_reporters", json_object_new_int(SUM_READY_ORGS));
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

static struct json_object *j_top(struct jb *j, const struct sum_list *l);

typedef int (*inc_text_fn)(const struct sum_incident *, struct buf *);

static struct json_object *j_text(struct jb *j, inc_text_fn fn, const struct sum_incident *i)
{
	struct json_object *o;
	struct buf b;

	buf_init(&b);
	if (fn(i, &b) < 0 || buf_reserve(&b, 0) < 0)
		j->fail = 1;
	o = json_object_new_string(b.p ? (char *)b.p : "");
	buf_free(&b);
	return o;
}

static struct json_object *j_reasons(struct jb *j, const struct sum_incident *i)
{
	struct json_object *o = json_object_new_object(), *codes = json_object_new_array();
	struct json_object *uris = json_object_new_array();

	for (size_t k = 0; k < i->reasons.n; k++) {
		const struct sum_count *c = i->reasons.v[k].val;
		struct json_object *e = json_object_new_object();

		set_str(j, e, "code", i->reasons.v[k].key);
		set(j, e, "sessions", u64(c->sessions));
		set(j, e, "details", u64(c->records));
		push(j, codes, e);
	}
	for (size_t k = 0; k < i->uris.n; k++)
		push(j, uris, json_object_new_string(i->uris.v[k].key));
	set(j, o, "failure_reason_codes", codes);
	set(j, o, "additional_info_uris", uris);
	return o;
}

static struct json_object *j_incident(struct jb *j, const struct sum_incident *i)
{
	struct json_object *o = json_object_new_object();
	struct buf d;

	buf_init(&d);
	if (sum_incident_detail(j->a, i, &d) < 0 || buf_reserve(&d, 0) < 0)
		j->fail = 1;
	set_str(j, o, "kind", sum_kind_name(i->kind));
	set_str(j, o, "severity", sum_severity_name(i->severity));
	set_str(j, o, "domain", i->dom->name);
	set_str(j, o, "policy_type", i->grp ? i->grp->policy_type : NULL);
	set_str(j, o, "result_type", i->kind == SUM_KIND_TYPE ? i->what : NULL);
	set_str(j, o, "mx_host", i->mx);
	set_str(j, o, "organization", i->kind == SUM_KIND_SILENT ? i->what : NULL);
	set(j, o, "first_seen", date(i->first));
	set(j, o, "first_seen_at_history_limit", json_object_new_boolean(i->at_limit));
	set(j, o, "last_seen", date(i->last));
	set(j, o, "ongoing", json_object_new_boolean(i->ongoing));
	set(j, o, "failed_sessions", u64(i->failed));
	set(j, o, "failed_sessions_since_first_seen", u64(i->failed_since));
	set(j, o, "sessions", u64(i->sessions));
	set(j, o, "failure_rate", pct(i->rate_bp));
	set(j, o, "enforced", json_object_new_boolean(i->enforcing));
	set(j, o, "no_history", json_object_new_boolean(i->kind != SUM_KIND_SILENT && i->no_history));
	set(j, o, "history_days", json_object_new_int64(i->history_days));
	if (i->jump_day >= 0) {
		struct json_object *jp = json_object_new_object();

		set(j, jp, "date", date(i->jump_day));
		set(j, jp, "failed", u64(i->jump_failed));
		set(j, jp, "median", num2(i->jump_median));
		set(j, o, "jump", jp);
	} else {
		set_str(j, o, "jump", NULL);
	}
	if (i->change_day >= 0)
		set(j, o, "policy_change", date(i->change_day));
	else
		set_str(j, o, "policy_change", NULL);
	set(j, o, "reporters", j_top(j, &i->orgs));
	set(j, o, "top_sending_ips", j_top(j, &i->send));
	set(j, o, "top_receiving_mx", j_top(j, &i->recv));
	set(j, o, "reasons", j_reasons(j, i));
	set(j, o, "remediation", j_text(j, sum_incident_remedy, i));
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
		if (with_mode)
			set(j, o, "incident", json_object_new_boolean(sd->incident));
		push(j, arr, o);
	}
	return arr;
}

static struct json_object *j_changes(struct jb *j, const struct sum_group *g)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < g->nchanges; i++) {
		struct json_object *o = json_object_new_object();

		set(j, o, "date", date(g->changes[i].day));
		set_str(j, o, "from", g->changes[i].from);
		set_str(j, o, "to", g->changes[i].to);
		push(j, arr, o);
	}
	return arr;
}

static struct json_object *j_ready(struct jb *j, const struct sum_group *g)
{
	struct json_object *o = json_object_new_object();

	set(j, o, "ready", json_object_new_boolean(g->ready));
	set(j, o, "days_with_reports", json_object_new_int64(g->ready_days));
	set(j, o, "reporters", u64(g->ready_orgs));
	set(j, o, "would_be_refused", u64(g->ready_refused));
	set(j, o, "by_result_type", j_top(j, &g->top_ready_types));
	set(j, o, "by_mx_host", j_top(j, &g->top_ready_mx));
	return o;
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
	set(j, o, "policy_changes", j_changes(j, g));
	if (g->testing)
		set(j, o, "ready_to_enforce", j_ready(j, g));
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
	set(j, o, "files_with_unparsable_lines", u64(a->skipped_files));
	set_str(j, o, "first_file_with_unparsable_lines", a->skipped_files ? a->skipped_file : NULL);
	set(j, o, "quarantined", u64(a->quarantined));
	set(j, o, "days_with_reports", u64(a->days_with_data));
	set(j, o, "records_dropped", u64(a->dropped));
	set(j, o, "duplicate_records", u64(a->duplicates));
	if (a->no_domain > 0)   /* rare: the key only when there are such records */
		set(j, o, "records_without_domain", u64(a->no_domain));
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
	struct json_object *inc = json_object_new_array(), *doms = json_object_new_array();

	set_str(j, root, "generator", "tlsrpt-summary");
	set(j, root, "format_version", json_object_new_int(2));
	set(j, root, "window", j_window(j, v));
	set(j, root, "thresholds", j_thresholds(j));
	set(j, root, "status", j_status(j));
	for (size_t i = 0; i < j->a->ninc; i++)
		push(j, inc, j_incident(j, &j->a->inc[i]));
	set(j, root, "incidents", inc);
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
