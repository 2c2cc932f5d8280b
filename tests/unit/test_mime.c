/* Unit tests for the MIME walker: the shapes real TLS-report mails take
 * (multipart/report, mixed, nested alternative, single part), delimiter
 * corner cases, exact body spans, early stop and every limit, including
 * hostile messages that must fail fast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "../tap.h"

#define MAX_SEEN 16

struct seen {
	size_t count;
	size_t stop_after;  /* return MIME_STOP after this many leaves (0: never) */
	struct leaf {
		char type[128];
		unsigned depth;
		size_t index;
		size_t off;         /* body offset in the message */
		size_t n;
		char filename[128];
		int has_mime_version;
	} v[MAX_SEEN];
	const unsigned char *msg;
};

static enum mime_action visit(const struct mime_part *part, void *ctx)
{
	struct seen *s = ctx;
	const struct header_field *cd;

	if (s->count < MAX_SEEN) {
		struct leaf *l = &s->v[s->count];
		struct buf b;

		snprintf(l->type, sizeof l->type, "%s", part->media_type);
		l->depth = part->depth;
		l->index = part->index;
		l->off = (size_t)(part->body - s->msg);
		l->n = part->body_n;
		l->filename[0] = '\0';
		buf_init(&b);
		cd = header_find(part->headers, "Content-Disposition");
		if (cd != NULL && header_param(cd->value, cd->value_n, "filename", &b) == 1)
			snprintf(l->filename, sizeof l->filename, "%s", (char *)b.p);
		buf_free(&b);
		l->has_mime_version = header_find(part->headers, "MIME-Version") != NULL;
	}
	s->count++;
	if (s->stop_after != 0 && s->count >= s->stop_after)
		return MIME_STOP;
	return MIME_CONTINUE;
}

struct run {
	unsigned char *msg;
	size_t n;
	struct seen s;
	struct err e;
	int rc;
};

/* Walk an exact-size heap copy of m[0..n) so ASan sees any overread. */
static void walk_with(struct run *r, const char *m, size_t n, const struct limits *l)
{
	r->msg = malloc(n > 0 ? n : 1);
	if (r->msg == NULL)
		abort();
	if (n > 0)
		memcpy(r->msg, m, n);
	r->n = n;
	memset(&r->s, 0, sizeof r->s);
	r->s.msg = r->msg;
	err_clear(&r->e);
	r->rc = mime_walk(r->msg, n, l, visit, &r->s, &r->e);
}

static void walk(struct run *r, const char *m)
{
	struct limits l;

	limits_default(&l);
	walk_with(r, m, strlen(m), &l);
}

static void run_free(struct run *r)
{
	free(r->msg);
}

/* Leaf i's body as a string, for exact comparisons. */
static const char *body(const struct run *r, size_t i)
{
	static char out[4096];

	if (i >= r->s.count || i >= MAX_SEEN || r->s.v[i].n >= sizeof out)
		return "(no such leaf)";
	memcpy(out, r->msg + r->s.v[i].off, r->s.v[i].n);
	out[r->s.v[i].n] = '\0';
	return out;
}

static void check_leaf(const struct run *r, size_t i, const char *type, unsigned depth,
		       const char *want_body, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof msg, "%s: leaf %zu type", what, i);
	is_str(i < MAX_SEEN ? r->s.v[i].type : "", type, msg);
	snprintf(msg, sizeof msg, "%s: leaf %zu depth", what, i);
	is_int(i < MAX_SEEN ? r->s.v[i].depth : 99, depth, msg);
	snprintf(msg, sizeof msg, "%s: leaf %zu index", what, i);
	is_int(i < MAX_SEEN ? r->s.v[i].index : 99, i, msg);
	snprintf(msg, sizeof msg, "%s: leaf %zu body", what, i);
	is_str(body(r, i), want_body, msg);
}

