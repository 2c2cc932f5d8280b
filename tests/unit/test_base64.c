/* Unit tests for the base64 codec: RFC 4648 vectors, whitespace anywhere,
 * wrapped lines, the counted leniencies and the hard errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "../tap.h"

/* Decode in[0..n) into dbuf/dlen/dst/derr.  Input and output go through
 * heap buffers of exactly n and b64_decoded_max(n) bytes, so ASan sees any
 * access past either end.  Returns b64_decode's result. */
static unsigned char dbuf[4096];
static size_t dlen;
static struct b64_stats dst;
static struct err derr;

static int dec(const void *in, size_t n)
{
	unsigned char *copy = malloc(n > 0 ? n : 1), *out = malloc(b64_decoded_max(n));
	int rc;

	if (copy == NULL || out == NULL || b64_decoded_max(n) > sizeof dbuf)
		abort();
	if (n > 0)
		memcpy(copy, in, n);
	memset(&dst, 0x55, sizeof dst);
	err_clear(&derr);
	dlen = (size_t)-1;
	rc = b64_decode(copy, n, out, &dlen, &dst, &derr);
	if (rc == 0)
		memcpy(dbuf, out, dlen);
	free(copy);
	free(out);
	return rc;
}

static int decs(const char *s)
{
	return dec(s, strlen(s));
}

static uint32_t rng_state = 2463534242u;

static unsigned char rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (unsigned char)rng_state;
}

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *vec[][2] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_rfc4648(void)
{
	char enc[64], what[80];

	for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) {
		size_t pn = strlen(vec[k][0]), en = strlen(vec[k][1]);

		snprintf(what, sizeof what, "encode \"%s\"", vec[k][0]);
		is_mem(enc, b64_encode((const unsigned char *)vec[k][0], pn, enc),
		       vec[k][1], en, what);
		snprintf(what, sizeof what, "decode \"%s\"", vec[k][1]);
		ok(decs(vec[k][1]) == 0 && dlen == pn && memcmp(dbuf, vec[k][0], pn) == 0 &&
		   dst.missing_padding == 0 && dst.trailing_after_padding == 0 &&
		   dst.skipped_whitespace == 0, what);
	}
}

/* Insert each whitespace byte at every position of a padded and an
 * unpadded encoding, including between and after the '=' signs. */
static void test_whitespace_everywhere(void)
{
	static const char *encs[] = { "Zm9vYmFy", "Zm9vYg==", "Zm9vYmE=" };
	static const char *plain[] = { "foobar", "foob", "fooba" };
	static const char ws[] = "\r\n \t";
	char tmp[16];
	int bad = 0, tests = 0;

	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(encs[k]);

		for (size_t w = 0; w < 4; w++) {
			for (size_t pos = 0; pos <= n; pos++) {
				memcpy(tmp, encs[k], pos);
				tmp[pos] = ws[w];
				memcpy(tmp + pos + 1, encs[k] + pos, n - pos);
				tests++;
				if (dec(tmp, n + 1) != 0 || dlen != strlen(plain[k]) ||
				    memcmp(dbuf, plain[k], dlen) != 0 ||
				    dst.skipped_whitespace != 1 || dst.missing_padding ||
				    dst.trailing_after_padding)
					bad++;
			}
		}
	}
	is_int(tests, 3 * 4 * 9, "whitespace insertions tried");
	is_int(bad, 0, "whitespace at every position ignored and counted");
	ok(decs(" \t\r\n\r\n") == 0 && dlen == 0 && dst.skipped_whitespace == 6,
	   "whitespace only decodes to nothing");
}

/* Wrap enc at width with eol; returns the wrapped length. */
static size_t wrap(const char *enc, size_t n, size_t width, const char *eol,
		   char *out, size_t *breaks)
{
	size_t o = 0, el = strlen(eol);

	*breaks = 0;
	for (size_t i = 0; i < n; i++) {
		out[o++] = enc[i];
		if ((i + 1) % width == 0 || i + 1 == n) {
			memcpy(out + o, eol, el);
			o += el;
			*breaks += el;
		}
	}
	return o;
}

static void test_line_widths(void)
{
	static const size_t widths[] = { 76, 64, 1 };
	static const char *eols[] = { "\r\n", "\n" };
	unsigned char plain[500];
	char enc[700], wrapped[2200], what[80];
	size_t en, wn, breaks;

	for (size_t i = 0; i < sizeof plain; i++)
		plain[i] = rnd();
	en = b64_encode(plain, sizeof plain, enc);
	is_int(en, 668, "500 bytes encode to 668 chars");
	for (size_t w = 0; w < 3; w++) {
		for (size_t l = 0; l < 2; l++) {
			wn = wrap(enc, en, widths[w], eols[l], wrapped, &breaks);
			snprintf(what, sizeof what, "lines of width %zu, %s", widths[w],
				 l == 0 ? "CRLF" : "LF");
			ok(dec(wrapped, wn) == 0 && dlen == sizeof plain &&
			   memcmp(dbuf, plain, dlen) == 0 &&
			   dst.skipped_whitespace == breaks && dst.missing_padding == 0 &&
			   dst.trailing_after_padding == 0, what);
		}
	}
}

