/* Minimal TAP producer for unit tests (consumed by Automake's
 * tap-driver.sh).  Each check prints "ok N - ..." or "not ok N - ...". */
#ifndef TLSRPT_TAP_H
#define TLSRPT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static void tap_result(int ok, const char *file, int line, const char *what)
{
	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tap_count, what);
	if (!ok)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
}

#define ok(cond, what) tap_result(!!(cond), __FILE__, __LINE__, (what))
#define is_int(got, want, what) do { \
	long long tap_g = (long long)(got), tap_w = (long long)(want); \
	tap_result(tap_g == tap_w, __FILE__, __LINE__, (what)); \
	if (tap_g != tap_w) printf("#   got %lld, want %lld\n", tap_g, tap_w); \
} while (0)
#define is_str(got, want, what) do { \
	const char *tap_g = (got), *tap_w = (want); \
	int tap_ok = (tap_g == NULL && tap_w == NULL) || \
		(tap_g != NULL && tap_w != NULL && strcmp(tap_g, tap_w) == 0); \
	tap_result(tap_ok, __FILE__, __LINE__, (what)); \
	if (!tap_ok) printf("#   got  \"%s\"\n#   want \"%s\"\n", \
		tap_g ? tap_g : "(null)", tap_w ? tap_w : "(null)"); \
} while (0)
#define is_mem(got, gotn, want, wantn, what) do { \
	size_t tap_gn = (gotn), tap_wn = (wantn); \
	int tap_ok = tap_gn == tap_wn && memcmp((got), (want), tap_gn) == 0; \
	tap_result(tap_ok, __FILE__, __LINE__, (what)); \
	if (!tap_ok) printf("#   got %zu bytes, want %zu bytes\n", tap_gn, tap_wn); \
} while (0)

static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
