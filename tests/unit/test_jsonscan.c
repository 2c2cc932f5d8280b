/* Unit tests for jsonscan.c: exact member names, values and positions;
 * JSCAN_ODD for everything json-c strict rejects or the scanner leaves to
 * a whole-tree parse; JSCAN_LONG for a string over the limit; and a
 * differential test: for generated and mutated documents, reading
 * piecewise (containers by hand down to some level, then json-c on each
 * delimited slice, or jscan_skip + re-read) is
 * accepted exactly when json-c strict accepts the whole document with the
 * same depth limit, and rebuilds the same tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "../tap.h"

enum mode { M_VALUE, M_SKIP };

/* A private copy without a terminating NUL, so ASan sees any over-read. */
static char *dup_exact(const char *s, size_t n)
{
	char *d = malloc(n ? n : 1);

	memcpy(d, s, n);
	return d;
}

/* One leaf value in the given mode. */
static int leaf(struct jscan *s, enum mode mode, json_object **out)
{
	struct jscan_mark start;
	size_t end;
	int rc;

	if (mode != M_SKIP)
		return jscan_value(s, out);
	start = s->at;
	if ((rc = jscan_skip(s)) != JSCAN_OK)
		return rc;
	end = s->at.pos;
	s->at = start;
	rc = jscan_value(s, out);
	if (rc == JSCAN_OK && s->at.pos != end) {
		json_object_put(*out);
		*out = NULL;
		return JSCAN_ODD;
	}
	return rc;
}

/* The value at pos: containers by hand while shallower than `hand`. */
static int walk(struct jscan *s, int hand, enum mode mode, json_object **out)
{
	int c = jscan_peek(s), rc;

	*out = NULL;
	if ((c != '{' && c != '[') || s->at.level >= hand)
		return leaf(s, mode, out);
	if ((rc = jscan_enter(s)) != JSCAN_OK)
		return rc;
	*out = c == '{' ? json_object_new_object() : json_object_new_array();
	for (;;) {
		struct jscan_span k;
		json_object *v;
		char *name;

		rc = c == '{' ? jscan_key(s, &k) : jscan_next(s);
		if (rc == JSCAN_END)
			return JSCAN_OK;
		if (rc == JSCAN_OK)
			rc = walk(s, hand, mode, &v);
		if (rc != JSCAN_OK) {
			json_object_put(*out);
			*out = NULL;
			return rc;
		}
		if (c == '[') {
			json_object_array_add(*out, v);
			continue;
		}
		name = strndup(k.p, k.n);
		json_object_object_add(*out, name, v);
		free(name);
	}
}

/* Piecewise read: NULL when not accepted, else the serialized tree. */
static char *scan_doc(const char *doc, size_t n, int depth, int hand,
		      enum mode mode)
{
	char *p = dup_exact(doc, n), *res = NULL;
	struct jscan s;
	json_object *o = NULL;

	jscan_init(&s, p, n, depth, SIZE_MAX);
	if (walk(&s, hand, mode, &o) == JSCAN_OK && jscan_done(&s) == JSCAN_OK)
		res = strdup(o == NULL ? "null" : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	jscan_free(&s);
	free(p);
	return res;
}

/* Whole-tree strict parse, as report.c does; the end of the text ends a
 * top-level number or literal, as the end of a C string would. */
static char *tree_doc(const char *doc, size_t n, int depth)
{
	json_tokener *tok = json_tokener_new_ex(depth);
	json_object *o;
	char *res = NULL;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, doc, (int)n);
	if (json_tokener_get_error(tok) == json_tokener_continue &&
	    json_tokener_get_parse_end(tok) == n)
		o = json_tokener_parse_ex(tok, "", 1);
	if (json_tokener_get_error(tok) == json_tokener_success)
		res = strdup(o == NULL ? "null" : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	json_tokener_free(tok);
	return res;
}

/* 1 if some member name is escaped or single-quoted (json-c strict takes
 * both): the scanner leaves those documents to the whole-tree parse. */
static int odd_names(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1;
		int esc = 0;

		if (p[i] == '\'')
			return 1;
		if (p[i] != '"')
			continue;
		for (; j < n && p[j] != '"'; j++)
			if (p[j] == '\\') {
				esc = 1;
				j++;
			}
		for (i = j + 1; i < n && (p[i] == ' ' || p[i] == '\t' ||
					  p[i] == '\n' || p[i] == '\r'); i++)
			;
		if (esc && i < n && p[i] == ':')
			return 1;
		i--;
	}
	return 0;
}

