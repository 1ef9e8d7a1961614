/* SVG chart writers for `iv report` (see svg.h). Plain text output: every number is
 * printed with "%.1f", every string through svg_escape(), so each chart is valid XML. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define FONT "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"

void svg_escape(FILE *f, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            /* C0 controls other than tab/newline are not allowed in XML 1.0 */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                fputc(' ', f);
            else
                fputc(*s, f);
        }
    }
}

/* Heckbert's nice number: 1, 2, 5 or 10 times a power of ten near x; round picks the
 * nearest, otherwise the smallest that is >= x. */
static double nice_num(double x, int round)
{
    double e = floor(log10(x)), p = pow(10.0, e), fr = x / p, nf;
    if (round)
        nf = fr < 1.5 ? 1 : fr < 3 ? 2 : fr < 7 ? 5 : 10;
    else
        nf = fr <= 1 ? 1 : fr <= 2 ? 2 : fr <= 5 ? 5 : 10;
    return nf * p;
}

int svg_nice_ticks(double lo, double hi, int n, svg_ticks *out)
{
    double range, step, first, last;
    if (!isfinite(lo) || !isfinite(hi) || n < 2 || !out)
        return -1;
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi == lo) {
        double w = lo == 0 ? 1 : fabs(lo) * 0.5;
        lo -= w;
        hi += w;
    }
    range = nice_num(hi - lo, 0);
    step = nice_num(range / (n - 1), 1);
    first = floor(lo / step) * step;
    last = ceil(hi / step) * step;
    out->first = first + 0.0; /* no "-0" */
    out->step = step;
    out->count = (int)floor((last - first) / step + 0.5) + 1;
    return 0;
}

/* Group the digits of a non-negative integer text in threes with commas. */
static void group_digits(char *buf, size_t cap, const char *digits, int negative)
{
    size_t n = strlen(digits), i, o = 0;
    if (negative && o + 1 < cap)
        buf[o++] = '-';
    for (i = 0; i < n && o + 1 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o + 1 < cap)
            buf[o++] = ',';
        if (o + 1 < cap)
            buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* Drop trailing zeros (and a bare point) after a decimal point. */
static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.'), *e;
    if (!dot)
        return;
    e = s + strlen(s) - 1;
    while (e > dot && *e == '0')
        *e-- = '\0';
    if (e == dot)
        *e = '\0';
}

static void fmt_fixed(char *buf, size_t cap, double v, int decimals)
{
    if (fabs(v) >= 999.5 && decimals == 0) {
        char digits[64];
        snprintf(digits, sizeof digits, "%.0f", fabs(v));
        group_digits(buf, cap, digits, v < 0);
        return;
    }
    snprintf(buf, cap, "%.*f", decimals, v);
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, cap, "0");
}

void svg_tick_label(char *buf, size_t cap, double v, double step)
{
    int dec = 0;
    if (step > 0 && step < 1)
        dec = (int)ceil(-log10(step) - 1e-9);
    if (dec > 9)
        dec = 9;
    if (fabs(v) < step * 1e-6) {
        snprintf(buf, cap, "0");
        return;
    }
    fmt_fixed(buf, cap, v, dec);
}

void svg_value_label(char *buf, size_t cap, double v, int percent)
{
    double a;
    int dec;
    if (!isfinite(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? "undefined" : v > 0 ? "inf" : "-inf");
        return;
    }
    if (percent) {
        snprintf(buf, cap, "%.1f%%", 100.0 * v);
        return;
    }
    a = fabs(v);
    if (a == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    if (a >= 999.5) {
        fmt_fixed(buf, cap, v, 0);
        return;
    }
    if (a < 1e-4) {
        snprintf(buf, cap, "%.3g", v);
        return;
    }
    dec = 2 - (int)floor(log10(a)); /* three significant digits */
    if (dec < 0)
        dec = 0;
    snprintf(buf, cap, "%.*f", dec, v);
    trim_zeros(buf);
}

/* ------------------------------------------------------------------ common pieces */

static void open_svg(FILE *f, const char *id, double w, double h, const char *title,
                     const char *desc)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"",
            w, h, w, h);
    svg_escape(f, id);
    fputs("-title ", f);
    svg_escape(f, id);
    fputs("-desc\" font-family=\"" FONT "\" font-size=\"12\" fill=\"" SVG_INK "\">\n<title id=\"", f);
    svg_escape(f, id);
    fputs("-title\">", f);
    svg_escape(f, title);
    fputs("</title>\n<desc id=\"", f);
    svg_escape(f, id);
    fputs("-desc\">", f);
    svg_escape(f, desc);
    fputs("</desc>\n", f);
    fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
    fputs("<text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\">", f);
    svg_escape(f, title);
    fputs("</text>\n", f);
}

