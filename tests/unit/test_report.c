/* Unit tests for report.c: every tolerance (value + exact warnings), every
 * rejection (exact class and reason), the date range (its RFC 3339 parser
 * is tested in test_date.c), the hostile-input edges (depth, NUL, 64-bit
 * counts, invalid UTF-8), and that the piecewise reading gives exactly
 * what the whole-tree parse gives (member order, repeats, precedence of
 * rejections, limits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "../tap.h"

static struct limits L;
static struct report R;
static struct err E;
static const struct report_hints *H;

/* Reports are written with single quotes for readability; sq() turns them
 * into double quotes (use \u0027 for a real quote inside a string). */
static char *sq(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int parse_n(const char *json, size_t n)
{
	report_free(&R);
	err_clear(&E);
	return report_parse((const unsigned char *)json, n, &L, H, &R, &E);
}

static int raw(const char *json)
{
	return parse_n(json, strlen(json));
}

static int pq(const char *json)
{
	char *d = sq(json);
	int rc = raw(d);

	free(d);
	return rc;
}

/* All warnings, report-level then per policy, one per line. */
static const char *warnings(void)
{
	static char out[16384];
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i <= R.n_policies; i++) {
		const struct strlist *w = i == 0 ? &R.warnings :
			&R.policies[i - 1].warnings;

		for (size_t j = 0; j < w->n; j++)
			n += (size_t)snprintf(out + n, sizeof out - n, "%s%s",
					      n ? "\n" : "", w->v[j]);
	}
	return out;
}

static void rejected(int rc, const char *reason, const char *what)
{
	char msg[300];

	snprintf(msg, sizeof msg, "%s: rejected", what);
	is_int(rc, -1, msg);
	snprintf(msg, sizeof msg, "%s: ERR_INPUT", what);
	is_int(E.cls, ERR_INPUT, msg);
	snprintf(msg, sizeof msg, "%s: reason", what);
	is_str(E.reason, reason, msg);
	snprintf(msg, sizeof msg, "%s: out left empty", what);
	ok(R.organization_name == NULL && R.policies == NULL &&
	   R.n_policies == 0 && R.warnings.n == 0, msg);
}

static void accepted(int rc, const char *warns, const char *what)
{
	char msg[300];

	snprintf(msg, sizeof msg, "%s: accepted", what);
	is_int(rc, 0, msg);
	if (rc != 0)
		printf("#   reason: %s\n", E.reason);
	snprintf(msg, sizeof msg, "%s: warnings", what);
	is_str(rc == 0 ? warnings() : NULL, warns, msg);
}

#define HEAD "{'organization-name':'Org','date-range':{'start-datetime':" \
	"'2024-01-09T00:00:00Z','end-datetime':'2024-01-09T23:59:59Z'}," \
	"'contact-info':'c@example','report-id':'id-1',"
#define DATES(s, e) "{'organization-name':'Org','date-range':{" \
	"'start-datetime':'" s "','end-datetime':'" e "'}," \
	"'contact-info':'c@example','report-id':'id-1'," ONE("", "")
#define POLICY "'policy':{'policy-type':'sts','policy-string':" \
	"['version: STSv1'],'policy-domain':'example.com','mx-host':" \
	"['mx.example.com']}"
#define SUMMARY "'summary':{'total-successful-session-count':5," \
	"'total-failure-session-count':0}"
/* one policy; p adds policy members, rest adds members after summary */
#define ONE(p, rest) "'policies':[{'policy':{'policy-type':'sts'," \
	"'policy-domain':'example.com'" p "}," SUMMARY rest "}]}"
#define WITH_POLICY(members) HEAD "'policies':[{'policy':{" members "}," \
	SUMMARY "}]}"
#define WITH_SUMMARY(members) HEAD "'policies':[{" POLICY ",'summary':{" \
	members "}}]}"
#define WITH_DETAIL(members) HEAD "'policies':[{" POLICY ",'summary':{" \
	"'total-successful-session-count':5,'total-failure-session-count':" \
	"2},'failure-details':[{" members "}]}]}"
#define DETAIL_OK "'result-type':'validation-failure','failed-session-count':2"

static void test_baseline(void)
{
	struct policy *p;

	accepted(pq(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details':"
		    "[{'result-type':'certificate-expired','sending-mta-ip':"
		    "'192.0.2.1','receiving-ip':'2001:db8::1','receiving-mx-"
		    "hostname':'mx.example.com','receiving-mx-helo':'mx ESMTP',"
		    "'failed-session-count':0,'additional-information':'https:"
		    "//x.example/i','failure-reason-code':'X509_E'}]}]}"),
		 "", "baseline");
	is_str(R.organization_name, "Org", "organization_name");
	is_str(R.contact_info, "c@example", "contact_info");
	is_str(R.report_id, "id-1", "report_id");
	is_str(R.begin_date, "2024-01-09T00:00:00Z", "begin_date");
	is_str(R.end_date, "2024-01-09T23:59:59Z", "end_date");
	is_int(R.begin, 1704758400, "begin seconds");
	is_int(R.n_policies, 1, "one policy");
	p = &R.policies[0];
	is_str(p->policy_type, "sts", "policy_type");
	is_str(p->policy_domain, "example.com", "policy_domain");
	is_int(p->policy_strings.n, 1, "policy_strings");
	is_str(p->policy_strings.v[0], "version: STSv1", "policy string");
	is_int(p->mx_host_patterns.n, 1, "mx host");
	is_str(p->mx_host_patterns.v[0], "mx.example.com", "mx host value");
	is_int(p->successful_session_count, 5, "success count");
	is_int(p->failed_session_count, 0, "failure count");
	is_int(p->n_details, 1, "one detail");
	is_str(p->details[0].result_type, "certificate-expired", "result_type");
	is_str(p->details[0].sending_mta_ip, "192.0.2.1", "sending ip");
	is_str(p->details[0].receiving_ip, "2001:db8::1", "receiving ip");
	is_str(p->details[0].receiving_mx_hostname, "mx.example.com", "mx");
	is_str(p->details[0].receiving_mx_helo, "mx ESMTP", "helo");
	is_str(p->details[0].additional_info_uri, "https://x.example/i", "uri");
	is_str(p->details[0].failure_reason_code, "X509_E", "reason code");
	is_int(p->details[0].failed_session_count, 0, "detail count");

	accepted(pq(HEAD "'policies':[{" POLICY "," SUMMARY "},{'policy':{"
		    "'policy-type':'no-policy-found','policy-domain':'b.example'}"
		    ",'summary':{'total-successful-session-count':1,"
		    "'total-failure-session-count':0}}],'x-unknown':{'k':[1]}}"),
		 "", "two policies, unknown key ignored");
	is_int(R.n_policies, 2, "two policies");
	is_str(R.policies[1].policy_domain, "b.example", "second domain");
	is_int(R.policies[1].policy_strings.n, 0, "no policy-string");
}

