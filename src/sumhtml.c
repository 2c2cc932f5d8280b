/* HTML page with inline SVG charts; see sumhtml.h.  Charts are plain
 * <rect>s on a fixed 720 x 200 viewBox, each bar with a <title> tooltip;
 * the page scales them with CSS.  Built in a buffer, written per section. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sumdate.h"
#include "sumhtml.h"

#define CW 720.0        /* chart width */
#define CH 200.0        /* chart height */
#define ML 64.0         /* left margin (axis labels) */
#define MR 12.0
#define MT 14.0
#define MB 34.0         /* bottom margin (dates) */

struct html {
	const struct sum_agg *a;
	FILE *out;
	struct buf b;
	struct buf tmp;     /* esc's cleaned copy */
	struct buf text;    /* sentences built for esc_text */
	int inc_here;       /* a domain's section shows its incidents */
	int nomem;
};

static void put(struct html *h, const char *s)
{
	if (buf_append_str(&h->b, s) < 0)
		h->nomem = 1;
}

static void putf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vappendf(&h->b, fmt, ap) < 0)
		h->nomem = 1;
	va_end(ap);
}

/* Clean (no control characters), cut to max code points, escape. */
static void esc(struct html *h, const char *s, size_t max)
{
	buf_reset(&h->tmp);
	if (sum_clean(&h->tmp, s, max) < 0 || buf_reserve(&h->tmp, 0) < 0) {
		h->nomem = 1;
		return;
	}
	for (const char *p = (char *)h->tmp.p; *p != '\0'; p++) {
		switch (*p) {
		case '&': put(h, "&amp;"); break;
		case '<': put(h, "&lt;"); break;
		case '>': put(h, "&gt;"); break;
		case '"': put(h, "&quot;"); break;
		case '\'': put(h, "&#39;"); break;
		default:
			if (buf_append_byte(&h->b, (unsigned char)*p) < 0)
				h->nomem = 1;
		}
	}
}

/* Escape h->text, just filled by a builder that returned ok (!= 0). */
static void esc_text(struct html *h, int ok)
{
	if (!ok || buf_reserve(&h->text, 0) < 0) {
		h->nomem = 1;
		return;
	}
	esc(h, (char *)h->text.p, 0);
}

static void flush(struct html *h)
{
	if (h->b.n > 0)
		fwrite(h->b.p, 1, h->b.n, h->out);
	buf_reset(&h->b);
}

