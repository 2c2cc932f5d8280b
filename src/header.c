/* RFC 5322 header blocks and the structured values in them.
 *
 * header_parse makes one pass over the block, line by line (LF or CRLF,
 * mixed allowed), recording each field as raw spans into the caller's
 * buffer; continuation lines (leading SP/TAB) extend the current field.
 * Both limits are checked line by line while scanning, so a hostile block
 * fails within one linear pass, never after building a huge table.
 *
 * Values are read with a small CFWS-aware scanner (whitespace, CR/LF of
 * folds and nested "(comments)" are all skipped) used by the media type and
 * parameter lookups.  Parameters follow RFC 2045 with the usual real-world
 * leniency (unquoted values may hold '=' or '/', junk is skipped up to the
 * next ';') plus RFC 2231: name*=charset'lang'%XX, and sections name*N /
 * name*N* that are sorted by index and joined; only starred sections are
 * percent-decoded.  RFC 2047 encoded words are decoded with base64.c's
 * decoder and qp.c's hex digits; the rules of a word around them (only
 * '=' after padding, '_' in 'Q' text) are here. */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "header.h"
#include "qp.h"

/* RFC 2231 sections beyond this many are ignored: no real file name needs
 * them, and it bounds the table for hostile values. */
#define MAX_SECTIONS 1000
#define MAX_CHARSET 40

void headers_init(struct headers *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}

void headers_free(struct headers *h)
{
	free(h->v);
	headers_init(h);
}

static int is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* RFC 5322 ftext: printable ASCII except ':'. */
static int is_ftext(unsigned char c)
{
	return c > 32 && c < 127 && c != ':';
}

static int headers_push(struct headers *h, const struct header_field *f)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap : 16, bytes;
		struct header_field *nv;

		if (h->cap != 0 && size_mul(cap, 2, &cap) < 0)
			return -1;
		if (size_mul(cap, sizeof *nv, &bytes) < 0)
			return -1;
		nv = realloc(h->v, bytes);
		if (nv == NULL)
			return -1;
		h->v = nv;
		h->cap = cap;
	}
	h->v[h->n++] = *f;
	return 0;
}

/* End of the line content at i (before CR LF / LF) and start of the next. */
static void line_bounds(const unsigned char *p, size_t n, size_t i, size_t *end, size_t *next)
{
	const unsigned char *lf = memchr(p + i, '\n', n - i);

	if (lf == NULL) {
		*end = n;
		*next = n;
		if (n > i && p[n - 1] == '\r')
			*end = n - 1;
		return;
	}
	*next = (size_t)(lf - p) + 1;
	*end = *next - 1;
	if (*end > i && p[*end - 1] == '\r')
		(*end)--;
}

/* Length of a field name at p[i..end) followed by optional WSP and ':',
 * or 0 if the line is not a field; *colon gets the colon's offset. */
static size_t field_name(const unsigned char *p, size_t i, size_t end, size_t *colon)
{
	size_t j = i, name_n;

	while (j < end && is_ftext(p[j]))
		j++;
	name_n = j - i;
	while (j < end && is_wsp(p[j]))
		j++;
	if (name_n == 0 || j >= end || p[j] != ':')
		return 0;
	*colon = j;
	return name_n;
}

/* Scan one field starting at line start i; continuation lines are
 * consumed.  Returns the offset of the next line, or (size_t)-1 with e set
 * when the field is too long. */
static size_t scan_field(const unsigned char *p, size_t n, size_t i, size_t name_n,
			 size_t colon, const struct limits *l, struct header_field *f,
			 struct err *e)
{
	size_t end, next, vstart = colon + 1;

	line_bounds(p, n, i, &end, &next);
	for (;;) {
		/* checked per line so a 1 MB field fails on its first line */
		if (end - vstart > l->max_header_line || name_n + (end - vstart) > l->max_header_line) {
			err_set(e, ERR_INPUT, "header field longer than %zu bytes", l->max_header_line);
			return (size_t)-1;
		}
		if (next >= n || !is_wsp(p[next]))
			break;
		line_bounds(p, n, next, &end, &next);
	}
	f->name = p + i;
	f->name_n = name_n;
	f->value = p + vstart;
	f->value_n = end - vstart;
	return next;
}

int header_parse(const unsigned char *p, size_t n, const struct limits *l,
		 struct headers *out, size_t *body_off, struct err *e)
{
	size_t i = 0, end, next, colon, name_n;
	struct header_field f;

