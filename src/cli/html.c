/* HTML page and tables for `iv report` (see html.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "svg.h"

/* Text #1a1a1a on #ffffff is 17:1, muted #595959 is 7:1 (WCAG AAA for normal text). */
static const char *style =
    "body{margin:0;background:#f6f6f4;color:#1a1a1a;font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI','DejaVu Sans',Arial,sans-serif}"
    "main{max-width:1180px;margin:0 auto;padding:24px 28px 48px;background:#fff}"
    "h1{font-size:28px;margin:0 0 4px}h2{font-size:21px;margin:36px 0 8px;"
    "padding-top:12px;border-top:2px solid #0072B2}h3{font-size:16px;margin:20px 0 6px}"
    "p{max-width:80ch}.note{color:#595959;font-size:13px}"
    ".missing{color:#595959;font-style:italic}"
    "nav ol{columns:2;max-width:70ch}"
    ".scroll{overflow-x:auto;margin:8px 0 16px}"
    "table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}"
    "caption{text-align:left;font-weight:bold;padding:4px 0;font-size:14px}"
    "th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;white-space:nowrap}"
    "th{background:#eef3f8;text-align:left;white-space:normal;vertical-align:bottom;max-width:7.5em;overflow-wrap:break-word}"
    "td.num{text-align:right}td.undef{text-align:right;color:#595959}"
    "tbody tr:nth-child(even){background:#fafafa}"
    "figure{margin:12px 0 20px}figure svg{max-width:100%;height:auto}"
    "figcaption{color:#595959;font-size:13px;max-width:90ch}"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;padding:0;list-style:none}"
    ".kpis li{border:1px solid #d0d0d0;border-radius:6px;padding:8px 14px;min-width:120px}"
    ".kpis b{display:block;font-size:22px}"
    "dl.glossary dt{font-weight:bold}dl.glossary dd{margin:0 0 6px 2em}"
    "code{background:#f0f0f0;padding:0 3px}"
    /* tables fit a 1,024-px window: compact cells, headers that wrap */
    "@media (max-width:1100px){main{padding:16px 14px 40px}table{font-size:11.5px}"
    "th,td{padding:2px 4px}th{max-width:7em}}"
    "th abbr{text-decoration:none;cursor:help}"
    ".good{color:#0072B2}.bad{color:#D55E00}"
    /* print: the page's width, no navigation, no split tables or charts */
    "@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}"
    "nav{display:none}h2{break-after:avoid;margin-top:18px}"
    "figure,table,.kpis{break-inside:avoid}.scroll{overflow:visible}"
    "table{font-size:9px}th,td{padding:1px 3px}figure svg{max-width:100%}}";

void html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    svg_escape(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", style);
}

void html_end(FILE *f)
{
    fputs("</main>\n</body>\n</html>\n", f);
}

void html_section(FILE *f, const char *id, const char *heading, const char *intro)
{
    fputs("<section id=\"", f);
    svg_escape(f, id);
    fputs("\">\n<h2>", f);
    svg_escape(f, heading);
    fputs("</h2>\n", f);
    if (intro)
        html_p(f, NULL, intro);
}

void html_section_end(FILE *f)
{
    fputs("</section>\n", f);
}

void html_p(FILE *f, const char *cls, const char *text)
{
    if (cls) {
        fputs("<p class=\"", f);
        svg_escape(f, cls);
        fputs("\">", f);
    } else {
        fputs("<p>", f);
    }
    svg_escape(f, text);
    fputs("</p>\n", f);
}

static int in_list(const char *name, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

static const struct {
    const char *name, *label;
} labels[] = {
    {"n", "Interactions"}, {"contacts", "Contacts"}, {"cost", "Cost"}, {"value", "Value"},
    {"cpt", "Cost per interaction"}, {"iv", "Interaction Value"}, {"roi", "ROI"},
    {"desired_rate", "Desired outcomes"}, {"rv", "RV units"},
    {"rv_per_interaction", "RV per interaction"}, {"cost_per_rv", "Cost per RV unit"},
    {"rv_forward", "Forward moves"}, {"rv_backward", "Backward moves"}, {"nps", "NPS"},
    {"nps_se", "NPS std. error"}, {"nps_ci_low", "NPS 95% low"}, {"nps_ci_high", "NPS 95% high"},
    {"csat", "CSAT %"}, {"csat_mean", "CSAT mean"}, {"ces", "CES mean"}, {"ces_easy", "CES easy %"},
    {"cost_assumed", "Costs assumed"}, {"channel", "Channel"}, {"stage", "Stage"},
    {"team", "Team"}, {"metric", "Metric"}, {"previous", "Previous"},
    {"change", "Change"}, {"relative_change", "Relative change"}, {"step", "Step"},
    {"types", "Types"}, {"from_previous", "From previous"}, {"from_first", "From first"},
    {"dropoff", "Drop-off"}, {"median_seconds_from_previous", "Median time from previous"},
    {"seconds_from_previous_p25", "p25 time"}, {"seconds_from_previous_p75", "p75 time"},
    {"seconds_from_previous_p90", "p90 time"}, {"seconds_from_previous_mean", "Mean time"},
    {"period", "Period"}, {"start", "Active at start"}, {"lost", "Lost"}, {"churn", "Churn"},
    {"end", "Active at end"}, {"new", "New"}, {"retention", "Retention"},
    {"returning", "Returning"}, {"resurrecting", "Resurrecting"}, {"dormant", "Dormant"},
    {"area", "Area"}, {"score", "Score"}, {"level", "Level"}, {"staged_level", "Staged level"},
    {"coverage", "Coverage"}, {"missing", "Missing indicators"}, {"bucket", "Bucket"},
    /* CLV (report_clv.c) */
    {"model", "Model"}, {"parameter", "Parameter"}, {"estimate", "Estimate"},
    {"se", "Std. error"}, {"loglik", "Log-likelihood"}, {"contact", "Contact"},
    {"x", "Repeat purchases"}, {"t_x", "Recency t_x"}, {"T", "Age T"},
    {"customers", "Contacts"}, {"actual", "Actual"}, {"predicted_bgnbd", "BG/NBD"},
    {"predicted_mbgnbd", "MBG/NBD"}, {"predicted_pareto", "Pareto/NBD"},
    {"p_alive", "P(alive)"}, {"expected_purchases", "Expected purchases"},
    {"expected_spend", "Expected value per purchase"}, {"clv", "CLV"}, {"mae", "MAE"},
    {"rmse", "RMSE"}, {"correlation", "Correlation"},
};

const char *html_label(const char *name)
{
    size_t i;
    for (i = 0; name && i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].name, name) == 0)
            return labels[i].label;
    return NULL;
}

