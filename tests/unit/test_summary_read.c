/* Unit tests for tlsrpt-summary's dates, hash map and spool line reader. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "record.h"
#include "report.h"
#include "dedup.h"
#include "summap.h"
#include "sumdate.h"
#include "sumread.h"
#include "util.h"
#include "../tap.h"

static void test_dates(void)
{
	char out[SUM_DATE_LEN + 1];
	long day = -1;

	ok(sum_date_parse("1970-01-01", 10, &day) == 0 && day == 0, "epoch is day 0");
	ok(sum_date_parse("2026-05-18", 10, &day) == 0 && day == 20591, "2026-05-18 is day 20591");
	sum_date_format(20591, out);
	is_str(out, "2026-05-18", "day 20591 formats back");
	ok(sum_date_parse("2024-02-29", 10, &day) == 0, "leap day 2024 accepted");
	sum_date_format(day, out);
	is_str(out, "2024-02-29", "leap day round trip");
	ok(sum_date_parse("2000-02-29", 10, &day) == 0, "leap day 2000 accepted");
	ok(sum_date_parse("2100-02-29", 10, &day) < 0, "2100 is no leap year");
	ok(sum_date_parse("2026-02-30", 10, &day) < 0, "February 30 rejected");
	ok(sum_date_parse("2026-13-01", 10, &day) < 0, "month 13 rejected");
	ok(sum_date_parse("2026-5-18", 9, &day) < 0, "short form rejected");
	ok(sum_date_parse("2026-05-18x", 11, &day) < 0, "trailing byte rejected");
	ok(sum_date_parse("2026-05-1", 10, &day) < 0, "length beyond the string's digits rejected");
	ok(sum_date_parse("1969-12-31", 10, &day) < 0, "before 1970 rejected");
	is_int(sum_date_of(0), 0, "time 0 is day 0");
	is_int(sum_date_of(86399), 0, "last second of day 0");
	is_int(sum_date_of(1779105600), 20591, "2026-05-18T12:00:00Z");
	is_int(sum_date_of(-1), -1, "one second before the epoch is day -1");
}

static void test_map(void)
{
	struct sum_map m;
	long *v, *w;
	void **all;

	sum_map_init(&m, sizeof(long), 40, NULL);
	is_int(sum_map_get(&m, "a", 1, 0, (void **)&v), SUM_MAP_FULL, "lookup without create misses");
	ok(v == NULL, "miss gives NULL");
	is_int(sum_map_get(&m, "a", 1, 1, (void **)&v), SUM_MAP_NEW, "create");
	is_int(*v, 0, "new value is zeroed");
	*v = 7;
	is_int(sum_map_get(&m, "a\0b", 3, 1, (void **)&w), SUM_MAP_NEW, "key with NUL is distinct");
	is_int(sum_map_get(&m, "a", 1, 1, (void **)&w), SUM_MAP_FOUND, "found again");
	ok(w == v && *w == 7, "same value");
	is_str(sum_map_key(&m, v), "a", "key stored with value");
	for (int i = 0; i < 38; i++) {
		char k[16];

		snprintf(k, sizeof k, "k%d", i);
		if (sum_map_get(&m, k, strlen(k), 1, (void **)&w) != SUM_MAP_NEW)
			break;
		*w = i;
	}
	is_int(m.n, 40, "40 keys after growth");
	is_int(sum_map_get(&m, "x", 1, 1, (void **)&w), SUM_MAP_FULL, "cap refuses a new key");
	is_int(sum_map_get(&m, "k37", 3, 1, (void **)&w), SUM_MAP_FOUND, "old keys survive rehash");
	is_int(*w, 37, "with their values");
	all = sum_map_values(&m);
	ok(all != NULL, "values listed");
	free(all);
	sum_map_free(&m, NULL);
	is_int(m.n, 0, "freed");
}

static void test_arena(void)
{
	struct sum_arena a;
	struct sum_map m;
	char *p, *q, *big;
	long *v;
	int zero = 1;

	sum_arena_init(&a);
	p = sum_arena_alloc(&a, 3);
	q = sum_arena_alloc(&a, 5);
	ok(p != NULL && q != NULL && (size_t)(q - p) == _Alignof(max_align_t), "aligned bump");
	big = sum_arena_alloc(&a, 100000);
	ok(big != NULL, "big request");
	for (size_t i = 0; i < 100000; i++)
		zero &= big[i] == 0;
	ok(zero, "zeroed");
	ok(sum_arena_alloc(&a, 8) == q + _Alignof(max_align_t), "small ones continue the block");
	for (int i = 0; i < 20000; i++)
		if (sum_arena_alloc(&a, 24) == NULL)
			break;
	ok(sum_arena_alloc(&a, (size_t)-1) == NULL, "impossible size refused");
	sum_map_init(&m, sizeof(long), 100, &a);
	ok(sum_map_get(&m, "k", 1, 1, (void **)&v) == SUM_MAP_NEW && *v == 0, "map entry in arena");
	sum_map_free(&m, NULL);
	sum_arena_free(&a);
	ok(a.blocks == NULL, "arena freed");
}

struct got {
	int n;
	char domain[64], ptype[32], mode[16], org[64], rt[64], warn[64];
	unsigned long long success, failed, dsess;
	size_t ndetails, nwarnings;
	long day;
};

static int collect(void *arg, long day, const struct sum_rec *r, struct err *e)
{
	struct got *g = arg;

	(void)e;
	g->n++;
	g->day = day;
	snprintf(g->domain, sizeof g->domain, "%s", r->domain);
	snprintf(g->ptype, sizeof g->ptype, "%s", r->policy_type);
	snprintf(g->mode, sizeof g->mode, "%s", r->mode ? r->mode : "(null)");
	snprintf(g->org, sizeof g->org, "%s", r->org ? r->org : "(null)");
	g->success = r->success;
	g->failed = r->failed;
	g->ndetails = r->ndetails;
	g->nwarnings = r->nwarnings;
	snprintf(g->rt, sizeof g->rt, "%s", r->ndetails ? r->details[0].result_type : "");
	g->dsess = r->ndetails ? r->details[0].sessions : 0;
	snprintf(g->warn, sizeof g->warn, "%s", r->nwarnings ? r->warnings[0] : "");
	return 0;
}

#define REC(mode, extra) "{\"organization_name\":\"Org\",\"policy_domain\":\"example.com\"," \
	"\"policy_type\":\"sts\",\"policy_strings\":[\"version: STSv1\",\"" mode "\"]," \
	"\"successful_session_count\":10,\"failed_session_count\":2" extra "}"

static int line(struct sum_read *r, const char *s, struct got *g, struct sum_read_stats *st)
{
	return sum_read_line(r, s, strlen(s), 5, collect, g, st, NULL);
}

static void test_lines(void)
{
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st = { .lines = 0 };
	struct got g = { 0 };
	static const char nul_line[] = "{\"a\":1}\0{}";

	ok(r != NULL, "reader created");
	line(r, REC("mode: enforce", ",\"failure_details\":[{\"result_type\":\"certificate-expired\","
		    "\"failed_session_count\":2,\"sending_mta_ip\":null}],\"warnings\":[\"w1\"]"), &g, &st);
	is_int(g.n, 1, "record handed over");
	is_str(g.domain, "example.com", "domain");
	is_str(g.mode, "enforce", "mode from policy_strings");
	is_int(g.success, 10, "successful count");
	is_int(g.failed, 2, "failed count");
	is_str(g.rt, "certificate-expired", "result type");
	is_int(g.dsess, 2, "detail sessions");
	is_str(g.warn, "w1", "warning");
	is_int(g.day, 5, "day passed through");
	line(r, REC("mode:testing  ", ""), &g, &st);
	is_str(g.mode, "testing", "mode without space, trailing blanks");
	line(r, REC("mode: bogus", ""), &g, &st);
	is_str(g.mode, "(null)", "unknown mode is NULL");
	line(r, REC("mode: enforce", ",\"failure_details\":null,\"warnings\":null") "\r", &g, &st);
	is_int(g.n, 4, "nulls and CR accepted");
	is_int(st.skipped, 0, "nothing skipped so far");
	line(r, "   ", &g, &st);
	is_int(st.lines, 4, "blank line not counted");
	line(r, "not json", &g, &st);
	line(r, "{\"policy_domain\":\"example.com\"", &g, &st);
	line(r, "[1,2]", &g, &st);
	line(r, "{\"policy_domain\":\"x\",\"policy_type\":\"sts\",\"failed_session_count\":1}", &g, &st);
	line(r, REC("mode: enforce", ",\"x\":1") "garbage", &g, &st);
	is_int(st.skipped, 5, "garbage, truncated, array, missing count, trailing bytes skipped");
	sum_read_line(r, nul_line, sizeof nul_line - 1, 5, collect, &g, &st, NULL);
	is_int(st.skipped, 6, "NUL inside a line skipped");
	line(r, "{\"policy_domain\":\"x\",\"policy_type\":\"sts\",\"successful_session_count\":-1,"
	     "\"failed_session_count\":1}", &g, &st);
	line(r, "{\"policy_domain\":\"x\",\"policy_type\":\"sts\",\"successful_session_count\":\"5\","
	     "\"failed_session_count\":1}", &g, &st);
	line(r, "{\"policy_domain\":\"x\",\"policy_type\":\"sts\",\"successful_session_count\":1,"
	     "\"failed_session_count\":1,\"failure_details\":[7]}", &g, &st);
	line(r, "{\"policy_domain\":\"\xff\",\"policy_type\":\"sts\",\"successful_session_count\":1,"
	     "\"failed_session_count\":1}", &g, &st);
	is_int(st.skipped, 10, "negative, string count, non-object detail, bad UTF-8 skipped");
	is_int(g.n, 4, "none of them handed over");
	is_int(st.records, 4, "records counted");
	sum_read_require(r, "\"result_type\"");
	line(r, REC("mode: enforce", ""), &g, &st);
	line(r, "garbage without the needle", &g, &st);
	is_int(st.filtered, 2, "lines without the needle not parsed");
	line(r, REC("mode: enforce", ",\"failure_details\":[{\"result_type\":\"x\"}]"), &g, &st);
	is_int(g.n, 5, "line with the needle parsed");
	is_str(g.rt, "x", "its detail read");
	sum_read_require(r, NULL);
	line(r, REC("mode: enforce", ""), &g, &st);
	is_int(g.n, 6, "filter off again");
	/* what tlsrpt-lda stores when the report gave no policy-domain and no
	 * failure total (mail-auth's rpt03.json) */
	line(r, "{\"organization_name\":\"Org\",\"policy_domain\":null,\"policy_type\":\"sts\","
	     "\"successful_session_count\":1,\"failed_session_count\":null}", &g, &st);
	is_int(g.n, 6, "policy_domain null: not handed over (no domain \"\" made up)");
	is_int(st.no_domain, 1, "policy_domain null: counted apart");
	is_int(st.skipped, 10, "policy_domain null: not counted as unparsable");
	line(r, "{\"organization_name\":\"Org\",\"policy_type\":\"sts\","
	     "\"successful_session_count\":1,\"failed_session_count\":1}", &g, &st);
	is_int(st.skipped, 11, "policy_domain missing altogether: not a record");
	line(r, "{\"organization_name\":\"Org\",\"policy_domain\":\"example.com\",\"policy_type\":"
	     "\"sts\",\"successful_session_count\":3,\"failed_session_count\":null}", &g, &st);
	is_int(g.n, 7, "failed_session_count null: handed over");
	is_int(g.failed, 0, "failed_session_count null: read as 0");
	sum_read_free(r);
}

