/* CLV models: BG/NBD, Pareto/NBD and Gamma-Gamma by maximum likelihood, their
 * predictions, and the simple CLV formula. Formulas and methods: doc/CLV.md.
 *
 * References:
 *  [FHL05]  Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
 *           Alternative to the Pareto/NBD Model", Marketing Science 24(2), eq. 6-10.
 *  [FH05]   Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related
 *           Expressions", brucehardie.com note 008, eq. 17-22.
 *  [SMC87]  Schmittlein, Morrison & Colombo (1987), Management Science 33(1).
 *  [FH13]   Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value",
 *           brucehardie.com note 025.
 * Parameters are optimised on the log scale (every point of R^n is valid). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

#include "clv.h"
#include "model.h"
#include "optim.h"
#include "special.h"
#include "store.h"
#include "table.h"
#include "timefmt.h"

static const char *const param_names[7][4] = {
    {NULL, NULL, NULL, NULL},
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "s", "beta"},
    {"p", "q", "gamma", NULL},
    {"r", "alpha", "a", "b"},
    {"alpha", "beta", "gamma", "delta"},
    {"alpha", "beta", NULL, NULL},
};

/* names with the _se suffix, for iv_clv_get_param and the params table */
static const char *const se_names[7][4] = {
    {NULL, NULL, NULL, NULL},
    {"r_se", "alpha_se", "a_se", "b_se"},
    {"r_se", "alpha_se", "s_se", "beta_se"},
    {"p_se", "q_se", "gamma_se", NULL},
    {"r_se", "alpha_se", "a_se", "b_se"},
    {"alpha_se", "beta_se", "gamma_se", "delta_se"},
    {"alpha_se", "beta_se", NULL, NULL},
};

int iv__clv_npar(int model)
{
    switch (model) {
    case IV_CLV_BGNBD:
    case IV_CLV_PARETO:
    case IV_CLV_MBGNBD:
    case IV_CLV_BGBB:
        return 4;
    case IV_CLV_GG:
        return 3;
    case IV_CLV_SBG:
        return 2;
    default:
        return 0;
    }
}

static const char *model_name(int model)
{
    static const char *const names[7] = {"?", "BG/NBD", "Pareto/NBD", "Gamma-Gamma", "MBG/NBD",
                                         "BG/BB", "shifted-BG"};
    return model >= 1 && model <= 6 ? names[model] : names[0];
}

/* BG/NBD and MBG/NBD share the likelihood's form */
static int is_bg(int model)
{
    return model == IV_CLV_BGNBD || model == IV_CLV_MBGNBD;
}

/* ---- per-customer log-likelihoods ----------------------------------------------- */

/* BG/NBD terms that depend only on x (shared by every customer with that x). */
typedef struct bg_xterms {
    double lgr;  /* log Gamma(r+x) - log Gamma(r) */
    double lbx;  /* log B(a, b+x) - log B(a, b); Pareto/NBD fit: log(s/(r+s+x)) */
    double dr;   /* psi(r+x) - psi(r) */
    double da;   /* psi(a+b) - psi(a+b+x) */
    double db;   /* psi(b+x) - psi(b) + psi(a+b) - psi(a+b+x) */
    double lbm;  /* log(b+x-1+m) (bg_one's D; NaN when D has no such term) */
} bg_xterms;

/* m = 0 for BG/NBD, 1 for MBG/NBD (B(a, b+x+1) in place of B(a, b+x)) */
static void bg_terms(const double *p, double x, int m, int want_grad, bg_xterms *c)
{
    double r = p[0], a = p[2], b = p[3];
    c->lgr = iv__lgamma_ratio(r, x);
    c->lbx = iv__lbeta(a, b + x + m) - iv__lbeta(a, b);
    c->lbm = x > 0 || m ? log(b + x - 1 + m) : NAN;
    if (want_grad) {
        double pab = iv__digamma(a + b), pabx = iv__digamma(a + b + x + m);
        c->dr = iv__digamma(r + x) - iv__digamma(r);
        c->da = pab - pabx;
        c->db = iv__digamma(b + x + m) - iv__digamma(b) + c->da;
    }
}

/* log L of one customer [FHL05 eq. 6], written as
 *   log L = A + log(1 + D),
 *   A = log Gamma(r+x) - log Gamma(r) + r log alpha - (r+x) log(alpha+T) + log B(a,b+x)/B(a,b),
 *   D = [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x),
 * with log(1 + D) = log1pexp(log D), so heavy buyers never overflow. g (may be NULL)
 * receives d log L / d(r, alpha, a, b). MBG/NBD [BDF07] (m = 1): B(a, b+x+1) in A
 * (bg_terms) and D = a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x) for every x, x = 0 included
 * (the customer may drop out right after the first purchase). lg (may be NULL: computed
 * here) holds log alpha, log a, log(alpha+T) and log(alpha+t_x), the same expressions,
 * which the objective computes once per fit and per distinct t_x or T. */
static double bg_one(const double *p, const bg_xterms *c, int m, double x, double tx, double T,
                     const double *lg, double *g)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double lal = lg ? lg[0] : log(al), lat = lg ? lg[2] : log(al + T);
    double ll = c->lgr + r * lal - (r + x) * lat + c->lbx;
    if (g) {
        g[0] = c->dr + lal - lat;
        g[1] = r / al - (r + x) / (al + T);
        g[2] = c->da;
        g[3] = c->db;
    }
    if (x > 0 || m) {
        double ltx = lg ? lg[3] : log(al + tx);
        double lnD = (lg ? lg[1] : log(a)) - c->lbm + (r + x) * (lat - ltx);
        ll += iv__log1pexp(lnD);
        if (g) {
            double sg = 1.0 / (1.0 + exp(-lnD)); /* D / (1 + D) */
            g[0] += sg * (lat - ltx);
            g[1] += sg * (r + x) * (1.0 / (al + T) - 1.0 / (al + tx));
            g[2] += sg / a;
            g[3] -= sg / (b + x - 1 + m);
        }
    }
    return ll;
}

/* The Pareto/NBD 2F1 setup for given parameters: with m the larger, lo the smaller and d
 * the difference of alpha and beta, b1 = s+1 when alpha >= beta, else r+x (see
 * pnbd_one). */
typedef struct pn_shape {
    double m, d, lo;
    int a_ge_b;
} pn_shape;

static pn_shape pnbd_shape(const double *p)
{
    pn_shape sh;
    sh.a_ge_b = p[1] >= p[3];
    sh.m = sh.a_ge_b ? p[1] : p[3];
    sh.lo = sh.a_ge_b ? p[3] : p[1];
    sh.d = sh.a_ge_b ? p[1] - p[3] : p[3] - p[1];
    return sh;
}

/* G(y) = log 2F1(a1, b1; a1+1; d/(m+y)) - a1 log(m+y) for a customer with x repeat
 * purchases, a1 = r+s+x, one of the two terms of A0 in pnbd_one, and (when dg is not
 * NULL) its derivatives with respect to (r, alpha, s, beta): a1 moves a and c = a+1 of
 * 2F1 together; z = d/(m+y) has dz/dm = (m+y-d)/(m+y)^2 and dz/d(the smaller rate) =
 * -1/(m+y). */
static double pnbd_g(const double *p, const pn_shape *sh, double x, double y, double *dg)
{
    double a1 = p[0] + p[2] + x, b1 = sh->a_ge_b ? p[2] + 1 : p[0] + x, m = sh->m;
    double l, f[4], lmy = log(m + y);
    l = iv__log_hyp2f1_d(a1, b1, a1 + 1, sh->d / (m + y), NULL, dg ? f : NULL) - a1 * lmy;
    if (dg) {
        double da1 = f[0] + f[2] - lmy;
        double dm = f[3] * (m + y - sh->d) / ((m + y) * (m + y)) - a1 / (m + y);
        double dsm = -f[3] / (m + y);
        dg[0] = da1 + (sh->a_ge_b ? 0 : f[1]);
        dg[2] = da1 + (sh->a_ge_b ? f[1] : 0);
        dg[1] = sh->a_ge_b ? dm : dsm;
        dg[3] = sh->a_ge_b ? dsm : dm;
    }
    return l;
}

/* log F(1, B; C; z) for 0 < B < C and 0 <= z <= 0.95 (NaN outside), the series whose
 * terms t_{k+1} = t_k (B+k)/(C+k) z are positive and shrink faster than z^k, with
 * *dbc = d log F / dB + d log F / dC (B and C moving together), *db = d log F / dB and
 * *dz = d log F / dz: d log t_k / dB = sum_{j<k} 1/(B+j), and moving both the weight is
 * sum_{j<k} (C-B) / ((B+j)(C+j)); one division per term. The sums are bounded by
 * 1/(1-z), so no rescaling; it stops when the geometric tail bounds (ratio z, the
 * weighted ones z (k+3)/(k+2) times the largest weight) are below 1e-17 of the sum, as
 * iv__log_hyp2f1_d (the value's bound term z/(1-z) with z/(1-z) computed once, not a
 * division per term). dbc NULL: no derivatives (db and dz are then not written), the
 * value's tail bound alone. The Pareto/NBD fits' kernel (pnbd_g_euler). */
static double hyp_1bc(double B, double C, double z, double *dbc, double *db, double *dz)
{
    double term = 1, sum = 1, hb = 0, hd = 0, sb = 0, sd = 0, sk = 0, q = z / (1.0 - z);
    long k;
    if (!(B > 0 && C > B && z >= 0 && z <= 0.95))
        return NAN;
    if (z == 0) {
        if (dbc) {
            *dbc = *db = 0;
            *dz = B / C;
        }
        return 0;
    }
    if (!dbc) {
        for (k = 0; k < 100000; k++) {
            term *= (B + (double)k) / (C + (double)k) * z;
            sum += term;
            if (term * q <= 1e-17 * sum)
                return log(sum);
        }
        return NAN;
    }
    for (k = 0; k < 100000; k++) {
        double kk = (double)k, bk = B + kk, ck = C + kk, den = bk * ck, inv, rw, wmax;
        if (!isnormal(den))
            return NAN;
        inv = 1.0 / den;
        term *= bk * bk * inv * z;
        hb += ck * inv;
        hd += inv;
        sum += term;
        sb += term * hb;
        sd += term * hd;
        sk += term * (kk + 1.0);
        if (!(term * q <= 1e-17 * sum))
            continue;
        rw = z * (kk + 3.0) / (kk + 2.0);
        wmax = IV__MAX(kk + 2.0, IV__MAX(hb, (C - B) * hd));
        if (rw < 1.0 && term * rw / (1.0 - rw) * wmax <= 1e-17 * sum)
            break;
    }
    if (k == 100000)
        return NAN; /* not reached for z <= 0.95; the caller falls back */
    *dbc = (C - B) * sd / sum;
    *db = sb / sum;
    *dz = sk / (z * sum);
    return log(sum);
}

/* hyp_1bc's terms and weights for one (B, C), tabulated once and shared by every z: entry
 * k >= 1 holds c_k = prod_{j<k} (B+j)/(C+j) (the term without z^k), c_k hb_k, c_k hd_k,
 * c_k k and the largest weight max(k+1, hb_k, (C-B) hd_k) of hyp_1bc's stopping rule,
 * built as far as a z needs (one division per entry, as hyp_1bc per term). */
#define HYP_TAB_CAP 2048
typedef struct hyp_tab {
    double B, C, hb, hd;
    long len;           /* entries built (1..len) */
    double *e;          /* 5 per entry: c, c hb, c hd, c k, wmax */
} hyp_tab;

static void hyp_tab_reset(hyp_tab *t, double B, double C)
{
    t->B = B;
    t->C = C;
    t->hb = t->hd = 0;
    t->len = 0;
    t->e[0] = 1; /* c_0 */
}

/* Entry k + 1 from entry k (k = t->len); 0 when the table is full or a term is not normal. */
static int hyp_tab_grow(hyp_tab *t)
{
    long k = t->len;
    double kk = (double)k, bk = t->B + kk, ck = t->C + kk, den = bk * ck, inv, c, *e;
    if (k + 1 >= HYP_TAB_CAP || !isnormal(den))
        return 0;
    inv = 1.0 / den;
    c = t->e[5 * k] * (bk * bk * inv);
    t->hb += ck * inv;
    t->hd += inv;
    e = &t->e[5 * (k + 1)];
    e[0] = c;
    e[1] = c * t->hb;
    e[2] = c * t->hd;
    e[3] = c * (kk + 1.0);
    e[4] = IV__MAX(kk + 2.0, IV__MAX(t->hb, (t->C - t->B) * t->hd));
    t->len = k + 1;
    return 1;
}

/* hyp_1bc(B, C, z, ...) from the table of (B, C): the same sums, each term c_k z^k with
 * the power by repeated multiplication, the same stopping rule; NaN when the table cannot
 * grow far enough (the caller then calls hyp_1bc). */
static double hyp_tab_eval(hyp_tab *t, double z, double *dbc, double *db, double *dz)
{
    double zp = 1, sum = 1, sb = 0, sd = 0, sk = 0, q = z / (1.0 - z);
    long k;
    if (!(t->B > 0 && t->C > t->B && z >= 0 && z <= 0.95))
        return NAN;
    if (z == 0)
        return hyp_1bc(t->B, t->C, z, dbc, db, dz);
    for (k = 1;; k++) {
        const double *e;
        double term, rw;
        if (k > t->len && !hyp_tab_grow(t))
            return NAN;
        e = &t->e[5 * k];
        zp *= z;
        term = e[0] * zp;
        sum += term;
        if (!dbc) {
            if (term * q <= 1e-17 * sum)
                break;
            continue;
        }
        sb += e[1] * zp;
        sd += e[2] * zp;
        sk += e[3] * zp;
        if (!(term * q <= 1e-17 * sum))
            continue;
        rw = z * ((double)k + 2.0) / ((double)k + 1.0);
        if (rw < 1.0 && term * rw / (1.0 - rw) * e[4] <= 1e-17 * sum)
            break;
    }
    if (dbc) {
        *dbc = (t->C - t->B) * sd / sum;
        *db = sb / sum;
        *dz = sk / (z * sum);
    }
    return log(sum);
}

/* pnbd_g through hyp_1bc (dg, when not NULL, the same derivatives): Euler's
 * transformation (A&S 15.3.3) gives 2F1(a1, b1; a1+1; z) = (1-z)^(1-b1) F(1, a1+1-b1;
 * a1+1; z), whose series has positive terms shrinking at least like z^k for every a1,
 * b1 > 0, where the plain series' terms first grow when b1 > 1 (b1 = r+x: heavy buyers
 * when beta > alpha; 58 terms against 175 on average on a 2.4M-row log's 11,658 pairs,
 * doc/PERFORMANCE.md). Falls back to pnbd_g outside hyp_1bc's range. */
static double pnbd_g_euler(const double *p, const pn_shape *sh, double x, double y, double lmy,
                           double llo, hyp_tab *tab, double *dg)
{
    double a1 = p[0] + p[2] + x, b1 = sh->a_ge_b ? p[2] + 1 : p[0] + x, m = sh->m;
    /* 1 - z = (lo + y) / (m + y): log(1 - z) = llo - lmy, llo = log(lo + y) and lmy =
     * log(m + y) given by the caller (the objective keeps them for pnbd_combine) */
    double z = sh->d / (m + y), l1p = llo - lmy, fbc = 0, fb = 0, fz = 0, l;
    l = tab ? hyp_tab_eval(tab, z, dg ? &fbc : NULL, &fb, &fz) : NAN;
    if (isnan(l))
        l = hyp_1bc(a1 + 1 - b1, a1 + 1, z, dg ? &fbc : NULL, &fb, &fz);
    if (isnan(l))
        return pnbd_g(p, sh, x, y, dg);
    l += (1 - b1) * l1p - a1 * lmy;
    if (dg) {
        double da1 = fbc - lmy, f1 = -l1p - fb, f3 = -(1 - b1) / (1 - z) + fz;
        double dm = f3 * (m + y - sh->d) / ((m + y) * (m + y)) - a1 / (m + y);
        double dsm = -f3 / (m + y);
        dg[0] = da1 + (sh->a_ge_b ? 0 : f1);
        dg[2] = da1 + (sh->a_ge_b ? f1 : 0);
        dg[1] = sh->a_ge_b ? dm : dsm;
        dg[3] = sh->a_ge_b ? dsm : dm;
    }
    return l;
}

/* The 2F1 series converges like z^k, z = d/(m+y): when 1 - z = (smaller rate + y) /
 * (m + y) is below this, the customer's A0 comes from quadrature instead (pnbd_quad). */
#define IV__PN_SERIES_MIN_1MZ 0.1

static int pnbd_use_series(const pn_shape *sh, double tx)
{
    return sh->m - sh->d + tx >= IV__PN_SERIES_MIN_1MZ * (sh->m + tx);
}

