/* Unit tests for header parsing: line endings, folding, limits, media
 * types, parameters (RFC 2045/2231) and encoded words (RFC 2047).  Every
 * input is copied into a heap block of exactly its size so ASan catches
 * any read past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "../tap.h"

/* Exact-size heap copy of a test input (never NUL-terminated). */
static unsigned char *dup_exact(const char *s, size_t n)
{
	unsigned char *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, s, n);
	return p;
}


/* Field i of h as "name|value" (raw value), for compact assertions. */
static const char *field_str(const struct headers *h, size_t i)
{
	static char out[512];

	if (i >= h->n)
		return "(none)";
	snprintf(out, sizeof out, "%.*s|%.*s", (int)h->v[i].name_n, (const char *)h->v[i].name,
		 (int)h->v[i].value_n, (const char *)h->v[i].value);
	return out;
}

struct parsed {
	unsigned char *p;
	size_t n, body_off;
	struct headers h;
	struct err e;
	int rc;
};

static void parse_with(struct parsed *r, const char *s, size_t n, const struct limits *l)
{
	r->p = dup_exact(s, n);
	r->n = n;
	r->body_off = 12345;
	headers_init(&r->h);
	err_clear(&r->e);
	r->rc = header_parse(r->p, n, l, &r->h, &r->body_off, &r->e);
}

static void parse(struct parsed *r, const char *s, size_t n)
{
	struct limits l;

	limits_default(&l);
	parse_with(r, s, n, &l);
}

static void parsed_free(struct parsed *r)
{
	headers_free(&r->h);
	free(r->p);
}

#define PARSE(r, lit) parse((r), (lit), sizeof(lit) - 1)

static void test_line_endings(void)
{
	struct parsed r;

	PARSE(&r, "Subject: hi\nFrom: a@b\n\nbody\n");
	is_int(r.rc, 0, "LF: parses");
	is_int(r.h.n, 2, "LF: two fields");
	is_str(field_str(&r.h, 0), "Subject| hi", "LF: first field");
	is_str(field_str(&r.h, 1), "From| a@b", "LF: second field");
	is_int(r.body_off, 23, "LF: body starts after the empty line");
	parsed_free(&r);

	PARSE(&r, "Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n");
	is_int(r.h.n, 2, "CRLF: two fields");
	is_str(field_str(&r.h, 0), "Subject| hi", "CRLF: CR not in value");
	is_int(r.body_off, 26, "CRLF: body offset");
	parsed_free(&r);

	PARSE(&r, "A: 1\r\nB: 2\nC: 3\r\n\nbody");
	is_int(r.h.n, 3, "mixed: three fields");
	is_str(field_str(&r.h, 1), "B| 2", "mixed: LF field");
	is_str(field_str(&r.h, 2), "C| 3", "mixed: CRLF field");
	is_int(r.body_off, 18, "mixed: LF empty line after CRLF field");
	parsed_free(&r);

	PARSE(&r, "A: 1\n\r\nbody");
	is_int(r.body_off, 7, "CRLF empty line after LF field");
	parsed_free(&r);

	PARSE(&r, "A: 1\nB: 2");
	is_int(r.h.n, 2, "no empty line: fields");
	is_str(field_str(&r.h, 1), "B| 2", "no final newline: value to the end");
	is_int(r.body_off, 9, "no empty line: body_off = n");
	parsed_free(&r);

	PARSE(&r, "A: 1\r\nB: 2\r");
	is_str(field_str(&r.h, 1), "B| 2", "trailing CR at end of input not in value");
	parsed_free(&r);

	PARSE(&r, "");
	is_int(r.rc, 0, "empty input parses");
	is_int(r.h.n, 0, "empty input: no fields");
	is_int(r.body_off, 0, "empty input: body_off 0");
	parsed_free(&r);

	PARSE(&r, "\r\nbody");
	is_int(r.h.n, 0, "leading empty line: no fields");
	is_int(r.body_off, 2, "leading empty line: body after it");
	parsed_free(&r);
}

