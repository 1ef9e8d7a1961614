/* The RV use cases of doc/PATTERN.md over a store: norms of subsets, a contact against a norm,
 * nearest norm, segment versus segment, A/B efficacy, prioritising, stalled contacts and
 * next best action. The array-level kernels live in norm.c and dtw.c, the tests in
 * stats.c, the trajectories in trajectory.c; this file wires them to selections. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "group.h"
#include "metrics.h"
#include "norm.h"
#include "quantile.h"
#include "segment.h"
#include "stats.h"
#include "table.h"
#include "trajectory.h"

/* ------------------------------------------------------------ helpers ---------- */

/* Array-level options carrying the store's allocator and the store-level settings. */
static void array_opts(iv_pattern_options *po, const iv_store *s, const iv_pattern_store_options *o)
{
    iv_pattern_options d = IV_PATTERN_OPTIONS_INIT;
    *po = d;
    po->alloc = s->alloc.fn;
    po->alloc_ud = s->alloc.ud;
    po->window = o->window;
    po->anomaly_z = o->anomaly_z;
    po->distance = o->distance;
    po->prune = o->prune;
}

/* A copy of q (or the defaults) with another where expression. q is checked as the
 * query engine checks it: any layout from the first (without `threads`) on, unknown
 * trailing bytes zero; fields the caller's layout lacks take their defaults. */
static int query_with_where(iv_query_options *dst, const iv_query_options *q, const char *where)
{
    iv_query_options d = IV_QUERY_OPTIONS_INIT;
    if (q) {
        int rc = iv__check_options(q, q->size, offsetof(iv_query_options, threads), sizeof d,
                                   "iv_query_options");
        if (rc)
            return rc;
        memcpy(&d, q, IV__MIN(q->size, sizeof d));
    }
    d.size = sizeof d;
    d.by = NULL;
    d.where = where;
    *dst = d;
    return IV_OK;
}

/* Add columns; IV_OK or IV_ENOMEM. */
static int add_cols(iv_table *t, const char *const *names, const int *types, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (iv__table_add_col(t, names[i], types[i]) < 0)
            return IV_ENOMEM;
    return IV_OK;
}

/* Copy every cell of row srow of src into row drow of dst from column dcol0 on (same
 * column types in the same order). */
static int copy_cells(iv_table *dst, size_t drow, size_t dcol0, const iv_table *src, size_t srow)
{
    size_t j, nc = iv_table_ncols(src);
    int rc = IV_OK;
    for (j = 0; j < nc && !rc; j++) {
        if (!iv_table_is_defined(src, srow, j))
            continue;
        if (iv_table_col_type(src, j) == IV_COL_DOUBLE)
            rc = iv__table_set_double(dst, drow, dcol0 + j, iv_table_get_double(src, srow, j));
        else
            rc = iv__table_set_int(dst, drow, dcol0 + j, iv_table_get_int(src, srow, j));
    }
    return rc;
}

static int set_contact(iv_table *t, size_t row, size_t col, const iv_store *s, uint32_t id)
{
    return iv__table_set_string(t, row, col, iv__pool_str(&s->contacts, id), iv__pool_len(&s->contacts, id));
}

/* Contact id of a contact's text; IV_ENOTFOUND when the store does not know it. */
static int find_contact(const iv_store *s, const char *contact, uint32_t *id)
{
    if (!contact)
        return iv__error(IV_EINVAL, "pattern: contact is NULL");
    if (!*contact || !iv__pool_find(&s->contacts, contact, strlen(contact), id) || *id == 0)
        return iv__error(IV_ENOTFOUND, "pattern: unknown contact '%s'", contact);
    return IV_OK;
}

static int finish(iv_table **out, iv_table *t, int rc, const char *what)
{
    if (rc) {
        iv_table_free(t);
        return rc == IV_ENOMEM ? iv__nomem(what) : rc;
    }
    *out = t;
    return IV_OK;
}

/* ------------------------------------------------------------ norms ------------ */

IV_API int iv_pattern_norm_of(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const iv_pattern_store_options *opts)
{
    iv_pattern_store_options o;
    iv_pattern_options po;
    iv__trajopt to;
    iv__ctx c;
    iv__traj t;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_norm_of: out is NULL");
    *out = NULL;
    if ((rc = iv__trajs_of(store, q, opts, &o, &to, &c, &t)))
        return rc;
    array_opts(&po, store, &o);
    rc = iv_pattern_norm(out, t.x, t.n, t.k, &po);
    iv__traj_free(&t, &c.a);
    iv__ctx_free(&c);
    return rc;
}

/* The per-bucket table of a contact against a norm. */
static int per_bucket_table(iv_table **out, const iv__alloc *a, const double *x, const double *z,
                            const iv__traj *t)
{
    static const char *const names[10] = {"bucket", "value", "contacts", "median", "p10",
                                          "p25", "p75", "p90", "mad", "z"};
    static const int types[10] = {IV_COL_INT, IV_COL_DOUBLE, IV_COL_INT, IV_COL_DOUBLE,
                                  IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                  IV_COL_DOUBLE, IV_COL_DOUBLE};
    iv__norm_bucket *nb = iv__calloc(a, t->k, sizeof *nb);
    iv_table *tab = NULL;
    size_t b, j;
    int rc = nb ? iv__norm_compute(a, t->x, t->n, t->k, nb) : IV_ENOMEM;
    if (!rc) {
        tab = iv__table_new(a);
        rc = tab ? add_cols(tab, names, types, 10) : IV_ENOMEM;
    }
    for (b = 0; !rc && b < t->k; b++) {
        const iv__norm_bucket *n = &nb[b];
        double v[8] = {x[b], NAN, n->median, n->p10, n->p25, n->p75, n->p90, n->mad};
        if (iv__table_add_row(tab) < 0 || iv__table_set_int(tab, b, 0, (int64_t)b + 1) ||
            iv__table_set_int(tab, b, 2, (int64_t)n->contacts) || iv__table_set_double(tab, b, 9, z[b])) {
            rc = IV_ENOMEM;
            break;
        }
        for (j = 0; j < 8 && !rc; j++)
            if (j != 1)
                rc = iv__table_set_double(tab, b, 1 + j, v[j]);
    }
    iv__free(a, nb, t->k * sizeof *nb);
    return finish(out, tab, rc, "the per-bucket table");
}

