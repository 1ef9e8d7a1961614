/* Fuzz target: timestamps (doc/GUIDE.md §1).
 * Invariants: a parsed time lies in [1900-01-01, 2201-01-01) UTC up to one day of offset,
 * and formatting it gives text that parses back to the same millisecond; the ingestion's
 * fast path (iv__time_parse_cached) gives the same code and instant as iv_time_parse. */
#include <string.h>

#include "fuzz.h"
#include "iv/ingest.h"
#include "timefmt.h"

/* 1900-01-01T00:00:00Z and 2201-01-01T00:00:00Z in ms: days from the epoch are
 * -25567 and 84371. */
#define T_1900 (-25567LL * 86400000LL)
#define T_2201 (84371LL * 86400000LL)
#define ONE_DAY 86400000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ts = 0, back = 0;
    char buf[64];
    int64_t fast = 0;
    int rc = iv_time_parse((const char *)data, size, &ts);
    int rcf = iv__time_parse_cached(NULL, (const char *)data, size, &fast);
    FUZZ_CHECK(rcf == rc && (rc != IV_OK || fast == ts));
    if (rc != IV_OK) {
        FUZZ_CHECK(rc == IV_EPARSE || rc == IV_ERANGE);
        return 0;
    }
    FUZZ_CHECK(ts >= T_1900 - ONE_DAY && ts < T_2201 + ONE_DAY);
    FUZZ_CHECK(iv_time_format(ts, buf, sizeof buf) == IV_OK);
    FUZZ_CHECK(iv_time_parse(buf, strlen(buf), &back) == IV_OK);
    FUZZ_CHECK(back == ts);
    return 0;
}
