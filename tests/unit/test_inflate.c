/* Unit tests for inflate.c: gzip (members, trailing bytes, truncation,
 * corruption), zlib, raw deflate, and the size and ratio caps, including
 * a 200 MB gzip bomb built here by streaming zeros through deflate.
 * Sniffing and plain JSON are payload.c's (test_payload.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "inflate.h"
#include "../tap.h"

#define CHUNK ((size_t)64 << 10)

static const char report[] =
	"{\"organization-name\":\"Example\",\"report-id\":\"r1\","
	"\"policies\":[{\"policy\":{\"policy-type\":\"sts\"}}]}";

static void die(const char *what)
{
	fprintf(stderr, "test setup failed: %s\n", what);
	exit(2);
}

/* Deflate in[0..n) with the given windowBits (16+15 gzip, 15 zlib, -15 raw). */
static void deflate_to(struct buf *out, const void *in, size_t n, int wbits)
{
	z_stream z;
	unsigned char tmp[4096];
	int rc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		rc = deflate(&z, Z_FINISH);
		if (buf_append(out, tmp, sizeof tmp - z.avail_out) < 0)
			die("buf_append");
	} while (rc == Z_OK);
	if (rc != Z_STREAM_END)
		die("deflate");
	deflateEnd(&z);
}

static void gz(struct buf *out, const void *in, size_t n)
{
	deflate_to(out, in, n, 16 + MAX_WBITS);
}

/* `megs` MiB of zeros as one gzip stream, fed piecewise as a sender would. */
static void gz_zeros(struct buf *out, size_t megs, size_t extra)
{
	static unsigned char zeros[1 << 20];
	unsigned char tmp[1 << 16];
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	for (size_t i = 0; i <= megs; i++) {
		int flush = i == megs ? Z_FINISH : Z_NO_FLUSH;

		z.next_in = zeros;
		z.avail_in = (uInt)(i == megs ? extra : sizeof zeros);
		do {
			z.next_out = tmp;
			z.avail_out = sizeof tmp;
			rc = deflate(&z, flush);
			if (buf_append(out, tmp, sizeof tmp - z.avail_out) < 0)
				die("buf_append");
		} while (z.avail_out == 0 || (flush == Z_FINISH && rc == Z_OK));
	}
	if (rc != Z_STREAM_END)
		die("deflate bomb");
	deflateEnd(&z);
}

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
	if (n >= 2 && memcmp(p, "\x1f\x8b", 2) == 0)
		r->rc = inflate_gzip(p, n, l, &r->out, &r->warn, &r->e);
	else
		r->rc = inflate_zlib(p, n, l, &r->out, &r->warn, &r->e);
}

static int ok_output(const struct res *r, const void *want, size_t n, unsigned warn)
{
	return r->rc == 0 && r->warn == warn && r->out.n == n &&
	       memcmp(r->out.p, want, n) == 0;
}

static void test_gzip(const struct limits *l)
{
	struct res r = { 0 };
	struct buf g, two;

	buf_init(&g);
	buf_init(&two);
	gz(&g, report, strlen(report));
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "gzip: single member");

	gz(&two, report, 20);
	gz(&two, report + 20, strlen(report) - 20);
	run(&r, two.p, two.n, l);
	ok(ok_output(&r, report, strlen(report), INFLATE_WARN_MULTI_MEMBER),
	   "gzip: two members concatenated, warned");

	buf_append(&g, "\r\n\0 \t", 5);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "gzip: trailing CRLF/NUL/blanks silent");

	buf_append(&g, "junk", 4);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, report, strlen(report), INFLATE_WARN_TRAILING_GARBAGE),
	   "gzip: trailing garbage is a warning");

	buf_reset(&two);
	gz(&two, "", 0);
	run(&r, two.p, two.n, l);
	ok(r.rc == 0 && r.out.n == 0 && r.warn == 0, "gzip: empty member");

	buf_reset(&g);
	buf_append(&g, "X", 1);
	buf_reset(&two);
	gz(&two, "abc", 3);
	r.rc = inflate_gzip(two.p, two.n, l, &g, NULL, &r.e);
	ok(r.rc == 0 && g.n == 4 && memcmp(g.p, "Xabc", 4) == 0,
	   "gzip: appends to out, warn may be NULL");
	buf_free(&g);
	buf_free(&two);
	buf_free(&r.out);
}

