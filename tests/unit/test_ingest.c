/* Unit tests for ingest.c: part selection and ranking, part errors, the
 * envelope fallbacks, saved report files, DKIM verdicts and the envelope
 * checks, and HTTPS bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../tap.h"
#include "base64.h"
#include "ingest.h"

static const char report_json[] =
	"{\"organization-name\":\"Org\",\"date-range\":{\"start-datetime\":\"2026-05-18T00:00:00Z\","
	"\"end-datetime\":\"2026-05-18T23:59:59Z\"},\"contact-info\":\"a@org.example\",\"report-id\":\"id-1\","
	"\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\"},"
	"\"summary\":{\"total-successful-session-count\":5,\"total-failure-session-count\":0}}]}";

static struct ingest_env env = { .received_at = "2026-05-19T08:00:00Z", .source = "mail" };

static size_t gzip_text(const char *text, unsigned char *out, size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

static size_t gzip_report(unsigned char *out, size_t cap)
{
	return gzip_text(report_json, out, cap);
}

/* A multipart/report mail whose parts are given as "headers\n\nbody". */
static char *mail(const char *top_extra, const char *const *parts)
{
	static char buf[16384];
	size_t off;

	off = (size_t)snprintf(buf, sizeof buf,
			       "From: r@org.example\nMessage-ID: <m1@org.example>\n%s"
			       "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"XX\"\n\npreamble\n",
			       top_extra);
	for (size_t i = 0; parts[i] != NULL; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "--XX\n%s\n", parts[i]);
	snprintf(buf + off, sizeof buf - off, "--XX--\n");
	return buf;
}

static char *b64_gzip_part(const char *headers, size_t cut)
{
	static char part[8192];
	unsigned char gz[2048];
	char b64[4096];
	size_t n = gzip_report(gz, sizeof gz);

	if (cut > 0 && cut < n)
		n = cut;
	b64[b64_encode(gz, n, b64)] = '\0';
	snprintf(part, sizeof part, "%sContent-Transfer-Encoding: base64\n\n%s\n", headers, b64);
	return part;
}

static int run(const char *msg, struct ingest_result *r, struct err *e)
{
	ingest_init(r);
	err_clear(e);
	struct limits l;
	limits_default(&l);
	return ingest_mail((const unsigned char *)msg, strlen(msg), &l, &env, r, e);
}

static void test_report_part(void)
{
	struct ingest_result r;
	struct err e;
	char *good = strdup(b64_gzip_part("Content-Type: application/tlsrpt+gzip\n", 0));
	const char *parts[] = { "Content-Type: text/plain\n\nhello\n", good, NULL };

	ok(run(mail("TLS-Report-Domain: example.com\n", parts), &r, &e) == 0, "report part found");
	is_str(r.day, "2026-05-18", "day from start-datetime");
	is_str(r.report.policies[0].policy_domain, "example.com", "policy domain from TLS-Report-Domain");
	ok(strstr((char *)r.lines.p, "\"message_id\":\"<m1@org.example>\"") != NULL, "message id recorded");
	is_str(r.where, "part 2 (application/tlsrpt+gzip)", "where names the part");
	ingest_free(&r);
	free(good);
}

static void test_part_error_then_next(void)
{
	struct ingest_result r;
	struct err e;
	char *broken = strdup(b64_gzip_part("Content-Type: application/tlsrpt+gzip\n", 40));
	char *good = strdup(b64_gzip_part("Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=r\n", 0));
	const char *parts[] = { broken, good, NULL };
	const char *only_broken[] = { broken, NULL };

	ok(run(mail("", parts), &r, &e) == 0, "broken part skipped, octet-stream part used");
	ok(strstr((char *)r.lines.p, "report sent as application/octet-stream") != NULL, "transport warning recorded");
	ingest_free(&r);
	ok(run(mail("", only_broken), &r, &e) < 0, "only a broken part");
	is_int(e.cls, ERR_INPUT, "broken report is bad input");
	is_str(e.reason, "part 1 (application/tlsrpt+gzip): gzip: truncated stream", "reason names part and cause");
	ingest_free(&r);
	free(broken);
	free(good);
}

static void test_magic_bytes(void)
{
	struct ingest_result r;
	struct err e;
	char *mis = strdup(b64_gzip_part("ContentType: application/tlsrpt+gzip\n", 0));
	const char *parts[] = { "Content-Type: text/plain\n\n{\"not\":\"a report\"}\n", mis, NULL };

	ok(run(mail("", parts), &r, &e) == 0, "report found by magic bytes under a misspelt header");
	ok(strstr((char *)r.lines.p, "report found by its content in a text/plain part") != NULL, "magic warning");
	ingest_free(&r);
	free(mis);
}

