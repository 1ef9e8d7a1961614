/* The CLV section of `iv report` (report_clv.h): fits of BG/NBD, MBG/NBD and Pareto/NBD with
 * standard errors, the contacts of highest expected value, calibration against a holdout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clv_data.h"
#include "html.h"
#include "report_clv.h"
#include "svg.h"

#define DAY_MS 86400000LL
#define NMODELS 3
#define TOP 10
/* Below these the section says the data are too thin to fit (doc/GUIDE.md §3). */
#define MIN_CUSTOMERS 20
#define MIN_REPEATERS 10
#define HORIZON_WEEKS 52.0
#define DISCOUNT 0.01 /* per month, as iv clv predict */

static const struct {
    int model;
    const char *key, *name;
} models[NMODELS] = {{IV_CLV_BGNBD, "bgnbd", "BG/NBD"},
                     {IV_CLV_MBGNBD, "mbgnbd", "MBG/NBD"},
                     {IV_CLV_PARETO, "pareto", "Pareto/NBD"}};

/* One set of fits: a model per slot or NULL with the reason it is missing. */
typedef struct fits {
    iv_clv *m[NMODELS];
    char why[NMODELS][512];
} fits;

static void fits_free(fits *f)
{
    size_t k;
    for (k = 0; k < NMODELS; k++)
        iv_clv_free(f->m[k]);
    memset(f, 0, sizeof *f);
}

static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* Why the data cannot support a fit, or NULL when they may. */
static const char *too_thin(const clv_data *d, char *buf, size_t cap)
{
    size_t i, rep = 0;
    for (i = 0; i < d->n; i++)
        rep += d->x[i] > 0;
    if (d->n >= MIN_CUSTOMERS && rep >= MIN_REPEATERS)
        return NULL;
    snprintf(buf, cap, "%zu contacts with a purchase, %zu of them with a repeat purchase: too few "
             "to fit a model (at least %d and %d are needed here).", d->n, rep, MIN_CUSTOMERS,
             MIN_REPEATERS);
    return buf;
}

/* Fit the three models, with standard errors when se is set (the calibration fits only
 * predict); a model that cannot be fitted keeps the library's reason. Returns the number
 * fitted, or -1 when memory runs out. */
static int fit_all(const clv_data *d, fits *f, int se)
{
    size_t k;
    int got = 0;
    iv_clv_options o;
    iv_clv_options_init(&o, sizeof o);
    o.skip_se = !se;
    memset(f, 0, sizeof *f);
    for (k = 0; k < NMODELS; k++) {
        int rc = iv_clv_fit(&f->m[k], models[k].model, d->x, d->t_x, d->T, NULL, d->n, &o);
        if (rc == IV_ENOMEM)
            return -1;
        if (rc == IV_OK)
            got++;
        else
            snprintf(f->why[k], sizeof f->why[k], "%s", iv_error_last());
    }
    return got;
}

/* The models that could not be fitted, one note each. */
static void why_notes(FILE *out, const fits *f)
{
    size_t k;
    for (k = 0; k < NMODELS; k++)
        if (!f->m[k]) {
            char buf[600];
            size_t len = strlen(models[k].name);
            if (strncmp(f->why[k], models[k].name, len) == 0 && f->why[k][len] == ':')
                snprintf(buf, sizeof buf, "%s not fitted:%s", models[k].name, f->why[k] + len + 1);
            else
                snprintf(buf, sizeof buf, "%s not fitted: %s", models[k].name, f->why[k]);
            html_p(out, "missing", buf);
        }
}

static int add_col(iv_table *t, const char *name, int type)
{
    return iv_table_add_column(t, name, type) < 0 ? IV_ENOMEM : IV_OK;
}

/* Columns names[0..n-1]: the first a string, the others doubles. */
static int add_cols(iv_table *t, const char *const *names, size_t n)
{
    size_t k;
    int rc = IV_OK;
    for (k = 0; rc == IV_OK && k < n; k++)
        rc = add_col(t, names[k], k ? IV_COL_DOUBLE : IV_COL_STRING);
    return rc;
}

/* Parameters with standard errors of the fitted models: model, parameter, estimate, se;
 * the fit's log-likelihood on each model's rows; the best (highest log-likelihood) in
 * *best (-1 when none). */
