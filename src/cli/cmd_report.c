/* iv report [INPUT] [-o FILE]: one self-contained HTML file with inline SVG charts (doc/GUIDE.md §3):
 * metric tables by channel, stage and team, year-on-year deltas, the RV trajectory of one
 * contact against the norm band of all contacts, the maturity radar over the eight areas.
 * Public API only. With no INPUT it reads the bundled sample log. */
#define _DEFAULT_SOURCE 1 /* madvise(MADV_HUGEPAGE) */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "html.h"
#include "report_clv.h"
#include "svg.h"

static const char *usage =
    "iv report [INPUT] [-o FILE] [--title TEXT] [--contact ID] [--buckets K] [--steps S]\n"
    "                 [--window W] [--where EXPR] [--model FILE] [--input-format csv|jsonl]\n"
    "                 [--format table|csv|json]";

/* The default funnel: engagement, demo, first purchase, a later purchase. */
static const char *default_steps = "visit|open|click|download,demo,purchase,"
                                   "repeat|renewal|upsell|cross_sell";

#define DAY_MS 86400000LL
#define BUCKET_MS (7 * DAY_MS) /* doc/PATTERN.md: trajectory buckets of B = 7 days */

/* Library warnings (iv_warning_get) carried from the thread that made them. */
#define WARN_MAX 32 /* include/iv/common.h: at most 32, then one saying more were dropped */
typedef struct warn_list {
    char *text[WARN_MAX + 1];
    size_t n;
    int oom;
} warn_list;

typedef struct report {
    const char *cmd;
    FILE *f;
    iv_store *store;
    const iv_model *model;
    const char *where;
    const char *input, *title; /* the INPUT as given and the page title (the overview) */
    const char *contact;  /* --contact, or NULL for the default choice */
    const char *steps;    /* funnel steps (--steps) */
    int64_t window;       /* funnel window in ms (--window) */
    size_t buckets;       /* K */
    int64_t first, last;  /* time range of the data */
    int64_t cur_from, cur_to, prev_from, prev_to; /* the two 12-month periods */
    int have_prev;
    int sections, charts;
    int clv_holdout; /* the CLV section's holdout part runs (set by its first part) */
    warn_list warn; /* sections on threads: the library's warnings, in page order */
    int times;       /* IV_REPORT_TIMES: phases and sections timed on standard error */
    double t0;       /* CLOCK_MONOTONIC at the start, for the times */
} report;

/* ------------------------------------------------------------------ timing */

/* IV_REPORT_TIMES=1 in the environment: each phase's wall time and each section's thread
 * CPU on standard error, for measuring (doc/PERFORMANCE.md); never on the page. */
typedef struct sec_time {
    double cpu, start, end; /* thread CPU s; wall s since the tool started */
} sec_time;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int times_wanted(void)
{
    const char *v = getenv("IV_REPORT_TIMES");
    return v && *v && strcmp(v, "0") != 0;
}

/* ------------------------------------------------------------------ inputs */

/* The bundled sample: the source tree (compile-time path), the installed data folder, or
 * ../share/libiv/sample.csv next to the executable (a relocated install). */
static const char *sample_path(char *buf, size_t cap)
{
    ssize_t n;
#ifdef IV_SAMPLE_PATH
    if (access(IV_SAMPLE_PATH, R_OK) == 0)
        return IV_SAMPLE_PATH;
#endif
#ifdef IV_SAMPLE_INSTALLED
    if (access(IV_SAMPLE_INSTALLED, R_OK) == 0)
        return IV_SAMPLE_INSTALLED;
#endif
    n = readlink("/proc/self/exe", buf, cap - 1);
    if (n > 0) {
        char *slash;
        buf[n] = '\0';
        if ((slash = strrchr(buf, '/')) != NULL) {
            *slash = '\0';
            if (strlen(buf) + 32 < cap) {
                strcat(buf, "/../share/libiv/sample.csv");
                if (access(buf, R_OK) == 0)
                    return buf;
            }
        }
    }
    return NULL;
}

/* A window "14d", "36h", "2w" or a number of days, in ms; -1 when malformed. */
static int64_t parse_window(const char *v)
{
    int64_t ms;
    char *end;
    double x, unit = DAY_MS;
    if (cli_parse_duration(v, &ms) < 0)
        return -1; /* the strict number syntax of every option */
    x = strtod(v, &end);
    if (!(x > 0) || x > 36500)
        return -1;
    if (*end == 'h')
        unit = 3600000.0;
    else if (*end == 'w')
        unit = 7.0 * DAY_MS;
    else if (*end != 'd' && *end != '\0')
        return -1;
    if (*end && end[1])
        return -1;
    return (int64_t)(x * unit + 0.5);
}

/* Midnight UTC of the first day of the month after ts, minus `years` years. */
static int month_after(int64_t ts, int years, int64_t *out)
{
    char buf[40];
    int y, m;
    if (iv_time_format(ts, buf, sizeof buf) != IV_OK || sscanf(buf, "%d-%d", &y, &m) != 2)
        return -1;
    if (++m > 12) {
        m = 1;
        y++;
    }
    snprintf(buf, sizeof buf, "%04d-%02d-01", y - years, m);
    return iv_time_parse(buf, strlen(buf), out) == IV_OK ? 0 : -1;
}

static void fmt_day(int64_t ts, char *buf, size_t cap)
{
    if (iv_time_format(ts, buf, cap) != IV_OK)
        snprintf(buf, cap, "?");
    else if (strlen(buf) > 10)
        buf[10] = '\0';
}

static void query_init(const report *r, iv_query_options *q, const char *by)
{
    iv_query_options_init(q, sizeof *q);
    q->by = by;
    q->where = r->where;
    q->model = r->model;
}

static int fail(report *r, const char *what, int rc)
{
    return cli_fail_rc(r->cmd, what, rc);
}

static double cell(const iv_table *t, size_t row, const char *col)
{
    long c = iv_table_col_index(t, col);
    return c < 0 ? NAN : iv_table_get_double(t, row, (size_t)c);
}

/* Look up the named columns (NULL-terminated names) of a result table into idx. */
static int columns(report *r, const iv_table *t, const char *what, const char *const *names,
                   long *idx)
{
    size_t i;
    for (i = 0; names[i]; i++)
        if ((idx[i] = iv_table_col_index(t, names[i])) < 0)
            return cli_fail(r->cmd, "%s: no column '%s' in the result", what, names[i]);
    return CLI_OK;
}

/* ------------------------------------------------------------------ overview */

/* The columns of the metric tables: the decision metrics, few enough to fit a 1,024-px
 * page (the standard errors, means and counts of the rest are in iv metrics). */
static const char *const metric_cols[] = {
    "n", "contacts", "cost", "value", "cpt", "iv", "roi", "desired_rate", "rv",
    "rv_per_interaction", "cost_per_rv", "nps", "csat", "ces", NULL};
static const char *const pct_cols[] = {"desired_rate", "relative_change", "coverage", NULL};

static int overview(report *r)
{
    static const struct {
        const char *col, *label;
        int pct;
    } kpis[] = {{"n", "interactions", 0},     {"contacts", "contacts", 0},
                {"cost", "cost", 0},          {"value", "value", 0},
                {"iv", "IV (quality per unit cost)", 0},
                {"rv", "RV units", 0},        {"cost_per_rv", "cost per RV unit", 0},
                {"nps", "NPS (points)", 0},
                {"csat", "CSAT (% satisfied)", 0},
                {"ces", "CES (mean 1-7)", 0}, {"desired_rate", "desired outcomes", 1}};
    iv_query_options q;
    iv_table *t = NULL;
    char a[40], b[40], buf[64];
    size_t i;
    int rc;

    query_init(r, &q, NULL);
    if ((rc = iv_query_metrics(&t, r->store, &q)) != IV_OK)
        return fail(r, "overview", rc);
    fputs("<h1>", r->f);
    svg_escape(r->f, r->title);
    fputs("</h1>\n<p class=\"note\">Input <code>", r->f);
    svg_escape(r->f, r->input);
    fmt_day(r->first, a, sizeof a);
    fmt_day(r->last, b, sizeof b);
    fprintf(r->f, "</code>: %zu interactions of %zu contacts from %s to %s. ",
            iv_store_rows(r->store), iv_store_contacts(r->store), a, b);
    if (r->where) {
        fputs("Selection: <code>", r->f);
        svg_escape(r->f, r->where);
        fputs("</code>. ", r->f);
    }
    fprintf(r->f, "Scoring model: %s. Made by libiv %s (<code>iv report</code>).</p>\n",
            r->model ? "from --model" : "the built-in default", iv_version_string());
    fputs("<nav><h3>Contents</h3><ol><li><a href=\"#overview\">Overview</a></li>"
          "<li><a href=\"#channel\">By channel</a></li><li><a href=\"#stage\">By stage</a></li>"
          "<li><a href=\"#team\">By team</a></li><li><a href=\"#trends\">Trends by month</a></li>"
          "<li><a href=\"#yoy\">Year on year</a></li>"
          "<li><a href=\"#trajectory\">RV trajectory against the norm</a></li>"
          "<li><a href=\"#funnel\">Funnel</a></li><li><a href=\"#cohorts\">Cohort retention</a></li>"
          "<li><a href=\"#churn\">Churn and retention over time</a></li>"
          "<li><a href=\"#lifecycle\">Lifecycle</a></li>"
          "<li><a href=\"#clv\">Customer lifetime value</a></li>"
          "<li><a href=\"#maturity\">Digital maturity</a></li>"
          "<li><a href=\"#glossary\">Metric definitions</a></li></ol></nav>\n", r->f);
    html_section(r->f, "overview", "Overview", "The selected interactions as one group.");
    fputs("<ul class=\"kpis\">\n", r->f);
    for (i = 0; i < sizeof kpis / sizeof kpis[0]; i++) {
        svg_value_label(buf, sizeof buf, cell(t, 0, kpis[i].col), kpis[i].pct);
        fputs("<li><b>", r->f);
        svg_escape(r->f, buf);
        fputs("</b>", r->f);
        svg_escape(r->f, kpis[i].label);
        if (strcmp(kpis[i].col, "nps") == 0 && isfinite(cell(t, 0, "nps_ci_low"))) {
            char lo[32], hi[32];
            svg_value_label(lo, sizeof lo, cell(t, 0, "nps_ci_low"), 0);
            svg_value_label(hi, sizeof hi, cell(t, 0, "nps_ci_high"), 0);
            fprintf(r->f, "<br><small>95%% interval %s to %s</small>", lo, hi);
        }
        fputs("</li>\n", r->f);
    }
    fputs("</ul>\n", r->f);
    html_section_end(r->f);
    r->sections++;
    iv_table_free(t);
    return CLI_OK;
}

