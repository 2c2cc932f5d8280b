/* MIME walker: splits a message into its parts (RFC 2045/2046) and calls a
 * visitor on every leaf part, depth first, in order.  Bodies are returned
 * still transfer-encoded; decoding is the caller's business. */
#ifndef TLSRPT_MIME_H
#define TLSRPT_MIME_H

#include <stddef.h>
#include "err.h"
#include "header.h"
#include "limits.h"

struct mime_part {
	const struct headers *headers;  /* this part's own header fields */
	const unsigned char *body;      /* raw body span (transfer-encoded) */
	size_t body_n;
	unsigned depth;                 /* 0 for the top-level message */
	size_t index;                   /* leaf number in walk order, from 0 */
	char media_type[128];           /* lowercased "type/subtype"; "text/plain" if absent */
};

enum mime_action { MIME_CONTINUE, MIME_STOP };

typedef enum mime_action (*mime_visit_fn)(const struct mime_part *part, void *ctx);

/* Walk msg[0..n) (a full RFC 5322 message, envelope line already removed).
 * multipart/<anything> with a boundary parameter is split at "--boundary"
 * lines (CRLF or LF; transport padding after the delimiter allowed);
 * preamble and epilogue are ignored; a missing closing delimiter ends the
 * last part at the end of the enclosing body.  A multipart without a
 * boundary or without any delimiter line is treated as a leaf.
 * message/rfc822 parts are not descended into (they are leaves).
 * Exceeding l->max_mime_depth or l->max_parts is ERR_INPUT ("MIME nesting
 * deeper than 16", "more than 1000 MIME parts"); header errors propagate. */
int mime_walk(const unsigned char *msg, size_t n, const struct limits *l,
	      mime_visit_fn visit, void *ctx, struct err *e);

#endif
