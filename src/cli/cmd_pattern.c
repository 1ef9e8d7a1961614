/* iv pattern trajectories|norm|compare|nearest|rank|stalled|next|ab INPUT ... : the RV use
 * cases of doc/PATTERN.md; iv compare INPUT --metric NAME --a EXPR --b EXPR : segment versus
 * segment with the `iv compare` shape. Public API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* Subcommands, as bits so that each option names where it applies. */
enum {
    P_TRAJ = 1, P_NORM = 2, P_VS = 4, P_NEAR = 8, P_RANK = 16, P_STALL = 32, P_NEXT = 64,
    P_AB = 128, P_CMP = 256
};
#define P_SHAPE (P_TRAJ | P_NORM | P_VS | P_NEAR)
#define P_ALL 511

static const struct {
    const char *name;
    int bit;
    const char *usage;
} subs[] = {
    {"trajectories", P_TRAJ, "iv pattern trajectories INPUT [--where EXPR] [--from T] [--to T] [SHAPE]"},
    {"norm", P_NORM, "iv pattern norm INPUT [--where EXPR] [--from T] [--to T] [SHAPE]"},
    {"compare", P_VS, "iv pattern compare INPUT --contact ID [--norm-where EXPR] [--detail] [SHAPE]"},
    {"nearest", P_NEAR, "iv pattern nearest INPUT --subsets 'EXPR1;EXPR2;...' [--where EXPR] [--window 3]\n"
                        "                  [--distance dtw|euclidean] [SHAPE]"},
    {"rank", P_RANK, "iv pattern rank INPUT [--where EXPR] [--top N]"},
    {"stalled", P_STALL, "iv pattern stalled INPUT [--where EXPR] [--quantile 0.9] [--all]"},
    {"next", P_NEXT, "iv pattern next INPUT --contact ID [--success EXPR] [--where EXPR]"},
    {"ab", P_AB, "iv pattern ab INPUT --by DIM --from T0 --to T1 [--a GROUP --b GROUP] [--where EXPR]"},
};

static const char *shape_help =
    "SHAPE: [--bucket 7d] [--buckets 26] [--align age|calendar|index] [--origin T]\n"
    "Every command also takes --model FILE, --input-format csv|jsonl and\n"
    "--format table|csv|json.";

static const char *usage_compare =
    "iv compare INPUT --metric NAME --a EXPR --b EXPR [--where EXPR] [--from T] [--to T]\n"
    "                 [--confidence 0.95] [--model FILE] [--format table|csv|json]";

/* Everything the command line may set. */
typedef struct pargs {
    iv_query_options q;
    iv_pattern_store_options o;
    iv_stats_options st;
    const char *input, *contact, *subsets, *by, *metric, *a, *b, *norm_where;
    int64_t from, to;   /* A/B window; the selection's range for the others */
    int detail;
} pargs;

static int parse_count(const char *v, size_t *out)
{
    unsigned long long x;
    if (cli_parse_count(v, SIZE_MAX, &x))
        return -1;
    *out = (size_t)x;
    return 0;
}

static int parse_fraction(const char *v, double *out)
{
    double x;
    if (cli_parse_real(v, &x) || !(x >= 0 && x <= 1))
        return -1;
    *out = x;
    return 0;
}

