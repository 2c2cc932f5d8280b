/* RFC 8460 §4.4 report JSON -> struct report.
 *
 * Big reports are read piecewise (jsonscan.c): the outer object, the
 * policies array, each policy object and its failure-details array are
 * walked by a structural scanner, which delimits each value inside them
 * (report header fields, each policy's "policy" and "summary", each
 * failure detail, unknown members); json-c parses each slice on its own
 * (an object it may also end itself, within max_string bytes), and its
 * tree is freed once read.  Nothing is read twice and no tree of the
 * whole report is built.  A string longer than max_string is refused
 * before json-c buffers it.  Anything the scanner does not handle itself
 * (non-strict JSON, syntax errors, escaped member names, duplicate
 * structural members) makes it give up, and the whole document is parsed
 * the original way: one whole-tree json-c parse (strict first; a
 * non-strict retry accepts the single quotes and trailing commas some
 * reporters emit).  Both ways feed
 * the same checks, in the same order, so they give the same report, the
 * same warnings and the same rejection reason.
 *
 * Each wanted value is copied once into the struct, cleaned to valid UTF-8
 * without NUL; failure-detail strings go to a pool that stores each
 * distinct string once, and what is checked of them (an IP address? a
 * result type of RFC 8460?) is remembered by their pooled address.
 * Only what makes a report meaningless is rejected: not an object, no
 * organization, no usable date range, no policies, a policy without type
 * or success count, an impossible count.  Every other deviation seen in
 * the wild is repaired and recorded as one short warning naming the JSON
 * path.  Warning lists are deduplicated and capped, so a
 * hostile report cannot make them quadratic. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "date.h"
#include "jsonscan.h"
#include "report.h"
#include "word.h"

#define WARN_MAX 64       /* warnings kept per list before "suppressed" */
#define PATH_LEN 160      /* room for the longest JSON path we print */
#define CLIP_LEN 64       /* bytes of a report value quoted in a warning */
#define INNER_DEPTH 2     /* JSON-in-a-string: one array of strings */
#define JSON_LEN_MAX ((size_t)INT_MAX)  /* json-c takes an int length */
#define POOL_BLOCK ((size_t)64 << 10)   /* bytes per string pool block */
#define POOL_SLOTS0 ((size_t)256)       /* initial hash slots (a power of 2) */
#define VERDICTS 1024                   /* answers remembered per question */

/* What a member lookup found. */
enum got { GOT_ERR = -1, GOT_NONE, GOT_OK, GOT_NULL, GOT_BAD };

struct report_pool;

struct ctx {
	const struct limits *l;
	struct err *e;
	int depth;
	char *hint;       /* cleaned hints->report_domain, NULL if unusable */
	char *hint_from;
	int nomem;        /* a warning could not be stored */
	struct report_pool *pool;  /* the report's pool for detail strings */
	int pooled;       /* strings taken now go to the pool */
	struct verdict {  /* answers for pooled strings: is_ip(), */
		const char *s;   /* known_result_type() */
		int ok;
	} ips[VERDICTS], rtypes[VERDICTS];
};

/* One json-c pass. */
struct pass {
	json_object *o;
	enum json_tokener_error jerr;
	size_t end;
	int trailing;
};

/* A member value: json-c's, with a string's bytes at hand. */
struct val {
	enum json_type type;
	json_object *o;   /* NULL for null */
	const char *s;    /* a string's bytes */
	size_t n;
};

/* The JSON path of a value, "base.key" (or base alone when key is NULL),
 * spelt out only when a warning or a rejection names it. */
struct where {
	const char *base;
	const char *key;
};

/* Distinct strings stored once, in blocks freed together. */
struct pool_block {
	struct pool_block *next;
	size_t used, cap;
	char data[];
};

struct pool_slot {
	const char *s;
	size_t n;
	uint64_t h;
};

struct report_pool {
	struct pool_block *blocks;
	struct pool_slot *slot;   /* open addressing, at most half full */
	size_t nslot, used;
};

static const char *const policy_types[] = {
	"sts", "tlsa", "no-policy-found", NULL
};

/* RFC 8460 §4.3 */
static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
	"sts-webpki-invalid", NULL
};

/* The members a failure detail may have.  A detail is looked up 8 to 11
 * times, and json-c hashes the name for each lookup: one walk over its
 * members (json_object_object_foreach) finds them all at less cost. */
enum dname {
	DN_RESULT_TYPE, DN_COUNT, DN_SENDING_IP, DN_RECEIVING_IP,
	DN_MX_HOSTNAME, DN_MX_HOST_NAME, DN_HELO, DN_INFO, DN_INFO_URI,
	DN_REASON, DN_ERROR_CODE, DN_N
};

#define DNAME(s) { s, sizeof s - 1 }
static const struct dname_text {
	const char *s;
	size_t n;
} dnames[DN_N] = {
	DNAME("result-type"), DNAME("failed-session-count"),
	DNAME("sending-mta-ip"), DNAME("receiving-ip"),
	DNAME("receiving-mx-hostname"), DNAME("receiving-mx-host-name"),
	DNAME("receiving-mx-helo"), DNAME("additional-information"),
	DNAME("additional-info-uri"), DNAME("failure-reason-code"),
	DNAME("failure-error-code")
};
#undef DNAME

/* A failure detail's members, found in one walk. */
struct members {
	json_object *v[DN_N];
	unsigned char has[DN_N];
};

static void warn(struct ctx *c, struct strlist *w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct ctx *c, struct strlist *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	if (w->n > WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (strlist_contains(w, tmp))
		return;
	if (w->n == WARN_MAX)
		snprintf(tmp, sizeof tmp, "further warnings suppressed");
	if (strlist_add(w, tmp) < 0)
		c->nomem = 1;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Longest prefix of clean UTF-8 s that fits max bytes, on a character
 * boundary. */
static size_t utf8_fit(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* s, or its first CLIP_LEN bytes plus "...", for quoting in a warning. */
static const char *clip(const char *s, char out[CLIP_LEN + 4])
{
	size_t n = strnlen(s, CLIP_LEN + 1);

	if (n <= CLIP_LEN)
		return s;
	n = utf8_fit(s, n, CLIP_LEN);
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

static const char *type_desc(enum json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	default:
		return "null";
	}
}

/* path = a + sep + b, cut to fit (by hand: gcc's -Wformat-truncation
 * objects to snprintf of one path buffer into another). */
static void path_join(char path[PATH_LEN], const char *a, const char *sep,
		      const char *b)
{
	const char *part[3] = { a, sep, b };
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		size_t k = strnlen(part[i], PATH_LEN - 1 - n);

		memmove(path + n, part[i], k);
		n += k;
	}
	path[n] = '\0';
}

static void mkpath(char path[PATH_LEN], const char *base, const char *key)
{
	path_join(path, base, *base ? "." : "", key);
}

/* "[i]" into idx, NUL-terminated; its length. */
static size_t index_text(char idx[24], size_t i)
{
	char rev[20];
	size_t n = 0, k = 0;

	do {
		rev[n++] = (char)('0' + i % 10);
		i /= 10;
	} while (i > 0);
	idx[k++] = '[';
	while (n > 0)
		idx[k++] = rev[--n];
	idx[k++] = ']';
	idx[k] = '\0';
	return k;
}

/* base + "[i]" */
static void mkindex(char path[PATH_LEN], const char *base, size_t i)
{
	char idx[24];

	index_text(idx, i);
	path_join(path, base, idx, "");
}

/* The paths base[0], base[1], ... of an array's elements: base is laid
 * down once, and each element only writes its index over the end. */
struct elem_path {
	char s[PATH_LEN];
	size_t at;        /* where "[" goes */
};

static void elem_path_init(struct elem_path *ep, const char *base)
{
	path_join(ep->s, base, "", "");
	ep->at = strlen(ep->s);
}

static const char *elem_path(struct elem_path *ep, size_t i)
{
	ep->s[ep->at] = '\0';
	if (ep->at + 24 > PATH_LEN)   /* a long base: cut as mkindex cuts it */
		mkindex(ep->s, ep->s, i);
	else
		index_text(ep->s + ep->at, i);
	return ep->s;
}

static const char *where_str(const struct where *wh, char buf[PATH_LEN])
{
	if (wh->key == NULL)
		return wh->base;
	mkpath(buf, wh->base, wh->key);
	return buf;
}

/* Append s (malloc'd) to l, taking ownership even on failure. */
static int list_take(struct ctx *c, struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap : 2, bytes;
		char **nv;

		if (size_mul(cap, 2 * sizeof *nv, &bytes) < 0 ||
		    (nv = realloc(l->v, bytes)) == NULL) {
			free(s);
			return err_nomem(c->e);
		}
		l->v = nv;
		l->cap = cap * 2;
	}
	l->v[l->n++] = s;
	return 0;
}

/* ---- string pool ------------------------------------------------------ */

/* a[0..n) == b[0..n), a word at a time: the names and values compared
 * here are a few dozen bytes, too short for memcmp to pay for its call. */
static int same_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	if (n < 8)  /* word_short holds each byte: equal words, equal bytes */
		return n == 0 || word_short(a, n) == word_short(b, n);
	for (; i + 8 < n; i += 8)
		if (word_at(a + i) != word_at(b + i))
			return 0;
	/* the last word, overlapping the one before */
	return word_at(a + n - 8) == word_at(b + n - 8);
}

