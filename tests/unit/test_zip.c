/* Unit tests for zip.c, through payload_unzip (which copies or inflates
 * the entry zip.c finds and checks it).  Archives are built byte by byte by a small
 * writer that records where each header lives, so a test can then patch
 * any field (sizes, CRC, flags, method, offsets, counts) and check the
 * exact outcome. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "payload.h"
#include "zip.h"
#include "../tap.h"

#define MAXENT 80

static const char report[] =
	"{\"organization-name\":\"Example\",\"report-id\":\"r1\","
	"\"policies\":[{\"policy\":{\"policy-type\":\"sts\"}}]}";

struct zipb {
	struct buf b;      /* the archive */
	struct buf cd;     /* central directory under construction */
	size_t count;
	size_t lh[MAXENT]; /* offset of each local header */
	size_t ch[MAXENT]; /* offset of each central header (final) */
	size_t eocd;
};

static void die(const char *what)
{
	fprintf(stderr, "test setup failed: %s\n", what);
	exit(2);
}

static void put(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) < 0)
		die("buf_append");
}

static void put16(struct buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void wr16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void wr32(unsigned char *p, uint32_t v)
{
	wr16(p, v & 0xffff);
	wr16(p + 2, v >> 16);
}

static void raw_deflate(struct buf *out, const void *in, size_t n)
{
	z_stream z;
	unsigned char tmp[4096];
	int rc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		rc = deflate(&z, Z_FINISH);
		put(out, tmp, sizeof tmp - z.avail_out);
	} while (rc == Z_OK);
	if (rc != Z_STREAM_END)
		die("deflate");
	deflateEnd(&z);
}

static void zb_init(struct zipb *z)
{
	memset(z, 0, sizeof *z);
	buf_init(&z->b);
	buf_init(&z->cd);
}

static void zb_free(struct zipb *z)
{
	buf_free(&z->b);
	buf_free(&z->cd);
}

/* One entry; local_extra zero bytes go in the local header only, as real
 * archivers do (timestamps, alignment padding). */
static void zb_add(struct zipb *z, const char *name, const void *data, size_t n,
		   unsigned method, size_t local_extra)
{
	struct buf c;
	uint32_t crc = (uint32_t)crc32(0L, (const unsigned char *)data, (uInt)n);
	size_t name_n = strlen(name);

	if (z->count == MAXENT)
		die("too many entries");
	buf_init(&c);
	if (method == 8)
		raw_deflate(&c, data, n);
	else
		put(&c, data, n);
	z->lh[z->count] = z->b.n;
	put(&z->b, "PK\3\4", 4);
	put16(&z->b, 20);
	put16(&z->b, 0);
	put16(&z->b, method);
	put32(&z->b, 0);                /* time, date */
	put32(&z->b, crc);
	put32(&z->b, (uint32_t)c.n);
	put32(&z->b, (uint32_t)n);
	put16(&z->b, (unsigned)name_n);
	put16(&z->b, (unsigned)local_extra);
	put(&z->b, name, name_n);
	for (size_t i = 0; i < local_extra; i++)
		put(&z->b, "", 1);
	put(&z->b, c.p, c.n);

	z->ch[z->count] = z->cd.n;
	put(&z->cd, "PK\1\2", 4);
	put16(&z->cd, 20);
	put16(&z->cd, 20);
	put16(&z->cd, 0);
	put16(&z->cd, method);
	put32(&z->cd, 0);
	put32(&z->cd, crc);
	put32(&z->cd, (uint32_t)c.n);
	put32(&z->cd, (uint32_t)n);
	put16(&z->cd, (unsigned)name_n);
	put16(&z->cd, 0);               /* extra */
	put16(&z->cd, 0);               /* comment */
	put16(&z->cd, 0);               /* disk */
	put16(&z->cd, 0);               /* internal attributes */
	put32(&z->cd, 0);               /* external attributes */
	put32(&z->cd, (uint32_t)z->lh[z->count]);
	put(&z->cd, name, name_n);
	z->count++;
	buf_free(&c);
}

