/* Unit tests for the quoted-printable decoder: soft breaks, hex escapes,
 * the lenient cases and the size bound. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qp.h"
#include "../tap.h"

static uint32_t rng_state = 88172645u;

static unsigned char rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (unsigned char)rng_state;
}

/* Decode a copy of in[0..n) into an output buffer, both of exactly n
 * bytes on the heap (so ASan sees any read or write past the end), and
 * compare with want; also check the bad-escape count. */
static void check(const char *in, size_t n, const char *want, size_t wantn,
		  size_t bad, const char *what)
{
	unsigned char *copy = malloc(n > 0 ? n : 1), *out = malloc(n > 0 ? n : 1);
	struct qp_stats st = { 12345 };
	size_t got;
	char what2[120];

	if (copy == NULL || out == NULL)
		abort();
	if (n > 0)
		memcpy(copy, in, n);
	got = qp_decode(copy, n, out, &st);
	is_mem(out, got, want, wantn, what);
	snprintf(what2, sizeof what2, "%s: bad_escapes", what);
	is_int(st.bad_escapes, bad, what2);
	free(copy);
	free(out);
}

#define CHECK(in, want, bad, what) \
	check((in), sizeof(in) - 1, (want), sizeof(want) - 1, (bad), (what))

static void test_soft_breaks(void)
{
	CHECK("abc=\r\ndef", "abcdef", 0, "soft break CRLF");
	CHECK("abc=\ndef", "abcdef", 0, "soft break LF");
	CHECK("abc= \t \r\ndef", "abcdef", 0, "soft break with blanks, CRLF");
	CHECK("abc=\t\ndef", "abcdef", 0, "soft break with blanks, LF");
	CHECK("a=\r\n=\r\nb=\n", "ab", 0, "consecutive soft breaks");
	CHECK("abc =\r\ndef", "abc def", 0, "blank before '=' is kept");
	CHECK("=\r\n", "", 0, "only a soft break");
	CHECK("a=\r\r\nb", "a=\r\r\nb", 1, "'=' CR CR LF is not a soft break");
}

static void test_hex(void)
{
	CHECK("=41=42=43", "ABC", 0, "upper-case hex");
	CHECK("=4a=4A=e9=E9=eF", "JJ\xe9\xe9\xef", 0, "lower and mixed case hex");
	check("x=00y", 5, "x\0y", 3, 0, "=00 gives NUL");
	CHECK("=FF=ff=80=7F", "\xff\xff\x80\x7f", 0, "high bytes");
	CHECK("=3D=3d", "==", 0, "encoded '='");
	CHECK("caf=C3=A9 na=C3=AFve", "caf\xc3\xa9 na\xc3\xafve", 0, "UTF-8 text");
}

static void test_bad_escapes(void)
{
	CHECK("=4G", "=4G", 1, "second digit not hex");
	CHECK("=G4", "=G4", 1, "first digit not hex");
	CHECK("==41", "=A", 1, "'=' then a good escape");
	CHECK("a=4", "a=4", 1, "one hex digit at end");
	CHECK("= x", "= x", 1, "blank then text is not a soft break");
	CHECK("=\rX", "=\rX", 1, "'=' bare CR");
	CHECK("1+1=2 and 2*2=4!", "1+1=2 and 2*2=4!", 2, "plain '=' in text");
	CHECK("=g=h=", "=g=h", 2, "two bad escapes then '=' at end");
	CHECK("===", "==", 2, "run of '='");
}

static void test_end(void)
{
	CHECK("abc=", "abc", 0, "'=' at the very end is dropped");
	CHECK("=", "", 0, "lone '='");
	CHECK("abc= \t", "abc", 0, "'=' and blanks at the end are dropped");
	CHECK("abc  ", "abc  ", 0, "trailing blanks kept");
	CHECK("a \r\nb\t\nc", "a \r\nb\t\nc", 0, "hard breaks and trailing blanks kept");
	check(NULL, 0, "", 0, 0, "empty input");
	is_int(qp_decode((const unsigned char *)"=41=", 4, (unsigned char[4]){ 0 }, NULL),
	       1, "NULL stats accepted");
}

static void test_binary(void)
{
	unsigned char in[255], out[255];
	size_t k = 0, got;
	struct qp_stats st;

	for (int c = 0; c < 256; c++)
		if (c != '=')
			in[k++] = (unsigned char)c;
	got = qp_decode(in, k, out, &st);
	is_mem(out, got, in, k, "every byte but '=' copied unchanged");
	is_int(st.bad_escapes, 0, "binary: no bad escapes");
}

/* Random input biased towards '=', hex digits, blanks and line ends. */
static void test_never_longer(void)
{
	static const char pick[] = "==== \t\r\n0aF9gZ";
	int bad = 0;

	for (size_t round = 0; round < 2000; round++) {
		size_t n = rnd() % 64;
		unsigned char *in = malloc(n > 0 ? n : 1), *out = malloc(n > 0 ? n : 1);
		size_t got;

		if (in == NULL || out == NULL)
			abort();
		for (size_t i = 0; i < n; i++)
			in[i] = rnd() & 1 ? (unsigned char)pick[rnd() % (sizeof pick - 1)] : rnd();
		got = qp_decode(in, n, out, NULL);
		if (got > n)
			bad++;
		free(in);
		free(out);
	}
	is_int(bad, 0, "output never longer than input");
}

static void test_hexval(void)
{
	int bad = 0;

	for (int c = 0; c < 256; c++) {
		int want = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		bad += qp_hexval((unsigned char)c) != want;
	}
	is_int(bad, 0, "qp_hexval: 0-15 for hex digits in either case, -1 for every other byte");
}

int main(void)
{
	test_soft_breaks();
	test_hexval();
	test_hex();
	test_bad_escapes();
	test_end();
	test_binary();
	test_never_longer();
	return tap_done();
}
