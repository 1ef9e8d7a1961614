/* Model: the built-in default of doc/MODEL.md, lookups, setters/getters, the text format.
 *
 * Every expected default below is transcribed by hand from doc/MODEL.md, sentence
 * by sentence (costs, RV units, stage lists, flag lists, class lists, areas), not
 * taken from src/data/model.c's table. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "testutil.h"

/* ---------------------------------------------------------------------------------
 * doc/MODEL.md, transcribed */

static const struct { const char *name; double rv; } spec_rv[] = {
    { "visit", 1 }, { "open", 1 }, { "click", 3 }, { "download", 5 }, { "share", 25 },
    { "signup", 40 }, { "reply", 40 }, { "demo", 60 }, { "event", 60 }, { "purchase", 100 },
    { "repeat", 100 }, { "renewal", 100 }, { "upsell", 80 }, { "cross_sell", 80 },
    { "refer", 60 }, { "support", 0 }, { "complaint", -40 }, { "unsubscribe", -50 },
    { "discontinue", -100 },
};
static const char *const spec_surveys[] = { "nps", "csat", "ces" };

/* "acquisition for visit, open, click, download, share, signup, reply, event; closing for
 * demo, purchase; retention for every other known type" */
static const char *const spec_acquisition[] = { "visit", "open", "click", "download", "share",
                                                "signup", "reply", "event" };
static const char *const spec_closing[] = { "demo", "purchase" };

/* "lead for refer; do for share, download, signup, reply, demo, event, purchase, repeat,
 * renewal, upsell, cross_sell, complaint; watch for everything else" */
static const char *const spec_do[] = { "share", "download", "signup", "reply", "demo", "event",
                                       "purchase", "repeat", "renewal", "upsell", "cross_sell",
                                       "complaint" };

static int in_list(const char *const *list, size_t n, const char *s)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}
#define IN(list, s) in_list(list, sizeof(list) / sizeof((list)[0]), s)
#define NSPEC_RV (sizeof spec_rv / sizeof spec_rv[0])

/* Flags from the documentation's flag sentence. */
static unsigned spec_flags(const char *t)
{
    static const char *const purchase[] = { "purchase", "repeat", "renewal", "upsell",
                                            "cross_sell" };
    static const char *const support[] = { "support", "complaint" };
    unsigned f = 0;
    if (IN(purchase, t))
        f |= IV_FLAG_PURCHASE;
    if (strcmp(t, "repeat") == 0)
        f |= IV_FLAG_REPEAT;
    if (strcmp(t, "refer") == 0)
        f |= IV_FLAG_REFER;
    if (strcmp(t, "upsell") == 0)
        f |= IV_FLAG_UPSELL;
    if (strcmp(t, "cross_sell") == 0)
        f |= IV_FLAG_CROSS_SELL;
    if (strcmp(t, "complaint") == 0)
        f |= IV_FLAG_BAD_EXPERIENCE;
    if (IN(support, t))
        f |= IV_FLAG_SUPPORT;
    if (strcmp(t, "discontinue") == 0)
        f |= IV_FLAG_CHURN;
    return f;
}

static void lookup(const iv_model *m, const char *t, iv__type_info *ti)
{
    iv__model_type(m, t, strlen(t), ti);
}

static void chan(const iv_model *m, const char *c, iv__channel_info *ci)
{
    iv__model_channel(m, c, strlen(c), ci);
}

static iv_model *parse_ok(const char *text)
{
    iv_model *m = NULL;
    int rc = iv_model_parse(&m, text, strlen(text), NULL);
    ck_assert_msg(rc == IV_OK, "parse failed: %s", iv_error_last());
    return m;
}

static void parse_fails(const char *text, const char *message)
{
    iv_model *m = (iv_model *)1;
    ck_assert_int_eq(iv_model_parse(&m, text, strlen(text), NULL), IV_EPARSE);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(iv_error_last(), message);
}

/* ---------------------------------------------------------------------------------
 * Built-in default */

START_TEST(channel_costs_are_the_socitm_and_pwc_figures)
{
    static const struct { const char *ch; double cost; } want[] = {
        { "face_to_face", 8.62 }, { "phone", 2.83 }, { "web", 0.15 }, { "post", 12.10 },
        { "ivr", 0.20 },
    };
    iv_model *m;
    size_t i;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        iv__channel_info ci;
        double c;
        chan(iv__model_default(), want[i].ch, &ci);
        ck_assert_int_eq(ci.known, 1);
        ck_assert_double_eq(ci.cost, want[i].cost);
        ck_assert_int_eq(iv_model_get_channel_cost(m, want[i].ch, &c), IV_OK);
        ck_assert_double_eq(c, want[i].cost);
    }
    iv_model_free(m);
}
END_TEST

START_TEST(unknown_channel_costs_default_cost_and_is_unknown)
{
    iv__channel_info ci;
    double c;
    chan(iv__model_default(), "carrier_pigeon", &ci);
    ck_assert_int_eq(ci.known, 0);
    ck_assert_double_eq(ci.cost, 1.0);
    ck_assert_int_eq(ci.digital, 0);
    ck_assert_int_eq(ci.area, IV_AREA_CHANNELS);
    ck_assert_double_eq(iv__model_default_cost(iv__model_default()), 1.0);
    ck_assert_int_eq(iv_model_get_channel_cost(iv__model_default(), "carrier_pigeon", &c),
                     IV_ENOTFOUND);
}
END_TEST

START_TEST(digital_channels_are_web_email_chat_social_app_sms_ivr)
{
    static const char *const digital[] = { "web", "email", "chat", "social", "app", "sms",
                                           "ivr" };
    static const char *const analogue[] = { "phone", "face_to_face", "post" };
    size_t i;
    for (i = 0; i < sizeof digital / sizeof digital[0]; i++) {
        iv__channel_info ci;
        chan(iv__model_default(), digital[i], &ci);
        ck_assert_msg(ci.known && ci.digital == 1, "%s should be digital", digital[i]);
    }
    for (i = 0; i < sizeof analogue / sizeof analogue[0]; i++) {
        iv__channel_info ci;
        chan(iv__model_default(), analogue[i], &ci);
        ck_assert_msg(ci.known && ci.digital == 0, "%s should not be digital", analogue[i]);
    }
}
END_TEST

START_TEST(channels_without_a_published_cost_use_default_cost)
{
    static const char *const nocost[] = { "email", "chat", "social", "app", "sms" };
    iv_model *m;
    size_t i;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "default_cost", 0.75), IV_OK);
    for (i = 0; i < sizeof nocost / sizeof nocost[0]; i++) {
        iv__channel_info ci;
        chan(m, nocost[i], &ci);
        ck_assert_int_eq(ci.known, 1);
        ck_assert_double_eq(ci.cost, 0.75);
    }
    iv_model_free(m);
}
END_TEST

