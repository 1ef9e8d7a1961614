/* Internal: partials of the CLV fit inputs (partial_clv.c). */
#ifndef IV_SRC_PARTIAL_CLV_H
#define IV_SRC_PARTIAL_CLV_H

#include "partial.h"

/* Bytes from elsewhere: IV_ECORRUPT when a parameter or entry is impossible. */
int iv__partial_clv_check(const iv_partial *P);
/* The merged table of distinct per-contact summaries with their counts. */
int iv__partial_clv_result(iv_table **out, const iv_partial *P);

#endif
