/* Deflate streams -> bytes, under the size and ratio caps: gzip
 * (RFC 1952) member after member, since concatenated members are legal;
 * zlib (RFC 1950) as one stream; raw deflate as in zip entries.  Which
 * one a payload holds is payload.c's business.
 *
 * Every inflation writes 64 KiB at a time straight into the output's spare
 * room.  A chunk counts as output only after the running total, counted in
 * our own size_t (zlib's counters are uLong), has passed the size and
 * ratio caps, so a bomb stops within one chunk and the output never
 * exceeds the cap.
 * After the last gzip member, whitespace and NUL (what base64 decoders and
 * mailers leave behind) are accepted silently; other bytes only raise a
 * warning, because the report itself arrived intact. */
#define ZLIB_CONST
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "inflate.h"

#define CHUNK ((size_t)64 << 10)
#define FEED_MAX ((size_t)1 << 30)   /* avail_in is a uInt: feed in slices */
#define RATIO_FLOOR ((size_t)1 << 20)

struct zkind {
	int wbits;
	const char *name;   /* reason prefix */
	int members;        /* gzip: more members may follow */
	int trailing;       /* look at bytes after the stream */
};

static const struct zkind zk_gzip = { 16 + MAX_WBITS, "gzip", 1, 1 };
static const struct zkind zk_zlib = { MAX_WBITS, "zlib", 0, 1 };
static const struct zkind zk_raw = { -MAX_WBITS, "deflate", 0, 0 };

