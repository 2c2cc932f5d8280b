/* Unit tests for util.c: buffers, lists, checked arithmetic, UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "util.h"

static void test_buf(void)
{
	struct buf b;

	buf_init(&b);
	ok(buf_append(&b, "abc", 3) == 0, "append");
	ok(buf_append_str(&b, "def") == 0 && buf_append_byte(&b, 'g') == 0, "append str and byte");
	is_str((char *)b.p, "abcdefg", "contents NUL-terminated");
	is_int(b.n, 7, "length excludes NUL");
	ok(buf_reserve(&b, SIZE_MAX) < 0, "reserve overflow refused");
	buf_reset(&b);
	is_int(b.n, 0, "reset");
	buf_free(&b);
	char *s = buf_steal(&b);
	is_str(s, "", "steal of empty buffer is an empty string");
	free(s);
}

/* buf_appendf has no length cap (the printers it replaced cut at 511). */
static void test_appendf(void)
{
	struct buf b;
	char big[2000];

	buf_init(&b);
	ok(buf_appendf(&b, "%s=%d", "n", 42) == 0, "appendf");
	ok(buf_appendf(&b, ";%05.1f", 2.25) == 0, "appendf again");
	is_str((char *)b.p, "n=42;002.2", "appendf appends, NUL-terminated");
	is_int(b.n, 10, "appendf length");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_reset(&b);
	ok(buf_appendf(&b, "<%s>", big) == 0, "appendf of 2001 bytes");
	is_int(b.n, 2001, "nothing cut");
	ok(b.p[0] == '<' && b.p[1999] == 'x' && b.p[2000] == '>' && b.p[2001] == '\0', "ends intact");
	buf_free(&b);
}

/* A buffer grown to megabytes keeps its contents, byte for byte. */
static void test_grow_big(void)
{
	struct buf b;
	unsigned char chunk[4096];
	size_t want = ((size_t)8 << 20) + 123, bad = 0;

	buf_init(&b);
	while (b.n < want && bad == 0) {
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (unsigned char)((b.n + i) * 7 % 251);
		if (buf_append(&b, chunk, want - b.n < sizeof chunk ? want - b.n : sizeof chunk) < 0)
			bad = 1;
	}
	for (size_t i = 0; i < b.n && bad == 0; i++)
		if (b.p[i] != (unsigned char)(i * 7 % 251))
			bad = i + 1;
	ok(bad == 0 && b.n == want && b.p[b.n] == '\0',
	   "buffer grown to 8 MiB keeps its bytes and its NUL");
	ok(b.cap >= want, "big buffer capacity");
	buf_free(&b);
}

static void test_strlist(void)
{
	struct strlist l;

	strlist_init(&l);
	for (int i = 0; i < 10; i++)
		strlist_addf(&l, "w%d", i);
	is_int(l.n, 10, "ten entries");
	is_str(l.v[9], "w9", "formatted entry");
	ok(strlist_contains(&l, "w3") && !strlist_contains(&l, "w10"), "contains");
	strlist_addn(&l, "abcdef", 2);
	is_str(l.v[10], "ab", "addn copies n bytes");
	strlist_free(&l);
}

static void test_arith(void)
{
	size_t out = 7;

	ok(size_add(SIZE_MAX, 1, &out) < 0 && out == 7, "add overflow");
	ok(size_add(2, 3, &out) == 0 && out == 5, "add");
	ok(size_mul(SIZE_MAX / 2 + 1, 2, &out) < 0, "mul overflow");
	ok(size_mul(0, SIZE_MAX, &out) == 0 && out == 0, "mul by zero");
}

static void test_span(void)
{
	const unsigned char *s = (const unsigned char *)"Content-Type";

	ok(span_ieq(s, 12, "content-type"), "ieq");
	ok(!span_ieq(s, 11, "content-type"), "ieq length");
	ok(span_iprefix(s, 12, "CONTENT"), "prefix");
	ok(span_isuffix(s, 12, "-TYPE"), "suffix");
	ok(!span_isuffix(s, 3, "-TYPE"), "suffix longer than span");
}

static void test_utf8(void)
{
	const unsigned char good[] = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
	const unsigned char overlong[] = { 0xc0, 0xaf };
	const unsigned char surrogate[] = { 0xed, 0xa0, 0x80 };
	const unsigned char mixed[] = { 'a', 0xff, 'b', 0, 'c', 0xe2, 0x82 };
	long r = -1;
	char *c;

	ok(utf8_valid(good, sizeof good - 1), "valid UTF-8");
	ok(!utf8_valid(overlong, 2), "overlong refused");
	ok(!utf8_valid(surrogate, 3), "surrogate refused");
	c = utf8_clean_dup(mixed, sizeof mixed, &r);
	is_str(c, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd", "invalid bytes and NUL replaced");
	is_int(r, 4, "replacement count");
	free(c);
}

/* the escapes of JSON strings: what record.c and sumjson.c write */
static void test_json_esc(void)
{
	char e[7];

	is_int((long)util_json_esc('a', e), 0, "json: a letter stands for itself");
	is_int((long)util_json_esc(0x7f, e), 0, "json: DEL stands for itself");
	is_int((long)util_json_esc(0xc3, e), 0, "json: a UTF-8 byte stands for itself");
	ok(util_json_esc('"', e) == 2 && strcmp(e, "\\\"") == 0, "json: quote");
	ok(util_json_esc('\\', e) == 2 && strcmp(e, "\\\\") == 0, "json: backslash");
	ok(util_json_esc('\n', e) == 2 && strcmp(e, "\\n") == 0, "json: newline");
	ok(util_json_esc('\t', e) == 2 && strcmp(e, "\\t") == 0, "json: tab");
	ok(util_json_esc(0x01, e) == 6 && strcmp(e, "\\u0001") == 0, "json: 0x01 as \\u0001");
	ok(util_json_esc(0x1f, e) == 6 && strcmp(e, "\\u001f") == 0, "json: 0x1f as \\u001f");
	ok(util_json_esc('/', e) == 0, "json: a slash is not escaped (NOSLASHESCAPE)");
}

int main(void)
{
	test_json_esc();
	test_buf();
	test_appendf();
	test_grow_big();
	test_strlist();
	test_arith();
	test_span();
	test_utf8();
	return tap_done();
}
