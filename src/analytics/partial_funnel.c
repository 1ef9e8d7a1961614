/* Partials of funnels (doc/SUMMARIES.md §Partials). */
#include "partial_funnel.h"

int iv__partial_funnel_make(iv_partial **out, const iv_store *s, const iv_query_options *q,
                            const iv_lifecycle_options *o)
{
    (void)out; (void)s; (void)q; (void)o;
    return iv__error(IV_EINVAL, "funnel partials: not built yet");
}
int iv__partial_funnel_result(iv_table **out, const iv_partial *P)
{
    (void)out; (void)P;
    return iv__error(IV_EINVAL, "funnel partials: not built yet");
}
int iv__partial_funnel_check(const iv_partial *P)
{
    (void)P;
    return iv__error(IV_ECORRUPT, "partial bytes: funnel partials are not read yet");
}