IV_API int iv_pattern_contact_vs_norm(iv_table **out, iv_table **per_bucket, const iv_store *store,
                                      const char *contact, const iv_query_options *q_norm,
                                      const iv_pattern_store_options *opts)
{
    static const char *const cname[1] = {"contact"};
    static const int ctype[1] = {IV_COL_STRING};
    iv_pattern_store_options o;
    iv_pattern_options po;
    iv_query_options qc;
    iv__trajopt to;
    iv__ctx c, cc;
    iv__traj t, tc;
    iv_table *vs = NULL, *tab = NULL;
    double *z = NULL;
    uint32_t id;
    size_t j;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_contact_vs_norm: out is NULL");
    *out = NULL;
    if (per_bucket)
        *per_bucket = NULL;
    if ((rc = iv__trajs_of(store, q_norm, opts, &o, &to, &c, &t)))
        return rc;
    memset(&tc, 0, sizeof tc);
    /* the contact's own trajectory: every interaction of it in the norm's time range */
    if ((rc = query_with_where(&qc, q_norm, NULL)) || (rc = find_contact(store, contact, &id)) ||
        (rc = iv__ctx_init(&cc, store, &qc))) {
        iv__traj_free(&t, &c.a);
        iv__ctx_free(&c);
        return rc;
    }
    rc = iv__traj_compute(&cc, &to, id, &tc);
    if (!rc && tc.n == 0)
        rc = iv__error(IV_EUNDEFINED, "contact '%s' has no interaction in the time range", contact);
    if (!rc && !(z = iv__calloc(&c.a, t.k, sizeof *z)))
        rc = IV_ENOMEM;
    array_opts(&po, store, &o);
    if (!rc)
        rc = iv_pattern_vs_norm(&vs, z, tc.x, t.x, t.n, t.k, &po);
    if (!rc) {
        tab = iv__table_new(&c.a);
        rc = tab ? add_cols(tab, cname, ctype, 1) : IV_ENOMEM;
        for (j = 0; !rc && j < iv_table_ncols(vs); j++)
            if (iv__table_add_col(tab, iv_table_col_name(vs, j), iv_table_col_type(vs, j)) < 0)
                rc = IV_ENOMEM;
        if (!rc && (iv__table_add_row(tab) < 0 || set_contact(tab, 0, 0, store, id) ||
                    copy_cells(tab, 0, 1, vs, 0)))
            rc = IV_ENOMEM;
        if (!rc)
            iv__table_set_single(tab, 1);
    }
    if (!rc && per_bucket)
        rc = per_bucket_table(per_bucket, &c.a, tc.x, z, &t);
    iv_table_free(vs);
    iv__free(&c.a, z, t.k * sizeof *z);
    iv__traj_free(&tc, &c.a);
    iv__traj_free(&t, &c.a);
    iv__ctx_free(&cc);
    iv__ctx_free(&c);
    return finish(out, tab, rc, "the contact-versus-norm table");
}

/* ------------------------------------------------------------ nearest norm ----- */

/* The median trajectory of each subset into med (ns x k). */
static int subset_medians(const iv_store *s, const iv_query_options *q, const char *const *subsets,
                          size_t ns, const iv__trajopt *to, const iv__alloc *a, double *med)
{
    iv__norm_bucket *nb = iv__calloc(a, to->k, sizeof *nb);
    size_t i, b;
    int rc = nb ? IV_OK : iv__nomem("norm buckets");
    for (i = 0; !rc && i < ns; i++) {
        iv_query_options qs;
        iv__ctx c;
        iv__traj t;
        if ((rc = query_with_where(&qs, q, subsets[i])) || (rc = iv__ctx_init(&c, s, &qs)))
            break;
        if (!(rc = iv__traj_compute(&c, to, 0, &t))) {
            rc = iv__norm_compute(a, t.x, t.n, t.k, nb);
            for (b = 0; !rc && b < to->k; b++)
                med[i * to->k + b] = nb[b].median;
            iv__traj_free(&t, &c.a);
        }
        iv__ctx_free(&c);
    }
    iv__free(a, nb, to->k * sizeof *nb);
    return rc;
}

