/* Unit tests for record.c: exact golden lines, escaping, one line per
 * policy, UTF-8 cleaning of meta strings, stable bytes, and that every line
 * reads back as the same values through json-c. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "record.h"
#include "sha256.h"
#include "dedup.h"
#include "../tap.h"

static void add_policy(struct report *r, const char *domain)
{
	struct policy *p;

	r->policies = realloc(r->policies, (r->n_policies + 1) * sizeof *p);
	p = &r->policies[r->n_policies++];
	memset(p, 0, sizeof *p);
	strlist_init(&p->policy_strings);
	strlist_init(&p->mx_host_patterns);
	strlist_init(&p->warnings);
	p->policy_type = strdup("sts");
	p->policy_domain = strdup(domain);
}

static void make_report(struct report *r)
{
	report_init(r);
	r->organization_name = strdup("Org");
	r->contact_info = strdup("c@example");
	r->report_id = strdup("id-1");
	memcpy(r->begin_date, "2024-01-09T00:00:00Z", 21);
	memcpy(r->end_date, "2024-01-09T23:59:59Z", 21);
	r->begin = 1704758400;
}

static void add_detail(struct policy *p, const char *type, int64_t count)
{
	struct failure_detail *d;

	p->details = realloc(p->details, (p->n_details + 1) * sizeof *d);
	d = &p->details[p->n_details++];
	memset(d, 0, sizeof *d);
	d->result_type = strdup(type);
	d->failed_session_count = count;
}

static const struct record_meta META = {
	.received_at = "2024-01-10T08:00:00Z", .source = "mail",
	.message_id = "<m1@example>", .submitter = "Sender Org",
	.recipient = "tlsrpt@example.com"
};

static void test_golden_full(void)
{
	struct report r;
	struct policy *p;
	struct failure_detail *d;
	struct strlist extra;
	struct record_meta m = META;
	struct record_dkim dkim = { "pass", "Example.com", 1 };
	struct buf b;
	struct err e;

	make_report(&r);
	add_policy(&r, "example.com");
	p = &r.policies[0];
	strlist_add(&p->policy_strings, "version: STSv1");
	strlist_add(&p->policy_strings, "mode: enforce");
	strlist_add(&p->mx_host_patterns, "*.example.com");
	p->successful_session_count = 5326;
	p->failed_session_count = 303;
	add_detail(p, "starttls-not-supported", 200);
	d = &p->details[0];
	d->sending_mta_ip = strdup("2001:db8::1");
	d->receiving_ip = strdup("203.0.113.56");
	d->receiving_mx_hostname = strdup("mx2.example.com");
	d->receiving_mx_helo = strdup("mx2 ESMTP");
	d->additional_info_uri = strdup("https://r.example/i?id=1#x");
	d->failure_reason_code = strdup("X509_E");
	add_detail(p, "validation-failure", 3);
	strlist_add(&r.warnings, "contact-info missing");
	strlist_add(&p->warnings, "policies[0].policy.mx-host is a string, not "
		    "an array");
	strlist_init(&extra);
	strlist_add(&extra, "trailing garbage after gzip member");
	m.extra_warnings = &extra;
	m.client_ip = "2001:db8::7";
	m.dkim = &dkim;
	buf_init(&b);
	is_int(record_format(&r, &m, &b, &e), 0, "full: formatted");
	is_str((const char *)b.p,
	       "{\"organization_name\":\"Org\",\"contact_info\":\"c@example\","
	       "\"report_id\":\"id-1\",\"begin_date\":\"2024-01-09T00:00:00Z\","
	       "\"end_date\":\"2024-01-09T23:59:59Z\",\"policy_domain\":"
	       "\"example.com\",\"policy_type\":\"sts\",\"policy_strings\":["
	       "\"version: STSv1\",\"mode: enforce\"],\"mx_host_patterns\":["
	       "\"*.example.com\"],\"successful_session_count\":5326,"
	       "\"failed_session_count\":303,\"failure_details\":[{"
	       "\"result_type\":\"starttls-not-supported\",\"failed_session_"
	       "count\":200,\"sending_mta_ip\":\"2001:db8::1\",\"receiving_ip\":"
	       "\"203.0.113.56\",\"receiving_mx_hostname\":\"mx2.example.com\","
	       "\"receiving_mx_helo\":\"mx2 ESMTP\",\"additional_info_uri\":"
	       "\"https://r.example/i?id=1#x\",\"failure_reason_code\":"
	       "\"X509_E\"},{\"result_type\":\"validation-failure\","
	       "\"failed_session_count\":3,\"sending_mta_ip\":null,"
	       "\"receiving_ip\":null,\"receiving_mx_hostname\":null,"
	       "\"receiving_mx_helo\":null,\"additional_info_uri\":null,"
	       "\"failure_reason_code\":null}],\"received_at\":"
	       "\"2024-01-10T08:00:00Z\",\"source\":\"mail\",\"message_id\":"
	       "\"<m1@example>\",\"submitter\":\"Sender Org\",\"recipient\":"
	       "\"tlsrpt@example.com\",\"client_ip\":\"2001:db8::7\",\"dkim\":"
	       "{\"result\":\"pass\",\"domain\":\"Example.com\",\"aligned\":true},"
	       "\"warnings\":[\"contact-info missing\","
	       "\"policies[0].policy.mx-host is a string, not an array\","
	       "\"trailing garbage after gzip member\"]}\n",
	       "full: golden line");
	strlist_free(&extra);
	buf_free(&b);
	report_free(&r);
}

static void test_golden_nulls(void)
{
	struct report r;
	struct record_meta m = { .received_at = NULL };
	struct buf b;
	struct err e;

	make_report(&r);
	free(r.contact_info);
	r.contact_info = NULL;
	add_policy(&r, "");
	/* what report_parse leaves when the report gave no policy-domain
	 * (and no fallback) and no failure total */
	free(r.policies[0].policy_domain);
	r.policies[0].policy_domain = NULL;
	r.policies[0].failed_session_count = REPORT_COUNT_ABSENT;
	r.policies[0].successful_session_count = INT64_MAX;
	buf_init(&b);
	is_int(record_format(&r, &m, &b, &e), 0, "nulls: formatted");
	is_str((const char *)b.p,
	       "{\"organization_name\":\"Org\",\"contact_info\":null,"
	       "\"report_id\":\"id-1\",\"begin_date\":\"2024-01-09T00:00:00Z\","
	       "\"end_date\":\"2024-01-09T23:59:59Z\",\"policy_domain\":null,"
	       "\"policy_type\":\"sts\",\"policy_strings\":[],"
	       "\"mx_host_patterns\":[],\"successful_session_count\":"
	       "9223372036854775807,\"failed_session_count\":null,"
	       "\"failure_details\":[],\"received_at\":null,\"source\":null,"
	       "\"message_id\":null,\"submitter\":null,\"recipient\":null,"
	       "\"client_ip\":null,\"dkim\":null,\"warnings\":[]}\n", "nulls: golden line");
	{
		struct buf b2;

		buf_init(&b2);
		is_int(record_format(&r, NULL, &b2, &e), 0, "NULL meta: formatted");
		is_mem(b2.p, b2.n, b.p, b.n, "NULL meta: same as all-null meta");
		buf_free(&b2);
	}
	buf_free(&b);
	report_free(&r);
}

