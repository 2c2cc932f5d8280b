/* dnscheck: TLS-RPT and MTA-STS TXT syntax, rua URIs, MX patterns, a
 * policy against MX hosts.  No DNS. */
#include <stdlib.h>
#include <string.h>

#include "dnscheck.h"
#include "../tap.h"

static char why[200];

/* 0 valid, 1 invalid; rua joined by "|" into got */
static int tlsrpt(const char *rec, char *got, size_t gotn)
{
	struct strlist rua;
	int rc;

	strlist_init(&rua);
	why[0] = got[0] = '\0';
	rc = dc_tlsrpt_parse((const unsigned char *)rec, strlen(rec), &rua, why, sizeof why);
	for (size_t i = 0; i < rua.n; i++) {
		strncat(got, i ? "|" : "", gotn - strlen(got) - 1);
		strncat(got, rua.v[i], gotn - strlen(got) - 1);
	}
	strlist_free(&rua);
	return rc;
}

static void test_tlsrpt(void)
{
	char got[512];

	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.com", got, sizeof got), 0, "plain record");
	is_str(got, "mailto:tlsrpt@example.com", "its one rua");
	is_int(tlsrpt("v=TLSRPTv1;rua=mailto:a@example.com,https://r.example.net/tlsrpt;", got, sizeof got), 0,
	       "two URIs, no spaces, final ;");
	is_str(got, "mailto:a@example.com|https://r.example.net/tlsrpt", "both URIs");
	is_int(tlsrpt("v=TLSRPTv1 ;\trua=mailto:a@example.com , mailto:b@example.org ; x-ext.1=v%3Bal!", got, sizeof got), 0,
	       "WSP around ; and , and an extension field");
	is_str(got, "mailto:a@example.com|mailto:b@example.org", "URIs trimmed");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com;", got, sizeof got), 0, "final delimiter");

	is_int(tlsrpt("v=TLSRPTv1", got, sizeof got), 1, "version alone");
	is_str(why, "has no field after v=TLSRPTv1", "why: no field");
	is_int(tlsrpt("v=TLSRPTv1; foo=bar", got, sizeof got), 1, "no rua");
	is_str(why, "has no rua= field", "why: no rua");
	is_int(tlsrpt("v=TLSRPTv1 rua=mailto:a@example.com", got, sizeof got), 1, "no ; after the version");
	is_str(why, "\"rua=mailto:a@example\" where \";\" should follow", "why: no ;");
	is_int(tlsrpt("v=TLSRPTv2; rua=mailto:a@example.com", got, sizeof got), 1, "other version");
	is_int(tlsrpt("V=TLSRPTv1; rua=mailto:a@example.com", got, sizeof got), 1, "version is case-sensitive");
	is_int(tlsrpt(" v=TLSRPTv1; rua=mailto:a@example.com", got, sizeof got), 1, "leading space");
	is_int(tlsrpt("v=TLSRPTv1; rua=", got, sizeof got), 1, "empty rua");
	is_str(why, "rua= has an empty URI", "why: empty rua");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com,", got, sizeof got), 1, "trailing comma");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com", got, sizeof got), 1,
	       "URIs separated by a space");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", got, sizeof got), 1,
	       "rua twice");
	is_str(why, "rua= appears twice", "why: rua twice");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; _x=1", got, sizeof got), 1, "ext name starts with _");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; x=a b", got, sizeof got), 1, "space in an ext value");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; x=", got, sizeof got), 1, "empty ext value");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; x", got, sizeof got), 1, "field without =");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; abcdefghijabcdefghijabcdefghijabc=1", got, sizeof got), 1,
	       "ext name of 33 characters");
	is_int(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; abcdefghijabcdefghijabcdefghijab=1", got, sizeof got), 0,
	       "ext name of 32 characters");

	ok(dc_tlsrpt_candidate((const unsigned char *)"v=TLSRPTv1;rua=x", 16), "candidate");
	ok(dc_tlsrpt_candidate((const unsigned char *)"v=TLSRPTv1x", 11), "candidate by prefix (then invalid)");
	ok(!dc_tlsrpt_candidate((const unsigned char *)"v=spf1 -all", 11), "SPF is no candidate");
	ok(!dc_tlsrpt_candidate((const unsigned char *)"v=TLSRPTv", 9), "short");
}

