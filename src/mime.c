/* MIME walker (RFC 2045/2046).  Each entity is parsed with header_parse;
 * a multipart body is cut at delimiter lines: "--" boundary at the start of
 * a line, then optional "--" (close) and transport padding (SP/TAB) up to
 * CRLF, LF or the end.  The line break before a delimiter belongs to the
 * delimiter, so part bodies are exact spans into the caller's buffer.
 *
 * Cost: every nesting level scans its own body once, line by line, finding
 * the next delimiter before descending into the part it ends; so the walk
 * is O(depth * size) with depth capped by max_mime_depth, which is checked
 * before each recursion (the C stack never holds more than that many
 * frames).  Entities are counted as they are met, so a message with a huge
 * number of parts fails as soon as the count passes max_parts. */
#include <stdio.h>
#include <string.h>

#include "mime.h"

struct walk {
	const struct limits *l;
	mime_visit_fn visit;
	void *ctx;
	size_t entities;
	size_t leaves;
	int stopped;
	struct err *e;
};

struct delim {
	size_t line;    /* offset of the "--boundary" line */
	size_t after;   /* offset just after that line's line break (or end) */
	int close;      /* "--boundary--" */
};

/* Is the line at p[i..n) a delimiter line for boundary b? */
static int delim_at(const unsigned char *p, size_t n, size_t i,
		    const unsigned char *b, size_t bn, struct delim *d)
{
	size_t j = i + 2 + bn;

	if (n - i < 2 + bn || p[i] != '-' || p[i + 1] != '-' || memcmp(p + i + 2, b, bn) != 0)
		return 0;
	d->close = n - j >= 2 && p[j] == '-' && p[j + 1] == '-';
	if (d->close)
		j += 2;
	while (j < n && (p[j] == ' ' || p[j] == '\t'))
		j++;
	if (j < n && p[j] == '\r' && (j + 1 == n || p[j + 1] == '\n'))
		j++;
	if (j < n && p[j] != '\n')
		return 0;
	d->line = i;
	d->after = j < n ? j + 1 : n;
	return 1;
}

/* Next delimiter line at or after line start `from`. */
static int delim_next(const unsigned char *p, size_t n, size_t from,
		      const unsigned char *b, size_t bn, struct delim *d)
{
	size_t i = from;

	while (i < n) {
		const unsigned char *lf;

		if (delim_at(p, n, i, b, bn, d))
			return 1;
		lf = memchr(p + i, '\n', n - i);
		if (lf == NULL)
			break;
		i = (size_t)(lf - p) + 1;
	}
	return 0;
}

/* End of the part that starts at `start` and is followed by the delimiter
 * line at `line`: the CRLF or LF before the line is the delimiter's. */
static size_t part_end(const unsigned char *p, size_t start, size_t line)
{
	size_t end = line;

	if (end > start && p[end - 1] == '\n') {
		end--;
		if (end > start && p[end - 1] == '\r')
			end--;
	}
	return end;
}

static int walk_entity(struct walk *w, const unsigned char *p, size_t n, unsigned depth);

/* Walk the parts of a multipart body.  Returns 1 if it had delimiters, 0
 * if it should be a leaf instead, -1 on error. */
static int walk_parts(struct walk *w, const unsigned char *body, size_t n,
		      const unsigned char *b, size_t bn, unsigned depth)
{
	struct delim d, next;
	int more;

	if (!delim_next(body, n, 0, b, bn, &d))
		return 0;
	while (!d.close && !w->stopped) {
		size_t start = d.after, end;

		more = delim_next(body, n, start, b, bn, &next);
		end = more ? part_end(body, start, next.line) : n;
		if (depth + 1 > w->l->max_mime_depth)
			return err_set(w->e, ERR_INPUT, "MIME nesting deeper than %u", w->l->max_mime_depth);
		if (walk_entity(w, body + start, end - start, depth + 1) < 0)
			return -1;
		if (!more)
			break;
		d = next;
	}
	return 1;
}

/* The boundary parameter without trailing whitespace (some mailers quote
 * a trailing space that then never appears on delimiter lines). */
static int get_boundary(const struct header_field *ct, struct buf *b, struct err *e)
{
	int rc = header_param(ct->value, ct->value_n, "boundary", b);

	if (rc < 0)
		return err_nomem(e);
	while (b->n > 0 && (b->p[b->n - 1] == ' ' || b->p[b->n - 1] == '\t'))
		b->n--;
	return rc == 1 && b->n > 0;
}

static void visit_leaf(struct walk *w, const struct headers *h, const char *type,
		       const unsigned char *body, size_t body_n, unsigned depth)
{
	struct mime_part part;

	part.headers = h;
	part.body = body;
	part.body_n = body_n;
	part.depth = depth;
	part.index = w->leaves++;
	snprintf(part.media_type, sizeof part.media_type, "%s", type);
	if (w->visit(&part, w->ctx) == MIME_STOP)
		w->stopped = 1;
}

static int walk_entity(struct walk *w, const unsigned char *p, size_t n, unsigned depth)
{
	struct headers h;
	struct buf boundary;
	const struct header_field *ct;
	char type[sizeof ((struct mime_part *)0)->media_type];
	size_t body_off = 0;
	int rc = -1, split = 0;

	headers_init(&h);
	buf_init(&boundary);
	if (++w->entities > w->l->max_parts) {
		err_set(w->e, ERR_INPUT, "more than %zu MIME parts", w->l->max_parts);
		goto fail;
	}
	if (header_parse(p, n, w->l, &h, &body_off, w->e) < 0)
		goto fail;
	ct = header_find(&h, "Content-Type");
	if (ct == NULL || header_media_type(ct->value, ct->value_n, type, sizeof type) < 0)
		strcpy(type, "text/plain");
	if (ct != NULL && strncmp(type, "multipart/", 10) == 0) {
		split = get_boundary(ct, &boundary, w->e);
		if (split == 1)
			split = walk_parts(w, p + body_off, n - body_off, boundary.p, boundary.n, depth);
		if (split < 0)
			goto fail;
	}
	if (!split)
		visit_leaf(w, &h, type, p + body_off, n - body_off, depth);
	rc = 0;
fail:
	headers_free(&h);
	buf_free(&boundary);
	return rc;
}

int mime_walk(const unsigned char *msg, size_t n, const struct limits *l,
	      mime_visit_fn visit, void *ctx, struct err *e)
{
	struct walk w = { l, visit, ctx, 0, 0, 0, e };
	static const unsigned char empty[1];

	/* a NULL span still walks as one empty text/plain leaf */
	if (msg == NULL) {
		msg = empty;
		n = 0;
	}
	return walk_entity(&w, msg, n, 0);
}
