/* Internal: the per-contact metric of a segment (pattern.c), the sample `iv compare` tests;
 * shared with the compare partials (partial_cmp.c). */
#ifndef IV_SRC_SEGMENT_H
#define IV_SRC_SEGMENT_H

#include "core.h"
#include "iv/query.h"
#include "iv/store.h"

/* The per-contact `metric` over each contact's rows selected by (q->where) and (seg), via
 * iv_query_metrics grouped by contact: *v receives *n values (NaN when undefined; free
 * with the store's allocator, *n doubles). */
int iv__segment_sample(const iv_store *s, const iv_query_options *q, const char *metric,
                       const char *seg, double **v, size_t *n);

#endif
