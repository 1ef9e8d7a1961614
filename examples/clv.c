/* CLV: each contact's (x, t_x, T) from its purchases (iv_rfm), a BG/NBD fit (Fader, Hardie &
 * Lee 2005), a Pareto/NBD fit that finds no interior maximum on this sample, P(alive) and
 * expected purchases in the next 26 weeks, simple CLV.
 * usage: example_clv LOG.csv */
#include "example.h"

int main(int argc, char **argv)
{
    static const char *const names[4] = {"r", "alpha", "a", "b"};
    iv_store *store;
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    iv_table *rfm = NULL, *params = NULL;
    iv_clv *fit = NULL;
    double *x, *tx, *T, ll, p, e, clv;
    size_t n, i, customers;
    long cx, ctx, cT;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    ro.unit = IV_RFM_WEEK; /* calibration ends on the day of the last timestamp */
    check(iv_rfm(&rfm, store, &ro), "iv_rfm");
    n = iv_table_nrows(rfm);
    cx = iv_table_col_index(rfm, "x");
    ctx = iv_table_col_index(rfm, "t_x");
    cT = iv_table_col_index(rfm, "T");
    x = malloc((n + 1) * sizeof *x);
    tx = malloc((n + 1) * sizeof *tx);
    T = malloc((n + 1) * sizeof *T);
    if (!x || !tx || !T)
        return 1;
    for (i = 0; i < n; i++) {
        x[i] = iv_table_get_double(rfm, i, (size_t)cx);
        tx[i] = iv_table_get_double(rfm, i, (size_t)ctx);
        T[i] = iv_table_get_double(rfm, i, (size_t)cT);
    }
    check(iv_clv_fit(&fit, IV_CLV_BGNBD, x, tx, T, NULL, n, NULL), "BG/NBD fit");
    check(iv_clv_loglik(fit, &ll, &customers), "loglik");
    printf("BG/NBD over %zu customers (weeks):", customers);
    for (i = 0; i < 4; i++) {
        double v;
        check(iv_clv_get_param(fit, names[i], &v), names[i]);
        printf(" %s = %.4g", names[i], v);
    }
    printf(", log-likelihood %.2f\n", ll);
    check(iv_clv_params(fit, &params), "params");
    iv_table_free(params);

    /* Pareto/NBD on the same summaries: on this sample its likelihood has no interior
     * maximum (s and beta grow without bound: every customer the same dropout rate), which
     * the fit reports as IV_EUNDEFINED with the reason rather than as a result */
    {
        iv_clv *pn = NULL;
        int rc = iv_clv_fit(&pn, IV_CLV_PARETO, x, tx, T, NULL, n, NULL);
        if (rc == IV_EUNDEFINED)
            printf("%s\n", iv_error_last());
        else
            check(rc, "Pareto/NBD fit");
        iv_clv_free(pn);
    }

    /* the first customer: P(alive) and expected purchases in the next 26 weeks */
    check(iv_clv_p_alive(fit, x[0], tx[0], T[0], &p), "p_alive");
    check(iv_clv_conditional(fit, 26, x[0], tx[0], T[0], &e), "conditional");
    printf("%s: x = %g, t_x = %g, T = %g, P(alive) = %.3f, expected purchases = %.3f\n",
           iv_table_get_string(rfm, 0, 0), x[0], tx[0], T[0], p, e);

    /* simple CLV m r / (1 + d - r): margin 120 a year, retention 0.8, discount 0.1 */
    check(iv_clv_simple(120, 0.8, 0.1, &clv), "simple CLV");
    printf("simple CLV = %.2f\n", clv);
    free(x);
    free(tx);
    free(T);
    iv_clv_free(fit);
    iv_table_free(rfm);
    iv_store_free(store);
    return 0;
}
