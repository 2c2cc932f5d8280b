/* Mail -> records.  The MIME walk collects every leaf part and ranks it:
 * a TLS-RPT media type first, then other archive/JSON types or a report
 * file name, then application/octet-stream, then anything else (found
 * only by magic bytes, e.g. under a misspelt Content-Type header).  Parts
 * are tried in that order; a part that fails to decode or validate is a
 * part error and the next one is tried.  Off-spec transport is accepted
 * and noted in the records' warnings.
 *
 * The envelope is read once: the fallbacks for a missing policy domain,
 * the header-versus-report checks of RFC 8460 §5.3/§5.6 (warnings only),
 * and the DKIM verdict from our own MTA's Authentication-Results fields
 * (authres.c), which --require-dkim turns into a rejection.  An HTTPS
 * body (ingest_http) has no envelope: its records have dkim null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "base64.h"
#include "date.h"
#include "header.h"
#include "payload.h"
#include "ingest.h"
#include "message.h"
#include "mime.h"
#include "qp.h"
#include "record.h"

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP, CTE_UNKNOWN };

enum rank { RANK_TLSRPT, RANK_ARCHIVE, RANK_OCTET, RANK_OTHER };

struct candidate {
	const unsigned char *body;
	size_t body_n;
	size_t index;
	unsigned depth;
	enum cte cte;
	enum rank rank;
	char media_type[128];
	char filename[128];
};

struct walk {
	struct candidate *v;
	size_t n, cap;
	int nomem;
};

/* What the envelope says, used for fallbacks, checks and the records'
 * meta. */
struct envelope {
	char *message_id;
	char *submitter;
	char *header_domain;      /* TLS-Report-Domain, when a domain name */
	char *subject_domain;     /* Subject "Report Domain: ...", when a domain name */
	char *name_domain;        /* from a report file name */
	const char *report_domain; /* the first of those: the fallback */
	const char *report_domain_from;
	char top_type[128];
	struct authres authres;   /* trusted Authentication-Results fields */
};

void ingest_init(struct ingest_result *r)
{
	report_init(&r->report);
	buf_init(&r->lines);
	r->day[0] = '\0';
	r->where[0] = '\0';
}

void ingest_free(struct ingest_result *r)
{
	report_free(&r->report);
	buf_free(&r->lines);
	ingest_init(r);
}

/* Unfolded, RFC 2047-decoded, UTF-8-clean text of a header field, or
 * NULL when it is absent; out of memory also sets *nomem, because a
 * header lost to ENOMEM must not be read as a header not sent. */
static char *header_text(const struct headers *h, const char *name, int *nomem)
{
	const struct header_field *f = header_find(h, name);
	struct buf unfolded, decoded;
	char *s = NULL;

	if (f == NULL)
		return NULL;
	buf_init(&unfolded);
	buf_init(&decoded);
	if (header_unfold(f->value, f->value_n, &unfolded) == 0 &&
	    header_decode_words(unfolded.p ? unfolded.p : (const unsigned char *)"", unfolded.n, &decoded) == 0)
		s = buf_steal(&decoded);
	if (s == NULL)
		*nomem = 1;
	buf_free(&unfolded);
	buf_free(&decoded);
	return s;
}

/* A bare DNS name (letters, digits, '-', '.', '_'), as reports use for
 * policy domains; anything else is not trusted as a fallback. */
