/* The optimiser on functions whose minima are known in closed form. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "optim.h"
#include "testutil.h"

/* Rosenbrock: minimum 0 at (1, 1). */
static double rosen(const double *x, double *g, void *ud)
{
    double a = 1 - x[0], b = x[1] - x[0] * x[0];
    (void)ud;
    if (g) {
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
    }
    return a * a + 100 * b * b;
}

/* An ill-scaled quadratic sum c_i (x_i - i)^2, c_i = 10^i: minimum 0 at x_i = i. */
static double quad(const double *x, double *g, void *ud)
{
    double f = 0, c = 1;
    int i;
    (void)ud;
    for (i = 0; i < 4; i++, c *= 10) {
        f += c * (x[i] - i) * (x[i] - i);
        if (g)
            g[i] = 2 * c * (x[i] - i);
    }
    return f;
}

/* Defined only for x > 0: x - log x, minimum 1 at x = 1. NaN elsewhere. */
static double xlogx(const double *x, double *g, void *ud)
{
    (void)ud;
    if (!(x[0] > 0))
        return NAN;
    if (g)
        g[0] = 1 - 1 / x[0];
    return x[0] - log(x[0]);
}

/* Deterministic noise in [-1, 1] from the bits of x (splitmix64 finaliser). */
static double noise(const double *x, size_t n, uint64_t salt)
{
    uint64_t h = salt;
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        h ^= b;
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
        h ^= h >> 31;
    }
    return (double)(h >> 11) / 4503599627370496.0 - 1.0;
}

/* Like a log-likelihood summed over many customers: f = 1e4 (1 + sum c_i (x_i - i)^2)
 * carrying rounding noise of 1e-15 relative, its gradient noise of 1e-7 absolute;
 * minimum 1e4 at x_i = i. */
static double noisy(const double *x, double *g, void *ud)
{
    static const double c[4] = {1, 3, 10, 0.5};
    double f = 1;
    int i;
    (void)ud;
    for (i = 0; i < 4; i++) {
        f += c[i] * (x[i] - i) * (x[i] - i);
        if (g)
            g[i] = 2e4 * c[i] * (x[i] - i) + 1e-7 * noise(x, 4, (uint64_t)i + 1);
    }
    return 1e4 * f * (1 + 1e-15 * noise(x, 4, 0));
}

/* A saddle: x^2 - y^2 + y^4 / 4 (minima at y = +-sqrt(2), a saddle at the origin). */
static double saddle(const double *x, double *g, void *ud)
{
    (void)ud;
    if (g) {
        g[0] = 2 * x[0];
        g[1] = -2 * x[1] + x[1] * x[1] * x[1];
    }
    return x[0] * x[0] - x[1] * x[1] + x[1] * x[1] * x[1] * x[1] / 4;
}

/* Shared by the tests: default options, an empty result, the classic Rosenbrock start. */
static iv__optim_options o;
static iv__optim_result r;
static int quad_hess_calls;

/* The Hessian of quad: diag(2 c_i) (an iv__hessian_fn). */
static int quad_hess(const double *x, double *H, void *ud)
{
    int i;
    (void)x;
    (void)ud;
    quad_hess_calls++;
    memset(H, 0, 16 * sizeof *H);
    for (i = 0; i < 4; i++)
        H[i * 4 + i] = 2 * pow(10, i);
    return 1;
}

static double x0[2];

static void setup(void)
{
    iv__optim_defaults(&o);
    memset(&r, 0, sizeof r);
    x0[0] = -1.2;
    x0[1] = 1.0;
}

static int stop_at_3(uint64_t done, uint64_t total, void *payload)
{
    (void)total;
    (void)payload;
    return done >= 3;
}

START_TEST(bfgs_finds_rosenbrock_minimum_from_classic_start)
{
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, 2, x0, &o, &r), IV_OK);
    ck_assert(fabs(x0[0] - 1) < 1e-6 && fabs(x0[1] - 1) < 1e-6);
    ck_assert(r.f < 1e-12);
    ck_assert(r.iterations > 0 && r.iterations < 200);
}
END_TEST

START_TEST(bfgs_handles_ill_scaled_quadratic)
{
    double x[4] = {5, 5, 5, 5};
    int i;
    ck_assert_int_eq(iv__optim_bfgs(quad, NULL, 4, x, &o, &r), IV_OK);
    for (i = 0; i < 4; i++)
        ck_assert_msg(fabs(x[i] - i) < 1e-8, "x[%d] = %g", i, x[i]);
}
END_TEST

START_TEST(bfgs_backs_off_from_nan_region)
{
    double x[1] = {20.0}; /* first full step (-19 * ...) lands at x <= 0 */
    ck_assert_int_eq(iv__optim_bfgs(xlogx, NULL, 1, x, &o, &r), IV_OK);
    ck_assert(fabs(x[0] - 1) < 1e-8);
    ck_assert(fabs(r.f - 1) < 1e-15);
}
END_TEST

