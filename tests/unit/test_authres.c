/* Unit tests for authres.c: Authentication-Results parsing (trusted and
 * foreign authserv-ids, comments, quoted values, folds, versions, junk),
 * the verdict and its alignment, and the domain helpers. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "authres.h"

static struct strlist trusted;

/* Parse s from an exact-size heap copy (no NUL after it), so a read past
 * the span is caught by ASan. */
static int parse(const char *s, struct authres *a)
{
	size_t n = strlen(s);
	unsigned char *p = malloc(n ? n : 1);
	int rc;

	memcpy(p, s, n);
	rc = authres_parse(p, n, &trusted, a);
	free(p);
	return rc;
}

static void test_basic(void)
{
	struct authres a;

	authres_init(&a);
	is_int(parse(" mx.example.net; dkim=pass header.d=google.com header.s=20230601 header.b=Ab+c/9=;"
		     " spf=pass smtp.mailfrom=x@google.com; dmarc=pass header.from=google.com", &a),
	       1, "basic: trusted");
	is_int(a.n_trusted, 1, "basic: one trusted field");
	is_int(a.n_dkim, 1, "basic: one dkim result (spf, dmarc ignored)");
	is_str(a.dkim[0].result, "pass", "basic: result");
	is_str(a.dkim[0].domain, "google.com", "basic: header.d");
}

static void test_foreign(void)
{
	struct authres a;
	struct strlist none;

	authres_init(&a);
	is_int(parse("evil.example; dkim=pass header.d=google.com", &a), 0, "foreign: ignored");
	is_int(parse("mx.example.net.evil; dkim=pass header.d=google.com", &a), 0, "foreign: suffix trick ignored");
	is_int(parse("dkim=pass header.d=google.com", &a), 0, "foreign: no authserv-id");
	is_int(parse("", &a), 0, "foreign: empty value");
	is_int(a.n_trusted + a.n_dkim, 0, "foreign: nothing recorded");
	strlist_init(&none);
	is_int(authres_parse((const unsigned char *)"mx.example.net; dkim=pass", 25, &none, &a), 0,
	       "no trusted ids: ignored");
	is_int(authres_parse((const unsigned char *)"mx.example.net; dkim=pass", 25, NULL, &a), 0,
	       "NULL trusted ids: ignored");
	is_int(a.n_trusted, 0, "no trusted ids: nothing recorded");
}

static void test_comments_quotes(void)
{
	struct authres a;

	authres_init(&a);
	is_int(parse("mx.example.net (amavisd-new); dkim=neutral reason=\"invalid (unsupported algorithm"
		     " ed25519-sha256); x\" header.d=ueber.net header.b=\"Df6srDaM\"; dkim=pass (2048-bit key;"
		     " unprotected) header.d=\"Ueber.NET.\" header.b=\"YNzR8nZQ\"", &a),
	       1, "comments: trusted after a comment");
	is_int(a.n_dkim, 2, "comments: two dkim results");
	is_str(a.dkim[0].result, "neutral", "comments: quoted reason with ';' and '(' skipped");
	is_str(a.dkim[0].domain, "ueber.net", "comments: first domain");
	is_str(a.dkim[1].result, "pass", "comments: comment with ';' inside skipped");
	is_str(a.dkim[1].domain, "ueber.net", "comments: quoted domain lowercased, trailing dot dropped");
	authres_init(&a);
	is_int(parse("(leading (nested) comment) \"MX.Example.Net\" ; DKIM = Pass (good\\) sig)"
		     " header . d = Example.ORG", &a), 1, "quoted authserv-id, case-insensitive");
	is_str(a.dkim[0].result, "pass", "keywords lowercased, spaces around '=' and '.'");
	is_str(a.dkim[0].domain, "example.org", "escaped ')' inside a comment");
}

