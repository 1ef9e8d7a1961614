/* Internal: time zones for naive local timestamps: UTC, fixed offsets and IANA zones
 * read from the system's TZif files (RFC 8536), with the POSIX TZ rule of the footer
 * for instants past the last transition. libc only. */
#ifndef IV_SRC_TZ_H
#define IV_SRC_TZ_H

#include "core.h"

typedef struct iv__tz iv__tz;

/* Per-parser memo of the last conversion (a zone is read-only once loaded, so parsers
 * on several threads may share it, each with its own cache). Zero it before use. */
typedef struct iv__tzcache {
    int64_t lo, hi;   /* local seconds [lo, hi) convert uniquely with offset off */
    int32_t off;
    int valid;
} iv__tzcache;

/* Load a zone: "UTC", "±hh:mm" / "±hhmm" / "±hh", or an IANA name ("Europe/Berlin")
 * looked up under $TZDIR, else /usr/share/zoneinfo. IV_OK, IV_EINVAL (the message
 * names the zone and what is wrong) or IV_ENOMEM. */
int iv__tz_load(iv__tz **out, const iv__alloc *a, const char *name);
void iv__tz_free(iv__tz *tz, const iv__alloc *a);
/* 1 when the zone is UTC (offset 0 at every instant, no file). */
int iv__tz_is_utc(const iv__tz *tz);
/* UTC offset in seconds (local = UTC + offset) at UTC instant t (seconds). */
int32_t iv__tz_offset(const iv__tz *tz, int64_t t);
/* Wall-clock time `local` (seconds, read as if it were UTC) in the zone to UTC seconds.
 * Returns 0 and *utc; 1 when that local time does not exist (a DST gap). An ambiguous
 * local time (DST overlap) gives the earlier instant. cache may be NULL. */
int iv__tz_to_utc(const iv__tz *tz, iv__tzcache *cache, int64_t local, int64_t *utc);

#endif
