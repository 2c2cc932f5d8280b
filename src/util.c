/* Buffers, string lists, checked arithmetic, span compares, UTF-8, a
 * whole write. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void buf_init(struct buf *b)
{
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->n = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	unsigned char *np;

	/* +1 keeps room for the terminating NUL */
	if (size_add(b->n, extra, &need) < 0 || size_add(need, 1, &need) < 0)
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need) {
		if (size_mul(cap, 2, &cap) < 0) {
			cap = need;
			break;
		}
	}
	np = realloc(b->p, cap);
	if (np == NULL)
		return -1;
	b->p = np;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_append_byte(struct buf *b, unsigned char c)
{
	return buf_append(b, &c, 1);
}

int buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	/* reserve one more: vsnprintf writes the NUL the buffer keeps anyway */
	if (len < 0 || buf_reserve(b, (size_t)len + 1) < 0)
		return -1;
	vsnprintf((char *)b->p + b->n, (size_t)len + 1, fmt, ap);
	b->n += (size_t)len;
	return 0;
}

int buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *buf_steal(struct buf *b)
{
	char *s;

	if (b->p == NULL && buf_reserve(b, 0) < 0)
		return NULL;
	b->p[b->n] = '\0';
	s = (char *)b->p;
	buf_init(b);
	return s;
}

void strlist_init(struct strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	strlist_init(l);
}

int strlist_addn(struct strlist *l, const char *s, size_t n)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		size_t bytes;
		char **nv;

		if (size_mul(cap, sizeof *nv, &bytes) < 0)
			return -1;
		nv = realloc(l->v, bytes);
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	copy = malloc(n + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	l->v[l->n++] = copy;
	return 0;
}

int strlist_add(struct strlist *l, const char *s)
{
	return strlist_addn(l, s, strlen(s));
}

int strlist_addf(struct strlist *l, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	return strlist_add(l, tmp);
}

int strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int size_add(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return -1;
	*out = a + b;
	return 0;
}

int size_mul(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int span_ieq_at(const unsigned char *p, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(p[i]) != ascii_lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

int span_ieq(const unsigned char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && span_ieq_at(p, lit, n);
}

int span_iprefix(const unsigned char *p, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	return m <= n && span_ieq_at(p, lit, m);
}

int span_isuffix(const unsigned char *p, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	return m <= n && span_ieq_at(p + n - m, lit, m);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len = utf8_seq_len(p + i, n - i);

		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

long utf8_clean_append(struct buf *out, const unsigned char *p, size_t n)
{
	static const unsigned char replacement[] = { 0xef, 0xbf, 0xbd };
	long replaced = 0;
	size_t i = 0, run = 0;

	while (i < n) {
		size_t len = p[i] == 0 ? 0 : utf8_seq_len(p + i, n - i);

		if (len > 0) {
			i += len;
			continue;
		}
		if (buf_append(out, p + run, i - run) < 0 ||
		    buf_append(out, replacement, sizeof replacement) < 0)
			return -1;
		replaced++;
		i++;
		run = i;
	}
	if (buf_append(out, p + run, n - run) < 0)
		return -1;
	return replaced;
}

char *utf8_clean_dup(const unsigned char *p, size_t n, long *replaced)
{
	struct buf b;
	long r;

	buf_init(&b);
	r = utf8_clean_append(&b, p, n);
	if (r < 0) {
		buf_free(&b);
		return NULL;
	}
	if (replaced != NULL)
		*replaced = r;
	return buf_steal(&b);
}

size_t util_json_esc(unsigned char c, char out[7])
{
	static const char hex[] = "0123456789abcdef";
	const char *e;

	if (c >= 0x20 && c != '"' && c != '\\')
		return 0;
	switch (c) {
	case '"': e = "\\\""; break;
	case '\\': e = "\\\\"; break;
	case '\b': e = "\\b"; break;
	case '\f': e = "\\f"; break;
	case '\n': e = "\\n"; break;
	case '\r': e = "\\r"; break;
	case '\t': e = "\\t"; break;
	default:
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		out[6] = '\0';
		return 6;
	}
	out[0] = e[0];
	out[1] = e[1];
	out[2] = '\0';
	return 2;
}

int util_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}
