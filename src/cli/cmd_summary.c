/* iv summary make|merge|show|quantile|compare : mergeable summaries and partials (doc/SUMMARIES.md);
 * iv partition : split a log by the contact hash into saved stores, one per part. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage_summary =
    "iv summary make INPUT... -o OUT [--by dim,...] [--where EXPR] [--from T] [--to T]\n"
    "                            [--model FILE] [--alpha A]\n"
    "       iv summary make --command churn|retention|cohorts|funnel|lifecycle|stickiness|\n"
    "                       clv|compare|norm INPUT... -o OUT [the command's options]\n"
    "       iv summary merge SUMMARY... -o OUT\n"
    "       iv summary show SUMMARY [--histogram] [--penalizer P] [--format table|csv|json]\n"
    "       iv summary quantile SUMMARY --metric M [--p P] [--format table|csv|json]\n"
    "       iv summary compare A B --metric M [--group-a N] [--group-b N] [--format ...]";

static const char *help_summary =
    "\nA summary is the mergeable aggregate of a grouped query: per group its key labels,\n"
    "the counts and exact sums behind every metric of `iv metrics`, and relative-error\n"
    "sketches of the per-contact metrics n, cost, value, rv, rv_per_interaction. It holds\n"
    "no contact ids and no interactions, so partners can exchange summaries instead of data.\n"
    "  make     summarise INPUT (logs or saved stores) into the file OUT; with --command\n"
    "           COMMAND (default metrics) the partial of that analysis, made with the\n"
    "           options `iv COMMAND` takes (doc/SUMMARIES.md section 10): merged, `show`\n"
    "           prints what `iv COMMAND` prints on the whole log (funnel: --histogram\n"
    "           prints the time-to-convert histogram; clv: the fit of `iv clv fit`, with\n"
    "           --penalizer; norm: `iv pattern norm`, which needs --t-ref or --to and\n"
    "           takes --alpha, 0 for exact values)\n"
    "  merge    add summaries made with the same query (exact, in any order) into OUT;\n"
    "           contacts are exact when the parts were split by contact (iv partition)\n"
    "  show     the same table `iv metrics` prints for the query the summary was made with\n"
    "  quantile the P-quantile (default 0.5) of a per-contact metric per group, within the\n"
    "           sketch's relative accuracy (default 1%)\n"
    "  compare  segment vs segment on a per-contact metric: group N of A against group N of\n"
    "           B (default 0 and 0): counts, means and Welch exact, medians and\n"
    "           Mann-Whitney / Cliff's delta within the sketch's accuracy\n";

static const char *usage_partition =
    "iv partition INPUT... --parts N -o PREFIX [--input-format csv|jsonl] [--lenient]\n"
    "                      [--map src=dst,...] [--format table|csv|json]";

static int parse_num(const char *v, double *out)
{
    return cli_parse_real(v, out);
}

static int parse_count(const char *v, unsigned long *out)
{
    unsigned long long x;
    if (cli_parse_count(v, ULONG_MAX, &x))
        return -1;
    *out = (unsigned long)x;
    return 0;
}

/* The options of every subcommand (each uses its own). */
typedef struct sum_args {
    cli_opts o;
    iv_query_options q;
    const char *out, *metric;
    double alpha, p;
    unsigned long ga, gb, parts;
    char **inputs;
    int ninputs;
} sum_args;

