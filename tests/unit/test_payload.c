/* Unit tests for payload.c: sniffing by magic bytes, plain JSON (BOM,
 * size cap), and the dispatch to inflate.c and zip.c with its warnings
 * (zip archives themselves are tested in test_zip.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "payload.h"
#include "../tap.h"

static const char report[] =
	"{\"organization-name\":\"Example\",\"report-id\":\"r1\","
	"\"policies\":[{\"policy\":{\"policy-type\":\"sts\"}}]}";

struct res {
	int rc;
	unsigned warn;
	struct err e;
	struct buf out;
};

static void run(struct res *r, const void *p, size_t n, const struct limits *l)
{
	buf_free(&r->out);
	err_clear(&r->e);
	r->warn = 0xdead;
	r->rc = payload_extract(p, n, l, &r->out, &r->warn, &r->e);
}

static int ok_output(const struct res *r, const void *want, size_t n, unsigned warn)
{
	return r->rc == 0 && r->warn == warn && r->out.n == n &&
	       memcmp(r->out.p, want, n) == 0;
}

/* in[0..n) compressed with windowBits wbits (16+15 gzip, 15 zlib). */
static void pack(struct buf *out, const void *in, size_t n, int wbits)
{
	unsigned char tmp[4096];
	z_stream z;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = tmp;
	z.avail_out = sizeof tmp;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		fprintf(stderr, "test setup failed: deflate\n");
		exit(2);
	}
	buf_append(out, tmp, sizeof tmp - z.avail_out);
	deflateEnd(&z);
}

static void test_sniff(void)
{
	static const struct {
		const char *p;
		size_t n;
		enum payload_kind want;
		const char *what;
	} t[] = {
		{ "\x1f\x8b\x08", 3, PAYLOAD_GZIP, "sniff gzip" },
		{ "\x1f", 1, PAYLOAD_UNKNOWN, "sniff lone 1f" },
		{ "x\x9c", 2, PAYLOAD_ZLIB, "sniff zlib 78 9c" },
		{ "x\x01", 2, PAYLOAD_ZLIB, "sniff zlib 78 01" },
		{ "x\xda", 2, PAYLOAD_ZLIB, "sniff zlib 78 da" },
		{ "x\x9d", 2, PAYLOAD_UNKNOWN, "sniff zlib bad check" },
		{ "\x88\x98", 2, PAYLOAD_UNKNOWN, "sniff zlib window > 32K" },
		{ "PK\3\4", 4, PAYLOAD_ZIP, "sniff zip" },
		{ "PK\5\6", 4, PAYLOAD_ZIP, "sniff empty zip" },
		{ "PK\3", 3, PAYLOAD_UNKNOWN, "sniff short PK" },
		{ "{}", 2, PAYLOAD_JSON, "sniff json" },
		{ " \r\n\t{", 5, PAYLOAD_JSON, "sniff json after ws" },
		{ "\xef\xbb\xbf{", 4, PAYLOAD_JSON, "sniff json bom" },
		{ "\xef\xbb{", 3, PAYLOAD_UNKNOWN, "sniff half bom" },
		{ "[1]", 3, PAYLOAD_JSON, "sniff json array" },
		{ "\0{", 2, PAYLOAD_UNKNOWN, "sniff NUL then {" },
		{ "hello", 5, PAYLOAD_UNKNOWN, "sniff text" },
		{ "  ", 2, PAYLOAD_UNKNOWN, "sniff blanks" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_int(payload_sniff((const unsigned char *)t[i].p, t[i].n), t[i].want,
		       t[i].what);
	is_int(payload_sniff(NULL, 0), PAYLOAD_UNKNOWN, "sniff empty");
}

static void test_json(const struct limits *l)
{
	struct res r = { 0 };
	struct limits small = *l;
	char big[200];

	run(&r, report, strlen(report), l);
	ok(ok_output(&r, report, strlen(report), 0), "json: copied as is");
	run(&r, "\r\n {\"a\":1}\r\n", 12, l);
	ok(ok_output(&r, "\r\n {\"a\":1}\r\n", 12, 0), "json: whitespace kept");
	run(&r, "\xef\xbb\xbf{\"a\":1}", 10, l);
	ok(ok_output(&r, "{\"a\":1}", 7, PAYLOAD_WARN_BOM), "json: BOM stripped and warned");
	run(&r, " \xef\xbb\xbf {}", 7, l);
	ok(ok_output(&r, "  {}", 4, PAYLOAD_WARN_BOM), "json: BOM after blanks stripped");
	run(&r, "[{}]", 4, l);
	ok(ok_output(&r, "[{}]", 4, 0), "json: array passed on for report.c to reject");

	run(&r, "hello", 5, l);
	ok(r.rc == -1 && r.e.cls == ERR_NOREPORT, "unknown payload is ERR_NOREPORT");
	is_str(r.e.reason, "attachment is neither JSON, gzip, zlib nor zip", "unknown payload reason");
	run(&r, "", 0, l);
	ok(r.rc == -1 && r.e.cls == ERR_NOREPORT, "empty payload is ERR_NOREPORT");

	small.max_report = 100;
	memset(big, ' ', sizeof big);
	big[0] = '{';
	run(&r, big, 100, &small);
	ok(r.rc == 0 && r.out.n == 100, "json: exactly max_report is fine");
	run(&r, big, 101, &small);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT && r.out.n == 0, "json: max_report + 1 is ERR_INPUT");
	is_str(r.e.reason, "inflated report exceeds 100 bytes", "json: size cap reason");
	memcpy(big, "\xef\xbb\xbf{", 4);
	run(&r, big, 103, &small);
	ok(r.rc == 0 && r.out.n == 100, "json: cap counts the JSON, not the BOM");
	buf_free(&r.out);
}

/* Each kind goes where it belongs, with the stream warnings passed on. */
static void test_dispatch(const struct limits *l)
{
	struct res r = { 0 };
	struct buf g, z;

	buf_init(&g);
	buf_init(&z);
	pack(&g, report, strlen(report), 16 + MAX_WBITS);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "gzip inflated");
	run(&r, g.p, 1, l);
	ok(r.rc == -1 && r.e.cls == ERR_NOREPORT, "gzip: 1-byte prefix is not recognised");
	pack(&g, report, strlen(report), 16 + MAX_WBITS);
	run(&r, g.p, g.n, l);
	ok(r.rc == 0 && r.out.n == 2 * strlen(report) &&
	   r.warn == PAYLOAD_WARN_MULTI_MEMBER, "gzip: two members warned");
	buf_append(&g, "junk", 4);
	run(&r, g.p, g.n, l);
	ok(r.rc == 0 && r.warn == (PAYLOAD_WARN_MULTI_MEMBER | PAYLOAD_WARN_TRAILING_GARBAGE),
	   "gzip: trailing bytes warned");
	pack(&z, report, strlen(report), MAX_WBITS);
	run(&r, z.p, z.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "zlib inflated");
	z.p[z.n - 1] ^= 0x40;
	run(&r, z.p, z.n, l);
	is_str(r.e.reason, "zlib: incorrect data check", "zlib error passed on");
	run(&r, NULL, 0, l);
	is_str(r.e.reason, "attachment is neither JSON, gzip, zlib nor zip", "nothing at all");
	ok(payload_extract((const unsigned char *)"{}", 2, l, &r.out, NULL, &r.e) == 0,
	   "warn may be NULL");
	buf_free(&g);
	buf_free(&z);
	buf_free(&r.out);
}

int main(void)
{
	struct limits l;

	limits_default(&l);
	test_sniff();
	test_json(&l);
	test_dispatch(&l);
	return tap_done();
}
