/* Text report, status line and shared wording; see sumout.h.  Lines are
 * built in one struct buf and written whole; a write error is reported
 * once at the end through ferror. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sumdate.h"
#include "sumout.h"

#define WIDTH 79       /* an 80-column terminal, without its last column */
#define NAME_COL 44     /* name column of the ranked tables */
#define BAR 12          /* width of the daily failure-rate bar */

const char *sum_state_name(enum sum_state s)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return (unsigned)s < 4 ? names[s] : "UNKNOWN";
}

enum sum_state sum_state_of(const struct sum_agg *a)
{
	if (a->records == 0)
		return SUM_UNKNOWN;
	if (a->ncrit > 0)
		return SUM_CRITICAL;
	if (a->nwarn > 0 || a->skipped > 0 || a->skipped_hist > 0)
		return SUM_WARNING;
	return SUM_OK;
}

void sum_fmt_rate(unsigned bp, char out[16])
{
	snprintf(out, 16, "%u.%02u", bp / 100, bp % 100);
}

const char *sum_kind_name(enum sum_kind k)
{
	switch (k) {
	case SUM_KIND_TYPE: return "failure-type";
	case SUM_KIND_RATE: return "failure-rate";
	case SUM_KIND_SILENT: return "silent-reporter";
	}
	return "unknown";
}

const char *sum_severity_name(enum sum_severity s)
{
	switch (s) {
	case SUM_SEV_CRITICAL: return "critical";
	case SUM_SEV_WARNING: return "warning";
	case SUM_SEV_INFO: return "info";
	}
	return "info";
}

/* Length of the UTF-8 sequence at p (1 for anything odd) and whether it
 * is a control or a bidirectional override that must not reach a tty. */