/* One option of a subcommand (bit). Returns 1 consumed, 0 not ours, -1 bad. */
static int one_opt(const char *cmd, const char *usage, int bit, int argc, char **argv, int *i, pargs *p)
{
    static const struct {
        const char *name;
        int mask;
    } opts[] = {
        {"--where", P_ALL & ~P_VS}, {"--from", P_ALL}, {"--to", P_ALL}, {"--bucket", P_SHAPE},
        {"--buckets", P_SHAPE}, {"--align", P_SHAPE}, {"--origin", P_SHAPE}, {"--contact", P_VS | P_NEXT},
        {"--norm-where", P_VS}, {"--subsets", P_NEAR}, {"--window", P_NEAR}, {"--distance", P_NEAR},
        {"--top", P_RANK}, {"--quantile", P_STALL}, {"--success", P_NEXT}, {"--by", P_AB},
        {"--a", P_AB | P_CMP}, {"--b", P_AB | P_CMP}, {"--metric", P_CMP}, {"--confidence", P_CMP},
    };
    size_t k;
    int bad = 0;
    const char *v = NULL;
    if ((bit & P_STALL) && strcmp(argv[*i], "--all") == 0)
        return p->o.all = 1;
    if ((bit & P_VS) && strcmp(argv[*i], "--detail") == 0)
        return p->detail = 1;
    for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
        if ((v = cli_value(cmd, argc, argv, i, opts[k].name, &bad)) || bad)
            break;
    if (bad)
        return -1;
    if (!v)
        return 0;
    if (!(opts[k].mask & bit)) {
        cli_usage(cmd, usage, "%s does not apply here", opts[k].name);
        return -1;
    }
    switch (k) {
    case 0: p->q.where = v; return 1;
    case 1: return cli_parse_time(cmd, "--from", v, &p->from) ? -1 : 1;
    case 2: return cli_parse_time(cmd, "--to", v, &p->to) ? -1 : 1;
    case 3:
        if (cli_parse_duration(v, &p->o.bucket))
            break;
        return 1;
    case 4:
        if (parse_count(v, &p->o.buckets) || p->o.buckets == 0)
            break;
        return 1;
    case 5:
        if (strcmp(v, "age") == 0)
            p->o.align = IV_ALIGN_AGE;
        else if (strcmp(v, "calendar") == 0)
            p->o.align = IV_ALIGN_CALENDAR;
        else if (strcmp(v, "index") == 0)
            p->o.align = IV_ALIGN_INDEX;
        else
            break;
        return 1;
    case 6: return cli_parse_time(cmd, "--origin", v, &p->o.origin) ? -1 : 1;
    case 7: p->contact = v; return 1;
    case 8: p->norm_where = v; return 1;
    case 9: p->subsets = v; return 1;
    case 10:
        if (parse_count(v, &p->o.window))
            break;
        return 1;
    case 11:
        if (strcmp(v, "dtw") == 0)
            p->o.distance = IV_DISTANCE_DTW;
        else if (strcmp(v, "euclidean") == 0)
            p->o.distance = IV_DISTANCE_EUCLIDEAN;
        else
            break;
        return 1;
    case 12:
        if (parse_count(v, &p->o.top))
            break;
        return 1;
    case 13:
        if (parse_fraction(v, &p->o.quantile))
            break;
        return 1;
    case 14: p->o.success = v; return 1;
    case 15: p->by = v; return 1;
    case 16: p->a = v; return 1;
    case 17: p->b = v; return 1;
    case 18: p->metric = v; return 1;
    default:
        if (parse_fraction(v, &p->st.confidence) || p->st.confidence <= 0 || p->st.confidence >= 1)
            break;
        return 1;
    }
    cli_usage(cmd, usage, "bad value '%s' for %s", v, opts[k].name);
    return -1;
}

