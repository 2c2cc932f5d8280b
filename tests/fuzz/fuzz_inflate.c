/* libFuzzer target for inflate.c and zip.c: any bytes through the payload
 * sniffer (gzip, zlib, zip, JSON) and through the raw deflate helper, with
 * a 1 MiB report cap so bombs are cheap to reach.  Checks the invariants
 * callers rely on: output never beyond the cap, only the documented error
 * classes, and zip.c's entry count consistent with its warning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inflate.h"
#include "payload.h"
#include "limits.h"
#include "util.h"

#define FUZZ_MAX_REPORT ((size_t)1 << 20)
#define FUZZ_SLACK ((size_t)64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct buf *out, const struct err *e)
{
	if (out->n > FUZZ_MAX_REPORT + FUZZ_SLACK)
		abort();
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && e->cls != ERR_INPUT && e->cls != ERR_NOREPORT &&
	    e->cls != ERR_TEMP)
		abort();
	if (rc == -1 && e->reason[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limits l;
	struct buf out;
	struct err e;
	unsigned warn = 0;
	int rc;

	limits_default(&l);
	l.max_report = FUZZ_MAX_REPORT;
	buf_init(&out);
	err_clear(&e);
	rc = payload_extract(data, size, &l, &out, &warn, &e);
	check(rc, &out, &e);
	if (rc == 0 && (warn & ~0xfu) != 0)
		abort();

	buf_reset(&out);
	err_clear(&e);
	rc = inflate_raw(data, size, &l, &out, &e);
	check(rc, &out, &e);
	buf_free(&out);
	return 0;
}