static void test_folding(void)
{
	struct parsed r;
	struct buf b;

	buf_init(&b);
	PARSE(&r, "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\n");
	is_int(r.h.n, 2, "folded: two fields");
	is_str(field_str(&r.h, 0), "Subject| a\r\n b\r\n\tc", "folded value raw with folds");
	header_unfold(r.h.v[0].value, r.h.v[0].value_n, &b);
	is_str((char *)b.p, "a b c", "unfolded");
	parsed_free(&r);

	buf_reset(&b);
	PARSE(&r, "Subject:\n Report\n Domain:\n example.com\n Submitter:\n google.com\nTo: x\n\n");
	is_int(r.h.n, 2, "one token per line: two fields");
	header_unfold(r.h.v[0].value, r.h.v[0].value_n, &b);
	is_str((char *)b.p, "Report Domain: example.com Submitter: google.com",
	       "subject folded one token per line");
	parsed_free(&r);

	PARSE(&r, " stray continuation\nA: 1\n\n");
	is_int(r.h.n, 1, "leading continuation line ignored");
	is_str(field_str(&r.h, 0), "A| 1", "field after it kept");
	parsed_free(&r);

	buf_reset(&b);
	header_unfold((const unsigned char *)" \t a \r\n  b\n\tc \r\n", 16, &b);
	is_str((char *)b.p, "a  b c", "unfold: trim, fold to one space, keep inner spaces");
	buf_reset(&b);
	header_unfold((const unsigned char *)"a\r\nb", 4, &b);
	is_str((char *)b.p, "ab", "unfold: bare line break without WSP removed");
	buf_free(&b);
	header_unfold(NULL, 0, &b);
	ok(b.p != NULL && b.n == 0, "unfold: empty value gives an empty string");
	buf_free(&b);
}

static void test_names(void)
{
	struct parsed r;
	const struct header_field *f;

	PARSE(&r, "CONTENT-TYPE: text/html\nContentType: x/y\nSubject : obs\n\n");
	is_int(r.h.n, 3, "names: three fields");
	f = header_find(&r.h, "content-type");
	ok(f == &r.h.v[0], "find is case-insensitive");
	f = header_find(&r.h, "Subject");
	ok(f != NULL && f->value_n == 4 && memcmp(f->value, " obs", 4) == 0,
	   "obsolete WSP before colon: name without it");
	ok(header_find(&r.h, "ContentType") == &r.h.v[1], "misspelt ContentType is its own field");
	ok(header_find(&r.h, "Content") == NULL, "prefix is not a match");
	ok(header_find(&r.h, "Missing") == NULL, "missing field");
	parsed_free(&r);

	PARSE(&r, "A: 1\nA: 2\n\n");
	ok(header_find(&r.h, "a") == &r.h.v[0], "first of duplicate fields");
	parsed_free(&r);

	PARSE(&r, "A: 1\nnot a header line\nB: 2\n\n");
	is_int(r.h.n, 1, "line without colon ends the block");
	is_int(r.body_off, 5, "body starts at that line");
	parsed_free(&r);

	PARSE(&r, "A: 1\nFrom sender Thu May 16\nB: 2\n");
	is_int(r.h.n, 1, "mbox From_ line inside is not a field");
	parsed_free(&r);

	PARSE(&r, ": empty name\n");
	is_int(r.h.n, 0, "empty name is not a field");
	is_int(r.body_off, 0, "body starts at it");
	parsed_free(&r);
}