START_TEST(channel_areas_follow_spec)
{
    static const struct { const char *ch; int area; } want[] = {
        { "web", IV_AREA_EXPERIENCE }, { "app", IV_AREA_EXPERIENCE },
        { "email", IV_AREA_CONTENT }, { "social", IV_AREA_CONTENT },
        { "chat", IV_AREA_ENGAGEMENT }, { "phone", IV_AREA_ENGAGEMENT },
        { "face_to_face", IV_AREA_ENGAGEMENT }, { "post", IV_AREA_CHANNELS },
        { "ivr", IV_AREA_CHANNELS }, { "sms", IV_AREA_CHANNELS }, { "kiosk", IV_AREA_CHANNELS },
    };
    size_t i;
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        iv__channel_info ci;
        chan(iv__model_default(), want[i].ch, &ci);
        ck_assert_msg(ci.area == want[i].area, "area of %s", want[i].ch);
    }
    ck_assert_uint_eq(iv_model_channel_count(NULL), 0);
}
END_TEST

START_TEST(every_type_has_the_spec_rv_stage_class_and_flags)
{
    iv_model *m;
    size_t i;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_uint_eq(iv_model_type_count(m), NSPEC_RV + 3);
    for (i = 0; i < NSPEC_RV + 3; i++) {
        const char *t = i < NSPEC_RV ? spec_rv[i].name : spec_surveys[i - NSPEC_RV];
        int stage = IN(spec_acquisition, t) ? IV_STAGE_ACQUISITION
                    : IN(spec_closing, t)   ? IV_STAGE_CLOSING
                                            : IV_STAGE_RETENTION;
        int cls = strcmp(t, "refer") == 0 ? IV_CLASS_LEAD
                  : IN(spec_do, t)        ? IV_CLASS_DO
                                          : IV_CLASS_WATCH;
        iv__type_info ti;
        double d;
        int k;
        unsigned f;
        lookup(iv__model_default(), t, &ti);
        ck_assert_msg(ti.known == 1, "%s known", t);
        ck_assert_msg(ti.stage == stage, "stage of %s", t);
        ck_assert_msg(ti.cls == cls, "class of %s", t);
        ck_assert_msg(ti.flags == spec_flags(t), "flags of %s: %u", t, ti.flags);
        ck_assert_msg(ti.rv_repeat == 1.0 && isnan(ti.rv_daily_cap), "repeat/cap of %s", t);
        if (i < NSPEC_RV) {
            ck_assert_msg(ti.rv == spec_rv[i].rv && ti.survey == IV_SURVEY_NONE, "rv of %s", t);
            ck_assert_int_eq(iv_model_get_type_rv(m, t, &d), IV_OK);
            ck_assert_double_eq(d, spec_rv[i].rv);
        }
        /* the public getters agree with the internal lookup on a model from iv_model_new */
        ck_assert_int_eq(iv_model_get_type_stage(m, t, &k), IV_OK);
        ck_assert_int_eq(k, stage);
        ck_assert_int_eq(iv_model_get_type_class(m, t, &k), IV_OK);
        ck_assert_int_eq(k, cls);
        ck_assert_int_eq(iv_model_get_type_flags(m, t, &f), IV_OK);
        ck_assert_uint_eq(f, spec_flags(t));
    }
    iv_model_free(m);
}
END_TEST

START_TEST(survey_types_score_by_answer_band_at_every_edge)
{
    static const struct { const char *t; double score, rv; } want[] = {
        { "nps", 0, -20 }, { "nps", 6, -20 }, { "nps", 7, 0 }, { "nps", 8, 0 },
        { "nps", 9, 20 }, { "nps", 10, 20 },
        { "csat", 1, -20 }, { "csat", 2, -20 }, { "csat", 3, 0 }, { "csat", 4, 20 },
        { "csat", 5, 20 },
        { "ces", 1, -20 }, { "ces", 3, -20 }, { "ces", 4, 0 }, { "ces", 5, 20 },
        { "ces", 7, 20 },
    };
    static const int kind[] = { IV_SURVEY_NPS, IV_SURVEY_CSAT, IV_SURVEY_CES };
    size_t i;
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        iv__type_info ti;
        lookup(iv__model_default(), want[i].t, &ti);
        ck_assert_msg(iv__model_survey_rv(&ti, want[i].score) == want[i].rv, "%s %g",
                      want[i].t, want[i].score);
    }
    for (i = 0; i < 3; i++) {
        iv__type_info ti;
        lookup(iv__model_default(), spec_surveys[i], &ti);
        ck_assert_int_eq(ti.survey, kind[i]);
        /* a survey row without a score scores the type's own rv, 0 by default */
        ck_assert_double_eq(iv__model_survey_rv(&ti, NAN), 0.0);
    }
}
END_TEST

START_TEST(non_survey_types_ignore_the_score)
{
    iv__type_info ti;
    lookup(iv__model_default(), "purchase", &ti);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 2), 100.0);
    ck_assert_double_eq(iv__model_survey_rv(&ti, NAN), 100.0);
}
END_TEST

START_TEST(outcome_factors_are_1_half_0_and_none_counts_as_neutral)
{
    const iv_model *d = iv__model_default();
    ck_assert_double_eq(iv__model_outcome_factor(d, IV_OUTCOME_DESIRED), 1.0);
    ck_assert_double_eq(iv__model_outcome_factor(d, IV_OUTCOME_NEUTRAL), 0.5);
    ck_assert_double_eq(iv__model_outcome_factor(d, IV_OUTCOME_UNDESIRED), 0.0);
    ck_assert_double_eq(iv__model_outcome_factor(d, IV_OUTCOME_NONE), 0.5);
    ck_assert(isnan(iv__model_outcome_factor(d, 99)));
}
END_TEST

START_TEST(global_defaults_are_cumulative_rv_90_day_window_and_tertile_tiers)
{
    const iv_model *d = iv__model_default();
    double hi = 0, poor = 0;
    ck_assert(isnan(iv__model_half_life_days(d)));
    ck_assert_double_eq(iv__model_activity_window_days(d), 90.0);
    ck_assert_int_eq(iv__model_profit_thresholds(d, &hi, &poor), 0);
    ck_assert(isnan(hi) && isnan(poor));
}
END_TEST

START_TEST(unknown_type_scores_zero_with_no_stage)
{
    iv__type_info ti;
    int stage;
    lookup(iv__model_default(), "telepathy", &ti);
    ck_assert_int_eq(ti.known, 0);
    ck_assert_double_eq(ti.rv, 0.0);
    ck_assert_int_eq(ti.stage, IV_STAGE_NONE);
    ck_assert_int_eq(ti.cls, IV_CLASS_WATCH);
    ck_assert_uint_eq(ti.flags, 0);
    ck_assert_int_eq(ti.survey, IV_SURVEY_NONE);
    ck_assert_double_eq(ti.rv_repeat, 1.0);
    ck_assert(isnan(ti.rv_daily_cap));
    ck_assert_int_eq(iv_model_get_type_stage(iv__model_default(), "telepathy", &stage),
                     IV_ENOTFOUND);
}
END_TEST