/* Only the members the summary reads are parsed (sumread cuts the line
 * down); a line the cut cannot handle is parsed whole, as before. */
static void test_cut(void)
{
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st = { .lines = 0 };
	struct got g = { 0 };

	line(r, "{\"contact_info\":\"a \\\"b\\\" {[c\",\"dkim\":{\"result\":\"pass\",\"domain\":null,"
	     "\"aligned\":true}," "\"organization_name\":\"Org\",\"policy_domain\":\"cut.example\","
	     "\"policy_type\":\"sts\",\"successful_session_count\":4,\"failed_session_count\":1,"
	     "\"failure_details\":[{\"result_type\":\"x\",\"failed_session_count\":1}],"
	     "\"received_at\":\"2026-05-19T00:00:00Z\"}", &g, &st);
	is_int(g.n, 1, "cut: record among unused members (quotes and brackets in a string)");
	is_str(g.domain, "cut.example", "cut: domain");
	is_int(g.dsess, 1, "cut: its detail");
	line(r, REC("mode: enforce", ",\"policy\\u005fdomain\":\"esc.example\""), &g, &st);
	is_int(g.n, 2, "escaped member name: parsed whole");
	is_str(g.domain, "esc.example", "escaped member name: json-c's reading (the last wins)");
	line(r, REC("mode: enforce", ",\"policy_domain\":\"twice.example\""), &g, &st);
	is_str(g.domain, "twice.example", "a member given twice: the last wins, as in json-c");
	line(r, "{\"organization_name\":\"Org\",\"policy_domain\":\"x\xc3\",\"policy_type\":\"sts\","
	     "\"successful_session_count\":1,\"failed_session_count\":1}", &g, &st);
	line(r, REC("mode: enforce", ",\"failure_details\":[{\"result_type\":1e}]"), &g, &st);
	line(r, REC("mode: enforce", ",\"x\":[1,2") , &g, &st);
	line(r, REC("mode: enforce", ",") , &g, &st);
	is_int(st.skipped, 4, "bad UTF-8, a bad number, an open array, a trailing comma: skipped");
	is_int(g.n, 3, "none of them handed over");
	sum_read_free(r);
}