START_TEST(nelder_mead_finds_rosenbrock_minimum_without_gradient)
{
    ck_assert_int_eq(iv__optim_nelder_mead(rosen, NULL, 2, x0, 0.5, 1e-16, 5000, &o, &r), IV_OK);
    ck_assert_msg(fabs(x0[0] - 1) < 1e-4 && fabs(x0[1] - 1) < 1e-4, "x = %g %g", x0[0], x0[1]);
}
END_TEST

START_TEST(iteration_limit_gives_enoconv_and_keeps_best_point)
{
    o.max_iterations = 3;
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, 2, x0, &o, &r), IV_ENOCONV);
    ck_assert(r.f < 24.2); /* f(-1.2, 1) = 24.2: the point only improved */
    ck_assert(isfinite(x0[0]) && isfinite(x0[1]));
}
END_TEST

START_TEST(progress_callback_cancels_the_fit)
{
    o.progress = stop_at_3;
    ck_assert_int_eq(iv__optim_minimize(rosen, NULL, 2, x0, &o, &r), IV_ECANCELED);
}
END_TEST

START_TEST(bad_arguments_are_einval)
{
    x0[0] = NAN;
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, 2, x0, &o, &r), IV_EINVAL);
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, 0, x0, &o, &r), IV_EINVAL);
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, IV__OPTIM_MAX_N + 1, x0, &o, &r), IV_EINVAL);
}
END_TEST

START_TEST(numgrad_agrees_with_the_analytic_gradient)
{
    double x[2] = {-0.7, 2.3}, g[2], ng[2];
    rosen(x, g, NULL);
    iv__optim_numgrad(rosen, NULL, 2, x, 1e-6, ng);
    ck_assert(fabs(g[0] - ng[0]) < 1e-6 * (1 + fabs(g[0])));
    ck_assert(fabs(g[1] - ng[1]) < 1e-6 * (1 + fabs(g[1])));
}
END_TEST

START_TEST(minimize_is_deterministic)
{
    iv__optim_result r1 = {0}, r2 = {0};
    double x1[2] = {-1.2, 1.0}, x2[2] = {-1.2, 1.0};
    ck_assert_int_eq(iv__optim_minimize(rosen, NULL, 2, x1, &o, &r1), IV_OK);
    ck_assert_int_eq(iv__optim_minimize(rosen, NULL, 2, x2, &o, &r2), IV_OK);
    ck_assert(x1[0] == x2[0] && x1[1] == x2[1]);
    ck_assert_int_eq(r1.evaluations, r2.evaluations);
}
END_TEST

START_TEST(stalled_bfgs_hands_over_to_newton_which_converges_on_the_decrement)
{
    double x[4] = {3, -2, 5, 1};
    int i;
    o.gtol = 1e-14; /* 1e-10 on the gradient: below its noise, so unreachable */
    ck_assert_int_eq(iv__optim_minimize(noisy, NULL, 4, x, &o, &r), IV_OK);
    ck_assert(r.stalled);
    ck_assert(r.newton_steps >= 1 && r.newton_steps <= 10);
    ck_assert(!r.used_fallback);
    ck_assert(r.decrement <= o.ftol * (1 + fabs(r.f)));
    for (i = 0; i < 4; i++)
        ck_assert_msg(fabs(x[i] - i) < 1e-9, "x[%d] = %.17g", i, x[i]);
    ck_assert(fabs(r.f - 1e4) < 1e-9);
}
END_TEST

START_TEST(bfgs_passing_the_gradient_test_takes_no_newton_step)
{
    double x[4] = {5, 5, 5, 5};
    ck_assert_int_eq(iv__optim_minimize(quad, NULL, 4, x, &o, &r), IV_OK);
    ck_assert(!r.stalled && r.newton_steps == 0);
}
END_TEST

START_TEST(newton_converges_from_near_a_minimum_and_refuses_a_saddle)
{
    double x[2] = {1.1, 1.2}, y[2] = {0.1, 0.05}; /* Hessian positive definite at x */
    ck_assert_int_eq(iv__optim_newton(rosen, NULL, 2, x, &o, &r), IV_OK);
    ck_assert(fabs(x[0] - 1) < 1e-7 && fabs(x[1] - 1) < 1e-7);
    /* the Hessian at (0.1, 0.05) is diag(2, -2 + 3 y^2): indefinite */
    ck_assert_int_eq(iv__optim_newton(saddle, NULL, 2, y, &o, &r), IV_ENOCONV);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "not positive definite"));
}
END_TEST

/* The gradient at the point returned (the fits' standard errors take it from there
 * instead of evaluating the objective again): set on IV_OK by BFGS (the gradient test),
 * by Newton after a stalled BFGS, and bit for bit the objective's gradient at x; not set
 * when the fit gives up. */