/* ------------------------------------------------------------------ metrics by a dimension */

/* Labels, values and notes of a bar chart, one per table row. */
typedef struct bar_data {
    const char **labels, **notes;
    double *vals;
    char (*nbuf)[160]; /* storage of the notes */
} bar_data;

static void bars_free(bar_data *b)
{
    free(b->labels);
    free(b->notes);
    free(b->vals);
    free(b->nbuf);
}

static int bars_alloc(report *r, bar_data *b, size_t n)
{
    b->labels = calloc(n + 1, sizeof *b->labels);
    b->notes = calloc(n + 1, sizeof *b->notes);
    b->vals = calloc(n + 1, sizeof *b->vals);
    b->nbuf = calloc(n + 1, sizeof *b->nbuf);
    if (b->labels && b->notes && b->vals && b->nbuf)
        return CLI_OK;
    bars_free(b);
    return cli_fail(r->cmd, "out of memory");
}

/* The chart in a figure with its caption, then the end of the section. */
static void bars_emit(report *r, const bar_data *b, size_t n, svg_bars *c, const char *caption)
{
    c->n = n;
    c->labels = b->labels;
    c->values = b->vals;
    c->notes = b->notes;
    html_figure_begin(r->f);
    svg_bar_chart(r->f, c);
    html_figure_end(r->f, caption);
    html_section_end(r->f);
    r->sections++;
    r->charts++;
}

typedef struct dim_section {
    const char *by, *heading, *intro;
    const char *metric, *metric_label; /* the charted metric */
    int diverging;
    const char *chart_title, *chart_desc, *caption;
} dim_section;

static int by_dimension(report *r, const dim_section *d)
{
    iv_query_options q;
    iv_table *t = NULL;
    size_t n, i;
    bar_data b;
    char cap[96];
    int rc;
    svg_bars c;

    query_init(r, &q, d->by);
    if ((rc = iv_query_metrics(&t, r->store, &q)) != IV_OK)
        return fail(r, d->by, rc);
    n = iv_table_nrows(t);
    if ((rc = bars_alloc(r, &b, n)) != CLI_OK) {
        iv_table_free(t);
        return rc;
    }
    for (i = 0; i < n; i++) {
        const char *k = iv_table_get_string(t, i, 0);
        b.labels[i] = k ? k : "(none)";
        b.vals[i] = cell(t, i, d->metric);
        char cnt[32];
        svg_value_label(cnt, sizeof cnt, cell(t, i, "n"), 0);
        snprintf(b.nbuf[i], sizeof b.nbuf[i], "n = %s", cnt);
        b.notes[i] = b.nbuf[i];
    }
    html_section(r->f, d->by, d->heading, d->intro);
    snprintf(cap, sizeof cap, "Metrics by %s (hover a header for the metric's name; \xe2\x80\x93 = undefined)", d->by);
    {
        const char *cols[32];
        size_t k = 0, j;
        cols[k++] = d->by;
        for (j = 0; metric_cols[j]; j++)
            cols[k++] = metric_cols[j];
        cols[k] = NULL;
        html_table(r->f, t, cap, cols, pct_cols);
    }
    memset(&c, 0, sizeof c);
    c.id = d->by;
    c.title = d->chart_title;
    c.desc = d->chart_desc;
    c.value_label = d->metric_label;
    c.diverging = d->diverging;
    bars_emit(r, &b, n, &c, d->caption);
    bars_free(&b);
    iv_table_free(t);
    return CLI_OK;
}

/* ------------------------------------------------------------------ year on year */

/* Whether a rise of a metric is good (+1), bad (-1) or neither (0), and whether its
 * change is read in points (scores and shares) rather than relative. */
static const struct {
    const char *name;
    int good, points;
    double scale; /* points: the change times this (shares: 100) */
} yoy_kind[] = {
    {"n", 0, 0, 1},          {"contacts", 1, 0, 1},        {"cost", -1, 0, 1},
    {"value", 1, 0, 1},      {"cpt", -1, 0, 1},            {"iv", 1, 0, 1},
    {"rv", 1, 0, 1},         {"rv_per_interaction", 1, 0, 1}, {"cost_per_rv", -1, 0, 1},
    {"rv_forward", 1, 0, 1}, {"rv_backward", -1, 0, 1},    {"nps", 1, 1, 1},
    {"csat", 1, 1, 1},       {"ces_easy", 1, 1, 1},        {"desired_rate", 1, 1, 100},
};

static int year_on_year(report *r)
{
    static const char *const yoy_cols[] = {"metric", "value", "previous", NULL};
    static const char *const show[] = {"metric", "value", "previous", "change", "relative_change", NULL};
    iv_query_options q;
    iv_table *t = NULL;
    size_t n, i, k, np = 0, nr = 0;
    bar_data pts, rel;
    int good_p[16], good_r[16];
    char a[40], b[40], c0[40], intro[600];
    int rc;
    long col[3];
    svg_bars c;

    fmt_day(r->cur_from, a, sizeof a);
    fmt_day(r->cur_to, b, sizeof b);
    fmt_day(r->prev_from, c0, sizeof c0);
    if (!r->have_prev) {
        html_section(r->f, "yoy", "Year on year", NULL);
        html_p(r->f, "missing", "The data covers less than two years: there is no previous "
                                "year to compare with.");
        html_section_end(r->f);
        r->sections++;
        return CLI_OK;
    }
    snprintf(intro, sizeof intro,
             "The last twelve whole months of the data, [%s, %s), against the twelve months "
             "before, [%s, %s). Scores (NPS, CSAT, CES easy, desired outcomes) change in "
             "points; money and counts change relative to the previous value. Blue marks a "
             "change for the better, vermillion for the worse (a falling cost per RV unit is "
             "good), grey a change that is neither.", a, b, c0, a);
    query_init(r, &q, NULL);
    q.from = r->cur_from;
    q.to = r->cur_to;
    if ((rc = iv_query_compare(&t, r->store, &q, r->prev_from, r->prev_to)) != IV_OK)
        return fail(r, "year on year", rc);
    n = iv_table_nrows(t);
    if ((rc = columns(r, t, "year on year", yoy_cols, col)) != CLI_OK ||
        (rc = bars_alloc(r, &pts, 16)) != CLI_OK) {
        iv_table_free(t);
        return rc;
    }
    if ((rc = bars_alloc(r, &rel, 16)) != CLI_OK) {
        bars_free(&pts);
        iv_table_free(t);
        return rc;
    }
    for (i = 0; i < n; i++) {
        const char *m = iv_table_get_string(t, i, (size_t)col[0]);
        double v = iv_table_get_double(t, i, (size_t)col[1]), pv = iv_table_get_double(t, i, (size_t)col[2]);
        for (k = 0; m && k < sizeof yoy_kind / sizeof yoy_kind[0]; k++) {
            bar_data *d;
            char x[32], y[32];
            size_t j;
            int *g;
            if (strcmp(yoy_kind[k].name, m) != 0)
                continue;
            d = yoy_kind[k].points ? &pts : &rel;
            j = yoy_kind[k].points ? np++ : nr++;
            g = yoy_kind[k].points ? good_p : good_r;
            d->labels[j] = html_label(m) ? html_label(m) : m;
            d->vals[j] = yoy_kind[k].points ? (v - pv) * yoy_kind[k].scale : cell(t, i, "relative_change");
            /* the colour: good or bad by the metric's direction and the change's sign */
            g[j] = !isfinite(d->vals[j]) || d->vals[j] == 0 ? 0 : d->vals[j] > 0 ? yoy_kind[k].good
                                                                                : -yoy_kind[k].good;
            svg_value_label(x, sizeof x, v * (yoy_kind[k].points ? yoy_kind[k].scale : 1),
                            0);
            svg_value_label(y, sizeof y, pv * (yoy_kind[k].points ? yoy_kind[k].scale : 1), 0);
            snprintf(d->nbuf[j], sizeof d->nbuf[j], "%s (was %s)%s", x, y,
                     g[j] > 0 ? ", better" : g[j] < 0 ? ", worse" : "");
            d->notes[j] = d->nbuf[j];
        }
    }
    html_section(r->f, "yoy", "Year on year", intro);
    memset(&c, 0, sizeof c);
    c.id = "yoy_points";
    c.title = "Scores: change in points, last twelve months against the twelve before";
    c.desc = "Horizontal bars, one per score: the change in points (NPS in points, CSAT, CES "
             "easy and desired outcomes in percentage points). Blue bars are changes for the "
             "better, vermillion for the worse; each bar is followed by the current and the "
             "previous value and the words better or worse.";
    c.value_label = "change in points";
    c.diverging = 1;
    c.good = good_p;
    c.n = np;
    c.labels = pts.labels;
    c.values = pts.vals;
    c.notes = pts.notes;
    html_figure_begin(r->f);
    svg_bar_chart(r->f, &c);
    html_figure_end(r->f, "A score of 10.3 rising to 11.8 is +1.5 points, not +15%.");
    r->charts++;
    memset(&c, 0, sizeof c);
    c.id = "yoy_relative";
    c.title = "Money and counts: relative change, last twelve months against the twelve before";
    c.desc = "Horizontal bars, one per metric: the relative change (value minus previous, over "
             "the previous value). Blue bars are changes for the better (more value, less cost "
             "per RV unit), vermillion for the worse, grey neither (the number of interactions); "
             "each bar is followed by the current and the previous value.";
    c.value_label = "relative change (value \xe2\x88\x92 previous) / |previous|";
    c.diverging = 1;
    c.percent = 1;
    c.good = good_r;
    c.n = nr;
    c.labels = rel.labels;
    c.values = rel.vals;
    c.notes = rel.notes;
    html_figure_begin(r->f);
    svg_bar_chart(r->f, &c);
    html_figure_end(r->f, "Hover a bar for its value; the table below gives every metric.");
    r->charts++;
    html_table(r->f, t, "Period on period, per metric", show, pct_cols);
    html_section_end(r->f);
    r->sections++;
    bars_free(&pts);
    bars_free(&rel);
    iv_table_free(t);
    return CLI_OK;
}