static void test_json_text(void)
{
	char *big;
	size_t n = 100000;

	accepted(raw("{'organization-name':'Org','date-range':{'start-datetime':"
		     "'2024-01-09T00:00:00Z','end-datetime':'2024-01-09T23:59:59Z',"
		     "},'contact-info':'c','report-id':'i','policies':[{'policy':"
		     "{'policy-type':'sts','policy-domain':'d',},'summary':{'total-"
		     "successful-session-count':1,'total-failure-session-count':0"
		     "}},]}"), "non-strict JSON accepted",
		 "single quotes and trailing commas");
	is_str(R.organization_name, "Org", "non-strict value");
	{
		char *d = sq(HEAD ONE("", ""));
		char *b = malloc(strlen(d) + 4);

		memcpy(b, "\xef\xbb\xbf", 3);
		strcpy(b + 3, d);
		accepted(raw(b), "JSON starts with a byte order mark", "BOM");
		free(b);
		free(d);
	}
	accepted(raw(" \r\n{\"organization-name\":\"O\",\"date-range\":{\"start-"
		     "datetime\":\"2024-01-09T00:00:00Z\",\"end-datetime\":\"2024-"
		     "01-10T00:00:00Z\"},\"contact-info\":\"c\",\"report-id\":\"i\","
		     "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-"
		     "domain\":\"d\"},\"summary\":{\"total-successful-session-count"
		     "\":1,\"total-failure-session-count\":0}}]}\n\n "), "",
		 "surrounding whitespace, next-day end");

	rejected(raw(""), "JSON: empty input", "empty");
	rejected(raw("  \n"), "JSON: empty input", "blank");
	rejected(raw("{\"a\" 1}"), "JSON: object property name separator ':' "
		 "expected at offset 5", "syntax error");
	rejected(raw("{\"a\":\"b"), "JSON: unexpected end of data at offset 7",
		 "truncated");
	rejected(raw("{\"a\":1} x"), "JSON: trailing data at offset 8",
		 "trailing data");
	rejected(raw("{}{}"), "JSON: trailing data at offset 2", "two objects");
	rejected(raw("[1,2]"), "top-level JSON value is not an object", "array");
	rejected(raw("null"), "top-level JSON value is not an object", "null");
	rejected(raw("123"), "top-level JSON value is not an object", "number");
	rejected(raw("\"s\""), "top-level JSON value is not an object", "string");
	rejected(parse_n("{\"a\":1}\0{\"b\":2}", 15),
		 "JSON: NUL byte at offset 7", "NUL after object");
	{
		char *d = sq(HEAD ONE("", ""));
		size_t len = strlen(d);

		d[23] = '\0';
		rejected(parse_n(d, len), "JSON: NUL byte at offset 23",
			 "NUL inside a string");
		free(d);
	}
	big = malloc(n + 10);
	memset(big, '[', n);
	rejected(parse_n(big, n), "JSON nesting deeper than 64", "100000 [");
	memcpy(big, "{\"a\":", 5);
	rejected(parse_n(big, n), "JSON nesting deeper than 64",
		 "100000 [ inside an object");
	memset(big, '{', n);
	rejected(parse_n(big, n), "JSON: quoted object property name expected at "
		 "offset 1", "100000 {");
	free(big);
	L.max_json_depth = 3;
	rejected(pq(HEAD ONE("", "")), "JSON nesting deeper than 3",
		 "configured depth");
	L.max_json_depth = LIMIT_MAX_JSON_DEPTH;
}

static void test_required(void)
{
	rejected(pq("{'date-range':{'start-datetime':'2024-01-09T00:00:00Z',"
		    "'end-datetime':'2024-01-09T23:59:59Z'}," ONE("", "")),
		 "missing organization-name", "no organization");
	rejected(pq("{'organization-name':null}"), "organization-name is null",
		 "null organization");
	rejected(pq("{'organization-name':{'a':1}}"),
		 "organization-name is not a string", "object organization");
	rejected(pq("{'organization-name':['a']}"),
		 "organization-name is not a string", "array organization");
	rejected(pq("{'organization-name':'O'," ONE("", "")),
		 "missing date-range", "no date-range");
	rejected(pq("{'organization-name':'O','date-range':'2024'}"),
		 "date-range is not an object", "date-range string");
	rejected(pq("{'organization-name':'O','date-range':{'end-datetime':"
		    "'2024-01-09T23:59:59Z'}}"),
		 "missing date-range.start-datetime", "no start");
	rejected(pq("{'organization-name':'O','date-range':{'start-datetime':"
		    "'2024-01-09T00:00:00Z'}}"),
		 "missing date-range.end-datetime", "no end");
	rejected(pq(DATES("yesterday", "2024-01-09T23:59:59Z")),
		 "invalid date-range.start-datetime", "bad start");
	rejected(pq(DATES("2024-01-09T00:00:00Z", "2024-02-30T00:00:00Z")),
		 "invalid date-range.end-datetime", "bad end");
	rejected(pq("{'organization-name':'O','date-range':{'start-datetime':"
		    "1704758400,'end-datetime':'2024-01-09T23:59:59Z'}}"),
		 "invalid date-range.start-datetime", "numeric start");
	rejected(pq(HEAD "'x':1}"), "missing policies", "no policies");
	rejected(pq(HEAD "'policies':null}"), "missing policies", "null policies");
	rejected(pq(HEAD "'policies':[]}"), "policies is empty", "empty policies");
	rejected(pq(HEAD "'policies':{}}"), "policies is not an array",
		 "object policies");
	rejected(pq(HEAD "'policies':[{" POLICY "," SUMMARY "},7]}"),
		 "policies[1] is not an object", "scalar policy");
	rejected(pq(HEAD "'policies':[{" SUMMARY "}]}"),
		 "missing policies[0].policy", "no policy");
	rejected(pq(HEAD "'policies':[{'policy':[]," SUMMARY "}]}"),
		 "policies[0].policy is not an object", "array policy");
	rejected(pq(WITH_POLICY("'policy-domain':'d'")),
		 "missing policies[0].policy.policy-type", "no policy-type");
	rejected(pq(WITH_POLICY("'policy-type':null")),
		 "policies[0].policy.policy-type is null", "null policy-type");
	rejected(pq(WITH_POLICY("'policy-type':{}")),
		 "policies[0].policy.policy-type is not a string",
		 "object policy-type");
	rejected(pq(HEAD "'policies':[{" POLICY "}]}"),
		 "missing policies[0].summary", "no summary");
	rejected(pq(HEAD "'policies':[{" POLICY ",'summary':5}]}"),
		 "policies[0].summary is not an object", "scalar summary");
	rejected(pq(HEAD "'policies':[{" POLICY "," SUMMARY "},{" POLICY
		    ",'summary':{'total-failure-session-count':0}}]}"),
		 "missing policies[1].summary.total-successful-session-count",
		 "no success count");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':null")),
		 "policies[0].summary.total-successful-session-count is null",
		 "null success count");
}