START_TEST(names_match_in_normal_form_and_by_length)
{
    iv__type_info ti;
    iv__channel_info ci;
    /* doc/MODEL.md "Vocabularies": "Purchase" is purchase, " Cross-Sell " is cross_sell */
    iv__model_type(iv__model_default(), "Purchase", 8, &ti);
    ck_assert_int_eq(ti.known, 1);
    ck_assert_double_eq(ti.rv, 100.0);
    iv__model_type(iv__model_default(), " Cross-Sell ", 12, &ti);
    ck_assert_int_eq(ti.known, 1);
    ck_assert_double_eq(ti.rv, 80.0);
    iv__model_type(iv__model_default(), "cross__sell", 11, &ti);
    ck_assert_int_eq(ti.known, 0);
    /* only the first 5 bytes count: "visit" */
    iv__model_type(iv__model_default(), "visitor", 5, &ti);
    ck_assert_int_eq(ti.known, 1);
    ck_assert_double_eq(ti.rv, 1.0);
    iv__model_type(iv__model_default(), "visitor", 7, &ti);
    ck_assert_int_eq(ti.known, 0);
    iv__model_channel(iv__model_default(), "phone,web", 5, &ci);
    ck_assert_double_eq(ci.cost, 2.83);
    iv__model_channel(iv__model_default(), "", 0, &ci);
    ck_assert_int_eq(ci.known, 0);
}
END_TEST

START_TEST(new_model_equals_the_static_default_and_null_means_default)
{
    iv_model *m;
    iv__type_info ti;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_equal(m, iv__model_default()), 1);
    ck_assert_int_eq(iv_model_equal(m, NULL), 0);
    iv__model_type(NULL, "demo", 4, &ti);
    ck_assert_double_eq(ti.rv, 60.0);
    ck_assert_int_eq(iv_model_set_type_rv(m, "demo", 61), IV_OK);
    ck_assert_int_eq(iv_model_equal(m, iv__model_default()), 0);
    /* the static default is untouched */
    lookup(iv__model_default(), "demo", &ti);
    ck_assert_double_eq(ti.rv, 60.0);
    iv_model_free(m);
    iv_model_free(NULL);
}
END_TEST

START_TEST(enumeration_lists_names_in_byte_order)
{
    const iv_model *d = iv__model_default();
    size_t i;
    ck_assert_uint_eq(iv_model_type_count(d), 22);
    ck_assert_uint_eq(iv_model_channel_count(d), 10);
    for (i = 1; i < iv_model_type_count(d); i++)
        ck_assert_int_lt(strcmp(iv_model_type_name(d, i - 1), iv_model_type_name(d, i)), 0);
    for (i = 1; i < iv_model_channel_count(d); i++)
        ck_assert_int_lt(strcmp(iv_model_channel_name(d, i - 1), iv_model_channel_name(d, i)),
                         0);
    ck_assert_ptr_null(iv_model_type_name(d, 22));
    ck_assert_ptr_null(iv_model_channel_name(d, 10));
    ck_assert_str_eq(iv_model_type_name(d, 0), "ces");
}
END_TEST

/* ---------------------------------------------------------------------------------
 * Setters and getters */

START_TEST(setting_an_unknown_type_adds_it_with_unknown_defaults)
{
    iv_model *m;
    iv__type_info ti;
    double d;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_class(m, "webinar", IV_CLASS_LEAD), IV_OK);
    lookup(m, "webinar", &ti);
    ck_assert_int_eq(ti.known, 1);
    ck_assert_int_eq(ti.cls, IV_CLASS_LEAD);
    ck_assert_double_eq(ti.rv, 0.0);
    ck_assert_int_eq(ti.stage, IV_STAGE_NONE);
    ck_assert_uint_eq(iv_model_type_count(m), 23);
    ck_assert_int_eq(iv_model_set_type_rv(m, "webinar", 35), IV_OK);
    ck_assert_int_eq(iv_model_set_type_stage(m, "webinar", IV_STAGE_ACQUISITION), IV_OK);
    ck_assert_int_eq(iv_model_set_type_flags(m, "webinar", IV_FLAG_REFER | IV_FLAG_SUPPORT),
                     IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv_repeat(m, "webinar", 0.5), IV_OK);
    ck_assert_int_eq(iv_model_set_type_daily_cap(m, "webinar", 70), IV_OK);
    lookup(m, "webinar", &ti);
    ck_assert_double_eq(ti.rv, 35);
    ck_assert_int_eq(ti.stage, IV_STAGE_ACQUISITION);
    ck_assert_uint_eq(ti.flags, IV_FLAG_REFER | IV_FLAG_SUPPORT);
    ck_assert_double_eq(ti.rv_repeat, 0.5);
    ck_assert_double_eq(ti.rv_daily_cap, 70);
    ck_assert_int_eq(iv_model_get_type_rv_repeat(m, "webinar", &d), IV_OK);
    ck_assert_double_eq(d, 0.5);
    ck_assert_int_eq(iv_model_get_type_daily_cap(m, "webinar", &d), IV_OK);
    ck_assert_double_eq(d, 70);
    ck_assert_int_eq(iv_model_set_type_daily_cap(m, "webinar", NAN), IV_OK);
    ck_assert_int_eq(iv_model_get_type_daily_cap(m, "webinar", &d), IV_OK);
    ck_assert(isnan(d));
    iv_model_free(m);
}
END_TEST

START_TEST(survey_setters_change_kind_and_bands)
{
    iv_model *m;
    iv__type_info ti;
    double lo, mid, hi;
    int k;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_survey(m, "pulse", IV_SURVEY_CSAT), IV_OK);
    ck_assert_int_eq(iv_model_set_type_survey_rv(m, "pulse", -5, 1, 7), IV_OK);
    lookup(m, "pulse", &ti);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 2), -5);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 3), 1);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 4), 7);
    ck_assert_int_eq(iv_model_get_type_survey(m, "pulse", &k), IV_OK);
    ck_assert_int_eq(k, IV_SURVEY_CSAT);
    ck_assert_int_eq(iv_model_get_type_survey_rv(m, "nps", &lo, &mid, &hi), IV_OK);
    ck_assert(lo == -20 && mid == 0 && hi == 20);
    ck_assert_int_eq(iv_model_set_type_survey_rv(m, "nps", -1, NAN, 1), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_survey(m, "nps", 4), IV_ERANGE);
    iv_model_free(m);
}
END_TEST

START_TEST(setters_reject_out_of_range_values_and_leave_the_model_unchanged)
{
    iv_model *m;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(m, "ghost", NAN), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_rv(m, "ghost", INFINITY), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_stage(m, "ghost", 4), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_class(m, "ghost", -1), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_flags(m, "ghost", 256), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_rv_repeat(m, "ghost", -0.5), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_daily_cap(m, "ghost", -1), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "ghost", -0.01), IV_ERANGE);
    ck_assert_str_eq(iv_error_last(), "'cost' must be a finite number >= 0 or none, got -0.01");
    ck_assert_int_eq(iv_model_set_channel_digital(m, "ghost", 2), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_channel_area(m, "ghost", IV_AREA_NONE), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_channel_area(m, "ghost", 9), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_type_rv(m, "", 1), IV_EINVAL);
    ck_assert_int_eq(iv_model_set_type_rv(m, NULL, 1), IV_EINVAL);
    ck_assert_int_eq(iv_model_set_type_rv(NULL, "x", 1), IV_EINVAL);
    ck_assert_int_eq(iv_model_equal(m, iv__model_default()), 1);
    iv_model_free(m);
}
END_TEST