static const char style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;"
	"max-width:62em;padding:0 1em;color:#1f2328;background:#fff;line-height:1.4}\n"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;margin-top:2em}\n"
	"h3{margin-bottom:.3em}table{border-collapse:collapse;margin:.5em 0 1em}\n"
	"th,td{padding:.2em .6em;text-align:left;border-bottom:1px solid #eaeef2;vertical-align:top}\n"
	"th{background:#f6f8fa}.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".status{font-weight:bold;padding:.5em .8em;border-left:6px solid;background:#f6f8fa}\n"
	".s0{border-color:#1a7f37;color:#1a7f37}.s1{border-color:#9a6700;color:#9a6700}\n"
	".s2{border-color:#cf222e;color:#cf222e}.s3{border-color:#57606a;color:#57606a}\n"
	".crit{color:#cf222e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}\n"
	".new{color:#9a6700}.note{color:#57606a;font-size:.9em}\n"
	".tiles{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}.tile{border:1px solid #d0d7de;"
	"border-radius:6px;padding:.5em 1em;min-width:9em}\n"
	".tile .big{display:block;font-size:1.6em;font-weight:bold}\n"
	".inc{border-left:6px solid #d0d7de;padding:.2em .8em;margin:.8em 0}.inc h3{margin:.2em 0}\n"
	".inc.critical{border-color:#cf222e}.inc.warning{border-color:#9a6700}"
	".inc.info{border-color:#57606a}\n"
	"svg{display:block;width:100%;max-width:720px;height:auto;margin:.5em 0}\n"
	"svg text{font-family:sans-serif;font-size:11px;fill:#57606a}\n"
	"svg.spark{display:inline-block;width:60px;height:14px;margin:0;vertical-align:middle}\n";

/* Sessions, success rate, incidents and the domains they touch at a glance. */
static void tiles(struct html *h)
{
	const struct sum_agg *a = h->a;
	uint64_t ok = 0, failed = 0;
	size_t hit = 0, shown = 0;
	char r[16];

	for (size_t i = 0; i < a->ndoms; i++) {
		ok = sum_sat_add(ok, a->doms[i]->success);
		failed = sum_sat_add(failed, a->doms[i]->failed);
		hit += a->doms[i]->ninc > 0;
		shown += a->doms[i]->records > 0 || a->doms[i]->silent.n > 0;
	}
	sum_fmt_rate(10000 - sum_rate_bp(failed, sum_sat_add(ok, failed)), r);
	putf(h, "<div class=\"tiles\"><div class=\"tile\" id=\"tile-sessions\">Sessions"
	     "<span class=\"big\">%" PRIu64 "</span></div>\n<div class=\"tile\" id=\"tile-success\">"
	     "Successful<span class=\"big\">%s %%</span></div>\n<div class=\"tile\" "
	     "id=\"tile-incidents\">Incidents<span class=\"big\">%zu</span>%zu critical, "
	     "%zu warning</div>\n<div class=\"tile\" id=\"tile-domains\">Domains with incidents"
	     "<span class=\"big\">%zu</span>of %zu</div></div>\n", sum_sat_add(ok, failed),
	     ok + failed > 0 ? r : "-", a->ninc, a->ncrit, a->nwarn, hit, shown);
}

static void page_head(struct html *h, const struct sum_view *v)
{
	const struct sum_agg *a = h->a;
	char since[SUM_DATE_LEN + 1], until[SUM_DATE_LEN + 1];
	enum sum_state s = sum_state_of(a);

	sum_date_format(a->o.since, since);
	sum_date_format(a->o.until, until);
	put(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	putf(h, "<title>TLS report summary %s to %s</title>\n<style>\n", since, until);
	put(h, style);
	put(h, "</style>\n</head>\n<body>\n<h1>TLS report summary</h1>\n");
	putf(h, "<p>%s to %s (%ld days, UTC)", since, until, a->o.until - a->o.since + 1);
	if (v->spool != NULL) {
		put(h, ", spool <code>");
		esc(h, v->spool, 0);
		put(h, "</code>");
	}
	putf(h, "</p>\n<p class=\"status s%d\">", (int)s);
	buf_reset(&h->text);
	esc_text(h, sum_status(a, &h->text) == 0);
	put(h, "</p>\n");
	tiles(h);
	flush(h);
}

static void inc_list(struct html *h, const char *label, const struct sum_list *l, int uris)
{
	if (l->n == 0)
		return;
	putf(h, "<li>%s: ", label);
	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;

		put(h, i ? ", " : "");
		put(h, uris ? "<code>" : "");
		esc(h, l->v[i].key, 0);
		put(h, uris ? "</code>" : "");
		if (!uris)
			putf(h, " (%" PRIu64 ")", c->sessions);
	}
	put(h, "</li>\n");
}

static void incident(struct html *h, const struct sum_incident *i, size_t n)
{
	const char *sev = sum_severity_name(i->severity);

	putf(h, "<div class=\"inc %s\" id=\"i%zu\"><h3><span class=\"%s\">%s</span> ", sev, n,
	     i->severity == SUM_SEV_CRITICAL ? "crit" : i->severity == SUM_SEV_WARNING ? "warn" :
	     "note", i->severity == SUM_SEV_CRITICAL ? "CRITICAL" :
	     i->severity == SUM_SEV_WARNING ? "WARNING" : "INFO");
	esc(h, i->dom->name[0] ? i->dom->name : "(empty)", 0);
	if (i->grp != NULL) {
		put(h, " ");
		esc(h, i->grp->policy_type, 0);
	}
	put(h, ": ");
	buf_reset(&h->text);
	esc_text(h, sum_incident_what(i, &h->text) == 0);
	putf(h, " <span class=\"note\">%s</span></h3>\n<p>", sum_kind_name(i->kind));
	buf_reset(&h->text);
	esc_text(h, sum_incident_detail(h->a, i, &h->text) == 0);
	put(h, "</p>\n<ul>\n");
	inc_list(h, "Reporters", &i->orgs, 0);
	inc_list(h, "Sending IPs", &i->send, 0);
	inc_list(h, "MX hosts", &i->recv, 0);
	inc_list(h, "Reporters' reasons (failure_reason_code)", &i->reasons, 0);
	inc_list(h, "Reporters' details (additional_info_uri)", &i->uris, 1);
	put(h, "<li>Fix: ");
	buf_reset(&h->text);
	esc_text(h, sum_incident_remedy(i, &h->text) == 0);
	put(h, "</li>\n</ul></div>\n");
	flush(h);
}

static void incidents(struct html *h)
{
	const struct sum_agg *a = h->a;

	put(h, "<h2 id=\"incidents\">Incidents</h2>\n");
	if (a->ninc == 0) {
		put(h, "<p>No incidents.</p>\n");
		return;
	}
	put(h, "<p class=\"note\">Most severe first; judged on complete days.</p>\n");
	for (size_t i = 0; i < a->ninc; i++)
		incident(h, &a->inc[i], i);
}

static const char *sev_class(int worst)
{
	return worst == SUM_SEV_CRITICAL ? "crit" : worst == SUM_SEV_WARNING ? "warn" : "note";
}

static const char *sev_word(int worst)
{
	return worst == SUM_SEV_CRITICAL ? "CRITICAL" : worst == SUM_SEV_WARNING ? "WARNING" :
		worst == SUM_SEV_INFO ? "INFO" : "OK";
}

/* The section anchor of d in an overview: its rank among the first
 * `top`, or -1 when it has no section. */
static long anchor(const struct sum_domain *const *doms, size_t top, const struct sum_domain *d)
{
	for (size_t i = 0; i < top; i++)
		if (doms[i] == d)
			return (long)i;
	return -1;
}

static void domain_link(struct html *h, const struct sum_domain *const *doms, size_t top,
			const struct sum_domain *d)
{
	long k = anchor(doms, top, d);

	if (k >= 0)
		putf(h, "<a href=\"#d%ld\">", k);
	esc(h, d->name[0] ? d->name : "(empty)", 0);
	if (k >= 0)
		put(h, "</a>");
}

/* The overview's incidents: one table row each, the first SUM_OVERVIEW_INC. */
static void incident_table(struct html *h, const struct sum_domain *const *doms, size_t top)
{
	const struct sum_agg *a = h->a;
	size_t n = a->ninc < SUM_OVERVIEW_INC ? a->ninc : SUM_OVERVIEW_INC;
	char day[SUM_DATE_LEN + 1], r[16];

	put(h, "<h2 id=\"incidents\">Incidents</h2>\n");
	if (a->ninc == 0) {
		put(h, "<p>No incidents.</p>\n");
		return;
	}
	putf(h, "<p class=\"note\">Most severe first; judged on complete days; %zu of %zu "
	     "listed (--format json lists every one, --domain D shows a domain in full).</p>\n"
	     "<table id=\"incident-table\">\n<thead><tr><th>Severity</th><th>Domain</th><th>Policy"
	     "</th><th>Incident</th><th>Since</th><th class=\"n\">Failed</th><th class=\"n\">Rate"
	     "</th></tr></thead>\n<tbody>\n", n, a->ninc);
	for (size_t i = 0; i < n; i++) {
		const struct sum_incident *inc = &a->inc[i];

		putf(h, "<tr><td class=\"%s\">%s</td><td>", sev_class((int)inc->severity),
		     sev_word((int)inc->severity));
		domain_link(h, doms, top, inc->dom);
		put(h, "</td><td>");
		if (inc->grp != NULL)
			esc(h, inc->grp->policy_type, 0);
		put(h, "</td><td>");
		buf_reset(&h->text);
		esc_text(h, sum_incident_what(inc, &h->text) == 0);
		sum_date_format(inc->first, day);
		sum_fmt_rate(inc->rate_bp, r);
		putf(h, "</td><td class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">"
		     "%s %%</td></tr>\n", day, inc->failed, r);
		if (i % 64 == 63)
			flush(h);
	}
	put(h, "</tbody>\n</table>\n");
	flush(h);
}

#define SPARK_W 60     /* sparkline points at most: days are merged beyond */

/* A small inline chart of d's daily failure rate over the window (the
 * worst day of each merged group), scaled to d's own worst day. */
static void sparkline(struct html *h, const struct sum_domain *d)
{
	const struct sum_agg *a = h->a;
	long nd = a->o.until - a->o.since + 1, np = nd < SPARK_W ? nd : SPARK_W;
	unsigned v[SPARK_W], top = 0;

	for (long p = 0; p < np; p++) {
		v[p] = 0;
		for (long k = p * nd / np; k < (p + 1) * nd / np; k++) {
			const struct sum_day *sd = sum_day_at(&d->days, a->o.since + k);
			unsigned bp = sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed));

			if (bp > v[p])
				v[p] = bp;
		}
		if (v[p] > top)
			top = v[p];
	}
	putf(h, "<svg class=\"spark\" viewBox=\"0 0 %d 14\" role=\"img\"><title>daily failure "
	     "rate, worst day %u.%02u %%</title><polyline fill=\"none\" stroke=\"%s\" "
	     "stroke-width=\"1.5\" points=\"", SPARK_W, top / 100, top % 100,
	     top > 0 ? "#cf222e" : "#2da44e");
	for (long p = 0; p < np; p++)
		putf(h, "%s%.1f,%.1f", p ? " " : "", np > 1 ? (double)p * (SPARK_W - 1) / (double)(np - 1) :
		     SPARK_W / 2.0, top ? 13.0 - 12.0 * v[p] / top : 13.0);
	put(h, "\"/></svg>");
}