/* Scanner results: accepted, or declined where that is allowed. */
static int accepted_total, declined_total;

/* 1 if every way of reading doc agrees with the whole-tree parse: the
 * same tree, or JSCAN_ODD (the caller then parses the whole tree). */
static int agrees(const char *doc, size_t n, int depth, char *why, size_t whyn)
{
	char *want = tree_doc(doc, n, depth);
	int same = 1;

	for (int hand = 0; hand <= 4 && same; hand++) {
		for (int mode = M_VALUE; mode <= M_SKIP && same; mode++) {
			char *got = scan_doc(doc, n, depth, hand, (enum mode)mode);
			int declined = got == NULL && want != NULL && hand > 0 &&
				       odd_names(doc, n);

			same = (got == NULL && want == NULL) || declined ||
			       (got != NULL && want != NULL && strcmp(got, want) == 0);
			accepted_total += got != NULL;
			declined_total += declined;
			if (!same)
				snprintf(why, whyn, "depth %d hand %d mode %d: got %s want %s",
					 depth, hand, mode, got ? got : "(rejected)",
					 want ? want : "(rejected)");
			free(got);
		}
	}
	free(want);
	return same;
}

static void test_fixed_docs(void)
{
	static const char *const docs[] = {
		"{}", "[]", " {} ", "{\"a\":1}", "{\"a\":1,}", "[1,]", "[,1]", "{,}",
		"{\"a\":1 \"b\":2}", "[1 2]", "{'a':1}", "{\"a\":'b'}", "{a:1}",
		"{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1} \n\t\r", "{\v\"a\":1}",
		"{\"a\":1/*c*/}", "{\"a\":[1,{\"b\":[2,[3,[4]]]}],\"c\":{\"d\":{}}}",
		"{\"\\u0061\":1}", "{\"a\\\"b\":1}", "{\"a\":\"x\\\"y\\\\\"}",
		"{\"a\":\"\\u00e9\\ud83d\\ude00\"}", "{\"a\":01}", "{\"a\":-0}",
		"{\"a\":1.5e3,\"b\":-2,\"c\":1E-2}", "{\"a\":NaN}", "{\"a\":Infinity}",
		"{\"a\":-Infinity}", "{\"a\":nan}", "{\"a\":True}", "{\"a\":nul}",
		"{\"a\":null,\"b\":true,\"c\":false}", "{\"a\":1,\"a\":[2],\"a\":3}",
		"{\"a\":18446744073709551616}", "{\"a\":999999999999999999}",
		"{\"a\":1000000000000000000}", "{\"a\":\"tab\there\"}",
		"{\"a\":\"\x01\x1f\"}", "{\"\x01\":1}", "{\"a\":[{}]}", "{\"a\":[[]]}",
		"{\"a\":1", "{\"a\":", "{\"a\"", "{\"a", "{", "[", "", " ", "1", "\"s\"",
		"null", "[1]", "{\"a\":1e}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":[1,2,3,4]}",
		"{\"a\":{\"b\":1,\"c\":\"d\"},\"e\":[{\"f\":null}]}",
		"{\"\xff\xfe\":\"\xc3\x28\"}", "{\"a\":tru}", "{\"a\":truex}",
		"{\"a\":1,\"b\":[]}", "{ \"a\" : { \"b\" : [ 1 , 2 ] } }",
	};
	char why[512];

	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		int all = 1;
		char what[160];

		for (int depth = 1; depth <= 6 && all; depth++)
			all = agrees(docs[i], strlen(docs[i]), depth, why, sizeof why);
		snprintf(what, sizeof what, "agrees with json-c strict: %.100s", docs[i]);
		ok(all, what);
		if (!all)
			printf("#   %s\n", why);
	}
}

/* Small deterministic generator of JSON, sometimes mutated. */
static uint64_t rng_state = 8460;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void gen_ws(char **o)
{
	static const char ws[] = "  \t\n\r";

	while (rnd(4) == 0)
		*(*o)++ = ws[rnd(5)];
}

