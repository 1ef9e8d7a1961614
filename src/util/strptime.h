/* Internal: strptime-style timestamp patterns for the time_format source option,
 * locale-independent (English month names) and without libc's strptime. */
#ifndef IV_SRC_STRPTIME_H
#define IV_SRC_STRPTIME_H

#include "core.h"

/* Check a pattern. IV_OK, or IV_EINVAL with a message naming the unknown directive. */
int iv__strptime_check(const char *fmt);

/* Match the whole of s[0..n) against fmt. Directives: %Y (4 digits) %y (2 digits,
 * 69-99 -> 19xx, 00-68 -> 20xx) %m %d %H %I %M %S (1 or 2 digits) %e (day, optional
 * leading space) %f (fraction, kept to milliseconds) %p (AM/PM, any case) %b %B
 * (English month name or its 3-letter abbreviation, any case) %z (Z, ±hh:mm, ±hhmm,
 * ±hh) %s (epoch seconds) %%; a space matches one or more spaces; any other character
 * matches itself. A year is required unless %s is given.
 * Returns 0 with *ms the wall-clock time in milliseconds read as if it were UTC, or
 * the UTC instant when *utc is set (%z or %s given); 1 when the text does not have
 * the pattern's shape; 2 when it has it but names no real date or time (*why says
 * what). */
int iv__strptime(const char *fmt, const char *s, size_t n, int64_t *ms, int *utc, const char **why);

#endif
