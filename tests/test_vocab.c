/* Vocabulary (doc/MODEL.md, Names): normal form of channel and type names on every way in, model
 * names and aliases, iv_model_check, rv_unscored, and summaries of format 1.
 *
 * Expected values are worked out by hand from the default model of doc/MODEL.md: phone costs
 * 2.83, web 0.15, email has no cost of its own (default_cost 1.0); purchase is 100 RV,
 * visit 1, demo 60. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iv.h"
#include "testutil.h"
#include "vocab.h"
#include "wire.h"

#define CLOSE(a, b) ck_assert_msg(tu_close((a), (b), 1e-12), "%s: %.17g != %.17g", #a, (double)(a), (double)(b))

static int ingest_text(iv_store *s, int format, int lenient, const char *text)
{
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    iv_ingest *ing = NULL;
    int rc;
    o.format = format;
    o.policy = lenient ? IV_POLICY_LENIENT : IV_POLICY_STRICT;
    ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
    rc = iv_ingest_push(ing, text, strlen(text));
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    iv_ingest_free(ing);
    return rc;
}

static double cell(const iv_table *t, size_t row, const char *col)
{
    long c = iv_table_col_index(t, col);
    ck_assert_msg(c >= 0, "no column %s", col);
    return iv_table_get_double(t, row, (size_t)c);
}

static const char *scell(const iv_table *t, size_t row, const char *col)
{
    long c = iv_table_col_index(t, col);
    ck_assert_msg(c >= 0, "no column %s", col);
    return iv_table_get_string(t, row, (size_t)c);
}

static iv_table *metrics(iv_store *s, const char *by, const iv_model *m)
{
    iv_query_options o = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    o.by = by;
    o.model = m;
    ck_assert_msg(iv_query_metrics(&t, s, &o) == IV_OK, "%s", iv_error_last());
    return t;
}

static const char *norm(const char *in, char *buf)
{
    size_t n = iv__vocab_normalize(in, strlen(in), buf);
    buf[n] = '\0';
    return buf;
}

/* ------------------------------------------------------------------ normal form */

START_TEST(normal_form_trims_lowers_and_joins_runs_of_blanks_and_dashes)
{
    char b[64];
    ck_assert_str_eq(norm("Phone Call", b), "phone_call");
    ck_assert_str_eq(norm("EMAIL", b), "email");
    ck_assert_str_eq(norm("  Face - to -  Face\t", b), "face_to_face");
    ck_assert_str_eq(norm("cross-sell", b), "cross_sell");
    ck_assert_str_eq(norm("a\t\r\nb", b), "a_b");
    ck_assert_str_eq(norm("already_normal", b), "already_normal");
    ck_assert_str_eq(norm("snake__case", b), "snake__case"); /* '_' is not a separator */
    ck_assert_str_eq(norm("-lead", b), "_lead");
    ck_assert_str_eq(norm("trail-", b), "trail_");
    ck_assert_str_eq(norm("   ", b), "");
    /* bytes >= 0x80 are kept: "Été" -> "Été" with only the ASCII lowered */
    ck_assert_str_eq(norm("\xc3\x89T\xc3\xa9", b), "\xc3\x89t\xc3\xa9");
    ck_assert(iv__vocab_is_normal("phone_call", 10));
    ck_assert(!iv__vocab_is_normal("Phone", 5));
    ck_assert(!iv__vocab_is_normal("a-b", 3));
}
END_TEST

