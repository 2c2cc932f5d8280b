/* Unit tests for date.c: the calendar, day numbers, "YYYY-MM-DD" and
 * RFC 3339 date-times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "../tap.h"

static void test_leap(void)
{
	ok(date_is_leap(2024), "2024 leap");
	ok(!date_is_leap(2023), "2023 not leap");
	ok(!date_is_leap(1900), "1900 not leap (century)");
	ok(date_is_leap(2000), "2000 leap (400)");
	ok(!date_is_leap(2100), "2100 not leap (century)");
	ok(date_is_leap(1600), "1600 leap");
	ok(date_is_leap(0), "year 0 leap");
	ok(date_is_leap(-4), "year -4 leap");
	ok(!date_is_leap(-100), "year -100 not leap");
	is_int(date_days_in_month(2024, 2), 29, "February 2024");
	is_int(date_days_in_month(1900, 2), 28, "February 1900");
	is_int(date_days_in_month(2000, 2), 29, "February 2000");
	is_int(date_days_in_month(2100, 2), 28, "February 2100");
	is_int(date_days_in_month(2026, 4), 30, "April");
	is_int(date_days_in_month(2026, 12), 31, "December");
}

static void test_civil(void)
{
	is_int(date_days_from_civil(1970, 1, 1), 0, "epoch is day 0");
	is_int(date_days_from_civil(1969, 12, 31), -1, "day before the epoch");
	is_int(date_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	is_int(date_days_from_civil(2026, 5, 18), 20591, "2026-05-18");
	is_int(date_days_from_civil(9999, 12, 31), 2932896, "9999-12-31");
	is_int(date_days_from_civil(0, 3, 1), -719468, "0000-03-01");
	is_int(date_days_from_civil(0, 1, 1), -719528, "0000-01-01");
	is_int(date_days_from_civil(-1, 12, 31), -719529, "year -1 ends the day before");
}

/* Walk the calendar a day at a time over -1000..10000 and hold both
 * conversions to it. */
