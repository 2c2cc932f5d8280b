/* Small shared pieces: growable byte buffers, string lists, checked size
 * arithmetic, span comparisons, UTF-8 cleaning and a whole write. */
#ifndef TLSRPT_UTIL_H
#define TLSRPT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Growable byte buffer.  p is always NUL-terminated after a successful
 * append (the NUL is not counted in n), so text can be passed to libc. */
struct buf {
	unsigned char *p;
	size_t n;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                       /* n = 0, keeps memory */
int buf_reserve(struct buf *b, size_t extra);        /* 0 or -1 (ENOMEM / overflow) */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_byte(struct buf *b, unsigned char c);
/* Append printf-formatted text (any length).  0, or -1 on ENOMEM or a
 * format error (b then unchanged). */
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vappendf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Hand the contents over as a malloc'd NUL-terminated string; b is reset. */
char *buf_steal(struct buf *b);

/* A list of malloc'd NUL-terminated strings. */
struct strlist {
	char **v;
	size_t n;
	size_t cap;
};

void strlist_init(struct strlist *l);
void strlist_free(struct strlist *l);
int strlist_add(struct strlist *l, const char *s);           /* copies s */
int strlist_addn(struct strlist *l, const char *s, size_t n); /* copies n bytes */
int strlist_addf(struct strlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strlist_contains(const struct strlist *l, const char *s);

/* Checked arithmetic: 0 on success, -1 on overflow (out untouched). */
int size_add(size_t a, size_t b, size_t *out);
int size_mul(size_t a, size_t b, size_t *out);

/* ASCII case-insensitive comparisons of a span with a C string. */
int span_ieq(const unsigned char *p, size_t n, const char *lit);
int span_iprefix(const unsigned char *p, size_t n, const char *lit);
int span_isuffix(const unsigned char *p, size_t n, const char *lit);

/* 1 if p[0..n) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int utf8_valid(const unsigned char *p, size_t n);

/* Append p[0..n) to out as valid UTF-8 without NUL bytes: each invalid
 * byte sequence becomes U+FFFD and NUL becomes U+FFFD.  Returns the
 * number of replacements made, or -1 on ENOMEM. */
long utf8_clean_append(struct buf *out, const unsigned char *p, size_t n);

/* Malloc'd cleaned copy (see utf8_clean_append), NULL on ENOMEM.
 * *replaced (if not NULL) gets the replacement count. */
char *utf8_clean_dup(const unsigned char *p, size_t n, long *replaced);

/* How a JSON string writes byte c (RFC 8259 section 7, as json-c does):
 * 0 when c stands for itself; else the escape ("\n", "\u001f", ...) in
 * out, NUL-terminated, and its length. */
size_t util_json_esc(unsigned char c, char out[7]);

/* Write all of p[0..n) to fd (EINTR retried): 0, or -1 with errno. */
int util_write_all(int fd, const void *p, size_t n);

#endif