static void test_missing_padding(void)
{
	ok(decs("Zm9vYmE") == 0 && dlen == 5 && memcmp(dbuf, "fooba", 5) == 0,
	   "one '=' missing: decoded");
	is_int(dst.missing_padding, 1, "one '=' missing: counted");
	ok(decs("Zm9vYg") == 0 && dlen == 4 && memcmp(dbuf, "foob", 4) == 0,
	   "two '=' missing: decoded");
	is_int(dst.missing_padding, 1, "two '=' missing: counted");
	ok(decs("Zm9vYg=") == 0 && dlen == 4 && dst.missing_padding == 1,
	   "one of two '=' missing: decoded and counted");
	ok(decs("Zm9vYg=\r\n=") == 0 && dlen == 4 && dst.missing_padding == 0 &&
	   dst.skipped_whitespace == 2, "padding split by a line break is complete");
	ok(decs("Zm9vYg\r\n") == 0 && dlen == 4 && dst.missing_padding == 1 &&
	   dst.skipped_whitespace == 2, "missing padding before final newline");
	ok(decs("Zm9v") == 0 && dst.missing_padding == 0,
	   "whole quanta need no padding");
	ok(decs("Zh==") == 0 && dlen == 1 && dbuf[0] == 'f',
	   "non-zero unused bits are ignored");
}

static void test_invalid_bytes(void)
{
	static const unsigned char bytes[] = { 0x00, '-', '_', '*', '.', ':', 0x0b,
		0x0c, 0x7f, 0x80, 0xc3, 0xff };
	unsigned char in[8] = "Zm9vYmFy";
	char want[80];
	int bad = 0;

	for (size_t k = 0; k < sizeof bytes; k++) {
		for (size_t pos = 0; pos < 8; pos++) {
			memcpy(in, "Zm9vYmFy", 8);
			in[pos] = bytes[k];
			snprintf(want, sizeof want, "base64: invalid byte 0x%02x on line 1",
				 bytes[k]);
			if (dec(in, 8) != -1 || derr.cls != ERR_INPUT ||
			    strcmp(derr.reason, want) != 0 || dlen != 0)
				bad++;
		}
	}
	is_int(bad, 0, "every invalid byte at every position fails with ERR_INPUT");
	is_int(dec("Zm9v\0Zm9v", 9), -1, "NUL inside: fails");
	is_int(derr.cls, ERR_INPUT, "NUL inside: ERR_INPUT");
	is_str(derr.reason, "base64: invalid byte 0x00 on line 1", "NUL inside: reason");
	is_int(decs("Zm9v\r\n  Zm-v"), -1, "'-' after whitespace: fails");
	is_str(derr.reason, "base64: invalid byte 0x2d on line 2",
	       "line counts LF, so CRLF and LF input give the same reason");
	is_int(decs("Zm9v\xc3\xa9"), -1, "UTF-8 fails");
	is_str(derr.reason, "base64: invalid byte 0xc3 on line 1", "UTF-8: reason");
	ok(b64_decode((const unsigned char *)"Zm9v", 4, dbuf, &dlen, NULL, NULL) == 0 &&
	   dlen == 3, "NULL stats and err are accepted on success");
	ok(b64_decode((const unsigned char *)"Zm-v", 4, dbuf, &dlen, NULL, NULL) == -1,
	   "NULL stats and err are accepted on failure");
}

static void test_truncated(void)
{
	static const char *cases[] = { "Z", "Zm9vY", "Zm9vY=", "Zm9vY==\r\n",
		"Zm9vY\r\n", "Z===" };
	char what[80];

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		snprintf(what, sizeof what, "truncated quantum case %zu", k);
		ok(decs(cases[k]) == -1 && derr.cls == ERR_INPUT &&
		   strcmp(derr.reason, "base64: truncated quantum") == 0 && dlen == 0, what);
	}
}