static struct report_pool *pool_new(void)
{
	struct report_pool *pl = calloc(1, sizeof *pl);

	if (pl == NULL)
		return NULL;
	pl->slot = calloc(POOL_SLOTS0, sizeof *pl->slot);
	if (pl->slot == NULL) {
		free(pl);
		return NULL;
	}
	pl->nslot = POOL_SLOTS0;
	return pl;
}

static void pool_free(struct report_pool *pl)
{
	if (pl == NULL)
		return;
	while (pl->blocks != NULL) {
		struct pool_block *next = pl->blocks->next;

		free(pl->blocks);
		pl->blocks = next;
	}
	free(pl->slot);
	free(pl);
}

static uint64_t pool_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 29;
}

/* Eight bytes per step, the last word overlapping the one before (or
 * word_short), then murmur3's finalizer: strings that differ only in
 * their last bytes (192.0.2.1, 192.0.2.2, ...) differ in the word's high
 * bits, which the multiplications alone never carry down to the low bits
 * the slot index takes. */
static uint64_t pool_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL ^ n;
	size_t i = 0;

	if (n > 0) {
		for (; i + 8 < n; i += 8)
			h = pool_mix(h, word_at(s + i));
		h = pool_mix(h, n >= 8 ? word_at(s + n - 8) : word_short(s, n));
	}
	h = (h ^ h >> 33) * 0xff51afd7ed558ccdULL;
	h = (h ^ h >> 33) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 33;
}

/* The slot holding s[0..n), or the empty slot where it belongs. */
static struct pool_slot *pool_find(struct report_pool *pl, const char *s,
				   size_t n, uint64_t h)
{
	size_t i = (size_t)h & (pl->nslot - 1);

	for (;; i = (i + 1) & (pl->nslot - 1)) {
		struct pool_slot *sl = &pl->slot[i];

		if (sl->s == NULL || (sl->h == h && sl->n == n &&
				      same_bytes(sl->s, s, n)))
			return sl;
	}
}

static int pool_grow(struct report_pool *pl)
{
	struct report_pool big = *pl;

	big.slot = calloc(pl->nslot * 2, sizeof *big.slot);
	if (big.slot == NULL)
		return -1;
	big.nslot = pl->nslot * 2;
	for (size_t i = 0; i < pl->nslot; i++)
		if (pl->slot[i].s != NULL)
			*pool_find(&big, pl->slot[i].s, pl->slot[i].n,
				   pl->slot[i].h) = pl->slot[i];
	free(pl->slot);
	*pl = big;
	return 0;
}

/* Room for n + 1 bytes in the newest block. */
static char *pool_room(struct report_pool *pl, size_t n)
{
	struct pool_block *b = pl->blocks;
	size_t cap = POOL_BLOCK;

	if (b != NULL && b->cap - b->used > n)
		return b->data + b->used;
	if (n >= cap)
		cap = n + 1;
	if ((b = malloc(sizeof *b + cap)) == NULL)
		return NULL;
	b->used = 0;
	b->cap = cap;
	b->next = pl->blocks;
	pl->blocks = b;
	return b->data;
}