static void test_counts(void)
{
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':1,"
				 "'total-failure-session-count':-1")),
		 "policies[0].summary.total-failure-session-count is negative",
		 "-1");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':"
				 "-9223372036854775809")),
		 "policies[0].summary.total-successful-session-count is negative",
		 "below INT64_MIN");
	accepted(pq(WITH_SUMMARY("'total-successful-session-count':"
				 "9223372036854775807,'total-failure-session-"
				 "count':0")), "", "INT64_MAX");
	is_int(R.policies[0].successful_session_count, INT64_MAX,
	       "INT64_MAX kept");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':"
				 "9223372036854775808")),
		 "policies[0].summary.total-successful-session-count is out of "
		 "range", "INT64_MAX + 1");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':"
				 "18446744073709551616")),
		 "policies[0].summary.total-successful-session-count is out of "
		 "range", "UINT64_MAX + 1");
	accepted(pq(WITH_SUMMARY("'total-successful-session-count':3.0,"
				 "'total-failure-session-count':1e1")),
		 "policies[0].summary.total-successful-session-count is a "
		 "decimal number, not an integer\npolicies[0].summary.total-"
		 "failure-session-count is a decimal number, not an integer",
		 "integral doubles");
	is_int(R.policies[0].successful_session_count, 3, "3.0");
	is_int(R.policies[0].failed_session_count, 10, "1e1");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':1.5")),
		 "policies[0].summary.total-successful-session-count is "
		 "fractional", "1.5");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':1e300")),
		 "policies[0].summary.total-successful-session-count is out of "
		 "range", "1e300");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':-0.5")),
		 "policies[0].summary.total-successful-session-count is negative",
		 "-0.5");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':NaN")),
		 "policies[0].summary.total-successful-session-count is not a "
		 "number", "NaN");
	accepted(pq(WITH_SUMMARY("'total-successful-session-count':'17',"
				 "'total-failure-session-count':'9223372036854775807'")),
		 "policies[0].summary.total-successful-session-count is a "
		 "string, not a number\npolicies[0].summary.total-failure-"
		 "session-count is a string, not a number", "numeric strings");
	is_int(R.policies[0].successful_session_count, 17, "'17'");
	is_int(R.policies[0].failed_session_count, INT64_MAX, "'INT64_MAX'");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':"
				 "'9223372036854775808'")),
		 "policies[0].summary.total-successful-session-count is out of "
		 "range", "string INT64_MAX + 1");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':'-3'")),
		 "policies[0].summary.total-successful-session-count is negative",
		 "'-3'");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':'12a'")),
		 "policies[0].summary.total-successful-session-count is not a "
		 "number", "'12a'");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':''")),
		 "policies[0].summary.total-successful-session-count is not a "
		 "number", "''");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':true")),
		 "policies[0].summary.total-successful-session-count is not a "
		 "number", "true");
	rejected(pq(WITH_SUMMARY("'total-successful-session-count':[1]")),
		 "policies[0].summary.total-successful-session-count is not a "
		 "number", "[1]");
	rejected(pq(WITH_DETAIL("'result-type':'dane-required',"
				"'failed-session-count':-2")),
		 "policies[0].failure-details[0].failed-session-count is "
		 "negative", "negative detail count");
}

static void test_totals(void)
{
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5},'failure-details':[{" DETAIL_OK "},{"
		    DETAIL_OK "}]}]}"),
		 "policies[0].summary.total-failure-session-count missing; stored "
		 "null", "missing failure total");
	is_int(R.policies[0].failed_session_count, REPORT_COUNT_ABSENT,
	       "not the details' sum (they may overlap)");
	accepted(pq(WITH_SUMMARY("'total-successful-session-count':5")),
		 "policies[0].summary.total-failure-session-count missing; stored "
		 "null", "missing total, no details");
	is_int(R.policies[0].failed_session_count, REPORT_COUNT_ABSENT, "not 0");
	accepted(pq(WITH_SUMMARY("'total-successful-session-count':5,"
				 "'total-failure-session-count':null")),
		 "policies[0].summary.total-failure-session-count is null; stored "
		 "null", "null failure total");
	is_int(R.policies[0].failed_session_count, REPORT_COUNT_ABSENT, "null kept");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5,'total-failure-session-count':3},"
		    "'failure-details':[{" DETAIL_OK "},{'result-type':"
		    "'dane-required','failed-session-count':3}]}]}"),
		 "", "disagreeing total: no warning (RFC 8460 §4: counts overlap)");
	is_int(R.policies[0].failed_session_count, 3, "total kept");
	is_int(R.policies[0].details[1].failed_session_count, 3, "detail kept");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5,'total-failure-session-count':7}}]}"),
		 "", "total without details");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5,'total-failure-session-count':1},'failure-"
		    "details':[{'result-type':'dane-required','failed-session-"
		    "count':9223372036854775807},{" DETAIL_OK "}]}]}"),
		 "", "sum overflow with total: the total is what counts");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5},'failure-details':[{'result-type':'dane-"
		    "required','failed-session-count':9223372036854775807},{"
		    DETAIL_OK "}]}]}"),
		 "policies[0].summary.total-failure-session-count missing; stored "
		 "null", "details summing past INT64_MAX, no total: nothing summed");
	is_int(R.policies[0].details[0].failed_session_count, INT64_MAX,
	       "detail count kept");
}

static void test_dates(void)
{
	accepted(pq(DATES("2024-01-09T00:00:00.000Z", "2024-01-10T00:00:00Z")),
		 "date-range.start-datetime 2024-01-09T00:00:00.000Z normalized "
		 "to 2024-01-09T00:00:00Z", "fractional seconds");
	is_str(R.begin_date, "2024-01-09T00:00:00Z", "fraction dropped");
	is_str(R.end_date, "2024-01-10T00:00:00Z", "next-day end kept");
	accepted(pq(DATES("2024-01-09 02:00:00+02:00", "2024-01-09t23:59:59z")),
		 "date-range.start-datetime 2024-01-09 02:00:00+02:00 normalized "
		 "to 2024-01-09T00:00:00Z\ndate-range.end-datetime 2024-01-09t23:"
		 "59:59z normalized to 2024-01-09T23:59:59Z",
		 "offset, space, lowercase");
	is_int(R.begin, 1704758400, "offset converted");
	accepted(pq(DATES("2024-01-09T00:00:00", "2024-01-09T23:59:59Z")),
		 "date-range.start-datetime 2024-01-09T00:00:00 normalized to "
		 "2024-01-09T00:00:00Z", "no zone");
	accepted(pq(DATES("2024-01-10T00:00:00Z", "2024-01-09T00:00:00Z")),
		 "date-range.end-datetime is before start-datetime",
		 "end before start");
}

