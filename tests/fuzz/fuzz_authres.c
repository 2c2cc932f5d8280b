/* libFuzzer target for the small hostile-input parsers of the trust and
 * HTTPS paths: any bytes as an Authentication-Results value
 * (authres_parse with a trusted authserv-id, then the verdict), and as
 * NUL-terminated strings through the contact-info domain helper and the
 * CGI request checks (Content-Type, CONTENT_LENGTH).  Invariants: bounded
 * results, NUL-terminated lowercase domain names, only the documented
 * statuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "cgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_domain(const char *d)
{
	size_t n = strnlen(d, AUTHRES_DOMAIN_MAX);

	if (n >= AUTHRES_DOMAIN_MAX || (n > 0 && !authres_is_domain(d, n)))
		abort();
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			abort();
}

static void check_authres(const uint8_t *data, size_t size, const struct strlist *trusted)
{
	static const char *const doms[] = { "example.com", NULL };
	struct authres a;
	struct authres_verdict v;

	authres_init(&a);
	if (authres_parse(data, size, trusted, &a) != (int)a.n_trusted || a.n_dkim > AUTHRES_MAX_RESULTS)
		abort();
	for (size_t i = 0; i < a.n_dkim; i++) {
		if (strnlen(a.dkim[i].result, AUTHRES_RESULT_MAX) == 0 ||
		    strnlen(a.dkim[i].result, AUTHRES_RESULT_MAX) >= AUTHRES_RESULT_MAX)
			abort();
		check_domain(a.dkim[i].domain);
	}
	authres_verdict(&a, doms, 2, &v);
	if ((v.result == NULL) != (a.n_trusted == 0) || (v.aligned && strcmp(v.result, "pass") != 0))
		abort();
}

static void check_strings(const char *s, size_t n)
{
	static const int statuses[] = { 0, 400, 405, 411, 413, 415 };
	char d[AUTHRES_DOMAIN_MAX], why[ERR_REASON_MAX];
	struct cgi_request req;
	size_t i;
	int st;

	if (authres_contact_domain(s, d, sizeof d) == 0 && strchr(d, '.') == NULL)
		abort();
	check_domain(d);
	st = cgi_check_request("POST", s, s + strnlen(s, n) / 2, 1000, &req, why, sizeof why);
	for (i = 0; i < sizeof statuses / sizeof statuses[0] && statuses[i] != st; i++)
		;
	if (i == sizeof statuses / sizeof statuses[0] || (st == 0 && req.length > 1000))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct strlist trusted;
	char *s;

	if (trusted.n == 0 && strlist_add(&trusted, "mx.example.net") < 0)
		abort();
	check_authres(data, size, &trusted);
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_strings(s, size);
	free(s);
	return 0;
}