static int looks_like_domain(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

static char *dup_domain(const char *s, size_t n)
{
	char *d;

	while (n > 0 && s[n - 1] == '.')
		n--;
	if (!looks_like_domain(s, n))
		return NULL;
	d = malloc(n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* "Report Domain: example.com Submitter: ..." (RFC 8460 §5.3). */
static char *subject_domain(const char *subject)
{
	static const char label[] = "report domain:";
	const char *p = subject;
	size_t len;

	for (; *p != '\0'; p++)
		if (span_iprefix((const unsigned char *)p, strlen(p), label))
			break;
	if (*p == '\0')
		return NULL;
	p += sizeof label - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, " \t;");
	return dup_domain(p, len);
}

/* RFC 8460 file names: sender!policy-domain!begin!end[!unique].ext */
static char *filename_domain(const char *name)
{
	const char *a = strchr(name, '!'), *b;

	if (a == NULL)
		return NULL;
	b = strchr(a + 1, '!');
	if (b == NULL)
		return NULL;
	return dup_domain(a + 1, (size_t)(b - a - 1));
}

static void envelope_free(struct envelope *env)
{
	free(env->message_id);
	free(env->submitter);
	free(env->header_domain);
	free(env->subject_domain);
	free(env->name_domain);
	memset(env, 0, sizeof *env);
}

/* Every Authentication-Results field, in order; authres.c reads only the
 * ones with a trusted authserv-id. */
static void read_authres(const struct headers *h, const struct strlist *trusted,
			 struct authres *a)
{
	authres_init(a);
	for (size_t i = 0; i < h->n; i++)
		if (span_ieq(h->v[i].name, h->v[i].name_n, "Authentication-Results"))
			authres_parse(h->v[i].value, h->v[i].value_n, trusted, a);
}

static int read_envelope(const struct headers *h, const struct strlist *trusted,
			 struct envelope *env, struct err *e)
{
	const struct header_field *ct = header_find(h, "Content-Type");
	char *domain, *subject;
	int nomem = 0;

	memset(env, 0, sizeof *env);
	env->message_id = header_text(h, "Message-ID", &nomem);
	env->submitter = header_text(h, "TLS-Report-Submitter", &nomem);
	if (ct == NULL || header_media_type(ct->value, ct->value_n, env->top_type, sizeof env->top_type) < 0)
		strcpy(env->top_type, "text/plain");
	if ((domain = header_text(h, "TLS-Report-Domain", &nomem)) != NULL) {
		env->header_domain = dup_domain(domain, strlen(domain));
		free(domain);
	}
	if ((subject = header_text(h, "Subject", &nomem)) != NULL) {
		env->subject_domain = subject_domain(subject);
		free(subject);
	}
	if (env->header_domain != NULL) {
		env->report_domain = env->header_domain;
		env->report_domain_from = "TLS-Report-Domain header";
	} else if (env->subject_domain != NULL) {
		env->report_domain = env->subject_domain;
		env->report_domain_from = "Subject";
	}
	read_authres(h, trusted, &env->authres);
	return nomem ? err_nomem(e) : 0;
}

static enum cte parse_cte(const struct headers *h, int *nomem)
{
	const struct header_field *f = header_find(h, "Content-Transfer-Encoding");
	enum cte c = CTE_UNKNOWN;
	struct buf b;
	size_t len;

	if (f == NULL)
		return CTE_IDENTITY;
	buf_init(&b);
	if (header_unfold(f->value, f->value_n, &b) < 0) {
		*nomem = 1;
		return CTE_UNKNOWN;
	}
	/* the token alone: some mailers append a comment or parameters */
	len = b.p ? strcspn((const char *)b.p, " \t;(") : 0;
	if (span_ieq(b.p, len, "base64"))
		c = CTE_BASE64;
	else if (span_ieq(b.p, len, "quoted-printable"))
		c = CTE_QP;
	else if (len == 0 || span_ieq(b.p, len, "7bit") || span_ieq(b.p, len, "8bit") ||
		 span_ieq(b.p, len, "binary"))
		c = CTE_IDENTITY;
	buf_free(&b);
	return c;
}

/* Printable-ASCII copy of a decoded file name, for logs and matching. */
static void part_filename(const struct headers *h, char *out, size_t cap)
{
	const struct header_field *cd = header_find(h, "Content-Disposition");
	const struct header_field *ct = header_find(h, "Content-Type");
	struct buf raw, text;
	int found = 0;
	size_t j = 0;

	out[0] = '\0';
	buf_init(&raw);
	buf_init(&text);
	if (cd != NULL)
		found = header_param(cd->value, cd->value_n, "filename", &raw);
	if (found != 1 && ct != NULL)
		found = header_param(ct->value, ct->value_n, "name", &raw);
	if (found == 1 && header_decode_words(raw.p, raw.n, &text) == 0) {
		size_t i = 0;

		while (i < text.n && text.p[i] == ' ')
			i++;
		for (; i < text.n && j + 1 < cap; i++)
			out[j++] = (text.p[i] >= 0x20 && text.p[i] < 0x7f) ? (char)text.p[i] : '?';
		while (j > 0 && (out[j - 1] == ' ' || out[j - 1] == '\t'))
			j--;
		out[j] = '\0';
	}
	buf_free(&raw);
	buf_free(&text);
}

static int has_report_suffix(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name);

	return span_isuffix(p, n, ".json.gz") || span_isuffix(p, n, ".gz") ||
	       span_isuffix(p, n, ".json") || span_isuffix(p, n, ".zip") ||
	       span_isuffix(p, n, ".gzip");
}

static enum rank rank_part(const char *type, const char *filename)
{
	static const char *const archive_types[] = {
		"application/gzip", "application/x-gzip", "application/zip",
		"application/x-zip-compressed", "application/x-zip", "application/json",
		"text/json", NULL
	};

	if (strncmp(type, "application/tlsrpt", 18) == 0)
		return RANK_TLSRPT;
	for (size_t i = 0; archive_types[i] != NULL; i++)
		if (strcmp(type, archive_types[i]) == 0)
			return RANK_ARCHIVE;
	if (has_report_suffix(filename))
		return RANK_ARCHIVE;
	if (strcmp(type, "application/octet-stream") == 0)
		return RANK_OCTET;
	return RANK_OTHER;
}

static enum mime_action collect_part(const struct mime_part *part, void *ctx)
{
	struct walk *w = ctx;
	struct candidate *c;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct candidate *nv = realloc(w->v, cap * sizeof *nv);

		if (nv == NULL) {
			w->nomem = 1;
			return MIME_STOP;
		}
		w->v = nv;
		w->cap = cap;
	}
	c = &w->v[w->n++];
	c->body = part->body;
	c->body_n = part->body_n;
	c->index = part->index;
	c->depth = part->depth;
	c->cte = parse_cte(part->headers, &w->nomem);
	snprintf(c->media_type, sizeof c->media_type, "%s", part->media_type);
	part_filename(part->headers, c->filename, sizeof c->filename);
	c->rank = rank_part(c->media_type, c->filename);
	return MIME_CONTINUE;
}