/* ------------------------------------------------------------------ trends */

/* Monthly lines of interactions, cost, IV, RV per interaction and NPS with its 95%
 * interval (iv metrics --by month). */
static int trends(report *r)
{
    static const struct {
        const char *col, *title, *y, *desc;
    } lines[] = {
        {"n", "Interactions per month", "interactions", "A line with a point per month: the number of interactions."},
        {"cost", "Cost per month", "cost", "A line with a point per month: the total cost of the interactions."},
        {"iv", "Interaction Value per month", "IV (quality per unit cost)",
         "A line with a point per month: the Interaction Value, quality-weighted responses per unit of cost."},
        {"rv_per_interaction", "RV units per interaction, per month", "RV per interaction",
         "A line with a point per month: the RV units gained per interaction."},
    };
    iv_query_options q;
    iv_table *t = NULL;
    const char **xl = NULL;
    double *v = NULL;
    size_t n, i, j;
    int rc;
    svg_lines c;

    query_init(r, &q, "month");
    if ((rc = iv_query_metrics(&t, r->store, &q)) != IV_OK)
        return fail(r, "trends", rc);
    n = iv_table_nrows(t);
    xl = calloc(n + 1, sizeof *xl);
    v = calloc(3 * (n + 1), sizeof *v);
    if (!xl || !v) {
        free(xl);
        free(v);
        iv_table_free(t);
        return cli_fail(r->cmd, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const char *k = iv_table_get_string(t, i, 0);
        xl[i] = k ? k : "(none)";
    }
    html_section(r->f, "trends", "Trends by month",
                 "The selected interactions month by month (UTC calendar months): volume, cost, "
                 "Interaction Value, RV units per interaction and NPS with its 95% interval. "
                 "The last month may be incomplete.");
    for (j = 0; j < sizeof lines / sizeof lines[0]; j++) {
        char id[32];
        for (i = 0; i < n; i++)
            v[i] = cell(t, i, lines[j].col);
        memset(&c, 0, sizeof c);
        snprintf(id, sizeof id, "trend_%s", lines[j].col);
        c.id = id;
        c.title = lines[j].title;
        c.desc = lines[j].desc;
        c.y_label = lines[j].y;
        c.n = n;
        c.nseries = 1;
        c.x_labels = xl;
        c.series[0] = v;
        c.names[0] = html_label(lines[j].col);
        html_figure_begin(r->f);
        svg_line_chart(r->f, &c);
        html_figure_end(r->f, NULL);
        r->charts++;
    }
    for (i = 0; i < n; i++) {
        v[i] = cell(t, i, "nps");
        v[n + 1 + i] = cell(t, i, "nps_ci_low");
        v[2 * (n + 1) + i] = cell(t, i, "nps_ci_high");
    }
    memset(&c, 0, sizeof c);
    c.id = "trend_nps";
    c.title = "NPS per month with its 95% interval";
    c.desc = "A line with a point per month: the NPS in points, inside a shaded band from "
             "nps_ci_low to nps_ci_high (the NPS plus or minus 1.96 standard errors, clamped to "
             "the scale). Months without an nps answer leave a gap.";
    c.y_label = "NPS (points)";
    c.n = n;
    c.nseries = 1;
    c.x_labels = xl;
    c.series[0] = v;
    c.names[0] = "NPS";
    c.band_lo = v + n + 1;
    c.band_hi = v + 2 * (n + 1);
    c.band_name = "95% interval";
    html_figure_begin(r->f);
    svg_line_chart(r->f, &c);
    html_figure_end(r->f, "A wide band means few answers that month: read a change of NPS "
                          "against the band, not the line alone.");
    r->charts++;
    html_section_end(r->f);
    r->sections++;
    free(xl);
    free(v);
    iv_table_free(t);
    return CLI_OK;
}

/* ------------------------------------------------------------------ churn and lifecycle */

/* Churn and retention month by month (iv churn / iv retention --every month) and the
 * lifecycle of the contacts (iv lifecycle --period month). */
static int churn_lifecycle(report *r)
{
    static const char *const lc_names[4] = {"new", "returning", "resurrecting", "dormant"};
    iv_query_options q;
    iv_lifecycle_options lo;
    iv_table *ch = NULL, *re = NULL, *lt = NULL;
    const char **xl = NULL;
    double *v = NULL;
    size_t n, i, j, m;
    int rc;
    svg_lines c;

    query_init(r, &q, NULL);
    iv_lifecycle_options_init(&lo, sizeof lo);
    lo.every = IV_EVERY_MONTH;
    if ((rc = iv_lifecycle_churn(&ch, r->store, &q, &lo)) != IV_OK ||
        (rc = iv_lifecycle_retention(&re, r->store, &q, &lo)) != IV_OK) {
        iv_table_free(ch);
        return fail(r, "churn series", rc);
    }
    iv_lifecycle_options_init(&lo, sizeof lo);
    lo.period = IV_PERIOD_MONTH;
    if ((rc = iv_lifecycle_lifecycle(&lt, r->store, &q, &lo)) != IV_OK) {
        iv_table_free(ch);
        iv_table_free(re);
        return fail(r, "lifecycle", rc);
    }
    n = iv_table_nrows(ch);
    m = iv_table_nrows(lt);
    xl = calloc(n + m + 2, sizeof *xl);
    v = calloc(4 * (n + m + 2), sizeof *v);
    if (!xl || !v) {
        free(xl);
        free(v);
        iv_table_free(ch);
        iv_table_free(re);
        iv_table_free(lt);
        return cli_fail(r->cmd, "out of memory");
    }
    for (i = 0; i < n; i++) {
        xl[i] = iv_table_get_string(ch, i, 0);
        v[i] = cell(ch, i, "churn");
        v[n + i] = i < iv_table_nrows(re) ? cell(re, i, "retention") : NAN;
    }
    html_section(r->f, "churn", "Churn and retention over time",
                 "Month by month (doc/LIFECYCLE.md): churn is the share of the contacts active "
                 "at the start of the month who are no longer active at its end; retention is "
                 "(active at the end \xe2\x88\x92 new in the month) / active at the start. Active: "
                 "an interaction within the model's activity window (90 days by default) and "
                 "the latest one not a churn event.");
    memset(&c, 0, sizeof c);
    c.id = "churn_series";
    c.title = "Churn and retention per month";
    c.desc = "Two lines with a point per month: churn (solid blue) and retention (dashed "
             "vermillion), in percent. A month with nobody active at its start leaves a gap.";
    c.y_label = "share of the contacts active at the start";
    c.n = n;
    c.nseries = 2;
    c.x_labels = xl;
    c.series[0] = v;
    c.series[1] = v + n;
    c.names[0] = "churn";
    c.names[1] = "retention";
    c.percent = 1;
    html_figure_begin(r->f);
    svg_line_chart(r->f, &c);
    html_figure_end(r->f, "Retention can exceed 1 \xe2\x88\x92 churn: contacts who were "
                          "inactive at the start and came back count in it.");
    r->charts++;
    html_section_end(r->f);
    r->sections++;

    for (i = 0; i < m; i++) {
        xl[i] = iv_table_get_string(lt, i, 0);
        for (j = 0; j < 4; j++)
            v[j * (m + 1) + i] = cell(lt, i, lc_names[j]);
    }
    html_section(r->f, "lifecycle", "Lifecycle",
                 "Per month, as PostHog's lifecycle: new contacts (first interaction ever), "
                 "returning (active this month and the previous one), resurrecting (active "
                 "again after at least one month away) and dormant (active the previous month, "
                 "not this one; counted negative). Growth is healthy when new and resurrecting "
                 "outweigh dormant.");
    memset(&c, 0, sizeof c);
    c.id = "lifecycle";
    c.title = "New, returning, resurrecting and dormant contacts per month";
    c.desc = "Four lines with a point per month: new (solid blue), returning (dashed "
             "vermillion), resurrecting (solid green) and dormant (dotted orange, below zero).";
    c.y_label = "contacts";
    c.n = m;
    c.nseries = 4;
    c.x_labels = xl;
    for (j = 0; j < 4; j++) {
        c.series[j] = v + j * (m + 1);
        c.names[j] = lc_names[j];
    }
    html_figure_begin(r->f);
    svg_line_chart(r->f, &c);
    html_figure_end(r->f, NULL);
    r->charts++;
    html_table(r->f, lt, "Lifecycle per month (iv lifecycle --period month)", NULL, NULL);
    html_section_end(r->f);
    r->sections++;
    free(xl);
    free(v);
    iv_table_free(ch);
    iv_table_free(re);
    iv_table_free(lt);
    return CLI_OK;
}

/* ------------------------------------------------------------------ RV trajectory */

/* Copy column `name` of a per-bucket table (one row per bucket) into out[0..k-1]. */
static void bucket_column(const iv_table *t, const char *name, size_t k, double *out)
{
    size_t b;
    for (b = 0; b < k; b++)
        out[b] = b < iv_table_nrows(t) ? cell(t, b, name) : NAN;
}

/* The default contact: among the contacts observed for all K buckets, the one whose
 * trajectory is nearest the norm's median curve (the least sum over the buckets of
 * |x_b - median_b| / (p75_b - p25_b), each bucket in units of its spread; ties: the first
 * by contact id) -- a typical contact, not one the robust z flags as an anomaly. */
static const char *typical_contact(const iv_table *tt, const double *traj, const iv_table *norm,
                                   size_t k)
{
    double best = INFINITY;
    const char *pick = NULL;
    long cc = iv_table_col_index(tt, "contact");
    size_t i, b, n = iv_table_nrows(tt);
    double *med = malloc(2 * (k ? k : 1) * sizeof *med), *iqr = med + k;
    if (cc < 0 || !med) {
        free(med);
        return NULL;
    }
    for (b = 0; b < k; b++) {
        med[b] = cell(norm, b, "median");
        iqr[b] = cell(norm, b, "p75") - cell(norm, b, "p25");
    }
    for (i = 0; i < n; i++) {
        double d = 0;
        for (b = 0; b < k && isfinite(d); b++)
            d += fabs(traj[i * k + b] - med[b]) / (iqr[b] > 0 ? iqr[b] : 1);
        if (isfinite(d) && d < best) {
            best = d;
            pick = iv_table_get_string(tt, i, (size_t)cc);
        }
    }
    free(med);
    return pick;
}

/* Room for a large block written once from start to end (free with free; NULL when out of
 * memory). Blocks of 4 MiB or more ask for transparent huge pages, as the library's own
 * allocator does (src/util/core.c): in a VM each first write to a 4 KiB page costs a
 * fault, and the 101,000 x 26 trajectories of a 2.4M-row log (21 MB) took 5,128 of them,
 * ~0.09 s of the section's CPU, against 21 with huge pages (doc/PERFORMANCE.md). */
static void *big_alloc(size_t bytes)
{
#if defined(MADV_HUGEPAGE)
    enum { HUGE_PAGE = 2 << 20 };
    void *p = NULL;
    if (bytes >= 2 * (size_t)HUGE_PAGE) {
        if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
            return NULL;
        (void)madvise(p, bytes & ~(size_t)4095, MADV_HUGEPAGE); /* only the backing changes */
        return p;
    }
#endif
    return malloc(bytes);
}

/* The trajectories of tt (columns b1..bK) as an n x k row-major matrix, NaN where
 * unobserved (big_alloc'd; NULL when out of memory). */
static double *traj_matrix(const iv_table *tt, size_t k)
{
    size_t n = iv_table_nrows(tt), i, b;
    double *m = big_alloc((n ? n : 1) * (k ? k : 1) * sizeof *m);
    if (!m)
        return NULL;
    for (b = 0; b < k; b++) {
        char name[32];
        long cb;
        snprintf(name, sizeof name, "b%zu", b + 1);
        cb = iv_table_col_index(tt, name);
        for (i = 0; i < n; i++)
            m[i * k + b] = cb < 0 ? NAN : iv_table_get_double(tt, i, (size_t)cb);
    }
    return m;
}

/* The row of CONTACT in tt, or -1. */
static long traj_row_of(const iv_table *tt, const char *contact)
{
    long cc = iv_table_col_index(tt, "contact");
    size_t i, n = iv_table_nrows(tt);
    for (i = 0; cc >= 0 && i < n; i++) {
        const char *id = iv_table_get_string(tt, i, (size_t)cc);
        if (id && strcmp(id, contact) == 0)
            return (long)i;
    }
    return -1;
}

/* doc/PATTERN.md through the pattern API: age-aligned trajectories (cumulative RV at the end of
 * each 7-day bucket since the contact's first interaction; a bucket ending after the
 * reference time is unobserved), the norm of every selected contact, and one contact
 * against it (robust z). */
static int trajectory(report *r)
{
    static const char *const band_cols[5] = {"p10", "p25", "median", "p75", "p90"};
    static const char *const vs_cols[] = {"buckets", "mean_z", "max_abs_z", "anomaly",
                                          "latest_bucket", "value", "percentile", NULL};
    static const char *const vs_pct[] = {"percentile", NULL};
    iv_query_options q;
    iv_pattern_store_options po;
    iv_table *tt = NULL, *norm = NULL, *vs = NULL, *pb = NULL;
    double *band = NULL, *traj = NULL;
    long row;
    const char *contact;
    size_t j, k = r->buckets, n;
    int rc;
    char intro[640], label[96], desc[512];
    svg_band c;

    query_init(r, &q, NULL);
    iv_pattern_store_options_init(&po, sizeof po);
    po.buckets = k;
    /* The trajectories once: the norm (iv_pattern_norm_of is iv_pattern_norm of the same
     * trajectories) and the contact's row against it come from this table. */
    if ((rc = iv_pattern_trajectories(&tt, r->store, &q, &po)) != IV_OK) {
        rc = fail(r, "trajectories", rc);
        goto out;
    }
    n = iv_table_nrows(tt);
    if (!(traj = traj_matrix(tt, k))) {
        rc = cli_fail(r->cmd, "out of memory");
        goto out;
    }
    if ((rc = iv_pattern_norm(&norm, traj, n, k, NULL)) != IV_OK) {
        rc = fail(r, "trajectories", rc);
        goto out;
    }
    contact = r->contact ? r->contact : typical_contact(tt, traj, norm, k);
    html_section(r->f, "trajectory", "RV trajectory against the norm", NULL);
    /* Without --where the contact's own trajectory (every interaction of it) is its row
     * of tt, and iv_pattern_contact_vs_norm is iv_pattern_vs_norm of that row against the
     * trajectories; with --where, or a contact not in tt, the library's call says it. */
    if (contact && !r->where && (row = traj_row_of(tt, contact)) >= 0) {
        if (!(band = malloc(7 * k * sizeof *band))) {
            rc = cli_fail(r->cmd, "out of memory");
            goto out;
        }
        rc = iv_pattern_vs_norm(&vs, band + 6 * k, traj + (size_t)row * k, traj, n, k, NULL);
        if (rc == IV_OK) {
            for (j = 0; j < 5; j++)
                bucket_column(norm, band_cols[j], k, band + j * k);
            memcpy(band + 5 * k, traj + (size_t)row * k, k * sizeof *band);
        }
    } else {
        rc = contact ? iv_pattern_contact_vs_norm(&vs, &pb, r->store, contact, &q, &po)
                     : IV_EUNDEFINED;
    }
    if (rc == IV_ENOTFOUND || rc == IV_EUNDEFINED) {
        html_p(r->f, "missing", r->contact ? "The contact given with --contact has no selected "
                                             "interaction."
                                           : "No contact has been observed for all the buckets.");
        goto done;
    }
    if (rc != IV_OK) {
        rc = fail(r, "contact against the norm", rc);
        goto out;
    }
    if (!band) {
        if (!(band = malloc(7 * k * sizeof *band))) {
            rc = cli_fail(r->cmd, "out of memory");
            goto out;
        }
        for (j = 0; j < 5; j++)
            bucket_column(pb, band_cols[j], k, band + j * k);
        bucket_column(pb, "value", k, band + 5 * k);
    }
    snprintf(intro, sizeof intro,
             "Cumulative RV units of contact %s at the end of each 7-day bucket since its first "
             "interaction (doc/PATTERN.md, age alignment, %zu buckets), against the norm of all %zu "
             "selected contacts: per bucket the median, the p25 to p75 band and the p10 to p90 "
             "band over the contacts observed there. A bucket that ends after the last "
             "timestamp is not observed yet (censored), never 0.", contact, k, n);
    html_p(r->f, NULL, intro);
    snprintf(label, sizeof label, "contact %s", contact);
    snprintf(desc, sizeof desc,
             "Line chart over %zu weekly buckets. Shaded bands show the p10 to p90 and p25 to "
             "p75 ranges of cumulative RV across %zu contacts, a dashed line their median, and "
             "a solid line with dots the cumulative RV of contact %s.", k, n, contact);
    memset(&c, 0, sizeof c);
    c.id = "trajectory";
    c.title = "Cumulative RV since the first interaction";
    c.desc = desc;
    c.x_label = "weeks since the contact's first interaction (bucket of 7 days)";
    c.y_label = "cumulative RV units";
    c.k = k;
    c.p10 = band;
    c.p25 = band + k;
    c.median = band + 2 * k;
    c.p75 = band + 3 * k;
    c.p90 = band + 4 * k;
    c.series = band + 5 * k;
    c.series_label = label;
    html_figure_begin(r->f);
    svg_band_chart(r->f, &c);
    html_figure_end(r->f, r->contact ? NULL
                                     : "The contact shown is, among those observed for all the "
                                       "buckets, the one whose trajectory stays nearest the norm's "
                                       "median (each bucket measured in its p25-p75 spread): a "
                                       "typical contact; choose another with --contact ID.");
    r->charts++;
    html_table(r->f, vs,
               "The contact against the norm: robust z = (x \xe2\x88\x92 median) / (1.4826 MAD) "
               "per bucket; anomaly when max |z| > 3.5 (Iglewicz & Hoaglin); percentile at its "
               "latest observed bucket", vs_cols, vs_pct);
done:
    rc = CLI_OK;
    html_section_end(r->f);
    r->sections++;
out:
    free(band);
    free(traj);
    iv_table_free(tt);
    iv_table_free(norm);
    iv_table_free(vs);
    iv_table_free(pb);
    return rc;
}

/* ------------------------------------------------------------------ funnel */

static int funnel(report *r)
{
    static const char *const cols[] = {"step", "types", "contacts", "from_previous",
                                       "from_first", "dropoff", "median_seconds_from_previous",
                                       "seconds_from_previous_p25", "seconds_from_previous_p75",
                                       "seconds_from_previous_p90", NULL};
    static const char *const pct[] = {"from_previous", "from_first", "dropoff", NULL};
    iv_query_options q;
    iv_lifecycle_options lo;
    iv_table *t = NULL;
    size_t n, i, steps = 0;
    long col[10];
    bar_data b;
    char intro[700], support[300], win[32];
    int rc;
    svg_bars c;

    query_init(r, &q, NULL);
    iv_lifecycle_options_init(&lo, sizeof lo);
    lo.steps = r->steps;
    lo.window = r->window;
    if ((rc = iv_lifecycle_funnel(&t, r->store, &q, &lo)) != IV_OK)
        return fail(r, "funnel", rc);
    n = iv_table_nrows(t);
    if ((rc = columns(r, t, "funnel", cols, col)) != CLI_OK ||
        (rc = bars_alloc(r, &b, n)) != CLI_OK) {
        iv_table_free(t);
        return rc;
    }
    support[0] = '\0';
    for (i = 0; i < n; i++) {
        const char *step = iv_table_get_string(t, i, (size_t)col[0]);
        char x[32], y[32], m[32];
        double med;
        if (step && strcmp(step, "support_after") == 0) {
            svg_value_label(x, sizeof x, iv_table_get_double(t, i, (size_t)col[4]), 1);
            snprintf(support, sizeof support,
                     "Of the contacts who completed the funnel, %s (%lld) had a support "
                     "interaction within the window after completing: a completed flow that "
                     "sends people to support is not a good flow.", x,
                     (long long)iv_table_get_int(t, i, (size_t)col[2]));
            continue;
        }
        b.labels[steps] = iv_table_get_string(t, i, (size_t)col[1]);
        b.vals[steps] = iv_table_get_double(t, i, (size_t)col[2]);
        svg_value_label(x, sizeof x, iv_table_get_double(t, i, (size_t)col[3]), 1);
        svg_value_label(y, sizeof y, iv_table_get_double(t, i, (size_t)col[4]), 1);
        med = iv_table_get_double(t, i, (size_t)col[6]);
        html_duration(m, sizeof m, med);
        if (isfinite(med))
            snprintf(b.nbuf[steps], sizeof b.nbuf[steps],
                     "%s of previous, %s of first; median %s later", x, y, m);
        else
            snprintf(b.nbuf[steps], sizeof b.nbuf[steps], "%s of previous, %s of first", x, y);
        b.notes[steps] = b.nbuf[steps];
        steps++;
    }
    snprintf(win, sizeof win, "%g days", (double)r->window / (double)DAY_MS);
    snprintf(intro, sizeof intro,
             "Contacts reaching each step (doc/LIFECYCLE.md, ordered mode: steps in order, other "
             "interactions in between allowed) within %s of their first step-1 interaction; "
             "alternatives within a step are separated by |. Steps: %s.", win, r->steps);
    html_section(r->f, "funnel", "Funnel", intro);
    html_table(r->f, t, "Funnel per step", cols, pct);
    if (support[0])
        html_p(r->f, NULL, support);
    memset(&c, 0, sizeof c);
    c.id = "funnel";
    c.title = "Contacts reaching each funnel step";
    c.desc = "Horizontal bars, one per funnel step from the first at the top: the number of "
             "contacts reaching it, followed by the conversion from the previous step and from "
             "the first, and the median time since the previous step.";
    c.value_label = "contacts";
    bars_emit(r, &b, steps, &c, "Choose the steps with --steps and the window with --window.");
    bars_free(&b);
    iv_table_free(t);
    return CLI_OK;
}

/* ------------------------------------------------------------------ cohorts */

static int cohorts(report *r)
{
    iv_query_options q;
    iv_lifecycle_options lo;
    iv_table *t = NULL;
    size_t n, i, rows = 0, cols = 0;
    static const char *const cohort_cols[] = {"cohort", "contacts", "period", NULL};
    long col[3];
    double *cells = NULL;
    const char **rl = NULL, **cl = NULL;
    char (*rbuf)[48] = NULL, (*cbuf)[24] = NULL;
    int rc;
    svg_heat h;

    query_init(r, &q, NULL);
    iv_lifecycle_options_init(&lo, sizeof lo);
    lo.period = IV_PERIOD_MONTH;
    if ((rc = iv_lifecycle_cohorts(&t, r->store, &q, &lo)) != IV_OK)
        return fail(r, "cohorts", rc);
    n = iv_table_nrows(t);
    if ((rc = columns(r, t, "cohorts", cohort_cols, col)) != CLI_OK) {
        iv_table_free(t);
        return rc;
    }
    /* long form (cohort, period k) into a matrix: one row per cohort, in table order */
    for (i = 0; i < n; i++) {
        size_t k = (size_t)iv_table_get_int(t, i, (size_t)col[2]);
        if (k == 0)
            rows++;
        if (k + 1 > cols)
            cols = k + 1;
    }
    cells = malloc((rows * cols + 1) * sizeof *cells);
    rl = calloc(rows + 1, sizeof *rl);
    cl = calloc(cols + 1, sizeof *cl);
    rbuf = calloc(rows + 1, sizeof *rbuf);
    cbuf = calloc(cols + 1, sizeof *cbuf);
    if (!cells || !rl || !cl || !rbuf || !cbuf) {
        rc = cli_fail(r->cmd, "out of memory");
        goto out;
    }
    for (i = 0; i < rows * cols; i++)
        cells[i] = NAN;
    for (i = 0; i < cols; i++) {
        snprintf(cbuf[i], sizeof cbuf[i], "%zu", i);
        cl[i] = cbuf[i];
    }
    rows = 0;
    for (i = 0; i < n; i++) {
        size_t k = (size_t)iv_table_get_int(t, i, (size_t)col[2]);
        if (k == 0) {
            snprintf(rbuf[rows], sizeof rbuf[rows], "%s (%lld)",
                     iv_table_get_string(t, i, (size_t)col[0]),
                     (long long)iv_table_get_int(t, i, (size_t)col[1]));
            rl[rows] = rbuf[rows];
            rows++;
        }
        if (rows > 0)
            cells[(rows - 1) * cols + k] = cell(t, i, "rate");
    }
    html_section(r->f, "cohorts", "Cohort retention",
                 "Contacts grouped by the month of their first interaction (cohort size in "
                 "brackets); cell (c, k) is the share of cohort c with at least one interaction "
                 "in its k-th month after the cohort's own (doc/LIFECYCLE.md; k = 0 is 100%). Months "
                 "that end after the last timestamp are not observed yet: blank, never 0.");
    memset(&h, 0, sizeof h);
    h.id = "cohorts";
    h.title = "Monthly cohort retention";
    h.desc = "Heat map with one row per monthly cohort and one column per month since the "
             "cohort's first month; each cell holds the percentage of the cohort active in that "
             "month, darker for lower shares. Unobserved cells are light grey and empty.";
    h.x_label = "months since the cohort's first month (k)";
    h.y_label = "cohort (first interaction)";
    h.rows = rows;
    h.cols = cols;
    h.row_labels = rl;
    h.col_labels = cl;
    h.cells = cells;
    html_figure_begin(r->f);
    svg_heatmap(r->f, &h);
    html_figure_end(r->f, "The unbounded variant (active in month k or later) is in "
                          "iv cohorts --period month, column rate_unbounded.");
    html_section_end(r->f);
    r->sections++;
    r->charts++;
    rc = CLI_OK;
out:
    free(cells);
    free(rl);
    free(cl);
    free(rbuf);
    free(cbuf);
    iv_table_free(t);
    return rc;
}

/* ------------------------------------------------------------------ maturity */

static int assess(report *r, const iv_rubric *rubric, int64_t from, int64_t to, iv_table **out)
{
    iv_indicators *ind = NULL;
    int rc = iv_indicators_new(&ind, NULL);
    if (rc == IV_OK)
        rc = iv_indicators_from_store(ind, r->store, r->model, from, to);
    if (rc == IV_OK)
        rc = iv_maturity_assess(out, rubric, ind, NULL);
    iv_indicators_free(ind);
    return rc;
}

static int maturity(report *r)
{
    static const char *const cols[] = {"area", "score", "level", "staged_level", "coverage",
                                       "missing", "min", NULL};
    iv_rubric *rubric = NULL;
    iv_table *cur = NULL, *prev = NULL, *cmp = NULL;
    double vcur[8], vprev[8];
    const char *axes[8];
    const double *series[2];
    const char *slabels[2];
    char lcur[96], lprev[96], a[40], b[40], c0[40];
    size_t i, na = 0;
    int rc;
    svg_radar c;

    if ((rc = iv_rubric_new_default(&rubric, NULL)) != IV_OK)
        return fail(r, "maturity rubric", rc);
    rc = assess(r, rubric, r->cur_from, r->cur_to, &cur);
    if (rc == IV_OK && r->have_prev)
        rc = assess(r, rubric, r->prev_from, r->prev_to, &prev);
    if (rc == IV_OK && prev)
        rc = iv_maturity_compare(&cmp, cur, prev);
    if (rc != IV_OK) {
        rc = fail(r, "maturity", rc);
        goto out;
    }
    for (i = 0; i < iv_table_nrows(cur) && na < 8; i++) {
        const char *area = iv_table_get_string(cur, i, (size_t)iv_table_col_index(cur, "area"));
        if (!area || strcmp(area, "overall") == 0)
            continue;
        axes[na] = area;
        vcur[na] = cell(cur, i, "score");
        vprev[na] = prev ? cell(prev, i, "score") : NAN;
        na++;
    }
    fmt_day(r->cur_from, a, sizeof a);
    fmt_day(r->cur_to, b, sizeof b);
    fmt_day(r->prev_from, c0, sizeof c0);
    snprintf(lcur, sizeof lcur, "[%s, %s)", a, b);
    snprintf(lprev, sizeof lprev, "[%s, %s)", c0, a);
    html_section(r->f, "maturity", "Digital maturity",
                 "The eight areas scored 1 to 10 with the default rubric "
                 "(doc/MATURITY.md) from the indicators the data defines; indicators that "
                 "need a self-assessment or an external figure are missing until supplied "
                 "(iv maturity --indicators FILE). The overall row holds the mean of the area "
                 "scores and their minimum: one average alone hides a weak area.");
    html_table(r->f, cur, "Assessment of the last twelve months", cols, pct_cols);
    series[0] = vcur;
    slabels[0] = lcur;
    series[1] = vprev;
    slabels[1] = lprev;
    memset(&c, 0, sizeof c);
    c.id = "maturity";
    c.title = "Maturity profile over the eight areas (levels 1 to 10)";
    c.desc = "Radar chart with one axis per maturity area, scored from 0 at the centre to 10 "
             "at the rim. The filled blue polygon is the last twelve months, the dashed orange "
             "outline the twelve months before. Areas marked n/a have no observed indicator.";
    c.n = na;
    c.axes = axes;
    c.max = 10;
    c.ring_step = 2;
    c.nseries = prev ? 2 : 1;
    c.series = series;
    c.series_labels = slabels;
    html_figure_begin(r->f);
    svg_radar_chart(r->f, &c);
    html_figure_end(r->f, "Each axis label carries the current score.");
    r->charts++;
    if (cmp)
        html_table(r->f, cmp, "Year on year, per area", NULL, pct_cols);
    html_section_end(r->f);
    r->sections++;
out:
    iv_table_free(cur);
    iv_table_free(prev);
    iv_table_free(cmp);
    iv_rubric_free(rubric);
    return rc;
}

/* ------------------------------------------------------------------ glossary */

static void glossary(report *r)
{
    static const char *const defs[][3] = {
        {"n", "contacts", "interactions, distinct contacts"},
        {"cost", "value", "C = \xce\xa3 c_i (the row's cost, else the model's channel cost), "
                          "V = \xce\xa3 v_i"},
        {"cpt", NULL, "C / n: cost per transaction"},
        {"iv", NULL, "\xce\xa3 q_i / C: Interaction Value, quality-weighted responses per unit of "
                     "outlay (q = 1, 0.5, 0 for desired, neutral or missing, undesired)"},
        {"roi", NULL, "(V \xe2\x88\x92 C) / C"},
        {"desired_rate", NULL, "#desired / #(outcome given)"},
        {"rv", "rv_per_interaction", "U = \xce\xa3 u_i (RV units of the model), U / n"},
        {"cost_per_rv", NULL, "C / U when U > 0: Interaction Cost per RV Unit; undefined otherwise"},
        {"rv_forward", "rv_backward", "#(u_i > 0), #(u_i < 0): interactions that moved the "
                                      "relationship forward or back"},
        {"nps", "nps_se", "100 (P \xe2\x88\x92 D) / N over nps answers (P: 9-10, D: 0-6), in "
                          "points, with its standard error 100 sqrt((p + d \xe2\x88\x92 "
                          "(p \xe2\x88\x92 d)\xc2\xb2) / N)"},
        {"nps_ci_low", "nps_ci_high", "the 95% interval of the NPS: nps \xe2\x88\x93 1.959964 "
                                      "nps_se, clamped to [\xe2\x88\x92" "100, 100]"},
        {"csat", "csat_mean", "percent of csat answers 4 or 5 (of 5), and their mean"},
        {"ces", "ces_easy", "mean ces answer (1-7), and the percent 5 or more"},
        {"cost_assumed", NULL, "interactions whose cost came from the model"},
        {"churn", "retention", "per period [t0, t1): L / S and (E \xe2\x88\x92 N) / S, S and E "
                               "the contacts active at t0 and t1, L those of S not active at "
                               "t1, N the new ones active at t1"},
        {"new", "returning", "lifecycle: first interaction ever in the period; active in the "
                             "period and the one before"},
        {"resurrecting", "dormant", "lifecycle: active again after a period away; active in "
                                    "the previous period but not this one (negative)"}};
    size_t i, j;
    html_section(r->f, "glossary", "Metric definitions",
                 "As doc/METRICS.md and doc/LIFECYCLE.md state them, each with the name "
                 "scripts read (iv metrics --format json); a ratio whose denominator is 0 is "
                 "undefined (shown as \xe2\x80\x93), never 0 or infinity.");
    fputs("<dl class=\"glossary\">\n", r->f);
    for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        fputs("<dt>", r->f);
        for (j = 0; j < 2 && defs[i][j]; j++) {
            const char *label = html_label(defs[i][j]);
            if (j)
                fputs(", ", r->f);
            svg_escape(r->f, label ? label : defs[i][j]);
            fputs(" <code>", r->f);
            svg_escape(r->f, defs[i][j]);
            fputs("</code>", r->f);
        }
        fputs("</dt><dd>", r->f);
        svg_escape(r->f, defs[i][2]);
        fputs("</dd>\n", r->f);
    }
    fputs("</dl>\n", r->f);
    html_section_end(r->f);
    r->sections++;
}