START_TEST(channel_setters_add_and_change_channels)
{
    iv_model *m;
    iv__channel_info ci;
    int k;
    double c;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_digital(m, "kiosk", 1), IV_OK);
    chan(m, "kiosk", &ci);
    ck_assert(ci.known == 1 && ci.digital == 1 && ci.area == IV_AREA_CHANNELS && ci.cost == 1.0);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "kiosk", 0.4), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_area(m, "kiosk", IV_AREA_EXPERIENCE), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "phone", 3.5), IV_OK);
    chan(m, "kiosk", &ci);
    ck_assert(ci.cost == 0.4 && ci.area == IV_AREA_EXPERIENCE);
    ck_assert_int_eq(iv_model_get_channel_cost(m, "phone", &c), IV_OK);
    ck_assert_double_eq(c, 3.5);
    ck_assert_int_eq(iv_model_get_channel_digital(m, "kiosk", &k), IV_OK);
    ck_assert_int_eq(k, 1);
    ck_assert_int_eq(iv_model_get_channel_area(m, "web", &k), IV_OK);
    ck_assert_int_eq(k, IV_AREA_EXPERIENCE);
    ck_assert_int_eq(iv_model_get_channel_area(m, "fax", &k), IV_ENOTFOUND);
    ck_assert_str_eq(iv_error_last(), "the model has no channel 'fax'");
    iv_model_free(m);
}
END_TEST

START_TEST(params_are_set_and_read_by_their_model_key_names)
{
    iv_model *m;
    double v, hi, poor;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_get_param(m, "outcome_neutral", &v), IV_OK);
    ck_assert_double_eq(v, 0.5);
    ck_assert_int_eq(iv_model_get_param(m, "rv_half_life_days", &v), IV_OK);
    ck_assert(isnan(v));
    ck_assert_int_eq(iv_model_set_param(m, "outcome_desired", 2), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "outcome_neutral", 0.25), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "outcome_undesired", -1), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "rv_half_life_days", 30), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "activity_window_days", 60), IV_OK);
    ck_assert_double_eq(iv__model_outcome_factor(m, IV_OUTCOME_DESIRED), 2);
    ck_assert_double_eq(iv__model_outcome_factor(m, IV_OUTCOME_NONE), 0.25);
    ck_assert_double_eq(iv__model_outcome_factor(m, IV_OUTCOME_UNDESIRED), -1);
    ck_assert_double_eq(iv__model_half_life_days(m), 30);
    ck_assert_double_eq(iv__model_activity_window_days(m), 60);
    /* profit tiers are user-set only once both thresholds are */
    ck_assert_int_eq(iv_model_set_param(m, "profit_high", 100), IV_OK);
    ck_assert_int_eq(iv__model_profit_thresholds(m, &hi, &poor), 0);
    ck_assert_int_eq(iv_model_set_param(m, "profit_poor", 0), IV_OK);
    ck_assert_int_eq(iv__model_profit_thresholds(m, &hi, &poor), 1);
    ck_assert(hi == 100 && poor == 0);
    ck_assert_int_eq(iv_model_set_param(m, "rv_half_life_days", NAN), IV_OK);
    ck_assert(isnan(iv__model_half_life_days(m)));
    ck_assert_int_eq(iv_model_set_param(m, "rv_half_life_days", 0), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_param(m, "activity_window_days", NAN), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_param(m, "default_cost", -1), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_param(m, "outcome_desired", INFINITY), IV_ERANGE);
    ck_assert_int_eq(iv_model_set_param(m, "half_life", 3), IV_ENOTFOUND);
    ck_assert_int_eq(iv_model_get_param(m, "nope", &v), IV_ENOTFOUND);
    iv_model_free(m);
}
END_TEST

START_TEST(removed_types_and_channels_score_as_unknown)
{
    iv_model *m;
    iv__type_info ti;
    iv__channel_info ci;
    ck_assert_int_eq(iv_model_new(&m, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(m, "zzz", 5), IV_OK);
    ck_assert_int_eq(iv_model_remove_type(m, "zzz"), IV_OK);
    ck_assert_int_eq(iv_model_remove_type(m, "purchase"), IV_OK);
    ck_assert_int_eq(iv_model_remove_type(m, "purchase"), IV_ENOTFOUND);
    ck_assert_int_eq(iv_model_remove_channel(m, "phone"), IV_OK);
    lookup(m, "purchase", &ti);
    ck_assert(ti.known == 0 && ti.rv == 0);
    chan(m, "phone", &ci);
    ck_assert(ci.known == 0 && ci.cost == 1.0);
    lookup(m, "refer", &ti);
    ck_assert(ti.known == 1 && ti.rv == 60);
    ck_assert_uint_eq(iv_model_type_count(m), 21);
    ck_assert_uint_eq(iv_model_channel_count(m), 9);
    iv_model_free(m);
}
END_TEST

START_TEST(copy_is_independent_of_the_original)
{
    iv_model *a, *b;
    iv__type_info ti;
    ck_assert_int_eq(iv_model_new(&a, NULL), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(a, "webinar", 12), IV_OK);
    ck_assert_int_eq(iv_model_copy(&b, a, NULL), IV_OK);
    ck_assert_int_eq(iv_model_equal(a, b), 1);
    ck_assert_int_eq(iv_model_set_type_rv(a, "webinar", 13), IV_OK);
    iv_model_free(a);
    lookup(b, "webinar", &ti);
    ck_assert_double_eq(ti.rv, 12);
    iv_model_free(b);
}
END_TEST

START_TEST(options_are_checked_and_initialised)
{
    iv_model_options o = IV_MODEL_OPTIONS_INIT;
    iv_model *m = (iv_model *)1;
    unsigned char big[sizeof(iv_model_options) + 8];
    ck_assert_int_eq(iv_model_options_init(&o, sizeof o), IV_OK);
    ck_assert_uint_eq(o.size, sizeof o);
    ck_assert(o.alloc == NULL);
    ck_assert_int_eq(iv_model_options_init(&o, 4), IV_EINVAL);
    o.size = 4;
    ck_assert_int_eq(iv_model_new(&m, &o), IV_EINVAL);
    ck_assert_ptr_null(m);
    memset(big, 0, sizeof big);
    ck_assert_int_eq(iv_model_options_init((iv_model_options *)(void *)big, sizeof big), IV_OK);
    ck_assert_int_eq(iv_model_new(&m, (iv_model_options *)(void *)big), IV_OK);
    iv_model_free(m);
    big[sizeof(iv_model_options) + 2] = 1;
    ck_assert_int_eq(iv_model_new(&m, (iv_model_options *)(void *)big), IV_EINVAL);
    ck_assert_int_eq(iv_model_new(NULL, NULL), IV_EINVAL);
}
END_TEST

/* ---------------------------------------------------------------------------------
 * Text format */

START_TEST(file_overrides_what_it_names_and_keeps_the_rest)
{
    char path[4096];
    iv_model *m;
    iv__type_info ti;
    iv__channel_info ci;
    double hi, poor;
    tu_source_path(path, sizeof path, "tests/data/model/override.ini");
    ck_assert_msg(iv_model_load(&m, path, NULL) == IV_OK, "%s", iv_error_last());
    lookup(m, "purchase", &ti);
    ck_assert(ti.rv == 150 && ti.rv_repeat == 0.5 && ti.rv_daily_cap == 300);
    ck_assert(ti.stage == IV_STAGE_CLOSING && ti.cls == IV_CLASS_DO &&
              ti.flags == IV_FLAG_PURCHASE);
    lookup(m, "webinar", &ti);
    ck_assert(ti.known && ti.rv == 45 && ti.stage == IV_STAGE_ACQUISITION &&
              ti.cls == IV_CLASS_DO && ti.flags == (IV_FLAG_REFER | IV_FLAG_SUPPORT));
    lookup(m, "demo", &ti);
    ck_assert(ti.rv == 60);
    chan(m, "phone", &ci);
    ck_assert(ci.cost == 3.10 && ci.digital == 0 && ci.area == IV_AREA_ENGAGEMENT);
    chan(m, "fax", &ci);
    ck_assert(ci.known && ci.cost == 4 && ci.digital == 0 && ci.area == IV_AREA_TECHNOLOGY);
    chan(m, "web", &ci);
    ck_assert(ci.cost == 0.15);
    ck_assert_double_eq(iv__model_outcome_factor(m, IV_OUTCOME_NONE), 0.25);
    ck_assert_double_eq(iv__model_outcome_factor(m, IV_OUTCOME_DESIRED), 1.0);
    ck_assert_double_eq(iv__model_half_life_days(m), 30);
    ck_assert_int_eq(iv__model_profit_thresholds(m, &hi, &poor), 1);
    ck_assert(hi == 100 && poor == 0);
    iv_model_free(m);
}
END_TEST

START_TEST(defaults_none_starts_from_an_empty_model)
{
    char path[4096];
    iv_model *m;
    iv__type_info ti;
    iv__channel_info ci;
    tu_source_path(path, sizeof path, "tests/data/model/empty_base.ini");
    ck_assert_msg(iv_model_load(&m, path, NULL) == IV_OK, "%s", iv_error_last());
    ck_assert_uint_eq(iv_model_type_count(m), 2);
    ck_assert_uint_eq(iv_model_channel_count(m), 1);
    lookup(m, "visit", &ti);
    ck_assert_int_eq(ti.known, 0);
    lookup(m, "nps", &ti);
    ck_assert(ti.known && ti.survey == IV_SURVEY_NPS && ti.stage == IV_STAGE_NONE);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 10), 30);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 7), 5);
    ck_assert_double_eq(iv__model_survey_rv(&ti, 6), -40);
    chan(m, "phone", &ci);
    ck_assert(ci.known == 0 && ci.cost == 2);
    chan(m, "web", &ci);
    ck_assert(ci.known == 1 && ci.cost == 0.15 && ci.digital == 1);
    /* global parameters other than those named keep their built-in values */
    ck_assert_double_eq(iv__model_activity_window_days(m), 90);
    iv_model_free(m);
}
END_TEST