static enum dc_uri uri(const char *u, char *out, const char **dom)
{
	why[0] = '\0';
	return dc_rua_uri(u, out, 256, dom, why, sizeof why);
}

static void test_uri(void)
{
	char out[256];
	const char *dom;

	is_int(uri("mailto:tlsrpt@example.com", out, &dom), DC_URI_MAILTO, "mailto");
	is_str(out, "tlsrpt@example.com", "address");
	is_str(dom, "example.com", "its domain");
	is_int(uri("MAILTO:a.b+c@Mail.Example.ORG?subject=x", out, &dom), DC_URI_MAILTO, "mailto with query");
	is_str(out, "a.b+c@Mail.Example.ORG", "address without the query");
	is_int(uri("mailto:a%2Bb@example.com", out, &dom), DC_URI_MAILTO, "percent-encoded");
	is_str(out, "a+b@example.com", "decoded");
	is_int(uri("mailto:example.com", out, &dom), DC_URI_BAD, "no @");
	is_str(why, "\"example.com\" has no @domain", "why: no @");
	is_int(uri("mailto:a..b@example.com", out, &dom), DC_URI_BAD, "two dots");
	is_int(uri("mailto:a@exa_mple..com", out, &dom), DC_URI_BAD, "bad domain");
	is_str(why, "bad domain in \"a@exa_mple..com\"", "why: bad domain");
	is_int(uri("mailto:a@localhost", out, &dom), DC_URI_BAD, "dotless domain");
	is_int(uri("mailto:a%4@example.com", out, &dom), DC_URI_BAD, "bad escape");
	is_int(uri("mailto:a%00b@example.com", out, &dom), DC_URI_BAD, "NUL escape");
	is_int(uri("mailto:@example.com", out, &dom), DC_URI_BAD, "empty local part");

	is_int(uri("https://reports.example.com/v1/tlsrpt", out, &dom), DC_URI_HTTPS, "https");
	is_str(out, "reports.example.com", "host");
	is_int(uri("https://reports.example.com:8443", out, &dom), DC_URI_HTTPS, "https with port");
	is_str(out, "reports.example.com", "host without port");
	is_int(uri("https://[2001:db8::1]:443/x", out, &dom), DC_URI_HTTPS, "https IPv6 literal");
	is_str(out, "[2001:db8::1]", "literal host");
	is_int(uri("https:///x", out, &dom), DC_URI_BAD, "no host");
	is_int(uri("https://h.example:99999/", out, &dom), DC_URI_BAD, "port too long");
	is_int(uri("https://u@h.example/", out, &dom), DC_URI_BAD, "userinfo");
	is_int(uri("http://h.example/", out, &dom), DC_URI_BAD, "http:");
	is_str(why, "only mailto: and https: URIs are defined (RFC 8460 section 3)", "why: scheme");
	is_int(uri("tlsrpt@example.com", out, &dom), DC_URI_BAD, "bare address");
}

static int sts(const char *rec, char id[33])
{
	why[0] = '\0';
	return dc_sts_parse((const unsigned char *)rec, strlen(rec), id, why, sizeof why);
}

