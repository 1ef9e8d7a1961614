/* Fuzz target: the maturity text formats (doc/MATURITY.md): rubric files, indicator CSV
 * (`indicator,value`) and peer CSV (`peer,area,score`), all fed the same bytes.
 * Invariants: failures are IV_EPARSE (or a limit) with a message; a parsed rubric can
 * be tabulated and assessed; a failed indicator parse leaves the set unchanged; peer
 * percentiles lie in [0, 100]. */
#include <math.h>

#include "fuzz.h"
#include "iv/maturity.h"

static void check_peers(const uint8_t *data, size_t size, const iv_table *assessment)
{
    iv_table *t = NULL;
    int rc = iv_maturity_peers_parse(&t, assessment, (const char *)data, size);
    size_t i;
    long c;
    if (rc != IV_OK) {
        FUZZ_CHECK(rc == IV_EPARSE || rc == IV_ELIMIT);
        FUZZ_CHECK(t == NULL);
        return;
    }
    c = iv_table_col_index(t, "percentile");
    FUZZ_CHECK(c >= 0);
    for (i = 0; i < iv_table_nrows(t); i++) {
        if (iv_table_is_defined(t, i, (size_t)c)) {
            double p = iv_table_get_double(t, i, (size_t)c);
            FUZZ_CHECK(p >= 0.0 && p <= 100.0);
        }
    }
    iv_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iv_rubric *r = NULL, *def = NULL;
    iv_indicators *ind = NULL;
    iv_table *t = NULL;
    size_t before;
    int rc = iv_rubric_parse(&r, (const char *)data, size, NULL);
    if (rc == IV_OK) {
        FUZZ_CHECK(iv_rubric_table(&t, r) == IV_OK);
        iv_table_free(t);
        t = NULL;
    } else {
        FUZZ_CHECK(rc == IV_EPARSE || rc == IV_ELIMIT);
        FUZZ_CHECK(r == NULL && iv_error_last()[0] != '\0');
    }

    FUZZ_CHECK(iv_indicators_new(&ind, NULL) == IV_OK);
    FUZZ_CHECK(iv_indicators_set(ind, "channels.digital_share", 0.5) == IV_OK);
    before = iv_indicators_count(ind);
    rc = iv_indicators_parse_csv(ind, (const char *)data, size);
    if (rc != IV_OK) {
        FUZZ_CHECK(rc == IV_EPARSE || rc == IV_ELIMIT);
        FUZZ_CHECK(iv_indicators_count(ind) == before);
    }

    FUZZ_CHECK(iv_rubric_new_default(&def, NULL) == IV_OK);
    FUZZ_CHECK(iv_maturity_assess(&t, r ? r : def, ind, NULL) == IV_OK);
    FUZZ_CHECK(iv_table_nrows(t) == 9);
    check_peers(data, size, t);
    iv_table_free(t);
    iv_indicators_free(ind);
    iv_rubric_free(def);
    iv_rubric_free(r);
    return 0;
}
