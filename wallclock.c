/*
 * Wall-clock time: see wallclock.h.  The parser is pure; the wait
 * sleeps on CLOCK_REALTIME, which follows the clock's steps (NTP), until
 * the time.  It does not spin the last of it, as worker.c's delays do:
 * on a busy host a process woken from a sleep runs sooner than one that
 * has spun, and hosts starting together all spin at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "wallclock.h"

#define WALL_YEAR_MIN	1970
#define WALL_YEAR_MAX	9999

/*
 * Reads exactly n digits at *s into *v; moves *s past them.  Returns
 * 0, or -1 when fewer are there.
 */
static int
digits(const char **s, int n, unsigned *v)
{
	*v = 0;
	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		*v = *v * 10 + (unsigned)(**s - '0');
	}
	return 0;
}

/* ".fraction", up to nine digits, as nanoseconds; none is 0. */
static int
fraction(const char **s, uint64_t *ns)
{
	uint64_t scale = NS_PER_SEC;

	*ns = 0;
	if (**s != '.')
		return 0;
	if ((*s)[1] < '0' || (*s)[1] > '9')
		return -1;
	for ((*s)++; **s >= '0' && **s <= '9'; (*s)++) {
		if ((scale /= 10) == 0)
			return -1;
		*ns += (uint64_t)(**s - '0') * scale;
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char len[] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int	 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return len[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" into *ns; -1 when it is not one. */
static int
parse_iso(const char *s, uint64_t *ns)
{
	unsigned y, mo, d, h, mi, sec;
	uint64_t frac;

	if (digits(&s, 4, &y) == -1 || *s++ != '-' ||
	    digits(&s, 2, &mo) == -1 || *s++ != '-' ||
	    digits(&s, 2, &d) == -1 || (*s != 'T' && *s != 't') ||
	    (s++, digits(&s, 2, &h)) == -1 || *s++ != ':' ||
	    digits(&s, 2, &mi) == -1 || *s++ != ':' ||
	    digits(&s, 2, &sec) == -1 || fraction(&s, &frac) == -1 ||
	    (*s != 'Z' && *s != 'z') || s[1] != '\0')
		return -1;
	if (y < WALL_YEAR_MIN || y > WALL_YEAR_MAX || mo < 1 || mo > 12 ||
	    d < 1 || (int)d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	*ns = ((uint64_t)days_from_civil(y, mo, d) * 86400 + h * 3600u +
	    mi * 60u + sec) * NS_PER_SEC + frac;
	return 0;
}

/*
 * A time as seconds since the epoch, with up to nine decimals, or as
 * ISO 8601 in UTC, "2026-12-03T19:40:00Z", with a fraction or not.
 * Returns 0, or -1 when s is neither.
 */
int
wall_parse(const char *s, uint64_t *ns)
{
	uint64_t secs = 0, frac;
	size_t	 n = strspn(s, "0123456789");

	if (n == 4 && s[4] == '-')
		return parse_iso(s, ns);
	/* Up to the year 9999: 12 digits of seconds. */
	if (n == 0 || n > 12)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		secs = secs * 10 + (uint64_t)(*s - '0');
	if (fraction(&s, &frac) == -1 || *s != '\0')
		return -1;
	*ns = secs * NS_PER_SEC + frac;
	return 0;
}

uint64_t
wall_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * Waits until the wall clock reads at, or a signal sets *stop.  Returns
 * 0 at the time; -1 when stopped (errno EINTR) or the sleep failed.
 */
int
wall_wait(uint64_t at, volatile sig_atomic_t *stop)
{
	struct timespec	 ts;
	int		 rv;

	ts.tv_sec = (time_t)(at / NS_PER_SEC);
	ts.tv_nsec = (long)(at % NS_PER_SEC);
	while (!*stop && wall_now() < at) {
		rv = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
		if (rv != 0 && rv != EINTR) {
			errno = rv;
			return -1;
		}
	}
	if (*stop) {
		errno = EINTR;
		return -1;
	}
	return 0;
}

/* ns as ISO 8601 in UTC, to the nanosecond: WALL_TEXT bytes at most. */
void
wall_format(uint64_t ns, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ns / NS_PER_SEC);

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09luZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned long)(ns % NS_PER_SEC));
}
