/* Civil dates and RFC 3339 timestamps, the one place for them.  A UTC
 * date is a day number (days since 1970-01-01) of the proleptic Gregorian
 * calendar, converted with Howard Hinnant's civil-date algorithms, so no
 * time zone, locale or libc time function is ever involved.  Text forms
 * are exactly "YYYY-MM-DD" (the spool's file names) and
 * "YYYY-MM-DDTHH:MM:SSZ" (normalized report and delivery times); what is
 * parsed from outside must lie in 1970-01-01 .. 9999-12-31. */
#ifndef TLSRPT_DATE_H
#define TLSRPT_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DATE_DAY_LEN 10          /* "YYYY-MM-DD" */
#define DATE_UTC_LEN 20          /* "YYYY-MM-DDTHH:MM:SSZ" */
#define DATE_RFC3339_MAX 64      /* longest date-time string worth reading */
#define DATE_MAX_SECS INT64_C(253402300799)      /* 9999-12-31T23:59:59Z */
#define DATE_MIN_SECS INT64_C(-62167219200)      /* 0000-01-01T00:00:00Z */

/* 1 if y is a Gregorian leap year (1900 no, 2000 yes), else 0. */
int date_is_leap(long y);

/* Days of month m (1..12) in year y. */
unsigned date_days_in_month(long y, unsigned m);

/* Day number of the proleptic Gregorian date y-m-d (any year, m 1..12,
 * d 1..31; the date is not checked). */
long date_days_from_civil(long y, unsigned m, unsigned d);

/* The inverse: day number -> year, month 1..12, day 1..31. */
void date_civil_from_days(long day, long *y, unsigned *m, unsigned *d);

/* The UTC day containing t (rounding down, also before 1970). */
long date_day_of(time_t t);

/* Seconds since the epoch at the start (00:00:00Z) of day. */
int64_t date_day_start(long day);

/* Strict "YYYY-MM-DD" (years 1970..9999, real calendar dates) in
 * s[0..n) -> *day.  0 or -1. */
int date_parse_day(const char *s, size_t n, long *day);

/* day -> "YYYY-MM-DD" plus NUL; a year outside 0..9999 prints as 0000. */
void date_format_day(long day, char out[DATE_DAY_LEN + 1]);

/* Seconds since the epoch -> "YYYY-MM-DDTHH:MM:SSZ" plus NUL, as gmtime
 * gives it; clamped to DATE_MIN_SECS..DATE_MAX_SECS. */
void date_format_utc(int64_t secs, char out[DATE_UTC_LEN + 1]);

/* Parse an RFC 3339 date-time of at most DATE_RFC3339_MAX bytes in
 * s[0..n) leniently (no zone = UTC, fractional seconds, lowercase t/z,
 * space separator, numeric offsets, surrounding whitespace, second 60).
 * Writes the normalized UTC form into out and *t.  Returns 0 exact
 * RFC 3339 in UTC, 1 accepted with a deviation (caller warns), -1
 * unusable (also outside 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z). */
int date_parse_rfc3339(const char *s, size_t n, char out[DATE_UTC_LEN + 1], time_t *t);

#endif
