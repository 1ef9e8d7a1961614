/* iv churn | retention | cohorts | funnel | lifecycle | stickiness | paths INPUT: the
 * lifecycle metrics (doc/LIFECYCLE.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

enum { LC_CHURN, LC_RETENTION, LC_COHORTS, LC_FUNNEL, LC_LIFECYCLE, LC_STICKINESS, LC_PATHS };

static const char *const lc_names[] = {"churn", "retention", "cohorts", "funnel", "lifecycle",
                                       "stickiness", "paths"};

static const char *const lc_usage[] = {
    "iv churn INPUT [--from T0] [--to T1] [--window DUR] [--every day|week|month|quarter]\n"
    "               [--by dim,...] [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv retention INPUT [--from T0] [--to T1] [--window DUR] [--every day|week|month|quarter]\n"
    "                   [--by dim,...] [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv cohorts INPUT [--period week|month] [--start TYPES] [--return TYPES] [--from T] [--to T]\n"
    "                 [--by dim,...] [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv funnel INPUT --steps a,b|c,d [--window 14d] [--mode ordered|strict|any]\n"
    "                [--exclude TYPES[@A-B]]... [--histogram] [--from T] [--to T] [--by dim,...]\n"
    "                [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv lifecycle INPUT [--period day|week|month] [--from T] [--to T] [--by dim,...]\n"
    "                   [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv stickiness INPUT [--period week|month] [--from T] [--to T] [--by dim,...]\n"
    "                    [--where EXPR] [--model FILE] [--format table|csv|json]",
    "iv paths INPUT --start TYPE [--steps K] [--top N] [--from T] [--to T] [--by dim,...]\n"
    "               [--where EXPR] [--model FILE] [--format table|csv|json]",
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
    "k distinct steps in any order; the window starts at the first interaction of any step).\n"
    "The last row, step = support_after, counts in `contacts` the completers with a\n"
    "support-flagged interaction within the window after completing, and gives their share\n"
    "of the completers in `from_first`. Per step: the median, p10, p25, p75, p90 and mean of\n"
    "the seconds from the previous step.\n"
    "--exclude refund|cancel@2-3 removes every contact with a refund or cancel after reaching\n"
    "step 2 and before reaching step 3 (without @A-B: between step 1 and the last step it\n"
    "reached), within the window; --exclude may be repeated.\n"
    "--histogram adds a second table: completers by the time from step 1 to the last step\n"
    "(bins end at 1h, 1d, 3d, 7d, 14d, 30d, 90d, then the window); in JSON one object\n"
    "{\"funnel\": [...], \"histogram\": [...]}.\n"
    "--by month (or day, week, quarter, year) groups contacts by the bucket of their entry.\n"
    "--from/--to keep the contacts whose entry falls in them.\n",
    "Per period (day, week or month; default week): new (first interaction ever in the\n"
    "period), returning (active in the period and the previous one), resurrecting (active,\n"
    "not in the previous period, but active before), dormant (active in the previous period,\n"
    "not in this one; negative). Active = at least one selected interaction in the period.\n"
    "Periods run from the one holding --from (else the first interaction) to the one holding\n"
    "--to (else the last); the whole history decides \"before\".\n",
    "For n = 1 .. 7 (weeks, the default) or 31 (months): the contacts active on exactly n\n"
    "distinct UTC days of a period, summed over the periods of the range (--from/--to, else\n"
    "the data's), and their share of the active contacts (contact-periods).\n",
    "The most frequent sequences of the next K types (--steps, default 3) after each\n"
    "contact's first --start interaction: path (types joined by ' > ', ending with '(end)'\n"
    "when the history ends sooner), contacts, share (of the contacts with a start). --top N\n"
    "(default 10) keeps the N most frequent per group. --from/--to keep the contacts whose\n"
    "first start interaction falls in them.\n",
};

static int lc_write_stdout(const void *data, size_t len, void *payload)
{
    (void)payload;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

/* The funnel and its histogram: two tables (table, CSV: separated by an empty line) or
 * one JSON object {"funnel": [...], "histogram": [...]}. */
static int lc_print_two(const char *cmd, const iv_table *a, const iv_table *b, int format)
{
    int rc;
    if (format == IV_FORMAT_JSON) {
        fputs("{\"funnel\": ", stdout);
        if ((rc = iv_table_write(a, format, lc_write_stdout, NULL)) != IV_OK)
            return cli_fail_rc(cmd, "writing the result", rc);
        fputs(", \"histogram\": ", stdout);
        if ((rc = iv_table_write(b, format, lc_write_stdout, NULL)) != IV_OK)
            return cli_fail_rc(cmd, "writing the result", rc);
        fputs("}\n", stdout);
    } else {
        if ((rc = iv_table_write(a, format, lc_write_stdout, NULL)) != IV_OK ||
            fputs("\n", stdout) == EOF ||
            (rc = iv_table_write(b, format, lc_write_stdout, NULL)) != IV_OK)
            return cli_fail_rc(cmd, "writing the result", rc ? rc : IV_EIO);
    }
    if (fflush(stdout) != 0)
        return cli_fail(cmd, "writing the result failed");
    return CLI_OK;
}