static int param_table(const fits *f, iv_table **out, int *best)
{
    static const char *const cols[] = {"parameter", "estimate", "se", "loglik"};
    iv_table *t = NULL;
    double bestll = -INFINITY;
    size_t k, c;
    int rc = iv_table_new(&t, NULL, NULL);
    *best = -1;
    if (rc == IV_OK)
        rc = add_col(t, "model", IV_COL_STRING);
    if (rc == IV_OK)
        rc = add_cols(t, cols, 4);
    for (k = 0; rc == IV_OK && k < NMODELS; k++) {
        iv_table *p = NULL;
        double ll = NAN;
        size_t nc;
        if (!f->m[k])
            continue;
        if ((rc = iv_clv_params(f->m[k], &p)) != IV_OK)
            break;
        iv_clv_loglik(f->m[k], &ll, NULL);
        if (ll > bestll) {
            bestll = ll;
            *best = (int)k;
        }
        nc = iv_table_ncols(p);
        for (c = 0; rc == IV_OK && c < nc; c++) {
            const char *name = iv_table_col_name(p, c);
            char se[64];
            long r, cs;
            size_t len = strlen(name);
            if ((len > 3 && strcmp(name + len - 3, "_se") == 0) || strcmp(name, "loglik") == 0 ||
                strcmp(name, "customers") == 0)
                continue;
            snprintf(se, sizeof se, "%s_se", name);
            cs = iv_table_col_index(p, se);
            if ((r = iv_table_add_row(t)) < 0) {
                rc = (int)r;
                break;
            }
            rc = iv_table_set_string(t, (size_t)r, 0, models[k].name);
            if (rc == IV_OK)
                rc = iv_table_set_string(t, (size_t)r, 1, name);
            if (rc == IV_OK)
                rc = iv_table_set_double(t, (size_t)r, 2, iv_table_get_double(p, 0, c));
            if (rc == IV_OK && cs >= 0)
                rc = iv_table_set_double(t, (size_t)r, 3, iv_table_get_double(p, 0, (size_t)cs));
            if (rc == IV_OK && c == 0)
                rc = iv_table_set_double(t, (size_t)r, 4, ll);
        }
        iv_table_free(p);
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

typedef struct ranked {
    size_t i;
    double key;
    const char *contact;
} ranked;

/* Highest key first, undefined last, ties by contact id. */
static int by_key(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int dx = isfinite(x->key), dy = isfinite(y->key);
    if (dx != dy)
        return dy - dx;
    if (dx && x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return strcmp(x->contact, y->contact);
}

/* Each contact's group of identical (x, t_x, T) (a NaN equals nothing: such a contact is
 * a group of its own) into grp[i], the first contact of each group into first[g]; the
 * number of groups, or 0 when memory runs out. An open-addressing hash of the values'
 * bits (-0 as +0, which compare equal). */
static size_t summary_groups(const clv_data *d, size_t *grp, size_t *first)
{
    size_t nslots = 16, mask, i, ng = 0, *slot;
    while (nslots < 2 * d->n)
        nslots *= 2;
    mask = nslots - 1;
    if (!(slot = calloc(nslots, sizeof *slot))) /* group + 1, 0 = empty */
        return 0;
    for (i = 0; i < d->n; i++) {
        double v[3] = {d->x[i], d->t_x[i], d->T[i]};
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        size_t k, s;
        for (k = 0; k < 3; k++) {
            uint64_t u;
            double w = v[k] == 0 ? 0.0 : v[k];
            memcpy(&u, &w, sizeof u);
            h = (h ^ u) * 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 31;
        }
        for (s = (size_t)h & mask;; s = (s + 1) & mask) {
            size_t f;
            if (!slot[s]) {
                first[ng] = i;
                slot[s] = ++ng;
                grp[i] = ng - 1;
                break;
            }
            f = first[slot[s] - 1];
            if (d->x[f] == v[0] && d->t_x[f] == v[1] && d->T[f] == v[2]) {
                grp[i] = slot[s] - 1;
                break;
            }
        }
    }
    free(slot);
    return ng;
}

/* Higher first: the order in which contacts' CLV is computed (top_contacts). */
static int by_bound(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

/* A max-heap of ranked entries in by_bound's order (the entry by_bound puts first at the
 * top): sift entry i down among the first n. */
static void bound_sift(ranked *hp, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, top = i;
        ranked t;
        if (l < n && by_bound(&hp[l], &hp[top]) < 0)
            top = l;
        if (l + 1 < n && by_bound(&hp[l + 1], &hp[top]) < 0)
            top = l + 1;
        if (top == i)
            return;
        t = hp[i];
        hp[i] = hp[top];
        hp[top] = t;
        i = top;
    }
}

/* The TOP contacts by CLV over the next 52 weeks (by expected purchases when gg is NULL):
 * table and bar chart. */
static int top_contacts(const report_clv_in *in, const clv_data *d, const iv_clv *tx,
                        const iv_clv *gg, size_t mk, int *charts)
{
    static const char *const cols[] = {"contact", "x", "t_x", "T", "p_alive",
                                       "expected_purchases", "expected_spend", "clv"};
    size_t nn = d->n ? d->n : 1;
    ranked *rk = malloc(nn * sizeof *rk), top[TOP];
    size_t *grp = malloc(nn * sizeof *grp), *first = malloc(nn * sizeof *first), ng = 0;
    double (*v)[3] = malloc(nn * sizeof *v), *c52 = malloc(nn * sizeof *c52);
    const char *labels[TOP];
    double vals[TOP];
    char notes[TOP][64];
    const char *np[TOP];
    iv_table *t = NULL;
    size_t i, k, m = 0, ncols = gg ? 8 : 6;
    int rc = IV_OK;
    svg_bars c;
    char buf[400];
    double step = 365.25 / 12.0 / 7.0; /* a month in weeks: monthly discounting */

    /* v[i]: expected purchases, expected spend, CLV. The expected purchases once per
     * distinct (x, t_x, T): 27,741 of the 35,531 contacts of a 2.4M-row log have a
     * summary of their own, the rest share. P(alive) only for the rows shown. */
    if (rk && grp && first && v && c52 && d->n)
        ng = summary_groups(d, grp, first);
    if (ng == 0 && d->n > 0) {
        free(rk);
        free(grp);
        free(first);
        free(v);
        free(c52);
        return cli_fail(in->cmd, "out of memory");
    }
    for (k = 0; k < ng; k++) {
        i = first[k];
        c52[k] = NAN;
        iv_clv_conditional(tx, HORIZON_WEEKS, d->x[i], d->t_x[i], d->T[i], &c52[k]);
    }
    free(first);
    for (i = 0; i < d->n; i++) {
        v[i][0] = c52[grp[i]];
        v[i][1] = v[i][2] = NAN;
        if (gg)
            iv_clv_expected_spend(gg, d->x[i], d->zbar[i], &v[i][1]);
        rk[i].i = i;
        rk[i].key = v[i][0];
        rk[i].contact = d->contact[i];
    }
    free(grp);
    free(c52);
    if (gg && d->n) {
        /* Only the TOP highest CLVs are shown, and a CLV (monthly increments of the
         * expected purchases times the spend, discounted at least one month) is at most
         * spend x expected purchases over the 52 weeks / (1 + discount). The CLV (12
         * conditional expectations) is computed in the order of that bound (taken from a
         * heap), down to the first bound below the TOP-th highest CLV found: no contact
         * left has a CLV that could enter the TOP. The bound is given a margin of 1e-6
         * against rounding; a contact without it (spend not > 0, expected purchases
         * undefined) is computed. */
        ranked *ord = malloc(d->n * sizeof *ord);
        double best[TOP];
        size_t nb = 0, left = d->n;
        if (!ord) {
            free(rk);
            free(v);
            return cli_fail(in->cmd, "out of memory");
        }
        for (i = 0; i < d->n; i++) {
            double sp = v[i][1], cond = v[i][0];
            ord[i].i = i;
            ord[i].key = sp > 0 && cond >= 0 && isfinite(sp * cond)
                             ? sp * cond / (1 + DISCOUNT) * (1 + 1e-6) : INFINITY;
            ord[i].contact = NULL;
            rk[i].key = NAN; /* not computed: below the TOP */
        }
        for (k = d->n / 2; k-- > 0;)
            bound_sift(ord, d->n, k);
        while (left > 0) {
            size_t j;
            double val = NAN;
            ranked o = ord[0];
            if (nb == TOP && o.key < best[TOP - 1])
                break;
            ord[0] = ord[--left];
            bound_sift(ord, left, 0);
            i = o.i;
            iv_clv_value(tx, gg, d->x[i], d->t_x[i], d->T[i], d->zbar[i], HORIZON_WEEKS, step,
                         DISCOUNT, &val);
            v[i][2] = rk[i].key = val;
            if (!isfinite(val) || (nb == TOP && val <= best[TOP - 1]))
                continue;
            /* insert into best[], highest first */
            for (j = nb < TOP ? nb++ : TOP - 1; j > 0 && best[j - 1] < val; j--)
                best[j] = best[j - 1];
            best[j] = val;
        }
        free(ord);
    }
    /* the TOP first in by_key's order (a total order: ties by contact id) */
    for (i = 0; i < d->n; i++) {
        size_t j;
        if (m == TOP && by_key(&rk[i], &top[TOP - 1]) >= 0)
            continue;
        for (j = m < TOP ? m++ : TOP - 1; j > 0 && by_key(&rk[i], &top[j - 1]) < 0; j--)
            top[j] = top[j - 1];
        top[j] = rk[i];
    }
    rc = iv_table_new(&t, NULL, NULL);
    for (k = 0; rc == IV_OK && k < ncols; k++)
        rc = add_col(t, cols[k], k == 0 ? IV_COL_STRING : k == 1 ? IV_COL_INT : IV_COL_DOUBLE);
    for (k = 0; rc == IV_OK && k < m; k++) {
        const double *w = v[top[k].i];
        double row[7], pa = NAN;
        long r = iv_table_add_row(t);
        size_t j;
        i = top[k].i;
        iv_clv_p_alive(tx, d->x[i], d->t_x[i], d->T[i], &pa);
        row[0] = d->x[i];
        row[1] = d->t_x[i];
        row[2] = d->T[i];
        row[3] = pa;
        row[4] = w[0];
        row[5] = w[1];
        row[6] = w[2];
        if (r < 0) {
            rc = (int)r;
            break;
        }
        rc = iv_table_set_string(t, (size_t)r, 0, d->contact[i]);
        for (j = 1; rc == IV_OK && j < ncols; j++)
            if (isfinite(row[j - 1]))
                rc = j == 1 ? iv_table_set_int(t, (size_t)r, j, (int64_t)row[0])
                            : iv_table_set_double(t, (size_t)r, j, row[j - 1]);
        labels[k] = d->contact[i];
        vals[k] = top[k].key;
        {
            char pl[32];
            svg_value_label(pl, sizeof pl, pa, 1);
            snprintf(notes[k], sizeof notes[k], "P alive %s", pl);
        }
        np[k] = notes[k];
    }
    if (rc != IV_OK) {
        iv_table_free(t);
        free(rk);
        free(v);
        return cli_fail(in->cmd, "out of memory");
    }
    fputs("<h3>Contacts of highest expected value</h3>\n", in->f);
    if (gg)
        snprintf(buf, sizeof buf, "From the %s fit on all purchases and a Gamma-Gamma spend model "
                 "(fitted to the repeat buyers' mean purchase value): expected purchases in the "
                 "next %.0f weeks, expected value of a purchase and the CLV of those weeks "
                 "(discounted %.0f%% a month), as iv clv predict --model %s --spend.",
                 models[mk].name, HORIZON_WEEKS, DISCOUNT * 100, models[mk].key);
    else
        snprintf(buf, sizeof buf, "From the %s fit on all purchases: expected purchases in the "
                 "next %.0f weeks. No spend model could be fitted, so contacts are ranked by "
                 "expected purchases, not value.", models[mk].name, HORIZON_WEEKS);
    html_p(in->f, NULL, buf);
    memset(&c, 0, sizeof c);
    c.id = "clv_top";
    c.title = gg ? "Contacts of highest expected value (next 52 weeks)"
                 : "Contacts with the most expected purchases (next 52 weeks)";
    c.desc = gg ? "Horizontal bars, one per contact, highest first: the discounted expected "
                  "value of the contact's purchases in the next 52 weeks, with the "
                  "probability that the contact is still active after each bar."
                : "Horizontal bars, one per contact, highest first: the expected number of "
                  "purchases in the next 52 weeks, with the probability that the contact is "
                  "still active after each bar.";
    c.value_label = gg ? "CLV of the next 52 weeks (value units)" : "expected purchases";
    c.n = m;
    c.labels = labels;
    c.values = vals;
    c.notes = np;
    html_figure_begin(in->f);
    svg_bar_chart(in->f, &c);
    html_figure_end(in->f, "The value is in the unit of the log's value column. P alive: the "
                           "probability that the contact has not dropped out.");
    (*charts)++;
    html_table(in->f, t, "Top contacts (x repeat purchases, t_x recency and T age in weeks)",
               NULL, NULL);
    iv_table_free(t);
    free(rk);
    free(v);
    return CLI_OK;
}

/* Calibration (first three quarters of the time range) against holdout (the last quarter):
 * the validation table of each model that fits the calibration period, one chart. */
static int holdout(const report_clv_in *in, int *charts)
{
    static const char *const fcols[] = {"x", "customers", "actual"};
    static const char *const acols[] = {"model", "mae", "rmse", "correlation"};
    iv_rfm_options ro;
    clv_data d;
    fits f;
    iv_table *vt[NMODELS] = {NULL}, *tab = NULL, *acc = NULL;
    int64_t d0 = day_of(in->first), d1 = day_of(in->last), dc;
    double hold_len, series[NMODELS + 1][8];
    const char *xl[8], *names[NMODELS + 1];
    char buf[700], a[40], b[40], e[40], why[300];
    size_t k, j, ns;
    int got, rc = IV_OK;
    svg_lines c;

    dc = d0 + (d1 - d0) * 3 / 4;
    hold_len = (double)(d1 - dc) / 7.0;
    iv_time_format(d0 * DAY_MS, a, sizeof a);
    iv_time_format(dc * DAY_MS, b, sizeof b);
    iv_time_format(d1 * DAY_MS, e, sizeof e);
    a[10] = b[10] = e[10] = '\0';
    fputs("<h3>Calibration against holdout</h3>\n", in->f);
    if (d1 - dc < 28 || dc - d0 < 28) {
        html_p(in->f, "missing", "The data span less than 16 weeks: too short to hold out a "
                                 "quarter of it and check a fit against it.");
        return CLI_OK;
    }
    snprintf(buf, sizeof buf, "The models are fitted again to the purchases up to %s (the first "
             "three quarters of the data) and predict each contact's purchases in the %.1f weeks "
             "after it, up to %s; the chart and table set the mean prediction against the mean "
             "actual number per calibration repeat purchases x, as iv clv validate "
             "--calibration-end %s --holdout-end %s. The last row adds every contact up "
             "(totals). Contacts whose first purchase is after %s are not in it.",
             b, hold_len, e, b, e, b);
    html_p(in->f, NULL, buf);
    iv_rfm_options_init(&ro, sizeof ro);
    ro.unit = IV_RFM_WEEK;
    ro.model = in->model;
    ro.calibration_end = dc * DAY_MS;
    ro.holdout_end = d1 * DAY_MS;
    rc = clv_data_from_store(in->store, &ro, IV_CLV_BGNBD, hold_len, &d);
    if (rc == IV_EUNDEFINED) {
        html_p(in->f, "missing", "No contact has a purchase in the calibration period: nothing "
                                 "to check.");
        return CLI_OK;
    }
    if (rc != IV_OK)
        return cli_fail_rc(in->cmd, "CLV calibration summaries", rc);
    if (too_thin(&d, why, sizeof why)) {
        snprintf(buf, sizeof buf, "Calibration period: %s", why);
        html_p(in->f, "missing", buf);
        clv_data_free(&d);
        return CLI_OK;
    }
    if ((got = fit_all(&d, &f, 0)) < 0) {
        fits_free(&f);
        clv_data_free(&d);
        return cli_fail(in->cmd, "out of memory");
    }
    for (k = 0; rc == IV_OK && k < NMODELS; k++)
        if (f.m[k] && (rc = clv_validate_table(&d, f.m[k], NULL, &vt[k], NULL)) != IV_OK &&
            rc != IV_ENOMEM) {
            /* a prediction the model cannot give: the model is left out, with the reason */
            const char *w = clv_validate_why(), *ce = "the conditional expectation: ";
            if (strncmp(w, ce, strlen(ce)) == 0)
                w += strlen(ce);
            snprintf(f.why[k], sizeof f.why[k], "Its predictions are undefined for these data: %s",
                     w);
            iv_clv_free(f.m[k]);
            f.m[k] = NULL;
            got--;
            rc = IV_OK;
        }
    if (rc != IV_OK)
        goto oom;
    if (got == 0) {
        html_p(in->f, "missing", "None of the models could be fitted to the calibration period, "
                                 "so there is no prediction to check:");
        why_notes(in->f, &f);
        goto done;
    }
    /* one table: x, customers, actual, then each fitted model's prediction */
    if ((rc = iv_table_new(&tab, NULL, NULL)) != IV_OK || (rc = iv_table_new(&acc, NULL, NULL)) != IV_OK)
        goto oom;
    for (j = 0; rc == IV_OK && j < 3; j++)
        rc = add_col(tab, fcols[j], j == 1 ? IV_COL_INT : j == 0 ? IV_COL_STRING : IV_COL_DOUBLE);
    for (k = 0; rc == IV_OK && k < NMODELS; k++)
        if (vt[k]) {
            char name[32];
            snprintf(name, sizeof name, "predicted_%s", models[k].key);
            rc = add_col(tab, name, IV_COL_DOUBLE);
        }
    if (rc == IV_OK)
        rc = add_cols(acc, acols, 4);
    for (j = 0; rc == IV_OK && j < 9; j++) {
        const iv_table *any = NULL;
        size_t col = 3;
        long r = iv_table_add_row(tab);
        for (k = 0; k < NMODELS && !any; k++)
            any = vt[k];
        if (r < 0) {
            rc = (int)r;
            break;
        }
        rc = iv_table_set_string(tab, (size_t)r, 0, iv_table_get_string(any, j, 0));
        if (rc == IV_OK)
            rc = iv_table_set_int(tab, (size_t)r, 1, iv_table_get_int(any, j, 1));
        if (rc == IV_OK && iv_table_is_defined(any, j, 2))
            rc = iv_table_set_double(tab, (size_t)r, 2, iv_table_get_double(any, j, 2));
        if (j < 8) {
            xl[j] = iv_table_get_string(any, j, 0);
            series[0][j] = iv_table_get_double(any, j, 2);
        }
        for (k = 0, ns = 1; rc == IV_OK && k < NMODELS; k++) {
            if (!vt[k])
                continue;
            if (iv_table_is_defined(vt[k], j, 3))
                rc = iv_table_set_double(tab, (size_t)r, col, iv_table_get_double(vt[k], j, 3));
            if (j < 8)
                series[ns][j] = iv_table_get_double(vt[k], j, 3);
            names[ns++] = models[k].name;
            col++;
        }
    }
    for (k = 0; rc == IV_OK && k < NMODELS; k++) {
        long r;
        if (!vt[k])
            continue;
        if ((r = iv_table_add_row(acc)) < 0) {
            rc = (int)r;
            break;
        }
        rc = iv_table_set_string(acc, (size_t)r, 0, models[k].name);
        for (j = 1; rc == IV_OK && j < 4; j++)
            if (iv_table_is_defined(vt[k], 8, j + 3))
                rc = iv_table_set_double(acc, (size_t)r, j, iv_table_get_double(vt[k], 8, j + 3));
    }
    if (rc != IV_OK)
        goto oom;
    names[0] = "actual";
    memset(&c, 0, sizeof c);
    c.id = "clv_holdout";
    c.title = "Holdout purchases by calibration purchases: actual and predicted";
    c.desc = "Lines over the calibration repeat purchases 0 to 7 or more: the mean number of "
             "purchases in the holdout, actual (solid blue) and as each fitted model predicted "
             "it (the other lines, named in the legend).";
    c.y_label = "mean purchases in the holdout";
    c.n = 8;
    c.nseries = (size_t)got + 1;
    c.x_labels = xl;
    for (k = 0; k <= (size_t)got; k++) {
        c.series[k] = series[k];
        c.names[k] = names[k];
    }
    html_figure_begin(in->f);
    svg_line_chart(in->f, &c);
    html_figure_end(in->f, "x: repeat purchases (purchase days after the first) in the calibration "
                           "period; a class with no contact leaves a gap. Lines close to the "
                           "actual one mean the model ranks and sizes future purchases well.");
    (*charts)++;
    html_table(in->f, tab, "Mean holdout purchases per calibration class (last row: totals "
                           "over every contact)", NULL, NULL);
    html_table(in->f, acc, "Per-contact accuracy over the holdout (mean absolute error, root "
                           "mean square error, Pearson correlation of actual and predicted)",
               NULL, NULL);
    if (got < NMODELS)
        why_notes(in->f, &f);
done:
    for (k = 0; k < NMODELS; k++)
        iv_table_free(vt[k]);
    iv_table_free(tab);
    iv_table_free(acc);
    fits_free(&f);
    clv_data_free(&d);
    return CLI_OK;
oom:
    for (k = 0; k < NMODELS; k++)
        iv_table_free(vt[k]);
    iv_table_free(tab);
    iv_table_free(acc);
    fits_free(&f);
    clv_data_free(&d);
    return cli_fail(in->cmd, "out of memory");
}

int report_clv_fits(const report_clv_in *in, int *charts, int *holdout_next)
{
    iv_rfm_options ro;
    clv_data d;
    fits f;
    iv_table *pt = NULL;
    iv_clv *gg = NULL;
    char buf[700], why[300];
    int rc, got, best, st = CLI_OK;

    *holdout_next = 0;
    html_section(in->f, "clv", "Customer lifetime value",
                 "Buy-till-you-die models of the purchases (interactions whose type carries the "
                 "scoring model's purchase flag; purchases on one day count once), in weeks "
                 "(doc/CLV.md): BG/NBD, MBG/NBD and Pareto/NBD, each fitted by maximum "
                 "likelihood with the standard error of every parameter.");
    if (in->where)
        html_p(in->f, "note", "The selection (--where) is not applied in this section: the "
                              "models are fitted to every contact's purchases.");
    iv_rfm_options_init(&ro, sizeof ro);
    ro.unit = IV_RFM_WEEK;
    ro.model = in->model;
    rc = clv_data_from_store(in->store, &ro, IV_CLV_BGNBD, 0, &d);
    if (rc == IV_EUNDEFINED) {
        html_p(in->f, "missing", "No contact has a purchase: no model can be fitted.");
        goto end;
    }
    if (rc != IV_OK)
        return cli_fail_rc(in->cmd, "CLV summaries", rc);
    if (too_thin(&d, why, sizeof why)) {
        html_p(in->f, "missing", why);
        clv_data_free(&d);
        goto end;
    }
    if ((got = fit_all(&d, &f, 1)) < 0) {
        fits_free(&f);
        clv_data_free(&d);
        return cli_fail(in->cmd, "out of memory");
    }
    fputs("<h3>Models fitted to all purchases</h3>\n", in->f);
    if (got == 0) {
        html_p(in->f, "missing", "None of the models can be fitted to these data (the "
                                 "reasons below); a penalty (iv clv fit --penalizer 0.001) "
                                 "keeps the parameters finite at the cost of a bias towards "
                                 "zero.");
        why_notes(in->f, &f);
    } else if ((rc = param_table(&f, &pt, &best)) != IV_OK) {
        st = cli_fail(in->cmd, "out of memory");
    } else {
        snprintf(buf, sizeof buf, "%zu contacts with a purchase. Estimates with their standard "
                 "errors (from the observed information); a standard error as large as its "
                 "estimate means the data hardly pin that parameter down. The highest "
                 "log-likelihood (the best fit of the same data) is %s's.",
                 d.n, models[best].name);
        html_p(in->f, NULL, buf);
        html_table(in->f, pt, "Parameters (rates per week)", NULL, NULL);
        why_notes(in->f, &f);
        rc = iv_clv_fit(&gg, IV_CLV_GG, d.x, NULL, NULL, d.zbar, d.n, NULL);
        if (rc == IV_ENOMEM)
            st = cli_fail(in->cmd, "out of memory");
        else
            st = top_contacts(in, &d, f.m[best], rc == IV_OK ? gg : NULL, (size_t)best,
                              charts);
    }
    iv_table_free(pt);
    iv_clv_free(gg);
    fits_free(&f);
    clv_data_free(&d);
    if (st == CLI_OK) {
        *holdout_next = 1; /* report_clv_holdout ends the section */
        return CLI_OK;
    }
end:
    html_section_end(in->f);
    return st;
}

int report_clv_holdout(const report_clv_in *in, int *charts)
{
    int st = holdout(in, charts);
    html_section_end(in->f);
    return st;
}
