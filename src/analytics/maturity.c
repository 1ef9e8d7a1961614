/* Digital maturity (doc/MATURITY.md): indicator sets, the assessment over the eight areas,
 * year-on-year comparison and the peer benchmark. The rubric and the level formulas
 * live in rubric.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "csv.h"
#include "maturity.h"
#include "select.h"
#include "table.h"
#include "text.h"
#include "timefmt.h"

/* ---- CSV records: the shared RFC 4180 tokenizer (csv.c) over a whole text ---- */

#define MCSV_MAXF 16
#define MCSV_BUF 2048

typedef struct mcsv {
    iv__csv tok;
    const char *s;
    size_t len, pos;
    int line;            /* line the next record starts on */
    const char *origin;  /* file path for messages, or NULL */
    int rec_line, nf;    /* the current record */
    size_t off[MCSV_MAXF], fn[MCSV_MAXF];
    char buf[MCSV_BUF];
} mcsv;

static void mcsv_init(mcsv *c, const iv__alloc *a, const char *s, size_t len, const char *origin)
{
    memset(c, 0, sizeof *c);
    iv__csv_init(&c->tok, a, ',', MCSV_MAXF);
    c->s = s;
    c->len = len;
    c->line = c->rec_line = 1;
    c->origin = origin;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
}

#define MCSV_ERROR(c, ...) iv__parse_error((c)->origin, (c)->rec_line, __VA_ARGS__)

static const char *mcsv_field(const mcsv *c, int i)
{
    return c->buf + c->off[i];
}

/* Read the next non-blank record: 1 when read, 0 at the end, or an error code. */
static int mcsv_next(mcsv *c)
{
    while (c->pos < c->len) {
        const char *rec = c->s + c->pos;
        size_t used, i, off = 0;
        int done, rc;
        c->rec_line = c->line;
        iv__csv_reset(&c->tok);
        rc = iv__csv_scan(&c->tok, rec, c->len - c->pos, &used, &done);
        if (!rc && !done)
            rc = iv__csv_eof(&c->tok);
        if (rc)
            return iv__nomem("reading CSV");
        c->pos += used;
        c->line += 1 + (int)c->tok.nl;
        if (c->tok.err)
            return MCSV_ERROR(c, "%s", iv__csv_strerror(c->tok.err));
        if (used + c->tok.nfields >= MCSV_BUF)
            return MCSV_ERROR(c, "record longer than %d bytes", MCSV_BUF / 2);
        for (i = 0; i < c->tok.nfields; i++) {
            const iv__csv_field *f = &c->tok.f[i];
            const char *src = rec + f->start;
            size_t n = f->end - f->start;
            if (!f->quoted)
                iv__trim(&src, &n); /* blanks around unquoted fields are not data */
            if (f->esc)
                n = iv__csv_unescape(src, n, c->buf + off);
            else if (n)
                memcpy(c->buf + off, src, n);
            c->off[i] = off;
            c->fn[i] = n;
            c->buf[off + n] = '\0';
            off += n + 1;
        }
        c->nf = (int)c->tok.nfields;
        if (c->nf == 1 && c->fn[0] == 0 && !c->tok.f[0].quoted)
            continue; /* blank line */
        return 1;
    }
    return 0;
}

/* Find the column named name in the current record (the header); -1 when absent. */
static int mcsv_column(const mcsv *c, const char *name)
{
    int i;
    for (i = 0; i < c->nf; i++)
        if (iv__ieq(mcsv_field(c, i), c->fn[i], name))
            return i;
    return -1;
}

/* ---- indicator sets ---- */

IV_API int iv_indicators_new(iv_indicators **out, const iv_maturity_options *opts)
{
    iv__alloc a;
    iv_indicators *ind;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_indicators_new: NULL argument");
    rc = iv__maturity_alloc(&a, opts);
    if (rc)
        return rc;
    ind = iv__malloc(&a, sizeof *ind);
    if (!ind)
        return iv__nomem("indicator set");
    memset(ind, 0, sizeof *ind);
    ind->alloc = a;
    *out = ind;
    return IV_OK;
}

IV_API void iv_indicators_free(iv_indicators *ind)
{
    size_t i;
    iv__alloc a;
    if (!ind)
        return;
    a = ind->alloc;
    for (i = 0; i < ind->n; i++)
        iv__strfree(&a, ind->e[i].name);
    iv__free(&a, ind->e, ind->cap * sizeof *ind->e);
    iv__free(&a, ind, sizeof *ind);
}

static iv__ind_entry *ind_find(const iv_indicators *ind, const char *name, size_t n)
{
    size_t i;
    for (i = 0; i < ind->n; i++)
        if (iv__ieq(name, n, ind->e[i].name))
            return &ind->e[i];
    return NULL;
}

/* Validate a name; the message names it (and where, through prefix). */
static int check_name(const char *name, size_t n, const char *where)
{
    int area = iv__indicator_name_area(name, n);
    if (area > 0)
        return IV_OK;
    if (area == 0)
        return iv__error(IV_EINVAL, "%sindicator '%.*s': expected AREA.NAME with AREA one of "
                         "technology, channels, engagement, experience, content, business, "
                         "analytics, governance", where, (int)n, name);
    return iv__error(IV_EINVAL, "%sindicator '%.*s': the name after the area must be non-empty "
                     "and use letters, digits, '_' and '-' only", where, (int)n, name);
}