/* The overview's table of every domain, ranked, with its sparkline. */
static void domain_table(struct html *h, const struct sum_domain *const *doms, size_t nd,
			 size_t top)
{
	char r[16];

	putf(h, "<h2 id=\"domains\">Domains</h2>\n<p class=\"note\">%zu domains, most severe "
	     "incident first, then most failed sessions; the first %zu in full below "
	     "(--top-domains N).</p>\n<table id=\"domain-table\">\n<thead><tr><th>Domain</th>"
	     "<th>State</th><th class=\"n\">Incidents</th><th class=\"n\">Sessions</th>"
	     "<th class=\"n\">Failed</th><th class=\"n\">Rate</th><th>Daily failure rate</th>"
	     "</tr></thead>\n<tbody>\n", nd, top);
	for (size_t i = 0; i < nd; i++) {
		const struct sum_domain *d = doms[i];

		put(h, "<tr><td>");
		domain_link(h, doms, top, d);
		sum_fmt_rate(d->rate_bp, r);
		putf(h, "</td><td class=\"%s\">%s</td><td class=\"n\">%zu</td><td class=\"n\">%"
		     PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s %%</td><td>",
		     sev_class(d->worst), sev_word(d->worst), d->ninc, sum_sat_add(d->success, d->failed),
		     d->failed, r);
		sparkline(h, d);
		put(h, "</td></tr>\n");
		if (i % 64 == 63)
			flush(h);
	}
	put(h, "</tbody>\n</table>\n");
	flush(h);
}

