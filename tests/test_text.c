/* The text toolkit (src/util/text.c): blanks and trimming, positioned errors, finite
 * numbers, separated lists, the INI tokenizer and the CSV field writer. Expected values are
 * written out by hand from the grammar in text.h and RFC 4180 section 2. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "testutil.h"

static int trimmed_is(const char *in, const char *want)
{
    const char *s = in;
    size_t n = strlen(in);
    iv__trim(&s, &n);
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

START_TEST(trim_strips_the_one_blank_set_and_nothing_else)
{
    ck_assert(trimmed_is(" \t\r\v\fab c\f\v\r\t ", "ab c"));
    ck_assert(trimmed_is("", ""));
    ck_assert(trimmed_is(" \t ", ""));
    ck_assert(trimmed_is("\nx\n", "\nx\n")); /* line feeds are not blanks */
    ck_assert(trimmed_is("\xC2\xA0x", "\xC2\xA0x")); /* nor is a UTF-8 no-break space */
    ck_assert_int_eq(iv__text_space(' '), 1);
    ck_assert_int_eq(iv__text_space('\n'), 0);
    ck_assert_int_eq(iv__text_space('\0'), 0);
}
END_TEST

START_TEST(parse_error_names_origin_and_line)
{
    ck_assert_int_eq(iv__parse_error("a.ini", 7, "bad %s", "thing"), IV_EPARSE);
    ck_assert_str_eq(iv_error_last(), "a.ini:7: bad thing");
    ck_assert_int_eq(iv__parse_error(NULL, 12, "x"), IV_EPARSE);
    ck_assert_str_eq(iv_error_last(), "line 12: x");
}
END_TEST

START_TEST(parse_finite_takes_decimals_and_refuses_the_rest)
{
    double d = -1;
    ck_assert_int_eq(iv__parse_finite("2.5", 3, &d), 1);
    ck_assert(d == 2.5);
    ck_assert_int_eq(iv__parse_finite("-1e2", 4, &d), 1);
    ck_assert(d == -100.0);
    d = 42;
    ck_assert_int_eq(iv__parse_finite("", 0, &d), 0);
    ck_assert_int_eq(iv__parse_finite("nan", 3, &d), 0);
    ck_assert_int_eq(iv__parse_finite("inf", 3, &d), 0);
    ck_assert_int_eq(iv__parse_finite("1e999", 5, &d), 0);
    ck_assert_int_eq(iv__parse_finite(" 1", 2, &d), 0);
    ck_assert_int_eq(iv__parse_finite("0x10", 4, &d), 0);
    ck_assert(d == 42); /* untouched on failure */
}
END_TEST

/* The items of s joined by '|' after trimming. */
static void list_is(const char *s, char sep, const char *want)
{
    char got[256] = "";
    size_t pos = 0, n, len = 0;
    const char *item;
    int first = 1;
    while (iv__list_next(s, strlen(s), sep, &pos, &item, &n)) {
        if (!first)
            got[len++] = '|';
        memcpy(got + len, item, n);
        len += n;
        got[len] = '\0';
        first = 0;
    }
    ck_assert_msg(strcmp(got, want) == 0, "'%s' -> '%s', want '%s'", s, got, want);
}

START_TEST(lists_split_on_the_separator_and_trim_items)
{
    list_is("a, b ,c", ',', "a|b|c");
    list_is("", ',', "");           /* one empty item */
    list_is("a,", ',', "a|");       /* a trailing separator: an empty last item */
    list_is(",,", ',', "||");
    list_is("demo | trial", '|', "demo|trial");
    list_is("x,y", '|', "x,y");
}
END_TEST

/* Run the tokenizer over text and render what it delivers: "[section]" for a header,
 * "key=value" for a pair, each followed by "@line "; an error renders as "ERR". */
static const char *ini_render_mode(const char *text, size_t len, char *out, size_t cap,
                                   int free_form)
{
    iv__ini t;
    int rc;
    size_t used = 0;
    out[0] = '\0';
    iv__ini_init(&t, text, len, NULL);
    t.free_form = free_form;
    while ((rc = iv__ini_next(&t)) > 0) {
        if (rc == IV__INI_SECTION)
            used += (size_t)snprintf(out + used, cap - used, "[%.*s]@%ld ", (int)t.section_len,
                                     t.section, t.line);
        else
            used += (size_t)snprintf(out + used, cap - used, "%s:%.*s=%.*s@%ld ",
                                     t.section ? "in" : "top", (int)t.key_len, t.key,
                                     (int)t.value_len, t.value, t.line);
    }
    if (rc < 0)
        snprintf(out + used, cap - used, "ERR");
    return out;
}

static const char *ini_render(const char *text, size_t len, char *out, size_t cap)
{
    return ini_render_mode(text, len, out, cap, 0);
}

#define FREE_INI_IS(text, want)                                                           \
    do {                                                                                  \
        char buf_[512];                                                                   \
        ck_assert_str_eq(ini_render_mode(text, sizeof text - 1, buf_, sizeof buf_, 1), want); \
    } while (0)

#define INI_IS(text, want)                                                                \
    do {                                                                                  \
        char buf_[512];                                                                   \
        ck_assert_str_eq(ini_render(text, sizeof text - 1, buf_, sizeof buf_), want);     \
    } while (0)