START_TEST(record_and_column_appends_store_the_normal_form)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_record r = IV_RECORD_INIT;
    iv_columns c = IV_COLUMNS_INIT;
    const char *contact[2] = { "b", "c" }, *channel[2] = { "E-Mail", "web" },
               *type[2] = { " Demo ", "Sales  Meeting" };
    int64_t ts[2] = { 1709251200000, 1709251200000 };
    r.contact = "a";
    r.ts = 1709251200000; /* 2024-03-01 */
    r.channel = "Phone";
    r.type = "Phone Call";
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    c.n = 2;
    c.contact = contact;
    c.ts = ts;
    c.channel = channel;
    c.type = type;
    ck_assert_int_eq(iv_store_append_columns(s, &c), IV_OK);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    ck_assert_str_eq(r.channel, "phone");
    ck_assert_str_eq(r.type, "phone_call");
    ck_assert_int_eq(iv_store_get_row(s, 1, &r), IV_OK);
    ck_assert_str_eq(r.channel, "e_mail");
    ck_assert_str_eq(r.type, "demo");
    ck_assert_int_eq(iv_store_get_row(s, 2, &r), IV_OK);
    ck_assert_str_eq(r.type, "sales_meeting");
    /* a blank type is a missing type */
    r.contact = "a";
    r.channel = "web";
    r.type = "  \t ";
    ck_assert_int_eq(iv_store_append(s, &r), IV_EPARSE);
    ck_assert_msg(strstr(iv_error_last(), "missing type") != NULL, "%s", iv_error_last());
    iv_store_free(s);
}
END_TEST

/* Ingestion puts channel and type names in their normal form on its parser threads
 * (the store then takes them as they are): a file read on 1 to 4 threads, cut into many
 * ranges, and the same text pushed in pieces, give the normal forms written out by hand
 * from doc/MODEL.md (Names), including a quoted name (copied out of the input) and one
 * longer than the normaliser's stack buffer. */
extern uint64_t iv__ingest_chunk;

START_TEST(ingested_names_are_normal_on_every_thread_count)
{
    static const char *const raw_ch[5] = { "Phone", "  WEB ", "\"E-Mail\"", "sms", "Chat\tDesk" };
    static const char *const want_ch[5] = { "phone", "web", "e_mail", "sms", "chat_desk" };
    static const char *const raw_ty[5] = { "Phone Call", "visit", "\"Sales  Meeting\"", "DEMO", "" };
    static const char *const want_ty[5] = { "phone_call", "visit", "sales_meeting", "demo", "" };
    char longraw[400], longwant[400], path[512];
    size_t n = 0, cap = 1 << 16, i, k;
    char *text = malloc(cap);
    uint64_t chunk0 = iv__ingest_chunk;
    int th;
    ck_assert_ptr_nonnull(text);
    /* "Aa-Bb Cc..." of 300 bytes -> "aa_bb_cc..." */
    for (i = 0; i < 300; i++)
        longraw[i] = i % 3 == 2 ? (i % 2 ? '-' : ' ') : (char)((i % 3 ? 'a' : 'A') + (int)(i / 3 % 26));
    longraw[300] = '\0';
    for (i = 0; i < 300; i++)
        longwant[i] = i % 3 == 2 ? '_' : (char)('a' + (int)(i / 3 % 26));
    longwant[300] = '\0';
    n += (size_t)snprintf(text + n, cap - n, "contact,ts,channel,type\n");
    for (i = 0; i < 600; i++) {
        const char *ty = raw_ty[i % 5][0] ? raw_ty[i % 5] : longraw;
        n += (size_t)snprintf(text + n, cap - n, "c%zu,2024-03-01T00:00:%02zuZ,%s,%s\n", i % 37, i % 60,
                              raw_ch[i % 5], ty);
        ck_assert_uint_lt(n, cap);
    }
    tu_temp_path(path, sizeof path, ".csv");
    {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(text, 1, n, f), n);
        fclose(f);
    }
    iv__ingest_chunk = 997; /* many ranges */
    for (th = 0; th <= 4; th++) {
        iv_store *s = tu_new_store(NULL, NULL);
        iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
        iv_ingest *ing = NULL;
        o.threads = th ? th : 1;
        ck_assert_int_eq(iv_ingest_new(&ing, s, &o), IV_OK);
        if (th == 0) { /* pushed in pieces of 61 bytes */
            for (k = 0; k < n; k += 61)
                ck_assert_int_eq(iv_ingest_push(ing, text + k, n - k < 61 ? n - k : 61), IV_OK);
            ck_assert_int_eq(iv_ingest_finish(ing), IV_OK);
        } else {
            ck_assert_int_eq(iv_ingest_file(ing, path), IV_OK);
        }
        iv_ingest_free(ing);
        ck_assert_uint_eq(iv_store_rows(s), 600);
        for (i = 0; i < 600; i++) {
            iv_record r = IV_RECORD_INIT;
            ck_assert_int_eq(iv_store_get_row(s, i, &r), IV_OK);
            ck_assert_str_eq(r.channel, want_ch[i % 5]);
            ck_assert_str_eq(r.type, want_ty[i % 5][0] ? want_ty[i % 5] : longwant);
        }
        iv_store_free(s);
    }
    iv__ingest_chunk = chunk0;
    remove(path);
    free(text);
}
END_TEST

