/* iv clv fit | predict | validate | pmf [INPUT] : the CLV models (doc/CLV.md) from the
 * per-contact summaries of the purchase-flagged interactions or from a --summary CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clv_data.h"
#include "commands.h"

static const char *usage_clv =
    "iv clv fit [INPUT] --model bgnbd|pareto|mbgnbd|bgbb|sbg|gg [--summary FILE]\n"
    "                 [--calibration-end DATE] [--unit day|week] [--penalizer L]\n"
    "                 [--scoring-model FILE] [--covariates FILE | --covariates-dim D,...]\n"
    "                 [--format table|csv|json]\n"
    "       iv clv predict [INPUT] --model M [--spend] [--horizon N] [--discount D] [fit options]\n"
    "       iv clv validate [INPUT] --model M --calibration-end D --holdout-end E [fit options]\n"
    "       iv clv pmf [INPUT] --model bgnbd|mbgnbd|pareto --horizon T --max-x K [fit options]";

static const char *help_clv =
    "Each contact's purchases (interactions whose type carries the model's `purchase` flag)\n"
    "are summarised as x (repeat purchase days), t_x (first to last purchase day) and T\n"
    "(first purchase day to the calibration end, inclusive), in --unit (default week);\n"
    "same-day purchases are merged and their values added. --calibration-end defaults to\n"
    "the last timestamp in the data. --scoring-model FILE gives the scoring model whose\n"
    "flags pick the purchases (--model names the CLV model here). bgbb counts opportunities:\n"
    "the periods of --unit after the first purchase (x of the n periods with a purchase,\n"
    "the last t_x); sbg takes each contact's periods from its first interaction to a\n"
    "churn-flagged one (churned) or to the calibration end (renewal interactions count\n"
    "periods too). --summary FILE reads these per-contact summaries instead of a log: a\n"
    "CSV with the header contact,x,t_x,T (bgnbd, mbgnbd, pareto; plus zbar for gg and\n"
    "--spend), contact,x,t_x,n (bgbb) or contact,periods,churned (sbg); validate also\n"
    "needs holdout_x and holdout_T (holdout_n for bgbb). --penalizer L (>= 0) is lifetimes'\n"
    "penalizer_coef. --covariates FILE (a CSV contact,NAME,...) or --covariates-dim D,...\n"
    "(custom dimensions: each contact's latest value) gives time-invariant covariates for\n"
    "fit, predict and validate: on the purchase rate of bgnbd and mbgnbd, on the purchase\n"
    "and dropout rates of pareto (alpha exp(-gamma . z), beta exp(-gamma . z)); text columns\n"
    "are one-hot, an indicator NAME=LEVEL per level but the first; fit then reports\n"
    "gamma_purchase.NAME and gamma_dropout.NAME, each with its _se; predict and validate\n"
    "predict each contact at its own rates (Gamma-Gamma for --spend has no covariates).\n"
    "\n"
    "fit:      one object: each parameter as named in the papers followed by <name>_se, its\n"
    "          standard error, then loglik and customers.\n"
    "predict:  one row per contact: contact, x, t_x, T (n for bgbb), p_alive,\n"
    "          expected_purchases (the conditional expectation in the next --horizon units,\n"
    "          default one year: 52 weeks or 365 days; opportunities for bgbb); with --spend\n"
    "          (fits Gamma-Gamma on the repeat buyers too) expected_spend and clv, discounted\n"
    "          monthly at --discount (default 0.01 per month) over the horizon. sbg: contact,\n"
    "          periods, churned, p_alive, retention (of the next period) and\n"
    "          expected_lifetime (further periods, discounted at --discount per period).\n"
    "validate: rows x = 0..6 and 7+ (calibration frequency): customers, actual (mean\n"
    "          holdout purchases), predicted (mean conditional expectation over the holdout);\n"
    "          then x = all: every customer, the totals (sums over the customers) of actual\n"
    "          and predicted, and mae, rmse, correlation over customers.\n"
    "pmf:      rows x, p: P(X(T) = x) of a new customer for x = 0..K.\n";

enum { SUB_FIT, SUB_PREDICT, SUB_VALIDATE, SUB_PMF };

static int clv_model_of(const char *v)
{
    static const struct {
        const char *name;
        int model;
    } m[] = {{"bgnbd", IV_CLV_BGNBD}, {"pareto", IV_CLV_PARETO}, {"gg", IV_CLV_GG},
             {"mbgnbd", IV_CLV_MBGNBD}, {"bgbb", IV_CLV_BGBB}, {"sbg", IV_CLV_SBG}};
    size_t i;
    for (i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(v, m[i].name) == 0)
            return m[i].model;
    return 0;
}

/* ---- input from a store ------------------------------------------------------------ */

