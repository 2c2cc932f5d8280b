/* Calendar days for tlsrpt-summary: a UTC date is a day number (days
 * since 1970-01-01) and its text form exactly "YYYY-MM-DD", the spool's
 * file names.  A thin layer, under the names the summary modules use,
 * over date.h, which holds the arithmetic. */
#ifndef TLSRPT_SUMDATE_H
#define TLSRPT_SUMDATE_H

#include <stddef.h>
#include <time.h>

#include "date.h"

#define SUM_DATE_LEN DATE_DAY_LEN   /* "YYYY-MM-DD" */

/* Strict "YYYY-MM-DD" (years 1970..9999, real calendar dates) in
 * s[0..n) -> *day.  0 or -1. */
static inline int sum_date_parse(const char *s, size_t n, long *day)
{
	return date_parse_day(s, n, day);
}

/* day -> "YYYY-MM-DD" plus NUL. */
static inline void sum_date_format(long day, char out[SUM_DATE_LEN + 1])
{
	date_format_day(day, out);
}

/* The UTC day containing t. */
static inline long sum_date_of(time_t t)
{
	return date_day_of(t);
}

#endif
