/* libFuzzer target for the whole path without the filesystem: any bytes
 * as a mail through ingest_mail (headers, MIME, transfer encodings,
 * inflate, JSON, validation, Authentication-Results with a trusted
 * authserv-id and --require-dkim, records), as a saved file through
 * ingest_file, and as an HTTPS body through ingest_http.  Invariants:
 * only the documented error classes, a reason on every failure, and
 * records that are whole lines of valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct ingest_result *r, const struct err *e)
{
	if (rc == -1) {
		if (e->reason[0] == '\0' || !(e->cls == ERR_INPUT || e->cls == ERR_NOREPORT ||
					      e->cls == ERR_TEMP))
			abort();
		return;
	}
	/* one record per policy, each ending in exactly one newline */
	size_t newlines = 0;

	for (size_t i = 0; i < r->lines.n; i++)
		newlines += r->lines.p[i] == '\n';
	if (rc != 0 || newlines != r->report.n_policies || r->lines.n == 0 ||
	    r->lines.p[r->lines.n - 1] != '\n' || !utf8_valid(r->lines.p, r->lines.n) ||
	    memchr(r->lines.p, 0, r->lines.n) != NULL || strlen(r->day) != 10)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct strlist trusted;
	struct ingest_env env = {
		.received_at = "2026-05-19T08:00:00Z", .source = "mail",
		.filename = "a!example.com!1!2.json.gz", .trusted_authserv_ids = &trusted
	};
	struct ingest_result r;
	struct limits l;
	struct err e;

	if (trusted.n == 0 && strlist_add(&trusted, "mx.example.net") < 0)
		abort();
	limits_default(&l);
	l.max_report = (size_t)4 << 20;
	ingest_init(&r);
	err_clear(&e);
	check(ingest_mail(data, size, &l, &env, &r, &e), &r, &e);
	ingest_free(&r);
	env.require_dkim = 1;
	err_clear(&e);
	check(ingest_mail(data, size, &l, &env, &r, &e), &r, &e);
	ingest_free(&r);
	env.require_dkim = 0;
	env.source = "file";
	err_clear(&e);
	check(ingest_file(data, size, &l, &env, &r, &e), &r, &e);
	ingest_free(&r);
	env.source = "http";
	env.client_ip = "2001:db8::1";
	err_clear(&e);
	check(ingest_http(data, size, "application/tlsrpt+gzip", &l, &env, &r, &e), &r, &e);
	ingest_free(&r);
	return 0;
}
