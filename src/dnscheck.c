/* Pure checks on DNS values for tlsrpt-check-dns (see dnscheck.h).
 *
 * TLS-RPT (RFC 8460 section 3) and MTA-STS (RFC 8461 section 3.1) TXT
 * records share one shape: a case-sensitive version first, then fields
 * "name=value" separated by *WSP ";" *WSP, an optional final ";".  One
 * splitter walks that shape and hands each field to the record's own
 * check; extension fields must follow the common name/value grammar:
 *   ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 * rua= alone allows WSP around its commas. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscheck.h"

void dc_list_init(struct dc_list *l)
{
	memset(l, 0, sizeof *l);
}

void dc_list_free(struct dc_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].domain);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int dc_add(struct dc_list *l, enum dc_sev sev, const char *domain, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int rc;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dc_finding *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			goto fail;
		l->v = v;
		l->cap = cap;
	}
	buf_init(&b);
	va_start(ap, fmt);
	rc = buf_vappendf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0)
		goto fail;
	l->v[l->n].sev = sev;
	l->v[l->n].text = buf_steal(&b);
	l->v[l->n].domain = strdup(domain);
	if (l->v[l->n].domain == NULL) {
		free(l->v[l->n].text);
		goto fail;
	}
	l->n++;
	return 0;
fail:
	l->failed = 1;
	return -1;
}

static int sev_rank(enum dc_sev s)
{
	static const int rank[] = { 0, 2, 3, 1 };

	return rank[s];
}

enum dc_sev dc_worse(enum dc_sev a, enum dc_sev b)
{
	return sev_rank(a) >= sev_rank(b) ? a : b;
}

const char *dc_sev_name(enum dc_sev s)
{
	static const char *const name[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return name[s];
}

static int is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }
static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int why_set(char *why, size_t whyn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t whyn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whyn, fmt, ap);
	va_end(ap);
	return 1;
}

static int ext_name_ok(const unsigned char *p, size_t n)
{
	if (n == 0 || n > 32 || !is_alnum(p[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(p[i]) && p[i] != '_' && p[i] != '-' && p[i] != '.')
			return 0;
	return 1;
}

static int ext_value_ok(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ';' || p[i] == '=')
			return 0;
	return 1;
}

/* One field: return 0 to go on, 1 (why set) when invalid, -1 ENOMEM. */
typedef int (*field_fn)(void *arg, const unsigned char *name, size_t nn,
			const unsigned char *val, size_t vn, char *why, size_t whyn);

static int fields(const unsigned char *p, size_t n, const char *version,
		  field_fn fn, void *arg, char *why, size_t whyn)
{
	size_t vl = strlen(version), i = vl, nfields = 0;

	if (n < vl || memcmp(p, version, vl) != 0)
		return why_set(why, whyn, "does not begin with %s", version);
	for (;;) {
		size_t s, eq, e;
		int rc;

		while (i < n && is_wsp(p[i]))
			i++;
		if (i == n)
			break;
		if (p[i] != ';')
			return why_set(why, whyn, "\"%.*s\" where \";\" should follow",
				       (int)(n - i > 20 ? 20 : n - i), (const char *)p + i);
		i++;
		while (i < n && is_wsp(p[i]))
			i++;
		if (i == n)
			break;                       /* a final ";" is allowed */
		for (s = i; i < n && p[i] != ';'; i++)
			;
		for (e = i; e > s && is_wsp(p[e - 1]); e--)
			;
		for (eq = s; eq < e && p[eq] != '='; eq++)
			;
		if (eq == e)
			return why_set(why, whyn, "field \"%.*s\" has no \"=\"",
				       (int)(e - s > 40 ? 40 : e - s), (const char *)p + s);
		rc = fn(arg, p + s, eq - s, p + eq + 1, e - eq - 1, why, whyn);
		if (rc != 0)
			return rc;
		nfields++;
	}
	if (nfields == 0)
		return why_set(why, whyn, "has no field after %s", version);
	return 0;
}

static int ext_field(const unsigned char *name, size_t nn, const unsigned char *val,
		     size_t vn, char *why, size_t whyn)
{
	if (!ext_name_ok(name, nn))
		return why_set(why, whyn, "bad field name \"%.*s\"",
			       (int)(nn > 40 ? 40 : nn), (const char *)name);
	if (!ext_value_ok(val, vn))
		return why_set(why, whyn, "field %.*s= has an empty value or a space, \";\" or \"=\" in it",
			       (int)(nn > 40 ? 40 : nn), (const char *)name);
	return 0;
}

struct rua_arg {
	struct strlist *rua;
	int seen;
};