/* The fit's objective takes the series further, down to 1 - z = 0.05 (hyp_1bc's limit,
 * z <= 0.95; Euler's series then needs fewer than 800 terms, within the table of
 * HYP_TAB_CAP): there G is evaluated once per distinct (x, y) pair and shared by every
 * customer of the pair, where the quadrature costs 16 to 48 nodes per customer. */
#define IV__PN_FIT_SERIES_MIN_1MZ 0.05

static int pnbd_fit_series(const pn_shape *sh, double tx)
{
    return sh->m - sh->d + tx >= IV__PN_FIT_SERIES_MIN_1MZ * (sh->m + tx);
}

/* log A0 by quadrature, for the customers whose 2F1 argument is close to 1 (a rate
 * parameter many times the other). The second bracketed term of L is the death-time
 * integral [FH05 eq. 17, SMC87]:
 *   s/(r+s+x) A0 = s I,  I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau,
 * so A0 = (r+s+x) I. With v = log(lo + tau) (lo the smaller rate) the integrand times
 * dtau/dv is exp(psi(v)), psi concave, analytic within pi of the real axis (its
 * singularities are at e^v = lo - hi < 0), so 16-point Gauss-Legendre on pieces of length
 * <= 2 over which psi changes by <= 8 is exact to rounding (the Bernstein ellipse
 * bound). The sum is scaled by the largest psi seen; it stops when the rest of the
 * integral, <= e^psi / |psi'| once psi decreases, is below e^-40 of the sum. dl (may be
 * NULL) receives d log A0 / d(r, alpha, s, beta), the same rule applied to the integrand
 * times d log(integrand) / d(parameter) (the limits do not depend on the parameters). */
static double pnbd_quad(const double *p, double x, double tx, double T, double *dl)
{
    double r = p[0], al = p[1], s = p[2], be = p[3], ka = r + x, kb = s + 1;
    int lo_a = al <= be, k, i;
    double lo = lo_a ? al : be, gap = lo_a ? be - al : al - be;
    double klo = lo_a ? ka : kb, khi = lo_a ? kb : ka; /* exponents of lo+tau, hi+tau */
    double v = log(lo + tx), v1 = log(lo + T), scale = -INFINITY, S = 0, Sk[4] = {0, 0, 0, 0};
    if (!(T > tx)) {
        if (dl)
            dl[0] = dl[1] = dl[2] = dl[3] = 0;
        return -INFINITY;
    }
    while (v < v1) {
        /* psi'(v) = 1 - klo - khi e^v / (gap + e^v), monotone: bound |psi'| on [v, v+2] */
        double ev = exp(v), v2 = IV__MIN(v + 2, v1), ev2 = exp(v2), h, c;
        double sl = IV__MAX(fabs(1 - klo - khi * ev / (gap + ev)),
                            fabs(1 - klo - khi * ev2 / (gap + ev2)));
        h = IV__MIN(v2 - v, sl > 4 ? 8 / sl : 2);
        if (!(v + h > v))
            return NAN; /* a slope beyond any resolution (absurd parameters) */
        c = v + h / 2;
        for (i = 0; i < 16; i++) {
            double vi = c + (i < 8 ? -1 : 1) * iv__gl16[i % 8][0] * h / 2, w = iv__gl16[i % 8][1] * h / 2;
            double evi = exp(vi), lhi = log(gap + evi), psi = -klo * vi - khi * lhi + vi, e;
            /* log(alpha+tau), log(beta+tau) and their reciprocals at this node */
            double la = lo_a ? vi : lhi, lbb = lo_a ? lhi : vi;
            double ia = lo_a ? 1 / evi : 1 / (gap + evi), ib = lo_a ? 1 / (gap + evi) : 1 / evi;
            if (psi > scale) {
                double f = exp(scale - psi);
                S *= f;
                for (k = 0; k < 4; k++)
                    Sk[k] *= f;
                scale = psi;
            }
            e = w * exp(psi - scale);
            S += e;
            if (dl) {
                Sk[0] -= e * la;
                Sk[1] -= e * ka * ia;
                Sk[2] -= e * lbb;
                Sk[3] -= e * kb * ib;
            }
        }
        v += h;
        if (v < v1) { /* the tail bound, once psi decreases */
            double ev3 = exp(v), d1 = 1 - klo - khi * ev3 / (gap + ev3);
            double psi = -klo * v - khi * log(gap + ev3) + v;
            if (d1 < 0 && psi - log(-d1) < scale + log(S) - 40)
                break;
        }
    }
    if (dl)
        for (k = 0; k < 4; k++)
            dl[k] = Sk[k] / S + (k == 0 || k == 2 ? 1 / (r + s + x) : 0);
    return log(r + s + x) + scale + log(S);
}

/* log A0 from G(t_x) = gtx and G(T) = gT (pnbd_g; A0 = e^gtx - e^gT) and, when dl is
 * not NULL, its derivatives from theirs: d log A0 = (dG(t_x) - rho dG(T)) / (1 - rho),
 * rho = e^(G(T) - G(t_x)). With dl (the fits) two libm calls: 1 - rho = -expm1(G(T) -
 * G(t_x)) to a few ulps relative, its log, and rho = 1 - (1 - rho) (absolute error an
 * ulp of 1, which the derivative multiplies by dG(T) only). */
static double pnbd_la0(double gtx, const double *dtx, double gT, const double *dT, double *dl)
{
    int k;
    double la0, rho, omr;
    if (!dl) /* A0 >= 0 exactly; rounding can make the two logs cross when t_x is close to T */
        return gtx > gT ? iv__logdiffexp(gtx, gT) : (isnan(gtx - gT) ? NAN : -INFINITY);
    if (!(gtx > gT) || gT == -INFINITY) {
        la0 = gtx > gT ? gtx : (isnan(gtx - gT) ? NAN : -INFINITY);
        for (k = 0; k < 4; k++)
            dl[k] = la0 > -INFINITY ? dtx[k] : 0;
        return la0;
    }
    omr = -expm1(gT - gtx);
    rho = 1 - omr;
    la0 = gtx + log(omr);
    for (k = 0; k < 4; k++)
        dl[k] = (dtx[k] - rho * dT[k]) / omr;
    return la0;
}

/* log L of one customer [FH05 eq. 17-19]:
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-(r+x) (beta+T)^-s
 *       + s/(r+s+x) A0 ],
 *   A0 = F(t_x)/(m+t_x)^(r+s+x) - F(T)/(m+T)^(r+s+x),  F(y) = 2F1(r+s+x, b1; r+s+x+1; |alpha-beta|/(m+y)),
 * with m = alpha, b1 = s+1 when alpha >= beta, and m = beta, b1 = r+x otherwise, so the
 * argument of 2F1 is always in [0, 1). Everything in logs. Given la0 = log A0,
 * lgr = log Gamma(r+x) - log Gamma(r) and, with g, dla0 = d log A0 / d(r, alpha, s, beta)
 * and dr = psi(r+x) - psi(r). *lt1 (may be NULL) receives the log of the first bracketed
 * term (for P(alive)), *lbracket the log of the bracket. g (may be NULL) receives
 * d log L / d(r, alpha, s, beta): with the bracket B = e^t1 + e^t2, d log B =
 * w1 dt1 + w2 dt2 (w = e^t / B; with e = e^-|t1 - t2| the larger weight is 1/(1+e), the
 * smaller e/(1+e), one exp for the bracket and both weights). lg (may be NULL: computed
 * here) holds log alpha, log beta, log(alpha+T), log(beta+T) and log(s/(r+s+x)), the
 * same expressions, which the objective computes once per fit, per T and per x. */
static double pnbd_combine(const double *p, double lgr, double dr, double x, double T,
                           double la0, const double *dla0, const double *lg, double *lt1,
                           double *lbracket, double *g)
{
    double r = p[0], al = p[1], s = p[2], be = p[3], a1 = r + s + x;
    double lal, lbe, lat, lbt, t1, t2, lb, w1 = 0, w2 = 0;
    int k;
    if (lg) {
        lal = lg[0];
        lbe = lg[1];
        lat = lg[2];
        lbt = lg[3];
    } else {
        lal = log(al);
        lbe = log(be);
        lat = log(al + T);
        lbt = log(be + T);
    }
    t1 = -(r + x) * lat - s * lbt;
    t2 = (lg ? lg[4] : log(s / a1)) + la0;
    if (g && isfinite(t1) && !isnan(t2)) {
        /* iv__logaddexp's hi + log1p(e^(lo - hi)), keeping e for the weights */
        double e = exp(-fabs(t1 - t2)), wh = 1 / (1 + e);
        lb = (t1 > t2 ? t1 : t2) + log1p(e);
        w1 = t1 >= t2 ? wh : e * wh;
        w2 = t1 >= t2 ? e * wh : wh;
    } else {
        lb = iv__logaddexp(t1, t2);
        if (g) {
            w1 = exp(t1 - lb);
            w2 = exp(t2 - lb);
        }
    }
    if (g) {
        g[0] = dr + lal - w1 * lat - w2 / a1;
        g[1] = r / al - w1 * (r + x) / (al + T);
        g[2] = lbe - w1 * lbt + w2 * (1 / s - 1 / a1);
        g[3] = s / be - w1 * s / (be + T);
        if (w2 > 0)
            for (k = 0; k < 4; k++)
                g[k] += w2 * dla0[k];
    }
    if (lt1)
        *lt1 = t1;
    if (lbracket)
        *lbracket = lb;
    return lgr + r * lal + s * lbe + lb;
}

/* log A0 of one customer by the series or by quadrature; dl as in pnbd_quad. */
static double pnbd_a0(const double *p, const pn_shape *sh, double x, double tx, double T,
                      double *dl)
{
    double d1[4] = {0, 0, 0, 0}, d2[4] = {0, 0, 0, 0}, g1, g2;
    if (!pnbd_use_series(sh, tx))
        return pnbd_quad(p, x, tx, T, dl);
    g1 = pnbd_g(p, sh, x, tx, dl ? d1 : NULL);
    g2 = pnbd_g(p, sh, x, T, dl ? d2 : NULL);
    return pnbd_la0(g1, d1, g2, d2, dl);
}

/* pnbd_a0 for the covariate fit: with derivatives (dl not NULL) through pnbd_g_euler. */
static double pnbd_a0_cov(const double *p, const pn_shape *sh, double x, double tx, double T,
                          double *dl)
{
    double d1[4], d2[4], g1, g2;
    if (!dl || !pnbd_use_series(sh, tx))
        return pnbd_a0(p, sh, x, tx, T, dl);
    g1 = pnbd_g_euler(p, sh, x, tx, log(sh->m + tx), log(sh->lo + tx), NULL, d1);
    g2 = pnbd_g_euler(p, sh, x, T, log(sh->m + T), log(sh->lo + T), NULL, d2);
    return pnbd_la0(g1, d1, g2, d2, dl);
}

/* pnbd_combine for one customer, without derivatives. */
static double pnbd_one(const double *p, double lgr, double x, double tx, double T, double *lt1,
                       double *lbracket)
{
    pn_shape sh = pnbd_shape(p);
    return pnbd_combine(p, lgr, 0, x, T, pnbd_a0(p, &sh, x, tx, T, NULL), NULL, NULL, lt1,
                        lbracket, NULL);
}

/* log f(zbar | x) of a repeat buyer [FH13]: zbar x ~ Gamma(p x, nu) given nu, and
 * nu ~ Gamma(q, gamma) (rates), so zbar | x has density
 *   Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q x^(px) zbar^(px-1) / (gamma + x zbar)^(px+q).
 * g (may be NULL) receives d log f / d(p, q, gamma). */
static double gg_one(const double *par, double x, double z, double *g)
{
    double p = par[0], q = par[1], ga = par[2], px = p * x;
    double lx = log(x), lz = log(z), lgz = log(ga + x * z), lga = log(ga);
    double ll = iv__lgamma_ratio(px, q) - iv__lgamma(q) + q * lga + px * lx + (px - 1) * lz
              - (px + q) * lgz;
    if (g) {
        double ppq = iv__digamma(px + q);
        g[0] = x * (ppq - iv__digamma(px) + lx + lz - lgz);
        g[1] = ppq - iv__digamma(q) + lga - lgz;
        g[2] = q / ga - (px + q) / (ga + x * z);
    }
    return ll;
}

/* ---- validation ------------------------------------------------------------------ */

static int check_spend(double x, double z, size_t i);

static int check_summary(double x, double tx, double T, size_t i)
{
    if (!(x >= 0) || !isfinite(x))
        return iv__error(IV_ERANGE, "customer %zu: x = %g must be finite and >= 0", i, x);
    /* T = 0 (first purchase on the calibration end day) is valid: x = t_x = 0 and the
     * likelihood is exactly 1 in both models; the predictions are those of a new customer */
    if (!(T >= 0) || !isfinite(T))
        return iv__error(IV_ERANGE, "customer %zu: T = %g must be finite and >= 0", i, T);
    if (!(tx >= 0) || !(tx <= T))
        return iv__error(IV_ERANGE, "customer %zu: t_x = %g must be in [0, T = %g]", i, tx, T);
    /* a repeat purchase needs time after the first one; no repeat purchase, no recency */
    if (x > 0 && T == 0)
        return iv__error(IV_ERANGE, "customer %zu: x = %g repeat purchases with T = 0 is "
                         "inconsistent (no time after the first purchase)", i, x);
    if (x == 0 && tx > 0)
        return iv__error(IV_ERANGE, "customer %zu: t_x = %g with x = 0 is inconsistent (t_x is "
                         "the time of the last repeat purchase, 0 without one)", i, tx);
    return IV_OK;
}

/* The per-customer check of any model: (x, t_x, T) for the continuous-time models,
 * (x, t_x, n) for BG/BB, (periods, churned) for sBG, (x, zbar) for Gamma-Gamma. */
static int check_row(int model, const double *x, const double *t_x, const double *T,
                     const double *zbar, size_t i)
{
    switch (model) {
    case IV_CLV_GG:
        return check_spend(x[i], zbar[i], i);
    case IV_CLV_BGBB:
        return iv__bgbb_check(x[i], t_x[i], T[i], i);
    case IV_CLV_SBG:
        return iv__sbg_check(x[i], t_x[i], i);
    default:
        return check_summary(x[i], t_x[i], T[i], i);
    }
}

static int check_spend(double x, double z, size_t i)
{
    if (!(x >= 0) || !isfinite(x))
        return iv__error(IV_ERANGE, "customer %zu: x = %g must be finite and >= 0", i, x);
    if (x > 0 && (!(z > 0) || !isfinite(z)))
        return iv__error(IV_ERANGE, "customer %zu: zbar = %g must be finite and > 0", i, z);
    return IV_OK;
}

int iv__clv_loglik_at(int model, const double *par, const double *x, const double *t_x,
                      const double *T, const double *zbar, size_t n, double *out)
{
    double sum = 0;
    size_t i;
    int rc;
    for (i = 0; i < n; i++) {
        if ((rc = check_row(model, x, t_x, T, zbar, i)) != IV_OK)
            return rc;
        if (model == IV_CLV_GG) {
            if (x[i] > 0)
                sum += gg_one(par, x[i], zbar[i], NULL);
        } else if (model == IV_CLV_BGBB) {
            sum += iv__bgbb_one(par, x[i], t_x[i], T[i], NULL);
        } else if (model == IV_CLV_SBG) {
            sum += iv__sbg_one(par, x[i], t_x[i], NULL);
        } else if (is_bg(model)) {
            bg_xterms c;
            int m = model == IV_CLV_MBGNBD;
            bg_terms(par, x[i], m, 0, &c);
            sum += bg_one(par, &c, m, x[i], t_x[i], T[i], NULL, NULL);
        } else {
            sum += pnbd_one(par, iv__lgamma_ratio(par[0], x[i]), x[i], t_x[i], T[i], NULL, NULL);
        }
    }
    *out = sum;
    return IV_OK;
}

/* ---- grouping identical summaries ------------------------------------------------ */

/* Distinct key tuples (up to three doubles) with their counts. */
typedef struct groups {
    size_t m;        /* distinct tuples */
    size_t cap;      /* rows allocated in k[] and w */
    double *k[4];
    double *w;       /* how many rows share the tuple */
} groups;

static void groups_free(const iv__alloc *a, groups *g)
{
    int d;
    for (d = 0; d < 4; d++)
        iv__free(a, g->k[d], g->cap * sizeof(double));
    iv__free(a, g->w, g->cap * sizeof(double));
    memset(g, 0, sizeof *g);
}

static uint64_t key_bits(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0.0; /* -0 and +0 are one key */
    memcpy(&u, &v, sizeof u);
    return u;
}

/* splitmix64 finaliser (Steele, Lea & Flood 2014) as the hash mixer */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* Group rows i < n by (src[0][i], ..., src[nk-1][i]), nk <= 4; rows with skip_zero set and
 * src[0][i] == 0 are left out, and rows of weight 0. map (may be NULL) receives each
 * row's group. wts (may be NULL: 1 each) gives each row's weight. */
