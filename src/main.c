/* tlsrpt-lda: options, limits and wiring, mail and --file deliveries.
 * With cgimain.c (--cgi: one HTTPS POST) the only place that logs, reads
 * the environment and picks an exit code (sysexits(3); only 75 makes
 * Postfix and Exim retry). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cgi.h"
#include "date.h"
#include "expire.h"
#include "lda.h"
#include "message.h"
#include "record.h"

static struct options opt;

static const char *log_safe(const char *s, char *out, size_t cap);

/* One line per delivery.  Under an MTA stderr ends up in the bounce or
 * deferral reason, so problems also go there, always starting with our
 * name (never with a "4.x.x"/"5.x.x" status Postfix would parse). */
void logmsg(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (opt.log == LOG_TO_SYSLOG) {
		openlog("tlsrpt-lda", LOG_PID, LOG_MAIL);
		syslog(prio, "%s", line);
	}
	if (opt.quiet && prio > LOG_ERR)
		return;
	if (opt.log == LOG_TO_STDERR || prio <= LOG_WARNING)
		fprintf(stderr, "tlsrpt-lda: %s\n", line);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tlsrpt-lda [--spool DIR] [--stdout] [--reject-invalid]\n"
		"                  [--max-message BYTES] [--max-report BYTES]\n"
		"                  [--lock-timeout SECONDS] [--log syslog|stderr] [--quiet]\n"
		"                  [--trust-authserv-id ID...] [--require-dkim] [--cgi]\n"
		"                  [--file PATH...]\n"
		"       tlsrpt-lda --expire DAYS [--spool DIR]\n"
		"       tlsrpt-lda --help | --version\n"
		"\n"
		"Reads one SMTP TLS report email (RFC 8460) on stdin and appends one JSON\n"
		"line per policy to SPOOL/YYYY-MM-DD.jsonl (default spool %s).\n"
		"Mail without a valid report is kept in SPOOL/quarantine/new/.\n"
		"\n"
		"  --spool DIR           spool directory\n"
		"  --stdout              print the records instead of storing them\n"
		"  --file PATH...        import saved reports (.json, .json.gz, .gz, .zip or\n"
		"                        .eml); every operand after it is a file too\n"
		"  --reject-invalid      exit 65 (EX_DATAERR) instead of 0 for quarantined mail\n"
		"  --max-message BYTES   largest message read (default %zu)\n"
		"  --max-report BYTES    largest inflated report (default %zu)\n"
		"  --lock-timeout SECONDS  longest wait for the spool lock, 1 to 86400\n"
		"                        (default %u)\n"
		"  --log syslog|stderr   where the one-line delivery log goes (default syslog)\n"
		"  --quiet               no output except errors\n"
		"  --trust-authserv-id ID  record DKIM results from Authentication-Results\n"
		"                        fields written by ID (our MTA; repeatable)\n"
		"  --require-dkim        quarantine mail without an aligned DKIM pass\n"
		"  --cgi                 answer one HTTPS POST as a CGI program (the web\n"
		"                        server's environment alone never selects it)\n"
		"  --expire DAYS         delete daily files, quarantined mail and duplicate\n"
		"                        markers older than DAYS, 1 to 100000 (UTC; never\n"
		"                        today), then exit\n"
		"  --help                print this text and exit\n"
		"  --version             print the version and exit\n"
		"\n"
		"Exit status: 0 stored, duplicate or quarantined; 75 temporary failure\n"
		"(the MTA retries); 64 bad command line; 65 invalid report with\n"
		"--reject-invalid, or a --file without a report; 66 a --file that cannot be\n"
		"opened or is a directory.\n"
		"As CGI: 201 stored, 200 duplicate, 400 invalid (quarantined), 503 retry.\n",
		DEFAULT_SPOOL_DIR, LIMIT_MAX_MESSAGE, LIMIT_MAX_REPORT,
		LIMIT_LOCK_TIMEOUT_MS / 1000);
}