static void test_sts(void)
{
	char id[33];

	is_int(sts("v=STSv1; id=20260519T1", id), 0, "STS record");
	is_str(id, "20260519T1", "its id");
	is_int(sts("v=STSv1;id=abc;", id), 0, "final ;");
	is_int(sts("v=STSv1; id=abc; ext=1", id), 0, "extension");
	is_int(sts("v=STSv1", id), 1, "no id");
	is_int(sts("v=STSv1; ext=1", id), 1, "no id but an extension");
	is_str(why, "has no id= field", "why: no id");
	is_int(sts("v=STSv1; id=2026-05-19", id), 1, "id with -");
	is_str(why, "id= must be 1 to 32 letters and digits", "why: id");
	is_int(sts("v=STSv1; id=123456789012345678901234567890123", id), 1, "id of 33");
	is_int(sts("v=STSv1; id=12345678901234567890123456789012", id), 0, "id of 32");
	is_int(sts("v=STSv1; id=1; id=2", id), 1, "id twice");
	is_int(sts("v=STSv2; id=1", id), 1, "other version");
	ok(dc_sts_candidate((const unsigned char *)"v=STSv1; id=1", 13), "STS candidate");
	ok(!dc_sts_candidate((const unsigned char *)"v=spf1", 6), "not STS");
}

static void test_match(void)
{
	ok(dc_mx_match("mx1.example.com", "mx1.example.com"), "exact");
	ok(dc_mx_match("MX1.Example.com.", "mx1.example.COM"), "case and final dot");
	ok(!dc_mx_match("mx1.example.com", "mx2.example.com"), "other host");
	ok(dc_mx_match("*.example.com", "mx1.example.com"), "wildcard, one label");
	ok(!dc_mx_match("*.example.com", "a.mx1.example.com"), "wildcard never two labels");
	ok(!dc_mx_match("*.example.com", "example.com"), "wildcard never zero labels");
	ok(!dc_mx_match("*.example.com", ".example.com"), "empty label");
	ok(!dc_mx_match("*.example.com", "mx1.otherexample.com"), "suffix on a label boundary");
	ok(!dc_mx_match("*.example.com", "mx1example.com"), "no dot");
	ok(!dc_mx_match("mx*.example.com", "mx1.example.com"), "* only as a whole leftmost label");
	ok(!dc_mx_match("", "mx1.example.com"), "empty pattern");

	ok(dc_hostname_valid("a-b.example.com.", 16), "hostname");
	ok(!dc_hostname_valid("-a.example.com", 14), "leading hyphen");
	ok(!dc_hostname_valid("a-.example.com", 14), "trailing hyphen");
	ok(!dc_hostname_valid("a..b", 4), "empty label");
	ok(!dc_hostname_valid("a b", 3), "space");
}

static void load(struct strlist *l, const char *csv)
{
	const char *s = csv;

	strlist_init(l);
	while (*s != '\0') {
		size_t n = strcspn(s, ",");

		strlist_addn(l, s, n);
		s += n + (s[n] == ',');
	}
}

/* the findings of one comparison, "SEV text" lines */
static char *compare(const char *mode, const char *patterns, const char *mx)
{
	struct strlist p, m;
	struct dc_list l;
	struct buf b;

	load(&p, patterns);
	load(&m, mx);
	dc_list_init(&l);
	buf_init(&b);
	dc_policy_vs_mx(&l, "example.com", mode, &p, &m, "W");
	for (size_t i = 0; i < l.n; i++)
		buf_appendf(&b, "%s %s\n", dc_sev_name(l.v[i].sev), l.v[i].text);
	dc_list_free(&l);
	strlist_free(&p);
	strlist_free(&m);
	return b.p ? buf_steal(&b) : strdup("");
}

