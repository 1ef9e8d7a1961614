/* Fuzz target: serialised partials (doc/SUMMARIES.md §Partials: parsing untrusted bytes is
 * safe). Each input is parsed as given and with its payload length and CRC-32 patched to
 * match, so that the fuzzer reaches the payload parser. Invariants: a parsed partial
 * serialises to bytes that parse back to the same bytes; its result is a table or a
 * clear error (a CLV partial's fit too); merging it into a copy of itself works or
 * reports an overflow. */
#include <string.h>

#include "fuzz.h"
#include "iv/summary.h"
#include "iv/table.h"

static void check_bytes(const uint8_t *data, size_t size)
{
    iv_partial *p = NULL, *back = NULL;
    iv_table *t = NULL;
    void *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    int rc = iv_partial_from_bytes(&p, data, size, NULL);
    if (rc != IV_OK) {
        FUZZ_CHECK(p == NULL);
        FUZZ_CHECK(rc == IV_ECORRUPT || rc == IV_EVERSION);
        FUZZ_CHECK(iv_error_last()[0] != '\0');
        return;
    }
    FUZZ_CHECK(iv_partial_to_bytes(p, &b1, &n1) == IV_OK);
    FUZZ_CHECK(iv_partial_from_bytes(&back, b1, n1, NULL) == IV_OK);
    FUZZ_CHECK(iv_partial_to_bytes(back, &b2, &n2) == IV_OK);
    FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    rc = iv_partial_result(&t, p);
    FUZZ_CHECK(rc == IV_OK || rc == IV_ELIMIT || rc == IV_EINVAL || rc == IV_ECORRUPT);
    FUZZ_CHECK(rc == IV_OK ? t != NULL : iv_error_last()[0] != '\0');
    iv_table_free(t);
    if (iv_partial_kind_of(p) == IV_PARTIAL_CLV) { /* the fit of forged inputs: a model or an error */
        iv_clv_options co = IV_CLV_OPTIONS_INIT;
        iv_clv *fit = NULL;
        co.max_iterations = 4; /* bounds the work: Nelder–Mead gets 40× this */
        rc = iv_partial_clv_fit(&fit, p, &co);
        FUZZ_CHECK(rc == IV_OK ? fit != NULL : fit == NULL && iv_error_last()[0] != '\0');
        FUZZ_CHECK(rc == IV_OK || rc == IV_EUNDEFINED || rc == IV_ENOCONV || rc == IV_ERANGE);
        iv_clv_free(fit);
    }
    rc = iv_partial_merge(back, p);
    FUZZ_CHECK(rc == IV_OK || rc == IV_ERANGE);
    iv_partial_free_bytes(p, b1, n1);
    iv_partial_free_bytes(back, b2, n2);
    iv_partial_free(back);
    iv_partial_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_framed(data, size, check_bytes);
    return 0;
}