/* Parse argv[first..]; returns -1 when done (go on), else the exit status. */
static int parse(const char *cmd, const char *usage, const char *help, int bit, int argc, char **argv,
                 int first, pargs *p, cli_opts *co)
{
    int i;
    for (i = first; i < argc; i++) {
        int c = cli_common_opt(cmd, argc, argv, &i, co);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if ((c = one_opt(cmd, usage, bit, argc, argv, &i, p)) < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n%s\n", usage, help);
            return CLI_OK;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        if (p->input)
            return cli_usage(cmd, usage, "one INPUT only (got '%s' too)", argv[i]);
        p->input = argv[i];
    }
    if (!p->input)
        return cli_usage(cmd, usage, "no INPUT");
    if (p->from != IV_TIME_NONE && p->to != IV_TIME_NONE && p->to < p->from)
        return cli_usage(cmd, usage, "--to is before --from");
    return -1;
}

/* Split "E1;E2;..." at semicolons outside double quotes (in place). */
static size_t split_subsets(char *s, const char **out, size_t cap)
{
    size_t n = 0;
    int quoted = 0;
    char *start = s;
    for (;; s++) {
        if (*s == '"')
            quoted = !quoted;
        if ((*s == ';' && !quoted) || *s == '\0') {
            int last = *s == '\0';
            *s = '\0';
            while (*start == ' ')
                start++;
            if (*start && n < cap)
                out[n++] = start;
            if (last)
                break;
            start = s + 1;
        }
    }
    return n;
}

/* Load INPUT and the model, run the subcommand, print. */
static int run(const char *cmd, const char *what, const char *usage, int bit, pargs *p,
               const cli_opts *co)
{
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_table *t = NULL, *detail = NULL;
    const char *sub[64];
    char *subsets = NULL;
    char *paths[1];
    size_t ns = 0;
    int st, rc = IV_OK;
    if ((bit & (P_VS | P_NEXT)) && !p->contact)
        return cli_usage(cmd, usage, "--contact is required");
    if (bit == P_NEAR && !p->subsets)
        return cli_usage(cmd, usage, "--subsets is required");
    if (bit == P_AB && (!p->by || p->from == IV_TIME_NONE || p->to == IV_TIME_NONE))
        return cli_usage(cmd, usage, "--by, --from and --to are required");
    if (bit == P_AB && !p->a != !p->b)
        return cli_usage(cmd, usage, "--a and --b go together");
    if (bit == P_CMP && (!p->metric || !p->a || !p->b))
        return cli_usage(cmd, usage, "--metric, --a and --b are required");
    if (bit == P_NEAR) {
        size_t len = strlen(p->subsets) + 1;
        subsets = malloc(len);
        if (subsets)
            memcpy(subsets, p->subsets, len);
        else
            return cli_fail(cmd, "out of memory");
        ns = split_subsets(subsets, sub, sizeof sub / sizeof sub[0]);
        if (ns == 0) {
            free(subsets);
            return cli_usage(cmd, usage, "--subsets names no expression");
        }
    }
    if (co->model && (rc = iv_model_load(&model, co->model, NULL)) != IV_OK) {
        free(subsets);
        return cli_fail(cmd, "%s", iv_error_last());
    }
    p->q.model = model;
    if (bit != P_AB) {   /* ab: --from/--to are the window, the selection is the whole log */
        p->q.from = p->from;
        p->q.to = p->to;
    }
    if (bit == P_VS)
        p->q.where = p->norm_where;
    paths[0] = (char *)p->input;
    st = cli_load(cmd, co, paths, 1, &store, NULL, NULL);
    if (st == CLI_OK) {
        p->o.group_a = p->a;
        p->o.group_b = p->b;
        switch (bit) {
        case P_TRAJ: rc = iv_pattern_trajectories(&t, store, &p->q, &p->o); break;
        case P_NORM: rc = iv_pattern_norm_of(&t, store, &p->q, &p->o); break;
        case P_VS:
            rc = iv_pattern_contact_vs_norm(&t, p->detail ? &detail : NULL, store, p->contact, &p->q, &p->o);
            break;
        case P_NEAR: rc = iv_pattern_nearest_norm(&t, store, &p->q, sub, ns, &p->o); break;
        case P_RANK: rc = iv_pattern_rank(&t, store, &p->q, &p->o); break;
        case P_STALL: rc = iv_pattern_stalled(&t, store, &p->q, &p->o); break;
        case P_NEXT: rc = iv_pattern_next(&t, store, p->contact, &p->q, &p->o); break;
        case P_AB:
            p->o.stats = &p->st;
            rc = iv_pattern_ab(&t, store, &p->q, p->by, p->from, p->to, &p->o);
            break;
        default: rc = iv_pattern_compare(&t, store, &p->q, p->metric, p->a, p->b, &p->st); break;
        }
        st = rc != IV_OK ? cli_fail_query(cmd, what, rc) : cli_print(cmd, detail ? detail : t, co->format);
    }
    iv_table_free(t);
    iv_table_free(detail);
    iv_store_free(store);
    iv_model_free(model);
    free(subsets);
    return st;
}

static void pargs_init(pargs *p)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_pattern_store_options o = IV_PATTERN_STORE_OPTIONS_INIT;
    iv_stats_options st = IV_STATS_OPTIONS_INIT;
    memset(p, 0, sizeof *p);
    p->q = q;
    p->o = o;
    p->st = st;
    p->from = p->to = IV_TIME_NONE;
}

