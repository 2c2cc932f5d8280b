/* Spool line reader for tlsrpt-summary; see sumread.h.  Lines that fit
 * inside one read chunk are parsed in place; only a line spanning chunks
 * is copied, into one buffer reused for the whole run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jsonscan.h"
#include "dedup.h"
#include "sumdate.h"
#include "sumread.h"
#include "util.h"

#define CHUNK (64u << 10)
#define JSON_DEPTH 16
/* json_tokener_parse_ex takes an int length (<limits.h> is shadowed by
 * src/limits.h on our include path, hence no INT_MAX) */
#define MAX_INT_LEN ((size_t)0x7fffffff)

/* A set of 64-bit hashes (0 never stored): open addressing. */
struct hset {
	uint64_t *v;
	size_t cap, n;             /* cap a power of 2 (or 0) */
};

/* One record of a day with conflicting copies, noted in pass 1. */
struct copy {
	uint64_t id, content;
	int aligned;               /* dkim: an aligned pass */
};

struct sum_read {
	struct json_tokener *tok;
	struct jscan scan;         /* finds the used members of a line */
	struct buf used;           /* ... copied here */
	size_t max_line;
	struct buf line;           /* a line spanning chunks */
	int discarding;            /* inside a line known to be too long */
	const char *needle;        /* parse only lines holding it (or NULL) */
	size_t needle_len;
	struct sum_detail *det;
	size_t det_cap;
	const char **warn;
	size_t warn_cap;
	struct buf policy;         /* sum_rec.policy */
	struct hset seen;          /* content hashes of this day's records */
	struct hset ids;           /* their identities (report and policy) */
	struct hset drop;          /* contents left out: a conflicting copy
				    * without an aligned DKIM pass */
	long seen_day;             /* the day the three sets belong to */
	struct copy *copies;       /* pass 1 of a file with conflicts */
	size_t ncopies, copies_cap;
	int collecting;            /* in pass 1: note copies, hand on nothing */
	int two_pass;              /* sum_read_conflicts */
	char chunk[CHUNK];
};

struct sum_read *sum_read_new(size_t max_line, struct err *e)
{
	struct sum_read *r = calloc(1, sizeof *r);

	if (r == NULL) {
		err_nomem(e);
		return NULL;
	}
	r->tok = json_tokener_new_ex(JSON_DEPTH);
	if (r->tok == NULL) {
		free(r);
		err_nomem(e);
		return NULL;
	}
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	jscan_init(&r->scan, "", 0, JSON_DEPTH, SIZE_MAX);
	r->max_line = max_line < MAX_INT_LEN ? max_line : MAX_INT_LEN;
	r->seen_day = -1;
	buf_init(&r->line);
	buf_init(&r->policy);
	buf_init(&r->used);
	return r;
}

void sum_read_free(struct sum_read *r)
{
	if (r == NULL)
		return;
	json_tokener_free(r->tok);
	jscan_free(&r->scan);
	buf_free(&r->used);
	buf_free(&r->line);
	buf_free(&r->policy);
	free(r->det);
	free(r->warn);
	free(r->seen.v);
	free(r->ids.v);
	free(r->drop.v);
	free(r->copies);
	free(r);
}

/* String value, or NULL for null/missing; any other type sets *bad. */
static const char *opt_str(struct json_object *o, const char *key, int *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	if (json_object_get_type(v) != json_type_string) {
		*bad = 1;
		return NULL;
	}
	return json_object_get_string(v);
}

/* Non-negative integer; null/missing gives 0 unless required. */
static uint64_t get_count(struct json_object *o, const char *key, int required, int *bad)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		*bad |= required;
		return 0;
	}
	if (json_object_get_type(v) != json_type_int) {
		*bad = 1;
		return 0;
	}
	n = json_object_get_int64(v);
	if (n < 0) {
		*bad = 1;
		return 0;
	}
	return (uint64_t)n;
}

