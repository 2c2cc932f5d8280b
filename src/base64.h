/* RFC 2045 base64 decoder for MIME bodies. */
#ifndef TLSRPT_BASE64_H
#define TLSRPT_BASE64_H

#include <stddef.h>
#include "err.h"

struct b64_stats {
	size_t skipped_whitespace;   /* CR, LF, SP, TAB ignored */
	int missing_padding;         /* input ended without the '=' padding */
	int trailing_after_padding;  /* non-whitespace bytes after '=' padding (ignored) */
};

/* Upper bound on the decoded size of n input bytes. */
size_t b64_decoded_max(size_t n);

/* Decode in[0..n) into out, which must hold b64_decoded_max(n) bytes.
 * Whitespace is ignored anywhere; missing padding is tolerated.  Any other
 * byte outside the alphabet (including NUL) is garbage: returns -1 with
 * ERR_INPUT and a reason naming the line ("base64: invalid byte 0x00 on
 * line 3").  stats may be NULL. */
int b64_decode(const unsigned char *in, size_t n, unsigned char *out,
	       size_t *outn, struct b64_stats *stats, struct err *e);

/* The value 0-63 of a byte of the alphabet, or -1 (whitespace, '=' and
 * everything else). */
int b64_sextet(unsigned char c);

/* Encoder (used by tests and fuzz round trips): out must hold
 * 4 * ((n + 2) / 3) bytes; no line breaks.  Returns bytes written. */
size_t b64_encode(const unsigned char *in, size_t n, char *out);

#endif
