/* libFuzzer target, differential: the sliced reading of report_parse
 * (jsonscan delimits the values, json-c parses each slice) against
 * report_parse_tree (one json-c tree of the whole document).  Whenever
 * either accepts, both must, and their records must be the same bytes;
 * the one thing only the sliced reading refuses is a string longer than
 * max_string that the checks never read (it is refused before json-c
 * would buffer it).  Run with a small max_string too, so that limit is
 * met by short inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "report.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void records(const struct report *r, struct buf *out)
{
	static const struct record_dkim dkim = { "pass", "example.com", 1 };
	struct record_meta meta = {
		.received_at = "2026-05-19T08:00:00Z", .source = "file",
		.client_ip = "192.0.2.1", .dkim = &dkim
	};
	struct err e;

	err_clear(&e);
	if (record_format(r, &meta, out, &e) < 0 && e.cls != ERR_TEMP &&
	    e.cls != ERR_INPUT)
		abort();
}

static void both_ways(const uint8_t *data, size_t size, const struct limits *l)
{
	struct report_hints hints = { "example.com", "fuzz" };
	struct report a, b;
	struct err ea, eb;
	struct buf ra, rb;
	int rca, rcb;

	report_init(&a);
	report_init(&b);
	err_clear(&ea);
	err_clear(&eb);
	rca = report_parse(data, size, l, &hints, &a, &ea);
	rcb = report_parse_tree(data, size, l, &hints, &b, &eb);
	if (ea.cls == ERR_TEMP || eb.cls == ERR_TEMP)
		goto out;
	if (rca == 0 && rcb != 0)
		abort();
	if (rca != 0 && rcb == 0 &&
	    strncmp(ea.reason, "string longer than ", 19) != 0)
		abort();
	if (rca != 0 || rcb != 0)
		goto out;
	buf_init(&ra);
	buf_init(&rb);
	records(&a, &ra);
	records(&b, &rb);
	if (ra.n != rb.n || (ra.n > 0 && memcmp(ra.p, rb.p, ra.n) != 0))
		abort();
	buf_free(&ra);
	buf_free(&rb);
out:
	report_free(&a);
	report_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limits l;

	limits_default(&l);
	both_ways(data, size, &l);
	l.max_string = 40;
	l.max_json_depth = 6;
	both_ways(data, size, &l);
	return 0;
}
