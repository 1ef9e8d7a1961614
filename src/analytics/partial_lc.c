/* Partials of the lifecycle analyses (doc/SUMMARIES.md §Partials): churn and retention
 * (with series), cohorts, lifecycle and stickiness — what one part contributes, and the
 * table read back from the merged partial, equal to the analysis on the whole store. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "partial_lc.h"
#include "table.h"
#include "timefmt.h"

/* Parameters (P->par) of the lifecycle kinds. */
enum { PA_PERIOD, PA_FROM, PA_TO, PA_EVERY, PA_T0, PA_T1, PA_W, PA_MODE };

/* Churn slots. Known edges (K_*): counts per period index j. Otherwise the end T (the
 * whole store's last timestamp + 1 ms unless t1 is given) is resolved at result time:
 * U_* (one period) and T_* (the last period of a series) are step functions of T, kept
 * as deltas at their breakpoints (k0) — a part's base value sits at its own first
 * possible T (its last timestamp + 1 ms), so summing every entry with k0 <= T gives
 * the value at T. F_* count per calendar period p (k0) with calendar edges; C_* and CT_*
 * are the first period, which starts at t0 (k0 = t0 as given, else the part's first
 * timestamp: only parts holding the store's first timestamp count there). */
enum {
    K_S, K_L, K_E, K_N,
    U_S, U_L, U_E, U_N,
    F_S, F_L, F_E, F_N,
    C_S, C_L, C_N,
    T_S, T_L, T_E, T_N,
    CT_L, CT_N,
    CH_NSLOTS
};
/* Cohorts: contacts per cohort (k0 = cohort period), retained per (cohort, k), "last
 * period is k". Lifecycle: new, returning, resurrecting, dormant per period k0.
 * Stickiness: contact-periods per day count k0. */
enum { CO_CONTACTS, CO_RETAINED, CO_LAST };

/* Times (ms) beyond about 35,000 years are refused in bytes, so that sums of two stay far
 * from overflowing; a result of more rows than this is IV_ELIMIT. */
#define IV__TLIM ((int64_t)1 << 50)
#define IV__MAX_ROWS 20000000

static const int iv__unit[] = {0, IV_PERIOD_DAY, IV_PERIOD_WEEK, IV_PERIOD_MONTH, IV_PERIOD_QUARTER};

typedef struct iv__pw {
    int kind;
    iv_lifecycle_options o;
    int64_t W;
    iv__pmap *m;        /* per walk group */
    size_t cap;
    uint8_t *start, *ret;
    /* churn */
    int known;          /* every edge known now: K_* */
    int tknown;         /* T known (t1 given) */
    int64_t T, Tloc, s0, t0;
    int64_t *cand;      /* scratch: candidate breakpoints */
    size_t ncand, ccap;
} iv__pw;

static int iv__pw_add(iv__lc *L, iv__pw *w, size_t g, uint32_t slot, int64_t k0, int64_t k1, int64_t v)
{
    return iv__pmap_add(&L->c.a, &w->m[g], slot, k0, k1, 0, 0, v) ? iv__nomem("a partial") : IV_OK;
}

/* ------------------------------------------------------------ stickiness - */

static int iv__pst_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                           void *payload)
{
    iv__pw *w = payload;
    int64_t cur = INT64_MIN, lastday = INT64_MIN;
    int64_t days = 0;
    size_t i;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->m, &w->cap, sizeof *w->m))
        return IV_ENOMEM;
    for (i = 0; i < n; i++) {
        int64_t ts = L->c.s->ts[rows[i]], day, p;
        if (!iv__lc_in_range(L, ts))
            continue;
        day = iv__day_of_ms(ts);
        p = iv__lc_period_of(w->o.period, day);
        if (p != cur) {
            if (days && iv__pw_add(L, w, g, 0, days, 0, 1))
                return IV_ENOMEM;
            cur = p;
            days = 0;
            lastday = INT64_MIN;
        }
        if (day != lastday)
            days++;
        lastday = day;
    }
    return days ? iv__pw_add(L, w, g, 0, days, 0, 1) : IV_OK;
}

/* ------------------------------------------------------------ lifecycle -- */

enum { LC_NEW, LC_RETURNING, LC_RESURRECTING, LC_DORMANT };

static int iv__plife_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                             void *payload)
{
    iv__pw *w = payload;
    int64_t prev = INT64_MIN;
    size_t i;
    int rc = IV_OK;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->m, &w->cap, sizeof *w->m))
        return IV_ENOMEM;
    for (i = 0; i < n && !rc; i++) {
        int64_t p = iv__lc_period_of(w->o.period, iv__day_of_ms(L->c.s->ts[rows[i]]));
        if (p == prev)
            continue;
        if (prev == INT64_MIN)
            rc = iv__pw_add(L, w, g, LC_NEW, p, 0, 1);
        else if (p == prev + 1)
            rc = iv__pw_add(L, w, g, LC_RETURNING, p, 0, 1);
        else if (!(rc = iv__pw_add(L, w, g, LC_RESURRECTING, p, 0, 1)))
            rc = iv__pw_add(L, w, g, LC_DORMANT, prev + 1, 0, 1);
        prev = p;
    }
    if (!rc && prev != INT64_MIN)
        rc = iv__pw_add(L, w, g, LC_DORMANT, prev + 1, 0, 1);
    return rc;
}

/* ------------------------------------------------------------ cohorts ---- */