IV_API int iv_pattern_nearest_norm(iv_table **out, const iv_store *store, const iv_query_options *q,
                                   const char *const *subsets, size_t nsubsets,
                                   const iv_pattern_store_options *opts)
{
    static const char *const names[4] = {"contact", "subset", "expression", "distance"};
    static const int types[4] = {IV_COL_STRING, IV_COL_INT, IV_COL_STRING, IV_COL_DOUBLE};
    iv_pattern_store_options o;
    iv_pattern_options po;
    iv__trajopt to;
    iv__ctx c;
    iv__traj t;
    iv_table *tab = NULL;
    double *med = NULL, *dist = NULL;
    int64_t *idx = NULL;
    size_t *perm = NULL, i;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_nearest_norm: out is NULL");
    *out = NULL;
    if (!subsets || nsubsets == 0)
        return iv__error(IV_EINVAL, "iv_pattern_nearest_norm: no subsets");
    for (i = 0; i < nsubsets; i++)
        if (!subsets[i])
            return iv__error(IV_EINVAL, "iv_pattern_nearest_norm: subset %zu is NULL", i);
    if ((rc = iv__trajs_of(store, q, opts, &o, &to, &c, &t)))
        return rc;
    med = iv__calloc(&c.a, nsubsets * t.k, sizeof *med);
    idx = iv__calloc(&c.a, t.n ? t.n : 1, sizeof *idx);
    dist = iv__calloc(&c.a, t.n ? t.n : 1, sizeof *dist);
    rc = med && idx && dist ? IV_OK : IV_ENOMEM;
    if (!rc)
        rc = subset_medians(store, q, subsets, nsubsets, &to, &c.a, med);
    array_opts(&po, store, &o);
    if (!rc)
        rc = iv_pattern_nearest(idx, dist, t.x, t.n, med, nsubsets, t.k, &po);
    if (!rc)
        rc = iv__traj_order(&t, store, &c.a, &perm);
    if (!rc) {
        tab = iv__table_new(&c.a);
        rc = tab ? add_cols(tab, names, types, 4) : IV_ENOMEM;
    }
    for (i = 0; !rc && i < t.n; i++) {
        size_t r = perm[i];
        if (iv__table_add_row(tab) < 0 || set_contact(tab, i, 0, store, t.contact[r]) ||
            iv__table_set_double(tab, i, 3, dist[r]))
            rc = IV_ENOMEM;
        else if (idx[r] >= 0 &&
                 (iv__table_set_int(tab, i, 1, idx[r]) ||
                  iv__table_set_string(tab, i, 2, subsets[idx[r]], strlen(subsets[idx[r]]))))
            rc = IV_ENOMEM;
    }
    if (perm)
        iv__free(&c.a, perm, t.n * sizeof *perm);
    iv__free(&c.a, med, nsubsets * t.k * sizeof *med);
    iv__free(&c.a, idx, (t.n ? t.n : 1) * sizeof *idx);
    iv__free(&c.a, dist, (t.n ? t.n : 1) * sizeof *dist);
    iv__traj_free(&t, &c.a);
    iv__ctx_free(&c);
    return finish(out, tab, rc, "the nearest-norm table");
}

/* ------------------------------------------------------------ segment compare -- */

/* Test options with the store's allocator. */
static int stats_opts(iv_stats_options *so, const iv_stats_options *stats, const iv_store *s)
{
    iv__alloc ignored;
    int rc = iv__stats_opts(stats, so, &ignored);
    if (rc)
        return rc;
    so->alloc = s->alloc.fn;
    so->alloc_ud = s->alloc.ud;
    return IV_OK;
}

/* "(w) and (seg)" (or either alone) into a new string. */
static char *combine_where(const iv__alloc *a, const char *w, const char *seg)
{
    size_t nw = w ? strlen(w) : 0, ns = strlen(seg);
    char *p;
    if (!nw)
        return iv__strndup(a, seg, ns);
    if (!ns)
        return iv__strndup(a, w, nw);
    p = iv__malloc(a, nw + ns + 12);
    if (p)
        snprintf(p, nw + ns + 12, "(%s) and (%s)", w, seg);
    return p;
}

/* The per-contact metric of a segment: *v receives *n values (NaN when undefined). */
int iv__segment_sample(const iv_store *s, const iv_query_options *q, const char *metric,
                          const char *seg, double **v, size_t *n)
{
    iv_query_options qs;
    iv_table *t = NULL;
    char *where;
    size_t i;
    long col;
    int rc;
    *v = NULL;
    *n = 0;
    if ((rc = query_with_where(&qs, q, NULL)))
        return rc;
    if (!(where = combine_where(&s->alloc, q ? q->where : NULL, seg)))
        return iv__nomem("a segment expression");
    qs.where = where;
    qs.by = "contact";
    rc = iv_query_metrics(&t, s, &qs);
    iv__strfree(&s->alloc, where);
    if (rc)
        return rc;
    col = iv_table_col_index(t, metric);
    *n = iv_table_nrows(t);
    if (*n && !(*v = iv__malloc(&s->alloc, *n * sizeof **v))) {
        *n = 0;
        iv_table_free(t);
        return iv__nomem("a segment sample");
    }
    for (i = 0; i < *n; i++)
        (*v)[i] = iv_table_get_double(t, i, (size_t)col);
    iv_table_free(t);
    return IV_OK;
}

/* NPS of a selection (q's where and seg): *nps and *se, NaN when no nps answer. */
static int segment_nps(const iv_store *s, const iv_query_options *q, const char *seg, double *nps,
                       double *se)
{
    iv_query_options qs;
    iv_table *t = NULL;
    char *where;
    int rc;
    if ((rc = query_with_where(&qs, q, NULL)))
        return rc;
    if (!(where = combine_where(&s->alloc, q ? q->where : NULL, seg)))
        return iv__nomem("a segment expression");
    qs.where = where;
    qs.by = NULL;
    rc = iv_query_metrics(&t, s, &qs);
    iv__strfree(&s->alloc, where);
    if (rc)
        return rc;
    *nps = iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "nps"));
    *se = iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "nps_se"));
    iv_table_free(t);
    return IV_OK;
}

/* Two selections' NPS: nps_a, nps_b, diff, z = diff / sqrt(se_a^2 + se_b^2), two-sided
 * normal p (doc/PATTERN.md). */
