/* Authentication-Results (RFC 8601 §2.2) -> dkim results.
 *
 *   value := [CFWS] authserv-id [CFWS version] *( ";" resinfo ) / ";" "none"
 *   resinfo := method[/version] "=" result [reason=value] *(ptype.property=pvalue)
 *
 * A small scanner over the raw span: whitespace, fold CR/LF and nested
 * "(comments)" are skipped anywhere between tokens, quoted strings keep
 * their backslash escapes' characters.  Only the authserv-id decides
 * whether the field is read at all; after that every resinfo is parsed on
 * its own and anything malformed is skipped up to the next ';' outside
 * quotes and comments, so one odd clause (a vendor extension, a broken
 * comment) never hides the dkim result beside it.  Everything is copied
 * into fixed arrays: the field is hostile input and nothing here needs to
 * outlive it. */
#include <string.h>

#include "authres.h"

struct lex {
	const unsigned char *p;
	size_t n, i;
};

/* Bounded copy: bytes past cap - 1 set `over` instead of being kept. */
struct sink {
	char *p;
	size_t cap, n;
	int over;
};

static int is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int peek(const struct lex *x)
{
	return x->i < x->n ? x->p[x->i] : -1;
}

static void put(struct sink *s, unsigned char c)
{
	if (s->n + 1 < s->cap)
		s->p[s->n++] = (char)c;
	else
		s->over = 1;
}

/* Whitespace and comments; a comment may nest and escape with '\'.  An
 * unclosed comment runs to the end of the value. */
static void skip_cfws(struct lex *x)
{
	size_t depth = 0;

	while (x->i < x->n) {
		unsigned char c = x->p[x->i];

		if (depth > 0 && c == '\\' && x->i + 1 < x->n) {
			x->i += 2;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !is_wsp(c))
			return;
		x->i++;
	}
}

/* x at '"': the quoted string's content into s (fold CR/LF dropped). */
static void quoted(struct lex *x, struct sink *s)
{
	x->i++;
	while (x->i < x->n) {
		unsigned char c = x->p[x->i++];

		if (c == '"')
			return;
		if (c == '\\' && x->i < x->n)
			c = x->p[x->i++];
		else if (c == '\r' || c == '\n')
			continue;
		put(s, c);
	}
}

static int value_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != '(' && c != ')' && c != ';' && c != '"';
}

/* A quoted string or an unquoted run (tokens, "@domain", base64 with '='
 * and '/').  Returns its length, or -1 when empty or longer than cap - 1
 * (consumed either way).  out may be NULL with cap 0 to skip a value. */
static long value(struct lex *x, char *out, size_t cap)
{
	struct sink s = { out, cap, 0, 0 };

	if (peek(x) == '"')
		quoted(x, &s);
	else
		while (x->i < x->n && value_char(x->p[x->i]))
			put(&s, x->p[x->i++]);
	if (out != NULL && cap > 0)
		out[s.n] = '\0';
	return s.n == 0 || s.over ? -1 : (long)s.n;
}

/* RFC 5321 Keyword (letters, digits, '-'; '_' tolerated), lowercased. */
static long keyword(struct lex *x, char *out, size_t cap)
{
	struct sink s = { out, cap, 0, 0 };

	while (x->i < x->n) {
		unsigned char c = x->p[x->i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			break;
		put(&s, lower(c));
		x->i++;
	}
	out[s.n] = '\0';
	return s.n == 0 || s.over ? -1 : (long)s.n;
}

/* Up to the next ';' outside quotes and comments (not consumed). */
static void skip_clause(struct lex *x)
{
	while (x->i < x->n && x->p[x->i] != ';') {
		if (x->p[x->i] == '"')
			value(x, NULL, 0);
		else if (x->p[x->i] == '(')
			skip_cfws(x);
		else
			x->i++;
	}
}

static int ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int authres_is_domain(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_') || ++label > 63)
			return 0;
	}
	return label > 0;
}

/* A validated, lowercased copy of s[0..n) (one trailing dot dropped)
 * into out[AUTHRES_DOMAIN_MAX], or "" when it is not a domain name. */
static void set_domain(char *out, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '.')
		n--;
	out[0] = '\0';
	if (!authres_is_domain(s, n))
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)lower((unsigned char)s[i]);
	out[n] = '\0';
}

/* ptype.property=pvalue pairs up to the next ';'.  header.d (or, failing
 * that, the domain part of header.i) names the signing domain. */
static void properties(struct lex *x, char d[AUTHRES_DOMAIN_MAX], char idom[AUTHRES_DOMAIN_MAX])
{
	char ptype[16], prop[16] = "", val[AUTHRES_DOMAIN_MAX + 64];
	long len;

	for (;;) {
		skip_cfws(x);
		if (peek(x) == -1 || peek(x) == ';' || keyword(x, ptype, sizeof ptype) < 0)
			return;
		skip_cfws(x);
		if (strcmp(ptype, "reason") != 0) {
			if (peek(x) != '.')
				return;
			x->i++;
			skip_cfws(x);
			if (keyword(x, prop, sizeof prop) < 0)
				return;
			skip_cfws(x);
		}
		if (peek(x) != '=')
			return;
		x->i++;
		skip_cfws(x);
		len = value(x, val, sizeof val);
		if (len < 0 || strcmp(ptype, "header") != 0)
			continue;
		if (strcmp(prop, "d") == 0)
			set_domain(d, val, (size_t)len);
		else if (strcmp(prop, "i") == 0 && strchr(val, '@') != NULL)
			set_domain(idom, strchr(val, '@') + 1, strlen(strchr(val, '@') + 1));
	}
}