/* Is day index idx of any policy of d inside an incident? */
static unsigned day_incident(const struct sum_domain *d, long day)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (sum_day_at(&d->groups[i]->days, day)->incident)
			return 1;
	return 0;
}

static void x_axis(struct html *h, double slot, const char *legend)
{
	const struct sum_agg *a = h->a;
	long nd = a->o.until - a->o.since + 1, step = (nd + 9) / 10;
	char day[SUM_DATE_LEN + 1];

	putf(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8c959f\"/>\n",
	     ML, CH - MB, CW - MR, CH - MB);
	for (long i = 0; i < nd; i += step) {
		sum_date_format(a->o.since + i, day);
		putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		     ML + ((double)i + 0.5) * slot, CH - MB + 14, day + 5);
	}
	putf(h, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", ML, CH - 4, legend);
}

static void y_label(struct html *h, double y, const char *label)
{
	putf(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eaeef2\"/>\n"
	     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
	     ML, y, CW - MR, y, ML - 6, y + 4, label);
}

static void bar(struct html *h, double x, double y, double w, double ht, const char *fill,
		const char *tip)
{
	putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
	     "<title>%s</title></rect>\n", x, y, w, ht, fill, tip);
}

/* Successful and failed sessions per day, stacked, domain-level figures. */
static void chart_sessions(struct html *h, const struct sum_domain *d)
{
	const struct sum_agg *a = h->a;
	long nd = a->o.until - a->o.since + 1;
	double slot = (CW - ML - MR) / (double)nd, bw = slot > 3 ? slot * 0.8 : slot, ph = CH - MT - MB;
	uint64_t max = 0;
	char tip[160], lab[32], day[SUM_DATE_LEN + 1];

	for (long i = 0; i < nd; i++) {
		const struct sum_day *sd = sum_day_at(&d->days, a->o.since + i);

		if (sum_sat_add(sd->success, sd->failed) > max)
			max = sum_sat_add(sd->success, sd->failed);
	}
	put(h, "<svg viewBox=\"0 0 720 200\" role=\"img\"><title>Daily sessions: successful "
	    "(green) and failed (red)</title>\n");
	snprintf(lab, sizeof lab, "%" PRIu64, max);
	y_label(h, MT, lab);
	snprintf(lab, sizeof lab, "%" PRIu64, max / 2);
	y_label(h, MT + ph / 2, lab);
	y_label(h, CH - MB, "0");
	for (long i = 0; i < nd && max > 0; i++) {
		const struct sum_day *sd = sum_day_at(&d->days, a->o.since + i);
		double x = ML + (double)i * slot + (slot - bw) / 2;
		double hs = ph * (double)sd->success / (double)max, hf = ph * (double)sd->failed / (double)max;

		sum_date_format(a->o.since + i, day);
		snprintf(tip, sizeof tip, "%s: %" PRIu64 " sessions, %" PRIu64 " failed", day,
			 sum_sat_add(sd->success, sd->failed), sd->failed);
		bar(h, x, CH - MB - hs, bw, hs, "#2da44e", tip);
		if (sd->failed > 0)
			bar(h, x, CH - MB - hs - (hf < 1 ? 1 : hf), bw, hf < 1 ? 1 : hf, "#cf222e", tip);
		if (day_incident(d, a->o.since + i))
			putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" style=\"fill:#9a6700\">"
			     "&#9650;</text>\n", x + bw / 2, CH - MB - hs - hf - 3);
	}
	x_axis(h, slot, "sessions per day (largest per reporter); \xe2\x96\xb2 day in an incident");
	put(h, "</svg>\n");
	flush(h);
}