START_TEST(comments_whitespace_crlf_bom_and_case_are_tolerated)
{
    static const char text[] =
        "\xEF\xBB\xBF; header comment\r\n"
        "\r\n"
        "   # indented comment\r\n"
        "[ MODEL ]   ; trailing comment\r\n"
        "  Default_Cost\t=\t2.5   # why\r\n"
        "[Type.Webinar]\r\n"
        "STAGE = Closing\r\n"
        "flags = Purchase ,REFER,  churn\r\n"
        "rv=+1e1\r\n"
        "[channel.\"two words\"]\r\n"
        "digital = YES\r\n"
        "area = Content";
    iv_model *m = parse_ok(text);
    iv__type_info ti;
    iv__channel_info ci;
    ck_assert_double_eq(iv__model_default_cost(m), 2.5);
    /* names are normalised (doc/MODEL.md "Vocabularies"): the type is "webinar", whatever the spelling */
    ck_assert_str_eq(iv_model_type_name(m, iv_model_type_count(m) - 1), "webinar");
    lookup(m, "WEBINAR", &ti);
    ck_assert_int_eq(ti.known, 1);
    lookup(m, "Webinar", &ti);
    ck_assert(ti.known && ti.stage == IV_STAGE_CLOSING && ti.rv == 10 &&
              ti.flags == (IV_FLAG_PURCHASE | IV_FLAG_REFER | IV_FLAG_CHURN));
    chan(m, "two words", &ci);
    ck_assert(ci.known);
    chan(m, "two_words", &ci);
    ck_assert(ci.known && ci.digital == 1 && ci.area == IV_AREA_CONTENT && ci.cost == 2.5);
    iv_model_free(m);
}
END_TEST

START_TEST(empty_section_declares_and_none_words_clear)
{
    iv_model *m = parse_ok("[type.ping]\n[channel.pager]\n[type.purchase]\nflags = none\n"
                           "rv_daily_cap = none\n[model]\nrv_half_life_days = none\n"
                           "[channel.web]\ncost = default\n");
    iv__type_info ti;
    iv__channel_info ci;
    lookup(m, "ping", &ti);
    ck_assert(ti.known && ti.rv == 0 && ti.stage == IV_STAGE_NONE);
    chan(m, "pager", &ci);
    ck_assert(ci.known && ci.cost == 1.0);
    lookup(m, "purchase", &ti);
    ck_assert_uint_eq(ti.flags, 0);
    chan(m, "web", &ci);
    ck_assert_double_eq(ci.cost, 1.0);
    iv_model_free(m);
}
END_TEST

START_TEST(empty_text_is_the_default_model)
{
    iv_model *m = parse_ok("");
    ck_assert_int_eq(iv_model_equal(m, iv__model_default()), 1);
    iv_model_free(m);
}
END_TEST