/* The pooled NUL-terminated copy of s[0..n), NULL on ENOMEM. */
static char *pool_intern(struct report_pool *pl, const char *s, size_t n)
{
	uint64_t h = pool_hash(s, n);
	struct pool_slot *sl = pool_find(pl, s, n, h);
	char *d;

	if (sl->s != NULL)
		return (char *)sl->s;
	if ((pl->used + 1) * 2 > pl->nslot) {
		if (pool_grow(pl) < 0)
			return NULL;
		sl = pool_find(pl, s, n, h);
	}
	if ((d = pool_room(pl, n)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	pl->blocks->used += n + 1;
	sl->s = d;
	sl->n = n;
	sl->h = h;
	pl->used++;
	return d;
}

/* ---- scalar values ---------------------------------------------------- */

/* 1 if p[0..n) is all ASCII without NUL (so clean), eight bytes a step
 * (the last overlapping the one before, or word_short). */
static int plain_ascii(const char *p, size_t n)
{
	uint64_t v, bad = 0;
	size_t i = 0;

	if (n == 0)
		return 1;
	for (; i + 8 < n; i += 8) {
		v = word_at(p + i);
		bad |= word_high(v) | word_below(v, 1);
	}
	v = n >= 8 ? word_at(p + n - 8) : word_short(p, n);
	return (bad | word_high(v) | word_below(v, 1)) == 0;
}

/* A NUL-terminated copy of clean p[0..n): malloc'd, or pooled while
 * c->pooled. */
static int keep(struct ctx *c, const char *p, size_t n, char **out)
{
	if (c->pooled) {
		*out = pool_intern(c->pool, p, n);
	} else if ((*out = malloc(n + 1)) != NULL) {
		memcpy(*out, p, n);
		(*out)[n] = '\0';
	}
	return *out == NULL ? err_nomem(c->e) : 0;
}

/* Cleaned copy of p[0..n) into *out; the length bound holds for the
 * cleaned form too, since each bad byte grows into three. */
static int clean_str(struct ctx *c, const char *p, size_t n,
		     const struct where *wh, struct strlist *w, char **out)
{
	char path[PATH_LEN], *tmp;
	long rep = 0;
	int rc;

	*out = NULL;
	if (n > c->l->max_string)
		goto toolong;
	/* the common case: already clean, copy at its exact size */
	if (plain_ascii(p, n) || (memchr(p, 0, n) == NULL &&
				  utf8_valid((const unsigned char *)p, n)))
		return keep(c, p, n, out);
	tmp = utf8_clean_dup((const unsigned char *)p, n, &rep);
	if (tmp == NULL)
		return err_nomem(c->e);
	n = strlen(tmp);
	if (rep > 0 && n > c->l->max_string) {
		free(tmp);
		goto toolong;
	}
	rc = keep(c, tmp, n, out);
	free(tmp);
	if (rc == 0 && rep > 0)
		warn(c, w, "%s had invalid UTF-8 (replaced)", where_str(wh, path));
	return rc;
toolong:
	return err_set(c->e, ERR_INPUT, "string longer than %zu bytes at %s",
		       c->l->max_string, where_str(wh, path));
}

static void val_of(json_object *o, struct val *v)
{
	v->type = json_object_get_type(o);
	v->o = o;
	v->s = NULL;
	v->n = 0;
	if (v->type == json_type_string) {
		v->s = json_object_get_string(o);
		v->n = (size_t)json_object_get_string_len(o);
	}
}

/* m: the members of o named in dnames. */
static void detail_members(json_object *o, struct members *m)
{
	memset(m->has, 0, sizeof m->has);
	json_object_object_foreach(o, k, v) {
		size_t n = strlen(k);

		for (int i = 0; i < DN_N; i++) {
			if (n == dnames[i].n && k[0] == dnames[i].s[0] &&
			    same_bytes(k, dnames[i].s, n)) {
				m->v[i] = v;
				m->has[i] = 1;
				break;
			}
		}
	}
}

/* 1 with *v when ob has member key (null included), else 0. */
static int obj_get(json_object *ob, const char *key, struct val *v)
{
	json_object *o;

	if (!json_object_object_get_ex(ob, key, &o))
		return 0;
	val_of(o, v);
	return 1;
}

/* Value v as a string.  Numbers and booleans become their JSON text.
 * Returns 1 with *out set, 0 when unusable (warned), -1 on rejection. */
static int take_str(struct ctx *c, const struct val *v, const struct where *wh,
		    struct strlist *w, int required, char **out)
{
	char path[PATH_LEN];
	const char *s = v->s;
	size_t n = v->n;

	*out = NULL;
	switch (v->type) {
	case json_type_string:
		return clean_str(c, s, n, wh, w, out) < 0 ? -1 : 1;
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		s = json_object_to_json_string_ext(v->o, JSON_C_TO_STRING_PLAIN);
		if (s == NULL)
			return err_nomem(c->e);
		n = strlen(s);
		warn(c, w, "%s is %s, not a string", where_str(wh, path),
		     type_desc(v->type));
		return clean_str(c, s, n, wh, w, out) < 0 ? -1 : 1;
	default:
		if (required)
			return err_set(c->e, ERR_INPUT, "%s is not a string",
				       where_str(wh, path));
		warn(c, w, "%s is %s, not a string (ignored)",
		     where_str(wh, path), type_desc(v->type));
		return 0;
	}
}

/* A member's value v (found: whether there was one) as a string. */
static enum got str_member(struct ctx *c, int found, const struct val *v,
			   const struct where *wh, int required,
			   struct strlist *w, char **out)
{
	*out = NULL;
	if (!found)
		return GOT_NONE;
	if (v->type == json_type_null)
		return GOT_NULL;
	switch (take_str(c, v, wh, w, required, out)) {
	case -1:
		return GOT_ERR;
	case 0:
		return GOT_BAD;
	default:
		return GOT_OK;
	}
}

/* Member key of ob (path "<base>.<key>") as a string. */
static enum got get_str(struct ctx *c, json_object *ob, const char *base,
			const char *key, int required, struct strlist *w,
			char **out)
{
	struct where wh = { base, key };
	struct val v;

	return str_member(c, obj_get(ob, key, &v), &v, &wh, required, w, out);
}

/* Member i of the failure detail m (path "<base>.<name>") as a string. */
static enum got detail_str(struct ctx *c, const struct members *m,
			   const char *base, enum dname i, struct strlist *w,
			   char **out)
{
	struct where wh = { base, dnames[i].s };
	struct val v;

	if (m->has[i])
		val_of(m->v[i], &v);
	/* the common case, as take_str and clean_str have it: a short
	 * ASCII string, pooled as it is */
	if (m->has[i] && v.type == json_type_string && v.n <= c->l->max_string &&
	    plain_ascii(v.s, v.n))
		return keep(c, v.s, v.n, out) < 0 ? GOT_ERR : GOT_OK;
	return str_member(c, m->has[i], &v, &wh, 0, w, out);
}

static int need_str(struct ctx *c, json_object *ob, const char *base,
		    const char *key, struct strlist *w, char **out)
{
	char path[PATH_LEN];
	enum got g = get_str(c, ob, base, key, 1, w, out);

	if (g == GOT_OK)
		return 0;
	if (g == GOT_ERR)
		return -1;
	mkpath(path, base, key);
	if (g == GOT_NULL)
		return err_set(c->e, ERR_INPUT, "%s is null", path);
	return err_set(c->e, ERR_INPUT, "missing %s", path);
}

/* Optional detail string key, or its non-standard spelling alt (DN_N:
 * none) when key is absent. */
static int alt_str(struct ctx *c, const struct members *m, const char *base,
		   enum dname key, enum dname alt, const char *why,
		   struct strlist *w, char **out)
{
	enum got g = detail_str(c, m, base, key, w, out);

	if (g == GOT_ERR)
		return -1;
	if (g != GOT_NONE || alt == DN_N)
		return 0;
	g = detail_str(c, m, base, alt, w, out);
	if (g == GOT_ERR)
		return -1;
	if (g == GOT_OK)
		warn(c, w, "%s.%s is %s %s", base, dnames[alt].s, why, dnames[key].s);
	return 0;
}

static int count_double(struct ctx *c, double d, const char *path,
			struct strlist *w, int64_t *v)
{
	if (!isfinite(d))
		return err_set(c->e, ERR_INPUT, "%s is not a number", path);
	if (d < 0)
		return err_set(c->e, ERR_INPUT, "%s is negative", path);
	if (d >= 9223372036854775808.0)
		return err_set(c->e, ERR_INPUT, "%s is out of range", path);
	if ((double)(int64_t)d != d)
		return err_set(c->e, ERR_INPUT, "%s is fractional", path);
	*v = (int64_t)d;
	warn(c, w, "%s is a decimal number, not an integer", path);
	return 0;
}

static int count_string(struct ctx *c, const char *s, size_t n,
			const char *path, struct strlist *w, int64_t *v)
{
	int neg = n > 0 && s[0] == '-';
	int64_t x = 0;

	if ((size_t)neg == n)
		return err_set(c->e, ERR_INPUT, "%s is not a number", path);
	for (size_t i = (size_t)neg; i < n; i++) {
		int dig = s[i] - '0';

		if (dig < 0 || dig > 9)
			return err_set(c->e, ERR_INPUT, "%s is not a number",
				       path);
		if (!neg && x > (INT64_MAX - dig) / 10)
			return err_set(c->e, ERR_INPUT, "%s is out of range",
				       path);
		x = neg ? 0 : x * 10 + dig;
	}
	if (neg)
		return err_set(c->e, ERR_INPUT, "%s is negative", path);
	*v = x;
	warn(c, w, "%s is a string, not a number", path);
	return 0;
}

/* json-c 0.16 stores integers above INT64_MAX as uint64 (saturating at
 * UINT64_MAX) and saturates below INT64_MIN, so the sign and the uint64
 * view together catch every overflow.  Flat integers are 0..10^18-1. */
static int count_value(struct ctx *c, const struct val *v,
		       const struct where *wh, struct strlist *w, int64_t *out)
{
	char buf[PATH_LEN];

	/* the common case first: the path is spelt out only to name it */
	if (v->type == json_type_int && json_object_get_int64(v->o) >= 0 &&
	    json_object_get_uint64(v->o) <= (uint64_t)INT64_MAX) {
		*out = json_object_get_int64(v->o);
		return 0;
	}
	switch (v->type) {
	case json_type_int:
		if (json_object_get_int64(v->o) < 0)
			return err_set(c->e, ERR_INPUT, "%s is negative", where_str(wh, buf));
		return err_set(c->e, ERR_INPUT, "%s is out of range", where_str(wh, buf));
	case json_type_double:
		return count_double(c, json_object_get_double(v->o), where_str(wh, buf), w, out);
	case json_type_string:
		return count_string(c, v->s, v->n, where_str(wh, buf), w, out);
	default:
		return err_set(c->e, ERR_INPUT, "%s is not a number", where_str(wh, buf));
	}
}

/* A member's value v (found: whether there was one) as a count. */
static enum got count_member(struct ctx *c, int found, const struct val *v,
			     const struct where *wh, struct strlist *w,
			     int64_t *out)
{
	if (!found)
		return GOT_NONE;
	if (v->type == json_type_null)
		return GOT_NULL;
	return count_value(c, v, wh, w, out) < 0 ? GOT_ERR : GOT_OK;
}

static enum got get_count(struct ctx *c, json_object *ob,
			  const char *base, const char *key, struct strlist *w,
			  int64_t *v)
{
	struct where wh = { base, key };
	struct val o;

	return count_member(c, obj_get(ob, key, &o), &o, &wh, w, v);
}

/* ---- report header ---------------------------------------------------- */

static int read_date(struct ctx *c, json_object *dr, const char *key,
		     char out[21], time_t *t, struct strlist *w)
{
	json_object *v;
	size_t n;
	int rc;

	if (!json_object_object_get_ex(dr, key, &v) || v == NULL)
		return err_set(c->e, ERR_INPUT, "missing date-range.%s", key);
	if (json_object_get_type(v) != json_type_string)
		return err_set(c->e, ERR_INPUT, "invalid date-range.%s", key);
	n = (size_t)json_object_get_string_len(v);
	rc = date_parse_rfc3339(json_object_get_string(v), n, out, t);
	if (rc < 0)
		return err_set(c->e, ERR_INPUT, "invalid date-range.%s", key);
	if (rc > 0)  /* parsed, so n <= DATE_RFC3339_MAX and ASCII */
		warn(c, w, "date-range.%s %.*s normalized to %s", key, (int)n,
		     json_object_get_string(v), out);
	return 0;
}

static int parse_dates(struct ctx *c, json_object *root, struct report *r)
{
	json_object *dr;
	time_t end;

	if (!json_object_object_get_ex(root, "date-range", &dr) || dr == NULL)
		return err_set(c->e, ERR_INPUT, "missing date-range");
	if (json_object_get_type(dr) != json_type_object)
		return err_set(c->e, ERR_INPUT, "date-range is not an object");
	if (read_date(c, dr, "start-datetime", r->begin_date, &r->begin,
		      &r->warnings) < 0 ||
	    read_date(c, dr, "end-datetime", r->end_date, &end,
		      &r->warnings) < 0)
		return -1;
	if (end < r->begin)
		warn(c, &r->warnings,
		     "date-range.end-datetime is before start-datetime");
	return 0;
}

/* "<organization-name>/<start-datetime>", within max_string. */
static char *synth_id(const struct ctx *c, const struct report *r)
{
	size_t room = c->l->max_string > 21 ? c->l->max_string - 21 : 0;
	size_t n = utf8_fit(r->organization_name,
			    strlen(r->organization_name), room);
	char *id = malloc(n + 22);

	if (id == NULL)
		return NULL;
	memcpy(id, r->organization_name, n);
	id[n] = '/';
	memcpy(id + n + 1, r->begin_date, 21);
	return id;
}

static int parse_report_id(struct ctx *c, json_object *root, struct report *r)
{
	enum got g = get_str(c, root, "", "report-id", 0, &r->warnings,
			     &r->report_id);
	const char *what;

	if (g == GOT_ERR)
		return -1;
	if (g == GOT_OK && r->report_id[0] != '\0')
		return 0;
	what = g == GOT_OK ? "is empty" : g == GOT_NULL ? "is null" : "missing";
	free(r->report_id);
	r->report_id = synth_id(c, r);
	if (r->report_id == NULL)
		return err_nomem(c->e);
	warn(c, &r->warnings, "report-id %s; synthesized", what);
	return 0;
}

static int parse_head(struct ctx *c, json_object *root, struct report *r)
{
	enum got g;

	if (need_str(c, root, "", "organization-name", &r->warnings,
		     &r->organization_name) < 0)
		return -1;
	if (r->organization_name[0] == '\0')
		warn(c, &r->warnings, "organization-name is empty");
	if (parse_dates(c, root, r) < 0)
		return -1;
	g = get_str(c, root, "", "contact-info", 0, &r->warnings,
		    &r->contact_info);
	if (g == GOT_ERR)
		return -1;
	if (g == GOT_NONE)
		warn(c, &r->warnings, "contact-info missing");
	else if (g == GOT_NULL)
		warn(c, &r->warnings, "contact-info is null");
	return parse_report_id(c, root, r);
}

/* ---- policy description ----------------------------------------------- */

/* Value v at path: an array of strings, or a lone scalar taken as a
 * one-element list.  Returns 1 for the lone scalar, 0 otherwise. */
static int str_list(struct ctx *c, json_object *v, const char *path,
		    struct strlist *w, struct strlist *l)
{
	struct where wh = { path, NULL };
	char ep[PATH_LEN];
	struct val ev;
	char *s;
	int rc;

	if (json_object_get_type(v) == json_type_object) {
		warn(c, w, "%s is an object, not an array (ignored)", path);
		return 0;
	}
	if (json_object_get_type(v) != json_type_array) {
		val_of(v, &ev);
		rc = take_str(c, &ev, &wh, w, 0, &s);
		if (rc <= 0)
			return rc;
		return list_take(c, l, s) < 0 ? -1 : 1;
	}
	for (size_t i = 0, n = json_object_array_length(v); i < n; i++) {
		json_object *el = json_object_array_get_idx(v, i);

		mkindex(ep, path, i);
		if (el == NULL) {
			warn(c, w, "%s is null (skipped)", ep);
			continue;
		}
		wh.base = ep;
		val_of(el, &ev);
		rc = take_str(c, &ev, &wh, w, 0, &s);
		if (rc < 0 || (rc > 0 && list_take(c, l, s) < 0))
			return -1;
	}
	return 0;
}

/* If l's only string is itself a JSON array of strings (Microsoft's TLSA
 * policy-string), replace l by its elements.  1 replaced, 0 left alone. */
static int unpack_json_list(struct ctx *c, const char *path, struct strlist *w,
			    struct strlist *l)
{
	const char *s = l->v[0];
	size_t n = strlen(s), i = 0;
	struct strlist out;
	struct pass ps = { NULL, json_tokener_success, 0, 0 };
	json_tokener *tok;
	char ep[PATH_LEN];

	while (i < n && is_ws(s[i]))
		i++;
	if (i == n || s[i] != '[' || n > JSON_LEN_MAX)
		return 0;
	if ((tok = json_tokener_new_ex(INNER_DEPTH)) == NULL)
		return err_nomem(c->e);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	ps.o = json_tokener_parse_ex(tok, s, (int)n);
	ps.end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (ps.end < n && is_ws(s[ps.end]))
		ps.end++;
	if (ps.o == NULL || ps.end != n ||
	    json_object_get_type(ps.o) != json_type_array)
		goto keep;
	for (i = 0; i < json_object_array_length(ps.o); i++)
		if (json_object_get_type(json_object_array_get_idx(ps.o, i)) !=
		    json_type_string)
			goto keep;
	strlist_init(&out);
	mkindex(ep, path, 0);
	if (str_list(c, ps.o, ep, w, &out) < 0) {
		strlist_free(&out);
		json_object_put(ps.o);
		return -1;
	}
	json_object_put(ps.o);
	strlist_free(l);
	*l = out;
	warn(c, w, "%s held a JSON-encoded array (decoded)", path);
	return 1;
keep:
	json_object_put(ps.o);
	return 0;
}

static int parse_policy_strings(struct ctx *c, json_object *d,
				const char *base, struct policy *p)
{
	char path[PATH_LEN];
	json_object *v;
	int rc;

	if (!json_object_object_get_ex(d, "policy-string", &v))
		return 0;
	mkpath(path, base, "policy-string");
	if (v == NULL) {
		warn(c, &p->warnings, "%s is null", path);
		return 0;
	}
	rc = str_list(c, v, path, &p->warnings, &p->policy_strings);
	if (rc < 0)
		return -1;
	if (rc == 1)
		warn(c, &p->warnings, "%s is a string, not an array", path);
	if (strcmp(p->policy_type, "tlsa") == 0 && p->policy_strings.n == 1)
		return unpack_json_list(c, path, &p->warnings,
					&p->policy_strings) < 0 ? -1 : 0;
	return 0;
}

/* "[a, 'b']" that is not JSON: split on commas, trim blanks and quotes. */
static int split_bracketed(struct ctx *c, struct strlist *l)
{
	const char *p = strchr(l->v[0], '[') + 1, *end = strrchr(l->v[0], ']');
	struct strlist out;

	strlist_init(&out);
	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p)), *a = p;

		if (q == NULL)
			q = end;
		while (a < q && strchr(" \t\"'", *a) != NULL)
			a++;
		p = q;
		while (p > a && strchr(" \t\"'", p[-1]) != NULL)
			p--;
		if (p > a && strlist_addn(&out, a, (size_t)(p - a)) < 0) {
			strlist_free(&out);
			return err_nomem(c->e);
		}
		p = q + 1;
	}
	strlist_free(l);
	*l = out;
	return 0;
}