static int compare_nps(iv_table **out, const iv_store *s, const iv_query_options *q,
                       const char *where_a, const char *where_b)
{
    static const char *const names[] = {"nps_a", "nps_b", "diff", "z", "p"};
    double v[5], sa = NAN, sb = NAN, den;
    iv_table *t;
    size_t j;
    int rc;
    v[0] = v[1] = NAN;
    if ((rc = segment_nps(s, q, where_a, &v[0], &sa)) || (rc = segment_nps(s, q, where_b, &v[1], &sb)))
        return rc;
    v[2] = v[0] - v[1];
    den = sqrt(sa * sa + sb * sb);
    v[3] = den > 0 ? v[2] / den : (double)NAN; /* undefined when both are exact (se 0) */
    v[4] = v[3] == v[3] ? 2.0 * iv_stats_normal_sf(fabs(v[3])) : (double)NAN;
    if (!(t = iv__table_new(&s->alloc)))
        return iv__nomem("the NPS comparison");
    for (j = 0; j < 5; j++)
        if (iv__table_add_col(t, names[j], IV_COL_DOUBLE) < 0) {
            iv_table_free(t);
            return iv__nomem("the NPS comparison");
        }
    if (iv__table_add_row(t) < 0) {
        iv_table_free(t);
        return iv__nomem("the NPS comparison");
    }
    for (j = 0; j < 5; j++)
        if (iv__table_set_double(t, 0, j, v[j])) {
            iv_table_free(t);
            return iv__nomem("the NPS comparison");
        }
    iv__table_set_single(t, 1);
    *out = t;
    return IV_OK;
}

IV_API int iv_pattern_compare(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const char *metric, const char *where_a, const char *where_b,
                              const iv_stats_options *stats)
{
    static const double none[1] = {0.0};
    iv_stats_options so;
    double *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_compare: out is NULL");
    *out = NULL;
    if (!store || !metric || !where_a || !where_b)
        return iv__error(IV_EINVAL, "iv_pattern_compare: NULL argument");
    if (iv__metric_index(metric) < 0)
        return iv__error(IV_ENOTFOUND, "iv_pattern_compare: unknown metric '%s'", metric);
    if ((rc = stats_opts(&so, stats, store)))
        return rc;
    if (strcmp(metric, "nps") == 0) /* the selections' NPS, not per-contact means */
        return compare_nps(out, store, q, where_a, where_b);
    rc = iv__segment_sample(store, q, metric, where_a, &a, &na);
    if (!rc)
        rc = iv__segment_sample(store, q, metric, where_b, &b, &nb);
    if (!rc)
        rc = iv_stats_compare(out, a ? a : none, na, b ? b : none, nb, &so);
    iv__free(&store->alloc, a, na * sizeof *a);
    iv__free(&store->alloc, b, nb * sizeof *b);
    return rc;
}

/* ------------------------------------------------------------ A/B efficacy ----- */

static const char *const compare_names[15] = {
    "n_a", "n_b", "mean_a", "mean_b", "median_a", "median_b", "diff", "diff_ci_low",
    "diff_ci_high", "welch_t", "welch_df", "welch_p", "mwu_u", "mwu_p", "cliffs_delta"};

typedef struct ab_state {
    int64_t t0, t1;
    uint32_t *grp;     /* per contact: 1 + creation index of its group, 0 = not a member */
    iv__i128 *chg;     /* per contact: RV units in [t0, t1) */
} ab_state;

static int ab_hook(void *p, const iv__ctx *c, size_t group, uint32_t contact, size_t row, double u,
                   double cost)
{
    ab_state *st = p;
    int64_t ts = c->s->ts[row];
    (void)cost;
    if (ts >= st->t1)
        return IV_OK;
    st->grp[contact] = (uint32_t)group + 1; /* rows come in time order: the latest wins */
    if (ts >= st->t0)
        st->chg[contact] += iv__fix_of(u);
    return IV_OK;
}

/* The per-group samples of an A/B run: values of group g (sorted position) are
 * val[off[g] .. off[g + 1]). */
typedef struct ab_samples {
    size_t ng, *off;
    double *val;
    const char **label;  /* NULL: undefined group */
} ab_samples;

static int ab_collect(ab_samples *S, const iv__ctx *c, const iv__keyer *ks, const iv__groups *G,
                      const ab_state *st)
{
    size_t nc = c->s->contacts.count, i, g, *rank = NULL, *fill = NULL;
    memset(S, 0, sizeof *S);
    S->ng = G->n;
    S->off = iv__calloc(&c->a, G->n + 1, sizeof *S->off);
    S->label = iv__calloc(&c->a, G->n ? G->n : 1, sizeof *S->label);
    rank = iv__calloc(&c->a, G->n ? G->n : 1, sizeof *rank);
    fill = iv__calloc(&c->a, G->n ? G->n : 1, sizeof *fill);
    S->val = iv__calloc(&c->a, nc, sizeof *S->val);
    if (!S->off || !S->label || !rank || !fill || !S->val) {
        iv__free(&c->a, rank, (G->n ? G->n : 1) * sizeof *rank);
        iv__free(&c->a, fill, (G->n ? G->n : 1) * sizeof *fill);
        return IV_ENOMEM;
    }
    for (g = 0; g < G->n; g++) {
        uint32_t code;
        rank[G->g[g].ord] = g;
        iv__key_codes(ks, 1, G->g[g].key, &code);
        S->label[g] = iv__key_label(ks, c, code);
    }
    for (i = 1; i < nc; i++)
        if (st->grp[i])
            S->off[rank[st->grp[i] - 1] + 1]++;
    for (g = 0; g < G->n; g++)
        S->off[g + 1] += S->off[g];
    for (i = 1; i < nc; i++)
        if (st->grp[i]) {
            g = rank[st->grp[i] - 1];
            S->val[S->off[g] + fill[g]++] = iv__fix_to_double(st->chg[i]);
        }
    iv__free(&c->a, rank, (G->n ? G->n : 1) * sizeof *rank);
    iv__free(&c->a, fill, (G->n ? G->n : 1) * sizeof *fill);
    return IV_OK;
}