/* ------------------------------------------------------------------ the page */

static const dim_section dims[] = {
    {"channel", "By channel",
     "Where the effort goes and what it buys: cost, Interaction Value and RV per channel.",
     "cost_per_rv", "cost per RV unit (C / U; lower is better)", 0,
     "Cost per RV unit by channel",
     "Horizontal bars, one per channel: the cost of one unit of relationship value, with the "
     "number of interactions after each bar.",
     "A channel with no RV gained (U \xe2\x89\xa4 0) has an undefined cost per RV unit."},
    {"stage", "By stage",
     "Acquisition, closing and retention (the row's stage, else the model's default for its "
     "type).",
     "rv", "RV units (\xce\xa3 u_i)", 1, "RV units gained per stage",
     "Horizontal bars, one per lifecycle stage: the total RV units, with the number of "
     "interactions after each bar.", NULL},
    {"team", "By team",
     "Reps, teams, territories and partners side by side (the Performance subsets of doc/METRICS.md §Contacts and subsets).",
     "nps", "NPS (points, \xe2\x88\x92" "100 to 100)", 1, "Net Promoter Score by team",
     "Horizontal bars, one per team: the NPS in points, positive to the right of zero in blue, "
     "negative to the left in vermillion, with the number of interactions after each bar.",
     "Teams with no nps answer have an undefined NPS."}};