static void test_no_report(void)
{
	struct ingest_result r;
	struct err e;

	ok(run("Subject: hi\n\nplain text\n", &r, &e) < 0, "plain mail");
	is_int(e.cls, ERR_NOREPORT, "no report");
	is_str(e.reason, "no report attachment in 1 MIME part", "reason");
	ingest_free(&r);
	ok(run("", &r, &e) < 0 && e.cls == ERR_NOREPORT, "empty message");
	is_str(e.reason, "empty message", "empty reason");
	ingest_free(&r);
	ok(run("From x@y  Mon May 18 08:00:00 2026\n", &r, &e) < 0 && e.cls == ERR_NOREPORT,
	   "envelope line only");
	ingest_free(&r);
}

static void test_file(void)
{
	struct ingest_env fenv = { .received_at = "2026-05-19T08:00:00Z", .source = "file",
				   .filename = "sender.example!example.org!1!2.json.gz" };
	struct ingest_result r;
	struct limits l;
	struct err e;
	unsigned char gz[2048];
	size_t n = gzip_report(gz, sizeof gz);

	limits_default(&l);
	ingest_init(&r);
	err_clear(&e);
	ok(ingest_file(gz, n, &l, &fenv, &r, &e) == 0, "saved .json.gz");
	is_str(r.report.policies[0].policy_domain, "example.org", "policy domain from the file name");
	ok(strstr((char *)r.lines.p, "\"source\":\"file\"") != NULL, "source file");
	ingest_free(&r);
}

static int has(const struct ingest_result *r, const char *s)
{
	return r->lines.p != NULL && strstr((const char *)r->lines.p, s) != NULL;
}

/* Authentication-Results of our own MTA ("mx.test") and a forged one. */
static void test_dkim(void)
{
	struct ingest_result r;
	struct err e;
	struct strlist trusted;
	char *good = strdup(b64_gzip_part("Content-Type: application/tlsrpt+gzip\n", 0));
	const char *parts[] = { good, NULL };

	strlist_init(&trusted);
	strlist_add(&trusted, "mx.test");
	ok(run(mail("Authentication-Results: mx.test; dkim=pass header.d=org.example\n", parts), &r, &e) == 0,
	   "dkim: no trusted ids configured");
	ok(has(&r, "\"client_ip\":null,\"dkim\":null,"), "dkim: null without trusted ids");
	ingest_free(&r);
	env.trusted_authserv_ids = &trusted;
	ok(run(mail("Authentication-Results: evil.test; dkim=pass header.d=org.example\n"
		    "Authentication-Results: mx.test;\n dkim=pass (ok) header.d=Org.Example\n", parts), &r, &e) == 0,
	   "dkim: trusted pass");
	ok(has(&r, "\"dkim\":{\"result\":\"pass\",\"domain\":\"org.example\",\"aligned\":true}"),
	   "dkim: aligned with the contact-info domain");
	ingest_free(&r);
	ok(run(mail("Authentication-Results: evil.test; dkim=pass header.d=org.example\n", parts), &r, &e) == 0,
	   "dkim: only a foreign field");
	ok(has(&r, "\"dkim\":null"), "dkim: foreign field ignored");
	ingest_free(&r);
	ok(run(mail("Authentication-Results: mx.test; spf=pass smtp.mailfrom=org.example\n", parts), &r, &e) == 0,
	   "dkim: trusted field without dkim");
	ok(has(&r, "\"dkim\":{\"result\":\"none\",\"domain\":null,\"aligned\":false}"), "dkim: none");
	ingest_free(&r);
	ok(run(mail("TLS-Report-Submitter: reports.org.example\n"
		    "Authentication-Results: mx.test; dkim=pass header.d=esp.example\n", parts), &r, &e) == 0,
	   "dkim: pass by another domain");
	ok(has(&r, "\"dkim\":{\"result\":\"pass\",\"domain\":\"esp.example\",\"aligned\":false}"),
	   "dkim: not aligned");
	ingest_free(&r);

	env.require_dkim = 1;
	ok(run(mail("TLS-Report-Submitter: mail.org.example\n"
		    "Authentication-Results: mx.test; dkim=pass header.d=org.example\n", parts), &r, &e) == 0,
	   "require: aligned pass (parent of the submitter) stored");
	ingest_free(&r);
	ok(run(mail("Authentication-Results: mx.test; dkim=fail header.d=org.example\n", parts), &r, &e) < 0,
	   "require: fail refused");
	is_int(e.cls, ERR_INPUT, "require: bad input (quarantined)");
	is_str(e.reason, "no aligned DKIM pass: dkim=fail header.d=org.example", "require: fail reason");
	ingest_free(&r);
	run(mail("Authentication-Results: mx.test; dkim=pass header.d=esp.example\n", parts), &r, &e);
	is_str(e.reason, "no aligned DKIM pass: dkim=pass by esp.example, not the submitter or contact-info domain",
	       "require: unaligned pass reason");
	ingest_free(&r);
	run(mail("Authentication-Results: evil.test; dkim=pass header.d=org.example\n", parts), &r, &e);
	is_str(e.reason, "no aligned DKIM pass: no Authentication-Results from a trusted authserv-id",
	       "require: forged field only");
	ingest_free(&r);
	env.require_dkim = 0;
	env.trusted_authserv_ids = NULL;
	strlist_free(&trusted);
	free(good);
}

