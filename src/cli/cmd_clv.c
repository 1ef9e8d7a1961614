/* iv clv fit | predict INPUT : BG/NBD, Pareto/NBD and Gamma-Gamma from the RFM summary of
 * the purchase-flagged interactions (doc/CLV.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage_clv =
    "iv clv fit INPUT --model bgnbd|pareto|gg [--calibration-end DATE] [--unit day|week]\n"
    "                 [--scoring-model FILE] [--format table|csv|json]\n"
    "       iv clv predict INPUT --model bgnbd|pareto [--spend] [--horizon N] [--discount D]\n"
    "                 [--calibration-end DATE] [--unit day|week] [--scoring-model FILE]\n"
    "                 [--format table|csv|json]";

static const char *help_clv =
    "Each contact's purchases (interactions whose type carries the model's `purchase` flag)\n"
    "are summarised as x (repeat purchase days), t_x (first to last purchase day) and T\n"
    "(first purchase day to the calibration end, inclusive), in --unit (default week);\n"
    "same-day purchases are merged and their values added. --calibration-end defaults to\n"
    "the last timestamp in the data. --scoring-model FILE gives the scoring model whose\n"
    "flags pick the purchases (--model names the CLV model here). A contact whose first\n"
    "purchase is on the calibration end day (T = 0) is a new customer: it counts in the fit\n"
    "(its likelihood is 1) and is predicted as such (p_alive 1, the unconditional\n"
    "expectation).\n"
    "\n"
    "fit:     one object: the parameters as named in the papers (bgnbd: r alpha a b;\n"
    "         pareto: r alpha s beta; gg: p q gamma), loglik, customers.\n"
    "predict: one row per contact: contact, x, t_x, T, p_alive, expected_purchases (the\n"
    "         conditional expectation in the next --horizon units, default one year:\n"
    "         52 weeks or 365 days); with --spend (fits Gamma-Gamma on the repeat buyers\n"
    "         too) expected_spend and clv, discounted monthly at --discount (default\n"
    "         0.01 per month) over the horizon.\n";

/* The RFM summary as arrays. */
typedef struct clv_data {
    iv_table *rfm;
    size_t n;
    double *x, *t_x, *T, *zbar;
} clv_data;

static void clv_data_free(clv_data *d)
{
    iv_table_free(d->rfm);
    free(d->x);
    free(d->t_x);
    free(d->T);
    free(d->zbar);
}

static int clv_data_load(const char *cmd, const iv_store *store, const iv_rfm_options *ro, clv_data *d)
{
    const char *names[4] = {"x", "t_x", "T", "zbar"};
    double **dst[4];
    long cols[4];
    size_t i, k;
    int rc;
    memset(d, 0, sizeof *d);
    if ((rc = iv_rfm(&d->rfm, store, ro)) != IV_OK)
        return cli_fail_rc(cmd, "RFM summary", rc);
    d->n = iv_table_nrows(d->rfm);
    if (d->n == 0)
        return cli_fail(cmd, "no contact has a purchase on or before the calibration end");
    dst[0] = &d->x;
    dst[1] = &d->t_x;
    dst[2] = &d->T;
    dst[3] = &d->zbar;
    for (k = 0; k < 4; k++) {
        cols[k] = iv_table_col_index(d->rfm, names[k]);
        *dst[k] = malloc(d->n * sizeof **dst[k]);
        if (cols[k] < 0 || !*dst[k])
            return cli_fail(cmd, "out of memory");
        for (i = 0; i < d->n; i++)
            (*dst[k])[i] = iv_table_get_double(d->rfm, i, (size_t)cols[k]);
    }
    return CLI_OK;
}

static int clv_model_of(const char *v)
{
    if (strcmp(v, "bgnbd") == 0)
        return IV_CLV_BGNBD;
    if (strcmp(v, "pareto") == 0)
        return IV_CLV_PARETO;
    if (strcmp(v, "gg") == 0)
        return IV_CLV_GG;
    return 0;
}

