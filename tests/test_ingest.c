/* Ingestion (doc/GUIDE.md §1): CSV and JSON Lines pushed in chunks split anywhere,
 * header mapping, strict and lenient policies, rejects, limits, progress, allocation
 * failures. Expected values are written by hand from the fixtures in
 * tests/data/ingest/ (timestamps from `date -u -d ... +%s`, quoted beside them);
 * stores are compared row by row through the public row accessors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv/ingest.h"
#include "testutil.h"

/* ------------------------------------------------------------- helpers -------- */

static char *fixture(const char *name, size_t *len)
{
    char path[1024], rel[256];
    char *buf;
    snprintf(rel, sizeof rel, "tests/data/ingest/%s", name);
    tu_source_path(path, sizeof path, rel);
    buf = tu_read_file(path, len);
    ck_assert_msg(buf != NULL, "cannot read %s", path);
    return buf;
}

static iv_store *new_store(tu_alloc *a)
{
    return tu_new_store(a ? tu_alloc_fn : NULL, a);
}

/* Push data in chunks of `chunk` bytes (0: all at once), then finish. */
static int ingest_chunks(iv_store *s, const iv_ingest_options *o, const char *data, size_t len,
                         size_t chunk, iv_ingest **keep)
{
    iv_ingest *ing = NULL;
    size_t off = 0;
    int rc = iv_ingest_new(&ing, s, o);
    if (rc)
        return rc;
    if (!chunk)
        chunk = len ? len : 1;
    while (off < len && rc == IV_OK) {
        size_t n = len - off < chunk ? len - off : chunk;
        rc = iv_ingest_push(ing, data + off, n);
        off += n;
    }
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    if (keep)
        *keep = ing;
    else
        iv_ingest_free(ing);
    return rc;
}

/* Push data split at one position. */
static int ingest_split(iv_store *s, const iv_ingest_options *o, const char *data, size_t len,
                        size_t at)
{
    iv_ingest *ing = NULL;
    int rc = iv_ingest_new(&ing, s, o);
    if (rc)
        return rc;
    rc = iv_ingest_push(ing, data, at);
    if (rc == IV_OK)
        rc = iv_ingest_push(ing, data + at, len - at);
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    iv_ingest_free(ing);
    return rc;
}

static iv_ingest_stats stats_of(const iv_ingest *ing)
{
    iv_ingest_stats st;
    st.size = sizeof st;
    ck_assert_int_eq(iv_ingest_get_stats(ing, &st), IV_OK);
    ck_assert(st.rows_read == st.rows_accepted + st.rows_rejected);
    return st;
}

static iv_ingest_options opts_fmt(int format)
{
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    o.format = format;
    return o;
}

/* The store made from small.csv pushed whole, as text. */
static char *reference_dump(void)
{
    size_t len;
    char *csv = fixture("small.csv", &len), *ref;
    iv_store *s = new_store(NULL);
    ck_assert_int_eq(ingest_chunks(s, NULL, csv, len, 0, NULL), IV_OK);
    ref = tu_dump_store(s);
    iv_store_free(s);
    free(csv);
    return ref;
}

/* ------------------------------------------------------------- CSV basics ----- */

START_TEST(blank_fields_after_given_ones_read_as_not_given)
{
    /* Row 1 gives every optional field; rows 2 and 3 leave them empty or blank (spaces
     * and a tab), quoted or not. Nothing of row 1 may show through. */
    const char *csv = "contact,ts,channel,type,stage,area,direction,cost,value,outcome,team,score,rv,id,region\n"
                      "c1,2024-03-01T00:00:00Z,web,nps,closing,content,in,1.5,20,desired,t1,9,3,i1,north\n"
                      "c2,2024-03-01T00:00:01Z,web,visit, ,\t, ,  ,\" \", ,\"\",,\"\",,\"\"\n"
                      "c3,2024-03-01T00:00:02Z,web,visit,,,,,,,,,,,\n";
    iv_store *s = new_store(NULL);
    iv_record r = IV_RECORD_INIT;
    size_t row;
    ck_assert_msg(ingest_chunks(s, NULL, csv, strlen(csv), 0, NULL) == IV_OK, "%s", iv_error_last());
    ck_assert_uint_eq(iv_store_rows(s), 3);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_int_eq(r.stage, IV_STAGE_CLOSING);
    ck_assert(r.cost == 1.5 && r.score == 9 && r.rv == 3);
    ck_assert_str_eq(r.team, "t1");
    for (row = 1; row < 3; row++) {
        ck_assert_int_eq(iv_store_get_row(s, row, &r), IV_OK);
        ck_assert_int_eq(r.stage, 0);
        ck_assert_int_eq(r.area, 0);
        ck_assert_int_eq(r.direction, 0);
        ck_assert_int_eq(r.outcome, 0);
        ck_assert(isnan(r.cost) && isnan(r.value) && isnan(r.score) && isnan(r.rv));
        ck_assert_ptr_null(r.team);
        ck_assert_ptr_null(r.id);
        ck_assert_ptr_null(iv_store_get_dim(s, row, 0));
    }
    /* 1709251200 = date -u -d 2024-03-01 +%s */
    ck_assert_int_eq(r.ts, 1709251202000LL);
    iv_store_free(s);
}
END_TEST

