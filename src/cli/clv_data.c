/* Per-contact CLV input from a store and the calibration-against-holdout table (clv_data.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clv_data.h"

void clv_data_free(clv_data *d)
{
    size_t i;
    for (i = 0; d->contact && i < d->n; i++)
        free(d->contact[i]);
    free(d->contact);
    free(d->x);
    free(d->t_x);
    free(d->T);
    free(d->zbar);
    free(d->hx);
    free(d->hT);
    memset(d, 0, sizeof *d);
}

int clv_data_alloc(clv_data *d, size_t n)
{
    size_t m = n ? n : 1;
    d->n = n;
    d->contact = calloc(m, sizeof *d->contact);
    d->x = calloc(m, sizeof(double));
    d->t_x = calloc(m, sizeof(double));
    d->T = calloc(m, sizeof(double));
    d->zbar = calloc(m, sizeof(double));
    d->hx = calloc(m, sizeof(double));
    d->hT = calloc(m, sizeof(double));
    return d->contact && d->x && d->t_x && d->T && d->zbar && d->hx && d->hT;
}

static double col_num(const iv_table *t, size_t r, long c)
{
    return c < 0 ? NAN : iv_table_get_double(t, r, (size_t)c);
}

int clv_data_from_store(const iv_store *store, const iv_rfm_options *ro, int model,
                        double hold_len, clv_data *d)
{
    iv_table *t = NULL;
    size_t i;
    long cc, cx, ct, cT, ch, cn, cz;
    int rc = model == IV_CLV_BGBB  ? iv_rfm_discrete(&t, store, ro)
             : model == IV_CLV_SBG ? iv_contracts(&t, store, ro)
                                   : iv_rfm(&t, store, ro);
    memset(d, 0, sizeof *d);
    if (rc != IV_OK)
        return rc;
    if (iv_table_nrows(t) == 0) {
        iv_table_free(t);
        return IV_EUNDEFINED;
    }
    if (!clv_data_alloc(d, iv_table_nrows(t))) {
        iv_table_free(t);
        clv_data_free(d);
        return IV_ENOMEM;
    }
    cc = iv_table_col_index(t, "contact");
    cx = iv_table_col_index(t, model == IV_CLV_SBG ? "periods" : "x");
    ct = iv_table_col_index(t, model == IV_CLV_SBG ? "churned" : "t_x");
    cT = iv_table_col_index(t, model == IV_CLV_BGBB ? "n" : "T");
    ch = iv_table_col_index(t, "holdout_x");
    cn = iv_table_col_index(t, "holdout_n");
    cz = iv_table_col_index(t, "zbar");
    for (i = 0; i < d->n; i++) {
        const char *c = cc < 0 ? NULL : iv_table_get_string(t, i, (size_t)cc);
        if (!(d->contact[i] = strdup(c ? c : ""))) {
            iv_table_free(t);
            clv_data_free(d);
            return IV_ENOMEM;
        }
        d->x[i] = col_num(t, i, cx);
        d->t_x[i] = col_num(t, i, ct);
        if (model != IV_CLV_SBG) {
            d->T[i] = col_num(t, i, cT);
            d->hx[i] = col_num(t, i, ch);
            d->hT[i] = model == IV_CLV_BGBB ? col_num(t, i, cn) : hold_len;
            if (model != IV_CLV_BGBB)
                d->zbar[i] = col_num(t, i, cz);
        }
    }
    d->has_zbar = model != IV_CLV_BGBB && model != IV_CLV_SBG;
    d->has_holdout = model != IV_CLV_SBG;
    iv_table_free(t);
    return IV_OK;
}

int clv_cov_customer(const iv_clv *tx, const clv_cov *cov, size_t i, iv_clv **one)
{
    const double *z = cov->z + i * cov->k;
    /* the same covariates on both rates of Pareto/NBD (as the fit takes them) */
    return iv_clv_for_customer(tx, z, iv_clv_model_of(tx) == IV_CLV_PARETO ? z : NULL, one);
}

int clv_validate_table(const clv_data *d, const iv_clv *tx, const clv_cov *cov, iv_table **out,
                       size_t *bad)
{
    iv_clv_validate_options vo = IV_CLV_VALIDATE_OPTIONS_INIT;
    if (cov && cov->k) { /* the same covariates on both rates of Pareto/NBD, as fitted */
        vo.z_purchase = cov->z;
        vo.z_dropout = iv_clv_model_of(tx) == IV_CLV_PARETO ? cov->z : NULL;
    }
    vo.failed = bad;
    return iv_clv_validate(out, tx, d->x, d->t_x, d->T, d->hx, d->hT, d->n, &vo);
}

const char *clv_validate_why(void)
{
    /* iv_clv_validate's message is "customer N: WHAT: the prediction's own message" */
    const char *m = iv_error_last(), *p = strncmp(m, "customer ", 9) == 0 ? strchr(m, ':') : NULL;
    return p && p[1] == ' ' ? p + 2 : m;
}

/* ---- covariates --------------------------------------------------------------------- */