/* <text> at (x, y); anchor "start", "middle" or "end"; extra attributes may be "". */
static void text_at(FILE *f, double x, double y, const char *anchor, const char *extra,
                    const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor,
            *extra ? " " : "", extra);
    svg_escape(f, s);
    fputs("</text>\n", f);
}

static void tooltip(FILE *f, const char *a, const char *b)
{
    fputs("<title>", f);
    svg_escape(f, a);
    if (b) {
        fputs(": ", f);
        svg_escape(f, b);
    }
    fputs("</title>", f);
}

static double text_width(const char *s, double px_per_char)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) /* count UTF-8 characters */
            n++;
    return (double)n * px_per_char;
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* A linear scale from the ticks' span onto [p0, p1]. */
typedef struct scale {
    double d0, d1, p0, p1;
} scale;

static scale make_scale(const svg_ticks *t, double p0, double p1)
{
    scale s;
    s.d0 = t->first;
    s.d1 = t->first + (t->count - 1) * t->step;
    s.p0 = p0;
    s.p1 = p1;
    return s;
}

static double sc(const scale *s, double v)
{
    return s->p0 + (v - s->d0) / (s->d1 - s->d0) * (s->p1 - s->p0);
}

/* Min and max of the finite values of up to five arrays of n. */
static void finite_range(size_t n, const double *const *arrs, size_t na, double *lo, double *hi)
{
    size_t i, j;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (j = 0; j < na; j++) {
        if (!arrs[j])
            continue;
        for (i = 0; i < n; i++)
            if (isfinite(arrs[j][i])) {
                if (arrs[j][i] < *lo)
                    *lo = arrs[j][i];
                if (arrs[j][i] > *hi)
                    *hi = arrs[j][i];
            }
    }
}

/* ------------------------------------------------------------------ bar chart */

void svg_bar_chart(FILE *f, const svg_bars *c)
{
    const double row_h = 26, bar_h = 18, top = 48, plot_w = 400;
    double W, lo = 0, hi = 0, label_w = 0, note_w = 0, x0, x1, vx, ya, zero;
    svg_ticks t;
    scale s;
    size_t i;
    int k;
    char buf[64];

    for (i = 0; i < c->n; i++) {
        double v = c->values[i];
        label_w = fmax(label_w, text_width(c->labels[i], 7.0));
        if (c->notes && c->notes[i])
            note_w = fmax(note_w, text_width(c->notes[i], 6.2));
        if (isfinite(v)) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    if (lo == 0 && hi == 0)
        hi = 1;
    /* label column | plot | value column | notes: the width follows the text */
    label_w = clamp(label_w + 18, 70, 240);
    note_w = note_w > 0 ? clamp(note_w + 12, 0, 440) : 0;
    x0 = label_w;
    x1 = x0 + plot_w;
    vx = x1 + 84; /* right edge of the value column */
    W = fmax(vx + note_w + 10, 640);
    ya = top + (double)c->n * row_h + 4;
    svg_nice_ticks(lo, hi, 6, &t);
    s = make_scale(&t, x0, x1);
    zero = sc(&s, 0);

    open_svg(f, c->id, W, ya + 50, c->title, c->desc);
    /* grid and tick labels */
    for (k = 0; k < t.count; k++) {
        double v = t.first + k * t.step, x = sc(&s, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_GRID
                   "\"/>\n", x, top - 6, x, ya);
        if (c->percent)
            svg_tick_label(buf, sizeof buf, 100 * v, 100 * t.step);
        else
            svg_tick_label(buf, sizeof buf, v, t.step);
        if (c->percent)
            strncat(buf, "%", sizeof buf - strlen(buf) - 1);
        text_at(f, x, ya + 16, "middle", "fill=\"" SVG_MUTED "\"", buf);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK
               "\"/>\n", x0, ya, x1, ya);
    text_at(f, (x0 + x1) / 2, ya + 38, "middle", "", c->value_label);
    text_at(f, vx, top - 10, "end", "font-weight=\"bold\" fill=\"" SVG_MUTED "\"", "value");

    for (i = 0; i < c->n; i++) {
        double v = c->values[i], y = top + (double)i * row_h, ym = y + bar_h / 2 + 4;
        svg_value_label(buf, sizeof buf, v, c->percent);
        text_at(f, x0 - 8, ym, "end", "", c->labels[i]);
        if (isfinite(v)) {
            double xv = sc(&s, v), bx = fmin(xv, zero), bw = fmax(fabs(xv - zero), v != 0 ? 1 : 0);
            const char *col = c->good ? (c->good[i] > 0 ? SVG_BLUE : c->good[i] < 0 ? SVG_VERMILLION
                                                                                   : SVG_MUTED)
                              : c->diverging && v < 0 ? SVG_VERMILLION : SVG_BLUE;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
                    bx, y, bw, bar_h, col);
            tooltip(f, c->labels[i], buf);
            fputs("</rect>\n", f);
            text_at(f, vx, ym, "end", "", buf);
        } else {
            text_at(f, zero + 6, ym, "start", "font-style=\"italic\" fill=\"" SVG_MUTED "\"",
                    "undefined");
            text_at(f, vx, ym, "end", "font-style=\"italic\" fill=\"" SVG_MUTED "\"", "undefined");
        }
        if (c->notes && c->notes[i])
            text_at(f, vx + 12, ym, "start", "fill=\"" SVG_MUTED "\"", c->notes[i]);
    }
    /* the zero line on top of the bars */
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK
               "\" stroke-width=\"1.5\"/>\n", zero, top - 6, zero, ya);
    fputs("</svg>\n", f);
}

