/* JSON output; see sumjson.h.  Written as it goes, straight to the
 * stream: no tree of the document is ever built, so memory does not grow
 * with the number of domains or days shown.  The layout is byte for byte
 * what json-c's JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE
 * printed before (two-space indent, "key":value, an empty container as
 * "[", newline, indent, "]"), and strings are escaped as json-c escapes
 * them: \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx, the rest
 * verbatim (every string here is valid UTF-8 already: report strings were
 * validated when read). */
#include <inttypes.h>
#include <string.h>

#include "sumdate.h"
#include "sumjson.h"
#include "util.h"

#define JW_DEPTH 16

struct jb {
	const struct sum_agg *a;
	FILE *out;
	int level;                  /* containers open */
	unsigned char had[JW_DEPTH];/* the container at that level has a child */
	int fail;                   /* ENOMEM building a sentence */
};

static void indent(struct jb *j, int level)
{
	static const char sp[2 * JW_DEPTH] = "                                ";

	fwrite(sp, 1, 2 * (size_t)(level < JW_DEPTH ? level : JW_DEPTH), j->out);
}

static void esc(struct jb *j, const char *s)
{
	const char *run = s;
	FILE *f = j->out;
	char e[7];

	putc('"', f);
	for (; *s != '\0'; s++) {
		if (util_json_esc((unsigned char)*s, e) == 0)
			continue;
		fwrite(run, 1, (size_t)(s - run), f);
		fputs(e, f);
		run = s + 1;
	}
	fwrite(run, 1, (size_t)(s - run), f);
	putc('"', f);
}

/* Before a value: the separator, the indent and the member name (key
 * NULL inside an array). */
static void member(struct jb *j, const char *key)
{
	if (j->level == 0)
		return;
	if (j->had[j->level - 1])
		fputs(",\n", j->out);
	j->had[j->level - 1] = 1;
	indent(j, j->level);
	if (key != NULL) {
		esc(j, key);
		putc(':', j->out);
	}
}

static void open_c(struct jb *j, const char *key, char c)
{
	member(j, key);
	putc(c, j->out);
	putc('\n', j->out);
	if (j->level == JW_DEPTH) {   /* never with this document's shape */
		j->fail = 1;
		return;
	}
	j->had[j->level++] = 0;
}

static void close_c(struct jb *j, char c)
{
	if (j->level == 0)
		return;
	if (j->had[--j->level])
		putc('\n', j->out);
	indent(j, j->level);
	putc(c, j->out);
}

static void obj(struct jb *j, const char *key) { open_c(j, key, '{'); }
static void arr(struct jb *j, const char *key) { open_c(j, key, '['); }
static void end_obj(struct jb *j) { close_c(j, '}'); }
static void end_arr(struct jb *j) { close_c(j, ']'); }

/* A string, or JSON null for NULL. */
static void set_str(struct jb *j, const char *key, const char *s)
{
	member(j, key);
	if (s == NULL)
		fputs("null", j->out);
	else
		esc(j, s);
}

static void set_u64(struct jb *j, const char *key, uint64_t n)
{
	member(j, key);
	fprintf(j->out, "%" PRIu64, n);
}

static void set_int(struct jb *j, const char *key, long n)
{
	member(j, key);
	fprintf(j->out, "%ld", n);
}

static void set_bool(struct jb *j, const char *key, int b)
{
	member(j, key);
	fputs(b ? "true" : "false", j->out);
}

static void set_date(struct jb *j, const char *key, long day)
{
	char d[SUM_DATE_LEN + 1];

	sum_date_format(day, d);
	set_str(j, key, d);
}

/* A percentage with exactly two decimals. */
static void set_pct(struct jb *j, const char *key, unsigned bp)
{
	char s[16];

	sum_fmt_rate(bp, s);
	member(j, key);
	fputs(s, j->out);
}

static void set_num2(struct jb *j, const char *key, double v)
{
	member(j, key);
	fprintf(j->out, "%.2f", v);
}