static const char policy_json_part[] =
	"Content-Type: application/tlsrpt+json\n\n"
	"{\"organization-name\":\"Org\",\"date-range\":{\"start-datetime\":\"2026-05-18T00:00:00Z\","
	"\"end-datetime\":\"2026-05-18T23:59:59Z\"},\"contact-info\":\"mailto:tlsrpt@org.example\","
	"\"report-id\":\"id-2\",\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	"\"policy-domain\":\"Policy.Example\"},\"summary\":{\"total-successful-session-count\":1,"
	"\"total-failure-session-count\":0}}]}\n";

/* RFC 8460 §5.3 and §5.6 mismatches are warnings. */
static void test_envelope_checks(void)
{
	struct ingest_result r;
	struct err e;
	const char *parts[] = { policy_json_part, NULL };

	ok(run(mail("TLS-Report-Submitter: org.example\nTLS-Report-Domain: policy.example.\n"
		    "Subject: Report Domain: POLICY.example Submitter: org.example\n", parts), &r, &e) == 0,
	   "checks: all consistent");
	ok(has(&r, "\"warnings\":[]"), "checks: no warning");
	ingest_free(&r);
	ok(run(mail("TLS-Report-Submitter: Example Sender Org\nTLS-Report-Domain: example.com\n"
		    "Subject: Report Domain: example.com Submitter: x\n", parts), &r, &e) == 0,
	   "checks: mismatches still stored");
	ok(has(&r, "\"warnings\":[\"TLS-Report-Submitter \\\"Example Sender Org\\\" does not match the "
	       "contact-info domain org.example\",\"TLS-Report-Domain example.com is not a policy domain of the "
	       "report\"]"), "checks: submitter and domain warnings, subject not repeated");
	ingest_free(&r);
	ok(run(mail("TLS-Report-Submitter: tlsrpt.org.example\n"
		    "Subject: Report Domain: other.example Submitter: x\n", parts), &r, &e) == 0,
	   "checks: subject only");
	ok(has(&r, "\"warnings\":[\"Subject Report Domain other.example is not a policy domain of the report\"]"),
	   "checks: subdomain submitter matches, subject mismatch warned");
	ingest_free(&r);
}

static int http(const unsigned char *p, size_t n, const char *type, struct ingest_result *r, struct err *e)
{
	struct ingest_env henv = { .received_at = "2026-05-19T08:00:00Z", .source = "http",
				   .client_ip = "192.0.2.1" };
	struct limits l;

	limits_default(&l);
	ingest_init(r);
	err_clear(e);
	return ingest_http(p, n, type, &l, &henv, r, e);
}