static int tlsrpt_field(void *arg, const unsigned char *name, size_t nn,
			const unsigned char *val, size_t vn, char *why, size_t whyn)
{
	struct rua_arg *a = arg;
	size_t i = 0;

	if (!(nn == 3 && memcmp(name, "rua", 3) == 0))
		return ext_field(name, nn, val, vn, why, whyn);
	if (a->seen++)
		return why_set(why, whyn, "rua= appears twice");
	for (;;) {
		size_t s;

		while (i < vn && is_wsp(val[i]))
			i++;
		for (s = i; i < vn && val[i] > 0x20 && val[i] < 0x7f && val[i] != ','; i++)
			;
		if (i == s)
			return why_set(why, whyn, "rua= has an empty URI");
		if (strlist_addn(a->rua, (const char *)val + s, i - s) < 0)
			return -1;
		while (i < vn && is_wsp(val[i]))
			i++;
		if (i == vn)
			return 0;
		if (val[i] != ',')
			return why_set(why, whyn, "rua= URIs must be separated by \",\" (a space, control or non-ASCII byte found)");
		i++;
	}
}

int dc_tlsrpt_candidate(const unsigned char *p, size_t n)
{
	return n >= 10 && memcmp(p, "v=TLSRPTv1", 10) == 0;
}

int dc_tlsrpt_parse(const unsigned char *p, size_t n, struct strlist *rua,
		    char *why, size_t whyn)
{
	struct rua_arg a = { rua, 0 };
	int rc = fields(p, n, "v=TLSRPTv1", tlsrpt_field, &a, why, whyn);

	if (rc != 0)
		return rc;
	if (!a.seen)
		return why_set(why, whyn, "has no rua= field");
	return 0;
}

struct sts_arg {
	char *id;
	int seen;
};

static int sts_field(void *arg, const unsigned char *name, size_t nn,
		     const unsigned char *val, size_t vn, char *why, size_t whyn)
{
	struct sts_arg *a = arg;

	if (!(nn == 2 && memcmp(name, "id", 2) == 0))
		return ext_field(name, nn, val, vn, why, whyn);
	if (a->seen++)
		return why_set(why, whyn, "id= appears twice");
	if (vn == 0 || vn > 32)
		return why_set(why, whyn, "id= must be 1 to 32 letters and digits");
	for (size_t i = 0; i < vn; i++)
		if (!is_alnum(val[i]))
			return why_set(why, whyn, "id= must be 1 to 32 letters and digits");
	memcpy(a->id, val, vn);
	a->id[vn] = '\0';
	return 0;
}

int dc_sts_candidate(const unsigned char *p, size_t n)
{
	return n >= 7 && memcmp(p, "v=STSv1", 7) == 0;
}

int dc_sts_parse(const unsigned char *p, size_t n, char id[33], char *why, size_t whyn)
{
	struct sts_arg a = { id, 0 };
	int rc;

	id[0] = '\0';
	rc = fields(p, n, "v=STSv1", sts_field, &a, why, whyn);
	if (rc != 0)
		return rc;
	if (!a.seen)
		return why_set(why, whyn, "has no id= field");
	return 0;
}