/* Parse argv[first..]; returns -1 when done (help printed), or an exit status > 0. */
static int parse_args(const char *cmd, const char *usage, const char *help, int argc,
                      char **argv, int first, sum_args *a)
{
    int i, bad = 0;
    const char *v;
    cli_opts_init(&a->o);
    a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
    if (!a->inputs)
        return cli_fail(cmd, "out of memory");
    for (i = first; i < argc; i++) {
        int c = cli_common_opt(cmd, argc, argv, &i, &a->o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        c = cli_select_opt(cmd, argc, argv, &i, &a->q.by, &a->q.where, &a->q.from, &a->q.to);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (((v = cli_value(cmd, argc, argv, &i, "--out", &bad)) ||
                            (!bad && (v = cli_value(cmd, argc, argv, &i, "-o", &bad)))))
            a->out = v;
        else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--metric", &bad)))
            a->metric = v;
        else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--alpha", &bad))) {
            if (parse_num(v, &a->alpha) || !(a->alpha >= 1e-4 && a->alpha <= 0.5))
                return cli_usage(cmd, usage, "--alpha takes the sketch's relative accuracy, a number from 0.0001 to 0.5 (not '%s')", v);
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--p", &bad))) {
            if (parse_num(v, &a->p) || !(a->p >= 0 && a->p <= 1))
                return cli_usage(cmd, usage, "--p takes a probability from 0 to 1 (not '%s')", v);
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--group-a", &bad))) {
            if (parse_count(v, &a->ga))
                return cli_usage(cmd, usage, "--group-a takes a group number (0-based)");
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--group-b", &bad))) {
            if (parse_count(v, &a->gb))
                return cli_usage(cmd, usage, "--group-b takes a group number (0-based)");
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--parts", &bad))) {
            if (parse_count(v, &a->parts) || a->parts == 0 || a->parts > 65536)
                return cli_usage(cmd, usage, "--parts takes a number from 1 to 65536");
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n%s", usage, help);
            return -1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        } else {
            a->inputs[a->ninputs++] = argv[i];
        }
    }
    return CLI_OK;
}

static int summary_load(const char *path, iv_summary **out)
{
    if (iv_summary_load(out, path, NULL) != IV_OK)
        return cli_fail("summary", "%s", iv_error_last());
    return CLI_OK;
}

static int summary_make(sum_args *a)
{
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_summary *s = NULL;
    iv_summary_options so = IV_SUMMARY_OPTIONS_INIT;
    int st, rc;
    if (!a->ninputs || !a->out)
        return cli_usage("summary", usage_summary, "make needs INPUT and -o OUT");
    if ((st = cli_check_output("summary", "-o", a->out, a->inputs, a->ninputs, a->o.model)) != CLI_OK)
        return st;
    if (a->o.model && (rc = iv_model_load(&model, a->o.model, NULL)) != IV_OK)
        return cli_fail("summary", "%s", iv_error_last());
    a->q.model = model;
    so.alpha = a->alpha;
    st = cli_load("summary", &a->o, a->inputs, a->ninputs, &store, NULL, NULL);
    if (st == CLI_OK) {
        if ((rc = iv_summary_make(&s, store, &a->q, &so)) != IV_OK)
            st = cli_fail_query("summary", "make", rc);
        else {
            st = cli_save_summary("summary", s, a->out);
        }
    }
    iv_summary_free(s);
    iv_store_free(store);
    iv_model_free(model);
    return st;
}

static int summary_merge(sum_args *a)
{
    iv_summary *acc = NULL;
    int i, st = CLI_OK;
    if (!a->ninputs || !a->out)
        return cli_usage("summary", usage_summary, "merge needs SUMMARY... and -o OUT");
    if ((st = cli_check_output("summary", "-o", a->out, a->inputs, a->ninputs, NULL)) != CLI_OK)
        return st;
    for (i = 0; i < a->ninputs && st == CLI_OK; i++) {
        iv_summary *s = NULL;
        if ((st = summary_load(a->inputs[i], i ? &s : &acc)) != CLI_OK)
            break;
        if (i && iv_summary_merge(acc, s) != IV_OK)
            st = cli_fail("summary", "%s: %s", a->inputs[i], iv_error_last());
        iv_summary_free(s);
    }
    if (st == CLI_OK)
        st = cli_save_summary("summary", acc, a->out);
    iv_summary_free(acc);
    return st;
}

/* Whether a file starts with the partial magic (else it is read as a summary). */
static int is_partial(const char *path)
{
    unsigned char b[8];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    return n == 8 && memcmp(b, IV_PARTIAL_MAGIC, 8) == 0;
}

static int partial_load(const char *path, iv_partial **out)
{
    if (iv_partial_load(out, path, NULL) != IV_OK)
        return cli_fail("summary", "%s", iv_error_last());
    return CLI_OK;
}