/* Write s to a temporary file and read it back through sum_read_fd. */
static void read_text(struct sum_read *r, const char *s, size_t n, struct got *g,
		      struct sum_read_stats *st)
{
	static long day = 3;    /* a day of its own: the files of one day share one duplicate set */
	char path[] = "/tmp/test_summary_read.XXXXXX";
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, s, n) == (ssize_t)n && lseek(fd, 0, SEEK_SET) == 0, "temp file");
	unlink(path);
	memset(st, 0, sizeof *st);
	ok(sum_read_fd(r, fd, day++, collect, g, st, NULL) == 0, "file read");
	close(fd);
}

static void test_stream(void)
{
	struct sum_read *r = sum_read_new(100000, NULL);
	struct sum_read_stats st;
	struct got g = { 0 };
	struct buf b;
	const char *rec = REC("mode: enforce", "");

	buf_init(&b);
	/* a record padded past the 64 KiB chunk, then one too long, then a
	 * normal one without its final newline */
	buf_append_str(&b, rec);
	b.n--;
	buf_append_str(&b, ",\"pad\":\"");
	for (int i = 0; i < 70000; i++)
		buf_append_byte(&b, 'x');
	buf_append_str(&b, "\"}\n{\"too\":\"");
	for (int i = 0; i < 150000; i++)
		buf_append_byte(&b, 'y');
	buf_append_str(&b, "\"}\n\n");
	buf_append_str(&b, rec);
	read_text(r, (char *)b.p, b.n, &g, &st);
	is_int(st.lines, 3, "three non-empty lines");
	is_int(st.records, 2, "line across chunks and last line without newline parsed");
	is_int(st.skipped, 1, "over-long line skipped");
	is_int(g.n, 2, "two records handed over");
	read_text(r, "{\"a\":", 5, &g, &st);
	is_int(st.skipped, 1, "truncated last line skipped");
	sum_read_free(r);
	buf_free(&b);
}

