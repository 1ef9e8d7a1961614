/* Check suite for `iv report`: the SVG helpers (ticks, labels, escaping, colours) with
 * hand-computed values, and the built tool run on the bundled sample. The rendering in
 * Chromium and the XML parse of every chart are in tests/report_render.py. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../src/cli/fail.h"
#include "../src/cli/html.h"
#include "../src/cli/report_clv.h"
#include "../src/cli/svg.h"
#include "testutil.h"

/* Run a function that writes to a FILE and return what it wrote (malloc'd). */
#define CAPTURE(out, call)                                                                   \
    do {                                                                                     \
        size_t cap_len_ = 0;                                                                 \
        FILE *f = open_memstream(&(out), &cap_len_);                                         \
        ck_assert_ptr_nonnull(f);                                                            \
        call;                                                                                \
        ck_assert_int_eq(fclose(f), 0);                                                      \
    } while (0)

static int count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (; (hay = strstr(hay, needle)) != NULL; hay += len)
        n++;
    return n;
}

/* ------------------------------------------------------------------ ticks and labels */

/* Heckbert: range = nice(97, no round) = 100, step = nice(100/4 = 25, round) = 20,
 * ticks 0, 20, ..., 100. */
START_TEST(nice_ticks_cover_0_to_97_in_steps_of_20)
{
    svg_ticks t;
    ck_assert_int_eq(svg_nice_ticks(0, 97, 5, &t), 0);
    ck_assert(t.first == 0 && t.step == 20);
    ck_assert_int_eq(t.count, 6);
}
END_TEST

/* range = nice(35.03) = 50, step = nice(50/5 = 10) = 10, first = floor(-0.833)*10 = -10,
 * last = ceil(2.67)*10 = 30: -10, 0, 10, 20, 30. */
START_TEST(nice_ticks_span_a_range_across_zero)
{
    svg_ticks t;
    ck_assert_int_eq(svg_nice_ticks(-8.33, 26.7, 6, &t), 0);
    ck_assert(t.first == -10 && t.step == 10);
    ck_assert_int_eq(t.count, 5);
}
END_TEST

/* lo == hi = 5 is widened to [2.5, 7.5]: range nice(5) = 5, step nice(1.25) = 1,
 * ticks 2 ... 8. */
START_TEST(nice_ticks_widen_a_single_value)
{
    svg_ticks t;
    ck_assert_int_eq(svg_nice_ticks(5, 5, 5, &t), 0);
    ck_assert(t.first == 2 && t.step == 1);
    ck_assert_int_eq(t.count, 7);
    ck_assert_int_eq(svg_nice_ticks(NAN, 1, 5, &t), -1);
    ck_assert_int_eq(svg_nice_ticks(0, 1, 1, &t), -1);
}
END_TEST

START_TEST(tick_labels_use_the_decimals_of_the_step)
{
    char b[64];
    svg_tick_label(b, sizeof b, 0.1 + 0.05, 0.05);
    ck_assert_str_eq(b, "0.15");
    svg_tick_label(b, sizeof b, 0.2, 0.2);
    ck_assert_str_eq(b, "0.2");
    svg_tick_label(b, sizeof b, 300000, 100000);
    ck_assert_str_eq(b, "300,000");
    svg_tick_label(b, sizeof b, -10, 10);
    ck_assert_str_eq(b, "-10");
    svg_tick_label(b, sizeof b, 1e-17, 0.1); /* rounding noise at zero */
    ck_assert_str_eq(b, "0");
}
END_TEST

START_TEST(value_labels_keep_three_significant_digits)
{
    char b[64];
    svg_value_label(b, sizeof b, 0.0678675, 0);
    ck_assert_str_eq(b, "0.0679");
    svg_value_label(b, sizeof b, 12.3186, 0);
    ck_assert_str_eq(b, "12.3");
    svg_value_label(b, sizeof b, -0.576057, 0);
    ck_assert_str_eq(b, "-0.576");
    svg_value_label(b, sizeof b, 8, 0);
    ck_assert_str_eq(b, "8");
    svg_value_label(b, sizeof b, 215801.61, 0);
    ck_assert_str_eq(b, "215,802");
    svg_value_label(b, sizeof b, 1500, 0);
    ck_assert_str_eq(b, "1,500");
    svg_value_label(b, sizeof b, -1234567, 0);
    ck_assert_str_eq(b, "-1,234,567");
    svg_value_label(b, sizeof b, 0.716814, 1);
    ck_assert_str_eq(b, "71.7%");
    svg_value_label(b, sizeof b, 1e-5, 0);
    ck_assert_str_eq(b, "1e-05");
}
END_TEST