/* A sentence just built in b by a builder that returned ok (!= 0). */
static void set_text(struct jb *j, const char *key, struct buf *b, int ok)
{
	if (!ok || buf_reserve(b, 0) < 0)
		j->fail = 1;
	set_str(j, key, b->p ? (char *)b->p : "");
}

static void totals(struct jb *j, uint64_t success, uint64_t failed)
{
	set_u64(j, "sessions", sum_sat_add(success, failed));
	set_u64(j, "successful", success);
	set_u64(j, "failed", failed);
	set_pct(j, "failure_rate", sum_rate_bp(failed, sum_sat_add(success, failed)));
}

static void j_window(struct jb *j, const struct sum_view *v)
{
	const struct sum_opts *o = &j->a->o;

	obj(j, "window");
	set_date(j, "since", o->since);
	set_date(j, "until", o->until);
	set_int(j, "days", o->until - o->since + 1);
	set_date(j, "last_complete_day", j->a->complete);
	set_str(j, "spool", v->spool);
	end_obj(j);
}

static void j_thresholds(struct jb *j)
{
	const struct sum_opts *o = &j->a->o;

	obj(j, "thresholds");
	set_num2(j, "spike_factor", o->spike_factor);
	set_u64(j, "spike_min", o->spike_min);
	set_num2(j, "enforce_rate", o->enforce_rate);
	set_num2(j, "critical_rate", o->critical_rate);
	set_int(j, "median_days", SUM_MEDIAN_DAYS);
	set_int(j, "history_days", o->history);
	set_int(j, "baseline_days", SUM_BASELINE_DAYS);
	set_int(j, "run_gap_days", SUM_RUN_GAP);
	set_int(j, "concentrate_percent", SUM_CONCENTRATE);
	set_int(j, "ready_days", SUM_READY_DAYS);
	set_int(j, "ready_reporters", SUM_READY_ORGS);
	set_int(j, "silent_last_days", SUM_SILENT_LAST);
	set_int(j, "silent_prior_days", SUM_SILENT_PRIOR);
	set_int(j, "silent_min_days", SUM_SILENT_MIN);
	end_obj(j);
}

static void j_status(struct jb *j, struct buf *b)
{
	enum sum_state st = sum_state_of(j->a);

	obj(j, "status");
	set_str(j, "state", sum_state_name(st));
	set_int(j, "code", (int)st);
	buf_reset(b);
	set_text(j, "line", b, sum_status(j->a, b) == 0);
	end_obj(j);
}

static void j_top(struct jb *j, const char *key, const struct sum_list *l)
{
	arr(j, key);
	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;

		obj(j, NULL);
		set_str(j, "key", l->v[i].key);
		set_u64(j, "sessions", c->sessions);
		set_u64(j, "days", c->days);
		end_obj(j);
	}
	end_arr(j);
}

static void j_reasons(struct jb *j, const struct sum_incident *i)
{
	obj(j, "reasons");
	arr(j, "failure_reason_codes");
	for (size_t k = 0; k < i->reasons.n; k++) {
		const struct sum_count *c = i->reasons.v[k].val;

		obj(j, NULL);
		set_str(j, "code", i->reasons.v[k].key);
		set_u64(j, "sessions", c->sessions);
		set_u64(j, "details", c->records);
		end_obj(j);
	}
	end_arr(j);
	arr(j, "additional_info_uris");
	for (size_t k = 0; k < i->uris.n; k++)
		set_str(j, NULL, i->uris.v[k].key);
	end_arr(j);
	end_obj(j);
}