/* merge of partials: every input a partial of the same analysis and options */
static int partial_merge(sum_args *a)
{
    iv_partial *acc = NULL;
    int i, st = CLI_OK;
    for (i = 0; i < a->ninputs && st == CLI_OK; i++) {
        iv_partial *p = NULL;
        if ((st = partial_load(a->inputs[i], i ? &p : &acc)) != CLI_OK)
            break;
        if (i && iv_partial_merge(acc, p) != IV_OK)
            st = cli_fail("summary", "%s: %s", a->inputs[i], iv_error_last());
        iv_partial_free(p);
    }
    if (st == CLI_OK)
        st = cli_save_partial("summary", acc, a->out);
    iv_partial_free(acc);
    return st;
}

int cli_summary_make_clv(int argc, char **argv)
{
    static const char *usage = "iv summary make --command clv INPUT... -o OUT --model bgnbd|pareto|mbgnbd|bgbb|sbg|gg\n"
                               "                [--calibration-end T] [--unit day|week] [--scoring-model FILE]";
    static const char *const models[] = {"bgnbd", "pareto", "mbgnbd", "bgbb", "sbg", "gg"};
    static const int codes[] = {IV_CLV_BGNBD, IV_CLV_PARETO, IV_CLV_MBGNBD, IV_CLV_BGBB, IV_CLV_SBG, IV_CLV_GG};
    const char *cmd = "summary", *out = NULL, *scoring = NULL, *v;
    iv_rfm_options ro = IV_RFM_OPTIONS_INIT;
    char **inputs;
    int ninputs = 0, i, bad = 0, st = CLI_OK, rc, model = 0;
    size_t k;
    iv_store *store = NULL;
    iv_model *sm = NULL;
    iv_partial *part = NULL;
    cli_opts o;
    if (!(inputs = calloc((size_t)argc + 1, sizeof *inputs)))
        return cli_fail(cmd, "out of memory");
    cli_opts_init(&o);
    for (i = 1; i < argc && st == CLI_OK; i++) {
        int c;
        /* --model is the CLV model here, so it is read before the common options */
        if ((v = cli_value(cmd, argc, argv, &i, "--model", &bad))) {
            for (k = 0; k < sizeof models / sizeof *models && strcmp(v, models[k]) != 0; k++)
                ;
            if (k == sizeof models / sizeof *models)
                st = cli_usage(cmd, usage, "--model must be bgnbd, pareto, mbgnbd, bgbb, sbg or gg (not '%s')", v);
            else
                model = codes[k];
        } else if (!bad && ((v = cli_value(cmd, argc, argv, &i, "--out", &bad)) ||
                            (!bad && (v = cli_value(cmd, argc, argv, &i, "-o", &bad))))) {
            out = v;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--calibration-end", &bad))) {
            if (cli_parse_time(cmd, "--calibration-end", v, &ro.calibration_end) != 0)
                st = CLI_EUSAGE;
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--unit", &bad))) {
            if (strcmp(v, "day") == 0 || strcmp(v, "week") == 0)
                ro.unit = v[0] == 'd' ? IV_RFM_DAY : IV_RFM_WEEK;
            else
                st = cli_usage(cmd, usage, "--unit must be day or week (not '%s')", v);
        } else if (!bad && (v = cli_value(cmd, argc, argv, &i, "--scoring-model", &bad))) {
            scoring = v;
        } else if (bad || (c = cli_common_opt(cmd, argc, argv, &i, &o)) < 0) {
            st = CLI_EUSAGE;
        } else if (!c && argv[i][0] == '-' && argv[i][1] != '\0') {
            st = cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        } else if (!c) {
            inputs[ninputs++] = argv[i];
        }
    }
    if (st == CLI_OK && (!ninputs || !out))
        st = cli_usage(cmd, usage, "summary make --command clv needs INPUT... and -o OUT");
    else if (st == CLI_OK && !model)
        st = cli_usage(cmd, usage, "--model is required");
    if (st == CLI_OK)
        st = cli_check_output(cmd, "-o", out, inputs, ninputs, scoring);
    if (st == CLI_OK && scoring && (rc = iv_model_load(&sm, scoring, NULL)) != IV_OK)
        st = cli_fail(cmd, "%s", iv_error_last());
    if (st == CLI_OK)
        st = cli_load(cmd, &o, inputs, ninputs, &store, NULL, NULL);
    free(inputs);
    if (st == CLI_OK) {
        ro.model = sm;
        if ((rc = iv_partial_clv(&part, model, store, &ro)) != IV_OK) {
            st = cli_fail(cmd, "%s", iv_error_last());
        } else {
            st = cli_save_partial(cmd, part, out);
        }
    }
    iv_partial_free(part);
    iv_store_free(store);
    iv_model_free(sm);
    return st;
}

