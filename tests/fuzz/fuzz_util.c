/* Helpers of the fuzz targets (see fuzz.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iv/ingest.h"
#include "iv/store.h"
#include "store.h"
#include "wire.h"

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int fuzz_same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static int same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Two stores hold the same rows, field by field. */
void fuzz_same_rows_skip(const iv_store *a, const iv_store *b, unsigned skip)
{
    size_t i, d, n = iv_store_rows(a);
    FUZZ_CHECK(n == iv_store_rows(b));
    /* b read with skip: no id, no custom dimension (iv_ingest_options.skip) */
    FUZZ_CHECK(iv_store_dim_count(b) == (skip & IV_SKIP_DIMS ? 0 : iv_store_dim_count(a)));
    for (i = 0; i < n; i++) {
        iv_record x = IV_RECORD_INIT, y = IV_RECORD_INIT;
        FUZZ_CHECK(iv_store_get_row(a, i, &x) == IV_OK);
        FUZZ_CHECK(iv_store_get_row(b, i, &y) == IV_OK);
        FUZZ_CHECK(same_str(x.contact, y.contact) && same_str(x.channel, y.channel));
        FUZZ_CHECK(same_str(x.type, y.type) && same_str(x.team, y.team));
        FUZZ_CHECK((skip & IV_SKIP_ID ? y.id == NULL : same_str(x.id, y.id)) && x.ts == y.ts);
        /* of a skipped id, the store keeps that the row had one (the maturity indicator
         * technology.id_coverage counts it) */
        FUZZ_CHECK(iv__store_has_id(b, i) == (x.id != NULL));
        FUZZ_CHECK(x.stage == y.stage && x.area == y.area);
        FUZZ_CHECK(x.direction == y.direction && x.outcome == y.outcome);
        FUZZ_CHECK(fuzz_same_double(x.cost, y.cost) && fuzz_same_double(x.value, y.value));
        FUZZ_CHECK(fuzz_same_double(x.score, y.score) && fuzz_same_double(x.rv, y.rv));
        for (d = 0; d < iv_store_dim_count(b); d++)
            FUZZ_CHECK(same_str(iv_store_get_dim(a, i, d), iv_store_get_dim(b, i, d)));
    }
}

void fuzz_same_rows(const iv_store *a, const iv_store *b)
{
    fuzz_same_rows_skip(a, b, 0);
}

void fuzz_temp_file(char *buf, size_t cap, const uint8_t *data, size_t size)
{
    const char *dir = getenv("TMPDIR");
    FILE *f;
    int fd;
    snprintf(buf, cap, "%s/ivfuzz-XXXXXX", dir ? dir : "/tmp");
    fd = mkstemp(buf);
    FUZZ_CHECK(fd >= 0);
    f = fdopen(fd, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    FUZZ_CHECK(fclose(f) == 0);
}

void fuzz_framed(const uint8_t *data, size_t size, void (*check)(const uint8_t *, size_t))
{
    uint8_t *fixed;
    check(data, size);
    if (size < IV__FRAME_HEADER)
        return;
    fixed = malloc(size);
    FUZZ_CHECK(fixed != NULL);
    memcpy(fixed, data, size);
    iv__le64(fixed + 16, (uint64_t)(size - IV__FRAME_HEADER));
    iv__le32(fixed + 24, iv__crc32(0, fixed + IV__FRAME_HEADER, size - IV__FRAME_HEADER));
    check(fixed, size);
    free(fixed);
}