static const char google_mail[] =
	"Delivered-To: tlsrpt@example.com\r\n"
	"Received: from mail-sor-f73.google.com (mail-sor-f73.google.com. [209.85.220.73])\r\n"
	"        by mx.example.com with SMTPS id a1sor123.2024.05.17.17.00.00\r\n"
	"        for <tlsrpt@example.com>;\r\n"
	"        Fri, 17 May 2024 17:00:00 -0700 (PDT)\r\n"
	"MIME-Version: 1.0\r\n"
	"From: noreply-smtp-tls-reporting@google.com\r\n"
	"To: tlsrpt@example.com\r\n"
	"Subject: Report Domain: example.com\r\n"
	" Submitter: google.com\r\n"
	" Report-ID: <2024.05.17T00.00.00Z+example.com@google.com>\r\n"
	"TLS-Report-Domain: example.com\r\n"
	"TLS-Report-Submitter: google.com\r\n"
	"Message-ID: <000000000000a1b2c3d4e5f60718@google.com>\r\n"
	"Date: Fri, 17 May 2024 17:00:00 -0700\r\n"
	"Content-Type: multipart/report; boundary=\"000000000000a1b2c3d4e5f60718\"; report-type=tlsrpt\r\n"
	"\r\n"
	"--000000000000a1b2c3d4e5f60718\r\n"
	"Content-Type: text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes\r\n"
	"\r\n"
	"This is an aggregate TLS report from google.com\r\n"
	"\r\n"
	"--000000000000a1b2c3d4e5f60718\r\n"
	"Content-Type: application/tlsrpt+gzip; \r\n"
	"\tname=\"google.com!example.com!1715990400!1716076800!001.json.gz\"\r\n"
	"Content-Disposition: attachment; \r\n"
	"\tfilename=\"google.com!example.com!1715990400!1716076800!001.json.gz\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"H4sIAAAAAAACA6tWyi9KT8zLrEosyczP081LzE1VslJyz89Pz0lV8MxL1lOqBQAyXZduIwAAAA==\r\n"
	"--000000000000a1b2c3d4e5f60718--\r\n";

static void test_google(void)
{
	struct run r;

	walk(&r, google_mail);
	is_int(r.rc, 0, "google: walks");
	is_int(r.s.count, 2, "google: two leaves");
	check_leaf(&r, 0, "text/plain", 1, "This is an aggregate TLS report from google.com\r\n",
		   "google");
	check_leaf(&r, 1, "application/tlsrpt+gzip", 1,
		   "H4sIAAAAAAACA6tWyi9KT8zLrEosyczP081LzE1VslJyz89Pz0lV8MxL1lOqBQAyXZduIwAAAA==",
		   "google");
	is_str(r.s.v[1].filename, "google.com!example.com!1715990400!1716076800!001.json.gz",
	       "google: report file name");
	ok(r.s.v[1].off == (size_t)(strstr(google_mail, "H4sI") - google_mail),
	   "google: body is a span into the message, not a copy");
	run_free(&r);
}

static void test_report_three_parts(void)
{
	struct run r;

	walk(&r, "Content-Type: multipart/report; report-type=tlsrpt;\n"
		 "\tboundary=\"----=_Part_1\"\n"
		 "\n"
		 "preamble text\n"
		 "------=_Part_1\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "human text\n"
		 "------=_Part_1\n"
		 "Content-Type: message/delivery-status\n"
		 "\n"
		 "Reporting-MTA: dns; mx.example.net\n"
		 "\n"
		 "------=_Part_1\n"
		 "Content-Type: application/tlsrpt+json\n"
		 "\n"
		 "{\"a\":1}\n"
		 "------=_Part_1--\n"
		 "epilogue\n"
		 "------=_Part_1\n"
		 "Content-Type: text/html\n\nnot a part\n");
	is_int(r.rc, 0, "report: walks");
	is_int(r.s.count, 3, "report: three leaves, epilogue ignored");
	check_leaf(&r, 0, "text/plain", 1, "human text", "report");
	check_leaf(&r, 1, "message/delivery-status", 1, "Reporting-MTA: dns; mx.example.net\n", "report");
	check_leaf(&r, 2, "application/tlsrpt+json", 1, "{\"a\":1}", "report");
	run_free(&r);

	walk(&r, "Content-Type: multipart/report; boundary=b; report-type=tlsrpt\r\n\r\n"
		 "--b\nContent-Type: text/plain\r\n\nx\r\n"
		 "--b\r\nContent-Type: application/tlsrpt+gzip\n\r\ny\n"
		 "--b--");
	is_int(r.s.count, 2, "mixed endings: two leaves");
	check_leaf(&r, 0, "text/plain", 1, "x", "mixed endings");
	check_leaf(&r, 1, "application/tlsrpt+gzip", 1, "y", "mixed endings");
	run_free(&r);
}