static size_t seq(const unsigned char *p, int *bad)
{
	size_t len = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;

	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			len = 1;
	*bad = p[0] < 0x20 || p[0] == 0x7f || (len == 1 && p[0] >= 0x80) ||
		(len == 2 && p[0] == 0xc2 && p[1] < 0xa0) ||
		(len == 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		(len == 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
	return len;
}

long sum_clean(struct buf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t total = 0, keep, i = 0;
	long n = 0;
	int bad;

	while (p[i] != '\0') {
		i += seq(p + i, &bad);
		total++;
	}
	keep = (max > 0 && total > max) ? (max > 3 ? max - 3 : 0) : total;
	for (i = 0; (size_t)n < keep; n++) {
		size_t len = seq(p + i, &bad);

		if (bad ? buf_append_byte(out, '?') < 0 : buf_append(out, p + i, len) < 0)
			return -1;
		i += len;
	}
	if (keep < total) {
		if (buf_append_str(out, max >= 3 ? "..." : "") < 0)
			return -1;
		n += max >= 3 ? 3 : 0;
	}
	return n;
}

int sum_incident_what(const struct sum_incident *i, struct buf *out)
{
	switch (i->kind) {
	case SUM_KIND_TYPE:
		if (sum_clean(out, i->what, 48) < 0)
			return -1;
		return i->mx == NULL ? 0 : buf_append_str(out, " at ") < 0 ||
			sum_clean(out, i->mx, 48) < 0 ? -1 : 0;
	case SUM_KIND_RATE:
		return buf_append_str(out, "failures without a result type");
	case SUM_KIND_SILENT:
		return buf_append_str(out, "silent reporter ") < 0 ||
			sum_clean(out, i->what, 48) < 0 ? -1 : 0;
	}
	return 0;
}

static int detail_silent(const struct sum_agg *a, const struct sum_incident *i, struct buf *out)
{
	char d1[SUM_DATE_LEN + 1], d2[SUM_DATE_LEN + 1], last[SUM_DATE_LEN + 1];

	sum_date_format(a->ref - SUM_SILENT_LAST, d1);
	sum_date_format(a->ref - 1, d2);
	sum_date_format(i->first - 1, last);
	return buf_appendf(out, "Reported on %u of the %d days before %s, on neither %s nor %s; "
			   "last report for %s.", i->prior, SUM_SILENT_PRIOR, d1, d1, d2, last);
}

static int detail_facts(const struct sum_agg *a, const struct sum_incident *i, struct buf *out)
{
	char d[SUM_DATE_LEN + 1];

	if (i->no_history && buf_appendf(out, " No history yet (%ld day%s with reports, fewer "
				"than %d): at most a warning.", i->history_days,
				i->history_days == 1 ? "" : "s", SUM_BASELINE_DAYS) < 0)
		return -1;
	if (!i->no_history && i->after_clean && i->enforcing &&
	    buf_appendf(out, " New after %d clean days with reports.", SUM_BASELINE_DAYS) < 0)
		return -1;
	if (i->jump_day >= 0) {
		sum_date_format(i->jump_day, d);
		if (buf_appendf(out, " Jump on %s: %" PRIu64 " failed, at least %.4g x the %d-day "
				"median of %.1f.", d, i->jump_failed, a->o.spike_factor,
				SUM_MEDIAN_DAYS, i->jump_median) < 0)
			return -1;
	}
	if (i->change_day >= 0) {
		sum_date_format(i->change_day, d);
		if (buf_appendf(out, " Began within a day of the policy change of %s.", d) < 0)
			return -1;
	}
	return 0;
}

int sum_incident_detail(const struct sum_agg *a, const struct sum_incident *i, struct buf *out)
{
	char first[SUM_DATE_LEN + 1], last[SUM_DATE_LEN + 1], r[16];

	if (i->kind == SUM_KIND_SILENT)
		return detail_silent(a, i, out);
	sum_date_format(i->first, first);
	sum_date_format(i->last, last);
	sum_fmt_rate(i->rate_bp, r);
	if (buf_appendf(out, "Since %s%s, %s %s (%ld day%s).", first,
			i->at_limit ? " or earlier (the --history limit)" :
			i->from_start ? " (the first day with reports)" : "",
			i->ongoing ? "ongoing, last seen" : "ended, last seen", last,
			i->last - i->first + 1, i->last == i->first ? "" : "s") < 0 ||
	    buf_appendf(out, " %" PRIu64 " failed sessions in the window (%s %% of %" PRIu64 "),"
			" %" PRIu64 " since %s, on a policy %s.", i->failed, r, i->sessions,
			i->failed_since, first, i->enforcing ? "that is enforced" :
			"that is not enforced") < 0)
		return -1;
	return detail_facts(a, i, out);
}

int sum_incident_remedy(const struct sum_incident *i, struct buf *out)
{
	if (i->kind == SUM_KIND_TYPE)
		return sum_remedy(i->what, i->dom->name, out) < 0 ? -1 : 0;
	if (i->kind == SUM_KIND_RATE)
		return buf_append_str(out, "Reporters count these failures but name no result "
				      "type: ask them, or compare with your MX logs for those days.");
	return buf_append_str(out, "Nothing to fix here unless the reporter stopped "
			      "for a reason on your side: its reports may go to an address "
			      "that no longer receives them (check the rua= of _smtp._tls).");
}

int sum_unreadable(const struct sum_agg *a, struct buf *out)
{
	uint64_t n = sum_sat_add(a->skipped, a->skipped_hist);

	if (n == 0)
		return 0;
	if (buf_appendf(out, "%" PRIu64 " unreadable line%s in ", n, n == 1 ? "" : "s") < 0 ||
	    sum_clean(out, a->skipped_file, 0) < 0)
		return -1;
	if (a->skipped_files > 1 && buf_appendf(out, " and %" PRIu64 " more file%s",
					    a->skipped_files - 1, a->skipped_files == 2 ? "" : "s") < 0)
		return -1;
	return 0;
}

static int status_item(const struct sum_incident *i, struct buf *out)
{
	char day[SUM_DATE_LEN + 1];

	sum_date_format(i->first, day);
	if (sum_clean(out, i->dom->name[0] ? i->dom->name : "(empty)", 64) < 0 ||
	    buf_append_byte(out, ' ') < 0 ||
	    (i->grp != NULL && (sum_clean(out, i->grp->policy_type, 32) < 0 ||
				buf_append_byte(out, ' ') < 0)) ||
	    sum_incident_what(i, out) < 0)
		return -1;
	return buf_appendf(out, " since %s%s (%s)", day, i->ongoing ? "" : ", ended",
			   sum_severity_name(i->severity));
}

#define STATUS_NAMED 10

/* Critical and warning incidents by name, most severe first, each once
 * (at most STATUS_NAMED), then how many more; unreadable lines last. */
static int status_incidents(const struct sum_agg *a, struct buf *out)
{
	size_t named = a->ncrit + a->nwarn, shown = 0;

	if (buf_appendf(out, "%zu incident%s (%zu critical, %zu warning, %zu info)", a->ninc,
			a->ninc == 1 ? "" : "s", a->ncrit, a->nwarn, a->ninc - named) < 0)
		return -1;
	for (size_t i = 0; i < a->ninc && shown < STATUS_NAMED; i++) {
		if (a->inc[i].severity == SUM_SEV_INFO)
			break;
		if (buf_append_str(out, shown++ ? "; " : ": ") < 0 || status_item(&a->inc[i], out) < 0)
			return -1;
	}
	if (named > shown && buf_appendf(out, "; and %zu more", named - shown) < 0)
		return -1;
	if (a->skipped + a->skipped_hist > 0 &&
	    (buf_append_str(out, shown ? "; " : ": ") < 0 || sum_unreadable(a, out) < 0))
		return -1;
	return 0;
}

int sum_status(const struct sum_agg *a, struct buf *out)
{
	enum sum_state s = sum_state_of(a);
	char since[SUM_DATE_LEN + 1], until[SUM_DATE_LEN + 1], r[16];
	uint64_t ok = 0, failed = 0;

	for (size_t i = 0; i < a->ndoms; i++) {
		ok = sum_sat_add(ok, a->doms[i]->success);
		failed = sum_sat_add(failed, a->doms[i]->failed);
	}
	sum_date_format(a->o.since, since);
	sum_date_format(a->o.until, until);
	sum_fmt_rate(sum_rate_bp(failed, sum_sat_add(ok, failed)), r);
	if (buf_appendf(out, "TLSRPT %s - ", sum_state_name(s)) < 0)
		return -1;
	if (s == SUM_UNKNOWN) {
		if (buf_appendf(out, "no reports from %s to %s", since, until) < 0)
			return -1;
	} else if (a->ncrit + a->nwarn == 0 && a->skipped + a->skipped_hist == 0) {
		if (buf_appendf(out, "%zu domain%s, %" PRIu64 " sessions, %s %% failed, ", a->ndoms,
				a->ndoms == 1 ? "" : "s", sum_sat_add(ok, failed), r) < 0 ||
		    (a->ninc == 0 ? buf_append_str(out, "no incidents") :
		     buf_appendf(out, "%zu info incident%s", a->ninc, a->ninc == 1 ? "" : "s")) < 0)
			return -1;
	} else if (status_incidents(a, out) < 0) {
		return -1;
	}
	return buf_appendf(out, " | sessions=%" PRIu64 " failed=%" PRIu64 " incidents=%zu critical=%zu"
			   " warning=%zu quarantined=%lu skipped_lines=%" PRIu64, sum_sat_add(ok, failed),
			   failed, a->ninc, a->ncrit, a->nwarn, a->quarantined,
			   sum_sat_add(a->skipped, a->skipped_hist));
}

struct text {
	const struct sum_agg *a;
	FILE *out;
	int color;
	struct buf b;
	int inc_here;       /* a domain's section shows its incidents */
	int nomem;
};

static void emit(struct text *t)
{
	if (t->b.n > 0)
		fwrite(t->b.p, 1, t->b.n, t->out);
	buf_reset(&t->b);
}

static void put(struct text *t, const char *s)
{
	if (buf_append_str(&t->b, s) < 0)
		t->nomem = 1;
}

static void putf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vappendf(&t->b, fmt, ap) < 0)
		t->nomem = 1;
	va_end(ap);
}

