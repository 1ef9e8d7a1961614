/* Per-contact CLV input of `iv clv` and `iv report` (summaries from a store) and the
 * calibration-against-holdout table of `iv clv validate` (doc/CLV.md §11). */
#ifndef IV_CLI_CLV_DATA_H
#define IV_CLI_CLV_DATA_H

#include <stddef.h>

#include "iv.h"

/* The per-contact input, whatever its source: for sbg x = periods, t_x = churned;
 * T is n for bgbb; hx, hT the holdout purchases and the holdout length (holdout_n). */
typedef struct clv_data {
    size_t n;
    char **contact;
    double *x, *t_x, *T, *zbar, *hx, *hT;
    int has_zbar, has_holdout;
} clv_data;

void clv_data_free(clv_data *d);
/* Room for n contacts (all zero). 1 on success, 0 when out of memory (free it anyway). */
int clv_data_alloc(clv_data *d, size_t n);

/* The summaries of `model` from a store (iv_rfm, iv_rfm_discrete for bgbb, iv_contracts
 * for sbg); hold_len is the holdout length in units (hT of every contact but bgbb's).
 * IV_OK; IV_EUNDEFINED when no contact qualifies (no purchase on or before the
 * calibration end; for sbg no whole period observed); else the library's error. */
int clv_data_from_store(const iv_store *store, const iv_rfm_options *ro, int model,
                        double hold_len, clv_data *d);


/* Covariates of the contacts of a clv_data, one row per contact (doc/CLV.md §13): numeric
 * columns as they are, a text column one-hot (an indicator NAME=LEVEL for every level but
 * the first in byte order, the reference). */
typedef struct clv_cov {
    size_t k;     /* columns */
    double *z;    /* n x k, row-major */
    char **names; /* k names */
} clv_cov;

void clv_cov_free(clv_cov *c);

/* From a CSV `contact,NAME,...` (every contact of d needs a row; other rows are ignored).
 * Prints the error (file:line:column and the field, or the contact without a row) and
 * returns CLI_EFAIL; CLI_OK on success. */
int clv_cov_from_csv(const char *cmd, const char *path, const clv_data *d, clv_cov *out);

/* From custom dimensions of a store (comma list): each contact's latest non-empty value.
 * Prints the error and returns CLI_EFAIL (an unknown dimension, a contact with no value). */
int clv_cov_from_dims(const char *cmd, const iv_store *store, const char *dims,
                      const clv_data *d, clv_cov *out);

/* Customer i's own model (rates alpha_i, beta_i from its covariates; iv_clv_for_customer),
 * the covariates on both rates for Pareto/NBD as the fit takes them. */
int clv_cov_customer(const iv_clv *tx, const clv_cov *cov, size_t i, iv_clv **one);

/* The validation table of iv_clv_validate (rows x = "0".."6", "7+" and "all") over the
 * holdout purchases hx in the holdout lengths hT. IV_OK, or the error of the first
 * customer whose prediction fails (its index in *bad) or IV_ENOMEM. With covariates (cov
 * non-NULL, cov->k > 0) each customer is predicted by its own model. */
int clv_validate_table(const clv_data *d, const iv_clv *tx, const clv_cov *cov, iv_table **out,
                       size_t *bad);
/* After clv_validate_table failed: the failing prediction's own message (iv_error_last()
 * without the "customer N: WHAT: " that iv_clv_validate puts before it). */
const char *clv_validate_why(void);
#endif