static void test_padding_rules(void)
{
	ok(decs("Zm8=Zm9v") == 0 && dlen == 2 && memcmp(dbuf, "fo", 2) == 0 &&
	   dst.trailing_after_padding == 1, "second block after padding: flagged, ignored");
	ok(decs("Zm8=\r\n-junk") == 0 && dlen == 2 && dst.trailing_after_padding == 1,
	   "junk after padding: flagged, not an error");
	ok(dec("Zm8=\0", 5) == 0 && dlen == 2 && dst.trailing_after_padding == 1,
	   "NUL after padding: flagged, not an error");
	ok(decs("Zm8=\r\n") == 0 && dlen == 2 && dst.trailing_after_padding == 0 &&
	   dst.skipped_whitespace == 2, "whitespace after padding is fine");
	ok(decs("Zm8===") == 0 && dlen == 2 && dst.trailing_after_padding == 0 &&
	   dst.missing_padding == 0, "extra '=' is fine");
	ok(decs("Zm9v=") == 0 && dlen == 3 && dst.trailing_after_padding == 0 &&
	   dst.missing_padding == 0, "'=' after a whole quantum ends the data");
	ok(decs("Zm9v=Zm9v") == 0 && dlen == 3 && dst.trailing_after_padding == 1,
	   "data after '=' on a quantum boundary: flagged");
	ok(decs("=") == 0 && dlen == 0, "lone '=' decodes to nothing");
	ok(decs("Zg=x") == 0 && dlen == 1 && dst.trailing_after_padding == 1 &&
	   dst.missing_padding == 1, "short padding then junk: both flagged");
}

static void test_empty(void)
{
	struct b64_stats st = { 9, 9, 9 };
	struct err e;
	size_t n = 7;

	ok(b64_decode(NULL, 0, dbuf, &n, &st, &e) == 0 && n == 0 &&
	   st.skipped_whitespace == 0 && st.missing_padding == 0 &&
	   st.trailing_after_padding == 0, "empty input: nothing, no flags");
	is_int(b64_encode(NULL, 0, NULL), 0, "empty encode writes nothing");
	is_int(b64_decoded_max(0), 3, "decoded_max(0)");
	is_int(b64_decoded_max(4), 6, "decoded_max(4)");
	ok(b64_decoded_max((size_t)-1) == (size_t)-1 / 4 * 3 + 3 &&
	   b64_decoded_max((size_t)-1) > (size_t)-1 / 2, "decoded_max(SIZE_MAX) does not wrap");
}

/* Exact-size heap buffers, so ASan catches any write past the bound. */
static void test_round_trip(void)
{
	int bad = 0;

	for (size_t n = 0; n <= 300; n++) {
		size_t encmax = 4 * ((n + 2) / 3);
		unsigned char *p = malloc(n + 1), *d = malloc(b64_decoded_max(encmax));
		char *enc = malloc(encmax + 1);
		size_t en, dn = 0, pad;
		struct b64_stats st;
		struct err e;

		if (p == NULL || d == NULL || enc == NULL)
			abort();
		for (size_t i = 0; i < n; i++)
			p[i] = rnd();
		en = b64_encode(p, n, enc);
		enc[en] = '\0';
		pad = n % 3 == 0 ? 0 : 3 - n % 3;
		if (en != encmax || strspn(enc, alphabet) != en - pad ||
		    strspn(enc + en - pad, "=") != pad)
			bad++;
		if (b64_decode((unsigned char *)enc, en, d, &dn, &st, &e) != 0 || dn != n ||
		    (n > 0 && memcmp(d, p, n) != 0) || st.missing_padding ||
		    st.trailing_after_padding || st.skipped_whitespace)
			bad++;
		if (dn > b64_decoded_max(en))
			bad++;
		free(p);
		free(d);
		free(enc);
	}
	is_int(bad, 0, "round trip over lengths 0..300");
}

static void test_all_bytes(void)
{
	unsigned char all[256];
	char enc[345];
	size_t en;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	en = b64_encode(all, 256, enc);
	is_int(en, 344, "256 bytes encode to 344 chars");
	enc[en] = '\0';
	is_int(strspn(enc, alphabet), 342, "encoder emits only alphabet, then padding");
	ok(memcmp(enc, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0 &&
	   memcmp(enc + 340, "/w==", 4) == 0, "all-bytes encoding matches known text");
	ok(dec(enc, en) == 0 && dlen == 256 && memcmp(dbuf, all, 256) == 0,
	   "all 256 byte values round trip");
}

/* b64_sextet agrees with the alphabet and with b64_decode */
static void test_sextet(void)
{
	int bad = 0;

	for (int c = 0; c < 256; c++) {
		const char *at = c != 0 ? strchr(alphabet, c) : NULL;
		int want = at != NULL ? (int)(at - alphabet) : -1;

		bad += b64_sextet((unsigned char)c) != want;
	}
	is_int(bad, 0, "b64_sextet: 0-63 for the 64 bytes of the alphabet, -1 for the rest");
	is_int(b64_sextet('='), -1, "b64_sextet: '=' is not a sextet");
	is_int(b64_sextet(' '), -1, "b64_sextet: whitespace is not a sextet");
}

int main(void)
{
	test_rfc4648();
	test_sextet();
	test_whitespace_everywhere();
	test_line_widths();
	test_missing_padding();
	test_invalid_bytes();
	test_truncated();
	test_padding_rules();
	test_empty();
	test_round_trip();
	test_all_bytes();
	return tap_done();
}