static void test_limits(void)
{
	struct limits l;
	struct parsed r;
	size_t big = 1000000, n;
	char *s;

	limits_default(&l);
	l.max_headers = 3;
	parse_with(&r, "A: 1\nB: 2\nC: 3\n\n", 16, &l);
	is_int(r.rc, 0, "exactly max_headers fields");
	parsed_free(&r);
	parse_with(&r, "A: 1\nB: 2\nC: 3\nD: 4\n\n", 21, &l);
	is_int(r.rc, -1, "max_headers + 1 fails");
	is_int(r.e.cls, ERR_INPUT, "too many fields: ERR_INPUT");
	is_str(r.e.reason, "too many header fields (limit 3)", "too many fields: reason");
	parsed_free(&r);

	limits_default(&l);
	l.max_header_line = 10;
	parse_with(&r, "Ab: 1234567\n\n", 13, &l);
	is_int(r.rc, 0, "name + value = limit is fine");
	parsed_free(&r);
	parse_with(&r, "Ab: 12345678\n\n", 14, &l);
	is_int(r.rc, -1, "name + value = limit + 1 fails");
	is_str(r.e.reason, "header field longer than 10 bytes", "long field: reason");
	is_int(r.e.cls, ERR_INPUT, "long field: ERR_INPUT");
	parsed_free(&r);
	parse_with(&r, "Ab: 1\n 2\n 34\n\n", 14, &l);
	is_int(r.rc, -1, "folds count towards the field length");
	parsed_free(&r);

	/* one million short fields must stop at the limit, quickly */
	n = big * 5 + 1;
	s = malloc(n);
	if (s == NULL)
		abort();
	for (size_t i = 0; i < big; i++)
		memcpy(s + i * 5, "a: b\n", 5);
	s[n - 1] = '\n';
	parse(&r, s, n);
	is_int(r.rc, -1, "1M header lines fail");
	is_str(r.e.reason, "too many header fields (limit 1000)", "1M header lines: reason");
	parsed_free(&r);

	/* and a million continuation lines of one field hit the length limit */
	for (size_t i = 0; i < big; i++)
		memcpy(s + i * 5, " b c\n", 5);
	memcpy(s, "a: b\n", 5);
	parse(&r, s, n);
	is_str(r.e.reason, "header field longer than 65536 bytes", "1M fold lines: reason");
	parsed_free(&r);

	/* a 1 MB single line */
	memset(s, 'x', n);
	memcpy(s, "Subject: ", 9);
	parse(&r, s, (size_t)1 << 20);
	is_int(r.rc, -1, "1 MB header line fails");
	is_int(r.e.cls, ERR_INPUT, "1 MB header line: ERR_INPUT");
	is_str(r.e.reason, "header field longer than 65536 bytes", "1 MB header line: reason");
	parsed_free(&r);
	free(s);
}

static void check_type(const char *v, int want_rc, const char *want, const char *what)
{
	unsigned char *p = dup_exact(v, strlen(v));
	char out[64];

	memset(out, 'Z', sizeof out);
	is_int(header_media_type(p, strlen(v), out, sizeof out), want_rc, what);
	is_str(out, want, what);
	free(p);
}

static void test_media_type(void)
{
	char small[10];

	check_type("multipart/report; report-type=tlsrpt; boundary=\"----=_Part_1\"", 0,
		   "multipart/report", "media type without parameters");
	check_type("application/tlsrpt+gzip; name=x", 0, "application/tlsrpt+gzip", "tlsrpt+gzip");
	check_type("Application/TLSRPT+GZIP", 0, "application/tlsrpt+gzip", "lowercased");
	check_type(" (a comment) text/plain (another)", 0, "text/plain", "comments around");
	check_type("text (c) / (c) html", 0, "text/html", "comments around the slash");
	check_type("(nested (comment)) image/png", 0, "image/png", "nested comment");
	check_type("\r\n\tmultipart/mixed;\r\n\tboundary=x", 0, "multipart/mixed", "raw folded value");
	check_type("text", -1, "", "no subtype");
	check_type("text/", -1, "", "empty subtype");
	check_type("/plain", -1, "", "empty type");
	check_type("", -1, "", "empty value");
	check_type("(unterminated comment text/plain", -1, "", "everything in a comment");
	is_int(header_media_type((const unsigned char *)"text/plain", 10, small, sizeof small), -1,
	       "too long for out");
	is_str(small, "", "too long: out empty");
	is_int(header_media_type((const unsigned char *)"text/plai", 9, small, 10), 0,
	       "exactly fits out with the NUL");
}

