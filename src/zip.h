/* Minimal zip reader: central directory, stored and deflated entries,
 * CRC check, no zip64, no encryption.  Just enough for report archives.
 * It finds the report entry and checks what was made of it; inflating a
 * deflated entry is payload.c's job (through inflate.h). */
#ifndef TLSRPT_ZIP_H
#define TLSRPT_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "limits.h"
#include "util.h"

#define ZIP_STORED 0u
#define ZIP_DEFLATED 8u

/* One entry's data and what the central directory says of it. */
struct zip_member {
	const unsigned char *data;  /* csize bytes inside the archive */
	size_t csize;
	size_t usize;
	unsigned method;            /* ZIP_STORED or ZIP_DEFLATED */
	uint32_t crc;
};

/* Find the report file in the archive p[0..n): the first regular entry
 * whose name ends in ".json" (case-insensitive), else the first regular
 * entry.  *entries (may be NULL) gets the number of regular
 * (non-directory) entries, so callers can warn when there is more than
 * one.  More than l->max_zip_entries entries, a bad directory, zip64,
 * encryption or an unknown method are ERR_INPUT with a reason starting
 * "zip: "; no file at all is ERR_NOREPORT. */
int zip_find_report(const unsigned char *p, size_t n, const struct limits *l,
		    struct zip_member *m, size_t *entries, struct err *e);

/* 0 if got[0..k) is what the directory announced for m (size and CRC),
 * else ERR_INPUT "zip: size mismatch" or "zip: CRC mismatch". */
int zip_check(const struct zip_member *m, const unsigned char *got, size_t k,
	      struct err *e);

#endif
