/* The CSV tokenizer's one-pass path for plain records (iv__csv_plain) against hand-made
 * field ranges and against the byte-at-a-time state machine (iv__csv_scan), which is
 * the reference: both must split every record the same way, and the plain path must
 * decline (return 0, change nothing) whenever the record needs the state machine. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "testutil.h"

static iv__alloc A;

static void setup_alloc(void)
{
    iv__alloc_init(&A, NULL, NULL);
}

/* Fields of the first record of text through the state machine, fed one byte at a
 * time (the hardest split), as "start-end" pairs; returns the record's length. */
static size_t scan_fields(const char *text, size_t n, size_t max_fields, char *out, size_t cap)
{
    iv__csv c;
    size_t i, k, used = 0, len = 0;
    int done = 0;
    iv__csv_init(&c, &A, ',', max_fields);
    iv__csv_reset(&c);
    for (i = 0; i < n && !done; i++) {
        ck_assert_int_eq(iv__csv_scan(&c, text + i, 1, &used, &done), IV_OK);
        len += used;
    }
    if (!done)
        ck_assert_int_eq(iv__csv_eof(&c), IV_OK);
    out[0] = '\0';
    for (k = 0; k < c.nfields && k < c.cap; k++) {
        size_t o = strlen(out);
        snprintf(out + o, cap - o, "%zu-%zu%s ", c.f[k].start, c.f[k].end, c.f[k].quoted ? "q" : "");
    }
    iv__csv_free(&c);
    return len;
}

/* The same through the plain path; returns its result (0: declined) and leaves its
 * clean flag in plain_clean. */
static int plain_clean;
static size_t plain_fields(const char *text, size_t n, size_t reserve, size_t max_fields, char *out,
                           size_t cap)
{
    iv__csv c;
    size_t k, len;
    iv__csv_init(&c, &A, ',', max_fields);
    ck_assert_int_eq(iv__csv_reserve(&c, reserve), IV_OK);
    iv__csv_reset(&c);
    len = iv__csv_plain(&c, text, n);
    plain_clean = len ? c.clean : -1;
    out[0] = '\0';
    if (len)
        for (k = 0; k < c.nfields; k++) {
            size_t o = strlen(out);
            snprintf(out + o, cap - o, "%zu-%zu%s ", c.f[k].start, c.f[k].end, c.f[k].quoted ? "q" : "");
        }
    else
        ck_assert_int_eq((int)c.nfields, 0);
    iv__csv_free(&c);
    return len;
}

START_TEST(plain_records_split_at_hand_counted_positions)
{
    char got[512];
    /* "C1,2024-01-02T03:04:05Z,,email\n": fields 0-2, 3-23, 24-24, 25-30; 31 bytes */
    const char *r = "C1,2024-01-02T03:04:05Z,,email\nNEXT,\"q\"\n";
    ck_assert_uint_eq(plain_fields(r, strlen(r), 16, 256, got, sizeof got), 31);
    ck_assert_str_eq(got, "0-2 3-23 24-24 25-30 ");
    /* CRLF: the CR belongs to the line ending; a CR elsewhere is data */
    r = "a\rb,,c\r\n";
    ck_assert_uint_eq(plain_fields(r, strlen(r), 16, 256, got, sizeof got), 8);
    ck_assert_str_eq(got, "0-3 4-4 5-6 ");
    /* an empty last field before CRLF, and a record of one empty field */
    r = "abcdefghij,\r\n";
    ck_assert_uint_eq(plain_fields(r, strlen(r), 16, 256, got, sizeof got), 13);
    ck_assert_str_eq(got, "0-10 11-11 ");
    ck_assert_uint_eq(plain_fields("\n", 1, 16, 256, got, sizeof got), 1);
    ck_assert_str_eq(got, "0-0 ");
}
END_TEST

START_TEST(plain_path_declines_what_needs_the_state_machine)
{
    char got[512];
    /* a quote anywhere before the line feed, even in an unquoted field */
    ck_assert_uint_eq(plain_fields("a,\"b\",c\n", 8, 16, 256, got, sizeof got), 0);
    ck_assert_uint_eq(plain_fields("aaaaaaaaaaaaaaaa,b\"c\n", 21, 16, 256, got, sizeof got), 0);
    /* no line feed in the bytes given: the record continues in the next chunk */
    ck_assert_uint_eq(plain_fields("a,b,c,d,e,f,g,h,i,j", 19, 16, 256, got, sizeof got), 0);
    /* no field room allocated yet, or more fields than max_fields (the state machine
     * grows the array, or reports the error) */
    ck_assert_uint_eq(plain_fields("a,b,c,d\n", 8, 0, 256, got, sizeof got), 0);
    ck_assert_uint_eq(plain_fields("a,b,c,d,e,f,g,h,i,j,k\n", 22, 16, 4, got, sizeof got), 0);
    /* a quote after the line feed belongs to the next record: no reason to decline */
    ck_assert_uint_eq(plain_fields("a,b\n\"c\"\n", 8, 16, 256, got, sizeof got), 4);
    ck_assert_str_eq(got, "0-1 2-3 ");
}
END_TEST