static int group_rows(const iv__alloc *a, size_t n, const double *const *src, int nk,
                      int skip_zero, const double *wts, groups *g, uint32_t *map)
{
    size_t nslots = 16, i, mask;
    uint32_t *slots;
    int d;
    memset(g, 0, sizeof *g);
    if (n > UINT32_MAX - 1)
        return iv__error(IV_ERANGE, "too many customers (%zu)", n);
    while (nslots < 2 * n)
        nslots *= 2;
    mask = nslots - 1;
    slots = iv__calloc(a, nslots, sizeof *slots);
    g->cap = n ? n : 1;
    for (d = 0; d < nk; d++)
        g->k[d] = iv__malloc(a, g->cap * sizeof(double));
    g->w = iv__malloc(a, g->cap * sizeof(double));
    if (!slots || !g->w || !g->k[0] || (nk > 1 && !g->k[1]) || (nk > 2 && !g->k[2]) ||
        (nk > 3 && !g->k[3])) {
        iv__free(a, slots, nslots * sizeof *slots);
        groups_free(a, g);
        return iv__nomem("grouping customer summaries");
    }
    for (i = 0; i < n; i++) {
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        size_t s;
        if ((skip_zero && src[0][i] == 0) || (wts && wts[i] == 0))
            continue;
        for (d = 0; d < nk; d++)
            h = mix64(h ^ key_bits(src[d][i]));
        for (s = (size_t)h & mask;; s = (s + 1) & mask) {
            uint32_t e = slots[s];
            if (e == 0) {
                for (d = 0; d < nk; d++)
                    g->k[d][g->m] = src[d][i];
                g->w[g->m] = wts ? wts[i] : 1;
                slots[s] = (uint32_t)++g->m;
                e = slots[s];
            } else {
                for (d = 0; d < nk; d++)
                    if (key_bits(g->k[d][e - 1]) != key_bits(src[d][i]))
                        break;
                if (d < nk)
                    continue;
                g->w[e - 1] += wts ? wts[i] : 1;
            }
            if (map)
                map[i] = e - 1;
            break;
        }
    }
    iv__free(a, slots, nslots * sizeof *slots);
    return IV_OK;
}

int iv__clv_group_map(const iv__alloc *a, size_t n, const double *const *src, int nk, uint32_t *map,
                      size_t *m)
{
    groups g;
    int rc = group_rows(a, n, src, nk, 0, NULL, &g, map);
    if (rc == IV_OK) {
        *m = g.m;
        groups_free(a, &g);
    }
    return rc;
}

/* Put the groups of a grouping without a row map in ascending order of their keys (bit
 * patterns, -0 as +0, compared as unsigned integers, the first key first): the objective
 * and the default start sum over the groups in this order, so a fit depends only on the
 * multiset of rows, not on their order (a fit from merged partials, doc/SUMMARIES.md,
 * equals the fit from the store bit for bit). The groups' keys are distinct, so the order
 * is unique. An LSD radix sort of the groups' indices: 11-bit digits, from the last key's
 * lowest digit to the first key's highest, each pass a stable counting sort; a pass whose
 * digit is the same in every group is skipped (the integer counts x leave most of their
 * mantissa 0). A 2.4M-row log's 27,741 groups: ~1 ms, where qsort of the rows took 8-12. */
#define GS_BITS 11
#define GS_DIGITS 6 /* ceil(64 / GS_BITS) */
#define GS_RADIX (1u << GS_BITS)

static int groups_sort(const iv__alloc *a, groups *g, int nk)
{
    size_t m = g->m, j, i, *cnt;
    uint32_t *perm, *tmp;
    uint64_t *bits;
    double *col;
    int d, k, rc = IV_OK;
    if (m < 2)
        return IV_OK;
    perm = iv__malloc(a, m * sizeof *perm);
    tmp = iv__malloc(a, m * sizeof *tmp);
    bits = iv__malloc(a, m * sizeof *bits);
    col = iv__malloc(a, m * sizeof *col);
    cnt = iv__malloc(a, GS_DIGITS * GS_RADIX * sizeof *cnt);
    if (!perm || !tmp || !bits || !col || !cnt) {
        rc = iv__nomem("grouping customer summaries");
        goto out;
    }
    for (j = 0; j < m; j++)
        perm[j] = (uint32_t)j;
    for (d = nk - 1; d >= 0; d--) {
        for (j = 0; j < m; j++)
            bits[j] = key_bits(g->k[d][j]);
        memset(cnt, 0, GS_DIGITS * GS_RADIX * sizeof *cnt);
        for (j = 0; j < m; j++)
            for (k = 0; k < GS_DIGITS; k++)
                cnt[k * GS_RADIX + ((bits[j] >> (k * GS_BITS)) & (GS_RADIX - 1))]++;
        for (k = 0; k < GS_DIGITS; k++) {
            size_t *c = &cnt[k * GS_RADIX], sum = 0, b;
            uint32_t *sw;
            for (b = 0; b < GS_RADIX && c[b] != m; b++)
                ;
            if (b < GS_RADIX) /* one digit value in every group: the pass keeps the order */
                continue;
            for (b = 0; b < GS_RADIX; b++) { /* counts to starting positions */
                size_t n = c[b];
                c[b] = sum;
                sum += n;
            }
            for (i = 0; i < m; i++) {
                uint32_t e = perm[i];
                tmp[c[(bits[e] >> (k * GS_BITS)) & (GS_RADIX - 1)]++] = e;
            }
            sw = perm;
            perm = tmp;
            tmp = sw;
        }
    }
    for (d = 0; d <= nk; d++) { /* apply the order to each key column and the weights */
        double *v = d < nk ? g->k[d] : g->w;
        for (j = 0; j < m; j++)
            col[j] = v[perm[j]];
        memcpy(v, col, m * sizeof *v);
    }
out:
    iv__free(a, perm, m * sizeof *perm);
    iv__free(a, tmp, m * sizeof *tmp);
    iv__free(a, bits, m * sizeof *bits);
    iv__free(a, col, m * sizeof *col);
    iv__free(a, cnt, GS_DIGITS * GS_RADIX * sizeof *cnt);
    return rc;
}

/* ---- fitting ------------------------------------------------------------------------ */

/* What the objective sees: the distinct summaries, their weights, and for the
 * transaction models the distinct x values (xi[j] = index of k[0][j] among them). For
 * Pareto/NBD also the distinct (x, y) pairs, y = t_x or T, at which G(y) (pnbd_g_euler, the
 * costly 2F1 part) is evaluated once per pair: yi[2j], yi[2j+1] = the pairs of group j.
 * For BG/NBD and MBG/NBD gy holds the distinct y alone (log(alpha + y) once per y). */
typedef struct fitdata {
    int model;
    groups g;
    groups gx;        /* distinct x values (k[0]) */
    uint32_t *xi;
    void *scratch;    /* per distinct x: bg_xterms (Pareto/NBD uses lgr and dr) */
    size_t scratch_bytes;
    groups gy;        /* Pareto/NBD: distinct (x, y) */
    uint32_t *yi;
    hyp_tab tab;      /* Pareto/NBD: the Euler series' table of the current x */
    double *gc;       /* per pair: PN_SLOTS doubles, G, its 4 derivatives, log(alpha+y),
                       * log(beta+y); BG/NBD, MBG/NBD: log(alpha+y) per y */
    double pen;       /* penalty weight: the objective adds pen * sum (pscale_k theta_k)^2 */
    double pscale[4]; /* lifetimes' scaling of each parameter in its penalty (doc/CLV.md) */
    /* covariates (cov_setup): kp on the purchase rate, kd on the dropout rate; zp, zd
     * hold the used columns row by row (n x kp, n x kd), rep[j] a row of group j */
    size_t kp, kd, nrows;
    double *zp, *zd;
    uint32_t *rep;
    void *hscratch;   /* cov_hessian: 8 copies of the per-x terms (perturbed parameters) */
    double *lz;       /* Gamma-Gamma: log zbar of each group (objective_gg) */
} fitdata;

#define PN_SLOTS 7

static int unlog(size_t n, const double *u, double *p)
{
    size_t i;
    for (i = 0; i < n; i++) {
        p[i] = exp(u[i]);
        if (!(p[i] > 0) || !isfinite(p[i]))
            return 0;
    }
    return 1;
}

static double objective_cov(const double *u, double *gu, fitdata *fd);

/* -log L of Gamma-Gamma over the groups (gg_one's terms, the same expressions in the same
 * order, so the same bits), with the terms that depend only on the parameters computed
 * once (log gamma, log Gamma(q), psi(q)), those of one x once per x (the groups are
 * sorted by x: log x, log Gamma(px+q) - log Gamma(px), psi(px+q), psi(px)) and log zbar
 * once per fit (fd->lz): one libm call per group, log(gamma + x zbar), instead of 3 logs,
 * a log-gamma ratio and 3 digammas. gs receives the sums of d log f / d(p, q, gamma). */
static double objective_gg(const double *p, const fitdata *fd, double *gs)
{
    const groups *g = &fd->g;
    double q = p[1], ga = p[2], lga = log(ga), lgq = iv__lgamma(q), dq = 0, sum = 0;
    double x = NAN, px = 0, lx = 0, lgr = 0, ppq = 0, dpx = 0;
    size_t j;
    if (gs) {
        dq = iv__digamma(q);
        gs[0] = gs[1] = gs[2] = 0;
    }
    for (j = 0; j < g->m; j++) {
        double z = g->k[1][j], lz = fd->lz[j], lgz, l, w = g->w[j];
        if (j == 0 || g->k[0][j] != x) {
            x = g->k[0][j];
            px = p[0] * x;
            lx = log(x);
            lgr = iv__lgamma_ratio(px, q);
            if (gs) {
                ppq = iv__digamma(px + q);
                dpx = iv__digamma(px);
            }
        }
        lgz = log(ga + x * z);
        l = lgr - lgq + q * lga + px * lx + (px - 1) * lz - (px + q) * lgz;
        sum += w * l;
        if (gs) {
            gs[0] += w * (x * (ppq - dpx + lx + lz - lgz));
            gs[1] += w * (ppq - dq + lga - lgz);
            gs[2] += w * (q / ga - (px + q) / (ga + x * z));
        }
    }
    return sum;
}

/* -log L(exp(u)) over the groups, with its analytic gradient in u. */
static double objective(const double *u, double *gu, void *ud)
{
    fitdata *fd = ud;
    const groups *g = &fd->g;
    bg_xterms *c = fd->scratch;
    double p[4], sum = 0, gs[4] = {0, 0, 0, 0}, gi[4], *gc = fd->gc, lg[5];
    pn_shape sh = {0, 0, 0, 0};
    iv__bgbb_pass bp;
    size_t j, np = (size_t)iv__clv_npar(fd->model);
    int k;
    if (fd->kp + fd->kd > 0)
        return objective_cov(u, gu, fd);
    if (!unlog(np, u, p))
        return NAN;
    if (fd->model == IV_CLV_GG) {
        sum = objective_gg(p, fd, gu ? gs : NULL);
        goto done;
    }
    for (j = 0; j < fd->gx.m; j++) { /* the terms that depend only on x, once per x */
        double x = fd->gx.k[0][j];
        if (is_bg(fd->model)) {
            bg_terms(p, x, fd->model == IV_CLV_MBGNBD, gu != NULL, &c[j]);
        } else { /* Pareto/NBD: lbx holds log(s/(r+s+x)) (pnbd_combine) */
            c[j].lgr = iv__lgamma_ratio(p[0], x);
            c[j].dr = gu ? iv__digamma(p[0] + x) - iv__digamma(p[0]) : 0;
            c[j].lbx = log(p[2] / (p[0] + p[2] + x));
        }
    }
    if (is_bg(fd->model)) { /* log alpha, log a, log(alpha + y) per distinct y */
        lg[0] = log(p[1]);
        lg[1] = log(p[2]);
        for (j = 0; j < fd->gy.m; j++)
            gc[j] = log(p[1] + fd->gy.k[0][j]);
    }
    if (fd->model == IV_CLV_PARETO) {
        sh = pnbd_shape(p);
        lg[0] = log(p[1]);
        lg[1] = log(p[3]);
        /* G is NaN where the group takes the quadrature. The pairs come in the order of
         * the sorted groups, so by x: the series' table is rebuilt when x changes. */
        for (j = 0; j < fd->gy.m; j++) {
            double *q = &gc[PN_SLOTS * j], x = fd->gy.k[0][j], y = fd->gy.k[1][j];
            double a1 = p[0] + p[2] + x, b1 = sh.a_ge_b ? p[2] + 1 : p[0] + x;
            q[5] = log(p[1] + y);
            q[6] = log(p[3] + y);
            if (j == 0 || x != fd->gy.k[0][j - 1])
                hyp_tab_reset(&fd->tab, a1 + 1 - b1, a1 + 1);
            q[0] = pnbd_fit_series(&sh, y)
                     ? pnbd_g_euler(p, &sh, x, y, q[sh.a_ge_b ? 5 : 6], q[sh.a_ge_b ? 6 : 5],
                                    &fd->tab, gu ? q + 1 : NULL)
                     : NAN;
        }
    }
    for (j = 0; j < g->m; j++) {
        const double *k0 = g->k[0], *k1 = g->k[1], *k2 = g->k[2];
        double l;
        if (fd->model == IV_CLV_GG) {
            l = gg_one(p, k0[j], k1[j], gu ? gi : NULL);
        } else if (fd->model == IV_CLV_BGBB) {
            /* groups sorted by (x, t_x, n): one pass over the sum per (x, t_x) */
            if (j == 0 || k0[j] != k0[j - 1] || k1[j] != k1[j - 1] || k2[j] < k2[j - 1])
                iv__bgbb_pass_init(&bp, p, k0[j], k1[j], gu != NULL);
            l = iv__bgbb_pass_at(&bp, k2[j], gu ? gi : NULL);
        } else if (fd->model == IV_CLV_SBG) {
            l = iv__sbg_one(p, k0[j], k1[j], gu ? gi : NULL);
        } else if (is_bg(fd->model)) {
            lg[2] = gc[fd->yi[2 * j + 1]];
            lg[3] = gc[fd->yi[2 * j]];
            l = bg_one(p, &c[fd->xi[j]], fd->model == IV_CLV_MBGNBD, k0[j], k1[j], k2[j], lg,
                       gu ? gi : NULL);
        } else {
            const double *gtx = &gc[PN_SLOTS * fd->yi[2 * j]];
            const double *gT = &gc[PN_SLOTS * fd->yi[2 * j + 1]];
            double la0, dla0[4];
            if (pnbd_fit_series(&sh, k1[j]))
                la0 = pnbd_la0(gtx[0], gtx + 1, gT[0], gT + 1, gu ? dla0 : NULL);
            else
                la0 = pnbd_quad(p, k0[j], k1[j], k2[j], gu ? dla0 : NULL);
            lg[2] = gT[5];
            lg[3] = gT[6];
            lg[4] = c[fd->xi[j]].lbx;
            l = pnbd_combine(p, c[fd->xi[j]].lgr, c[fd->xi[j]].dr, k0[j], k2[j], la0, dla0, lg,
                             NULL, NULL, gu ? gi : NULL);
        }
        sum += g->w[j] * l;
        if (gu)
            for (k = 0; k < (int)np; k++)
                gs[k] += g->w[j] * gi[k];
    }
done:
    if (gu) /* chain rule: d/du = theta d/dtheta; minimising -log L */
        for (k = 0; k < (int)np; k++)
            gu[k] = -gs[k] * p[k];
    if (fd->pen > 0) /* + pen sum th_k^2, th_k = pscale_k theta_k: d/du_k = 2 pen th_k^2 */
        for (k = 0; k < (int)np; k++) {
            double th = fd->pscale[k] * p[k];
            sum -= fd->pen * th * th;
            if (gu)
                gu[k] += 2 * fd->pen * th * th;
        }
    return isfinite(sum) ? -sum : NAN;
}

/* Row `row` of a customers-by-k covariate matrix (NULL when there are no columns: the
 * matrix is then NULL too, and NULL + 0 is undefined). */
static const double *zrow(const double *z, size_t row, size_t k)
{
    return k ? z + row * k : NULL;
}

/* Whether rows a and b of a customers-by-k covariate matrix are equal. */
static int zsame(const double *z, size_t a, size_t b, size_t k)
{
    return k == 0 || memcmp(z + a * k, z + b * k, k * sizeof *z) == 0;
}

/* The per-x terms of every distinct x at the model's parameters p (natural scale). */
static void cov_xterms(const fitdata *fd, const double *p, int want_grad, bg_xterms *c)
{
    size_t j;
    for (j = 0; j < fd->gx.m; j++) {
        double x = fd->gx.k[0][j];
        if (is_bg(fd->model)) {
            bg_terms(p, x, fd->model == IV_CLV_MBGNBD, want_grad, &c[j]);
        } else {
            c[j].lgr = iv__lgamma_ratio(p[0], x);
            c[j].dr = want_grad ? iv__digamma(p[0] + x) - iv__digamma(p[0]) : 0;
        }
    }
}

