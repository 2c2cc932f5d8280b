/* struct report -> normalized JSON Lines: one compact object per policy,
 * keys in the fixed order documented in record.h, every key present.
 *
 * The JSON is written by hand rather than through json-c so the key order
 * and number format are exact and nothing is copied twice.  The escaper
 * turns '"', '\\' and every control character below 0x20 into escapes, so a
 * record can never contain a raw newline; strings that are not valid UTF-8
 * (meta strings from the envelope) are cleaned first.  Same input, same
 * bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "record.h"

struct out {
	struct buf *b;
	struct buf tmp;   /* cleaned copy of a string that was not UTF-8 */
	int failed;       /* sticky ENOMEM: checked once per line */
};

static void raw(struct out *o, const char *s)
{
	if (!o->failed && buf_append_str(o->b, s) < 0)
		o->failed = 1;
}

static void escape(struct out *o, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	char u[7];

	for (size_t i = 0; i < n && !o->failed; i++) {
		unsigned char ch = p[i];
		const char *rep;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		switch (ch) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			snprintf(u, sizeof u, "\\u00%c%c", hex[ch >> 4],
				 hex[ch & 15]);
			rep = u;
		}
		if (buf_append(o->b, p + run, i - run) < 0 ||
		    buf_append_str(o->b, rep) < 0)
			o->failed = 1;
		run = i + 1;
	}
	if (!o->failed && buf_append(o->b, p + run, n - run) < 0)
		o->failed = 1;
}

/* A JSON string, or null for NULL. */
static void str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL) {
		raw(o, "null");
		return;
	}
	n = strlen(s);
	raw(o, "\"");
	if (utf8_valid(p, n)) {
		escape(o, p, n);
	} else {
		buf_reset(&o->tmp);
		if (utf8_clean_append(&o->tmp, p, n) < 0)
			o->failed = 1;
		else
			escape(o, o->tmp.p, o->tmp.n);
	}
	raw(o, "\"");
}

/* ,"k": -- the first key of an object is written with its brace */
static void key(struct out *o, const char *k)
{
	raw(o, ",\"");
	raw(o, k);
	raw(o, "\":");
}

static void kstr(struct out *o, const char *k, const char *v)
{
	key(o, k);
	str(o, v);
}

static void kint(struct out *o, const char *k, int64_t v)
{
	char num[24];

	key(o, k);
	snprintf(num, sizeof num, "%" PRId64, v);
	raw(o, num);
}

static void strings(struct out *o, const struct strlist *l, int *first)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		raw(o, *first ? "" : ",");
		*first = 0;
		str(o, l->v[i]);
	}
}

static void kstrlist(struct out *o, const char *k, const struct strlist *l)
{
	int first = 1;

	key(o, k);
	raw(o, "[");
	strings(o, l, &first);
	raw(o, "]");
}

static void detail(struct out *o, const struct failure_detail *d)
{
	raw(o, "{\"result_type\":");
	str(o, d->result_type);
	kint(o, "failed_session_count", d->failed_session_count);
	kstr(o, "sending_mta_ip", d->sending_mta_ip);
	kstr(o, "receiving_ip", d->receiving_ip);
	kstr(o, "receiving_mx_hostname", d->receiving_mx_hostname);
	kstr(o, "receiving_mx_helo", d->receiving_mx_helo);
	kstr(o, "additional_info_uri", d->additional_info_uri);
	kstr(o, "failure_reason_code", d->failure_reason_code);
	raw(o, "}");
}

static void policy_line(struct out *o, const struct report *r,
			const struct policy *p, const struct record_meta *m)
{
	int first = 1;

	raw(o, "{\"organization_name\":");
	str(o, r->organization_name);
	kstr(o, "contact_info", r->contact_info);
	kstr(o, "report_id", r->report_id);
	kstr(o, "begin_date", r->begin_date);
	kstr(o, "end_date", r->end_date);
	kstr(o, "policy_domain", p->policy_domain);
	kstr(o, "policy_type", p->policy_type);
	kstrlist(o, "policy_strings", &p->policy_strings);
	kstrlist(o, "mx_host_patterns", &p->mx_host_patterns);
	kint(o, "successful_session_count", p->successful_session_count);
	kint(o, "failed_session_count", p->failed_session_count);
	key(o, "failure_details");
	raw(o, "[");
	for (size_t i = 0; i < p->n_details; i++) {
		raw(o, i ? "," : "");
		detail(o, &p->details[i]);
	}
	raw(o, "]");
	kstr(o, "received_at", m->received_at);
	kstr(o, "source", m->source);
	kstr(o, "message_id", m->message_id);
	kstr(o, "submitter", m->submitter);
	kstr(o, "recipient", m->recipient);
	key(o, "warnings");
	raw(o, "[");
	strings(o, &r->warnings, &first);
	strings(o, &p->warnings, &first);
	strings(o, m->extra_warnings, &first);
	raw(o, "]}\n");
}

int record_format(const struct report *r, const struct record_meta *meta,
		  struct buf *out, struct err *e)
{
	static const struct record_meta none;
	struct out o = { out, { NULL, 0, 0 }, 0 };
	size_t start = out->n;

	if (meta == NULL)
		meta = &none;

	for (size_t i = 0; i < r->n_policies && !o.failed; i++)
		policy_line(&o, r, &r->policies[i], meta);
	buf_free(&o.tmp);
	if (!o.failed)
		return 0;
	/* leave out as it was: no partial line */
	out->n = start;
	if (out->p != NULL)
		out->p[start] = '\0';
	return err_nomem(e);
}