static char *lower_dup(const iv__alloc *a, const char *s, size_t n)
{
    char *d = iv__strndup(a, s, n);
    size_t i;
    if (d)
        for (i = 0; i < n; i++)
            if (d[i] >= 'A' && d[i] <= 'Z')
                d[i] = (char)(d[i] + 32);
    return d;
}

/* Set name = value; a derived value never replaces a user one. */
static int ind_put(iv_indicators *ind, const char *name, double value, int user)
{
    size_t n = strlen(name);
    iv__ind_entry *e = ind_find(ind, name, n);
    char *dup;
    if (e) {
        if (user || !e->user) {
            e->value = value;
            e->user = user;
        }
        return IV_OK;
    }
    if (iv__grow(&ind->alloc, (void **)&ind->e, &ind->cap, ind->n + 1, sizeof *ind->e))
        return iv__nomem("indicator set");
    dup = lower_dup(&ind->alloc, name, n);
    if (!dup)
        return iv__nomem("indicator name");
    ind->e[ind->n].name = dup;
    ind->e[ind->n].value = value;
    ind->e[ind->n].user = user;
    ind->n++;
    return IV_OK;
}

IV_API int iv_indicators_set(iv_indicators *ind, const char *name, double value)
{
    int rc;
    if (!ind || !name)
        return iv__error(IV_EINVAL, "iv_indicators_set: NULL argument");
    if ((rc = check_name(name, strlen(name), "")) != IV_OK)
        return rc;
    if (!isfinite(value))
        return iv__error(IV_ERANGE, "indicator '%s': value is not a finite number", name);
    return ind_put(ind, name, value, 1);
}

int iv__indicators_put_derived(iv_indicators *ind, const char *name, double value)
{
    if (!isfinite(value))
        return IV_OK; /* an undefined quantity is simply not observed */
    return ind_put(ind, name, value, 0);
}

IV_API int iv_indicators_get(const iv_indicators *ind, const char *name, double *value)
{
    const iv__ind_entry *e;
    if (!ind || !name || !value)
        return iv__error(IV_EINVAL, "iv_indicators_get: NULL argument");
    e = ind_find(ind, name, strlen(name));
    if (!e)
        return iv__error(IV_ENOTFOUND, "indicator '%s' has no value", name);
    *value = e->value;
    return IV_OK;
}

IV_API size_t iv_indicators_count(const iv_indicators *ind)
{
    return ind ? ind->n : 0;
}

/* Rows read from a CSV before they are merged into the set (so that a failure leaves
 * the set unchanged). */
typedef struct pending {
    iv__ind_entry *e;
    size_t n, cap;
    int *line;
    size_t lcap;
} pending;

static void pending_free(const iv__alloc *a, pending *p)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        iv__strfree(a, p->e[i].name);
    iv__free(a, p->e, p->cap * sizeof *p->e);
    iv__free(a, p->line, p->lcap * sizeof *p->line);
}

static int pending_row(iv_indicators *ind, pending *p, const mcsv *c, int name_col,
                       int value_col)
{
    const char *name = mcsv_field(c, name_col), *val;
    size_t nn = c->fn[name_col];
    double v;
    size_t i;
    if (value_col >= c->nf || c->fn[value_col] == 0)
        return IV_OK; /* no value: the indicator stays unobserved */
    val = mcsv_field(c, value_col);
    if (check_name(name, nn, "") != IV_OK)
        return MCSV_ERROR(c, "%s", iv_error_last());
    if (!iv__parse_finite(val, c->fn[value_col], &v))
        return MCSV_ERROR(c, "indicator '%s': value '%s' is not a finite number", name, val);
    /* duplicates are found after the last row, by sorting (n log n, not n^2) */
    (void)i;
    if (iv__grow(&ind->alloc, (void **)&p->e, &p->cap, p->n + 1, sizeof *p->e) ||
        iv__grow(&ind->alloc, (void **)&p->line, &p->lcap, p->n + 1, sizeof *p->line))
        return iv__nomem("indicator CSV");
    p->e[p->n].name = lower_dup(&ind->alloc, name, nn);
    if (!p->e[p->n].name)
        return iv__nomem("indicator name");
    p->e[p->n].value = v;
    p->e[p->n].user = 1;
    p->line[p->n] = c->rec_line;
    p->n++;
    return IV_OK;
}

/* Order of pending rows (indices) by name, then line. */
static const pending *sort_p;
static int pending_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(sort_p->e[x].name, sort_p->e[y].name);
    return c ? c : (sort_p->line[x] > sort_p->line[y]) - (sort_p->line[x] < sort_p->line[y]);
}

