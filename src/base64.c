/* Base64 (RFC 4648 standard alphabet, as used by RFC 2045 bodies).
 *
 * Decoding is one pass over a 256-entry table that classes every byte as a
 * sextet value, whitespace (CR LF SP TAB: skipped anywhere, since mailers
 * wrap at any width), the pad '=' or invalid.  Complete quanta are written
 * as they fill; a partial quantum is settled at the end.  Leniency is
 * deliberate and counted, never silent: missing padding is accepted and
 * flagged; after '=' only whitespace and more '=' may follow, and anything
 * else (typically a second base64 block glued on by a mailer) flags
 * trailing_after_padding and ends decoding there.  Every other byte outside
 * the alphabet is hostile or corrupt input and fails with its line number
 * (not the offset, so the reason does not depend on CRLF vs LF).
 * Non-zero unused bits in the last quantum are accepted (RFC 4648 3.5
 * allows decoders to ignore them). */
#include <stddef.h>

#include "base64.h"

enum {
	WS = 64, /* skipped whitespace */
	PD = 65, /* '=' */
	XX = 66  /* not allowed */
};

static const unsigned char b64_table[256] = {
	XX, XX, XX, XX, XX, XX, XX, XX, XX, WS, WS, XX, XX, WS, XX, XX,  /* 00 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* 10 */
	WS, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,  /* 20 */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,  /* 30 */
	XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,  /* 40 */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,  /* 50 */
	XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,  /* 60 */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,  /* 70 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* 80 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* 90 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* a0 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* b0 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* c0 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* d0 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* e0 */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* f0 */
};

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_decoded_max(size_t n)
{
	/* Divide first so that no n can overflow; +3 covers a partial quantum. */
	return n / 4 * 3 + 3;
}

/* Scan from the first '=' at in[i]: count pads, skip whitespace, and stop
 * at the first other byte.  Returns the number of '=' seen. */
static size_t b64_padding(const unsigned char *in, size_t i, size_t n,
			  struct b64_stats *st)
{
	size_t pads = 0;

	for (; i < n; i++) {
		unsigned char v = b64_table[in[i]];

		if (v == PD)
			pads++;
		else if (v == WS)
			st->skipped_whitespace++;
		else {
			st->trailing_after_padding = 1;
			break;
		}
	}
	return pads;
}

/* 1-based line of offset i, for reasons that read the same with CRLF. */
static size_t b64_line_of(const unsigned char *in, size_t i)
{
	size_t line = 1;

	for (size_t k = 0; k < i; k++)
		line += in[k] == '\n';
	return line;
}

int b64_sextet(unsigned char c)
{
	return b64_table[c] < 64 ? b64_table[c] : -1;
}

int b64_decode(const unsigned char *in, size_t n, unsigned char *out,
	       size_t *outn, struct b64_stats *stats, struct err *e)
{
	struct b64_stats st = { 0, 0, 0 };
	unsigned long acc = 0;
	size_t i, o = 0, pads = 0;
	int q = 0;

	*outn = 0;
	for (i = 0; i < n; i++) {
		unsigned char v = b64_table[in[i]];

		if (v < 64) {
			acc = acc << 6 | v;
			if (++q == 4) {
				out[o++] = (unsigned char)(acc >> 16);
				out[o++] = (unsigned char)(acc >> 8);
				out[o++] = (unsigned char)acc;
				acc = 0;
				q = 0;
			}
		} else if (v == WS) {
			st.skipped_whitespace++;
		} else if (v == PD) {
			pads = b64_padding(in, i, n, &st);
			break;
		} else {
			err_set(e, ERR_INPUT, "base64: invalid byte 0x%02x on line %zu",
				in[i], b64_line_of(in, i));
			goto fail;
		}
	}
	/* A single sextet holds 6 bits: not even one byte. */
	if (q == 1) {
		err_set(e, ERR_INPUT, "base64: truncated quantum");
		goto fail;
	}
	if (q >= 2)
		out[o++] = (unsigned char)(acc >> (6 * q - 8));
	if (q == 3)
		out[o++] = (unsigned char)(acc >> 2);
	if (q != 0 && (size_t)q + pads < 4)
		st.missing_padding = 1;
	*outn = o;
	if (stats != NULL)
		*stats = st;
	return 0;
fail:
	if (stats != NULL)
		*stats = st;
	return -1;
}

size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
			(unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	return o;
}
