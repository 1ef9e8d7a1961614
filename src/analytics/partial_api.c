/* The public entry points of partials that depend on the kind (doc/SUMMARIES.md §10):
 * making one, reading one from bytes (with the kind's own checks) and its result. */
#include "partial_clv.h"
#include "partial_funnel.h"
#include "partial_lc.h"

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
                                        : iv__partial_lc_result(out, P);
}
