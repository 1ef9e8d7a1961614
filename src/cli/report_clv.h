/* The CLV section of `iv report`: BG/NBD, MBG/NBD and Pareto/NBD fitted to the purchases
 * with standard errors, the contacts of highest expected value, and a calibration fit
 * checked against a holdout by calibration frequency (doc/GUIDE.md §3, doc/CLV.md §11). */
#ifndef IV_CLI_REPORT_CLV_H
#define IV_CLI_REPORT_CLV_H

#include <stdint.h>
#include <stdio.h>

#include "iv.h"

typedef struct report_clv_in {
    FILE *f;
    const char *cmd;
    const iv_store *store;
    const iv_model *model; /* the scoring model whose purchase flag picks the purchases */
    const char *where;     /* the report's selection (the section says it is not applied) */
    int64_t first, last;   /* time range of the data (ms) */
} report_clv_in;

/* The section in two parts that read the store only and share nothing, so that they may
 * run at once, each writing to its own stream; the page is the first part's text, then
 * the second's when *holdout_next says it follows. Each adds the charts it drew to
 * *charts. Data that cannot support a fit give a plain note in the section, not an error.
 * Each returns CLI_OK, or CLI_EFAIL (message printed) when memory runs out. */

/* <section id="clv"> up to the calibration against holdout: the fits to all purchases and
 * the contacts of highest expected value. *holdout_next is set when report_clv_holdout's
 * part follows and ends the section (CLI_OK and data enough to fit); otherwise the section
 * is ended here, or left open on an error, as the whole section would leave it. */
int report_clv_fits(const report_clv_in *in, int *charts, int *holdout_next);

/* The calibration against holdout (fits to the first three quarters of the time range,
 * iv_clv_validate over the last quarter) and the end of the section. */
int report_clv_holdout(const report_clv_in *in, int *charts);

#endif