static void test_header_fields(void)
{
	accepted(pq("{'organization-name':'Org','date-range':{'start-datetime':"
		    "'2024-01-09T00:00:00Z','end-datetime':'2024-01-09T23:59:59Z'}"
		    "," ONE("", "")),
		 "contact-info missing\nreport-id missing; synthesized",
		 "no contact-info, no report-id");
	is_str(R.contact_info, NULL, "contact_info NULL");
	is_str(R.report_id, "Org/2024-01-09T00:00:00Z", "synthesized id");
	accepted(pq("{'organization-name':'Org','contact-info':null,'report-id':"
		    "null,'date-range':{'start-datetime':'2024-01-09T00:00:00Z',"
		    "'end-datetime':'2024-01-09T23:59:59Z'}," ONE("", "")),
		 "contact-info is null\nreport-id is null; synthesized",
		 "null contact-info and report-id");
	is_str(R.contact_info, NULL, "null contact_info");
	accepted(pq("{'organization-name':'','contact-info':{'a':1},'report-id':"
		    "'','date-range':{'start-datetime':'2024-01-09T00:00:00Z',"
		    "'end-datetime':'2024-01-09T23:59:59Z'}," ONE("", "")),
		 "organization-name is empty\ncontact-info is an object, not a "
		 "string (ignored)\nreport-id is empty; synthesized",
		 "empty org, object contact, empty id");
	is_str(R.report_id, "/2024-01-09T00:00:00Z", "id from empty org");
	accepted(pq("{'organization-name':42,'report-id':17.50,'contact-info':"
		    "true,'date-range':{'start-datetime':'2024-01-09T00:00:00Z',"
		    "'end-datetime':'2024-01-09T23:59:59Z'}," ONE("", "")),
		 "organization-name is a number, not a string\ncontact-info is a "
		 "boolean, not a string\nreport-id is a number, not a string",
		 "scalars as strings");
	is_str(R.organization_name, "42", "number text");
	is_str(R.contact_info, "true", "boolean text");
	is_str(R.report_id, "17.50", "double source text");
}

static void test_policy_strings(void)
{
	struct strlist *l;

	accepted(pq(HEAD ONE(",'policy-string':[]", "")), "", "empty array");
	accepted(pq(HEAD ONE(",'policy-string':null", "")),
		 "policies[0].policy.policy-string is null", "null");
	is_int(R.policies[0].policy_strings.n, 0, "null -> none");
	accepted(pq(HEAD ONE(",'policy-string':'version: STSv1'", "")),
		 "policies[0].policy.policy-string is a string, not an array",
		 "lone string");
	l = &R.policies[0].policy_strings;
	ok(l->n == 1 && strcmp(l->v[0], "version: STSv1") == 0, "wrapped");
	accepted(pq(HEAD ONE(",'policy-string':['a',null,{},5]", "")),
		 "policies[0].policy.policy-string[1] is null (skipped)\n"
		 "policies[0].policy.policy-string[2] is an object, not a string "
		 "(ignored)\npolicies[0].policy.policy-string[3] is a number, not "
		 "a string", "mixed elements");
	l = &R.policies[0].policy_strings;
	ok(l->n == 2 && strcmp(l->v[0], "a") == 0 && strcmp(l->v[1], "5") == 0,
	   "mixed kept");
	accepted(pq(HEAD "'policies':[{'policy':{'policy-type':'tlsa','policy-"
		    "domain':'mx.example.com','policy-string':['[\\'3 1 1 AB\\',"
		    "\\'3 1 1 CD\\']']}," SUMMARY "}]}"),
		 "policies[0].policy.policy-string held a JSON-encoded array "
		 "(decoded)", "TLSA JSON in a string");
	l = &R.policies[0].policy_strings;
	ok(l->n == 2 && strcmp(l->v[0], "3 1 1 AB") == 0 &&
	   strcmp(l->v[1], "3 1 1 CD") == 0, "TLSA decoded");
	is_str(R.policies[0].policy_domain, "mx.example.com", "TLSA domain kept");
	accepted(pq(HEAD "'policies':[{'policy':{'policy-type':'tlsa','policy-"
		    "domain':'d','policy-string':['[3 1 1 AB']}," SUMMARY "}]}"),
		 "", "TLSA bracket but not JSON");
	is_str(R.policies[0].policy_strings.v[0], "[3 1 1 AB", "kept verbatim");
	accepted(pq(HEAD "'policies':[{'policy':{'policy-type':'tlsa','policy-"
		    "domain':'d','policy-string':['[1,2]']}," SUMMARY "}]}"),
		 "", "TLSA JSON array of numbers kept");
	is_str(R.policies[0].policy_strings.v[0], "[1,2]", "kept verbatim 2");
	accepted(pq(HEAD "'policies':[{'policy':{'policy-type':'sts','policy-"
		    "domain':'d','policy-string':['[\\'a\\']']}," SUMMARY "}]}"),
		 "", "sts strings never decoded");
}

static void test_mx_host(void)
{
	struct strlist *l;

	accepted(pq(HEAD ONE(",'mx-host':[]", "")), "", "mx-host []");
	accepted(pq(HEAD ONE(",'mx-host':null", "")),
		 "policies[0].policy.mx-host is null", "mx-host null");
	accepted(pq(HEAD ONE(",'mx-host':'*.mail.example.com'", "")),
		 "policies[0].policy.mx-host is a string, not an array",
		 "mx-host string");
	l = &R.policies[0].mx_host_patterns;
	ok(l->n == 1 && strcmp(l->v[0], "*.mail.example.com") == 0, "wrapped");
	accepted(pq(HEAD ONE(",'mx-host':'[mx1.example, \\u0027mx2.example"
			     "\\u0027,]'", "")),
		 "policies[0].policy.mx-host is a bracketed string, not an array "
		 "(split)", "bracketed string");
	l = &R.policies[0].mx_host_patterns;
	ok(l->n == 2 && strcmp(l->v[0], "mx1.example") == 0 &&
	   strcmp(l->v[1], "mx2.example") == 0, "split");
	accepted(pq(HEAD ONE(",'mx-host':'[\\'a.example\\']'", "")),
		 "policies[0].policy.mx-host held a JSON-encoded array (decoded)",
		 "JSON in mx-host string");
	is_str(R.policies[0].mx_host_patterns.v[0], "a.example", "decoded");
	accepted(pq(HEAD ONE(",'mx-host':['mx: a.example','MX:b.example',"
			     "'c.example']", "")),
		 "policies[0].policy.mx-host entries had an mx: prefix "
		 "(stripped)", "mx: prefix, one warning");
	l = &R.policies[0].mx_host_patterns;
	ok(l->n == 3 && strcmp(l->v[0], "a.example") == 0 &&
	   strcmp(l->v[1], "b.example") == 0 &&
	   strcmp(l->v[2], "c.example") == 0, "prefix stripped");
	accepted(pq(HEAD ONE(",'mx-host-pattern':['*.example']", "")),
		 "policies[0].policy.mx-host-pattern is a draft name for mx-host",
		 "draft mx-host-pattern");
	is_str(R.policies[0].mx_host_patterns.v[0], "*.example", "draft value");
	accepted(pq(HEAD ONE(",'mx-host':{'a':1}", "")),
		 "policies[0].policy.mx-host is an object, not an array (ignored)",
		 "mx-host object");
}