static int entry_ptr_cmp(const void *a, const void *b)
{
    const iv__ind_entry *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* The first repeated indicator in file order (the one whose second line is smallest),
 * named as the row-by-row check named it; IV_OK when every name is distinct. Names are
 * lower-cased already, so equal names are equal bytes. */
static int pending_dups(const iv_indicators *ind, const pending *p, const char *origin)
{
    size_t *ix, i, best = (size_t)-1;
    int first = 0;
    if (p->n < 2)
        return IV_OK;
    if (!(ix = iv__malloc(&ind->alloc, p->n * sizeof *ix)))
        return iv__nomem("indicator CSV");
    for (i = 0; i < p->n; i++)
        ix[i] = i;
    sort_p = p;
    qsort(ix, p->n, sizeof *ix, pending_cmp);
    for (i = 1; i < p->n; i++)
        if (strcmp(p->e[ix[i]].name, p->e[ix[i - 1]].name) == 0 &&
            (best == (size_t)-1 || p->line[ix[i]] < p->line[best])) {
            /* ix[i - 1] is the first line of this name only if ix[i] is its second */
            if (i >= 2 && strcmp(p->e[ix[i - 2]].name, p->e[ix[i]].name) == 0)
                continue;
            best = ix[i];
            first = p->line[ix[i - 1]];
        }
    iv__free(&ind->alloc, ix, p->n * sizeof *ix);
    if (best == (size_t)-1)
        return IV_OK;
    return iv__parse_error(origin, p->line[best], "indicator '%s' is already given on line %d",
                           p->e[best].name, first);
}

static int indicators_csv(iv_indicators *ind, const char *text, size_t len, const char *origin)
{
    mcsv c;
    pending p;
    int rc, name_col = -1, value_col = -1;
    size_t i;

    memset(&p, 0, sizeof p);
    mcsv_init(&c, &ind->alloc, text, len, origin);
    rc = mcsv_next(&c);
    if (rc == 0)
        rc = MCSV_ERROR(&c, "empty file: expected the header indicator,value");
    if (rc == 1) {
        name_col = mcsv_column(&c, "indicator");
        value_col = mcsv_column(&c, "value");
        rc = (name_col < 0 || value_col < 0)
                 ? MCSV_ERROR(&c, "the header must name the columns 'indicator' and 'value'")
                 : IV_OK;
    }
    while (rc == IV_OK && (rc = mcsv_next(&c)) == 1) {
        if (name_col >= c.nf)
            rc = MCSV_ERROR(&c, "the row has no 'indicator' field");
        else
            rc = pending_row(ind, &p, &c, name_col, value_col);
    }
    if (rc == 0)
        rc = pending_dups(ind, &p, origin);
    /* Make room for every pending row, then merge without any further failure: the
     * entries already in the set are looked up by binary search in a sorted copy of
     * their pointers (names are stored lower-cased; pending names are distinct). */
    if (rc == 0 && iv__grow(&ind->alloc, (void **)&ind->e, &ind->cap, ind->n + p.n, sizeof *ind->e))
        rc = iv__nomem("indicator set");
    if (rc == 0) {
        size_t old = ind->n;
        iv__ind_entry **sorted = old ? iv__malloc(&ind->alloc, old * sizeof *sorted) : NULL;
        if (old && !sorted)
            rc = iv__nomem("indicator set");
        for (i = 0; rc == 0 && i < old; i++)
            sorted[i] = &ind->e[i];
        if (rc == 0 && old)
            qsort(sorted, old, sizeof *sorted, entry_ptr_cmp);
        for (i = 0; rc == 0 && i < p.n; i++) {
            iv__ind_entry key, *kp = &key, **hit;
            key.name = p.e[i].name;
            hit = old ? bsearch(&kp, sorted, old, sizeof *sorted, entry_ptr_cmp) : NULL;
            if (hit) {
                (*hit)->value = p.e[i].value;
                (*hit)->user = 1;
            } else {
                ind->e[ind->n++] = p.e[i];
                p.e[i].name = NULL;
            }
        }
        iv__free(&ind->alloc, sorted, old * sizeof *sorted);
    }
    pending_free(&ind->alloc, &p);
    iv__csv_free(&c.tok);
    return rc;
}

IV_API int iv_indicators_parse_csv(iv_indicators *ind, const char *text, size_t len)
{
    if (!ind || (!text && len))
        return iv__error(IV_EINVAL, "iv_indicators_parse_csv: NULL argument");
    return indicators_csv(ind, text ? text : "", len, NULL);
}

IV_API int iv_indicators_load_csv(iv_indicators *ind, const char *path)
{
    char *text;
    size_t len, size;
    int rc;
    if (!ind || !path)
        return iv__error(IV_EINVAL, "iv_indicators_load_csv: NULL argument");
    rc = iv__read_whole_file(&ind->alloc, path, &text, &len, &size);
    if (rc)
        return rc;
    rc = indicators_csv(ind, text, len, path);
    iv__free(&ind->alloc, text, size);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const iv__ind_entry *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* Add the named columns (all of the given types) to t; IV_OK or IV_ENOMEM. */
static int add_cols(iv_table *t, const char *const *names, const int *types, int n)
{
    int k;
    for (k = 0; k < n; k++)
        if (iv__table_add_col(t, names[k], types[k]) < 0)
            return IV_ENOMEM;
    return IV_OK;
}

static int set_str(iv_table *t, size_t row, size_t col, const char *s)
{
    return iv__table_set_string(t, row, col, s, strlen(s));
}

IV_API int iv_indicators_table(iv_table **out, const iv_indicators *ind)
{
    static const char *const cols[] = {"indicator", "value", "source"};
    static const int types[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_STRING};
    const iv__ind_entry **order = NULL;
    iv_table *t;
    size_t i;
    int rc;
    if (!out || !ind)
        return iv__error(IV_EINVAL, "iv_indicators_table: NULL argument");
    t = iv__table_new(&ind->alloc);
    if (!t)
        return IV_ENOMEM;
    rc = add_cols(t, cols, types, 3);
    if (!rc && ind->n) {
        order = iv__calloc(&ind->alloc, ind->n, sizeof *order);
        if (!order)
            rc = IV_ENOMEM;
    }
    if (!rc) {
        for (i = 0; i < ind->n; i++)
            order[i] = &ind->e[i];
        if (ind->n)
            qsort(order, ind->n, sizeof *order, entry_cmp);
    }
    for (i = 0; !rc && i < ind->n; i++) {
        long row = iv__table_add_row(t);
        if (row < 0)
            rc = IV_ENOMEM;
        if (!rc)
            rc = set_str(t, (size_t)row, 0, order[i]->name);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 1, order[i]->value);
        if (!rc)
            rc = set_str(t, (size_t)row, 2, order[i]->user ? "user" : "derived");
    }
    iv__free(&ind->alloc, order, ind->n * sizeof *order);
    if (rc) {
        iv_table_free(t);
        return iv__nomem("indicator table");
    }
    *out = t;
    return IV_OK;
}

/* ---- assessment ---- */

enum { COL_AREA, COL_SCORE, COL_LEVEL, COL_STAGED, COL_COVERAGE, COL_MISSING, COL_MIN };

/* Fill the row of one area; *score receives its score (NaN when nothing observed).
 * sorted: the indicators by name (binary search: n log n for the whole assessment). */
static int assess_area(iv_table *t, size_t row, const iv_rubric *r, iv__ind_entry *const *sorted,
                       size_t nsorted, int area, double *score)
{
    size_t i, nind = 0, nobs = 0;
    double wsum = 0, wlsum = 0, minlev = INFINITY;
    int rc = set_str(t, row, COL_AREA, iv__area_name(area));
    for (i = 0; !rc && i < r->n; i++) {
        const iv__indicator_def *d = &r->ind[i];
        const iv__ind_entry *e;
        if (d->area != area)
            continue;
        nind++;
        {
            iv__ind_entry key, *kp = &key, *const *hit;
            key.name = d->name;
            hit = nsorted ? bsearch(&kp, sorted, nsorted, sizeof *sorted, entry_ptr_cmp) : NULL;
            e = hit ? *hit : NULL;
        }
        if (e) {
            double lev = iv__indicator_level(d, e->value);
            wsum += d->weight;
            wlsum += d->weight * lev;
            if (lev < minlev)
                minlev = lev;
            nobs++;
        } else {
            rc = iv__table_list_push(t, row, COL_MISSING, d->name, strlen(d->name));
        }
    }
    *score = nobs ? wlsum / wsum : NAN;
    if (!rc && nobs) {
        rc = iv__table_set_double(t, row, COL_SCORE, *score);
        if (!rc)
            rc = iv__table_set_int(t, row, COL_LEVEL, (int64_t)floor(*score));
        if (!rc)
            rc = iv__table_set_int(t, row, COL_STAGED, (int64_t)floor(minlev));
    }
    if (!rc && nind)
        rc = iv__table_set_double(t, row, COL_COVERAGE, (double)nobs / (double)nind);
    return rc;
}

IV_API int iv_maturity_assess(iv_table **out, const iv_rubric *rubric, const iv_indicators *ind,
                              const iv_maturity_options *opts)
{
    static const char *const cols[] = {"area", "score", "level", "staged_level",
                                       "coverage", "missing", "min"};
    static const int types[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_INT, IV_COL_INT,
                                IV_COL_DOUBLE, IV_COL_LIST, IV_COL_DOUBLE};
    iv__alloc a;
    iv_table *t;
    iv__ind_entry **sorted = NULL;
    double aw = 0, asum = 0, amin = INFINITY;
    int area, rc;
    long row = 0;
    size_t i;

    if (!out || !rubric || !ind)
        return iv__error(IV_EINVAL, "iv_maturity_assess: NULL argument");
    a = rubric->alloc;
    if (opts) {
        if ((rc = iv__maturity_alloc(&a, opts)) != IV_OK)
            return rc;
        if (!opts->alloc)
            a = rubric->alloc;
    }
    if (ind->n && !(sorted = iv__malloc(&a, ind->n * sizeof *sorted)))
        return iv__nomem("the indicators' index");
    for (i = 0; i < ind->n; i++)
        sorted[i] = &ind->e[i];
    if (ind->n)
        qsort(sorted, ind->n, sizeof *sorted, entry_ptr_cmp);
    t = iv__table_new(&a);
    if (!t) {
        iv__free(&a, sorted, ind->n * sizeof *sorted);
        return IV_ENOMEM;
    }
    rc = add_cols(t, cols, types, 7);
    /* doc/MATURITY.md: the area score is the weighted mean of its observed indicators' levels;
     * the overall score the area-weighted mean of the area scores that exist, shown
     * with their minimum (one average alone hides a weak area). */
    for (area = 1; !rc && area <= IV__NAREAS; area++) {
        double score;
        row = iv__table_add_row(t);
        if (row < 0) {
            rc = IV_ENOMEM;
            break;
        }
        rc = assess_area(t, (size_t)row, rubric, sorted, ind->n, area, &score);
        if (!rc && !isnan(score)) {
            aw += rubric->area_weight[area];
            asum += rubric->area_weight[area] * score;
            if (score < amin)
                amin = score;
        }
    }
    if (!rc && (row = iv__table_add_row(t)) < 0)
        rc = IV_ENOMEM;
    if (!rc)
        rc = set_str(t, (size_t)row, COL_AREA, "overall");
    if (!rc && aw > 0) {
        rc = iv__table_set_double(t, (size_t)row, COL_SCORE, asum / aw);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, COL_MIN, amin);
    }
    iv__free(&a, sorted, ind->n * sizeof *sorted);
    if (rc) {
        iv_table_free(t);
        return iv__nomem("maturity table");
    }
    *out = t;
    return IV_OK;
}