static void test_escaping(void)
{
	struct report r;
	struct strlist extra;
	struct record_meta m = META;
	struct record_dkim dkim = { "f\"\n\xff", NULL, 0 };
	struct buf b;
	struct err e;

	make_report(&r);
	free(r.organization_name);
	r.organization_name = strdup("q\"b\\s/\n\r\t\b\f\x01\x1f\x7f"
				     "\xe2\x80\xa8\xc3\xa9");
	add_policy(&r, "d");
	strlist_add(&r.policies[0].policy_strings, "line1\nline2");
	/* the hash's cut, inside a string: escaped, so not cut there */
	strlist_add(&r.policies[0].policy_strings, ",\"received_at\":");
	m.message_id = "<\xff@x>";
	m.submitter = "ok \xe2\x82";   /* truncated sequence */
	m.dkim = &dkim;
	strlist_init(&extra);
	strlist_add(&extra, "bad \xc0\xaf");
	m.extra_warnings = &extra;
	buf_init(&b);
	is_int(record_format(&r, &m, &b, &e), 0, "escaping: formatted");
	is_str((const char *)b.p,
	       "{\"organization_name\":\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001"
	       "\\u001f\x7f\xe2\x80\xa8\xc3\xa9\",\"contact_info\":\"c@example\","
	       "\"report_id\":\"id-1\",\"begin_date\":\"2024-01-09T00:00:00Z\","
	       "\"end_date\":\"2024-01-09T23:59:59Z\",\"policy_domain\":\"d\","
	       "\"policy_type\":\"sts\",\"policy_strings\":[\"line1\\nline2\","
	       "\",\\\"received_at\\\":\"],"
	       "\"mx_host_patterns\":[],\"successful_session_count\":0,"
	       "\"failed_session_count\":0,\"failure_details\":[],"
	       "\"received_at\":\"2024-01-10T08:00:00Z\",\"source\":\"mail\","
	       "\"message_id\":\"<\xef\xbf\xbd@x>\",\"submitter\":\"ok "
	       "\xef\xbf\xbd\xef\xbf\xbd\",\"recipient\":\"tlsrpt@example.com\","
	       "\"client_ip\":null,\"dkim\":{\"result\":\"f\\\"\\n\xef\xbf\xbd\","
	       "\"domain\":null,\"aligned\":false},"
	       "\"warnings\":[\"bad \xef\xbf\xbd\xef\xbf\xbd\"]}\n",
	       "escaping: golden line");
	ok(utf8_valid(b.p, b.n), "escaping: output is valid UTF-8");
	strlist_free(&extra);
	buf_free(&b);
	report_free(&r);
}