/* ANSI SGR code ("1" bold, "31" red, "33" yellow, "0" reset) on a tty. */
static void paint(struct text *t, const char *sgr)
{
	if (t->color)
		putf(t, "\033[%sm", sgr);
}

/* Cleaned s cut to width code points and padded to it; width 0: whole
 * string (cut at 60) without padding. */
static void col(struct text *t, const char *s, size_t width)
{
	long n = sum_clean(&t->b, s, width ? width : 60);

	if (n < 0)
		t->nomem = 1;
	for (; n >= 0 && (size_t)n < width; n++)
		put(t, " ");
}

/* Word-wrap text (already clean) at WIDTH, every line indented. */
static void wrap(struct text *t, const char *text, size_t indent)
{
	size_t used = 0;

	while (*text != '\0') {
		size_t wl = strcspn(text, " "), cp = 0;

		for (size_t i = 0; i < wl; i++)
			cp += ((unsigned char)text[i] & 0xc0) != 0x80;
		if (used > 0 && used + 1 + cp > WIDTH - indent) {
			put(t, "\n");
			used = 0;
		}
		if (used == 0)
			putf(t, "%*s", (int)indent, "");
		else
			put(t, " ");
		if (buf_append(&t->b, text, wl) < 0)
			t->nomem = 1;
		used += (used ? 1 : 0) + cp;
		text += wl;
		text += strspn(text, " ");
	}
	put(t, "\n");
}

