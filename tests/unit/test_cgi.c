/* Unit tests for cgi.c: the request decision from CGI meta-variables,
 * exact-length body reads, status mapping and the exact response bytes. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "cgi.h"

#define MAX 1000

static int check(const char *method, const char *type, const char *len, struct cgi_request *req, char *why)
{
	return cgi_check_request(method, type, len, MAX, req, why, ERR_REASON_MAX);
}

static void test_detect(void)
{
	is_int(cgi_detect("CGI/1.1"), 1, "detect: CGI/1.1");
	is_int(cgi_detect("CGI/1.0"), 1, "detect: CGI/1.0");
	is_int(cgi_detect(NULL), 0, "detect: unset");
	is_int(cgi_detect(""), 0, "detect: empty");
	is_int(cgi_detect("cgi"), 0, "detect: other value");
	is_int(cgi_query_is_argv(NULL), 0, "query: unset");
	is_int(cgi_query_is_argv(""), 0, "query: empty");
	is_int(cgi_query_is_argv("a=b"), 0, "query: with '=' is not argv");
	is_int(cgi_query_is_argv("--spool+/tmp"), 1, "query: without '=' may be argv");
}

static void test_accept(void)
{
	struct cgi_request req;
	char why[ERR_REASON_MAX];

	is_int(check("POST", "application/tlsrpt+gzip", "123", &req, why), 0, "accept: tlsrpt+gzip");
	is_int(req.length, 123, "accept: length");
	is_str(req.media_type, "application/tlsrpt+gzip", "accept: media type");
	is_int(check("POST", "Application/TLSRPT+JSON; charset=utf-8 (comment)", "0", &req, why), 0,
	       "accept: case and parameters");
	is_str(req.media_type, "application/tlsrpt+json", "accept: media type lowercased");
	is_int(req.length, 0, "accept: zero length");
	is_int(check("POST", "application/gzip", "1000", &req, why), 0, "accept: application/gzip at the limit");
	is_int(check("POST", "application/json", "1", &req, why), 0, "accept: application/json");
}

static void test_refuse(void)
{
	struct cgi_request req;
	char why[ERR_REASON_MAX];

	is_int(check("GET", "application/tlsrpt+gzip", "10", &req, why), 405, "refuse: GET");
	is_str(why, "method not allowed: reports are sent with POST", "refuse: 405 reason");
	is_int(check("post", "application/tlsrpt+gzip", "10", &req, why), 405, "refuse: methods are case-sensitive");
	is_int(check(NULL, "application/tlsrpt+gzip", "10", &req, why), 405, "refuse: no method");
	is_int(check("POST", "text/plain", "10", &req, why), 415, "refuse: text/plain");
	is_str(why, "unsupported media type: send application/tlsrpt+gzip or application/tlsrpt+json",
	       "refuse: 415 reason");
	is_int(check("POST", NULL, "10", &req, why), 415, "refuse: no type");
	is_int(check("POST", "application/tlsrpt+gzipx", "10", &req, why), 415, "refuse: near miss");
	is_int(check("POST", "application", "10", &req, why), 415, "refuse: no subtype");
	is_int(check("POST", "application/tlsrpt+gzip", NULL, &req, why), 411, "refuse: no length");
	is_str(why, "length required: no Content-Length", "refuse: 411 reason");
	is_int(check("POST", "application/tlsrpt+gzip", "", &req, why), 411, "refuse: empty length");
	is_int(check("POST", "application/tlsrpt+gzip", "-1", &req, why), 400, "refuse: negative length");
	is_str(why, "bad request: invalid Content-Length", "refuse: 400 reason");
	is_int(check("POST", "application/tlsrpt+gzip", " 10", &req, why), 400, "refuse: space in length");
	is_int(check("POST", "application/tlsrpt+gzip", "0x10", &req, why), 400, "refuse: hex length");
	is_int(check("POST", "application/tlsrpt+gzip", "1001", &req, why), 413, "refuse: over the limit");
	is_str(why, "request too large: limit 1000 bytes", "refuse: 413 reason");
	is_int(check("POST", "application/tlsrpt+gzip", "99999999999999999999999999", &req, why), 413,
	       "refuse: overflowing length is too large");
}

static void test_read_body(void)
{
	int fds[2];
	struct buf b;
	struct err e;

	buf_init(&b);
	err_clear(&e);
	ok(pipe(fds) == 0, "read: pipe");
	ok(write(fds[1], "0123456789extra", 15) == 15, "read: wrote 15 bytes");
	is_int(cgi_read_body(fds[0], 10, &b, &e), 0, "read: exact length");
	is_mem(b.p, b.n, "0123456789", 10, "read: the first CONTENT_LENGTH bytes");
	close(fds[1]);
	{
		char rest[8];

		is_int(read(fds[0], rest, sizeof rest), 5, "read: nothing beyond CONTENT_LENGTH consumed");
	}
	buf_reset(&b);
	is_int(cgi_read_body(fds[0], 0, &b, &e), 0, "read: zero length reads nothing");
	close(fds[0]);

	ok(pipe(fds) == 0, "short: pipe");
	ok(write(fds[1], "abc", 3) == 3, "short: wrote 3 bytes");
	close(fds[1]);
	buf_reset(&b);
	is_int(cgi_read_body(fds[0], 10, &b, &e), -1, "short: fails");
	is_int(e.cls, ERR_INPUT, "short: bad input");
	is_str(e.reason, "request body shorter than CONTENT_LENGTH (3 of 10 bytes)", "short: reason");
	close(fds[0]);

	err_clear(&e);
	is_int(cgi_read_body(-1, 4, &b, &e), -1, "error: bad fd fails");
	is_int(e.cls, ERR_TEMP, "error: temporary");
	err_clear(&e);
	is_int(cgi_read_body(0, SIZE_MAX, &b, &e), -1, "huge: cannot reserve");
	is_int(e.cls, ERR_TEMP, "huge: out of memory is temporary");
	buf_free(&b);
}

/* what a refusal leaves in a pipe of 10 bytes (writer closed) */
static int drain_left(const char *content_length, size_t cap)
{
	char rest[16];
	int fds[2], n;

	if (pipe(fds) != 0 || write(fds[1], "0123456789", 10) != 10)
		return -1;
	close(fds[1]);
	cgi_drain(fds[0], content_length, cap);
	n = (int)read(fds[0], rest, sizeof rest);
	close(fds[0]);
	return n;
}