static void ab_samples_free(ab_samples *S, const iv__alloc *a, size_t nc)
{
    iv__free(a, S->off, (S->ng + 1) * sizeof *S->off);
    iv__free(a, S->label, (S->ng ? S->ng : 1) * sizeof *S->label);
    iv__free(a, S->val, nc * sizeof *S->val);
}

static long ab_find(const ab_samples *S, const char *label)
{
    size_t g;
    for (g = 0; g < S->ng; g++)
        if (S->label[g] && strcmp(S->label[g], label) == 0)
            return (long)g;
    return iv__error(IV_ENOTFOUND, "A/B: no member in group '%s'", label);
}

/* One row: group labels and the compare columns of samples ga and gb. */
static int ab_row(iv_table *tab, const ab_samples *S, size_t ga, size_t gb, const iv_stats_options *so)
{
    static const double none[1] = {0.0};
    iv_table *cmp = NULL;
    size_t na = S->off[ga + 1] - S->off[ga], nb = S->off[gb + 1] - S->off[gb];
    long r;
    int rc = iv_stats_compare(&cmp, na ? S->val + S->off[ga] : none, na,
                              nb ? S->val + S->off[gb] : none, nb, so);
    if (rc)
        return rc;
    r = iv__table_add_row(tab);
    if (r < 0 || iv__table_set_string(tab, (size_t)r, 0, S->label[ga], strlen(S->label[ga])) ||
        iv__table_set_string(tab, (size_t)r, 1, S->label[gb], strlen(S->label[gb])) ||
        copy_cells(tab, (size_t)r, 2, cmp, 0))
        rc = IV_ENOMEM;
    iv_table_free(cmp);
    return rc;
}

IV_API int iv_pattern_ab(iv_table **out, const iv_store *store, const iv_query_options *q,
                         const char *by, int64_t t0, int64_t t1,
                         const iv_pattern_store_options *opts)
{
    iv_pattern_store_options o;
    iv_stats_options so;
    iv__ctx c;
    iv__keyer *ks = NULL;
    size_t nk = 0, nc = 0, i, j;
    iv__groups G;
    ab_state st;
    ab_samples S;
    iv_table *tab = NULL;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_ab: out is NULL");
    *out = NULL;
    if (!store || !by || !*by)
        return iv__error(IV_EINVAL, "iv_pattern_ab: NULL store or no dimension");
    if (t0 == IV_TIME_NONE || t1 == IV_TIME_NONE || t1 <= t0)
        return iv__error(IV_EINVAL, "iv_pattern_ab: the window [t0, t1) is empty or unset");
    if ((rc = iv__pstore_opts(opts, &o)) || (rc = stats_opts(&so, o.stats, store)))
        return rc;
    if ((rc = iv__ctx_init(&c, store, q)))
        return rc;
    memset(&G, 0, sizeof G);
    memset(&S, 0, sizeof S);
    nc = store->contacts.count;
    st.t0 = t0;
    st.t1 = t1;
    st.grp = iv__calloc(&c.a, nc, sizeof *st.grp);
    st.chg = iv__calloc(&c.a, nc, sizeof *st.chg);
    rc = st.grp && st.chg ? IV_OK : iv__nomem("A/B samples");
    if (!rc && !(rc = iv__keyers_make(&c, by, &ks, &nk)) && nk != 1)
        rc = iv__error(IV_EINVAL, "iv_pattern_ab: one dimension, not '%s'", by);
    if (!rc)
        rc = iv__group_run(&c, ks, nk, &G, ab_hook, &st);
    if (!rc)
        rc = ab_collect(&S, &c, ks, &G, &st);
    if (!rc) {
        tab = iv__table_new(&c.a);
        rc = tab && iv__table_add_col(tab, "group_a", IV_COL_STRING) >= 0 &&
             iv__table_add_col(tab, "group_b", IV_COL_STRING) >= 0 ? IV_OK : IV_ENOMEM;
        for (i = 0; !rc && i < 15; i++)
            if (iv__table_add_col(tab, compare_names[i], i < 2 ? IV_COL_INT : IV_COL_DOUBLE) < 0)
                rc = IV_ENOMEM;
    }
    if (!rc && o.group_a) {
        long ga = ab_find(&S, o.group_a), gb = ga < 0 ? ga : ab_find(&S, o.group_b);
        rc = gb < 0 ? (int)gb : ab_row(tab, &S, (size_t)ga, (size_t)gb, &so);
    } else {
        for (i = 0; !rc && i < S.ng; i++)
            for (j = i + 1; !rc && j < S.ng; j++)
                if (S.label[i] && S.label[j])
                    rc = ab_row(tab, &S, i, j, &so);
    }
    ab_samples_free(&S, &c.a, nc);
    iv__groups_free(&G, &c.a);
    if (ks)
        iv__keyers_free(ks, nk, &c.a);
    iv__free(&c.a, st.grp, nc * sizeof *st.grp);
    iv__free(&c.a, st.chg, nc * sizeof *st.chg);
    iv__ctx_free(&c);
    return finish(out, tab, rc, "the A/B table");
}

/* ------------------------------------------------------------ prioritise ------- */

typedef struct rank_item {
    uint32_t contact;
    uint32_t n;
    double rv, rpi;
} rank_item;