/* The CLV section (report_clv.c) in its two parts: the fits to all purchases, then the
 * calibration against holdout when the first part says it follows. */
static void clv_in(const report *r, report_clv_in *ci)
{
    ci->f = r->f;
    ci->cmd = r->cmd;
    ci->store = r->store;
    ci->model = r->model;
    ci->where = r->where;
    ci->first = r->first;
    ci->last = r->last;
}

static int clv_section(report *r)
{
    report_clv_in ci;
    int rc;
    clv_in(r, &ci);
    if ((rc = report_clv_fits(&ci, &r->charts, &r->clv_holdout)) == CLI_OK)
        r->sections++;
    return rc;
}

static int clv_holdout_part(report *r)
{
    report_clv_in ci;
    if (!r->clv_holdout)
        return CLI_OK;
    clv_in(r, &ci);
    return report_clv_holdout(&ci, &r->charts);
}

/* ------------------------------------------------------------------ sections on threads */

/* The sections, in page order. Each reads the store and the report's settings only and
 * writes its own part of the page, so they may run at once. The overview comes first: on
 * one thread it checks --where before any other section runs; on several, the others
 * fail on a bad --where as it does, and only its message (the first in page order) is
 * printed. The CLV section is two jobs (whole, it takes nearly half the sections' CPU,
 * and one thread would run it while the other ran everything else): on several threads
 * the holdout part runs whether or not the first part will want it, and is left out of
 * the page, with its charts, warnings and error, when the first part ends the section
 * without it or fails. */