/* ---- year on year ---- */

/* The row of t whose string column col equals s; -1 when none. */
static long find_row(const iv_table *t, size_t col, const char *s)
{
    size_t i, n = iv_table_nrows(t);
    for (i = 0; i < n; i++) {
        const char *v = iv_table_get_string(t, i, col);
        if (v && strcmp(v, s) == 0)
            return (long)i;
    }
    return -1;
}

/* The columns area and score of an assessment table. */
static int assessment_cols(const iv_table *t, const char *what, size_t *area, size_t *score)
{
    long a = iv_table_col_index(t, "area"), s = iv_table_col_index(t, "score");
    if (a < 0 || s < 0 || iv_table_col_type(t, (size_t)a) != IV_COL_STRING)
        return iv__error(IV_EINVAL, "%s: not an assessment table (needs the columns 'area' and "
                         "'score')", what);
    *area = (size_t)a;
    *score = (size_t)s;
    return IV_OK;
}

IV_API int iv_maturity_compare(iv_table **out, const iv_table *current, const iv_table *previous)
{
    static const char *const cols[] = {"area", "score", "previous", "change", "relative_change",
                                       "level", "previous_level"};
    static const int types[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_INT, IV_COL_INT};
    size_t ca, cs, pa, ps, i, n;
    long cl, pl;
    iv_table *t;
    int rc;

    if (!out || !current || !previous)
        return iv__error(IV_EINVAL, "iv_maturity_compare: NULL argument");
    if ((rc = assessment_cols(current, "current", &ca, &cs)) != IV_OK ||
        (rc = assessment_cols(previous, "previous", &pa, &ps)) != IV_OK)
        return rc;
    cl = iv_table_col_index(current, "level");
    pl = iv_table_col_index(previous, "level");
    t = iv__table_new(iv__table_alloc(current));
    if (!t)
        return IV_ENOMEM;
    rc = add_cols(t, cols, types, 7);
    n = iv_table_nrows(current);
    for (i = 0; !rc && i < n; i++) {
        const char *area = iv_table_get_string(current, i, ca);
        double x = iv_table_get_double(current, i, cs), y = NAN;
        long prow = area ? find_row(previous, pa, area) : -1;
        long row = iv__table_add_row(t);
        if (row < 0) {
            rc = IV_ENOMEM;
            break;
        }
        if (prow >= 0)
            y = iv_table_get_double(previous, (size_t)prow, ps);
        if (area)
            rc = set_str(t, (size_t)row, 0, area);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 1, x);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 2, y);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 3, x - y);
        /* Scores are levels >= 1, so the previous score is never 0. */
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 4, y != 0 ? (x - y) / y : NAN);
        if (!rc && cl >= 0 && iv_table_is_defined(current, i, (size_t)cl))
            rc = iv__table_set_int(t, (size_t)row, 5, iv_table_get_int(current, i, (size_t)cl));
        if (!rc && pl >= 0 && prow >= 0 && iv_table_is_defined(previous, (size_t)prow, (size_t)pl))
            rc = iv__table_set_int(t, (size_t)row, 6,
                                   iv_table_get_int(previous, (size_t)prow, (size_t)pl));
    }
    if (rc) {
        iv_table_free(t);
        return iv__nomem("year-on-year table");
    }
    *out = t;
    return IV_OK;
}

