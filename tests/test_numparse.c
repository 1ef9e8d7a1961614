/* Decimal parsing: exact results against the C compiler's own literal conversion
 * and against glibc strtod (both correctly rounded, independent of the code under
 * test), and the grammar doc/GUIDE.md §1 needs (NaN, inf and overflow are bad values). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"
#include "testutil.h"

static double num_ok(const char *s)
{
    double d = -12345;
    int rc = iv__num_parse(s, strlen(s), &d);
    ck_assert_msg(rc == IV_OK, "'%s' -> %d", s, rc);
    return d;
}

static int num_rc(const char *s)
{
    double d;
    return iv__num_parse(s, strlen(s), &d);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(values_match_the_compilers_literals_bit_for_bit)
{
    ck_assert(same_bits(num_ok("0.1"), 0.1));
    ck_assert(same_bits(num_ok("3"), 3.0));
    ck_assert(same_bits(num_ok("-2.5"), -2.5));
    ck_assert(same_bits(num_ok("+7.25"), 7.25));
    ck_assert(same_bits(num_ok(".5"), 0.5));
    ck_assert(same_bits(num_ok("5."), 5.0));
    ck_assert(same_bits(num_ok("1e3"), 1000.0));
    ck_assert(same_bits(num_ok("1E-3"), 0.001));
    ck_assert(same_bits(num_ok("123.456e+2"), 12345.6));
    ck_assert(same_bits(num_ok("0.000001234"), 0.000001234));
    ck_assert(same_bits(num_ok("-0"), -0.0));
    ck_assert(same_bits(num_ok("0e999"), 0.0));
    ck_assert(same_bits(num_ok("9007199254740993"), 9007199254740992.0)); /* ties to even */
    ck_assert(same_bits(num_ok("1.7976931348623157e308"), 1.7976931348623157e308));
    ck_assert(same_bits(num_ok("4.9406564584124654e-324"), 4.9406564584124654e-324));
    ck_assert(same_bits(num_ok("2.2250738585072011e-308"), 2.2250738585072011e-308));
    ck_assert(same_bits(num_ok("123456789012345678901234567890"), 123456789012345678901234567890.0));
    ck_assert(same_bits(num_ok("0.30000000000000000000000000001"), 0.30000000000000000000000000001));
    ck_assert(same_bits(num_ok("1e23"), 1e23));
    ck_assert(same_bits(num_ok("12e30"), 12e30));
    ck_assert(same_bits(num_ok("1e-400"), 0.0));
}
END_TEST

START_TEST(nan_inf_overflow_and_malformed_text_are_refused)
{
    static const char *const bad[] = { "", "-", "+", ".", "e5", "1e", "1e+", "nan", "NaN", "inf",
                                       "-inf", "Infinity", "0x10", " 1", "1 ", "1.2.3", "1,5",
                                       "--1", "1e5.5", "12a" };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(num_rc(bad[i]) == IV_EPARSE, "'%s' accepted", bad[i]);
    ck_assert_int_eq(num_rc("1e999"), IV_ERANGE);
    ck_assert_int_eq(num_rc("-1e309"), IV_ERANGE);
    ck_assert_int_eq(num_rc("1.7976931348623159e308"), IV_ERANGE);
}
END_TEST

/* 200,000 random decimal strings (1 to 24 digits, a point anywhere, exponents that
 * reach denormals and overflow) against glibc strtod in the C locale. */