/* Array value (NULL for null/missing); another type sets *bad. */
static struct json_object *opt_array(struct json_object *o, const char *key, int *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	if (json_object_get_type(v) != json_type_array) {
		*bad = 1;
		return NULL;
	}
	return v;
}

/* The value of the STS "mode:" line, as one of our own constants. */
static const char *find_mode(struct json_object *strings)
{
	static const char *const modes[] = { "enforce", "testing", "none" };
	size_t n = strings ? json_object_array_length(strings) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(strings, i);
		const char *p;

		if (json_object_get_type(s) != json_type_string)
			continue;
		p = json_object_get_string(s);
		if (strncmp(p, "mode", 4) != 0)
			continue;
		p += 4;
		p += strspn(p, " \t");
		if (*p++ != ':')
			continue;
		p += strspn(p, " \t");
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
			size_t len = strlen(modes[m]);

			if (strncmp(p, modes[m], len) == 0 && p[len + strspn(p + len, " \t\r")] == '\0')
				return modes[m];
		}
		return NULL;
	}
	return NULL;
}

/* "mode X; mx: a, b" from an STS policy's strings (what a policy
 * change is made of), in r->policy; NULL when there is nothing. */
static const char *policy_of(struct sum_read *r, struct json_object *strings, const char *mode)
{
	size_t n = strings ? json_object_array_length(strings) : 0, nmx = 0;
	int bad = 0;

	buf_reset(&r->policy);
	bad |= buf_appendf(&r->policy, "mode %s", mode ? mode : "(none)") < 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(strings, i);
		const char *p;

		if (json_object_get_type(s) != json_type_string)
			continue;
		p = json_object_get_string(s);
		if (strncmp(p, "mx", 2) != 0 || p[2 + strspn(p + 2, " \t")] != ':')
			continue;
		p += 2 + strspn(p + 2, " \t") + 1;
		p += strspn(p, " \t");
		bad |= buf_append_str(&r->policy, nmx++ ? ", " : "; mx: ") < 0;
		bad |= buf_append(&r->policy, p, strcspn(p, " \t\r")) < 0;
	}
	if (bad || buf_reserve(&r->policy, 0) < 0)
		return NULL;
	return (const char *)r->policy.p;
}

static int reserve(void *pp, size_t *cap, size_t need, size_t elem)
{
	void *np;
	size_t bytes;

	if (need <= *cap)
		return 0;
	if (size_mul(need, elem, &bytes) < 0)
		return -1;
	np = realloc(*(void **)pp, bytes);
	if (np == NULL)
		return -1;
	*(void **)pp = np;
	*cap = need;
	return 0;
}

/* failure_details[] -> r->det.  -1 ENOMEM, 1 invalid, 0 fine. */
static int get_details(struct sum_read *r, struct json_object *arr, size_t *count)
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	int bad = 0;

	*count = 0;
	if (reserve(&r->det, &r->det_cap, n, sizeof *r->det) < 0)
		return -1;
	for (size_t i = 0; i < n && !bad; i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);
		struct sum_detail *o = &r->det[i];

		if (json_object_get_type(d) != json_type_object)
			return 1;
		o->result_type = opt_str(d, "result_type", &bad);
		if (o->result_type == NULL)
			o->result_type = "(missing)";
		o->sessions = get_count(d, "failed_session_count", 0, &bad);
		o->sending_ip = opt_str(d, "sending_mta_ip", &bad);
		o->receiving_ip = opt_str(d, "receiving_ip", &bad);
		o->receiving_mx = opt_str(d, "receiving_mx_hostname", &bad);
		o->reason = opt_str(d, "failure_reason_code", &bad);
		o->info_uri = opt_str(d, "additional_info_uri", &bad);
	}
	*count = n;
	return bad;
}