START_TEST(a_long_name_is_normalised_too)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_record r = IV_RECORD_INIT;
    char big[1001], want[1001];
    size_t i;
    for (i = 0; i < 1000; i++) {
        big[i] = i % 10 == 9 ? '-' : 'A';
        want[i] = i % 10 == 9 ? '_' : 'a';
    }
    big[1000] = want[1000] = '\0';
    r.contact = "a";
    r.ts = 0;
    r.channel = "web";
    r.type = big;
    ck_assert_int_eq(iv_store_append(s, &r), IV_OK);
    ck_assert_int_eq(iv_store_get_row(s, 0, &r), IV_OK);
    /* the last '-' is trailing: still one '_' */
    ck_assert_str_eq(r.type, want);
    iv_store_free(s);
}
END_TEST

/* HubSpot-style upper-case vocabulary: scored by the default model.
 * Rows: PURCHASE on Phone (100 RV, cost 2.83), Visit on WEB (1 RV, 0.15),
 * DEMO on "Face-to-Face" (60 RV, 8.62), and NOTE on EMAIL (unknown type: 0 RV,
 * rv_unscored 1; email known without a cost: 1.0).
 * rv = 161; cost = 2.83 + 0.15 + 8.62 + 1.0 = 12.6; cost_assumed 4. */
START_TEST(upper_case_types_and_channels_are_scored_from_csv_and_jsonl)
{
    static const char csv[] = "contact,ts,channel,type\n"
                              "a,2024-03-01,Phone,PURCHASE\n"
                              "a,2024-03-02,WEB,Visit\n"
                              "b,2024-03-03,Face-to-Face,DEMO\n"
                              "b,2024-03-04,EMAIL,NOTE\n";
    static const char jsonl[] =
        "{\"contact\":\"a\",\"ts\":\"2024-03-01\",\"channel\":\"Phone\",\"type\":\"PURCHASE\"}\n"
        "{\"contact\":\"a\",\"ts\":\"2024-03-02\",\"channel\":\"WEB\",\"type\":\"Visit\"}\n"
        "{\"contact\":\"b\",\"ts\":\"2024-03-03\",\"channel\":\"Face-to-Face\",\"type\":\"DEMO\"}\n"
        "{\"contact\":\"b\",\"ts\":\"2024-03-04\",\"channel\":\"EMAIL\",\"type\":\"NOTE\"}\n";
    int pass;
    for (pass = 0; pass < 2; pass++) {
        iv_store *s = tu_new_store(NULL, NULL);
        iv_table *t;
        ck_assert_int_eq(ingest_text(s, pass ? IV_INPUT_JSONL : IV_INPUT_CSV, 0,
                                     pass ? jsonl : csv), IV_OK);
        t = metrics(s, NULL, NULL);
        CLOSE(cell(t, 0, "n"), 4);
        CLOSE(cell(t, 0, "rv"), 161);
        CLOSE(cell(t, 0, "cost"), 12.6);
        CLOSE(cell(t, 0, "cost_assumed"), 4);
        CLOSE(cell(t, 0, "rv_unscored"), 1);
        iv_table_free(t);
        t = metrics(s, "channel", NULL);
        ck_assert_uint_eq(iv_table_nrows(t), 4);
        ck_assert_str_eq(scell(t, 0, "channel"), "email");
        ck_assert_str_eq(scell(t, 1, "channel"), "face_to_face");
        CLOSE(cell(t, 1, "cost"), 8.62);
        ck_assert_str_eq(scell(t, 2, "channel"), "phone");
        CLOSE(cell(t, 2, "cost"), 2.83);
        CLOSE(cell(t, 2, "rv"), 100);
        iv_table_free(t);
        iv_store_free(s);
    }
}
END_TEST