/* Failure rate per day; the scale always includes the enforce limit so
 * the dashed line shows how far below (or above) it the days are. */
static void chart_rate(struct html *h, const struct sum_domain *d)
{
	const struct sum_agg *a = h->a;
	long nd = a->o.until - a->o.since + 1;
	double slot = (CW - ML - MR) / (double)nd, bw = slot > 3 ? slot * 0.8 : slot, ph = CH - MT - MB;
	double limit = a->o.enforce_rate * 100, top = limit > 1 ? limit : 1, y;
	char tip[160], lab[32], day[SUM_DATE_LEN + 1], r[16];

	for (long i = 0; i < nd; i++) {
		const struct sum_day *sd = sum_day_at(&d->days, a->o.since + i);
		unsigned bp = sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed));

		if (bp > top)
			top = bp;
	}
	put(h, "<svg viewBox=\"0 0 720 200\" role=\"img\"><title>Daily failure rate</title>\n");
	sum_fmt_rate((unsigned)top, r);
	snprintf(lab, sizeof lab, "%s %%", r);
	y_label(h, MT, lab);
	y_label(h, CH - MB, "0 %");
	for (long i = 0; i < nd; i++) {
		const struct sum_day *sd = sum_day_at(&d->days, a->o.since + i);
		unsigned bp = sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed));
		double hr = ph * bp / top;

		if (sd->failed == 0)
			continue;
		sum_date_format(a->o.since + i, day);
		sum_fmt_rate(bp, r);
		snprintf(tip, sizeof tip, "%s: %s %% failed", day, r);
		bar(h, ML + (double)i * slot + (slot - bw) / 2, CH - MB - (hr < 1 ? 1 : hr), bw,
		    hr < 1 ? 1 : hr, "#cf222e", tip);
	}
	y = CH - MB - ph * limit / top;
	putf(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9a6700\" "
	     "stroke-dasharray=\"4 3\"/>\n", ML, y, CW - MR, y);
	putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">enforce limit %.2f %%</text>\n",
	     CW - MR, y - 3, a->o.enforce_rate);
	x_axis(h, slot, "failure rate per day (largest per reporter)");
	put(h, "</svg>\n");
	flush(h);
}