void html_duration(char *buf, size_t cap, double s)
{
    if (!isfinite(s))
        snprintf(buf, cap, "undefined");
    else if (s < 3600)
        snprintf(buf, cap, "%.0f min", s / 60);
    else if (s < 2 * 86400)
        snprintf(buf, cap, "%.1f h", s / 3600);
    else
        snprintf(buf, cap, "%.1f d", s / 86400);
}

static void cell(FILE *f, const iv_table *t, size_t r, size_t c, int pct)
{
    char buf[64];
    int type = iv_table_col_type(t, c);
    if (!iv_table_is_defined(t, r, c)) {
        fputs("<td class=\"undef\" title=\"undefined\">&#8211;</td>", f);
        return;
    }
    switch (type) {
    case IV_COL_STRING:
        fputs("<td>", f);
        svg_escape(f, iv_table_get_string(t, r, c));
        fputs("</td>", f);
        return;
    case IV_COL_TIME:
        iv_time_format(iv_table_get_int(t, r, c), buf, sizeof buf);
        fputs("<td>", f);
        svg_escape(f, buf);
        fputs("</td>", f);
        return;
    case IV_COL_BOOL:
        fputs(iv_table_get_int(t, r, c) ? "<td>yes</td>" : "<td>no</td>", f);
        return;
    case IV_COL_LIST: {
        size_t i, n = iv_table_get_list_len(t, r, c);
        fputs("<td>", f);
        for (i = 0; i < n; i++) {
            if (i)
                fputs(", ", f);
            svg_escape(f, iv_table_get_list_item(t, r, c, i));
        }
        fputs("</td>", f);
        return;
    }
    case IV_COL_INT: /* exact below 2^53; grouped in thousands like the doubles */
        svg_value_label(buf, sizeof buf, (double)iv_table_get_int(t, r, c), 0);
        break;
    default:
        if (strstr(iv_table_col_name(t, c), "seconds"))
            html_duration(buf, sizeof buf, iv_table_get_double(t, r, c));
        else
            svg_value_label(buf, sizeof buf, iv_table_get_double(t, r, c), pct);
        break;
    }
    fputs("<td class=\"num\">", f);
    svg_escape(f, buf);
    fputs("</td>", f);
}

void html_table(FILE *f, const iv_table *t, const char *caption, const char *const *cols,
                const char *const *pct)
{
    size_t nc = iv_table_ncols(t), nr = iv_table_nrows(t), r, i, n = 0;
    long idx[64];
    if (cols) {
        for (; *cols && n < 64; cols++) {
            long c = iv_table_col_index(t, *cols);
            if (c >= 0)
                idx[n++] = c;
        }
    } else {
        for (i = 0; i < nc && n < 64; i++)
            idx[n++] = (long)i;
    }
    fputs("<div class=\"scroll\"><table>\n", f);
    if (caption) {
        fputs("<caption>", f);
        svg_escape(f, caption);
        fputs("</caption>\n", f);
    }
    fputs("<thead><tr>", f);
    for (i = 0; i < n; i++) {
        /* long names may break after an underscore */
        const char *p = iv_table_col_name(t, (size_t)idx[i]), *label = html_label(p);
        char one[2] = {0, 0};
        fputs("<th scope=\"col\">", f);
        if (label) { /* the human label; the metric's name in the tooltip */
            fputs("<abbr title=\"", f);
            svg_escape(f, p);
            fputs("\">", f);
            svg_escape(f, label);
            fputs("</abbr></th>", f);
            continue;
        }
        for (; *p; p++) {
            one[0] = *p;
            svg_escape(f, one);
            if (*p == '_')
                fputs("<wbr>", f);
        }
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (r = 0; r < nr; r++) {
        fputs("<tr>", f);
        for (i = 0; i < n; i++)
            cell(f, t, r, (size_t)idx[i], in_list(iv_table_col_name(t, (size_t)idx[i]), pct));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

void html_figure_begin(FILE *f)
{
    fputs("<figure>\n", f);
}

void html_figure_end(FILE *f, const char *caption)
{
    if (caption) {
        fputs("<figcaption>", f);
        svg_escape(f, caption);
        fputs("</figcaption>\n", f);
    }
    fputs("</figure>\n", f);
}