static void check_param(const char *v, const char *name, int want_rc, const char *want,
			const char *what)
{
	size_t n = strlen(v);
	unsigned char *p = dup_exact(v, n);
	struct buf b;
	int rc;

	buf_init(&b);
	rc = header_param(p, n, name, &b);
	is_int(rc, want_rc, what);
	if (want != NULL)
		is_mem(b.p, b.n, want, strlen(want), what);
	else
		is_int(b.n, 0, what);
	buf_free(&b);
	free(p);
}

static void test_params(void)
{
	const char *ct = "multipart/report; report-type=tlsrpt; boundary=\"----=_Part_1\"";

	check_param(ct, "boundary", 1, "----=_Part_1", "quoted boundary");
	check_param(ct, "report-type", 1, "tlsrpt", "token report-type");
	check_param(ct, "BOUNDARY", 1, "----=_Part_1", "lookup name case-insensitive");
	check_param("multipart/report; Boundary=----=_Part_0_1.2; Report-Type=tlsrpt",
		    "report-type", 1, "tlsrpt", "unquoted report-type after boundary");
	check_param("multipart/report; Boundary=----=_Part_0_1.2; Report-Type=tlsrpt",
		    "boundary", 1, "----=_Part_0_1.2", "unquoted boundary with '='");
	check_param(ct, "charset", 0, NULL, "absent parameter");
	check_param("text/plain", "charset", 0, NULL, "no parameters");
	check_param("", "charset", 0, NULL, "empty value");
	check_param("application/gzip; name=\"report.json.gz \"", "name", 1, "report.json.gz ",
		    "trailing space inside quotes kept");
	check_param("multipart/report; report-type=tlsrpt;\r\n\tboundary=\"b1\"", "boundary", 1,
		    "b1", "TAB fold between parameters");
	check_param("multipart/report (c); (c) boundary (c) = (c) \"b1\" (c); report-type=tlsrpt",
		    "boundary", 1, "b1", "comments around parameter parts");
	check_param("multipart/report (c); (c) boundary (c) = (c) \"b1\" (c); report-type=tlsrpt",
		    "report-type", 1, "tlsrpt", "parameter after a commented one");
	check_param("text/plain; charset=utf-8(comment)", "charset", 1, "utf-8",
		    "comment right after a token value");
	check_param("attachment; filename=\"a\\\"b\\\\c;d\"", "filename", 1, "a\"b\\c;d",
		    "backslash escapes and ';' inside quotes");
	check_param("attachment; filename=\"abc", "filename", 1, "abc", "unterminated quote");
	check_param("attachment; filename=\"\"", "filename", 1, "", "empty quoted value");
	check_param("x/y; junk; ;= ; boundary=b", "boundary", 1, "b", "junk segments skipped");
	check_param("x/y; boundaryx=1; xboundary=2", "boundary", 0, NULL, "name must match exactly");
	check_param("x/y; name=\"a\r\n b\"", "name", 1, "a b", "fold inside quotes unfolded");
	check_param("x/y; a=\"1;b=2\"; b=3", "b", 1, "3", "no match inside a quoted value");
	check_param("attachment;\r\n filename=\"x.json.gz\"", "filename", 1, "x.json.gz",
		    "Content-Disposition filename");
}

