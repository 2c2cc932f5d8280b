/* RFC 2045 quoted-printable decoder. */
#ifndef TLSRPT_QP_H
#define TLSRPT_QP_H

#include <stddef.h>

struct qp_stats {
	size_t bad_escapes; /* '=' not followed by two hex digits: kept literally */
};

/* Decode in[0..n) into out (which must hold n bytes; output is never
 * longer than input).  Soft line breaks ("=" CRLF / "=" LF, also with
 * trailing whitespace before the break) are removed; CRLF and LF hard
 * breaks are kept as they are; trailing whitespace on a line is kept
 * (lenient).  Never fails.  stats may be NULL.  Returns bytes written. */
size_t qp_decode(const unsigned char *in, size_t n, unsigned char *out,
		 struct qp_stats *stats);

/* The value 0-15 of a hex digit in either case, or -1 (also for the
 * %XX of RFC 2231 and the =XX of RFC 2047 'Q' words). */
int qp_hexval(unsigned char c);

#endif