static int iv__pco_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                           void *payload)
{
    iv__pw *w = payload;
    const iv_store *s = L->c.s;
    int64_t first, p0, prev = -1;
    size_t i, i0 = 0;
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->m, &w->cap, sizeof *w->m))
        return IV_ENOMEM;
    if (w->start)
        for (; i0 < n && !iv__lc_is(L, w->start, rows[i0]); i0++)
            ;
    if (i0 == n)
        return IV_OK;
    first = s->ts[rows[i0]];
    if (!iv__lc_in_range(L, first))
        return IV_OK;
    p0 = iv__lc_period_of(w->o.period, iv__day_of_ms(first));
    if (iv__pw_add(L, w, g, CO_CONTACTS, p0, 0, 1))
        return IV_ENOMEM;
    for (i = i0; i < n; i++) {
        int64_t k;
        if (w->ret && !iv__lc_is(L, w->ret, rows[i]))
            continue;
        k = iv__lc_period_of(w->o.period, iv__day_of_ms(s->ts[rows[i]])) - p0;
        if (k != prev && iv__pw_add(L, w, g, CO_RETAINED, p0, k, 1))
            return IV_ENOMEM;
        prev = k;
    }
    return prev >= 0 ? iv__pw_add(L, w, g, CO_LAST, p0, prev, 1) : IV_OK;
}

/* ------------------------------------------------------------ churn ------ */

static int64_t iv__cs(int unit, int64_t p)
{
    return iv__lc_period_start(unit, p) * IV__MS_PER_DAY;
}
static int64_t iv__pof(int unit, int64_t ms)
{
    return iv__lc_period_of(unit, iv__day_of_ms(ms));
}

static int iv__cand(iv__lc *L, iv__pw *w, int64_t a, int64_t b)
{
    int64_t t;
    if (__builtin_add_overflow(a, b, &t) || t <= w->Tloc)
        return IV_OK;
    if (w->ncand == w->ccap) {
        void *p = w->cand;
        if (iv__grow(&L->c.a, &p, &w->ccap, w->ncand + 1, sizeof *w->cand))
            return iv__nomem("a partial");
        w->cand = p;
    }
    w->cand[w->ncand++] = t;
    return IV_OK;
}

static int iv__cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

/* The values at T of the churn quantities that depend on the end T: for one period
 * (every = none) U_S..U_N; for a series T_S..T_N, CT_L, CT_N. */
#define IV__NTV 6
static void iv__churn_at(const iv__lc *L, const iv__pw *w, const uint32_t *rows, size_t n, int64_t T,
                         int64_t *v)
{
    int64_t first = L->c.s->ts[rows[0]];
    int aT = iv__lc_active(L, rows, n, T, w->W);
    if (!w->o.every) {
        int64_t t0 = w->o.t0 != IV_TIME_NONE ? w->o.t0 : T - w->W;
        int a0 = iv__lc_active(L, rows, n, t0, w->W);
        v[0] = a0;
        v[1] = a0 && !aT;
        v[2] = aT;
        v[3] = aT && first >= t0 && first < T;
        v[4] = v[5] = 0;
        return;
    }
    {
        int unit = iv__unit[w->o.every];
        int64_t start = iv__cs(unit, iv__pof(unit, T - 1));
        int aS = iv__lc_active(L, rows, n, start, w->W);
        int a0 = iv__lc_active(L, rows, n, w->s0, w->W);
        v[0] = aS;
        v[1] = aS && !aT;
        v[2] = aT;
        v[3] = aT && first >= start && first < T;
        v[4] = a0 && !aT;
        v[5] = aT && first >= w->s0 && first < T;
    }
}

/* Add the step functions of T (base at Tloc, deltas at the candidates above it), or their
 * values at T when T is known. */
static int iv__churn_steps(iv__lc *L, iv__pw *w, size_t g, const uint32_t *rows, size_t n)
{
    static const uint32_t us[IV__NTV] = {U_S, U_L, U_E, U_N, 0, 0};
    static const uint32_t ts[IV__NTV] = {T_S, T_L, T_E, T_N, CT_L, CT_N};
    const uint32_t *slot = w->o.every ? ts : us;
    int nv = w->o.every ? 6 : 4;
    int64_t v[IV__NTV], prev[IV__NTV];
    size_t i, c;
    int k;
    if (w->tknown) {
        iv__churn_at(L, w, rows, n, w->T, v);
        for (k = 0; k < nv; k++)
            if (iv__pw_add(L, w, g, slot[k], k >= 4 ? w->s0 : INT64_MIN, k >= 4 ? INT64_MIN : 0, v[k]))
                return IV_ENOMEM;
        return IV_OK;
    }
    /* every point where a quantity can change: a(t) changes at ts and ts + W, a(T - W) at
     * ts + W and ts + 2W, first's tests at first + 1 and first + W + 1, the last period's
     * start at every period start + 1 */
    w->ncand = 0;
    for (i = 0; i < n; i++) {
        int64_t t = L->c.s->ts[rows[i]], W2;
        int rc = iv__cand(L, w, t, 0);
        if (!rc)
            rc = iv__cand(L, w, t, w->W);
        if (!rc && !__builtin_mul_overflow(w->W, 2, &W2))
            rc = iv__cand(L, w, t, W2);
        if (rc)
            return rc;
    }
    {
        int64_t first = L->c.s->ts[rows[0]], last = L->c.s->ts[rows[n - 1]], W1;
        if (iv__cand(L, w, first, 1) ||
            (!__builtin_add_overflow(w->W, 1, &W1) && iv__cand(L, w, first, W1)))
            return IV_ENOMEM;
        if (w->o.every) {
            int unit = iv__unit[w->o.every];
            int64_t e, q, qa, qb;
            if (__builtin_add_overflow(last, w->W, &e))
                e = INT64_MAX / 2;
            qa = iv__pof(unit, IV__MAX(first, w->Tloc - 1)) - 1;
            qb = iv__pof(unit, IV__MAX(e, w->Tloc)) + 1;
            for (q = qa; q <= qb; q++)
                if (iv__cand(L, w, iv__cs(unit, q), 1))
                    return IV_ENOMEM;
        }
    }
    if (w->ncand > 1)
        qsort(w->cand, w->ncand, sizeof *w->cand, iv__cmp_i64);
    iv__churn_at(L, w, rows, n, w->Tloc, prev);
    for (k = 0; k < nv; k++)
        if (iv__pw_add(L, w, g, slot[k], k >= 4 ? w->s0 : w->Tloc, k >= 4 ? w->Tloc : 0, prev[k]))
            return IV_ENOMEM;
    for (c = 0; c < w->ncand; c++) {
        if (c && w->cand[c] == w->cand[c - 1])
            continue;
        iv__churn_at(L, w, rows, n, w->cand[c], v);
        for (k = 0; k < nv; k++)
            if (v[k] != prev[k]) {
                if (iv__pw_add(L, w, g, slot[k], k >= 4 ? w->s0 : w->cand[c], k >= 4 ? w->cand[c] : 0,
                               v[k] - prev[k]))
                    return IV_ENOMEM;
                prev[k] = v[k];
            }
    }
    return IV_OK;
}

