/* Structural JSON scanner (see jsonscan.h for the contract).
 *
 * It mirrors json-c 0.16's strict grammar only where it reads bytes
 * itself: whitespace is exactly " \t\n\r" (no comments), member names are
 * double-quoted, a comma must be followed by another member or element,
 * and a container at depth d may hold members only while d + 1 < max_depth
 * (json-c checks the parent's depth before each child).  A value is
 * delimited by structure alone (strings and their escapes, nesting) and
 * json-c parses exactly that slice, with a tokener whose depth budget is
 * max_depth - d, so json-c's own checks apply unchanged and it never reads
 * past the slice.  While delimiting, the scanner sees each string's length
 * and refuses a slice holding one too long before json-c buffers it.
 *
 * An object (a failure detail, most of the text) is first handed to
 * json-c as it stands, with at most max_string bytes: json-c finds its end
 * itself, and no string in so short a slice can be too long (a string's
 * text is never shorter than the string).  Whatever else comes of that
 * (a longer object, an error) is delimited and parsed as above, which
 * decides it exactly as before. */
#include <limits.h>
#include <string.h>

#include "jsonscan.h"
#include "word.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && is_ws(p[i]))
		i++;
	return i;
}

/* json-c 0.16 makes, switches to and frees a "C" LC_NUMERIC locale in
 * every json_tokener_parse_ex, one call per delimited value.  With the
 * thread already in the C locale that costs next to nothing (glibc hands
 * back its static C locale object), so the scanner switches once. */
void jscan_init(struct jscan *s, const char *p, size_t n, int max_depth,
		size_t max_string)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->n = n;
	s->max_depth = max_depth > 0 ? max_depth : 1;
	s->max_string = max_string;
	s->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (s->c_locale != (locale_t)0)
		s->old_locale = uselocale(s->c_locale);
}

void jscan_reuse(struct jscan *s, const char *p, size_t n)
{
	s->p = p;
	s->n = n;
	memset(&s->at, 0, sizeof s->at);
}

void jscan_free(struct jscan *s)
{
	for (int i = 0; i <= JSCAN_LEVELS; i++) {
		if (s->tok[i] != NULL)
			json_tokener_free(s->tok[i]);
		s->tok[i] = NULL;
	}
	if (s->c_locale != (locale_t)0) {
		uselocale(s->old_locale);
		freelocale(s->c_locale);
		s->c_locale = (locale_t)0;
	}
}

int jscan_peek(struct jscan *s)
{
	s->at.pos = skip_ws(s->p, s->n, s->at.pos);
	return s->at.pos < s->n ? (unsigned char)s->p[s->at.pos] : -1;
}

int jscan_enter(struct jscan *s)
{
	struct jscan_mark *m = &s->at;
	int c = jscan_peek(s);

	if ((c != '{' && c != '[') || m->level >= JSCAN_LEVELS)
		return JSCAN_ODD;
	m->close[m->level] = c == '{' ? '}' : ']';
	m->seen[m->level] = 0;
	m->level++;
	m->pos++;
	return JSCAN_OK;
}

/* Before the next member or element of the innermost container, which
 * must close with `close`: the separator, or the end of the container. */
static int item(struct jscan *s, char close)
{
	struct jscan_mark *m = &s->at;
	int c;

	if (m->level == 0 || m->close[m->level - 1] != close)
		return JSCAN_ODD;
	c = jscan_peek(s);
	if (c == close) {
		m->pos++;
		m->level--;
		return JSCAN_END;
	}
	if (m->seen[m->level - 1]) {
		if (c != ',')
			return JSCAN_ODD;
		m->pos++;
		c = jscan_peek(s);
		if (c == close)         /* strict: no trailing comma */
			return JSCAN_ODD;
	}
	if (c < 0 || m->level >= s->max_depth)
		return JSCAN_ODD;
	m->seen[m->level - 1] = 1;
	return JSCAN_OK;
}