static void test_single_part(void)
{
	struct run r;

	walk(&r, "From: a@b\nContent-Type: application/tlsrpt+gzip; name=x\n"
		 "Content-Transfer-Encoding: base64\n\nH4sI\nAAAA\n");
	is_int(r.rc, 0, "single: walks");
	is_int(r.s.count, 1, "single: one leaf");
	check_leaf(&r, 0, "application/tlsrpt+gzip", 0, "H4sI\nAAAA\n", "single");
	run_free(&r);

	walk(&r, "Subject: x\r\nContentType: application/json\r\n\r\nhello");
	is_int(r.s.count, 1, "no Content-Type: one leaf");
	check_leaf(&r, 0, "text/plain", 0, "hello", "no Content-Type");
	run_free(&r);

	walk(&r, "Content-Type: garbage\n\nhello");
	check_leaf(&r, 0, "text/plain", 0, "hello", "unusable Content-Type");
	run_free(&r);

	walk(&r, "");
	is_int(r.rc, 0, "empty message walks");
	is_int(r.s.count, 1, "empty message: one leaf");
	check_leaf(&r, 0, "text/plain", 0, "", "empty message");
	run_free(&r);

	walk(&r, "Content-Type: text/plain");
	check_leaf(&r, 0, "text/plain", 0, "", "headers only");
	run_free(&r);
}

static void test_nested(void)
{
	struct run r;

	walk(&r, "Content-Type: multipart/mixed; boundary=outer\n\n"
		 "--outer\n"
		 "Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
		 "inner preamble\n"
		 "--inner\nContent-Type: text/plain\n\nplain body\n"
		 "--inner\nContent-Type: text/html\n\n<p>html</p>\n"
		 "--inner--\n"
		 "inner epilogue\n"
		 "--outer\n"
		 "Content-Type: application/gzip\n"
		 "Content-Disposition: attachment; filename*=UTF-8''a%21b.json.gz\n\n"
		 "GZDATA\n"
		 "--outer--\n");
	is_int(r.rc, 0, "nested: walks");
	is_int(r.s.count, 3, "nested: three leaves");
	check_leaf(&r, 0, "text/plain", 2, "plain body", "nested");
	check_leaf(&r, 1, "text/html", 2, "<p>html</p>", "nested");
	check_leaf(&r, 2, "application/gzip", 1, "GZDATA", "nested");
	is_str(r.s.v[2].filename, "a!b.json.gz", "nested: RFC 2231 file name");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\nContent-Type: message/rfc822\n\n"
		 "Content-Type: multipart/mixed; boundary=c\n\n--c\n\ninner\n--c--\n"
		 "--b--\n");
	is_int(r.s.count, 1, "message/rfc822 is a leaf");
	check_leaf(&r, 0, "message/rfc822", 1,
		   "Content-Type: multipart/mixed; boundary=c\n\n--c\n\ninner\n--c--", "rfc822");
	run_free(&r);
}