/* A rejected command-line value: one line saying why, never the usage
 * (under an MTA stderr lands in the bounce).  Returns -1. */
static int bad_value(const char *name, const char *arg, const char *want)
{
	char safe[80];

	fprintf(stderr, "tlsrpt-lda: %s \"%s\": %s\n", name, log_safe(arg, safe, sizeof safe), want);
	return -1;
}

/* A whole number from 1 to max; -1 (with the reason printed) otherwise. */
static int parse_count(const char *name, const char *s, size_t max, const char *want, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max || s[0] == '-')
		return bad_value(name, s, want);
	*out = (size_t)v;
	return 0;
}

enum {
	OPT_MAX_MESSAGE = 256, OPT_MAX_REPORT, OPT_LOCK_TIMEOUT, OPT_LOG, OPT_REJECT,
	OPT_CGI, OPT_TRUST, OPT_REQUIRE_DKIM, OPT_EXPIRE
};

/* What getopt_long rejected (opterr is off: its messages start with the
 * full argv[0]), in our own one line. */
static int bad_option(int c, const struct option *longopts, const char *arg)
{
	char safe[80];
	const char *eq = strchr(arg, '=');

	log_safe(arg, safe, sizeof safe);
	if (c == ':') {
		fprintf(stderr, "tlsrpt-lda: %s wants a value\n", safe);
		return -1;
	}
	if (optopt != 0 && optopt < 256 && arg[0] == '-' && arg[1] != '-') {
		fprintf(stderr, "tlsrpt-lda: unknown option -%c (see tlsrpt-lda --help)\n", optopt);
		return -1;
	}
	for (const struct option *o = longopts; eq != NULL && o->name != NULL; o++)
		if (strncmp(arg + 2, o->name, (size_t)(eq - arg - 2)) == 0 && o->has_arg == no_argument) {
			fprintf(stderr, "tlsrpt-lda: --%s takes no value\n", o->name);
			return -1;
		}
	fprintf(stderr, "tlsrpt-lda: unknown or ambiguous option \"%s\" (see tlsrpt-lda --help)\n", safe);
	return -1;
}

/* The options with a checked value; -1 (the reason printed) when refused. */
static int set_value(int c, const char *arg)
{
	size_t n;

	switch (c) {
	case OPT_MAX_MESSAGE:
		return parse_count("--max-message", arg, SIZE_MAX / 2,
				   "wants a number of bytes, at least 1", &opt.limits.max_message);
	case OPT_MAX_REPORT:
		return parse_count("--max-report", arg, SIZE_MAX / 2,
				   "wants a number of bytes, at least 1", &opt.limits.max_report);
	case OPT_EXPIRE:
		if (parse_count("--expire", arg, 100000, "wants a number of days from 1 to 100000", &n) < 0)
			return -1;
		opt.expire_days = (int)n;
		return 0;
	case OPT_LOCK_TIMEOUT:
		if (parse_count("--lock-timeout", arg, 86400, "wants a number of seconds from 1 to 86400",
				&n) < 0)
			return -1;
		opt.limits.lock_timeout_ms = (unsigned)n * 1000u;
		return 0;
	default:        /* OPT_LOG */
		if (strcmp(arg, "syslog") == 0)
			opt.log = LOG_TO_SYSLOG;
		else if (strcmp(arg, "stderr") == 0)
			opt.log = LOG_TO_STDERR;
		else
			return bad_value("--log", arg, "wants syslog or stderr");
		return 0;
	}
}

/* Combinations that cannot work, found before anything is read. */
static int check_options(int files)
{
	if (opt.require_dkim && opt.trusted.n == 0) {
		fprintf(stderr, "tlsrpt-lda: --require-dkim needs --trust-authserv-id\n");
		return -1;
	}
	if (opt.expire_days > 0 && (files || opt.to_stdout || opt.cgi)) {
		fprintf(stderr, "tlsrpt-lda: --expire is a command of its own\n");
		return -1;
	}
	if (opt.cgi && (files || opt.to_stdout)) {
		fprintf(stderr, "tlsrpt-lda: --cgi cannot be combined with --file or --stdout\n");
		return -1;
	}
	return 0;
}