/* ---- peers ---- */

/* Slot 0 is "overall", 1..8 the areas. */
#define NSLOTS (IV__NAREAS + 1)

typedef struct peer_key {
    char *peer;
    int slot;
    int line;
} peer_key;

typedef struct peerset {
    double *score[NSLOTS];
    size_t n[NSLOTS], cap[NSLOTS];
    peer_key *keys;
    size_t nkeys, capkeys;
} peerset;

static void peerset_free(const iv__alloc *a, peerset *p)
{
    size_t i;
    int s;
    for (s = 0; s < NSLOTS; s++)
        iv__free(a, p->score[s], p->cap[s] * sizeof(double));
    for (i = 0; i < p->nkeys; i++)
        iv__strfree(a, p->keys[i].peer);
    iv__free(a, p->keys, p->capkeys * sizeof *p->keys);
}

static int slot_of(const char *area, size_t n)
{
    if (iv__ieq(area, n, "overall"))
        return 0;
    return iv__area_parse(area, n) > 0 ? iv__area_parse(area, n) : -1;
}

static int key_cmp(const void *a, const void *b)
{
    const peer_key *x = *(const peer_key *const *)a, *y = *(const peer_key *const *)b;
    int c = (x->slot > y->slot) - (x->slot < y->slot);
    if (!c)
        c = strcmp(x->peer, y->peer);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* The first (peer, area) pair given twice, in file order, as the row-by-row check named
 * it: sorted by (area, peer, line), the second line of each repeated pair. */
static int peers_dups(const iv__alloc *a, const peerset *p, const char *origin)
{
    const peer_key **ix, *best = NULL, *first = NULL;
    size_t i;
    if (p->nkeys < 2)
        return IV_OK;
    if (!(ix = iv__malloc(a, p->nkeys * sizeof *ix)))
        return iv__nomem("peers");
    for (i = 0; i < p->nkeys; i++)
        ix[i] = &p->keys[i];
    qsort(ix, p->nkeys, sizeof *ix, key_cmp);
    for (i = 1; i < p->nkeys; i++) {
        if (ix[i]->slot != ix[i - 1]->slot || strcmp(ix[i]->peer, ix[i - 1]->peer) != 0)
            continue;
        if (i >= 2 && ix[i - 2]->slot == ix[i]->slot && strcmp(ix[i - 2]->peer, ix[i]->peer) == 0)
            continue; /* a third line of the same pair */
        if (!best || ix[i]->line < best->line) {
            best = ix[i];
            first = ix[i - 1];
        }
    }
    iv__free(a, ix, p->nkeys * sizeof *ix);
    if (!best)
        return IV_OK;
    return iv__parse_error(origin, best->line, "peer '%s', area '%s' is already given on line %d",
                           best->peer, best->slot ? iv__area_name(best->slot) : "overall",
                           first->line);
}

static int peers_row(const iv__alloc *a, peerset *p, const mcsv *c, const int *col)
{
    const char *peer = mcsv_field(c, col[0]), *area = mcsv_field(c, col[1]);
    const char *sc = mcsv_field(c, col[2]);
    int slot = slot_of(area, c->fn[col[1]]);
    double v;
    size_t i;
    if (c->fn[col[0]] == 0)
        return MCSV_ERROR(c, "the peer name is empty");
    if (slot < 0)
        return MCSV_ERROR(c, "unknown area '%s' (expected one of the eight areas or overall)",
                             area);
    (void)i; /* repeated (peer, area) pairs: peers_dups, after the last row (n log n) */
    if (iv__grow(a, (void **)&p->keys, &p->capkeys, p->nkeys + 1, sizeof *p->keys))
        return iv__nomem("peers");
    p->keys[p->nkeys].peer = iv__strndup(a, peer, c->fn[col[0]]);
    if (!p->keys[p->nkeys].peer)
        return iv__nomem("peer name");
    p->keys[p->nkeys].slot = slot;
    p->keys[p->nkeys].line = c->rec_line;
    p->nkeys++;
    if (c->fn[col[2]] == 0)
        return IV_OK; /* not assessed */
    if (!iv__parse_finite(sc, c->fn[col[2]], &v) || v < 1 || v > 10)
        return MCSV_ERROR(c, "score '%s' is not a number between 1 and 10", sc);
    if (iv__grow(a, (void **)&p->score[slot], &p->cap[slot], p->n[slot] + 1, sizeof(double)))
        return iv__nomem("peer scores");
    p->score[slot][p->n[slot]++] = v;
    return IV_OK;
}

static int peers_read(const iv__alloc *a, peerset *p, const char *text, size_t len,
                      const char *origin)
{
    static const char *const names[3] = {"peer", "area", "score"};
    mcsv c;
    int col[3], k, rc, need = 0;
    mcsv_init(&c, a, text, len, origin);
    rc = mcsv_next(&c);
    if (rc == 0)
        rc = MCSV_ERROR(&c, "empty file: expected the header peer,area,score");
    for (k = 0; rc == 1 && k < 3; k++) {
        col[k] = mcsv_column(&c, names[k]);
        if (col[k] < 0)
            rc = MCSV_ERROR(&c, "the header must name the columns 'peer', 'area' and 'score'");
        else if (col[k] + 1 > need)
            need = col[k] + 1;
    }
    if (rc == 1)
        rc = IV_OK;
    while (rc == IV_OK && (rc = mcsv_next(&c)) == 1) {
        if (c.nf < need)
            rc = MCSV_ERROR(&c, "expected at least %d fields, found %d", need, c.nf);
        else
            rc = peers_row(a, p, &c, col);
    }
    if (rc == 0)
        rc = peers_dups(a, p, c.origin);
    iv__csv_free(&c.tok);
    return rc;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fill one output row from the peers of its slot (scores sorted). */
static int peers_fill(iv_table *t, size_t row, double x, const double *v, size_t n)
{
    size_t i, below = 0, equal = 0;
    int rc = iv__table_set_int(t, row, 2, (int64_t)n);
    if (rc || n == 0)
        return rc;
    rc = iv__table_set_double(t, row, 3, n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
    if (rc || isnan(x))
        return rc;
    for (i = 0; i < n; i++) {
        below += v[i] < x;
        equal += v[i] == x;
    }
    /* Percentile rank with ties counted half ("mean" definition, as in
     * Roscoe, Fundamental Research Statistics, 1975; SciPy percentileofscore kind='mean'). */
    return iv__table_set_double(t, row, 4, 100.0 * ((double)below + 0.5 * (double)equal) /
                                               (double)n);
}

static int peers_table(iv_table **out, const iv_table *assessment, const char *text, size_t len,
                       const char *origin)
{
    static const char *const cols[] = {"area", "score", "peers", "peer_median", "percentile"};
    static const int types[] = {IV_COL_STRING, IV_COL_DOUBLE, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_DOUBLE};
    const iv__alloc *a = iv__table_alloc(assessment);
    peerset p;
    iv_table *t = NULL;
    size_t ca, cs, i, n;
    int rc, s;

    if ((rc = assessment_cols(assessment, "assessment", &ca, &cs)) != IV_OK)
        return rc;
    memset(&p, 0, sizeof p);
    rc = peers_read(a, &p, text, len, origin);
    for (s = 0; !rc && s < NSLOTS; s++)
        if (p.n[s])
            qsort(p.score[s], p.n[s], sizeof(double), dbl_cmp);
    if (!rc) {
        t = iv__table_new(a);
        rc = t ? add_cols(t, cols, types, 5) : IV_ENOMEM;
    }
    n = iv_table_nrows(assessment);
    for (i = 0; !rc && i < n; i++) {
        const char *area = iv_table_get_string(assessment, i, ca);
        double x = iv_table_get_double(assessment, i, cs);
        int slot = area ? slot_of(area, strlen(area)) : -1;
        long row = iv__table_add_row(t);
        if (row < 0) {
            rc = IV_ENOMEM;
            break;
        }
        if (area)
            rc = set_str(t, (size_t)row, 0, area);
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 1, x);
        if (!rc && slot >= 0)
            rc = peers_fill(t, (size_t)row, x, p.score[slot], p.n[slot]);
    }
    peerset_free(a, &p);
    if (rc) {
        iv_table_free(t);
        return rc == IV_ENOMEM ? iv__nomem("peer table") : rc;
    }
    *out = t;
    return IV_OK;
}

IV_API int iv_maturity_peers_parse(iv_table **out, const iv_table *assessment, const char *text,
                                   size_t len)
{
    if (!out || !assessment || (!text && len))
        return iv__error(IV_EINVAL, "iv_maturity_peers_parse: NULL argument");
    return peers_table(out, assessment, text ? text : "", len, NULL);
}

IV_API int iv_maturity_peers(iv_table **out, const iv_table *assessment,
                             const char *peers_csv_path)
{
    char *text;
    size_t len, size;
    int rc;
    if (!out || !assessment || !peers_csv_path)
        return iv__error(IV_EINVAL, "iv_maturity_peers: NULL argument");
    rc = iv__read_whole_file(iv__table_alloc(assessment), peers_csv_path, &text, &len, &size);
    if (rc)
        return rc;
    rc = peers_table(out, assessment, text, len, peers_csv_path);
    iv__free(iv__table_alloc(assessment), text, size);
    return rc;
}

/* ---- built-in indicators derived from a store (doc/MATURITY.md 3.1) ---- */

/* The same instant one calendar year earlier (29 February -> 28 February). */
static int64_t year_before(int64_t t)
{
    int64_t days = t / IV__MS_PER_DAY, y;
    int64_t ms;
    int m, d;
    if (t % IV__MS_PER_DAY < 0)
        days--;
    ms = t - days * IV__MS_PER_DAY;
    iv__civil_from_days(days, &y, &m, &d);
    y--;
    if (d > iv__days_in_month(y, m))
        d = iv__days_in_month(y, m);
    return iv__days_from_civil(y, m, d) * IV__MS_PER_DAY + ms;
}

/* A column of a one-row (or chosen-row) metrics table, NaN when absent or undefined. */
static double metric(const iv_table *t, size_t row, const char *name)
{
    long c = iv_table_col_index(t, name);
    return c < 0 ? NAN : iv_table_get_double(t, row, (size_t)c);
}

/* cpt over [from, to) under the model. */
static int period_cpt(const iv_store *s, const iv_model *m, int64_t from, int64_t to, double *cpt)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    int rc;
    q.model = m;
    q.from = from;
    q.to = to;
    if ((rc = iv_query_metrics(&t, s, &q)) != IV_OK)
        return rc;
    *cpt = metric(t, 0, "cpt");
    iv_table_free(t);
    return IV_OK;
}

/* business.cpt_trend: the period against the same period a year earlier; an unbounded
 * period means the 12 months ending with the last interaction. cur_cpt: the cpt of the
 * period when the caller has it (the same query), else NaN. */
static int cpt_trend(const iv_store *s, const iv_model *m, int64_t from, int64_t to,
                     double cur_cpt, double *out)
{
    double cur = cur_cpt, prev;
    int rc;
    *out = NAN;
    if (s->nrows == 0)
        return IV_OK;
    if (from == IV_TIME_NONE || to == IV_TIME_NONE) {
        to = to != IV_TIME_NONE ? to : s->ts_max + 1;
        from = year_before(to);
        cur = NAN; /* another period than the caller's */
    }
    if ((isnan(cur) && (rc = period_cpt(s, m, from, to, &cur)) != IV_OK) ||
        (rc = period_cpt(s, m, year_before(from), year_before(to), &prev)) != IV_OK)
        return rc;
    if (prev > 0)
        *out = (cur - prev) / prev; /* NaN when cur is undefined */
    return IV_OK;
}

/* Counts over the rows of the period that the metrics table does not give. */
typedef struct rowcounts {
    double n, with_id, with_outcome, with_value, digital;
    double channels_active;       /* channels with >= 1% of the rows */
    double buyers, repeat_buyers; /* contacts with >= 1 / >= 2 purchase-flagged rows */
    double contacts, surveyed;    /* contacts in the period / with a survey answer */
} rowcounts;

static int count_rows(const iv_store *s, const iv_model *m, int64_t from, int64_t to,
                      rowcounts *k)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv__ctx c;
    size_t r, i, nch = s->channel.pool.count, nct = s->contacts.count;
    uint32_t *per_channel = NULL, *purchases = NULL;
    uint8_t *seen = NULL; /* per contact: 1 in period, 2 surveyed */
    int rc;

    memset(k, 0, sizeof *k);
    q.model = m;
    q.from = from;
    q.to = to;
    /* rows in store order only: no need of the contact index */
    if ((rc = iv__ctx_init_lazy(&c, s, &q)) != IV_OK)
        return rc;
    per_channel = iv__calloc(&c.a, nch, sizeof *per_channel);
    purchases = iv__calloc(&c.a, nct, sizeof *purchases);
    seen = iv__calloc(&c.a, nct, 1);
    if ((nch && !per_channel) || (nct && (!purchases || !seen))) {
        rc = iv__nomem("maturity indicators");
        goto out;
    }
    for (r = 0; r < s->nrows; r++) {
        uint32_t ch = iv__codes_get(&s->channel.codes, r), ct = s->contact[r];
        const iv__type_info *ti = &c.ti[iv__codes_get(&s->type.codes, r)];
        if (!iv__ctx_in_range(&c, s->ts[r]))
            continue;
        k->n++;
        k->with_id += iv__store_has_id(s, r); /* stored, or read and not stored */
        k->with_outcome += IV__EN_OUTCOME(s->enums[r]) != IV_OUTCOME_NONE;
        k->with_value += !isnan(s->value[r]);
        k->digital += c.ci[ch].digital != 0;
        per_channel[ch]++;
        purchases[ct] += (ti->flags & IV_FLAG_PURCHASE) != 0;
        if (!seen[ct])
            seen[ct] = 1;
        if (ti->survey != IV_SURVEY_NONE && !isnan(iv__store_score(s, r)))
            seen[ct] = 2;
    }
    for (i = 0; i < nch; i++)
        k->channels_active += per_channel[i] > 0 && 100.0 * per_channel[i] >= k->n;
    for (i = 0; i < nct; i++) {
        k->contacts += seen[i] != 0;
        k->surveyed += seen[i] == 2;
        k->buyers += purchases[i] >= 1;
        k->repeat_buyers += purchases[i] >= 2;
    }
out:
    iv__free(&c.a, per_channel, nch * sizeof *per_channel);
    iv__free(&c.a, purchases, nct * sizeof *purchases);
    iv__free(&c.a, seen, nct);
    iv__ctx_free(&c);
    return rc;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

/* content.rv_per_interaction: the metrics grouped by effective area, row "content". */
static int content_rv(const iv_store *s, const iv_model *m, int64_t from, int64_t to,
                      double *out)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    long row;
    int rc;
    q.model = m;
    q.from = from;
    q.to = to;
    q.by = "area";
    if ((rc = iv_query_metrics(&t, s, &q)) != IV_OK)
        return rc;
    row = find_row(t, 0, "content");
    *out = row >= 0 ? metric(t, (size_t)row, "rv_per_interaction") : NAN;
    iv_table_free(t);
    return IV_OK;
}