static void zb_finish(struct zipb *z, const char *comment)
{
	size_t cd_off = z->b.n;

	for (size_t i = 0; i < z->count; i++)
		z->ch[i] += cd_off;
	if (z->cd.n > 0)
		put(&z->b, z->cd.p, z->cd.n);
	z->eocd = z->b.n;
	put(&z->b, "PK\5\6", 4);
	put16(&z->b, 0);
	put16(&z->b, 0);
	put16(&z->b, (unsigned)z->count);
	put16(&z->b, (unsigned)z->count);
	put32(&z->b, (uint32_t)z->cd.n);
	put32(&z->b, (uint32_t)cd_off);
	put16(&z->b, (unsigned)strlen(comment));
	put(&z->b, comment, strlen(comment));
}

/* Central header field offsets. */
#define C_FLAGS 8
#define C_METHOD 10
#define C_CRC 16
#define C_CSIZE 20
#define C_USIZE 24
#define C_DISK 34
#define C_LOCAL 42

struct res {
	int rc;
	size_t entries;
	struct err e;
	struct buf out;
};

static void run(struct res *r, const struct zipb *z, const struct limits *l)
{
	buf_free(&r->out);
	err_clear(&r->e);
	r->entries = 999;
	r->rc = payload_unzip(z->b.p, z->b.n, l, &r->out, &r->entries, &r->e);
}

static int got(const struct res *r, const char *want, size_t entries)
{
	size_t n = strlen(want);

	return r->rc == 0 && r->entries == entries && r->out.n == n &&
	       memcmp(r->out.p, want, n) == 0;
}

static void test_basic(const struct limits *l)
{
	struct res r = { 0 };
	struct zipb z;
	unsigned warn;

	zb_init(&z);
	zb_add(&z, "report.json", report, strlen(report), 0, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, report, 1), "stored entry");
	buf_reset(&r.out);
	ok(payload_extract(z.b.p, z.b.n, l, &r.out, &warn, &r.e) == 0 &&
	   r.out.n == strlen(report) && warn == 0, "payload_extract routes zip, no warning");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "report.json", report, strlen(report), 8, 0);
	zb_finish(&z, "archive comment");
	run(&r, &z, l);
	ok(got(&r, report, 1), "deflated entry, archive comment");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "r.json", report, strlen(report), 8, 7);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, report, 1), "local extra length differs from central");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "empty.json", "", 0, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, "", 1), "empty stored entry");
	zb_free(&z);
	buf_free(&r.out);
}

static void test_choose(const struct limits *l)
{
	struct res r = { 0 };
	struct zipb z;
	unsigned warn = 0;

	zb_init(&z);
	zb_add(&z, "readme.txt", "hello", 5, 0, 0);
	zb_add(&z, "a.json", "{\"a\":1}", 7, 8, 0);
	zb_add(&z, "b.json", "{\"b\":2}", 7, 8, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, "{\"a\":1}", 3), "first .json chosen over an earlier non-json");
	buf_reset(&r.out);
	ok(payload_extract(z.b.p, z.b.n, l, &r.out, &warn, &r.e) == 0 &&
	   warn == PAYLOAD_WARN_ZIP_EXTRA, "payload_extract warns about extra files");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "one.txt", "first", 5, 0, 0);
	zb_add(&z, "two.txt", "second", 6, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, "first", 2), "no .json: first regular entry");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "x.json.txt", "no", 2, 0, 0);
	zb_add(&z, "REPORT.JSON", "yes", 3, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, "yes", 2), ".json suffix matched case-insensitively");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "dir.json/", "", 0, 0, 0);
	zb_add(&z, "dir.json/r.json", report, strlen(report), 8, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(got(&r, report, 1), "directory entry skipped and not counted");
	buf_reset(&r.out);
	ok(payload_extract(z.b.p, z.b.n, l, &r.out, &warn, &r.e) == 0 && warn == 0,
	   "directory entry does not trigger the extra-files warning");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "only/", "", 0, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(r.rc == -1 && r.e.cls == ERR_NOREPORT && r.entries == 0, "only a directory: ERR_NOREPORT");
	is_str(r.e.reason, "zip: no file in archive", "only a directory: reason");
	zb_free(&z);

	zb_init(&z);
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(z.b.n == 22 && r.rc == -1 && r.e.cls == ERR_NOREPORT, "empty archive: ERR_NOREPORT");
	is_str(r.e.reason, "zip: no file in archive", "empty archive: reason");
	r.rc = payload_extract(z.b.p, z.b.n, l, &r.out, &warn, &r.e);
	ok(r.rc == -1 && r.e.cls == ERR_NOREPORT, "empty archive via payload_extract");
	zb_free(&z);
	buf_free(&r.out);
}