/* Group j's own parameters pj = (r, alpha_j, a|s, b|beta_j) at u, with *fp =
 * exp(-gamma_purchase . z_j) and *fdr = exp(-gamma_dropout . z_j) (1 for BG/NBD);
 * 0 when a rate is not a positive finite number. */
static int cov_rates(const fitdata *fd, const double *u, const double *p, size_t j, double *pj,
                     double *fp, double *fdr)
{
    const double *zp = zrow(fd->zp, fd->rep[j], fd->kp);
    const double *zd = zrow(fd->zd, fd->rep[j], fd->kd);
    const double *gp = u + 4, *gd = u + 4 + fd->kp;
    double ep = 0, ed = 0;
    size_t k;
    for (k = 0; k < fd->kp; k++)
        ep += gp[k] * zp[k];
    for (k = 0; k < fd->kd; k++)
        ed += gd[k] * zd[k];
    *fp = exp(-ep);
    *fdr = exp(-ed);
    pj[0] = p[0];
    pj[1] = p[1] * *fp;
    pj[2] = p[2];
    pj[3] = is_bg(fd->model) ? p[3] : p[3] * *fdr;
    return pj[1] > 0 && isfinite(pj[1]) && pj[3] > 0 && isfinite(pj[3]);
}

/* One customer's log L at their own parameters pj, c the terms of their x; gi (may be
 * NULL) receives d log L / d pj. */
static double cov_one(const fitdata *fd, const double *pj, const bg_xterms *c, size_t j,
                      double *gi)
{
    double x = fd->g.k[0][j], tx = fd->g.k[1][j], T = fd->g.k[2][j];
    if (is_bg(fd->model)) {
        return bg_one(pj, c, fd->model == IV_CLV_MBGNBD, x, tx, T, NULL, gi);
    } else {
        pn_shape sh = pnbd_shape(pj);
        double dla0[4], la0 = pnbd_a0_cov(pj, &sh, x, tx, T, gi ? dla0 : NULL);
        return pnbd_combine(pj, c->lgr, c->dr, x, T, la0, dla0, NULL, NULL, NULL, gi);
    }
}

/* The objective with covariates (BG/NBD and MBG/NBD on the purchase rate, Pareto/NBD on
 * both rates): u = (log r, log alpha, log a|s, log b|beta, gamma_purchase,
 * gamma_dropout); customer i has alpha_i = alpha exp(-gamma_purchase . z_i) and (Pareto/NBD)
 * beta_i = beta exp(-gamma_dropout . z_i) in the plain model's likelihood. With
 * d log L / d(rate_i) from the kernels, d/d log rate = that times rate_i and d/d gamma_k =
 * -that times rate_i z_ik. The gradient is summed on the parameters' scale as in
 * objective(), so that covariates equal to 0 give the same numbers. */
static double objective_cov(const double *u, double *gu, fitdata *fd)
{
    const groups *g = &fd->g;
    bg_xterms *c = fd->scratch;
    double p[4], sum = 0, gs[IV__OPTIM_MAX_N], gi[4];
    size_t j, k, nt = 4 + fd->kp + fd->kd;
    int bg = is_bg(fd->model);
    if (!unlog(4, u, p))
        return NAN;
    for (k = 0; k < nt; k++)
        gs[k] = 0;
    cov_xterms(fd, p, gu != NULL, c);
    for (j = 0; j < g->m; j++) {
        const double *zp = zrow(fd->zp, fd->rep[j], fd->kp);
        const double *zd = zrow(fd->zd, fd->rep[j], fd->kd);
        double fp, fdr, pj[4], l, w = g->w[j];
        if (!cov_rates(fd, u, p, j, pj, &fp, &fdr))
            return NAN;
        l = cov_one(fd, pj, &c[fd->xi[j]], j, gu ? gi : NULL);
        sum += w * l;
        if (gu) {
            gs[0] += w * gi[0];
            gs[1] += w * gi[1] * fp;
            gs[2] += w * gi[2];
            gs[3] += w * gi[3] * (bg ? 1 : fdr);
            for (k = 0; k < fd->kp; k++)
                gs[4 + k] -= w * gi[1] * pj[1] * zp[k];
            for (k = 0; k < fd->kd; k++)
                gs[4 + fd->kp + k] -= w * gi[3] * pj[3] * zd[k];
        }
    }
    if (gu) {
        for (k = 0; k < 4; k++)
            gu[k] = -gs[k] * p[k];
        for (k = 4; k < nt; k++)
            gu[k] = -gs[k];
    }
    if (fd->pen > 0) /* the penalty on the model's own parameters, as without covariates */
        for (k = 0; k < 4; k++) {
            double th = fd->pscale[k] * p[k];
            sum -= fd->pen * th * th;
            if (gu)
                gu[k] += 2 * fd->pen * th * th;
        }
    return isfinite(sum) ? -sum : NAN;
}

/* Steps (on the log scale) of the per-customer differences in cov_hessian_at: central
 * for the standard errors, forward (half the kernel evaluations) for the optimiser. */
#define IV__COV_HSTEP 1e-5
#define IV__COV_HSTEP_FWD 1e-6

/* The Hessian of objective_cov in u, from each customer's 4 x 4 Hessian in their own
 * log-parameters v_i = (log r, log alpha_i, log a|s, log b|beta_i): v_i is linear in u
 * (log alpha_i = u_1 - gamma_purchase . z_i, log beta_i likewise), so H_u = -sum_i w_i
 * J_i' H_i J_i exactly, J_i = dv_i/du (each column of J_i has one non-zero entry: 1, or
 * -z_ik for a coefficient). H_i comes from differences of the customer's analytic
 * gradient: central (8 kernel evaluations per customer, against 2 x (4 + covariates)
 * evaluations of the whole objective for differences in u) or forward (5); the penalty
 * adds 4 pen (pscale_k theta_k)^2 to the diagonal. Returns 0 when it is not finite. */
static int cov_hessian_at(const double *u, double *H, fitdata *fd, int central)
{
    const groups *g = &fd->g;
    size_t nt = 4 + fd->kp + fd->kd, j, a, b, k;
    int row[IV__OPTIM_MAX_N], m, sg, ok = 1;
    double p[4], coef[IV__OPTIM_MAX_N], h = central ? IV__COV_HSTEP : IV__COV_HSTEP_FWD;
    double e[2];
    bg_xterms *cx = fd->hscratch;
    if (!unlog(4, u, p) || !cx)
        return 0;
    e[0] = exp(h);
    e[1] = central ? exp(-h) : 1; /* forward: slot 1 holds the unperturbed terms */
    for (m = 0; m < 4; m++)
        for (sg = 0; sg < 2; sg++) {
            double pm[4];
            memcpy(pm, p, sizeof pm);
            pm[m] *= e[sg];
            if (central || sg == 0 || m == 0)
                cov_xterms(fd, pm, 1, cx + (size_t)(2 * m + sg) * fd->gx.m);
        }
    for (a = 0; a < nt * nt; a++)
        H[a] = 0;
    for (a = 0; a < nt; a++) { /* the non-zero entry of column a of J_i: row, sign */
        row[a] = a < 4 ? (int)a : a < 4 + fd->kp ? 1 : 3;
        coef[a] = a < 4 ? 1 : -1;
    }
    for (j = 0; j < g->m && ok; j++) {
        const double *zp = zrow(fd->zp, fd->rep[j], fd->kp);
        const double *zd = zrow(fd->zd, fd->rep[j], fd->kd);
        double pj[4], fp, fdr, Hi[4][4], c[IV__OPTIM_MAX_N], w = g->w[j], g0[4];
        if (!cov_rates(fd, u, p, j, pj, &fp, &fdr))
            return 0;
        if (!central) { /* the customer's gradient in v_i at v_i */
            cov_one(fd, pj, cx + (size_t)1 * fd->gx.m + fd->xi[j], j, g0);
            for (k = 0; k < 4; k++)
                g0[k] *= pj[k];
        }
        for (m = 0; m < 4; m++) {
            double gpm[2][4];
            for (sg = 0; sg < (central ? 2 : 1); sg++) {
                double q[4];
                memcpy(q, pj, sizeof q);
                q[m] *= e[sg];
                cov_one(fd, q, cx + (size_t)(2 * m + sg) * fd->gx.m + fd->xi[j], j, gpm[sg]);
                for (k = 0; k < 4; k++) /* d log L / d log q_k */
                    gpm[sg][k] *= q[k];
            }
            for (k = 0; k < 4; k++)
                Hi[k][m] = central ? (gpm[0][k] - gpm[1][k]) / (2 * h) : (gpm[0][k] - g0[k]) / h;
        }
        for (k = 0; k < 4; k++)
            for (m = 0; m < (int)k; m++)
                Hi[k][m] = Hi[m][k] = 0.5 * (Hi[k][m] + Hi[m][k]);
        for (a = 0; a < nt; a++)
            c[a] = a < 4 ? 1 : a < 4 + fd->kp ? zp[a - 4] : zd[a - 4 - fd->kp];
        for (a = 0; a < nt; a++)
            for (b = a; b < nt; b++)
                H[a * nt + b] -= w * coef[a] * c[a] * coef[b] * c[b] * Hi[row[a]][row[b]];
        if (!isfinite(H[0]))
            ok = 0;
    }
    for (a = 0; a < nt; a++)
        for (b = 0; b < a; b++)
            H[a * nt + b] = H[b * nt + a];
    if (fd->pen > 0)
        for (k = 0; k < 4; k++) {
            double th = fd->pscale[k] * p[k];
            H[k * nt + k] += 4 * fd->pen * th * th;
        }
    for (a = 0; a < nt * nt; a++)
        if (!isfinite(H[a]))
            ok = 0;
    return ok;
}

/* The outer-product (BHHH) approximation of the Hessian of objective_cov in u, sum_i w_i
 * g_i g_i' with g_i customer i's gradient in u: one kernel pass, positive semi-definite,
 * and close to the observed information near the maximum (Berndt, Hall, Hall & Hausman
 * 1974). The start of BFGS (an iv__hessian_fn); Newton and the standard errors use the
 * true Hessian. */
static int cov_bhhh(const double *u, double *H, void *ud)
{
    fitdata *fd = ud;
    const groups *g = &fd->g;
    bg_xterms *c = fd->scratch;
    size_t nt = 4 + fd->kp + fd->kd, j, a, b, k;
    double p[4];
    int bg = is_bg(fd->model);
    if (!unlog(4, u, p))
        return 0;
    cov_xterms(fd, p, 1, c);
    for (a = 0; a < nt * nt; a++)
        H[a] = 0;
    for (j = 0; j < g->m; j++) {
        const double *zp = zrow(fd->zp, fd->rep[j], fd->kp);
        const double *zd = zrow(fd->zd, fd->rep[j], fd->kd);
        double fp, fdr, pj[4], gi[4], d[IV__OPTIM_MAX_N], w = g->w[j];
        if (!cov_rates(fd, u, p, j, pj, &fp, &fdr))
            return 0;
        cov_one(fd, pj, &c[fd->xi[j]], j, gi);
        for (k = 0; k < 4; k++)
            d[k] = gi[k] * pj[k]; /* d log L_i / d v_i */
        if (bg)
            d[3] = gi[3] * p[3];
        for (k = 0; k < fd->kp; k++)
            d[4 + k] = -d[1] * zp[k];
        for (k = 0; k < fd->kd; k++)
            d[4 + fd->kp + k] = -d[3] * zd[k];
        for (a = 0; a < nt; a++)
            for (b = a; b < nt; b++)
                H[a * nt + b] += w * d[a] * d[b];
    }
    for (a = 0; a < nt; a++)
        for (b = 0; b < a; b++)
            H[a * nt + b] = H[b * nt + a];
    for (a = 0; a < nt * nt; a++)
        if (!isfinite(H[a]))
            return 0;
    return 1;
}

/* The optimiser's Hessian (an iv__hessian_fn: Newton's steps and decrement): forward
 * differences, accurate to about 1e-6 relative, which only steers. */
static int cov_hessian(const double *u, double *H, void *ud)
{
    return cov_hessian_at(u, H, ud, 0);
}

static void fitdata_free(const iv__alloc *a, fitdata *fd)
{
    iv__free(a, fd->zp, fd->nrows * fd->kp * sizeof *fd->zp);
    iv__free(a, fd->zd, fd->nrows * fd->kd * sizeof *fd->zd);
    iv__free(a, fd->rep, fd->g.cap * sizeof *fd->rep);
    iv__free(a, fd->xi, fd->g.cap * sizeof *fd->xi);
    iv__free(a, fd->scratch, fd->scratch_bytes);
    iv__free(a, fd->hscratch, 8 * fd->scratch_bytes);
    iv__free(a, fd->yi, 2 * fd->g.cap * sizeof *fd->yi);
    iv__free(a, fd->gc, (fd->model == IV_CLV_PARETO ? PN_SLOTS : 1) * fd->gy.cap * sizeof *fd->gc);
    iv__free(a, fd->tab.e, 5 * HYP_TAB_CAP * sizeof *fd->tab.e);
    iv__free(a, fd->lz, fd->g.cap * sizeof *fd->lz);
    groups_free(a, &fd->g);
    groups_free(a, &fd->gx);
    groups_free(a, &fd->gy);
}

/* Pareto/NBD: the distinct (x, t_x) and (x, T) pairs of the groups; BG/NBD and MBG/NBD:
 * the distinct values among t_x and T. */
static int pairs_build(const iv__alloc *a, fitdata *fd)
{
    const groups *g = &fd->g;
    size_t j, m2 = 2 * g->m, slots = fd->model == IV_CLV_PARETO ? PN_SLOTS : 1;
    int nk = fd->model == IV_CLV_PARETO ? 2 : 1;
    double *kx = iv__malloc(a, m2 * sizeof *kx), *ky = iv__malloc(a, m2 * sizeof *ky);
    const double *src[2];
    int rc = IV_OK;
    fd->yi = iv__malloc(a, 2 * g->cap * sizeof *fd->yi);
    if (!kx || !ky || !fd->yi)
        rc = iv__nomem("grouping customer summaries");
    for (j = 0; rc == IV_OK && j < g->m; j++) {
        kx[2 * j] = kx[2 * j + 1] = g->k[0][j];
        ky[2 * j] = g->k[1][j];
        ky[2 * j + 1] = g->k[2][j];
    }
    src[0] = nk == 2 ? kx : ky;
    src[1] = ky;
    if (rc == IV_OK)
        rc = group_rows(a, m2, src, nk, 0, NULL, &fd->gy, fd->yi);
    iv__free(a, kx, m2 * sizeof *kx);
    iv__free(a, ky, m2 * sizeof *ky);
    if (rc == IV_OK && !(fd->gc = iv__malloc(a, slots * fd->gy.cap * sizeof *fd->gc)))
        rc = iv__nomem("fit workspace");
    if (rc == IV_OK && fd->model == IV_CLV_PARETO &&
        !(fd->tab.e = iv__malloc(a, 5 * HYP_TAB_CAP * sizeof *fd->tab.e)))
        rc = iv__nomem("fit workspace");
    return rc;
}

/* With covariates: group by (x, t_x, T, a hash of the row's covariates) and keep a row of
 * each group (fd->rep); every row is checked against its group's row, and a hash
 * collision (two different covariate rows in one group) makes every row its own group. */
static int cov_group(const iv__alloc *a, fitdata *fd, const double *x, const double *t_x,
                     const double *T, size_t n, const double *wts)
{
    const double *src[4];
    double *hz = iv__malloc(a, (n ? n : 1) * sizeof *hz);
    uint32_t *map = iv__malloc(a, (n ? n : 1) * sizeof *map);
    size_t i, k, j;
    int rc = IV_OK, pass;
    if (!hz || !map) {
        iv__free(a, hz, (n ? n : 1) * sizeof *hz);
        iv__free(a, map, (n ? n : 1) * sizeof *map);
        return iv__nomem("grouping customer summaries");
    }
    for (i = 0; i < n; i++) {
        uint64_t h = 0x51ed270b27a3c9e1ULL;
        for (k = 0; k < fd->kp; k++)
            h = mix64(h ^ key_bits(fd->zp[i * fd->kp + k]));
        for (k = 0; k < fd->kd; k++)
            h = mix64(h ^ key_bits(fd->zd[i * fd->kd + k]) ^ 0x2545f4914f6cdd1dULL);
        h &= 0x7fefffffffffffffULL; /* a finite non-negative double's bits: one key each */
        memcpy(&hz[i], &h, sizeof h);
    }
    src[0] = x;
    src[1] = t_x;
    src[2] = T;
    src[3] = hz;
    for (pass = 0; pass < 2; pass++) {
        int clash = 0;
        if (pass == 1) /* a collision: no grouping across rows */
            for (i = 0; i < n; i++)
                hz[i] = (double)i;
        if ((rc = group_rows(a, n, src, 4, 0, wts, &fd->g, map)) != IV_OK)
            break;
        if (!(fd->rep = iv__malloc(a, fd->g.cap * sizeof *fd->rep))) {
            rc = iv__nomem("grouping customer summaries");
            break;
        }
        for (j = 0; j < fd->g.m; j++)
            fd->rep[j] = UINT32_MAX;
        for (i = 0; i < n && !clash; i++) {
            uint32_t r;
            if (wts && wts[i] == 0)
                continue;
            if (fd->rep[map[i]] == UINT32_MAX) {
                fd->rep[map[i]] = (uint32_t)i;
                continue;
            }
            r = fd->rep[map[i]];
            clash = !zsame(fd->zp, r, i, fd->kp) || !zsame(fd->zd, r, i, fd->kd);
        }
        if (!clash)
            break;
        iv__free(a, fd->rep, fd->g.cap * sizeof *fd->rep);
        fd->rep = NULL;
        groups_free(a, &fd->g);
    }
    iv__free(a, hz, n * sizeof *hz);
    iv__free(a, map, n * sizeof *map);
    return rc;
}