START_TEST(ini_delivers_sections_and_pairs_in_order_with_lines)
{
    INI_IS("\xEF\xBB\xBF# comment\n; another\n\n[values.outcome]\r\n"
           "won = 1 ; inline\nwon = 2\nlost=\n  [ type.meeting ]  # c\nk-2.x = a b # c\n",
           "[values.outcome]@4 in:won=1@5 in:won=2@6 in:lost=@7 [type.meeting]@8 "
           "in:k-2.x=a b@9 ");
    INI_IS("top = 1\n[s]\n", "top:top=1@1 [s]@2 ");
    INI_IS("", "");
    INI_IS("[type.\"a ] b\"]\nk = v", "[type.\"a ] b\"]@1 in:k=v@2 ");
}
END_TEST

START_TEST(ini_errors_name_the_line_and_what_is_wrong)
{
    static const struct { const char *text; const char *msg; } bad[] = {
        { "[s]\njust words\n", "f.ini:2: expected 'key = value', '[section]' or a comment" },
        { "[s\n", "f.ini:1: section header without ']'" },
        { "[s] x\n", "f.ini:1: unexpected text after [s]" },
        { "\n\nk y = 1\n", "f.ini:3: bad key 'k y'" },
        { "= 1\n", "f.ini:1: missing key before '='" },
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        iv__ini t;
        int rc;
        iv__ini_init(&t, bad[i].text, strlen(bad[i].text), "f.ini");
        while ((rc = iv__ini_next(&t)) > 0)
            ;
        ck_assert_int_eq(rc, IV_EPARSE);
        ck_assert_str_eq(iv_error_last(), bad[i].msg);
    }
    {
        static const char nul[] = "[s]\nk = a\0b\n";
        iv__ini t;
        int rc;
        iv__ini_init(&t, nul, sizeof nul - 1, NULL);
        ck_assert_int_eq(iv__ini_next(&t), IV__INI_SECTION);
        rc = iv__ini_next(&t);
        ck_assert_int_eq(rc, IV_EPARSE);
        ck_assert_str_eq(iv_error_last(), "line 2: NUL byte in the text");
        ck_assert_int_eq(iv__ini_error(&t, "about %d", 5), IV_EPARSE);
        ck_assert_str_eq(iv_error_last(), "line 2: about 5");
    }
}
END_TEST

/* The source profiles' grammar: keys are column names, values run to the end of line. */
START_TEST(ini_free_form_takes_column_names_quoted_keys_and_whole_values)
{
    FREE_INI_IS("[map]\nPhone call (incoming) = phone\n\"a = b\" = c\n"
                "[source]\ndelimiter = ;\ntime_format = %d/%m #x\n# c\n",
                "[map]@1 in:Phone call (incoming)=phone@2 in:a = b=c@3 [source]@4 "
                "in:delimiter=;@5 in:time_format=%d/%m #x@6 ");
    FREE_INI_IS("[s]\n\"k\" x\n", "[s]@1 ERR");
    FREE_INI_IS("[s]\n\"k = 1\n", "[s]@1 ERR");
    FREE_INI_IS("[s]\nno equals here\n", "[s]@1 ERR");
    /* the strict grammar refuses the same key and cuts the value at ';' */
    INI_IS("[map]\nPhone call (incoming) = phone\n", "[map]@1 ERR");
    INI_IS("[source]\ndelimiter = ;\n", "[source]@1 in:delimiter=@2 ");
    /* a NUL byte is refused even inside a comment line */
    {
        static const char nul[] = "[s]\n# a\0b\nk = 1\n";
        char buf[64];
        ck_assert_str_eq(ini_render(nul, sizeof nul - 1, buf, sizeof buf), "[s]@1 ERR");
    }
}
END_TEST

static void put_buf(void *payload, const char *s, size_t n)
{
    char *b = payload;
    size_t len = strlen(b);
    memcpy(b + len, s, n);
    b[len + n] = '\0';
}

static void field_is(const char *in, char delim, const char *want)
{
    char buf[256] = "";
    iv__csv_put_field(in, delim, put_buf, buf);
    ck_assert_msg(strcmp(buf, want) == 0, "'%s' -> '%s', want '%s'", in, buf, want);
}

START_TEST(csv_fields_are_quoted_only_when_needed)
{
    field_is("plain", ',', "plain");
    field_is("", ',', "");
    field_is("a,b", ',', "\"a,b\"");
    field_is("a,b", ';', "a,b");
    field_is("a;b", ';', "\"a;b\"");
    field_is("say \"hi\"", ',', "\"say \"\"hi\"\"\"");
    field_is("\"", ',', "\"\"\"\"");
    field_is("two\nlines", ',', "\"two\nlines\"");
    field_is("cr\r", ',', "\"cr\r\"");
    field_is(" edge", ',', "\" edge\"");
    field_is("edge\t", ',', "\"edge\t\"");
    field_is("in side", ',', "in side");
}
END_TEST

static void text_tests(TCase *tc)
{
    tcase_add_test(tc, trim_strips_the_one_blank_set_and_nothing_else);
    tcase_add_test(tc, parse_error_names_origin_and_line);
    tcase_add_test(tc, parse_finite_takes_decimals_and_refuses_the_rest);
    tcase_add_test(tc, lists_split_on_the_separator_and_trim_items);
    tcase_add_test(tc, ini_delivers_sections_and_pairs_in_order_with_lines);
    tcase_add_test(tc, ini_errors_name_the_line_and_what_is_wrong);
    tcase_add_test(tc, ini_free_form_takes_column_names_quoted_keys_and_whole_values);
    tcase_add_test(tc, csv_fields_are_quoted_only_when_needed);
}

TU_SUITE_MAIN("text", text_tests)