/* Every line: one JSON object that json-c reads back to the same values. */
static void test_lines(void)
{
	struct report r;
	struct buf b, again;
	struct err e;
	const char *prefix = "earlier line\n";
	size_t newlines = 0, ctl = 0;

	make_report(&r);
	free(r.organization_name);
	r.organization_name = strdup("A\nB\r\n\"C\"\\\x01");
	add_policy(&r, "one.example");
	add_policy(&r, "two\n.example");
	add_detail(&r.policies[1], "x\ny", 7);
	buf_init(&b);
	buf_append_str(&b, prefix);
	is_int(record_format(&r, &META, &b, &e), 0, "lines: formatted");
	ok(b.n > strlen(prefix) && memcmp(b.p, prefix, strlen(prefix)) == 0,
	   "lines: earlier contents kept");
	for (size_t i = strlen(prefix); i < b.n; i++) {
		newlines += b.p[i] == '\n';
		ctl += b.p[i] < 0x20 && b.p[i] != '\n';
	}
	is_int(newlines, 2, "lines: one line per policy");
	is_int(ctl, 0, "lines: no raw control characters");
	is_int(b.p[b.n - 1], '\n', "lines: ends with newline");
	{
		const char *line = (const char *)b.p + strlen(prefix);
		const char *nl = strchr(line, '\n');
		json_object *o, *v;

		o = json_tokener_parse(strchr(nl + 1, '{'));
		ok(o != NULL, "lines: second line is JSON");
		ok(json_object_object_get_ex(o, "organization_name", &v) &&
		   strcmp(json_object_get_string(v), r.organization_name) == 0,
		   "lines: organization_name round-trips");
		ok(json_object_object_get_ex(o, "policy_domain", &v) &&
		   strcmp(json_object_get_string(v), "two\n.example") == 0,
		   "lines: policy_domain round-trips");
		ok(json_object_object_get_ex(o, "failure_details", &v) &&
		   json_object_array_length(v) == 1, "lines: details array");
		json_object_put(o);
	}
	buf_init(&again);
	buf_append_str(&again, prefix);
	record_format(&r, &META, &again, &e);
	is_mem(again.p, again.n, b.p, b.n, "lines: same input, same bytes");
	buf_free(&again);
	buf_free(&b);
	report_free(&r);
}

