/* RFC 5322 header blocks: split into fields, unfold, look up by name,
 * parse Content-Type style values and their parameters (RFC 2045, RFC 2231
 * continuations and charsets) and decode RFC 2047 encoded words. */
#ifndef TLSRPT_HEADER_H
#define TLSRPT_HEADER_H

#include <stddef.h>
#include "err.h"
#include "limits.h"
#include "util.h"

/* A field as raw spans into the parsed block: name without the colon,
 * value after the colon including any folding CR/LF (not unfolded). */
struct header_field {
	const unsigned char *name;
	size_t name_n;
	const unsigned char *value;
	size_t value_n;
};

struct headers {
	struct header_field *v;
	size_t n;
	size_t cap;
};

void headers_init(struct headers *h);
void headers_free(struct headers *h);

/* Parse the header block at p[0..n): LF or CRLF line ends, continuation
 * lines start with SP/TAB.  Stops at the first empty line (*body_off is the
 * offset just after it) or at the end of input (*body_off = n).  A line
 * without a colon that is not a continuation ends the header block there
 * (lenient: such a line starts the body; *body_off points at it).
 * Exceeding l->max_headers or l->max_header_line is ERR_INPUT with reason
 * "too many header fields (limit N)" / "header field longer than N bytes". */
int header_parse(const unsigned char *p, size_t n, const struct limits *l,
		 struct headers *out, size_t *body_off, struct err *e);

/* First field whose name equals name case-insensitively, or NULL. */
const struct header_field *header_find(const struct headers *h, const char *name);

/* Unfold a raw value: CR/LF removed, each fold (CRLF/LF + WSP run) becomes
 * one space, leading and trailing whitespace trimmed.  Appends to out. */
int header_unfold(const unsigned char *v, size_t n, struct buf *out);

/* Media type of a Content-Type value, lowercased "type/subtype" without
 * parameters or comments, into out (cap bytes incl. NUL).  Returns 0, or -1
 * if there is no syntactically usable type (out gets ""). */
int header_media_type(const unsigned char *v, size_t n, char *out, size_t cap);

/* Look up parameter `name` (case-insensitive) in a Content-Type or
 * Content-Disposition value.  Handles quoted strings with backslash escapes,
 * comments, whitespace and folds around '=' and ';', trailing spaces inside
 * values, and RFC 2231 forms name*=charset'lang'%XX..., name*0=...,
 * name*0*=..., name*1*=... (sections joined in order; percent-decoded).
 * The value is appended to out as bytes (RFC 2231 charset not converted).
 * Returns 1 found, 0 not found, -1 ENOMEM. */
int header_param(const unsigned char *v, size_t n, const char *name, struct buf *out);

/* Decode RFC 2047 encoded words (=?charset?B|Q?text?=) in an unfolded
 * value into UTF-8, appending to out.  Whitespace between two adjacent
 * encoded words is dropped.  utf-8 and us-ascii are copied, iso-8859-1
 * and windows-1252 (as latin-1) converted; other charsets and malformed
 * words are left as the raw text.  The result is passed through
 * utf8_clean_append so it is always valid UTF-8 without NULs.
 * Returns 0 or -1 ENOMEM. */
int header_decode_words(const unsigned char *v, size_t n, struct buf *out);

#endif