static void test_civil_walk(void)
{
	long y = -1000, day = date_days_from_civil(-1000, 1, 1), gy;
	unsigned m = 1, d = 1, gm, gd;
	int bad = 0;

	is_int(day, -1084770, "-1000-01-01");
	while (y <= 10000) {
		date_civil_from_days(day, &gy, &gm, &gd);
		if ((date_days_from_civil(y, m, d) != day || gy != y || gm != m ||
		     gd != d) && bad++ < 3)
			printf("# mismatch %ld-%u-%u day %ld\n", y, m, d, day);
		day++;
		if (++d > date_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	is_int(bad, 0, "day numbers follow the calendar across -1000..10000");
}

static void test_day_of(void)
{
	int good;

	is_int(date_day_of(0), 0, "time 0 is day 0");
	is_int(date_day_of(86399), 0, "last second of day 0");
	is_int(date_day_of(86400), 1, "day 1");
	is_int(date_day_of(1779105600), 20591, "2026-05-18T12:00:00Z");
	is_int(date_day_of(-1), -1, "one second before the epoch is day -1");
	is_int(date_day_of(-86400), -1, "first second of day -1");
	is_int(date_day_of(-86401), -2, "last second of day -2");
	is_int(date_day_of((time_t)DATE_MAX_SECS), 2932896, "9999-12-31T23:59:59Z");
	ok(date_day_start(0) == 0, "day 0 starts at time 0");
	ok(date_day_start(20591) == INT64_C(1779062400), "2026-05-18 starts at 1779062400");
	ok(date_day_start(-1) == -86400, "day -1 starts a day before the epoch");
	ok(date_day_start(2932896) == DATE_MAX_SECS - 86399, "9999-12-31 starts 86399 s before its end");
	good = 1;
	for (long d = -800; d <= 800; d += 37)
		good &= date_day_of((time_t)date_day_start(d)) == d &&
			date_day_of((time_t)(date_day_start(d) - 1)) == d - 1;
	ok(good, "date_day_of(date_day_start(d)) == d, and the second before is d - 1");
}

static void test_parse_day(void)
{
	static const struct {
		const char *in;
		long day;       /* -1: rejected */
	} cases[] = {
		{ "1970-01-01", 0 },
		{ "2026-05-18", 20591 },
		{ "2024-02-29", 19782 },
		{ "2000-02-29", 11016 },
		{ "9999-12-31", 2932896 },
		{ "2026-12-31", 20818 },
		{ "1969-12-31", -1 },
		{ "0000-01-01", -1 },
		{ "2100-02-29", -1 },
		{ "1900-02-29", -1 },
		{ "2023-02-29", -1 },
		{ "2026-02-30", -1 },
		{ "2026-04-31", -1 },
		{ "2026-13-01", -1 },
		{ "2026-00-01", -1 },
		{ "2026-05-00", -1 },
		{ "2026-5-18", -1 },
		{ "2026-05-18x", -1 },
		{ "2026-05-1x", -1 },
		{ "2026/05/18", -1 },
		{ "+026-05-18", -1 },
		{ " 026-05-18", -1 },
		{ "../../etc", -1 },
		{ "", -1 },
	};
	char msg[80];
	long day;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		day = -7;
		rc = date_parse_day(cases[i].in, strlen(cases[i].in), &day);
		snprintf(msg, sizeof msg, "day [%s]", cases[i].in);
		if (cases[i].day < 0)
			ok(rc < 0 && day == -7, msg);
		else
			ok(rc == 0 && day == cases[i].day, msg);
	}
	ok(date_parse_day("2026-05-18x", 10, &day) == 0 && day == 20591, "span, not C string");
	ok(date_parse_day("2026-05-1", 10, &day) < 0, "length beyond the string's digits rejected");
}

static void test_format_day(void)
{
	char out[DATE_DAY_LEN + 1];
	long day;
	int bad = 0;

	date_format_day(0, out);
	is_str(out, "1970-01-01", "day 0");
	date_format_day(20591, out);
	is_str(out, "2026-05-18", "day 20591");
	date_format_day(-1, out);
	is_str(out, "1969-12-31", "day -1");
	date_format_day(2932896, out);
	is_str(out, "9999-12-31", "last day");
	date_format_day(-719528, out);
	is_str(out, "0000-01-01", "first day of year 0");
	date_format_day(2932897, out);
	is_str(out, "0000-01-01", "year 10000 prints as 0000");
	date_format_day(-719529, out);
	is_str(out, "0000-12-31", "year -1 prints as 0000");
	for (long d = 0; d <= 2932896; d++) {
		date_format_day(d, out);
		if ((date_parse_day(out, strlen(out), &day) != 0 || day != d) && bad++ < 3)
			printf("# round trip %ld -> %s\n", d, out);
	}
	is_int(bad, 0, "every day of 1970..9999 formats and parses back");
}

static void test_format_utc(void)
{
	static const struct {
		int64_t secs;
		const char *out;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 1704758400, "2024-01-09T00:00:00Z" },
		{ DATE_MAX_SECS, "9999-12-31T23:59:59Z" },
		{ DATE_MAX_SECS + 1, "9999-12-31T23:59:59Z" },
		{ INT64_MAX, "9999-12-31T23:59:59Z" },
		{ DATE_MIN_SECS, "0000-01-01T00:00:00Z" },
		{ DATE_MIN_SECS - 1, "0000-01-01T00:00:00Z" },
		{ INT64_MIN, "0000-01-01T00:00:00Z" },
	};
	char out[DATE_UTC_LEN + 1], msg[80];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'x', sizeof out);
		date_format_utc(cases[i].secs, out);
		snprintf(msg, sizeof msg, "utc %lld", (long long)cases[i].secs);
		is_str(out, cases[i].out, msg);
	}
}