static void test_policy_fields(void)
{
	static const struct report_hints hint = { "hint.example",
						  "TLS-Report-Domain" };

	accepted(pq(WITH_POLICY("'policy-type':'sts'")),
		 "policies[0].policy.policy-domain missing; stored null", "no domain");
	ok(R.policies[0].policy_domain == NULL, "no domain: NULL, not \"\"");
	accepted(pq(WITH_POLICY("'policy-type':'sts','policy-domain':''")),
		 "policies[0].policy.policy-domain is empty; stored null",
		 "empty domain");
	ok(R.policies[0].policy_domain == NULL, "empty domain: NULL");
	H = &hint;
	accepted(pq(WITH_POLICY("'policy-type':'no-policy-found'")),
		 "policies[0].policy.policy-domain missing; used "
		 "TLS-Report-Domain", "domain from hint");
	is_str(R.policies[0].policy_domain, "hint.example", "hint domain");
	accepted(pq(WITH_POLICY("'policy-type':'sts','policy-domain':null")),
		 "policies[0].policy.policy-domain is null; used "
		 "TLS-Report-Domain", "null domain");
	accepted(pq(WITH_POLICY("'policy-type':'sts','policy-domain':''")),
		 "policies[0].policy.policy-domain is empty; used "
		 "TLS-Report-Domain", "empty domain");
	H = NULL;
	accepted(pq(WITH_POLICY("'policy-type':'sts','policy-domain':"
				"'xn--bcher-kva.example'")), "", "A-label");
	is_str(R.policies[0].policy_domain, "xn--bcher-kva.example",
	       "A-label verbatim");
	accepted(pq(WITH_POLICY("'policy-type':'STS-x','policy-domain':'d'")),
		 "policies[0].policy.policy-type unknown: STS-x", "unknown type");
	is_str(R.policies[0].policy_type, "STS-x", "type verbatim");
}

static void test_details(void)
{
	struct failure_detail *d;

	accepted(pq(HEAD ONE("", ",'failure-details':[]")), "", "details []");
	accepted(pq(HEAD ONE("", ",'failure-details':null")),
		 "policies[0].failure-details is null", "details null");
	accepted(pq(HEAD ONE("", ",'failure-details':'x'")),
		 "policies[0].failure-details is not an array (ignored)",
		 "details string");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5,'total-failure-session-count':2},"
		    "'failure-details':{" DETAIL_OK "}}]}"),
		 "policies[0].failure-details is an object, not an array",
		 "details object");
	is_int(R.policies[0].n_details, 1, "object taken as one detail");
	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':5,'total-failure-session-count':2},"
		    "'failure-details':[3,{" DETAIL_OK "}]}]}"),
		 "policies[0].failure-details[0] is a number, not an object "
		 "(skipped)", "scalar detail skipped");
	is_int(R.policies[0].n_details, 1, "one left");
	accepted(pq(WITH_DETAIL("'failed-session-count':2")),
		 "policies[0].failure-details[0].result-type missing; used "
		 "unknown", "no result-type");
	is_str(R.policies[0].details[0].result_type, "unknown", "unknown");
	accepted(pq(WITH_DETAIL("'result-type':'Testing','failed-session-count'"
				":2")),
		 "policies[0].failure-details[0].result-type unknown: Testing",
		 "unknown result-type");
	is_str(R.policies[0].details[0].result_type, "Testing", "verbatim");
	accepted(pq(WITH_DETAIL("'result-type':'sts-webpki-invalid'")),
		 "policies[0].failure-details[0].failed-session-count missing; "
		 "used 0", "no detail count");
	is_int(R.policies[0].details[0].failed_session_count, 0, "count 0");
	accepted(pq(WITH_DETAIL(DETAIL_OK ",'additional-info-uri':'u','failure-"
				"error-code':'E','receiving-mx-host-name':'mx'")),
		 "policies[0].failure-details[0].receiving-mx-host-name is a "
		 "misspelling of receiving-mx-hostname\npolicies[0].failure-"
		 "details[0].additional-info-uri is a draft name for additional-"
		 "information\npolicies[0].failure-details[0].failure-error-code "
		 "is a draft name for failure-reason-code", "draft names");
	d = &R.policies[0].details[0];
	is_str(d->additional_info_uri, "u", "additional-info-uri");
	is_str(d->failure_reason_code, "E", "failure-error-code");
	is_str(d->receiving_mx_hostname, "mx", "receiving-mx-host-name");
	is_str(d->sending_mta_ip, NULL, "absent ip NULL");
	is_str(d->receiving_mx_helo, NULL, "absent helo NULL");
	accepted(pq(WITH_DETAIL(DETAIL_OK ",'additional-information':'A',"
				"'additional-info-uri':'B','failure-reason-code':"
				"'bad https response code: 404'")),
		 "", "standard name wins, free-text reason");
	is_str(R.policies[0].details[0].additional_info_uri, "A", "standard");
	is_str(R.policies[0].details[0].failure_reason_code,
	       "bad https response code: 404", "free text kept");
	accepted(pq(WITH_DETAIL(DETAIL_OK ",'sending-mta-ip':'x.x.x.x',"
				"'receiving-ip':'203.0.113.300','receiving-mx-"
				"helo':null")),
		 "policies[0].failure-details[0].sending-mta-ip is not an IP "
		 "address\npolicies[0].failure-details[0].receiving-ip is not an "
		 "IP address", "bad IPs kept with warnings");
	is_str(R.policies[0].details[0].sending_mta_ip, "x.x.x.x", "ip kept");
}