/* show of a partial: the analysis' table (a funnel's histogram with --histogram; a CLV
 * partial's fit, the parameter table of `iv clv fit`, with the penalizer if given) */
static int partial_show(sum_args *a, int histogram, double penalizer)
{
    iv_partial *p = NULL;
    iv_table *t = NULL;
    int st, rc, clv;
    if ((st = partial_load(a->inputs[0], &p)) != CLI_OK)
        return st;
    clv = iv_partial_kind_of(p) == IV_PARTIAL_CLV;
    if (!isnan(penalizer) && !clv) {
        iv_partial_free(p);
        return cli_usage("summary", usage_summary, "--penalizer needs a clv partial");
    }
    if (clv && !histogram) {
        iv_clv_options co = IV_CLV_OPTIONS_INIT;
        iv_clv *fit = NULL;
        if (!isnan(penalizer))
            co.penalizer = penalizer;
        rc = iv_partial_clv_fit(&fit, p, &co);
        if (rc == IV_OK)
            rc = iv_clv_params(fit, &t);
        iv_clv_free(fit);
    } else {
        rc = histogram ? iv_partial_funnel_histogram(&t, p) : iv_partial_result(&t, p);
    }
    st = rc != IV_OK ? cli_fail("summary", "show: %s", iv_error_last()) : cli_print("summary", t, a->o.format);
    iv_table_free(t);
    iv_partial_free(p);
    return st;
}

/* show, quantile, compare: a table from loaded summaries. */
static int summary_table(const char *sub, sum_args *a)
{
    iv_summary *s = NULL, *b = NULL;
    iv_table *t = NULL;
    int st, rc = IV_OK;
    int need = strcmp(sub, "compare") == 0 ? 2 : 1;
    if (a->ninputs != need)
        return cli_usage("summary", usage_summary, "%s takes %s", sub, need == 2 ? "two summaries" : "one summary");
    if (need == 2 || strcmp(sub, "quantile") == 0) {
        if (!a->metric)
            return cli_usage("summary", usage_summary, "%s needs --metric (n, cost, value, rv, rv_per_interaction)", sub);
    }
    if ((st = summary_load(a->inputs[0], &s)) != CLI_OK)
        return st;
    if (need == 2 && (st = summary_load(a->inputs[1], &b)) != CLI_OK) {
        iv_summary_free(s);
        return st;
    }
    if (strcmp(sub, "show") == 0) {
        rc = iv_summary_metrics(&t, s);
    } else if (need == 2) {
        rc = iv_summary_compare(&t, s, a->ga, b, a->gb, a->metric, NULL);
    } else {
        /* one row per group: its keys (from the metrics table), then the quantile */
        rc = iv_summary_metrics(&t, s);
        if (rc == IV_OK) {
            size_t g, nk = (size_t)iv_table_col_index(t, "n"), c; /* the key columns */
            iv_table *q = NULL;
            rc = iv_table_new(&q, NULL, NULL);
            for (c = 0; c < nk && rc == IV_OK; c++)
                rc = iv_table_add_column(q, iv_table_col_name(t, c), IV_COL_STRING) < 0 ? IV_ENOMEM : IV_OK;
            if (rc == IV_OK && (iv_table_add_column(q, "metric", IV_COL_STRING) < 0 ||
                                iv_table_add_column(q, "p", IV_COL_DOUBLE) < 0 ||
                                iv_table_add_column(q, "value", IV_COL_DOUBLE) < 0))
                rc = IV_ENOMEM;
            for (g = 0; g < iv_summary_groups(s) && rc == IV_OK; g++) {
                double v;
                if ((rc = iv_summary_quantile(s, g, a->metric, a->p, &v)) != IV_OK ||
                    iv_table_add_row(q) < 0)
                    break;
                for (c = 0; c < nk; c++)
                    iv_table_set_string(q, g, c, iv_table_get_string(t, g, c));
                iv_table_set_string(q, g, nk, a->metric);
                iv_table_set_double(q, g, nk + 1, a->p);
                iv_table_set_double(q, g, nk + 2, v);
            }
            iv_table_free(t);
            t = q;
        }
    }
    if (rc != IV_OK)
        st = cli_fail("summary", "%s: %s", sub, iv_error_last());
    else
        st = cli_print("summary", t, a->o.format);
    iv_table_free(t);
    iv_summary_free(s);
    iv_summary_free(b);
    return st;
}