static void gen_str(char **o)
{
	static const char *const parts[] = {
		"a", "b", "key", "\\\"", "\\\\", "\\n", "\\u0041", "\\ud83d\\ude00",
		"\xc3\xa9", "-", " ", ",", "}", "]", ":"
	};

	*(*o)++ = '"';
	for (unsigned k = rnd(4); k > 0; k--) {
		const char *p = parts[rnd(sizeof parts / sizeof parts[0])];

		memcpy(*o, p, strlen(p));
		*o += strlen(p);
	}
	*(*o)++ = '"';
}

/* Member names: mostly plain, as in reports; sometimes anything. */
static void gen_key(char **o)
{
	static const char *const names[] = {
		"\"policies\"", "\"a\"", "\"result-type\"", "\"\"", "\"\xc3\xa9\""
	};
	const char *p;

	if (rnd(10) == 0) {
		gen_str(o);
		return;
	}
	p = names[rnd(sizeof names / sizeof names[0])];
	memcpy(*o, p, strlen(p));
	*o += strlen(p);
}

static void gen_value(char **o, int depth)
{
	static const char *const scalars[] = {
		"0", "1", "42", "-3", "1.5", "2e9", "true", "false", "null",
		"123456789012345678", "1234567890123456789", "07"
	};
	unsigned k = depth > 5 ? 2 + rnd(2) : rnd(4);

	gen_ws(o);
	if (k < 2) {
		char open = k == 0 ? '{' : '[';
		unsigned n = rnd(4);

		*(*o)++ = open;
		gen_ws(o);
		for (unsigned i = 0; i < n; i++) {
			if (i > 0)
				*(*o)++ = ',';
			if (open == '{') {
				gen_ws(o);
				gen_key(o);
				gen_ws(o);
				*(*o)++ = ':';
			}
			gen_value(o, depth + 1);
		}
		*(*o)++ = open == '{' ? '}' : ']';
	} else if (k == 2) {
		gen_str(o);
	} else {
		const char *p = scalars[rnd(sizeof scalars / sizeof scalars[0])];

		memcpy(*o, p, strlen(p));
		*o += strlen(p);
	}
	gen_ws(o);
}

static void test_generated(void)
{
	static const char mut[] = "{}[],:\"\\ntfe-.01 /'\t\vxIN";
	char doc[1 << 16], why[512];
	int bad = 0, accepted = 0, total = 0;

	for (int round = 0; round < 1500 && bad < 3; round++) {
		char *o = doc;
		size_t n;

		*o++ = '{';
		for (unsigned i = 0, m = rnd(4); i < m; i++) {
			if (i > 0)
				*o++ = ',';
			gen_key(&o);
			*o++ = ':';
			gen_value(&o, 1);
		}
		*o++ = '}';
		n = (size_t)(o - doc);
		/* half the documents get one to three byte edits */
		for (unsigned k = rnd(2) ? 1 + rnd(3) : 0; k > 0 && n > 1; k--) {
			size_t at = rnd((unsigned)n);

			switch (rnd(3)) {
			case 0: memmove(doc + at, doc + at + 1, n - at - 1); n--; break;
			case 1: memmove(doc + at + 1, doc + at, n - at); n++; doc[at] = mut[rnd(sizeof mut - 1)]; break;
			default: doc[at] = mut[rnd(sizeof mut - 1)];
			}
		}
		for (int depth = 1; depth <= 6; depth++) {
			total++;
			if (!agrees(doc, n, depth, why, sizeof why)) {
				bad++;
				printf("# disagree on %.*s\n#   %s\n", (int)n, doc, why);
				break;
			}
			if (depth == 6) {
				char *t = tree_doc(doc, n, depth);

				accepted += t != NULL;
				free(t);
			}
		}
	}
	ok(bad == 0, "generated documents: piecewise reading agrees with json-c strict");
	ok(accepted > 300 && accepted < 1200, "the generator made both valid and invalid documents");
	ok(accepted_total > 20 * declined_total, "the scanner seldom declines a valid document");
	printf("# %d checks, %d valid documents, %d scans accepted, %d declined\n",
	       total, accepted, accepted_total, declined_total);
}