/* The first byte a or b in p[i..n), or n.  Eight bytes a step: member
 * names and values are most of the text, and too short for memchr to pay
 * for its call. */
static size_t first_of(const char *p, size_t n, size_t i, char a, char b)
{
	uint64_t v, hit;

	for (; i + 8 <= n; i += 8) {
		v = word_at(p + i);
		if ((hit = word_has(v, (unsigned char)a) | word_has(v, (unsigned char)b)) == 0)
			continue;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* the lowest flagged byte is a true match */
		return i + (size_t)__builtin_ctzll(hit) / 8;
#else
		break;
#endif
	}
	while (i < n && p[i] != a && p[i] != b)
		i++;
	return i;
}

/* p[*i] is '"': a string without escapes; *i moves past its end. */
static int plain_string(const char *p, size_t n, size_t *i,
			struct jscan_span *out)
{
	size_t j = first_of(p, n, *i + 1, '"', '\\');

	if (j == n || p[j] != '"')
		return -1;
	out->p = p + *i + 1;
	out->n = j - *i - 1;
	*i = j + 1;
	return 0;
}

int jscan_key(struct jscan *s, struct jscan_span *key)
{
	int rc = item(s, '}');
	size_t start;

	if (rc != JSCAN_OK)
		return rc;
	start = s->at.pos;
	if (s->p[start] != '"' || plain_string(s->p, s->n, &s->at.pos, key) < 0)
		return JSCAN_ODD;
	if (key->n > s->max_string) {
		s->long_at = start;
		return JSCAN_LONG;
	}
	if (jscan_peek(s) != ':')
		return JSCAN_ODD;
	s->at.pos++;
	return JSCAN_OK;
}

int jscan_next(struct jscan *s)
{
	return item(s, ']');
}