typedef struct rank_state {
    uint32_t *n;
    iv__i128 *rv;
} rank_state;

static int rank_row(void *p, iv__ctx *c, uint32_t contact, size_t row, double u)
{
    rank_state *st = p;
    (void)c;
    (void)row;
    st->n[contact]++;
    st->rv[contact] += iv__fix_of(u);
    return IV_OK;
}

static _Thread_local const iv__pool *rank_pool;

/* RV per interaction descending, fewer interactions, higher RV, contact id (doc/PATTERN.md). */
static int rank_cmp(const void *pa, const void *pb)
{
    const rank_item *a = pa, *b = pb;
    if (a->rpi != b->rpi)
        return a->rpi > b->rpi ? -1 : 1;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    if (a->rv != b->rv)
        return a->rv > b->rv ? -1 : 1;
    return strcmp(iv__pool_str(rank_pool, a->contact), iv__pool_str(rank_pool, b->contact));
}

IV_API int iv_pattern_rank(iv_table **out, const iv_store *store, const iv_query_options *q,
                           const iv_pattern_store_options *opts)
{
    static const char *const names[5] = {"rank", "contact", "rv_per_interaction", "n", "rv"};
    static const int types[5] = {IV_COL_INT, IV_COL_STRING, IV_COL_DOUBLE, IV_COL_INT, IV_COL_DOUBLE};
    iv_pattern_store_options o;
    iv__ctx c;
    rank_state st;
    rank_item *it = NULL;
    iv_table *tab = NULL;
    size_t nc, i, m = 0, rows;
    const iv__pool *saved;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_rank: out is NULL");
    *out = NULL;
    if ((rc = iv__pstore_opts(opts, &o)) || (rc = iv__ctx_init(&c, store, q)))
        return rc;
    nc = store->contacts.count;
    st.n = iv__calloc(&c.a, nc, sizeof *st.n);
    st.rv = iv__calloc(&c.a, nc, sizeof *st.rv);
    it = iv__calloc(&c.a, nc, sizeof *it);
    rc = st.n && st.rv && it ? iv__pattern_walk(&c, 0, rank_row, NULL, &st) : IV_ENOMEM;
    for (i = 1; !rc && i < nc; i++)
        if (st.n[i]) {
            it[m].contact = (uint32_t)i;
            it[m].n = st.n[i];
            it[m].rv = iv__fix_to_double(st.rv[i]);
            it[m].rpi = it[m].rv / (double)st.n[i];
            m++;
        }
    saved = rank_pool;
    rank_pool = &store->contacts;
    if (!rc)
        qsort(it, m, sizeof *it, rank_cmp);
    rank_pool = saved;
    rows = o.top && o.top < m ? o.top : m;
    if (!rc) {
        tab = iv__table_new(&c.a);
        rc = tab ? add_cols(tab, names, types, 5) : IV_ENOMEM;
    }
    for (i = 0; !rc && i < rows; i++)
        if (iv__table_add_row(tab) < 0 || iv__table_set_int(tab, i, 0, (int64_t)i + 1) ||
            set_contact(tab, i, 1, store, it[i].contact) || iv__table_set_double(tab, i, 2, it[i].rpi) ||
            iv__table_set_int(tab, i, 3, it[i].n) || iv__table_set_double(tab, i, 4, it[i].rv))
            rc = IV_ENOMEM;
    iv__free(&c.a, st.n, nc * sizeof *st.n);
    iv__free(&c.a, st.rv, nc * sizeof *st.rv);
    iv__free(&c.a, it, nc * sizeof *it);
    iv__ctx_free(&c);
    return finish(out, tab, rc, "the priority table");
}

/* ------------------------------------------------------------ stalled ---------- */

typedef struct stall_rec {
    uint32_t contact;
    uint8_t stage, churned;
    int64_t last_forward;   /* IV_TIME_NONE: never moved forward */
    int64_t since_ms;
} stall_rec;

typedef struct stall_state {
    int64_t ref;
    int have;
    int64_t first, lastfw;
    size_t lastrow;
    double *gaps;            /* this contact's gaps between forward interactions (ms) */
    size_t ngaps, capgaps;
    double *pool[4];         /* gaps pooled by current stage (IV_STAGE_*) */
    size_t npool[4], cappool[4];
    stall_rec *rec;
    size_t nrec, caprec;
} stall_state;

static int stall_row(void *p, iv__ctx *c, uint32_t contact, size_t row, double u)
{
    stall_state *st = p;
    int64_t ts = c->s->ts[row];
    (void)contact;
    if (ts > st->ref)
        return IV_OK;
    if (!st->have) {
        st->have = 1;
        st->first = ts;
        st->lastfw = IV_TIME_NONE;
        st->ngaps = 0;
    }
    st->lastrow = row;
    if (u > 0) {
        if (st->lastfw != IV_TIME_NONE) {
            if (iv__grow(&c->a, (void **)&st->gaps, &st->capgaps, st->ngaps + 1, sizeof *st->gaps))
                return IV_ENOMEM;
            st->gaps[st->ngaps++] = (double)(ts - st->lastfw);
        }
        st->lastfw = ts;
    }
    return IV_OK;
}

