/* Fuzz target: store snapshots (doc/SUMMARIES.md: "a truncated or corrupted file is a clear
 * error"). Each input is loaded twice: as given, and with every section's CRC-32
 * patched to match its payload, so that the fuzzer reaches the section parsers.
 * Invariants: a loaded store saves to a file that loads back to the same rows, and a
 * query over it counts every row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iv/query.h"
#include "wire.h"

#define HEADER 16 /* magic 8, version 4, flags 4 */

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Sections: u32 tag, u64 length, payload, u32 CRC-32 of the payload. */
static void patch_crcs(uint8_t *b, size_t size)
{
    size_t off = HEADER;
    while (off + 12 <= size) {
        uint64_t len = get_le(b + off + 4, 8);
        uint32_t crc;
        if (len > size - off - 12 || size - off - 12 - len < 4)
            break;
        crc = iv__crc32(0, b + off + 12, (size_t)len);
        b[off + 12 + len] = (uint8_t)crc;
        b[off + 13 + len] = (uint8_t)(crc >> 8);
        b[off + 14 + len] = (uint8_t)(crc >> 16);
        b[off + 15 + len] = (uint8_t)(crc >> 24);
        off += 16 + (size_t)len;
    }
}

static void check_file(const uint8_t *data, size_t size)
{
    char path[256], again[256];
    iv_store *s = NULL, *back = NULL;
    iv_table *t = NULL;
    int rc;
    fuzz_temp_file(path, sizeof path, data, size);
    rc = iv_store_load(&s, path, NULL);
    remove(path);
    if (rc != IV_OK) {
        FUZZ_CHECK(s == NULL);
        FUZZ_CHECK(rc == IV_ECORRUPT || rc == IV_EVERSION || rc == IV_ELIMIT);
        FUZZ_CHECK(iv_error_last()[0] != '\0');
        return;
    }
    fuzz_temp_file(again, sizeof again, data, 0);
    FUZZ_CHECK(iv_store_save(s, again) == IV_OK);
    FUZZ_CHECK(iv_store_load(&back, again, NULL) == IV_OK);
    remove(again);
    fuzz_same_rows(s, back);
    FUZZ_CHECK(iv_query_metrics(&t, s, NULL) == IV_OK);
    FUZZ_CHECK(iv_table_get_int(t, 0, (size_t)iv_table_col_index(t, "n")) ==
               (int64_t)iv_store_rows(s));
    iv_table_free(t);
    iv_store_free(back);
    iv_store_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_file(data, size);
    if (size > HEADER) {
        uint8_t *fixed = malloc(size);
        FUZZ_CHECK(fixed != NULL);
        memcpy(fixed, data, size);
        patch_crcs(fixed, size);
        if (memcmp(fixed, data, size) != 0)
            check_file(fixed, size);
        free(fixed);
    }
    return 0;
}