static int load_store(const char *cmd, const iv_store *store, const iv_rfm_options *ro, int model,
                      double hold_len, clv_data *d)
{
    int rc = clv_data_from_store(store, ro, model, hold_len, d);
    if (rc == IV_EUNDEFINED)
        return cli_fail(cmd, model == IV_CLV_SBG ? "no contact has a whole period observed before "
                        "the calibration end" : "no contact has a purchase on or before the "
                        "calibration end");
    if (rc == IV_ENOMEM)
        return cli_fail(cmd, "out of memory");
    return rc == IV_OK ? CLI_OK : cli_fail_rc(cmd, "per-contact summary", rc);
}

/* ---- input from a --summary CSV ----------------------------------------------------- */

/* Split a line at commas in place (no quoting: contact ids with commas or quotes are not
 * summary input); returns the number of fields (at most max). */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *e = strchr(p, ',');
        if (n < max)
            f[n] = p;
        n++;
        if (!e)
            break;
        *e = '\0';
        p = e + 1;
    }
    return n;
}

static int read_summary(const char *cmd, const char *path, int model, int need_zbar,
                        int need_holdout, clv_data *d)
{
    const char *want[6];
    int nwant = 0, idx[6], ncols, k, j, nf;
    char *buf = NULL, *hdr[64], *f[64];
    size_t cap = 0, rows = 0, capr = 0, line = 1;
    ssize_t len;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cli_fail_errno(cmd, "reading", path);
    want[nwant++] = "contact";
    if (model == IV_CLV_SBG) {
        want[nwant++] = "periods";
        want[nwant++] = "churned";
    } else {
        want[nwant++] = "x";
        if (model != IV_CLV_GG) {
            want[nwant++] = "t_x";
            want[nwant++] = model == IV_CLV_BGBB ? "n" : "T";
        }
        if (need_zbar || model == IV_CLV_GG)
            want[nwant++] = "zbar";
    }
    if (need_holdout) {
        want[nwant++] = "holdout_x";
        want[nwant++] = model == IV_CLV_BGBB ? "holdout_n" : "holdout_T";
    }
    if ((len = getline(&buf, &cap, fp)) <= 0) {
        fclose(fp);
        free(buf);
        return cli_fail(cmd, "%s:1: empty summary file (expected a header line)", path);
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    ncols = split_fields(buf, hdr, 64);
    for (k = 0; k < nwant; k++) {
        idx[k] = -1;
        for (j = 0; j < ncols && j < 64; j++)
            if (strcmp(hdr[j], want[k]) == 0)
                idx[k] = j;
        if (idx[k] < 0) {
            fclose(fp);
            free(buf);
            return cli_fail(cmd, "%s:1: the header has no column '%s' (needed for --model %s%s)",
                            path, want[k], model == IV_CLV_SBG ? "sbg" : model == IV_CLV_BGBB ? "bgbb"
                            : model == IV_CLV_GG ? "gg" : "bgnbd/mbgnbd/pareto",
                            need_holdout && k >= nwant - 2 ? " and validate" : "");
        }
    }
    memset(d, 0, sizeof *d);
    while ((len = getline(&buf, &cap, fp)) > 0) {
        double v[6];
        line++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0)
            continue;
        if ((nf = split_fields(buf, f, 64)) != ncols) {
            fclose(fp);
            free(buf);
            clv_data_free(d);
            return cli_fail(cmd, "%s:%zu: %d fields, the header has %d", path, line, nf, ncols);
        }
        for (k = 1; k < nwant; k++)
            if (cli_parse_real(f[idx[k]], &v[k]) != 0) {
                long col = (long)(f[idx[k]] - buf) + 1;
                /* the message first: the field points into buf */
                int st = cli_fail(cmd, "%s:%zu:%ld: field '%s': '%s' is not a number", path,
                                  line, col, want[k], f[idx[k]]);
                fclose(fp);
                free(buf);
                clv_data_free(d);
                return st;
            }
        if (rows == capr) {
            clv_data nd;
            size_t i, nc = capr ? 2 * capr : 1024;
            if (!clv_data_alloc(&nd, nc)) {
                clv_data_free(&nd);
                fclose(fp);
                free(buf);
                clv_data_free(d);
                return cli_fail(cmd, "out of memory");
            }
            for (i = 0; i < rows; i++) {
                nd.contact[i] = d->contact[i];
                nd.x[i] = d->x[i];
                nd.t_x[i] = d->t_x[i];
                nd.T[i] = d->T[i];
                nd.zbar[i] = d->zbar[i];
                nd.hx[i] = d->hx[i];
                nd.hT[i] = d->hT[i];
                d->contact[i] = NULL;
            }
            clv_data_free(d);
            *d = nd;
            capr = nc;
        }
        d->contact[rows] = strdup(f[idx[0]]);
        for (k = 1; k < nwant; k++) {
            const char *w = want[k];
            double *dst = strcmp(w, "x") == 0 || strcmp(w, "periods") == 0 ? d->x
                          : strcmp(w, "t_x") == 0 || strcmp(w, "churned") == 0 ? d->t_x
                          : strcmp(w, "T") == 0 || strcmp(w, "n") == 0 ? d->T
                          : strcmp(w, "zbar") == 0 ? d->zbar
                          : strcmp(w, "holdout_x") == 0 ? d->hx : d->hT;
            dst[rows] = v[k];
        }
        rows++;
        d->n = rows;
    }
    fclose(fp);
    free(buf);
    if (rows == 0)
        return cli_fail(cmd, "%s: no rows after the header", path);
    d->n = rows;
    d->has_zbar = need_zbar || model == IV_CLV_GG;
    d->has_holdout = need_holdout;
    return CLI_OK;
}

