/* Prometheus text exposition; see sumprom.h.  One line at a time is built
 * in a struct buf and written whole; ENOMEM is remembered in one flag and
 * a write error found through ferror at the end, as in sumout.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "sumout.h"
#include "sumprom.h"

struct prom {
	const struct sum_agg *a;
	FILE *out;
	struct buf b;
	int nomem;
};

int sum_prom_label(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;

		if (esc != NULL ? buf_append_str(out, esc) < 0 :
		    buf_append_byte(out, (unsigned char)*s) < 0)
			return -1;
	}
	return 0;
}

static void emit(struct prom *p)
{
	if (p->b.n > 0)
		fwrite(p->b.p, 1, p->b.n, p->out);
	buf_reset(&p->b);
}

static void family(struct prom *p, const char *name, const char *help)
{
	if (buf_appendf(&p->b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name) < 0)
		p->nomem = 1;
	emit(p);
}

/* name{k1="v1",k2="v2"} value: the labels as NULL-terminated pairs. */
static void sample(struct prom *p, uint64_t value, const char *name, ...)
{
	const char *k, *sep = "{";
	va_list ap;

	if (buf_append_str(&p->b, name) < 0)
		p->nomem = 1;
	va_start(ap, name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		if (buf_appendf(&p->b, "%s%s=\"", sep, k) < 0 ||
		    sum_prom_label(&p->b, va_arg(ap, const char *)) < 0 ||
		    buf_append_byte(&p->b, '"') < 0)
			p->nomem = 1;
		sep = ",";
	}
	va_end(ap);
	if (buf_appendf(&p->b, "%s %" PRIu64 "\n", sep[0] == ',' ? "}" : "", value) < 0)
		p->nomem = 1;
	emit(p);
}

static void sessions(struct prom *p)
{
	const struct sum_agg *a = p->a;

	family(p, "tlsrpt_sessions", "Sessions in the window per policy domain and policy type, "
	       "by outcome (successful, failed), as the reports count them.");
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct sum_domain *d = a->doms[i];

		for (size_t k = 0; k < d->ngroups; k++) {
			const struct sum_group *g = d->groups[k];

			sample(p, g->success, "tlsrpt_sessions", "domain", d->name,
			       "policy_type", g->policy_type, "outcome", "successful", (char *)NULL);
			sample(p, g->failed, "tlsrpt_sessions", "domain", d->name,
			       "policy_type", g->policy_type, "outcome", "failed", (char *)NULL);
		}
	}
	family(p, "tlsrpt_domain_sessions", "Sessions in the window per policy domain, by "
	       "outcome: per reporter and day the largest figure among the policy types, "
	       "never their sum (some report the same sessions under each).");
	for (size_t i = 0; i < a->ndoms; i++) {
		sample(p, a->doms[i]->success, "tlsrpt_domain_sessions", "domain", a->doms[i]->name,
		       "outcome", "successful", (char *)NULL);
		sample(p, a->doms[i]->failed, "tlsrpt_domain_sessions", "domain", a->doms[i]->name,
		       "outcome", "failed", (char *)NULL);
	}
}

/* The failed sessions no detail names, under SUM_PROM_NO_TYPE, unless a
 * report used that very string as a result type: then the two are one
 * series, so no label set appears twice. */
static uint64_t no_type_share(const struct sum_group *g, const char *key)
{
	return strcmp(key, SUM_PROM_NO_TYPE) == 0 ? g->unattributed : 0;
}

static void failed_by_type(struct prom *p, const struct sum_domain *d, const struct sum_group *g)
{
	int merged = 0;

	for (size_t i = 0; i < g->types.n; i++) {
		const struct sum_rtype *t = g->types.v[i].val;
		uint64_t extra = no_type_share(g, g->types.v[i].key);

		merged |= strcmp(g->types.v[i].key, SUM_PROM_NO_TYPE) == 0;
		sample(p, sum_sat_add(t->win_capped, extra), "tlsrpt_failed_sessions", "domain",
		       d->name, "policy_type", g->policy_type, "result_type", g->types.v[i].key,
		       (char *)NULL);
	}
	if (!merged && g->unattributed > 0)
		sample(p, g->unattributed, "tlsrpt_failed_sessions", "domain", d->name,
		       "policy_type", g->policy_type, "result_type", SUM_PROM_NO_TYPE, (char *)NULL);
}

static void failures(struct prom *p)
{
	const struct sum_agg *a = p->a;

	family(p, "tlsrpt_failed_sessions", "Failed sessions in the window by result type; "
	       "per policy domain and policy type they add up to tlsrpt_sessions{outcome="
	       "\"failed\"}: a failure detail counts only up to what is left of its report's "
	       "failed total, and what no detail names is result_type=\"" SUM_PROM_NO_TYPE "\".");
	for (size_t i = 0; i < a->ndoms; i++)
		for (size_t k = 0; k < a->doms[i]->ngroups; k++)
			failed_by_type(p, a->doms[i], a->doms[i]->groups[k]);
	family(p, "tlsrpt_failure_detail_sessions", "Failed sessions in the window as the "
	       "reports' failure details give them, by result type (they may overlap).");
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct sum_domain *d = a->doms[i];

		for (size_t k = 0; k < d->ngroups; k++) {
			const struct sum_group *g = d->groups[k];

			for (size_t j = 0; j < g->types.n; j++)
				sample(p, ((const struct sum_rtype *)g->types.v[j].val)->win,
				       "tlsrpt_failure_detail_sessions", "domain", d->name,
				       "policy_type", g->policy_type, "result_type",
				       g->types.v[j].key, (char *)NULL);
		}
	}
}