static void test_folds_versions(void)
{
	struct authres a;

	authres_init(&a);
	is_int(parse("mx.example.net 1;\r\n\tdkim/1=fail (bad\r\n signature) header.d=a.example\r\n"
		     " header.i=@b.example;\n dkim=pass\r\n\theader.i=reports@Sub.C.example", &a),
	       1, "folded: trusted with version");
	is_int(a.n_dkim, 2, "folded: two results");
	is_str(a.dkim[0].result, "fail", "folded: method version accepted");
	is_str(a.dkim[0].domain, "a.example", "folded: header.d preferred over header.i");
	is_str(a.dkim[1].domain, "sub.c.example", "folded: header.i domain when no header.d");
	authres_init(&a);
	is_int(parse("mx.example.net; none", &a), 1, "no-result: trusted");
	is_int(a.n_dkim, 0, "no-result: no dkim result");
	is_int(a.n_trusted, 1, "no-result: counted");
}

static void test_junk(void)
{
	struct authres a;
	char big[400];

	authres_init(&a);
	is_int(parse("mx.example.net; dkim pass; ;; =x; dkim-atps=pass header.d=z.example;"
		     " x-vendor=\"a;b\" header.d=y.example; dkim=temperror header.d=bad..example;"
		     " dkim=permerror header.d=\"has space.example\"; dkim=pass header.d=ok.example"
		     " (unterminated comment; dkim=pass header.d=hidden.example", &a),
	       1, "junk: trusted");
	is_int(a.n_dkim, 3, "junk: only well-formed dkim clauses");
	is_str(a.dkim[0].result, "temperror", "junk: result kept");
	is_str(a.dkim[0].domain, "", "junk: empty label is not a domain");
	is_str(a.dkim[1].domain, "", "junk: a space is not a domain");
	is_str(a.dkim[2].domain, "ok.example", "junk: good clause after bad ones");
	authres_init(&a);
	is_int(parse("mx.example.net; dkim=pass header.d=\"unterminated.example", &a), 1,
	       "unterminated quote: trusted");
	is_str(a.dkim[0].domain, "unterminated.example", "unterminated quote: runs to the end");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "mx.example.net; dkim=pass header.d=", 35);
	authres_init(&a);
	is_int(parse(big, &a), 1, "overlong domain: trusted");
	is_str(a.dkim[0].domain, "", "overlong domain: dropped");
	authres_init(&a);
	parse("mx.example.net; dkim=passaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa header.d=x.example", &a);
	is_int(a.n_dkim, 0, "overlong result keyword: clause skipped");
}

static void test_limits_and_nul(void)
{
	struct authres a;
	char s[64 * 40 + 32];
	size_t off;
	unsigned char nul[] = "mx.example.net; dkim=pass header.d=a\0b.example; dkim=fail";

	off = (size_t)snprintf(s, sizeof s, "mx.example.net");
	for (int i = 0; i < 40; i++)
		off += (size_t)snprintf(s + off, sizeof s - off, "; dkim=fail header.d=d%d.example", i);
	authres_init(&a);
	parse(s, &a);
	is_int(a.n_dkim, AUTHRES_MAX_RESULTS, "cap: results beyond the limit ignored");
	is_str(a.dkim[AUTHRES_MAX_RESULTS - 1].domain, "d31.example", "cap: first ones kept");
	authres_init(&a);
	is_int(authres_parse(nul, sizeof nul - 1, &trusted, &a), 1, "NUL byte: trusted");
	is_int(a.n_dkim, 2, "NUL byte: does not end the value");
	is_str(a.dkim[0].domain, "a", "NUL byte: ends the domain value");
	is_str(a.dkim[1].result, "fail", "NUL byte: next clause still read");
}

static void test_multiple_fields(void)
{
	struct authres a;

	authres_init(&a);
	parse("evil.example; dkim=pass header.d=google.com", &a);
	parse("mx2.example.net; dkim=fail header.d=google.com", &a);
	parse("mx.example.net; spf=pass", &a);
	is_int(a.n_trusted, 2, "fields: two trusted ids");
	is_int(a.n_dkim, 1, "fields: only the trusted dkim result");
	is_str(a.dkim[0].result, "fail", "fields: forged pass not taken");
}