START_TEST(errors_name_the_line_and_the_key)
{
    parse_fails("[model]\n\n[type.purchase]\nrvv = 5\n",
                "line 4: unknown key 'rvv' in [type.purchase]");
    parse_fails("; c\n[types.purchase]\n",
                "line 2: unknown section [types.purchase] (expected [model], [type.NAME] or "
                "[channel.NAME])");
    parse_fails("[model]\ndefault_cost = 1,5\n",
                "line 2: bad number '1,5' for 'default_cost' in [model] (expected a finite "
                "decimal number)");
    parse_fails("[type.x]\nrv = 0x10\n",
                "line 2: bad number '0x10' for 'rv' in [type.x] (expected a finite decimal "
                "number)");
    parse_fails("[type.x]\nstage = closin\n",
                "line 2: bad stage 'closin' for 'stage' in [type.x] (expected acquisition, "
                "closing, retention or none)");
    parse_fails("[type.x]\nclass = boss\n",
                "line 2: bad class 'boss' for 'class' in [type.x] (expected watch, do or lead)");
    parse_fails("[type.x]\nsurvey = poll\n",
                "line 2: bad survey 'poll' for 'survey' in [type.x] (expected nps, csat, ces "
                "or none)");
    parse_fails("[type.x]\nflags = purchase,refund\n",
                "line 2: bad flag 'refund' for 'flags' in [type.x] (expected purchase, repeat, "
                "refer, upsell, cross_sell, bad_experience, support or churn)");
    parse_fails("[channel.x]\ndigital = maybe\n",
                "line 2: bad boolean 'maybe' for 'digital' in [channel.x] (expected true or "
                "false)");
    parse_fails("[channel.x]\narea = none\n",
                "line 2: bad area 'none' for 'area' in [channel.x] (expected technology, "
                "channels, engagement, experience, content, business, analytics or "
                "governance)");
    parse_fails("[channel.x]\ncost = -2\n",
                "line 2: 'cost' must be a finite number >= 0 or none, got -2 in [channel.x]");
    parse_fails("[model]\nactivity_window_days = none\n",
                "line 2: 'activity_window_days' must be a finite number > 0, got nan in "
                "[model]");
    parse_fails("[model]\nrv_half_life = 3\n", "line 2: unknown key 'rv_half_life' in [model]");
    parse_fails("cost = 1\n", "line 1: key 'cost' outside a section");
    parse_fails("[model]\njust words\n",
                "line 2: expected 'key = value', '[section]' or a comment");
    parse_fails("[model\n", "line 1: section header without ']'");
    parse_fails("[type.]\n", "line 1: empty name in [type.]");
    parse_fails("[model] x\n", "line 1: unexpected text after [model]");
    parse_fails("[model]\ndefault_cost = 2\ndefaults = none\n",
                "line 3: 'defaults = none' must come before every other setting and section");
    parse_fails("[model]\ndefaults = some\n",
                "line 2: bad value 'some' for 'defaults' in [model] (expected none or builtin)");
    parse_fails("[type.\"a\\qb\"]\n",
                "line 1: bad escape in the name of [type.\"a\\qb\"] (use \\\\, \\\", \\n, \\r, "
                "\\t or \\xHH)");
}
END_TEST

START_TEST(number_grammar_accepts_decimals_and_exponents_only)
{
    static const struct { const char *v; double want; } ok[] = {
        { "1e2", 100 }, { "-0.5", -0.5 }, { "+3", 3 }, { ".5", 0.5 }, { "5.", 5 },
        { "1.25E-1", 0.125 }, { "007", 7 },
    };
    static const char *const bad[] = { "inf", "nan", "1e", "1.5.2", "--1", ".", "e5", "1e999",
                                       "0x1p3", "1 2" };
    size_t i;
    char text[128];
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        iv_model *m;
        iv__type_info ti;
        snprintf(text, sizeof text, "[type.t]\nrv = %s\n", ok[i].v);
        m = parse_ok(text);
        lookup(m, "t", &ti);
        ck_assert_msg(ti.rv == ok[i].want, "%s", ok[i].v);
        iv_model_free(m);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        iv_model *m;
        snprintf(text, sizeof text, "[type.t]\nrv = %s\n", bad[i]);
        ck_assert_msg(iv_model_parse(&m, text, strlen(text), NULL) == IV_EPARSE, "%s", bad[i]);
    }
}
END_TEST

START_TEST(load_names_the_file_in_errors)
{
    char path[4096], want[4200];
    iv_model *m;
    tu_source_path(path, sizeof path, "tests/data/model/bad_key.ini");
    ck_assert_int_eq(iv_model_load(&m, path, NULL), IV_EPARSE);
    ck_assert_ptr_null(m);
    snprintf(want, sizeof want, "%s:7: unknown key 'rvv' in [type.purchase]", path);
    ck_assert_str_eq(iv_error_last(), want);
    tu_source_path(path, sizeof path, "tests/data/model/no_such_file.ini");
    ck_assert_int_eq(iv_model_load(&m, path, NULL), IV_EIO);
    ck_assert_ptr_nonnull(strstr(iv_error_last(), "no_such_file.ini"));
}
END_TEST

/* A model that exercises every field and awkward names. */
static iv_model *odd_model(const iv_model_options *o)
{
    iv_model *m;
    ck_assert_int_eq(iv_model_new(&m, o), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(m, "we\"ird ]name;#", 0.1), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv(m, "line\nbreak\\", -1.0 / 3.0), IV_OK);
    ck_assert_int_eq(iv_model_set_type_survey(m, "caf\xc3\xa9", IV_SURVEY_CES), IV_OK);
    ck_assert_int_eq(iv_model_set_type_survey_rv(m, "caf\xc3\xa9", -7.25, 1e-300, 1e300),
                     IV_OK);
    ck_assert_int_eq(iv_model_set_type_daily_cap(m, "purchase", 250), IV_OK);
    ck_assert_int_eq(iv_model_set_type_rv_repeat(m, "visit", 0.9), IV_OK);
    ck_assert_int_eq(iv_model_set_type_flags(m, "visit", IV_FLAG_ALL), IV_OK);
    ck_assert_int_eq(iv_model_remove_type(m, "open"), IV_OK);
    ck_assert_int_eq(iv_model_remove_channel(m, "sms"), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "tab\there", 0.1 + 0.2), IV_OK);
    ck_assert_int_eq(iv_model_set_channel_cost(m, "chat", 0.33), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "rv_half_life_days", 45.5), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "profit_poor", -12), IV_OK);
    ck_assert_int_eq(iv_model_set_param(m, "outcome_undesired", -0.0), IV_OK);
    return m;
}

START_TEST(to_string_round_trips_through_parse)
{
    iv_model *m = odd_model(NULL), *back;
    char *text;
    size_t len;
    iv__type_info ti;
    ck_assert_int_eq(iv_model_to_string(m, &text, &len), IV_OK);
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_msg(iv_model_parse(&back, text, len, NULL) == IV_OK, "%s\n%s", iv_error_last(),
                  text);
    ck_assert_int_eq(iv_model_equal(m, back), 1);
    lookup(back, "line\nbreak\\", &ti);
    ck_assert_double_eq(ti.rv, -1.0 / 3.0);
    iv_model_free_string(m, text);
    iv_model_free(back);
    iv_model_free(m);
}
END_TEST

START_TEST(write_then_load_gives_an_equal_model)
{
    char path[256];
    iv_model *m = odd_model(NULL), *back;
    tu_temp_path(path, sizeof path, ".ini");
    ck_assert_int_eq(iv_model_write(m, path), IV_OK);
    ck_assert_msg(iv_model_load(&back, path, NULL) == IV_OK, "%s", iv_error_last());
    ck_assert_int_eq(iv_model_equal(m, back), 1);
    iv_model_free(back);
    remove(path);
    ck_assert_int_eq(iv_model_write(m, "/nonexistent-dir/x.ini"), IV_EIO);
    iv_model_free(m);
}
END_TEST

START_TEST(default_model_text_round_trips)
{
    iv_model *back;
    char *text;
    size_t len;
    ck_assert_int_eq(iv_model_to_string(iv__model_default(), &text, &len), IV_OK);
    ck_assert_ptr_nonnull(strstr(text, "[channel.post]\ncost = 12.1\n"));
    ck_assert_ptr_nonnull(strstr(text, "[channel.email]\ncost = default\n"));
    ck_assert_int_eq(iv_model_parse(&back, text, len, NULL), IV_OK);
    ck_assert_int_eq(iv_model_equal(back, iv__model_default()), 1);
    iv_model_free_string(iv__model_default(), text);
    iv_model_free(back);
}
END_TEST