/* The edges of a known series (as iv_lifecycle_churn cuts them): p0, the period count. */
static int iv__series(int every, int64_t t0, int64_t t1, int64_t *p0, int64_t *np)
{
    int unit = iv__unit[every];
    if (every == IV_EVERY_NONE || t1 == t0) {
        *p0 = every ? iv__pof(unit, t0) : 0;
        *np = 1;
        return IV_OK;
    }
    *p0 = iv__pof(unit, t0);
    *np = iv__pof(unit, t1 - 1) - *p0 + 1;
    if (*np - 1 >= 1000000)
        return iv__error(IV_ELIMIT, "churn series: more than a million periods");
    return IV_OK;
}

static int64_t iv__edge(int every, int64_t t0, int64_t t1, int64_t p0, int64_t np, int64_t j)
{
    return j == 0 ? t0 : j == np ? t1 : iv__cs(iv__unit[every], p0 + j);
}

static int iv__pch_contact(iv__lc *L, size_t g, uint32_t contact, const uint32_t *rows, size_t n,
                           void *payload)
{
    iv__pw *w = payload;
    int64_t first = L->c.s->ts[rows[0]];
    (void)contact;
    if (iv__lc_cover(L, (void **)&w->m, &w->cap, sizeof *w->m))
        return IV_ENOMEM;
    if (w->known) {
        int64_t p0, np, j;
        int a0, a1;
        iv__series(w->o.every, w->t0, w->T, &p0, &np);
        a1 = iv__lc_active(L, rows, n, w->t0, w->W);
        for (j = 0; j < np; j++) {
            int64_t t0 = iv__edge(w->o.every, w->t0, w->T, p0, np, j);
            int64_t t1 = iv__edge(w->o.every, w->t0, w->T, p0, np, j + 1);
            a0 = a1;
            a1 = iv__lc_active(L, rows, n, t1, w->W);
            if (iv__pw_add(L, w, g, K_S, j, 0, a0) || iv__pw_add(L, w, g, K_L, j, 0, a0 && !a1) ||
                iv__pw_add(L, w, g, K_E, j, 0, a1) ||
                iv__pw_add(L, w, g, K_N, j, 0, a1 && first >= t0 && first < t1))
                return IV_ENOMEM;
        }
        return IV_OK;
    }
    if (w->o.every) {
        int unit = iv__unit[w->o.every];
        int64_t last = L->c.s->ts[rows[n - 1]], e, p, pa, pb;
        int a0, a1;
        if (__builtin_add_overflow(last, w->W, &e))
            e = INT64_MAX / 2;
        /* calendar periods: a(t) is 0 before first and from last + W on */
        pa = iv__pof(unit, first) - 1;
        pb = iv__pof(unit, e);
        a1 = iv__lc_active(L, rows, n, iv__cs(unit, pa), w->W);
        for (p = pa; p <= pb; p++) {
            int64_t t0 = iv__cs(unit, p), t1 = iv__cs(unit, p + 1);
            a0 = a1;
            a1 = iv__lc_active(L, rows, n, t1, w->W);
            if (iv__pw_add(L, w, g, F_S, p, 0, a0) || iv__pw_add(L, w, g, F_L, p, 0, a0 && !a1) ||
                iv__pw_add(L, w, g, F_E, p, 0, a1) ||
                iv__pw_add(L, w, g, F_N, p, 0, a1 && first >= t0 && first < t1))
                return IV_ENOMEM;
        }
        /* the first period, from s0 to the next period start */
        {
            int64_t end = iv__cs(unit, iv__pof(unit, w->s0) + 1);
            int s = iv__lc_active(L, rows, n, w->s0, w->W), ae = iv__lc_active(L, rows, n, end, w->W);
            if (iv__pw_add(L, w, g, C_S, w->s0, 0, s) || iv__pw_add(L, w, g, C_L, w->s0, 0, s && !ae) ||
                iv__pw_add(L, w, g, C_N, w->s0, 0, ae && first >= w->s0 && first < end))
                return IV_ENOMEM;
        }
    }
    return iv__churn_steps(L, w, g, rows, n);
}