/* End the line in t->b without trailing blanks (golden files stay clean). */
static void endline(struct text *t)
{
	while (t->b.n > 0 && t->b.p[t->b.n - 1] == ' ')
		t->b.n--;
	put(t, "\n");
}

static void heading(struct text *t, const char *title)
{
	put(t, "\n");
	paint(t, "1");
	put(t, title);
	paint(t, "0");
	put(t, "\n");
}

static void text_header(struct text *t)
{
	const struct sum_agg *a = t->a;
	char since[SUM_DATE_LEN + 1], until[SUM_DATE_LEN + 1];
	enum sum_state s = sum_state_of(a);

	sum_date_format(a->o.since, since);
	sum_date_format(a->o.until, until);
	paint(t, "1");
	putf(t, "TLS report summary, %s to %s (%ld days, UTC)", since, until,
	     a->o.until - a->o.since + 1);
	paint(t, "0");
	put(t, "\nStatus: ");
	paint(t, s == SUM_OK ? "32" : s == SUM_WARNING ? "33" : "31");
	put(t, sum_state_name(s));
	paint(t, "0");
	putf(t, ", %zu incident%s (%zu critical, %zu warning, %zu info), %zu domain%s\n", a->ninc,
	     a->ninc == 1 ? "" : "s", a->ncrit, a->nwarn, a->ninc - a->ncrit - a->nwarn,
	     a->ndoms, a->ndoms == 1 ? "" : "s");
	if (a->skipped + a->skipped_hist > 0) {
		put(t, "Not read: ");
		if (sum_unreadable(a, &t->b) < 0)
			t->nomem = 1;
		put(t, " (see Data quality)\n");
	}
	emit(t);
}

/* "  Label: key (n), key (n)" for a ranked list, wrapped. */
static void text_list(struct text *t, const char *label, const struct sum_list *l, int uris,
		      struct buf *d)
{
	if (l->n == 0)
		return;
	buf_reset(d);
	buf_append_str(d, label);
	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;

		buf_append_str(d, i ? ", " : " ");
		if (sum_clean(d, l->v[i].key, 0) < 0)
			t->nomem = 1;
		if (!uris)
			buf_appendf(d, " (%" PRIu64 ")", c->sessions);
	}
	if (buf_reserve(d, 0) < 0)
		t->nomem = 1;
	else
		wrap(t, (char *)d->p, 6);
}

static void text_incident(struct text *t, const struct sum_incident *i, struct buf *d)
{
	int known = i->kind != SUM_KIND_TYPE || sum_remedy(i->what, "", d) > 0;

	put(t, "\n  ");
	paint(t, i->severity == SUM_SEV_CRITICAL ? "31" : i->severity == SUM_SEV_WARNING ? "33" : "0");
	col(t, i->severity == SUM_SEV_CRITICAL ? "CRITICAL" : i->severity == SUM_SEV_WARNING ?
	    "WARNING" : "INFO", 9);
	paint(t, "0");
	col(t, i->dom->name[0] ? i->dom->name : "(empty)", 0);
	if (i->grp != NULL) {
		put(t, " ");
		col(t, i->grp->policy_type, 0);
	}
	put(t, ": ");
	if (sum_incident_what(i, &t->b) < 0)
		t->nomem = 1;
	put(t, known ? "\n" : " [unknown type]\n");
	buf_reset(d);
	if (sum_incident_detail(t->a, i, d) < 0 || buf_reserve(d, 0) < 0)
		t->nomem = 1;
	else
		wrap(t, (char *)d->p, 4);
	text_list(t, "Reporters:", &i->orgs, 0, d);
	text_list(t, "Sending IPs:", &i->send, 0, d);
	text_list(t, "MX hosts:", &i->recv, 0, d);
	text_list(t, "Reporters' reasons:", &i->reasons, 0, d);
	text_list(t, "Reporters' details:", &i->uris, 1, d);
	buf_reset(d);
	buf_append_str(d, "Fix: ");
	if (sum_incident_remedy(i, d) < 0 || buf_reserve(d, 0) < 0)
		t->nomem = 1;
	else
		wrap(t, (char *)d->p, 4);
	emit(t);
}