/* ------------------------------------------------------------------ the model */

START_TEST(model_names_are_normalised_in_setters_getters_and_text)
{
    iv_model *m = NULL;
    double rv;
    static const char text[] = "[type.\"Sales Call\"]\nrv = 7\n[channel.SMS-Gateway]\ncost = 0.05\n";
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(m, "WEBINAR", 30), IV_OK);
    ck_assert_int_eq(iv_model_get_type_rv(m, "webinar", &rv), IV_OK);
    CLOSE(rv, 30);
    ck_assert_int_eq(iv_model_get_type_rv(m, " Webinar ", &rv), IV_OK);
    ck_assert_str_eq(iv_model_find_type(m, "WeBiNaR"), "webinar");
    ck_assert_str_eq(iv_model_find_channel(m, "PHONE"), "phone");
    ck_assert_ptr_null(iv_model_find_type(m, "telepathy"));
    ck_assert_int_eq(iv_model_set_type_rv(m, "  ", 1), IV_EINVAL);
    ck_assert_int_eq(iv_model_remove_type(m, "WEBINAR"), IV_OK);
    ck_assert_ptr_null(iv_model_find_type(m, "webinar"));
    iv_model_free(m);
    ck_assert_int_eq(iv_model_parse(&m, text, sizeof text - 1, NULL), IV_OK);
    ck_assert_str_eq(iv_model_find_type(m, "sales call"), "sales_call");
    ck_assert_str_eq(iv_model_find_channel(m, "sms gateway"), "sms_gateway");
    iv_model_free(m);
}
END_TEST

START_TEST(an_alias_is_scored_as_its_entry)
{
    static const char text[] = "[type.meeting]\n"
                               "rv = 50\n"
                               "aliases = Demo Meeting, sales-meeting\n"
                               "[channel.phone]\n"
                               "aliases = CALL, phone_call\n";
    static const char csv[] = "contact,ts,channel,type\n"
                              "a,2024-03-01,Call,Demo Meeting\n"
                              "a,2024-03-02,phone,MEETING\n"
                              "b,2024-03-03,PHONE CALL,sales_meeting\n"
                              "b,2024-03-04,call,lunch\n";
    iv_model *m = NULL, *back = NULL;
    iv_store *s = tu_new_store(NULL, NULL);
    iv_table *t;
    char *txt = NULL;
    ck_assert_msg(iv_model_parse(&m, text, sizeof text - 1, NULL) == IV_OK, "%s", iv_error_last());
    ck_assert_str_eq(iv_model_find_type(m, "DEMO_MEETING"), "meeting");
    ck_assert_str_eq(iv_model_type_alias(m, "meeting", 0), "demo_meeting");
    ck_assert_str_eq(iv_model_type_alias(m, "sales meeting", 1), "sales_meeting");
    ck_assert_ptr_null(iv_model_type_alias(m, "meeting", 2));
    ck_assert_str_eq(iv_model_channel_alias(m, "phone", 0), "call");
    ck_assert_ptr_null(iv_model_channel_alias(m, "web", 0));
    ck_assert_int_eq(ingest_text(s, IV_INPUT_CSV, 0, csv), IV_OK);
    /* three meetings (50 each) and lunch (unknown: 0); all four on phone (2.83 each) */
    t = metrics(s, NULL, m);
    CLOSE(cell(t, 0, "rv"), 150);
    CLOSE(cell(t, 0, "cost"), 4 * 2.83);
    CLOSE(cell(t, 0, "rv_unscored"), 1);
    iv_table_free(t);
    /* the stored values stay as written (normalised), the model resolves them */
    t = metrics(s, "type", m);
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_str_eq(scell(t, 0, "type"), "demo_meeting");
    CLOSE(cell(t, 0, "rv"), 50);
    iv_table_free(t);
    /* written and read back to an equal model */
    ck_assert_int_eq(iv_model_to_string(m, &txt, NULL), IV_OK);
    ck_assert_msg(strstr(txt, "aliases = demo_meeting, sales_meeting\n") != NULL, "%s", txt);
    ck_assert_msg(strstr(txt, "aliases = call, phone_call\n") != NULL, "%s", txt);
    ck_assert_int_eq(iv_model_parse(&back, txt, strlen(txt), NULL), IV_OK);
    ck_assert(iv_model_equal(m, back));
    iv_model_free_string(m, txt);
    /* replacing the list; "" removes them */
    ck_assert_int_eq(iv_model_set_type_aliases(back, "meeting", "standup"), IV_OK);
    ck_assert_ptr_null(iv_model_find_type(back, "demo_meeting"));
    ck_assert_str_eq(iv_model_find_type(back, "Standup"), "meeting");
    ck_assert(!iv_model_equal(m, back));
    ck_assert_int_eq(iv_model_set_type_aliases(back, "meeting", ""), IV_OK);
    ck_assert_ptr_null(iv_model_type_alias(back, "meeting", 0));
    /* removing a type removes its aliases */
    ck_assert_int_eq(iv_model_remove_type(m, "meeting"), IV_OK);
    ck_assert_ptr_null(iv_model_find_type(m, "demo_meeting"));
    iv_model_free(back);
    iv_model_free(m);
    iv_store_free(s);
}
END_TEST