/* Undo the transfer encoding into dec (or point at the body itself). */
static int decode_part(const struct candidate *c, struct buf *dec,
		       const unsigned char **p, size_t *n, struct strlist *warn, struct err *e)
{
	struct b64_stats st;

	if (c->cte == CTE_IDENTITY || c->cte == CTE_UNKNOWN) {
		*p = c->body;
		*n = c->body_n;
		return 0;
	}
	if (buf_reserve(dec, c->cte == CTE_BASE64 ? b64_decoded_max(c->body_n) : c->body_n) < 0)
		return err_nomem(e);
	if (c->cte == CTE_QP) {
		dec->n = qp_decode(c->body, c->body_n, dec->p, NULL);
	} else {
		memset(&st, 0, sizeof st);
		if (b64_decode(c->body, c->body_n, dec->p, &dec->n, &st, e) < 0)
			return -1;
		if (st.trailing_after_padding && strlist_add(warn, "base64: data after padding ignored") < 0)
			return err_nomem(e);
	}
	*p = dec->p;
	*n = dec->n;
	return 0;
}

static int add_inflate_warnings(unsigned w, struct strlist *warn)
{
	if ((w & PAYLOAD_WARN_TRAILING_GARBAGE) && strlist_add(warn, "trailing bytes after the compressed report ignored") < 0)
		return -1;
	if ((w & PAYLOAD_WARN_MULTI_MEMBER) && strlist_add(warn, "gzip with several members") < 0)
		return -1;
	if ((w & PAYLOAD_WARN_BOM) && strlist_add(warn, "UTF-8 byte order mark before the JSON") < 0)
		return -1;
	if ((w & PAYLOAD_WARN_ZIP_EXTRA) && strlist_add(warn, "zip archive held several files; used the first .json") < 0)
		return -1;
	return 0;
}

/* Payload bytes (already transfer-decoded) -> validated out->report.
 * *made (may be NULL) gets the JSON bytes inflated or copied, also on
 * failure: what the message's budget is charged.  The report keeps
 * copies of its strings, so the JSON's memory, already paged in, becomes
 * the room of out->lines (for a big report, tens of megabytes the records
 * would otherwise fault in afresh). */
static int parse_payload(const unsigned char *p, size_t n, const struct limits *l,
			 const struct report_hints *hints, struct ingest_result *out,
			 struct strlist *warn, size_t *made, struct err *e)
{
	struct buf json;
	unsigned iw = 0;
	int rc = -1;