/* Horizontal bars, one per result type. */
static void chart_types(struct html *h, const struct sum_group *g)
{
	double lw = 230, bw = CW - lw - 90, height = 12 + 22.0 * (double)g->types.n;
	uint64_t max = 0;
	char tip[64];

	if (g->types.n == 0)
		return;
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;

		if (t->win > max)
			max = t->win;
	}
	putf(h, "<svg viewBox=\"0 0 720 %.0f\" role=\"img\"><title>Failed sessions by result "
	     "type</title>\n", height);
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;
		double y = 6 + 22.0 * (double)i, w = max ? bw * (double)t->win / (double)max : 0;

		putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", lw - 8, y + 14);
		esc(h, g->types.v[i].key, 34);
		put(h, "</text>\n");
		snprintf(tip, sizeof tip, "%" PRIu64 " failed sessions", t->win);
		bar(h, lw, y + 2, w < 1 ? 1 : w, 16, t->is_new ? "#bf8700" : "#cf222e", tip);
		putf(h, "<text x=\"%.1f\" y=\"%.1f\">%" PRIu64 "</text>\n", lw + (w < 1 ? 1 : w) + 6,
		     y + 14, t->win);
	}
	put(h, "</svg>\n");
	flush(h);
}

static void types_table(struct html *h, const struct sum_group *g)
{
	char share[16], day[SUM_DATE_LEN + 1];

	put(h, "<table>\n<thead><tr><th>Result type</th><th class=\"n\">Sessions</th>"
	    "<th class=\"n\">Share</th><th>First seen</th><th>Remediation</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;
		int known;

		sum_fmt_rate(sum_rate_bp(t->win, g->detail_sessions), share);
		sum_date_format(t->first, day);
		buf_reset(&h->text);
		known = sum_remedy(g->types.v[i].key, g->dom->name, &h->text);
		put(h, "<tr><td><code>");
		esc(h, g->types.v[i].key, 0);
		putf(h, "</code>%s%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s %%</td>"
		     "<td class=\"n\">%s</td><td>", known ? "" : " <em>(unknown type)</em>",
		     t->is_new ? " <strong class=\"new\">new</strong>" : "", t->win, share, day);
		esc_text(h, known >= 0);
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody>\n</table>\n");
	flush(h);
}

static void top_table(struct html *h, const char *title, const char *what,
		      const struct sum_list *l)
{
	if (l->n == 0)
		return;
	putf(h, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th>"
	     "<th class=\"n\">Days</th></tr></thead>\n<tbody>\n", title, what);
	for (size_t i = 0; i < l->n; i++) {
		const struct sum_count *c = l->v[i].val;

		put(h, "<tr><td>");
		esc(h, l->v[i].key, 0);
		putf(h, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%u</td></tr>\n",
		     c->sessions, c->days);
	}
	put(h, "</tbody>\n</table>\n");
	flush(h);
}

static void daily_table(struct html *h, const struct sum_group *g)
{
	const struct sum_agg *a = h->a;
	char day[SUM_DATE_LEN + 1], r[16];

	put(h, "<table>\n<thead><tr><th>Date</th><th class=\"n\">Sessions</th><th class=\"n\">"
	    "Failed</th><th class=\"n\">Rate</th><th>Incident</th></tr></thead>\n<tbody>\n");
	for (long d = a->o.since; d <= a->o.until; d++) {
		const struct sum_day *sd = sum_day_at(&g->days, d);

		sum_date_format(d, day);
		if (sd->records == 0) {
			putf(h, "<tr><td class=\"n\">%s</td><td class=\"n\">-</td><td class=\"n\">-"
			     "</td><td class=\"n\">-</td><td></td></tr>\n", day);
			continue;
		}
		sum_fmt_rate(sum_rate_bp(sd->failed, sum_sat_add(sd->success, sd->failed)), r);
		putf(h, "<tr><td class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">"
		     "%" PRIu64 "</td><td class=\"n\">%s %%</td><td class=\"warn\">%s</td></tr>\n",
		     day, sum_sat_add(sd->success, sd->failed), sd->failed, r,
		     sd->incident ? "yes" : "");
	}
	put(h, "</tbody>\n</table>\n");
	flush(h);
}

static void group_section(struct html *h, const struct sum_group *g)
{
	char r[16];

	put(h, "<h3>");
	esc(h, g->policy_type, 0);
	if (g->mode != NULL)
		putf(h, ", mode %s", g->mode);
	sum_fmt_rate(g->rate_bp, r);
	putf(h, "</h3>\n<p>%" PRIu64 " sessions: %" PRIu64 " successful, %" PRIu64 " failed "
	     "(<strong%s>%s %%</strong>); %" PRIu64 " reports from %zu organizations.</p>\n",
	     sum_sat_add(g->success, g->failed), g->success, g->failed,
	     g->over_critical ? " class=\"crit\"" : "", r, g->records, g->norgs);
	if (g->failed == 0 && g->types.n == 0) {
		put(h, "<p>No failures.</p>\n");
	} else {
		chart_types(h, g);
		types_table(h, g);
		top_table(h, "Sending MTA IP", "Failed sessions", &g->top_send);
		top_table(h, "Receiving MX", "Failed sessions", &g->top_recv);
		top_table(h, "Reporting organization", "Failed sessions", &g->top_orgs);
	}
	for (size_t i = 0; i < g->nchanges; i++) {
		char day[SUM_DATE_LEN + 1];

		sum_date_format(g->changes[i].day, day);
		putf(h, "<p>Policy changed %s: ", day);
		esc(h, g->changes[i].from, 0);
		put(h, " &rarr; ");
		esc(h, g->changes[i].to, 0);
		put(h, "</p>\n");
	}
	if (g->testing)
		putf(h, "<p class=\"%s\">%s: %" PRIu64 " sessions in the last %d complete days (%ld "
		     "with reports, %zu reporters) would have been refused under enforce.</p>\n",
		     g->ready ? "note" : "warn", g->ready ? "Ready to enforce" :
		     "Not yet ready to enforce", g->ready_refused, SUM_READY_DAYS, g->ready_days,
		     g->ready_orgs);
	daily_table(h, g);
}

static void domain_section(struct html *h, const struct sum_domain *d, size_t n)
{
	char r[16];

	putf(h, "<h2 id=\"d%zu\">", n);
	esc(h, d->name[0] ? d->name : "(empty policy domain)", 0);
	sum_fmt_rate(d->rate_bp, r);
	putf(h, "</h2>\n<p>All policy types: %" PRIu64 " sessions, %" PRIu64 " failed (%s %%). "
	     "<span class=\"note\">Per reporter and day the largest figure among the policy "
	     "types, never their sum: some reporters count the same sessions under each.</span>"
	     "</p>\n", sum_sat_add(d->success, d->failed), d->failed, r);
	for (size_t i = 0; i < d->silent.n; i++) {
		const struct sum_reporter *rep = d->silent.v[i].val;

		put(h, "<p class=\"warn\">Silent reporter: ");
		esc(h, d->silent.v[i].key, 0);
		putf(h, " (reported on %u of the %d days before the last %d before today, none "
		     "since)</p>\n", rep->prior, SUM_SILENT_PRIOR, SUM_SILENT_LAST);
	}
	for (size_t i = 0; h->inc_here && i < h->a->ninc; i++)
		if (h->a->inc[i].dom == d)   /* an overview's domain: its incidents in full */
			incident(h, &h->a->inc[i], i);
	chart_sessions(h, d);
	chart_rate(h, d);
	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i]->records > 0)
			group_section(h, d->groups[i]);
	flush(h);
}