static void pattern_help(FILE *f)
{
    size_t k;
    fprintf(f, "usage:\n");
    for (k = 0; k < sizeof subs / sizeof subs[0]; k++)
        fprintf(f, "  %s\n", subs[k].usage);
    fprintf(f, "%s\n", shape_help);
}

int cli_cmd_pattern(int argc, char **argv)
{
    static const char *help =
        "\nRV pattern comparison (doc/PATTERN.md). Trajectories are cumulative RV at the end of each\n"
        "bucket since the contact's first selected interaction (age), a common --origin\n"
        "(calendar), or after each interaction (index); buckets ending after the reference\n"
        "time (--to, else the last timestamp) are unobserved (null). compare: a contact\n"
        "against the norm of --norm-where (--detail: per bucket). nearest: which subset's\n"
        "median trajectory each contact resembles (DTW, Sakoe-Chiba |i-j| <= window).\n"
        "rank: RV per interaction, then fewer interactions. stalled: time since the last\n"
        "forward interaction beyond the quantile of forward gaps in the same stage.\n"
        "next: what followed the contact's last type and stage among --success contacts\n"
        "(default 'profit_tier = high'). ab: change in RV over [--from, --to) by group.\n";
    cli_opts co;
    pargs p;
    size_t k;
    int st;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        pattern_help(argc < 2 ? stderr : stdout);
        if (argc >= 2)
            printf("%s", help);
        return argc < 2 ? CLI_EUSAGE : CLI_OK;
    }
    for (k = 0; k < sizeof subs / sizeof subs[0]; k++)
        if (strcmp(argv[1], subs[k].name) == 0)
            break;
    if (k == sizeof subs / sizeof subs[0]) {
        fprintf(stderr, "iv pattern: unknown subcommand '%s'\n", argv[1]);
        pattern_help(stderr);
        return CLI_EUSAGE;
    }
    cli_opts_init(&co);
    pargs_init(&p);
    st = parse("pattern", subs[k].usage, shape_help, subs[k].bit, argc, argv, 2, &p, &co);
    return st >= 0 ? st : run("pattern", subs[k].name, subs[k].usage, subs[k].bit, &p, &co);
}

/* iv summary make --command norm|compare INPUT... -o OUT [the command's options]
 * [--alpha A] [--t-ref T]: the command's partial saved to OUT (doc/SUMMARIES.md section
 * 10). -1 when the command is neither. */
