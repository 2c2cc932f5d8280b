/* Civil dates and RFC 3339 timestamps; see date.h.  Day numbers follow
 * Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms": shift
 * the year to start in March (so the leap day ends it), split it into
 * 400-year eras of 146097 days, and count within the era with unsigned
 * arithmetic.  Parsing takes byte spans, never NUL-terminated strings. */
#include "date.h"

#define DAY_SECS 86400

int date_is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned date_days_in_month(long y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && date_is_leap(y) ? 29 : dm[m - 1];
}

long date_days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void date_civil_from_days(long day, long *y, unsigned *m, unsigned *d)
{
	long z = day + 719468, era;
	unsigned doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

long date_day_of(time_t t)
{
	long long s = (long long)t, q = s / DAY_SECS;

	return (long)(s % DAY_SECS < 0 ? q - 1 : q);
}

int64_t date_day_start(long day)
{
	return (int64_t)day * DAY_SECS;
}

/* Exactly n decimal digits in s -> *v. */
static int digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* 1 if y-m-d is a real calendar date of 1970..9999. */
static int valid_civil(unsigned y, unsigned m, unsigned d)
{
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= date_days_in_month((long)y, m);
}

int date_parse_day(const char *s, size_t n, long *day)
{
	unsigned y, m, d;

	if (n != DATE_DAY_LEN || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) < 0 || digits(s + 5, 2, &m) < 0 ||
	    digits(s + 8, 2, &d) < 0 || !valid_civil(y, m, d))
		return -1;
	*day = date_days_from_civil((long)y, m, d);
	return 0;
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void date_format_day(long day, char out[DATE_DAY_LEN + 1])
{
	long y;
	unsigned m, d;

	date_civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	put2(out, (unsigned)y / 100);
	put2(out + 2, (unsigned)y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = '\0';
}

void date_format_utc(int64_t secs, char out[DATE_UTC_LEN + 1])
{
	int64_t rem;

	if (secs < DATE_MIN_SECS)
		secs = DATE_MIN_SECS;
	if (secs > DATE_MAX_SECS)
		secs = DATE_MAX_SECS;
	rem = secs % DAY_SECS;
	if (rem < 0)
		rem += DAY_SECS;
	date_format_day((long)((secs - rem) / DAY_SECS), out);
	out[10] = 'T';
	put2(out + 11, (unsigned)(rem / 3600));
	out[13] = ':';
	put2(out + 14, (unsigned)(rem / 60 % 60));
	out[16] = ':';
	put2(out + 17, (unsigned)(rem % 60));
	out[19] = 'Z';
	out[20] = '\0';
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Zone part s[i..n): "Z", or a deviation ("z", "+HH:MM", "+HHMM", none,
 * any of them after one space).  Sets *off in seconds east of UTC;
 * returns -1 if malformed. */
static int parse_zone(const char *s, size_t i, size_t n, int *off, int *dev)
{
	unsigned hh, mm;

	*off = 0;
	if (i < n && s[i] == ' ') {
		i++;
		*dev = 1;
	}
	if (i == n) {
		*dev = 1;
		return 0;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		*dev |= s[i] == 'z';
		return i + 1 == n ? 0 : -1;
	}
	if (s[i] != '+' && s[i] != '-')
		return -1;
	*dev = 1;
	if (n - i == 6 && s[i + 3] == ':' && digits(s + i + 1, 2, &hh) == 0 &&
	    digits(s + i + 4, 2, &mm) == 0)
		;
	else if (n - i != 5 || digits(s + i + 1, 2, &hh) < 0 ||
		 digits(s + i + 3, 2, &mm) < 0)
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*off = (int)(hh * 60 + mm) * 60 * (s[i] == '-' ? -1 : 1);
	return 0;
}

/* "YYYY-MM-DD?HH:MM:SS" in s[0..19) with '?' one of T, t or space. */
static int parse_fields(const char *s, unsigned f[6], int *dev)
{
	if (digits(s, 4, &f[0]) < 0 || s[4] != '-' ||
	    digits(s + 5, 2, &f[1]) < 0 || s[7] != '-' ||
	    digits(s + 8, 2, &f[2]) < 0 || digits(s + 11, 2, &f[3]) < 0 ||
	    s[13] != ':' || digits(s + 14, 2, &f[4]) < 0 || s[16] != ':' ||
	    digits(s + 17, 2, &f[5]) < 0)
		return -1;
	if (s[10] == 't' || s[10] == ' ')
		*dev = 1;
	else if (s[10] != 'T')
		return -1;
	return 0;
}

int date_parse_rfc3339(const char *s, size_t n, char out[DATE_UTC_LEN + 1], time_t *t)
{
	unsigned f[6];
	int off, dev = 0;
	size_t i = 19;
	int64_t secs;

	if (n > DATE_RFC3339_MAX)
		return -1;
	for (; n > 0 && is_ws(s[n - 1]); n--)
		dev = 1;
	for (; n > 0 && is_ws(*s); s++, n--)
		dev = 1;
	if (n < 19 || parse_fields(s, f, &dev) < 0)
		return -1;
	if (i < n && s[i] == '.') {
		while (++i < n && s[i] >= '0' && s[i] <= '9')
			;
		if (i == 20)
			return -1;
		dev = 1;
	}
	if (parse_zone(s, i, n, &off, &dev) < 0 || !valid_civil(f[0], f[1], f[2]) ||
	    f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	if (f[5] == 60) {        /* leap second: keep the day */
		f[5] = 59;
		dev = 1;
	}
	secs = (int64_t)date_days_from_civil((long)f[0], f[1], f[2]) * DAY_SECS +
	       (int64_t)(f[3] * 3600 + f[4] * 60 + f[5]) - off;
	if (secs < 0 || secs > DATE_MAX_SECS)
		return -1;
	date_format_utc(secs, out);
	*t = (time_t)secs;
	return dev;
}