static void text_incidents(struct text *t)
{
	struct buf d;

	if (t->a->ninc == 0)
		return;
	heading(t, "Incidents (most severe first)");
	buf_init(&d);
	for (size_t i = 0; i < t->a->ninc; i++)
		text_incident(t, &t->a->inc[i], &d);
	buf_free(&d);
}

static const char *sev_word(int worst)
{
	return worst == SUM_SEV_CRITICAL ? "CRITICAL" : worst == SUM_SEV_WARNING ? "WARNING" :
		worst == SUM_SEV_INFO ? "INFO" : "OK";
}

/* The overview's incidents: one each (wrapped), the first SUM_OVERVIEW_INC. */
static void text_incident_lines(struct text *t)
{
	const struct sum_agg *a = t->a;
	char day[SUM_DATE_LEN + 1], rate[16];
	size_t n = a->ninc < SUM_OVERVIEW_INC ? a->ninc : SUM_OVERVIEW_INC;
	struct buf d;

	if (a->ninc == 0)
		return;
	heading(t, "Incidents (most severe first, in short)");
	buf_init(&d);
	for (size_t i = 0; i < n; i++) {
		const struct sum_incident *inc = &a->inc[i];
		int bad = 0;

		buf_reset(&d);
		sum_date_format(inc->first, day);
		sum_fmt_rate(inc->rate_bp, rate);
		bad |= buf_appendf(&d, "%s ", sev_word((int)inc->severity)) < 0;
		bad |= sum_clean(&d, inc->dom->name[0] ? inc->dom->name : "(empty)", 60) < 0;
		if (inc->grp != NULL)
			bad |= buf_append_str(&d, " ") < 0 || sum_clean(&d, inc->grp->policy_type, 40) < 0;
		bad |= buf_append_str(&d, ": ") < 0 || sum_incident_what(inc, &d) < 0;
		if (inc->kind == SUM_KIND_SILENT)
			bad |= buf_appendf(&d, ", silent since %s", day) < 0;
		else
			bad |= buf_appendf(&d, ", since %s, %" PRIu64 " failed (%s %%)%s", day,
					   inc->failed, rate, inc->ongoing ? ", ongoing" : "") < 0;
		if (bad || buf_reserve(&d, 0) < 0)
			t->nomem = 1;
		else
			wrap(t, (char *)d.p, 2);
		emit(t);
	}
	buf_free(&d);
	if (a->ninc > n)
		putf(t, "  ... and %zu more (--format json lists every one; --domain D shows a\n"
		     "  domain's in full)\n", a->ninc - n);
}

/* The overview's domain table, ranked. */
static void text_domain_lines(struct text *t, const struct sum_domain *const *doms, size_t n)
{
	char rate[16];

	heading(t, "Domains (most severe first, then most failed sessions)");
	put(t, "  domain                       state    incid.   sessions    failed      rate\n");
	for (size_t i = 0; i < n; i++) {
		const struct sum_domain *d = doms[i];

		sum_fmt_rate(d->rate_bp, rate);
		put(t, "  ");
		col(t, d->name[0] ? d->name : "(empty)", 28);
		put(t, " ");
		col(t, sev_word(d->worst), 8);
		putf(t, "%7zu%11" PRIu64 "%10" PRIu64 "%8s %%\n", d->ninc,
		     sum_sat_add(d->success, d->failed), d->failed, rate);
		emit(t);
	}
}

static int cmp_rank(const void *x, const void *y)
{
	const struct sum_domain *a = *(const struct sum_domain *const *)x;
	const struct sum_domain *b = *(const struct sum_domain *const *)y;
	unsigned sa = a->worst < 0 ? 9u : (unsigned)a->worst, sb = b->worst < 0 ? 9u : (unsigned)b->worst;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->failed != b->failed)
		return a->failed > b->failed ? -1 : 1;
	return strcmp(a->name, b->name);
}

