/* Exact, order-independent sums of doubles: each term is rounded once to a multiple of
 * 1e-9 (a deterministic function of the term alone) and added into a 128-bit integer.
 * Integer addition is associative and commutative, so a sum is the same to the last bit
 * whatever the order of its terms or how they were partitioned and merged.
 * Range: |term| <= 1e15 (larger terms are clamped: the store rejects money beyond it);
 * |sum| < 1.7e29. */
#ifndef IV_SRC_EXACT_H
#define IV_SRC_EXACT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if !defined(__SIZEOF_INT128__)
#error "libiv needs a compiler with a 128-bit integer type (__int128)"
#endif

__extension__ typedef __int128 iv__i128;
__extension__ typedef unsigned __int128 iv__u128;

#define IV__FIX_SCALE 1000000000.0 /* units per 1.0 */
#define IV__FIX_MAX 1e15

/* The fixed-point value of one term. */
static inline iv__i128 iv__fix_of(double v)
{
    double ip, fp;
    if (!(v == v) || v == 0)
        return 0;
    /* fast path: below 2^53 / 1e9 the scaled value is one correctly rounded product,
     * then rounded half away from zero: still a function of v alone */
    if (v > -9e6 && v < 9e6) {
        double x = v * IV__FIX_SCALE;
        return (iv__i128)(int64_t)(x < 0 ? x - 0.5 : x + 0.5);
    }
    if (v > IV__FIX_MAX)
        v = IV__FIX_MAX;
    if (v < -IV__FIX_MAX)
        v = -IV__FIX_MAX;
    /* integer and fractional parts are exact in double; round only the fraction */
    fp = modf(v, &ip);
    return (iv__i128)(int64_t)ip * 1000000000 + (iv__i128)llround(fp * IV__FIX_SCALE);
}

/* iv__fix_of for a term that is absent (NaN, which counts 0) in some rows and given in
 * others, in no predictable order: the same value, with no branch on NaN or the sign
 * below 9e6 in magnitude. NaN is zeroed by a mask (bits, since the compiler turns a
 * select of doubles into a branch) before the fast path's rounding (x + copysign(0.5, x)
 * is the x - 0.5 of a negative x); the one branch, to iv__fix_of for larger terms, is
 * false for NaN. */
static inline iv__i128 iv__fix_of_absent(double v)
{
    double a = fabs(v), x;
    uint64_t bits;
    if (__builtin_expect(a >= 9e6, 0))
        return iv__fix_of(v);
    memcpy(&bits, &v, sizeof bits);
    bits &= 0 - (uint64_t)(a < 9e6); /* 0 for NaN */
    memcpy(&x, &bits, sizeof x);
    x *= IV__FIX_SCALE;
    return (iv__i128)(int64_t)(x + copysign(0.5, x));
}

/* Back to a double: integer part plus remainder, each converted once. */
static inline double iv__fix_to_double(iv__i128 s)
{
    iv__i128 q = s / 1000000000, r = s % 1000000000;
    return (double)q + (double)(int64_t)r / IV__FIX_SCALE;
}

/* Serialise as two 64-bit words (for summaries): hi is the signed upper half. */
static inline void iv__fix_split(iv__i128 s, int64_t *hi, uint64_t *lo)
{
    *lo = (uint64_t)s;
    *hi = (int64_t)(s >> 64);
}
static inline iv__i128 iv__fix_join(int64_t hi, uint64_t lo)
{
    return (iv__i128)(((iv__u128)(uint64_t)hi << 64) | lo);
}

#endif