	buf_init(&json);
	rc = payload_extract(p, n, l, &json, &iw, e);
	if (made != NULL)
		*made = json.n;
	if (rc < 0)
		goto out;
	rc = -1;
	if (add_inflate_warnings(iw, warn) < 0) {
		err_nomem(e);
		goto out;
	}
	rc = report_parse(json.p ? json.p : (const unsigned char *)"", json.n, l, hints,
			  &out->report, e);
	if (rc == 0 && out->lines.p == NULL) {
		out->lines = json;
		buf_reset(&out->lines);
		buf_init(&json);
	}
out:
	buf_free(&json);
	return rc;
}

static int transport_warnings(const struct candidate *c, const struct envelope *env,
			      struct strlist *warn)
{
	if (c->rank != RANK_OTHER &&
	    strcmp(c->media_type, "application/tlsrpt+gzip") != 0 &&
	    strcmp(c->media_type, "application/tlsrpt+json") != 0 &&
	    strlist_addf(warn, "report sent as %s, not application/tlsrpt+gzip or +json", c->media_type) < 0)
		return -1;
	if (c->depth == 0)
		return strlist_add(warn, "report is the whole message body, not a multipart/report part");
	if (strcmp(env->top_type, "multipart/report") != 0)
		return strlist_addf(warn, "message is %s, not multipart/report", env->top_type);
	return 0;
}

static void describe(const struct candidate *c, char *out, size_t cap)
{
	if (c->filename[0] != '\0')
		snprintf(out, cap, "part %zu (%s, %s)", c->index + 1, c->media_type, c->filename);
	else
		snprintf(out, cap, "part %zu (%s)", c->index + 1, c->media_type);
}

/* Try one candidate.  Returns 1 stored in out, 0 skipped (not a report
 * by content), -1 with e set (part error or temp failure).  *made gets
 * the report bytes inflated or copied. */
static int try_candidate(const struct candidate *c, const struct envelope *env,
			 const struct limits *l, const struct report_hints *hints,
			 struct ingest_result *out, struct strlist *warn, size_t *made,
			 struct err *e)
{
	struct buf dec;
	const unsigned char *p = NULL;
	size_t n = 0;
	enum payload_kind kind;
	int rc = -1;

	buf_init(&dec);
	if (decode_part(c, &dec, &p, &n, warn, e) < 0)
		goto out;
	kind = payload_sniff(p, n);
	if (c->rank == RANK_OTHER && !(kind == PAYLOAD_GZIP || kind == PAYLOAD_ZIP ||
				       kind == PAYLOAD_ZLIB || (kind == PAYLOAD_JSON && c->depth == 0))) {
		rc = 0;
		goto out;
	}
	if (c->rank == RANK_OTHER && strlist_addf(warn, "report found by its content in a %s part", c->media_type) < 0)
		goto nomem;
	if (c->cte == CTE_UNKNOWN && strlist_add(warn, "unknown Content-Transfer-Encoding treated as binary") < 0)
		goto nomem;
	if (transport_warnings(c, env, warn) < 0)
		goto nomem;
	if (parse_payload(p, n, l, hints, out, warn, made, e) < 0)
		goto out;
	describe(c, out->where, sizeof out->where);
	rc = 1;
	goto out;
nomem:
	err_nomem(e);
out:
	buf_free(&dec);
	return rc;
}

/* Keep the reason of the first part error (the best-ranked one). */
static void note_part_error(const struct candidate *c, const struct err *pe, struct err *first)
{
	char what[200];

	if (first->cls != ERR_OK)
		return;
	describe(c, what, sizeof what);
	err_set(first, pe->cls == ERR_NOREPORT ? ERR_INPUT : pe->cls, "%s: %s", what, pe->reason);
}

/* RFC 8460 file names carry the policy domain too: a fallback when the
 * envelope names none. */
static int try_part(const struct candidate *c, const struct envelope *env,
		    const struct limits *l, struct ingest_result *out,
		    struct strlist *warn, size_t *made, struct err *e)
{
	struct report_hints hints = { env->report_domain, env->report_domain_from };
	char *from_name = NULL;
	int rc;

	if (hints.report_domain == NULL && c->filename[0] != '\0') {
		from_name = filename_domain(c->filename);
		hints.report_domain = from_name;
		hints.report_domain_from = "attachment file name";
	}
	rc = try_candidate(c, env, l, &hints, out, warn, made, e);
	free(from_name);
	return rc;
}

/* The message's budget, shared by all its parts: the per-part caps alone
 * let 600 parts of 40 MiB each cost minutes of CPU. */