START_TEST(conflicting_aliases_are_errors_that_name_them)
{
    iv_model *m = NULL;
    static const char dup[] = "[type.meeting]\naliases = demo_meeting\n"
                              "[type.call]\naliases = Demo Meeting\n";
    static const char shadow[] = "[type.meeting]\naliases = demo_meeting\n[type.demo_meeting]\n";
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_aliases(m, "meeting", "purchase"), IV_EINVAL);
    ck_assert_msg(strstr(iv_error_last(), "'purchase'") != NULL, "%s", iv_error_last());
    ck_assert_int_eq(iv_model_set_type_aliases(m, "meeting", "a, ,b"), IV_EINVAL);
    ck_assert_ptr_null(iv_model_find_type(m, "a")); /* unchanged on error */
    ck_assert_int_eq(iv_model_set_channel_aliases(m, "phone", "call"), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_aliases(m, "web", "CALL"), IV_EINVAL);
    ck_assert_msg(strstr(iv_error_last(), "already an alias of the channel 'phone'") != NULL, "%s",
                  iv_error_last());
    ck_assert_int_eq(iv_model_set_type_rv(m, "call", 5), IV_OK); /* types and channels apart */
    ck_assert_int_eq(iv_model_set_channel_cost(m, "Call", 1), IV_EINVAL);
    iv_model_free(m);
    ck_assert_int_eq(iv_model_parse(&m, dup, sizeof dup - 1, NULL), IV_EPARSE);
    ck_assert_msg(strncmp(iv_error_last(), "line 4:", 7) == 0, "%s", iv_error_last());
    ck_assert_int_eq(iv_model_parse(&m, shadow, sizeof shadow - 1, NULL), IV_EPARSE);
    ck_assert_msg(strncmp(iv_error_last(), "line 3:", 7) == 0 &&
                      strstr(iv_error_last(), "alias of the type 'meeting'"),
                  "%s", iv_error_last());
}
END_TEST

START_TEST(the_default_model_reads_back_from_its_text_identically)
{
    iv_model *d = NULL, *back = NULL;
    char *txt = NULL;
    size_t len = 0;
    ck_assert_int_eq(iv_model_new(&d, NULL), IV_OK);
    ck_assert_int_eq(iv_model_to_string(d, &txt, &len), IV_OK);
    ck_assert_int_eq(iv_model_parse(&back, txt, len, NULL), IV_OK);
    ck_assert(iv_model_equal(d, back));
    iv_model_free_string(d, txt);
    iv_model_free(back);
    iv_model_free(d);
}
END_TEST

/* ------------------------------------------------------------------ iv_model_check */

