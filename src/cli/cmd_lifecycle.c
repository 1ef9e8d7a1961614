/* iv churn | retention | cohorts | funnel INPUT : the lifecycle metrics of doc/LIFECYCLE.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

enum { LC_CHURN, LC_RETENTION, LC_COHORTS, LC_FUNNEL };

static const char *const lc_names[] = {"churn", "retention", "cohorts", "funnel"};

static const char *const lc_usage[] = {
    "iv churn INPUT [--from T0] [--to T1] [--window DUR] [--by dim,...] [--where EXPR]\n"
    "               [--model FILE] [--format table|csv|json]",
    "iv retention INPUT [--from T0] [--to T1] [--window DUR] [--by dim,...] [--where EXPR]\n"
    "                   [--model FILE] [--format table|csv|json]",
    "iv cohorts INPUT [--period week|month] [--from T] [--to T] [--by dim,...] [--where EXPR]\n"
    "                 [--model FILE] [--format table|csv|json]",
    "iv funnel INPUT --steps a,b|c,d [--window 14d] [--mode ordered|strict|any] [--from T]\n"
    "                [--to T] [--by dim,...] [--where EXPR] [--model FILE] [--format table|csv|json]",
};

static const char *const lc_help[] = {
    "Churn over [T0, T1): S = contacts active at T0, L = those of S not active at T1,\n"
    "churn = L / S. Active at t: an interaction in (t - W, t] and the latest interaction at\n"
    "or before t is not churn-flagged (e.g. `discontinue`). W is --window (default: the\n"
    "model's activity_window_days, 90). Defaults: T1 = the last timestamp + 1 ms, T0 = T1 - W.\n"
    "The same row also gives retention (see iv retention). With --by, each group's\n"
    "interactions alone decide a contact's activity in that group.\n",
    "Retention over [T0, T1): (E - N) / S, E = contacts active at T1, N = those of E whose\n"
    "first interaction is in [T0, T1), S = contacts active at T0 (see iv churn for activity\n"
    "and the defaults). Prints the same table as iv churn.\n",
    "Cohorts by the ISO week (or month) of the first interaction; per cohort and period k:\n"
    "contacts, retained (with an interaction in period k), rate, rate_unbounded (an\n"
    "interaction in period k or later). Periods that end after the last day of the data are\n"
    "unobserved: empty (null), never 0. --from/--to keep the cohorts that start in them.\n",
    "Steps are separated by ',' and alternative types within a step by '|':\n"
    "  --steps 'signup,demo|trial,purchase'   is 3 steps (the 2nd is demo OR trial).\n"
    "The window (--window, e.g. 14d, 36h, 2w; a bare number is days; default 30d) starts at\n"
    "a contact's FIRST step-1 interaction and includes its end. Modes: ordered (steps in\n"
    "order, other interactions allowed between), strict (each step must be the very next\n"
    "interaction; a later step-1 interaction restarts the run), any (step k reached after\n"
    "k distinct steps in any order). The last row, step = support_after, counts in\n"
    "`contacts` the completers with a support-flagged interaction within the window after\n"
    "completing, and gives their share of the completers in `from_first`.\n"
    "--from/--to keep the contacts whose first step-1 interaction falls in them.\n",
};

static int lc_run(int what, int argc, char **argv)
{
    const char *cmd = lc_names[what], *usage = lc_usage[what], *input = NULL, *v;
    cli_opts o;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options lo = IV_LIFECYCLE_OPTIONS_INIT;
    int64_t from = IV_TIME_NONE, to = IV_TIME_NONE;
    int i, bad = 0, st, rc;
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
        c = cli_select_opt(cmd, argc, argv, &i, &q.by, &q.where, &from, &to);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (what != LC_COHORTS && (v = cli_value(cmd, argc, argv, &i, "--window", &bad))) {
            if (cli_parse_duration(v, &lo.window) < 0)
                return cli_usage(cmd, usage, "--window takes a duration such as 14d, 36h or 2w (not '%s')", v);
        } else if (!bad && what == LC_COHORTS && (v = cli_value(cmd, argc, argv, &i, "--period", &bad))) {
            if (strcmp(v, "week") == 0)
                lo.period = IV_PERIOD_WEEK;
            else if (strcmp(v, "month") == 0)
                lo.period = IV_PERIOD_MONTH;
            else
                return cli_usage(cmd, usage, "--period must be week or month (not '%s')", v);
        } else if (!bad && what == LC_FUNNEL && (v = cli_value(cmd, argc, argv, &i, "--steps", &bad))) {
            lo.steps = v;
        } else if (!bad && what == LC_FUNNEL && (v = cli_value(cmd, argc, argv, &i, "--mode", &bad))) {
            if (strcmp(v, "ordered") == 0)
                lo.mode = IV_FUNNEL_ORDERED;
            else if (strcmp(v, "strict") == 0)
                lo.mode = IV_FUNNEL_STRICT;
            else if (strcmp(v, "any") == 0)
                lo.mode = IV_FUNNEL_ANY;
            else
                return cli_usage(cmd, usage, "--mode must be ordered, strict or any (not '%s')", v);
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\n%s", usage, lc_help[what]);
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
    if (what == LC_FUNNEL && !lo.steps)
        return cli_usage(cmd, usage, "--steps is required");
    if (what == LC_CHURN || what == LC_RETENTION) {
        lo.t0 = from; /* the period of churn and retention */
        lo.t1 = to;
    } else {
        q.from = from; /* which cohorts / funnel entries */
        q.to = to;
    }
    if (o.model && (rc = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail_rc(cmd, o.model, rc);
    q.model = model;
    paths[0] = (char *)input;
    st = cli_load(cmd, &o, paths, 1, &store, NULL, NULL);
    if (st != CLI_OK) {
        iv_model_free(model);
        return st;
    }
    if (what == LC_COHORTS)
        rc = iv_lifecycle_cohorts(&t, store, &q, &lo);
    else if (what == LC_FUNNEL)
        rc = iv_lifecycle_funnel(&t, store, &q, &lo);
    else
        rc = iv_lifecycle_churn(&t, store, &q, &lo);
    if (rc != IV_OK) {
        st = cli_fail_rc(cmd, input, rc);
        /* a bad --steps, --where or --by is a bad command line */
        if (rc == IV_EPARSE || rc == IV_ENOTFOUND || rc == IV_EINVAL || rc == IV_ELIMIT)
            st = CLI_EUSAGE;
    } else {
        st = cli_print(cmd, t, o.format);
    }
    iv_table_free(t);
    iv_store_free(store);
    iv_model_free(model);
    return st;
}

int cli_cmd_churn(int argc, char **argv)
{
    return lc_run(LC_CHURN, argc, argv);
}

int cli_cmd_retention(int argc, char **argv)
{
    return lc_run(LC_RETENTION, argc, argv);
}

int cli_cmd_cohorts(int argc, char **argv)
{
    return lc_run(LC_COHORTS, argc, argv);
}

int cli_cmd_funnel(int argc, char **argv)
{
    return lc_run(LC_FUNNEL, argc, argv);
}