START_TEST(csv_rows_hold_the_values_written_in_the_file)
{
    size_t len;
    char *csv = fixture("small.csv", &len);
    iv_store *s = new_store(NULL);
    iv_record r = IV_RECORD_INIT;
    iv_ingest *ing;
    iv_ingest_stats st;

    ck_assert_int_eq(ingest_chunks(s, NULL, csv, len, 0, &ing), IV_OK);
    st = stats_of(ing);
    ck_assert_uint_eq(st.rows_read, 6);
    ck_assert_uint_eq(st.rows_accepted, 6);
    ck_assert_uint_eq(st.bytes, len);
    ck_assert_uint_eq(iv_store_rows(s), 6);
    ck_assert_uint_eq(iv_store_contacts(s), 5);
    ck_assert_uint_eq(iv_store_dim_count(s), 2);
    ck_assert_str_eq(iv_store_dim_name(s, 0), "region");
    ck_assert_str_eq(iv_store_dim_name(s, 1), "variant");

    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_str_eq(r.contact, "c1");
    ck_assert_int_eq(r.ts, 1709251200000LL); /* date -u -d 2024-03-01 +%s */
    ck_assert_int_eq(r.stage, IV_STAGE_ACQUISITION);
    ck_assert_int_eq(r.area, IV_AREA_EXPERIENCE);
    ck_assert_int_eq(r.direction, IV_DIRECTION_IN);
    ck_assert_int_eq(r.outcome, IV_OUTCOME_DESIRED);
    ck_assert(r.cost == 0.15);
    ck_assert(isnan(r.value) && isnan(r.score) && isnan(r.rv));
    ck_assert_str_eq(r.id, "id-1");

    ck_assert_int_eq(iv_store_get_row(s, 1, &r), IV_OK);
    ck_assert_str_eq(r.team, "west, coast");
    ck_assert(r.value == 0.0);
    ck_assert_int_eq(r.outcome, IV_OUTCOME_NEUTRAL);

    ck_assert_int_eq(iv_store_get_row(s, 2, &r), IV_OK);
    ck_assert_str_eq(r.contact, "c3");
    ck_assert_int_eq(r.ts, 1709294405123LL); /* date -u -d "2024-03-01 12:00:05Z" +%s, .123 */
    ck_assert_str_eq(r.team, "team \"alpha\"");
    ck_assert(r.score == 9.0);
    ck_assert_int_eq(r.outcome, IV_OUTCOME_DESIRED); /* "+1" */
    ck_assert_ptr_eq(iv_store_get_dim(s, 2, 1), NULL);

    ck_assert_int_eq(iv_store_get_row(s, 3, &r), IV_OK);
    ck_assert_str_eq(r.contact, "Jos\xc3\xa9");
    /* 01:00+02:00 on March 2nd = 23:00Z March 1st: date -u -d 2024-03-01T23:00:00Z +%s -> 1709334000 */
    ck_assert_int_eq(r.ts, 1709334000000LL);
    ck_assert_str_eq(r.team, "multi\nline team");
    ck_assert(r.rv == -40.0);
    ck_assert_int_eq(r.outcome, IV_OUTCOME_UNDESIRED);
    ck_assert_str_eq(iv_store_get_dim(s, 3, 0), "\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac");

    ck_assert_int_eq(iv_store_get_row(s, 4, &r), IV_OK);
    ck_assert_int_eq(r.ts, 1709251200000LL);
    ck_assert(r.cost == 10.0 && r.value == 199.99 && r.rv == 100.0);
    ck_assert_str_eq(iv_store_get_dim(s, 4, 0), "\xf0\x9f\x99\x82 smile");

    ck_assert_int_eq(iv_store_get_row(s, 5, &r), IV_OK);
    /* 23:59:59.999-05:00 Feb 29th = 04:59:59.999Z March 1st: date -u -d 2024-03-01T04:59:59Z +%s -> 1709269199 */
    ck_assert_int_eq(r.ts, 1709269199999LL);
    ck_assert(r.score == 4.0);
    ck_assert_int_eq(r.direction, IV_DIRECTION_NONE);
    ck_assert_ptr_eq(r.id, NULL);

    iv_ingest_free(ing);
    iv_store_free(s);
    free(csv);
}
END_TEST

START_TEST(chunks_split_at_every_byte_give_identical_stores)
{
    size_t len, at;
    char *csv = fixture("small.csv", &len), *ref = reference_dump();
    for (at = 0; at <= len; at++) {
        iv_store *s = new_store(NULL);
        char *d;
        ck_assert_int_eq(ingest_split(s, NULL, csv, len, at), IV_OK);
        d = tu_dump_store(s);
        ck_assert_msg(strcmp(d, ref) == 0, "split at %zu differs", at);
        free(d);
        iv_store_free(s);
    }
    {
        iv_store *s = new_store(NULL);
        char *d;
        ck_assert_int_eq(ingest_chunks(s, NULL, csv, len, 1, NULL), IV_OK);
        d = tu_dump_store(s);
        ck_assert_str_eq(d, ref);
        free(d);
        iv_store_free(s);
    }
    free(ref);
    free(csv);
}
END_TEST

START_TEST(jsonl_split_at_every_byte_gives_the_same_store_as_csv)
{
    size_t len, at;
    char *jl = fixture("small.jsonl", &len), *ref = reference_dump();
    iv_ingest_options o = opts_fmt(IV_INPUT_JSONL);
    for (at = 0; at <= len; at++) {
        iv_store *s = new_store(NULL);
        char *d;
        ck_assert_msg(ingest_split(s, &o, jl, len, at) == IV_OK, "split %zu: %s", at, iv_error_last());
        d = tu_dump_store(s);
        ck_assert_msg(strcmp(d, ref) == 0, "split at %zu differs:\n%s\nvs csv\n%s", at, d, ref);
        free(d);
        iv_store_free(s);
    }
    free(ref);
    free(jl);
}
END_TEST

/* Rewrite small.csv: CRLF line ends (not inside quotes), another delimiter, a BOM. */
static char *variant_of_small(const char *csv, size_t len, int crlf, char delim, int bom, size_t *olen)
{
    char *out = malloc(len * 2 + 4);
    size_t i, n = 0;
    int inq = 0;
    if (bom) {
        memcpy(out, "\xef\xbb\xbf", 3);
        n = 3;
    }
    for (i = 0; i < len; i++) {
        char c = csv[i];
        if (c == '"')
            inq = !inq;
        if (!inq && c == '\n' && crlf)
            out[n++] = '\r';
        /* small.csv has a comma inside quotes only in "west, coast" */
        out[n++] = (!inq && c == ',') ? delim : c;
    }
    *olen = n;
    return out;
}

static void check_variant(int crlf, char delim, int bom, size_t chunk)
{
    size_t len, vlen;
    char *csv = fixture("small.csv", &len), *ref = reference_dump();
    char *v = variant_of_small(csv, len, crlf, delim, bom, &vlen), *d;
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    o.delimiter = delim;
    ck_assert_msg(ingest_chunks(s, &o, v, vlen, chunk, NULL) == IV_OK, "%s", iv_error_last());
    d = tu_dump_store(s);
    ck_assert_str_eq(d, ref);
    free(d);
    iv_store_free(s);
    free(v);
    free(ref);
    free(csv);
}