enum { SEC_OVERVIEW, SEC_DIM0, SEC_DIM1, SEC_DIM2, SEC_TRENDS, SEC_YOY, SEC_TRAJ, SEC_FUNNEL,
       SEC_COHORTS, SEC_CHURN, SEC_CLV, SEC_CLV_HOLDOUT, SEC_MATURITY, NSECTIONS };

/* The order in which threads take them: the overview and the first dimension (store-order
 * scans, ~0.045 s of CPU on a 2.4M-row log) while the CLV section's first call builds the
 * contact index (~0.03 s), which the trajectory, churn and cohort sections wait for (one
 * thread would otherwise sit idle through the build); then the costliest first (thread
 * CPU on that log: the CLV fits ~0.37 s, trajectory ~0.2-0.3 s, the CLV holdout ~0.14 s,
 * churn and lifecycle ~0.08 s, maturity ~0.1 s), the small ones last to even out the end. */
static const int sec_schedule[NSECTIONS] = {SEC_OVERVIEW, SEC_CLV, SEC_DIM0, SEC_TRAJ,
                                            SEC_CLV_HOLDOUT, SEC_CHURN, SEC_COHORTS, SEC_FUNNEL,
                                            SEC_MATURITY, SEC_DIM1, SEC_DIM2, SEC_TRENDS, SEC_YOY};