/* ------------------------------------------------------------------ band chart */

typedef struct xy {
    scale x, y;
} xy;

/* A filled band between lo[] and hi[] over each run of buckets where both are finite. */
static void band_path(FILE *f, const xy *m, size_t k, const double *lo, const double *hi,
                      const char *fill, double opacity)
{
    size_t i = 0, j, b;
    while (i < k) {
        if (!isfinite(lo[i]) || !isfinite(hi[i])) {
            i++;
            continue;
        }
        for (j = i; j < k && isfinite(lo[j]) && isfinite(hi[j]); j++)
            ;
        fputs("<path d=\"", f);
        for (b = i; b < j; b++)
            fprintf(f, "%s%.1f,%.1f ", b == i ? "M" : "L", sc(&m->x, (double)b + 1),
                    sc(&m->y, hi[b]));
        for (b = j; b-- > i;)
            fprintf(f, "L%.1f,%.1f ", sc(&m->x, (double)b + 1), sc(&m->y, lo[b]));
        fprintf(f, "Z\" fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"none\"/>\n", fill, opacity);
        i = j;
    }
}

/* A polyline through the finite points (a gap starts a new sub-path). */
static void line_path(FILE *f, const xy *m, size_t k, const double *y, const char *stroke,
                      double width, const char *dash)
{
    size_t i;
    int pen = 0;
    fputs("<path d=\"", f);
    for (i = 0; i < k; i++) {
        if (!isfinite(y[i])) {
            pen = 0;
            continue;
        }
        fprintf(f, "%s%.1f,%.1f ", pen ? "L" : "M", sc(&m->x, (double)i + 1), sc(&m->y, y[i]));
        pen = 1;
    }
    fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s "
               "stroke-linejoin=\"round\"/>\n", stroke, width, dash ? " stroke-dasharray=\"" : "",
            dash ? dash : "", dash ? "\"" : "");
}

static void legend_swatch(FILE *f, double x, double y, const char *fill, double opacity,
                          const char *label)
{
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"12\" fill=\"%s\" "
               "fill-opacity=\"%.2f\"/>\n", x, y - 10, fill, opacity);
    text_at(f, x + 28, y, "start", "", label);
}

static void legend_line(FILE *f, double x, double y, const char *stroke, const char *dash,
                        int marker, const char *label)
{
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2.5\"%s%s%s/>\n", x, y - 4, x + 22, y - 4, stroke,
            dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
    if (marker)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x + 11, y - 4,
                stroke);
    text_at(f, x + 28, y, "start", "", label);
}