static int stop(void *arg, long day, const struct sum_rec *r, struct err *e)
{
	(void)arg;
	(void)day;
	(void)r;
	return err_set(e, ERR_TEMP, "stop here");
}

static void test_day_files(void)
{
	char dir[] = "/tmp/test_summary_day.XXXXXX", path[256];
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st = { .lines = 0 };
	struct got g = { 0 };
	struct err e;
	unsigned long q = 99;
	int dfd, fd;
	long day;

	ok(mkdtemp(dir) != NULL, "temp dir");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	sum_date_parse("2026-05-18", 10, &day);
	is_int(sum_read_day(r, dfd, day, collect, &g, &st, &e), 0, "missing day file is no error");
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, REC("mode: enforce", "") "\n", strlen(REC("mode: enforce", "")) + 1) > 0,
	   "day file written");
	close(fd);
	is_int(sum_read_day(r, dfd, day, collect, &g, &st, &e), 1, "day file read");
	is_int(g.day, day, "records carry the file's day");
	is_int(sum_read_day(r, dfd, day, stop, &g, &st, &e), -1, "callback error stops");
	is_str(e.reason, "2026-05-18.jsonl: stop here", "reason names the file");
	snprintf(path, sizeof path, "%s/2026-05-17.jsonl", dir);
	mkdir(path, 0700);
	is_int(sum_read_day(r, dfd, day - 1, collect, &g, &st, &e), -1, "a directory is refused");
	is_int(e.cls, ERR_CONFIG, "as a configuration error");
	is_int(sum_read_quarantine(dfd, &q, &e), 0, "no quarantine is fine");
	is_int(q, 0, "and counts 0");
	snprintf(path, sizeof path, "%s/quarantine", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/quarantine/new", dir);
	mkdir(path, 0700);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/quarantine/new/m%d", dir, i);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	snprintf(path, sizeof path, "%s/quarantine/new/.hidden", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	is_int(sum_read_quarantine(dfd, &q, &e), 0, "quarantine counted");
	is_int(q, 3, "three messages, dot files ignored");
	close(dfd);
	sum_read_free(r);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleanup");
}