/* mx-host given as one string: maybe a bracketed list. */
static int unbracket(struct ctx *c, const char *path, struct strlist *w,
		     struct strlist *l)
{
	const char *s = l->v[0];
	size_t n = strlen(s);
	int rc;

	while (n > 0 && is_ws(s[n - 1]))
		n--;
	while (n > 0 && is_ws(*s)) {
		s++;
		n--;
	}
	if (n < 2 || s[0] != '[' || s[n - 1] != ']') {
		warn(c, w, "%s is a string, not an array", path);
		return 0;
	}
	rc = unpack_json_list(c, path, w, l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	warn(c, w, "%s is a bracketed string, not an array (split)", path);
	return split_bracketed(c, l);
}

static void strip_mx_prefix(struct ctx *c, const char *path, struct strlist *w,
			    struct strlist *l)
{
	int stripped = 0;

	for (size_t i = 0; i < l->n; i++) {
		char *s = l->v[i];
		size_t n = strlen(s), k = 3;

		if (!span_iprefix((const unsigned char *)s, n, "mx:"))
			continue;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		memmove(s, s + k, n - k + 1);
		stripped = 1;
	}
	if (stripped)
		warn(c, w, "%s entries had an mx: prefix (stripped)", path);
}

static int parse_mx(struct ctx *c, json_object *d, const char *base,
		    struct policy *p)
{
	const char *key = "mx-host";
	char path[PATH_LEN];
	json_object *v;
	int rc;