void svg_band_chart(FILE *f, const svg_band *c)
{
    const double W = 760, H = 400, x0 = 70, x1 = W - 200, top = 50, bot = H - 58;
    const double *arrs[5];
    double lo, hi;
    svg_ticks tx, ty;
    xy m;
    size_t i, last = 0;
    int k, any = 0;
    char buf[64], buf2[96];

    arrs[0] = c->p10;
    arrs[1] = c->p90;
    arrs[2] = c->series;
    arrs[3] = c->median;
    arrs[4] = c->p25;
    finite_range(c->k, arrs, 5, &lo, &hi);
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    svg_nice_ticks(lo, hi, 6, &ty);
    /* x ticks: bucket 1, then every multiple of a nice step */
    tx.step = c->k > 8 ? nice_num((double)c->k / 8.0, 1) : 1;
    tx.first = 0;
    tx.count = (int)((double)c->k / tx.step) + 1;
    m.x.d0 = 1;
    m.x.d1 = c->k > 1 ? (double)c->k : 2;
    m.x.p0 = x0;
    m.x.p1 = x1;
    m.y = make_scale(&ty, bot, top);

    open_svg(f, c->id, W, H, c->title, c->desc);
    for (i = 0; i < c->k; i++)
        if (c->series && isfinite(c->series[i])) {
            last = i;
            any = 1;
        }
    if (c->series && (!any || last + 1 < c->k)) {
        double xs = any ? sc(&m.x, (double)last + 1.5) : x0;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ececec\"/>\n",
                xs, top, x1 - xs, bot - top);
        text_at(f, (xs + x1) / 2, top + 16, "middle", "fill=\"" SVG_MUTED "\"", "not yet observed");
    }
    for (k = 0; k < ty.count; k++) {
        double v = ty.first + k * ty.step, y = sc(&m.y, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_GRID
                   "\"/>\n", x0, y, x1, y);
        svg_tick_label(buf, sizeof buf, v, ty.step);
        text_at(f, x0 - 6, y + 4, "end", "fill=\"" SVG_MUTED "\"", buf);
    }
    for (k = 0; k < tx.count; k++) {
        double v = k == 0 ? 1 : k * tx.step;
        if (v > m.x.d1 + 1e-9 || (k == 1 && v - 1 < tx.step / 2))
            continue;
        svg_tick_label(buf, sizeof buf, v, tx.step);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK
                   "\"/>\n", sc(&m.x, v), bot, sc(&m.x, v), bot + 5);
        text_at(f, sc(&m.x, v), bot + 18, "middle", "fill=\"" SVG_MUTED "\"", buf);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK "\"/>\n",
            x0, bot, x1, bot);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK "\"/>\n",
            x0, top, x0, bot);
    text_at(f, (x0 + x1) / 2, bot + 40, "middle", "", c->x_label);
    snprintf(buf2, sizeof buf2, "transform=\"rotate(-90 18 %.1f)\"", (top + bot) / 2);
    text_at(f, 18, (top + bot) / 2, "middle", buf2, c->y_label);

    band_path(f, &m, c->k, c->p10, c->p90, SVG_SKY, 0.30);
    band_path(f, &m, c->k, c->p25, c->p75, SVG_SKY, 0.65);
    line_path(f, &m, c->k, c->median, SVG_BLUE, 2.0, "6 3");
    if (c->series) {
        line_path(f, &m, c->k, c->series, SVG_VERMILLION, 2.5, NULL);
        for (i = 0; i < c->k; i++) {
            if (!isfinite(c->series[i]))
                continue;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"" SVG_VERMILLION "\">",
                    sc(&m.x, (double)i + 1), sc(&m.y, c->series[i]));
            snprintf(buf2, sizeof buf2, "bucket %zu", i + 1);
            svg_value_label(buf, sizeof buf, c->series[i], 0);
            tooltip(f, buf2, buf);
            fputs("</circle>\n", f);
        }
    }
    legend_swatch(f, x1 + 20, top + 12, SVG_SKY, 0.30, "p10 to p90 of the norm");
    legend_swatch(f, x1 + 20, top + 34, SVG_SKY, 0.65, "p25 to p75 (middle half)");
    legend_line(f, x1 + 20, top + 58, SVG_BLUE, "6 3", 0, "median of the norm");
    if (c->series)
        legend_line(f, x1 + 20, top + 82, SVG_VERMILLION, NULL, 1, c->series_label);
    fputs("</svg>\n", f);
}