static void test_walk_positions(void)
{
	const char *doc = " { \"org\" : \"A\\\"B\" , \"list\": [ 1 , {\"x\":null} ,\"s\"] ,\"n\":null}  ";
	size_t n = strlen(doc);
	char *p = dup_exact(doc, n);
	struct jscan s;
	struct jscan_span k;
	json_object *v;

	jscan_init(&s, p, n, 64, SIZE_MAX);
	is_int(jscan_enter(&s), JSCAN_OK, "enter the top object");
	is_int(s.at.level, 1, "one container open");
	is_int(jscan_key(&s, &k), JSCAN_OK, "first member");
	is_mem(k.p, k.n, "org", 3, "its name, as a span");
	is_int(jscan_value(&s, &v), JSCAN_OK, "json-c reads the escaped string");
	is_str(json_object_get_string(v), "A\"B", "unescaped by json-c");
	json_object_put(v);
	is_int(jscan_key(&s, &k), JSCAN_OK, "second member");
	ok(jscan_key_is(&k, "list") && !jscan_key_is(&k, "lis") && !jscan_key_is(&k, "lists"),
	   "jscan_key_is compares the whole name");
	is_int(jscan_enter(&s), JSCAN_OK, "enter the array");
	is_int(jscan_next(&s), JSCAN_OK, "element 0");
	is_int(jscan_value(&s, &v), JSCAN_OK, "a number");
	is_int(json_object_get_int(v), 1, "its value");
	json_object_put(v);
	is_int(jscan_next(&s), JSCAN_OK, "element 1");
	is_int(jscan_skip(&s), JSCAN_OK, "skipped");
	is_int(jscan_next(&s), JSCAN_OK, "element 2");
	is_int(jscan_skip(&s), JSCAN_OK, "string skipped");
	is_int(jscan_next(&s), JSCAN_END, "end of the array");
	is_int(s.at.level, 1, "back in the object");
	is_int(jscan_key(&s, &k), JSCAN_OK, "third member");
	is_int(jscan_value(&s, &v), JSCAN_OK, "null is JSCAN_OK");
	ok(v == NULL, "with no object");
	is_int(jscan_key(&s, &k), JSCAN_END, "end of the object");
	is_int(jscan_done(&s), JSCAN_OK, "only whitespace left");
	is_int(jscan_key(&s, &k), JSCAN_ODD, "no container open: odd");
	jscan_free(&s);
	free(p);
}

/* One value read with max_string 4: rc and, for JSCAN_LONG, where. */
static int read_limited(const char *doc, size_t *at)
{
	size_t n = strlen(doc);
	char *p = dup_exact(doc, n);
	struct jscan s;
	json_object *v = NULL;
	int rc;

	jscan_init(&s, p, n, 64, 4);
	rc = jscan_value(&s, &v);
	*at = s.long_at;
	json_object_put(v);
	jscan_free(&s);
	free(p);
	return rc;
}

static void test_long_strings(void)
{
	size_t at;

	is_int(read_limited("[\"abcd\",{\"abcd\":\"\"}]", &at), JSCAN_OK,
	       "4 bytes: within the limit");
	is_int(read_limited("[\"abcd\",{\"x\":\"abcde\"}]", &at), JSCAN_LONG,
	       "5 bytes in a nested value: refused");
	is_int(at, 13, "long_at: its opening quote");
	is_int(read_limited("{\"abcde\":1}", &at), JSCAN_LONG, "a member name too");
	is_int(read_limited("\"\\u0041\\u00e9\\n\\\\\"", &at), JSCAN_OK,
	       "escapes count as what they decode to at least (4)");
	is_int(read_limited("\"\\u0041\\u0041\\n\\\\a\"", &at), JSCAN_LONG,
	       "5 decoded: refused");
	is_int(read_limited("\"\\\\\\\\\\\\\\\\\\\\\"", &at), JSCAN_LONG,
	       "five escaped backslashes");
	is_int(read_limited("\"\\u1xyz\"", &at), JSCAN_LONG,
	       "a \\u without four hex digits saves 1 byte, not 5");
	is_int(read_limited("[\"abcde", &at), JSCAN_ODD,
	       "unterminated: left to json-c's error");
}

/* The first element of s's array, read as {"a":"x","b":[1,2]}, and the
 * scanner after it and the blank that follows (at 21). */
static void first_object(struct jscan *s, const char *how)
{
	json_object *v = NULL;
	char d[96];

	snprintf(d, sizeof d, "%s: into the array, element 0", how);
	ok(jscan_enter(s) == JSCAN_OK && jscan_next(s) == JSCAN_OK, d);
	snprintf(d, sizeof d, "%s: read", how);
	is_int(jscan_value(s, &v), JSCAN_OK, d);
	snprintf(d, sizeof d, "%s: its value", how);
	is_str(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(none)",
	       "{\"a\":\"x\",\"b\":[1,2]}", d);
	json_object_put(v);
	snprintf(d, sizeof d, "%s: after it and the blank", how);
	is_int((int)s->at.pos, 21, d);
}