static void test_delimiters(void)
{
	struct run r;

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n\nfirst\n"
		 "--b\nContent-Type: application/gzip\n\nlast part\nruns to the end\n");
	is_int(r.s.count, 2, "missing close: two leaves");
	check_leaf(&r, 1, "application/gzip", 1, "last part\nruns to the end\n", "missing close");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		 "--b \t\r\n\r\none\r\n"
		 "--b\t\r\n\r\ntwo\r\n"
		 "--b-- \r\n");
	is_int(r.s.count, 2, "transport padding: two leaves");
	check_leaf(&r, 0, "text/plain", 1, "one", "transport padding");
	check_leaf(&r, 1, "text/plain", 1, "two", "transport padding");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n\ntext --b not a delimiter\n x--b\n--bc\n--b--x\n--b junk\nend\n"
		 "--b--\n");
	is_int(r.s.count, 1, "boundary inside lines: one leaf");
	check_leaf(&r, 0, "text/plain", 1,
		   "text --b not a delimiter\n x--b\n--bc\n--b--x\n--b junk\nend", "inside lines");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n\nkeep both\r\n\r\n\n--b--\n");
	check_leaf(&r, 0, "text/plain", 1, "keep both\r\n\r\n", "only the last line break is the delimiter's");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n--b\n\n\n--b\r\n\r\n--b--");
	is_int(r.s.count, 3, "empty parts: three leaves");
	check_leaf(&r, 0, "text/plain", 1, "", "empty parts");
	check_leaf(&r, 1, "text/plain", 1, "", "empty parts");
	check_leaf(&r, 2, "text/plain", 1, "", "empty parts");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=\"b \"\n\n"
		 "--b\n\nquoted trailing space\n--b--\n");
	check_leaf(&r, 0, "text/plain", 1, "quoted trailing space", "boundary with trailing space");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\nContent-Type: text/plain\n\nabc\n--b--");
	check_leaf(&r, 0, "text/plain", 1, "abc", "close delimiter at the very end");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n--b--\n");
	is_int(r.rc, 0, "only a close delimiter walks");
	is_int(r.s.count, 0, "only a close delimiter: no leaves");
	run_free(&r);
}

static void test_part_headers(void)
{
	struct run r;

	walk(&r, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n"
		 "Content-Type: application/tlsrpt+gzip\n"
		 "MIME-Version: 1.0\n"
		 "Content-Disposition: attachment; filename=\"r.json.gz\"\n"
		 "\n"
		 "DATA\n"
		 "--b\n"
		 "\n"
		 "no headers here\n"
		 "--b--\n");
	is_int(r.s.count, 2, "part headers: two leaves");
	check_leaf(&r, 0, "application/tlsrpt+gzip", 1, "DATA", "stray MIME-Version");
	ok(r.s.v[0].has_mime_version, "stray MIME-Version is just a part header");
	is_str(r.s.v[0].filename, "r.json.gz", "part header lookup");
	check_leaf(&r, 1, "text/plain", 1, "no headers here", "part without headers");
	run_free(&r);
}

static void test_multipart_as_leaf(void)
{
	struct run r;

	walk(&r, "Content-Type: multipart/mixed; boundary=never\n\n--other\n\nbody\n--other--\n");
	is_int(r.s.count, 1, "boundary never occurs: one leaf");
	check_leaf(&r, 0, "multipart/mixed", 0, "--other\n\nbody\n--other--\n", "boundary never occurs");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed\n\n--b\n\nbody\n");
	is_int(r.s.count, 1, "no boundary parameter: one leaf");
	check_leaf(&r, 0, "multipart/mixed", 0, "--b\n\nbody\n", "no boundary parameter");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nbody\n");
	check_leaf(&r, 0, "multipart/mixed", 0, "--\n\nbody\n", "empty boundary");
	run_free(&r);

	walk(&r, "Content-Type: multipart/mixed; boundary=b\n\n"
		 "--b\nContent-Type: multipart/related; boundary=zz\n\ninner text\n--b--\n");
	is_int(r.s.count, 1, "inner multipart without its delimiters: one leaf");
	check_leaf(&r, 0, "multipart/related", 1, "inner text", "inner multipart as leaf");
	run_free(&r);
}

static void test_stop(void)
{
	struct run r;
	struct limits l;
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n"
			"--b\n\none\n--b\n\ntwo\n--b\n\nthree\n--b--\n";

	limits_default(&l);
	r.msg = malloc(strlen(m));
	if (r.msg == NULL)
		abort();
	memcpy(r.msg, m, strlen(m));
	memset(&r.s, 0, sizeof r.s);
	r.s.msg = r.msg;
	r.s.stop_after = 2;
	r.rc = mime_walk(r.msg, strlen(m), &l, visit, &r.s, &r.e);
	is_int(r.rc, 0, "MIME_STOP: walk returns 0");
	is_int(r.s.count, 2, "MIME_STOP: no leaf after the stop");
	check_leaf(&r, 1, "text/plain", 1, "two", "MIME_STOP");
	run_free(&r);
}

