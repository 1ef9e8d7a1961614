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

/* Writes <section id="clv"> and adds the charts it drew to *charts. Data that cannot
 * support a fit give a plain note in the section, not an error. CLI_OK, or CLI_EFAIL
 * (message printed) when memory runs out. */
int report_clv(const report_clv_in *in, int *charts);

#endif