/* -1 bad usage, OPTIONS_NOMEM out of memory (a retry can succeed). */
#define OPTIONS_NOMEM (-2)
static int parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "stdout", no_argument, NULL, 'o' },
		{ "file", required_argument, NULL, 'f' },
		{ "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
		{ "max-report", required_argument, NULL, OPT_MAX_REPORT },
		{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
		{ "reject-invalid", no_argument, NULL, OPT_REJECT },
		{ "cgi", no_argument, NULL, OPT_CGI },
		{ "trust-authserv-id", required_argument, NULL, OPT_TRUST },
		{ "require-dkim", no_argument, NULL, OPT_REQUIRE_DKIM },
		{ "expire", required_argument, NULL, OPT_EXPIRE },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, files = 0;

	/* room for every argument: --file PATH repeated, then operands */
	opt.files = calloc((size_t)argc + 1, sizeof *opt.files);
	if (opt.files == NULL)
		return OPTIONS_NOMEM;
	opt.spool = DEFAULT_SPOOL_DIR;
	limits_default(&opt.limits);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.spool = optarg; break;
		case 'o': opt.to_stdout = 1; break;
		case 'f': files = 1; opt.files[opt.n_files++] = optarg; break;
		case 'q': opt.quiet = 1; break;
		case OPT_REJECT: opt.reject_invalid = 1; break;
		case OPT_CGI: opt.cgi = 1; break;
		case OPT_REQUIRE_DKIM: opt.require_dkim = 1; break;
		case OPT_TRUST:
			if (optarg[0] == '\0')
				return bad_value("--trust-authserv-id", optarg, "wants an authserv-id, not nothing");
			if (strlist_add(&opt.trusted, optarg) < 0)
				return OPTIONS_NOMEM;
			break;
		case OPT_MAX_MESSAGE: case OPT_MAX_REPORT: case OPT_EXPIRE:
		case OPT_LOCK_TIMEOUT: case OPT_LOG:
			if (set_value(c, optarg) < 0)
				return -1;
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': printf("tlsrpt-lda %s\n", PACKAGE_VERSION); exit(EXIT_OK);
		default: return bad_option(c, longopts, argv[optind - 1]);
		}
	}
	if (!files && optind != argc) {
		char safe[80];

		fprintf(stderr, "tlsrpt-lda: unexpected argument \"%s\" (the message comes on stdin;"
			" saved reports go after --file)\n", log_safe(argv[optind], safe, sizeof safe));
		return -1;
	}
	for (int i = optind; i < argc; i++)
		opt.files[opt.n_files++] = argv[i];
	return check_options(files);
}

/* The clock, fixed by TLSRPT_LDA_NOW (epoch seconds) for golden tests. */
void format_now(char out[21])
{
	const char *fixed = getenv("TLSRPT_LDA_NOW");
	time_t now = fixed != NULL ? (time_t)strtoll(fixed, NULL, 10) : time(NULL);

	date_format_utc(now, out);
}

int write_stdout(const struct buf *b, struct err *e)
{
	if (util_write_all(STDOUT_FILENO, b->p, b->n) < 0)
		return err_set(e, ERR_TEMP, "write stdout: %s", strerror(errno));
	return 0;
}

/* Report strings in a log line: no control characters (one delivery =
 * one line), quotes and backslashes escaped, bounded length. */