/* At most this many covariate columns after one-hot (the library's limit). */
#define CLV_MAX_COV 12

void clv_cov_free(clv_cov *c)
{
    size_t j;
    for (j = 0; c->names && j < c->k; j++)
        free(c->names[j]);
    free(c->names);
    free(c->z);
    memset(c, 0, sizeof *c);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The one-hot expansion of raw columns: val[i * ncol + j] is contact i's text in column
 * j (cname[j]). A column whose every value is a number stays numeric. */
static int cov_build(const char *cmd, const char *origin, size_t n, size_t ncol,
                     char *const *cname, char *const *val, clv_cov *out)
{
    const char **lv = malloc((n ? n : 1) * sizeof *lv);
    size_t j, i, k = 0, pass;
    memset(out, 0, sizeof *out);
    if (!lv)
        return cli_fail(cmd, "out of memory");
    for (pass = 0; pass < 2; pass++) {
        k = 0;
        for (j = 0; j < ncol; j++) {
            size_t m = 0, l;
            int numeric = 1;
            double v;
            for (i = 0; i < n && numeric; i++)
                numeric = cli_parse_real(val[i * ncol + j], &v) == 0;
            if (numeric) {
                if (pass) {
                    if (!(out->names[k] = strdup(cname[j])))
                        goto oom;
                    for (i = 0; i < n; i++)
                        cli_parse_real(val[i * ncol + j], &out->z[i * out->k + k]);
                }
                k++;
                continue;
            }
            for (i = 0; i < n; i++)
                lv[i] = val[i * ncol + j];
            qsort(lv, n, sizeof *lv, cmp_str);
            for (i = 0; i < n; i++)
                if (i == 0 || strcmp(lv[i], lv[m - 1]) != 0)
                    lv[m++] = lv[i];
            for (l = 1; l < m; l++, k++) { /* level 0 is the reference */
                if (!pass)
                    continue;
                if (!(out->names[k] = malloc(strlen(cname[j]) + strlen(lv[l]) + 2)))
                    goto oom;
                sprintf(out->names[k], "%s=%s", cname[j], lv[l]);
                for (i = 0; i < n; i++)
                    out->z[i * out->k + k] = strcmp(val[i * ncol + j], lv[l]) == 0;
            }
        }
        if (!pass) {
            if (k == 0 || k > CLV_MAX_COV) {
                free(lv);
                return cli_fail(cmd, "%s: %zu covariate columns (text columns count one per "
                                "level but the first): 1 to %d are possible", origin, k,
                                CLV_MAX_COV);
            }
            out->k = k;
            out->names = calloc(k, sizeof *out->names);
            out->z = calloc((n ? n : 1) * k, sizeof *out->z);
            if (!out->names || !out->z)
                goto oom;
        }
    }
    free(lv);
    return CLI_OK;
oom:
    free(lv);
    clv_cov_free(out);
    return cli_fail(cmd, "out of memory");
}

typedef struct cov_key {
    const char *contact;
    size_t row;
} cov_key;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const cov_key *)a)->contact, ((const cov_key *)b)->contact);
}