/* From report JSON through to a line, with hostile strings. */
static void test_through_parse(void)
{
	static const char json[] =
		"{\"organization-name\":\"Evil\\nOrg\\u0000\\\"\",\"date-range\":"
		"{\"start-datetime\":\"2024-01-09T00:00:00Z\",\"end-datetime\":"
		"\"2024-01-09T23:59:59Z\"},\"contact-info\":\"\xff\",\"report-"
		"id\":\"r\\u2028\",\"policies\":[{\"policy\":{\"policy-type\":"
		"\"sts\",\"policy-domain\":\"d\"},\"summary\":{\"total-successful-"
		"session-count\":1,\"total-failure-session-count\":0}}]}";
	struct limits l;
	struct report r;
	struct buf b;
	struct err e;

	limits_default(&l);
	is_int(report_parse((const unsigned char *)json, sizeof json - 1, &l,
			    NULL, &r, &e), 0, "parse: accepted");
	buf_init(&b);
	is_int(record_format(&r, &META, &b, &e), 0, "parse: formatted");
	is_str((const char *)b.p,
	       "{\"organization_name\":\"Evil\\nOrg\xef\xbf\xbd\\\"\","
	       "\"contact_info\":\"\xef\xbf\xbd\",\"report_id\":\"r\xe2\x80\xa8\","
	       "\"begin_date\":\"2024-01-09T00:00:00Z\",\"end_date\":"
	       "\"2024-01-09T23:59:59Z\",\"policy_domain\":\"d\",\"policy_type\":"
	       "\"sts\",\"policy_strings\":[],\"mx_host_patterns\":[],"
	       "\"successful_session_count\":1,\"failed_session_count\":0,"
	       "\"failure_details\":[],\"received_at\":\"2024-01-10T08:00:00Z\","
	       "\"source\":\"mail\",\"message_id\":\"<m1@example>\",\"submitter\":"
	       "\"Sender Org\",\"recipient\":\"tlsrpt@example.com\",\"client_ip\":null,"
	       "\"dkim\":null,\"warnings\":"
	       "[\"organization-name had invalid UTF-8 (replaced)\","
	       "\"contact-info had invalid UTF-8 (replaced)\"]}\n",
	       "parse: golden line");
	buf_free(&b);
	report_free(&r);
}

/* A batch of tens of megabytes, grown as it is written: the same bytes
 * as one detail's line repeated, with strings that need escapes and
 * cleaning (the later copies come from where the first was written), and
 * hashed many steps at a time. */
static void test_big_batch(void)
{
	enum { N = 40000 };
	struct report r;
	struct policy *p;
	struct buf one, big;
	struct err e;
	const char *d0, *d1;
	size_t head, tail, each, ok_bytes = 1;

	make_report(&r);
	add_policy(&r, "example.com");
	p = &r.policies[0];
	add_detail(p, "starttls-not-supported", 12);
	p->details[0].sending_mta_ip = strdup("192.0.2.1");
	p->details[0].receiving_mx_helo = strdup("q\"\x01\xff end");
	p->details[0].additional_info_uri = strdup("https://x.example/a/b?c=d");
	buf_init(&one);
	record_format(&r, &META, &one, &e);
	p->details = realloc(p->details, N * sizeof *p->details);
	for (size_t i = 1; i < N; i++)
		p->details[i] = p->details[0];
	p->n_details = N;
	buf_init(&big);
	buf_append_str(&big, "x\n");
	is_int(record_format(&r, &META, &big, &e), 0, "big: formatted");
	/* one detail: from "failure_details":[ to the ] that closes it */
	d0 = strstr((const char *)one.p, "\"failure_details\":[") + 19;
	d1 = strstr(d0, "}],") + 1;
	head = (size_t)(d0 - (const char *)one.p);
	each = (size_t)(d1 - d0);
	tail = one.n - head - each;
	is_int(big.n, 2 + head + N * (each + 1) - 1 + tail, "big: exact size");
	ok(big.n > (8u << 20), "big: over 8 MiB");
	ok(memcmp(big.p, "x\n", 2) == 0 && memcmp(big.p + 2, one.p, head) == 0,
	   "big: earlier contents, then the line's start");
	for (size_t i = 0; i < N && ok_bytes; i++) {
		const unsigned char *at = big.p + 2 + head + i * (each + 1);

		ok_bytes = memcmp(at, d0, each) == 0 &&
			   at[each] == (i + 1 < N ? ',' : ']');
	}
	ok(ok_bytes, "big: every detail the same bytes");
	ok(memcmp(big.p + big.n - tail, d1, tail) == 0, "big: the line's end");
	is_int(big.p[big.n], 0, "big: NUL-terminated");
	for (size_t i = 1; i < N; i++)
		memset(&p->details[i], 0, sizeof p->details[i]);
	buf_free(&one);
	buf_free(&big);
	report_free(&r);
}