/* ---- output ------------------------------------------------------------------------- */

static int add_cols(iv_table *t, const char *const *names, const int *types, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        if (iv_table_add_column(t, names[k], types[k]) < 0)
            return IV_ENOMEM;
    return IV_OK;
}

/* one row: the contact, then numbers (column types decide int or double) */
static int add_row(iv_table *t, const char *contact, const double *v, size_t nv, const int *types)
{
    long r = iv_table_add_row(t);
    size_t k;
    int rc;
    if (r < 0)
        return (int)r;
    rc = iv_table_set_string(t, (size_t)r, 0, contact);
    for (k = 0; rc == IV_OK && k < nv; k++)
        rc = types[k + 1] == IV_COL_INT ? iv_table_set_int(t, (size_t)r, k + 1, (int64_t)v[k])
                                        : iv_table_set_double(t, (size_t)r, k + 1, v[k]);
    return rc;
}

static int clv_predict(const clv_data *d, int model, const iv_clv *tx, const clv_cov *cov,
                       const iv_clv *gg, double horizon, double step, double discount,
                       iv_table **out)
{
    static const char *const cols[] = {"contact", "x", "t_x", "T", "p_alive", "expected_purchases",
                                       "expected_spend", "clv"};
    static const char *const bcols[] = {"contact", "x", "t_x", "n", "p_alive", "expected_purchases"};
    static const char *const scols[] = {"contact", "periods", "churned", "p_alive", "retention",
                                        "expected_lifetime"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    static const int btypes[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE,
                                 IV_COL_DOUBLE};
    static const int stypes[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                 IV_COL_DOUBLE};
    size_t i, ncols = model == IV_CLV_SBG || model == IV_CLV_BGBB ? 6 : gg ? 8 : 6;
    const char *const *cn = model == IV_CLV_SBG ? scols : model == IV_CLV_BGBB ? bcols : cols;
    const int *ct = model == IV_CLV_SBG ? stypes : model == IV_CLV_BGBB ? btypes : types;
    iv_table *t = NULL;
    int rc = iv_table_new(&t, NULL, NULL);
    if (rc == IV_OK)
        rc = add_cols(t, cn, ct, ncols);
    for (i = 0; rc == IV_OK && i < d->n; i++) {
        double v[7] = {d->x[i], d->t_x[i], d->T[i], NAN, NAN, NAN, NAN};
        /* an undefined prediction stays undefined (the cell is left empty) */
        if (model == IV_CLV_SBG) {
            v[2] = d->t_x[i] ? 0 : 1;
            if (!d->t_x[i]) {
                iv_clv_retention(tx, d->x[i] + 1, &v[3]);
                iv_clv_residual_lifetime(tx, d->x[i], discount, &v[4]);
            }
        } else {
            /* with covariates, the customer's own model (its rates alpha_i, beta_i) */
            iv_clv *one = NULL;
            const iv_clv *m = tx;
            if (cov->k) {
                if ((rc = clv_cov_customer(tx, cov, i, &one)) == IV_ENOMEM)
                    break;
                m = one;
            }
            if (m) {
                iv_clv_p_alive(m, d->x[i], d->t_x[i], d->T[i], &v[3]);
                iv_clv_conditional(m, horizon, d->x[i], d->t_x[i], d->T[i], &v[4]);
            }
            if (m && gg) {
                iv_clv_expected_spend(gg, d->x[i], d->zbar[i], &v[5]);
                iv_clv_value(m, gg, d->x[i], d->t_x[i], d->T[i], d->zbar[i], horizon, step,
                             discount, &v[6]);
            }
            iv_clv_free(one);
            rc = IV_OK;
        }
        rc = add_row(t, d->contact[i], v, ncols - 1, ct);
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* validate: calibration frequency classes 0..6 and 7+, then "all" (clv_data.h) */
static int clv_validate(const char *cmd, const clv_data *d, const iv_clv *tx, const clv_cov *cov,
                        iv_table **out)
{
    size_t bad = 0;
    int rc = clv_validate_table(d, tx, cov, out, &bad);
    if (rc == IV_OK)
        return CLI_OK;
    if (rc == IV_ENOMEM)
        return cli_fail(cmd, "out of memory");
    return cli_fail(cmd, "contact '%s': %s", d->contact[bad], clv_validate_why());
}

static int clv_pmf(const char *cmd, const iv_clv *m, double horizon, unsigned long long kmax,
                   iv_table **out)
{
    iv_table *t = NULL;
    unsigned long long x;
    int rc = iv_table_new(&t, NULL, NULL);
    if (rc == IV_OK && (iv_table_add_column(t, "x", IV_COL_INT) < 0 ||
                        iv_table_add_column(t, "p", IV_COL_DOUBLE) < 0))
        rc = IV_ENOMEM;
    for (x = 0; rc == IV_OK && x <= kmax; x++) {
        double p = NAN;
        long r;
        if ((rc = iv_clv_pmf(m, horizon, (double)x, &p)) != IV_OK) {
            iv_table_free(t);
            return cli_fail_rc(cmd, "P(X = x)", rc);
        }
        if ((r = iv_table_add_row(t)) < 0) {
            rc = (int)r;
            break;
        }
        rc = iv_table_set_int(t, (size_t)r, 0, (int64_t)x);
        if (rc == IV_OK)
            rc = iv_table_set_double(t, (size_t)r, 1, p);
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        return cli_fail_rc(cmd, "pmf table", rc);
    }
    *out = t;
    return CLI_OK;
}

static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / 86400000LL : -((-ms + 86400000LL - 1) / 86400000LL);
}

int cli_cmd_clv(int argc, char **argv)
{
    const char *cmd = "clv", *input = NULL, *v, *scoring = NULL, *summary = NULL;
    const char *covfile = NULL, *covdims = NULL;
    clv_cov cov;
    cli_opts o;
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_clv_options co = IV_CLV_OPTIONS_INIT, go;
    int model = 0, spend = 0, i, bad = 0, st = CLI_OK, rc, sub, have_cal = 0, have_hold = 0;
    double horizon = NAN, discount = 0.01, step, hold_len = 0, unit_days;
    unsigned long long kmax = 0;
    int have_kmax = 0;
    iv_store *store = NULL;
    iv_model *sm = NULL;
    iv_clv *tx = NULL, *gg = NULL;
    iv_table *t = NULL;
    clv_data d;
    char *paths[1];

    memset(&d, 0, sizeof d);
    memset(&cov, 0, sizeof cov);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\n\n%s", usage_clv, help_clv);
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage(cmd, usage_clv, "the first argument must be fit, predict, validate or pmf");
    if (strcmp(argv[1], "fit") == 0)
        sub = SUB_FIT;
    else if (strcmp(argv[1], "predict") == 0)
        sub = SUB_PREDICT;
    else if (strcmp(argv[1], "validate") == 0)
        sub = SUB_VALIDATE;
    else if (strcmp(argv[1], "pmf") == 0)
        sub = SUB_PMF;
    else
        return cli_usage(cmd, usage_clv, "the first argument must be fit, predict, validate or pmf");
    cli_opts_init(&o);
    for (i = 2; i < argc; i++) {
        int c;
        /* --model is the CLV model here, so it is read before the common options */
        if ((v = cli_value(cmd, argc, argv, &i, "--model", &bad))) {
            if (!(model = clv_model_of(v)))
                return cli_usage(cmd, usage_clv, "--model must be bgnbd, pareto, mbgnbd, bgbb, sbg "
                                 "or gg (not '%s')", v);
            continue;
        }
        if (bad)
            return CLI_EUSAGE;
        if ((c = cli_common_opt(cmd, argc, argv, &i, &o)) < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if ((v = cli_value(cmd, argc, argv, &i, "--calibration-end", &bad))) {
            if (cli_parse_time(cmd, "--calibration-end", v, &ro.calibration_end) != 0)
                return CLI_EUSAGE;
            have_cal = 1;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--holdout-end", &bad))) {
            if (cli_parse_time(cmd, "--holdout-end", v, &ro.holdout_end) != 0)
                return CLI_EUSAGE;
            have_hold = 1;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--unit", &bad))) {
            if (strcmp(v, "day") == 0)
                ro.unit = IV_RFM_DAY;
            else if (strcmp(v, "week") == 0)
                ro.unit = IV_RFM_WEEK;
            else
                return cli_usage(cmd, usage_clv, "--unit must be day or week (not '%s')", v);
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--scoring-model", &bad))) {
            scoring = v;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--summary", &bad))) {
            summary = v;
        } else if (!bad && sub != SUB_PMF &&
                   (v = cli_value(cmd, argc, argv, &i, "--covariates", &bad))) {
            covfile = v;
        } else if (!bad && sub != SUB_PMF &&
                   (v = cli_value(cmd, argc, argv, &i, "--covariates-dim", &bad))) {
            covdims = v;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--penalizer", &bad))) {
            if (cli_parse_real(v, &co.penalizer) != 0 || !(co.penalizer >= 0))
                return cli_usage(cmd, usage_clv, "--penalizer takes a number >= 0 (not '%s')", v);
        } else if (!bad && (sub == SUB_PREDICT || sub == SUB_PMF) &&
                   (v = cli_value(cmd, argc, argv, &i, "--horizon", &bad))) {
            if (cli_parse_real(v, &horizon) != 0 || !(horizon >= 0))
                return cli_usage(cmd, usage_clv, "--horizon takes a number of units >= 0 (not '%s')", v);
        } else if (!bad && sub == SUB_PMF && (v = cli_value(cmd, argc, argv, &i, "--max-x", &bad))) {
            if (cli_parse_count(v, 10000000ULL, &kmax) != 0)
                return cli_usage(cmd, usage_clv, "--max-x takes a whole number 0..10^7 (not '%s')", v);
            have_kmax = 1;
        } else if (!bad && sub == SUB_PREDICT &&
                   (v = cli_value(cmd, argc, argv, &i, "--discount", &bad))) {
            if (cli_parse_real(v, &discount) != 0 || !(discount >= 0))
                return cli_usage(cmd, usage_clv, "--discount takes a rate >= 0 (not '%s')", v);
        } else if (!bad && sub == SUB_PREDICT && strcmp(argv[i], "--spend") == 0) {
            spend = 1;
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\n%s", usage_clv, help_clv);
            return CLI_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage(cmd, usage_clv, "unknown option '%s'", argv[i]);
        } else if (!input) {
            input = argv[i];
        } else {
            return cli_usage(cmd, usage_clv, "one INPUT only (got '%s' too)", argv[i]);
        }
    }
    if (!model)
        return cli_usage(cmd, usage_clv, "--model is required");
    if (!input && !summary)
        return cli_usage(cmd, usage_clv, "no INPUT (a log or store, or --summary FILE)");
    if (input && summary)
        return cli_usage(cmd, usage_clv, "INPUT and --summary exclude each other");
    if (sub != SUB_FIT && model == IV_CLV_GG)
        return cli_usage(cmd, usage_clv, "%s needs a transaction model, not gg",
                         sub == SUB_PMF ? "pmf" : sub == SUB_VALIDATE ? "validate" : "predict");
    if (sub == SUB_PMF && model != IV_CLV_BGNBD && model != IV_CLV_MBGNBD && model != IV_CLV_PARETO)
        return cli_usage(cmd, usage_clv, "pmf needs --model bgnbd, mbgnbd or pareto");
    if (sub == SUB_PMF && (isnan(horizon) || !have_kmax))
        return cli_usage(cmd, usage_clv, "pmf needs --horizon T and --max-x K");
    if (sub == SUB_VALIDATE && model == IV_CLV_SBG)
        return cli_usage(cmd, usage_clv, "validate needs a transaction model (bgnbd, mbgnbd, "
                         "pareto or bgbb), not sbg");
    if (sub == SUB_VALIDATE && !summary && (!have_cal || !have_hold))
        return cli_usage(cmd, usage_clv, "validate needs --calibration-end and --holdout-end");
    if (covfile && covdims)
        return cli_usage(cmd, usage_clv, "--covariates and --covariates-dim exclude each other");
    if ((covfile || covdims) && model != IV_CLV_BGNBD && model != IV_CLV_MBGNBD &&
        model != IV_CLV_PARETO)
        return cli_usage(cmd, usage_clv, "covariates need --model bgnbd, mbgnbd or pareto");
    if (covdims && summary)
        return cli_usage(cmd, usage_clv, "--covariates-dim needs a log or store, not --summary");
    if (spend && (model == IV_CLV_BGBB || model == IV_CLV_SBG))
        return cli_usage(cmd, usage_clv, "--spend needs bgnbd, mbgnbd or pareto");
    unit_days = ro.unit == IV_RFM_WEEK ? 7.0 : 1.0;
    if (have_cal && have_hold) {
        if (ro.holdout_end < ro.calibration_end)
            return cli_usage(cmd, usage_clv, "--holdout-end is before --calibration-end");
        hold_len = (double)(day_of(ro.holdout_end) - day_of(ro.calibration_end)) / unit_days;
    }
    if (summary) {
        st = read_summary(cmd, summary, model, spend, sub == SUB_VALIDATE, &d);
    } else {
        if (scoring && (rc = iv_model_load(&sm, scoring, NULL)) != IV_OK)
            return cli_fail_rc(cmd, scoring, rc);
        ro.model = sm;
        paths[0] = (char *)input;
        if ((st = cli_load(cmd, &o, paths, 1, &store, NULL, NULL)) == CLI_OK)
            st = load_store(cmd, store, &ro, model, hold_len, &d);
    }
    if (st == CLI_OK && covfile)
        st = clv_cov_from_csv(cmd, covfile, &d, &cov);
    else if (st == CLI_OK && covdims)
        st = clv_cov_from_dims(cmd, store, covdims, &d, &cov);
    if (st != CLI_OK)
        goto done;
    go = co; /* Gamma-Gamma (--spend) without covariates */
    if (cov.k) { /* the same covariates on both rates of Pareto/NBD */
        co.covariates_purchase = cov.k;
        co.z_purchase = cov.z;
        co.names_purchase = (const char *const *)cov.names;
        if (model == IV_CLV_PARETO) {
            co.covariates_dropout = cov.k;
            co.z_dropout = cov.z;
            co.names_dropout = (const char *const *)cov.names;
        }
    }
    rc = model == IV_CLV_GG ? iv_clv_fit(&tx, model, d.x, NULL, NULL, d.zbar, d.n, &co)
                            : iv_clv_fit(&tx, model, d.x, d.t_x, model == IV_CLV_SBG ? NULL : d.T,
                                         NULL, d.n, &co);
    if (rc != IV_OK) {
        st = cli_fail_rc(cmd, "fit", rc);
    } else if (spend && (rc = iv_clv_fit(&gg, IV_CLV_GG, d.x, NULL, NULL, d.zbar, d.n, &go)) != IV_OK) {
        st = cli_fail_rc(cmd, "Gamma-Gamma fit", rc);
    } else if (sub == SUB_FIT) {
        st = (rc = iv_clv_params(tx, &t)) != IV_OK ? cli_fail_rc(cmd, "parameters", rc) : CLI_OK;
    } else if (sub == SUB_VALIDATE) {
        st = clv_validate(cmd, &d, tx, &cov, &t);
    } else if (sub == SUB_PMF) {
        st = clv_pmf(cmd, tx, horizon, kmax, &t);
    } else {
        if (isnan(horizon))
            horizon = ro.unit == IV_RFM_WEEK ? 52.0 : 365.0;
        step = 365.25 / 12.0 / unit_days; /* one month in the unit: discounting is monthly */
        rc = clv_predict(&d, model, tx, &cov, gg, horizon, step, discount, &t);
        st = rc == IV_OK ? CLI_OK : cli_fail_rc(cmd, "predictions", rc);
    }
    if (st == CLI_OK)
        st = cli_print(cmd, t, o.format);
done:
    iv_table_free(t);
    iv_clv_free(tx);
    iv_clv_free(gg);
    clv_data_free(&d);
    clv_cov_free(&cov);
    iv_store_free(store);
    iv_model_free(sm);
    return st;
}