int cli_summary_make_pattern(const char *command, int argc, char **argv)
{
    const char *cmd = "summary", *out = NULL, *v;
    int bit = strcmp(command, "norm") == 0 ? P_NORM : strcmp(command, "compare") == 0 ? P_CMP : 0;
    const char *usage = bit == P_NORM ? "iv summary make --command norm INPUT... -o OUT --t-ref T|--to T\n"
                                        "                [--where EXPR] [--from T] [SHAPE] [--alpha 0.01]"
                                      : usage_compare;
    char **inputs;
    int ninputs = 0, i, bad = 0, st, rc;
    double alpha = 0.01;
    int64_t t_ref = IV_TIME_NONE;
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_partial *part = NULL;
    cli_opts co;
    pargs p;
    if (!bit)
        return -1;
    if (!(inputs = calloc((size_t)argc + 1, sizeof *inputs)))
        return cli_fail(cmd, "out of memory");
    cli_opts_init(&co);
    pargs_init(&p);
    for (i = 1; i < argc; i++) {
        int c;
        if ((v = cli_value(cmd, argc, argv, &i, "--out", &bad)) ||
            (!bad && (v = cli_value(cmd, argc, argv, &i, "-o", &bad)))) {
            out = v;
            continue;
        }
        if (!bad && bit == P_NORM && (v = cli_value(cmd, argc, argv, &i, "--alpha", &bad))) {
            if (cli_parse_real(v, &alpha) || !(alpha == 0 || (alpha >= 1e-4 && alpha <= 0.5))) {
                free(inputs);
                return cli_usage(cmd, usage, "--alpha takes 0 (exact values) or 1e-4 ... 0.5 (not '%s')", v);
            }
            continue;
        }
        if (!bad && (v = cli_value(cmd, argc, argv, &i, "--t-ref", &bad))) {
            if (cli_parse_time(cmd, "--t-ref", v, &t_ref)) {
                free(inputs);
                return CLI_EUSAGE;
            }
            continue;
        }
        if (bad || (c = cli_common_opt(cmd, argc, argv, &i, &co)) < 0 ||
            (!c && (c = one_opt(cmd, usage, bit, argc, argv, &i, &p)) < 0)) {
            free(inputs);
            return CLI_EUSAGE;
        }
        if (c)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            free(inputs);
            return cli_usage(cmd, usage, "unknown option '%s'", argv[i]);
        }
        inputs[ninputs++] = argv[i];
    }
    if (!ninputs || !out)
        st = cli_usage(cmd, usage, "summary make --command %s needs INPUT... and -o OUT", command);
    else if (bit == P_CMP && (!p.metric || !p.a || !p.b))
        st = cli_usage(cmd, usage, "--metric, --a and --b are required");
    else if (p.from != IV_TIME_NONE && p.to != IV_TIME_NONE && p.to < p.from)
        st = cli_usage(cmd, usage, "--to is before --from");
    else
        st = cli_check_output(cmd, "-o", out, inputs, ninputs, co.model);
    if (st == CLI_OK && co.model && (rc = iv_model_load(&model, co.model, NULL)) != IV_OK)
        st = cli_fail(cmd, "%s", iv_error_last());
    if (st == CLI_OK)
        st = cli_load(cmd, &co, inputs, ninputs, &store, NULL, NULL);
    free(inputs);
    if (st == CLI_OK) {
        p.q.model = model;
        p.q.from = p.from;
        p.q.to = p.to;
        p.q.t_ref = t_ref;
        rc = bit == P_NORM ? iv_partial_norm(&part, store, &p.q, &p.o, alpha)
                           : iv_partial_compare(&part, store, &p.q, p.metric, p.a, p.b, &p.st);
        if (rc != IV_OK) {
            st = cli_fail_query(cmd, command, rc);
        } else {
            st = cli_save_partial(cmd, part, out);
        }
    }
    iv_partial_free(part);
    iv_store_free(store);
    iv_model_free(model);
    return st;
}

int cli_cmd_compare(int argc, char **argv)
{
    static const char *help =
        "\nSegment versus segment (doc/PATTERN.md): the per-contact metric NAME (any\n"
        "metric of iv metrics) over each contact's interactions selected by (--where)\n"
        "and (--a), versus (--where) and (--b); contacts with none are not in the\n"
        "sample. Prints n_a, n_b, mean_a, mean_b, median_a, median_b, diff, diff_ci_low,\n"
        "diff_ci_high (Welch), welch_t, welch_df, welch_p, mwu_u, mwu_p, cliffs_delta.\n"
        "--metric nps compares the two selections' NPS instead: nps_a, nps_b, diff,\n"
        "z = diff / sqrt(se_a^2 + se_b^2), p (two-sided normal).\n";
    cli_opts co;
    pargs p;
    int st;
    cli_opts_init(&co);
    pargs_init(&p);
    st = parse("compare", usage_compare, help, P_CMP, argc, argv, 1, &p, &co);
    return st >= 0 ? st : run("compare", "metric", usage_compare, P_CMP, &p, &co);
}