static int stall_end(void *p, iv__ctx *c, uint32_t contact)
{
    stall_state *st = p;
    const iv_store *s = c->s;
    stall_rec *r;
    int stage;
    if (!st->have)
        return IV_OK;
    st->have = 0;
    stage = iv__ctx_stage(c, st->lastrow) & 3;
    if (iv__grow(&c->a, (void **)&st->rec, &st->caprec, st->nrec + 1, sizeof *st->rec) ||
        (st->ngaps && iv__grow(&c->a, (void **)&st->pool[stage], &st->cappool[stage],
                               st->npool[stage] + st->ngaps, sizeof *st->pool[stage])))
        return IV_ENOMEM;
    memcpy(st->pool[stage] + st->npool[stage], st->gaps, st->ngaps * sizeof *st->gaps);
    st->npool[stage] += st->ngaps;
    r = &st->rec[st->nrec++];
    r->contact = contact;
    r->stage = (uint8_t)stage;
    r->churned = (c->ti[iv__codes_get(&s->type.codes, st->lastrow)].flags & IV_FLAG_CHURN) != 0;
    r->last_forward = st->lastfw;
    r->since_ms = st->ref - (st->lastfw != IV_TIME_NONE ? st->lastfw : st->first);
    return IV_OK;
}

static void stall_free(stall_state *st, const iv__alloc *a)
{
    int k;
    iv__free(a, st->gaps, st->capgaps * sizeof *st->gaps);
    for (k = 0; k < 4; k++)
        iv__free(a, st->pool[k], st->cappool[k] * sizeof *st->pool[k]);
    iv__free(a, st->rec, st->caprec * sizeof *st->rec);
}

static _Thread_local const iv__pool *stall_pool;

static int stall_cmp(const void *pa, const void *pb)
{
    const stall_rec *a = pa, *b = pb;
    return strcmp(iv__pool_str(stall_pool, a->contact), iv__pool_str(stall_pool, b->contact));
}

IV_API int iv_pattern_stalled(iv_table **out, const iv_store *store, const iv_query_options *q,
                              const iv_pattern_store_options *opts)
{
    static const char *const names[7] = {"contact", "stage", "last_forward", "seconds_since",
                                         "threshold_seconds", "stalled", "churned"};
    static const int types[7] = {IV_COL_STRING, IV_COL_STRING, IV_COL_TIME, IV_COL_DOUBLE,
                                 IV_COL_DOUBLE, IV_COL_BOOL, IV_COL_BOOL};
    iv_pattern_store_options o;
    iv__ctx c;
    stall_state st;
    iv_table *tab = NULL;
    double thr[4];
    const iv__pool *saved;
    size_t i, row = 0;
    int rc, k;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_stalled: out is NULL");
    *out = NULL;
    if ((rc = iv__pstore_opts(opts, &o)) || (rc = iv__ctx_init(&c, store, q)))
        return rc;
    memset(&st, 0, sizeof st);
    st.ref = iv__pattern_ref(store, q);
    rc = iv__pattern_walk(&c, 0, stall_row, stall_end, &st);
    /* the threshold of a stage: type-7 quantile of its pooled gaps (NaN when none) */
    for (k = 0; k < 4; k++)
        thr[k] = rc ? (double)NAN : iv__quantile(st.pool[k], st.npool[k], o.quantile) / 1000.0;
    saved = stall_pool;
    stall_pool = &store->contacts;
    if (!rc && st.nrec)
        qsort(st.rec, st.nrec, sizeof *st.rec, stall_cmp);
    stall_pool = saved;
    if (!rc) {
        tab = iv__table_new(&c.a);
        rc = tab ? add_cols(tab, names, types, 7) : IV_ENOMEM;
    }
    for (i = 0; !rc && i < st.nrec; i++) {
        const stall_rec *r = &st.rec[i];
        const char *stage = r->stage ? iv_enum_name(IV_ENUM_STAGE, r->stage) : NULL;
        double since = (double)r->since_ms / 1000.0, t = thr[r->stage];
        int stalled = !r->churned && !isnan(t) && since > t;
        if (!stalled && !o.all)
            continue;
        if (iv__table_add_row(tab) < 0 || set_contact(tab, row, 0, store, r->contact) ||
            iv__table_set_string(tab, row, 1, stage, stage ? strlen(stage) : 0) ||
            iv__table_set_int(tab, row, 2, r->last_forward) || iv__table_set_double(tab, row, 3, since) ||
            iv__table_set_double(tab, row, 4, t) || iv__table_set_int(tab, row, 5, stalled) ||
            iv__table_set_int(tab, row, 6, r->churned))
            rc = IV_ENOMEM;
        row++;
    }
    stall_free(&st, &c.a);
    iv__ctx_free(&c);
    return finish(out, tab, rc, "the stalled table");
}

/* ------------------------------------------------------------ next best action - */

typedef struct nba_state {
    const iv__sel *success;
    uint32_t ttype;          /* the contact's last type and stage */
    int tstage, have_target;
    int member, haveprev, prevstage;
    uint32_t prevtype;
    size_t *cand;            /* this contact's rows that followed (ttype, tstage) */
    double *candu;
    size_t ncand, capcand, capu;
    uint64_t *count;         /* per type code */
    iv__i128 *su, *sc;
} nba_state;

static int nba_target(void *p, iv__ctx *c, uint32_t contact, size_t row, double u)
{
    nba_state *st = p;
    (void)contact;
    (void)u;
    st->ttype = iv__codes_get(&c->s->type.codes, row);
    st->tstage = iv__ctx_stage(c, row);
    st->have_target = 1;
    return IV_OK;
}