/* Validate, group, and index the distinct x values. With covariates (fd->kp, kd, zp, zd
 * set by the caller, owned by fd from here) the groups also split by covariates. */
static int fitdata_build(const iv__alloc *a, fitdata *fd, int model, const double *x,
                         const double *t_x, const double *T, const double *zbar, size_t n,
                         const double *wts)
{
    const double *src[3];
    size_t i;
    int rc, nk = model == IV_CLV_GG || model == IV_CLV_SBG ? 2 : 3;
    size_t kp = fd->kp, kd = fd->kd;
    double *zp = fd->zp, *zd = fd->zd;
    memset(fd, 0, sizeof *fd);
    fd->kp = kp;
    fd->kd = kd;
    fd->zp = zp;
    fd->zd = zd;
    fd->nrows = n;
    fd->model = model;
    for (i = 0; i < 4; i++)
        fd->pscale[i] = 1;
    for (i = 0; i < n; i++) {
        if ((rc = check_row(model, x, t_x, T, zbar, i)) != IV_OK) {
            fitdata_free(a, fd);
            return rc;
        }
        if (wts && (!(wts[i] >= 0) || !isfinite(wts[i]))) {
            fitdata_free(a, fd);
            return iv__error(IV_ERANGE, "customer %zu: weight %g must be finite and >= 0", i,
                             wts[i]);
        }
    }
    src[0] = x;
    src[1] = model == IV_CLV_GG ? zbar : t_x;
    src[2] = T;
    if (kp + kd > 0)
        rc = cov_group(a, fd, x, t_x, T, n, wts);
    else
        rc = group_rows(a, n, src, nk, model == IV_CLV_GG, wts, &fd->g, NULL);
    if (rc == IV_OK && kp + kd == 0)
        rc = groups_sort(a, &fd->g, nk);
    if (rc != IV_OK) {
        fitdata_free(a, fd);
        return rc;
    }
    if (model == IV_CLV_GG) { /* log zbar once per group (objective_gg) */
        if (!(fd->lz = iv__malloc(a, fd->g.cap * sizeof *fd->lz))) {
            fitdata_free(a, fd);
            return iv__nomem("fit workspace");
        }
        for (i = 0; i < fd->g.m; i++)
            fd->lz[i] = log(fd->g.k[1][i]);
    }
    if (model == IV_CLV_GG || model == IV_CLV_BGBB || model == IV_CLV_SBG)
        return IV_OK;
    fd->xi = iv__malloc(a, fd->g.cap * sizeof *fd->xi);
    if (!fd->xi) {
        fitdata_free(a, fd);
        return iv__nomem("grouping customer summaries");
    }
    src[0] = fd->g.k[0];
    if ((rc = group_rows(a, fd->g.m, src, 1, 0, NULL, &fd->gx, fd->xi)) != IV_OK) {
        fitdata_free(a, fd);
        return rc;
    }
    fd->scratch_bytes = fd->gx.cap * sizeof(bg_xterms);
    fd->scratch = iv__malloc(a, fd->scratch_bytes);
    if (kp + kd > 0)
        fd->hscratch = iv__malloc(a, 8 * fd->scratch_bytes);
    if (!fd->scratch || (kp + kd > 0 && !fd->hscratch)) {
        fitdata_free(a, fd);
        return iv__nomem("fit workspace");
    }
    if (kp + kd == 0 && (rc = pairs_build(a, fd)) != IV_OK) {
        fitdata_free(a, fd);
        return rc;
    }
    return IV_OK;
}

int iv__clv_grad_at(int model, const double *par, const double *x, const double *t_x,
                    const double *T, const double *zbar, size_t n, double *ll, double *grad)
{
    iv__alloc a;
    fitdata fd;
    double u[4] = {0, 0, 0, 0}, gu[4];
    int rc, k, np = iv__clv_npar(model);
    if (np == 0 || !par || !x || !ll || !grad || (model == IV_CLV_GG ? !zbar : !t_x) ||
        (model != IV_CLV_GG && model != IV_CLV_SBG && !T))
        return iv__error(IV_EINVAL, "iv__clv_grad_at: NULL argument or unknown model");
    iv__alloc_init(&a, NULL, NULL);
    memset(&fd, 0, sizeof fd);
    if ((rc = fitdata_build(&a, &fd, model, x, t_x, T, zbar, n, NULL)) != IV_OK)
        return rc;
    for (k = 0; k < np; k++)
        u[k] = log(par[k]);
    *ll = -objective(u, gu, &fd);
    for (k = 0; k < np; k++) /* d/dtheta = (d/du) / theta, and the objective is -log L */
        grad[k] = -gu[k] / par[k];
    fitdata_free(&a, &fd);
    return IV_OK;
}

/* Default starting values (doc/CLV.md): unit shape parameters and rate parameters
 * set from the data's own scale, so the start does not depend on the time or money
 * unit. */
static int default_start(const fitdata *fd, double *p)
{
    const groups *g = &fd->g;
    double sw = 0, sx = 0, sT = 0;
    size_t j;
    if (fd->model == IV_CLV_BGBB || fd->model == IV_CLV_SBG) { /* uniform mixing distributions */
        p[0] = p[1] = p[2] = p[3] = 1;
        return IV_OK;
    }
    for (j = 0; j < g->m; j++) {
        sw += g->w[j];
        sx += g->w[j] * g->k[0][j];
        sT += g->w[j] * (fd->model == IV_CLV_GG ? g->k[1][j] : g->k[2][j]);
    }
    if (fd->model == IV_CLV_GG) { /* p = 1, q = 2: mean spend p gamma / (q - 1) = gamma */
        p[0] = 1;
        p[1] = 2;
        p[2] = sT / sw;
        return IV_OK;
    }

    if (!(sT > 0)) /* every likelihood term is 1 whatever the parameters */
        return iv__error(IV_EUNDEFINED, "every customer has T = 0 (first purchase at the "
                         "calibration end): the data say nothing about the parameters");
    /* r = 1 and alpha so that r / alpha is the observed repeat rate sum x / sum T */
    p[0] = 1;
    p[1] = sT / (sx > 0 ? sx : 1);
    p[2] = 1;
    p[3] = is_bg(fd->model) ? 1 : p[1];
    return IV_OK;
}

/* What parameters running to a boundary mean, when that is known: k0 (and k1 >= 0 when
 * a pair moves together), up = towards infinity. */
static const char *boundary_meaning(int model, int k0, int k1, int up)
{
    if (model == IV_CLV_SBG)
        return k1 >= 0 && up ? "cancellation probabilities do not vary between customers"
               : k1 < 0 && ((k0 == 0 && !up) || (k0 == 1 && up)) ? "the data show no cancellation"
                                                                 : NULL;
    if (model == IV_CLV_BGBB)
        return k1 >= 0 && up ? (k0 == 0 ? "transaction probabilities do not vary between customers"
                                        : "dropout probabilities do not vary between customers")
               : k1 < 0 && ((k0 == 2 && !up) || (k0 == 3 && up)) ? "the data show no dropout"
                                                                 : NULL;
    if (model == IV_CLV_GG)
        return k1 >= 0 && up ? "mean spends do not vary between customers" : NULL;
    if (k1 < 0 && ((k0 == 2 && !up) || (k0 == 3 && up))) /* a or s -> 0, b or beta -> inf */
        return "the data show no dropout";
    if (k1 >= 0 && up) /* a gamma (or beta) mixing distribution losing its spread */
        return k0 == 0 ? "purchase rates do not vary between customers"
               : is_bg(model) ? "dropout probabilities do not vary between customers"
                                       : "dropout rates do not vary between customers";
    return NULL;
}

/* A maximum on the boundary of the parameter space: the likelihood keeps rising (or stays
 * within 0.01) as a parameter goes to 0 or infinity (e.g. a -> 0 in BG/NBD when the data
 * show no dropout), or as a shape and its rate go to infinity together (the mixing
 * distribution degenerates to a point: s, beta -> infinity in Pareto/NBD when every
 * customer has the same dropout rate). Checked for every parameter, and every shape-rate
 * pair, that ended more than a factor e^9 (~8100) away from its data-scaled start, by
 * moving it (them) a factor e^5 further. Returns IV_OK, or IV_EUNDEFINED with a message
 * naming the parameters. */
static int boundary_check(fitdata *fd, int model, const double *u0, const double *u, double f,
                          size_t nt)
{
    const char *const *names = param_names[model];
    /* single parameters, then the shape-rate pairs (r, alpha), (a, b) or (s, beta), (q, gamma) */
    static const int cand[][2] = {{0, -1}, {1, -1}, {2, -1}, {3, -1}, {0, 1}, {2, 3}, {1, 2}};
    char which[200] = "";
    const char *meaning = NULL;
    size_t used = 0, c;
    int np = iv__clv_npar(model);
    for (c = 0; c < sizeof cand / sizeof cand[0]; c++) {
        int k0 = cand[c][0], k1 = cand[c][1], up = u[k0] > u0[k0];
        double ut[IV__OPTIM_MAX_N], ft;
        if (k0 >= np || k1 >= np || (k1 >= 0 && (model == IV_CLV_GG) != (c == 6)) ||
            !(fabs(u[k0] - u0[k0]) > 9) || (k1 >= 0 && (!(fabs(u[k1] - u0[k1]) > 9) ||
                                                        (u[k1] > u0[k1]) != up)))
            continue;
        memcpy(ut, u, nt * sizeof *ut);
        ut[k0] += up ? 5 : -5;
        if (k1 >= 0)
            ut[k1] += up ? 5 : -5;
        ft = objective(ut, NULL, fd);
        if (!(ft <= f + 0.01))
            continue;
        if (used < sizeof which)
            used += (size_t)snprintf(which + used, sizeof which - used, "%s%s%s%s -> %s (%s = %.3g)",
                                     used ? "; " : "", names[k0], k1 >= 0 ? " and " : "",
                                     k1 >= 0 ? names[k1] : "", up ? "infinity" : "0",
                                     names[k0], exp(u[k0]));
        if (!meaning)
            meaning = boundary_meaning(model, k0, k1, up);
    }
    if (!used)
        return IV_OK;
    return iv__error(IV_EUNDEFINED, "%s: the likelihood has no maximum inside the parameter "
                     "space: it rises towards %s (log-likelihood %.2f)%s%s; the maximum-"
                     "likelihood estimate does not exist for these data", model_name(model),
                     which, -f, meaning ? ": " : "", meaning ? meaning : "");
}

static int clv_alloc(iv_clv **out, int model, const iv__alloc *a)
{
    int k;
    iv_clv *c = iv__malloc(a, sizeof *c);
    if (!c)
        return iv__nomem("CLV model");
    memset(c, 0, sizeof *c);
    c->alloc = *a;
    c->model = model;
    c->loglik = NAN;
    for (k = 0; k < IV__CLV_MAXP; k++)
        c->par[k] = c->se[k] = NAN;
    *out = c;
    return IV_OK;
}

/* the size of iv_clv_options in libiv 1.0/1.1 (before penalizer and weights) */
#define IV__CLV_OPTIONS_V1_SIZE offsetof(iv_clv_options, penalizer)

int iv_clv_options_init(iv_clv_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_clv_options, IV_CLV_OPTIONS_INIT, opts, size, sizeof(size_t));
}

static int resolve_options(const iv_clv_options *opts, iv_clv_options *o, iv__alloc *a)
{
    int rc;
    memset(o, 0, sizeof *o);
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, IV__CLV_OPTIONS_V1_SIZE,
                                    sizeof(iv_clv_options), "iv_clv_options")) != IV_OK)
            return rc;
        memcpy(o, opts, IV__MIN(opts->size, sizeof *o));
    }
    if (o->max_iterations < 0 || o->tolerance < 0 || isnan(o->tolerance))
        return iv__error(IV_EINVAL, "iv_clv_options: max_iterations and tolerance must be >= 0");
    if (!(o->penalizer >= 0) || !isfinite(o->penalizer))
        return iv__error(IV_EINVAL, "iv_clv_options: penalizer %g must be finite and >= 0",
                         o->penalizer);
    iv__alloc_init(a, o->alloc, o->alloc_ud);
    return IV_OK;
}

/* The penalty of lifetimes' penalizer_coef for this model (doc/CLV.md): lifetimes
 * minimises -sum(w LL)/sum(w) + lambda sum theta^2 (BG/NBD, MBG/NBD, BG/BB, GG, and here
 * sBG) or -sum(w LL)/mean(w) + lambda sum theta^2 (Pareto/NBD), with the rate parameters
 * of BG/NBD, MBG/NBD and Pareto/NBD in time units scaled so that the largest T is 1. The
 * fit minimises -sum(w LL) + pen sum (pscale theta)^2, the same minimiser. */
static void penalty_setup(fitdata *fd, double lambda, const double *T, size_t n)
{
    double sw = 0, tmax = 0;
    size_t j;
    for (j = 0; j < fd->g.m; j++)
        sw += fd->g.w[j];
    fd->pen = fd->model == IV_CLV_PARETO ? lambda * sw / (double)n : lambda * sw;
    if (lambda > 0 && fd->model != IV_CLV_GG && fd->model != IV_CLV_BGBB &&
        fd->model != IV_CLV_SBG) {
        for (j = 0; j < n; j++)
            tmax = IV__MAX(tmax, T[j]);
        if (tmax > 0) {
            fd->pscale[1] = 1 / tmax;
            if (fd->model == IV_CLV_PARETO)
                fd->pscale[3] = 1 / tmax;
        }
    }
}

/* Standard errors from the observed information: the Hessian of the objective in
 * u = log theta by central differences of its analytic gradient, H_theta = (H_u -
 * diag(g_u)) / (theta theta'), its inverse by Cholesky; NaN when it is not positive
 * definite (no strict maximum in that direction). */
/* gu (may be NULL) is the objective's gradient at u, as the optimiser returned it. */
static void standard_errors(fitdata *fd, int np, const double *u, const double *gu, double *se)
{
    /* np parameters on the log scale, then the covariates' coefficients on their own */
    double H[IV__OPTIM_MAX_N * IV__OPTIM_MAX_N], C[IV__OPTIM_MAX_N * IV__OPTIM_MAX_N];
    double g[IV__OPTIM_MAX_N];
    int k, nt = np + (int)(fd->kp + fd->kd);
    for (k = 0; k < nt; k++)
        se[k] = NAN;
    if (fd->kp + fd->kd > 0 ? !cov_hessian_at(u, H, fd, 1)
                            : iv__optim_hessian(objective, fd, (size_t)nt, u, 1e-5, H) != IV_OK)
        return;
    if (gu)
        memcpy(g, gu, (size_t)nt * sizeof *g);
    else if (!isfinite(objective(u, g, fd)))
        return;
    for (k = 0; k < np; k++)
        H[k * nt + k] -= g[k];
    if (!iv__optim_spd_inverse((size_t)nt, H, C))
        return;
    for (k = 0; k < nt; k++)
        se[k] = C[k * nt + k] >= 0 ? (k < np ? exp(u[k]) : 1) * sqrt(C[k * nt + k]) : NAN;
}

/* The covariates of a fit as given (kp then kd columns) and which of them the fit uses:
 * a column that is 0 for every customer is left out (its coefficient is reported as 0
 * with an undefined standard error), so that all-zero covariates give the plain fit. */
typedef struct cov_plan {
    size_t kp, kd;
    int col[IV__CLV_MAXCOV]; /* index among the fitted coefficients, -1 when left out */
    char name[IV__CLV_MAXCOV][IV__CLV_NAMECAP];
} cov_plan;