	if (!json_object_object_get_ex(d, key, &v)) {
		key = "mx-host-pattern";
		if (!json_object_object_get_ex(d, key, &v))
			return 0;
		warn(c, &p->warnings, "%s.%s is a draft name for mx-host", base,
		     key);
	}
	mkpath(path, base, key);
	if (v == NULL) {
		warn(c, &p->warnings, "%s is null", path);
		return 0;
	}
	rc = str_list(c, v, path, &p->warnings, &p->mx_host_patterns);
	if (rc < 0)
		return -1;
	if (rc == 1 && unbracket(c, path, &p->warnings, &p->mx_host_patterns) < 0)
		return -1;
	strip_mx_prefix(c, path, &p->warnings, &p->mx_host_patterns);
	return 0;
}

static int parse_domain(struct ctx *c, json_object *d, const char *base,
			struct policy *p)
{
	enum got g = get_str(c, d, base, "policy-domain", 0, &p->warnings,
			     &p->policy_domain);
	const char *what;

	if (g == GOT_ERR)
		return -1;
	if (g == GOT_OK && p->policy_domain[0] != '\0')
		return 0;
	what = g == GOT_OK ? "is empty" : g == GOT_NULL ? "is null" : "missing";
	free(p->policy_domain);
	p->policy_domain = NULL;
	if (c->hint == NULL) {
		warn(c, &p->warnings, "%s.policy-domain %s; stored null", base, what);
		return 0;
	}
	p->policy_domain = strdup(c->hint);
	if (p->policy_domain == NULL)
		return err_nomem(c->e);
	warn(c, &p->warnings, "%s.policy-domain %s; used %s", base, what,
	     c->hint_from);
	return 0;
}

static int parse_desc(struct ctx *c, json_object *po, const char *base,
		      struct policy *p)
{
	char path[PATH_LEN], tmp[CLIP_LEN + 4];
	json_object *d;

	mkpath(path, base, "policy");
	if (!json_object_object_get_ex(po, "policy", &d) || d == NULL)
		return err_set(c->e, ERR_INPUT, "missing %s", path);
	if (json_object_get_type(d) != json_type_object)
		return err_set(c->e, ERR_INPUT, "%s is not an object", path);
	if (need_str(c, d, path, "policy-type", &p->warnings,
		     &p->policy_type) < 0)
		return -1;
	if (!in_list(p->policy_type, policy_types))
		warn(c, &p->warnings, "%s.policy-type unknown: %s", path,
		     clip(p->policy_type, tmp));
	if (parse_policy_strings(c, d, path, p) < 0 ||
	    parse_domain(c, d, path, p) < 0 || parse_mx(c, d, path, p) < 0)
		return -1;
	return 0;
}

/* ---- summary and failure details -------------------------------------- */

static int parse_summary(struct ctx *c, json_object *po, const char *base,
			 struct policy *p, enum got *fail)
{
	char path[PATH_LEN];
	json_object *s;
	enum got g;

	mkpath(path, base, "summary");
	if (!json_object_object_get_ex(po, "summary", &s) || s == NULL)
		return err_set(c->e, ERR_INPUT, "missing %s", path);
	if (json_object_get_type(s) != json_type_object)
		return err_set(c->e, ERR_INPUT, "%s is not an object", path);
	g = get_count(c, s, path, "total-successful-session-count",
		      &p->warnings, &p->successful_session_count);
	if (g == GOT_ERR)
		return -1;
	if (g == GOT_NONE)
		return err_set(c->e, ERR_INPUT,
			       "missing %s.total-successful-session-count", path);
	if (g == GOT_NULL)
		return err_set(c->e, ERR_INPUT,
			       "%s.total-successful-session-count is null", path);
	*fail = get_count(c, s, path, "total-failure-session-count",
			  &p->warnings, &p->failed_session_count);
	return *fail == GOT_ERR ? -1 : 0;
}

/* Where the answer for pooled string s is kept in tab; pooled strings
 * are unique, so their address stands for the text. */
static struct verdict *verdict(struct verdict tab[VERDICTS], const char *s)
{
	return &tab[((uintptr_t)s >> 3) % VERDICTS];
}

static int is_ip(struct ctx *c, const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];
	struct verdict *v = verdict(c->ips, s);

	if (v->s != s) {
		v->s = s;
		v->ok = inet_pton(AF_INET, s, a) == 1 ||
			inet_pton(AF_INET6, s, a) == 1;
	}
	return v->ok;
}

static int known_result_type(struct ctx *c, const char *s)
{
	struct verdict *v = verdict(c->rtypes, s);

	if (v->s != s) {
		v->s = s;
		v->ok = in_list(s, result_types);
	}
	return v->ok;
}

static int detail_strings(struct ctx *c, const struct members *m,
			  const char *path, struct strlist *w,
			  struct failure_detail *d)
{
	if (alt_str(c, m, path, DN_SENDING_IP, DN_N, NULL, w,
		    &d->sending_mta_ip) < 0 ||
	    alt_str(c, m, path, DN_RECEIVING_IP, DN_N, NULL, w,
		    &d->receiving_ip) < 0 ||
	    alt_str(c, m, path, DN_MX_HOSTNAME, DN_MX_HOST_NAME,
		    "a misspelling of", w, &d->receiving_mx_hostname) < 0 ||
	    alt_str(c, m, path, DN_HELO, DN_N, NULL, w,
		    &d->receiving_mx_helo) < 0 ||
	    alt_str(c, m, path, DN_INFO, DN_INFO_URI, "a draft name for", w,
		    &d->additional_info_uri) < 0 ||
	    alt_str(c, m, path, DN_REASON, DN_ERROR_CODE, "a draft name for",
		    w, &d->failure_reason_code) < 0)
		return -1;
	if (d->sending_mta_ip != NULL && !is_ip(c, d->sending_mta_ip))
		warn(c, w, "%s.sending-mta-ip is not an IP address", path);
	if (d->receiving_ip != NULL && !is_ip(c, d->receiving_ip))
		warn(c, w, "%s.receiving-ip is not an IP address", path);
	return 0;
}

static int parse_detail_fields(struct ctx *c, const struct members *m,
			       const char *path, struct strlist *w,
			       struct failure_detail *d)
{
	struct where wh = { path, dnames[DN_COUNT].s };
	char tmp[CLIP_LEN + 4];
	struct val v;
	enum got g;

	g = detail_str(c, m, path, DN_RESULT_TYPE, w, &d->result_type);
	if (g == GOT_ERR)
		return -1;
	if (g != GOT_OK) {
		if (keep(c, "unknown", 7, &d->result_type) < 0)
			return -1;
		warn(c, w, "%s.result-type %s; used unknown", path,
		     g == GOT_NULL ? "is null" : "missing");
	} else if (!known_result_type(c, d->result_type)) {
		warn(c, w, "%s.result-type unknown: %s", path,
		     clip(d->result_type, tmp));
	}
	if (m->has[DN_COUNT])
		val_of(m->v[DN_COUNT], &v);
	g = count_member(c, m->has[DN_COUNT], &v, &wh, w, &d->failed_session_count);
	if (g == GOT_ERR)
		return -1;
	if (g == GOT_NONE || g == GOT_NULL)
		warn(c, w, "%s.failed-session-count %s; used 0", path,
		     g == GOT_NULL ? "is null" : "missing");
	return detail_strings(c, m, path, w, d);
}

/* Detail strings go to the report's pool: there are many, and few
 * distinct ones. */
static int parse_detail(struct ctx *c, json_object *o, const char *path,
			struct strlist *w, struct failure_detail *d)
{
	struct members m;
	int rc;

	detail_members(o, &m);
	c->pooled = 1;
	rc = parse_detail_fields(c, &m, path, w, d);
	c->pooled = 0;
	return rc;
}

/* A zeroed slot for the next detail (p->details grows by doubling). */
static struct failure_detail *new_detail(struct ctx *c, struct policy *p,
					 size_t *cap)
{
	struct failure_detail *d;

	if (p->n_details == *cap) {
		size_t n = *cap ? *cap * 2 : 16, bytes;

		if (size_mul(n, sizeof *d, &bytes) < 0 ||
		    (d = realloc(p->details, bytes)) == NULL) {
			err_nomem(c->e);
			return NULL;
		}
		p->details = d;
		*cap = n;
	}
	d = &p->details[p->n_details++];
	memset(d, 0, sizeof *d);
	return d;
}

/* One element at path of a failure-details array (or the lone object
 * given instead of one). */
static int parse_element(struct ctx *c, json_object *el,
			 const char *path, struct policy *p, size_t *cap)
{
	struct failure_detail *d;

	if (json_object_get_type(el) != json_type_object) {
		warn(c, &p->warnings, "%s is %s, not an object (skipped)",
		     path, type_desc(json_object_get_type(el)));
		return 0;
	}
	if ((d = new_detail(c, p, cap)) == NULL)
		return -1;
	return parse_detail(c, el, path, &p->warnings, d);
}