static void test_rfc2231(void)
{
	check_param("attachment; filename*=UTF-8''google.com%21example.com%211715990400%211716076800.json.gz",
		    "filename", 1, "google.com!example.com!1715990400!1716076800.json.gz",
		    "RFC 2231 extended value");
	check_param("attachment; filename*=''a%2", "filename", 1, "a%2", "truncated escape kept");
	check_param("attachment; filename*=%41%zz", "filename", 1, "A%zz",
		    "no charset prefix; bad escape kept");
	check_param("attachment; filename*0*=UTF-8''abc%20; filename*1*=def.json.gz", "filename", 1,
		    "abc def.json.gz", "starred sections");
	check_param("attachment; filename*0=\"abc\"; filename*1=\"def\"", "filename", 1, "abcdef",
		    "quoted sections");
	check_param("attachment; filename*1=\"def\"; filename*0=\"abc\"", "filename", 1, "abcdef",
		    "sections out of order");
	check_param("attachment; filename*2=ghi; filename*0*=us-ascii'en'a%2Fb; filename*1=\"%2F\"",
		    "filename", 1, "a/b%2Fghi", "only starred sections are percent-decoded");
	check_param("attachment; filename*0=a; filename*2=c", "filename", 1, "a",
		    "a gap ends the sections");
	check_param("attachment; filename*1=b; filename=plain", "filename", 1, "plain",
		    "no section 0: plain value");
	check_param("attachment; filename=\"plain.gz\"; filename*=UTF-8''ext.gz", "filename", 1,
		    "ext.gz", "extended value preferred to the plain one");
	check_param("attachment; filename*0=a; filename*0=b; filename*1=c", "filename", 1, "ac",
		    "first of duplicate sections");
	check_param("attachment; filename*x=1; filename*1x=2", "filename", 0, NULL,
		    "malformed section names ignored");
	check_param("attachment; FILENAME*0*=UTF-8''%41", "filename", 1, "A",
		    "section name case-insensitive");
}

static void check_words(const char *v, const char *want, const char *what)
{
	size_t n = strlen(v);
	unsigned char *p = dup_exact(v, n);
	struct buf b;

	buf_init(&b);
	is_int(header_decode_words(p, n, &b), 0, what);
	is_mem(b.p, b.n, want, strlen(want), what);
	buf_free(&b);
	free(p);
}