/* predict: the per-contact table. */
static int clv_predict(const char *cmd, const clv_data *d, const iv_clv *tx, const iv_clv *gg,
                       double horizon, double step, double discount, iv_table **out)
{
    static const char *const cols[] = {"contact", "x", "t_x", "T", "p_alive", "expected_purchases",
                                       "expected_spend", "clv"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    size_t i, k, ncols = gg ? 8 : 6;
    long ccol = iv_table_col_index(d->rfm, "contact");
    iv_table *t = NULL;
    int rc = iv_table_new(&t, NULL, NULL);
    for (k = 0; rc == IV_OK && k < ncols; k++)
        if (iv_table_add_column(t, cols[k], types[k]) < 0)
            rc = IV_ENOMEM;
    for (i = 0; rc == IV_OK && i < d->n; i++) {
        double v[4] = {NAN, NAN, NAN, NAN};
        long r = iv_table_add_row(t);
        if (r < 0) {
            rc = (int)r;
            break;
        }
        /* an undefined prediction stays undefined (the cell is left empty) */
        iv_clv_p_alive(tx, d->x[i], d->t_x[i], d->T[i], &v[0]);
        iv_clv_conditional(tx, horizon, d->x[i], d->t_x[i], d->T[i], &v[1]);
        if (gg) {
            iv_clv_expected_spend(gg, d->x[i], d->zbar[i], &v[2]);
            iv_clv_value(tx, gg, d->x[i], d->t_x[i], d->T[i], d->zbar[i], horizon, step, discount, &v[3]);
        }
        rc = iv_table_set_string(t, (size_t)r, 0, iv_table_get_string(d->rfm, i, (size_t)ccol));
        if (rc == IV_OK)
            rc = iv_table_set_int(t, (size_t)r, 1, (int64_t)d->x[i]);
        if (rc == IV_OK)
            rc = iv_table_set_double(t, (size_t)r, 2, d->t_x[i]);
        if (rc == IV_OK)
            rc = iv_table_set_double(t, (size_t)r, 3, d->T[i]);
        for (k = 0; rc == IV_OK && k + 4 < ncols; k++)
            rc = iv_table_set_double(t, (size_t)r, 4 + k, v[k]);
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        return cli_fail_rc(cmd, "predictions", rc);
    }
    *out = t;
    return CLI_OK;
}

int cli_cmd_clv(int argc, char **argv)
{
    const char *cmd = "clv", *input = NULL, *v, *scoring = NULL, *sub;
    cli_opts o;
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    int model = 0, spend = 0, i, bad = 0, st, rc, predict;
    double horizon = NAN, discount = 0.01, step;
    iv_store *store = NULL;
    iv_model *sm = NULL;
    iv_clv *tx = NULL, *gg = NULL;
    iv_table *t = NULL;
    clv_data d;
    char *paths[1];

    memset(&d, 0, sizeof d);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\n\n%s", usage_clv, help_clv);
        return CLI_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "fit") != 0 && strcmp(argv[1], "predict") != 0))
        return cli_usage(cmd, usage_clv, "the first argument must be fit or predict");
    sub = argv[1];
    predict = strcmp(sub, "predict") == 0;
    cli_opts_init(&o);
    for (i = 2; i < argc; i++) {
        int c;
        /* --model is the CLV model here, so it is read before the common options */
        if ((v = cli_value(cmd, argc, argv, &i, "--model", &bad))) {
            if (!(model = clv_model_of(v)) || (predict && model == IV_CLV_GG))
                return cli_usage(cmd, usage_clv, "--model must be bgnbd, pareto%s (not '%s')",
                                 predict ? "" : " or gg", v);
            continue;
        }
        if (bad)
            return CLI_EUSAGE;
        if ((c = cli_common_opt(cmd, argc, argv, &i, &o)) < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if ((v = cli_value(cmd, argc, argv, &i, "--calibration-end", &bad))) {
            if (iv_time_parse(v, strlen(v), &ro.calibration_end) != IV_OK)
                return cli_usage(cmd, usage_clv, "--calibration-end: %s", iv_error_last());
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--unit", &bad))) {
            if (strcmp(v, "day") == 0)
                ro.unit = IV_RFM_DAY;
            else if (strcmp(v, "week") == 0)
                ro.unit = IV_RFM_WEEK;
            else
                return cli_usage(cmd, usage_clv, "--unit must be day or week (not '%s')", v);
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--scoring-model", &bad))) {
            scoring = v;
        } else if (!bad && predict && (v = cli_value(cmd, argc, argv, &i, "--horizon", &bad))) {
            if (cli_parse_real(v, &horizon) || !(horizon >= 0))
                return cli_usage(cmd, usage_clv, "--horizon takes a number of units >= 0 (not '%s')", v);
        } else if (!bad && predict && (v = cli_value(cmd, argc, argv, &i, "--discount", &bad))) {
            if (cli_parse_real(v, &discount) || !(discount >= 0))
                return cli_usage(cmd, usage_clv, "--discount takes a rate >= 0 (not '%s')", v);
        } else if (!bad && predict && strcmp(argv[i], "--spend") == 0) {
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
    if (!input)
        return cli_usage(cmd, usage_clv, "no INPUT");
    if (!model)
        return cli_usage(cmd, usage_clv, "--model is required");
    if (scoring && (rc = iv_model_load(&sm, scoring, NULL)) != IV_OK)
        return cli_fail_rc(cmd, scoring, rc);
    ro.model = sm;
    paths[0] = (char *)input;
    if ((st = cli_load(cmd, &o, paths, 1, &store, NULL, NULL)) != CLI_OK ||
        (st = clv_data_load(cmd, store, &ro, &d)) != CLI_OK)
        goto done_store;
    rc = model == IV_CLV_GG ? iv_clv_fit(&tx, model, d.x, NULL, NULL, d.zbar, d.n, NULL)
                            : iv_clv_fit(&tx, model, d.x, d.t_x, d.T, NULL, d.n, NULL);
    if (rc != IV_OK) {
        st = cli_fail_rc(cmd, "fit", rc);
    } else if (spend && (rc = iv_clv_fit(&gg, IV_CLV_GG, d.x, NULL, NULL, d.zbar, d.n, NULL)) != IV_OK) {
        st = cli_fail_rc(cmd, "Gamma-Gamma fit", rc);
    } else if (!predict) {
        st = (rc = iv_clv_params(tx, &t)) != IV_OK ? cli_fail_rc(cmd, "parameters", rc) : CLI_OK;
    } else {
        double unit_days = ro.unit == IV_RFM_WEEK ? 7.0 : 1.0;
        if (isnan(horizon))
            horizon = ro.unit == IV_RFM_WEEK ? 52.0 : 365.0;
        step = 365.25 / 12.0 / unit_days; /* one month in the unit: discounting is monthly */
        st = clv_predict(cmd, &d, tx, gg, horizon, step, discount, &t);
    }
    if (st == CLI_OK)
        st = cli_print(cmd, t, o.format);
    iv_table_free(t);
    iv_clv_free(tx);
    iv_clv_free(gg);
done_store:
    clv_data_free(&d);
    iv_store_free(store);
    iv_model_free(sm);
    return st;
}