static void test_compare(void)
{
	char *s;

	s = compare("enforce", "mx1.example.com,*.mx.example.com", "mx1.example.com,a.mx.example.com");
	is_str(s, "OK all 2 MX hosts match the policy (mode enforce, W)\n", "all match");
	free(s);
	s = compare("enforce", "mx1.example.com,mx2.example.com", "mx1.example.com,mx3.example.com");
	is_str(s, "CRITICAL MX mx3.example.com matches no mx: pattern of the enforce policy (W): "
	       "senders that enforce your policy refuse mail to mx3.example.com; fix: add \"mx: mx3.example.com\" to "
	       "https://mta-sts.example.com/.well-known/mta-sts.txt and change id= in _mta-sts.example.com\n"
	       "WARNING policy pattern mx2.example.com matches no MX now (stale policy, mode enforce, W); fix: remove "
	       "\"mx: mx2.example.com\" from https://mta-sts.example.com/.well-known/mta-sts.txt and change id= in "
	       "_mta-sts.example.com\n", "MX moved away: critical naming it, stale pattern a warning");
	free(s);
	s = compare("testing", "mx1.example.com", "mx1.example.com,mx3.example.com");
	ok(strncmp(s, "WARNING MX mx3.example.com matches no mx: pattern of the testing policy", 71) == 0 &&
	   strchr(s, '\n')[1] == '\0', "testing: unmatched MX only a warning");
	free(s);
	s = compare("none", "mx1.example.com", "mx3.example.com");
	ok(strncmp(s, "OK MX mx3.example.com", 21) == 0 && strstr(s, "WARNING") == NULL &&
	   strstr(s, "CRITICAL") == NULL, "mode none: information only");
	free(s);
	s = compare("enforce", "*.example.com", "mx.sub.example.com");
	ok(strncmp(s, "CRITICAL MX mx.sub.example.com", 30) == 0, "wildcard does not cover two labels");
	free(s);
}

static void test_misc(void)
{
	char *q = dc_shell_quote("https://x.example/it's");

	is_str(q, "'https://x.example/it'\\''s'", "shell quote");
	free(q);
	is_int(dc_worse(DC_UNKNOWN, DC_WARNING), DC_WARNING, "WARNING beats UNKNOWN");
	is_int(dc_worse(DC_CRITICAL, DC_UNKNOWN), DC_CRITICAL, "CRITICAL beats UNKNOWN");
	is_int(dc_worse(DC_OK, DC_UNKNOWN), DC_UNKNOWN, "UNKNOWN beats OK");
}

/* Random records from the characters that matter: every call returns
 * one of its documented values (the sanitizer builds see the rest). */
static void test_random(void)
{
	static const char *const pre[] = { "v=TLSRPTv1", "v=STSv1", "mailto:", "https://", "*.", "" };
	static const char alpha[] = "v=;, \t%:/@.[]aZ09_-?*";
	unsigned long r = 12345;
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		char s[64], out[64], id[33];
		const char *dom;
		struct strlist rua;
		size_t n;
		int rc;

		r = r * 6364136223846793005UL + 1442695040888963407UL;
		strcpy(s, pre[(r >> 33) % 6]);
		for (n = strlen(s); n < 10 + (r >> 40) % 40; n++) {
			r = r * 6364136223846793005UL + 1442695040888963407UL;
			s[n] = alpha[(r >> 33) % (sizeof alpha - 1)];
		}
		s[n] = '\0';
		strlist_init(&rua);
		rc = dc_tlsrpt_parse((const unsigned char *)s, n, &rua, why, sizeof why);
		bad += rc != 0 && rc != 1;
		bad += rc == 1 && why[0] == '\0';
		strlist_free(&rua);
		rc = dc_sts_parse((const unsigned char *)s, n, id, why, sizeof why);
		bad += (rc != 0 && rc != 1) || strlen(id) > 32;
		rc = (int)dc_rua_uri(s, out, sizeof out, &dom, why, sizeof why);
		bad += rc == DC_URI_MAILTO && (dom == NULL || strchr(out, '@') == NULL);
		bad += rc < DC_URI_BAD || rc > DC_URI_HTTPS;
		bad += dc_mx_match(s, s + n / 2) > 1;
		why[0] = '\0';
	}
	is_int(bad, 0, "20000 random records: only documented results");
}

int main(void)
{
	test_tlsrpt();
	test_uri();
	test_sts();
	test_match();
	test_compare();
	test_misc();
	test_random();
	return tap_done();
}