static json_tokener *tokener(struct jscan *s, int level)
{
	json_tokener *tok = s->tok[level];

	if (tok != NULL) {
		json_tokener_reset(tok);
		return tok;
	}
	tok = json_tokener_new_ex(s->max_depth - level);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	s->tok[level] = tok;
	return tok;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* p[i] is '"': the index of its closing quote, or n.  *esc gets the
 * bytes its escapes save when decoded (5 for \uXXXX, 1 for the others:
 * at most one less than they take), counted only when the string is
 * longer than `over`: so the decoded string is at least (length - *esc)
 * bytes long. */
static size_t string_end(const char *p, size_t n, size_t i, size_t over,
			 size_t *esc)
{
	size_t start = i + 1;

	*esc = 0;
	for (i++; i < n; i++) {
		size_t k;

		if ((i = first_of(p, n, i, '"', '"')) == n)
			return n;
		/* escaped if an odd number of backslashes precede it */
		for (k = i; k > start && p[k - 1] == '\\'; k--)
			;
		if ((i - k) % 2 == 0)
			break;
	}
	if (i >= n || i - start <= over)
		return i;
	for (size_t j = start; j < i; j++) {
		if (p[j] != '\\')
			continue;
		if (i - j >= 6 && p[j + 1] == 'u' && is_hex(p[j + 2]) &&
		    is_hex(p[j + 3]) && is_hex(p[j + 4]) && is_hex(p[j + 5])) {
			*esc += 5;
			j += 5;
		} else {
			*esc += 1;
			j++;
		}
	}
	return i;
}

/* The value at s->at.pos by structure only: its length in *len.  A
 * string whose decoded form must be longer than s->max_string makes it
 * JSCAN_LONG with s->long_at on that string's opening quote. */
static int delimit(struct jscan *s, size_t *len)
{
	const char *p = s->p;
	size_t n = s->n, i = s->at.pos, depth = 0, esc, end;
	char c = i < n ? p[i] : 0;

	if (c != '"' && c != '{' && c != '[') {
		while (i < n && !is_ws(p[i]) && p[i] != ',' && p[i] != '}' &&
		       p[i] != ']')
			i++;
		*len = i - s->at.pos;
		return *len > 0 ? JSCAN_OK : JSCAN_ODD;
	}
	for (; i < n; i++) {
		if (p[i] == '"') {
			end = string_end(p, n, i, s->max_string, &esc);
			if (end < n && end - i - 1 - esc > s->max_string) {
				s->long_at = i;
				return JSCAN_LONG;
			}
			i = end;
			if (depth == 0)
				break;
		} else if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if ((p[i] == '}' || p[i] == ']') && --depth == 0) {
			break;
		}
	}
	if (i >= n)
		return JSCAN_ODD;
	*len = i + 1 - s->at.pos;
	return JSCAN_OK;
}

/* json-c on exactly the slice p[0..len): one whole value (*out, NULL
 * for null) and 0, or -1.  A number or literal at the very end waits for
 * more input, so a NUL ends it, as at the end of a C string. */
static int parse_slice(json_tokener *tok, const char *p, size_t len,
		       json_object **out)
{
	json_object *o = json_tokener_parse_ex(tok, p, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);

	if (err == json_tokener_continue &&
	    json_tokener_get_parse_end(tok) == len) {
		o = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
	} else if (err == json_tokener_success &&
		   json_tokener_get_parse_end(tok) != len) {
		err = json_tokener_error_parse_eof;
	}
	if (err != json_tokener_success) {
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

/* The object at pos as json-c reads it to its end on its own, within
 * max_string bytes: 1 with *out and its length *len, else 0 (tok reset). */
static int object_as_is(struct jscan *s, json_tokener *tok, size_t pos,
			json_object **out, size_t *len)
{
	size_t room = s->n - pos, cap = room < s->max_string ? room : s->max_string;
	json_object *o;

	if (cap > INT_MAX)
		cap = INT_MAX;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	o = json_tokener_parse_ex(tok, s->p + pos, (int)cap);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		json_tokener_reset(tok);
		return 0;
	}
	*out = o;
	*len = json_tokener_get_parse_end(tok);
	return 1;
}

int jscan_value(struct jscan *s, json_object **out)
{
	int c = jscan_peek(s), rc;
	size_t pos = s->at.pos, len;
	json_tokener *tok;

	*out = NULL;
	if (c < 0 || s->at.level >= s->max_depth)
		return JSCAN_ODD;
	if (c == '{') {
		if ((tok = tokener(s, s->at.level)) == NULL)
			return JSCAN_NOMEM;
		if (object_as_is(s, tok, pos, out, &len)) {
			s->at.pos = skip_ws(s->p, s->n, pos + len);
			return JSCAN_OK;
		}
	}
	if ((rc = delimit(s, &len)) != JSCAN_OK)
		return rc;
	if (len > INT_MAX)
		return JSCAN_ODD;
	if ((tok = tokener(s, s->at.level)) == NULL)
		return JSCAN_NOMEM;
	if (parse_slice(tok, s->p + pos, len, out) < 0)
		return JSCAN_ODD;
	/* json-c answers NULL without an error for null, and when it could
	 * not allocate */
	if (*out == NULL && c != 'n')
		return JSCAN_NOMEM;
	s->at.pos = skip_ws(s->p, s->n, pos + len);
	return JSCAN_OK;
}

int jscan_skip(struct jscan *s)
{
	size_t len;
	int rc;

	if (jscan_peek(s) < 0)
		return JSCAN_ODD;
	if ((rc = delimit(s, &len)) != JSCAN_OK)
		return rc;
	s->at.pos = skip_ws(s->p, s->n, s->at.pos + len);
	return JSCAN_OK;
}

int jscan_done(struct jscan *s)
{
	return s->at.level == 0 && jscan_peek(s) < 0 ? JSCAN_OK : JSCAN_ODD;
}

int jscan_key_is(const struct jscan_span *key, const char *lit)
{
	size_t n = strlen(lit);

	return key->n == n && memcmp(key->p, lit, n) == 0;
}