static void test_verdict(void)
{
	struct authres a;
	struct authres_verdict v;
	const char *doms[] = { NULL, "reports.google.com", "sender.example" };

	authres_init(&a);
	authres_verdict(&a, doms, 3, &v);
	ok(v.result == NULL && v.domain == NULL && v.aligned == 0, "verdict: no trusted field, no verdict");
	parse("mx.example.net; spf=pass", &a);
	authres_verdict(&a, doms, 3, &v);
	is_str(v.result, "none", "verdict: trusted field without dkim is none");
	ok(v.domain == NULL && !v.aligned, "verdict: none has no domain");
	parse("mx.example.net; dkim=fail header.d=google.com; dkim=pass header.d=esp.example;"
	      " dkim=pass header.d=google.com", &a);
	authres_verdict(&a, doms, 3, &v);
	is_str(v.result, "pass", "verdict: aligned pass preferred");
	is_str(v.domain, "google.com", "verdict: parent of the submitter domain");
	is_int(v.aligned, 1, "verdict: aligned");
	authres_verdict(&a, doms, 1, &v);
	is_str(v.domain, "esp.example", "verdict: first pass when none aligned");
	is_int(v.aligned, 0, "verdict: not aligned");
	authres_init(&a);
	parse("mx.example.net; dkim=fail header.d=sender.example; dkim=neutral", &a);
	authres_verdict(&a, doms, 3, &v);
	is_str(v.result, "fail", "verdict: first result without a pass");
	is_str(v.domain, "sender.example", "verdict: its domain");
	is_int(v.aligned, 0, "verdict: a fail is never aligned");
	authres_init(&a);
	parse("mx.example.net; dkim=pass", &a);
	authres_verdict(&a, doms, 3, &v);
	ok(v.domain == NULL && !v.aligned, "verdict: pass without a domain is not aligned");
}

static void test_domains(void)
{
	char d[AUTHRES_DOMAIN_MAX], small[8];

	is_int(authres_domain_covers("example.com", "example.com"), 1, "covers: equal");
	is_int(authres_domain_covers("Example.COM.", "mail.example.com"), 1, "covers: parent, case, dot");
	is_int(authres_domain_covers("mail.example.com", "example.com"), 0, "covers: child does not");
	is_int(authres_domain_covers("ample.com", "example.com"), 0, "covers: label boundary");
	is_int(authres_domain_covers("com", "example.com"), 0, "covers: a TLD covers nothing");
	is_int(authres_domain_covers("", "example.com"), 0, "covers: empty");
	is_int(authres_domain_covers("example.com", "Example Org"), 0, "covers: not a domain");
	is_int(authres_domain_covers(NULL, "example.com"), 0, "covers: NULL");

	is_int(authres_contact_domain("mailto:smtp-tls-reporting@Google.com", d, sizeof d), 0, "contact: mailto");
	is_str(d, "google.com", "contact: mailto domain lowercased");
	authres_contact_domain(" <tlsrpt@sub.example.org.>", d, sizeof d);
	is_str(d, "sub.example.org", "contact: angle brackets, trailing dot");
	authres_contact_domain("https://user@reports.example.net:8443/v1?a=b@c.example", d, sizeof d);
	is_str(d, "reports.example.net", "contact: URI host, userinfo and port dropped");
	authres_contact_domain("reports.example.net", d, sizeof d);
	is_str(d, "reports.example.net", "contact: bare domain");
	is_int(authres_contact_domain("Example Org", d, sizeof d), -1, "contact: words are not a domain");
	is_str(d, "", "contact: empty on failure");
	is_int(authres_contact_domain("ops@localhost", d, sizeof d), -1, "contact: one label");
	is_int(authres_contact_domain("", d, sizeof d), -1, "contact: empty");
	is_int(authres_contact_domain(NULL, d, sizeof d), -1, "contact: NULL");
	is_int(authres_contact_domain("a@b.example", small, sizeof small), -1, "contact: small buffer refused");
	is_int(authres_is_domain("a.b", 3), 1, "is_domain: two labels");
	is_int(authres_is_domain(".a", 2), 0, "is_domain: leading dot");
	is_int(authres_is_domain("a.", 2), 0, "is_domain: trailing dot");
}

int main(void)
{
	strlist_init(&trusted);
	strlist_add(&trusted, "mx.example.net");
	strlist_add(&trusted, "mx2.example.net");
	test_basic();
	test_foreign();
	test_comments_quotes();
	test_folds_versions();
	test_junk();
	test_limits_and_nul();
	test_multiple_fields();
	test_verdict();
	test_domains();
	strlist_free(&trusted);
	return tap_done();
}