START_TEST(the_gradient_at_the_returned_point_is_kept)
{
    double x[4] = {5, 5, 5, 5}, y[4] = {3, -2, 5, 1}, z[2] = {-1.2, 1}, g[4];
    ck_assert_int_eq(iv__optim_minimize(quad, NULL, 4, x, &o, &r), IV_OK);
    ck_assert(r.have_g && !r.stalled);
    quad(x, g, NULL);
    ck_assert(memcmp(g, r.g, sizeof g) == 0);
    o.gtol = 1e-14; /* the noisy objective: BFGS stalls, Newton decides */
    ck_assert_int_eq(iv__optim_minimize(noisy, NULL, 4, y, &o, &r), IV_OK);
    ck_assert(r.have_g && r.stalled && r.newton_steps >= 1);
    noisy(y, g, NULL);
    ck_assert(memcmp(g, r.g, sizeof g) == 0);
    o.max_iterations = 3;
    ck_assert_int_eq(iv__optim_bfgs(rosen, NULL, 2, z, &o, &r), IV_ENOCONV);
    ck_assert(!r.have_g);
}
END_TEST

/* After a stalled BFGS, Newton starts from the value and gradient BFGS had at its point
 * (res->stall_g) instead of evaluating the objective there again: the same point, value
 * and gradient as BFGS and then Newton called on their own, bit for bit, with one
 * evaluation fewer (fails when the kept gradient is not the one at the returned point,
 * or when Newton evaluates its start again). */
START_TEST(newton_after_a_stalled_bfgs_reuses_its_last_evaluation)
{
    iv__optim_result rb = {0}, rn = {0};
    double x[4] = {3, -2, 5, 1}, y[4] = {3, -2, 5, 1};
    o.gtol = 1e-14; /* the noisy objective: BFGS stalls, Newton decides */
    ck_assert_int_eq(iv__optim_bfgs_newton(noisy, NULL, 4, x, &o, &r), IV_OK);
    ck_assert(r.stalled && r.newton_steps >= 1 && !r.stall_g);
    ck_assert_int_eq(iv__optim_bfgs(noisy, NULL, 4, y, &o, &rb), IV_ENOCONV);
    ck_assert(rb.stalled && rb.stall_g);
    ck_assert_int_eq(iv__optim_newton(noisy, NULL, 4, y, &o, &rn), IV_OK);
    ck_assert(memcmp(x, y, sizeof x) == 0);
    ck_assert(r.f == rn.f);
    ck_assert(memcmp(r.g, rn.g, sizeof x) == 0);
    ck_assert_int_eq(r.newton_steps, rn.newton_steps);
    ck_assert_int_eq(r.evaluations, rb.evaluations + rn.evaluations - 1);
}
END_TEST

/* With the exact Hessian given, BFGS starts from its inverse: on a quadratic the first
 * step (alpha = 1, a Newton step) lands on the minimum x_i = i, however ill-scaled. */
START_TEST(bfgs_started_from_the_given_hessian_takes_the_newton_step)
{
    double x[4] = {3, -2, 5, 0.5};
    int i;
    o.hessian = quad_hess;
    quad_hess_calls = 0;
    ck_assert_int_eq(iv__optim_bfgs(quad, NULL, 4, x, &o, &r), IV_OK);
    ck_assert_int_eq(quad_hess_calls, 1);
    ck_assert_int_le(r.iterations, 1);
    for (i = 0; i < 4; i++)
        ck_assert_msg(fabs(x[i] - i) <= 1e-12, "x[%d] = %.17g", i, x[i]);
}
END_TEST

static void optim_tests(TCase *tc)
{
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, bfgs_finds_rosenbrock_minimum_from_classic_start);
    tcase_add_test(tc, bfgs_handles_ill_scaled_quadratic);
    tcase_add_test(tc, bfgs_backs_off_from_nan_region);
    tcase_add_test(tc, nelder_mead_finds_rosenbrock_minimum_without_gradient);
    tcase_add_test(tc, iteration_limit_gives_enoconv_and_keeps_best_point);
    tcase_add_test(tc, progress_callback_cancels_the_fit);
    tcase_add_test(tc, bad_arguments_are_einval);
    tcase_add_test(tc, numgrad_agrees_with_the_analytic_gradient);
    tcase_add_test(tc, minimize_is_deterministic);
    tcase_add_test(tc, stalled_bfgs_hands_over_to_newton_which_converges_on_the_decrement);
    tcase_add_test(tc, newton_after_a_stalled_bfgs_reuses_its_last_evaluation);
    tcase_add_test(tc, bfgs_passing_the_gradient_test_takes_no_newton_step);
    tcase_add_test(tc, newton_converges_from_near_a_minimum_and_refuses_a_saddle);
    tcase_add_test(tc, the_gradient_at_the_returned_point_is_kept);
    tcase_add_test(tc, bfgs_started_from_the_given_hessian_takes_the_newton_step);
}

TU_SUITE_MAIN("optim", optim_tests)