static int parse_details(struct ctx *c, json_object *po, const char *base,
			 struct policy *p)
{
	char path[PATH_LEN];
	struct elem_path dp;
	json_object *v;
	size_t n, cap = 0;
	int single;

	if (!json_object_object_get_ex(po, "failure-details", &v))
		return 0;
	mkpath(path, base, "failure-details");
	single = json_object_get_type(v) == json_type_object;
	if (single) {
		warn(c, &p->warnings, "%s is an object, not an array", path);
	} else if (json_object_get_type(v) != json_type_array) {
		warn(c, &p->warnings, v == NULL ? "%s is null" :
		     "%s is not an array (ignored)", path);
		return 0;
	}
	n = single ? 1 : json_object_array_length(v);
	elem_path_init(&dp, path);
	for (size_t i = 0; i < n; i++) {
		json_object *el = single ? v : json_object_array_get_idx(v, i);

		if (parse_element(c, el, single ? path : elem_path(&dp, i), p, &cap) < 0)
			return -1;
	}
	return 0;
}

/* A missing failure total stays unknown: the details' sum is not the
 * total, since RFC 8460 §4 says the failure types are non-exclusive and
 * counts may overlap (so a total unlike that sum is no deviation either). */
static int reconcile(struct ctx *c, const char *base, struct policy *p,
		     enum got fail)
{
	if (fail == GOT_OK)
		return 0;
	p->failed_session_count = REPORT_COUNT_ABSENT;
	warn(c, &p->warnings, "%s.summary.total-failure-session-count %s; "
	     "stored null", base, fail == GOT_NULL ? "is null" : "missing");
	return 0;
}

static int parse_policy(struct ctx *c, json_object *po, size_t i,
			struct policy *p)
{
	char base[PATH_LEN];
	enum got fail = GOT_NONE;

	mkindex(base, "policies", i);
	if (json_object_get_type(po) != json_type_object)
		return err_set(c->e, ERR_INPUT, "%s is not an object", base);
	if (parse_desc(c, po, base, p) < 0 ||
	    parse_summary(c, po, base, p, &fail) < 0 ||
	    parse_details(c, po, base, p) < 0)
		return -1;
	return reconcile(c, base, p, fail);
}

static int parse_policies(struct ctx *c, json_object *root, struct report *r)
{
	json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "policies", &arr) || arr == NULL)
		return err_set(c->e, ERR_INPUT, "missing policies");
	if (json_object_get_type(arr) != json_type_array)
		return err_set(c->e, ERR_INPUT, "policies is not an array");
	n = json_object_array_length(arr);
	if (n == 0)
		return err_set(c->e, ERR_INPUT, "policies is empty");
	if ((r->policies = calloc(n, sizeof *r->policies)) == NULL)
		return err_nomem(c->e);
	for (size_t i = 0; i < n; i++) {
		struct policy *p = &r->policies[i];

		strlist_init(&p->policy_strings);
		strlist_init(&p->mx_host_patterns);
		strlist_init(&p->warnings);
		r->n_policies = i + 1;
		if (parse_policy(c, json_object_array_get_idx(arr, i), i, p) < 0)
			return -1;
	}
	return 0;
}

/* ---- piecewise reading ------------------------------------------------ */

/* What the report's policies member turned out to be. */
enum pols { POLS_MISSING, POLS_NOT_ARRAY, POLS_EMPTY, POLS_SOME };

struct walk {
	struct ctx *c;
	struct jscan s;
	struct report *r;
	size_t cap;            /* policies allocated */
	enum pols pols;
	int failed;            /* a rejection waits in c->e: only read on */
};

/* One policy object while its members go by.  The checks run in the
 * order of parse_policy whatever the order of the members: "policy" and
 * "summary" are kept until both are there or the object ends, and
 * failure-details seen before them are skipped and read again last. */
struct pwalk {
	struct policy *p;      /* NULL when created after a rejection */
	char base[PATH_LEN];   /* "policies[i]" */
	json_object *po;       /* its "policy" and "summary" so far */
	enum got fail;         /* how total-failure-session-count was found */
	int head_done;         /* "policy" and "summary" checked */
	int fd_seen;
	int deferred;
	struct jscan_mark fd_at;
	size_t fd_end;
	size_t cap;            /* details allocated */
};

/* After a check failed: keep reading (a syntax error later in the text
 * still decides the outcome), unless it was ENOMEM. */
static int rejected(struct walk *w)
{
	if (w->c->e->cls == ERR_TEMP)
		return JSCAN_NOMEM;
	w->failed = 1;
	return JSCAN_OK;
}

static int walk_detail(struct walk *w, struct pwalk *pw, struct elem_path *dp,
		       size_t j)
{
	json_object *el;
	int rc = jscan_value(&w->s, &el);

	if (rc != JSCAN_OK)
		return rc;
	if (!w->failed) {
		if (parse_element(w->c, el, elem_path(dp, j), pw->p, &pw->cap) < 0)
			rc = rejected(w);
	}
	json_object_put(el);
	return rc;
}

/* failure-details that are not an array: as parse_details has it. */
static int lone_details(struct walk *w, struct pwalk *pw)
{
	json_object *v, *po;
	int rc = jscan_value(&w->s, &v);

	if (rc != JSCAN_OK || w->failed) {
		json_object_put(v);
		return rc;
	}
	if ((po = json_object_new_object()) == NULL ||
	    json_object_object_add(po, "failure-details", v) < 0) {
		json_object_put(v);
		json_object_put(po);
		return JSCAN_NOMEM;
	}
	if (parse_details(w->c, po, pw->base, pw->p) < 0)
		rc = rejected(w);
	json_object_put(po);
	return rc;
}

static int walk_details(struct walk *w, struct pwalk *pw)
{
	char path[PATH_LEN];
	struct elem_path dp;
	size_t j = 0;
	int rc;

	if (jscan_peek(&w->s) != '[')
		return lone_details(w, pw);
	mkpath(path, pw->base, "failure-details");
	elem_path_init(&dp, path);
	rc = jscan_enter(&w->s);
	while (rc == JSCAN_OK && (rc = jscan_next(&w->s)) == JSCAN_OK)
		rc = walk_detail(w, pw, &dp, j++);
	return rc == JSCAN_END ? JSCAN_OK : rc;
}

static int policy_head(struct walk *w, struct pwalk *pw)
{
	pw->head_done = 1;
	if (w->failed)
		return JSCAN_OK;
	if (parse_desc(w->c, pw->po, pw->base, pw->p) < 0 ||
	    parse_summary(w->c, pw->po, pw->base, pw->p, &pw->fail) < 0)
		return rejected(w);
	return JSCAN_OK;
}

static int has_member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v);
}

static int details_member(struct walk *w, struct pwalk *pw)
{
	int rc;

	if (pw->fd_seen++)
		return JSCAN_ODD;
	if (has_member(pw->po, "policy") && has_member(pw->po, "summary")) {
		rc = policy_head(w, pw);
		return rc != JSCAN_OK ? rc : walk_details(w, pw);
	}
	pw->deferred = 1;
	pw->fd_at = w->s.at;
	rc = jscan_skip(&w->s);
	pw->fd_end = w->s.at.pos;
	return rc;
}

static int policy_member(struct walk *w, struct pwalk *pw,
			 const struct jscan_span *k)
{
	const char *name = jscan_key_is(k, "policy") ? "policy" :
			   jscan_key_is(k, "summary") ? "summary" : NULL;
	json_object *v;
	int rc;

	if (jscan_key_is(k, "failure-details"))
		return details_member(w, pw);
	/* a second one after the checks ran: json-c would keep the last */
	if (name != NULL && pw->head_done)
		return JSCAN_ODD;
	if ((rc = jscan_value(&w->s, &v)) != JSCAN_OK || name == NULL) {
		json_object_put(v);
		return rc;
	}
	if (json_object_object_add(pw->po, name, v) < 0) {
		json_object_put(v);
		return JSCAN_NOMEM;
	}
	return JSCAN_OK;
}

static int policy_end(struct walk *w, struct pwalk *pw)
{
	struct jscan_mark after;
	int rc;

	if (!pw->head_done && (rc = policy_head(w, pw)) != JSCAN_OK)
		return rc;
	if (pw->deferred) {
		after = w->s.at;
		w->s.at = pw->fd_at;
		rc = walk_details(w, pw);
		if (rc == JSCAN_OK && w->s.at.pos != pw->fd_end)
			rc = JSCAN_ODD;
		w->s.at = after;
		if (rc != JSCAN_OK)
			return rc;
	}
	if (!w->failed && reconcile(w->c, pw->base, pw->p, pw->fail) < 0)
		return rejected(w);
	return JSCAN_OK;
}