/* A report of n failure details, as a reporter sends it; every detail
 * the same size, so the line grows by the same step per detail. */
static void big_report(struct buf *j, size_t n)
{
	buf_reset(j);
	buf_append_str(j, "{\"organization-name\":\"Big Mail\",\"date-range\":{\"start-datetime\":"
		       "\"2026-05-17T00:00:00Z\",\"end-datetime\":\"2026-05-17T23:59:59Z\"},"
		       "\"contact-info\":\"tlsrpt@big.example\",\"report-id\":\"big-1\","
		       "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
		       "\"example.com\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\","
		       "\"mx: mx.example.com\",\"max_age: 86400\"],\"mx-host\":[\"mx.example.com\"]},"
		       "\"summary\":{\"total-successful-session-count\":1,"
		       "\"total-failure-session-count\":");
	buf_appendf(j, "%zu},\"failure-details\":[", n);
	for (size_t i = 0; i < n; i++)
		buf_appendf(j, "%s{\"result-type\":\"validation-failure\",\"sending-mta-ip\":"
			    "\"192.0.2.1%zu\",\"receiving-mx-hostname\":\"mx.example.com\","
			    "\"failed-session-count\":1,\"failure-reason-code\":\"X509_V_ERR_%zu\"}",
			    i ? "," : "", i % 10, i % 10);
	buf_append_str(j, "]}]}");
}

/* Length of the one line tlsrpt-lda writes for big_report(n), 0 when it
 * refuses it (then *cls says why). */
static size_t lda_line(struct buf *j, size_t n, struct buf *line, int *cls)
{
	static const struct record_meta meta = { "2026-05-18T08:00:00Z", "mail", NULL, NULL,
						 NULL, NULL, NULL, NULL };
	struct limits l;
	struct report rep;
	struct err e;
	size_t len = 0;

	limits_default(&l);
	big_report(j, n);
	buf_reset(line);
	*cls = ERR_OK;
	if (report_parse(j->p, j->n, &l, NULL, &rep, &e) < 0) {
		*cls = e.cls;
		return 0;
	}
	if (record_format(&rep, &meta, line, &e) < 0)
		*cls = e.cls;
	else
		len = line->n - 1;
	report_free(&rep);
	return len;
}

