/* Internal: partials of funnels (partial_funnel.c). */
#ifndef IV_SRC_PARTIAL_FUNNEL_H
#define IV_SRC_PARTIAL_FUNNEL_H

#include "partial.h"

int iv__partial_funnel_make(iv_partial **out, const iv_store *s, const iv_query_options *q,
                            const iv_lifecycle_options *opts);
int iv__partial_funnel_check(const iv_partial *P);
int iv__partial_funnel_result(iv_table **out, const iv_partial *P);
int iv__partial_funnel_histogram(iv_table **out, const iv_partial *P);

#endif
