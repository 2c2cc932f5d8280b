/* struct report -> normalized JSON Lines: one compact object per policy,
 * keys in the fixed order documented in record.h, every key present.
 *
 * The JSON is written by hand rather than through json-c so the key order
 * and number format are exact and nothing is copied twice.  The escaper
 * turns '"', '\\' and every control character below 0x20 into escapes, so a
 * record can never contain a raw newline; strings that are not valid UTF-8
 * (meta strings from the envelope) are cleaned first.  Same input, same
 * bytes.
 *
 * The lines are written in one pass into out, which grows by doubling (a
 * big batch's buffer is mapped memory, so growing it moves no bytes); a
 * line is given up as soon as it outgrows the limit, so a pathological
 * report never costs more than about twice that in memory.  A big report
 * names the same strings many times (the pool in report.c keeps one copy
 * of each): a string already written in this batch is copied from where
 * it was first written, quoted and escaped, instead of measured and
 * scanned again. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "record.h"
#include "util.h"
#include "word.h"

/* Strings written in this batch, by address: a direct-mapped cache. */
#define SEEN_SLOTS 512
/* The shortest a failure detail can be written: every string empty. */
#define DETAIL_MIN (sizeof "{\"result_type\":\"\",\"failed_session_count\":0," \
	"\"sending_mta_ip\":\"\",\"receiving_ip\":\"\",\"receiving_mx_hostname\":\"\"," \
	"\"receiving_mx_helo\":\"\",\"additional_info_uri\":\"\",\"failure_reason_code\":\"\"}" - 1)

struct out {
	struct buf *b;
	struct buf tmp;   /* cleaned copy of a string that was not UTF-8 */
	int failed;       /* sticky: 1 ENOMEM, 2 a line too long */
	size_t line;      /* where the current line starts in b */
	struct seen {
		const char *s;
		size_t at, n;     /* its quoted form: b->p[at..at+n) */
	} *seen;          /* NULL: no cache */
};

/* ,"k": -- the first key of an object is written with its brace */
#define KEY(k) (",\"" k "\":")
#define RAW(o, lit) put((o), (lit), sizeof(lit) - 1)
#define KSTR(o, k, v) kstr((o), KEY(k), sizeof(KEY(k)) - 1, (v))
#define KINT(o, k, v) kint((o), KEY(k), sizeof(KEY(k)) - 1, (v))
#define KLIST(o, k, l) kstrlist((o), KEY(k), sizeof(KEY(k)) - 1, (l))

/* The slow path of put: grow b, unless the line would outgrow the
 * limit (RECORD_WARN_ROOM left for record_add_warning). */
static void put_grow(struct out *o, const void *s, size_t n)
{
	if (o->failed)
		return;
	if (o->b->n - o->line + n > RECORD_MAX_LINE - RECORD_WARN_ROOM + 1)
		o->failed = 2;
	else if (buf_append(o->b, s, n) < 0)
		o->failed = 1;
}

/* Bytes written after a failure are cut off with the rest of the batch. */
static inline void put(struct out *o, const void *s, size_t n)
{
	struct buf *b = o->b;

	/* the NUL goes in once at the end; cap > n always holds */
	if (b->cap - b->n > n) {
		memcpy(b->p + b->n, s, n);
		b->n += n;
	} else {
		put_grow(o, s, n);
	}
}

static void escape(struct out *o, const unsigned char *p, size_t n)
{
	size_t run = 0, rn;
	char rep[7];

	for (size_t i = 0; i < n; i++) {
		if ((rn = util_json_esc(p[i], rep)) == 0)
			continue;
		put(o, p + run, i - run);
		put(o, rep, rn);
		run = i + 1;
	}
	put(o, p + run, n - run);
}

/* Some byte of v needs an escape: below 0x20, '"' or '\\'. */
static uint64_t word_esc(uint64_t v)
{
	return word_below(v, 0x20) | word_has(v, '"') | word_has(v, '\\');
}

/* Bit 1: some byte needs an escape; bit 2: some byte is not ASCII.  The
 * last word overlaps the one before (or is word_short): no byte loop. */