static struct policy *new_policy(struct walk *w)
{
	struct report *r = w->r;
	struct policy *p;

	if (r->n_policies == w->cap) {
		size_t n = w->cap ? w->cap * 2 : 4, bytes;

		if (size_mul(n, sizeof *p, &bytes) < 0 ||
		    (p = realloc(r->policies, bytes)) == NULL)
			return NULL;
		r->policies = p;
		w->cap = n;
	}
	p = &r->policies[r->n_policies++];
	memset(p, 0, sizeof *p);
	strlist_init(&p->policy_strings);
	strlist_init(&p->mx_host_patterns);
	strlist_init(&p->warnings);
	return p;
}

static int walk_policy(struct walk *w, size_t i)
{
	struct pwalk pw;
	struct jscan_span k;
	json_object *v;
	int rc;

	memset(&pw, 0, sizeof pw);
	pw.fail = GOT_NONE;
	mkindex(pw.base, "policies", i);
	if (!w->failed && (pw.p = new_policy(w)) == NULL)
		return JSCAN_NOMEM;
	if (jscan_peek(&w->s) != '{') {
		rc = jscan_value(&w->s, &v);
		json_object_put(v);
		if (rc == JSCAN_OK && !w->failed) {
			err_set(w->c->e, ERR_INPUT, "%s is not an object", pw.base);
			w->failed = 1;
		}
		return rc;
	}
	if ((pw.po = json_object_new_object()) == NULL)
		return JSCAN_NOMEM;
	rc = jscan_enter(&w->s);
	while (rc == JSCAN_OK && (rc = jscan_key(&w->s, &k)) == JSCAN_OK)
		rc = policy_member(w, &pw, &k);
	if (rc == JSCAN_END)
		rc = policy_end(w, &pw);
	json_object_put(pw.po);
	return rc;
}

static int walk_policies(struct walk *w)
{
	json_object *v;
	size_t i = 0;
	int rc;

	if (jscan_peek(&w->s) != '[') {
		rc = jscan_value(&w->s, &v);
		w->pols = v == NULL ? POLS_MISSING : POLS_NOT_ARRAY;
		json_object_put(v);
		return rc;
	}
	rc = jscan_enter(&w->s);
	while (rc == JSCAN_OK && (rc = jscan_next(&w->s)) == JSCAN_OK)
		rc = walk_policy(w, i++);
	w->pols = i == 0 ? POLS_EMPTY : POLS_SOME;
	return rc == JSCAN_END ? JSCAN_OK : rc;
}

/* Report-level members but policies, kept (the last of each name wins,
 * as in json-c) for parse_head at the end. */
static int head_member(struct walk *w, json_object *head,
		       const struct jscan_span *k)
{
	static const char *const keys[] = {
		"organization-name", "date-range", "contact-info", "report-id", NULL
	};
	json_object *v;
	int rc = jscan_value(&w->s, &v);

	if (rc != JSCAN_OK)
		return rc;
	for (size_t i = 0; keys[i] != NULL; i++) {
		if (!jscan_key_is(k, keys[i]))
			continue;
		if (json_object_object_add(head, keys[i], v) == 0)
			return JSCAN_OK;
		rc = JSCAN_NOMEM;
		break;
	}
	json_object_put(v);
	return rc;
}

/* The report-level checks come first in parse order, so their rejection
 * replaces one found in the policies. */
static int check_head(struct walk *w, json_object *head)
{
	static const char *const why[] = {
		[POLS_MISSING] = "missing policies",
		[POLS_NOT_ARRAY] = "policies is not an array",
		[POLS_EMPTY] = "policies is empty"
	};

	if (parse_head(w->c, head, w->r) < 0)
		return rejected(w);
	if (w->pols != POLS_SOME) {
		err_set(w->c->e, ERR_INPUT, "%s", why[w->pols]);
		w->failed = 1;
	}
	return JSCAN_OK;
}

static int walk_report(struct walk *w)
{
	json_object *head = json_object_new_object();
	struct jscan_span k;
	int rc, pols = 0;

	if (head == NULL)
		return JSCAN_NOMEM;
	rc = jscan_peek(&w->s) == '{' ? jscan_enter(&w->s) : JSCAN_ODD;
	while (rc == JSCAN_OK && (rc = jscan_key(&w->s, &k)) == JSCAN_OK) {
		if (!jscan_key_is(&k, "policies"))
			rc = head_member(w, head, &k);
		else
			rc = pols++ ? JSCAN_ODD : walk_policies(w);
	}
	if (rc == JSCAN_END)
		rc = jscan_done(&w->s);
	if (rc == JSCAN_OK)
		rc = check_head(w, head);
	json_object_put(head);
	return rc;
}

/* ---- JSON text -------------------------------------------------------- */

static int tok_pass(struct ctx *c, const char *p, size_t n, int flags,
		    struct pass *ps)
{
	json_tokener *tok = json_tokener_new_ex(c->depth);

	if (tok == NULL)
		return err_nomem(c->e);
	json_tokener_set_flags(tok, flags);
	ps->o = json_tokener_parse_ex(tok, p, (int)n);
	ps->jerr = json_tokener_get_error(tok);
	ps->end = json_tokener_get_parse_end(tok);
	ps->trailing = 0;
	json_tokener_free(tok);
	if (ps->o == NULL)
		return 0;
	while (ps->end < n && is_ws(p[ps->end]))
		ps->end++;
	if (ps->end < n) {
		json_object_put(ps->o);
		ps->o = NULL;
		ps->trailing = 1;
	}
	return 0;
}

static int json_reason(struct ctx *c, const char *p, size_t n, size_t skip,
		       const struct pass *ps)
{
	size_t i = 0;

	while (i < n && is_ws(p[i]))
		i++;
	if (ps->jerr == json_tokener_error_depth)
		return err_set(c->e, ERR_INPUT, "JSON nesting deeper than %d",
			       c->depth);
	if (ps->trailing)
		return err_set(c->e, ERR_INPUT, "JSON: trailing data at offset %zu",
			       ps->end + skip);
	if (i == n)
		return err_set(c->e, ERR_INPUT, "JSON: empty input");
	/* json-c returns NULL without an error for a top-level null, and
	 * when an allocation failed */
	if (ps->jerr == json_tokener_success && p[i] != 'n')
		return err_nomem(c->e);
	if (ps->jerr == json_tokener_success ||
	    (ps->jerr == json_tokener_continue && p[i] != '{' && p[i] != '['))
		return err_set(c->e, ERR_INPUT,
			       "top-level JSON value is not an object");
	if (ps->jerr == json_tokener_continue)
		return err_set(c->e, ERR_INPUT,
			       "JSON: unexpected end of data at offset %zu",
			       n + skip);
	return err_set(c->e, ERR_INPUT, "JSON: %s at offset %zu",
		       json_tokener_error_desc(ps->jerr), ps->end + skip);
}

/* Checks before any parsing; *skip gets the length of a byte order mark. */
static int json_start(struct ctx *c, const unsigned char *json, size_t n,
		      struct strlist *w, size_t *skip)
{
	const unsigned char *nul;

	*skip = 0;
	if (n > JSON_LEN_MAX)
		return err_set(c->e, ERR_INPUT, "JSON longer than %zu bytes",
			       JSON_LEN_MAX);
	/* json-c stops silently at a NUL byte */
	if ((nul = memchr(json, 0, n)) != NULL)
		return err_set(c->e, ERR_INPUT, "JSON: NUL byte at offset %zu",
			       (size_t)(nul - json));
	if (n >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
		*skip = 3;
		warn(c, w, "JSON starts with a byte order mark");
	}
	return 0;
}

static int too_long(struct ctx *c, const unsigned char *json, size_t n,
		    size_t at);

/* Before a whole-tree parse: json-c would buffer a string of any length,
 * so the one top-level value is delimited first and a string longer than
 * max_string refused (only strings in double quotes are seen: in the
 * single-quoted strings of non-strict JSON a stray '"' could start a false
 * one, which needs max_string bytes before the next '"' to matter). */
static int long_strings(struct ctx *c, const unsigned char *json, size_t n)
{
	struct jscan t;
	int rc;

	if (n <= c->l->max_string)
		return 0;
	jscan_init(&t, (const char *)json, n, c->depth, c->l->max_string);
	rc = jscan_skip(&t);
	jscan_free(&t);
	return rc == JSCAN_LONG ? too_long(c, json, n, t.long_at) : 0;
}

static int parse_json(struct ctx *c, const unsigned char *json, size_t n,
		      struct strlist *w, json_object **root)
{
	const char *p = (const char *)json;
	struct pass st, ns;
	size_t skip;

