/* SHA-256 (FIPS 180-4), incremental.  Used for the spool's duplicate
 * index: a content hash a sender cannot make collide with another
 * report's, and one that other tools (PostgreSQL, Python) compute alike. */
#ifndef TLSRPT_SHA256_H
#define TLSRPT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;             /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;              /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/* 0: the portable rounds even where the CPU has SHA instructions (for
 * tests: both must agree); 1 (the default): the fastest there is. */
void sha256_use_cpu(int on);

#endif