/* ---------------------------------------------------------------------------------
 * doc/MODEL.md agrees with the built-in model */

/* Split a markdown table row into at most max trimmed cells; returns the count. */
static int md_cells(char *line, char **cell, int max)
{
    int n = 0;
    char *p = strchr(line, '|'), *q;
    while (p && n < max) {
        q = strchr(p + 1, '|');
        if (!q)
            break;
        *q = '\0';
        p++;
        while (*p == ' ')
            p++;
        {
            char *e = p + strlen(p);
            while (e > p && e[-1] == ' ')
                *--e = '\0';
        }
        if (*p == '`' && p[strlen(p) - 1] == '`') {
            p[strlen(p) - 1] = '\0';
            p++;
        }
        cell[n++] = p;
        p = q;
    }
    return n;
}

/* A number as printed in the doc (U+2212 minus allowed). */
static double md_number(const char *s)
{
    char buf[64];
    size_t i = 0;
    if (strncmp(s, "\xe2\x88\x92", 3) == 0) {
        buf[i++] = '-';
        s += 3;
    }
    snprintf(buf + i, sizeof buf - i, "%s", s);
    return strtod(buf, NULL);
}

static int md_word(const char *const *words, int n, const char *s)
{
    int i;
    for (i = 0; i < n; i++)
        if (strcmp(words[i], s) == 0)
            return i;
    return -1;
}

static unsigned md_flags(char *s)
{
    static const char *const fw[] = { "purchase", "repeat", "refer", "upsell", "cross_sell",
                                      "bad_experience", "support", "churn" };
    unsigned f = 0;
    char *tok, *save = NULL;
    if (strcmp(s, "\xe2\x80\x94") == 0) /* em dash: none */
        return 0;
    for (tok = strtok_r(s, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int i = md_word(fw, 8, tok);
        ck_assert_msg(i >= 0, "flag %s", tok);
        f |= 1u << i;
    }
    return f;
}

START_TEST(doc_tables_list_exactly_the_built_in_model)
{
    static const char *const stages[] = { "none", "acquisition", "closing", "retention" };
    static const char *const classes[] = { "watch", "do", "lead" };
    static const char *const areas[] = { "none", "technology", "channels", "engagement",
                                         "experience", "content", "business", "analytics",
                                         "governance" };
    const iv_model *d = iv__model_default();
    char path[4096], *text, *line, *save = NULL;
    int section = 0, ntypes = 0, nchannels = 0, nparams = 0;
    size_t len;
    tu_source_path(path, sizeof path, "doc/MODEL.md");
    text = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c[6];
        int n;
        if (strncmp(line, "### ", 4) == 0) {
            section = strstr(line, "Types") ? 1 : strstr(line, "Channels") ? 2
                      : strstr(line, "Global") ? 3 : 0;
            continue;
        }
        if (strncmp(line, "| `", 3) != 0 || section == 0)
            continue;
        n = md_cells(line, c, 6);
        if (section == 1 && n == 5) {
            iv__type_info ti;
            lookup(d, c[0], &ti);
            ck_assert_msg(ti.known, "doc type %s", c[0]);
            if (strcmp(c[1], "survey") == 0)
                ck_assert_int_ne(ti.survey, IV_SURVEY_NONE);
            else
                ck_assert_msg(ti.rv == md_number(c[1]), "doc rv of %s", c[0]);
            ck_assert_int_eq(ti.stage, md_word(stages, 4, c[2]));
            ck_assert_int_eq(ti.cls, md_word(classes, 3, c[3]));
            ck_assert_msg(ti.flags == md_flags(c[4]), "doc flags of %s", c[0]);
            ntypes++;
        } else if (section == 2 && n == 4) {
            iv__channel_info ci;
            chan(d, c[0], &ci);
            ck_assert_msg(ci.known, "doc channel %s", c[0]);
            if (c[1][0] != '*')
                ck_assert_msg(ci.cost == md_number(c[1]), "doc cost of %s", c[0]);
            else
                ck_assert_double_eq(ci.cost, 1.0);
            ck_assert_int_eq(ci.digital, strcmp(c[2], "yes") == 0);
            ck_assert_int_eq(ci.area, md_word(areas, 9, c[3]));
            nchannels++;
        } else if (section == 3 && n == 3) {
            double v;
            ck_assert_int_eq(iv_model_get_param(d, c[0], &v), IV_OK);
            if (strcmp(c[1], "none") == 0)
                ck_assert_msg(isnan(v), "doc %s", c[0]);
            else
                ck_assert_msg(v == md_number(c[1]), "doc %s", c[0]);
            nparams++;
        }
    }
    ck_assert_int_eq(ntypes, 22);
    ck_assert_int_eq(nchannels, 10);
    ck_assert_int_eq(nparams, 8);
    free(text);
}
END_TEST

START_TEST(doc_example_file_parses)
{
    char path[4096], *text, *start, *end;
    size_t len;
    iv_model *m;
    iv__type_info ti;
    iv__channel_info ci;
    tu_source_path(path, sizeof path, "doc/MODEL.md");
    text = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    start = strstr(text, "```ini\n");
    ck_assert_ptr_nonnull(start);
    start += 7;
    end = strstr(start, "```");
    ck_assert_ptr_nonnull(end);
    ck_assert_msg(iv_model_parse(&m, start, (size_t)(end - start), NULL) == IV_OK, "%s",
                  iv_error_last());
    lookup(m, "pulse", &ti);
    ck_assert(ti.survey == IV_SURVEY_CSAT && iv__model_survey_rv(&ti, 5) == 10);
    chan(m, "call centre", &ci);
    ck_assert(ci.known && ci.cost == 4.20 && ci.area == IV_AREA_ENGAGEMENT);
    ck_assert_double_eq(iv__model_activity_window_days(m), 60);
    iv_model_free(m);
    free(text);
}
END_TEST

/* Mutated texts: every parse either fails with IV_EPARSE or gives a model whose text
 * reads back to an equal model. A fixed xorshift seed keeps the run reproducible. */