struct budget {
	size_t left;              /* report bytes the remaining parts may make */
	size_t spent;
	size_t failed;            /* parts that failed to decode or validate */
	struct err first;         /* the first part error */
};

/* After a part failed: -1 with e set when the message has used up its
 * budget or its failed parts, so no further part is tried. */
static int budget_check(const struct budget *b, const struct limits *l, struct err *e)
{
	if (b->left == 0)
		return err_set(e, ERR_INPUT, "gave up after %zu failed part%s inflating %zu bytes "
			       "(limit %zu x --max-report); first: %s", b->failed,
			       b->failed == 1 ? "" : "s", b->spent, LIMIT_INFLATE_BUDGET,
			       b->first.reason);
	if (b->failed >= l->max_failed_parts)
		return err_set(e, ERR_INPUT, "gave up after %zu failed parts (limit %zu); first: %s",
			       b->failed, l->max_failed_parts, b->first.reason);
	return 0;
}

/* One candidate under what is left of the budget: its cap is the smaller
 * of --max-report and that. */
static int try_budgeted(const struct candidate *c, const struct envelope *env,
			const struct limits *l, struct budget *b, struct ingest_result *out,
			struct strlist *warn, struct err *pe)
{
	struct limits part = *l;
	size_t made = 0;
	int rc;

	if (part.max_report > b->left)
		part.max_report = b->left;
	rc = try_part(c, env, &part, out, warn, &made, pe);
	if (made > b->left)
		made = b->left;
	b->left -= made;
	b->spent += made;
	return rc;
}

static int try_candidates(const struct walk *w, const struct envelope *env,
			  const struct limits *l, struct ingest_result *out,
			  struct strlist *warn, struct err *e)
{
	struct budget b = { limits_inflate_budget(l), 0, 0, { ERR_OK, "" } };

	for (int rank = RANK_TLSRPT; rank <= RANK_OTHER; rank++) {
		for (size_t i = 0; i < w->n; i++) {
			const struct candidate *c = &w->v[i];
			struct err pe;
			int rc;

			if ((int)c->rank != rank)
				continue;
			err_clear(&pe);
			strlist_free(warn);
			rc = try_budgeted(c, env, l, &b, out, warn, &pe);
			if (rc == 1)
				return 0;
			report_free(&out->report);
			report_init(&out->report);
			if (rc < 0 && pe.cls == ERR_TEMP)
				return err_set(e, ERR_TEMP, "%s", pe.reason);
			if (rc == 0)
				continue;
			note_part_error(c, &pe, &b.first);
			b.failed++;
			if (budget_check(&b, l, e) < 0)
				return -1;
		}
	}
	if (b.first.cls != ERR_OK)
		return err_set(e, b.first.cls, "%s", b.first.reason);
	return err_set(e, ERR_NOREPORT, "no report attachment in %zu MIME part%s", w->n, w->n == 1 ? "" : "s");
}

/* Equal as DNS names: ASCII case-insensitive, a trailing dot ignored. */
static int same_domain(const char *a, const char *b)
{
	size_t an = strlen(a), bn = strlen(b);

	if (an > 0 && a[an - 1] == '.')
		an--;
	if (bn > 0 && b[bn - 1] == '.')
		bn--;
	return an == bn && strncasecmp(a, b, an) == 0;
}

static int is_policy_domain(const struct report *r, const char *d)
{
	for (size_t i = 0; i < r->n_policies; i++)
		if (r->policies[i].policy_domain != NULL &&
		    same_domain(r->policies[i].policy_domain, d))
			return 1;
	return 0;
}

/* RFC 8460 §5.3: TLS-Report-Submitter names the contact-info domain (a
 * subdomain either way is taken as a match); §5.6: the report body, not
 * TLS-Report-Domain or the Subject, is authoritative for the policy
 * domain.  Mismatches are noted, never rejected: the report is still the
 * best information there is. */
static int envelope_checks(const struct envelope *env, const struct report *r,
			   struct strlist *warn)
{
	char cdom[AUTHRES_DOMAIN_MAX];

