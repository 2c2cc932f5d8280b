/* libFuzzer target for report JSON -> records: report_parse on any bytes,
 * then record_format.  Invariants: documented error classes with a
 * reason; on success at least one policy, non-negative counts, and one
 * valid-UTF-8 line per policy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "report.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_records(const struct report *r)
{
	static const struct record_dkim dkim = { "pass", "example.com", 1 };
	struct record_meta meta = {
		.received_at = "2026-05-19T08:00:00Z", .source = "file",
		.client_ip = "192.0.2.1", .dkim = &dkim
	};
	struct buf out;
	struct err e;
	size_t newlines = 0;

	buf_init(&out);
	err_clear(&e);
	if (record_format(r, &meta, &out, &e) < 0) {
		if (e.cls != ERR_TEMP)
			abort();
		buf_free(&out);
		return;
	}
	for (size_t i = 0; i < out.n; i++)
		newlines += out.p[i] == '\n';
	if (newlines != r->n_policies || !utf8_valid(out.p, out.n) || memchr(out.p, 0, out.n) != NULL)
		abort();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_hints hints = { "example.com", "fuzz" };
	struct limits l;
	struct report r;
	struct err e;

	limits_default(&l);
	report_init(&r);
	err_clear(&e);
	if (report_parse(data, size, &l, &hints, &r, &e) < 0) {
		if (e.reason[0] == '\0' || !(e.cls == ERR_INPUT || e.cls == ERR_TEMP))
			abort();
		report_free(&r);
		return 0;
	}
	if (r.n_policies == 0)
		abort();
	for (size_t i = 0; i < r.n_policies; i++)
		if (r.policies[i].successful_session_count < 0 ||
		    (r.policies[i].failed_session_count < 0 &&
		     r.policies[i].failed_session_count != REPORT_COUNT_ABSENT))
			abort();
	check_records(&r);
	report_free(&r);
	return 0;
}