/* n levels of multipart/mixed, each holding the next, a leaf at the bottom. */
static char *nested(size_t levels, int close)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < levels; i++) {
		char line[96];

		snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=b%zu\n\n--b%zu\n", i, i);
		buf_append_str(&b, line);
	}
	buf_append_str(&b, "Content-Type: text/plain\n\nleaf");
	for (size_t i = levels; close && i-- > 0;) {
		char line[32];

		snprintf(line, sizeof line, "\n--b%zu--", i);
		buf_append_str(&b, line);
	}
	return buf_steal(&b);
}


static void test_depth(void)
{
	struct limits l;
	struct run r;
	char *m;

	limits_default(&l);
	l.max_mime_depth = 3;
	m = nested(3, 1);
	walk_with(&r, m, strlen(m), &l);
	is_int(r.rc, 0, "depth = limit walks");
	is_int(r.s.count, 1, "depth = limit: one leaf");
	check_leaf(&r, 0, "text/plain", 3, "leaf", "depth = limit");
	run_free(&r);
	free(m);

	m = nested(4, 1);
	walk_with(&r, m, strlen(m), &l);
	is_int(r.rc, -1, "depth = limit + 1 fails");
	is_int(r.e.cls, ERR_INPUT, "too deep: ERR_INPUT");
	is_str(r.e.reason, "MIME nesting deeper than 3", "too deep: reason");
	is_int(r.s.count, 0, "too deep: no leaf visited");
	run_free(&r);
	free(m);

	/* 10,000 nested multiparts, unclosed (each level scans to the end) */
	m = nested(10000, 0);
	walk(&r, m);
	is_int(r.rc, -1, "10,000 nested multiparts fail");
	is_str(r.e.reason, "MIME nesting deeper than 16", "10,000 nested: reason");
	run_free(&r);
	free(m);
}

static void test_parts_limit(void)
{
	struct limits l;
	struct run r;
	struct buf b;

	static const char four[] = "Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\n\n1\n--b\n\n2\n--b\n\n3\n--b\n\n4\n--b--\n";
	static const char five[] = "Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\n\n1\n--b\n\n2\n--b\n\n3\n--b\n\n4\n--b\n\n5\n--b--\n";

	limits_default(&l);
	l.max_parts = 5;
	walk_with(&r, four, sizeof four - 1, &l);
	is_int(r.rc, 0, "1 multipart + 4 leaves = limit walks");
	is_int(r.s.count, 4, "four leaves at the limit");
	check_leaf(&r, 3, "text/plain", 1, "4", "parts at the limit");
	run_free(&r);
	walk_with(&r, five, sizeof five - 1, &l);
	is_int(r.rc, -1, "limit + 1 parts fail");
	is_int(r.e.cls, ERR_INPUT, "too many parts: ERR_INPUT");
	is_str(r.e.reason, "more than 5 MIME parts", "too many parts: reason");
	run_free(&r);

	/* 100,000 parts in a few MB */
	buf_init(&b);
	buf_append_str(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (size_t i = 0; i < 100000; i++)
		buf_append_str(&b, "--b\nContent-Type: text/plain\n\nx\n");
	buf_append_str(&b, "--b--\n");
	walk(&r, (const char *)b.p);
	is_int(r.rc, -1, "100,000 parts fail");
	is_str(r.e.reason, "more than 1000 MIME parts", "100,000 parts: reason");
	run_free(&r);
	buf_free(&b);
}

static void test_header_errors(void)
{
	struct limits l;
	struct run r;
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n"
			"--b\nA: 1\nB: 2\nC: 3\n\nbody\n--b--\n";

	limits_default(&l);
	l.max_headers = 2;
	walk_with(&r, m, strlen(m), &l);
	is_int(r.rc, -1, "part header limit propagates");
	is_str(r.e.reason, "too many header fields (limit 2)", "part header limit: reason");
	run_free(&r);
}

int main(void)
{
	test_google();
	test_report_three_parts();
	test_single_part();
	test_nested();
	test_delimiters();
	test_part_headers();
	test_multipart_as_leaf();
	test_stop();
	test_depth();
	test_parts_limit();
	test_header_errors();
	return tap_done();
}
