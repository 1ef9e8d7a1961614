/* iv maturity [INPUT] : digital maturity across the eight areas (doc/MATURITY.md). */
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *usage =
    "iv maturity INPUT [--rubric FILE] [--indicators FILE] [--period P] [--yoy] [--peers FILE]\n"
    "                  [--model FILE] [--format table|csv|json]\n"
    "iv maturity --indicators FILE [--rubric FILE] [--peers FILE] [--format table|csv|json]\n"
    "  P: YYYY (a calendar year), YYYY-MM (a month) or FROM..TO (timestamps, TO exclusive)";

static int all_digits(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* One end of a period; on failure why says what is wrong (the library's reason). */
static int period_end(const char *s, size_t n, int64_t *out, char *why, size_t cap)
{
    if (iv_time_parse(s, n, out) == IV_OK)
        return 0;
    snprintf(why, cap, "%s", iv_error_last());
    return -1;
}

/* Parse --period into [from, to); why receives the reason when it is bad. */
static int parse_period(const char *p, int64_t *from, int64_t *to, char *why, size_t cap)
{
    const char *dots = strstr(p, "..");
    size_t n = strlen(p);
    char a[64], b[64];
    if (dots) {
        if (period_end(p, (size_t)(dots - p), from, why, cap) ||
            period_end(dots + 2, strlen(dots + 2), to, why, cap))
            return -1;
        if (*to <= *from) {
            snprintf(why, cap, "TO is not after FROM");
            return -1;
        }
        return 0;
    }
    if (n == 4 && all_digits(p, 4)) { /* a year: [YYYY-01-01, YYYY+1-01-01) */
        int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        snprintf(a, sizeof a, "%04d-01-01", y);
        snprintf(b, sizeof b, "%04d-01-01", y + 1);
    } else if (n == 7 && p[4] == '-' && all_digits(p, 4) && all_digits(p + 5, 2)) { /* a month */
        int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        int m = (p[5] - '0') * 10 + (p[6] - '0');
        if (m < 1 || m > 12) {
            snprintf(why, cap, "month %02d is not 01 to 12", m);
            return -1;
        }
        snprintf(a, sizeof a, "%04d-%02d-01", y, m);
        snprintf(b, sizeof b, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    } else {
        snprintf(why, cap, "not YYYY, YYYY-MM or FROM..TO");
        return -1;
    }
    if (period_end(a, strlen(a), from, why, cap))
        return -1;
    if (period_end(b, strlen(b), to, why, cap)) {
        snprintf(why, cap, "the period ends at %s, after the last time libiv represents (2200-12-31)", b);
        return -1;
    }
    return 0;
}

/* Assess the store over [from, to) with the given rubric and user indicators file. */
static int assess(const iv_store *store, const iv_model *model, const iv_rubric *rubric,
                  const char *indicators, int64_t from, int64_t to, iv_table **out)
{
    iv_indicators *ind = NULL;
    int rc = iv_indicators_new(&ind, NULL);
    if (rc == IV_OK && store) /* no log: the store-derived indicators stay missing */
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
            char why[256];
            if (parse_period(v, &from, &to, why, sizeof why))
                return cli_usage("maturity", usage, "bad --period '%s': %s", v, why);
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
                   "earlier; --peers ranks each area among peer assessments (CSV peer,area,score).\n"
                   "With --indicators and no INPUT, only the given values are assessed (the\n"
                   "indicators a log would give are missing).\n",
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
    if (!input && !ind_path)
        return cli_usage("maturity", usage, "no INPUT (give a log, or --indicators FILE alone)");
    if (!input && (yoy || from != IV_TIME_NONE))
        return cli_usage("maturity", usage, "--yoy and --period need an INPUT log");
    if (yoy && peers)
        return cli_usage("maturity", usage, "--yoy and --peers are separate reports: give one");
    if (o.model && (rc = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail("maturity", "%s", iv_error_last());
    rc = rubric_path ? iv_rubric_load(&rubric, rubric_path, NULL) : iv_rubric_new_default(&rubric, NULL);
    if (rc != IV_OK) {
        iv_model_free(model);
        return cli_fail_rc("maturity", rubric_path ? rubric_path : "default rubric", rc);
    }
    paths[0] = (char *)input;
    st = input ? cli_load("maturity", &o, paths, 1, &store, NULL, NULL) : CLI_OK;
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