/* ------------------------------------------------------------------ lines */

void svg_line_chart(FILE *f, const svg_lines *c)
{
    static const char *const strokes[4] = {SVG_BLUE, SVG_VERMILLION, SVG_GREEN, SVG_ORANGE};
    static const char *const dashes[4] = {NULL, "6 3", NULL, "2 3"};
    const double W = 760, H = 360, x0 = 78, x1 = W - 190, top = 40, bot = H - 60;
    const double *arrs[6];
    double lo, hi, scale_k = c->percent ? 100 : 1;
    svg_ticks ty;
    xy m;
    size_t i, j, na = 0, every;
    int k;
    char buf[64], buf2[96];
    double *tmp[6] = {NULL, NULL, NULL, NULL, NULL, NULL};

    for (j = 0; j < c->nseries && j < 4; j++)
        arrs[na++] = c->series[j];
    if (c->band_lo && c->band_hi) {
        arrs[na++] = c->band_lo;
        arrs[na++] = c->band_hi;
    }
    finite_range(c->n, arrs, na, &lo, &hi);
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    if (c->percent) { /* ticks in percent */
        lo *= 100;
        hi *= 100;
    }
    svg_nice_ticks(lo, hi, 6, &ty);
    m.x.d0 = 1;
    m.x.d1 = c->n > 1 ? (double)c->n : 2;
    m.x.p0 = x0;
    m.x.p1 = x1;
    m.y = make_scale(&ty, bot, top);
    /* the series in the scale of the axis */
    for (j = 0; j < na; j++) {
        tmp[j] = malloc((c->n ? c->n : 1) * sizeof(double));
        if (!tmp[j])
            goto done;
        for (i = 0; i < c->n; i++)
            tmp[j][i] = arrs[j][i] * scale_k;
    }
    open_svg(f, c->id, W, H, c->title, c->desc);
    for (k = 0; k < ty.count; k++) {
        double v = ty.first + k * ty.step, y = sc(&m.y, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_GRID
                   "\"/>\n", x0, y, x1, y);
        svg_tick_label(buf, sizeof buf, v, ty.step);
        if (c->percent)
            strncat(buf, "%", sizeof buf - strlen(buf) - 1);
        text_at(f, x0 - 6, y + 4, "end", "fill=\"" SVG_MUTED "\"", buf);
    }
    every = c->n > 8 ? (c->n + 7) / 8 : 1;
    for (i = 0; i < c->n; i += every) {
        double x = sc(&m.x, (double)i + 1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK
                   "\"/>\n", x, bot, x, bot + 5);
        text_at(f, x, bot + 18, "middle", "fill=\"" SVG_MUTED "\"", c->x_labels[i]);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK "\"/>\n",
            x0, bot, x1, bot);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_INK "\"/>\n",
            x0, top, x0, bot);
    snprintf(buf2, sizeof buf2, "transform=\"rotate(-90 18 %.1f)\"", (top + bot) / 2);
    text_at(f, 18, (top + bot) / 2, "middle", buf2, c->y_label);
    if (c->band_lo && c->band_hi) {
        band_path(f, &m, c->n, tmp[na - 2], tmp[na - 1], SVG_SKY, 0.40);
        legend_swatch(f, x1 + 20, top + 12 + 24 * (double)c->nseries, SVG_SKY, 0.40,
                      c->band_name ? c->band_name : "interval");
    }
    for (j = 0; j < c->nseries && j < 4; j++) {
        line_path(f, &m, c->n, tmp[j], strokes[j], 2.2, dashes[j]);
        for (i = 0; i < c->n; i++) {
            if (!isfinite(tmp[j][i]))
                continue;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">",
                    sc(&m.x, (double)i + 1), sc(&m.y, tmp[j][i]), strokes[j]);
            svg_value_label(buf, sizeof buf, c->series[j][i], c->percent);
            snprintf(buf2, sizeof buf2, "%s, %s", c->names[j] ? c->names[j] : "", c->x_labels[i]);
            tooltip(f, buf2, buf);
            fputs("</circle>\n", f);
        }
        legend_line(f, x1 + 20, top + 12 + 24 * (double)j, strokes[j], dashes[j], 1,
                    c->names[j] ? c->names[j] : "");
    }
    fputs("</svg>\n", f);
done:
    for (j = 0; j < 6; j++)
        free(tmp[j]);
}