	if (env->submitter != NULL && authres_contact_domain(r->contact_info, cdom, sizeof cdom) == 0 &&
	    !authres_domain_covers(env->submitter, cdom) && !authres_domain_covers(cdom, env->submitter) &&
	    strlist_addf(warn, "TLS-Report-Submitter \"%.80s\" does not match the contact-info domain %s",
			 env->submitter, cdom) < 0)
		return -1;
	if (env->header_domain != NULL && !is_policy_domain(r, env->header_domain) &&
	    strlist_addf(warn, "TLS-Report-Domain %s is not a policy domain of the report",
			 env->header_domain) < 0)
		return -1;
	if (env->subject_domain != NULL && !is_policy_domain(r, env->subject_domain) &&
	    (env->header_domain == NULL || !same_domain(env->header_domain, env->subject_domain)) &&
	    strlist_addf(warn, "Subject Report Domain %s is not a policy domain of the report",
			 env->subject_domain) < 0)
		return -1;
	return 0;
}

/* The records' dkim verdict, aligned against the submitter and the
 * contact-info domain; with --require-dkim anything but an aligned pass
 * is refused (RFC 8460 §3: such reports MUST be ignored).  *has is 0 when
 * no trusted field was seen (dkim null).  out points into env. */
static int dkim_check(const struct envelope *env, const struct report *r,
		      const struct ingest_env *ienv, struct record_dkim *out, int *has,
		      struct err *e)
{
	char cdom[AUTHRES_DOMAIN_MAX];
	const char *doms[2] = { env->submitter, NULL };
	struct authres_verdict v;

	if (authres_contact_domain(r->contact_info, cdom, sizeof cdom) == 0)
		doms[1] = cdom;
	authres_verdict(&env->authres, doms, 2, &v);
	*has = v.result != NULL;
	out->result = v.result;
	out->domain = v.domain;
	out->aligned = v.aligned;
	if (!ienv->require_dkim || v.aligned)
		return 0;
	if (v.result == NULL)
		return err_set(e, ERR_INPUT, "no aligned DKIM pass: no Authentication-Results from a trusted authserv-id");
	if (strcmp(v.result, "pass") == 0)
		return err_set(e, ERR_INPUT, "no aligned DKIM pass: dkim=pass by %s, not the submitter or contact-info domain",
			       v.domain != NULL ? v.domain : "an unnamed domain");
	return err_set(e, ERR_INPUT, "no aligned DKIM pass: dkim=%s%s%s", v.result,
		       v.domain != NULL ? " header.d=" : "", v.domain != NULL ? v.domain : "");
}

/* A report cannot cover a day that has not begun: one whose date-range
 * starts more than INGEST_FUTURE_SLACK seconds after the delivery time is
 * refused, so a sender cannot make daily files for far-off dates (which
 * --expire would never reach).  A day of slack covers clocks that are off
 * and reporters that name the day ahead; old dates stay accepted
 * (backfill is legitimate). */
static int check_not_future(const struct report *r, const char *received_at, struct err *e)
{
	char norm[DATE_UTC_LEN + 1];
	time_t now;

	if (received_at == NULL ||
	    date_parse_rfc3339(received_at, strlen(received_at), norm, &now) < 0)
		return 0;
	if (r->begin > now && r->begin - now > INGEST_FUTURE_SLACK)
		return err_set(e, ERR_INPUT, "date-range.start-datetime %s is more than "
			       "one day after the delivery time %s", r->begin_date, norm);
	return 0;
}

static int format_records(struct ingest_result *out, const struct envelope *env,
			  const struct ingest_env *ienv, const struct strlist *warn,
			  const struct record_dkim *dkim, struct err *e)
{
	struct record_meta meta = {
		.received_at = ienv->received_at, .source = ienv->source,
		.message_id = env->message_id, .submitter = env->submitter,
		.recipient = ienv->recipient, .extra_warnings = warn,
		.client_ip = ienv->client_ip, .dkim = dkim,
	};

	if (check_not_future(&out->report, ienv->received_at, e) < 0)
		return -1;
	memcpy(out->day, out->report.begin_date, 10);
	out->day[10] = '\0';
	return record_format(&out->report, &meta, &out->lines, e);
}