static void test_gzip_truncated(const struct limits *l)
{
	struct res r = { 0 };
	struct buf g;
	size_t bad = 0;

	buf_init(&g);
	gz(&g, report, strlen(report));
	for (size_t k = 2; k < g.n; k++) {
		run(&r, g.p, k, l);
		if (r.rc != -1 || r.e.cls != ERR_INPUT ||
		    strcmp(r.e.reason, "gzip: truncated stream") != 0) {
			printf("# prefix %zu: rc %d cls %d %s\n", k, r.rc, r.e.cls, r.e.reason);
			bad++;
		}
	}
	is_int(bad, 0, "gzip: every prefix >= 2 bytes is 'gzip: truncated stream'");

	/* A second member cut short is an error, not trailing garbage. */
	buf_reset(&g);
	gz(&g, "abc", 3);
	gz(&g, "def", 3);
	run(&r, g.p, g.n - 3, l);
	is_str(r.e.reason, "gzip: truncated stream", "gzip: truncated second member");
	is_int(r.e.cls, ERR_INPUT, "gzip: truncated second member is ERR_INPUT");
	buf_free(&g);
	buf_free(&r.out);
}

static void test_gzip_corrupt(const struct limits *l)
{
	struct res r = { 0 };
	struct buf g;
	size_t bad = 0;

	buf_init(&g);
	gz(&g, report, strlen(report));
	g.p[g.n - 8] ^= 1;      /* CRC32 in the trailer */
	run(&r, g.p, g.n, l);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "gzip: bad CRC is ERR_INPUT");
	is_str(r.e.reason, "gzip: incorrect data check", "gzip: bad CRC reason from zlib");
	g.p[g.n - 8] ^= 1;
	g.p[g.n - 4] ^= 1;      /* ISIZE */
	run(&r, g.p, g.n, l);
	is_str(r.e.reason, "gzip: incorrect length check", "gzip: bad ISIZE reason");
	g.p[g.n - 4] ^= 1;
	g.p[2] = 7;             /* CM */
	run(&r, g.p, g.n, l);
	is_str(r.e.reason, "gzip: unknown compression method", "gzip: bad method reason");
	g.p[2] = 8;
	g.p[10] = 0xff;         /* first deflate block header: reserved type 3 */
	run(&r, g.p, g.n, l);
	is_str(r.e.reason, "gzip: invalid block type", "gzip: corrupt deflate data");

	/* Every single-byte corruption: never a crash, only sane outcomes. */
	buf_reset(&g);
	gz(&g, report, strlen(report));
	for (size_t i = 0; i < g.n; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			unsigned char save = g.p[i];

			g.p[i] = (unsigned char)v;
			run(&r, g.p, g.n, l);
			g.p[i] = save;
			if (r.rc != 0 && r.e.cls != ERR_INPUT && r.e.cls != ERR_NOREPORT)
				bad++;
			if (r.out.n > l->max_report)
				bad++;
		}
	}
	is_int(bad, 0, "gzip: byte corruptions give success, ERR_INPUT or ERR_NOREPORT");
	buf_free(&g);
	buf_free(&r.out);
}