/* One inflation: input span, caps, and the output counted so far. */
struct zrun {
	z_stream z;
	const unsigned char *p;
	size_t n;
	const struct zkind *kind;
	const struct limits *l;
	struct buf *out;
	size_t produced;
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

static int is_blank(unsigned char c)
{
	return is_space(c) || c == '\0';
}

int inflate_check_cap(size_t produced, size_t compressed_n,
		      const struct limits *l, struct err *e)
{
	size_t ratio_cap;

	if (size_mul(l->max_ratio, compressed_n, &ratio_cap) < 0)
		ratio_cap = SIZE_MAX;
	if (ratio_cap < RATIO_FLOOR)
		ratio_cap = RATIO_FLOOR;
	/* Name the tighter cap, so the reason does not depend on where
	 * chunk boundaries happen to fall. */
	if (ratio_cap < l->max_report) {
		if (produced > ratio_cap)
			return err_set(e, ERR_INPUT, "compression ratio above %zu:1",
				       l->max_ratio);
	} else if (produced > l->max_report) {
		return err_set(e, ERR_INPUT, "inflated report exceeds %zu bytes",
			       l->max_report);
	}
	return 0;
}

static size_t zrun_offset(const struct zrun *r)
{
	return (size_t)(r->z.next_in - r->p);
}

static void zrun_feed(struct zrun *r)
{
	size_t left;

	if (r->z.avail_in != 0)
		return;
	left = r->n - zrun_offset(r);
	r->z.avail_in = (uInt)(left < FEED_MAX ? left : FEED_MAX);
}

/* Take the `have` bytes inflated past the end of the output into it,
 * unless that would cross a cap. */
static int zrun_emit(struct zrun *r, size_t have, struct err *e)
{
	size_t total;

	if (size_add(r->produced, have, &total) < 0)
		total = SIZE_MAX;
	if (inflate_check_cap(total, r->n, r->l, e) < 0)
		return -1;
	r->out->n += have;
	r->out->p[r->out->n] = '\0';
	r->produced = total;
	return 0;
}

static int zrun_fail(const struct zrun *r, int rc, struct err *e)
{
	const char *kind = r->kind->name;

	switch (rc) {
	case Z_BUF_ERROR:
		/* We always offer output space, so no progress means the
		 * input ran out before the end of the stream. */
		return err_set(e, ERR_INPUT, "%s: truncated stream", kind);
	case Z_DATA_ERROR:
		return err_set(e, ERR_INPUT, "%s: %s", kind,
			       r->z.msg != NULL ? r->z.msg : "corrupt stream");
	case Z_NEED_DICT:
		return err_set(e, ERR_INPUT, "%s: preset dictionary not supported",
			       kind);
	case Z_MEM_ERROR:
		return err_nomem(e);
	default:
		return err_set(e, ERR_TEMP, "%s: zlib error %d", kind, rc);
	}
}

/* Inflate until the end of the current stream (one gzip member). */
static int zrun_stream(struct zrun *r, struct err *e)
{
	for (;;) {
		size_t have;
		int rc;

		/* room for a chunk and the NUL after it */
		if (buf_reserve(r->out, CHUNK) < 0)
			return err_nomem(e);
		zrun_feed(r);
		r->z.next_out = r->out->p + r->out->n;
		r->z.avail_out = (uInt)CHUNK;
		rc = inflate(&r->z, Z_NO_FLUSH);
		have = CHUNK - r->z.avail_out;
		if (have > 0 && zrun_emit(r, have, e) < 0)
			return -1;
		if (rc == Z_STREAM_END)
			return 0;
		if (rc != Z_OK)
			return zrun_fail(r, rc, e);
	}
}

/* After a stream ends: 1 if another gzip member follows, else 0 (with
 * INFLATE_WARN_TRAILING_GARBAGE if the rest is not just blanks). */
static int zrun_next(const struct zrun *r, unsigned *warn)
{
	size_t off = zrun_offset(r), left = r->n - off;
	const unsigned char *q = r->p + off;

	if (r->kind->members && left >= 2 && q[0] == 0x1f && q[1] == 0x8b)
		return 1;
	for (size_t i = 0; i < left; i++) {
		if (!is_blank(q[i])) {
			*warn |= INFLATE_WARN_TRAILING_GARBAGE;
			break;
		}
	}
	return 0;
}

static int inflate_stream(const unsigned char *p, size_t n,
			  const struct zkind *kind, const struct limits *l,
			  struct buf *out, unsigned *warn, struct err *e)
{
	struct zrun r;
	int rc, ret = -1;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.n = n;
	r.kind = kind;
	r.l = l;
	r.out = out;
	r.z.next_in = p;
	rc = inflateInit2(&r.z, kind->wbits);
	if (rc != Z_OK)
		return zrun_fail(&r, rc, e);
	for (;;) {
		if (zrun_stream(&r, e) < 0)
			goto fail;
		if (!kind->trailing || !zrun_next(&r, warn))
			break;
		*warn |= INFLATE_WARN_MULTI_MEMBER;
		if (inflateReset(&r.z) != Z_OK) {
			err_set(e, ERR_TEMP, "%s: inflateReset failed", kind->name);
			goto fail;
		}
	}
	ret = 0;
fail:
	inflateEnd(&r.z);
	return ret;
}

static int inflate_warned(const unsigned char *p, size_t n,
			  const struct zkind *kind, const struct limits *l,
			  struct buf *out, unsigned *warn, struct err *e)
{
	unsigned w = 0;
	int rc = inflate_stream(p, n, kind, l, out, &w, e);

	if (warn != NULL)
		*warn = w;
	return rc;
}

int inflate_gzip(const unsigned char *p, size_t n, const struct limits *l,
		 struct buf *out, unsigned *warn, struct err *e)
{
	return inflate_warned(p, n, &zk_gzip, l, out, warn, e);
}

int inflate_zlib(const unsigned char *p, size_t n, const struct limits *l,
		 struct buf *out, unsigned *warn, struct err *e)
{
	return inflate_warned(p, n, &zk_zlib, l, out, warn, e);
}

int inflate_raw(const unsigned char *p, size_t n, const struct limits *l,
		struct buf *out, struct err *e)
{
	unsigned ignored = 0;

	/* Spares zlib a NULL next_in; an empty stream is truncated anyway. */
	if (n == 0)
		return err_set(e, ERR_INPUT, "deflate: truncated stream");
	return inflate_stream(p, n, &zk_raw, l, out, &ignored, e);
}