static int run_section(report *r, int s);

static const char *const sec_name[NSECTIONS] = {"overview", "dim0", "dim1", "dim2", "trends", "yoy",
                                                "trajectory", "funnel", "cohorts", "churn",
                                                "clv", "holdout", "maturity"};

/* run_section, with its thread CPU and wall span kept in *t when the times are wanted */
static int run_timed(report *r, int s, sec_time *t)
{
    double c0;
    int rc;
    if (!r->times)
        return run_section(r, s);
    t->start = clock_s(CLOCK_MONOTONIC) - r->t0;
    c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    rc = run_section(r, s);
    t->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    t->end = clock_s(CLOCK_MONOTONIC) - r->t0;
    return rc;
}

static void times_print(const sec_time *t)
{
    int s;
    double sum = 0;
    for (s = 0; s < NSECTIONS; s++) {
        fprintf(stderr, "iv report: time: %-10s cpu %.3f s, wall %.3f-%.3f s\n", sec_name[s],
                t[s].cpu, t[s].start, t[s].end);
        sum += t[s].cpu;
    }
    fprintf(stderr, "iv report: time: sections cpu %.3f s\n", sum);
}

static int run_section(report *r, int s)
{
    switch (s) {
    case SEC_OVERVIEW:
        return overview(r);
    case SEC_DIM0:
    case SEC_DIM1:
    case SEC_DIM2:
        return by_dimension(r, &dims[s - SEC_DIM0]);
    case SEC_TRENDS:
        return trends(r);
    case SEC_YOY:
        return year_on_year(r);
    case SEC_TRAJ:
        return trajectory(r);
    case SEC_FUNNEL:
        return funnel(r);
    case SEC_COHORTS:
        return cohorts(r);
    case SEC_CHURN:
        return churn_lifecycle(r);
    case SEC_CLV:
        return clv_section(r);
    case SEC_CLV_HOLDOUT:
        return clv_holdout_part(r);
    default:
        return maturity(r);
    }
}

/* Move the calling thread's warnings to the end of w and clear them. */
static void warn_take(warn_list *w)
{
    size_t k, n = iv_warning_count();
    for (k = 0; k < n && w->n <= WARN_MAX; k++) {
        const char *t = iv_warning_get(k);
        if (!t)
            continue;
        if (!(w->text[w->n] = strdup(t)))
            w->oom = 1;
        else
            w->n++;
    }
    iv_warning_clear();
}

static void warn_free(warn_list *w)
{
    size_t k;
    for (k = 0; k < w->n; k++)
        free(w->text[k]);
    w->n = 0;
}

/* Add the warnings of `from` to `to` as the library adds them on one thread: an identical
 * text once, at most WARN_MAX, then the line saying more were dropped (from's own such
 * line, which the library wrote when from overflowed, else the same words). */
static void warn_merge(warn_list *to, const warn_list *from)
{
    size_t k, j;
    for (k = 0; k < from->n; k++) {
        const char *t = from->text[k];
        int seen = 0;
        char buf[96];
        for (j = 0; j < to->n && !seen; j++)
            seen = strcmp(to->text[j], t) == 0;
        if (seen || to->n > WARN_MAX)
            continue;
        if (to->n == WARN_MAX && k < WARN_MAX) {
            snprintf(buf, sizeof buf, "more than %d warnings: the others were dropped", WARN_MAX);
            t = buf;
        }
        if (!(to->text[to->n] = strdup(t)))
            to->oom = 1;
        else
            to->n++;
    }
}

/* One section run on a worker: its HTML and its error messages go to buffers of its own,
 * and its counts start at 0 in its own copy of the report. */
typedef struct sec_job {
    report r;
    char *html, *err;
    size_t html_len, err_len;
    int rc, oom;
    warn_list warn; /* the library's warnings of the section (they are per thread) */
    sec_time time;
} sec_job;

typedef struct sec_pool {
    sec_job job[NSECTIONS];
    atomic_int next; /* index into sec_schedule of the next section to take */
} sec_pool;

static void sec_run(sec_job *j, int s)
{
    FILE *html = open_memstream(&j->html, &j->html_len);
    FILE *err = html ? open_memstream(&j->err, &j->err_len) : NULL;
    if (!html || !err) {
        if (html)
            fclose(html);
        j->rc = CLI_EFAIL;
        j->oom = 1;
        return;
    }
    j->r.f = html;
    cli_fail_to(err);
    iv_warning_clear();
    j->rc = run_timed(&j->r, s, &j->time);
    warn_take(&j->warn);
    cli_fail_to(NULL);
    j->r.f = NULL;
    /* a buffer that could not grow: its part of the page is incomplete */
    if (ferror(html) || ferror(err)) {
        j->oom = 1;
        if (j->rc == CLI_OK)
            j->rc = CLI_EFAIL;
    }
    if (fclose(html) != 0 || fclose(err) != 0) {
        j->oom = 1;
        if (j->rc == CLI_OK)
            j->rc = CLI_EFAIL;
    }
}

static void *sec_worker(void *arg)
{
    sec_pool *p = arg;
    int k;
    while ((k = atomic_fetch_add(&p->next, 1)) < NSECTIONS)
        sec_run(&p->job[sec_schedule[k]], sec_schedule[k]);
    return NULL;
}

/* The sections on up to THREADS threads (this one included), assembled in page order:
 * the page, the counts and the error are those of the serial run. On an error the page
 * holds the sections before it and the failing section's part, and only that section's
 * message is printed, as when they run one after another. */