static void test_zlib(const struct limits *l)
{
	struct res r = { 0 };
	struct buf z;
	size_t bad = 0;
	z_stream d;
	unsigned char tmp[256];

	buf_init(&z);
	deflate_to(&z, report, strlen(report), MAX_WBITS);
	run(&r, z.p, z.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "zlib: wrapped stream");

	buf_append(&z, "\r\n", 2);
	run(&r, z.p, z.n, l);
	ok(ok_output(&r, report, strlen(report), 0), "zlib: trailing CRLF silent");
	buf_append(&z, "x", 1);
	run(&r, z.p, z.n, l);
	ok(ok_output(&r, report, strlen(report), INFLATE_WARN_TRAILING_GARBAGE),
	   "zlib: trailing garbage warned");
	z.n -= 3;

	for (size_t k = 2; k < z.n; k++) {
		run(&r, z.p, k, l);
		if (r.rc != -1 || strcmp(r.e.reason, "zlib: truncated stream") != 0)
			bad++;
	}
	is_int(bad, 0, "zlib: every prefix is 'zlib: truncated stream'");

	z.p[z.n - 1] ^= 0x40;   /* Adler-32 */
	run(&r, z.p, z.n, l);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "zlib: bad Adler-32 is ERR_INPUT");
	is_str(r.e.reason, "zlib: incorrect data check", "zlib: bad Adler-32 reason");

	/* A preset dictionary cannot be supplied by a sender: refuse. */
	memset(&d, 0, sizeof d);
	deflateInit(&d, 9);
	deflateSetDictionary(&d, (const unsigned char *)"dict", 4);
	d.next_in = (unsigned char *)(uintptr_t)report;
	d.avail_in = (uInt)strlen(report);
	d.next_out = tmp;
	d.avail_out = sizeof tmp;
	if (deflate(&d, Z_FINISH) != Z_STREAM_END)
		die("deflate dict");
	run(&r, tmp, sizeof tmp - d.avail_out, l);
	deflateEnd(&d);
	is_int(r.e.cls, ERR_INPUT, "zlib: preset dictionary is ERR_INPUT");
	is_str(r.e.reason, "zlib: preset dictionary not supported", "zlib: preset dictionary reason");
	buf_free(&z);
	buf_free(&r.out);
}

static void test_raw(const struct limits *l)
{
	struct buf d, out;
	struct err e;
	size_t bad = 0;

	buf_init(&d);
	buf_init(&out);
	deflate_to(&d, report, strlen(report), -MAX_WBITS);
	ok(inflate_raw(d.p, d.n, l, &out, &e) == 0 && out.n == strlen(report) &&
	   memcmp(out.p, report, out.n) == 0, "raw: round trip");
	buf_append(&d, "trailing", 8);
	buf_reset(&out);
	ok(inflate_raw(d.p, d.n, l, &out, &e) == 0 && out.n == strlen(report),
	   "raw: bytes after the stream are ignored");
	d.n -= 8;
	for (size_t k = 0; k < d.n; k++) {
		buf_reset(&out);
		if (inflate_raw(d.p, k, l, &out, &e) != -1 || e.cls != ERR_INPUT ||
		    strcmp(e.reason, "deflate: truncated stream") != 0)
			bad++;
	}
	is_int(bad, 0, "raw: every prefix (including empty) is 'deflate: truncated stream'");
	buf_free(&d);
	buf_free(&out);
}

static void test_caps(const struct limits *l)
{
	struct res r = { 0 };
	struct limits small = *l;
	struct buf g;
	static char text[101];

	buf_init(&g);
	small.max_report = 100;
	memset(text, 'a', sizeof text);
	gz(&g, text, 100);
	run(&r, g.p, g.n, &small);
	ok(r.rc == 0 && r.out.n == 100, "cap: exactly max_report inflates");
	buf_reset(&g);
	gz(&g, text, 101);
	run(&r, g.p, g.n, &small);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "cap: max_report + 1 is ERR_INPUT");
	is_str(r.e.reason, "inflated report exceeds 100 bytes", "cap: size reason");
	ok(r.out.n <= 100, "cap: nothing beyond the cap was appended");

	/* The cap counts all members together. */
	buf_reset(&g);
	gz(&g, text, 60);
	gz(&g, text, 60);
	run(&r, g.p, g.n, &small);
	is_str(r.e.reason, "inflated report exceeds 100 bytes", "cap: counted across members");

	/* The 1 MiB floor lets a tiny, highly compressed input through. */
	small = *l;
	small.max_ratio = 100;
	buf_reset(&g);
	gz_zeros(&g, 1, 0);
	ok(100 * g.n < ((size_t)1 << 20), "floor: 1 MiB of zeros compresses beyond 100:1");
	run(&r, g.p, g.n, &small);
	ok(r.rc == 0 && r.out.n == ((size_t)1 << 20), "floor: 1 MiB at any ratio is accepted");
	buf_reset(&g);
	gz_zeros(&g, 1, 1);
	run(&r, g.p, g.n, &small);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "floor: 1 MiB + 1 above the ratio is refused");
	is_str(r.e.reason, "compression ratio above 100:1", "floor: ratio reason");
	ok(r.out.n <= ((size_t)1 << 20), "floor: stopped at the floor");
	buf_free(&g);
	buf_free(&r.out);
}