int clv_cov_from_csv(const char *cmd, const char *path, const clv_data *d, clv_cov *out)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL, **hdr = NULL, **rows = NULL, **val = NULL;
    size_t cap = 0, ncol = 0, nrows = 0, caprows = 0, lineno = 1, i, j;
    cov_key *keys = NULL;
    ssize_t len;
    int st = CLI_EFAIL;
    memset(out, 0, sizeof *out);
    if (!fp)
        return cli_fail_errno(cmd, "reading", path);
    if ((len = getline(&line, &cap, fp)) <= 0) {
        cli_fail(cmd, "%s:1: empty covariates file (expected the header contact,NAME,...)", path);
        goto done;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    { /* the header: contact, then the covariates' names */
        char *p = line, *e;
        size_t m = 1;
        for (e = line; *e; e++)
            m += *e == ',';
        if (!(hdr = calloc(m, sizeof *hdr)))
            goto oom;
        for (i = 0; i < m; i++) {
            e = strchr(p, ',');
            if (e)
                *e = '\0';
            if (!(hdr[i] = strdup(p)))
                goto oom;
            p = e ? e + 1 : p + strlen(p);
        }
        ncol = m;
    }
    if (strcmp(hdr[0], "contact") != 0 || ncol < 2) {
        cli_fail(cmd, "%s:1: the header must be contact,NAME,... (got '%s' first%s)", path,
                 hdr[0], ncol < 2 ? " and no covariate" : "");
        goto done;
    }
    for (j = 1; j < ncol; j++)
        if (!*hdr[j]) {
            cli_fail(cmd, "%s:1:%zu: an empty covariate name", path, j + 1);
            goto done;
        }
    while ((len = getline(&line, &cap, fp)) > 0) {
        size_t nf = 1;
        char *p, *e;
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        for (e = line; *e; e++)
            nf += *e == ',';
        if (nf != ncol) {
            cli_fail(cmd, "%s:%zu: %zu fields, the header has %zu", path, lineno, nf, ncol);
            goto done;
        }
        if (nrows == caprows) {
            size_t nc = caprows ? 2 * caprows : 1024;
            char **nr = realloc(rows, nc * ncol * sizeof *rows);
            if (!nr)
                goto oom;
            rows = nr;
            caprows = nc;
        }
        for (p = line, j = 0; j < ncol; j++) {
            e = strchr(p, ',');
            if (e)
                *e = '\0';
            if (j > 0 && !*p) {
                cli_fail(cmd, "%s:%zu:%ld: field '%s' is empty (covariates are never "
                         "missing)", path, lineno, (long)(p - line) + 1, hdr[j]);
                rows[nrows * ncol + j] = NULL;
                for (i = 0; i < j; i++)
                    free(rows[nrows * ncol + i]);
                goto done;
            }
            if (!(rows[nrows * ncol + j] = strdup(p))) {
                for (i = 0; i < j; i++)
                    free(rows[nrows * ncol + i]);
                goto oom;
            }
            p = e ? e + 1 : p + strlen(p);
        }
        nrows++;
    }
    /* every contact of the fit looked up among the file's rows */
    if (!(keys = malloc((nrows ? nrows : 1) * sizeof *keys)) ||
        !(val = malloc((d->n ? d->n : 1) * (ncol - 1) * sizeof *val)))
        goto oom;
    for (i = 0; i < nrows; i++) {
        keys[i].contact = rows[i * ncol];
        keys[i].row = i;
    }
    qsort(keys, nrows, sizeof *keys, cmp_key);
    for (i = 1; i < nrows; i++)
        if (strcmp(keys[i].contact, keys[i - 1].contact) == 0) {
            cli_fail(cmd, "%s: contact '%s' has two rows", path, keys[i].contact);
            goto done;
        }
    for (i = 0; i < d->n; i++) {
        cov_key want, *hit;
        want.contact = d->contact[i];
        hit = nrows ? bsearch(&want, keys, nrows, sizeof *keys, cmp_key) : NULL;
        if (!hit) {
            cli_fail(cmd, "%s: contact '%s' has no row (every contact of the fit needs its "
                     "covariates)", path, d->contact[i]);
            goto done;
        }
        for (j = 1; j < ncol; j++)
            val[i * (ncol - 1) + j - 1] = rows[hit->row * ncol + j];
    }
    st = cov_build(cmd, path, d->n, ncol - 1, hdr + 1, val, out);
    goto done;
oom:
    st = cli_fail(cmd, "out of memory");
done:
    for (i = 0; rows && i < nrows * ncol; i++)
        free(rows[i]);
    free(rows);
    for (i = 0; hdr && i < ncol; i++)
        free(hdr[i]);
    free(hdr);
    free(keys);
    free(val);
    free(line);
    fclose(fp);
    return st;
}

int clv_cov_from_dims(const char *cmd, const iv_store *store, const char *dims,
                      const clv_data *d, clv_cov *out)
{
    char *list = strdup(dims), *p, *save = NULL, *names[CLV_MAX_COV];
    size_t ndim = 0, idx[CLV_MAX_COV], i, j, nd = iv_store_dim_count(store);
    char **val = NULL;
    int st;
    memset(out, 0, sizeof *out);
    if (!list)
        return cli_fail(cmd, "out of memory");
    for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (ndim == CLV_MAX_COV) {
            free(list);
            return cli_fail(cmd, "--covariates-dim: at most %d dimensions", CLV_MAX_COV);
        }
        for (j = 0; j < nd; j++)
            if (strcmp(iv_store_dim_name(store, j), p) == 0)
                break;
        if (j == nd) {
            cli_fail(cmd, "--covariates-dim: no custom dimension '%s' in the data", p);
            free(list);
            return CLI_EFAIL;
        }
        names[ndim] = p;
        idx[ndim++] = j;
    }
    if (ndim == 0) {
        free(list);
        return cli_fail(cmd, "--covariates-dim: no dimension named");
    }
    if (!(val = calloc((d->n ? d->n : 1) * ndim, sizeof *val))) {
        free(list);
        return cli_fail(cmd, "out of memory");
    }
    for (i = 0; i < d->n; i++) {
        const uint32_t *rows = NULL;
        size_t nr = 0, r;
        if (iv_store_contact_rows(store, d->contact[i], &rows, &nr) != IV_OK)
            nr = 0;
        for (j = 0; j < ndim; j++) {
            const char *v = NULL;
            for (r = nr; r-- > 0 && !v;) { /* the latest non-empty value */
                v = iv_store_get_dim(store, rows[r], idx[j]);
                if (v && !*v)
                    v = NULL;
            }
            if (!v) {
                cli_fail(cmd, "--covariates-dim: contact '%s' has no value of '%s'",
                         d->contact[i], names[j]);
                free(val);
                free(list);
                return CLI_EFAIL;
            }
            val[i * ndim + j] = (char *)v;
        }
    }
    st = cov_build(cmd, "--covariates-dim", d->n, ndim, names, val, out);
    free(val);
    free(list);
    return st;
}
