/* Fuzz target: serialised summaries (doc/SUMMARIES.md: "parsing an untrusted one is safe").
 * Each input is parsed twice: as given (header checks), and with its payload length and
 * CRC-32 patched to match, so that the fuzzer reaches the payload parser past the
 * checksum. Invariants: a parsed summary serialises to bytes that parse back and
 * serialise to the same bytes; its metrics table has one row per group; merging it
 * into itself works. */
#include <string.h>

#include "fuzz.h"
#include "iv/summary.h"

static void check_bytes(const uint8_t *data, size_t size)
{
    iv_summary *s = NULL, *back = NULL;
    iv_table *t = NULL;
    void *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    int rc = iv_summary_from_bytes(&s, data, size, NULL);
    if (rc != IV_OK) {
        FUZZ_CHECK(s == NULL);
        FUZZ_CHECK(rc == IV_ECORRUPT || rc == IV_EVERSION || rc == IV_ELIMIT);
        FUZZ_CHECK(iv_error_last()[0] != '\0');
        return;
    }
    FUZZ_CHECK(iv_summary_to_bytes(s, &b1, &n1) == IV_OK);
    FUZZ_CHECK(iv_summary_from_bytes(&back, b1, n1, NULL) == IV_OK);
    FUZZ_CHECK(iv_summary_to_bytes(back, &b2, &n2) == IV_OK);
    FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    FUZZ_CHECK(iv_summary_metrics(&t, s) == IV_OK);
    FUZZ_CHECK(iv_table_nrows(t) == iv_summary_groups(s) || iv_summary_groups(s) == 0);
    iv_table_free(t);
    FUZZ_CHECK(iv_summary_merge(back, s) == IV_OK);
    FUZZ_CHECK(iv_summary_groups(back) == iv_summary_groups(s));
    iv_summary_free_bytes(s, b1, n1);
    iv_summary_free_bytes(back, b2, n2);
    iv_summary_free(back);
    iv_summary_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_framed(data, size, check_bytes);
    return 0;
}