/* Check the covariate options and copy the used columns into fd->zp, fd->zd. */
static int cov_prepare(const iv__alloc *a, int model, const iv_clv_options *o, size_t n,
                       fitdata *fd, cov_plan *pl)
{
    size_t kp = o->covariates_purchase, kd = o->covariates_dropout, i, k, j, used[2] = {0, 0};
    memset(pl, 0, sizeof *pl);
    fd->kp = fd->kd = 0;
    fd->zp = fd->zd = NULL;
    if (kp + kd == 0)
        return IV_OK;
    if (!is_bg(model) && model != IV_CLV_PARETO)
        return iv__error(IV_EINVAL, "%s takes no covariates (BG/NBD and MBG/NBD take them on "
                         "the purchase rate, Pareto/NBD on the purchase and dropout rates)",
                         model_name(model));
    if (kd > 0 && model != IV_CLV_PARETO)
        return iv__error(IV_EINVAL, "%s takes covariates on the purchase rate only, not on "
                         "dropout", model_name(model));
    if (kp > IV__CLV_MAXCOV || kd > IV__CLV_MAXCOV || kp + kd > IV__CLV_MAXCOV)
        return iv__error(IV_ELIMIT, "%zu covariates: at most %d in all", kp + kd,
                         IV__CLV_MAXCOV);
    if ((kp && !o->z_purchase) || (kd && !o->z_dropout))
        return iv__error(IV_EINVAL, "iv_clv_options: covariate values missing (z_%s is NULL)",
                         kp && !o->z_purchase ? "purchase" : "dropout");
    pl->kp = kp;
    pl->kd = kd;
    for (k = 0; k < kp + kd; k++) {
        int drop = k >= kp;
        size_t c = drop ? k - kp : k, kk = drop ? kd : kp;
        const double *z = drop ? o->z_dropout : o->z_purchase;
        const char *const *names = drop ? o->names_dropout : o->names_purchase;
        const char *nm = names ? names[c] : NULL;
        const char *proc = drop ? "gamma_dropout." : "gamma_purchase.";
        int allzero = 1, constant = 1;
        char dflt[24];
        if (!names) {
            snprintf(dflt, sizeof dflt, "z%zu", c + 1);
            nm = dflt;
        }
        if (!nm || !*nm || strlen(nm) + strlen(proc) + 1 > IV__CLV_NAMECAP)
            return iv__error(IV_EINVAL, "covariate %zu (%s): the name must have 1 to %zu bytes",
                             c + 1, drop ? "dropout" : "purchase",
                             (size_t)IV__CLV_NAMECAP - strlen(proc) - 1);
        snprintf(pl->name[k], sizeof pl->name[k], "%s%.*s", proc,
                 (int)(IV__CLV_NAMECAP - strlen(proc) - 1), nm);
        for (j = 0; j < k; j++)
            if (strcmp(pl->name[j], pl->name[k]) == 0)
                return iv__error(IV_EINVAL, "covariate name '%s' given twice", nm);
        for (i = 0; i < n; i++) {
            double v = z[i * kk + c];
            if (!isfinite(v))
                return iv__error(IV_ERANGE, "customer %zu: covariate '%s' = %g is not finite",
                                 i, nm, v);
            allzero &= v == 0;
            constant &= v == z[c];
        }
        if (!allzero && constant)
            return iv__error(IV_EUNDEFINED, "covariate '%s' is %g for every customer: its "
                             "coefficient cannot be told apart from %s (centre it or leave it "
                             "out)", nm, z[c], drop ? "beta" : "alpha");
        pl->col[k] = allzero ? -1 : (int)(drop ? kp + used[1] : used[0]);
        used[drop] += !allzero;
    }
    for (k = 0; k < kd; k++) /* the dropout coefficients come after all used purchase ones */
        if (pl->col[kp + k] >= 0)
            pl->col[kp + k] = (int)(used[0] + ((size_t)pl->col[kp + k] - kp));
    if ((used[0] && !(fd->zp = iv__malloc(a, n * used[0] * sizeof *fd->zp))) ||
        (used[1] && !(fd->zd = iv__malloc(a, n * used[1] * sizeof *fd->zd)))) {
        iv__free(a, fd->zp, n * used[0] * sizeof *fd->zp);
        fd->zp = NULL;
        return iv__nomem("covariates");
    }
    for (k = 0; k < kp + kd; k++) {
        int drop = k >= kp;
        size_t c = drop ? k - kp : k, kk = drop ? kd : kp, dst;
        const double *z = drop ? o->z_dropout : o->z_purchase;
        if (pl->col[k] < 0)
            continue;
        dst = (size_t)pl->col[k] - (drop ? used[0] : 0);
        for (i = 0; i < n; i++) {
            if (drop)
                fd->zd[i * used[1] + dst] = z[i * kk + c];
            else
                fd->zp[i * used[0] + dst] = z[i * kk + c];
        }
    }
    fd->kp = used[0];
    fd->kd = used[1];
    return IV_OK;
}

/* The start of a fit with covariates: the plain model's fit (no covariates, no standard
 * errors, gradient tolerance 1e-6; cheap, as its customers group by (x, t_x, T)) for the
 * model's parameters, the coefficients at 0. When the plain fit fails (e.g. its maximum is on the boundary while
 * the covariates' is not) u keeps the default start. */
static int cov_start(int model, const double *x, const double *t_x, const double *T, size_t n,
                     const iv_clv_options *o, double *u)
{
    iv_clv_options po = *o;
    iv_clv *plain = NULL;
    int rc, k;
    po.covariates_purchase = po.covariates_dropout = 0;
    po.z_purchase = po.z_dropout = NULL;
    po.names_purchase = po.names_dropout = NULL;
    po.tolerance = 1e-6; /* a start: the covariate fit converges from there */
    rc = iv__clv_fit_ex(&plain, model, x, t_x, T, NULL, n, &po, 0);
    if (rc == IV_ECANCELED || rc == IV_ENOMEM)
        return rc;
    if (rc == IV_OK)
        for (k = 0; k < 4; k++)
            u[k] = log(plain->par[k]);
    iv_clv_free(plain);
    return IV_OK;
}

int iv__clv_cov_eval(int model, const double *u, const double *x, const double *t_x,
                     const double *T, size_t n, const iv_clv_options *opts, double *ll,
                     double *grad, double *hess, int central)
{
    iv_clv_options o;
    iv__alloc a;
    fitdata fd;
    cov_plan pl;
    double gu[IV__OPTIM_MAX_N], f;
    size_t k, nt;
    int rc;
    if (!u || !x || !t_x || !T || n == 0 || !ll || !opts || !(is_bg(model) || model == IV_CLV_PARETO))
        return iv__error(IV_EINVAL, "iv__clv_cov_eval: NULL argument or model without covariates");
    if ((rc = resolve_options(opts, &o, &a)) != IV_OK)
        return rc;
    memset(&fd, 0, sizeof fd);
    if ((rc = cov_prepare(&a, model, &o, n, &fd, &pl)) != IV_OK)
        return rc;
    if (fd.kp != o.covariates_purchase || fd.kd != o.covariates_dropout) {
        fitdata_free(&a, &fd);
        return iv__error(IV_EINVAL, "iv__clv_cov_eval: an all-zero covariate");
    }
    if ((rc = fitdata_build(&a, &fd, model, x, t_x, T, NULL, n, o.weights)) != IV_OK)
        return rc;
    nt = 4 + fd.kp + fd.kd;
    f = objective(u, gu, &fd);
    rc = isfinite(f) ? IV_OK : iv__error(IV_EUNDEFINED, "iv__clv_cov_eval: not finite");
    if (rc == IV_OK && hess && !cov_hessian_at(u, hess, &fd, central))
        rc = iv__error(IV_EUNDEFINED, "iv__clv_cov_eval: the Hessian is not finite");
    if (rc == IV_OK) {
        *ll = -f;
        for (k = 0; grad && k < nt; k++)
            grad[k] = -gu[k];
        for (k = 0; hess && k < nt * nt; k++)
            hess[k] = -hess[k];
    }
    fitdata_free(&a, &fd);
    return rc;
}

int iv_clv_fit(iv_clv **out, int model, const double *x, const double *t_x, const double *T,
               const double *zbar, size_t n, const iv_clv_options *opts)
{
    return iv__clv_fit_ex(out, model, x, t_x, T, zbar, n, opts, 1);
}

int iv__clv_fit_ex(iv_clv **out, int model, const double *x, const double *t_x, const double *T,
                   const double *zbar, size_t n, const iv_clv_options *opts, int want_se)
{
    iv_clv_options o;
    iv__alloc a;
    iv__optim_options oo;
    iv__optim_result res = {0};
    fitdata fd;
    cov_plan pl;
    double u[IV__OPTIM_MAX_N], u0[IV__OPTIM_MAX_N], p[4], se[IV__OPTIM_MAX_N];
    int rc, np = iv__clv_npar(model), k, nt;
    if (out)
        *out = NULL;
    if (!out || np == 0 || !x || n == 0)
        return iv__error(IV_EINVAL, "iv_clv_fit: NULL argument, no customers or unknown model %d",
                         model);
    if (model == IV_CLV_GG ? !zbar : (!t_x || (model != IV_CLV_SBG && !T)))
        return iv__error(IV_EINVAL, "iv_clv_fit: %s missing",
                         model == IV_CLV_GG ? "zbar" : model == IV_CLV_SBG ? "churned (t_x)"
                         : model == IV_CLV_BGBB ? "t_x or n (T)" : "t_x or T");
    if ((rc = resolve_options(opts, &o, &a)) != IV_OK)
        return rc;
    memset(&fd, 0, sizeof fd);
    if ((rc = cov_prepare(&a, model, &o, n, &fd, &pl)) != IV_OK)
        return rc;
    nt = np + (int)(fd.kp + fd.kd);
    if ((rc = fitdata_build(&a, &fd, model, x, t_x, T, zbar, n, o.weights)) != IV_OK)
        return rc;
    if (fd.g.m == 0) {
        fitdata_free(&a, &fd);
        return iv__error(IV_EUNDEFINED, model == IV_CLV_GG
                         ? "Gamma-Gamma needs at least one repeat buyer (x > 0)"
                         : "%s: no customer has a positive weight", model_name(model));
    }
    if ((rc = default_start(&fd, p)) != IV_OK) {
        fitdata_free(&a, &fd);
        return rc;
    }
    penalty_setup(&fd, o.penalizer, model == IV_CLV_SBG ? x : T, n);
    for (k = 0; k < np; k++) {
        if (o.start[k] > 0 && isfinite(o.start[k]))
            p[k] = o.start[k];
        u0[k] = u[k] = log(p[k]);
    }
    for (k = np; k < nt; k++) /* covariates: start from no effect */
        u0[k] = u[k] = 0;
    if (nt > np && (rc = cov_start(model, x, t_x, T, n, &o, u)) != IV_OK) {
        fitdata_free(&a, &fd);
        return rc;
    }
    iv__optim_defaults(&oo);
    if (o.max_iterations)
        oo.max_iterations = o.max_iterations;
    if (o.tolerance > 0)
        oo.gtol = o.tolerance;
    oo.progress = o.progress;
    oo.payload = o.progress_payload;
    if (nt > np) { /* covariates: the Hessian from each customer's own (doc/CLV.md section 13) */
        oo.hessian = cov_hessian;
        oo.hessian0 = cov_bhhh; /* BFGS starts from the outer product: one kernel pass */
    }
    /* BFGS and Newton; a maximum on the boundary is reported before any fallback (which
     * would only crawl further towards it) */
    rc = iv__optim_bfgs_newton(objective, &fd, (size_t)nt, u, &oo, &res);
    if ((rc == IV_OK || rc == IV_ENOCONV) &&
        boundary_check(&fd, model, u0, u, res.f, (size_t)nt) != IV_OK)
        rc = IV_EUNDEFINED;
    else if (rc == IV_ENOCONV && (rc = iv__optim_fallback(objective, &fd, (size_t)nt, u, &oo,
                                                          &res)) == IV_ENOCONV &&
             boundary_check(&fd, model, u0, u, res.f, (size_t)nt) != IV_OK)
        rc = IV_EUNDEFINED;
    if (rc == IV_EUNDEFINED && o.penalizer == 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", iv_error_last());
        rc = iv__error(IV_EUNDEFINED, "%s; a penalty (penalizer > 0, e.g. 0.001; iv clv "
                       "--penalizer) keeps the parameters finite", why);
    }
    if (rc == IV_OK)
        rc = clv_alloc(out, model, &a);
    if (rc == IV_OK) {
        size_t j;
        double pen = fd.pen;
        for (k = 0; k < np; k++)
            (*out)->par[k] = exp(u[k]);
        for (k = 0; k < nt; k++)
            se[k] = NAN;
        if (want_se && !o.skip_se)
            standard_errors(&fd, np, u, res.have_g ? res.g : NULL, se);
        for (k = 0; k < np; k++)
            (*out)->se[k] = se[k];
        (*out)->kp = pl.kp;
        (*out)->kd = pl.kd;
        for (j = 0; j < pl.kp + pl.kd; j++) {
            int c = pl.col[j];
            (*out)->gam[j] = c >= 0 ? u[np + c] : 0;
            (*out)->gam_se[j] = c >= 0 ? se[np + c] : NAN;
            memcpy((*out)->gname[j], pl.name[j], sizeof pl.name[j]);
            snprintf((*out)->gsename[j], sizeof (*out)->gsename[j], "%s_se", pl.name[j]);
        }
        fd.pen = 0; /* the log-likelihood without the penalty */
        (*out)->loglik = pen > 0 ? -objective(u, NULL, &fd) : -res.f;
        (*out)->penalizer = o.penalizer;
        for (j = 0; j < fd.g.m; j++)
            (*out)->customers += (size_t)fd.g.w[j];
    } else if (rc == IV_ENOCONV) {
        char why[256];
        snprintf(why, sizeof why, "%s", iv_error_last());
        rc = iv__error(IV_ENOCONV, "%s fit did not converge after %d iterations (%s)",
                       model_name(model), res.iterations, why);
    }
    fitdata_free(&a, &fd);
    return rc;
}

int iv_clv_new(iv_clv **out, int model, const double *params, const iv_clv_options *opts)
{
    iv_clv_options o;
    iv__alloc a;
    int rc, np = iv__clv_npar(model), k;
    if (out)
        *out = NULL;
    if (!out || !params || np == 0)
        return iv__error(IV_EINVAL, "iv_clv_new: NULL argument or unknown model %d", model);
    for (k = 0; k < np; k++)
        if (!(params[k] > 0) || !isfinite(params[k]))
            return iv__error(IV_ERANGE, "iv_clv_new: parameter %s = %g must be finite and > 0",
                             param_names[model][k], params[k]);
    if ((rc = resolve_options(opts, &o, &a)) != IV_OK)
        return rc;
    if ((rc = clv_alloc(out, model, &a)) != IV_OK)
        return rc;
    memcpy((*out)->par, params, (size_t)np * sizeof *params);
    return IV_OK;
}

int iv_clv_for_customer(const iv_clv *clv, const double *z_purchase, const double *z_dropout,
                        iv_clv **out)
{
    double ep = 0, ed = 0, par[4];
    size_t k;
    int rc;
    if (out)
        *out = NULL;
    if (!clv || !out || (clv->kp && !z_purchase) || (clv->kd && !z_dropout))
        return iv__error(IV_EINVAL, "iv_clv_for_customer: NULL argument");
    for (k = 0; k < clv->kp; k++) {
        if (!isfinite(z_purchase[k]))
            return iv__error(IV_ERANGE, "covariate '%s' = %g is not finite",
                             clv->gname[k] + strlen("gamma_purchase."), z_purchase[k]);
        ep += clv->gam[k] * z_purchase[k];
    }
    for (k = 0; k < clv->kd; k++) {
        if (!isfinite(z_dropout[k]))
            return iv__error(IV_ERANGE, "covariate '%s' = %g is not finite",
                             clv->gname[clv->kp + k] + strlen("gamma_dropout."), z_dropout[k]);
        ed += clv->gam[clv->kp + k] * z_dropout[k];
    }
    memcpy(par, clv->par, sizeof par);
    if (clv->kp) /* alpha, the purchase rate parameter of BG/NBD, MBG/NBD and Pareto/NBD */
        par[1] *= exp(-ep);
    if (clv->kd) /* beta of Pareto/NBD */
        par[3] *= exp(-ed);
    if ((rc = clv_alloc(out, clv->model, &clv->alloc)) != IV_OK)
        return rc;
    if ((clv->kp && (!(par[1] > 0) || !isfinite(par[1]))) ||
        (clv->kd && (!(par[3] > 0) || !isfinite(par[3])))) {
        iv_clv_free(*out);
        *out = NULL;
        return iv__error(IV_ERANGE, "the customer's rate parameters are out of range "
                         "(alpha %g, beta %g)", par[1], par[3]);
    }
    memcpy((*out)->par, par, sizeof par);
    return IV_OK;
}

void iv_clv_free(iv_clv *clv)
{
    if (clv) {
        iv__alloc a = clv->alloc;
        iv__free(&a, clv, sizeof *clv);
    }
}

int iv_clv_model_of(const iv_clv *clv)
{
    return clv ? clv->model : 0;
}