static void test_bomb(const struct limits *l)
{
	struct res r = { 0 };
	struct limits lr = *l;
	struct buf g;

	buf_init(&g);
	gz_zeros(&g, 200, 0);
	printf("# 200 MiB of zeros -> %zu gzip bytes\n", g.n);
	ok(g.n < ((size_t)400 << 10), "bomb: built a compact 200 MiB stream");

	/* Above 64 MiB the default size cap is the tighter one. */
	run(&r, g.p, g.n, l);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "bomb: refused with default limits");
	is_str(r.e.reason, "inflated report exceeds 67108864 bytes", "bomb: size reason");
	ok(r.out.n <= l->max_report + CHUNK, "bomb: out.n never exceeded max_report + 64 KiB");

	lr.max_ratio = 100;
	run(&r, g.p, g.n, &lr);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "bomb: refused by a lowered ratio");
	is_str(r.e.reason, "compression ratio above 100:1", "bomb: ratio reason");
	ok(r.out.n <= 100 * g.n && r.out.n <= lr.max_report + CHUNK,
	   "bomb: stopped at the ratio cap");

	/* Below 64 MiB the default 1000:1 ratio is the tighter cap. */
	buf_reset(&g);
	gz_zeros(&g, 60, 0);
	run(&r, g.p, g.n, l);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "bomb: 60 MiB of zeros refused with default limits");
	is_str(r.e.reason, "compression ratio above 1000:1", "bomb: default ratio reason");
	ok(r.out.n <= 1000 * g.n, "bomb: stopped at 1000 * compressed size");
	buf_free(&g);
	buf_free(&r.out);
}

/* A big output, and the size the gzip trailer announces is no more than
 * a number: several members, bytes after the stream that claim more. */
static void test_gzip_big(const struct limits *l)
{
	struct res r = { 0 };
	struct buf text, g, two;
	uint32_t x = 8460;

	buf_init(&text);
	buf_init(&g);
	buf_init(&two);
	while (text.n < ((size_t)4 << 20) + 333333) {
		char word[32];

		x = x * 1103515245u + 12345u;
		snprintf(word, sizeof word, "{\"n\":%u},", (unsigned)(x >> 16));
		if (buf_append_str(&text, word) < 0)
			die("buf_append");
	}
	gz(&g, text.p, text.n);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, text.p, text.n, 0), "gzip big: 4 MiB and more");

	gz(&two, text.p, 1000);
	gz(&two, text.p + 1000, text.n - 1000);
	run(&r, two.p, two.n, l);
	ok(ok_output(&r, text.p, text.n, INFLATE_WARN_MULTI_MEMBER),
	   "gzip big: two members, the trailer tells only the last one's size");

	buf_append(&g, "\0\0\0\x02", 4);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, text.p, text.n, INFLATE_WARN_TRAILING_GARBAGE),
	   "gzip big: trailing bytes that claim 32 MiB");

	buf_append(&g, "junk", 4);
	run(&r, g.p, g.n, l);
	ok(ok_output(&r, text.p, text.n, INFLATE_WARN_TRAILING_GARBAGE),
	   "gzip big: trailing bytes that claim more than the caps");
	buf_free(&text);
	buf_free(&g);
	buf_free(&two);
	buf_free(&r.out);
}

int main(void)
{
	struct limits l;

	limits_default(&l);
	test_gzip(&l);
	test_gzip_big(&l);
	test_gzip_truncated(&l);
	test_gzip_corrupt(&l);
	test_zlib(&l);
	test_raw(&l);
	test_caps(&l);
	test_bomb(&l);
	return tap_done();
}