/* An object json-c ends itself (within max_string bytes) or, when
 * longer, the scanner delimits: the same value and position either way. */
static void test_objects_as_is(void)
{
	static const char doc[] = "[{\"a\":\"x\",\"b\":[1,2]} ,{\"long\":\"abcdefgh\",\"n\":12345678}\t,{\"a\":1 ]";
	size_t n = sizeof doc - 1;
	char *p = dup_exact(doc, n);
	struct jscan s;
	json_object *v;

	jscan_init(&s, p, n, 64, 16);
	first_object(&s, "a 19-byte object, more than max_string 16, delimited");
	jscan_free(&s);
	jscan_init(&s, p, n, 64, 64);
	first_object(&s, "max_string 64: json-c ends the object itself");
	is_int(jscan_next(&s), JSCAN_OK, "element 1");
	is_int(jscan_value(&s, &v), JSCAN_OK, "the second object");
	is_int(json_object_get_int(json_object_object_get(v, "n")), 12345678, "its number, ended by '}'");
	json_object_put(v);
	is_int(jscan_next(&s), JSCAN_OK, "after the tab and the comma: element 2");
	is_int(jscan_value(&s, &v), JSCAN_ODD, "an object closed by ']': odd, as delimiting finds");
	jscan_free(&s);
	free(p);
}

static void test_depth(void)
{
	/* depth 2: the top object may hold scalars and empty containers */
	const char *doc = "{\"a\":{\"b\":1}}";
	size_t n = strlen(doc);
	char *p = dup_exact(doc, n);
	struct jscan s;
	struct jscan_span k;
	json_object *v;

	jscan_init(&s, p, n, 2, SIZE_MAX);
	jscan_enter(&s);
	is_int(jscan_key(&s, &k), JSCAN_OK, "depth 2: member of the top object");
	is_int(jscan_value(&s, &v), JSCAN_ODD, "json-c: nesting too deep");
	jscan_free(&s);
	jscan_init(&s, p, n, 1, SIZE_MAX);
	jscan_enter(&s);
	is_int(jscan_key(&s, &k), JSCAN_ODD, "depth 1: no members at all");
	jscan_free(&s);
	jscan_init(&s, p, n, 0, SIZE_MAX);
	is_int(s.max_depth, 1, "depth below 1 counts as 1");
	jscan_free(&s);
	free(p);
}

static void test_skip(void)
{
	const char *doc = "[\"a\\\\\",\"b\\\"]\", {\"c\":[\"]\",{}]}, 12e3 ,true]";
	size_t n = strlen(doc);
	char *p = dup_exact(doc, n);
	struct jscan s;
	size_t ends[4];
	int k = 0;

	jscan_init(&s, p, n, 64, SIZE_MAX);
	jscan_enter(&s);
	while (k < 4 && jscan_next(&s) == JSCAN_OK && jscan_skip(&s) == JSCAN_OK)
		ends[k++] = s.at.pos;
	is_int(k, 4, "four elements skipped");
	is_int(ends[0], 6, "string ending in an escaped backslash");
	is_int(ends[1], 13, "string holding an escaped quote and a bracket");
	is_int(ends[2], 29, "nested containers with a bracket in a string");
	is_int(ends[3], 36, "a number and the blank after it");
	is_int(jscan_next(&s), JSCAN_OK, "last element");
	is_int(jscan_skip(&s), JSCAN_OK, "literal");
	is_int(jscan_next(&s), JSCAN_END, "end");
	jscan_free(&s);
	free(p);
	p = dup_exact("[\"abc", 5);
	jscan_init(&s, p, 5, 64, SIZE_MAX);
	jscan_enter(&s);
	jscan_next(&s);
	is_int(jscan_skip(&s), JSCAN_ODD, "unterminated string");
	jscan_free(&s);
	free(p);
}

int main(void)
{
	test_walk_positions();
	test_long_strings();
	test_objects_as_is();
	test_depth();
	test_skip();
	test_fixed_docs();
	test_generated();
	return tap_done();
}