/* Was result type t seen in the window for any policy? */
static int seen_type(const struct sum_agg *a, const char *t)
{
	for (size_t i = 0; i < a->ndoms; i++)
		for (size_t j = 0; j < a->doms[i]->ngroups; j++) {
			const struct sum_list *l = &a->doms[i]->groups[j]->types;

			for (size_t k = 0; k < l->n; k++)
				if (strcmp(l->v[k].key, t) == 0)
					return 1;
		}
	return 0;
}

static void remediation(struct html *h)
{
	const char *t;

	put(h, "<h2 id=\"remediation\">Remediation</h2>\n<table>\n<thead><tr><th>Result type "
	    "(RFC 8460)</th><th>Seen</th><th>What to fix</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; (t = sum_known_type(i)) != NULL; i++) {
		putf(h, "<tr><td><code>%s</code></td><td>%s</td><td>", t,
		     seen_type(h->a, t) ? "<strong class=\"warn\">yes</strong>" : "no");
		buf_reset(&h->text);
		esc_text(h, sum_remedy(t, "<domain>", &h->text) >= 0);
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody>\n</table>\n<p class=\"note\">Result types outside this list are "
	    "shown as unknown under their policy, never dropped.</p>\n");
	flush(h);
}

static void quality(struct html *h)
{
	const struct sum_agg *a = h->a;

	putf(h, "<h2 id=\"quality\">Data quality</h2>\n<table>\n<tbody>\n"
	     "<tr><td>Records in the window</td><td class=\"n\">%" PRIu64 "</td></tr>\n"
	     "<tr><td>Records with warnings</td><td class=\"n\">%" PRIu64 "</td></tr>\n"
	     "<tr><td>Unparsable lines skipped</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
	     a->records, a->records_warn, a->skipped);
	putf(h, "<tr><td>Unparsable lines before the window</td><td class=\"n\">%" PRIu64
	     "</td></tr>\n<tr><td>Quarantined messages</td><td class=\"n\">%lu</td></tr>\n"
	     "<tr><td>Days with reports</td><td class=\"n\">%zu of %ld</td></tr>\n",
	     a->skipped_hist, a->quarantined, a->days_with_data,
	     a->o.until - a->o.since + 1);
	if (a->dropped > 0)
		putf(h, "<tr><td>Records dropped (too many domains)</td><td class=\"n\">%" PRIu64
		     "</td></tr>\n", a->dropped);
	if (a->duplicates > 0)
		putf(h, "<tr><td>Duplicate records (counted once)</td><td class=\"n\">%" PRIu64
		     "</td></tr>\n", a->duplicates);
	if (a->no_domain > 0)
		putf(h, "<tr><td>Records without a policy domain (not counted)</td><td class=\"n\">%"
		     PRIu64 "</td></tr>\n", a->no_domain);
	if (a->conflicts > 0)
		putf(h, "<tr><td>Conflicting copies (same report_id, other content: the figures"
		     " include both)</td><td class=\"n\">%" PRIu64 "</td></tr>\n", a->conflicts);
	if (a->conflicts_dropped > 0)
		putf(h, "<tr><td>Conflicting copies left out (used the copy with an aligned DKIM"
		     " pass)</td><td class=\"n\">%" PRIu64 "</td></tr>\n", a->conflicts_dropped);
	put(h, "</tbody>\n</table>\n");
	top_table(h, "Most frequent warnings", "Records", &a->top_warnings);
	flush(h);
}