	while (i < n) {
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] == '\n'))) {
			*body_off = p[i] == '\n' ? i + 1 : (i + 1 == n ? n : i + 2);
			return 0;
		}
		line_bounds(p, n, i, &end, &next);
		if (is_wsp(p[i])) {
			/* continuation with no field before it: nothing to attach to */
			i = next;
			continue;
		}
		name_n = field_name(p, i, end, &colon);
		if (name_n == 0)
			break;
		if (out->n >= l->max_headers)
			return err_set(e, ERR_INPUT, "too many header fields (limit %zu)", l->max_headers);
		next = scan_field(p, n, i, name_n, colon, l, &f, e);
		if (next == (size_t)-1)
			return -1;
		if (headers_push(out, &f) < 0)
			return err_nomem(e);
		i = next;
	}
	*body_off = i;
	return 0;
}

const struct header_field *header_find(const struct headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (span_ieq(h->v[i].name, h->v[i].name_n, name))
			return &h->v[i];
	return NULL;
}

int header_unfold(const unsigned char *v, size_t n, struct buf *out)
{
	size_t i = 0, run = 0;

	while (n > 0 && is_space(v[n - 1]))
		n--;
	while (i < n && is_space(v[i]))
		i++;
	if (i == n)
		return buf_append(out, "", 0);
	run = i;
	while (i < n) {
		if (v[i] != '\r' && v[i] != '\n') {
			i++;
			continue;
		}
		if (buf_append(out, v + run, i - run) < 0)
			return -1;
		while (i < n && (v[i] == '\r' || v[i] == '\n'))
			i++;
		if (i < n && is_wsp(v[i])) {
			while (i < n && is_wsp(v[i]))
				i++;
			if (buf_append_byte(out, ' ') < 0)
				return -1;
		}
		run = i;
	}
	return buf_append(out, v + run, n - run);
}

/* Skip whitespace, fold CR/LF and (nested) comments from i. */
static size_t skip_cfws(const unsigned char *v, size_t n, size_t i)
{
	while (i < n) {
		if (is_space(v[i])) {
			i++;
		} else if (v[i] == '(') {
			size_t depth = 0;

			for (; i < n; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				else if (v[i] == '(')
					depth++;
				else if (v[i] == ')' && --depth == 0)
					break;
			}
			if (i < n)
				i++;
		} else {
			break;
		}
	}
	return i;
}

/* RFC 2045 token character. */
static int is_token(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

int header_media_type(const unsigned char *v, size_t n, char *out, size_t cap)
{
	size_t i, t0, t1, s0, s1, len;

	if (cap > 0)
		out[0] = '\0';
	i = skip_cfws(v, n, 0);
	for (t0 = i; i < n && is_token(v[i]); i++)
		;
	t1 = i;
	i = skip_cfws(v, n, i);
	if (t1 == t0 || i >= n || v[i] != '/')
		return -1;
	i = skip_cfws(v, n, i + 1);
	for (s0 = i; i < n && is_token(v[i]); i++)
		;
	s1 = i;
	len = (t1 - t0) + 1 + (s1 - s0);
	if (s1 == s0 || len >= cap)
		return -1;
	for (size_t k = 0; k < t1 - t0; k++)
		out[k] = (char)lower(v[t0 + k]);
	out[t1 - t0] = '/';
	for (size_t k = 0; k < s1 - s0; k++)
		out[t1 - t0 + 1 + k] = (char)lower(v[s0 + k]);
	out[len] = '\0';
	return 0;
}

/* Offset of the closing quote of the quoted string opened at i, or n if
 * it is unterminated. */
static size_t quoted_end(const unsigned char *v, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (v[i] == '\\' && i + 1 < n)
			i++;
		else if (v[i] == '"')
			return i;
	}
	return n;
}

/* Offset of the next ';' outside quotes and comments, or n. */
static size_t next_semicolon(const unsigned char *v, size_t n, size_t i)
{
	while (i < n && v[i] != ';') {
		if (v[i] == '"')
			i = quoted_end(v, n, i) + 1;
		else if (v[i] == '(')
			i = skip_cfws(v, n, i);
		else
			i++;
	}
	return i < n ? i : n;
}

/* One attribute=value pair as raw spans; quoted values exclude quotes. */
struct param {
	const unsigned char *attr;
	size_t attr_n;
	const unsigned char *val;
	size_t val_n;
	int quoted;
};

/* Read the parameter at *pos (just after a ';').  Returns 1 with *pr set,
 * 0 if the segment holds no usable pair; *pos moves to the next ';' or n. */