START_TEST(mutated_text_is_rejected_or_round_trips)
{
    static const char base[] =
        "[model]\noutcome_neutral = 0.25\nprofit_high = 10\n[type.\"a b\\x01\"]\nrv = 1.5\n"
        "flags = purchase,churn\nsurvey = nps\nrv_low = -3\n[channel.fax]\ncost = 2\n"
        "digital = yes\narea = content ; c\n# x\n";
    static const char alphabet[] = "[].=\"\\;#\n ,-+e0123456789abcdefnoptxy";
    unsigned long long x = 88172645463325252ULL;
    char text[sizeof base + 8];
    int i, ok = 0;
    for (i = 0; i < 3000; i++) {
        size_t len = sizeof base - 1, k;
        int nmut, j, rc;
        iv_model *m;
        memcpy(text, base, len);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        nmut = 1 + (int)(x % 3);
        for (j = 0; j < nmut; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            k = (size_t)(x % len);
            text[k] = (x >> 32) % 7 == 0 ? (char)(x >> 40)
                                          : alphabet[(x >> 24) % (sizeof alphabet - 1)];
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x % 5 == 0)
            len = (size_t)(x >> 8) % len;
        rc = iv_model_parse(&m, text, len, NULL);
        ck_assert_msg(rc == IV_OK || rc == IV_EPARSE, "rc %d", rc);
        if (rc == IV_OK) {
            char *out;
            size_t olen;
            iv_model *back;
            ck_assert_int_eq(iv_model_to_string(m, &out, &olen), IV_OK);
            ck_assert_msg(iv_model_parse(&back, out, olen, NULL) == IV_OK, "%s",
                          iv_error_last());
            ck_assert_int_eq(iv_model_equal(m, back), 1);
            iv_model_free(back);
            iv_model_free_string(m, out);
            iv_model_free(m);
            ok++;
        }
    }
    ck_assert_int_gt(ok, 100);
}
END_TEST

/* ---------------------------------------------------------------------------------
 * Allocation failures */

static const char alloc_text[] =
    "[model]\ndefaults = none\n[type.purchase]\nrv = 1\n[type.b]\nflags = refer\n"
    "[type.a]\n[channel.\"x y\"]\ncost = 2\n[channel.web]\n[type.c]\nrv = 3\n";

START_TEST(parse_fails_cleanly_at_every_allocation)
{
    tu_alloc st;
    iv_model_options o = IV_MODEL_OPTIONS_INIT;
    long k;
    int failures = 0;
    o.alloc = tu_alloc_fn;
    o.alloc_ud = &st;
    for (k = 1;; k++) {
        iv_model *m = (iv_model *)1;
        int rc;
        tu_alloc_reset(&st, k);
        rc = iv_model_parse(&m, alloc_text, strlen(alloc_text), &o);
        if (rc == IV_OK && !st.failed) {
            iv__type_info ti;
            lookup(m, "c", &ti);
            ck_assert_double_eq(ti.rv, 3);
            ck_assert_uint_eq(iv_model_type_count(m), 4);
            iv_model_free(m);
            ck_assert_int_eq(st.live, 0);
            break;
        }
        ck_assert_int_eq(rc, IV_ENOMEM);
        ck_assert_ptr_null(m);
        ck_assert_int_eq(st.live, 0);
        failures++;
    }
    ck_assert_int_gt(failures, 5);
}
END_TEST

START_TEST(setters_and_to_string_fail_cleanly_at_every_allocation)
{
    tu_alloc st;
    iv_model_options o = IV_MODEL_OPTIONS_INIT;
    long k;
    o.alloc = tu_alloc_fn;
    o.alloc_ud = &st;
    for (k = 1;; k++) {
        iv_model *m = NULL, *c = NULL;
        char *text = NULL;
        int rc;
        tu_alloc_reset(&st, k);
        rc = iv_model_new(&m, &o);
        if (rc == IV_OK)
            rc = iv_model_set_type_rv(m, "new_type", 2);
        if (rc == IV_OK)
            rc = iv_model_set_channel_cost(m, "new_channel", 2);
        if (rc == IV_OK)
            rc = iv_model_copy(&c, m, &o);
        if (rc == IV_OK)
            rc = iv_model_to_string(c, &text, NULL);
        if (rc == IV_OK) {
            ck_assert_int_eq(st.failed, 0);
            ck_assert_int_eq(iv_model_equal(m, c), 1);
        } else {
            ck_assert_int_eq(rc, IV_ENOMEM);
            /* a failed setter leaves the model usable and unchanged in what it had */
            if (m)
                ck_assert_int_eq(iv_model_set_type_rv(m, "visit", 1), IV_OK);
        }
        iv_model_free_string(c, text);
        iv_model_free(c);
        iv_model_free(m);
        ck_assert_int_eq(st.live, 0);
        if (rc == IV_OK)
            break;
    }
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *d = tcase_create("default");
    TCase *a = tcase_create("api");
    TCase *t = tcase_create("text");
    TCase *f = tcase_create("alloc");
    tcase_add_test(d, channel_costs_are_the_socitm_and_pwc_figures);
    tcase_add_test(d, unknown_channel_costs_default_cost_and_is_unknown);
    tcase_add_test(d, digital_channels_are_web_email_chat_social_app_sms_ivr);
    tcase_add_test(d, channels_without_a_published_cost_use_default_cost);
    tcase_add_test(d, channel_areas_follow_spec);
    tcase_add_test(d, every_type_has_the_spec_rv_stage_class_and_flags);
    tcase_add_test(d, survey_types_score_by_answer_band_at_every_edge);
    tcase_add_test(d, non_survey_types_ignore_the_score);
    tcase_add_test(d, outcome_factors_are_1_half_0_and_none_counts_as_neutral);
    tcase_add_test(d, global_defaults_are_cumulative_rv_90_day_window_and_tertile_tiers);
    tcase_add_test(d, unknown_type_scores_zero_with_no_stage);
    tcase_add_test(d, names_match_in_normal_form_and_by_length);
    tcase_add_test(d, new_model_equals_the_static_default_and_null_means_default);
    tcase_add_test(d, enumeration_lists_names_in_byte_order);
    tcase_add_test(a, setting_an_unknown_type_adds_it_with_unknown_defaults);
    tcase_add_test(a, survey_setters_change_kind_and_bands);
    tcase_add_test(a, setters_reject_out_of_range_values_and_leave_the_model_unchanged);
    tcase_add_test(a, channel_setters_add_and_change_channels);
    tcase_add_test(a, params_are_set_and_read_by_their_model_key_names);
    tcase_add_test(a, removed_types_and_channels_score_as_unknown);
    tcase_add_test(a, copy_is_independent_of_the_original);
    tcase_add_test(a, options_are_checked_and_initialised);
    tcase_add_test(t, file_overrides_what_it_names_and_keeps_the_rest);
    tcase_add_test(t, defaults_none_starts_from_an_empty_model);
    tcase_add_test(t, comments_whitespace_crlf_bom_and_case_are_tolerated);
    tcase_add_test(t, empty_section_declares_and_none_words_clear);
    tcase_add_test(t, empty_text_is_the_default_model);
    tcase_add_test(t, errors_name_the_line_and_the_key);
    tcase_add_test(t, number_grammar_accepts_decimals_and_exponents_only);
    tcase_add_test(t, load_names_the_file_in_errors);
    tcase_add_test(t, to_string_round_trips_through_parse);
    tcase_add_test(t, write_then_load_gives_an_equal_model);
    tcase_add_test(t, default_model_text_round_trips);
    tcase_add_test(t, doc_tables_list_exactly_the_built_in_model);
    tcase_add_test(t, doc_example_file_parses);
    tcase_add_test(t, mutated_text_is_rejected_or_round_trips);
    tcase_add_test(f, parse_fails_cleanly_at_every_allocation);
    tcase_add_test(f, setters_and_to_string_fail_cleanly_at_every_allocation);
    suite_add_tcase(s, d);
    suite_add_tcase(s, a);
    suite_add_tcase(s, t);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    return tu_run(model_suite());
}