START_TEST(check_lists_unknown_types_and_channels_most_frequent_first)
{
    static const char csv[] = "contact,ts,channel,type\n"
                              "a,2024-03-01,Phone,NOTE\n"
                              "a,2024-03-02,fax,NOTE\n"
                              "b,2024-03-03,fax,TASK\n"
                              "b,2024-03-04,Web,visit\n"
                              "c,2024-03-05,pigeon,note\n";
    iv_store *s = tu_new_store(NULL, NULL);
    iv_model *m = NULL;
    iv_table *t = NULL;
    ck_assert_int_eq(ingest_text(s, IV_INPUT_CSV, 0, csv), IV_OK);
    ck_assert_int_eq(iv_model_check(NULL, s, &t), IV_OK);
    /* types: note 3, task 1; channels: fax 2, pigeon 1 */
    ck_assert_uint_eq(iv_table_nrows(t), 4);
    ck_assert_str_eq(scell(t, 0, "field"), "type");
    ck_assert_str_eq(scell(t, 0, "value"), "note");
    ck_assert_int_eq(iv_table_get_int(t, 0, 2), 3);
    ck_assert_str_eq(scell(t, 1, "value"), "task");
    ck_assert_int_eq(iv_table_get_int(t, 1, 2), 1);
    ck_assert_str_eq(scell(t, 2, "field"), "channel");
    ck_assert_str_eq(scell(t, 2, "value"), "fax");
    ck_assert_int_eq(iv_table_get_int(t, 2, 2), 2);
    ck_assert_str_eq(scell(t, 3, "value"), "pigeon");
    iv_table_free(t);
    /* a model that knows note (as an alias) and fax */
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_aliases(m, "support", "note"), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "FAX", 0.5), IV_OK);
    ck_assert_int_eq(iv_model_check(m, s, &t), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 2);
    ck_assert_str_eq(scell(t, 0, "value"), "task");
    ck_assert_str_eq(scell(t, 1, "value"), "pigeon");
    iv_table_free(t);
    iv_model_free(m);
    ck_assert_int_eq(iv_model_check(NULL, NULL, &t), IV_EINVAL);
    iv_store_free(s);
}
END_TEST

/* The rows are counted only for a column that has a name the model does not know: a
 * store whose names are all known gives no row, one with unknown types only lists them
 * (counted in a 2-byte code column: 300 types) and no channel. */
START_TEST(check_counts_only_where_a_name_is_unknown)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_table *t = NULL;
    char *csv = malloc(64 + 600 * 48), *w = csv;
    size_t i;
    ck_assert_ptr_nonnull(csv);
    ck_assert_int_eq(ingest_text(s, IV_INPUT_CSV, 0, "contact,ts,channel,type\n"
                                                    "a,2024-03-01,web,visit\n"
                                                    "b,2024-03-02,email,purchase\n"),
                     IV_OK);
    ck_assert_int_eq(iv_model_check(NULL, s, &t), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 0);
    iv_table_free(t);
    w += sprintf(w, "contact,ts,channel,type\n");
    for (i = 0; i < 600; i++) /* types zz000..zz299, twice each, after visit and purchase */
        w += sprintf(w, "c%zu,2024-03-%02zu,web,zz%03zu\n", i % 7, 1 + i % 28, (i * 7) % 300);
    ck_assert_int_eq(ingest_text(s, IV_INPUT_CSV, 0, csv), IV_OK);
    ck_assert_int_eq(iv_model_check(NULL, s, &t), IV_OK);
    ck_assert_uint_eq(iv_table_nrows(t), 300);
    for (i = 0; i < 300; i++) { /* all twice: by name */
        char name[8];
        snprintf(name, sizeof name, "zz%03zu", i);
        ck_assert_str_eq(scell(t, i, "field"), "type");
        ck_assert_str_eq(scell(t, i, "value"), name);
        ck_assert_int_eq(iv_table_get_int(t, i, 2), 2);
    }
    iv_table_free(t);
    free(csv);
    iv_store_free(s);
}
END_TEST

/* ------------------------------------------------------------------ summaries */

/* A format-2 summary rewritten as format 1 (without each group's rv_unscored count) is
 * still read; its rv_unscored is undefined, and it is written back as format 1. */