static void j_incident(struct jb *j, const struct sum_incident *i, struct buf *b)
{
	obj(j, NULL);
	set_str(j, "kind", sum_kind_name(i->kind));
	set_str(j, "severity", sum_severity_name(i->severity));
	set_str(j, "domain", i->dom->name);
	set_str(j, "policy_type", i->grp ? i->grp->policy_type : NULL);
	set_str(j, "result_type", i->kind == SUM_KIND_TYPE ? i->what : NULL);
	set_str(j, "mx_host", i->mx);
	set_str(j, "organization", i->kind == SUM_KIND_SILENT ? i->what : NULL);
	set_date(j, "first_seen", i->first);
	set_bool(j, "first_seen_at_history_limit", i->at_limit);
	set_date(j, "last_seen", i->last);
	set_bool(j, "ongoing", i->ongoing);
	set_u64(j, "failed_sessions", i->failed);
	set_u64(j, "failed_sessions_since_first_seen", i->failed_since);
	set_u64(j, "sessions", i->sessions);
	set_pct(j, "failure_rate", i->rate_bp);
	set_bool(j, "enforced", i->enforcing);
	set_bool(j, "no_history", i->kind != SUM_KIND_SILENT && i->no_history);
	set_int(j, "history_days", i->history_days);
	if (i->jump_day >= 0) {
		obj(j, "jump");
		set_date(j, "date", i->jump_day);
		set_u64(j, "failed", i->jump_failed);
		set_num2(j, "median", i->jump_median);
		end_obj(j);
	} else {
		set_str(j, "jump", NULL);
	}
	if (i->change_day >= 0)
		set_date(j, "policy_change", i->change_day);
	else
		set_str(j, "policy_change", NULL);
	j_top(j, "reporters", &i->orgs);
	j_top(j, "top_sending_ips", &i->send);
	j_top(j, "top_receiving_mx", &i->recv);
	j_reasons(j, i);
	buf_reset(b);
	set_text(j, "remediation", b, sum_incident_remedy(i, b) == 0);
	buf_reset(b);
	set_text(j, "detail", b, sum_incident_detail(j->a, i, b) == 0);
	end_obj(j);
}

static void j_types(struct jb *j, const struct sum_group *g, struct buf *b)
{
	arr(j, "failures");
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;
		int known;

		buf_reset(b);
		known = sum_remedy(g->types.v[i].key, g->dom->name, b);
		obj(j, NULL);
		set_str(j, "result_type", g->types.v[i].key);
		set_bool(j, "known", known > 0);
		set_bool(j, "new", t->is_new);
		set_u64(j, "sessions", t->win);
		set_pct(j, "share", sum_rate_bp(t->win, g->detail_sessions));
		set_date(j, "first_seen", t->first);
		set_text(j, "remediation", b, known >= 0);
		end_obj(j);
	}
	end_arr(j);
}

/* One entry per window day, zeros where nothing was reported. */
static void j_daily(struct jb *j, const struct sum_days *days, int with_mode)
{
	const struct sum_agg *a = j->a;

	arr(j, "daily");
	for (long d = a->o.since; d <= a->o.until; d++) {
		const struct sum_day *sd = sum_day_at(days, d);

		obj(j, NULL);
		set_date(j, "date", d);
		set_u64(j, "reports", sd->records);
		totals(j, sd->success, sd->failed);
		if (with_mode) {
			set_bool(j, "enforce", sd->enforce);
			set_bool(j, "incident", sd->incident);
		}
		end_obj(j);
	}
	end_arr(j);
}

static void j_changes(struct jb *j, const struct sum_group *g)
{
	arr(j, "policy_changes");
	for (size_t i = 0; i < g->nchanges; i++) {
		obj(j, NULL);
		set_date(j, "date", g->changes[i].day);
		set_str(j, "from", g->changes[i].from);
		set_str(j, "to", g->changes[i].to);
		end_obj(j);
	}
	end_arr(j);
}

static void j_ready(struct jb *j, const struct sum_group *g)
{
	obj(j, "ready_to_enforce");
	set_bool(j, "ready", g->ready);
	set_int(j, "days_with_reports", g->ready_days);
	set_u64(j, "reporters", g->ready_orgs);
	set_u64(j, "would_be_refused", g->ready_refused);
	j_top(j, "by_result_type", &g->top_ready_types);
	j_top(j, "by_mx_host", &g->top_ready_mx);
	end_obj(j);
}