static void test_strings(void)
{
	char *big, *json;
	size_t n;

	accepted(pq("{'organization-name':'Bad \xff\xfe and \xc3\x28','date-"
		    "range':{'start-datetime':'2024-01-09T00:00:00Z','end-datetime'"
		    ":'2024-01-09T23:59:59Z'},'contact-info':'a\\u0000b','report-"
		    "id':'i'," ONE("", "")),
		 "organization-name had invalid UTF-8 (replaced)\ncontact-info "
		 "had invalid UTF-8 (replaced)", "invalid UTF-8 and NUL");
	is_str(R.organization_name,
	       "Bad \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd(", "replaced");
	is_str(R.contact_info, "a\xef\xbf\xbd" "b", "NUL replaced");
	accepted(pq(HEAD ONE(",'mx-host':['\xff','\xfe']", "")),
		 "policies[0].policy.mx-host[0] had invalid UTF-8 (replaced)\n"
		 "policies[0].policy.mx-host[1] had invalid UTF-8 (replaced)",
		 "per-element warnings");
	accepted(pq(HEAD ONE(",'policy-string':['\\'\\\\\\n\\t\\u2028']", "")),
		 "", "escapes decoded");
	is_str(R.policies[0].policy_strings.v[0], "\"\\\n\t\xe2\x80\xa8",
	       "escaped characters");

	n = LIMIT_MAX_STRING + 1;
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	json = malloc(n + 500);
	snprintf(json, n + 500, "{\"organization-name\":\"%s\"}", big);
	rejected(raw(json), "string longer than 65536 bytes at "
		 "organization-name", "long string");
	big[n - 1] = '\0';
	snprintf(json, n + 500, "{\"organization-name\":\"%s\",\"date-range\":"
		 "{\"start-datetime\":\"2024-01-09T00:00:00Z\",\"end-datetime\":"
		 "\"2024-01-09T23:59:59Z\"},\"contact-info\":\"c\",\"policies\":"
		 "[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"d\"},"
		 "\"summary\":{\"total-successful-session-count\":1,\"total-"
		 "failure-session-count\":0}}]}", big);
	accepted(raw(json), "report-id missing; synthesized", "longest string");
	is_int(R.organization_name ? strlen(R.organization_name) : 0,
	       LIMIT_MAX_STRING, "kept whole");
	is_int(R.report_id ? strlen(R.report_id) : 0, LIMIT_MAX_STRING,
	       "synthesized id bounded");
	free(json);
	free(big);

	/* the longest member name of a report (30 bytes) is a string too */
	L.max_string = 30;
	rejected(pq("{'organization-name':'O','date-range':{'start-datetime':"
		    "'2024-01-09T00:00:00Z','end-datetime':'2024-01-09T23:59:59Z'},"
		    "'contact-info':'c','report-id':'i','policies':[{'policy':{"
		    "'policy-type':'sts','policy-domain':'d','mx-host':['abcdefghij"
		    "abcdefghijabcdefghijk']}," SUMMARY "}]}"),
		 "string longer than 30 bytes at policies[0].policy.mx-host[0]",
		 "configured max_string");
	rejected(pq("{'organization-name':'abcdefghijabcdefghijabcdefg\xff\xff'}"),
		 "string longer than 30 bytes at organization-name",
		 "cleaned string grows past the limit");
	/* seen while delimiting, wherever it is: json-c never buffers it */
	rejected(pq(HEAD "'x-unknown':{'a':[1,'abcdefghijabcdefghijabcdefghijk']},"
		    "'policies':[{" POLICY "," SUMMARY "}]}"),
		 "string longer than 30 bytes at x-unknown.a[1]",
		 "an ignored member's string");
	rejected(pq(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details':"
		    "[{'abcdefghijabcdefghijabcdefghijk':1}]}]}"),
		 "string longer than 30 bytes at policies[0].failure-details[0]",
		 "a member name");
	rejected(pq("{'organization-name':'O','policies':[],'x':'abcdefghij"
		    "abcdefghijabcdefghijk',}"),
		 "string longer than 30 bytes at x",
		 "non-strict JSON: checked before the whole-tree parse");
	rejected(pq("{'organization-name':'O','x':'\\u0041\\u0041\\u0041"
		    "\\u0041\\u0041abcdefghijabcdefghijabcdef'}"),
		 "string longer than 30 bytes at x",
		 "escapes counted decoded: 31 bytes");
	accepted(pq("{'organization-name':'\\u0041\\u0041\\u0041\\u0041"
		    "abcdefghijabcdefghijabcdef','date-range':{'start-"
		    "datetime':'2024-01-09T00:00:00Z','end-datetime':'2024-01-09T"
		    "23:59:59Z'},'contact-info':'c','report-id':'i','policies':[{'"
		    "policy':{'policy-type':'sts','policy-domain':'d'}," SUMMARY
		    "}]}"), "", "escapes counted decoded: 30 bytes");
	is_str(R.organization_name, "AAAAabcdefghijabcdefghijabcdef",
	       "30 bytes kept");
	L.max_string = LIMIT_MAX_STRING;
}

static void test_warning_cap(void)
{
	char *json = malloc(20000), *p;
	int rc;

	p = json + sprintf(json, "%s", HEAD "'policies':[{" POLICY "," SUMMARY
			   ",'failure-details':[");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "%s{'result-type':'x%d','failed-session-count'"
			     ":0}", i ? "," : "", i);
	strcpy(p, "]}]}");
	rc = pq(json);
	is_int(rc, 0, "100 odd details accepted");
	is_int(R.policies[0].warnings.n, 65, "policy warnings capped");
	is_str(R.policies[0].warnings.v[64], "further warnings suppressed",
	       "cap marker");
	is_int(R.policies[0].n_details, 100, "all details kept");
	free(json);
}

/* ---- piecewise reading ------------------------------------------------ */

/* The whole outcome of the last parse as text: the reason, or every field
 * and every warning. */
static char *outcome(int rc)
{
	struct buf b;
	char num[64];

	buf_init(&b);
	if (rc != 0) {
		snprintf(num, sizeof num, "rejected %d: ", (int)E.cls);
		buf_append_str(&b, num);
		buf_append_str(&b, E.reason);
		return buf_steal(&b);
	}
#define S(s) (buf_append_str(&b, (s) ? (s) : "(null)"), buf_append_byte(&b, '|'))
#define N(v) (snprintf(num, sizeof num, "%lld|", (long long)(v)), buf_append_str(&b, num))
	S(R.organization_name); S(R.contact_info); S(R.report_id);
	S(R.begin_date); S(R.end_date); N(R.begin); N(R.n_policies);
	for (size_t i = 0; i < R.warnings.n; i++)
		S(R.warnings.v[i]);
	for (size_t i = 0; i < R.n_policies; i++) {
		const struct policy *p = &R.policies[i];

		buf_append_str(&b, "\n");
		S(p->policy_type); S(p->policy_domain);
		N(p->successful_session_count); N(p->failed_session_count);
		for (size_t j = 0; j < p->policy_strings.n; j++)
			S(p->policy_strings.v[j]);
		for (size_t j = 0; j < p->mx_host_patterns.n; j++)
			S(p->mx_host_patterns.v[j]);
		for (size_t j = 0; j < p->n_details; j++) {
			const struct failure_detail *d = &p->details[j];

			S(d->result_type); N(d->failed_session_count);
			S(d->sending_mta_ip); S(d->receiving_ip);
			S(d->receiving_mx_hostname); S(d->receiving_mx_helo);
			S(d->additional_info_uri); S(d->failure_reason_code);
		}
		for (size_t j = 0; j < p->warnings.n; j++)
			S(p->warnings.v[j]);
	}
#undef S
#undef N
	return buf_steal(&b);
}