	if (json_start(c, json, n, w, &skip) < 0 ||
	    long_strings(c, json + skip, n - skip) < 0 ||
	    tok_pass(c, p + skip, n - skip, JSON_TOKENER_STRICT, &st) < 0)
		return -1;
	if ((*root = st.o) != NULL)
		return 0;
	if (st.jerr != json_tokener_error_depth) {
		if (tok_pass(c, p + skip, n - skip, 0, &ns) < 0)
			return -1;
		if ((*root = ns.o) != NULL) {
			warn(c, w, "non-strict JSON accepted");
			return 0;
		}
		if (ns.trailing || ns.jerr == json_tokener_error_depth)
			st = ns;
	}
	return json_reason(c, p + skip, n - skip, skip, &st);
}

/* The original way: one json-c tree of the whole document. */
static int parse_whole(struct ctx *c, const unsigned char *json, size_t n,
		       struct report *r)
{
	json_object *root = NULL;
	int rc = -1;

	if (parse_json(c, json, n, &r->warnings, &root) < 0)
		return -1;
	if (json_object_get_type(root) != json_type_object)
		err_set(c->e, ERR_INPUT, "top-level JSON value is not an object");
	else if (parse_head(c, root, r) == 0 && parse_policies(c, root, r) == 0)
		rc = 0;
	json_object_put(root);
	return rc;
}

/* A member name fit to quote in a reason: printable ASCII, short. */
static int plain_key(const struct jscan_span *k)
{
	if (k->n == 0 || k->n > CLIP_LEN)
		return 0;
	for (size_t i = 0; i < k->n; i++)
		if (k->p[i] < 0x20 || k->p[i] > 0x7e)
			return 0;
	return 1;
}

/* The JSON path of the string at offset `at` of the text, as the checks
 * spell it ("policies[0].failure-details[3].sending-mta-ip"): the
 * containers are walked down by structure to the one member or element
 * holding it.  Stops where the structure gives no name (an escaped or odd
 * member name, the string being a name itself, nesting past the scanner's
 * levels). */
static void locate(const char *p, size_t n, size_t at, char path[PATH_LEN])
{
	struct jscan t;
	struct jscan_span k;
	char name[CLIP_LEN + 1];
	int c, rc;

	path[0] = '\0';
	jscan_init(&t, p, n, INT_MAX, SIZE_MAX);
	while ((c = jscan_peek(&t)) == '{' || c == '[') {
		struct jscan_mark m;
		size_t i;

		if (jscan_enter(&t) != JSCAN_OK)
			break;
		for (i = 0;; i++) {
			rc = c == '{' ? jscan_key(&t, &k) : jscan_next(&t);
			if (rc != JSCAN_OK || at < t.at.pos)
				goto out;
			m = t.at;
			if (jscan_skip(&t) != JSCAN_OK)
				goto out;
			if (at < t.at.pos)
				break;
		}
		if (c == '[') {
			mkindex(path, path, i);
		} else {
			if (!plain_key(&k))
				break;
			memcpy(name, k.p, k.n);
			name[k.n] = '\0';
			mkpath(path, path, name);
		}
		t.at = m;
	}
out:
	jscan_free(&t);
}

/* A string the scanner refused before json-c could buffer it: the
 * rejection clean_str gives one it reads, wherever it is. */
static int too_long(struct ctx *c, const unsigned char *json, size_t n,
		    size_t at)
{
	char path[PATH_LEN];

	locate((const char *)json, n, at, path);
	return err_set(c->e, ERR_INPUT, "string longer than %zu bytes at %s",
		       c->l->max_string, path[0] ? path : "the top level");
}

/* 0 parsed, -1 rejected (c->e), 1 when the whole tree has to decide. */
static int parse_piecewise(struct ctx *c, const unsigned char *json, size_t n,
			   struct report *r)
{
	struct walk w;
	size_t skip;
	int rc;

	if (json_start(c, json, n, &r->warnings, &skip) < 0)
		return -1;
	memset(&w, 0, sizeof w);
	w.c = c;
	w.r = r;
	jscan_init(&w.s, (const char *)json + skip, n - skip, c->depth,
		   c->l->max_string);
	rc = walk_report(&w);
	jscan_free(&w.s);
	if (rc == JSCAN_ODD)
		return 1;
	if (rc == JSCAN_LONG)
		return too_long(c, json + skip, n - skip, w.s.long_at);
	if (rc == JSCAN_NOMEM)
		return err_nomem(c->e);
	return w.failed ? -1 : 0;
}

/* Cleaned copies of the envelope hints, NULL when unusable. */
static int prep_hints(struct ctx *c, const struct report_hints *h)
{
	const char *from;
	size_t n;

	if (h == NULL || h->report_domain == NULL)
		return 0;
	n = strlen(h->report_domain);
	if (n == 0 || n > c->l->max_string)
		return 0;
	from = h->report_domain_from != NULL ? h->report_domain_from : "hint";
	c->hint = utf8_clean_dup((const unsigned char *)h->report_domain, n,
				 NULL);
	c->hint_from = utf8_clean_dup((const unsigned char *)from,
				      strnlen(from, CLIP_LEN), NULL);
	if (c->hint == NULL || c->hint_from == NULL)
		return err_nomem(c->e);
	if (strlen(c->hint) > c->l->max_string) {
		free(c->hint);
		c->hint = NULL;
	}
	return 0;
}

/* A fresh report with its string pool. */
static int report_start(struct ctx *c, struct report *r)
{
	report_init(r);
	r->pool = c->pool = pool_new();
	memset(c->ips, 0, sizeof c->ips);
	c->nomem = 0;
	err_clear(c->e);
	return r->pool == NULL ? err_nomem(c->e) : 0;
}

/* sliced: the piecewise reading first, the whole tree only for what it
 * declines (report_parse); else the whole tree alone (report_parse_tree). */
static int parse_report(const unsigned char *json, size_t n, const struct limits *l,
			const struct report_hints *hints, struct report *out,
			struct err *e, int sliced)
{
	struct err pe;   /* ours until the end: the piecewise try may fail */
	struct ctx c;
	int rc = -1;

	memset(&c, 0, sizeof c);
	c.l = l;
	c.e = &pe;
	c.depth = l->max_json_depth > 0 ? l->max_json_depth : 1;

	if (report_start(&c, out) < 0 || prep_hints(&c, hints) < 0)
		goto out;
	rc = sliced ? parse_piecewise(&c, json, n, out) : 1;
	if (rc == 1) {
		report_free(out);
		if ((rc = report_start(&c, out)) == 0)
			rc = parse_whole(&c, json, n, out);
	}
	if (rc == 0 && c.nomem)
		rc = err_nomem(&pe);
out:
	free(c.hint);
	free(c.hint_from);
	if (rc == 0)
		return 0;
	report_free(out);
	if (e != NULL)
		*e = pe;
	return -1;
}

int report_parse(const unsigned char *json, size_t n, const struct limits *l,
		 const struct report_hints *hints, struct report *out,
		 struct err *e)
{
	return parse_report(json, n, l, hints, out, e, 1);
}

int report_parse_tree(const unsigned char *json, size_t n,
		      const struct limits *l, const struct report_hints *hints,
		      struct report *out, struct err *e)
{
	return parse_report(json, n, l, hints, out, e, 0);
}

void report_init(struct report *r)
{
	memset(r, 0, sizeof *r);
	r->organization_name = NULL;
	r->contact_info = NULL;
	r->report_id = NULL;
	r->policies = NULL;
	strlist_init(&r->warnings);
}

/* A parsed report's detail strings belong to its pool. */
static void policy_free(struct policy *p, int pooled)
{
	free(p->policy_type);
	free(p->policy_domain);
	strlist_free(&p->policy_strings);
	strlist_free(&p->mx_host_patterns);
	strlist_free(&p->warnings);
	for (size_t i = 0; i < p->n_details && !pooled; i++) {
		struct failure_detail *d = &p->details[i];

		free(d->result_type);
		free(d->sending_mta_ip);
		free(d->receiving_ip);
		free(d->receiving_mx_hostname);
		free(d->receiving_mx_helo);
		free(d->additional_info_uri);
		free(d->failure_reason_code);
	}
	free(p->details);
}

void report_free(struct report *r)
{
	free(r->organization_name);
	free(r->contact_info);
	free(r->report_id);
	for (size_t i = 0; i < r->n_policies; i++)
		policy_free(&r->policies[i], r->pool != NULL);
	free(r->policies);
	strlist_free(&r->warnings);
	pool_free(r->pool);
	report_init(r);
}