/* ------------------------------------------------------------------ heat map */

/* The viridis ramp at five stops (van der Walt & Smith, matplotlib 2015). */
static void viridis(double t, int rgb[3])
{
    static const int stops[5][3] = {
        {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62},
        {0xfd, 0xe7, 0x25}};
    double x = clamp(t, 0, 1) * 4;
    int i = (int)floor(x), j;
    if (i > 3)
        i = 3;
    x -= i;
    for (j = 0; j < 3; j++)
        rgb[j] = (int)floor(stops[i][j] + (stops[i + 1][j] - stops[i][j]) * x + 0.5);
}

/* WCAG 2 relative luminance of an sRGB colour. */
static double luminance(const int rgb[3])
{
    double l[3];
    int j;
    for (j = 0; j < 3; j++) {
        double c = rgb[j] / 255.0;
        l[j] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

void svg_heatmap(FILE *f, const svg_heat *c)
{
    const double cw = 38, ch = 22, top = 70;
    double label_w = 0, x0, W, H, ly;
    size_t r, k;
    int rgb[3];
    char buf[64], tip[160];

    for (r = 0; r < c->rows; r++)
        label_w = fmax(label_w, text_width(c->row_labels[r], 7.0));
    x0 = clamp(label_w + 16, 60, 200) + 26;
    W = fmax(x0 + (double)c->cols * cw + 20, 480);
    ly = top + (double)c->rows * ch + 24;
    H = ly + 46;

    open_svg(f, c->id, W, H, c->title, c->desc);
    fprintf(f, "<defs><linearGradient id=\"");
    svg_escape(f, c->id);
    fputs("-ramp\">", f);
    for (k = 0; k <= 8; k++) {
        viridis(k / 8.0, rgb);
        fprintf(f, "<stop offset=\"%.3f\" stop-color=\"#%02x%02x%02x\"/>", k / 8.0, rgb[0], rgb[1],
                rgb[2]);
    }
    fputs("</linearGradient></defs>\n", f);
    text_at(f, x0 + (double)c->cols * cw / 2, 44, "middle", "", c->x_label);
    snprintf(tip, sizeof tip, "transform=\"rotate(-90 16 %.1f)\"", top + (double)c->rows * ch / 2);
    text_at(f, 16, top + (double)c->rows * ch / 2, "middle", tip, c->y_label);
    for (k = 0; k < c->cols; k++)
        text_at(f, x0 + ((double)k + 0.5) * cw, top - 6, "middle", "fill=\"" SVG_MUTED "\"",
                c->col_labels[k]);
    for (r = 0; r < c->rows; r++) {
        double y = top + (double)r * ch;
        text_at(f, x0 - 6, y + ch / 2 + 4, "end", "", c->row_labels[r]);
        for (k = 0; k < c->cols; k++) {
            double v = c->cells[r * c->cols + k], x = x0 + (double)k * cw;
            if (!isfinite(v)) {
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                           "fill=\"#f2f2f2\" stroke=\"#ffffff\"/>\n", x, y, cw, ch);
                continue;
            }
            viridis(v, rgb);
            svg_value_label(buf, sizeof buf, v, 1);
            snprintf(tip, sizeof tip, "%s, %s %s", c->row_labels[r], c->x_label ? c->x_label : "",
                     c->col_labels[k]);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"#%02x%02x%02x\" stroke=\"#ffffff\">", x, y, cw, ch, rgb[0], rgb[1],
                    rgb[2]);
            tooltip(f, tip, buf);
            fputs("</rect>\n", f);
            /* the text colour with the higher WCAG contrast against the cell: black
             * wins above luminance 0.179 (where (L+0.05)/0.05 = 1.05/(L+0.05)) */
            snprintf(buf, sizeof buf, "%.0f", 100 * v);
            text_at(f, x + cw / 2, y + ch / 2 + 4, "middle",
                    luminance(rgb) > 0.179 ? "font-size=\"10\" fill=\"#000000\""
                                           : "font-size=\"10\" fill=\"#ffffff\"", buf);
        }
    }
    /* legend: the ramp from 0% to 100%, and the colour of unobserved cells */
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"200\" height=\"12\" fill=\"url(#", x0, ly);
    svg_escape(f, c->id);
    fputs("-ramp)\"/>\n", f);
    text_at(f, x0, ly + 26, "middle", "fill=\"" SVG_MUTED "\"", "0%");
    text_at(f, x0 + 100, ly + 26, "middle", "fill=\"" SVG_MUTED "\"", "50%");
    text_at(f, x0 + 200, ly + 26, "middle", "fill=\"" SVG_MUTED "\"", "100%");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"#f2f2f2\" "
               "stroke=\"" SVG_GRID "\"/>\n", x0 + 230, ly);
    text_at(f, x0 + 252, ly + 10, "start", "", "not observed yet");
    fputs("</svg>\n", f);
}