static unsigned classify(const unsigned char *p, size_t n)
{
	uint64_t v, esc = 0, high = 0;
	size_t i = 0;

	if (n == 0)
		return 0;
	for (; i + 8 < n; i += 8) {
		v = word_at(p + i);
		esc |= word_esc(v);
		high |= v;
	}
	v = n >= 8 ? word_at(p + n - 8) : word_short(p, n);
	esc |= word_esc(v);
	high |= v;
	return (esc ? 1u : 0u) | (word_high(high) ? 2u : 0u);
}

/* s quoted and escaped. */
static void quote(struct out *o, const unsigned char *p, size_t n)
{
	unsigned bits = classify(p, n);

	RAW(o, "\"");
	if (bits == 0) {
		put(o, p, n);
	} else if (!(bits & 2) || utf8_valid(p, n)) {
		escape(o, p, n);
	} else {
		buf_reset(&o->tmp);
		if (utf8_clean_append(&o->tmp, p, n) < 0)
			o->failed = 1;
		else
			escape(o, o->tmp.p, o->tmp.n);
	}
	RAW(o, "\"");
}

/* A JSON string, or null for NULL. */
static void str(struct out *o, const char *s)
{
	struct seen *sn;
	size_t at;

	if (s == NULL) {
		RAW(o, "null");
		return;
	}
	if (o->seen == NULL) {
		quote(o, (const unsigned char *)s, strlen(s));
		return;
	}
	sn = &o->seen[((uintptr_t)s >> 3) % SEEN_SLOTS];
	if (sn->s == s && !o->failed) {
		/* b may move while growing: copy through a stable offset */
		if (o->b->cap - o->b->n > sn->n) {
			memcpy(o->b->p + o->b->n, o->b->p + sn->at, sn->n);
			o->b->n += sn->n;
		} else {
			quote(o, (const unsigned char *)s, strlen(s));
		}
		return;
	}
	at = o->b->n;
	quote(o, (const unsigned char *)s, strlen(s));
	if (!o->failed) {
		sn->s = s;
		sn->at = at;
		sn->n = o->b->n - at;
	}
}

static void kstr(struct out *o, const char *k, size_t kn, const char *v)
{
	put(o, k, kn);
	str(o, v);
}

static void kint(struct out *o, const char *k, size_t kn, int64_t v)
{
	char num[24], *d = num + sizeof num;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--d = '-';
	put(o, k, kn);
	put(o, d, (size_t)(num + sizeof num - d));
}

static void strings(struct out *o, const struct strlist *l, int *first)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (!*first)
			RAW(o, ",");
		*first = 0;
		str(o, l->v[i]);
	}
}

static void kstrlist(struct out *o, const char *k, size_t kn,
		     const struct strlist *l)
{
	int first = 1;

	put(o, k, kn);
	RAW(o, "[");
	strings(o, l, &first);
	RAW(o, "]");
}

static void detail(struct out *o, const struct failure_detail *d)
{
	RAW(o, "{\"result_type\":");
	str(o, d->result_type);
	KINT(o, "failed_session_count", d->failed_session_count);
	KSTR(o, "sending_mta_ip", d->sending_mta_ip);
	KSTR(o, "receiving_ip", d->receiving_ip);
	KSTR(o, "receiving_mx_hostname", d->receiving_mx_hostname);
	KSTR(o, "receiving_mx_helo", d->receiving_mx_helo);
	KSTR(o, "additional_info_uri", d->additional_info_uri);
	KSTR(o, "failure_reason_code", d->failure_reason_code);
	RAW(o, "}");
}

/* ,"dkim":{...} or ,"dkim":null */
static void kdkim(struct out *o, const struct record_dkim *d)
{
	if (d == NULL) {
		RAW(o, ",\"dkim\":null");
		return;
	}
	RAW(o, ",\"dkim\":{\"result\":");
	str(o, d->result);
	KSTR(o, "domain", d->domain);
	if (d->aligned)
		RAW(o, ",\"aligned\":true}");
	else
		RAW(o, ",\"aligned\":false}");
}

