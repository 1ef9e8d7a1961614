/* Internal: partials of churn, retention, cohorts, lifecycle and stickiness (partial_lc.c). */
#ifndef IV_SRC_PARTIAL_LC_H
#define IV_SRC_PARTIAL_LC_H

#include "partial.h"

/* Make the partial of one part (the options already checked by the caller's size rules:
 * opts as the caller gave them). */
int iv__partial_lc_make(iv_partial **out, int kind, const iv_store *s, const iv_query_options *q,
                        const iv_lifecycle_options *opts);
/* Bytes from elsewhere: IV_ECORRUPT when a parameter, slot or key is impossible. */
int iv__partial_lc_check(const iv_partial *P);
/* The analysis' table over the merged parts. */
int iv__partial_lc_result(iv_table **out, const iv_partial *P);

#endif