/* ------------------------------------------------------------------ radar */

void svg_radar_chart(FILE *f, const svg_radar *c)
{
    static const char *const strokes[4] = {SVG_BLUE, SVG_ORANGE, SVG_GREEN, SVG_VERMILLION};
    static const char *const dashes[4] = {NULL, "7 4", "2 3", "10 3 2 3"};
    const double W = 640, R = 150, cx = W / 2, cy = 48 + R + 34, pi = 3.14159265358979323846;
    double v, ly = cy + R + 48, H = ly + 22.0 * (double)c->nseries + 10;
    size_t i, s;
    char buf[64], lab[160];

    open_svg(f, c->id, W, H, c->title, c->desc);
    /* rings with their values on the first axis */
    for (v = c->ring_step; v <= c->max + 1e-9; v += c->ring_step) {
        double r = R * v / c->max;
        fputs("<polygon points=\"", f);
        for (i = 0; i < c->n; i++) {
            double a = -pi / 2 + 2 * pi * (double)i / (double)c->n;
            fprintf(f, "%.1f,%.1f ", cx + r * cos(a), cy + r * sin(a));
        }
        fputs("\" fill=\"none\" stroke=\"" SVG_GRID "\"/>\n", f);
        svg_tick_label(buf, sizeof buf, v, c->ring_step);
        text_at(f, cx + 4, cy - r + 12, "start", "font-size=\"10\" fill=\"" SVG_MUTED "\"", buf);
    }
    for (i = 0; i < c->n; i++) {
        double a = -pi / 2 + 2 * pi * (double)i / (double)c->n, ca = cos(a), sa = sin(a);
        const char *anchor = ca > 0.3 ? "start" : ca < -0.3 ? "end" : "middle";
        double first = c->nseries ? c->series[0][i] : NAN;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" SVG_GRID
                   "\"/>\n", cx, cy, cx + R * ca, cy + R * sa);
        if (isfinite(first)) {
            svg_value_label(buf, sizeof buf, first, 0);
            snprintf(lab, sizeof lab, "%s (%s)", c->axes[i], buf);
        } else {
            snprintf(lab, sizeof lab, "%s (n/a)", c->axes[i]);
        }
        text_at(f, cx + (R + 14) * ca, cy + (R + 14) * sa + 4 + 6 * sa, anchor, "", lab);
    }
    for (s = 0; s < c->nseries && s < 4; s++) {
        const double *x = c->series[s];
        fputs("<polygon points=\"", f);
        for (i = 0; i < c->n; i++) {
            double a = -pi / 2 + 2 * pi * (double)i / (double)c->n, r;
            if (!isfinite(x[i]))
                continue;
            r = R * clamp(x[i], 0, c->max) / c->max;
            fprintf(f, "%.1f,%.1f ", cx + r * cos(a), cy + r * sin(a));
        }
        if (s == 0)
            fprintf(f, "\" fill=\"%s\" fill-opacity=\"0.22\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                    strokes[s], strokes[s]);
        else
            fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>\n",
                    strokes[s], dashes[s]);
        for (i = 0; i < c->n; i++) {
            double a = -pi / 2 + 2 * pi * (double)i / (double)c->n, r;
            if (!isfinite(x[i]))
                continue;
            r = R * clamp(x[i], 0, c->max) / c->max;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">",
                    cx + r * cos(a), cy + r * sin(a), strokes[s]);
            svg_value_label(buf, sizeof buf, x[i], 0);
            snprintf(lab, sizeof lab, "%s, %s", c->series_labels[s], c->axes[i]);
            tooltip(f, lab, buf);
            fputs("</circle>\n", f);
        }
        legend_line(f, cx - 120, ly + 22.0 * (double)s, strokes[s], dashes[s], 1,
                    c->series_labels[s]);
    }
    fputs("</svg>\n", f);
}