static const char *log_safe(const char *s, char *out, size_t cap)
{
	size_t j = 0;

	for (; *s != '\0' && j + 3 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out[j++] = '\\';
		out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[j] = '\0';
	return out;
}

static long long total_failed(const struct report *r)
{
	long long sum = 0;

	for (size_t i = 0; i < r->n_policies; i++)
		if (r->policies[i].failed_session_count >= 0 &&
		    r->policies[i].failed_session_count <= INT64_MAX - sum)
			sum += r->policies[i].failed_session_count;
	return sum;
}

/* The spool found this report's organization and report_id stored with
 * other content: say so on each record before it is stored beside it. */
static int mark_conflict(void *arg, unsigned stored, const unsigned char **lines, size_t *n,
			 struct err *e)
{
	struct ingest_result *res = arg;
	char w[200];

	snprintf(w, sizeof w, "%s: organization_name and report_id match %u stored report%s"
		 " with different content; both kept", RECORD_CONFLICT_WARNING, stored,
		 stored == 1 ? "" : "s");
	if (record_add_warning(&res->lines, w, e) < 0)
		return -1;
	*lines = res->lines.p;
	*n = res->lines.n;
	return 0;
}

/* Store (or print) one parsed report and log the outcome; *dup (may be
 * NULL) tells a duplicate from a new report.  client: the HTTP client for
 * the log line, or NULL. */
int deliver_report(struct spool *sp, struct ingest_result *res, int *dup,
		   const char *client, struct err *e)
{
	const struct report *r = &res->report;
	const char *domain = r->policies[0].policy_domain; /* NULL: the report gave none */
	char org[160], id[160], dom[160];
	int is_dup;
	struct spool_report sr = {
		.day = res->day, .org = r->organization_name, .report_id = r->report_id,
		.lines = res->lines.p, .n = res->lines.n,
		.on_conflict = mark_conflict, .arg = res,
	};
	unsigned conflicts = 0;

	if (opt.to_stdout)
		return write_stdout(&res->lines, e);
	if (spool_store(sp, &sr, opt.limits.lock_timeout_ms, &conflicts, e) < 0 && e->cls != ERR_DUPLICATE)
		return -1;
	is_dup = e->cls == ERR_DUPLICATE;
	if (dup != NULL)
		*dup = is_dup;
	logmsg(LOG_INFO, "%s org=\"%s\" report_id=\"%s\" domain=%s policies=%zu failed=%lld file=%s.jsonl%s%s%s",
	       is_dup ? "duplicate" : "stored", log_safe(r->organization_name, org, sizeof org),
	       log_safe(r->report_id, id, sizeof id), log_safe(domain ? domain : "-", dom, sizeof dom),
	       r->n_policies, total_failed(r), res->day, client ? " client=" : "", client ? client : "",
	       !is_dup && conflicts > 0 ? " conflict=\"same org and report_id stored with other content\"" : "");
	err_clear(e);
	return 0;
}

static int exit_for(const struct err *e)
{
	switch (e->cls) {
	case ERR_OK:
	case ERR_DUPLICATE:
		return EXIT_OK;
	case ERR_USAGE:
		return EXIT_USAGE;
	case ERR_INPUT:
	case ERR_NOREPORT:
		return opt.reject_invalid ? EXIT_DATAERR : EXIT_OK;
	case ERR_TEMP:
	case ERR_CONFIG:
	default:
		return EXIT_TEMPFAIL;
	}
}

/* Keep a message (or request body) that holds no usable report: 0 kept
 * (logged), -1 could not (logged; the sender must retry). */
int keep_message(struct spool *sp, const struct buf *msg, const struct err *why)
{
	char name[128];
	struct err qe;

	err_clear(&qe);
	if (spool_quarantine(sp, msg->p ? msg->p : (const unsigned char *)"", msg->n,
			     why->reason, name, sizeof name, &qe) < 0) {
		logmsg(LOG_ERR, "deferred: cannot quarantine (%s): %s", why->reason, qe.reason);
		return -1;
	}
	logmsg(opt.reject_invalid ? LOG_WARNING : LOG_NOTICE,
	       "quarantined reason=\"%s\" file=quarantine/new/%s", why->reason, name);
	return 0;
}

/* A message without a usable report is kept, never dropped. */
static int quarantine(struct spool *sp, const struct buf *msg, const struct err *why)
{
	if (opt.to_stdout) {
		logmsg(LOG_NOTICE, "rejected reason=\"%s\"", why->reason);
		return exit_for(why);
	}
	return keep_message(sp, msg, why) < 0 ? EXIT_TEMPFAIL : exit_for(why);
}

static int run_mail(struct spool *sp)
{
	struct ingest_env env = {
		.source = "mail", .trusted_authserv_ids = &opt.trusted,
		.require_dkim = opt.require_dkim
	};
	struct ingest_result res;
	struct buf msg;
	struct err e;
	char now[21];
	int truncated = 0, rc;

	format_now(now);
	env.received_at = now;
	env.recipient = getenv("ORIGINAL_RECIPIENT");
	if (env.recipient == NULL || env.recipient[0] == '\0')
		env.recipient = getenv("RECIPIENT");
	buf_init(&msg);
	ingest_init(&res);
	err_clear(&e);
	if (message_read_fd(STDIN_FILENO, opt.limits.max_message, &msg, &truncated, &e) < 0) {
		rc = -1;
	} else if (truncated) {
		rc = err_set(&e, ERR_INPUT, "message larger than %zu bytes (--max-message); first %zu bytes kept",
			     opt.limits.max_message, opt.limits.max_message);
	} else if ((rc = ingest_mail(msg.p ? msg.p : (const unsigned char *)"", msg.n,
				     &opt.limits, &env, &res, &e)) == 0) {
		rc = deliver_report(sp, &res, NULL, NULL, &e);
	}
	if (rc < 0 && (e.cls == ERR_INPUT || e.cls == ERR_NOREPORT))
		rc = quarantine(sp, &msg, &e);
	else if (rc < 0) {
		logmsg(LOG_ERR, "deferred reason=\"%s\"", e.reason);
		rc = EXIT_TEMPFAIL;
	}
	ingest_free(&res);
	buf_free(&msg);
	return rc;
}

/* --file run as root: each file is opened before become_spool_owner, so
 * root's own files can still be imported.  An fd, -errno, or
 * FILE_NOT_OPENED (then opened when read, as the spool's owner). */
#define FILE_NOT_OPENED INT_MIN
static int *file_fds;

static void open_files_as_root(void)
{
	if (geteuid() != 0 || opt.n_files == 0 ||
	    (file_fds = malloc(opt.n_files * sizeof *file_fds)) == NULL)
		return;
	for (size_t i = 0; i < opt.n_files; i++)
		file_fds[i] = FILE_NOT_OPENED;
	for (size_t i = 0; i < opt.n_files; i++) {
		int fd = open(opt.files[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE))
			break;      /* the rest are opened when read */
		file_fds[i] = fd >= 0 ? fd : -errno;
	}
}

static int open_file(size_t i)
{
	int fd = file_fds != NULL ? file_fds[i] : FILE_NOT_OPENED;

	if (fd == FILE_NOT_OPENED)
		return open(opt.files[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

/* A --file that is not there or not for us to read: EX_NOINPUT, which no
 * retry mends.  Running out of descriptors or memory, an I/O error: 75. */
static int is_noinput(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR || errnum == EACCES || errnum == EPERM ||
		errnum == ELOOP || errnum == ENAMETOOLONG || errnum == EISDIR;
}

/* 0 read; otherwise the exit status, with e saying why (the caller names
 * the file). */
static int read_file(size_t i, struct buf *b, struct err *e)
{
	int fd = open_file(i), truncated = 0, rc, errnum = errno;
	struct stat st;

	if (fd < 0) {
		err_set(e, ERR_TEMP, "%s", strerror(errnum));
		return is_noinput(errnum) ? EXIT_NOINPUT : EXIT_TEMPFAIL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		err_set(e, ERR_INPUT, "is a directory");
		return EXIT_NOINPUT;
	}
	rc = message_read_fd(fd, opt.limits.max_message, b, &truncated, e);
	close(fd);
	if (rc < 0)
		return EXIT_TEMPFAIL;
	if (truncated) {
		err_set(e, ERR_INPUT, "larger than %zu bytes (--max-message)", opt.limits.max_message);
		return EXIT_DATAERR;
	}
	return 0;
}

/* --file: a human backfilling saved reports; bad files are reported, not
 * quarantined, and make the exit status 65 (no report) or 66 (no file). */
static int run_file(struct spool *sp, size_t i)
{
	const char *path = opt.files[i];
	const char *base = strrchr(path, '/');
	struct ingest_env env = {
		.source = "file", .filename = base ? base + 1 : path,
		.trusted_authserv_ids = &opt.trusted
	};
	struct ingest_result res;
	struct buf data;
	struct err e;
	char now[21];
	int rc;

	format_now(now);
	env.received_at = now;
	buf_init(&data);
	ingest_init(&res);
	err_clear(&e);
	rc = read_file(i, &data, &e);
	if (rc > 0) {
		logmsg(LOG_ERR, "%s: %s", path, e.reason);
	} else {
		rc = ingest_file(data.p ? data.p : (const unsigned char *)"", data.n,
				 &opt.limits, &env, &res, &e);
		if (rc == 0)
			rc = deliver_report(sp, &res, NULL, NULL, &e);
		if (rc < 0) {
			logmsg(LOG_ERR, "%s: %s", path, e.reason);
			rc = e.cls == ERR_INPUT || e.cls == ERR_NOREPORT ? EXIT_DATAERR : EXIT_TEMPFAIL;
		}
	}
	ingest_free(&res);
	buf_free(&data);
	return rc;
}

/* The worst outcome wins: 75 (retry) over 66 (no file) over 65 (no report). */
static int run_files(struct spool *sp)
{
	int worst = EXIT_OK;

	for (size_t i = 0; i < opt.n_files; i++) {
		int rc = run_file(sp, i);

		if (rc > worst)
			worst = rc;
	}
	return worst;
}

/* Run as root, become the spool directory's owner and group before the
 * spool is touched, as local delivery agents do: files root made in a
 * spool the MTA's user owns (.lock, .seen/, daily files, mode 0640) would
 * make every later delivery by that user defer.  A spool root owns, or
 * one not made yet (spool_open makes it), keeps root.  Every failure,
 * and a process that could still regain root, is ERR_CONFIG: exit 75
 * (503 as CGI) with the reason. */
static int become_spool_owner(const char *spool, struct err *e)
{
	struct stat st;
	gid_t gid;
	int fd;

	if (geteuid() != 0)
		return 0;
	/* a spool that cannot be opened is left to spool_open and expire to
	 * report (and to make, when it does not exist), as without root */
	fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		err_set(e, ERR_CONFIG, "spool %s: %s", spool, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (st.st_uid == 0)
		return 0;
	gid = st.st_gid;
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(st.st_uid) < 0)
		return err_set(e, ERR_CONFIG, "cannot switch to the spool owner (uid %lu gid %lu): %s",
			       (unsigned long)st.st_uid, (unsigned long)gid, strerror(errno));
	if (setuid(0) == 0 || getuid() != st.st_uid || geteuid() != st.st_uid ||
	    getgid() != gid || getegid() != gid)
		return err_set(e, ERR_CONFIG, "switched to the spool owner (uid %lu gid %lu) "
			       "but could regain root", (unsigned long)st.st_uid, (unsigned long)gid);
	return 0;
}

/* --expire DAYS: retention, run from cron; never part of a delivery. */
static int run_expire(void)
{
	struct expire_stats st;
	struct err e;
	const char *fixed = getenv("TLSRPT_LDA_NOW");
	time_t now = fixed != NULL ? (time_t)strtoll(fixed, NULL, 10) : time(NULL);

	err_clear(&e);
	memset(&st, 0, sizeof st);
	if (expire_spool(opt.spool, opt.expire_days, now, opt.limits.lock_timeout_ms, &st, &e) < 0) {
		logmsg(LOG_ERR, "expire failed reason=\"%s\" deleted=%lu quarantine_deleted=%lu"
		       " markers_deleted=%lu", e.reason, st.daily_deleted, st.quarantine_deleted,
		       st.markers_deleted);
		return e.cls == ERR_USAGE ? EXIT_USAGE : EXIT_TEMPFAIL;
	}
	logmsg(LOG_INFO, "expired days=%d deleted=%lu index_deleted=%lu quarantine_deleted=%lu"
	       " markers_deleted=%lu kept=%lu", opt.expire_days, st.daily_deleted, st.index_deleted,
	       st.quarantine_deleted, st.markers_deleted, st.kept);
	return EXIT_OK;
}

/* --cgi among the arguments (before "--"): known before they are parsed,
 * so that a command line refused while parsing is answered as HTTP too.
 * Once parsed, opt.cgi alone decides ("--file --cgi" names a file). */
static int cgi_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--cgi") == 0)
			return 1;
	return 0;
}

/* A web server may have made a client's query string our argv (RFC 3875
 * section 4.4; Apache does).  Whatever it says, it is refused: with --cgi
 * as HTTP 400, without it as a bad command line, so that a delivery agent
 * run by a web server never takes its options from a client. */
static int refuse_query_argv(int cgi)
{
	if (!cgi) {
		fprintf(stderr, "tlsrpt-lda: the command line may be a web client's query string"
			" (GATEWAY_INTERFACE and QUERY_STRING are set); refused\n");
		return EXIT_USAGE;
	}
	logmsg(LOG_NOTICE, "http 400 reason=\"query string without '=' refused\"");
	return cgimain_respond(&opt, 400, "bad request: query string not accepted");
}

int main(int argc, char **argv)
{
	struct spool sp = { -1, -1, 0 };
	struct err e;
	int rc, cgi = cgi_asked(argc, argv);

	/* a file-size limit must be a write error we can roll back, not death */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	strlist_init(&opt.trusted);
	if (cgi_detect(getenv("GATEWAY_INTERFACE")) && cgi_query_is_argv(getenv("QUERY_STRING")))
		return refuse_query_argv(cgi);
	rc = parse_options(argc, argv);
	if (rc == OPTIONS_NOMEM) {
		logmsg(LOG_ERR, "deferred reason=\"out of memory\"");
		return cgi || opt.cgi ? cgimain_respond(&opt, 503, "temporary failure, retry later")
				      : EXIT_TEMPFAIL;
	}
	if (rc < 0) {
		if (!cgi && !opt.cgi)
			return EXIT_USAGE;      /* the reason is printed, the usage is not */
		logmsg(LOG_ERR, "deferred reason=\"bad command line (see tlsrpt-lda --help)\"");
		return cgimain_respond(&opt, 503, "temporary failure, retry later");
	}
	err_clear(&e);
	if (!opt.to_stdout)
		open_files_as_root();
	if (!opt.to_stdout && become_spool_owner(opt.spool, &e) < 0) {
		logmsg(LOG_ERR, "deferred reason=\"%s\"", e.reason);
		return opt.cgi ? cgimain_respond(&opt, 503, "temporary failure, retry later")
			       : EXIT_TEMPFAIL;
	}
	if (opt.cgi)
		return cgimain_run(&opt);
	if (opt.expire_days > 0)
		return run_expire();
	if (!opt.to_stdout && spool_open(&sp, opt.spool, &e) < 0) {
		logmsg(LOG_ERR, "deferred reason=\"%s\"", e.reason);
		return EXIT_TEMPFAIL;
	}
	rc = opt.n_files > 0 ? run_files(&sp) : run_mail(&sp);
	spool_close(&sp);
	return rc;
}