static int sections_parallel(report *r, int threads)
{
    sec_pool *p = calloc(1, sizeof *p);
    pthread_t th[NSECTIONS];
    int started = 0, i, rc = CLI_OK;
    if (!p)
        return cli_fail(r->cmd, "out of memory");
    for (i = 0; i < NSECTIONS; i++) {
        p->job[i].r = *r;
        p->job[i].r.sections = p->job[i].r.charts = 0;
        memset(&p->job[i].r.warn, 0, sizeof p->job[i].r.warn);
    }
    p->job[SEC_CLV_HOLDOUT].r.clv_holdout = 1;
    atomic_init(&p->next, 0);
    /* the warnings so far (ingestion): this thread runs sections too */
    warn_take(&r->warn);
    if (threads > NSECTIONS)
        threads = NSECTIONS;
    while (started < threads - 1 && pthread_create(&th[started], NULL, sec_worker, p) == 0)
        started++;
    sec_worker(p);
    for (i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (r->times) {
        sec_time t[NSECTIONS];
        for (i = 0; i < NSECTIONS; i++)
            t[i] = p->job[i].time;
        times_print(t);
    }
    for (i = 0; i < NSECTIONS; i++) {
        sec_job *j = &p->job[i];
        if (i == SEC_CLV_HOLDOUT && !p->job[SEC_CLV].r.clv_holdout)
            continue;
        if (j->html_len)
            fwrite(j->html, 1, j->html_len, r->f);
        r->sections += j->r.sections;
        r->charts += j->r.charts;
        warn_merge(&r->warn, &j->warn);
        if (j->rc != CLI_OK) {
            if (j->oom)
                cli_fail(r->cmd, "out of memory");
            else if (j->err_len)
                fwrite(j->err, 1, j->err_len, stderr);
            rc = j->rc;
            break;
        }
    }
    for (i = 0; i < NSECTIONS; i++) {
        free(p->job[i].html);
        free(p->job[i].err);
        warn_free(&p->job[i].warn);
    }
    free(p);
    return rc;
}

static int write_report(report *r, int threads)
{
    int s, rc;
    sec_time t[NSECTIONS];
    html_begin(r->f, r->title);
    if (threads > 1) {
        if ((rc = sections_parallel(r, threads)) != CLI_OK)
            return rc;
    } else {
        memset(t, 0, sizeof t);
        for (s = 0; s < NSECTIONS; s++)
            if ((rc = run_timed(r, s, &t[s])) != CLI_OK)
                return rc;
        if (r->times)
            times_print(t);
    }
    if (r->times)
        fprintf(stderr, "iv report: time: sections done at %.3f s\n",
                clock_s(CLOCK_MONOTONIC) - r->t0);
    glossary(r);
    html_end(r->f);
    return CLI_OK;
}

/* The summary printed on stdout: output, bytes, sections, charts. */
static int print_summary(const report *r, const char *out, long bytes, int format)
{
    iv_table *t = NULL;
    int st;
    if (iv_table_new(&t, NULL, NULL) != IV_OK || iv_table_add_column(t, "output", IV_COL_STRING) < 0 ||
        iv_table_add_column(t, "bytes", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "sections", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "charts", IV_COL_INT) < 0 || iv_table_add_row(t) < 0 ||
        iv_table_set_string(t, 0, 0, out) != IV_OK || iv_table_set_int(t, 0, 1, bytes) != IV_OK ||
        iv_table_set_int(t, 0, 2, r->sections) != IV_OK ||
        iv_table_set_int(t, 0, 3, r->charts) != IV_OK || iv_table_set_single(t, 1) != IV_OK) {
        iv_table_free(t);
        return cli_fail(r->cmd, "out of memory");
    }
    st = cli_print(r->cmd, t, format);
    iv_table_free(t);
    return st;
}

static void help(void)
{
    printf("usage: %s\n\n"
           "Writes one self-contained HTML file (inline CSS and SVG, no script, no external\n"
           "resource): key figures; metric tables and charts by channel, stage and team;\n"
           "year-on-year deltas of every metric (the last twelve whole months of the data\n"
           "against the twelve before); the RV trajectory of one contact against the norm\n"
           "band of all contacts (p10-p90, p25-p75, median; 7-day buckets since each\n"
           "contact's first interaction); the digital-maturity radar over the eight areas\n"
           "with the default rubric, this year and last; funnel bars; the monthly cohort\n"
           "retention heat map; churn, retention and lifecycle by month; customer lifetime\n"
           "value: BG/NBD, MBG/NBD and Pareto/NBD fits of the purchases (weeks) with standard\n"
           "errors, the ten contacts of highest CLV over 52 weeks, and a fit on the first\n"
           "three quarters of the time range checked against the last quarter by calibration\n"
           "frequency (doc/GUIDE.md, The report).\n\n"
           "  INPUT            a CSV or JSON Lines log; default: the bundled sample\n"
           "  -o, --output F   the HTML file (default report.html; - for standard output)\n"
           "  --title TEXT     the page title\n"
           "  --contact ID     the contact of the trajectory chart (default: among the\n"
           "                   contacts observed for all K buckets, the one whose\n"
           "                   trajectory stays nearest the norm's median)\n"
           "  --buckets K      trajectory length in 7-day buckets (default 26)\n"
           "  --steps S        funnel steps separated by ',', alternative types within a\n"
           "                   step by '|' (default %s)\n"
           "  --window W       funnel window from the first step-1 interaction: 14d, 36h,\n"
           "                   2w (default 180d)\n"
           "  --where EXPR     report on a selection (the selection language of iv metrics)\n"
           "  --model FILE     scoring model (default: the built-in one)\n"
           "  --threads N      threads that read the log and make the page's sections\n"
           "                   (default: the cores); the page is the same for any N\n"
           "  --format F       how the summary line (output, bytes, sections, charts) is\n"
           "                   printed: table, csv or json\n",
           usage, default_steps);
}

int cli_cmd_report(int argc, char **argv)
{
    report r;
    cli_opts o;
    const char *input = NULL, *out = "report.html", *title = NULL, *v;
    char sbuf[4096], tbuf[512], tmp[4096];
    char *paths[1];
    iv_model *model = NULL;
    int i, bad = 0, st, direct = 0;
    long bytes = 0;
    struct stat ost;

    memset(&r, 0, sizeof r);
    r.cmd = "report";
    r.t0 = clock_s(CLOCK_MONOTONIC);
    r.times = times_wanted();
    r.buckets = 26;
    r.steps = default_steps;
    r.window = 180 * DAY_MS;
    cli_opts_init(&o);
    for (i = 1; i < argc; i++) {
        int c = cli_common_opt(r.cmd, argc, argv, &i, &o);
        if (c < 0)
            return CLI_EUSAGE;
        if (c)
            continue;
        if ((v = cli_value(r.cmd, argc, argv, &i, "--output", &bad)) ||
            (!bad && (v = cli_value(r.cmd, argc, argv, &i, "-o", &bad))))
            out = v;
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--title", &bad)))
            title = v;
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--contact", &bad)))
            r.contact = v;
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--where", &bad)))
            r.where = v;
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--steps", &bad)))
            r.steps = v;
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--window", &bad))) {
            if ((r.window = parse_window(v)) < 0)
                return cli_usage(r.cmd, usage, "--window takes a duration such as 14d, 36h or 2w");
        }
        else if (!bad && (v = cli_value(r.cmd, argc, argv, &i, "--buckets", &bad))) {
            unsigned long long k;
            if (cli_parse_count(v, 520, &k) || k < 2)
                return cli_usage(r.cmd, usage, "--buckets takes a whole number from 2 to 520");
            r.buckets = (size_t)k;
        } else if (bad) {
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help();
            return CLI_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage(r.cmd, usage, "unknown option '%s'", argv[i]);
        } else if (!input) {
            input = argv[i];
        } else {
            return cli_usage(r.cmd, usage, "one INPUT only (got '%s' too)", argv[i]);
        }
    }
    if (!input && !(input = sample_path(sbuf, sizeof sbuf)))
        return cli_fail(r.cmd, "no INPUT and the bundled sample (sample.csv) is not installed");
    if (!title) {
        const char *base = strrchr(input, '/');
        snprintf(tbuf, sizeof tbuf, "libiv report: %.400s", base ? base + 1 : input);
        title = tbuf;
    }
    paths[0] = (char *)input;
    if ((st = cli_check_output(r.cmd, "--output", out, paths, 1, o.model)) != CLI_OK)
        return st;
    if (o.model && (st = iv_model_load(&model, o.model, NULL)) != IV_OK)
        return cli_fail(r.cmd, "%s", iv_error_last());
    r.model = model;
    /* no section reads custom dimensions but those --where names, nor the ids (the
     * maturity rubric's technology.id_coverage needs only which rows have one, and the
     * store keeps that of a skipped id) */
    cli_skip_for(&o, NULL, r.where);
    if ((st = cli_load(r.cmd, &o, paths, 1, &r.store, NULL, NULL)) != CLI_OK)
        goto done;
    if (r.times)
        fprintf(stderr, "iv report: time: loaded at %.3f s\n", clock_s(CLOCK_MONOTONIC) - r.t0);
    if (iv_store_rows(r.store) == 0 ||
        iv_store_time_range(r.store, &r.first, &r.last) != IV_OK) {
        st = cli_fail(r.cmd, "%s: no interactions to report on", input);
        goto done;
    }
    if (month_after(r.last, 0, &r.cur_to) || month_after(r.last, 1, &r.cur_from) ||
        month_after(r.last, 2, &r.prev_from)) {
        st = cli_fail(r.cmd, "%s: timestamps out of range", input);
        goto done;
    }
    r.prev_to = r.cur_from;
    r.have_prev = r.first < r.cur_from;
    if (strcmp(out, "-") == 0) {
        r.f = stdout;
    } else if (stat(out, &ost) == 0 && !S_ISREG(ost.st_mode)) {
        /* a device or FIFO is written in place: a rename would replace the node */
        if (!(r.f = fopen(out, "wb"))) {
            st = cli_fail_errno(r.cmd, "cannot write", out);
            goto done;
        }
        direct = 1;
    } else {
        snprintf(tmp, sizeof tmp, "%s.tmp", out);
        if (!(r.f = fopen(tmp, "wb"))) {
            st = cli_fail_errno(r.cmd, "cannot write", tmp);
            goto done;
        }
        cli_tmp_guard(tmp); /* removed if a signal ends the tool while it is written */
    }
    r.input = input;
    r.title = title;
    st = write_report(&r, cli_threads(&o));
    if (direct) {
        if ((fflush(r.f) != 0 || ferror(r.f)) && st == CLI_OK)
            st = cli_fail_errno(r.cmd, "writing", out);
        if (fclose(r.f) != 0 && st == CLI_OK)
            st = cli_fail_errno(r.cmd, "writing", out);
    } else if (r.f != stdout) {
        /* written to OUT.tmp, renamed into place once complete */
        bytes = ftell(r.f);
        if ((fflush(r.f) != 0 || ferror(r.f)) && st == CLI_OK)
            st = cli_fail_errno(r.cmd, "writing", tmp);
        if (fclose(r.f) != 0 && st == CLI_OK)
            st = cli_fail_errno(r.cmd, "writing", tmp);
        if (st == CLI_OK && rename(tmp, out) != 0)
            st = cli_fail_errno(r.cmd, "cannot rename the report into", out);
        if (st != CLI_OK)
            remove(tmp);
        cli_tmp_guard(NULL);
        if (st == CLI_OK)
            st = print_summary(&r, out, bytes, o.format);
    } else if (fflush(stdout) != 0 && st == CLI_OK) {
        st = cli_fail_errno(r.cmd, "writing", "standard output");
    }
done:
    /* the warnings of sections run on other threads, where iv.c prints the rest */
    for (i = 0; i < (int)r.warn.n; i++)
        fprintf(stderr, "iv %s: warning: %s\n", r.cmd, r.warn.text[i]);
    if (r.warn.oom && st == CLI_OK)
        st = cli_fail(r.cmd, "out of memory");
    warn_free(&r.warn);
    iv_store_free(r.store);
    iv_model_free(model);
    return st;
}