START_TEST(a_format_1_summary_is_read_with_rv_unscored_undefined)
{
    static const char csv[] = "contact,ts,channel,type\n"
                              "a,2024-03-01,web,visit\n"
                              "b,2024-03-02,web,lunch\n";
    iv_store *s = tu_new_store(NULL, NULL);
    iv_summary *sum = NULL, *old = NULL;
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    iv_table *t = NULL;
    void *bytes = NULL;
    size_t len = 0;
    unsigned char *b, *v1;
    size_t v1len, g_at;
    long col;
    ck_assert_int_eq(ingest_text(s, IV_INPUT_CSV, 0, csv), IV_OK);
    ck_assert_int_eq(iv_summary_make(&sum, s, NULL, &so), IV_OK);
    ck_assert_int_eq(iv_summary_metrics(&t, sum), IV_OK);
    col = iv_table_col_index(t, "rv_unscored");
    ck_assert(col >= 0);
    ck_assert_int_eq(iv_table_get_int(t, 0, (size_t)col), 1);
    iv_table_free(t);
    ck_assert_int_eq(iv_summary_to_bytes(sum, &bytes, &len), IV_OK);
    b = bytes;
    ck_assert_uint_eq(iv__ld32(b + 8), 2);
    /* one group, no dimensions: after the header's payload fields the group's 14 counts
     * start at a fixed place; find it as the offset of n (2) followed by contacts (2) */
    for (g_at = 28; g_at + 16 <= len; g_at++)
        if (iv__ld64(b + g_at) == 2 && iv__ld64(b + g_at + 8) == 2)
            break;
    ck_assert(g_at + 16 <= len);
    v1len = len - 8;
    v1 = malloc(v1len);
    memcpy(v1, b, g_at + 14 * 8);
    memcpy(v1 + g_at + 14 * 8, b + g_at + 15 * 8, len - (g_at + 15 * 8));
    iv__le32(v1 + 8, 1);
    iv__le64(v1 + 16, (uint64_t)(v1len - 28));
    iv__le32(v1 + 24, iv__crc32(0, v1 + 28, v1len - 28));
    ck_assert_msg(iv_summary_from_bytes(&old, v1, v1len, NULL) == IV_OK, "%s", iv_error_last());
    ck_assert_int_eq(iv_summary_metrics(&t, old), IV_OK);
    ck_assert(!iv_table_is_defined(t, 0, (size_t)iv_table_col_index(t, "rv_unscored")));
    CLOSE(cell(t, 0, "n"), 2);
    iv_table_free(t);
    /* merged into a format-2 summary: unknown too */
    ck_assert_int_eq(iv_summary_merge(sum, old), IV_OK);
    ck_assert_int_eq(iv_summary_metrics(&t, sum), IV_OK);
    ck_assert(!iv_table_is_defined(t, 0, (size_t)iv_table_col_index(t, "rv_unscored")));
    iv_table_free(t);
    iv_summary_free_bytes(sum, bytes, len);
    ck_assert_int_eq(iv_summary_to_bytes(sum, &bytes, &len), IV_OK);
    ck_assert_uint_eq(iv__ld32((unsigned char *)bytes + 8), 1);
    iv_summary_free_bytes(sum, bytes, len);
    free(v1);
    iv_summary_free(old);
    iv_summary_free(sum);
    iv_store_free(s);
}
END_TEST

/* The warnings of doc/SOURCES.md (guards): a where value no row has, a funnel step,
 * cohort start/return or path start type that no selected row has is named, not turned
 * into quiet zeros; names of types and channels are compared in normal form. */
static int has_warning(const char *needle)
{
    size_t i;
    for (i = 0; i < iv_warning_count(); i++)
        if (strstr(iv_warning_get(i), needle))
            return 1;
    return 0;
}