/* ------------------------------------------------------------ make ------- */

static const char *iv__kind_name(int kind)
{
    static const char *const n[] = {"?", "churn", "retention", "cohorts", "funnel", "lifecycle",
                                    "stickiness"};
    return kind >= IV_PARTIAL_CHURN && kind <= IV_PARTIAL_STICKINESS ? n[kind] : "?";
}

/* The analysis' own checks of the options, in its order. */
static int iv__pre_check(int kind, const iv_store *s, const iv_query_options *q, const iv_lifecycle_options *o)
{
    switch (kind) {
    case IV_PARTIAL_CHURN:
    case IV_PARTIAL_RETENTION:
        return iv__lc_no_bucket(s, q, kind == IV_PARTIAL_CHURN ? "churn" : "retention",
                                o->every ? "is not possible: --every sets the periods"
                                         : "needs a series: use --every day|week|month|quarter (the 'every' option)");
    case IV_PARTIAL_LIFECYCLE:
        if (o->period != IV_PERIOD_DAY && o->period != IV_PERIOD_WEEK && o->period != IV_PERIOD_MONTH)
            return iv__error(IV_EINVAL, "lifecycle: the period must be a day, a week or a month");
        return iv__lc_no_bucket(s, q, "lifecycle", "is not possible: the period is the bucket");
    case IV_PARTIAL_STICKINESS:
        if (o->period != IV_PERIOD_WEEK && o->period != IV_PERIOD_MONTH)
            return iv__error(IV_EINVAL, "stickiness: the period must be a week or a month");
        return iv__lc_no_bucket(s, q, "stickiness", "is not possible: the period is the bucket");
    default:
        return IV_OK;
    }
}

int iv__partial_lc_make(iv_partial **out, int kind, const iv_store *s, const iv_query_options *q,
                        const iv_lifecycle_options *opts)
{
    iv__lc L;
    iv__pw w;
    iv_partial *P = NULL;
    iv__lc_fn fn = NULL;
    size_t i, d;
    int rc;
    memset(&w, 0, sizeof w);
    w.kind = kind;
    if ((rc = iv__lc_options(&w.o, opts)) || (rc = iv__pre_check(kind, s, q, &w.o)))
        return rc;
    if (kind == IV_PARTIAL_COHORTS && w.o.period != IV_PERIOD_WEEK && w.o.period != IV_PERIOD_MONTH)
        return iv__error(IV_EINVAL, "cohorts: period must be IV_PERIOD_WEEK or IV_PERIOD_MONTH");
    if ((rc = iv__lc_init(&L, s, q)))
        return rc;
    if ((rc = iv__partial_no_ids(&L)))
        goto done;
    switch (kind) {
    case IV_PARTIAL_STICKINESS:
        fn = iv__pst_contact;
        break;
    case IV_PARTIAL_LIFECYCLE:
        fn = iv__plife_contact;
        break;
    case IV_PARTIAL_COHORTS:
        fn = iv__pco_contact;
        if ((w.o.start_types && (rc = iv__lc_typeset(&L, w.o.start_types, "cohorts start types", &w.start))) ||
            (w.o.return_types && (rc = iv__lc_typeset(&L, w.o.return_types, "cohorts return types", &w.ret))))
            goto done;
        break;
    default: /* churn, retention */
        fn = iv__pch_contact;
        w.W = iv__lc_window(&L, &w.o);
        w.tknown = w.o.t1 != IV_TIME_NONE;
        w.known = w.tknown && (!w.o.every || w.o.t0 != IV_TIME_NONE);
        w.T = w.o.t1;
        w.Tloc = s->nrows ? s->ts_max + 1 : 0;
        w.s0 = w.o.t0 != IV_TIME_NONE ? w.o.t0 : s->nrows ? s->ts_min : 0;
        if (w.known) {
            int64_t p0, np;
            w.t0 = w.o.t0 != IV_TIME_NONE ? w.o.t0 : w.T - w.W;
            if (w.T < w.t0) {
                rc = iv__error(IV_EINVAL, "%s: t1 is before t0", iv__kind_name(kind));
                goto done;
            }
            if ((rc = iv__series(w.o.every, w.t0, w.T, &p0, &np)))
                goto done;
        }
        break;
    }
    if ((rc = iv__lc_walk(&L, fn, &w)) ||
        (rc = iv__lc_cover(&L, (void **)&w.m, &w.cap, sizeof *w.m)))
        goto done;
    if (!(P = iv__partial_new(&L.c.a, (uint32_t)kind))) {
        rc = IV_ENOMEM;
        goto done;
    }
    if ((rc = iv__partial_scope(P, &L, q, s)))
        goto done;
    P->par[PA_PERIOD] = w.o.period;
    P->par[PA_FROM] = L.from;
    P->par[PA_TO] = L.to;
    P->par[PA_EVERY] = w.o.every;
    P->par[PA_T0] = w.o.t0;
    P->par[PA_T1] = w.o.t1;
    P->par[PA_W] = w.W;
    if (kind == IV_PARTIAL_CHURN || kind == IV_PARTIAL_RETENTION) {
        P->par[PA_PERIOD] = 0;
        P->par[PA_FROM] = P->par[PA_TO] = IV_TIME_NONE; /* not used by churn */
    } else {
        P->par[PA_EVERY] = 0;
        P->par[PA_T0] = P->par[PA_T1] = IV_TIME_NONE;
    }
    {
        const char *st = kind == IV_PARTIAL_COHORTS && w.o.start_types ? w.o.start_types : "";
        const char *rt = kind == IV_PARTIAL_COHORTS && w.o.return_types ? w.o.return_types : "";
        size_t len = strlen(st) + strlen(rt) + 3;
        if (!(P->text = iv__malloc(&P->a, len))) {
            rc = iv__nomem("a partial");
            goto done;
        }
        snprintf(P->text, len, "%s%s%s", st, kind == IV_PARTIAL_COHORTS ? "\n" : "", rt);
        if (kind == IV_PARTIAL_COHORTS) { /* NULL and "" differ for the analysis: mark NULL */
            P->par[PA_MODE] = (w.o.start_types != NULL) | (w.o.return_types != NULL) << 1;
        }
    }
    for (i = 0; i < L.G.n && !rc; i++) {
        const char *lab[IV_MAX_DIMS];
        uint32_t codes[IV_MAX_DIMS + 20];
        iv__key_codes(L.ks, L.nk, L.G.g[i].key, codes);
        for (d = 0; d < L.nk; d++)
            lab[d] = iv__key_label(&L.ks[d], &L.c, codes[d]);
        rc = iv__partial_put(P, lab, &w.m[L.G.g[i].ord]);
    }
done:
    for (i = 0; i < w.cap; i++)
        iv__pmap_free(&L.c.a, &w.m[i]);
    iv__free(&L.c.a, w.m, w.cap * sizeof *w.m);
    iv__free(&L.c.a, w.cand, w.ccap * sizeof *w.cand);
    if (w.start)
        iv__lc_typeset_free(&L, w.start);
    if (w.ret)
        iv__lc_typeset_free(&L, w.ret);
    iv__lc_free(&L);
    if (rc) {
        iv_partial_free(P);
        return rc == IV_ENOMEM ? iv__nomem("a partial") : rc;
    }
    *out = P;
    return IV_OK;
}

