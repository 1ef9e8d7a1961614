/* Fuzz target: model files (INI text, doc/MODEL.md; doc/MODEL.md).
 * Invariants: parsing either fails with IV_EPARSE/IV_ELIMIT or gives a model whose
 * written text parses back to an equal model, whose text is the same again. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iv/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iv_model *m = NULL, *back = NULL;
    char *text = NULL, *text2 = NULL;
    size_t len = 0, len2 = 0;
    int rc = iv_model_parse(&m, (const char *)data, size, NULL);
    if (rc != IV_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(rc == IV_EPARSE || rc == IV_ELIMIT || rc == IV_ERANGE);
        FUZZ_CHECK(iv_error_last()[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(iv_model_to_string(m, &text, &len) == IV_OK);
    FUZZ_CHECK(strlen(text) == len);
    FUZZ_CHECK(iv_model_parse(&back, text, len, NULL) == IV_OK);
    FUZZ_CHECK(iv_model_equal(m, back) == 1);
    FUZZ_CHECK(iv_model_to_string(back, &text2, &len2) == IV_OK);
    FUZZ_CHECK(len == len2 && memcmp(text, text2, len) == 0);
    iv_model_free_string(back, text2);
    iv_model_free_string(m, text);
    iv_model_free(back);
    iv_model_free(m);
    return 0;
}
