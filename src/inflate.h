/* Turns a decoded attachment into report JSON bytes: gzip (multi-member),
 * zlib, zip (via zip.h) or plain JSON, chosen by magic bytes, with caps on
 * the inflated size and the inflated:compressed ratio. */
#ifndef TLSRPT_INFLATE_H
#define TLSRPT_INFLATE_H

#include <stddef.h>
#include "err.h"
#include "limits.h"
#include "util.h"

enum payload_kind {
	PAYLOAD_UNKNOWN = 0,
	PAYLOAD_JSON,   /* first non-whitespace byte (after an optional UTF-8 BOM)
			 * is '{', or '[' so report.c can reject it precisely */
	PAYLOAD_GZIP,   /* 1f 8b */
	PAYLOAD_ZLIB,   /* CMF/FLG header with deflate and a valid check value */
	PAYLOAD_ZIP     /* "PK\3\4" (or "PK\5\6" empty archive) */
};

enum payload_kind inflate_sniff(const unsigned char *p, size_t n);

/* Bits set in *warn by inflate_payload. */
#define INFLATE_WARN_TRAILING_GARBAGE 0x1u /* bytes after the last gzip member */
#define INFLATE_WARN_MULTI_MEMBER     0x2u /* more than one gzip member */
#define INFLATE_WARN_BOM              0x4u /* UTF-8 BOM stripped from JSON */
#define INFLATE_WARN_ZIP_EXTRA        0x8u /* zip held more than one file; first .json used */

/* Produce the JSON bytes of p[0..n) in out (appended).  Output larger than
 * l->max_report or than l->max_ratio * n (with a floor of 1 MiB so tiny
 * inputs are not rejected by ratio) stops inflation at once with ERR_INPUT
 * ("inflated report exceeds 67108864 bytes", "compression ratio above
 * 1000:1").  Corrupt or truncated streams are ERR_INPUT with zlib's message
 * ("gzip: truncated stream", "gzip: invalid distance too far back").
 * PAYLOAD_UNKNOWN is ERR_NOREPORT ("attachment is neither JSON, gzip, zlib
 * nor zip").  ENOMEM is ERR_TEMP.  warn (may be NULL) gets INFLATE_WARN_*.
 * On error out may keep partial output, never more than the cap. */
int inflate_payload(const unsigned char *p, size_t n, const struct limits *l,
		    struct buf *out, unsigned *warn, struct err *e);

/* Inflate one raw deflate stream (windowBits -15, as in zip entries)
 * with the same caps; exposed for zip.c.  n is the size used for the
 * ratio check; bytes after the end of the stream are ignored.  Errors are
 * "deflate: ..." or the cap reasons above. */
int inflate_raw(const unsigned char *p, size_t n, const struct limits *l,
		struct buf *out, struct err *e);

/* The cap policy shared with zip.c: 0 if `produced` output bytes from
 * `compressed_n` input bytes is within l->max_report and the ratio cap,
 * else -1 with the ERR_INPUT reason quoted above. */
int inflate_check_cap(size_t produced, size_t compressed_n,
		      const struct limits *l, struct err *e);

#endif