START_TEST(values_that_never_occur_are_warned_about)
{
    iv_store *s = tu_new_store(NULL, NULL);
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options lo = IV_LIFECYCLE_OPTIONS_INIT;
    iv_table *t = NULL;
    tu_add(s, "contact=a ts=2024-01-01T10:00:00Z channel=web type=visit");
    tu_add(s, "contact=a ts=2024-01-02T10:00:00Z channel=phone type=purchase");
    tu_add(s, "contact=b ts=2024-01-03T10:00:00Z channel=web type=visit");
    ck_assert_int_eq(iv_store_prepare(s), IV_OK);
    iv_warning_clear();
    /* where: a channel no row has; an upper-case one that is there in normal form */
    q.where = "channel = webb";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    ck_assert(tu_cell(t, 0, "n") == 0);
    ck_assert_uint_eq(iv_warning_count(), 1);
    ck_assert_str_eq(iv_warning_get(0), "selection: no row has channel 'webb'");
    ck_assert_ptr_null(iv_warning_get(1));
    iv_table_free(t);
    iv_warning_clear();
    ck_assert_uint_eq(iv_warning_count(), 0);
    q.where = "channel in (WEB, Phone) and type != Visit";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    ck_assert(tu_cell(t, 0, "n") == 1); /* the purchase by phone */
    ck_assert_uint_eq(iv_warning_count(), 0);
    iv_table_free(t);
    /* the same warning twice is kept once */
    q.where = "team = sales";
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    iv_table_free(t);
    ck_assert_int_eq(iv_query_metrics(&t, s, &q), IV_OK);
    iv_table_free(t);
    ck_assert_uint_eq(iv_warning_count(), 1);
    ck_assert(has_warning("no row has team 'sales'"));
    iv_warning_clear();
    /* funnel steps: 'demo' is in no row; 'purchase' is, but not in the selection; a step
     * with one of its types present is not warned about */
    q.where = "channel = web";
    lo.steps = "Visit,demo,Purchase,visit|refund";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, &q, &lo), IV_OK);
    iv_table_free(t);
    ck_assert_uint_eq(iv_warning_count(), 2);
    ck_assert_str_eq(iv_warning_get(0), "funnel step 2 ('demo') never occurs in the store");
    ck_assert_str_eq(iv_warning_get(1), "funnel step 3 ('Purchase') never occurs in the selection");
    iv_warning_clear();
    /* without the selection the upper-case steps are found: no warning */
    q.where = NULL;
    lo.steps = "VISIT,purchase";
    ck_assert_int_eq(iv_lifecycle_funnel(&t, s, &q, &lo), IV_OK);
    iv_table_free(t);
    ck_assert_uint_eq(iv_warning_count(), 0);
    /* cohorts start and return types, paths start type */
    lo.steps = NULL;
    lo.start_types = "signup";
    lo.return_types = "purchase|refund";
    ck_assert_int_eq(iv_lifecycle_cohorts(&t, s, &q, &lo), IV_OK);
    iv_table_free(t);
    ck_assert(has_warning("cohorts start types: type 'signup' never occurs in the store"));
    ck_assert(has_warning("cohorts return types: type 'refund' never occurs in the store"));
    ck_assert(!has_warning("'purchase'"));
    iv_warning_clear();
    lo.start_types = "purchase";
    q.where = "channel = web";
    ck_assert_int_eq(iv_lifecycle_paths(&t, s, &q, &lo), IV_OK);
    iv_table_free(t);
    ck_assert_uint_eq(iv_warning_count(), 1);
    ck_assert_str_eq(iv_warning_get(0), "paths start type: type 'purchase' never occurs in the selection");
    iv_warning_clear();
    iv_store_free(s);
}
END_TEST

static Suite *vocab_suite(void)
{
    Suite *s = suite_create("vocab");
    TCase *c = tcase_create("vocab");
    tcase_add_test(c, normal_form_trims_lowers_and_joins_runs_of_blanks_and_dashes);
    tcase_add_test(c, record_and_column_appends_store_the_normal_form);
    tcase_add_test(c, ingested_names_are_normal_on_every_thread_count);
    tcase_add_test(c, a_long_name_is_normalised_too);
    tcase_add_test(c, upper_case_types_and_channels_are_scored_from_csv_and_jsonl);
    tcase_add_test(c, model_names_are_normalised_in_setters_getters_and_text);
    tcase_add_test(c, an_alias_is_scored_as_its_entry);
    tcase_add_test(c, conflicting_aliases_are_errors_that_name_them);
    tcase_add_test(c, the_default_model_reads_back_from_its_text_identically);
    tcase_add_test(c, check_lists_unknown_types_and_channels_most_frequent_first);
    tcase_add_test(c, check_counts_only_where_a_name_is_unknown);
    tcase_add_test(c, a_format_1_summary_is_read_with_rv_unscored_undefined);
    tcase_add_test(c, values_that_never_occur_are_warned_about);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vocab_suite());
    int nf;
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