int iv_clv_params(const iv_clv *clv, iv_table **out)
{
    iv_table *t;
    int np, k, rc = IV_OK;
    size_t nc;
    if (out)
        *out = NULL;
    if (!clv || !out)
        return iv__error(IV_EINVAL, "iv_clv_params: NULL argument");
    np = iv__clv_npar(clv->model);
    if (!(t = iv__table_new(&clv->alloc)))
        return IV_ENOMEM;
    /* each parameter followed by its standard error */
    for (k = 0; k < np && rc >= 0; k++) {
        rc = iv__table_add_col(t, param_names[clv->model][k], IV_COL_DOUBLE);
        if (rc >= 0)
            rc = iv__table_add_col(t, se_names[clv->model][k], IV_COL_DOUBLE);
    }
    /* then each covariate's coefficient and its standard error (doc/CLV.md) */
    for (k = 0; k < (int)(clv->kp + clv->kd) && rc >= 0; k++) {
        rc = iv__table_add_col(t, clv->gname[k], IV_COL_DOUBLE);
        if (rc >= 0)
            rc = iv__table_add_col(t, clv->gsename[k], IV_COL_DOUBLE);
    }
    if (rc >= 0)
        rc = iv__table_add_col(t, "loglik", IV_COL_DOUBLE);
    if (rc >= 0)
        rc = iv__table_add_col(t, "customers", IV_COL_INT);
    if (rc >= 0)
        rc = (int)iv__table_add_row(t);
    for (k = 0; k < np && rc >= 0; k++) {
        rc = iv__table_set_double(t, 0, (size_t)(2 * k), clv->par[k]);
        if (rc >= 0)
            rc = iv__table_set_double(t, 0, (size_t)(2 * k + 1), clv->se[k]);
    }
    nc = 2 * (size_t)np;
    for (k = 0; k < (int)(clv->kp + clv->kd) && rc >= 0; k++, nc += 2) {
        rc = iv__table_set_double(t, 0, nc, clv->gam[k]);
        if (rc >= 0)
            rc = iv__table_set_double(t, 0, nc + 1, clv->gam_se[k]);
    }
    if (rc >= 0)
        rc = iv__table_set_double(t, 0, nc, clv->loglik);
    if (rc >= 0 && !isnan(clv->loglik))
        rc = iv__table_set_int(t, 0, nc + 1, (int64_t)clv->customers);
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    iv__table_set_single(t, 1);
    *out = t;
    return IV_OK;
}

int iv_clv_get_param(const iv_clv *clv, const char *name, double *out)
{
    int k;
    if (!clv || !name || !out)
        return iv__error(IV_EINVAL, "iv_clv_get_param: NULL argument");
    for (k = 0; k < iv__clv_npar(clv->model); k++) {
        if (strcmp(param_names[clv->model][k], name) == 0) {
            *out = clv->par[k];
            return IV_OK;
        }
        if (strcmp(se_names[clv->model][k], name) == 0) {
            *out = clv->se[k];
            return IV_OK;
        }
    }
    for (k = 0; k < (int)(clv->kp + clv->kd); k++) {
        if (strcmp(clv->gname[k], name) == 0) {
            *out = clv->gam[k];
            return IV_OK;
        }
        if (strcmp(clv->gsename[k], name) == 0) {
            *out = clv->gam_se[k];
            return IV_OK;
        }
    }
    return iv__error(IV_ENOTFOUND, "'%s' is not a parameter of this model", name);
}

int iv_clv_loglik(const iv_clv *clv, double *loglik, size_t *customers)
{
    if (!clv)
        return iv__error(IV_EINVAL, "iv_clv_loglik: NULL model");
    if (loglik)
        *loglik = clv->loglik;
    if (customers)
        *customers = clv->customers;
    return IV_OK;
}

/* ---- predictions -------------------------------------------------------------------- */

static int need_tx_model(const iv_clv *clv, const double *out, const char *fn)
{
    if (!clv || !out)
        return iv__error(IV_EINVAL, "%s: NULL argument", fn);
    if (clv->model == IV_CLV_GG || clv->model == IV_CLV_SBG)
        return iv__error(IV_EINVAL, "%s needs a BG/NBD, MBG/NBD, Pareto/NBD or BG/BB model", fn);
    return IV_OK;
}

static int finite_or_undefined(double v, double *out, const char *what)
{
    if (!isfinite(v)) {
        *out = NAN;
        return iv__error(IV_EUNDEFINED, "%s is not computable for these parameters and "
                         "arguments (doc/CLV.md, limits)", what);
    }
    *out = v;
    return IV_OK;
}

/* The customer check of a transaction model: (x, t_x, T), or (x, t_x, n) for BG/BB. */
static int check_customer(const iv_clv *clv, double x, double tx, double T)
{
    return clv->model == IV_CLV_BGBB ? iv__bgbb_check(x, tx, T, 0) : check_summary(x, tx, T, 0);
}

/* log P(alive | x, t_x, T) */
static double log_p_alive(const iv_clv *clv, double x, double tx, double T)
{
    const double *p = clv->par;
    if (is_bg(clv->model)) {
        /* [FHL05 eq. 11]: 1 / (1 + D) with D as in bg_one; MBG/NBD: D for every x */
        int m = clv->model == IV_CLV_MBGNBD;
        double lnD;
        if (x == 0 && !m)
            return 0;
        lnD = log(p[2]) - log(p[3] + x - 1 + m) + (p[0] + x) * (log(p[1] + T) - log(p[1] + tx));
        return -iv__log1pexp(lnD);
    } else if (clv->model == IV_CLV_BGBB) {
        return log(iv__bgbb_p_alive(p, x, tx, T));
    } else {
        /* [FH05 eq. 22]: the first bracketed term of L over the whole bracket */
        double lt1, lb;
        pnbd_one(p, 0, x, tx, T, &lt1, &lb);
        return IV__MIN(lt1 - lb, 0.0);
    }
}

int iv_clv_p_alive(const iv_clv *clv, double x, double t_x, double T, double *out)
{
    int rc;
    if ((rc = need_tx_model(clv, out, "iv_clv_p_alive")) != IV_OK)
        return rc;
    if ((rc = check_customer(clv, x, t_x, T)) != IV_OK)
        return rc;
    return finite_or_undefined(exp(log_p_alive(clv, x, t_x, T)), out, "P(alive)");
}

static int check_horizon(const iv_clv *clv, double t, const char *fn)
{
    if (!(t >= 0) || !isfinite(t))
        return iv__error(IV_ERANGE, "%s: horizon %g must be finite and >= 0", fn, t);
    if (clv->model == IV_CLV_BGBB && (t != floor(t) || t > 1e7))
        return iv__error(IV_ERANGE, "%s: a BG/BB horizon counts opportunities: %g must be a "
                         "whole number (at most 10^7)", fn, t);
    return IV_OK;
}

int iv_clv_expected(const iv_clv *clv, double t, double *out)
{
    const double *p;
    double v;
    int rc;
    if ((rc = need_tx_model(clv, out, "iv_clv_expected")) != IV_OK)
        return rc;
    if ((rc = check_horizon(clv, t, "iv_clv_expected")) != IV_OK)
        return rc;
    p = clv->par;
    if (clv->model == IV_CLV_BGNBD) {
        /* [FHL05 eq. 7] */
        v = iv__bg_mean(p[0], p[1], p[2], p[3], t);
    } else if (clv->model == IV_CLV_MBGNBD) {
        /* [BDF07]: alive after the first purchase with probability b/(a+b), and then a
         * BG/NBD customer with p ~ Beta(a, b+1): b/(a-1) [1 - q^r 2F1(r, b+1; a+b; z)] */
        v = p[3] / (p[2] + p[3]) * iv__bg_mean(p[0], p[1], p[2], p[3] + 1, t);
    } else if (clv->model == IV_CLV_BGBB) {
        v = iv__bgbb_expected(p, t);
    } else if (p[2] == 1) {
        /* [FH05 eq. 20] with s = 1 (the limit): r beta / alpha log(1 + t / beta) */
        v = p[0] * p[3] / p[1] * log1p(t / p[3]);
    } else {
        /* [FH05 eq. 20]: r beta / (alpha (s-1)) (1 - (beta/(beta+t))^(s-1)) */
        v = p[0] * p[3] / (p[1] * (p[2] - 1)) * -expm1(-(p[2] - 1) * log1p(t / p[3]));
    }
    return finite_or_undefined(t == 0 ? 0 : v, out, "expected transactions");
}

int iv_clv_conditional(const iv_clv *clv, double t, double x, double t_x, double T, double *out)
{
    double mean = NAN;
    return iv__clv_conditional_at(clv, t, x, t_x, T, &mean, out);
}

int iv__clv_conditional_at(const iv_clv *clv, double t, double x, double t_x, double T,
                           double *mean, double *out)
{
    const double *p;
    double v, lpa;
    int rc;
    if ((rc = need_tx_model(clv, out, "iv_clv_conditional")) != IV_OK)
        return rc;
    if ((rc = check_customer(clv, x, t_x, T)) != IV_OK)
        return rc;
    if ((rc = check_horizon(clv, t, "iv_clv_conditional")) != IV_OK)
        return rc;
    p = clv->par;
    if (clv->model == IV_CLV_BGBB)
        return finite_or_undefined(t == 0 ? 0 : iv__bgbb_conditional(p, t, x, t_x, T), out,
                                   "conditional expected transactions");
    lpa = log_p_alive(clv, x, t_x, T);
    if (is_bg(clv->model)) {
        /* [FHL05 eq. 10]: the mean function at (r+x, alpha+T, a, b+x) times P(alive);
         * MBG/NBD at b+x+1 */
        if (isnan(*mean))
            *mean = iv__bg_mean(p[0] + x, p[1] + T, p[2], p[3] + x + (clv->model == IV_CLV_MBGNBD),
                                t);
        v = *mean;
    } else {
        /* [FH05 eq. 21]: (r+x)(beta+T)/((alpha+T)(s-1)) (1 - ((beta+T)/(beta+T+t))^(s-1)) */
        double k = (p[0] + x) * (p[3] + T) / (p[1] + T), l = log1p(t / (p[3] + T));
        v = p[2] == 1 ? k * l : k / (p[2] - 1) * -expm1(-(p[2] - 1) * l);
    }
    return finite_or_undefined(t == 0 ? 0 : v * exp(lpa), out, "conditional expected transactions");
}

int iv_clv_pmf(const iv_clv *clv, double t, double x, double *out)
{
    double l;
    if (!clv || !out)
        return iv__error(IV_EINVAL, "iv_clv_pmf: NULL argument");
    if (clv->model != IV_CLV_BGNBD && clv->model != IV_CLV_MBGNBD && clv->model != IV_CLV_PARETO)
        return iv__error(IV_EINVAL, "iv_clv_pmf needs a BG/NBD, MBG/NBD or Pareto/NBD model");
    if (!(t >= 0) || !isfinite(t) || !(x >= 0) || x != floor(x) || !(x <= 1e7))
        return iv__error(IV_ERANGE, "iv_clv_pmf: t = %g must be finite and >= 0, x = %g a whole "
                         "number in [0, 10^7]", t, x);
    l = clv->model == IV_CLV_PARETO ? iv__pnbd_log_pmf(clv->par, t, x)
                                    : iv__bg_log_pmf(clv->model == IV_CLV_MBGNBD, clv->par, t, x);
    if (isnan(l)) {
        *out = NAN;
        return iv__error(IV_EUNDEFINED, "P(X(%g) = %g) is not computable for these parameters "
                         "(doc/CLV.md, limits)", t, x);
    }
    *out = exp(l);
    return IV_OK;
}

static int need_sbg(const iv_clv *clv, const double *out, const char *fn)
{
    if (!clv || !out)
        return iv__error(IV_EINVAL, "%s: NULL argument", fn);
    if (clv->model != IV_CLV_SBG)
        return iv__error(IV_EINVAL, "%s needs a shifted-BG model", fn);
    return IV_OK;
}

int iv_clv_survival(const iv_clv *sbg, double t, double *out)
{
    int rc;
    if ((rc = need_sbg(sbg, out, "iv_clv_survival")) != IV_OK)
        return rc;
    if (!(t >= 0) || t != floor(t) || !(t <= 1e9))
        return iv__error(IV_ERANGE, "iv_clv_survival: period %g must be a whole number >= 0", t);
    *out = iv__sbg_survival(sbg->par, t);
    return IV_OK;
}

int iv_clv_retention(const iv_clv *sbg, double t, double *out)
{
    int rc;
    if ((rc = need_sbg(sbg, out, "iv_clv_retention")) != IV_OK)
        return rc;
    if (!(t >= 1) || t != floor(t) || !(t <= 1e9))
        return iv__error(IV_ERANGE, "iv_clv_retention: period %g must be a whole number >= 1", t);
    *out = iv__sbg_retention(sbg->par, t);
    return IV_OK;
}

int iv_clv_residual_lifetime(const iv_clv *sbg, double periods, double discount, double *out)
{
    int rc;
    double v;
    if ((rc = need_sbg(sbg, out, "iv_clv_residual_lifetime")) != IV_OK)
        return rc;
    if (!(periods >= 1) || periods != floor(periods) || !(periods <= 1e9) ||
        !(discount >= 0) || !isfinite(discount))
        return iv__error(IV_ERANGE, "iv_clv_residual_lifetime: periods = %g must be a whole "
                         "number >= 1 and discount = %g finite and >= 0", periods, discount);
    v = iv__sbg_residual(sbg->par, periods, discount);
    if (v == INFINITY) {
        *out = INFINITY;
        return iv__error(IV_EUNDEFINED, "the undiscounted expected residual lifetime is infinite "
                         "when alpha <= 1 (alpha = %g): give a discount rate > 0", sbg->par[0]);
    }
    return finite_or_undefined(v, out, "the expected residual lifetime");
}

int iv_clv_expected_spend(const iv_clv *gg, double x, double zbar, double *out)
{
    const double *p;
    int rc;
    if (!gg || !out)
        return iv__error(IV_EINVAL, "iv_clv_expected_spend: NULL argument");
    if (gg->model != IV_CLV_GG)
        return iv__error(IV_EINVAL, "iv_clv_expected_spend needs a Gamma-Gamma model");
    if ((rc = check_spend(x, zbar, 0)) != IV_OK)
        return rc;
    p = gg->par;
    /* [FH13 eq. 6]: E(M | x, zbar) = p (gamma + x zbar) / (p x + q - 1), a weighted mean of
     * the population mean p gamma / (q - 1) and zbar; defined when p x + q > 1 */
    if (!(p[0] * x + p[1] > 1)) {
        *out = NAN;
        return iv__error(IV_EUNDEFINED, "expected spend needs p x + q > 1 (q = %g)", p[1]);
    }
    *out = p[0] * (p[2] + (x > 0 ? x * zbar : 0)) / (p[0] * x + p[1] - 1);
    return IV_OK;
}

int iv_clv_value(const iv_clv *tx, const iv_clv *gg, double x, double t_x, double T, double zbar,
                 double horizon, double step, double discount, double *out)
{
    double spend, prev = 0, sum = 0, t = 0, df = 1;
    int rc;
    if ((rc = need_tx_model(tx, out, "iv_clv_value")) != IV_OK)
        return rc;
    if (!(horizon >= 0) || !isfinite(horizon) || !(step > 0) || !isfinite(step) ||
        !(discount >= 0) || !isfinite(discount))
        return iv__error(IV_ERANGE, "iv_clv_value: horizon >= 0, step > 0 and discount >= 0 "
                         "must be finite");
    if (discount > 0 && horizon / step > 1e7)
        return iv__error(IV_ERANGE, "iv_clv_value: more than 10^7 discounting periods");
    if ((rc = iv_clv_expected_spend(gg, x, zbar, &spend)) != IV_OK)
        return rc;
    if (discount == 0) { /* no discounting: the periods telescope */
        if ((rc = iv_clv_conditional(tx, horizon, x, t_x, T, &prev)) != IV_OK)
            return rc;
        *out = prev * spend;
        return IV_OK;
    }
    while (t < horizon) {
        double cur, inc;
        t = IV__MIN(t + step, horizon);
        df /= 1 + discount;
        if ((rc = iv_clv_conditional(tx, t, x, t_x, T, &cur)) != IV_OK)
            return rc;
        inc = (cur - prev) * spend * df;
        sum += inc;
        prev = cur;
        /* the expected purchases per period fall with time in these models, so every later
         * period adds at most inc / (1 + d) each, discounted further: the rest is at most
         * inc / d; stop once that is below 1e-15 of the sum */
        if (inc >= 0 && inc / discount <= 1e-15 * sum)
            break;
    }
    *out = sum;
    return IV_OK;
}

