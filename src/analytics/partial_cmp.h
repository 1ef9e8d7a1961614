/* Internal: partials of `compare` (partial_cmp.c). */
#ifndef IV_SRC_PARTIAL_CMP_H
#define IV_SRC_PARTIAL_CMP_H

#include "partial.h"

/* Bytes from elsewhere: IV_ECORRUPT when a parameter or entry is impossible. */
int iv__partial_cmp_check(const iv_partial *P);
/* The compare row of the merged samples. */
int iv__partial_cmp_result(iv_table **out, const iv_partial *P);

#endif