int sum_ranked_domains(const struct sum_agg *a, const struct sum_domain ***out, size_t *n)
{
	const struct sum_domain **v = malloc((a->ndoms ? a->ndoms : 1) * sizeof *v);

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < a->ndoms; i++)
		if (a->doms[i]->records > 0 || a->doms[i]->silent.n > 0)
			v[(*n)++] = a->doms[i];
	qsort(v, *n, sizeof *v, cmp_rank);
	*out = v;
	return 0;
}

int sum_is_overview(const struct sum_view *v, size_t ndoms)
{
	return v->top_domains > 0 && ndoms > v->top_domains;
}

static void text_types(struct text *t, const struct sum_group *g)
{
	struct buf r;
	char share[16];

	buf_init(&r);
	put(t, "    ");
	col(t, "Failures by result type", NAME_COL - 2);
	put(t, "      failed     share\n");
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *rt = g->types.v[i].val;
		const char *mark;
		int known;
		long n;

		buf_reset(&r);
		known = sum_remedy(g->types.v[i].key, g->dom->name, &r);
		if (known < 0 || buf_reserve(&r, 0) < 0) {
			t->nomem = 1;
			break;
		}
		sum_fmt_rate(sum_rate_bp(rt->win, g->detail_sessions), share);
		put(t, "      ");
		if (rt->is_new)
			paint(t, "33");
		mark = !known && rt->is_new ? " [unknown, new]" : !known ? " [unknown type]" :
			rt->is_new ? " [new]" : "";
		n = sum_clean(&t->b, g->types.v[i].key, NAME_COL - 4 - strlen(mark));
		put(t, mark);
		for (n += (long)strlen(mark); n >= 0 && n < NAME_COL - 4; n++)
			put(t, " ");
		if (rt->is_new)
			paint(t, "0");
		putf(t, "%12" PRIu64 "  %6s %%\n", rt->win, share);
		wrap(t, (char *)r.p, 8);
		emit(t);
	}
	buf_free(&r);
}

static void text_top(struct text *t, const char *title, const struct sum_list *l)
{
	if (l->n == 0)
		return;
	put(t, "    ");
	col(t, title, NAME_COL - 2);
	put(t, "      failed      days\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;

		put(t, "      ");
		col(t, l->v[i].key, NAME_COL - 4);
		putf(t, "%12" PRIu64 "%10u\n", c->sessions, c->days);
	}
	emit(t);
}

static unsigned worst_day(const struct sum_agg *a, const struct sum_group *g)
{
	unsigned worst = 0;

	for (long day = a->o.since; day <= a->o.until; day++) {
		const struct sum_day *sd = sum_day_at(&g->days, day);
		unsigned bp = sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed));

		if (bp > worst)
			worst = bp;
	}
	return worst;
}

static void text_bar(struct text *t, const struct sum_day *sd, unsigned worst)
{
	unsigned bp = sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed)), n = 0;

	if (sd->failed > 0 && worst > 0)
		n = (unsigned)(((unsigned long)bp * BAR + worst - 1) / worst);
	if (sd->failed > 0 && n == 0)
		n = 1;
	for (unsigned i = 0; i < BAR; i++)
		put(t, i < n ? "#" : " ");
}

static void text_daily(struct text *t, const struct sum_group *g)
{
	const struct sum_agg *a = t->a;
	unsigned worst = worst_day(a, g);
	char day[SUM_DATE_LEN + 1], rate[16];

	put(t, "    Daily          sessions    failed      rate  failure rate  incident\n");
	for (long d = a->o.since; d <= a->o.until; d++) {
		const struct sum_day *sd = sum_day_at(&g->days, d);

		sum_date_format(d, day);
		if (sd->records == 0) {
			putf(t, "      %s  %10s%10s%10s\n", day, "-", "-", "-");
			continue;
		}
		sum_fmt_rate(sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed)), rate);
		putf(t, "      %s  %10" PRIu64 "%10" PRIu64 "%8s %%  ", day,
		     sum_sat_add(sd->success, sd->failed), sd->failed, rate);
		text_bar(t, sd, worst);
		if (sd->incident)
			put(t, "  *");
		endline(t);
	}
	sum_fmt_rate(worst, rate);
	if (worst > 0)
		putf(t, "      (bars: failure rate relative to the worst day, %s %%)\n", rate);
	emit(t);
}

