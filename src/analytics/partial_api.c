/* The public entry points of partials that depend on the kind (doc/SUMMARIES.md §10):
 * making one, reading one from bytes or a file (with the kind's own checks), its result,
 * and writing one to a file. */
#include "partial_clv.h"
#include "partial_cmp.h"
#include "partial_funnel.h"
#include "partial_lc.h"
#include "partial_norm.h"
#include "wire.h"

IV_API int iv_partial_lifecycle(iv_partial **out, int kind, const iv_store *s, const iv_query_options *q,
                                const iv_lifecycle_options *opts)
{
    if (!out)
        return iv__error(IV_EINVAL, "iv_partial_lifecycle: out is NULL");
    *out = NULL;
    if (!s)
        return iv__error(IV_EINVAL, "iv_partial_lifecycle: store is NULL");
    if (kind < IV_PARTIAL_CHURN || kind > IV_PARTIAL_STICKINESS)
        return iv__error(IV_EINVAL, "iv_partial_lifecycle: unknown kind %d", kind);
    if (kind == IV_PARTIAL_FUNNEL)
        return iv__partial_funnel_make(out, s, q, opts);
    return iv__partial_lc_make(out, kind, s, q, opts);
}

IV_API int iv_partial_from_bytes(iv_partial **out, const void *bytes, size_t len,
                                 const iv_summary_options *opts)
{
    int rc = iv__partial_parse_bytes(out, bytes, len, opts);
    if (rc)
        return rc;
    rc = (*out)->kind == IV_PARTIAL_FUNNEL ? iv__partial_funnel_check(*out)
         : (*out)->kind == IV_PARTIAL_CLV  ? iv__partial_clv_check(*out)
         : (*out)->kind == IV_PARTIAL_COMPARE ? iv__partial_cmp_check(*out)
         : (*out)->kind == IV_PARTIAL_NORM ? iv__partial_norm_check(*out)
                                           : iv__partial_lc_check(*out);
    if (rc) {
        iv_partial_free(*out);
        *out = NULL;
    }
    return rc;
}

IV_API int iv_partial_result(iv_table **out, const iv_partial *P)
{
    if (!out || !P)
        return iv__error(IV_EINVAL, "iv_partial_result: NULL argument");
    *out = NULL;
    return P->kind == IV_PARTIAL_FUNNEL ? iv__partial_funnel_result(out, P)
           : P->kind == IV_PARTIAL_CLV  ? iv__partial_clv_result(out, P)
           : P->kind == IV_PARTIAL_COMPARE ? iv__partial_cmp_result(out, P)
           : P->kind == IV_PARTIAL_NORM ? iv__partial_norm_result(out, P)
                                        : iv__partial_lc_result(out, P);
}

IV_API int iv_partial_save(const iv_partial *P, const char *path)
{
    void *b = NULL;
    size_t n = 0;
    int rc;
    if (!P || !path)
        return iv__error(IV_EINVAL, "iv_partial_save: NULL argument");
    if ((rc = iv_partial_to_bytes(P, &b, &n)) == IV_OK)
        rc = iv__atomic_write(path, b, n);
    iv_partial_free_bytes(P, b, n);
    return rc;
}

IV_API int iv_partial_load(iv_partial **out, const char *path, const iv_summary_options *opts)
{
    iv__alloc a;
    unsigned char *b;
    size_t n;
    int rc;
    if (!out || !path)
        return iv__error(IV_EINVAL, "iv_partial_load: NULL argument");
    *out = NULL;
    if (opts && (rc = iv__check_options(opts, opts->size, sizeof *opts, sizeof *opts, "iv_summary_options")))
        return rc;
    iv__alloc_init(&a, opts ? opts->alloc : NULL, opts ? opts->alloc_ud : NULL);
    if ((rc = iv__read_file_magic(&a, path, IV__READ_FILE_LIMIT, IV_PARTIAL_MAGIC, 8, "a libiv partial", &b,
                                  &n)))
        return rc;
    rc = iv__in_file(iv_partial_from_bytes(out, b, n, opts), path);
    iv__free(&a, b, n);
    return rc;
}