static int cmp_dom_name(const void *key, const void *elem)
{
	return strcmp(((const struct sum_domain *)key)->name,
		      (*(struct sum_domain *const *)elem)->name);
}

/* Incidents per domain (a->doms is sorted by name) and severity, and how
 * many of them are ongoing: [domain][severity][ongoing]. */
static void incidents(struct prom *p)
{
	const struct sum_agg *a = p->a;
	uint64_t (*n)[3][2] = calloc(a->ndoms ? a->ndoms : 1, sizeof *n);
	static const char *const what[2] = { "tlsrpt_incidents", "tlsrpt_ongoing_incidents" };

	if (n == NULL) {
		p->nomem = 1;
		return;
	}
	for (size_t i = 0; i < a->ninc; i++) {
		const struct sum_incident *inc = &a->inc[i];
		struct sum_domain *const *d = bsearch(inc->dom, a->doms, a->ndoms, sizeof *a->doms,
						      cmp_dom_name);

		if (d == NULL)
			continue;
		n[d - a->doms][inc->severity][0]++;
		n[d - a->doms][inc->severity][1] += inc->ongoing != 0;
	}
	for (int o = 0; o < 2; o++) {
		family(p, what[o], o == 0 ? "Incidents in the window per policy domain and "
		       "severity (critical, warning, info)." : "Incidents still going on, per "
		       "policy domain and severity.");
		for (size_t i = 0; i < a->ndoms; i++)
			for (int s = SUM_SEV_CRITICAL; s <= SUM_SEV_INFO; s++)
				sample(p, n[i][s][o], what[o], "domain", a->doms[i]->name, "severity",
				       sum_severity_name((enum sum_severity)s), (char *)NULL);
	}
	free(n);
}

static int cmp_org(const void *x, const void *y)
{
	return strcmp(((const struct sum_item *)x)->key, ((const struct sum_item *)y)->key);
}

/* Every reporter of a domain with a report before the reference day, by name. */
static void last_reports(struct prom *p, const struct sum_domain *d)
{
	void **v = sum_map_values(&d->reporters);
	struct sum_item *items = calloc(d->reporters.n ? d->reporters.n : 1, sizeof *items);
	size_t n = 0;

	if ((d->reporters.n > 0 && v == NULL) || items == NULL) {
		p->nomem = 1;
		free(v);
		free(items);
		return;
	}
	for (size_t i = 0; i < d->reporters.n; i++)
		if (((const struct sum_reporter *)v[i])->last > 0)
			items[n++] = (struct sum_item){ sum_map_key(&d->reporters, v[i]), v[i] };
	qsort(items, n, sizeof *items, cmp_org);
	for (size_t i = 0; i < n; i++)
		sample(p, (uint64_t)date_day_start(((const struct sum_reporter *)items[i].val)->last),
		       "tlsrpt_last_report_timestamp_seconds", "domain", d->name,
		       "organization", items[i].key, (char *)NULL);
	free(items);
	free(v);
}

static void overall(struct prom *p)
{
	const struct sum_agg *a = p->a;

	family(p, "tlsrpt_status", "The state tlsrpt-summary --check gives, its exit code: "
	       "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	sample(p, (uint64_t)sum_state_of(a), "tlsrpt_status", (char *)NULL);
	family(p, "tlsrpt_window_start_timestamp_seconds", "Start (midnight UTC) of the first "
	       "day of the window the other tlsrpt metrics count.");
	sample(p, (uint64_t)date_day_start(a->o.since), "tlsrpt_window_start_timestamp_seconds",
	       (char *)NULL);
	family(p, "tlsrpt_window_end_timestamp_seconds", "End (the next midnight UTC) of the "
	       "last day of the window.");
	sample(p, (uint64_t)date_day_start(a->o.until + 1), "tlsrpt_window_end_timestamp_seconds",
	       (char *)NULL);
	family(p, "tlsrpt_records", "Report records in the window (one per report and policy).");
	sample(p, a->records, "tlsrpt_records", (char *)NULL);
	family(p, "tlsrpt_unreadable_lines", "Spool lines that could not be read, in the window "
	       "and the history days before it.");
	sample(p, sum_sat_add(a->skipped, a->skipped_hist), "tlsrpt_unreadable_lines", (char *)NULL);
	family(p, "tlsrpt_quarantined_messages", "Messages in the spool's quarantine/new.");
	sample(p, a->quarantined, "tlsrpt_quarantined_messages", (char *)NULL);
}

int sum_prom(const struct sum_agg *a, FILE *out)
{
	struct prom p = { .a = a, .out = out };

	buf_init(&p.b);
	overall(&p);
	sessions(&p);
	failures(&p);
	incidents(&p);
	family(&p, "tlsrpt_last_report_timestamp_seconds", "End (the next midnight UTC) of the "
	       "last day a report from the organization covers for the policy domain.");
	for (size_t i = 0; i < a->ndoms; i++)
		last_reports(&p, a->doms[i]);
	buf_free(&p.b);
	return (p.nomem || fflush(out) != 0 || ferror(out)) ? -1 : 0;
}