/* With partial_out (iv summary make --command COMMAND): the command's options, one or
 * more INPUTs, and instead of the table the command's partial saved to partial_out. */
static int lc_run_ex(int what, int argc, char **argv, int partial)
{
    const char *cmd = partial ? "summary" : lc_names[what], *usage = lc_usage[what], *input = NULL, *v;
    const char *out = NULL;
    char **inputs = NULL;
    int ninputs = 0;
    cli_opts o;
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_lifecycle_options lo = IV_LIFECYCLE_OPTIONS_INIT;
    int64_t from = IV_TIME_NONE, to = IV_TIME_NONE;
    int i, bad = 0, st, rc, histogram = 0;
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_table *t = NULL, *h = NULL;
    char *paths[1], excl[4096] = "";

    cli_opts_init(&o);
    if (partial && !(inputs = calloc((size_t)argc + 1, sizeof *inputs)))
        return cli_fail(cmd, "out of memory");
    for (i = 1; i < argc; i++) {
        int c;
        if (partial && ((v = cli_value(cmd, argc, argv, &i, "--out", &bad)) ||
                        (!bad && (v = cli_value(cmd, argc, argv, &i, "-o", &bad))))) {
            out = v;
            continue;
        }
        if (bad || (partial && argv[i][0] != '-')) {
            if (bad) {
                free(inputs);
                return CLI_EUSAGE;
            }
            inputs[ninputs++] = argv[i];
            input = argv[i];
            continue;
        }
        c = cli_common_opt(cmd, argc, argv, &i, &o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        c = cli_select_opt(cmd, argc, argv, &i, &q.by, &q.where, &from, &to);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (what <= LC_FUNNEL && what != LC_COHORTS &&
            (v = cli_value(cmd, argc, argv, &i, "--window", &bad))) {
            if (cli_parse_duration(v, &lo.window) < 0)
                return cli_usage(cmd, usage, "--window takes a duration such as 14d, 36h or 2w (not '%s')", v);
        } else if (!bad && (what == LC_COHORTS || what == LC_LIFECYCLE || what == LC_STICKINESS) &&
                   (v = cli_value(cmd, argc, argv, &i, "--period", &bad))) {
            if (strcmp(v, "week") == 0)
                lo.period = IV_PERIOD_WEEK;
            else if (strcmp(v, "month") == 0)
                lo.period = IV_PERIOD_MONTH;
            else if (strcmp(v, "day") == 0 && what == LC_LIFECYCLE)
                lo.period = IV_PERIOD_DAY;
            else
                return cli_usage(cmd, usage, "--period must be %s (not '%s')",
                                 what == LC_LIFECYCLE ? "day, week or month" : "week or month", v);
        } else if (!bad && (what == LC_CHURN || what == LC_RETENTION) &&
                   (v = cli_value(cmd, argc, argv, &i, "--every", &bad))) {
            static const char *const ev[] = {"day", "week", "month", "quarter"};
            int k;
            for (k = 0; k < 4 && strcmp(v, ev[k]) != 0; k++)
                ;
            if (k == 4)
                return cli_usage(cmd, usage, "--every must be day, week, month or quarter (not '%s')", v);
            lo.every = IV_EVERY_DAY + k;
        } else if (!bad && (what == LC_COHORTS || what == LC_PATHS) &&
                   (v = cli_value(cmd, argc, argv, &i, "--start", &bad))) {
            lo.start_types = v;
        } else if (!bad && what == LC_COHORTS && (v = cli_value(cmd, argc, argv, &i, "--return", &bad))) {
            lo.return_types = v;
        } else if (!bad && what == LC_PATHS && (v = cli_value(cmd, argc, argv, &i, "--steps", &bad))) {
            unsigned long long k;
            if (cli_parse_count(v, 64, &k) || k < 1)
                return cli_usage(cmd, usage, "--steps takes a number of steps from 1 to 64 (not '%s')", v);
            lo.path_steps = (size_t)k;
        } else if (!bad && what == LC_PATHS && (v = cli_value(cmd, argc, argv, &i, "--top", &bad))) {
            unsigned long long k;
            if (cli_parse_count(v, 1000000, &k) || k < 1)
                return cli_usage(cmd, usage, "--top takes a positive number (not '%s')", v);
            lo.top = (size_t)k;
        } else if (!bad && what == LC_FUNNEL && (v = cli_value(cmd, argc, argv, &i, "--exclude", &bad))) {
            size_t n = strlen(excl);
            if (n + strlen(v) + 2 > sizeof excl)
                return cli_usage(cmd, usage, "--exclude: the exclusions are too long");
            snprintf(excl + n, sizeof excl - n, "%s%s", n ? ";" : "", v);
            lo.exclude = excl;
        } else if (!bad && what == LC_FUNNEL && strcmp(argv[i], "--histogram") == 0) {
            histogram = 1;
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
    if (!input) {
        free(inputs);
        return cli_usage(cmd, usage, partial ? "summary make --command %s needs INPUT... and -o OUT" : "no INPUT",
                         lc_names[what]);
    }
    if (partial && !out) {
        free(inputs);
        return cli_usage(cmd, usage, "summary make --command %s needs -o OUT", lc_names[what]);
    }
    if (partial && (what == LC_PATHS || (st = cli_check_output(cmd, "-o", out, inputs, ninputs, o.model)) != CLI_OK)) {
        free(inputs);
        return what == LC_PATHS ? cli_usage(cmd, usage, "paths has no mergeable summary") : st;
    }
    if (what == LC_FUNNEL && !lo.steps)
        return cli_usage(cmd, usage, "--steps is required");
    if (what == LC_PATHS && !lo.start_types)
        return cli_usage(cmd, usage, "--start is required");
    if (what == LC_CHURN || what == LC_RETENTION) {
        lo.t0 = from; /* the period of churn and retention */
        lo.t1 = to;
    } else {
        q.from = from; /* which cohorts / funnel entries */
        q.to = to;
    }
    if (o.model && (rc = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail(cmd, "%s", iv_error_last());
    q.model = model;
    paths[0] = (char *)input;
    st = partial ? cli_load(cmd, &o, inputs, ninputs, &store, NULL, NULL) : cli_load(cmd, &o, paths, 1, &store, NULL, NULL);
    free(inputs);
    if (st != CLI_OK) {
        iv_model_free(model);
        return st;
    }
    if (partial) { /* kinds 1..6 in the order of lc_names */
        iv_partial *p = NULL;
        if ((rc = iv_partial_lifecycle(&p, what + 1, store, &q, &lo)) != IV_OK) {
            st = cli_fail_query(cmd, input, rc);
        } else {
            st = cli_save_partial(cmd, p, out);
        }
        iv_partial_free(p);
        iv_store_free(store);
        iv_model_free(model);
        return st;
    }
    if (what == LC_COHORTS)
        rc = iv_lifecycle_cohorts(&t, store, &q, &lo);
    else if (what == LC_FUNNEL) {
        rc = iv_lifecycle_funnel(&t, store, &q, &lo);
        if (rc == IV_OK && histogram)
            rc = iv_lifecycle_funnel_histogram(&h, store, &q, &lo);
    } else if (what == LC_LIFECYCLE)
        rc = iv_lifecycle_lifecycle(&t, store, &q, &lo);
    else if (what == LC_STICKINESS)
        rc = iv_lifecycle_stickiness(&t, store, &q, &lo);
    else if (what == LC_PATHS)
        rc = iv_lifecycle_paths(&t, store, &q, &lo);
    else if (what == LC_RETENTION)
        rc = iv_lifecycle_retention(&t, store, &q, &lo);
    else
        rc = iv_lifecycle_churn(&t, store, &q, &lo);
    if (rc != IV_OK) {
        /* a bad --steps, --where or --by is a bad command line */
        st = cli_fail_query(cmd, input, rc);
    } else {
        st = h ? lc_print_two(cmd, t, h, o.format) : cli_print(cmd, t, o.format);
    }
    iv_table_free(h);
    iv_table_free(t);
    iv_store_free(store);
    iv_model_free(model);
    return st;
}

static int lc_run(int what, int argc, char **argv)
{
    return lc_run_ex(what, argc, argv, 0);
}

int cli_summary_make_lifecycle(const char *command, int argc, char **argv)
{
    int what;
    for (what = 0; what <= LC_STICKINESS; what++)
        if (strcmp(command, lc_names[what]) == 0)
            return lc_run_ex(what, argc, argv, 1);
    return -1;
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

int cli_cmd_lifecycle(int argc, char **argv)
{
    return lc_run(LC_LIFECYCLE, argc, argv);
}

int cli_cmd_stickiness(int argc, char **argv)
{
    return lc_run(LC_STICKINESS, argc, argv);
}

int cli_cmd_paths(int argc, char **argv)
{
    return lc_run(LC_PATHS, argc, argv);
}