/* One clause after a ';'.  Not a "method = result" (e.g. the "none" of a
 * field without results): nothing recorded. */
static void resinfo(struct lex *x, struct authres *a)
{
	char method[32], version[16], result[AUTHRES_RESULT_MAX];
	char d[AUTHRES_DOMAIN_MAX] = "", idom[AUTHRES_DOMAIN_MAX] = "";
	struct authres_dkim *r;

	skip_cfws(x);
	if (keyword(x, method, sizeof method) < 0)
		return;
	skip_cfws(x);
	if (peek(x) == '/') {
		x->i++;
		skip_cfws(x);
		if (keyword(x, version, sizeof version) < 0)
			return;
		skip_cfws(x);
	}
	if (peek(x) != '=')
		return;
	x->i++;
	skip_cfws(x);
	if (keyword(x, result, sizeof result) < 0)
		return;
	properties(x, d, idom);
	if (strcmp(method, "dkim") != 0 || a->n_dkim >= AUTHRES_MAX_RESULTS)
		return;
	r = &a->dkim[a->n_dkim++];
	memcpy(r->result, result, sizeof r->result);
	memcpy(r->domain, d[0] != '\0' ? d : idom, sizeof r->domain);
}

static int is_trusted(const char *id, size_t n, const struct strlist *trusted)
{
	for (size_t i = 0; i < trusted->n; i++)
		if (span_ieq((const unsigned char *)id, n, trusted->v[i]))
			return 1;
	return 0;
}

void authres_init(struct authres *a)
{
	a->n_dkim = 0;
	a->n_trusted = 0;
}

int authres_parse(const unsigned char *v, size_t n, const struct strlist *trusted,
		  struct authres *a)
{
	struct lex x = { v, n, 0 };
	char id[AUTHRES_DOMAIN_MAX];
	long len;

	if (trusted == NULL || trusted->n == 0)
		return 0;
	skip_cfws(&x);
	len = value(&x, id, sizeof id);
	if (len < 0 || !is_trusted(id, (size_t)len, trusted))
		return 0;
	a->n_trusted++;
	while (x.i < x.n) {
		skip_clause(&x);      /* the optional version, or junk */
		if (x.i >= x.n)
			break;
		x.i++;                /* ';' */
		resinfo(&x, a);
	}
	return 1;
}

int authres_domain_covers(const char *d, const char *dom)
{
	size_t dn, mn;

	if (d == NULL || dom == NULL)
		return 0;
	dn = strlen(d);
	mn = strlen(dom);
	if (dn > 0 && d[dn - 1] == '.')
		dn--;
	if (mn > 0 && dom[mn - 1] == '.')
		mn--;
	if (!authres_is_domain(d, dn) || !authres_is_domain(dom, mn) ||
	    memchr(d, '.', dn) == NULL || dn > mn)
		return 0;
	if (!ieq_n(dom + (mn - dn), d, dn))
		return 0;
	return dn == mn || dom[mn - dn - 1] == '.';
}

static int covers_any(const char *d, const char *const *domains, size_t nd)
{
	for (size_t i = 0; i < nd; i++)
		if (domains[i] != NULL && authres_domain_covers(d, domains[i]))
			return 1;
	return 0;
}

void authres_verdict(const struct authres *a, const char *const *domains, size_t nd,
		     struct authres_verdict *v)
{
	const struct authres_dkim *pick = NULL;

	v->result = NULL;
	v->domain = NULL;
	v->aligned = 0;
	if (a->n_trusted == 0)
		return;
	for (size_t i = 0; i < a->n_dkim && pick == NULL; i++)
		if (strcmp(a->dkim[i].result, "pass") == 0 && covers_any(a->dkim[i].domain, domains, nd)) {
			pick = &a->dkim[i];
			v->aligned = 1;
		}
	for (size_t i = 0; i < a->n_dkim && pick == NULL; i++)
		if (strcmp(a->dkim[i].result, "pass") == 0)
			pick = &a->dkim[i];
	if (pick == NULL && a->n_dkim > 0)
		pick = &a->dkim[0];
	if (pick == NULL) {
		v->result = "none";
		return;
	}
	v->result = pick->result;
	v->domain = pick->domain[0] != '\0' ? pick->domain : NULL;
}

static int domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int authres_contact_domain(const char *contact, char *out, size_t cap)
{
	const char *s = contact, *at, *scheme, *end;
	size_t n;

	if (cap > 0)
		out[0] = '\0';
	if (s == NULL || cap < AUTHRES_DOMAIN_MAX)
		return -1;
	while (*s == ' ' || *s == '\t' || *s == '<')
		s++;
	if (span_iprefix((const unsigned char *)s, strlen(s), "mailto:"))
		s += 7;
	scheme = strstr(s, "://");
	if (scheme != NULL) {
		s = scheme + 3;
		end = s + strcspn(s, "/?#");
		at = memchr(s, '@', (size_t)(end - s));
		if (at != NULL)
			s = at + 1;       /* userinfo@host */
	} else if ((at = strchr(s, '@')) != NULL) {
		s = at + 1;
	}
	for (end = s; domain_char(*end); end++)
		;
	n = (size_t)(end - s);
	while (*end == ' ' || *end == '\t' || *end == '>')
		end++;
	if (scheme == NULL && at == NULL && *end != '\0')
		return -1;                /* a bare value must be a name and nothing else */
	set_domain(out, s, n);
	if (out[0] == '\0' || strchr(out, '.') == NULL) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