START_TEST(random_decimals_match_strtod)
{
    char buf[64];
    unsigned long x = 88172645463325252UL;
    int it;
    for (it = 0; it < 200000; it++) {
        int nd, dot, k, e, len = 0;
        double a, b;
        int rca;
        char *end;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        nd = 1 + (int)(x % 24);
        dot = (int)((x >> 8) % (unsigned long)(nd + 2));
        e = (int)((x >> 16) % 700) - 350;
        if ((x >> 30) & 1)
            buf[len++] = '-';
        for (k = 0; k < nd; k++) {
            if (k == dot)
                buf[len++] = '.';
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[len++] = (char)('0' + x % 10);
        }
        if ((x >> 40) & 1)
            len += snprintf(buf + len, sizeof buf - (size_t)len, "e%d", e);
        else if ((x >> 41) & 1)
            len += snprintf(buf + len, sizeof buf - (size_t)len, "e%d", e % 23);
        buf[len] = '\0';
        b = strtod(buf, &end);
        rca = iv__num_parse(buf, (size_t)len, &a);
        if (isinf(b)) {
            ck_assert_msg(rca == IV_ERANGE, "'%s' -> %d", buf, rca);
        } else {
            ck_assert_msg(rca == IV_OK && same_bits(a, b), "'%s': %.17g vs strtod %.17g", buf, a, b);
        }
    }
}
END_TEST

/* The grammar of a number, written out independently of the parser: an optional sign,
 * digits with at most one '.', at least one digit, then optionally 'e' or 'E', an
 * optional sign and at least one digit. */
static int grammar_ok(const char *s)
{
    int nd = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        nd++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            nd++;
    if (nd == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        int ne = 0;
        s++;
        if (*s == '+' || *s == '-')
            s++;
        for (; *s >= '0' && *s <= '9'; s++)
            ne++;
        if (ne == 0)
            return 0;
    }
    return *s == '\0';
}

/* Every text of 1 to 6 bytes over digits, '.', signs, 'e' and a blank (the short path
 * of plain decimals up to 15 bytes and the texts it must leave to the general one:
 * two points, exponents, blanks, a lone sign or point) and 10,000 plain decimals of 13
 * to 17 bytes (around the short path's limit of 15): a text of the grammar is read as
 * strtod reads it, bit for bit (-0 included; out of range where strtod overflows), any
 * other is refused. */
START_TEST(every_short_text_reads_as_strtod_or_is_refused)
{
    static const char alpha[] = "0159.-+e ";
    const size_t na = sizeof alpha - 1;
    char buf[32];
    size_t len, k, code, total;
    unsigned long x = 2463534242UL;
    int it;
    for (len = 1; len <= 6; len++) {
        for (total = 1, k = 0; k < len; k++)
            total *= na;
        for (code = 0; code < total; code++) {
            size_t c = code;
            double a = 0, b;
            int rc;
            for (k = 0; k < len; k++, c /= na)
                buf[k] = alpha[c % na];
            buf[len] = '\0';
            rc = iv__num_parse(buf, len, &a);
            if (!grammar_ok(buf)) {
                ck_assert_msg(rc == IV_EPARSE, "'%s' -> %d", buf, rc);
                continue;
            }
            b = strtod(buf, NULL);
            if (isinf(b)) /* 1e999: out of range */
                ck_assert_msg(rc == IV_ERANGE, "'%s' -> %d", buf, rc);
            else
                ck_assert_msg(rc == IV_OK && same_bits(a, b), "'%s': %d %.17g vs strtod %.17g", buf, rc, a, b);
        }
    }
    for (it = 0; it < 10000; it++) {
        int n = 13 + it % 5, dot, i, l = 0;
        double a = 0, b;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        dot = (int)(x % (unsigned long)(n + 1)); /* n: no point */
        if (x & 0x100000)
            buf[l++] = '-';
        for (i = 0; l < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[l++] = i == dot ? '.' : (char)('0' + x % 10);
        }
        buf[l] = '\0';
        b = strtod(buf, NULL);
        ck_assert_msg(iv__num_parse(buf, (size_t)l, &a) == IV_OK && same_bits(a, b), "'%s': %.17g vs strtod %.17g",
                      buf, a, b);
    }
}
END_TEST

static void numparse_tests(TCase *tc)
{
    tcase_add_test(tc, values_match_the_compilers_literals_bit_for_bit);
    tcase_add_test(tc, nan_inf_overflow_and_malformed_text_are_refused);
    tcase_add_test(tc, random_decimals_match_strtod);
    tcase_add_test(tc, every_short_text_reads_as_strtod_or_is_refused);
}

TU_SUITE_MAIN("numparse", numparse_tests)