/* The largest report tlsrpt-lda stores is read back whole: writer and
 * reader share RECORD_MAX_LINE (the writer stops RECORD_WARN_ROOM short,
 * room for a conflict warning added later); one detail more and the
 * writer refuses. */
static void test_largest(void)
{
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st = { .lines = 0 };
	struct buf j, line;
	struct got g;
	struct err e;
	size_t one, two, n, len;
	int cls, fd;
	char path[] = "/tmp/test_summary_read.XXXXXX";

	buf_init(&j);
	buf_init(&line);
	one = lda_line(&j, 1, &line, &cls);
	two = lda_line(&j, 2, &line, &cls);
	ok(one > 0 && two > one, "per-detail line size measured");
	n = (RECORD_MAX_LINE - RECORD_WARN_ROOM - one) / (two - one) + 1;
	len = lda_line(&j, n, &line, &cls);
	printf("# %zu details: report %zu bytes, line %zu bytes (limit %zu)\n", n, j.n, len,
	       RECORD_MAX_LINE - RECORD_WARN_ROOM);
	ok(j.n <= LIMIT_MAX_REPORT, "the report fits the default --max-report");
	ok(len > RECORD_MAX_LINE - RECORD_WARN_ROOM - (two - one) &&
	   len <= RECORD_MAX_LINE - RECORD_WARN_ROOM, "the writer stores a line just under its limit");
	ok(record_add_warning(&line, RECORD_CONFLICT_WARNING ": organization_name and report_id match "
			      "4294967295 stored reports with different content; both kept", &e) == 0 &&
	   line.n - 1 <= RECORD_MAX_LINE, "with the conflict warning added it still fits the reader");
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, line.p, line.n) == (ssize_t)line.n && lseek(fd, 0, SEEK_SET) == 0,
	   "line written to a file");
	memset(&g, 0, sizeof g);
	is_int(sum_read_fd(r, fd, 5, collect, &g, &st, NULL), 0, "largest line: read");
	ok(g.n == 1 && st.skipped == 0 && g.ndetails == n && g.failed == n,
	   "largest line: one record, every detail, nothing skipped");
	close(fd);
	unlink(path);
	ok(lda_line(&j, n + 1, &line, &cls) == 0 && cls == ERR_INPUT && line.n == 0,
	   "one detail more: the writer refuses (bad input, quarantined), writes nothing");
	buf_free(&j);
	buf_free(&line);
	sum_read_free(r);
}

/* one policy of report r1 of Org, as tlsrpt-lda writes it */
#define COPY(failed, recv, dkim) "{\"organization_name\":\"Org\",\"report_id\":\"r1\"," \
	"\"begin_date\":\"2026-05-18T00:00:00Z\",\"policy_domain\":\"example.com\",\"policy_type\":\"sts\"," \
	"\"policy_strings\":[],\"mx_host_patterns\":[],\"successful_session_count\":100," \
	"\"failed_session_count\":" failed ",\"received_at\":\"" recv "\",\"dkim\":" dkim ",\"warnings\":[]}\n"
#define PASS "{\"result\":\"pass\",\"domain\":\"example.com\",\"aligned\":true}"
#define UNALIGNED "{\"result\":\"pass\",\"domain\":\"forger.example\",\"aligned\":false}"

