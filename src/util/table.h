/* Internal: building result tables. Every module returns its results through these. */
#ifndef IV_SRC_TABLE_H
#define IV_SRC_TABLE_H

#include "core.h"
#include "iv/table.h"

/* A new empty table using allocator a (copied). NULL on IV_ENOMEM (error set). */
iv_table *iv__table_new(const iv__alloc *a);
/* Append a column; returns its index (>= 0) or a negative iv_status. Columns must all
 * be added before the first row. */
int iv__table_add_col(iv_table *t, const char *name, int type);
/* Append a row with every cell undefined; returns its index (>= 0) or IV_ENOMEM. */
long iv__table_add_row(iv_table *t);
/* Make room for `rows` rows in all (after the columns are added), so that adding that many
 * rows allocates nothing more: IV_OK or IV_ENOMEM (the table unchanged). */
int iv__table_reserve(iv_table *t, size_t rows);
/* Setters: a NaN double is stored as undefined. Return IV_OK or IV_ENOMEM. */
int iv__table_set_double(iv_table *t, size_t row, size_t col, double v);
int iv__table_set_int(iv_table *t, size_t row, size_t col, int64_t v);   /* INT, TIME, BOOL */
int iv__table_set_string(iv_table *t, size_t row, size_t col, const char *s, size_t n);
int iv__table_list_push(iv_table *t, size_t row, size_t col, const char *s, size_t n);
/* Mark a STRING column whose cells that are plain integers ("1", "-2") export to JSON
 * as numbers (the funnel's `step`: 1, 2, ... and then "support_after"). */
void iv__table_set_numeric_text(iv_table *t, size_t col);
/* Mark a single-result table (JSON export writes one object). */
void iv__table_set_single(iv_table *t, int single);
/* The table's allocator. */
const iv__alloc *iv__table_alloc(const iv_table *t);

#endif
