/* Deflate streams -> bytes: gzip (multi-member), zlib and raw deflate,
 * with caps on the inflated size and the inflated:compressed ratio.  Uses
 * zlib only; payload.h decides which stream a payload holds. */
#ifndef TLSRPT_INFLATE_H
#define TLSRPT_INFLATE_H

#include <stddef.h>
#include "err.h"
#include "limits.h"
#include "util.h"

/* Bits set in *warn by inflate_gzip and inflate_zlib. */
#define INFLATE_WARN_TRAILING_GARBAGE 0x1u /* bytes after the last gzip member */
#define INFLATE_WARN_MULTI_MEMBER     0x2u /* more than one gzip member */

/* Inflate the gzip stream p[0..n) (every member) or the zlib stream into
 * out (appended).  Output larger than l->max_report or than
 * l->max_ratio * n (with a floor of 1 MiB so tiny inputs are not rejected
 * by ratio) stops inflation at once with ERR_INPUT ("inflated report
 * exceeds 67108864 bytes", "compression ratio above 1000:1").  Corrupt or
 * truncated streams are ERR_INPUT with zlib's message ("gzip: truncated
 * stream", "zlib: incorrect header check").  ENOMEM is ERR_TEMP.  warn
 * (may be NULL) gets INFLATE_WARN_*: several gzip members, or bytes after
 * the stream that are not blanks or NUL.  On error out may keep partial
 * output, never more than the cap. */
int inflate_gzip(const unsigned char *p, size_t n, const struct limits *l,
		 struct buf *out, unsigned *warn, struct err *e);
int inflate_zlib(const unsigned char *p, size_t n, const struct limits *l,
		 struct buf *out, unsigned *warn, struct err *e);

/* Inflate one raw deflate stream (windowBits -15, as in zip entries)
 * with the same caps.  n is the size used for the ratio check; bytes
 * after the end of the stream are ignored.  Errors are "deflate: ..." or
 * the cap reasons above. */
int inflate_raw(const unsigned char *p, size_t n, const struct limits *l,
		struct buf *out, struct err *e);

/* The cap policy: 0 if `produced` output bytes from `compressed_n` input
 * bytes is within l->max_report and the ratio cap, else -1 with the
 * ERR_INPUT reason quoted above. */
int inflate_check_cap(size_t produced, size_t compressed_n,
		      const struct limits *l, struct err *e);

#endif