/* Forged-first: copies of one report's policy with other content. */
static void test_conflicts(void)
{
	static const char forged_real[] = COPY("0", "2026-05-19T08:00:00Z", UNALIGNED)
		COPY("500", "2026-05-19T09:00:00Z", PASS) COPY("500", "2026-05-20T10:00:00Z", "null");
	static const char real_forged[] = COPY("500", "2026-05-19T09:00:00Z", PASS)
		COPY("0", "2026-05-19T08:00:00Z", "null");
	static const char no_dkim[] = COPY("0", "2026-05-19T08:00:00Z", "null")
		COPY("500", "2026-05-19T09:00:00Z", "null");
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st;
	struct got g = { 0 };

	read_text(r, forged_real, sizeof forged_real - 1, &g, &st);
	is_int(g.n, 2, "one pass: both contents handed on");
	ok(st.conflicts == 1 && st.duplicates == 1 && st.conflicts_dropped == 0,
	   "... one conflicting copy counted, the redelivery (other received_at and dkim) a duplicate");
	sum_read_conflicts(r, 1);
	memset(&g, 0, sizeof g);
	read_text(r, forged_real, sizeof forged_real - 1, &g, &st);
	is_int(g.n, 1, "two passes: only the copy with an aligned DKIM pass");
	is_int(g.failed, 500, "... the real figures");
	ok(st.conflicts == 0 && st.duplicates == 1 && st.conflicts_dropped == 1,
	   "... the other copy counted as left out");
	is_str(st.example, "\"Org\" \"r1\"", "... and named");
	memset(&g, 0, sizeof g);
	read_text(r, real_forged, sizeof real_forged - 1, &g, &st);
	ok(g.n == 1 && g.failed == 500 && st.conflicts_dropped == 1, "the real copy first: the same");
	memset(&g, 0, sizeof g);
	read_text(r, no_dkim, sizeof no_dkim - 1, &g, &st);
	ok(g.n == 2 && st.conflicts == 1 && st.conflicts_dropped == 0,
	   "no DKIM verdicts to choose by: both handed on, the conflict counted");
	sum_read_conflicts(r, 0);
	sum_read_free(r);
}

/* sum_read_day reads a day twice when its index flags a conflict. */
static void test_conflict_day(void)
{
	static const char text[] = COPY("0", "2026-05-19T08:00:00Z", "null")
		COPY("500", "2026-05-19T09:00:00Z", PASS);
	char dir[] = "/tmp/test_summary_conflict.XXXXXX", path[256];
	unsigned char ent[2 * DEDUP_ENTRY_LEN];
	struct sum_read *r = sum_read_new(SUM_MAX_LINE, NULL);
	struct sum_read_stats st;
	struct got g = { 0 };
	struct err e;
	int dfd, fd;
	long day;

	ok(mkdtemp(dir) != NULL, "temp dir");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	sum_date_parse("2026-05-18", 10, &day);
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, text, sizeof text - 1) == sizeof text - 1, "day file written");
	close(fd);
	memset(&st, 0, sizeof st);
	is_int(sum_read_day(r, dfd, day, collect, &g, &st, &e), 1, "no index: read");
	ok(g.n == 2 && st.conflicts == 1, "... once: both copies, the conflict counted");
	memset(ent, 0, sizeof ent);
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, ent, sizeof ent) == sizeof ent, "an index without the conflict flag");
	close(fd);
	memset(&g, 0, sizeof g);
	memset(&st, 0, sizeof st);
	sum_read_free(r);       /* a new reader: one day's files share a duplicate set */
	r = sum_read_new(SUM_MAX_LINE, NULL);
	sum_read_day(r, dfd, day, collect, &g, &st, &e);
	ok(g.n == 2 && st.conflicts == 1, "... read once");
	ent[DEDUP_ENTRY_LEN + DEDUP_ENTRY_FLAGS] = DEDUP_FLAG_CONFLICT;
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, ent, sizeof ent) == sizeof ent, "the second entry flagged");
	close(fd);
	memset(&g, 0, sizeof g);
	memset(&st, 0, sizeof st);
	sum_read_free(r);
	r = sum_read_new(SUM_MAX_LINE, NULL);
	is_int(sum_read_day(r, dfd, day, collect, &g, &st, &e), 1, "flagged: read");
	ok(g.n == 1 && g.failed == 500 && st.conflicts_dropped == 1,
	   "... twice: the copy with an aligned DKIM pass only");
	close(dfd);
	sum_read_free(r);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleanup");
}

int main(void)
{
	test_dates();
	test_map();
	test_arena();
	test_lines();
	test_cut();
	test_stream();
	test_day_files();
	test_largest();
	test_conflicts();
	test_conflict_day();
	return tap_done();
}
