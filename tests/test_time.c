/* Timestamps (doc/GUIDE.md §1): iv_time_parse, iv_time_format and the calendar arithmetic.
 * Expected epoch values come from GNU date, e.g. `date -u -d 2024-03-01 +%s`
 * -> 1709251200; the command for each constant is in the comment beside it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/ingest.h"
#include "timefmt.h"
#include "testutil.h"

static int64_t parse_ok(const char *s)
{
    int64_t t = 0;
    int rc = iv_time_parse(s, strlen(s), &t);
    ck_assert_msg(rc == IV_OK, "'%s' -> %d (%s)", s, rc, iv_error_last());
    return t;
}

static int parse_rc(const char *s)
{
    int64_t t = 0;
    return iv_time_parse(s, strlen(s), &t);
}

START_TEST(dates_and_date_times_parse_to_epoch_milliseconds)
{
    /* date -u -d 2024-03-01 +%s -> 1709251200 */
    ck_assert_int_eq(parse_ok("2024-03-01"), 1709251200000LL);
    /* date -u -d 2024-03-01T12:00:00Z +%s -> 1709294400 */
    ck_assert_int_eq(parse_ok("2024-03-01T12:00"), 1709294400000LL);
    ck_assert_int_eq(parse_ok("2024-03-01T12:00:00Z"), 1709294400000LL);
    ck_assert_int_eq(parse_ok("2024-03-01t12:00:00z"), 1709294400000LL);
    /* date -u -d "2024-03-01 12:00:05Z" +%s -> 1709294405, plus .123 */
    ck_assert_int_eq(parse_ok("2024-03-01 12:00:05.123"), 1709294405123LL);
    /* date -u -d 1970-01-01 +%s -> 0 */
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
    /* date -u -d 2016-12-31T23:59:59Z +%s -> 1483228799 */
    ck_assert_int_eq(parse_ok("2016-12-31T23:59:59"), 1483228799000LL);
}
END_TEST

START_TEST(offsets_are_subtracted_to_get_utc)
{
    /* 12:00+02:00 is 10:00Z: date -u -d 2024-03-01T10:00:00Z +%s -> 1709287200 */
    ck_assert_int_eq(parse_ok("2024-03-01T12:00:00+02:00"), 1709287200000LL);
    ck_assert_int_eq(parse_ok("2024-03-01T12:00:00+0200"), 1709287200000LL);
    ck_assert_int_eq(parse_ok("2024-03-01T12:00+02"), 1709287200000LL);
    ck_assert_int_eq(parse_ok("2024-03-01T12:00:00Z"), parse_ok("2024-03-01T12:00:00+00:00"));
}
END_TEST

START_TEST(offsets_move_across_midnight_and_month_ends)
{
    /* 22:30-05:00 is 03:30Z next day: date -u -d 2024-03-02T03:30:00Z +%s -> 1709350200 */
    ck_assert_int_eq(parse_ok("2024-03-01T22:30:00-05:00"), 1709350200000LL);
    /* 01:00+02:00 on March 1st is Feb 29th 23:00Z: date -u -d 2024-02-29T23:00:00Z +%s -> 1709247600 */
    ck_assert_int_eq(parse_ok("2024-03-01 01:00+02:00"), 1709247600000LL);
    /* 2016-12-31T23:59:59Z -> 1483228799 (date); +23:30 more is Jan 1st 2017 23:29:59 local */
    ck_assert_int_eq(parse_ok("2017-01-01T23:29:59+23:30"), 1483228799000LL);
}
END_TEST

START_TEST(fractional_seconds_keep_milliseconds)
{
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00.5Z"), 500);
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00.05"), 50);
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:01.999"), 1999);
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00.123456789Z"), 123); /* truncated */
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00,250"), 250);        /* ISO comma */
    ck_assert_int_eq(parse_rc("1970-01-01T00:00:00."), IV_EPARSE);
}
END_TEST