/* Build the standard one-entry archive, patch it, expect a reason. */
static void expect(const struct limits *l, unsigned method, void (*patch)(struct zipb *),
		   enum err_class cls, const char *reason, const char *what)
{
	struct res r = { 0 };
	struct zipb z;
	char label[200];

	zb_init(&z);
	zb_add(&z, "report.json", report, strlen(report), method, 0);
	zb_finish(&z, "");
	patch(&z);
	run(&r, &z, l);
	snprintf(label, sizeof label, "%s: class", what);
	ok(r.rc == -1 && r.e.cls == cls, label);
	snprintf(label, sizeof label, "%s: reason", what);
	is_str(r.e.reason, reason, label);
	zb_free(&z);
	buf_free(&r.out);
}

static void p_crc(struct zipb *z) { z->b.p[z->ch[0] + C_CRC] ^= 1; }
static void p_usize_big(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_USIZE, 0x7fffffff); }
static void p_usize_small(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_USIZE, 10); }
static void p_usize_more(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_USIZE, sizeof report); }
static void p_csize_big(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_CSIZE, 100000); }
static void p_csize_small(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_CSIZE, 10); }
static void p_ratio(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_USIZE, 5u << 20); }
static void p_encrypt(struct zipb *z) { wr16(z->b.p + z->ch[0] + C_FLAGS, 1); }
static void p_encrypt_local(struct zipb *z) { wr16(z->b.p + z->lh[0] + 6, 1); }
static void p_method(struct zipb *z) { wr16(z->b.p + z->ch[0] + C_METHOD, 12); }
static void p_zip64_size(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_USIZE, 0xffffffff); }
static void p_zip64_off(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_LOCAL, 0xffffffff); }
static void p_zip64_disk(struct zipb *z) { wr16(z->b.p + z->ch[0] + C_DISK, 0xffff); }
static void p_zip64_eocd(struct zipb *z) { wr32(z->b.p + z->eocd + 16, 0xffffffff); }
static void p_zip64_count(struct zipb *z) { wr16(z->b.p + z->eocd + 8, 0xffff); wr16(z->b.p + z->eocd + 10, 0xffff); }
static void p_disk(struct zipb *z) { wr16(z->b.p + z->eocd + 4, 1); }
static void p_cd_off(struct zipb *z) { wr32(z->b.p + z->eocd + 16, (uint32_t)z->eocd); }
static void p_cd_sig(struct zipb *z) { z->b.p[z->ch[0] + 2] = 9; }
static void p_count(struct zipb *z) { wr16(z->b.p + z->eocd + 8, 2); wr16(z->b.p + z->eocd + 10, 2); }
static void p_local_sig(struct zipb *z) { z->b.p[z->lh[0] + 3] = 9; }
static void p_local_off(struct zipb *z) { wr32(z->b.p + z->ch[0] + C_LOCAL, (uint32_t)z->eocd); }
static void p_local_crc(struct zipb *z) { z->b.p[z->lh[0] + 14] ^= 1; }
static void p_deflate(struct zipb *z) { z->b.p[z->lh[0] + 30 + 11] = 0xff; }
static void p_eocd_sig(struct zipb *z) { z->b.p[z->eocd + 3] = 7; }