static void test_drain(void)
{
	is_int(drain_left("4", 100), 6, "drain: CONTENT_LENGTH bytes, never more");
	is_int(drain_left("40", 100), 0, "drain: stops at end of input");
	is_int(drain_left("8", 3), 7, "drain: at most cap bytes");
	is_int(drain_left(NULL, 100), 0, "drain: no CONTENT_LENGTH: to end of input");
	is_int(drain_left(NULL, 5), 5, "drain: no CONTENT_LENGTH: at most cap bytes");
	is_int(drain_left("12x", 2), 8, "drain: a bad CONTENT_LENGTH: at most cap bytes");
	cgi_drain(-1, "4", 100);
	ok(1, "drain: a bad fd ends it");
}

static void test_status(void)
{
	is_int(cgi_status_for(ERR_OK), 201, "status: stored");
	is_int(cgi_status_for(ERR_DUPLICATE), 200, "status: duplicate");
	is_int(cgi_status_for(ERR_INPUT), 400, "status: bad input");
	is_int(cgi_status_for(ERR_NOREPORT), 400, "status: no report");
	is_int(cgi_status_for(ERR_TEMP), 503, "status: temporary");
	is_int(cgi_status_for(ERR_CONFIG), 503, "status: configuration");
	is_str(cgi_reason_phrase(411), "Length Required", "phrase: 411");
	is_str(cgi_reason_phrase(413), "Content Too Large", "phrase: 413");
	is_str(cgi_reason_phrase(415), "Unsupported Media Type", "phrase: 415");
	is_str(cgi_reason_phrase(299), "Error", "phrase: unknown");
}

static void test_response(void)
{
	struct buf b;
	char longtext[CGI_TEXT_MAX + 50];

	buf_init(&b);
	is_int(cgi_response(201, "report stored", &b), 0, "response: 201");
	is_str((const char *)b.p, "Status: 201 Created\r\nContent-Type: text/plain\r\n\r\nreport stored\n",
	       "response: 201 bytes");
	buf_reset(&b);
	cgi_response(405, "method not allowed", &b);
	is_str((const char *)b.p, "Status: 405 Method Not Allowed\r\nAllow: POST\r\n"
	       "Content-Type: text/plain\r\n\r\nmethod not allowed\n", "response: 405 has Allow");
	buf_reset(&b);
	cgi_response(503, "temporary failure, retry later", &b);
	is_str((const char *)b.p, "Status: 503 Service Unavailable\r\nRetry-After: 3600\r\n"
	       "Content-Type: text/plain\r\n\r\ntemporary failure, retry later\n", "response: 503 has Retry-After");
	buf_reset(&b);
	cgi_response(400, "bad\r\nInjected: yes\x01\xc3\xa9", &b);
	is_str((const char *)b.p, "Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n"
	       "bad??Injected: yes???\n", "response: control and non-ASCII bytes replaced");
	buf_reset(&b);
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	cgi_response(200, longtext, &b);
	is_int(b.n, strlen("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n") + CGI_TEXT_MAX + 1,
	       "response: body cut to CGI_TEXT_MAX");
	buf_reset(&b);
	cgi_response(200, NULL, &b);
	is_str((const char *)b.p, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n\n", "response: NULL text");
	buf_free(&b);
}

static void test_client_ip(void)
{
	char ip[64], small[8];

	is_int(cgi_client_ip("192.0.2.7", ip, sizeof ip), 0, "ip: IPv4");
	is_str(ip, "192.0.2.7", "ip: IPv4 copied");
	is_int(cgi_client_ip("2001:db8::1", ip, sizeof ip), 0, "ip: IPv6");
	is_str(ip, "2001:db8::1", "ip: IPv6 copied");
	is_int(cgi_client_ip("evil\"x", ip, sizeof ip), -1, "ip: not an address");
	is_str(ip, "", "ip: empty on failure");
	is_int(cgi_client_ip("192.0.2.7 ", ip, sizeof ip), -1, "ip: trailing space");
	is_int(cgi_client_ip(NULL, ip, sizeof ip), -1, "ip: unset");
	is_int(cgi_client_ip("2001:db8::1", small, sizeof small), -1, "ip: too long for the buffer");
}

int main(void)
{
	test_detect();
	test_accept();
	test_refuse();
	test_read_body();
	test_drain();
	test_status();
	test_response();
	test_client_ip();
	return tap_done();
}