#define IV__NDERIVED 19

static void drop_derived(iv_indicators *ind)
{
    size_t i, j = 0;
    for (i = 0; i < ind->n; i++) {
        if (ind->e[i].user)
            ind->e[j++] = ind->e[i];
        else
            iv__strfree(&ind->alloc, ind->e[i].name);
    }
    ind->n = j;
}

IV_API int iv_indicators_from_store(iv_indicators *ind, const iv_store *store,
                                    const iv_model *model, int64_t from, int64_t to)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *mt = NULL;
    rowcounts k;
    const char *name[IV__NDERIVED];
    double v[IV__NDERIVED], content = NAN, trend = NAN;
    uint64_t read = 0, rejected = 0;
    int rc, i;

    if (!ind || !store)
        return iv__error(IV_EINVAL, "iv_indicators_from_store: NULL argument");
    q.model = model;
    q.from = from;
    q.to = to;
    if ((rc = iv_query_metrics(&mt, store, &q)) != IV_OK)
        return rc;
    if ((rc = count_rows(store, model, from, to, &k)) != IV_OK ||
        (rc = content_rv(store, model, from, to, &content)) != IV_OK ||
        /* a bounded period's cpt is that of mt: the same query */
        (rc = cpt_trend(store, model, from, to, metric(mt, 0, "cpt"), &trend)) != IV_OK) {
        iv_table_free(mt);
        return rc;
    }
    iv_store_ingest_counts(store, &read, &rejected);
    i = 0;
