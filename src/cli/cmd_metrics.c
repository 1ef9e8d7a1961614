/* iv metrics INPUT : the grouped metrics of doc/METRICS.md §Group metrics (and period-on-period, drill-down);
 * iv contacts INPUT : per-contact attributes of doc/METRICS.md §Contacts and subsets. */
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage_metrics =
    "iv metrics INPUT [--by dim,...] [--from T] [--to T] [--where EXPR] [--model FILE]\n"
    "                 [--prev-from T --prev-to T] [--drill GROUP] [--threads N] [--format table|csv|json]";
static const char *usage_contacts =
    "iv contacts INPUT [--from T] [--to T] [--where EXPR] [--model FILE] [--format table|csv|json]";

static int parse_size(const char *v, size_t *out)
{
    unsigned long long x;
    if (cli_parse_count(v, SIZE_MAX, &x))
        return -1;
    *out = (size_t)x;
    return 0;
}

/* Shared by both commands: parse the command line, load the input and the model, run. */
static int run(int argc, char **argv, int contacts)
{
    const char *cmd = contacts ? "contacts" : "metrics";
    const char *usage = contacts ? usage_contacts : usage_metrics;
    cli_opts o;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    int64_t pf = IV_TIME_NONE, pt = IV_TIME_NONE;
    const char *input = NULL, *v;
    size_t drill = 0;
    int have_drill = 0, i, bad = 0, st, rc;
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_table *t = NULL;
    char *paths[1];

    cli_opts_init(&o);
    for (i = 1; i < argc; i++) {
        int c = cli_common_opt(cmd, argc, argv, &i, &o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        c = cli_select_opt(cmd, argc, argv, &i, contacts ? NULL : &q.by, &q.where, &q.from, &q.to);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (!contacts && (v = cli_value(cmd, argc, argv, &i, "--prev-from", &bad))) {
            if (cli_parse_time(cmd, "--prev-from", v, &pf))
                return CLI_EUSAGE;
        } else if (!bad && !contacts && (v = cli_value(cmd, argc, argv, &i, "--prev-to", &bad))) {
            if (cli_parse_time(cmd, "--prev-to", v, &pt))
                return CLI_EUSAGE;
        } else if (!bad && !contacts && (v = cli_value(cmd, argc, argv, &i, "--drill", &bad))) {
            if (parse_size(v, &drill))
                return cli_usage(cmd, usage, "--drill takes a group number (0-based row of the metrics)");
            have_drill = 1;
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n", usage);
            if (!contacts)
                printf("\nGroups the selected interactions by --by (channel, type, stage, area, team,\n"
                       "direction, outcome, contact, any custom column, profit_tier, community_role,\n"
                       "contact_stage, day, week, month, quarter, year) and prints n, contacts, cost,\n"
                       "value, cpt, iv, roi, desired_rate, rv, rv_per_interaction, cost_per_rv,\n"
                       "rv_forward, rv_backward, nps, nps_se, csat, csat_mean, ces, ces_easy,\n"
                       "cost_assumed, rv_unscored per group. --where takes the selection language, e.g.\n"
                       "  --where 'channel in (web, app) and not has churn'\n"
                       "--prev-from/--prev-to compare each metric with a previous period.\n"
                       "--drill N lists the interactions behind group N (0-based).\n"
                       "--threads N reads the input and groups large stores on N threads (default:\n"
                       "the number of cores; the same result for any N, exact sums).\n");
            return CLI_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        } else if (!input) {
            input = argv[i];
        } else {
            return cli_usage(cmd, usage, "one INPUT only (got '%s' too)", argv[i]);
        }
    }
    if (!input)
        return cli_usage(cmd, usage, "no INPUT");
    if ((pf == IV_TIME_NONE) != (pt == IV_TIME_NONE))
        return cli_usage(cmd, usage, "--prev-from and --prev-to go together");
    if (o.model && (rc = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail(cmd, "%s", iv_error_last());
    q.model = model;
    q.threads = (unsigned)cli_threads(&o);
    paths[0] = (char *)input;
    if (!contacts && !have_drill) /* the drill lists ids and every dimension */
        cli_skip_for(&o, q.by, q.where);
    st = cli_load(cmd, &o, paths, 1, &store, NULL, NULL);
    if (st != CLI_OK) {
        iv_model_free(model);
        return st;
    }
    if (contacts)
        rc = iv_query_contacts(&t, store, &q);
    else if (have_drill)
        rc = iv_query_drill(&t, store, &q, drill);
    else if (pf != IV_TIME_NONE)
        rc = iv_query_compare(&t, store, &q, pf, pt);
    else
        rc = iv_query_metrics(&t, store, &q);
    if (rc != IV_OK)
        st = cli_fail_query(cmd, "query", rc);
    else
        st = cli_print(cmd, t, o.format);
    iv_table_free(t);
    iv_store_free(store);
    iv_model_free(model);
    return st;
}

int cli_cmd_metrics(int argc, char **argv)
{
    return run(argc, argv, 0);
}

int cli_cmd_contacts(int argc, char **argv)
{
    return run(argc, argv, 1);
}
