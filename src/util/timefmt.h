/* Internal: proleptic Gregorian calendar arithmetic shared by timestamp parsing and
 * formatting (and by anything that buckets time by day, month or year). */
#ifndef IV_SRC_TIMEFMT_H
#define IV_SRC_TIMEFMT_H

#include "core.h"

#define IV__MS_PER_DAY 86400000LL

/* The UTC day (days since 1970-01-01, rounded towards minus infinity) of a timestamp. */
static inline int64_t iv__day_of_ms(int64_t ts)
{
    return ts >= 0 ? ts / IV__MS_PER_DAY : -((-ts + IV__MS_PER_DAY - 1) / IV__MS_PER_DAY);
}

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, d 1..31, any year). */
int64_t iv__days_from_civil(int64_t y, int m, int d);
/* Inverse of iv__days_from_civil. */
void iv__civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 1 when y is a Gregorian leap year. */
int iv__is_leap(int64_t y);
/* Days in month m (1..12) of year y. */
int iv__days_in_month(int64_t y, int m);

/* Formerly the month of the last timestamp; no longer read (the fast path below has
 * no state, so rows in any order convert at the same cost). Kept so that callers need
 * not change. */
typedef struct iv__tcache {
    char unused;
} iv__tcache;

/* iv_time_parse with a fast path for the common YYYY-MM-DDThh:mm:ssZ (20 bytes, years
 * 1900 to 2200). Results and errors are exactly those of iv_time_parse, which handles
 * every other text. tc is ignored (may be NULL). */
int iv__time_parse_cached(iv__tcache *tc, const char *s, size_t n, int64_t *out);

/* The date forms of iv_time_parse (not epoch seconds), without the range check:
 * *out is the instant when the text has Z or an offset (*has_off = 1), else the
 * wall-clock time read as if it were UTC (*has_off = 0). IV_OK, IV_EPARSE or IV_ERANGE
 * (year far out of range), with iv_time_parse's messages. */
int iv__time_parse_wall(const char *text, size_t len, int64_t *out, int *has_off);
/* The range check of iv_time_parse (years 1900 to 2200) on an instant parsed from
 * text: IV_OK and *out = ms, or IV_ERANGE naming the text. */
int iv__time_check_range(const char *text, size_t len, int64_t ms, int64_t *out);

#endif