int cli_cmd_summary(int argc, char **argv)
{
    sum_args a;
    const char *sub;
    int st, histogram = 0;
    double penalizer = NAN;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: %s\n%s", usage_summary, help_summary);
        return argc < 2 ? CLI_EUSAGE : CLI_OK;
    }
    sub = argv[1];
    if (strcmp(sub, "make") == 0) { /* --command COMMAND: that analysis' partial */
        const char *command = NULL;
        char **rest = calloc((size_t)argc + 1, sizeof *rest);
        int i, n = 1;
        if (!rest)
            return cli_fail("summary", "out of memory");
        rest[0] = argv[0];
        for (i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--command") == 0 && i + 1 < argc)
                command = argv[++i];
            else if (strncmp(argv[i], "--command=", 10) == 0)
                command = argv[i] + 10;
            else if (strcmp(argv[i], "--command") == 0) {
                free(rest);
                return cli_usage("summary", usage_summary, "--command needs a value");
            } else
                rest[n++] = argv[i];
        }
        if (command && strcmp(command, "metrics") != 0) {
            st = strcmp(command, "clv") == 0 ? cli_summary_make_clv(n, rest)
                                             : cli_summary_make_pattern(command, n, rest);
            if (st < 0)
                st = cli_summary_make_lifecycle(command, n, rest);
            free(rest);
            if (st < 0)
                return cli_usage("summary", usage_summary, "--command must be metrics, churn, retention, "
                                 "cohorts, funnel, lifecycle, stickiness, clv, compare or norm (not '%s')",
                                 command);
            return st;
        }
        free(rest);
    }
    memset(&a, 0, sizeof a);
    iv_query_options_init(&a.q, sizeof a.q);
    a.p = 0.5;
    {   /* show --histogram: the funnel partial's histogram; --penalizer: a CLV partial's fit */
        int i, j;
        for (i = j = 2; i < argc; i++)
            if (strcmp(sub, "show") == 0 && strcmp(argv[i], "--histogram") == 0) {
                histogram = 1;
            } else if (strcmp(sub, "show") == 0 && strcmp(argv[i], "--penalizer") == 0) {
                if (i + 1 >= argc || cli_parse_real(argv[i + 1], &penalizer) || !(penalizer >= 0))
                    return cli_usage("summary", usage_summary, "--penalizer takes a number >= 0");
                i++;
            } else {
                argv[j++] = argv[i];
            }
        argc = j;
    }
    st = parse_args("summary", usage_summary, help_summary, argc, argv, 2, &a);
    if (st == CLI_OK) {
        if (strcmp(sub, "make") == 0)
            st = summary_make(&a);
        else if (strcmp(sub, "merge") == 0 && a.ninputs && a.out && is_partial(a.inputs[0]))
            st = cli_check_output("summary", "-o", a.out, a.inputs, a.ninputs, NULL) != CLI_OK
                     ? CLI_EUSAGE : partial_merge(&a);
        else if (strcmp(sub, "merge") == 0)
            st = summary_merge(&a);
        else if (strcmp(sub, "show") == 0 && a.ninputs == 1 && is_partial(a.inputs[0]))
            st = partial_show(&a, histogram, penalizer);
        else if (histogram || !isnan(penalizer))
            st = cli_usage("summary", usage_summary, "%s", histogram ? "--histogram needs a funnel partial"
                                                                     : "--penalizer needs a clv partial");
        else if (strcmp(sub, "show") == 0 || strcmp(sub, "quantile") == 0 || strcmp(sub, "compare") == 0)
            st = summary_table(sub, &a);
        else
            st = cli_usage("summary", usage_summary, "unknown subcommand '%s'", sub);
    }
    free(a.inputs);
    return st < 0 ? CLI_OK : st;
}