int iv_clv_simple(double m, double r, double d, double *out)
{
    if (!out)
        return iv__error(IV_EINVAL, "iv_clv_simple: NULL argument");
    if (!isfinite(m) || !(r >= 0 && r <= 1) || !(d >= 0) || !isfinite(d))
        return iv__error(IV_ERANGE, "iv_clv_simple: need finite m, r in [0, 1], d >= 0");
    if (1 + d - r == 0) {
        *out = NAN; /* r = 1 and d = 0: a customer kept forever, never discounted */
        return iv__error(IV_EUNDEFINED, "simple CLV is unbounded with r = 1 and d = 0");
    }
    *out = m * r / (1 + d - r);
    return IV_OK;
}

/* ---- RFM summary from a store ------------------------------------------------------- */


int iv_rfm_options_init(iv_rfm_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_rfm_options, IV_RFM_OPTIONS_INIT, opts, size, sizeof(size_t));
}

/* One contact's purchase days, merged. */
typedef struct rfm_acc {
    int64_t first, last;   /* first and last calibration purchase day */
    int64_t day;           /* the day being merged, or INT64_MIN */
    double day_value;
    long cal_days, hold_days;
    double rep_value, hold_value;
} rfm_acc;

static void rfm_close_day(rfm_acc *r, int64_t cal_end, int64_t hold_end)
{
    if (r->day == INT64_MIN)
        return;
    if (r->day <= cal_end) {
        if (r->cal_days == 0)
            r->first = r->day;
        else
            r->rep_value += r->day_value;
        r->last = r->day;
        r->cal_days++;
    } else if (r->day <= hold_end) {
        r->hold_days++;
        r->hold_value += r->day_value;
    }
}

static int rfm_add_row(iv_table *t, const iv_store *s, uint32_t c, const rfm_acc *r,
                       int64_t cal_end, double unit)
{
    long row = iv__table_add_row(t);
    double x = (double)(r->cal_days - 1);
    int rc;
    if (row < 0)
        return (int)row;
    if ((rc = iv__table_set_string(t, (size_t)row, 0, iv__pool_str(&s->contacts, c),
                                   iv__pool_len(&s->contacts, c))) != IV_OK ||
        (rc = iv__table_set_int(t, (size_t)row, 1, (int64_t)x)) != IV_OK ||
        (rc = iv__table_set_double(t, (size_t)row, 2, (double)(r->last - r->first) / unit)) != IV_OK ||
        (rc = iv__table_set_double(t, (size_t)row, 3, (double)(cal_end - r->first) / unit)) != IV_OK ||
        (rc = iv__table_set_double(t, (size_t)row, 4, x > 0 ? r->rep_value / x : 0)) != IV_OK ||
        (rc = iv__table_set_int(t, (size_t)row, 5, r->first * IV__MS_PER_DAY)) != IV_OK ||
        (rc = iv__table_set_int(t, (size_t)row, 6, r->hold_days)) != IV_OK)
        return rc;
    return iv__table_set_double(t, (size_t)row, 7, r->hold_value);
}

/* Ask for the time and value of contact c's purchase rows (isp: one bit a row) while the
 * contact before it is summed: in a store in time order each is a cache miss, and one
 * contact's misses then overlap the previous contact's work (as the lifecycle walks do,
 * iv__store_prefetch_rows). */
static void rfm_prefetch(const iv_store *store, const uint64_t *isp, uint32_t c)
{
#if defined(__GNUC__)
    uint32_t k;
    for (k = store->idx_start[c]; k < store->idx_start[c + 1]; k++) {
        uint32_t row = store->idx_rows[k];
        if (isp[row >> 6] >> (row & 63) & 1) {
            __builtin_prefetch(&store->ts[row]);
            __builtin_prefetch(&store->value[row]);
        }
    }
#else
    (void)store;
    (void)isp;
    (void)c;
#endif
}

int iv_rfm(iv_table **out, const iv_store *store, const iv_rfm_options *opts)
{
    static const char *const cols[] = {"contact", "x", "t_x", "T", "zbar", "first", "holdout_x",
                                       "holdout_value"};
    static const int types[] = {IV_COL_STRING, IV_COL_INT, IV_COL_DOUBLE, IV_COL_DOUBLE,
                                IV_COL_DOUBLE, IV_COL_TIME, IV_COL_INT, IV_COL_DOUBLE};
    iv_rfm_options o = IV_RFM_OPTIONS_INIT;
    const iv_model *m;
    unsigned char *purchase = NULL;
    uint64_t *isp = NULL;
    size_t ntypes, i, c, nwords = 0;
    int64_t cal_end, hold_end;
    double unit;
    iv_table *t;
    int rc = IV_OK;
    if (out)
        *out = NULL;
    if (!out || !store)
        return iv__error(IV_EINVAL, "iv_rfm: NULL argument");
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, sizeof o, sizeof o, "iv_rfm_options")) != IV_OK)
            return rc;
        o = *opts;
    }
    if (o.unit != IV_RFM_DAY && o.unit != IV_RFM_WEEK)
        return iv__error(IV_EINVAL, "iv_rfm_options: unit %d is neither day nor week", o.unit);
    if (store->nrows && !store->index_ok)
        return iv__error(IV_ESTATE, "iv_rfm: the store is not prepared (call iv_store_prepare)");
    if (store->nrows && (rc = iv__store_index(store)) != IV_OK)
        return rc;
    unit = o.unit == IV_RFM_WEEK ? 7.0 : 1.0;
    m = o.model ? o.model : iv__model_default();
    cal_end = iv__day_of_ms(o.calibration_end != IV_TIME_NONE ? o.calibration_end
                      : store->nrows ? store->ts_max : 0);
    hold_end = iv__day_of_ms(o.holdout_end != IV_TIME_NONE ? o.holdout_end
                       : store->nrows ? store->ts_max : 0);
    if (!(t = iv__table_new(&store->alloc)))
        return IV_ENOMEM;
    for (i = 0; i < sizeof cols / sizeof cols[0] && rc >= 0; i++)
        rc = iv__table_add_col(t, cols[i], types[i]);
    /* the purchase flag of every distinct type, looked up once */
    ntypes = store->type.pool.count;
    if (rc >= 0 && ntypes && !(purchase = iv__calloc(&store->alloc, ntypes, 1)))
        rc = iv__nomem("RFM type flags");
    for (i = 0; rc >= 0 && i < ntypes; i++) {
        iv__type_info ti;
        iv__model_type(m, iv__pool_str(&store->type.pool, (uint32_t)i),
                       iv__pool_len(&store->type.pool, (uint32_t)i), &ti);
        purchase[i] = (ti.flags & IV_FLAG_PURCHASE) != 0;
    }
    /* which rows are purchases, one bit each, by a pass in store order: the walk in
     * contact order then tests a bitmap that stays in cache (a 2.4M-row log: 300 KB)
     * instead of reading each row's type code from all over the column */
    nwords = (store->nrows + 63) / 64;
    if (rc >= 0 && store->nrows && !(isp = iv__calloc(&store->alloc, nwords, sizeof *isp)))
        rc = iv__nomem("RFM purchase rows");
    for (i = 0; rc >= 0 && i < store->nrows; i++)
        isp[i >> 6] |= (uint64_t)purchase[iv__codes_get(&store->type.codes, i)] << (i & 63);
    if (rc >= 0 && store->nrows && store->contacts.count > 1)
        rfm_prefetch(store, isp, 1);
    for (c = 1; rc >= 0 && store->nrows && c < store->contacts.count; c++) {
        rfm_acc r = {0, 0, INT64_MIN, 0, 0, 0, 0, 0};
        uint32_t k;
        if (c + 1 < store->contacts.count)
            rfm_prefetch(store, isp, (uint32_t)c + 1);
        for (k = store->idx_start[c]; k < store->idx_start[c + 1]; k++) {
            uint32_t row = store->idx_rows[k];
            int64_t day;
            if (!(isp[row >> 6] >> (row & 63) & 1))
                continue;
            day = iv__day_of_ms(store->ts[row]);
            if (day != r.day) { /* rows are in time order: a new day closes the last one */
                rfm_close_day(&r, cal_end, hold_end);
                r.day = day;
                r.day_value = 0;
            }
            if (!isnan(store->value[row]))
                r.day_value += store->value[row];
        }
        rfm_close_day(&r, cal_end, hold_end);
        if (r.cal_days > 0)
            rc = rfm_add_row(t, store, (uint32_t)c, &r, cal_end, unit);
    }
    iv__free(&store->alloc, isp, nwords * sizeof *isp);
    iv__free(&store->alloc, purchase, ntypes);
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

/* ---- discrete-time summaries (BG/BB, shifted-BG) ------------------------------------ */

/* Per-type flags for the discrete summaries: 1 purchase, 2 churn, 4 the type `renewal`. */
static int type_marks(const iv_store *store, const iv_model *m, unsigned char **out)
{
    size_t ntypes = store->type.pool.count, i;
    unsigned char *mk = NULL;
    *out = NULL;
    if (ntypes && !(mk = iv__calloc(&store->alloc, ntypes, 1)))
        return iv__nomem("CLV type flags");
    for (i = 0; i < ntypes; i++) {
        iv__type_info ti;
        const char *s = iv__pool_str(&store->type.pool, (uint32_t)i);
        size_t len = iv__pool_len(&store->type.pool, (uint32_t)i);
        iv__model_type(m, s, len, &ti);
        mk[i] = (unsigned char)(((ti.flags & IV_FLAG_PURCHASE) ? 1 : 0) |
                                ((ti.flags & IV_FLAG_CHURN) ? 2 : 0) |
                                (len == 7 && memcmp(s, "renewal", 7) == 0 ? 4 : 0));
    }
    *out = mk;
    return IV_OK;
}

static int discrete_setup(const iv_store *store, const iv_rfm_options *opts, const char *fn,
                          iv_rfm_options *o, int64_t *cal_end, int64_t *hold_end, int64_t *u)
{
    int rc;
    *o = (iv_rfm_options)IV_RFM_OPTIONS_INIT;
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, sizeof *o, sizeof *o, "iv_rfm_options")) != IV_OK)
            return rc;
        *o = *opts;
    }
    if (o->unit != IV_RFM_DAY && o->unit != IV_RFM_WEEK)
        return iv__error(IV_EINVAL, "iv_rfm_options: unit %d is neither day nor week", o->unit);
    if (store->nrows && !store->index_ok)
        return iv__error(IV_ESTATE, "%s: the store is not prepared (call iv_store_prepare)", fn);
    if (store->nrows && (rc = iv__store_index(store)) != IV_OK)
        return rc;
    *u = o->unit == IV_RFM_WEEK ? 7 : 1;
    *cal_end = iv__day_of_ms(o->calibration_end != IV_TIME_NONE ? o->calibration_end
                       : store->nrows ? store->ts_max : 0);
    *hold_end = iv__day_of_ms(o->holdout_end != IV_TIME_NONE ? o->holdout_end
                        : store->nrows ? store->ts_max : 0);
    return IV_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int iv_rfm_discrete(iv_table **out, const iv_store *store, const iv_rfm_options *opts)
{
    return iv__rfm_discrete_ex(out, store, opts, 0);
}

int iv__rfm_discrete_ex(iv_table **out, const iv_store *store, const iv_rfm_options *opts, int with_first)
{
    static const char *const cols[] = {"contact", "x", "t_x", "n", "holdout_x", "holdout_n", "first"};
    iv_rfm_options o;
    unsigned char *mk = NULL;
    int64_t cal_end, hold_end, u;
    size_t c, i;
    iv_table *t;
    int rc;
    if (out)
        *out = NULL;
    if (!out || !store)
        return iv__error(IV_EINVAL, "iv_rfm_discrete: NULL argument");
    if ((rc = discrete_setup(store, opts, "iv_rfm_discrete", &o, &cal_end, &hold_end, &u)) != IV_OK)
        return rc;
    if (!(t = iv__table_new(&store->alloc)))
        return IV_ENOMEM;
    rc = iv__table_add_col(t, cols[0], IV_COL_STRING);
    for (i = 1; i < (with_first ? 7u : 6u) && rc >= 0; i++)
        rc = iv__table_add_col(t, cols[i], IV_COL_INT);
    if (rc >= 0)
        rc = type_marks(store, o.model ? o.model : iv__model_default(), &mk);
    for (c = 1; rc >= 0 && store->nrows && c < store->contacts.count; c++) {
        int64_t first = INT64_MIN, n, hn, x = 0, tx = 0, hx = 0, lastk = 0;
        uint32_t k;
        long row;
        for (k = store->idx_start[c]; k < store->idx_start[c + 1]; k++) {
            uint32_t r = store->idx_rows[k];
            int64_t day, per;
            if (!(mk[iv__codes_get(&store->type.codes, r)] & 1))
                continue;
            day = iv__day_of_ms(store->ts[r]);
            if (first == INT64_MIN) {
                if (day > cal_end)
                    break;
                first = day;
                continue;
            }
            /* opportunity k >= 1 starts on day first + k u; rows are in time order */
            per = floor_div(day - first, u);
            if (per == 0 || per == lastk || day > hold_end)
                continue;
            lastk = per;
            if (day <= cal_end) {
                x++;
                tx = per;
            } else {
                hx++;
            }
        }
        if (first == INT64_MIN)
            continue;
        n = floor_div(cal_end - first, u);
        hn = floor_div(hold_end - first, u) - n;
        if ((row = iv__table_add_row(t)) < 0) {
            rc = (int)row;
            break;
        }
        rc = iv__table_set_string(t, (size_t)row, 0, iv__pool_str(&store->contacts, (uint32_t)c),
                                  iv__pool_len(&store->contacts, (uint32_t)c));
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 1, x);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 2, tx);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 3, n);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 4, hx);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 5, hn > 0 ? hn : 0);
        if (rc >= 0 && with_first)
            rc = iv__table_set_int(t, (size_t)row, 6, first);
    }
    iv__free(&store->alloc, mk, store->type.pool.count);
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}

int iv_contracts(iv_table **out, const iv_store *store, const iv_rfm_options *opts)
{
    return iv__contracts_ex(out, store, opts, 0);
}

int iv__contracts_ex(iv_table **out, const iv_store *store, const iv_rfm_options *opts, int with_first)
{
    iv_rfm_options o;
    unsigned char *mk = NULL;
    int64_t cal_end, hold_end, u;
    size_t c;
    iv_table *t;
    int rc;
    if (out)
        *out = NULL;
    if (!out || !store)
        return iv__error(IV_EINVAL, "iv_contracts: NULL argument");
    if ((rc = discrete_setup(store, opts, "iv_contracts", &o, &cal_end, &hold_end, &u)) != IV_OK)
        return rc;
    if (!(t = iv__table_new(&store->alloc)))
        return IV_ENOMEM;
    rc = iv__table_add_col(t, "contact", IV_COL_STRING);
    if (rc >= 0)
        rc = iv__table_add_col(t, "periods", IV_COL_INT);
    if (rc >= 0)
        rc = iv__table_add_col(t, "churned", IV_COL_INT);
    if (rc >= 0 && with_first)
        rc = iv__table_add_col(t, "first", IV_COL_INT);
    if (rc >= 0)
        rc = type_marks(store, o.model ? o.model : iv__model_default(), &mk);
    for (c = 1; rc >= 0 && store->nrows && c < store->contacts.count; c++) {
        int64_t first = INT64_MIN, churn = INT64_MIN, periods, renewals = 0, lastren = INT64_MIN;
        uint32_t k;
        long row;
        for (k = store->idx_start[c]; k < store->idx_start[c + 1]; k++) {
            uint32_t r = store->idx_rows[k];
            int64_t day = iv__day_of_ms(store->ts[r]);
            unsigned char f = mk[iv__codes_get(&store->type.codes, r)];
            if (day > cal_end)
                break;
            if (first == INT64_MIN)
                first = day;
            if (f & 2) {
                churn = day;
                break;
            }
            if ((f & 4) && floor_div(day - first, u) != lastren) { /* one renewal per period */
                lastren = floor_div(day - first, u);
                renewals++;
            }
        }
        if (first == INT64_MIN)
            continue;
        if (churn != INT64_MIN) { /* cancelled during period floor((churn - first)/u) + 1 */
            periods = floor_div(churn - first, u) + 1;
        } else { /* active through the whole periods up to the calibration end, or as many
                  * as its renewals show */
            periods = floor_div(cal_end - first + 1, u);
            if (renewals + 1 > periods)
                periods = renewals + 1;
            if (periods < 1)
                continue; /* not one whole period observed yet: says nothing */
        }
        if ((row = iv__table_add_row(t)) < 0) {
            rc = (int)row;
            break;
        }
        rc = iv__table_set_string(t, (size_t)row, 0, iv__pool_str(&store->contacts, (uint32_t)c),
                                  iv__pool_len(&store->contacts, (uint32_t)c));
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 1, periods);
        if (rc >= 0)
            rc = iv__table_set_int(t, (size_t)row, 2, churn != INT64_MIN);
        if (rc >= 0 && with_first)
            rc = iv__table_set_int(t, (size_t)row, 3, first);
    }
    iv__free(&store->alloc, mk, store->type.pool.count);
    if (rc < 0) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