static void test_bad(const struct limits *l)
{
	struct res r = { 0 };
	struct zipb z;

	expect(l, 8, p_crc, ERR_INPUT, "zip: CRC mismatch", "CRC mismatch");
	expect(l, 0, p_crc, ERR_INPUT, "zip: CRC mismatch", "CRC mismatch (stored)");
	/* 2 GiB from ~100 bytes: the ratio cap (1 MiB floor) is the tighter. */
	expect(l, 8, p_usize_big, ERR_INPUT, "compression ratio above 1000:1",
	       "declared 2 GiB refused before inflating");
	expect(l, 8, p_usize_small, ERR_INPUT, "zip: size mismatch", "declared size too small");
	expect(l, 8, p_usize_more, ERR_INPUT, "zip: size mismatch", "declared size too large");
	expect(l, 0, p_usize_small, ERR_INPUT, "zip: size mismatch", "stored sizes differ");
	expect(l, 8, p_csize_big, ERR_INPUT, "zip: entry data out of bounds", "compressed size past the end");
	expect(l, 8, p_csize_small, ERR_INPUT, "zip: deflate: truncated stream", "compressed size cut short");
	expect(l, 8, p_ratio, ERR_INPUT, "compression ratio above 1000:1", "declared ratio above the cap");
	expect(l, 8, p_encrypt, ERR_INPUT, "zip: encrypted entry", "encrypted flag");
	expect(l, 8, p_encrypt_local, ERR_INPUT, "zip: encrypted entry", "encrypted flag in local header");
	expect(l, 8, p_method, ERR_INPUT, "zip: unsupported compression method 12", "unknown method");
	expect(l, 8, p_zip64_size, ERR_INPUT, "zip: zip64 not supported", "zip64 size marker");
	expect(l, 8, p_zip64_off, ERR_INPUT, "zip: zip64 not supported", "zip64 offset marker");
	expect(l, 8, p_zip64_disk, ERR_INPUT, "zip: zip64 not supported", "zip64 disk marker");
	expect(l, 8, p_zip64_eocd, ERR_INPUT, "zip: zip64 not supported", "zip64 EOCD offset");
	expect(l, 8, p_zip64_count, ERR_INPUT, "zip: zip64 not supported", "zip64 EOCD count");
	expect(l, 8, p_disk, ERR_INPUT, "zip: multi-disk archive not supported", "multi-disk");
	expect(l, 8, p_cd_off, ERR_INPUT, "zip: central directory out of bounds", "directory offset");
	expect(l, 8, p_cd_sig, ERR_INPUT, "zip: bad central directory entry", "directory signature");
	expect(l, 8, p_count, ERR_INPUT, "zip: bad central directory entry", "count beyond directory");
	expect(l, 8, p_local_sig, ERR_INPUT, "zip: bad local header", "local signature");
	expect(l, 8, p_local_off, ERR_INPUT, "zip: bad local header", "local offset");
	expect(l, 8, p_deflate, ERR_INPUT, "zip: deflate: invalid block type", "corrupt deflate data");
	expect(l, 8, p_eocd_sig, ERR_INPUT, "zip: no end of central directory record", "no EOCD");

	/* The central directory is authoritative: a wrong local CRC is fine. */
	zb_init(&z);
	zb_add(&z, "report.json", report, strlen(report), 8, 0);
	zb_finish(&z, "");
	p_local_crc(&z);
	run(&r, &z, l);
	ok(got(&r, report, 1), "local header CRC is not used");
	zb_free(&z);
	buf_free(&r.out);
}

static void test_caps(const struct limits *l)
{
	struct res r = { 0 };
	struct limits small = *l;
	struct zipb z;
	static char text[1000];

	memset(text, 'a', sizeof text);
	small.max_report = 500;
	zb_init(&z);
	zb_add(&z, "big.json", text, sizeof text, 8, 0);
	zb_finish(&z, "");
	run(&r, &z, &small);
	is_str(r.e.reason, "inflated report exceeds 500 bytes", "declared size over a lowered cap");
	ok(r.out.n == 0, "nothing inflated when the declared size is over the cap");
	/* Lie about the size: the running cap still stops it. */
	wr32(z.b.p + z.ch[0] + C_USIZE, 10);
	run(&r, &z, &small);
	is_str(r.e.reason, "inflated report exceeds 500 bytes", "lying size caught by the running cap");
	ok(r.out.n <= 500, "lying size: output never beyond the cap");
	zb_free(&z);

	zb_init(&z);
	zb_add(&z, "big.json", text, sizeof text, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, &small);
	is_str(r.e.reason, "inflated report exceeds 500 bytes", "stored entry over the cap");
	zb_free(&z);
	buf_free(&r.out);
}