/* doc read piecewise and, with an escaped member name added (the scanner
 * leaves those to the whole-tree parse), the original way: same outcome.
 * Returns the piecewise outcome for further checks (caller frees). */
static char *both_ways(const char *doc, const char *what)
{
	const char *brace = strchr(doc, '{');
	size_t at = brace ? (size_t)(brace - doc) + 1 : 0;
	char *whole = malloc(strlen(doc) + 16), *a, *b, msg[200];

	memcpy(whole, doc, at);
	strcpy(whole + at, "\"\\u0078\":0,");
	strcat(whole, doc + at);
	a = outcome(raw(doc));
	b = outcome(raw(whole));
	snprintf(msg, sizeof msg, "%s: piecewise = whole tree", what);
	ok(strcmp(a, b) == 0, msg);
	if (strcmp(a, b) != 0)
		printf("#   piecewise: %s\n#   whole:     %s\n", a, b);
	free(b);
	free(whole);
	return a;
}

static void same(const char *sqdoc, const char *what)
{
	char *d = sq(sqdoc);

	free(both_ways(d, what));
	free(d);
}

#define DATES_OK "'date-range':{'start-datetime':'2024-01-09T00:00:00Z'," \
	"'end-datetime':'2024-01-09T23:59:59Z'}"
#define DETAILS "'failure-details':[{" DETAIL_OK ",'sending-mta-ip':'bad'}," \
	"null,{'result-type':'x','failed-session-count':'3','receiving-ip':" \
	"'192.0.2.1','extra':[1,{'a':2}]},{'result-type':'validation-failure'," \
	"'receiving-mx-hostname':'mx\\\\u00e9\\\\n'}]"

static void test_piecewise_order(void)
{
	char *canon, *moved, *d;

	/* members in any order give the same report */
	d = sq(HEAD "'policies':[{" POLICY "," SUMMARY "," DETAILS "}]}");
	canon = both_ways(d, "canonical order");
	free(d);
	d = sq("{'policies':[{" DETAILS "," SUMMARY "," POLICY "}],'report-id':"
	       "'id-1','contact-info':'c@example'," DATES_OK ",'organization-"
	       "name':'Org'}");
	moved = both_ways(d, "report fields after policies, details first");
	free(d);
	ok(strcmp(canon, moved) == 0, "member order does not matter");
	free(canon);
	free(moved);
	same(HEAD "'policies':[{" SUMMARY "," DETAILS ",'x':1," POLICY "}]}",
	     "details between summary and policy");
	same(HEAD "'policies':[{" DETAILS "," POLICY "}]}",
	     "details first, no summary: the summary is missing");
	same("{'organization-name':'A','organization-name':'B'," DATES_OK
	     ",'report-id':'r','report-id':null,'policies':[{" POLICY ","
	     "'summary':5," SUMMARY "}]}", "repeated members: the last wins");
	same(HEAD "'policies':[{" POLICY "," SUMMARY "," DETAILS ",'policy':"
	     "{'policy-type':'tlsa'}}]}", "policy repeated after the details");
	same(HEAD "'policies':[{" POLICY "," SUMMARY "," DETAILS ","
	     "'failure-details':[]}]}", "failure-details repeated");
	same(HEAD "'policies':[{" POLICY "," SUMMARY "}],'policies':[{'policy':"
	     "{'policy-type':'tlsa','policy-domain':'b'}," SUMMARY "}]}",
	     "policies repeated");
	same(WITH_DETAIL("'result-type':'a','failed-session-count':1,'result-"
			 "type':'validation-failure','failed-session-count':'2'"),
	     "a detail repeating names");
	same(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details':{"
	     DETAIL_OK "}},{" POLICY "," SUMMARY ",'failure-details':'x'},{"
	     POLICY "," SUMMARY ",'failure-details':null}]}",
	     "failure-details that are not an array");
	same(HEAD "'policies':null}", "policies null");
	same(HEAD "'policies':{}}", "policies an object");
	same(HEAD "'policies':[]}", "policies empty");
	same(HEAD "'policies':[{" POLICY "," SUMMARY "},7]}",
	     "a policy that is not an object");
	same(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details':[{"
	     "'failed-session-count':-1}]}]}", "a rejected detail");
}

static void test_piecewise_precedence(void)
{
	/* the checks run in parse order whatever the member order */
	rejected(pq("{'policies':[{'summary':{}}]," DATES_OK ",'report-id':'i'}"),
		 "missing organization-name", "report field before policies");
	rejected(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':1},'failure-details':[{'failed-session-"
		    "count':-1}]},{'summary':5}]}"),
		 "policies[0].failure-details[0].failed-session-count is "
		 "negative", "first policy first");
	rejected(pq(HEAD "'policies':[{'failure-details':[{'failed-session-"
		    "count':-1}]," POLICY ",'summary':null}]}"),
		 "missing policies[0].summary", "summary before details");
	/* a rejection found early still yields to a syntax error later */
	rejected(pq("{'organization-name':5,'policies':[],'x':[1 2]}"),
		 "JSON: array value separator ',' expected at offset 44",
		 "syntax error after a rejection");
	rejected(pq(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details':"
		    "[{'failed-session-count':-1},{'a':1 'b'}]}]}"),
		 "JSON: object value separator ',' expected at offset 437",
		 "syntax error after a rejected detail");
	rejected(pq(HEAD "'policies':[{'failure-details':1x," POLICY ","
		    SUMMARY "}]}"), "JSON: number expected at offset 198",
		 "details skipped first, then not JSON when read");
	accepted(pq(HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-details'"
		    ":[{" DETAIL_OK "},]}]}"),
		 "non-strict JSON accepted",
		 "trailing comma in the details: non-strict, whole tree");
}

