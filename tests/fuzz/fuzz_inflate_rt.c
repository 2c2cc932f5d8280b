/* libFuzzer property target for inflate.c and zip.c: the input is the
 * plain text; zlib compresses it (level and strategy picked from the
 * input) into every container payload_extract() accepts, and each must
 * come back byte for byte with exactly the documented warnings: one gzip
 * member; two members split at an input-chosen offset (MULTI_MEMBER);
 * one member plus trailing blanks (no warning) or trailing junk
 * (TRAILING_GARBAGE); zlib; a raw deflate stream through inflate_raw();
 * a one-entry zip, stored and deflated; a zip with a second entry before
 * the .json one (ZIP_EXTRA, the .json entry chosen).  Any difference
 * aborts.  fuzz_inflate covers the opposite direction (arbitrary bytes
 * into the decoder). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "inflate.h"
#include "payload.h"
#include "limits.h"
#include "util.h"

#define RT_MAX_REPORT ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->n + n > o->cap) {
		size_t cap = (o->n + n) * 2 + 64;
		uint8_t *q = realloc(o->p, cap);

		if (q == NULL)
			abort();
		o->p = q;
		o->cap = cap;
	}
	if (n > 0)
		memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void put16(struct out *o, unsigned v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(o, b, 2);
}

static void put32(struct out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(o, b, 4);
}

/* Append p[0..n) compressed with windowBits wbits (31 gzip, 15 zlib,
 * -15 raw). */
static void compress_into(struct out *o, const uint8_t *p, size_t n, int wbits,
			  int level, int strategy)
{
	z_stream z;
	uint8_t chunk[4096];
	int rc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, strategy) != Z_OK)
		abort();
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		rc = deflate(&z, Z_FINISH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			abort();
		put(o, chunk, sizeof chunk - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
}

/* zip entry NAME holding p[0..n), stored (method 0) or deflated (8);
 * the local header goes to o, the central header to cd. */
static void zip_entry(struct out *o, struct out *cd, const char *name,
		      const uint8_t *p, size_t n, unsigned method, int level)
{
	struct out body = { 0 };
	uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
	uint32_t off = (uint32_t)o->n;
	size_t nl = strlen(name);

	if (method == 8)
		compress_into(&body, p, n, -15, level, Z_DEFAULT_STRATEGY);
	else
		put(&body, p, n);
	put(o, "PK\3\4", 4);
	put16(o, 20); put16(o, 0); put16(o, method); put16(o, 0); put16(o, 0x5cb2);
	put32(o, crc); put32(o, (uint32_t)body.n); put32(o, (uint32_t)n);
	put16(o, (unsigned)nl); put16(o, 0); put(o, name, nl);
	put(o, body.p, body.n);
	put(cd, "PK\1\2", 4);
	put16(cd, 20); put16(cd, 20); put16(cd, 0); put16(cd, method); put16(cd, 0);
	put16(cd, 0x5cb2); put32(cd, crc); put32(cd, (uint32_t)body.n);
	put32(cd, (uint32_t)n); put16(cd, (unsigned)nl); put16(cd, 0); put16(cd, 0);
	put16(cd, 0); put16(cd, 0); put32(cd, 0); put32(cd, off); put(cd, name, nl);
	free(body.p);
}

static void zip_end(struct out *o, struct out *cd, unsigned entries)
{
	uint32_t off = (uint32_t)o->n;

	put(o, cd->p, cd->n);
	put(o, "PK\5\6", 4);
	put16(o, 0); put16(o, 0); put16(o, entries); put16(o, entries);
	put32(o, (uint32_t)cd->n); put32(o, off); put16(o, 0);
}

/* payload_extract(container) must give exactly data with warnings want. */
static void expect(const struct out *c, const uint8_t *data, size_t size,
		   unsigned want)
{
	struct limits l;
	struct buf b;
	struct err e;
	unsigned warn = 0;

	limits_default(&l);
	l.max_report = RT_MAX_REPORT;
	buf_init(&b);
	err_clear(&e);
	if (payload_extract(c->p, c->n, &l, &b, &warn, &e) != 0 || warn != want ||
	    b.n != size || (size > 0 && memcmp(b.p, data, size) != 0))
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED,
					  Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
	struct out c = { 0 }, cd = { 0 };
	struct limits l;
	struct buf b;
	struct err e;
	int level = size > 0 ? data[0] % 10 : 6;
	int strategy = strategies[size > 1 ? data[1] % 5 : 0];
	size_t split = size > 2 ? data[2] * size / 256 : 0;

	/* the ratio floor is 1 MiB, so below that only the size cap counts */
	if (size > RT_MAX_REPORT / 2)
		return 0;

	compress_into(&c, data, size, 31, level, strategy);
	expect(&c, data, size, 0);
	put(&c, " \r\n\t", 4);
	expect(&c, data, size, 0);
	put(&c, "junk", 4);
	expect(&c, data, size, PAYLOAD_WARN_TRAILING_GARBAGE);

	c.n = 0;
	compress_into(&c, data, split, 31, level, strategy);
	compress_into(&c, data + split, size - split, 31, 9 - level, Z_DEFAULT_STRATEGY);
	expect(&c, data, size, PAYLOAD_WARN_MULTI_MEMBER);

	c.n = 0;
	compress_into(&c, data, size, 15, level, strategy);
	expect(&c, data, size, 0);

	c.n = 0;
	compress_into(&c, data, size, -15, level, strategy);
	limits_default(&l);
	l.max_report = RT_MAX_REPORT;
	buf_init(&b);
	err_clear(&e);
	if (inflate_raw(c.p, c.n, &l, &b, &e) != 0 || b.n != size ||
	    (size > 0 && memcmp(b.p, data, size) != 0))
		abort();
	buf_free(&b);

	for (unsigned method = 0; method <= 8; method += 8) {
		c.n = cd.n = 0;
		zip_entry(&c, &cd, "r.json", data, size, method, level);
		zip_end(&c, &cd, 1);
		expect(&c, data, size, 0);
	}
	/* a decoy first: the .json entry is chosen, the decoy only warned */
	c.n = cd.n = 0;
	zip_entry(&c, &cd, "README", (const uint8_t *)"decoy", 5, 8, level);
	zip_entry(&c, &cd, "report.JSON", data, size, 8, level);
	zip_end(&c, &cd, 2);
	expect(&c, data, size, PAYLOAD_WARN_ZIP_EXTRA);

	free(c.p);
	free(cd.p);
	return 0;
}