static void test_http(void)
{
	struct ingest_result r;
	struct err e;
	const char *json = strchr(policy_json_part, '{');
	unsigned char gz[2048];
	size_t n = gzip_text(json, gz, sizeof gz);

	ok(http(gz, n, "application/tlsrpt+gzip", &r, &e) == 0, "http: gzip body");
	ok(has(&r, "\"source\":\"http\",\"message_id\":null,\"submitter\":null,\"recipient\":null,"
	       "\"client_ip\":\"192.0.2.1\",\"dkim\":null,\"warnings\":[]}"), "http: meta and no warning");
	is_str(r.where, "request body", "http: where");
	ingest_free(&r);
	ok(http((const unsigned char *)json, strlen(json), "application/tlsrpt+gzip", &r, &e) == 0,
	   "http: JSON sent as gzip");
	ok(has(&r, "\"warnings\":[\"request body sent as application/tlsrpt+gzip is uncompressed JSON\"]"),
	   "http: mismatch warned");
	ingest_free(&r);
	ok(http(gz, n, "application/json", &r, &e) == 0, "http: gzip sent as application/json");
	ok(has(&r, "\"warnings\":[\"report sent as application/json, not application/tlsrpt+gzip or +json\","
	       "\"request body sent as application/json is compressed\"]"), "http: both warnings");
	ingest_free(&r);
	ok(http((const unsigned char *)"hello", 5, "application/tlsrpt+json", &r, &e) < 0, "http: garbage");
	is_int(e.cls, ERR_INPUT, "http: garbage is bad input");
	is_str(e.reason, "request body is neither gzip nor JSON", "http: garbage reason");
	ingest_free(&r);
	ok(http((const unsigned char *)"", 0, "application/tlsrpt+json", &r, &e) < 0, "http: empty");
	is_str(e.reason, "empty request body", "http: empty reason");
	ingest_free(&r);
	ok(http(gz, n / 2, "application/tlsrpt+gzip", &r, &e) < 0, "http: truncated gzip");
	is_int(e.cls, ERR_INPUT, "http: truncated is bad input");
	is_str(e.reason, "gzip: truncated stream", "http: truncated reason");
	ingest_free(&r);
	ok(http((const unsigned char *)"{\"a\":1}", 7, NULL, &r, &e) < 0, "http: not a report");
	is_int(e.cls, ERR_INPUT, "http: invalid report is bad input");
	ingest_free(&r);
}

/* The parts of one message share a budget: after max_failed_parts
 * failures no part is tried, even a good one. */
static void test_failed_parts_cap(void)
{
	struct ingest_result r;
	struct limits l;
	struct err e;
	char *broken = strdup(b64_gzip_part("Content-Type: application/tlsrpt+gzip\n", 40));
	char *good = strdup(b64_gzip_part("Content-Type: application/tlsrpt+gzip\n", 0));
	const char *parts[] = { broken, broken, broken, good, NULL };
	const char *msg = mail("", parts);

	limits_default(&l);
	is_int((int)l.max_failed_parts, 8, "default: 8 failed parts");
	l.max_failed_parts = 3;
	ingest_init(&r);
	err_clear(&e);
	ok(ingest_mail((const unsigned char *)msg, strlen(msg), &l, &env, &r, &e) < 0,
	   "3 failed parts with a limit of 3: the 4th is not tried");
	is_int(e.cls, ERR_INPUT, "gave up: bad input (quarantined)");
	is_str(e.reason, "gave up after 3 failed parts (limit 3); first: part 1 "
	       "(application/tlsrpt+gzip): gzip: truncated stream", "reason names the limit and the first error");
	ingest_free(&r);
	l.max_failed_parts = 4;
	ok(ingest_mail((const unsigned char *)msg, strlen(msg), &l, &env, &r, &e) == 0,
	   "with a limit of 4 the 4th part is tried and stored");
	ingest_free(&r);
	free(broken);
	free(good);
}

/* The report's date-range may start at most one day after received_at. */
static void test_future(void)
{
	struct ingest_env fenv = { .source = "file" };
	struct ingest_result r;
	struct limits l;
	struct err e;
	unsigned char gz[2048];
	size_t n = gzip_report(gz, sizeof gz);   /* starts 2026-05-18T00:00:00Z */

	limits_default(&l);
	fenv.received_at = "2026-05-17T00:00:00Z";
	ingest_init(&r);
	err_clear(&e);
	ok(ingest_file(gz, n, &l, &fenv, &r, &e) == 0, "exactly one day ahead: accepted");
	is_str(r.day, "2026-05-18", "its own day");
	ingest_free(&r);
	fenv.received_at = "2026-05-16T23:59:59Z";
	ok(ingest_file(gz, n, &l, &fenv, &r, &e) < 0, "one day and a second ahead: refused");
	is_int(e.cls, ERR_INPUT, "refused as bad input");
	is_str(e.reason, "date-range.start-datetime 2026-05-18T00:00:00Z is more than one day "
	       "after the delivery time 2026-05-16T23:59:59Z", "the reason");
	is_str(r.day, "", "no day for a daily file");
	ingest_free(&r);
	fenv.received_at = "2030-01-01T00:00:00Z";
	err_clear(&e);
	ok(ingest_file(gz, n, &l, &fenv, &r, &e) == 0, "years old: accepted");
	ingest_free(&r);
}

int main(void)
{
	test_failed_parts_cap();
	test_future();
	test_dkim();
	test_envelope_checks();
	test_http();
	test_report_part();
	test_part_error_then_next();
	test_magic_bytes();
	test_no_report();
	test_file();
	return tap_done();
}
