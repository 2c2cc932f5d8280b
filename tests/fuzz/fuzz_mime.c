/* libFuzzer target for the header parser and the MIME walker: every leaf
 * body must lie inside the input, depth and part counts within limits,
 * and the parameter/encoded-word helpers must not misbehave on any
 * header value. */
#include <stdint.h>
#include <stdlib.h>

#include "header.h"
#include "mime.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t *data;
	size_t size;
	size_t leaves;
	const struct limits *l;
};

static enum mime_action visit(const struct mime_part *part, void *arg)
{
	struct ctx *c = arg;
	struct buf b;

	if (part->body < c->data || part->body_n > c->size ||
	    part->body > c->data + (c->size - part->body_n) ||
	    part->depth > c->l->max_mime_depth || part->index != c->leaves)
		abort();
	c->leaves++;
	buf_init(&b);
	for (size_t i = 0; i < part->headers->n; i++) {
		const struct header_field *f = &part->headers->v[i];

		header_param(f->value, f->value_n, "filename", &b);
		buf_reset(&b);
		header_decode_words(f->value, f->value_n, &b);
		if (b.n > 0 && !utf8_valid(b.p, b.n))
			abort();
		buf_reset(&b);
	}
	buf_free(&b);
	return MIME_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limits l;
	struct err e;
	struct ctx c = { data, size, 0, &l };

	limits_default(&l);
	l.max_parts = 200;
	err_clear(&e);
	if (mime_walk(data, size, &l, visit, &c, &e) < 0 && e.reason[0] == '\0')
		abort();
	if (c.leaves > l.max_parts)
		abort();
	return 0;
}