/* ------------------------------------------------------------ results ---- */

static double iv__ratio(int64_t num, int64_t den)
{
    return den ? (double)num / (double)den : (double)NAN;
}

/* A table: the group columns, then cols[0..n). */
static int iv__ptable(const iv_partial *P, iv_table **out, const char *const *cols, const int *types, size_t n)
{
    iv_table *t = iv__table_new(&P->a);
    size_t i;
    *out = NULL;
    if (!t)
        return IV_ENOMEM;
    for (i = 0; i < P->nk + n; i++)
        if (iv__table_add_col(t, i < P->nk ? P->dims[i] : cols[i - P->nk],
                              i < P->nk ? IV_COL_STRING : types[i - P->nk]) < 0) {
            iv_table_free(t);
            return IV_ENOMEM;
        }
    *out = t;
    return IV_OK;
}

static long iv__prow(const iv_partial *P, iv_table *t, size_t g)
{
    long r = iv__table_add_row(t);
    size_t k;
    if (r < 0)
        return -1;
    for (k = 0; k < P->nk; k++) {
        const char *l = P->g[g].lab[k];
        if (iv__table_set_string(t, (size_t)r, k, l, l ? strlen(l) : 0))
            return -1;
    }
    return r;
}

/* Sum of the entries of slot with k0 <= T (k0 exactly key0 and k1 <= T when two-level). */
static int64_t iv__step_at(const iv__pmap *m, uint32_t slot, int two, int64_t key0, int64_t T)
{
    size_t i = two ? iv__pmap_seek(m, slot, key0, INT64_MIN, INT64_MIN, INT64_MIN)
                   : iv__pmap_seek(m, slot, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN);
    int64_t v = 0;
    for (; i < m->n && m->e[i].slot == slot; i++) {
        if (two ? (m->e[i].k[0] != key0 || m->e[i].k[1] > T) : m->e[i].k[0] > T)
            break;
        v = (int64_t)((uint64_t)v + (uint64_t)m->e[i].v); /* no overflow trap on forged bytes */
    }
    return v;
}