static int get_warnings(struct sum_read *r, struct json_object *arr, size_t *count)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	*count = 0;
	if (reserve(&r->warn, &r->warn_cap, n, sizeof *r->warn) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *w = json_object_array_get_idx(arr, i);

		r->warn[i] = json_object_get_type(w) == json_type_string ?
			json_object_get_string(w) : "(not a string)";
	}
	*count = n;
	return 0;
}

/* 1 if the key is there with the value null (the report gave nothing). */
static int is_null_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v == NULL;
}

/* Fill rec from one parsed line.  -1 ENOMEM, 1 not a record, 2 a record
 * whose report gave no policy domain (no group to count it in: a domain
 * "" would be made up), 0 fine.  A failure total the report did not give
 * (null) counts as 0. */
static int extract(struct sum_read *r, struct json_object *o, struct sum_rec *rec)
{
	int bad = 0, rc;

	if (json_object_get_type(o) != json_type_object)
		return 1;
	memset(rec, 0, sizeof *rec);
	rec->org = opt_str(o, "organization_name", &bad);
	rec->domain = opt_str(o, "policy_domain", &bad);
	rec->policy_type = opt_str(o, "policy_type", &bad);
	rec->success = get_count(o, "successful_session_count", 1, &bad);
	rec->failed = get_count(o, "failed_session_count",
				!is_null_member(o, "failed_session_count"), &bad);
	rec->mode = find_mode(opt_array(o, "policy_strings", &bad));
	if (rec->policy_type != NULL && strcmp(rec->policy_type, "sts") == 0)
		rec->policy = policy_of(r, opt_array(o, "policy_strings", &bad), rec->mode);
	if (bad || rec->policy_type == NULL || rec->policy_type[0] == '\0')
		return 1;
	if (rec->domain == NULL)
		return is_null_member(o, "policy_domain") ? 2 : 1;
	rc = get_details(r, opt_array(o, "failure_details", &bad), &rec->ndetails);
	if (rc != 0)
		return rc;
	rec->details = r->det;
	if (get_warnings(r, opt_array(o, "warnings", &bad), &rec->nwarnings) < 0)
		return -1;
	rec->warnings = r->warn;
	return bad;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define SEEN_MIN ((size_t)1024)

/* The length goes in first so that ("ab","c") and ("a","bc") differ. */
static uint64_t hash_field(uint64_t h, const char *p)
{
	size_t n = p ? strlen(p) : (size_t)-1;

	for (size_t i = 0; i < sizeof n; i++)
		h = (h ^ ((n >> (8 * i)) & 0xff)) * FNV_PRIME;
	for (size_t i = 0; p != NULL && i < n; i++)
		h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
	return h;
}

/* A member's value into the hash without serializing it (json-c's
 * printbuf per value was a seventh of the run time): strings and arrays
 * of strings, the shapes tlsrpt-lda writes, directly, each behind a type
 * byte; anything else as its JSON text. */
static uint64_t hash_value(uint64_t h, struct json_object *v)
{
	if (v == NULL)
		return (h ^ 'n') * FNV_PRIME;
	if (json_object_is_type(v, json_type_string))
		return hash_field((h ^ 's') * FNV_PRIME, json_object_get_string(v));
	return hash_field((h ^ 'j') * FNV_PRIME, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static uint64_t hash_member(uint64_t h, struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	size_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return hash_value(h, v);
	n = json_object_array_length(v);
	h = hash_field((h ^ 'a') * FNV_PRIME, NULL);
	for (size_t i = 0; i < n; i++)
		h = hash_value(h, json_object_array_get_idx(v, i));
	return (h ^ ']') * FNV_PRIME;
}

/* Identity: who reported which policy in which report.  0 when the
 * record has no report_id (never a duplicate nor a conflict). */
static uint64_t record_id(struct json_object *o, const struct sum_rec *rec)
{
	static const char *const keys[] = { "report_id", "begin_date", "policy_strings",
					    "mx_host_patterns" };
	struct json_object *id;
	uint64_t h = FNV_OFFSET;

	if (!json_object_object_get_ex(o, "report_id", &id) || !json_object_is_type(id, json_type_string))
		return 0;
	h = hash_field(h, rec->org);
	h = hash_field(h, rec->domain);
	h = hash_field(h, rec->policy_type);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		h = hash_member(h, o, keys[i]);
	return h ? h : 1;
}

/* Content: the line up to what a delivery adds, as tlsrpt-lda's
 * duplicate index sees it (dedup_content_hash), so copies of one report
 * from several hosts or deliveries are one. */
static uint64_t record_content(const char *p, size_t n, uint64_t id)
{
	const char *end = memmem(p, n, DEDUP_CUT, sizeof DEDUP_CUT - 1);
	uint64_t h = FNV_OFFSET ^ id;

	if (end != NULL)
		n = (size_t)(end - p);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
	return h ? h : 1;
}

static int aligned_pass(struct json_object *o)
{
	struct json_object *d, *v;

	return json_object_object_get_ex(o, "dkim", &d) && json_object_is_type(d, json_type_object) &&
	       json_object_object_get_ex(d, "result", &v) && json_object_is_type(v, json_type_string) &&
	       strcmp(json_object_get_string(v), "pass") == 0 &&
	       json_object_object_get_ex(d, "aligned", &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static int hset_grow(struct hset *s)
{
	size_t cap = s->cap ? s->cap * 2 : SEEN_MIN;
	uint64_t *old = s->v, *t = calloc(cap, sizeof *t);

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j = (size_t)old[i] & (cap - 1);

		if (old[i] == 0)
			continue;
		while (t[j] != 0)
			j = (j + 1) & (cap - 1);
		t[j] = old[i];
	}
	free(old);
	s->v = t;
	s->cap = cap;
	return 0;
}

/* 1 when h is in the set, else 0 (and added when add), -1 ENOMEM. */
static int hset_check(struct hset *s, uint64_t h, int add)
{
	size_t j;

	if (s->cap == 0 && !add)
		return 0;
	if (add && (s->n + 1) * 2 > s->cap && hset_grow(s) < 0)
		return -1;
	j = (size_t)h & (s->cap - 1);
	for (; s->v[j] != 0; j = (j + 1) & (s->cap - 1))
		if (s->v[j] == h)
			return 1;
	if (add) {
		s->v[j] = h;
		s->n++;
	}
	return 0;
}

static void hset_reset(struct hset *s)
{
	if (s->n > 0)
		memset(s->v, 0, s->cap * sizeof *s->v);
	s->n = 0;
}

/* Is the record handed on?  1: no (an identical copy was seen, or a
 * conflicting copy left out, both counted), 0: yes (a copy in conflict
 * with an earlier one counted), -1 ENOMEM. */
static int already_seen(struct sum_read *r, struct json_object *o, const struct sum_rec *rec,
			const char *p, size_t n, struct sum_read_stats *st)
{
	uint64_t id = record_id(o, rec), content;
	int rc;

	if (id == 0)
		return 0;
	content = record_content(p, n, id);
	if ((rc = hset_check(&r->drop, content, 0)) != 0) {
		if (rc > 0 && st->conflicts_dropped++ == 0 && st->example[0] == '\0') {
			struct json_object *v = NULL;

			json_object_object_get_ex(o, "report_id", &v);
			snprintf(st->example, sizeof st->example, "\"%.60s\" %.80s", rec->org ? rec->org : "",
				 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		}
		return rc;
	}
	if ((rc = hset_check(&r->seen, content, 1)) != 0) {
		st->duplicates += rc > 0;
		return rc;
	}
	if ((rc = hset_check(&r->ids, id, 1)) < 0)
		return -1;
	st->conflicts += (uint64_t)rc;
	return 0;
}

/* Pass 1 of a day with conflicts: note the record's copy. */
static int note_copy(struct sum_read *r, struct json_object *o, const struct sum_rec *rec,
		     const char *p, size_t n)
{
	uint64_t id = record_id(o, rec);

	if (id == 0)
		return 0;
	if (reserve(&r->copies, &r->copies_cap, r->ncopies + 1 + r->ncopies / 2, sizeof *r->copies) < 0)
		return -1;
	r->copies[r->ncopies].id = id;
	r->copies[r->ncopies].content = record_content(p, n, id);
	r->copies[r->ncopies].aligned = aligned_pass(o);
	r->ncopies++;
	return 0;
}

static int by_copy(const void *a, const void *b)
{
	const struct copy *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->content != y->content)
		return x->content < y->content ? -1 : 1;
	return y->aligned - x->aligned;   /* an aligned copy of a content first */
}

/* After pass 1: where one report's policy has copies of different
 * content and some, not all, of those contents came with an aligned
 * DKIM pass, the others are left out. */
static int choose_copies(struct sum_read *r)
{
	qsort(r->copies, r->ncopies, sizeof *r->copies, by_copy);
	for (size_t i = 0, j; i < r->ncopies; i = j) {
		size_t aligned = 0, contents = 0;

		for (j = i; j < r->ncopies && r->copies[j].id == r->copies[i].id; j++)
			if (j == i || r->copies[j].content != r->copies[j - 1].content) {
				contents++;
				aligned += r->copies[j].aligned != 0;
			}
		if (aligned == 0 || aligned == contents)
			continue;
		for (size_t k = i; k < j; k++)
			if ((k == i || r->copies[k].content != r->copies[k - 1].content) &&
			    !r->copies[k].aligned && hset_check(&r->drop, r->copies[k].content, 1) < 0)
				return -1;
	}
	r->ncopies = 0;
	return 0;
}

/* The members extract and record_hash read. */
static const struct {
	const char *name;
	size_t len;
} used_keys[] = {
#define K(s) { s, sizeof s - 1 }
	K("organization_name"), K("policy_domain"), K("policy_type"), K("policy_strings"),
	K("mx_host_patterns"), K("successful_session_count"), K("failed_session_count"),
	K("failure_details"), K("warnings"), K("report_id"), K("begin_date")
#undef K
};

static int is_used(const struct jscan_span *key)
{
	for (size_t k = 0; k < sizeof used_keys / sizeof used_keys[0]; k++)
		if (key->n == used_keys[k].len && memcmp(key->p, used_keys[k].name, key->n) == 0)
			return 1;
	return 0;
}

/* A line cut down to its used members, parsed by json-c in one go: the
 * structural scanner (jsonscan) finds where each member's value begins
 * and ends, the used ones are copied as written into r->used, and the
 * others (contact_info, message_id, dkim, ...) are stepped over, checked
 * for structure only.  Half the bytes, no 20-member object: the whole
 * line's tree was two thirds of the run time.  *out NULL: not read this
 * way (not an object, an escaped member name, a NUL byte, a syntax or
 * UTF-8 error ...): parse the whole line for json-c's own verdict.
 * -1 on ENOMEM. */
static int parse_used(struct sum_read *r, const char *p, size_t n, struct json_object **out)
{
	struct jscan *s = &r->scan;
	struct jscan_span key;
	struct buf *u = &r->used;
	int rc, bad = 0;

	*out = NULL;
	if (memchr(p, '\0', n) != NULL)
		return 0;
	jscan_reuse(s, p, n);
	if (jscan_enter(s) != JSCAN_OK)
		return 0;
	buf_reset(u);
	bad |= buf_append_byte(u, '{') < 0;
	while ((rc = jscan_key(s, &key)) == JSCAN_OK) {
		size_t start = s->at.pos;

		if ((rc = jscan_skip(s)) != JSCAN_OK)
			break;
		if (!is_used(&key))
			continue;
		bad |= (u->n > 1 && buf_append_byte(u, ',') < 0) || buf_append_byte(u, '"') < 0 ||
			buf_append(u, key.p, key.n) < 0 || buf_append(u, "\":", 2) < 0 ||
			buf_append(u, p + start, s->at.pos - start) < 0;
	}
	if (rc == JSCAN_END)
		rc = jscan_done(s);
	bad |= buf_append_byte(u, '}') < 0;
	if (bad)
		return -1;
	if (rc != JSCAN_OK || u->n > MAX_INT_LEN)
		return 0;
	json_tokener_reset(r->tok);
	*out = json_tokener_parse_ex(r->tok, (const char *)u->p, (int)u->n);
	if (*out != NULL && json_tokener_get_parse_end(r->tok) != u->n) {
		json_object_put(*out);
		*out = NULL;
	}
	return 0;
}

void sum_read_require(struct sum_read *r, const char *needle)
{
	r->needle = needle;
	r->needle_len = needle ? strlen(needle) : 0;
}

int sum_read_line(struct sum_read *r, const char *p, size_t n, long day,
		  sum_rec_fn fn, void *arg, struct sum_read_stats *st, struct err *e)
{
	struct json_object *o;
	struct sum_rec rec;
	int rc;

	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	st->lines++;
	if (n > r->max_line) {
		st->skipped++;
		return 0;
	}
	if (r->needle != NULL && memmem(p, n, r->needle, r->needle_len) == NULL) {
		st->filtered++;
		return 0;
	}
	/* pass 1 of a day with conflicts reads dkim, which the cut-down line
	 * leaves out: it parses the whole line (such days are rare) */
	o = NULL;
	if (!r->collecting && parse_used(r, p, n, &o) < 0)
		return err_nomem(e);
	if (o == NULL) {
		json_tokener_reset(r->tok);
		o = json_tokener_parse_ex(r->tok, p, (int)n);
		if (o == NULL || json_tokener_get_parse_end(r->tok) != n) {
			json_object_put(o);
			st->skipped++;
			return 0;
		}
	}
	rc = extract(r, o, &rec);
	if (rc == 2) {
		st->no_domain++;
	} else if (rc > 0) {
		st->skipped++;
	} else if (rc == 0 && r->collecting) {
		rc = note_copy(r, o, &rec, p, n) < 0 ? -1 : 1;
	} else if (rc == 0) {
		rc = already_seen(r, o, &rec, p, n, st);
	}
	if (rc == 0) {
		st->records++;
		rc = fn(arg, day, &rec, e);
	} else if (rc > 0) {
		rc = 0;
	} else {
		rc = err_nomem(e);
	}
	json_object_put(o);
	return rc;
}

/* Split one chunk into lines; the tail without "\n" waits in r->line. */
static int feed(struct sum_read *r, const char *p, size_t n, long day, sum_rec_fn fn,
		void *arg, struct sum_read_stats *st, struct err *e)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;

		if (r->discarding) {
			r->discarding = nl == NULL;
		} else if (r->line.n + seg > r->max_line) {
			st->lines++;
			st->skipped++;
			buf_reset(&r->line);
			r->discarding = nl == NULL;
		} else if (nl != NULL && r->line.n == 0) {
			if (sum_read_line(r, p, seg, day, fn, arg, st, e) < 0)
				return -1;
		} else if (buf_append(&r->line, p, seg) < 0) {
			return err_nomem(e);
		} else if (nl != NULL) {
			int rc = sum_read_line(r, (char *)r->line.p, r->line.n, day, fn, arg, st, e);

			buf_reset(&r->line);
			if (rc < 0)
				return -1;
		}
		if (nl == NULL)
			break;
		n -= seg + 1;
		p = nl + 1;
	}
	return 0;
}

static int read_pass(struct sum_read *r, int fd, long day, sum_rec_fn fn, void *arg,
		     struct sum_read_stats *st, struct err *e)
{
	int rc = 0;

	buf_reset(&r->line);
	r->discarding = 0;
	for (;;) {
		ssize_t got = read(fd, r->chunk, sizeof r->chunk);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(e, ERR_TEMP, "read: %s", strerror(errno));
		if (got == 0)
			break;
		if (feed(r, r->chunk, (size_t)got, day, fn, arg, st, e) < 0)
			return -1;
	}
	if (!r->discarding && r->line.n > 0)
		rc = sum_read_line(r, (char *)r->line.p, r->line.n, day, fn, arg, st, e);
	buf_reset(&r->line);
	return rc;
}

void sum_read_conflicts(struct sum_read *r, int on)
{
	r->two_pass = on;
}

int sum_read_fd(struct sum_read *r, int fd, long day, sum_rec_fn fn, void *arg,
		struct sum_read_stats *st, struct err *e)
{
	struct sum_read_stats pass1;
	int rc;

	if (day != r->seen_day) {   /* the files of one day share the sets */
		hset_reset(&r->seen);
		hset_reset(&r->ids);
		hset_reset(&r->drop);
		r->seen_day = day;
	}
	r->ncopies = 0;
	if (r->two_pass) {
		/* pass 1 only notes copies: its counts are not the file's */
		memset(&pass1, 0, sizeof pass1);
		r->collecting = 1;
		rc = read_pass(r, fd, day, fn, arg, &pass1, e);
		r->collecting = 0;
		if (rc < 0)
			return -1;
		if (choose_copies(r) < 0)
			return err_nomem(e);
		if (lseek(fd, 0, SEEK_SET) < 0)
			return err_set(e, ERR_TEMP, "seek: %s", strerror(errno));
	}
	return read_pass(r, fd, day, fn, arg, st, e);
}

/* Does <day>.idx beside the daily file flag a copy stored in conflict
 * with another (spool.h)?  A missing or unreadable index says no. */
static int day_has_conflict(int dirfd, const char *daily)
{
	char name[SUM_DATE_LEN + sizeof ".idx"];
	unsigned char *ent;
	ssize_t got;
	int fd, found = 0;

	memcpy(name, daily, SUM_DATE_LEN);
	memcpy(name + SUM_DATE_LEN, ".idx", sizeof ".idx");
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	while (!found) {
		unsigned char chunk[2048 * DEDUP_ENTRY_LEN];

		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (ent = chunk; ent + DEDUP_ENTRY_LEN <= chunk + got; ent += DEDUP_ENTRY_LEN)
			found |= ent[DEDUP_ENTRY_FLAGS] & DEDUP_FLAG_CONFLICT;
	}
	close(fd);
	return found;
}

int sum_read_day(struct sum_read *r, int dirfd, long day, sum_rec_fn fn, void *arg,
		 struct sum_read_stats *st, struct err *e)
{
	char name[SUM_DATE_LEN + sizeof ".jsonl"];
	struct stat sb;
	int fd, rc;

	sum_date_format(day, name);
	memcpy(name + SUM_DATE_LEN, ".jsonl", sizeof ".jsonl");
	/* O_NONBLOCK: a FIFO planted in the spool must not hang us */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_CONFIG, "open %s: %s", name, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, ERR_CONFIG, "%s: not a regular file", name);
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	sum_read_conflicts(r, day_has_conflict(dirfd, name));
	rc = sum_read_fd(r, fd, day, fn, arg, st, e);
	sum_read_conflicts(r, 0);
	close(fd);
	if (rc < 0 && e != NULL && e->cls == ERR_TEMP) {
		char why[ERR_REASON_MAX];

		memcpy(why, e->reason, sizeof why);
		err_set(e, ERR_TEMP, "%s: %s", name, why);
	}
	return rc < 0 ? -1 : 1;
}

int sum_read_quarantine(int dirfd, unsigned long *count, struct err *e)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	*count = 0;
	fd = openat(dirfd, "quarantine/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_CONFIG, "open quarantine/new: %s", strerror(errno));
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return err_set(e, ERR_TEMP, "open quarantine/new: %s", strerror(errno));
	}
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			(*count)++;
	closedir(dir);
	return 0;
}