/* ------------------------------------------------------------ partition -- */

typedef struct parts {
    iv_store **store;
    uint32_t n;
} parts;

static iv_store *pick_part(const char *contact, void *payload)
{
    parts *p = payload;
    return p->store[iv_partition_of(contact, strlen(contact), p->n)];
}

int cli_cmd_partition(int argc, char **argv)
{
    sum_args a;
    iv_store *all = NULL, **part = NULL;
    iv_table *t = NULL;
    size_t r;
    parts pp;
    unsigned long k;
    int st, rc = IV_OK;
    memset(&a, 0, sizeof a);
    st = parse_args("partition", usage_partition,
                    "\nSplits the input by contact into N saved stores PREFIX-0.ivstore ...\n"
                    "PREFIX-(N-1).ivstore: a contact goes to part iv_partition_of(contact) =\n"
                    "FNV-1a 64 of its UTF-8 bytes modulo N, the same in C, Python and here.\n"
                    "Prints part, rows, contacts, path.\n",
                    argc, argv, 1, &a);
    if (st != CLI_OK || !a.ninputs || !a.parts || !a.out) {
        free(a.inputs);
        if (st < 0)
            return CLI_OK;
        return st != CLI_OK ? st : cli_usage("partition", usage_partition, "needs INPUT, --parts N and -o PREFIX");
    }
    for (k = 0; k < a.parts; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s-%lu.ivstore", a.out, k);
        if ((st = cli_check_output("partition", "-o", path, a.inputs, a.ninputs, NULL)) != CLI_OK) {
            free(a.inputs);
            return st;
        }
    }
    st = cli_load("partition", &a.o, a.inputs, a.ninputs, &all, NULL, NULL);
    part = calloc(a.parts, sizeof *part);
    if (st == CLI_OK && !part)
        st = cli_fail("partition", "out of memory");
    for (k = 0; st == CLI_OK && k < a.parts && rc == IV_OK; k++)
        rc = iv_store_new(&part[k], NULL);
    pp.store = part;
    pp.n = (uint32_t)a.parts;
    for (r = 0; st == CLI_OK && rc == IV_OK && r < iv_store_rows(all); r++)
        rc = cli_copy_row(all, r, pick_part, &pp);
    if (st == CLI_OK && rc == IV_OK && (rc = iv_table_new(&t, NULL, NULL)) == IV_OK &&
        (iv_table_add_column(t, "part", IV_COL_INT) < 0 || iv_table_add_column(t, "rows", IV_COL_INT) < 0 ||
         iv_table_add_column(t, "contacts", IV_COL_INT) < 0 || iv_table_add_column(t, "path", IV_COL_STRING) < 0))
        rc = IV_ENOMEM;
    for (k = 0; st == CLI_OK && rc == IV_OK && k < a.parts; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s-%lu.ivstore", a.out, k);
        if ((rc = iv_store_prepare(part[k])) != IV_OK)
            break;
        cli_hold_signals(1);
        rc = iv_store_save(part[k], path);
        cli_hold_signals(0);
        if (rc != IV_OK || iv_table_add_row(t) < 0)
            break;
        iv_table_set_int(t, k, 0, (int64_t)k);
        iv_table_set_int(t, k, 1, (int64_t)iv_store_rows(part[k]));
        iv_table_set_int(t, k, 2, (int64_t)iv_store_contacts(part[k]));
        iv_table_set_string(t, k, 3, path);
    }
    if (st == CLI_OK && rc != IV_OK)
        st = cli_fail("partition", "%s", iv_error_last());
    if (st == CLI_OK)
        st = cli_print("partition", t, a.o.format);
    for (k = 0; part && k < a.parts; k++)
        iv_store_free(part[k]);
    free(part);
    iv_table_free(t);
    iv_store_free(all);
    free(a.inputs);
    return st;
}