int ingest_mail(const unsigned char *p, size_t n, const struct limits *l,
		const struct ingest_env *ienv, struct ingest_result *out, struct err *e)
{
	size_t skip = message_from_line_len(p, n), body_off;
	struct headers h;
	struct envelope env;
	struct walk w = { NULL, 0, 0, 0 };
	struct strlist warn;
	struct record_dkim dkim;
	int rc = -1, has_dkim = 0;

	headers_init(&h);
	strlist_init(&warn);
	memset(&env, 0, sizeof env);
	if (n - skip == 0) {
		err_set(e, ERR_NOREPORT, "empty message");
		goto out;
	}
	if (header_parse(p + skip, n - skip, l, &h, &body_off, e) < 0 ||
	    read_envelope(&h, ienv->trusted_authserv_ids, &env, e) < 0)
		goto out;
	if (env.report_domain == NULL && ienv->filename != NULL) {
		env.report_domain = env.name_domain = filename_domain(ienv->filename);
		env.report_domain_from = "file name";
	}
	if (mime_walk(p + skip, n - skip, l, collect_part, &w, e) < 0)
		goto out;
	if (w.nomem) {
		err_nomem(e);
		goto out;
	}
	if (try_candidates(&w, &env, l, out, &warn, e) < 0)
		goto out;
	if (envelope_checks(&env, &out->report, &warn) < 0) {
		err_nomem(e);
		goto out;
	}
	if (dkim_check(&env, &out->report, ienv, &dkim, &has_dkim, e) < 0)
		goto out;
	rc = format_records(out, &env, ienv, &warn, has_dkim ? &dkim : NULL, e);
out:
	free(w.v);
	strlist_free(&warn);
	envelope_free(&env);
	headers_free(&h);
	return rc;
}

int ingest_file(const unsigned char *p, size_t n, const struct limits *l,
		const struct ingest_env *ienv, struct ingest_result *out, struct err *e)
{
	struct envelope env;
	struct report_hints hints;
	struct strlist warn;
	int rc = -1;

	if (payload_sniff(p, n) == PAYLOAD_UNKNOWN)
		return ingest_mail(p, n, l, ienv, out, e);
	memset(&env, 0, sizeof env);
	strlist_init(&warn);
	if (ienv->filename != NULL) {
		env.report_domain = env.name_domain = filename_domain(ienv->filename);
		env.report_domain_from = "file name";
	}
	hints.report_domain = env.report_domain;
	hints.report_domain_from = env.report_domain_from;
	if (parse_payload(p, n, l, &hints, out, &warn, NULL, e) < 0)
		goto out;
	snprintf(out->where, sizeof out->where, "file");
	rc = format_records(out, &env, ienv, &warn, NULL, e);
out:
	strlist_free(&warn);
	envelope_free(&env);
	return rc;
}

/* What the request's Content-Type says against what the body is. */
static int http_warnings(const char *media_type, enum payload_kind kind, struct strlist *warn)
{
	int says_gzip;

	if (media_type == NULL)
		return 0;
	says_gzip = strstr(media_type, "gzip") != NULL;
	if (strncmp(media_type, "application/tlsrpt+", 19) != 0 &&
	    strlist_addf(warn, "report sent as %s, not application/tlsrpt+gzip or +json", media_type) < 0)
		return -1;
	if (says_gzip && kind == PAYLOAD_JSON &&
	    strlist_addf(warn, "request body sent as %s is uncompressed JSON", media_type) < 0)
		return -1;
	if (!says_gzip && kind != PAYLOAD_JSON &&
	    strlist_addf(warn, "request body sent as %s is compressed", media_type) < 0)
		return -1;
	return 0;
}

int ingest_http(const unsigned char *p, size_t n, const char *media_type,
		const struct limits *l, const struct ingest_env *ienv,
		struct ingest_result *out, struct err *e)
{
	struct envelope env;
	struct report_hints hints = { NULL, NULL };
	struct strlist warn;
	enum payload_kind kind = payload_sniff(p, n);
	int rc = -1;

	memset(&env, 0, sizeof env);
	strlist_init(&warn);
	if (n == 0) {
		err_set(e, ERR_INPUT, "empty request body");
		goto out;
	}
	if (kind == PAYLOAD_UNKNOWN) {
		err_set(e, ERR_INPUT, "request body is neither gzip nor JSON");
		goto out;
	}
	if (http_warnings(media_type, kind, &warn) < 0) {
		err_nomem(e);
		goto out;
	}
	if (parse_payload(p, n, l, &hints, out, &warn, NULL, e) < 0)
		goto out;
	snprintf(out->where, sizeof out->where, "request body");
	rc = format_records(out, &env, ienv, &warn, NULL, e);
out:
	strlist_free(&warn);
	envelope_free(&env);
	return rc;
}
