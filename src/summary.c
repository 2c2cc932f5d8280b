/* tlsrpt-summary: read the spool of daily JSON Lines files written by
 * tlsrpt-lda and tell what fails TLS and what to fix, as text, JSON or
 * HTML, as Prometheus metrics, or as one monitoring-plugin status line
 * (--check, exit 0-3).
 * Only this file parses options, reads the clock and the environment,
 * and picks exit codes; the modules do the rest (sumread: lines,
 * sumagg: counts and flags, sumout/sumjson/sumhtml/sumprom: formats). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sumagg.h"
#include "sumdate.h"
#include "sumhtml.h"
#include "sumjson.h"
#include "sumout.h"
#include "sumprom.h"
#include "sumread.h"

#ifndef DEFAULT_SPOOL_DIR
#define DEFAULT_SPOOL_DIR "/var/spool/tlsrpt"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* sysexits(3) values, without relying on the header */
#define EXIT_USAGE   64
#define EXIT_NOINPUT 66
#define EXIT_IOERR   74

#define MAX_WINDOW 3660L   /* ten years of days */

enum format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_PROM };

#define MAX_SPOOLS 16

struct cli {
	const char *spool;          /* the spools, joined with ", " for display */
	const char *spools[MAX_SPOOLS];
	size_t nspools;
	long history;               /* -1: not given */
	long days;              /* 0: not given */
	const char *since, *until, *today;
	enum format format;
	int check;
	int color;              /* -1 auto, 0 never, 1 always */
	struct strlist domains;
	size_t top_domains;     /* full sections beyond an overview */
	struct sum_opts o;
};

enum {
	OPT_SINCE = 256, OPT_UNTIL, OPT_DOMAIN, OPT_SPIKE_FACTOR, OPT_SPIKE_MIN,
	OPT_ENFORCE_RATE, OPT_CRITICAL_RATE, OPT_TOP, OPT_COLOR, OPT_TODAY, OPT_HISTORY,
	OPT_TOP_DOMAINS
};

static const struct option longopts[] = {
	{ "spool", required_argument, NULL, 's' },
	{ "days", required_argument, NULL, 'd' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "format", required_argument, NULL, 'f' },
	{ "check", no_argument, NULL, 'c' },
	{ "spike-factor", required_argument, NULL, OPT_SPIKE_FACTOR },
	{ "spike-min", required_argument, NULL, OPT_SPIKE_MIN },
	{ "enforce-rate", required_argument, NULL, OPT_ENFORCE_RATE },
	{ "critical-rate", required_argument, NULL, OPT_CRITICAL_RATE },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "top-domains", required_argument, NULL, OPT_TOP_DOMAINS },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "today", required_argument, NULL, OPT_TODAY },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fputs("usage: tlsrpt-summary [--spool DIR]...\n"
	      "                      [--days N | --since YYYY-MM-DD [--until YYYY-MM-DD]]\n"
	      "                      [--domain D]... [--format text|json|html|prometheus]\n"
	      "                      [--check]\n"
	      "                      [--spike-factor X] [--spike-min N] [--enforce-rate PCT]\n"
	      "                      [--critical-rate PCT] [--top N] [--history DAYS]\n"
	      "                      [--top-domains N]\n"
	      "                      [--color auto|always|never] [--today YYYY-MM-DD]\n"
	      "       tlsrpt-summary --help | --version\n"
	      "\n"
	      "Reads the spool of tlsrpt-lda and tells, per policy domain and policy type,\n"
	      "what fails TLS, since when, and what to fix, as incidents, most severe\n"
	      "first.  Default: the last 7 days (UTC) of\n"
	      DEFAULT_SPOOL_DIR ", all domains, as text.\n"
	      "\n"
	      "  -s, --spool DIR          spool directory; repeatable (at most 16), a report\n"
	      "                           in several counts once\n"
	      "  -d, --days N             the N days ending on --until, 1 to 3660 (default 7)\n"
	      "      --since YYYY-MM-DD   first day of the window, instead of --days\n"
	      "      --until YYYY-MM-DD   last day of the window (default today)\n"
	      "      --domain D           only this policy domain; repeatable\n"
	      "  -f, --format FORMAT      text, json, html or prometheus (default text)\n"
	      "  -c, --check              one status line, exit 0 OK, 1 WARNING, 2 CRITICAL,\n"
	      "                           3 UNKNOWN (monitoring-plugin style)\n"
	      "      --spike-factor X     a jump inside an incident: a day's failed sessions\n"
	      "                           >= X times the 7-day median (default 3)\n"
	      "      --spike-min N        ... and >= N failed sessions (default 10)\n"
	      "      --enforce-rate PCT   warning: a rate above PCT on an enforced policy\n"
	      "                           (default 0.5)\n"
	      "      --critical-rate PCT  critical: a window rate above PCT (default 5)\n"
	      "      --history DAYS       days before the window searched for the day an\n"
	      "                           incident began, 0 to 3660 (default 90)\n"
	      "      --top N              entries in each ranked list, 1 to 1000 (default 5)\n"
	      "      --top-domains N      text, html: with more domains, an overview and the\n"
	      "                           N worst in full, 1 to 100000 (default 20)\n"
	      "      --color WHEN         auto, always or never: colour in the text format\n"
	      "                           (default auto: a terminal, NO_COLOR unset)\n"
	      "      --today YYYY-MM-DD   take this day as today (for tests and examples)\n"
	      "  -h, --help               print this text and exit\n"
	      "  -V, --version            print the version and exit\n"
	      "\n"
	      "Exit status: 0 written; 64 bad command line; 66 spool cannot be opened;\n"
	      "74 read or write error.  With --check: 0 to 3 as above.\n", f);
}