START_TEST(crlf_line_endings_give_the_same_store_as_lf)
{
    check_variant(1, ',', 0, 0);
    check_variant(1, ',', 0, 1);
}
END_TEST

START_TEST(semicolon_delimiter_gives_the_same_store)
{
    check_variant(0, ';', 0, 0);
    check_variant(1, ';', 0, 3);
}
END_TEST

START_TEST(utf8_bom_is_skipped_even_when_split)
{
    check_variant(0, ',', 1, 0);
    check_variant(0, ',', 1, 1);
    check_variant(1, '\t', 1, 2);
}
END_TEST

START_TEST(header_names_are_case_insensitive_and_map_renames_columns)
{
    static const char data[] = "Customer_ID, When ,CHANNEL,Type,Segment\n"
                               "k1,2024-03-01,web,visit,gold\n";
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_record r = IV_RECORD_INIT;
    o.map = "customer_id=contact, when = ts";
    ck_assert_int_eq(ingest_chunks(s, &o, data, sizeof data - 1, 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_str_eq(r.contact, "k1");
    ck_assert_int_eq(r.ts, 1709251200000LL);
    ck_assert_str_eq(r.channel, "web");
    ck_assert_str_eq(iv_store_dim_name(s, 0), "segment");
    ck_assert_str_eq(iv_store_get_dim(s, 0, 0), "gold");
    iv_store_free(s);
}
END_TEST

START_TEST(bad_map_option_is_invalid)
{
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    o.map = "customer_id";
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    o.map = "a=b,=c";
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    ck_assert_ptr_eq(ing, NULL);
    iv_store_free(s);
}
END_TEST

static void check_header_error(const char *data, int code, const char *needle)
{
    iv_store *s = new_store(NULL);
    int rc = ingest_chunks(s, NULL, data, strlen(data), 0, NULL);
    ck_assert_int_eq(rc, code);
    ck_assert_msg(strstr(iv_error_last(), needle) != NULL, "'%s' lacks '%s'", iv_error_last(), needle);
    ck_assert_uint_eq(iv_store_rows(s), 0);
    iv_store_free(s);
}

START_TEST(header_errors_name_the_column)
{
    check_header_error("contact,ts,channel\nc,2024-03-01,web\n", IV_EPARSE,
                       "line 1: header: missing required column 'type'");
    check_header_error("contact,ts,channel,type,Contact\n", IV_EPARSE, "duplicate column 'Contact'");
    check_header_error("contact,ts,channel,type,x,X\n", IV_EPARSE, "duplicate column 'x'");
    check_header_error("contact,ts,channel,type,,x\n", IV_EPARSE, "column 5 has no name");
    check_header_error("", IV_EPARSE, "no header row");
    check_header_error("\n\n", IV_EPARSE, "no header row");
}
END_TEST

START_TEST(more_than_64_custom_dimensions_is_a_header_error)
{
    char hdr[2048];
    size_t n;
    int i;
    n = (size_t)snprintf(hdr, sizeof hdr, "contact,ts,channel,type");
    for (i = 0; i < 65; i++)
        n += (size_t)snprintf(hdr + n, sizeof hdr - n, ",d%d", i);
    snprintf(hdr + n, sizeof hdr - n, "\n");
    check_header_error(hdr, IV_ELIMIT, "d64");
}
END_TEST

START_TEST(every_enum_spelling_of_the_vocabulary_is_read_in_any_case)
{
    /* stage, area, direction, outcome columns; each value by its name from
     * iv_enum_name, lower and upper case, plus the numeric outcomes of doc/GUIDE.md §1 */
    static const char *const cols[4] = { "stage", "area", "direction", "outcome" };
    int kind, v, upper;
    for (kind = 0; kind < 4; kind++)
        for (upper = 0; upper < 2; upper++)
            for (v = 1; iv_enum_name(kind, v); v++) {
                char data[256], name[32];
                size_t i;
                iv_store *s = new_store(NULL);
                iv_record r = IV_RECORD_INIT;
                int got;
                snprintf(name, sizeof name, "%s", iv_enum_name(kind, v));
                for (i = 0; upper && name[i]; i++)
                    name[i] = (char)(name[i] - 32);
                snprintf(data, sizeof data, "contact,ts,channel,type,%s\nc,0,web,visit,%s\n", cols[kind], name);
                ck_assert_int_eq(ingest_chunks(s, NULL, data, strlen(data), 0, NULL), IV_OK);
                ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
                got = kind == 0 ? r.stage : kind == 1 ? r.area : kind == 2 ? r.direction : r.outcome;
                ck_assert_int_eq(got, v);
                iv_store_free(s);
            }
    {
        static const char *const num[4] = { "+1", "1", "0", "-1" };
        static const int want[4] = { IV_OUTCOME_DESIRED, IV_OUTCOME_DESIRED, IV_OUTCOME_NEUTRAL,
                                     IV_OUTCOME_UNDESIRED };
        for (v = 0; v < 4; v++) {
            char data[128];
            iv_store *s = new_store(NULL);
            iv_record r = IV_RECORD_INIT;
            snprintf(data, sizeof data, "contact,ts,channel,type,outcome\nc,0,web,visit,%s\n", num[v]);
            ck_assert_int_eq(ingest_chunks(s, NULL, data, strlen(data), 0, NULL), IV_OK);
            ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
            ck_assert_int_eq(r.outcome, want[v]);
            iv_store_free(s);
        }
    }
}
END_TEST

/* ------------------------------------------------------------- bad rows ------- */

/* Each doc/GUIDE.md §1 kind of bad row as the third line of a file whose second is good:
 * strict mode must stop there with IV_EPARSE naming the line, column and field. */
static const struct {
    const char *row, *msg;
} strict_cases[] = {
    { "a2,2023-02-29,web,visit,1,,,", "line 3, column 2 (ts): " },
    { "a3,2024-03-01T12:00+25:00,web,visit,,,,", "line 3, column 2 (ts): " },
    { "a4,2024-03-01,web,visit,NaN,,,", "line 3, column 5 (cost): not a number 'NaN'" },
    { "a5,2024-03-01,web,visit,inf,,,", "line 3, column 5 (cost): not a number 'inf'" },
    { "a6,2024-03-01,web,visit,-3,,,", "line 3, column 5 (cost): negative cost -3" },
    { "a7,2024-03-01,web,nps,,11,,", "line 3, column 6 (score): score 11 outside the nps scale 0..10" },
    { "a8,2024-03-01,web,visit,,,great,", "line 3, column 7 (outcome): unknown outcome 'great'" },
    { ",2024-03-01,web,visit,,,,", "line 3, column 1 (contact): missing contact" },
    { "a9,2024-03-01T12:00:00Zjunk,web,visit,,,,", "line 3, column 2 (ts): bad timestamp" },
    { "a11,2024-03-01,web,visit,1", "line 3: 5 fields where the header has 8" },
    { "a12,2024-03-01,\"we\"b,visit,,,,", "line 3, column 3 (channel): characters after a closing quote" },
    { "a13,2024-03-01,w\"eb,visit,,,,", "line 3, column 3 (channel): quote inside an unquoted field" },
    { "a14,2024-03-01,web,visit,1e999,,,", "line 3, column 5 (cost): number out of range '1e999'" },
    { "a16,2024-03-01,web,visit,,,,stage_x", "line 3, column 8 (stage): unknown stage 'stage_x'" },
    { "a19,1850-01-01,web,visit,,,,", "line 3, column 2 (ts): timestamp '1850-01-01' is out of range" },
    { "a18,2024-03-01,web,visit,,,,\"unterminated, quote\nmore",
      "line 3, column 8 (stage): unterminated quoted field at end of input" },
    { "a20,2024-03-01,web,visit,,,,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "line 3: record of 106 bytes is longer than max_line (100)" },
};

START_TEST(strict_stops_at_each_kind_of_bad_row_naming_line_and_field)
{
    size_t i = (size_t)_i;
    char data[1024];
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    iv_ingest_stats st;
    uint64_t read, rej;
    int rc;
    o.max_line = 100;
    snprintf(data, sizeof data, "contact,ts,channel,type,cost,score,outcome,stage\n"
                                "a1,2024-03-01,web,visit,1,,desired,acquisition\n%s\n"
                                "a30,2024-03-01,web,visit,,,,\n", strict_cases[i].row);
    if (strstr(strict_cases[i].row, "unterminated"))
        data[strlen(data) - strlen("a30,2024-03-01,web,visit,,,,\n")] = '\0';
    rc = ingest_chunks(s, &o, data, strlen(data), 0, &ing);
    ck_assert_int_eq(rc, IV_EPARSE);
    ck_assert_msg(strncmp(iv_error_last(), strict_cases[i].msg, strlen(strict_cases[i].msg)) == 0,
                  "case %zu: '%s' does not start with '%s'", i, iv_error_last(), strict_cases[i].msg);
    st = stats_of(ing);
    ck_assert_uint_eq(st.rows_accepted, 1);
    ck_assert_uint_eq(st.rows_rejected, 1);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    ck_assert_int_eq(iv_store_ingest_counts(s, &read, &rej), IV_OK);
    ck_assert_uint_eq(read, 2);
    ck_assert_uint_eq(rej, 1);
    ck_assert_int_eq(iv_ingest_push(ing, "x", 1), IV_ESTATE);
    ck_assert_int_eq(iv_ingest_finish(ing), IV_ESTATE);
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

/* A tiny RFC 4180 reader for the rejects file, separate from the library's. */
static size_t read_csv_record(const char *p, size_t n, char fields[][512], int *nf)
{
    size_t i = 0, k = 0;
    int inq = 0;
    *nf = 0;
    fields[0][0] = '\0';
    while (i < n) {
        char c = p[i++];
        if (inq) {
            if (c == '"' && i < n && p[i] == '"') {
                fields[*nf][k++] = '"';
                i++;
            } else if (c == '"') {
                inq = 0;
            } else {
                fields[*nf][k++] = c;
            }
        } else if (c == '"') {
            inq = 1;
        } else if (c == ',') {
            fields[*nf][k] = '\0';
            (*nf)++;
            k = 0;
        } else if (c == '\n') {
            break;
        } else {
            fields[*nf][k++] = c;
        }
        ck_assert(k < 511);
    }
    fields[*nf][k] = '\0';
    (*nf)++;
    return i;
}

START_TEST(lenient_accounts_for_every_bad_row_and_writes_them_back)
{
    /* messy.csv: line -> expected reason prefix; lines 2, 17-18 and 21 are good and
     * line 20 is empty (not a row). */
    static const struct {
        unsigned line;
        const char *reason;
    } want[] = {
        { 3, "column 2 (ts): bad timestamp '2023-02-29': no such day" },
        { 4, "column 2 (ts): bad timestamp '2024-03-01T12:00+25:00': offset out of range" },
        { 5, "column 5 (cost): not a number 'NaN'" },
        { 6, "column 5 (cost): not a number 'inf'" },
        { 7, "column 5 (cost): negative cost -3" },
        { 8, "column 6 (score): score 11 outside the nps scale" },
        { 9, "column 7 (outcome): unknown outcome 'great'" },
        { 10, "column 1 (contact): missing contact" },
        { 11, "column 2 (ts): bad timestamp '2024-03-01T12:00:00Zjunk'" },
        { 12, "5 fields where the header has 8" },
        { 13, "column 3 (channel): characters after a closing quote" },
        { 14, "column 3 (channel): quote inside an unquoted field" },
        { 15, "column 5 (cost): number out of range" },
        { 16, "record of 328 bytes is longer than max_line (200)" },
        { 19, "column 8 (stage): unknown stage 'stage_x'" },
        { 22, "column 2 (ts): timestamp '1850-01-01' is out of range" },
        { 23, "column 8 (stage): unterminated quoted field" },
    };
    size_t nwant = sizeof want / sizeof *want, len, i, chunk;
    char *csv = fixture("messy.csv", &len);
    uint64_t line_off[32];
    unsigned ln = 1;

    /* Independent offsets: line k starts after the (k-1)-th line feed. */
    line_off[1] = 0;
    for (i = 0; i < len && ln < 31; i++)
        if (csv[i] == '\n')
            line_off[++ln] = i + 1;

    for (chunk = 0; chunk <= 7; chunk += 7) {
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        iv_store *s = new_store(NULL);
        iv_ingest *ing = NULL;
        iv_ingest_stats st;
        char path[512], *back, fields[4][512];
        size_t blen, pos;
        int nf;

        o.policy = IV_POLICY_LENIENT;
        o.max_line = 200;
        o.max_raw = 40;
        ck_assert_int_eq(ingest_chunks(s, &o, csv, len, chunk, &ing), IV_OK);
        st = stats_of(ing);
        ck_assert_uint_eq(st.rows_accepted, 3);
        ck_assert_uint_eq(st.rows_rejected, nwant);
        ck_assert_uint_eq(st.rows_read, 3 + nwant);
        ck_assert_uint_eq(iv_store_rows(s), 3);
        ck_assert_uint_eq(iv_ingest_reject_count(ing), nwant);
        for (i = 0; i < nwant; i++) {
            uint64_t line, off;
            const char *reason, *raw;
            size_t rawlen;
            ck_assert_int_eq(iv_ingest_reject(ing, i, &line, &off, &reason, &raw), IV_OK);
            ck_assert_uint_eq(line, want[i].line);
            ck_assert_uint_eq(off, line_off[want[i].line]);
            ck_assert_msg(strncmp(reason, want[i].reason, strlen(want[i].reason)) == 0,
                          "line %u: '%s' vs '%s'", want[i].line, reason, want[i].reason);
            rawlen = strlen(raw);
            if (rawlen > 40) { /* cut: 40 bytes at most, then the marker */
                const char *m = strstr(raw, IV_INGEST_RAW_CUT_MARK);
                ck_assert(m != NULL);
                rawlen = (size_t)(m - raw);
                ck_assert(rawlen <= 40);
            }
            ck_assert(strncmp(raw, csv + off, rawlen) == 0);
        }
        ck_assert_int_eq(iv_ingest_reject(ing, nwant, NULL, NULL, NULL, NULL), IV_ERANGE);

        tu_temp_path(path, sizeof path, ".csv");
        ck_assert_int_eq(iv_ingest_write_rejects(ing, path), IV_OK);
        back = tu_read_file(path, &blen);
        ck_assert(back != NULL);
        pos = read_csv_record(back, blen, fields, &nf);
        ck_assert_int_eq(nf, 4);
        ck_assert_str_eq(fields[0], "line");
        ck_assert_str_eq(fields[3], "raw");
        for (i = 0; i < nwant; i++) {
            uint64_t line, off;
            const char *reason, *raw;
            char num[32];
            iv_ingest_reject(ing, i, &line, &off, &reason, &raw);
            pos += read_csv_record(back + pos, blen - pos, fields, &nf);
            ck_assert_int_eq(nf, 4);
            snprintf(num, sizeof num, "%llu", (unsigned long long)line);
            ck_assert_str_eq(fields[0], num);
            snprintf(num, sizeof num, "%llu", (unsigned long long)off);
            ck_assert_str_eq(fields[1], num);
            ck_assert_str_eq(fields[2], reason);
            ck_assert_str_eq(fields[3], raw);
        }
        ck_assert_uint_eq(pos, blen);
        remove(path);
        free(back);
        iv_ingest_free(ing);
        iv_store_free(s);
    }
    free(csv);
}
END_TEST

START_TEST(rows_read_equals_accepted_plus_rejected_after_every_push)
{
    size_t len, i;
    char *csv = fixture("messy.csv", &len);
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    o.policy = IV_POLICY_LENIENT;
    o.max_rejects = 2;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    for (i = 0; i < len; i++) {
        ck_assert_int_eq(iv_ingest_push(ing, csv + i, 1), IV_OK);
        stats_of(ing);
    }
    ck_assert_int_eq(iv_ingest_finish(ing), IV_OK);
    ck_assert_uint_eq(stats_of(ing).rows_read, 20);
    ck_assert_uint_eq(iv_ingest_reject_count(ing), 2); /* only max_rejects kept, all counted */
    iv_ingest_free(ing);
    iv_store_free(s);
    free(csv);
}
END_TEST

START_TEST(embedded_newlines_keep_physical_line_numbers)
{
    static const char data[] = "contact,ts,channel,type\n"
                               "a,2024-03-01,web,\"two\nlines\"\n"
                               "b,2024-03-01,web,\"three\r\nlines\r\nhere\"\r\n"
                               "c,2024-13-01,web,visit\n";
    iv_store *s = new_store(NULL);
    iv_record r = IV_RECORD_INIT;
    ck_assert_int_eq(ingest_chunks(s, NULL, data, sizeof data - 1, 0, NULL), IV_EPARSE);
    ck_assert_msg(strncmp(iv_error_last(), "line 7, column 2 (ts)", 21) == 0, "%s", iv_error_last());
    ck_assert_int_eq(iv_store_get_row(s, 1, &r), IV_OK);
    /* types are stored in their normal form (doc/MODEL.md "Vocabularies"): blanks become '_' */
    ck_assert_str_eq(r.type, "three_lines_here");
    iv_store_free(s);
}
END_TEST

START_TEST(overlong_field_and_too_many_fields_are_bad_rows)
{
    static const char data[] = "contact,ts,channel,type\n"
                               "abcdefghijk,2024-03-01,web,visit\n"
                               "a,2024-03-01,web,visit,1,2,3\n"
                               "b,2024-03-01,web,visit\n";
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_ingest *ing;
    const char *reason;
    o.policy = IV_POLICY_LENIENT;
    o.max_string = 10;
    o.max_fields = 5;
    ck_assert_int_eq(ingest_chunks(s, &o, data, sizeof data - 1, 0, &ing), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    ck_assert_int_eq(iv_ingest_reject(ing, 0, NULL, NULL, &reason, NULL), IV_OK);
    ck_assert_str_eq(reason, "column 1 (contact): string of 11 bytes is longer than max_string (10)");
    ck_assert_int_eq(iv_ingest_reject(ing, 1, NULL, NULL, &reason, NULL), IV_OK);
    ck_assert_str_eq(reason, "column 6: too many fields");
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

START_TEST(overlong_record_is_skipped_with_bounded_memory)
{
    /* a 3 MB record with max_line 1000 pushed in 4 KiB chunks: the carry buffer must
     * stay near max_line, and the next row must still be read */
    size_t big = 3u << 20, len, i;
    char *data = malloc(big + 200);
    tu_alloc a;
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s;
    iv_ingest *ing;
    uint64_t line;
    tu_alloc_reset(&a, 0);
    s = new_store(&a);
    len = (size_t)sprintf(data, "contact,ts,channel,type\nx,2024-03-01,web,");
    for (i = 0; i < big; i++)
        data[len++] = 'v';
    len += (size_t)sprintf(data + len, "\ny,2024-03-01,web,visit\n");
    o.policy = IV_POLICY_LENIENT;
    o.max_line = 1000;
    ck_assert_int_eq(ingest_chunks(s, &o, data, len, 4096, &ing), IV_OK);
    ck_assert_int_lt(a.bytes, 256 * 1024);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    ck_assert_int_eq(iv_ingest_reject(ing, 0, &line, NULL, NULL, NULL), IV_OK);
    ck_assert_uint_eq(line, 2);
    iv_ingest_free(ing);
    iv_store_free(s);
    ck_assert_int_eq(a.live, 0);
    free(data);
}
END_TEST

/* ------------------------------------------------------------- JSON Lines ----- */

static const struct {
    const char *line, *msg;
} json_cases[] = {
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\",\"x\":{\"y\":1}}",
      "line 2, column 69: nested object or array for key 'x'" },
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":[1,2]}",
      "line 2, column 57: nested object or array for key 'type'" },
    { "{\"contact\":\"a\",\"x\":[[[[[1]]]]]}", "line 2, column 23: JSON nested deeper than max_depth" },
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\"", "line 2, column 33: expected ',' or '}'" },
    { "{\"contact\":\"a\"} x", "line 2, column 17: characters after the JSON object" },
    { "[1]", "line 2, column 1: not a JSON object" },
    { "{\"contact\":'a'}", "line 2, column 12: invalid JSON value" },
    { "{\"contact\":\"a\",\"contact\":\"b\"}", "line 2, column 16 (contact): duplicate key" },
    { "{\"contact\":\"a\",\"CONTACT\":\"b\"}", "line 2, column 16 (contact): duplicate key" },
    { "{\"contact\":true}", "line 2, column 2 (contact): 'true' is not a value" },
    { "{\"contact\":\"\\ud83d\"}", "line 2, column 13: unpaired UTF-16 surrogate" },
    { "{\"contact\":\"a\\qb\"}", "line 2, column 14: bad escape" },
    { "{\"contact\":01}", "line 2, column 13: expected ',' or '}'" },
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\",\"cost\":-3}",
      "line 2, column 65 (cost): negative cost -3" },
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\",\"cost\":\"NaN\"}",
      "line 2, column 65 (cost): not a number 'NaN'" },
    { "{\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\"}", "line 2: field contact: missing contact" },
    { "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\",\"cost\":1e999}",
      "line 2, column 65 (cost): number out of range" },
};

START_TEST(jsonl_bad_rows_are_reported_with_line_and_column)
{
    size_t i = (size_t)_i;
    char data[1024];
    iv_ingest_options o = opts_fmt(IV_INPUT_JSONL);
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    o.max_depth = 4;
    snprintf(data, sizeof data, "{\"contact\":\"ok\",\"ts\":1709251200,\"channel\":\"web\",\"type\":\"visit\"}\n%s\n",
             json_cases[i].line);
    ck_assert_int_eq(ingest_chunks(s, &o, data, strlen(data), 0, &ing), IV_EPARSE);
    ck_assert_msg(strncmp(iv_error_last(), json_cases[i].msg, strlen(json_cases[i].msg)) == 0,
                  "case %zu: '%s' does not start with '%s'", i, iv_error_last(), json_cases[i].msg);
    ck_assert_uint_eq(stats_of(ing).rows_rejected, 1);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

START_TEST(jsonl_keys_may_differ_per_line_and_numbers_fill_string_fields)
{
    static const char data[] =
        "{\"contact\":42,\"ts\":\"2024-03-01\",\"channel\":\"web\",\"type\":\"visit\",\"plan\":\"pro\"}\n"
        "{\"type\":\"open\",\"channel\":\"email\",\"ts\":\"2024-03-01\",\"contact\":\"x\",\"tier\":\"2\",\"plan\":null}\n"
        "{\"customer\":\"y\",\"ts\":\"2024-03-01\",\"channel\":\"email\",\"type\":\"open\",\"tier\":3}\n";
    iv_ingest_options o = opts_fmt(IV_INPUT_JSONL);
    iv_store *s = new_store(NULL);
    iv_record r = IV_RECORD_INIT;
    o.map = "customer=contact";
    ck_assert_int_eq(ingest_chunks(s, &o, data, sizeof data - 1, 0, NULL), IV_OK);
    ck_assert_uint_eq(iv_store_rows(s), 3);
    ck_assert_uint_eq(iv_store_dim_count(s), 2);
    ck_assert_str_eq(iv_store_dim_name(s, 0), "plan");
    ck_assert_str_eq(iv_store_dim_name(s, 1), "tier");
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_str_eq(r.contact, "42");
    ck_assert_str_eq(iv_store_get_dim(s, 0, 0), "pro");
    ck_assert_ptr_eq(iv_store_get_dim(s, 1, 0), NULL);
    ck_assert_str_eq(iv_store_get_dim(s, 1, 1), "2");
    ck_assert_int_eq(iv_store_get_row(s, 2, &r), IV_OK);
    ck_assert_str_eq(r.contact, "y");
    ck_assert_str_eq(iv_store_get_dim(s, 2, 1), "3");
    iv_store_free(s);
}
END_TEST

START_TEST(jsonl_lenient_keeps_going_after_bad_lines)
{
    size_t i, n = sizeof json_cases / sizeof *json_cases;
    char *data = malloc(16384);
    size_t len = 0;
    iv_ingest_options o = opts_fmt(IV_INPUT_JSONL);
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    iv_ingest_stats st;
    o.policy = IV_POLICY_LENIENT;
    o.max_depth = 4;
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(data + len, "%s\n{\"contact\":\"g%zu\",\"ts\":0,\"channel\":\"c\",\"type\":\"t\"}\n",
                               json_cases[i].line, i);
    ck_assert_int_eq(ingest_chunks(s, &o, data, len, 5, &ing), IV_OK);
    st = stats_of(ing);
    ck_assert_uint_eq(st.rows_rejected, n);
    ck_assert_uint_eq(st.rows_accepted, n);
    for (i = 0; i < n; i++) {
        uint64_t line;
        ck_assert_int_eq(iv_ingest_reject(ing, i, &line, NULL, NULL, NULL), IV_OK);
        ck_assert_uint_eq(line, 2 * i + 1);
    }
    iv_ingest_free(ing);
    iv_store_free(s);
    free(data);
}
END_TEST

/* ------------------------------------------------------------- files, limits -- */

typedef struct progress_log {
    int calls;
    uint64_t last_done, last_total;
    int cancel_at;
} progress_log;

static int on_progress(uint64_t done, uint64_t total, void *payload)
{
    progress_log *p = payload;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return p->cancel_at && p->calls >= p->cancel_at;
}

START_TEST(ingest_file_reports_progress_with_the_file_size_and_can_be_canceled)
{
    char path[512];
    FILE *f;
    size_t i, size;
    progress_log log = { 0, 0, 0, 0 };
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_store *s = new_store(NULL);
    iv_ingest *ing;

    tu_temp_path(path, sizeof path, ".csv");
    f = fopen(path, "wb");
    fputs("contact,ts,channel,type\n", f);
    for (i = 0; i < 200000; i++) /* 42 bytes a row: about 8.4 MB */
        fprintf(f, "contact%07zu,2024-03-01T12:00:00Z,web,visit\n", i);
    size = (size_t)ftell(f);
    fclose(f);

    o.progress = on_progress;
    o.payload = &log;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
    ck_assert_int_ge(log.calls, 2);
    ck_assert_uint_eq(log.last_done, size);
    ck_assert_uint_eq(log.last_total, size);
    ck_assert_uint_eq(iv_store_rows(s), 200000);
    iv_ingest_free(ing);
    iv_store_free(s);

    s = new_store(NULL);
    log.calls = 0;
    log.cancel_at = 1;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, path), IV_ECANCELED);
    ck_assert_int_lt(iv_store_rows(s), 200000);
    ck_assert_uint_eq(stats_of(ing).rows_accepted, iv_store_rows(s));
    iv_ingest_free(ing);
    iv_store_free(s);
    remove(path);

    s = new_store(NULL);
    ck_assert_int_eq(iv_ingest_new(&ing, s, NULL), IV_OK);
    ck_assert_int_eq(iv_ingest_file(ing, "/nonexistent/x.csv"), IV_EIO);
    ck_assert(strstr(iv_error_last(), "/nonexistent/x.csv") != NULL);
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

START_TEST(distinct_string_limit_stops_even_lenient_ingestion)
{
    static const char data[] = "contact,ts,channel,type\n"
                               "a,2024-03-01,web,visit\n"
                               "b,2024-03-01,web,visit\n"
                               "c,2024-03-01,web,visit\n";
    iv_store *s = NULL;
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing;
    iv_ingest_stats st;
    so.max_strings = 4; /* a, web, visit, b: "c" is the fifth */
    ck_assert_int_eq(iv_store_new(&s, &so), IV_OK);
    o.policy = IV_POLICY_LENIENT;
    ck_assert_int_eq(ingest_chunks(s, &o, data, sizeof data - 1, 0, &ing), IV_ELIMIT);
    ck_assert_msg(strncmp(iv_error_last(), "line 4: ", 8) == 0, "%s", iv_error_last());
    st = stats_of(ing);
    ck_assert_uint_eq(st.rows_accepted, 2);
    ck_assert_uint_eq(iv_store_rows(s), 2);
    ck_assert_int_eq(iv_ingest_push(ing, "x", 1), IV_ESTATE);
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

START_TEST(allocation_failures_return_enomem_and_leak_nothing)
{
    size_t len;
    char *csv = fixture("messy.csv", &len), *jl;
    size_t jlen;
    int fmt;
    jl = fixture("small.jsonl", &jlen);
    for (fmt = 0; fmt < 2; fmt++) {
        long k;
        int ok = 0;
        for (k = 1; !ok && k < 100000; k++) {
            tu_alloc a;
            iv_ingest_options o = opts_fmt(fmt);
            iv_store *s = NULL;
            iv_store_options so = IV_STORE_OPTIONS_INIT;
            iv_ingest *ing = NULL;
            int rc;
            tu_alloc_reset(&a, k);
            so.alloc = tu_alloc_fn;
            so.alloc_ud = &a;
            o.policy = IV_POLICY_LENIENT;
            o.max_line = 200;
            rc = iv_store_new(&s, &so);
            if (rc == IV_OK) {
                rc = ingest_chunks(s, &o, fmt ? jl : csv, fmt ? jlen : len, 7, &ing);
                if (ing) {
                    iv_ingest_stats st = stats_of(ing);
                    ck_assert_uint_eq(st.rows_accepted, iv_store_rows(s));
                    if (rc == IV_OK)
                        ck_assert_uint_eq(st.rows_read, fmt ? 6 : 20);
                }
                iv_ingest_free(ing);
                iv_store_free(s);
            }
            ck_assert_msg(rc == IV_OK || rc == IV_ENOMEM, "k=%ld rc=%d %s", k, rc, iv_error_last());
            ck_assert_msg(a.live == 0, "k=%ld leaks %ld blocks", k, a.live);
            ok = rc == IV_OK && !a.failed;
        }
        ck_assert(ok);
    }
    free(jl);
    free(csv);
}
END_TEST

START_TEST(options_are_checked)
{
    iv_ingest_options o;
    iv_store *s = new_store(NULL);
    iv_ingest *ing = NULL;
    ck_assert_int_eq(iv_ingest_options_init(&o, sizeof o), IV_OK);
    ck_assert_int_eq(o.delimiter, ',');
    ck_assert_int_eq(o.policy, IV_POLICY_STRICT);
    o.format = 7;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    o.format = IV_INPUT_CSV;
    o.delimiter = '"';
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_EINVAL);
    ck_assert_int_eq(iv_ingest_new(&ing, NULL, NULL), IV_EINVAL);
    ck_assert_int_eq(iv_ingest_push(NULL, "", 0), IV_EINVAL);
    iv_ingest_free(NULL);
    iv_store_free(s);
}
END_TEST

/* A strict failure inside iv_ingest_push (a record over max_line, found by fuzz_csv)
 * after a good row: the good row is counted as accepted, so it is in the store. */
START_TEST(a_push_that_fails_keeps_the_rows_it_accepted)
{
    static const char text[] = "contact,ts,channel,type\n"
                               "a,2024-01-01T00:00:00Z,web,visit\n"
                               "b,\"2024-01-02T00:00:00Z,web,visit\n"
                               "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n";
    iv_store *s = tu_new_store(NULL, NULL);
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing = NULL;
    iv_ingest_stats st;
    int rc;
    o.max_line = 64;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    rc = iv_ingest_push(ing, text, sizeof text - 1);
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    ck_assert_int_eq(rc, IV_EPARSE);
    st.size = sizeof st;
    ck_assert_int_eq(iv_ingest_get_stats(ing, &st), IV_OK);
    ck_assert_uint_eq(st.rows_accepted, 1);
    ck_assert_uint_eq(iv_store_rows(s), 1);
    iv_ingest_free(ing);
    iv_store_free(s);
}
END_TEST

/* An over-long record's reject keeps the same raw text and says the same number of bytes
 * were cut whether the record came in one piece or in many (then only its first max_line
 * bytes are held): kept min(max_raw, max_line) bytes, cut = its length - kept, by
 * construction 300 - 40 = 260 and 300 - 200 = 100. */
START_TEST(an_over_long_reject_is_the_same_in_one_piece_or_many)
{
    char csv[512], line[301];
    static const size_t pieces[] = { 0, 1, 7, 64 };
    size_t p, r, len;
    static const size_t raws[] = { 40, 1024 };
    memset(line, 'x', 300);
    memcpy(line, "ann,2024-01-01,web,", 19);
    line[300] = '\0';
    len = (size_t)snprintf(csv, sizeof csv, "contact,ts,channel,type\n%s\nbob,2024-01-02,web,visit\n", line);
    for (r = 0; r < 2; r++)
        for (p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
            iv_store *s = new_store(NULL);
            iv_ingest *ing = NULL;
            const char *reason, *raw;
            char want[64];
            size_t kept = raws[r] < 200 ? raws[r] : 200;
            o.policy = IV_POLICY_LENIENT;
            o.max_line = 200;
            o.max_raw = raws[r];
            ck_assert_int_eq(ingest_chunks(s, &o, csv, len, pieces[p], &ing), IV_OK);
            ck_assert_uint_eq(iv_store_rows(s), 1);
            ck_assert_int_eq(iv_ingest_reject(ing, 0, NULL, NULL, &reason, &raw), IV_OK);
            ck_assert_str_eq(reason, "record of 300 bytes is longer than max_line (200)");
            ck_assert_int_eq(strncmp(raw, line, kept), 0);
            snprintf(want, sizeof want, IV_INGEST_RAW_CUT_MARK "%zu bytes]", 300 - kept);
            ck_assert_str_eq(raw + kept, want);
            iv_ingest_free(ing);
            iv_store_free(s);
        }
}
END_TEST

static void ingest_tests(TCase *tc)
{
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, csv_rows_hold_the_values_written_in_the_file);
    tcase_add_test(tc, chunks_split_at_every_byte_give_identical_stores);
    tcase_add_test(tc, jsonl_split_at_every_byte_gives_the_same_store_as_csv);
    tcase_add_test(tc, crlf_line_endings_give_the_same_store_as_lf);
    tcase_add_test(tc, semicolon_delimiter_gives_the_same_store);
    tcase_add_test(tc, utf8_bom_is_skipped_even_when_split);
    tcase_add_test(tc, header_names_are_case_insensitive_and_map_renames_columns);
    tcase_add_test(tc, bad_map_option_is_invalid);
    tcase_add_test(tc, header_errors_name_the_column);
    tcase_add_test(tc, more_than_64_custom_dimensions_is_a_header_error);
    tcase_add_test(tc, every_enum_spelling_of_the_vocabulary_is_read_in_any_case);
    tcase_add_loop_test(tc, strict_stops_at_each_kind_of_bad_row_naming_line_and_field, 0,
                        (int)(sizeof strict_cases / sizeof *strict_cases));
    tcase_add_test(tc, lenient_accounts_for_every_bad_row_and_writes_them_back);
    tcase_add_test(tc, rows_read_equals_accepted_plus_rejected_after_every_push);
    tcase_add_test(tc, embedded_newlines_keep_physical_line_numbers);
    tcase_add_test(tc, overlong_field_and_too_many_fields_are_bad_rows);
    tcase_add_test(tc, overlong_record_is_skipped_with_bounded_memory);
    tcase_add_loop_test(tc, jsonl_bad_rows_are_reported_with_line_and_column, 0,
                        (int)(sizeof json_cases / sizeof *json_cases));
    tcase_add_test(tc, jsonl_keys_may_differ_per_line_and_numbers_fill_string_fields);
    tcase_add_test(tc, jsonl_lenient_keeps_going_after_bad_lines);
    tcase_add_test(tc, ingest_file_reports_progress_with_the_file_size_and_can_be_canceled);
    tcase_add_test(tc, distinct_string_limit_stops_even_lenient_ingestion);
    tcase_add_test(tc, allocation_failures_return_enomem_and_leak_nothing);
    tcase_add_test(tc, options_are_checked);
    tcase_add_test(tc, blank_fields_after_given_ones_read_as_not_given);
    tcase_add_test(tc, an_over_long_reject_is_the_same_in_one_piece_or_many);
    tcase_add_test(tc, a_push_that_fails_keeps_the_rows_it_accepted);
}

TU_SUITE_MAIN("ingest", ingest_tests)