static void test_encoded_words(void)
{
	struct buf b;
	size_t n = 1 << 20;
	char *s;

	check_words("Report Domain: example.com", "Report Domain: example.com", "plain text");
	check_words("=?UTF-8?B?w6lkw6k=?=", "\xc3\xa9" "d\xc3\xa9", "B word");
	check_words("=?UTF-8?B?w6lkw6k?=", "\xc3\xa9" "d\xc3\xa9", "B word without padding");
	check_words("=?utf-8?q?caf=C3=A9_bar?=", "caf\xc3\xa9 bar", "Q word");
	check_words("=?ISO-8859-1?Q?caf=E9?=", "caf\xc3\xa9", "ISO-8859-1 to UTF-8");
	check_words("=?windows-1252?q?=E9?=", "\xc3\xa9", "windows-1252 as latin-1");
	check_words("=?us-ascii?q?a_b?=", "a b", "us-ascii");
	check_words("=?utf-8*en?q?hi?=", "hi", "RFC 2231 language in charset");
	check_words("=?utf-8?q?a?= =?utf-8?q?b?=", "ab", "adjacent words joined");
	check_words("=?utf-8?q?a?=\t \t=?utf-8?q?b?=", "ab", "tabs between words dropped");
	check_words("=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b", "text between words kept");
	check_words("x =?utf-8?q?a?= y", "x a y", "spaces around a word kept");
	check_words("=?utf-8?q?a?=b", "ab", "text right after a word");
	check_words("=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9", "character split across words");
	check_words("Subject: =?UTF-8?B?VMOkZ2xpY2hlIMOcYmVycHLDvGZ1bmc=?=",
		    "Subject: T\xc3\xa4gliche \xc3\x9c" "berpr\xc3\xbc" "fung", "umlauts");
	check_words("=?UTF-8?B?Z29vZ2xlLmNvbSFleGFtcGxlLmNvbSExNzE1OTkwNDAwITE3MTYwNzY4MDAuanNvbi5neg==?=",
		    "google.com!example.com!1715990400!1716076800.json.gz", "encoded file name");
	check_words("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", "unknown encoding left as is");
	check_words("=?utf-8?q?abc", "=?utf-8?q?abc", "unterminated word left as is");
	check_words("=?utf-8?b?!!!?=", "=?utf-8?b?!!!?=", "bad base64 left as is");
	check_words("=?utf-8?b?QQ=x?=", "=?utf-8?b?QQ=x?=", "data after padding left as is");
	check_words("=?utf-8?q?a=Z1?=", "=?utf-8?q?a=Z1?=", "bad Q escape left as is");
	check_words("=?utf-8?q?a b?=", "=?utf-8?q?a b?=", "space inside a word left as is");
	check_words("=??q?a?=", "=??q?a?=", "empty charset left as is");
	check_words("=?koi8-r?q?abc?= =?utf-8?q?d?=", "=?koi8-r?q?abc?= d",
		    "unsupported charset left as is, no joining with it");
	check_words("=?utf-8?q?a?= =?bad =?utf-8?q?b?=", "a =?bad b", "malformed word between");
	check_words("=?utf-8?q?=FF?=", "\xef\xbf\xbd", "invalid UTF-8 replaced");
	check_words("=?utf-8?q?a=00b?=", "a\xef\xbf\xbd" "b", "NUL replaced");
	check_words("caf\xe9", "caf\xef\xbf\xbd", "raw 8-bit text cleaned");
	check_words("=?utf-8?q?" "?=", "", "empty word");
	check_words("a =?=?=?= b", "a =?=?=?= b", "question marks and equals");
	/* 'B' text: the alphabet's last two bytes, padding, a lone sextet */
	check_words("=?iso-8859-1?b?+/8=?=", "\xc3\xbb\xc3\xbf", "B word with '+' and '/'");
	check_words("=?utf-8?b?QUI=?=", "AB", "B word, one pad");
	check_words("=?utf-8?b?QQ?=", "A", "B word, two pads missing");
	check_words("=?utf-8?b?QQ===?=", "A", "B word, a pad too many");
	check_words("=?utf-8?b?QUJDR?=", "ABC", "B word, lone last sextet dropped");
	check_words("=?utf-8?b?Q?=", "", "B word of one sextet");
	check_words("=?utf-8?b?QUJD!?=", "=?utf-8?b?QUJD!?=", "lone sextet outside the alphabet left as is");
	check_words("=?utf-8?b?QQ==QQ==?=", "=?utf-8?b?QQ==QQ==?=", "data after the pads left as is");
	check_words("=?utf-8?b?QQ.=?=", "=?utf-8?b?QQ.=?=", "a byte outside the alphabet left as is");
	check_words("=?utf-8?b?" "?=", "", "empty B word");
	check_words("=?utf-8?b?==?=", "", "B word of pads");
	check_words("=?utf-8?b?AGE=?=", "\xef\xbf\xbd" "a", "NUL from a B word replaced");
	check_words("=?iso-8859-1?b?6Q==?=", "\xc3\xa9", "B word in latin-1");
	/* 'Q' text: hex in either case, '=' at the end, '_' and =5F */
	check_words("=?utf-8?q?=c3=a9=C3=A9?=", "\xc3\xa9\xc3\xa9", "Q hex in either case");
	check_words("=?utf-8?q?a_=5F=20b?=", "a _ b", "Q '_' is a space, =5F an underscore");
	check_words("=?utf-8?q?a=?=", "=?utf-8?q?a=?=", "Q '=' at the end left as is");
	check_words("=?utf-8?q?a=4?=", "=?utf-8?q?a=4?=", "Q '=' with one digit left as is");
	check_words("=?utf-8?q?a=G0?=", "=?utf-8?q?a=G0?=", "Q '=' with a non-hex digit left as is");
	check_words("=?utf-8?q?=3D=3F?=", "=?", "Q '=' and '?' escaped");

	buf_init(&b);
	is_int(header_decode_words(NULL, 0, &b), 0, "empty input");
	ok(b.p != NULL && b.n == 0, "empty input gives an empty string");
	buf_free(&b);

	/* many word starts without an end must stay linear */
	s = malloc(n);
	if (s == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		s[i] = "=?a"[i % 3];
	is_int(header_decode_words((unsigned char *)s, n, &b), 0, "1 MB of word starts");
	is_int(b.n, n, "1 MB of word starts copied");
	buf_free(&b);
	free(s);
}

int main(void)
{
	test_line_endings();
	test_folding();
	test_names();
	test_limits();
	test_media_type();
	test_params();
	test_rfc2231();
	test_encoded_words();
	return tap_done();
}
