/* Internal: partials of trajectory norms (partial_norm.c). */
#ifndef IV_SRC_PARTIAL_NORM_H
#define IV_SRC_PARTIAL_NORM_H

#include "partial.h"

/* Bytes from elsewhere: IV_ECORRUPT when a parameter or entry is impossible. */
int iv__partial_norm_check(const iv_partial *P);
/* The norm table of the merged trajectory values. */
int iv__partial_norm_result(iv_table **out, const iv_partial *P);

#endif