#define PUT(n, x) (name[i] = (n), v[i++] = (x))
    PUT("technology.id_coverage", ratio(k.with_id, k.n));
    PUT("channels.active_channels", k.n > 0 ? k.channels_active : NAN);
    PUT("channels.digital_share", ratio(k.digital, k.n));
    PUT("channels.cpt", metric(mt, 0, "cpt"));
    PUT("engagement.repeat_rate", ratio(k.repeat_buyers, k.buyers));
    PUT("engagement.rv_per_contact", ratio(metric(mt, 0, "rv"), k.contacts));
    PUT("experience.desired_rate", metric(mt, 0, "desired_rate"));
    PUT("experience.csat", metric(mt, 0, "csat"));
    PUT("experience.ces", metric(mt, 0, "ces"));
    PUT("experience.nps", metric(mt, 0, "nps"));
    PUT("content.rv_per_interaction", content);
    PUT("business.iv", metric(mt, 0, "iv"));
    PUT("business.roi", metric(mt, 0, "roi"));
    PUT("business.cpt_trend", trend);
    PUT("analytics.outcome_coverage", ratio(k.with_outcome, k.n));
    PUT("analytics.value_coverage", ratio(k.with_value, k.n));
    PUT("analytics.survey_coverage", ratio(k.surveyed, k.contacts));
    PUT("governance.rejected_share", ratio((double)rejected, (double)read));
    PUT("governance.cost_coverage", ratio(k.n - metric(mt, 0, "cost_assumed"), k.n));
#undef PUT
    iv_table_free(mt);
    drop_derived(ind); /* values of an earlier period must not linger */
    /* Reserve room first so that only a name copy can still fail. */
    if (iv__grow(&ind->alloc, (void **)&ind->e, &ind->cap, ind->n + IV__NDERIVED, sizeof *ind->e))
        return iv__nomem("indicator set");
    for (i = 0; i < IV__NDERIVED; i++)
        if ((rc = iv__indicators_put_derived(ind, name[i], v[i])) != IV_OK)
            return rc;
    return IV_OK;
}