static void test_piecewise_limits(void)
{
	const char *doc = HEAD "'policies':[{" POLICY "," SUMMARY ",'failure-"
			  "details':[{" DETAIL_OK "}]}]}";

	/* policy strings and detail members sit at depth 5: json-c's limit
	 * counts from 1 */
	L.max_json_depth = 6;
	accepted(pq(doc), "", "depth 6 is enough");
	L.max_json_depth = 5;
	rejected(pq(doc), "JSON nesting deeper than 5", "depth 5 is not");
	same(doc, "depth 5 both ways");
	L.max_json_depth = 4;
	same(doc, "depth 4 both ways");
	L.max_json_depth = 2;
	rejected(pq(doc), "JSON nesting deeper than 2", "depth 2");
	L.max_json_depth = LIMIT_MAX_JSON_DEPTH;
	L.max_string = 30;
	rejected(pq(HEAD "'policies':[{'policy':{'policy-type':'sts','policy-"
		    "domain':'example.com'}," SUMMARY ",'failure-details':[{"
		    "'sending-mta-ip':'192.0.2.100'},{'sending-mta-ip':"
		    "'2001:db8:1234:5678:9abc:def0:1:2'}]}]}"),
		 "string longer than 30 bytes at policies[0].failure-details[1]"
		 ".sending-mta-ip", "max_string in a detail");
	L.max_string = LIMIT_MAX_STRING;
}

/* Detail strings are pooled: one copy per distinct string. */
static void test_piecewise_pool(void)
{
	const struct failure_detail *d;

	accepted(pq(HEAD "'policies':[{" POLICY ",'summary':{'total-successful-"
		    "session-count':1,'total-failure-session-count':2},'failure-"
		    "details':[{'result-type':'validation-failure','sending-mta-"
		    "ip':'192.0.2.1','failed-session-count':1},{'result-type':"
		    "'validation-failure','sending-mta-ip':'192.0.2.1','failed-"
		    "session-count':1}]}]}"), "", "two like details");
	d = R.policies[0].details;
	ok(d[0].result_type == d[1].result_type &&
	   d[0].sending_mta_ip == d[1].sending_mta_ip, "stored once");
	is_str(d[1].sending_mta_ip, "192.0.2.1", "with its value");
}

/* Random reports: member order, repeats, types and mutations vary; both
 * ways of reading must agree on every one. */
static unsigned long long gen_state = 8460;

static unsigned gen(unsigned n)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return (unsigned)(gen_state % n);
}

/* An object of some of members m (a few twice) and extra (once, if not
 * NULL), in random order. */
static void gen_object(struct buf *b, const char *const *m, size_t n,
		       const char *extra)
{
	const char *pick[20];
	size_t k = 0;

	if (extra != NULL)
		pick[k++] = extra;
	for (size_t i = 0; i < n && k < 18; i++)
		if (gen(3) != 0) {
			pick[k++] = m[i];
			if (gen(10) == 0)
				pick[k++] = m[i];
		}
	for (size_t i = k; i > 1; i--) {
		size_t j = gen((unsigned)i);
		const char *t = pick[i - 1];

		pick[i - 1] = pick[j];
		pick[j] = t;
	}
	buf_append_str(b, "{");
	for (size_t i = 0; i < k; i++) {
		buf_append_str(b, i ? ", " : "");
		buf_append_str(b, pick[i]);
	}
	buf_append_str(b, "}");
}

static void gen_details(struct buf *b)
{
	/* plain members, some names twice with other values ... */
	static const char *const det[] = {
		"'result-type':'validation-failure'", "'failed-session-count':1",
		"'failed-session-count':'2'", "'sending-mta-ip':'192.0.2.1'",
		"'receiving-mx-hostname':'mx'", "'result-type':null",
		"'receiving-mx-host-name':5", "'additional-info-uri':'u'",
		"'result-type':'x'", "'sending-mta-ip':true",
	};
	/* ... and some odder ones */
	static const char *const odd[] = {
		"'failed-session-count':1.5", "'receiving-ip':'\\u00e9'",
		"'extra':{'a':[]}", "'failed-session-count':-0",
	};

	buf_append_str(b, "'failure-details':[");
	for (unsigned j = 0, m = gen(4); j < m; j++) {
		buf_append_str(b, j ? "," : "");
		if (gen(6) == 0)
			buf_append_str(b, gen(2) ? "null" : "[1]");
		else
			gen_object(b, det, sizeof det / sizeof det[0],
				   gen(4) ? NULL : odd[gen(4)]);
	}
	buf_append_str(b, "]");
}

static void gen_report(struct buf *b)
{
	static const char *const head[] = {
		"'organization-name':'Org'", "'contact-info':'c'",
		"'report-id':'r'", DATES_OK, "'organization-name':5",
		"'x':[{'y':null}]",
	};
	static const char *const pol[] = {
		POLICY, SUMMARY, "'failure-details':[]", "'summary':{}",
		"'policy':{'policy-type':'tlsa','policy-string':'[\\\"a\\\"]'}",
	};
	struct buf pols, one, det;

	buf_init(&pols);
	buf_append_str(&pols, "'policies':[");
	for (unsigned i = 0, n = 1 + gen(3); i < n; i++) {
		buf_init(&one);
		buf_init(&det);
		if (gen(2))
			gen_details(&det);
		gen_object(&one, pol, sizeof pol / sizeof pol[0],
			   det.n ? (const char *)det.p : NULL);
		buf_append_str(&pols, i ? "," : "");
		buf_append(&pols, one.p, one.n);
		buf_free(&one);
		buf_free(&det);
	}
	buf_append_str(&pols, "]");
	buf_reset(b);
	gen_object(b, head, sizeof head / sizeof head[0], (const char *)pols.p);
	buf_free(&pols);
}

static void test_piecewise_generated(void)
{
	struct buf b;
	int bad = 0;

	buf_init(&b);
	for (int i = 0; i < 1500 && bad < 3; i++) {
		char *d, *a, *w, *whole;
		size_t n;

		gen_report(&b);
		d = sq((const char *)b.p);
		n = strlen(d);
		whole = malloc(n + 16);
		memcpy(whole, "{\"\\u0078\":0,", 12);
		memcpy(whole + 12, d + 1, n);
		a = outcome(raw(d));
		w = outcome(raw(whole));
		if (strcmp(a, w) != 0 && bad++ == 0)
			printf("# differ on %s\n#   piecewise: %s\n#   whole: %s\n",
			       d, a, w);
		free(a);
		free(w);
		free(whole);
		free(d);
	}
	ok(bad == 0, "1500 generated reports: piecewise = whole tree");
	buf_free(&b);
}

int main(void)
{
	limits_default(&L);
	report_init(&R);
	test_baseline();
	test_json_text();
	test_required();
	test_counts();
	test_totals();
	test_dates();
	test_header_fields();
	test_policy_strings();
	test_mx_host();
	test_policy_fields();
	test_details();
	test_strings();
	test_warning_cap();
	test_piecewise_order();
	test_piecewise_precedence();
	test_piecewise_limits();
	test_piecewise_pool();
	test_piecewise_generated();
	report_free(&R);
	return tap_done();
}