/* The reason for a rejected value, for fail(): one line, the value quoted. */
static const char *bad_value(const char *name, const char *arg, const char *want)
{
	static char line[200];
	char safe[64];
	size_t j = 0;

	for (; *arg != '\0' && j + 1 < sizeof safe; arg++)
		safe[j++] = (unsigned char)*arg < 0x20 || *arg == 0x7f ? '?' : *arg;
	safe[j] = '\0';
	snprintf(line, sizeof line, "%s \"%s\": %s", name, safe, want);
	return line;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int add_domain(struct cli *c, const char *d)
{
	char *low;

	if (strlist_add(&c->domains, d) < 0)
		return -1;
	low = c->domains.v[c->domains.n - 1];
	for (char *p = low; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return 0;
}

/* Thresholds and other numeric options; -1 with msg on a bad value. */
static int set_number(struct cli *c, int opt, const char *arg, const char **msg)
{
	long n;

	switch (opt) {
	case 'd':
		*msg = "--days wants 1 to 3660";
		return parse_long(arg, 1, MAX_WINDOW, &c->days);
	case OPT_SPIKE_FACTOR:
		*msg = "--spike-factor wants a number from 0 to 1000";
		return parse_double(arg, 0, 1000, &c->o.spike_factor);
	case OPT_SPIKE_MIN:
		*msg = "--spike-min wants a whole number >= 0";
		if (parse_long(arg, 0, 0x7fffffffL, &n) < 0)
			return -1;
		c->o.spike_min = (uint64_t)n;
		return 0;
	case OPT_ENFORCE_RATE:
		*msg = "--enforce-rate wants a percentage from 0 to 100";
		return parse_double(arg, 0, 100, &c->o.enforce_rate);
	case OPT_CRITICAL_RATE:
		*msg = "--critical-rate wants a percentage from 0 to 100";
		return parse_double(arg, 0, 100, &c->o.critical_rate);
	case OPT_HISTORY:
		*msg = "--history wants 0 to 3660";
		return parse_long(arg, 0, SUM_MAX_HISTORY, &c->history);
	case OPT_TOP_DOMAINS:
		*msg = "--top-domains wants 1 to 100000";
		if (parse_long(arg, 1, 100000, &n) < 0)
			return -1;
		c->top_domains = (size_t)n;
		return 0;
	case OPT_TOP:
		*msg = "--top wants 1 to 1000";
		if (parse_long(arg, 1, 1000, &n) < 0)
			return -1;
		c->o.top = (size_t)n;
		return 0;
	}
	return -1;
}

static int set_word(struct cli *c, int opt, const char *arg, const char **msg)
{
	if (opt == 'f') {
		*msg = "--format wants text, json, html or prometheus";
		c->format = strcmp(arg, "text") == 0 ? FMT_TEXT : strcmp(arg, "json") == 0 ?
			FMT_JSON : strcmp(arg, "html") == 0 ? FMT_HTML :
			strcmp(arg, "prometheus") == 0 ? FMT_PROM : (enum format)-1;
		return (int)c->format < 0 ? -1 : 0;
	}
	*msg = "--color wants auto, always or never";
	c->color = strcmp(arg, "auto") == 0 ? -1 : strcmp(arg, "always") == 0 ? 1 :
		strcmp(arg, "never") == 0 ? 0 : -2;
	return c->color == -2 ? -1 : 0;
}

/* What getopt_long refused: an unknown or ambiguous option, or a value
 * given to one that takes none. */
static const char *bad_option(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (optopt != 0 && optopt < 256 && arg[0] == '-' && arg[1] != '-') {
		static char s[3] = "-";

		s[1] = (char)optopt;
		return bad_value("option", s, "unknown (see tlsrpt-summary --help)");
	}
	for (const struct option *o = longopts; eq != NULL && o->name != NULL; o++)
		if (strncmp(arg + 2, o->name, (size_t)(eq - arg - 2)) == 0 && o->has_arg == no_argument)
			return bad_value("option", arg, "takes no value");
	return bad_value("option", arg, "unknown or ambiguous (see tlsrpt-summary --help)");
}

/* A value set_number or set_word refused: *msg gets "--NAME "VALUE": wants ...".
 */
static int bad_arg(const char *value, const char **msg)
{
	const char *want = *msg, *sp = strchr(want, ' ');
	char name[32];
	size_t n = sp != NULL ? (size_t)(sp - want) : 0;

	if (n == 0 || n >= sizeof name) {
		*msg = bad_value("value", value, want);
		return -1;
	}
	memcpy(name, want, n);
	name[n] = '\0';
	*msg = bad_value(name, value, sp + 1);
	return -1;
}

/* 0 to run, 1 when --help/--version was answered, -1 on a usage error
 * (*msg says why, NULL when getopt already did). */
static int parse_args(struct cli *c, int argc, char **argv, const char **msg)
{
	int opt;

	*msg = NULL;
	opterr = 0;     /* its messages start with the full argv[0]; ours say why */
	while ((opt = getopt_long(argc, argv, ":s:d:f:chV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (c->nspools == MAX_SPOOLS) {
				*msg = "at most 16 --spool";
				return -1;
			}
			c->spools[c->nspools++] = optarg;
			break;
		case OPT_SINCE: c->since = optarg; break;
		case OPT_UNTIL: c->until = optarg; break;
		case OPT_TODAY: c->today = optarg; break;
		case 'c': c->check = 1; break;
		case OPT_DOMAIN:
			if (add_domain(c, optarg) < 0) {
				*msg = "out of memory";
				return -1;
			}
			break;
		case 'f': case OPT_COLOR:
			if (set_word(c, opt, optarg, msg) < 0)
				return bad_arg(optarg, msg);
			break;
		case 'h': usage(stdout); return 1;
		case 'V': puts("tlsrpt-summary " PACKAGE_VERSION); return 1;
		case ':':
			*msg = bad_value("option", argv[optind - 1], "wants a value");
			return -1;
		case '?':
			*msg = bad_option(argv[optind - 1]);
			return -1;
		default:
			if (set_number(c, opt, optarg, msg) < 0)
				return bad_arg(optarg, msg);
		}
	}
	if (optind < argc) {
		*msg = bad_value("argument", argv[optind], "unexpected (see tlsrpt-summary --help)");
		return -1;
	}
	return 0;
}

static int parse_day(const char *s, const char *what, long *day, const char **msg)
{
	if (sum_date_parse(s, strlen(s), day) < 0) {
		*msg = what;
		return bad_arg(s, msg);
	}
	return 0;
}

/* The window from --days/--since/--until around today. */
static int window(struct cli *c, const char **msg)
{
	long today;

	if (c->today != NULL) {
		if (parse_day(c->today, "--today wants YYYY-MM-DD", &today, msg) < 0)
			return -1;
	} else {
		today = sum_date_of(time(NULL));
	}
	c->o.until = today;
	c->o.today = today;
	if (c->history >= 0)
		c->o.history = c->history;
	if (c->until != NULL && parse_day(c->until, "--until wants YYYY-MM-DD", &c->o.until, msg) < 0)
		return -1;
	if (c->since != NULL && c->days != 0) {
		*msg = "--since and --days exclude each other";
		return -1;
	}
	if (c->since != NULL) {
		if (parse_day(c->since, "--since wants YYYY-MM-DD", &c->o.since, msg) < 0)
			return -1;
	} else {
		c->o.since = c->o.until - ((c->days ? c->days : 7) - 1);
	}
	/* day numbers stay >= 0 down to the history days (sumagg counts on it) */
	if (c->o.since > c->o.until || c->o.until - c->o.since >= MAX_WINDOW ||
	    c->o.since < c->o.history) {
		*msg = "the window must run forward, at most 3660 days, starting --history days after 1970-01-01";
		return -1;
	}
	return 0;
}

/* An error: a status line for --check (UNKNOWN), else a message. */
static int fail(const struct cli *c, int code, const char *what, const char *why)
{
	if (c->check) {
		printf("TLSRPT UNKNOWN - %s%s%s\n", what, why ? ": " : "", why ? why : "");
		return SUM_UNKNOWN;
	}
	fprintf(stderr, "tlsrpt-summary: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	return code;
}

/* Unreadable lines are counted and the first file holding some named:
 * a skipped line must never pass unnoticed. */
static void note_skipped(struct sum_agg *a, const char *spool, long day, uint64_t n)
{
	char name[SUM_DATE_LEN + 1];

	if (n == 0)
		return;
	if (a->skipped_files++ == 0) {
		sum_date_format(day, name);
		snprintf(a->skipped_file, sizeof a->skipped_file, "%s/%s.jsonl", spool, name);
	}
}

/* Every day from the first history day to the window's end, from every
 * spool in turn: a record already read that day from another spool is
 * a duplicate (sumread keeps one set per day). */
static int read_spools(struct sum_agg *a, const struct cli *c, const int *fds, struct err *e)
{
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, e);
	int rc = 0;

	if (r == NULL)
		return -1;
	for (long day = a->start; day <= a->o.until && rc >= 0; day++) {
		for (size_t i = 0; i < c->nspools && rc >= 0; i++) {
			struct sum_read_stats st = { .lines = 0 };

			rc = sum_read_day(r, fds[i], day, sum_agg_add_cb, a, &st, e);
			if (day >= a->o.since) {
				a->skipped += st.skipped;
				a->duplicates += st.duplicates;
				a->no_domain += st.no_domain;
				a->conflicts += st.conflicts;
				a->conflicts_dropped += st.conflicts_dropped;
				if (a->conflict_example[0] == '\0')
					memcpy(a->conflict_example, st.example, sizeof st.example);
			} else {
				a->skipped_hist += st.skipped;
			}
			note_skipped(a, c->spools[i], day, st.skipped);
		}
		sum_agg_end_day(a);
	}
	sum_read_free(r);
	for (size_t i = 0; i < c->nspools && rc >= 0; i++) {
		unsigned long q = 0;

		rc = sum_read_quarantine(fds[i], &q, e);
		a->quarantined += q;
	}
	return rc < 0 ? -1 : 0;
}

static int want_color(const struct cli *c)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (c->color >= 0)
		return c->color;
	return isatty(STDOUT_FILENO) && (no == NULL || no[0] == '\0') &&
		!(term != NULL && strcmp(term, "dumb") == 0);
}

static int output(const struct cli *c, const struct sum_agg *a)
{
	/* --domain D: every section of what was asked for */
	struct sum_view v = { .spool = c->spool, .color = want_color(c),
			      .top_domains = c->domains.n > 0 ? 0 : c->top_domains };
	struct err e;
	struct buf line;
	int rc;

	err_clear(&e);
	if (c->check) {
		buf_init(&line);
		rc = sum_status(a, &line) < 0 || buf_reserve(&line, 0) < 0;
		if (rc == 0)
			printf("%s\n", (char *)line.p);
		buf_free(&line);
		if (rc != 0 || fflush(stdout) != 0)
			return fail(c, SUM_UNKNOWN, "cannot write the status line", NULL);
		return (int)sum_state_of(a);
	}
	if (c->format == FMT_JSON)
		rc = sum_json(a, &v, stdout, &e);
	else if (c->format == FMT_HTML)
		rc = sum_html(a, &v, stdout);
	else if (c->format == FMT_PROM)
		rc = sum_prom(a, stdout);
	else
		rc = sum_text(a, &v, stdout);
	if (rc < 0)
		return fail(c, EXIT_IOERR, "cannot write the report", e.reason[0] ? e.reason : NULL);
	return 0;
}

/* "cannot ... the spool DIR" for fail(): the path the user gave. */
static const char *spool_what(const char *what, const char *spool)
{
	static char line[512];
	char safe[400];
	size_t j = 0;

	for (; *spool != '\0' && j + 1 < sizeof safe; spool++)
		safe[j++] = (unsigned char)*spool < 0x20 || *spool == 0x7f ? '?' : *spool;
	safe[j] = '\0';
	snprintf(line, sizeof line, "%s %s", what, safe);
	return line;
}

static int run(struct cli *c)
{
	struct sum_agg a;
	struct err e;
	int fds[MAX_SPOOLS], rc = 0;
	size_t n;

	err_clear(&e);
	c->o.domains = &c->domains;
	for (n = 0; n < c->nspools; n++) {
		fds[n] = open(c->spools[n], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[n] < 0) {
			rc = fail(c, EXIT_NOINPUT, spool_what("cannot open the spool", c->spools[n]),
				  strerror(errno));
			break;
		}
	}
	if (n == c->nspools && sum_agg_init(&a, &c->o, &e) < 0)
		rc = fail(c, EXIT_USAGE, e.reason, NULL);
	else if (n == c->nspools) {
		rc = read_spools(&a, c, fds, &e);
		if (rc == 0)
			rc = sum_agg_finish(&a, &e);
		if (rc < 0)
			rc = fail(c, e.cls == ERR_CONFIG ? EXIT_NOINPUT : EXIT_IOERR,
				  spool_what("cannot read the spool", c->spool), e.reason);
		else
			rc = output(c, &a);
		sum_agg_free(&a);
	}
	while (n > 0)
		close(fds[--n]);
	return rc;
}

/* The spools as shown in the header: "A" or "A, B". */
static int join_spools(struct cli *c, struct buf *b)
{
	if (c->nspools == 0)
		c->spools[c->nspools++] = DEFAULT_SPOOL_DIR;
	for (size_t i = 0; i < c->nspools; i++)
		if ((i > 0 && buf_append_str(b, ", ") < 0) || buf_append_str(b, c->spools[i]) < 0)
			return -1;
	if (buf_reserve(b, 0) < 0)
		return -1;
	c->spool = (const char *)b->p;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = { .spool = DEFAULT_SPOOL_DIR, .color = -1, .history = -1,
			 .top_domains = SUM_TOP_DOMAINS };
	const char *msg = NULL;
	struct buf names;
	int rc;

	strlist_init(&c.domains);
	buf_init(&names);
	sum_opts_default(&c.o, 0);
	for (int i = 1; i < argc; i++)   /* usage errors are UNKNOWN under --check */
		if (strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "-c") == 0)
			c.check = 1;
	rc = parse_args(&c, argc, argv, &msg);
	if (rc == 0 && window(&c, &msg) < 0)
		rc = -1;
	if (rc == 0 && join_spools(&c, &names) < 0) {
		msg = "out of memory";
		rc = -1;
	}
	if (rc < 0) {
		rc = fail(&c, EXIT_USAGE, msg ? msg : "bad command line", NULL);
	} else if (rc == 0) {
		rc = run(&c);
	} else {
		rc = 0;
	}
	strlist_free(&c.domains);
	buf_free(&names);
	return rc;
}