static void test_entries(const struct limits *l)
{
	struct res r = { 0 };
	struct limits small = *l;
	struct zipb z;
	char name[32];

	small.max_zip_entries = 2;
	zb_init(&z);
	zb_add(&z, "a.json", "{}", 2, 0, 0);
	zb_add(&z, "b.json", "[]", 2, 0, 0);
	zb_finish(&z, "");
	run(&r, &z, &small);
	ok(got(&r, "{}", 2), "exactly max_zip_entries is fine");
	zb_free(&z);

	zb_init(&z);
	for (size_t i = 0; i < LIMIT_MAX_ZIP_ENTRIES + 1; i++) {
		snprintf(name, sizeof name, "f%zu.json", i);
		zb_add(&z, name, "{}", 2, 0, 0);
	}
	zb_finish(&z, "");
	run(&r, &z, l);
	ok(r.rc == -1 && r.e.cls == ERR_INPUT, "65 entries: ERR_INPUT");
	is_str(r.e.reason, "zip: more than 64 entries", "65 entries: reason");
	zb_free(&z);
	buf_free(&r.out);
}

static void test_truncated(const struct limits *l)
{
	struct res r = { 0 };
	struct zipb z, t;
	size_t bad = 0, bad2 = 0, bad3 = 0;
	unsigned warn;

	zb_init(&z);
	zb_add(&z, "readme.txt", "hello", 5, 0, 0);
	zb_add(&z, "report.json", report, strlen(report), 8, 0);
	zb_finish(&z, "");
	for (size_t k = 0; k < z.b.n; k++) {
		buf_free(&r.out);
		r.rc = payload_unzip(z.b.p, k, l, &r.out, NULL, &r.e);
		if (r.rc != -1 || r.e.cls != ERR_INPUT ||
		    strcmp(r.e.reason, "zip: no end of central directory record") != 0)
			bad++;
		r.rc = payload_extract(z.b.p, k, l, &r.out, &warn, &r.e);
		if (r.rc != -1 || (k >= 4 && r.e.cls != ERR_INPUT))
			bad2++;
	}
	is_int(bad, 0, "every prefix: 'zip: no end of central directory record'");
	is_int(bad2, 0, "every prefix via payload_extract: error");

	/* Keep the EOCD but cut the body: offsets now point past the data. */
	zb_init(&t);
	for (size_t k = 0; k < z.eocd; k++) {
		buf_reset(&t.b);
		put(&t.b, z.b.p, k);
		put(&t.b, z.b.p + z.eocd, z.b.n - z.eocd);
		run(&r, &t, l);
		if (r.rc != -1 || r.e.cls != ERR_INPUT)
			bad3++;
	}
	is_int(bad3, 0, "every body prefix + EOCD: ERR_INPUT");
	zb_free(&t);
	zb_free(&z);
	buf_free(&r.out);
}

/* Overwrite each byte with a few values: only sane outcomes, no crash. */
static void test_mutations(const struct limits *l)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
	struct res r = { 0 };
	struct limits small = *l;
	struct zipb z;
	size_t bad = 0, runs = 0;

	small.max_report = 4096;
	zb_init(&z);
	zb_add(&z, "dir/", "", 0, 0, 0);
	zb_add(&z, "a.txt", "hello", 5, 0, 0);
	zb_add(&z, "report.json", report, strlen(report), 8, 3);
	zb_finish(&z, "c");
	for (size_t i = 0; i < z.b.n; i++) {
		for (size_t v = 0; v < sizeof vals; v++) {
			unsigned char save = z.b.p[i];

			z.b.p[i] = vals[v];
			run(&r, &z, &small);
			z.b.p[i] = save;
			runs++;
			if (r.rc != 0 && r.e.cls != ERR_INPUT && r.e.cls != ERR_NOREPORT)
				bad++;
			if (r.out.n > small.max_report)
				bad++;
		}
	}
	printf("# %zu mutated archives\n", runs);
	is_int(bad, 0, "byte mutations: success, ERR_INPUT or ERR_NOREPORT only");
	zb_free(&z);
	buf_free(&r.out);
}

int main(void)
{
	struct limits l;

	limits_default(&l);
	test_basic(&l);
	test_choose(&l);
	test_bad(&l);
	test_caps(&l);
	test_entries(&l);
	test_truncated(&l);
	test_mutations(&l);
	return tap_done();
}
