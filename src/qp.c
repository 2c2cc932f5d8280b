/* Quoted-printable (RFC 2045 6.7) decoder.
 *
 * Only '=' is special.  "=XX" (hex digits in either case: RFC 2045 asks
 * decoders to accept lowercase) becomes one byte.  "=" followed by optional
 * SP/TAB and then CRLF or LF is a soft line break and vanishes.  "=" with
 * nothing but SP/TAB after it up to the end of the input is also dropped:
 * the MIME splitter hands us the body without the line break that belongs
 * to the next boundary, so a final soft break arrives without its CRLF.
 * Any other '=' is kept literally and counted (RFC 2045's suggested robust
 * behaviour), and decoding resumes with the byte after it.  Every rule
 * consumes at least as many bytes as it emits, so the output never
 * outgrows the input, and each byte is looked at a bounded number of
 * times, so hostile input cannot make it quadratic. */
#include <stddef.h>

#include "qp.h"

int qp_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* in[i] is '='.  If a soft break (or the final "=" with only blanks after
 * it) starts there, return the index just past it; else return i. */
static size_t qp_soft_break(const unsigned char *in, size_t i, size_t n)
{
	size_t j = i + 1;

	while (j < n && (in[j] == ' ' || in[j] == '\t'))
		j++;
	if (j == n)
		return n;
	if (in[j] == '\n')
		return j + 1;
	if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n')
		return j + 2;
	return i;
}

size_t qp_decode(const unsigned char *in, size_t n, unsigned char *out,
		 struct qp_stats *stats)
{
	size_t i = 0, o = 0, bad = 0, next;
	int hi, lo;

	while (i < n) {
		if (in[i] != '=') {
			out[o++] = in[i++];
			continue;
		}
		if (n - i >= 3 && (hi = qp_hexval(in[i + 1])) >= 0 &&
		    (lo = qp_hexval(in[i + 2])) >= 0) {
			out[o++] = (unsigned char)(hi << 4 | lo);
			i += 3;
			continue;
		}
		next = qp_soft_break(in, i, n);
		if (next != i) {
			i = next;
			continue;
		}
		out[o++] = in[i++];
		bad++;
	}
	if (stats != NULL)
		stats->bad_escapes = bad;
	return o;
}
