/* Eight bytes a step: the word tests the byte scans share (jsonscan's
 * string search, record's escape test, report's ASCII test and string
 * hash).  A test is exact as a truth value (nonzero when some byte
 * qualifies); of the bytes it flags, only the lowest is sure to qualify
 * (a borrow may flag a higher one). */
#ifndef TLSRPT_WORD_H
#define TLSRPT_WORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WORD_ONES ((uint64_t)0x0101010101010101)
#define WORD_HIGHS (WORD_ONES << 7)

/* The eight bytes at p, unaligned. */
static inline uint64_t word_at(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* A word made of p[0..n) alone, 1 <= n < 8: each of those bytes is in it
 * (some twice) and no other, so a test over it is a test over p[0..n). */
static inline uint64_t word_short(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t lo, hi;

	if (n >= 4) {
		memcpy(&lo, b, 4);
		memcpy(&hi, b + n - 4, 4);
	} else {
		lo = (uint32_t)b[0] | (uint32_t)b[n / 2] << 8 |
		     (uint32_t)b[n - 1] << 16 | (uint32_t)b[0] << 24;
		hi = lo;
	}
	return (uint64_t)lo | (uint64_t)hi << 32;
}

/* Some byte of v is below c (c <= 0x80). */
static inline uint64_t word_below(uint64_t v, unsigned char c)
{
	return (v - WORD_ONES * c) & ~v & WORD_HIGHS;
}

/* Some byte of v is c. */
static inline uint64_t word_has(uint64_t v, unsigned char c)
{
	return word_below(v ^ WORD_ONES * c, 1);
}

/* Some byte of v is 0x80 or above (not ASCII). */
static inline uint64_t word_high(uint64_t v)
{
	return v & WORD_HIGHS;
}

#endif