static void j_group(struct jb *j, const struct sum_group *g, struct buf *b)
{
	obj(j, NULL);
	set_str(j, "policy_type", g->policy_type);
	set_str(j, "mode", g->mode);
	totals(j, g->success, g->failed);
	set_bool(j, "critical", g->over_critical);
	set_u64(j, "reports", g->records);
	set_u64(j, "organizations", g->norgs);
	j_types(j, g, b);
	j_top(j, "top_sending_ips", &g->top_send);
	j_top(j, "top_receiving_mx", &g->top_recv);
	j_top(j, "top_organizations", &g->top_orgs);
	j_changes(j, g);
	if (g->testing)
		j_ready(j, g);
	j_daily(j, &g->days, 1);
	end_obj(j);
}

static void j_domain(struct jb *j, const struct sum_domain *d, struct buf *b)
{
	obj(j, NULL);
	set_str(j, "domain", d->name);
	obj(j, "all_policy_types");
	set_str(j, "method", "largest figure per reporter and day among the policy types");
	totals(j, d->success, d->failed);
	j_daily(j, &d->days, 0);
	end_obj(j);
	arr(j, "silent_reporters");
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *r = d->silent.v[i].val;

		obj(j, NULL);
		set_str(j, "organization", d->silent.v[i].key);
		set_u64(j, "days_reported", r->prior);
		end_obj(j);
	}
	end_arr(j);
	arr(j, "policies");
	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i]->records > 0)
			j_group(j, d->groups[i], b);
	end_arr(j);
	end_obj(j);
}

static void j_quality(struct jb *j)
{
	const struct sum_agg *a = j->a;

	obj(j, "data_quality");
	set_u64(j, "records", a->records);
	set_u64(j, "records_with_warnings", a->records_warn);
	set_u64(j, "unparsable_lines", a->skipped);
	set_u64(j, "unparsable_lines_before_window", a->skipped_hist);
	set_u64(j, "files_with_unparsable_lines", a->skipped_files);
	set_str(j, "first_file_with_unparsable_lines", a->skipped_files ? a->skipped_file : NULL);
	set_u64(j, "quarantined", a->quarantined);
	set_u64(j, "days_with_reports", a->days_with_data);
	set_u64(j, "records_dropped", a->dropped);
	set_u64(j, "duplicate_records", a->duplicates);
	if (a->no_domain > 0)   /* rare: the key only when there are such records */
		set_u64(j, "records_without_domain", a->no_domain);
	set_u64(j, "conflicting_records_included", a->conflicts);
	set_u64(j, "conflicting_records_left_out_for_dkim", a->conflicts_dropped);
	arr(j, "top_warnings");
	for (size_t i = 0; i < a->top_warnings.n; i++) {
		const struct sum_count *c = a->top_warnings.v[i].val;

		obj(j, NULL);
		set_str(j, "warning", a->top_warnings.v[i].key);
		set_u64(j, "records", c->sessions);
		end_obj(j);
	}
	end_arr(j);
	end_obj(j);
}

int sum_json(const struct sum_agg *a, const struct sum_view *v, FILE *out, struct err *e)
{
	struct jb j = { .a = a, .out = out };
	struct buf b;

	buf_init(&b);
	obj(&j, NULL);
	set_str(&j, "generator", "tlsrpt-summary");
	set_int(&j, "format_version", 2);
	j_window(&j, v);
	j_thresholds(&j);
	j_status(&j, &b);
	arr(&j, "incidents");
	for (size_t i = 0; i < a->ninc; i++)
		j_incident(&j, &a->inc[i], &b);
	end_arr(&j);
	arr(&j, "domains");
	for (size_t i = 0; i < a->ndoms; i++)
		if (a->doms[i]->records > 0 || a->doms[i]->silent.n > 0)
			j_domain(&j, a->doms[i], &b);
	end_arr(&j);
	j_quality(&j);
	end_obj(&j);
	putc('\n', out);
	buf_free(&b);
	if (j.fail)
		return err_nomem(e);
	if (fflush(out) != 0 || ferror(out))
		return err_set(e, ERR_TEMP, "write: error on standard output");
	return 0;
}