int dc_hostname_valid(const char *s, size_t n)
{
	size_t label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (is_alnum(c) || (c == '-' && label > 0) || c == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* dot-atom of RFC 5322 atext */
static int local_part_ok(const char *s, size_t n)
{
	static const char special[] = "!#$%&'*+-/=?^_`{|}~";

	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' ? s[i + 1] == '.' : !(is_alnum(c) || (c != 0 && strchr(special, c))))
			return 0;
	}
	return 1;
}

static enum dc_uri mailto(const char *rest, char *out, size_t outn, const char **dom,
			  char *why, size_t whyn)
{
	size_t o = 0;
	char *at;

	for (const char *s = rest; *s != '\0' && *s != '?'; s++) {
		int c = (unsigned char)*s;

		if (c == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (lo < 0) {
				why_set(why, whyn, "bad %%-escape in the address");
				return DC_URI_BAD;
			}
			c = hi * 16 + lo;
			s += 2;
		}
		if (o + 1 >= outn) {
			why_set(why, whyn, "address too long");
			return DC_URI_BAD;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	at = strrchr(out, '@');
	if (at == NULL) {
		why_set(why, whyn, "\"%s\" has no @domain", out);
		return DC_URI_BAD;
	}
	if (!local_part_ok(out, (size_t)(at - out))) {
		why_set(why, whyn, "bad local part in \"%s\"", out);
		return DC_URI_BAD;
	}
	if (!dc_hostname_valid(at + 1, strlen(at + 1)) || strchr(at + 1, '.') == NULL) {
		why_set(why, whyn, "bad domain in \"%s\"", out);
		return DC_URI_BAD;
	}
	*dom = at + 1;
	return DC_URI_MAILTO;
}

static enum dc_uri https(const char *rest, char *out, size_t outn, char *why, size_t whyn)
{
	size_t n = strcspn(rest, "/?#"), h = 0;
	const char *host = rest, *colon;

	if (memchr(rest, '@', n) != NULL) {
		why_set(why, whyn, "user name in an https: URI");
		return DC_URI_BAD;
	}
	if (n > 0 && rest[0] == '[') {
		const char *end = memchr(rest, ']', n);

		if (end == NULL || end == rest + 1) {
			why_set(why, whyn, "bad [address] in the https: URI");
			return DC_URI_BAD;
		}
		h = (size_t)(end - rest) + 1;
		colon = end + 1 < rest + n ? end + 1 : NULL;
	} else {
		colon = memchr(rest, ':', n);
		h = colon ? (size_t)(colon - rest) : n;
		if (!dc_hostname_valid(host, h)) {
			why_set(why, whyn, "bad host \"%.*s\" in the https: URI", (int)(h > 60 ? 60 : h), host);
			return DC_URI_BAD;
		}
	}
	if (colon != NULL) {
		size_t pl = n - (size_t)(colon - rest) - 1;

		if (*colon != ':' || pl == 0 || pl > 5 || strspn(colon + 1, "0123456789") < pl ||
		    atol(colon + 1) > 65535) {
			why_set(why, whyn, "bad port in the https: URI");
			return DC_URI_BAD;
		}
	}
	snprintf(out, outn, "%.*s", (int)h, host);
	return DC_URI_HTTPS;
}

enum dc_uri dc_rua_uri(const char *uri, char *out, size_t outn, const char **dom,
		       char *why, size_t whyn)
{
	*dom = NULL;
	if (outn > 0)
		out[0] = '\0';
	if (strncasecmp(uri, "mailto:", 7) == 0)
		return mailto(uri + 7, out, outn, dom, why, whyn);
	if (strncasecmp(uri, "https://", 8) == 0)
		return https(uri + 8, out, outn, why, whyn);
	why_set(why, whyn, "only mailto: and https: URIs are defined (RFC 8460 section 3)");
	return DC_URI_BAD;
}

static size_t name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

int dc_mx_match(const char *pattern, const char *host)
{
	size_t pn = name_len(pattern), hn = name_len(host);

	if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		const char *dot;

		/* "*.example.com" = exactly one label, then ".example.com" */
		pattern++;
		pn--;
		if (hn <= pn)
			return 0;
		dot = memchr(host, '.', hn);
		return dot == host + (hn - pn) && dot != host &&
		       strncasecmp(dot, pattern, pn) == 0;
	}
	return pn == hn && pn > 0 && strncasecmp(pattern, host, pn) == 0;
}

static int any_match(const struct strlist *patterns, const char *host)
{
	for (size_t i = 0; i < patterns->n; i++)
		if (dc_mx_match(patterns->v[i], host))
			return 1;
	return 0;
}

static int any_matched(const char *pattern, const struct strlist *mx)
{
	for (size_t i = 0; i < mx->n; i++)
		if (dc_mx_match(pattern, mx->v[i]))
			return 1;
	return 0;
}

int dc_policy_vs_mx(struct dc_list *l, const char *domain, const char *mode,
		    const struct strlist *patterns, const struct strlist *mx,
		    const char *where)
{
	int enforce = strcmp(mode, "enforce") == 0, testing = strcmp(mode, "testing") == 0;
	size_t bad = 0;

	for (size_t i = 0; i < mx->n; i++) {
		const char *h = mx->v[i];

		if (any_match(patterns, h))
			continue;
		bad++;
		if (enforce)
			dc_add(l, DC_CRITICAL, domain, "MX %s matches no mx: pattern of the enforce policy (%s): "
			       "senders that enforce your policy refuse mail to %s; fix: add \"mx: %s\" to "
			       "https://mta-sts.%s/.well-known/mta-sts.txt and change id= in _mta-sts.%s",
			       h, where, h, h, domain, domain);
		else if (testing)
			dc_add(l, DC_WARNING, domain, "MX %s matches no mx: pattern of the testing policy (%s): "
			       "senders report failures for it, and refuse mail to it once mode is enforce; "
			       "fix: add \"mx: %s\" to https://mta-sts.%s/.well-known/mta-sts.txt and change id= in _mta-sts.%s",
			       h, where, h, domain, domain);
		else
			dc_add(l, DC_OK, domain, "MX %s matches no mx: pattern of the policy (mode %s, %s)",
			       h, mode, where);
	}
	for (size_t i = 0; i < patterns->n; i++) {
		if (any_matched(patterns->v[i], mx))
			continue;
		bad++;
		dc_add(l, enforce || testing ? DC_WARNING : DC_OK, domain,
		       "policy pattern %s matches no MX now (stale policy, mode %s, %s); fix: remove "
		       "\"mx: %s\" from https://mta-sts.%s/.well-known/mta-sts.txt and change id= in _mta-sts.%s",
		       patterns->v[i], mode, where, patterns->v[i], domain, domain);
	}
	if (bad == 0)
		dc_add(l, DC_OK, domain, "all %zu MX hosts match the policy (mode %s, %s)",
		       mx->n, mode, where);
	return l->failed ? -1 : 0;
}

char *dc_shell_quote(const char *s)
{
	struct buf b;

	buf_init(&b);
	if (buf_append_byte(&b, '\'') < 0)
		goto fail;
	for (; *s != '\0'; s++)
		if ((*s == '\'' ? buf_append_str(&b, "'\\''") : buf_append_byte(&b, (unsigned char)*s)) < 0)
			goto fail;
	if (buf_append_byte(&b, '\'') < 0)
		goto fail;
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}