static int param_read(const unsigned char *v, size_t n, size_t *pos, struct param *pr)
{
	size_t i = skip_cfws(v, n, *pos), a0 = i, v0;

	while (i < n && v[i] != '=' && v[i] != ';' && v[i] != '"' && v[i] != '(' && !is_space(v[i]))
		i++;
	pr->attr = v + a0;
	pr->attr_n = i - a0;
	i = skip_cfws(v, n, i);
	if (pr->attr_n == 0 || i >= n || v[i] != '=') {
		*pos = next_semicolon(v, n, i);
		return 0;
	}
	i = skip_cfws(v, n, i + 1);
	pr->quoted = i < n && v[i] == '"';
	if (pr->quoted) {
		v0 = i + 1;
		i = quoted_end(v, n, i);
		pr->val_n = i - v0;
		if (i < n)
			i++;
	} else {
		/* lenient token: real mailers put '=', '/', '?' unquoted */
		for (v0 = i; i < n && v[i] != ';' && v[i] != '(' && v[i] != '"' && !is_space(v[i]); i++)
			;
		pr->val_n = i - v0;
	}
	pr->val = v + v0;
	*pos = next_semicolon(v, n, i);
	return 1;
}

/* Copy a raw value: quoted strings lose their backslashes and fold CR/LF. */
static int value_copy(const struct param *pr, struct buf *out)
{
	if (!pr->quoted)
		return buf_append(out, pr->val, pr->val_n);
	for (size_t i = 0; i < pr->val_n; i++) {
		unsigned char c = pr->val[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\' && i + 1 < pr->val_n)
			c = pr->val[++i];
		if (buf_append_byte(out, c) < 0)
			return -1;
	}
	return 0;
}

/* RFC 2231 extended value: optional charset'lang' prefix (first section
 * only), then %XX escapes; a '%' without two hex digits stays as is. */
static int value_decode(const struct param *pr, int first, struct buf *out)
{
	struct buf raw;
	size_t i = 0;
	int rc = -1;

	buf_init(&raw);
	if (value_copy(pr, &raw) < 0 || buf_append(&raw, "", 0) < 0)
		goto fail;
	if (first) {
		const unsigned char *q1 = memchr(raw.p, '\'', raw.n), *q2 = NULL;

		if (q1 != NULL)
			q2 = memchr(q1 + 1, '\'', raw.n - (size_t)(q1 + 1 - raw.p));
		if (q2 != NULL)
			i = (size_t)(q2 + 1 - raw.p);
	}
	for (; i < raw.n; i++) {
		unsigned char c = raw.p[i];

		if (c == '%' && i + 2 < raw.n && qp_hexval(raw.p[i + 1]) >= 0 &&
		    qp_hexval(raw.p[i + 2]) >= 0) {
			c = (unsigned char)(qp_hexval(raw.p[i + 1]) * 16 + qp_hexval(raw.p[i + 2]));
			i += 2;
		}
		if (buf_append_byte(out, c) < 0)
			goto fail;
	}
	rc = 0;
fail:
	buf_free(&raw);
	return rc;
}

enum param_kind { PK_NONE, PK_PLAIN, PK_EXT, PK_SECTION };

struct section {
	unsigned long idx;
	size_t order;
	int star;
	struct param pr;
};

/* Classify attr against name: name, name*, name*N or name*N*. */
static enum param_kind param_kind(const struct param *pr, const char *name,
				  unsigned long *idx, int *star)
{
	size_t m = strlen(name), i;

	if (pr->attr_n < m || !span_iprefix(pr->attr, pr->attr_n, name))
		return PK_NONE;
	if (pr->attr_n == m)
		return PK_PLAIN;
	if (pr->attr[m] != '*')
		return PK_NONE;
	if (pr->attr_n == m + 1)
		return PK_EXT;
	*idx = 0;
	for (i = m + 1; i < pr->attr_n && pr->attr[i] >= '0' && pr->attr[i] <= '9'; i++) {
		if (i - m > 6)
			return PK_NONE; /* more sections than we would ever join */
		*idx = *idx * 10 + (unsigned long)(pr->attr[i] - '0');
	}
	if (i == m + 1)
		return PK_NONE;
	*star = i < pr->attr_n && pr->attr[i] == '*';
	if (i + (size_t)*star != pr->attr_n)
		return PK_NONE;
	return PK_SECTION;
}

static int section_cmp(const void *a, const void *b)
{
	const struct section *x = a, *y = b;

	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/* Join sections 0, 1, 2, ... (first occurrence of an index wins, a gap
 * ends the value).  Returns 1 joined, 0 no section 0, -1 ENOMEM. */
static int sections_join(struct section *s, size_t ns, struct buf *out)
{
	unsigned long want = 0;

	if (ns == 0)
		return 0;
	qsort(s, ns, sizeof *s, section_cmp);
	if (s[0].idx != 0)
		return 0;
	for (size_t i = 0; i < ns && s[i].idx <= want; i++) {
		int rc;

		if (s[i].idx < want)
			continue;
		rc = s[i].star ? value_decode(&s[i].pr, want == 0, out) : value_copy(&s[i].pr, out);
		if (rc < 0)
			return -1;
		want++;
	}
	return 1;
}

struct sections {
	struct section *v;
	size_t n, cap;
};

static int sections_add(struct sections *s, const struct section *one)
{
	if (s->n >= MAX_SECTIONS)
		return 0; /* beyond any real file name: ignored */
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct section *nv = realloc(s->v, cap * sizeof *nv);

		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = *one;
	return 0;
}

/* Scan every parameter once, remembering the first plain and extended
 * match and all sections.  Returns a bit set (1 plain, 2 extended) or -1. */
static int param_collect(const unsigned char *v, size_t n, const char *name,
			 struct param *plain, struct param *ext, struct sections *sec)
{
	size_t pos = next_semicolon(v, n, 0), order = 0;
	int found = 0;
	struct param pr;

	while (pos < n) {
		struct section one = { 0, order++, 0, { NULL, 0, NULL, 0, 0 } };

		pos++;
		if (!param_read(v, n, &pos, &pr))
			continue;
		switch (param_kind(&pr, name, &one.idx, &one.star)) {
		case PK_PLAIN:
			if (!(found & 1))
				*plain = pr;
			found |= 1;
			break;
		case PK_EXT:
			if (!(found & 2))
				*ext = pr;
			found |= 2;
			break;
		case PK_SECTION:
			one.pr = pr;
			if (sections_add(sec, &one) < 0)
				return -1;
			break;
		case PK_NONE:
			break;
		}
	}
	return found;
}

int header_param(const unsigned char *v, size_t n, const char *name, struct buf *out)
{
	struct param plain, ext;
	struct sections sec = { NULL, 0, 0 };
	int found, rc = -1;

	found = param_collect(v, n, name, &plain, &ext, &sec);
	if (found < 0)
		goto fail;
	/* the RFC 2231 forms are the sender's precise spelling: prefer them */
	if (found & 2) {
		rc = value_decode(&ext, 1, out) < 0 ? -1 : 1;
	} else {
		rc = sections_join(sec.v, sec.n, out);
		if (rc == 0 && (found & 1))
			rc = value_copy(&plain, out) < 0 ? -1 : 1;
	}
	if (rc == 1 && buf_append(out, "", 0) < 0)
		rc = -1;
fail:
	free(sec.v);
	return rc;
}

/* An encoded word =?charset?E?text?= as offsets into the value. */
struct eword {
	size_t cs, cs_n;     /* charset without any RFC 2231 "*lang" */
	unsigned char enc;   /* 'b' or 'q' */
	size_t text, text_n;
	size_t end;          /* just after "?=" */
};

/* Parse the syntax of an encoded word at i (v[i] == '=').  Each scan stops
 * at the next '?' or whitespace, so failed attempts stay linear overall. */
static int eword_parse(const unsigned char *v, size_t n, size_t i, struct eword *w)
{
	size_t j = i + 2, k;

	if (i + 1 >= n || v[i] != '=' || v[i + 1] != '?')
		return 0;
	while (j < n && v[j] != '?' && is_token(v[j]))
		j++;
	if (j >= n || v[j] != '?' || j == i + 2 || j - (i + 2) > MAX_CHARSET)
		return 0;
	w->cs = i + 2;
	w->cs_n = j - w->cs;
	for (k = w->cs; k < j; k++)
		if (v[k] == '*')
			break;
	w->cs_n = k - w->cs;
	if (j + 2 >= n || v[j + 2] != '?')
		return 0;
	w->enc = lower(v[j + 1]);
	if (w->enc != 'b' && w->enc != 'q')
		return 0;
	for (k = j + 3; k < n && v[k] != '?' && !is_space(v[k]); k++)
		;
	if (k + 1 >= n || v[k] != '?' || v[k + 1] != '=')
		return 0;
	w->text = j + 3;
	w->text_n = k - w->text;
	w->end = k + 2;
	return 1;
}

/* 'B' text: padding optional, anything after '=' must be '='.  The text
 * holds no whitespace (eword_parse), so b64_decode skips none.
 * Returns 1 decoded, 0 malformed, -1 ENOMEM. */
static int decode_b(const unsigned char *s, size_t n, struct buf *out)
{
	const unsigned char *pad = memchr(s, '=', n);
	size_t len = pad != NULL ? (size_t)(pad - s) : n, got;
	struct err e;

	for (size_t i = len; i < n; i++)
		if (s[i] != '=')
			return 0;
	/* a lone last sextet holds no whole byte: dropped (b64_decode would
	 * refuse the word), as long as it is one */
	if (len % 4 == 1) {
		if (b64_sextet(s[len - 1]) < 0)
			return 0;
		len--;
	}
	if (buf_reserve(out, b64_decoded_max(len)) < 0)
		return -1;
	if (b64_decode(s, len, out->p + out->n, &got, NULL, &e) < 0)
		return 0;
	out->n += got;
	out->p[out->n] = '\0';
	return 1;
}

/* 'Q' text: '_' is a space, =XX a byte.  Same returns as decode_b. */
static int decode_q(const unsigned char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '_') {
			c = ' ';
		} else if (c == '=') {
			if (i + 2 >= n || qp_hexval(s[i + 1]) < 0 || qp_hexval(s[i + 2]) < 0)
				return 0;
			c = (unsigned char)(qp_hexval(s[i + 1]) * 16 + qp_hexval(s[i + 2]));
			i += 2;
		}
		if (buf_append_byte(out, c) < 0)
			return -1;
	}
	return 1;
}

