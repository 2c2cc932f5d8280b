/* Calendar days for tlsrpt-summary: a UTC date is a day number (days
 * since 1970-01-01), converted with Howard Hinnant's civil-date
 * algorithms, so no time zone or libc locale is ever involved.  Text form
 * is exactly "YYYY-MM-DD", the spool's file names. */
#ifndef TLSRPT_SUMDATE_H
#define TLSRPT_SUMDATE_H

#include <stddef.h>
#include <time.h>

#define SUM_DATE_LEN 10   /* "YYYY-MM-DD" */

/* Strict "YYYY-MM-DD" (years 1970..9999, real calendar dates) in
 * s[0..n) -> *day.  0 or -1. */
int sum_date_parse(const char *s, size_t n, long *day);

/* day -> "YYYY-MM-DD" plus NUL. */
void sum_date_format(long day, char out[SUM_DATE_LEN + 1]);

/* The UTC day containing t. */
long sum_date_of(time_t t);

#endif
