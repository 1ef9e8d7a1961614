/* iv maturity INPUT : digital maturity across the eight areas (doc/MATURITY.md). */
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage =
    "iv maturity INPUT [--rubric FILE] [--indicators FILE] [--period P] [--yoy] [--peers FILE]\n"
    "                  [--model FILE] [--format table|csv|json]\n"
    "  P: YYYY (a calendar year), YYYY-MM (a month) or FROM..TO (timestamps, TO exclusive)";

/* Parse --period into [from, to). */
static int parse_period(const char *p, int64_t *from, int64_t *to)
{
    const char *dots = strstr(p, "..");
    size_t n = strlen(p);
    char buf[64];
    if (dots) {
        return iv_time_parse(p, (size_t)(dots - p), from) == IV_OK &&
                       iv_time_parse(dots + 2, strlen(dots + 2), to) == IV_OK && *to > *from
                   ? 0
                   : -1;
    }
    if (n == 4) { /* a year */
        int y = atoi(p);
        snprintf(buf, sizeof buf, "%04d-01-01", y);
        if (iv_time_parse(buf, strlen(buf), from) != IV_OK)
            return -1;
        snprintf(buf, sizeof buf, "%04d-01-01", y + 1);
        return iv_time_parse(buf, strlen(buf), to) == IV_OK ? 0 : -1;
    }
    if (n == 7 && p[4] == '-') { /* a month */
        int y = atoi(p), m = atoi(p + 5);
        if (m < 1 || m > 12)
            return -1;
        snprintf(buf, sizeof buf, "%04d-%02d-01", y, m);
        if (iv_time_parse(buf, strlen(buf), from) != IV_OK)
            return -1;
        snprintf(buf, sizeof buf, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
        return iv_time_parse(buf, strlen(buf), to) == IV_OK ? 0 : -1;
    }
    return -1;
}

/* Assess the store over [from, to) with the given rubric and user indicators file. */
static int assess(const iv_store *store, const iv_model *model, const iv_rubric *rubric,
                  const char *indicators, int64_t from, int64_t to, iv_table **out)
{
    iv_indicators *ind = NULL;
    int rc = iv_indicators_new(&ind, NULL);
    if (rc == IV_OK)
        rc = iv_indicators_from_store(ind, store, model, from, to);
    if (rc == IV_OK && indicators)
        rc = iv_indicators_load_csv(ind, indicators);
    if (rc == IV_OK)
        rc = iv_maturity_assess(out, rubric, ind, NULL);
    iv_indicators_free(ind);
    return rc;
}

/* The same period one year earlier (calendar arithmetic on the UTC date). */
static int64_t year_before(int64_t ts)
{
    char buf[40], out_s[48];
    int64_t out;
    int y;
    iv_time_format(ts, buf, sizeof buf);
    y = atoi(buf);
    if (y <= 1901)
        return IV_TIME_NONE;
    /* 29 February has no match a year earlier: use 28 February */
    if (strncmp(buf + 5, "02-29", 5) == 0)
        buf[9] = '8';
    snprintf(out_s, sizeof out_s, "%04d%s", y - 1, buf + 4);
    return iv_time_parse(out_s, strlen(out_s), &out) == IV_OK ? out : IV_TIME_NONE;
}

int cli_cmd_maturity(int argc, char **argv)
{
    cli_opts o;
    const char *input = NULL, *rubric_path = NULL, *ind_path = NULL, *peers = NULL, *v;
    int64_t from = IV_TIME_NONE, to = IV_TIME_NONE;
    int i, bad = 0, yoy = 0, st, rc;
    iv_store *store = NULL;
    iv_model *model = NULL;
    iv_rubric *rubric = NULL;
    iv_table *t = NULL, *t2 = NULL, *res = NULL;
    char *paths[1];

    cli_opts_init(&o);
    for (i = 1; i < argc; i++) {
        int c = cli_common_opt("maturity", argc, argv, &i, &o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if ((v = cli_value("maturity", argc, argv, &i, "--rubric", &bad)))
            rubric_path = v;
        else if (!bad && (v = cli_value("maturity", argc, argv, &i, "--indicators", &bad)))
            ind_path = v;
        else if (!bad && (v = cli_value("maturity", argc, argv, &i, "--peers", &bad)))
            peers = v;
        else if (!bad && (v = cli_value("maturity", argc, argv, &i, "--period", &bad))) {
            if (parse_period(v, &from, &to))
                return cli_usage("maturity", usage, "bad --period '%s'", v);
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--yoy") == 0) {
            yoy = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\nScores the eight areas (technology, channels, engagement, experience,\n"
                   "content, business, analytics, governance) on levels 1-10 from indicators derived\n"
                   "from the log over the period, plus user-supplied ones (--indicators, CSV with the\n"
                   "header indicator,value; they override derived values). --rubric replaces the\n"
                   "default rubric (doc/MATURITY.md). --yoy compares with the same period a year\n"
                   "earlier; --peers ranks each area among peer assessments (CSV peer,area,score).\n",
                   usage);
            return CLI_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage("maturity", usage, "unknown option '%s'", argv[i]);
        } else if (!input) {
            input = argv[i];
        } else {
            return cli_usage("maturity", usage, "one INPUT only (got '%s' too)", argv[i]);
        }
    }
    if (!input)
        return cli_usage("maturity", usage, "no INPUT");
    if (yoy && peers)
        return cli_usage("maturity", usage, "--yoy and --peers are separate reports: give one");
    if (o.model && (rc = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail_rc("maturity", o.model, rc);
    rc = rubric_path ? iv_rubric_load(&rubric, rubric_path, NULL) : iv_rubric_new_default(&rubric, NULL);
    if (rc != IV_OK) {
        iv_model_free(model);
        return cli_fail_rc("maturity", rubric_path ? rubric_path : "default rubric", rc);
    }
    paths[0] = (char *)input;
    st = cli_load("maturity", &o, paths, 1, &store, NULL, NULL);
    if (st == CLI_OK) {
        rc = assess(store, model, rubric, ind_path, from, to, &t);
        if (rc == IV_OK && yoy) {
            int64_t pto, pfrom;
            if (to == IV_TIME_NONE)
                iv_store_time_range(store, NULL, &to), to += 1;
            if (from == IV_TIME_NONE) {
                /* no period: the 12 months ending at the last interaction */
                from = year_before(to);
            }
            pfrom = year_before(from);
            pto = from;
            rc = assess(store, model, rubric, ind_path, pfrom, pto, &t2);
            if (rc == IV_OK)
                rc = iv_maturity_compare(&res, t, t2);
        } else if (rc == IV_OK && peers) {
            rc = iv_maturity_peers(&res, t, peers);
        }
        if (rc != IV_OK)
            st = cli_fail_rc("maturity", "assessment", rc);
        else
            st = cli_print("maturity", res ? res : t, o.format);
    }
    iv_table_free(res);
    iv_table_free(t2);
    iv_table_free(t);
    iv_store_free(store);
    iv_rubric_free(rubric);
    iv_model_free(model);
    return st;
}