static void policy_line(struct out *o, const struct report *r,
			const struct policy *p, const struct record_meta *m)
{
	int first = 1;

	RAW(o, "{\"organization_name\":");
	str(o, r->organization_name);
	KSTR(o, "contact_info", r->contact_info);
	KSTR(o, "report_id", r->report_id);
	KSTR(o, "begin_date", r->begin_date);
	KSTR(o, "end_date", r->end_date);
	KSTR(o, "policy_domain", p->policy_domain);
	KSTR(o, "policy_type", p->policy_type);
	KLIST(o, "policy_strings", &p->policy_strings);
	KLIST(o, "mx_host_patterns", &p->mx_host_patterns);
	KINT(o, "successful_session_count", p->successful_session_count);
	if (p->failed_session_count == REPORT_COUNT_ABSENT)
		RAW(o, ",\"failed_session_count\":null");
	else
		KINT(o, "failed_session_count", p->failed_session_count);
	RAW(o, ",\"failure_details\":[");
	for (size_t i = 0; i < p->n_details; i++) {
		if (i > 0)
			RAW(o, ",");
		detail(o, &p->details[i]);
	}
	RAW(o, "]");
	KSTR(o, "received_at", m->received_at);
	KSTR(o, "source", m->source);
	KSTR(o, "message_id", m->message_id);
	KSTR(o, "submitter", m->submitter);
	KSTR(o, "recipient", m->recipient);
	KSTR(o, "client_ip", m->client_ip);
	kdkim(o, m->dkim);
	RAW(o, ",\"warnings\":[");
	strings(o, &r->warnings, &first);
	strings(o, &p->warnings, &first);
	strings(o, m->extra_warnings, &first);
	RAW(o, "]}\n");
}

/* 1 if some policy's line must outgrow the limit: its details alone,
 * at their shortest, would (so a report of a million empty details is
 * refused before any of it is written). */
static int surely_too_long(const struct report *r)
{
	for (size_t i = 0; i < r->n_policies; i++)
		if (r->policies[i].n_details > (RECORD_MAX_LINE - RECORD_WARN_ROOM) / (DETAIL_MIN + 1))
			return 1;
	return 0;
}

int record_format(const struct report *r, const struct record_meta *meta,
		  struct buf *out, struct err *e)
{
	static const struct record_meta none;
	struct seen seen[SEEN_SLOTS];
	struct out o = { out, { NULL, 0, 0 }, 0, out->n, seen };
	size_t start = out->n;

	memset(seen, 0, sizeof seen);
	if (meta == NULL)
		meta = &none;
	if (surely_too_long(r))
		o.failed = 2;
	else if (buf_reserve(out, 0) < 0)
		o.failed = 1;
	for (size_t i = 0; i < r->n_policies && !o.failed; i++) {
		o.line = out->n;
		policy_line(&o, r, &r->policies[i], meta);
		/* what grew within the room already there is checked here */
		if (!o.failed && out->n - o.line > RECORD_MAX_LINE - RECORD_WARN_ROOM + 1)
			o.failed = 2;
	}
	buf_free(&o.tmp);
	if (!o.failed) {
		out->p[out->n] = '\0';
		return 0;
	}
	/* leave out as it was: no partial line */
	out->n = start;
	if (out->p != NULL)
		out->p[start] = '\0';
	if (o.failed == 2)
		return err_set(e, ERR_INPUT, "record line of more than %zu bytes, the most "
			       "the summary reads", RECORD_MAX_LINE - RECORD_WARN_ROOM);
	return err_nomem(e);
}

int record_add_warning(struct buf *lines, const char *w, struct err *e)
{
	struct buf out, esc;
	struct out o;
	size_t i = 0;
	int failed;

	buf_init(&out);
	buf_init(&esc);
	o = (struct out){ .b = &esc };
	str(&o, w);
	failed = o.failed;
	buf_free(&o.tmp);
	while (!failed && i < lines->n) {
		const unsigned char *nl = memchr(lines->p + i, '\n', lines->n - i);
		size_t end = nl ? (size_t)(nl - lines->p) : lines->n;
		/* "...,"warnings":[...]}" : the array closes 2 bytes before the end */
		size_t close = end >= 2 ? end - 2 : i;
		int empty = close > i && lines->p[close - 1] == '[';

		failed = buf_append(&out, lines->p + i, close - i) < 0 ||
			 (!empty && buf_append_byte(&out, ',') < 0) ||
			 buf_append(&out, esc.p, esc.n) < 0 ||
			 buf_append(&out, lines->p + close, end - close) < 0 ||
			 (nl != NULL && buf_append_byte(&out, '\n') < 0);
		i = end + 1;
	}
	buf_free(&esc);
	if (failed) {
		buf_free(&out);
		return err_nomem(e);
	}
	buf_free(lines);
	*lines = out;
	return 0;
}