/* 1 copy as UTF-8, 2 latin-1, 0 unsupported. */
static int charset_kind(const unsigned char *cs, size_t n)
{
	static const char *const utf8[] = { "utf-8", "utf8", "us-ascii", "ascii", NULL };
	static const char *const latin1[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "windows-1252", "cp1252", NULL
	};

	for (size_t i = 0; utf8[i] != NULL; i++)
		if (span_ieq(cs, n, utf8[i]))
			return 1;
	for (size_t i = 0; latin1[i] != NULL; i++)
		if (span_ieq(cs, n, latin1[i]))
			return 2;
	return 0;
}

/* Decode one word and append it to out as UTF-8 (before cleaning).
 * Returns 1 done, 0 leave the word as raw text, -1 ENOMEM. */
static int eword_decode(const unsigned char *v, const struct eword *w,
			struct buf *scratch, struct buf *out)
{
	int kind = charset_kind(v + w->cs, w->cs_n), rc;

	if (kind == 0)
		return 0;
	buf_reset(scratch);
	rc = w->enc == 'b' ? decode_b(v + w->text, w->text_n, scratch)
			   : decode_q(v + w->text, w->text_n, scratch);
	if (rc <= 0)
		return rc;
	if (kind == 1)
		return buf_append(out, scratch->p, scratch->n) < 0 ? -1 : 1;
	for (size_t i = 0; i < scratch->n; i++) {
		unsigned char c = scratch->p[i];

		if (c < 0x80 ? buf_append_byte(out, c) < 0
			     : (buf_append_byte(out, (unsigned char)(0xc0 | (c >> 6))) < 0 ||
				buf_append_byte(out, (unsigned char)(0x80 | (c & 0x3f))) < 0))
			return -1;
	}
	return 1;
}

