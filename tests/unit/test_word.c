/* Unit tests for word.h: each word test against a byte loop, for every
 * byte value in every position, and word_short's bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "word.h"
#include "../tap.h"

/* Every byte value x at every position of a word of filler bytes:
 * word_below / word_has / word_high say yes exactly when x (or the
 * filler) qualifies, and of the flagged bytes the lowest is x's. */
static void test_tests(unsigned char fill)
{
	char what[80];
	int bad_below = 0, bad_has = 0, bad_high = 0, bad_low = 0;

	for (int pos = 0; pos < 8; pos++) {
		for (int x = 0; x < 256; x++) {
			unsigned char b[8];
			uint64_t v, hit;

			memset(b, fill, sizeof b);
			b[pos] = (unsigned char)x;
			v = word_at(b);
			for (unsigned c = 1; c <= 0x80; c++)
				if ((word_below(v, (unsigned char)c) != 0) != (x < (int)c || fill < c))
					bad_below++;
			for (unsigned c = 0; c < 256; c++)
				if ((word_has(v, (unsigned char)c) != 0) != (x == (int)c || fill == c))
					bad_has++;
			if ((word_high(v) != 0) != (x >= 0x80 || fill >= 0x80))
				bad_high++;
			/* the lowest flagged byte is a true one (little-endian) */
			hit = word_has(v, (unsigned char)x);
			if (fill != x && (hit == 0 || (size_t)__builtin_ctzll(hit) / 8 != (size_t)pos))
				bad_low++;
		}
	}
	snprintf(what, sizeof what, "word_below, filler 0x%02x: as a byte loop", fill);
	is_int(bad_below, 0, what);
	snprintf(what, sizeof what, "word_has, filler 0x%02x: as a byte loop", fill);
	is_int(bad_has, 0, what);
	snprintf(what, sizeof what, "word_high, filler 0x%02x: as a byte loop", fill);
	is_int(bad_high, 0, what);
	snprintf(what, sizeof what, "word_has, filler 0x%02x: lowest flag is the byte", fill);
	is_int(bad_low, 0, what);
}

/* word_short(p, n) holds each of p[0..n) and nothing else, so it tells
 * apart any two strings of the same length that differ in one byte. */
static void test_short(void)
{
	const unsigned char s[8] = "abcdefg";
	int missing = 0, stray = 0, same = 0;

	for (size_t n = 1; n < 8; n++) {
		uint64_t v = word_short(s, n);

		for (size_t i = 0; i < n; i++)
			if (word_has(v, s[i]) == 0)
				missing++;
		for (size_t i = n; i < 8; i++)
			if (word_has(v, s[i]) != 0)
				stray++;
		for (size_t i = 0; i < n; i++) {
			unsigned char t[8];

			memcpy(t, s, sizeof t);
			t[i] = 'X';
			if (word_short(t, n) == v)
				same++;
		}
	}
	is_int(missing, 0, "word_short holds every byte of p[0..n)");
	is_int(stray, 0, "word_short holds no byte past n");
	is_int(same, 0, "word_short differs when one byte differs");
	ok(word_short("\x01\x02\x03", 3) == 0x0103020101030201ULL,
	   "word_short of 3 bytes: p[0] p[1] p[2] p[0], twice");
	ok(word_short("ABCDE", 5) == ((uint64_t)0x44434241 | (uint64_t)0x45444342 << 32),
	   "word_short of 5 bytes: p[0..4) then p[1..5)");
}

int main(void)
{
	test_tests(' ');
	test_tests(0x00);
	test_tests(0x7f);
	test_tests(0xff);
	test_short();
	return tap_done();
}