static void hexof(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* FIPS 180-4 examples and a multi-block message fed in odd pieces. */
/* A line that must outgrow what the summary reads: refused with nothing
 * written.  Enough empty-stringed details that they alone, at their
 * shortest, pass the limit: refused before the buffer grows at all. */
static void test_too_long(void)
{
	static const char one_detail[] = "{\"result_type\":\"\",\"failed_session_count\":0,"
		"\"sending_mta_ip\":\"\",\"receiving_ip\":\"\",\"receiving_mx_hostname\":\"\","
		"\"receiving_mx_helo\":\"\",\"additional_info_uri\":\"\",\"failure_reason_code\":\"\"},";
	size_t n = (RECORD_MAX_LINE - RECORD_WARN_ROOM) / (sizeof one_detail - 1) + 1;
	char empty[1] = "";
	struct report r;
	struct policy *p;
	struct buf b;
	struct err e;
	size_t cap;

	make_report(&r);
	add_policy(&r, "example.com");
	p = &r.policies[0];
	p->details = calloc(n, sizeof *p->details);
	for (size_t i = 0; i < n; i++) {
		struct failure_detail *d = &p->details[i];

		d->result_type = d->sending_mta_ip = d->receiving_ip = empty;
		d->receiving_mx_hostname = d->receiving_mx_helo = empty;
		d->additional_info_uri = d->failure_reason_code = empty;
	}
	p->n_details = n;
	buf_init(&b);
	buf_append_str(&b, "x\n");
	cap = b.cap;
	err_clear(&e);
	is_int(record_format(&r, &META, &b, &e), -1, "too long: refused");
	is_int(e.cls, ERR_INPUT, "too long: an input error");
	ok(strstr(e.reason, "the most the summary reads") != NULL, "too long: the reason says why");
	ok(b.n == 2 && strcmp((char *)b.p, "x\n") == 0, "too long: nothing appended");
	is_int(b.cap, cap, "too long: refused before anything was written");
	/* the details share one string: not report_free's to free */
	free(p->details);
	p->details = NULL;
	p->n_details = 0;
	buf_free(&b);
	report_free(&r);
}

static void test_sha256(void)
{
	unsigned char h[SHA256_LEN];
	char x[2 * SHA256_LEN + 1];
	struct sha256 c;
	unsigned char thousand[1000];
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	sha256_init(&c);
	sha256_final(&c, h);
	hexof(h, sizeof h, x);
	is_str(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	sha256_init(&c);
	sha256_update(&c, "abc", 3);
	sha256_final(&c, h);
	hexof(h, sizeof h, x);
	is_str(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
	sha256_init(&c);
	for (size_t i = 0; i < sizeof two - 1; i += 7)
		sha256_update(&c, two + i, sizeof two - 1 - i < 7 ? sizeof two - 1 - i : 7);
	sha256_final(&c, h);
	hexof(h, sizeof h, x);
	is_str(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of two blocks, in pieces");
	sha256_init(&c);
	memset(thousand, 'a', sizeof thousand);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, thousand, sizeof thousand);
	sha256_final(&c, h);
	hexof(h, sizeof h, x);
	is_str(x, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million a");
}

/* The conflict warning goes last into every line's warnings, outside the
 * content the duplicate index compares (dedup_content_hash). */
static void test_warning(void)
{
	static const char a[] = "{\"report_id\":\"x\",\"failed_session_count\":5,\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[]}\n"
		"{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\",\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[\"w1\"]}\n";
	unsigned char ha[32], hw[32];
	struct buf l;
	struct err e;

	dedup_content_hash((const unsigned char *)a, sizeof a - 1, ha);
	buf_init(&l);
	buf_append(&l, a, sizeof a - 1);
	err_clear(&e);
	ok(record_add_warning(&l, "report_id conflict: \"x\"", &e) == 0, "add a warning");
	is_str((char *)l.p,
	       "{\"report_id\":\"x\",\"failed_session_count\":5,\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[\"report_id conflict: \\\"x\\\"\"]}\n"
	       "{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\",\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[\"w1\",\"report_id conflict: \\\"x\\\"\"]}\n",
	       "warning last in each line, escaped, after a comma where the array had one");
	dedup_content_hash(l.p, l.n, hw);
	ok(memcmp(ha, hw, 32) == 0, "content hash unchanged by the warning");
	buf_free(&l);
}

int main(void)
{
	test_sha256();
	sha256_use_cpu(0);
	test_sha256();  /* the portable rounds, where the CPU has its own */
	sha256_use_cpu(1);
	test_warning();
	test_golden_full();
	test_golden_nulls();
	test_escaping();
	test_lines();
	test_through_parse();
	test_big_batch();
	test_too_long();
	return tap_done();
}