int header_decode_words(const unsigned char *v, size_t n, struct buf *out)
{
	struct buf tmp, scratch;
	struct eword w;
	size_t i = 0, run = 0;
	int prev_word = 0, rc = -1;

	if (n == 0)
		return buf_append(out, "", 0);
	buf_init(&tmp);
	buf_init(&scratch);
	if (buf_append(&tmp, "", 0) < 0 || buf_append(&scratch, "", 0) < 0)
		goto fail;
	while (i < n) {
		int d = 0;

		if (v[i] == '=' && eword_parse(v, n, i, &w)) {
			size_t before = tmp.n;

			/* whitespace between two words is dropped (RFC 2047 6.2) */
			if (!prev_word && buf_append(&tmp, v + run, i - run) < 0)
				goto fail;
			d = eword_decode(v, &w, &scratch, &tmp);
			if (d < 0)
				goto fail;
			if (d == 0)
				tmp.n = before; /* undo: the raw text is copied later */
		}
		if (d == 1) {
			i = run = w.end;
			prev_word = 1;
			continue;
		}
		if (!is_space(v[i]))
			prev_word = 0;
		i++;
	}
	if (buf_append(&tmp, v + run, n - run) < 0 || utf8_clean_append(out, tmp.p, tmp.n) < 0)
		goto fail;
	rc = 0;
fail:
	buf_free(&tmp);
	buf_free(&scratch);
	return rc;
}