static int iv__churn_result(iv_table **out, const iv_partial *P)
{
    static const char *const cols[] = {"t0", "t1", "active_start", "lost", "churn",
                                       "active_end", "new_active", "retention"};
    static const int types[] = {IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE,
                                IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE};
    static const char *const ccols[] = {"period", "t0", "t1", "start", "lost", "churn"};
    static const int ctypes[] = {IV_COL_STRING, IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT,
                                 IV_COL_DOUBLE};
    static const char *const rcols[] = {"period", "t0", "t1", "start", "end", "new", "retention"};
    static const int rtypes[] = {IV_COL_STRING, IV_COL_TIME, IV_COL_TIME, IV_COL_INT, IV_COL_INT,
                                 IV_COL_INT, IV_COL_DOUBLE};
    int every = (int)P->par[PA_EVERY], which = P->kind == IV_PARTIAL_RETENTION;
    int64_t W = P->par[PA_W], T, t0, p0, np, j;
    int known, rc;
    iv_table *t = NULL;
    size_t i;
    T = P->par[PA_T1] != IV_TIME_NONE ? P->par[PA_T1] : P->nrows ? P->ts_max + 1 : 0;
    t0 = P->par[PA_T0] != IV_TIME_NONE ? P->par[PA_T0] : every && P->nrows ? P->ts_min : T - W;
    known = P->par[PA_T1] != IV_TIME_NONE && (!every || P->par[PA_T0] != IV_TIME_NONE);
    if (T < t0)
        return iv__error(IV_EINVAL, "%s: t1 is before t0", which ? "retention" : "churn");
    if ((rc = iv__series(every, t0, T, &p0, &np)))
        return rc;
    if ((double)np * (double)P->n > IV__MAX_ROWS)
        return iv__error(IV_ELIMIT, "churn: more than %d rows", IV__MAX_ROWS);
    if (!every)
        rc = iv__ptable(P, &t, cols, types, 8);
    else if (which)
        rc = iv__ptable(P, &t, rcols, rtypes, 7);
    else
        rc = iv__ptable(P, &t, ccols, ctypes, 6);
    if (rc)
        return iv__nomem("the churn table");
    for (i = 0; i < P->n && rc == IV_OK; i++)
        for (j = 0; j < np && rc == IV_OK; j++) {
            const iv__pmap *m = &P->g[i].m;
            int64_t S, Lo, E, N, a = iv__edge(every, t0, T, p0, np, j), b = iv__edge(every, t0, T, p0, np, j + 1);
            long r = iv__prow(P, t, i);
            size_t c = P->nk;
            char label[16];
            if (known) {
                S = iv__pmap_get(m, K_S, j, 0, 0, 0);
                Lo = iv__pmap_get(m, K_L, j, 0, 0, 0);
                E = iv__pmap_get(m, K_E, j, 0, 0, 0);
                N = iv__pmap_get(m, K_N, j, 0, 0, 0);
            } else if (!every) {
                S = iv__step_at(m, U_S, 0, 0, T);
                Lo = iv__step_at(m, U_L, 0, 0, T);
                E = iv__step_at(m, U_E, 0, 0, T);
                N = iv__step_at(m, U_N, 0, 0, T);
            } else if (np == 1) {
                int dflt = P->par[PA_T0] == IV_TIME_NONE;
                S = iv__pmap_get(m, C_S, t0, 0, 0, 0);
                if (T == t0) { /* an empty range: [t0, t0) */
                    Lo = N = 0;
                    E = S;
                } else {
                    Lo = iv__step_at(m, CT_L, 1, t0, T);
                    E = iv__step_at(m, T_E, 0, 0, T);
                    N = dflt ? iv__step_at(m, T_N, 0, 0, T) : iv__step_at(m, CT_N, 1, t0, T);
                }
            } else if (j == 0) {
                int dflt = P->par[PA_T0] == IV_TIME_NONE;
                S = iv__pmap_get(m, C_S, t0, 0, 0, 0);
                Lo = iv__pmap_get(m, C_L, t0, 0, 0, 0);
                E = iv__pmap_get(m, F_E, p0, 0, 0, 0);
                N = dflt ? iv__pmap_get(m, F_N, p0, 0, 0, 0) : iv__pmap_get(m, C_N, t0, 0, 0, 0);
            } else if (j == np - 1) {
                S = iv__step_at(m, T_S, 0, 0, T);
                Lo = iv__step_at(m, T_L, 0, 0, T);
                E = iv__step_at(m, T_E, 0, 0, T);
                N = iv__step_at(m, T_N, 0, 0, T);
            } else {
                S = iv__pmap_get(m, F_S, p0 + j, 0, 0, 0);
                Lo = iv__pmap_get(m, F_L, p0 + j, 0, 0, 0);
                E = iv__pmap_get(m, F_E, p0 + j, 0, 0, 0);
                N = iv__pmap_get(m, F_N, p0 + j, 0, 0, 0);
            }
            if (r < 0) {
                rc = iv__nomem("the churn table");
                break;
            }
            if (!every) {
                if (iv__table_set_int(t, (size_t)r, c, a) || iv__table_set_int(t, (size_t)r, c + 1, b) ||
                    iv__table_set_int(t, (size_t)r, c + 2, S) || iv__table_set_int(t, (size_t)r, c + 3, Lo) ||
                    iv__table_set_double(t, (size_t)r, c + 4, iv__ratio(Lo, S)) ||
                    iv__table_set_int(t, (size_t)r, c + 5, E) || iv__table_set_int(t, (size_t)r, c + 6, N) ||
                    iv__table_set_double(t, (size_t)r, c + 7, iv__ratio((int64_t)((uint64_t)E - (uint64_t)N), S)))
                    rc = iv__nomem("the churn table");
                continue;
            }
            iv__lc_period_label(iv__unit[every], iv__pof(iv__unit[every], a), label, sizeof label);
            if (iv__table_set_string(t, (size_t)r, c, label, strlen(label)) ||
                iv__table_set_int(t, (size_t)r, c + 1, a) || iv__table_set_int(t, (size_t)r, c + 2, b) ||
                iv__table_set_int(t, (size_t)r, c + 3, S))
                rc = iv__nomem("the churn table");
            else if (!which && (iv__table_set_int(t, (size_t)r, c + 4, Lo) ||
                                iv__table_set_double(t, (size_t)r, c + 5, iv__ratio(Lo, S))))
                rc = iv__nomem("the churn table");
            else if (which && (iv__table_set_int(t, (size_t)r, c + 4, E) ||
                               iv__table_set_int(t, (size_t)r, c + 5, N) ||
                               iv__table_set_double(t, (size_t)r, c + 6, iv__ratio((int64_t)((uint64_t)E - (uint64_t)N), S))))
                rc = iv__nomem("the retention table");
        }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

static int iv__cohorts_result(iv_table **out, const iv_partial *P)
{
    static const char *const cols[] = {"cohort", "contacts", "period", "retained", "rate",
                                       "rate_unbounded"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_INT,
                                IV_COL_DOUBLE, IV_COL_DOUBLE};
    int period = (int)P->par[PA_PERIOD];
    int64_t last_day = P->nrows ? iv__day_of_ms(P->ts_max) : 0, pmax = iv__lc_period_of(period, last_day);
    iv_table *t = NULL;
    size_t i, e;
    double rows = 0;
    int rc;
    for (i = 0; i < P->n; i++)
        for (e = 0; e < P->g[i].m.n; e++)
            if (P->g[i].m.e[e].slot == CO_CONTACTS)
                rows += (double)(pmax - P->g[i].m.e[e].k[0] + 1);
    if (rows > IV__MAX_ROWS)
        return iv__error(IV_ELIMIT, "cohorts: more than %d rows", IV__MAX_ROWS);
    if ((rc = iv__ptable(P, &t, cols, types, 6)))
        return iv__nomem("the cohort table");
    for (i = 0; i < P->n && !rc; i++) {
        const iv__pmap *m = &P->g[i].m;
        for (e = iv__pmap_seek(m, CO_CONTACTS, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN);
             e < m->n && m->e[e].slot == CO_CONTACTS && !rc; e++) {
            int64_t p0 = m->e[e].k[0], contacts = m->e[e].v, len = pmax - p0 + 1, later = 0, k;
            size_t x;
            char label[16];
            if (len < 1 || len > 1000000) {
                rc = iv__error(IV_ECORRUPT, "partial: a cohort after the last timestamp");
                break;
            }
            iv__bucket_label(period == IV_PERIOD_WEEK ? IV__DIM_WEEK : IV__DIM_MONTH,
                             iv__lc_period_start(period, p0) * IV__MS_PER_DAY, label, sizeof label);
            for (x = iv__pmap_seek(m, CO_LAST, p0, INT64_MIN, INT64_MIN, INT64_MIN);
                 x < m->n && m->e[x].slot == CO_LAST && m->e[x].k[0] == p0; x++)
                later = (int64_t)((uint64_t)later + (uint64_t)m->e[x].v);
            for (k = 0; k < len && !rc; k++) {
                long r = iv__prow(P, t, i);
                int seen = k == 0 || iv__lc_period_start(period, p0 + k + 1) - 1 <= last_day;
                int64_t ret = iv__pmap_get(m, CO_RETAINED, p0, k, 0, 0);
                size_t c = P->nk;
                if (r < 0 || iv__table_set_string(t, (size_t)r, c, label, strlen(label)) ||
                    iv__table_set_int(t, (size_t)r, c + 1, contacts) ||
                    iv__table_set_int(t, (size_t)r, c + 2, k))
                    rc = iv__nomem("the cohort table");
                else if (seen && (iv__table_set_int(t, (size_t)r, c + 3, ret) ||
                                  iv__table_set_double(t, (size_t)r, c + 4, iv__ratio(ret, contacts)) ||
                                  iv__table_set_double(t, (size_t)r, c + 5, iv__ratio(later, contacts))))
                    rc = iv__nomem("the cohort table");
                later = (int64_t)((uint64_t)later - (uint64_t)iv__pmap_get(m, CO_LAST, p0, k, 0, 0));
            }
        }
    }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

static int iv__life_result(iv_table **out, const iv_partial *P)
{
    static const char *const cols[] = {"period", "new", "returning", "resurrecting", "dormant"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_INT, IV_COL_INT, IV_COL_INT};
    int period = (int)P->par[PA_PERIOD];
    int64_t lo = INT64_MAX, hi = INT64_MIN, P0, P1, p;
    iv_table *t = NULL;
    size_t i, e;
    int rc;
    for (i = 0; i < P->n; i++)
        for (e = 0; e < P->g[i].m.n; e++)
            if (P->g[i].m.e[e].slot != LC_DORMANT) {
                lo = IV__MIN(lo, P->g[i].m.e[e].k[0]);
                hi = IV__MAX(hi, P->g[i].m.e[e].k[0]);
            }
    P0 = P->par[PA_FROM] != IV_TIME_NONE ? iv__lc_period_of(period, iv__day_of_ms(P->par[PA_FROM])) : lo;
    P1 = P->par[PA_TO] != IV_TIME_NONE ? iv__lc_period_of(period, iv__day_of_ms(P->par[PA_TO] - 1)) : hi;
    if (P0 <= P1 && (P1 - P0 >= 1000000 || (double)(P1 - P0 + 1) * (double)P->n > IV__MAX_ROWS))
        return iv__error(IV_ELIMIT, "lifecycle: more than a million periods");
    if ((rc = iv__ptable(P, &t, cols, types, 5)))
        return iv__nomem("the lifecycle table");
    for (i = 0; i < P->n && !rc; i++)
        for (p = P0; p <= P1 && !rc; p++) {
            const iv__pmap *m = &P->g[i].m;
            long r = iv__prow(P, t, i);
            char label[16];
            size_t k = P->nk;
            iv__lc_period_label(period, p, label, sizeof label);
            if (r < 0 || iv__table_set_string(t, (size_t)r, k, label, strlen(label)) ||
                iv__table_set_int(t, (size_t)r, k + 1, iv__pmap_get(m, LC_NEW, p, 0, 0, 0)) ||
                iv__table_set_int(t, (size_t)r, k + 2, iv__pmap_get(m, LC_RETURNING, p, 0, 0, 0)) ||
                iv__table_set_int(t, (size_t)r, k + 3, iv__pmap_get(m, LC_RESURRECTING, p, 0, 0, 0)) ||
                iv__table_set_int(t, (size_t)r, k + 4, -iv__pmap_get(m, LC_DORMANT, p, 0, 0, 0)))
                rc = iv__nomem("the lifecycle table");
        }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

static int iv__sticky_result(iv_table **out, const iv_partial *P)
{
    static const char *const cols[] = {"days", "contacts", "share"};
    static const int types[] = {IV_COL_INT, IV_COL_INT, IV_COL_DOUBLE};
    int64_t nd = P->par[PA_PERIOD] == IV_PERIOD_WEEK ? 7 : 31, k;
    iv_table *t = NULL;
    size_t i;
    int rc = iv__ptable(P, &t, cols, types, 3);
    if (rc)
        return iv__nomem("the stickiness table");
    for (i = 0; i < P->n && !rc; i++) {
        const iv__pmap *m = &P->g[i].m;
        int64_t total = 0;
        for (k = 1; k <= nd; k++)
            total = (int64_t)((uint64_t)total + (uint64_t)iv__pmap_get(m, 0, k, 0, 0, 0));
        for (k = 1; k <= nd && !rc; k++) {
            long r = iv__prow(P, t, i);
            int64_t c = iv__pmap_get(m, 0, k, 0, 0, 0);
            if (r < 0 || iv__table_set_int(t, (size_t)r, P->nk, k) ||
                iv__table_set_int(t, (size_t)r, P->nk + 1, c) ||
                iv__table_set_double(t, (size_t)r, P->nk + 2, iv__ratio(c, total)))
                rc = iv__nomem("the stickiness table");
        }
    }
    if (rc) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

int iv__partial_lc_result(iv_table **out, const iv_partial *P)
{
    switch (P->kind) {
    case IV_PARTIAL_CHURN:
    case IV_PARTIAL_RETENTION:
        return iv__churn_result(out, P);
    case IV_PARTIAL_COHORTS:
        return iv__cohorts_result(out, P);
    case IV_PARTIAL_LIFECYCLE:
        return iv__life_result(out, P);
    case IV_PARTIAL_STICKINESS:
        return iv__sticky_result(out, P);
    default:
        return iv__error(IV_EINVAL, "iv_partial_result: unknown kind %u", P->kind);
    }
}

/* ------------------------------------------------------------ checks ----- */

/* Bytes from elsewhere: every value must be one the kind can produce, so that a result
 * never loops over absurd ranges or counts. */
int iv__partial_lc_check(const iv_partial *P)
{
    const int64_t *par = P->par;
    const int64_t PMAX = (int64_t)1 << 40; /* period numbers and times are far below */
    size_t i, e;
    uint32_t nslots;
    int k;
    if (par[PA_PERIOD] < IV_PERIOD_WEEK || par[PA_PERIOD] > IV_PERIOD_QUARTER || par[PA_EVERY] < 0 ||
        par[PA_EVERY] > IV_EVERY_QUARTER || par[PA_W] < 0 || par[PA_MODE] < 0 || par[PA_MODE] > 3)
        return iv__error(IV_ECORRUPT, "partial bytes: bad parameters");
    for (k = PA_FROM; k <= PA_T1; k++) /* times, or IV_TIME_NONE */
        if (par[k] != IV_TIME_NONE && (par[k] < -IV__TLIM || par[k] > IV__TLIM))
            return iv__error(IV_ECORRUPT, "partial bytes: a time out of range");
    if (par[PA_W] > IV__TLIM || (P->nrows && (P->ts_min < -IV__TLIM || P->ts_max > IV__TLIM)))
        return iv__error(IV_ECORRUPT, "partial bytes: a time out of range");
    for (k = PA_MODE + 1; k < IV__PPAR; k++)
        if (par[k] != 0)
            return iv__error(IV_ECORRUPT, "partial bytes: bad parameters");
    switch (P->kind) {
    case IV_PARTIAL_CHURN:
    case IV_PARTIAL_RETENTION:
        nslots = CH_NSLOTS;
        break;
    case IV_PARTIAL_COHORTS:
        nslots = 3;
        break;
    case IV_PARTIAL_LIFECYCLE:
        nslots = 4;
        break;
    case IV_PARTIAL_STICKINESS:
        nslots = 1;
        break;
    default:
        return iv__error(IV_ECORRUPT, "partial bytes: unknown kind");
    }
    for (i = 0; i < P->n; i++)
        for (e = 0; e < P->g[i].m.n; e++) {
            const iv__pent *x = &P->g[i].m.e[e];
            if (x->slot >= nslots || x->k[2] || x->k[3])
                return iv__error(IV_ECORRUPT, "partial bytes: bad entry");
            if (P->kind == IV_PARTIAL_STICKINESS && (x->k[0] < 1 || x->k[0] > 31 || x->k[1] || x->v < 0))
                return iv__error(IV_ECORRUPT, "partial bytes: bad stickiness entry");
            if (P->kind == IV_PARTIAL_LIFECYCLE && (x->k[0] < -PMAX || x->k[0] > PMAX || x->k[1] || x->v < 0))
                return iv__error(IV_ECORRUPT, "partial bytes: bad lifecycle entry");
            if (P->kind == IV_PARTIAL_COHORTS &&
                (x->k[0] < -PMAX || x->k[0] > PMAX || x->k[1] < 0 || x->k[1] > 1000000 || x->v < 0 ||
                 (x->slot == CO_CONTACTS && x->k[1])))
                return iv__error(IV_ECORRUPT, "partial bytes: bad cohort entry");
        }
    return IV_OK;
}
