/* Synthetic interaction logs for the reliability suites (oom, threads, properties):
 * row i of a log is a pure function of (seed, i), so a log can be split into parts,
 * permuted or rebuilt and still hold the same rows. */
#ifndef IV_RELDATA_H
#define IV_RELDATA_H

#include <stddef.h>
#include <stdint.h>

#include "iv/query.h"

typedef struct rel_row {
    iv_record rec;
    char contact[16];
    const char *dim_names[1];
    const char *dim_values[1];
} rel_row;

/* Row i of the log with this seed, over `contacts` contacts: every channel kind,
 * surveys with scores, outcomes, teams, some explicit costs, values and rv, a custom
 * dimension `region`, timestamps over 2022-2023. */
void rel_row_make(rel_row *r, uint64_t seed, size_t i, size_t contacts);

/* A prepared store of the rows idx[0..n) (idx NULL: rows 0..n-1) with the allocator
 * (fn NULL: the default). */
int rel_store_new(iv_store **out, iv_alloc_fn fn, void *ud, uint64_t seed, const size_t *idx,
                  size_t n, size_t contacts);

/* The table as CSV text (malloc'd; NULL for NULL). */
char *rel_table_csv(const iv_table *t);

/* A small deterministic generator (splitmix64). */
uint64_t rel_next(uint64_t *state);

#endif