START_TEST(undefined_values_are_labelled_undefined_never_zero)
{
    char b[64];
    svg_value_label(b, sizeof b, NAN, 0);
    ck_assert_str_eq(b, "undefined");
    svg_value_label(b, sizeof b, NAN, 1);
    ck_assert_str_eq(b, "undefined");
}
END_TEST

START_TEST(escape_writes_the_xml_entities)
{
    char *s = NULL;
    CAPTURE(s, svg_escape(f, "a<b & \"c\" 'd'>\x01"));
    ck_assert_str_eq(s, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt; ");
    free(s);
}
END_TEST

/* ------------------------------------------------------------------ charts */

START_TEST(bar_chart_has_title_desc_and_no_bar_for_undefined)
{
    static const char *const labels[] = {"web", "a<b", "sms"};
    static const double values[] = {0.5, NAN, -0.25};
    svg_bars c;
    char *s = NULL;
    memset(&c, 0, sizeof c);
    c.id = "t1";
    c.title = "Title & more";
    c.desc = "Desc";
    c.value_label = "x";
    c.n = 3;
    c.labels = labels;
    c.values = values;
    c.diverging = 1;
    CAPTURE(s, svg_bar_chart(f, &c));
    ck_assert(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    ck_assert_ptr_nonnull(strstr(s, "<title id=\"t1-title\">Title &amp; more</title>"));
    ck_assert_ptr_nonnull(strstr(s, "<desc id=\"t1-desc\">Desc</desc>"));
    ck_assert_ptr_nonnull(strstr(s, ">a&lt;b</text>"));
    /* one blue bar (0.5), one vermillion bar (-0.25), none for NaN */
    ck_assert_int_eq(count(s, "fill=\"" SVG_BLUE "\""), 1);
    ck_assert_int_eq(count(s, "fill=\"" SVG_VERMILLION "\""), 1);
    ck_assert_int_eq(count(s, ">undefined</text>"), 2);
    ck_assert_ptr_nonnull(strstr(s, "</svg>\n"));
    free(s);
}
END_TEST

/* viridis(0) is the first stop #440154 (luminance 0.03: white text has the higher
 * contrast), viridis(1) the last #fde725 (luminance 0.79: black text). */
START_TEST(heatmap_picks_the_text_colour_with_the_higher_contrast)
{
    static const char *const rows[] = {"2024-01"};
    static const char *const cols[] = {"0", "1", "2"};
    static const double cells[] = {0.0, 1.0, NAN};
    svg_heat c;
    char *s = NULL;
    const char *p;
    memset(&c, 0, sizeof c);
    c.id = "h";
    c.title = "t";
    c.desc = "d";
    c.rows = 1;
    c.cols = 3;
    c.row_labels = rows;
    c.col_labels = cols;
    c.cells = cells;
    CAPTURE(s, svg_heatmap(f, &c));
    p = strstr(s, "fill=\"#440154\"");
    ck_assert_ptr_nonnull(p);
    p = strstr(p, "<text");
    ck_assert(strncmp(strstr(p, "fill="), "fill=\"#ffffff\"", 14) == 0);
    p = strstr(s, "fill=\"#fde725\"");
    ck_assert_ptr_nonnull(p);
    p = strstr(p, "<text");
    ck_assert(strncmp(strstr(p, "fill="), "fill=\"#000000\"", 14) == 0);
    /* the NaN cell: the unobserved grey, no percentage */
    ck_assert_int_eq(count(s, "fill=\"#f2f2f2\""), 2); /* the cell and the legend swatch */
    ck_assert_ptr_nonnull(strstr(s, ">not observed yet</text>"));
    free(s);
}
END_TEST

START_TEST(band_chart_shades_the_unobserved_tail)
{
    static const double p10[] = {0, 1, 2, NAN}, p25[] = {1, 2, 3, NAN}, med[] = {2, 3, 4, NAN},
                        p75[] = {3, 4, 5, NAN}, p90[] = {4, 5, 6, NAN}, x[] = {1, 5, NAN, NAN};
    svg_band c;
    char *s = NULL;
    memset(&c, 0, sizeof c);
    c.id = "b";
    c.title = "t";
    c.desc = "d";
    c.x_label = "weeks";
    c.y_label = "rv";
    c.k = 4;
    c.p10 = p10;
    c.p25 = p25;
    c.median = med;
    c.p75 = p75;
    c.p90 = p90;
    c.series = x;
    c.series_label = "contact X";
    CAPTURE(s, svg_band_chart(f, &c));
    ck_assert_ptr_nonnull(strstr(s, ">not yet observed</text>"));
    ck_assert_int_eq(count(s, "<circle"), 2 + 1); /* two observed points + the legend */
    ck_assert_int_eq(count(s, "fill-opacity=\"0.30\""), 2); /* outer band + its legend */
    free(s);
}
END_TEST

START_TEST(radar_marks_an_area_without_score)
{
    static const char *const axes[] = {"a", "b", "c", "d"};
    static const double cur[] = {5, NAN, 7, 10}, prev[] = {4, 4, 4, 4};
    const double *series[2];
    const char *labels[2] = {"now", "then"};
    svg_radar c;
    char *s = NULL;
    series[0] = cur;
    series[1] = prev;
    memset(&c, 0, sizeof c);
    c.id = "r";
    c.title = "t";
    c.desc = "d";
    c.n = 4;
    c.axes = axes;
    c.max = 10;
    c.ring_step = 2;
    c.nseries = 2;
    c.series = series;
    c.series_labels = labels;
    CAPTURE(s, svg_radar_chart(f, &c));
    ck_assert_ptr_nonnull(strstr(s, ">b (n/a)</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">d (10)</text>"));
    ck_assert_int_eq(count(s, "<polygon"), 5 + 2); /* rings 2..10 and two series */
    ck_assert_int_eq(count(s, "<circle"), 3 + 4 + 2); /* points + legend markers */
    free(s);
}
END_TEST

/* ------------------------------------------------------------------ the tool */

static char *html_out;       /* the report of the sample, made once */
static char *summary_out;    /* its --format json summary */

/* Run a shell command; returns its exit status, stdout in *out (malloc'd) if out. */
static int run(const char *cmd, char **out)
{
    char path[512], full[2048];
    int st;
    tu_temp_path(path, sizeof path, ".out");
    snprintf(full, sizeof full, "%s > '%s' 2>/dev/null", cmd, path);
    st = system(full);
    if (out)
        *out = tu_read_file(path, NULL);
    remove(path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *iv_path(void)
{
    static char buf[512];
    return tu_build_path(buf, sizeof buf, "src/cli/iv");
}

static void make_sample_report(void)
{
    char out[512], cmd[1200];
    if (html_out)
        return;
    tu_temp_path(out, sizeof out, ".html");
    /* no INPUT: the bundled sample */
    snprintf(cmd, sizeof cmd, "'%s' report -o '%s' --format json", iv_path(), out);
    ck_assert_int_eq(run(cmd, &summary_out), 0);
    html_out = tu_read_file(out, NULL);
    ck_assert_ptr_nonnull(html_out);
    remove(out);
}

START_TEST(report_of_the_sample_is_one_self_contained_page)
{
    const char *p;
    make_sample_report();
    ck_assert(strncmp(html_out, "<!DOCTYPE html>", 15) == 0);
    ck_assert_ptr_nonnull(strstr(html_out, "<title>libiv report: sample.csv</title>"));
    ck_assert_ptr_nonnull(strstr(html_out, "</html>\n"));
    /* no script, no external resource: the only URL is the SVG namespace name */
    ck_assert_ptr_null(strstr(html_out, "<script"));
    ck_assert_ptr_null(strstr(html_out, "<link"));
    ck_assert_ptr_null(strstr(html_out, "<img"));
    ck_assert_ptr_null(strstr(html_out, "src="));
    ck_assert_int_eq(count(html_out, "http"), count(html_out, "xmlns=\"http://www.w3.org/2000/svg\""));
    for (p = html_out; (p = strstr(p, "href=\"")) != NULL; p += 6)
        ck_assert_int_eq(p[6], '#');
    for (p = html_out; (p = strstr(p, "url(")) != NULL; p += 4)
        ck_assert_int_eq(p[4], '#');
}
END_TEST

START_TEST(report_has_every_section_and_a_titled_svg_per_chart)
{
    static const char *const ids[] = {"overview", "channel", "stage", "team", "trends", "yoy",
                                      "trajectory", "funnel", "cohorts", "churn", "lifecycle",
                                      "clv", "maturity", "glossary"};
    size_t i;
    int charts;
    const char *p;
    make_sample_report();
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "<section id=\"%s\">", ids[i]);
        ck_assert_msg(strstr(html_out, needle) != NULL, "missing section %s", ids[i]);
    }
    p = strstr(summary_out, "\"charts\":");
    ck_assert_ptr_nonnull(p);
    charts = atoi(p + 9);
    /* 3 dimensions, 5 monthly trends, yoy in points and relative, trajectory, funnel,
     * cohorts, churn/retention series, lifecycle, CLV top contacts and calibration against
     * holdout, radar */
    ck_assert_int_eq(charts, 18);
    ck_assert_ptr_nonnull(strstr(html_out, "id=\"clv_top-title\""));
    ck_assert_ptr_nonnull(strstr(html_out, "id=\"clv_holdout-title\""));
    ck_assert_ptr_nonnull(strstr(html_out, "<a href=\"#clv\">"));
    ck_assert_int_eq(count(html_out, "<svg "), charts);
    ck_assert_int_eq(count(html_out, "</svg>"), charts);
    ck_assert_int_eq(count(html_out, "role=\"img\""), charts);
    ck_assert_int_eq(count(html_out, "-title\">"), charts);
    ck_assert_int_eq(count(html_out, "<desc id="), charts);
    ck_assert_ptr_nonnull(strstr(summary_out, "\"sections\":"));
}
END_TEST

/* The report's year on year reads scores in points and colours by good or bad; no
 * duration is printed in raw seconds; the default contact is not an anomaly. */
START_TEST(report_reads_like_a_business_report)
{
    const char *p;
    make_sample_report();
    /* the NPS of the sample went from -10.3 to 11.8 (iv metrics with --from/--to): +22.1 points */
    ck_assert_ptr_nonnull(strstr(html_out, "Scores: change in points"));
    ck_assert_ptr_nonnull(strstr(html_out, "11.8 (was -10.3), better"));
    /* cost per RV unit fell: a change for the better */
    p = strstr(html_out, "(was 0.0677), better");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(strstr(html_out, "@media print"));
    ck_assert_ptr_nonnull(strstr(html_out, "<abbr title=\"cost_per_rv\">Cost per RV unit</abbr>"));
    ck_assert_ptr_null(strstr(html_out, "3,012,701"));
    ck_assert_ptr_null(strstr(html_out, "3\xe2\x80\x89" "012\xe2\x80\x89" "701"));
    ck_assert_ptr_nonnull(strstr(html_out, "34.9 d"));
    /* the typical contact's row: anomaly "no" */
    p = strstr(html_out, "The contact against the norm");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(strstr(p, "<td>no</td>"));
    ck_assert(strstr(p, "<td>no</td>") < strstr(p, "</table>"));
}
END_TEST

/* Independent check of the channel table: count the sample's rows per channel with a
 * plain scan of the CSV (the sample has no quoted fields; channel is the 3rd column). */
START_TEST(report_channel_table_matches_a_count_of_the_csv_rows)
{
    char path[512], needle[128], *csv, *line;
    long web = 0, sms = 0;
    make_sample_report();
    csv = tu_read_file(tu_source_path(path, sizeof path, "examples/data/sample.csv"), NULL);
    ck_assert_ptr_nonnull(csv);
    line = strchr(csv, '\n') + 1; /* skip the header */
    while (line && *line) {
        const char *c = strchr(line, ',');
        c = c ? strchr(c + 1, ',') : NULL;
        if (c && strncmp(c + 1, "web,", 4) == 0)
            web++;
        if (c && strncmp(c + 1, "sms,", 4) == 0)
            sms++;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    free(csv);
    ck_assert_int_gt(web, 999); /* the format below groups thousands */
    snprintf(needle, sizeof needle, "<td>web</td><td class=\"num\">%ld,%03ld</td>", web / 1000,
             web % 1000);
    ck_assert_msg(strstr(html_out, needle) != NULL, "no %s", needle);
    snprintf(needle, sizeof needle, "<td>sms</td><td class=\"num\">%ld</td>", sms);
    ck_assert_msg(strstr(html_out, needle) != NULL, "no %s", needle);
}
END_TEST

/* The sample covers 2023-01-01 .. 2024-12-31 (examples/data/README.md): the last twelve
 * whole months are 2024, the twelve before 2023. */
START_TEST(report_compares_the_last_twelve_months_with_the_twelve_before)
{
    make_sample_report();
    ck_assert_ptr_nonnull(strstr(html_out, "[2024-01-01, 2025-01-01), against the twelve "
                                           "months before, [2023-01-01, 2024-01-01)"));
}
END_TEST

/* Reference values: tests/ref/report_sample.py (csv + datetime over the sample, UTC month of
 * each contact's earliest interaction; contacts with any visit/open/click/download). */
START_TEST(report_cohort_sizes_and_funnel_entries_match_the_reference)
{
    make_sample_report();
    ck_assert_ptr_nonnull(strstr(html_out, ">2023-01 (37)</text>"));
    ck_assert_ptr_nonnull(strstr(html_out, ">2024-11 (92)</text>"));
    ck_assert_ptr_nonnull(strstr(html_out, ">2024-12 (128)</text>"));
    ck_assert_ptr_nonnull(strstr(html_out, "<td>1</td><td>visit|open|click|download</td>"
                                           "<td class=\"num\">1,488</td>"));
    /* k = 0 is 100% for every cohort: 24 monthly cohorts in 2023-2024 */
    ck_assert_int_ge(count(html_out, ">100</text>"), 24);
}
END_TEST

START_TEST(report_writes_to_stdout_and_follows_a_chosen_contact)
{
    char cmd[1200], path[512], *out = NULL;
    snprintf(cmd, sizeof cmd, "'%s' report '%s' -o - --contact C000001 --buckets 8", iv_path(),
             tu_source_path(path, sizeof path, "examples/data/sample.csv"));
    ck_assert_int_eq(run(cmd, &out), 0);
    ck_assert_ptr_nonnull(out);
    ck_assert(strncmp(out, "<!DOCTYPE html>", 15) == 0);
    ck_assert_ptr_nonnull(strstr(out, "contact C000001 at the end of each 7-day bucket"));
    ck_assert_ptr_nonnull(strstr(out, "8 buckets"));
    free(out);
}
END_TEST

/* IV_REPORT_TIMES=1: every phase and section timed on standard error, with one and two
 * threads, and the page the same bytes as without. */
START_TEST(report_times_go_to_stderr_and_leave_the_page_unchanged)
{
    static const char *const names[] = {"overview", "dim0", "dim1", "dim2", "trends", "yoy",
                                        "trajectory", "funnel", "cohorts", "churn", "clv",
                                        "holdout", "maturity", "loaded at",
                                        "sections done at"};
    char cmd[1600], out[512], err[512], *page, *times;
    size_t i;
    int t;
    make_sample_report();
    for (t = 1; t <= 2; t++) {
        tu_temp_path(out, sizeof out, ".html");
        tu_temp_path(err, sizeof err, ".err");
        snprintf(cmd, sizeof cmd, "(IV_REPORT_TIMES=1 '%s' report -o '%s' --threads %d 2>'%s')",
                 iv_path(), out, t, err);
        ck_assert_int_eq(run(cmd, NULL), 0);
        page = tu_read_file(out, NULL);
        times = tu_read_file(err, NULL);
        ck_assert_ptr_nonnull(page);
        ck_assert_ptr_nonnull(times);
        ck_assert_str_eq(page, html_out);
        for (i = 0; i < sizeof names / sizeof names[0]; i++) {
            char needle[64];
            snprintf(needle, sizeof needle, "time: %s", names[i]);
            ck_assert_msg(strstr(times, needle) != NULL, "threads %d: no '%s'", t, needle);
        }
        /* each section (the CLV section's holdout part a job of its own), then their sum */
        ck_assert_int_eq(count(times, " cpu "), 13 + 1);
        free(page);
        free(times);
        remove(out);
        remove(err);
    }
}
END_TEST

/* A log of 15 contacts over 0.3 years: no previous year, no contact observed for 26
 * weeks. The report still renders every section and says what is missing. */
START_TEST(report_of_a_short_log_says_what_is_missing)
{
    char cmd[1400], log[512], *out = NULL;
    tu_temp_path(log, sizeof log, ".csv");
    snprintf(cmd, sizeof cmd, "'%.512s' gen --contacts 15 --years 0.3 --seed 3 > '%.512s'",
             iv_path(), log);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' report '%s' -o -", iv_path(), log);
    ck_assert_int_eq(run(cmd, &out), 0);
    remove(log);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(strstr(out, "there is no previous year to compare with"));
    ck_assert_ptr_nonnull(strstr(out, "No contact has been observed for all the buckets"));
    ck_assert_ptr_nonnull(strstr(out, "<section id=\"maturity\">"));
    /* 2 contacts with a purchase: the CLV section says why there is no fit */
    ck_assert_ptr_nonnull(strstr(out, "<section id=\"clv\">"));
    ck_assert_ptr_nonnull(strstr(out, "too few to fit a model"));
    ck_assert_ptr_null(strstr(out, "id=\"clv_top-title\""));
    {   /* no NaN or infinity printed as a coordinate or a value */
        static const char *const bad[] = {"\"nan", "nan\"", ",nan", "nan,", " nan ", "-nan",
                                          "\"inf", "inf\"", ",inf", "-inf", ">nan<"};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
            ck_assert_msg(strstr(out, bad[i]) == NULL, "found %s", bad[i]);
    }
    ck_assert_ptr_nonnull(strstr(out, "</html>"));
    free(out);
}
END_TEST

/* The CLV section (from "<section id=\"clv\">" to its end) of a page, malloc'd. */
static char *clv_section_of(const char *page)
{
    const char *a = strstr(page, "<section id=\"clv\">"), *b = a ? strstr(a, "</section>\n") : NULL;
    char *s;
    ck_assert_ptr_nonnull(b);
    b += strlen("</section>\n");
    s = malloc((size_t)(b - a) + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, a, (size_t)(b - a));
    s[b - a] = '\0';
    return s;
}

/* `iv report LOG --threads N` into a page; *page and *err (standard error) malloc'd, the
 * summary (JSON) returned. */
static char *report_threads(const char *log, int threads, char **page, char **err)
{
    char cmd[2000], out[512], errp[512], *summary = NULL;
    tu_temp_path(out, sizeof out, ".html");
    tu_temp_path(errp, sizeof errp, ".err");
    snprintf(cmd, sizeof cmd, "('%s' report '%s' -o '%s' --threads %d --format json 2>'%s')",
             iv_path(), log, out, threads, errp);
    ck_assert_int_eq(run(cmd, &summary), 0);
    *page = tu_read_file(out, NULL);
    *err = tu_read_file(errp, NULL);
    ck_assert_ptr_nonnull(*page);
    ck_assert_ptr_nonnull(*err);
    remove(out);
    remove(errp);
    return summary;
}

/* On several threads the CLV section is two jobs, its fits and its calibration against
 * holdout, and the holdout part is joined after the fits' part only when the fits say it
 * follows. Four logs: the sample (a full check against the holdout), 0.3 years of 400
 * contacts (fitted, but too short a span to hold out: the holdout part says so), 0.3
 * years of 15 contacts (too few to fit: the section ends without a holdout part, which
 * on its own would say the span is too short) and a log without purchases (no fit, no
 * holdout part; on its own it would say the calibration period has no purchase). With 2
 * and 4 threads: the page, the summary (charts) and standard error of one thread. */
START_TEST(report_clv_holdout_part_joins_as_on_one_thread)
{
    static const struct {
        const char *gen, *says; /* iv gen arguments and shell filter; what the section says */
        int holdout;            /* the section has a calibration against holdout */
    } logs[] = {
        {NULL, "<h3>Contacts of highest expected value</h3>", 1},
        {"--contacts 400 --years 0.3 --seed 3", "The data span less than 16 weeks", 1},
        {"--contacts 15 --years 0.3 --seed 3", "too few to fit a model", 0},
        {"--contacts 300 --years 1 --seed 5 | grep -v ',purchase,\\|,repeat,\\|,cross_sell,"
         "\\|,upsell,'", "No contact has a purchase: no model can be fitted.", 0}};
    char path[512], log[512], cmd[1400];
    size_t i;
    for (i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        char *page1, *err1, *sum1, *clv1;
        int t;
        if (logs[i].gen) {
            tu_temp_path(log, sizeof log, ".csv");
            snprintf(cmd, sizeof cmd, "'%.512s' gen %s > '%.512s'", iv_path(), logs[i].gen, log);
            ck_assert_int_eq(system(cmd), 0);
        } else {
            snprintf(log, sizeof log, "%s", tu_source_path(path, sizeof path,
                                                          "examples/data/sample.csv"));
        }
        sum1 = report_threads(log, 1, &page1, &err1);
        clv1 = clv_section_of(page1);
        ck_assert_msg(strstr(clv1, logs[i].says) != NULL, "log %zu: no '%s'", i, logs[i].says);
        ck_assert_int_eq(count(clv1, "<h3>Calibration against holdout</h3>"), logs[i].holdout);
        if (i == 0) {
            /* the holdout part closes the section: its chart and tables are its end */
            const char *h = strstr(clv1, "<h3>Calibration against holdout</h3>");
            ck_assert(strstr(clv1, "<h3>Contacts of highest expected value</h3>") < h);
            ck_assert_ptr_nonnull(strstr(h, "id=\"clv_holdout-title\""));
            ck_assert_ptr_nonnull(strstr(h, "Per-contact accuracy over the holdout"));
        }
        for (t = 2; t <= 4; t += 2) {
            char *page, *err, *sum = report_threads(log, t, &page, &err), *clv;
            clv = clv_section_of(page);
            ck_assert_msg(strcmp(clv, clv1) == 0, "log %zu, %d threads: CLV section differs", i, t);
            ck_assert_msg(strcmp(page, page1) == 0, "log %zu, %d threads: page differs", i, t);
            /* bytes, sections, charts (the output path is a fresh temporary name) */
            ck_assert_ptr_nonnull(strstr(sum1, "\"bytes\""));
            ck_assert_ptr_nonnull(strstr(sum, "\"bytes\""));
            ck_assert_str_eq(strstr(sum, "\"bytes\""), strstr(sum1, "\"bytes\""));
            ck_assert_str_eq(err, err1);
            free(clv);
            free(page);
            free(err);
            free(sum);
        }
        if (logs[i].gen)
            remove(log);
        free(clv1);
        free(page1);
        free(err1);
        free(sum1);
    }
}
END_TEST

/* The sample in a store on the counting allocator *a, with its time range in *in. */
static iv_store *sample_store(tu_alloc *a, report_clv_in *in)
{
    char path[512], *csv;
    size_t len;
    iv_store *s;
    tu_alloc_reset(a, 0);
    s = tu_new_store(tu_alloc_fn, a);
    csv = tu_read_file(tu_source_path(path, sizeof path, "examples/data/sample.csv"), &len);
    ck_assert_ptr_nonnull(csv);
    ck_assert_int_eq(tu_ingest_text(s, NULL, csv, len, 0, NULL), IV_OK);
    free(csv);
    memset(in, 0, sizeof *in);
    in->cmd = "report";
    in->store = s;
    ck_assert_int_eq(iv_store_time_range(s, &in->first, &in->last), IV_OK);
    return s;
}

/* The two parts of the CLV section as the workers run them (report_clv.c), in this
 * process: the fits' part leaves the section open and says the holdout part follows; the
 * two texts joined are the CLV section of the tool's page of the sample (made with the
 * default threads, one job each). Then the holdout part with the store's allocations
 * failing in turn (its calibration summaries): each failure is the tool's one message,
 * "iv report: CLV calibration summaries: out of memory", exit status 1, the section
 * still ended as on one thread, nothing leaked, two charts counted only on success. */
START_TEST(report_clv_parts_joined_are_the_section_and_fail_alone)
{
    tu_alloc a;
    report_clv_in in;
    iv_store *s;
    char *fits = NULL, *hold = NULL, *err = NULL, *joined, *want;
    size_t nf = 0, nh = 0, ne = 0;
    int charts = 0, next = 0;
    long k, live;
    make_sample_report();
    s = sample_store(&a, &in);
    in.f = open_memstream(&fits, &nf);
    ck_assert_ptr_nonnull(in.f);
    ck_assert_int_eq(report_clv_fits(&in, &charts, &next), CLI_OK);
    ck_assert_int_eq(fclose(in.f), 0);
    ck_assert_int_eq(next, 1);
    ck_assert_int_eq(charts, 1);
    ck_assert_ptr_null(strstr(fits, "</section>"));
    in.f = open_memstream(&hold, &nh);
    ck_assert_ptr_nonnull(in.f);
    ck_assert_int_eq(report_clv_holdout(&in, &charts), CLI_OK);
    ck_assert_int_eq(fclose(in.f), 0);
    ck_assert_int_eq(charts, 2);
    ck_assert(strncmp(hold, "<h3>Calibration against holdout</h3>", 36) == 0);
    joined = malloc(nf + nh + 1);
    ck_assert_ptr_nonnull(joined);
    memcpy(joined, fits, nf);
    memcpy(joined + nf, hold, nh + 1);
    want = clv_section_of(html_out);
    ck_assert_str_eq(joined, want);
    free(joined);
    free(want);
    free(fits);
    for (k = 1; k < 100000; k++) {
        char *h = NULL;
        size_t n = 0;
        int rc;
        FILE *ef = open_memstream(&err, &ne);
        ck_assert_ptr_nonnull(ef);
        in.f = open_memstream(&h, &n);
        ck_assert_ptr_nonnull(in.f);
        live = a.live;
        a.calls = a.failed = 0;
        a.fail_at = k;
        charts = 0;
        cli_fail_to(ef);
        rc = report_clv_holdout(&in, &charts);
        cli_fail_to(NULL);
        a.fail_at = 0;
        ck_assert_int_eq(fclose(ef), 0);
        ck_assert_int_eq(fclose(in.f), 0);
        ck_assert_int_eq(a.live, live);
        if (!a.failed) {
            ck_assert_int_eq(rc, CLI_OK);
            ck_assert_str_eq(h, hold);
            ck_assert_int_eq(charts, 1);
            ck_assert_str_eq(err, "");
            free(h);
            free(err);
            break;
        }
        ck_assert_int_eq(rc, CLI_EFAIL);
        ck_assert_int_eq(charts, 0);
        ck_assert_msg(strncmp(err, "iv report: CLV calibration summaries: out of memory", 51) == 0 &&
                      strchr(err, '\n') == err + ne - 1, "allocation %ld: %s", k, err);
        ck_assert(n >= 11 && strcmp(h + n - 11, "</section>\n") == 0);
        free(h);
        free(err);
    }
    ck_assert_int_gt(k, 1);
    free(hold);
    iv_store_free(s);
    ck_assert_int_eq(a.live, 0);
}
END_TEST

START_TEST(report_exit_statuses)
{
    char cmd[1200], out[512], tmp[600];
    FILE *f;
    snprintf(cmd, sizeof cmd, "'%s' report --bogus", iv_path());
    ck_assert_int_eq(run(cmd, NULL), 2);
    snprintf(cmd, sizeof cmd, "'%s' report --buckets 1", iv_path());
    ck_assert_int_eq(run(cmd, NULL), 2);
    snprintf(cmd, sizeof cmd, "'%s' report --window 3x", iv_path());
    ck_assert_int_eq(run(cmd, NULL), 2);
    snprintf(cmd, sizeof cmd, "'%s' report --help", iv_path());
    ck_assert_int_eq(run(cmd, NULL), 0);
    /* a missing input fails (1) and leaves no output file behind */
    tu_temp_path(out, sizeof out, ".html");
    snprintf(cmd, sizeof cmd, "'%s' report /nonexistent/log.csv -o '%s'", iv_path(), out);
    ck_assert_int_eq(run(cmd, NULL), 1);
    ck_assert_ptr_null(f = fopen(out, "rb"));
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    ck_assert_ptr_null(f = fopen(tmp, "rb"));
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("svg");
    tcase_add_test(tc, nice_ticks_cover_0_to_97_in_steps_of_20);
    tcase_add_test(tc, nice_ticks_span_a_range_across_zero);
    tcase_add_test(tc, nice_ticks_widen_a_single_value);
    tcase_add_test(tc, tick_labels_use_the_decimals_of_the_step);
    tcase_add_test(tc, value_labels_keep_three_significant_digits);
    tcase_add_test(tc, undefined_values_are_labelled_undefined_never_zero);
    tcase_add_test(tc, escape_writes_the_xml_entities);
    tcase_add_test(tc, bar_chart_has_title_desc_and_no_bar_for_undefined);
    tcase_add_test(tc, heatmap_picks_the_text_colour_with_the_higher_contrast);
    tcase_add_test(tc, band_chart_shades_the_unobserved_tail);
    tcase_add_test(tc, radar_marks_an_area_without_score);
    suite_add_tcase(s, tc);
    tc = tcase_create("tool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, report_of_the_sample_is_one_self_contained_page);
    tcase_add_test(tc, report_has_every_section_and_a_titled_svg_per_chart);
    tcase_add_test(tc, report_reads_like_a_business_report);
    tcase_add_test(tc, report_channel_table_matches_a_count_of_the_csv_rows);
    tcase_add_test(tc, report_compares_the_last_twelve_months_with_the_twelve_before);
    tcase_add_test(tc, report_cohort_sizes_and_funnel_entries_match_the_reference);
    tcase_add_test(tc, report_writes_to_stdout_and_follows_a_chosen_contact);
    tcase_add_test(tc, report_times_go_to_stderr_and_leave_the_page_unchanged);
    tcase_add_test(tc, report_of_a_short_log_says_what_is_missing);
    tcase_add_test(tc, report_clv_holdout_part_joins_as_on_one_thread);
    tcase_add_test(tc, report_clv_parts_joined_are_the_section_and_fail_alone);
    tcase_add_test(tc, report_exit_statuses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int nf = tu_run(report_suite());
    free(html_out);
    free(summary_out);
    return nf ? 1 : 0;
}
