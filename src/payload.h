/* A decoded attachment -> report JSON bytes: the one module that knows
 * every payload kind.  It sniffs gzip (multi-member), zlib, zip and plain
 * JSON by magic bytes and hands each to the module that reads it
 * (inflate.h for deflate streams, zip.h for archives), under the caps on
 * the inflated size and the inflated:compressed ratio. */
#ifndef TLSRPT_PAYLOAD_H
#define TLSRPT_PAYLOAD_H

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

enum payload_kind payload_sniff(const unsigned char *p, size_t n);

/* Bits set in *warn by payload_extract. */
#define PAYLOAD_WARN_TRAILING_GARBAGE 0x1u /* bytes after the last gzip member */
#define PAYLOAD_WARN_MULTI_MEMBER     0x2u /* more than one gzip member */
#define PAYLOAD_WARN_BOM              0x4u /* UTF-8 BOM stripped from JSON */
#define PAYLOAD_WARN_ZIP_EXTRA        0x8u /* zip held more than one file; first .json used */

/* Produce the JSON bytes of p[0..n) in out (appended).  Output larger than
 * l->max_report or than l->max_ratio * n (with a floor of 1 MiB so tiny
 * inputs are not rejected by ratio) stops inflation at once with ERR_INPUT
 * ("inflated report exceeds 67108864 bytes", "compression ratio above
 * 1000:1").  Corrupt or truncated streams are ERR_INPUT with zlib's message
 * ("gzip: truncated stream", "gzip: invalid distance too far back"), zip
 * errors start "zip: ".  PAYLOAD_UNKNOWN is ERR_NOREPORT ("attachment is
 * neither JSON, gzip, zlib nor zip").  ENOMEM is ERR_TEMP.  warn (may be
 * NULL) gets PAYLOAD_WARN_*.  On error out may keep partial output, never
 * more than the cap. */
int payload_extract(const unsigned char *p, size_t n, const struct limits *l,
		    struct buf *out, unsigned *warn, struct err *e);

/* The zip branch of payload_extract: the report entry of the archive
 * p[0..n) (zip.h), copied or inflated, checked against the directory's
 * size and CRC.  *entries (may be NULL) gets the number of regular
 * entries, also on error. */
int payload_unzip(const unsigned char *p, size_t n, const struct limits *l,
		  struct buf *out, size_t *entries, struct err *e);

#endif
