/* Minimal zip reader: central directory, stored and deflated entries,
 * CRC check, no zip64, no encryption.  Just enough for report archives. */
#ifndef TLSRPT_ZIP_H
#define TLSRPT_ZIP_H

#include <stddef.h>
#include "err.h"
#include "limits.h"
#include "util.h"

/* Find the report file in the archive p[0..n): the first regular entry
 * whose name ends in ".json" (case-insensitive), else the first regular
 * entry.  Its contents (inflated when method 8) are appended to out, under
 * the same size/ratio caps as inflate_payload.  *entries (may be NULL)
 * gets the number of regular (non-directory) entries, so callers can warn
 * when there is more than one.  More than l->max_zip_entries entries, a bad
 * directory, zip64, encryption, an unknown method or a CRC mismatch are
 * ERR_INPUT with a reason starting "zip: ". */
int zip_extract_report(const unsigned char *p, size_t n, const struct limits *l,
		       struct buf *out, size_t *entries, struct err *e);

#endif