static int nba_row(void *p, iv__ctx *c, uint32_t contact, size_t row, double u)
{
    nba_state *st = p;
    uint32_t type = iv__codes_get(&c->s->type.codes, row);
    int stage = iv__ctx_stage(c, row);
    (void)contact;
    if (!st->member && iv__sel_row(st->success, c, row))
        st->member = 1;
    if (st->haveprev && st->prevtype == st->ttype && st->prevstage == st->tstage) {
        if (iv__grow(&c->a, (void **)&st->cand, &st->capcand, st->ncand + 1, sizeof *st->cand) ||
            iv__grow(&c->a, (void **)&st->candu, &st->capu, st->ncand + 1, sizeof *st->candu))
            return IV_ENOMEM;
        st->cand[st->ncand] = row;
        st->candu[st->ncand++] = u;
    }
    st->haveprev = 1;
    st->prevtype = type;
    st->prevstage = stage;
    return IV_OK;
}

static int nba_end(void *p, iv__ctx *c, uint32_t contact)
{
    nba_state *st = p;
    size_t i;
    (void)contact;
    for (i = 0; st->member && i < st->ncand; i++) {
        size_t r = st->cand[i];
        uint32_t t = iv__codes_get(&c->s->type.codes, r);
        int assumed;
        st->count[t]++;
        st->su[t] += iv__fix_of(st->candu[i]);
        st->sc[t] += iv__fix_of(iv__ctx_cost(c, r, &assumed));
    }
    st->member = st->haveprev = 0;
    st->ncand = 0;
    return IV_OK;
}

static _Thread_local const nba_state *nba_sort;
static _Thread_local const iv__pool *nba_types;

/* count descending, then type name */
static int nba_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (nba_sort->count[a] != nba_sort->count[b])
        return nba_sort->count[a] > nba_sort->count[b] ? -1 : 1;
    return strcmp(iv__pool_str(nba_types, a), iv__pool_str(nba_types, b));
}

static int nba_table(iv_table **out, const iv__ctx *c, const nba_state *st)
{
    static const char *const names[5] = {"type", "count", "share", "mean_rv", "cost_per_rv"};
    static const int types[5] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE};
    const iv__pool *tp = &c->s->type.pool;
    size_t nt = tp->count, i, m = 0;
    uint64_t total = 0;
    uint32_t *ord = iv__malloc(&c->a, nt * sizeof *ord);
    iv_table *tab = NULL;
    int rc = ord ? IV_OK : IV_ENOMEM;
    for (i = 0; !rc && i < nt; i++)
        if (st->count[i]) {
            ord[m++] = (uint32_t)i;
            total += st->count[i];
        }
    if (!rc) {
        nba_sort = st;
        nba_types = tp;
        qsort(ord, m, sizeof *ord, nba_cmp);
        nba_sort = NULL;
        nba_types = NULL;
        tab = iv__table_new(&c->a);
        rc = tab ? add_cols(tab, names, types, 5) : IV_ENOMEM;
    }
    for (i = 0; !rc && i < m; i++) {
        uint32_t t = ord[i];
        double u = iv__fix_to_double(st->su[t]), cost = iv__fix_to_double(st->sc[t]);
        if (iv__table_add_row(tab) < 0 ||
            iv__table_set_string(tab, i, 0, iv__pool_str(tp, t), iv__pool_len(tp, t)) ||
            iv__table_set_int(tab, i, 1, (int64_t)st->count[t]) ||
            iv__table_set_double(tab, i, 2, (double)st->count[t] / (double)total) ||
            iv__table_set_double(tab, i, 3, u / (double)st->count[t]) ||
            iv__table_set_double(tab, i, 4, st->su[t] > 0 ? cost / u : (double)NAN))
            rc = IV_ENOMEM;
    }
    iv__free(&c->a, ord, nt * sizeof *ord);
    return finish(out, tab, rc, "the next-best-action table");
}

IV_API int iv_pattern_next(iv_table **out, const iv_store *store, const char *contact,
                           const iv_query_options *q, const iv_pattern_store_options *opts)
{
    iv_pattern_store_options o;
    iv__ctx c;
    iv__sel *success = NULL;
    nba_state st;
    uint32_t id;
    size_t nt;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_pattern_next: out is NULL");
    *out = NULL;
    if ((rc = iv__pstore_opts(opts, &o)) || (rc = iv__ctx_init(&c, store, q)))
        return rc;
    memset(&st, 0, sizeof st);
    nt = store->type.pool.count;
    if ((rc = find_contact(store, contact, &id)) ||
        (rc = iv__sel_compile(&success, &c, o.success ? o.success : "profit_tier = high")) ||
        (iv__sel_needs_contacts(success) && (rc = iv__ctx_contacts(&c))) ||
        (rc = iv__pattern_walk(&c, id, nba_target, NULL, &st)))
        goto done;
    if (!st.have_target) {
        rc = iv__error(IV_EUNDEFINED, "contact '%s' has no selected interaction", contact);
        goto done;
    }
    st.success = success;
    st.count = iv__calloc(&c.a, nt, sizeof *st.count);
    st.su = iv__calloc(&c.a, nt, sizeof *st.su);
    st.sc = iv__calloc(&c.a, nt, sizeof *st.sc);
    if (!st.count || !st.su || !st.sc) {
        rc = iv__nomem("next-best-action counts");
        goto done;
    }
    if (!(rc = iv__pattern_walk(&c, 0, nba_row, nba_end, &st)))
        rc = nba_table(out, &c, &st);
done:
    iv__free(&c.a, st.cand, st.capcand * sizeof *st.cand);
    iv__free(&c.a, st.candu, st.capu * sizeof *st.candu);
    iv__free(&c.a, st.count, nt * sizeof *st.count);
    iv__free(&c.a, st.su, nt * sizeof *st.su);
    iv__free(&c.a, st.sc, nt * sizeof *st.sc);
    iv__sel_free(success, &c.a);
    iv__ctx_free(&c);
    return rc == IV_ENOMEM ? iv__nomem("next best action") : rc;
}