int sum_html(const struct sum_agg *a, const struct sum_view *v, FILE *out)
{
	struct html h = { .a = a, .out = out };
	const struct sum_domain **doms;
	size_t nd;

	buf_init(&h.b);
	buf_init(&h.tmp);
	buf_init(&h.text);
	if (sum_ranked_domains(a, &doms, &nd) < 0)
		h.nomem = 1;
	page_head(&h, v);
	if (sum_is_overview(v, nd)) {
		/* many domains: a table each, then the worst in full */
		incident_table(&h, doms, v->top_domains);
		domain_table(&h, doms, nd, v->top_domains);
		h.inc_here = 1;
		for (size_t i = 0; i < v->top_domains; i++)
			domain_section(&h, doms[i], i);
	} else {
		incidents(&h);
		for (size_t i = 0; i < a->ndoms; i++)
			if (a->doms[i]->records > 0 || a->doms[i]->silent.n > 0)
				domain_section(&h, a->doms[i], i);
	}
	free(doms);
	remediation(&h);
	quality(&h);
	put(&h, "</body>\n</html>\n");
	flush(&h);
	buf_free(&h.b);
	buf_free(&h.tmp);
	buf_free(&h.text);
	return (h.nomem || fflush(out) != 0 || ferror(out)) ? -1 : 0;
}