/* The formatter against libc over the whole range, before 1970 too. */
static void test_format_utc_libc(void)
{
	int bad = 0;

	for (long long s = DATE_MIN_SECS; s <= DATE_MAX_SECS; s += 7919LL * 3607) {
		time_t t = (time_t)s;
		struct tm tm;
		char want[64], out[DATE_UTC_LEN + 1];

		gmtime_r(&t, &tm);
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		date_format_utc(s, out);
		if (strcmp(out, want) != 0 && bad++ < 3)
			printf("# mismatch %lld: %s, libc %s\n", s, out, want);
	}
	is_int(bad, 0, "date_format_utc matches gmtime_r across 0000..9999");
}

/* Keep a TAP test name on one line. */
static char *one_line(char *msg)
{
	for (char *m = msg; *m != '\0'; m++)
		if ((unsigned char)*m < 0x20)
			*m = '?';
	return msg;
}

static const struct {
	const char *in, *out;
	int rc;
} rfc3339_cases[] = {
	{ "2024-01-09T00:00:00Z", "2024-01-09T00:00:00Z", 0 },
	{ "2024-01-09t00:00:00Z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09t00:00:00z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09 00:00:00Z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00.123456789Z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00.5Z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00.5", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00.5+01:00", "2024-01-08T23:00:00Z", 1 },
	{ "2024-01-09T00:00:00.123+0100", "2024-01-08T23:00:00Z", 1 },
	{ "2024-01-09T02:30:00+02:30", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-01T01:00:00-02:00", "2024-01-01T03:00:00Z", 1 },
	{ "2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00Z", 1 },
	{ "2024-03-01T00:30:00+0100", "2024-02-29T23:30:00Z", 1 },
	{ "2024-01-09T00:00:00+23:59", "2024-01-08T00:01:00Z", 1 },
	{ "2024-01-09T00:00:00-00:00", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00 +00:00", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00+00:00", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00 Z", "2024-01-09T00:00:00Z", 1 },
	{ " 2024-01-09T00:00:00Z\n", "2024-01-09T00:00:00Z", 1 },
	{ "\t\r\n2024-01-09T00:00:00Z", "2024-01-09T00:00:00Z", 1 },
	{ "2024-01-09T00:00:00\t", "2024-01-09T00:00:00Z", 1 },
	{ "2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z", 1 },
	{ "9999-12-31T23:59:60Z", "9999-12-31T23:59:59Z", 1 },
	{ "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:00-00:01", "1970-01-01T00:01:00Z", 1 },
	{ "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", 0 },
	{ "2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z", 0 },
	{ "1969-12-31T23:59:59Z", NULL, -1 },
	{ "1970-01-01T00:30:00+01:00", NULL, -1 },
	{ "1969-12-31T23:30:00-01:00", NULL, -1 },
	{ "9999-12-31T23:30:00-01:00", NULL, -1 },
	{ "10000-01-01T00:00:00Z", NULL, -1 },
	{ "1900-02-29T00:00:00Z", NULL, -1 },
	{ "2023-02-29T00:00:00Z", NULL, -1 },
	{ "2100-02-29T00:00:00Z", NULL, -1 },
	{ "2024-04-31T00:00:00Z", NULL, -1 },
	{ "2024-13-01T00:00:00Z", NULL, -1 },
	{ "2024-00-01T00:00:00Z", NULL, -1 },
	{ "2024-01-00T00:00:00Z", NULL, -1 },
	{ "2024-01-01T24:00:00Z", NULL, -1 },
	{ "2024-01-01T00:60:00Z", NULL, -1 },
	{ "2024-01-01T00:00:61Z", NULL, -1 },
	{ "2024-01-01T00:00:00.Z", NULL, -1 },
	{ "2024-01-01T00:00:00,5Z", NULL, -1 },
	{ "2024-01-01T00:00:00+24:00", NULL, -1 },
	{ "2024-01-01T00:00:00+01:60", NULL, -1 },
	{ "2024-01-01T00:00:00+0a:00", NULL, -1 },
	{ "2024-01-01T00:00:00+1:00", NULL, -1 },
	{ "2024-01-01T00:00:00+01:00:00", NULL, -1 },
	{ "2024-01-01T00:00:00+01", NULL, -1 },
	{ "2024-01-01T00:00:00ZZ", NULL, -1 },
	{ "2024-01-01T00:00:00  Z", NULL, -1 },
	{ "2024-01-01T00:00:00 ", "2024-01-01T00:00:00Z", 1 },
	{ "2024-01-01X00:00:00Z", NULL, -1 },
	{ "2024-1-01T00:00:00Z", NULL, -1 },
	{ "+024-01-01T00:00:00Z", NULL, -1 },
	{ "-024-01-01T00:00:00Z", NULL, -1 },
	{ "2024-01-01", NULL, -1 },
	{ " ", NULL, -1 },
	{ "", NULL, -1 },
};

static void test_rfc3339(void)
{
	char out[DATE_UTC_LEN + 1], msg[100];
	time_t t;

	for (size_t i = 0; i < sizeof rfc3339_cases / sizeof rfc3339_cases[0]; i++) {
		const char *in = rfc3339_cases[i].in;
		int rc;

		memset(out, 0, sizeof out);
		rc = date_parse_rfc3339(in, strlen(in), out, &t);
		snprintf(msg, sizeof msg, "rfc3339 rc [%s]", in);
		is_int(rc, rfc3339_cases[i].rc, one_line(msg));
		if (rfc3339_cases[i].out != NULL) {
			snprintf(msg, sizeof msg, "rfc3339 out [%s]", in);
			is_str(out, rfc3339_cases[i].out, one_line(msg));
		}
	}
	is_int(date_parse_rfc3339("2024-01-09T00:00:00Zjunk", 20, out, &t), 0,
	       "span, not C string");
	is_int(t, 1704758400, "span value");
	is_int(date_parse_rfc3339("2024-01-09T00:00:00Z", 21, out, &t), -1,
	       "a NUL byte after the zone");
	is_int(date_parse_rfc3339("1970-01-01T00:00:00Z", 20, out, &t), 0, "epoch");
	is_int(t, 0, "epoch value");
	is_int(date_parse_rfc3339("9999-12-31T23:59:59Z", 20, out, &t), 0, "max");
	is_int(t, 253402300799, "max value");
}

/* DATE_RFC3339_MAX bytes are read, whitespace and fraction digits
 * included; one more is refused. */
static void test_rfc3339_length(void)
{
	char in[DATE_RFC3339_MAX + 2], out[DATE_UTC_LEN + 1];
	time_t t;

	memset(in, ' ', sizeof in);
	memcpy(in, "2024-01-09T00:00:00Z", 20);
	is_int(date_parse_rfc3339(in, DATE_RFC3339_MAX, out, &t), 1, "padded to the limit");
	is_int(date_parse_rfc3339(in, DATE_RFC3339_MAX + 1, out, &t), -1, "one byte over");
	memset(in, '1', sizeof in);
	memcpy(in, "2024-01-09T00:00:00.", 20);
	in[DATE_RFC3339_MAX - 1] = 'Z';
	is_int(date_parse_rfc3339(in, DATE_RFC3339_MAX, out, &t), 1, "long fraction at the limit");
	is_str(out, "2024-01-09T00:00:00Z", "long fraction dropped");
}

/* The parser against libc over the whole range. */
static void test_rfc3339_libc(void)
{
	int bad = 0;

	for (long long s = 0; s <= DATE_MAX_SECS; s += 7919LL * 3607) {
		time_t t = (time_t)s, got = 0;
		struct tm tm;
		char want[32], out[DATE_UTC_LEN + 1];

		gmtime_r(&t, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if ((date_parse_rfc3339(want, strlen(want), out, &got) != 0 || got != t ||
		     strcmp(out, want) != 0) && bad++ < 3)
			printf("# mismatch %s -> %s\n", want, out);
	}
	is_int(bad, 0, "date_parse_rfc3339 matches gmtime_r across 1970..9999");
}

int main(void)
{
	test_leap();
	test_civil();
	test_civil_walk();
	test_day_of();
	test_parse_day();
	test_format_day();
	test_format_utc();
	test_format_utc_libc();
	test_rfc3339();
	test_rfc3339_length();
	test_rfc3339_libc();
	return tap_done();
}
