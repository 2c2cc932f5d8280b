/* Piecewise reading of one big JSON document: walk its outer containers
 * with a small structural scanner, delimit each value that matters by
 * structure alone (strings, escapes, nesting) and hand json-c exactly that
 * slice (or, for an object of at most max_string bytes, let json-c find
 * its end), so the document never exists as one json-c tree.
 *
 * The scanner accepts only what json-c 0.16 in strict mode accepts, with
 * the same nesting limit (a tokener made with json_tokener_new_ex(max_depth)).
 * A string that would decode to more than max_string bytes is refused while
 * delimiting (JSCAN_LONG), before json-c buffers it.
 * Anything it does not handle itself -- a syntax error, non-strict JSON,
 * an escaped member name, nesting beyond the limit -- is JSCAN_ODD, and the
 * caller then parses the whole document the ordinary way, which gives the
 * exact json-c error.  So a document either reads the same piecewise as in
 * one tree, or JSCAN_ODD comes back.
 *
 * Protocol: jscan_key (in an object) or jscan_next (in an array) returns
 * JSCAN_OK positioned at a value; the caller then consumes exactly one
 * value with jscan_enter (and reads the container to its JSCAN_END),
 * jscan_value or jscan_skip.  Those leave pos after the value
 * and the blanks that follow it.  The text need not end in NUL;
 * it must not contain NUL bytes (json-c stops at them). */
#ifndef TLSRPT_JSONSCAN_H
#define TLSRPT_JSONSCAN_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define JSCAN_LEVELS 8      /* containers the scanner itself walks into */

enum jscan_rc {
	JSCAN_LONG = -3,    /* a string longer than max_string: see long_at */
	JSCAN_NOMEM = -2,   /* json-c could not allocate */
	JSCAN_ODD = -1,     /* not read here: parse the whole document instead */
	JSCAN_END = 0,      /* the container closed (and was left) */
	JSCAN_OK = 1
};

struct jscan_span {
	const char *p;
	size_t n;
};

/* Where the scanner is; copy it to come back later (jscan_skip first). */
struct jscan_mark {
	size_t pos;
	int level;                       /* containers open = depth of the next value */
	char close[JSCAN_LEVELS];        /* '}' or ']' of each open container */
	unsigned char seen[JSCAN_LEVELS];/* a member/element was read at that level */
};

struct jscan {
	const char *p;
	size_t n;
	int max_depth;
	size_t max_string;
	size_t long_at;                  /* JSCAN_LONG: that string's quote */
	struct jscan_mark at;
	json_tokener *tok[JSCAN_LEVELS + 1]; /* one per depth budget, made on use */
	locale_t c_locale, old_locale;   /* the thread's, until jscan_free */
};

/* max_string: bytes of one decoded string (SIZE_MAX: no limit).  Until
 * jscan_free the calling thread is in the C locale (uselocale). */
void jscan_init(struct jscan *s, const char *p, size_t n, int max_depth,
		size_t max_string);

/* Start over on another text, keeping the tokeners and limits: one
 * scanner for many small documents, such as the lines of a file. */
void jscan_reuse(struct jscan *s, const char *p, size_t n);
void jscan_free(struct jscan *s);

/* The next byte that is not JSON whitespace (pos moves onto it), or -1
 * at the end of the text. */
int jscan_peek(struct jscan *s);

/* Step into the object or array that starts at the next byte. */
int jscan_enter(struct jscan *s);

/* In an object: the next member's name (a span into the text), positioned
 * at its value; JSCAN_END after the closing brace; JSCAN_LONG for a name
 * longer than max_string. */
int jscan_key(struct jscan *s, struct jscan_span *key);

/* In an array: positioned at the next element; JSCAN_END after ']'. */
int jscan_next(struct jscan *s);

/* The value at pos through json-c (strict): an object first as json-c
 * ends it itself within max_string bytes, else (and any other value)
 * delimited and parsed on exactly its slice; *out is NULL for null.  The
 * caller owns *out.  JSCAN_LONG when the value holds a string longer than
 * max_string. */
int jscan_value(struct jscan *s, json_object **out);

/* Step over the value at pos by structure only (strings, nesting); its
 * content is checked when it is read again from a mark.  JSCAN_LONG as
 * for jscan_value. */
int jscan_skip(struct jscan *s);

/* After the top-level value: JSCAN_OK if only whitespace is left. */
int jscan_done(struct jscan *s);

/* 1 if key is exactly the C string lit. */
int jscan_key_is(const struct jscan_span *key, const char *lit);

#endif
