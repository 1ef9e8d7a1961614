/* Decimal text to double, correctly rounded and independent of the C locale.
 *
 * Fast path (Clinger, "How to read floating point numbers accurately", PLDI 1990):
 * when the decimal significand m fits in 53 bits and |e| <= 22, both m and 10^|e| are
 * exact doubles, so a single IEEE multiplication or division gives the correctly
 * rounded result. When e > 22 but m * 10^(e-22) still fits in 53 bits, that product is
 * exact and one more multiplication by 1e22 rounds once. Every other input (more than
 * 19 significant digits, large exponents) goes to strtod(), which glibc rounds
 * correctly; the text handed to it is rewritten with the current locale's decimal
 * point so a program that called setlocale() still parses "1.5" as 1.5. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

#include "numparse.h"

static const double iv__pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define IV__TWO53 9007199254740992ull
#define IV__SLOW_MAX 512 /* longest text handed to the strtod fallback */

/* The fallback: s has been checked against the grammar, so strtod sees only digits,
 * signs, one '.', and an exponent. */
static int iv__num_slow(const char *s, size_t n, double *out)
{
    char buf[IV__SLOW_MAX + 8];
    const char *dp = localeconv()->decimal_point;
    size_t dpn = (dp && *dp) ? strlen(dp) : 1;
    size_t i, j = 0;
    char *end;
    double d;

    if (!dp || !*dp)
        dp = ".";
    if (n + dpn > IV__SLOW_MAX)
        return IV_EPARSE;
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(buf + j, dp, dpn);
            j += dpn;
        } else {
            buf[j++] = s[i];
        }
    }
    buf[j] = '\0';
    errno = 0;
    d = strtod(buf, &end);
    if (end != buf + j)
        return IV_EPARSE;
    if (isinf(d))
        return IV_ERANGE;
    *out = d;
    return IV_OK;
}

/* The short plain decimals of most exports ("3.40", "-12", ".5"): at most 15 bytes of
 * an optional sign, digits and at most one '.', no exponent. Their significand has at
 * most 15 digits (< 2^53) and their exponent is -(digits after the point), >= -15, so
 * the general path below takes its exact branch with the same m and exponent: the same
 * bits, from one loop without its per-digit bookkeeping (significant and dropped
 * digits). Returns 1 with *out set, or 0 for the general path (anything else). */
static inline int iv__num_short(const char *s, size_t n, double *out)
{
    const char *p = s, *e = s + n, *dot = NULL;
    uint64_t m = 0;
    int neg = 0, nd = 0;
    double d;
    if (n == 0 || n > 15)
        return 0;
    if (*p == '+' || *p == '-')
        neg = (*p++ == '-');
    for (; p < e; p++) {
        unsigned dg = (unsigned)(*p - '0');
        if (dg < 10) {
            m = m * 10 + dg;
            nd++;
        } else if (*p == '.' && !dot) {
            dot = p;
        } else {
            return 0;
        }
    }
    if (nd == 0)
        return 0;
    d = (double)m;
    if (dot && e - dot > 1)
        d /= iv__pow10[e - dot - 1];
    *out = neg ? -d : d;
    return 1;
}

int iv__num_parse(const char *s, size_t n, double *out)
{
    const char *p = s, *e = s + n;
    int neg = 0, eneg = 0;
    uint64_t m = 0;
    int sig = 0;          /* significant digits accumulated into m */
    int dropped = 0;      /* significant digits beyond 19 (force the slow path) */
    long exp10 = 0;       /* decimal exponent to apply to m */
    long ex = 0;
    int ndig = 0;
    double d;

    if (iv__num_short(s, n, out))
        return IV_OK;
    if (p < e && (*p == '+' || *p == '-'))
        neg = (*p++ == '-');
    /* integer part */
    for (; p < e && (unsigned)(*p - '0') < 10; p++, ndig++) {
        unsigned dg = (unsigned)(*p - '0');
        if (sig < 19) {
            if (m || dg) {
                m = m * 10 + dg;
                sig += 1;
            }
        } else {
            dropped |= (dg != 0);
            exp10++;
        }
    }
    if (p < e && *p == '.') {
        p++;
        for (; p < e && (unsigned)(*p - '0') < 10; p++, ndig++) {
            unsigned dg = (unsigned)(*p - '0');
            if (sig < 19) {
                if (m || dg) {
                    m = m * 10 + dg;
                    sig += 1;
                }
                exp10--;
            } else if (dg) {
                dropped = 1;
            }
        }
    }
    if (ndig == 0)
        return IV_EPARSE;
    if (p < e && (*p == 'e' || *p == 'E')) {
        int edig = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = (*p++ == '-');
        for (; p < e && (unsigned)(*p - '0') < 10; p++, edig++)
            if (ex < 100000)
                ex = ex * 10 + (*p - '0');
        if (edig == 0)
            return IV_EPARSE;
        exp10 += eneg ? -ex : ex;
    }
    if (p != e)
        return IV_EPARSE;

    if (m == 0 && !dropped) {
        *out = neg ? -0.0 : 0.0;
        return IV_OK;
    }
    if (!dropped && m < IV__TWO53) {
        if (exp10 >= -22 && exp10 <= 22) {
            d = (double)m;
            d = exp10 < 0 ? d / iv__pow10[-exp10] : d * iv__pow10[exp10];
            *out = neg ? -d : d;
            return IV_OK;
        }
        if (exp10 > 22 && exp10 <= 22 + 15) {
            uint64_t mm = m;
            long k;
            for (k = exp10 - 22; k > 0 && mm < IV__TWO53; k--)
                mm *= 10;
            if (k == 0 && mm < IV__TWO53) {
                d = (double)mm * 1e22;
                *out = neg ? -d : d;
                return IV_OK;
            }
        }
    }
    return iv__num_slow(s, n, out);
}