static void text_changes(struct text *t, const struct sum_group *g)
{
	char day[SUM_DATE_LEN + 1];

	for (size_t i = 0; i < g->nchanges; i++) {
		sum_date_format(g->changes[i].day, day);
		putf(t, "    Policy changed %s: ", day);
		col(t, g->changes[i].from, 0);
		put(t, " -> ");
		col(t, g->changes[i].to, 0);
		put(t, "\n");
	}
}

static void text_ready(struct text *t, const struct sum_group *g)
{
	struct buf d;

	if (!g->testing)
		return;
	if (g->ready) {
		putf(t, "    Ready to enforce: no failed session in the last %d days, from %zu "
		     "reporters.\n", SUM_READY_DAYS, g->ready_orgs);
		return;
	}
	buf_init(&d);
	if (buf_appendf(&d, "Not yet ready to enforce: in the last %d complete days (%ld with "
			"reports, %zu reporter%s; ready takes %d days, %d reporters and no failure) "
			"%" PRIu64 " sessions would have been refused under enforce.", SUM_READY_DAYS,
			g->ready_days, g->ready_orgs, g->ready_orgs == 1 ? "" : "s", SUM_READY_DAYS,
			SUM_READY_ORGS, g->ready_refused) < 0 || buf_reserve(&d, 0) < 0)
		t->nomem = 1;
	else
		wrap(t, (char *)d.p, 4);
	buf_free(&d);
	text_top(t, "Would be refused, by result type", &g->top_ready_types);
	text_top(t, "Would be refused, by MX host", &g->top_ready_mx);
}

static void text_group(struct text *t, const struct sum_group *g)
{
	char rate[16];
	long n;

	put(t, "\n  -- ");
	n = sum_clean(&t->b, g->policy_type, 40);
	if (n < 0)
		t->nomem = 1;
	if (g->mode != NULL) {
		putf(t, ", mode %s", g->mode);
		n += 7 + (long)strlen(g->mode);
	}
	put(t, " ");
	for (n += 6; n < WIDTH - 2; n++)
		put(t, "-");
	sum_fmt_rate(g->rate_bp, rate);
	putf(t, "\n    %" PRIu64 " sessions: %" PRIu64 " successful, %" PRIu64 " failed (%s %%)\n",
	     sum_sat_add(g->success, g->failed), g->success, g->failed, rate);
	putf(t, "    %" PRIu64 " report%s from %zu organization%s\n", g->records,
	     g->records == 1 ? "" : "s", g->norgs, g->norgs == 1 ? "" : "s");
	text_changes(t, g);
	text_ready(t, g);
	emit(t);
	if (g->failed == 0 && g->types.n == 0) {
		put(t, "    No failures.\n");
	} else {
		text_types(t, g);
		text_top(t, "Top sending MTA IPs", &g->top_send);
		text_top(t, "Top receiving MX hosts", &g->top_recv);
		text_top(t, "Top reporting organizations", &g->top_orgs);
	}
	text_daily(t, g);
}

static void text_domain(struct text *t, const struct sum_domain *d)
{
	char rate[16], day[SUM_DATE_LEN + 1];
	size_t shown = 0;
	long n;

	for (size_t i = 0; i < d->ngroups; i++)
		shown += d->groups[i]->records > 0;
	put(t, "\n");
	paint(t, "1");
	put(t, "== ");
	n = sum_clean(&t->b, d->name[0] ? d->name : "(empty policy domain)", 70);
	put(t, " ");
	for (n += 4; n >= 0 && n < WIDTH; n++)
		put(t, "=");
	paint(t, "0");
	put(t, "\n");
	if (shown > 1) {
		sum_fmt_rate(d->rate_bp, rate);
		putf(t, "  All policy types: %" PRIu64 " sessions, %" PRIu64 " failed (%s %%),\n"
		     "  counting per reporter and day the largest figure among the policy\n"
		     "  types, never their sum (some report the same sessions under each).\n",
		     sum_sat_add(d->success, d->failed), d->failed, rate);
	}
	if (shown == 0)
		put(t, "  No reports in the window.\n");
	sum_date_format(t->a->ref - SUM_SILENT_LAST, day);
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *r = d->silent.v[i].val;

		put(t, "  Silent reporter: ");
		col(t, d->silent.v[i].key, 0);
		putf(t, "\n    (on %u of the %d days before %s, none since)\n", r->prior,
		     SUM_SILENT_PRIOR, day);
	}
	emit(t);
	if (t->inc_here) {   /* an overview's domain: its incidents in full */
		struct buf b;

		buf_init(&b);
		for (size_t i = 0; i < t->a->ninc; i++)
			if (t->a->inc[i].dom == d)
				text_incident(t, &t->a->inc[i], &b);
		buf_free(&b);
	}
	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i]->records > 0)
			text_group(t, d->groups[i]);
}