START_TEST(integer_epoch_seconds_are_accepted)
{
    ck_assert_int_eq(parse_ok("1709251200"), 1709251200000LL);
    ck_assert_int_eq(parse_ok("0"), 0);
    ck_assert_int_eq(parse_ok("-1"), -1000);
    ck_assert_int_eq(parse_rc("1709251200.5"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("99999999999999999999999"), IV_ERANGE);
}
END_TEST

START_TEST(leap_days_follow_the_gregorian_rule)
{
    /* date -u -d 2000-02-29 +%s -> 951782400 */
    ck_assert_int_eq(parse_ok("2000-02-29"), 951782400000LL);
    /* date -u -d 2024-02-29 +%s -> 1709164800 */
    ck_assert_int_eq(parse_ok("2024-02-29"), 1709164800000LL);
    ck_assert_int_eq(parse_rc("1900-02-29"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2023-02-29"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2100-02-29"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2024-02-30"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2024-04-31"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2024-13-01"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2024-00-10"), IV_EPARSE);
    ck_assert_int_eq(parse_rc("2024-01-00"), IV_EPARSE);
}
END_TEST

START_TEST(range_is_1900_to_2200_inclusive)
{
    /* date -u -d 1900-01-01 +%s -> -2208988800 */
    ck_assert_int_eq(parse_ok("1900-01-01"), -2208988800000LL);
    /* date -u -d 2200-12-31T23:59:59Z +%s -> 7289654399 */
    ck_assert_int_eq(parse_ok("2200-12-31T23:59:59.999Z"), 7289654399999LL);
    ck_assert_int_eq(parse_rc("1899-12-31T23:59:59Z"), IV_ERANGE);
    ck_assert_int_eq(parse_rc("2201-01-01"), IV_ERANGE);
    /* inside the range locally, outside in UTC */
    ck_assert_int_eq(parse_rc("1900-01-01T00:30+01:00"), IV_ERANGE);
    ck_assert_int_eq(parse_rc("0001-01-01"), IV_ERANGE);
    ck_assert_int_eq(parse_rc("-2208988801"), IV_ERANGE);
    ck_assert_int_eq(parse_ok("-2208988800"), -2208988800000LL);
}
END_TEST

START_TEST(trailing_garbage_and_malformed_text_are_rejected)
{
    static const char *const bad[] = {
        "2024-03-01x", "2024-03-01T", "2024-03-01T12", "2024-03-01T12:0", "2024-03-01T12:00:0",
        "2024-03-01T12:00:00Zx", "2024-03-01T12:00:00 ", " 2024-03-01", "2024-3-01",
        "24-03-01", "2024/03/01", "1709251200abc", "", "-", "abc", "2024-03-01T25:00",
        "2024-03-01T23:60", "2024-03-01T23:59:60", "2024-03-01Z",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(parse_rc(bad[i]) == IV_EPARSE, "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(bad_offsets_are_rejected)
{
    static const char *const bad[] = {
        "2024-03-01T12:00+24:00", "2024-03-01T12:00+02:60", "2024-03-01T12:00+2:00",
        "2024-03-01T12:00+02:0", "2024-03-01T12:00+020", "2024-03-01T12:00+", "2024-03-01T12:00 +02:00",
        "2024-03-01T12:00+02:00Z", "2024-03-01T12:00*02:00",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(parse_rc(bad[i]) == IV_EPARSE, "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(text_need_not_be_nul_terminated)
{
    int64_t t;
    ck_assert_int_eq(iv_time_parse("2024-03-01T12:00:00Zjunk", 20, &t), IV_OK);
    ck_assert_int_eq(t, 1709294400000LL);
}
END_TEST

START_TEST(format_writes_iso_utc_with_milliseconds_only_when_needed)
{
    char buf[32];
    ck_assert_int_eq(iv_time_format(1709294400000LL, buf, sizeof buf), IV_OK);
    ck_assert_str_eq(buf, "2024-03-01T12:00:00Z");
    ck_assert_int_eq(iv_time_format(1709294405123LL, buf, sizeof buf), IV_OK);
    ck_assert_str_eq(buf, "2024-03-01T12:00:05.123Z");
    ck_assert_int_eq(iv_time_format(-2208988800000LL, buf, sizeof buf), IV_OK);
    ck_assert_str_eq(buf, "1900-01-01T00:00:00Z");
    ck_assert_int_eq(iv_time_format(-1, buf, sizeof buf), IV_OK);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
    ck_assert_int_eq(iv_time_format(951782400000LL, buf, sizeof buf), IV_OK);
    ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
    ck_assert_int_eq(iv_time_format(0, buf, 16), IV_EINVAL);
    ck_assert_int_eq(iv_time_format(IV_TIME_NONE, buf, sizeof buf), IV_EINVAL);
}
END_TEST

/* Second method: count days one by one from 1900-01-01 (day -25567, from `date`) with
 * a month-length table, and compare with the closed-form arithmetic for every date. */
START_TEST(calendar_arithmetic_agrees_with_day_by_day_counting)
{
    static const int mlen[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int64_t day = -25567, y2;
    int y, m, d, m2, d2;
    for (y = 1900; y <= 2200; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (m = 1; m <= 12; m++) {
            int len = mlen[m - 1] + (m == 2 && leap);
            for (d = 1; d <= len; d++, day++) {
                ck_assert_int_eq(iv__days_from_civil(y, m, d), day);
                iv__civil_from_days(day, &y2, &m2, &d2);
                ck_assert(y2 == y && m2 == m && d2 == d);
            }
        }
    }
    /* date -u -d 2201-01-01 +%s / 86400 -> 84371 */
    ck_assert_int_eq(day, 84371);
}
END_TEST

START_TEST(format_then_parse_is_the_identity_at_odd_instants)
{
    static const int64_t ts[] = { 0, 1, 999, 1000, 86399999, -86400000, 1709294405123LL,
                                  -2208988800000LL, 7289654399999LL, 4102444800000LL };
    size_t i;
    char buf[32];
    for (i = 0; i < sizeof ts / sizeof *ts; i++) {
        ck_assert_int_eq(iv_time_format(ts[i], buf, sizeof buf), IV_OK);
        ck_assert_int_eq(parse_ok(buf), ts[i]);
    }
}
END_TEST

static int64_t cached_ok(iv__tcache *tc, const char *s)
{
    int64_t t = 0;
    int rc = iv__time_parse_cached(tc, s, strlen(s), &t);
    ck_assert_msg(rc == IV_OK, "'%s' -> %d (%s)", s, rc, iv_error_last());
    return t;
}

static int cached_rc(iv__tcache *tc, const char *s)
{
    int64_t t = 0;
    return iv__time_parse_cached(tc, s, strlen(s), &t);
}

START_TEST(cached_month_gives_the_same_instants_across_month_and_year_ends)
{
    iv__tcache tc;
    memset(&tc, 0, sizeof tc);
    /* date -u -d 2024-02-01T08:30:15Z +%s -> 1706776215 */
    ck_assert_int_eq(cached_ok(&tc, "2024-02-01T08:30:15Z"), 1706776215000LL);
    /* date -u -d 2024-02-29T23:59:59Z +%s -> 1709251199 (leap day, same cached month) */
    ck_assert_int_eq(cached_ok(&tc, "2024-02-29T23:59:59Z"), 1709251199000LL);
    /* date -u -d 2024-03-01T00:00:00Z +%s -> 1709251200 (next month) */
    ck_assert_int_eq(cached_ok(&tc, "2024-03-01T00:00:00Z"), 1709251200000LL);
    /* date -u -d 2023-12-31T23:59:59Z +%s -> 1704067199 (back a year) */
    ck_assert_int_eq(cached_ok(&tc, "2023-12-31T23:59:59Z"), 1704067199000LL);
    /* date -u -d 2023-02-28T12:00:00Z +%s -> 1677585600 */
    ck_assert_int_eq(cached_ok(&tc, "2023-02-28T12:00:00Z"), 1677585600000LL);
    /* other spellings go through the general parser: 12:00+02:00 is 10:00Z,
     * date -u -d 2024-03-01T10:00:00Z +%s -> 1709287200 */
    ck_assert_int_eq(cached_ok(&tc, "2024-03-01T12:00:00+02:00"), 1709287200000LL);
    ck_assert_int_eq(cached_ok(&tc, "2024-03-01 10:00:00Z"), 1709287200000LL);
}
END_TEST

START_TEST(cached_month_still_rejects_bad_days_times_and_range)
{
    iv__tcache tc;
    memset(&tc, 0, sizeof tc);
    ck_assert_int_eq(cached_ok(&tc, "2023-02-28T12:00:00Z"), 1677585600000LL);
    /* 2023 is not a leap year: February 29th does not exist, cache or not */
    ck_assert_int_eq(cached_rc(&tc, "2023-02-29T12:00:00Z"), IV_EPARSE);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "no such day"));
    ck_assert_int_eq(cached_rc(&tc, "2023-02-00T12:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(&tc, "2023-02-1xT12:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(&tc, "2023-02-10T24:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(&tc, "2023-02-10T23:60:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(&tc, "2023-02-10T23:59:60Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(&tc, "2023-13-10T23:59:59Z"), IV_EPARSE);
    /* range ends: date -u -d 2200-12-31T23:59:59Z +%s -> 7289654399,
     * date -u -d 1900-01-01T00:00:00Z +%s -> -2208988800 */
    ck_assert_int_eq(cached_ok(&tc, "2200-12-31T23:59:59Z"), 7289654399000LL);
    ck_assert_int_eq(cached_ok(&tc, "1900-01-01T00:00:00Z"), -2208988800000LL);
    ck_assert_int_eq(cached_rc(&tc, "1899-12-31T23:59:59Z"), IV_ERANGE);
    ck_assert_int_eq(cached_rc(&tc, "2201-01-01T00:00:00Z"), IV_ERANGE);
    /* a failure leaves the cache usable */
    ck_assert_int_eq(cached_ok(&tc, "2023-02-28T12:00:00Z"), 1677585600000LL);
}
END_TEST

START_TEST(fast_path_converts_any_order_of_dates_without_state)
{
    /* the fast path keeps no state: dates far apart in any order, values from
     * date -u -d DATE +%s */
    ck_assert_int_eq(cached_ok(NULL, "2100-03-01T00:00:00Z"), 4107542400000LL);
    ck_assert_int_eq(cached_ok(NULL, "1900-03-01T00:00:00Z"), -2203891200000LL);
    ck_assert_int_eq(cached_ok(NULL, "2000-02-29T12:34:56Z"), 951827696000LL);
    ck_assert_int_eq(cached_ok(NULL, "1969-12-31T23:59:59Z"), -1000LL);
    ck_assert_int_eq(cached_ok(NULL, "2024-02-29T23:59:59Z"), 1709251199000LL);
    /* 2100 and 1900 are not leap years (divisible by 100, not by 400) */
    ck_assert_int_eq(cached_rc(NULL, "2100-02-29T00:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(NULL, "1900-02-29T00:00:00Z"), IV_EPARSE);
    /* a non-digit anywhere in the year is an error, not a different year */
    ck_assert_int_eq(cached_rc(NULL, "19x0-01-01T00:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(NULL, "200x-01-01T00:00:00Z"), IV_EPARSE);
    ck_assert_int_eq(cached_rc(NULL, "2000/01-01T00:00:00Z"), IV_EPARSE);
}
END_TEST


/* One text through the fast path and through the general parser: the same code, the
 * same instant, the same message. Returns the code. */
static int fast_as_general(const char *s, size_t n, int64_t *t)
{
    char msg[512];
    int64_t tf = 0, tg = 0;
    int rf = iv__time_parse_cached(NULL, s, n, &tf), rg;
    snprintf(msg, sizeof msg, "%s", rf ? iv_error_last() : "");
    rg = iv_time_parse(s, n, &tg);
    ck_assert_msg(rf == rg, "'%.*s': fast path %d, general parser %d", (int)n, s, rf, rg);
    if (rf == IV_OK)
        ck_assert_msg(tf == tg, "'%.*s': fast path %lld, general parser %lld", (int)n, s, (long long)tf,
                      (long long)tg);
    else
        ck_assert_str_eq(msg, iv_error_last());
    *t = tf;
    return rf;
}

/* tests/data/time/iso_instants.csv: 4000 timestamps in the fast path's spellings (Z,
 * .sssZ, +hh:mm, .sss+hh:mm) and near misses, with the instant computed by Python's
 * datetime (make_iso_instants.py there), empty when invalid or out of range, '?' for a
 * spoilt byte (then only the general parser's answer is the reference). */
START_TEST(fast_path_gives_pythons_instants_for_every_spelling)
{
    char path[1024], *data, *line, *next;
    size_t n, rows = 0, good = 0;
    data = tu_read_file(tu_data_path(path, sizeof path, "time/iso_instants.csv"), &n);
    ck_assert_ptr_nonnull(data);
    line = strchr(data, '\n') + 1; /* after the header */
    for (; *line; line = next) {
        char *comma, *end = strchr(line, '\n');
        int64_t t = 0;
        int rc;
        ck_assert_ptr_nonnull(end);
        next = end + 1;
        *end = '\0';
        comma = strrchr(line, ',');
        ck_assert_ptr_nonnull(comma);
        rc = fast_as_general(line, (size_t)(comma - line), &t);
        if (comma[1] == '\0') {
            ck_assert_msg(rc != IV_OK, "'%s' parsed as %lld", line, (long long)t);
        } else if (comma[1] != '?') {
            ck_assert_msg(rc == IV_OK, "'%s': %s", line, iv_error_last());
            ck_assert_msg(t == strtoll(comma + 1, NULL, 10), "'%s' -> %lld", line, (long long)t);
            good++;
        }
        rows++;
    }
    ck_assert_uint_eq(rows, 4000);
    ck_assert_uint_gt(good, 2000);
    free(data);
}
END_TEST

/* Every byte value at every position of a valid timestamp of each spelling: the fast
 * path answers exactly as the general parser (code, instant, message), so no spoilt
 * byte slips through its word-at-a-time checks. */
START_TEST(fast_path_agrees_with_the_general_parser_on_every_spoilt_byte)
{
    static const char *const ok[] = { "2024-02-29T23:59:59Z", "1900-01-01T00:00:00.000Z",
                                      "2200-12-31T23:59:59.999Z", "2024-03-01T00:30:00+01:00",
                                      "1900-01-01T00:59:59-00:30", "2200-12-31T23:30:00.500+00:45" };
    size_t k, at;
    unsigned v;
    for (k = 0; k < sizeof ok / sizeof *ok; k++) {
        size_t n = strlen(ok[k]);
        char s[40];
        int64_t t;
        ck_assert_msg(fast_as_general(ok[k], n, &t) == IV_OK, "%s: %s", ok[k], iv_error_last());
        for (at = 0; at < n; at++)
            for (v = 0; v < 256; v++) {
                memcpy(s, ok[k], n);
                s[at] = (char)v;
                (void)fast_as_general(s, n, &t);
            }
    }
}
END_TEST

static void time_tests(TCase *tc)
{
    tcase_add_test(tc, dates_and_date_times_parse_to_epoch_milliseconds);
    tcase_add_test(tc, offsets_are_subtracted_to_get_utc);
    tcase_add_test(tc, offsets_move_across_midnight_and_month_ends);
    tcase_add_test(tc, fractional_seconds_keep_milliseconds);
    tcase_add_test(tc, integer_epoch_seconds_are_accepted);
    tcase_add_test(tc, leap_days_follow_the_gregorian_rule);
    tcase_add_test(tc, range_is_1900_to_2200_inclusive);
    tcase_add_test(tc, fast_path_converts_any_order_of_dates_without_state);
    tcase_add_test(tc, trailing_garbage_and_malformed_text_are_rejected);
    tcase_add_test(tc, bad_offsets_are_rejected);
    tcase_add_test(tc, text_need_not_be_nul_terminated);
    tcase_add_test(tc, format_writes_iso_utc_with_milliseconds_only_when_needed);
    tcase_add_test(tc, calendar_arithmetic_agrees_with_day_by_day_counting);
    tcase_add_test(tc, format_then_parse_is_the_identity_at_odd_instants);
    tcase_add_test(tc, cached_month_gives_the_same_instants_across_month_and_year_ends);
    tcase_add_test(tc, cached_month_still_rejects_bad_days_times_and_range);
    tcase_add_test(tc, fast_path_gives_pythons_instants_for_every_spelling);
    tcase_add_test(tc, fast_path_agrees_with_the_general_parser_on_every_spoilt_byte);
}

TU_SUITE_MAIN("time", time_tests)
