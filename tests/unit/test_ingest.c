/* Unit tests for ingest.c: part selection and ranking, part errors, the
 * envelope fallbacks, and saved report files. */
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

static const struct ingest_env env = { "2026-05-19T08:00:00Z", "mail", NULL, NULL };

static size_t gzip_report(unsigned char *out, size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)report_json;
	z.avail_in = sizeof report_json - 1;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	n = z.total_out;
	deflateEnd(&z);
	return n;
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
	struct ingest_env fenv = { "2026-05-19T08:00:00Z", "file", NULL,
				   "sender.example!example.org!1!2.json.gz" };
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

int main(void)
{
	test_report_part();
	test_part_error_then_next();
	test_magic_bytes();
	test_no_report();
	test_file();
	return tap_done();
}
