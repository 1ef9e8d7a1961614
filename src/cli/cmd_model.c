/* iv model init|show|check: the scoring model as an editable file, its effective tables,
 * and the vocabulary of a log the model does not know (doc/MODEL.md, Names). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage =
    "iv model init [FILE]\n"
    "       iv model show [--model FILE] [--format table|csv|json]\n"
    "       iv model check INPUT [--model FILE] [--format table|csv|json] [source options]";

static const char *const class_words[] = {"watch", "do", "lead"};
static const char *const survey_words[] = {"none", "nps", "csat", "ces"};
static const char *const flag_words[] = {"purchase", "repeat", "refer", "upsell", "cross_sell",
                                         "bad_experience", "support", "churn"};

enum { C_KIND, C_NAME, C_ALIASES, C_RV, C_STAGE, C_CLASS, C_FLAGS, C_SURVEY, C_REPEAT, C_CAP,
       C_COST, C_DIGITAL, C_AREA, C_VALUE, C_N };

static int show_table(const iv_model *m, iv_table **out)
{
    static const char *const cols[C_N] = {"kind", "name", "aliases", "rv", "stage", "class",
                                          "flags", "survey", "rv_repeat", "rv_daily_cap", "cost",
                                          "digital", "area", "value"};
    static const int types[C_N] = {IV_COL_STRING, IV_COL_STRING, IV_COL_LIST, IV_COL_DOUBLE,
                                   IV_COL_STRING, IV_COL_STRING, IV_COL_LIST, IV_COL_STRING,
                                   IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_DOUBLE, IV_COL_BOOL,
                                   IV_COL_STRING, IV_COL_DOUBLE};
    static const char *const params[] = {"outcome_desired", "outcome_neutral", "outcome_undesired",
                                         "default_cost", "rv_half_life_days",
                                         "activity_window_days", "profit_high", "profit_poor"};
    iv_table *t = NULL;
    size_t i, k;
    int bad = iv_table_new(&t, NULL, NULL) != IV_OK;
    for (k = 0; !bad && k < C_N; k++)
        bad = iv_table_add_column(t, cols[k], types[k]) < 0;
    for (k = 0; !bad && k < sizeof params / sizeof params[0]; k++) {
        long r = iv_table_add_row(t);
        double v = 0;
        iv_model_get_param(m, params[k], &v);
        bad = r < 0 || iv_table_set_string(t, (size_t)r, C_KIND, "model") ||
              iv_table_set_string(t, (size_t)r, C_NAME, params[k]) ||
              iv_table_set_double(t, (size_t)r, C_VALUE, v);
    }
    for (i = 0; !bad && i < iv_model_type_count(m); i++) {
        const char *name = iv_model_type_name(m, i), *a;
        long r = iv_table_add_row(t);
        double rv = 0, rep = 1, cap = 0;
        int stage = 0, cls = 0, survey = 0;
        unsigned flags = 0;
        iv_model_get_type_rv(m, name, &rv);
        iv_model_get_type_stage(m, name, &stage);
        iv_model_get_type_class(m, name, &cls);
        iv_model_get_type_flags(m, name, &flags);
        iv_model_get_type_survey(m, name, &survey);
        iv_model_get_type_rv_repeat(m, name, &rep);
        iv_model_get_type_daily_cap(m, name, &cap);
        bad = r < 0 || iv_table_set_string(t, (size_t)r, C_KIND, "type") ||
              iv_table_set_string(t, (size_t)r, C_NAME, name) ||
              iv_table_set_double(t, (size_t)r, C_RV, rv) ||
              (stage && iv_table_set_string(t, (size_t)r, C_STAGE, iv_enum_name(0, stage))) ||
              iv_table_set_string(t, (size_t)r, C_CLASS, class_words[cls]) ||
              iv_table_set_string(t, (size_t)r, C_SURVEY, survey_words[survey]) ||
              iv_table_set_double(t, (size_t)r, C_REPEAT, rep) ||
              iv_table_set_double(t, (size_t)r, C_CAP, cap);
        for (k = 0; !bad && k < 8; k++)
            if (flags & (1u << k))
                bad = iv_table_list_append(t, (size_t)r, C_FLAGS, flag_words[k]) != IV_OK;
        for (k = 0; !bad && (a = iv_model_type_alias(m, name, k)) != NULL; k++)
            bad = iv_table_list_append(t, (size_t)r, C_ALIASES, a) != IV_OK;
    }
    for (i = 0; !bad && i < iv_model_channel_count(m); i++) {
        const char *name = iv_model_channel_name(m, i), *a;
        long r = iv_table_add_row(t);
        double cost = 0;
        int digital = 0, area = 0;
        iv_model_get_channel_cost(m, name, &cost);
        iv_model_get_channel_digital(m, name, &digital);
        iv_model_get_channel_area(m, name, &area);
        bad = r < 0 || iv_table_set_string(t, (size_t)r, C_KIND, "channel") ||
              iv_table_set_string(t, (size_t)r, C_NAME, name) ||
              iv_table_set_double(t, (size_t)r, C_COST, cost) ||
              iv_table_set_int(t, (size_t)r, C_DIGITAL, digital) ||
              iv_table_set_string(t, (size_t)r, C_AREA, iv_enum_name(1, area));
        for (k = 0; !bad && (a = iv_model_channel_alias(m, name, k)) != NULL; k++)
            bad = iv_table_list_append(t, (size_t)r, C_ALIASES, a) != IV_OK;
    }
    if (bad) {
        iv_table_free(t);
        return IV_ENOMEM;
    }
    *out = t;
    return IV_OK;
}

int cli_cmd_model(int argc, char **argv)
{
    const char *cmd = "model", *sub = argc > 1 ? argv[1] : NULL, *input = NULL;
    cli_opts o;
    iv_model *m = NULL;
    iv_table *t = NULL;
    int i, rc, st;
    if (!sub)
        return cli_usage(cmd, usage, "init, show or check?");
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        printf("usage: %s\n\n"
               "init writes the full built-in default model as an editable file (to FILE, or\n"
               "standard output) that --model FILE reads back to the identical model.\n"
               "show prints the effective tables: the global parameters, every type (rv,\n"
               "stage, class, flags, survey, aliases) and channel (cost, digital, area,\n"
               "aliases) of --model FILE, else of the built-in default.\n"
               "check lists the types and channels of INPUT that the model does not know,\n"
               "with their row counts, most frequent first (doc/MODEL.md, Names).\n",
               usage);
        return CLI_OK;
    }
    if (strcmp(sub, "init") == 0) {
        const char *path = "-";
        if (argc > 3)
            return cli_usage(cmd, usage, "init takes at most one FILE");
        if (argc == 3) {
            if (argv[2][0] == '-' && argv[2][1] != '\0')
                return cli_usage(cmd, usage, "unknown option '%s'", argv[2]);
            path = argv[2];
        }
        if ((rc = iv_model_new(&m, NULL)) == IV_OK)
            rc = iv_model_write(m, path);
        iv_model_free(m);
        return rc == IV_OK ? CLI_OK : cli_fail(cmd, "%s", iv_error_last());
    }
    if (strcmp(sub, "show") != 0 && strcmp(sub, "check") != 0)
        return cli_usage(cmd, usage, "unknown subcommand '%s' (init, show or check)", sub);
    cli_opts_init(&o);
    for (i = 2; i < argc; i++) {
        int c = cli_common_opt(cmd, argc, argv, &i, &o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        if (sub[0] == 's' || input)
            return cli_usage(cmd, usage, "unexpected argument '%s'", argv[i]);
        input = argv[i];
    }
    if (sub[0] == 'c' && !input)
        return cli_usage(cmd, usage, "check needs an INPUT");
    rc = o.model ? iv_model_load(&m, o.model, NULL) : iv_model_new(&m, NULL);
    if (rc != IV_OK)
        return cli_fail(cmd, "%s", iv_error_last());
    if (sub[0] == 's') {
        rc = show_table(m, &t);
    } else {
        iv_store *store = NULL;
        char *paths[1];
        paths[0] = (char *)input;
        st = cli_load(cmd, &o, paths, 1, &store, NULL, NULL);
        if (st != CLI_OK) {
            iv_model_free(m);
            return st;
        }
        rc = iv_model_check(m, store, &t);
        iv_store_free(store);
    }
    iv_model_free(m);
    if (rc != IV_OK)
        return cli_fail_rc(cmd, "building the table", rc);
    st = cli_print(cmd, t, o.format);
    iv_table_free(t);
    return st;
}