static void quality_row(struct text *t, const char *what, uint64_t n, const char *note)
{
	put(t, "  ");
	col(t, what, 30);
	putf(t, "%10" PRIu64 "%s%s\n", n, note[0] ? "  " : "", note);
}

static void text_quality(struct text *t)
{
	const struct sum_agg *a = t->a;
	char note[256];

	heading(t, "Data quality");
	quality_row(t, "records in the window", a->records, "");
	quality_row(t, "records with warnings", a->records_warn, "");
	snprintf(note, sizeof note, "(%" PRIu64 " more before the window)", a->skipped_hist);
	quality_row(t, "unparsable lines skipped", a->skipped, note);
	quality_row(t, "quarantined messages", a->quarantined, "(quarantine/new)");
	snprintf(note, sizeof note, "(of %ld)", a->o.until - a->o.since + 1);
	quality_row(t, "days with reports", a->days_with_data, note);
	if (a->dropped > 0)
		quality_row(t, "records dropped", a->dropped, "(too many domains)");
	if (a->duplicates > 0)
		quality_row(t, "duplicate records", a->duplicates, "(counted once)");
	if (a->no_domain > 0)
		quality_row(t, "records without a domain", a->no_domain, "(not counted)");
	if (a->conflicts > 0)
		quality_row(t, "conflicting copies", a->conflicts,
			    "(same report_id, other content: the figures include both)");
	if (a->conflicts_dropped > 0) {
		snprintf(note, sizeof note, "(used the copy with an aligned DKIM pass, e.g. %s)",
			 a->conflict_example);
		quality_row(t, "conflicting copies left out", a->conflicts_dropped, note);
	}
	if (a->top_warnings.n > 0) {
		put(t, "  ");
		col(t, "Most frequent warnings", 30);
		put(t, "   records\n");
		for (size_t i = 0; i < a->top_warnings.n; i++) {
			const struct sum_count *c = a->top_warnings.v[i].val;

			put(t, "    ");
			col(t, a->top_warnings.v[i].key, 28);
			putf(t, "%10" PRIu64 "\n", c->sessions);
		}
	}
	emit(t);
}

int sum_text(const struct sum_agg *a, const struct sum_view *v, FILE *out)
{
	struct text t = { .a = a, .out = out, .color = v->color };
	const struct sum_domain **doms;
	size_t nd;

	buf_init(&t.b);
	if (sum_ranked_domains(a, &doms, &nd) < 0)
		t.nomem = 1;
	text_header(&t);
	if (v->spool != NULL) {
		put(&t, "Spool: ");
		col(&t, v->spool, 0);
		put(&t, "\n");
	}
	if (sum_is_overview(v, nd)) {
		/* many domains: one line each, then the worst in full */
		text_incident_lines(&t);
		text_domain_lines(&t, doms, nd);
		putf(&t, "\nIn full below, with their incidents: the first %zu of these %zu domains\n"
		     "(--top-domains N; --domain D for any one).\n", v->top_domains, nd);
		t.inc_here = 1;
		for (size_t i = 0; i < v->top_domains; i++)
			text_domain(&t, doms[i]);
	} else {
		text_incidents(&t);
		for (size_t i = 0; i < a->ndoms; i++)
			if (a->doms[i]->records > 0 || a->doms[i]->silent.n > 0)
				text_domain(&t, a->doms[i]);
	}
	free(doms);
	text_quality(&t);
	emit(&t);
	buf_free(&t.b);
	if (t.nomem)
		fputs("\n(output incomplete: out of memory)\n", out);
	return (t.nomem || fflush(out) != 0 || ferror(out)) ? -1 : 0;
}
