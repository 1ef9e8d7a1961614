/* Internal: indicator sets (user-supplied and derived values), assessment,
 * year-on-year and peers. */
#ifndef IV_SRC_MATURITY_H
#define IV_SRC_MATURITY_H

#include "core.h"
#include "iv/maturity.h"
#include "rubric.h"

typedef struct iv__ind_entry {
    char *name;    /* "area.name", lower case */
    double value;  /* finite */
    int user;      /* 1: supplied by the user (never replaced by a derived value) */
} iv__ind_entry;

struct iv_indicators {
    iv__alloc alloc;
    iv__ind_entry *e;
    size_t n, cap;
};

/* Store a derived value name = value unless the user supplied one (then it is kept
 * and IV_OK is returned). name is "AREA.NAME" as in the default rubric. */
int iv__indicators_put_derived(iv_indicators *ind, const char *name, double value);

#endif