START_TEST(plain_path_agrees_with_the_state_machine_on_random_records)
{
    /* Records of random bytes from a small alphabet (delimiter, CR, letters, a byte
     * above 0x7f) at every length up to 40, then a line feed: wherever the plain path
     * accepts, its fields must be the state machine's; it must accept every record
     * without quotes. */
    static const char alpha[] = { ',', ',', '\r', 'a', 'b', 'Z', '7', (char)0xC3, '"' };
    char rec[64], want[1024], got[1024];
    unsigned seed = 12345;
    int trial;
    for (trial = 0; trial < 20000; trial++) {
        size_t len = (size_t)trial % 41, i, nw, ng;
        int quotes = trial % 5 == 0;
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            rec[i] = alpha[(seed >> 16) % (quotes ? 9u : 8u)];
        }
        rec[len] = '\n';
        memcpy(rec + len + 1, "x,\"y\"\n", 6); /* the next record */
        nw = scan_fields(rec, len + 7, 256, want, sizeof want);
        ng = plain_fields(rec, len + 7, 64, 256, got, sizeof got);
        if (!memchr(rec, '"', len))
            ck_assert_msg(ng != 0, "trial %d declined", trial);
        if (ng) {
            size_t k, hi = 0;
            for (k = 0; k < ng; k++)
                hi |= (unsigned char)rec[k] >= 0x80;
            ck_assert_int_eq(plain_clean, !hi);
            ck_assert_uint_eq(ng, nw);
            ck_assert_msg(strcmp(got, want) == 0, "trial %d: %s vs %s", trial, got, want);
        }
    }
}
END_TEST

/* Whether rec[0..n) is ASCII without a NUL, byte by byte (the reference). */
static int ascii_plain(const char *rec, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (rec[i] == 0 || (unsigned char)rec[i] >= 0x80)
            return 0;
    return 1;
}

START_TEST(plain_path_reports_whether_the_record_is_ascii)
{
    /* One NUL or byte >= 0x80 planted at every position of records of every length up
     * to 80 (whole words, the byte loop after them, the line feed in either), and none:
     * the record is clean exactly when it has none. The bytes after its line feed (the
     * next record, with high bytes and a NUL; or the end of the input) never count. */
    static const unsigned char bad[] = { 0x00, 0x80, 0xC3, 0xFF };
    static const char next[] = "x\xC3\xA9,\0y\n";
    char rec[128];
    iv__csv c;
    size_t len, at, k, tail;
    iv__csv_init(&c, &A, ',', 256);
    ck_assert_int_eq(iv__csv_reserve(&c, 64), IV_OK);
    for (len = 0; len <= 80; len++)
        for (tail = 0; tail < 2; tail++)
            for (at = 0; at <= len; at++) /* at == len: nothing planted */
                for (k = 0; k < (at < len ? sizeof bad : 1); k++) {
                    size_t i, n;
                    for (i = 0; i < len; i++)
                        rec[i] = i % 7 == 3 ? ',' : (char)('a' + i % 26);
                    if (at < len)
                        rec[at] = (char)bad[k];
                    rec[len] = '\n';
                    n = len + 1;
                    if (tail) {
                        memcpy(rec + n, next, sizeof next - 1);
                        n += sizeof next - 1;
                    }
                    iv__csv_reset(&c);
                    ck_assert_uint_eq(iv__csv_plain(&c, rec, n), len + 1);
                    ck_assert_msg(c.clean == ascii_plain(rec, len + 1), "length %zu, byte 0x%02x at %zu: clean %d",
                                  len, at < len ? bad[k] : 0, at, c.clean);
                }
    iv__csv_free(&c);
}
END_TEST

static void csv_tests(TCase *tc)
{
    tcase_add_checked_fixture(tc, setup_alloc, NULL);
    tcase_add_test(tc, plain_records_split_at_hand_counted_positions);
    tcase_add_test(tc, plain_path_declines_what_needs_the_state_machine);
    tcase_add_test(tc, plain_path_agrees_with_the_state_machine_on_random_records);
    tcase_add_test(tc, plain_path_reports_whether_the_record_is_ascii);
}

TU_SUITE_MAIN("csv", csv_tests)
