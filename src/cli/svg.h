/* Small SVG chart writers for `iv report`: horizontal bars (plain or diverging), a line
 * against a quantile band, a heat map and a radar. Each chart is one self-contained
 * <svg> element (XML: it parses on its own) with a visible title, a <title> and a <desc>
 * for screen readers, labelled axes and colours from the Okabe & Ito (2008) palette, which
 * stays distinguishable under the common colour-vision deficiencies. Undefined values are
 * NaN and are drawn as "undefined" / "not observed", never as 0. */
#ifndef IV_CLI_SVG_H
#define IV_CLI_SVG_H

#include <stddef.h>
#include <stdio.h>

/* Okabe & Ito, "Color Universal Design" (2008). */
#define SVG_BLUE "#0072B2"
#define SVG_VERMILLION "#D55E00"
#define SVG_ORANGE "#E69F00"
#define SVG_SKY "#56B4E9"
#define SVG_GREEN "#009E73"
#define SVG_INK "#1a1a1a"
#define SVG_MUTED "#595959" /* 7:1 on white: secondary text */
#define SVG_GRID "#d0d0d0"

/* Write s with the five XML special characters escaped (text and attribute values). */
void svg_escape(FILE *f, const char *s);

/* Axis ticks: first, first + step, ..., count of them. */
typedef struct svg_ticks {
    double first, step;
    int count;
} svg_ticks;

/* "Nice" ticks covering [lo, hi] with about n ticks: steps of 1, 2 or 5 times a power of
 * ten (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990). The ticks span
 * the range: first <= lo and first + (count-1)*step >= hi. lo == hi is widened to a unit
 * around the value. Returns 0, or -1 when lo or hi is not finite or n < 2. */
int svg_nice_ticks(double lo, double hi, int n, svg_ticks *out);

/* A tick label: with as many decimals as the step needs (step 0.05 -> 2). */
void svg_tick_label(char *buf, size_t cap, double v, double step);

/* A value for people: thousands grouped with a thin space ("215 802"), about three
 * significant digits below 1000 ("0.0579", "12.3", "-0.576"); percent adds "%" to
 * 100*v with one decimal; NaN gives "undefined". */
void svg_value_label(char *buf, size_t cap, double v, int percent);

/* Horizontal bars, one per label. With diverging set, negative values are drawn in
 * vermillion to the left of zero and positive ones in blue (the value text carries the
 * sign too, so colour is never the only cue). */
typedef struct svg_bars {
    const char *id;           /* unique in the page: prefixes the element ids */
    const char *title;        /* visible title and <title> */
    const char *desc;         /* <desc>: what the chart shows, for screen readers */
    const char *value_label;  /* x-axis label */
    size_t n;
    const char *const *labels;
    const double *values;     /* NaN = undefined */
    const char *const *notes; /* optional text after each value (NULL or NULL entries) */
    int diverging;
    int percent;              /* values are fractions, shown as percent */
    const int *good;          /* optional, per bar: +1 the change is good (blue), -1 bad
                                 (vermillion), 0 neutral (grey); replaces the sign colours */
} svg_bars;
void svg_bar_chart(FILE *f, const svg_bars *c);

/* A series over buckets 1..k against a norm band: p10-p90 and p25-p75 shading and the
 * median line. NaN marks an unobserved bucket (censored); the series' unobserved
 * buckets are shaded and labelled "not yet observed". */
typedef struct svg_band {
    const char *id, *title, *desc;
    const char *x_label, *y_label;
    size_t k;
    const double *p10, *p25, *median, *p75, *p90;
    const double *series;
    const char *series_label; /* legend text of the series */
} svg_band;
void svg_band_chart(FILE *f, const svg_band *c);

/* Up to four series over n labelled points (e.g. months), each a line with markers,
 * and optionally a shaded band (band_lo..band_hi, e.g. an interval around series 0).
 * NaN leaves a gap. Each point has a tooltip with its label and value. */
typedef struct svg_lines {
    const char *id, *title, *desc;
    const char *y_label;
    size_t n, nseries;
    const char *const *x_labels;   /* n labels; about eight are printed on the axis */
    const double *series[4];
    const char *names[4];          /* legend text of each series */
    const double *band_lo, *band_hi; /* optional */
    const char *band_name;
    int percent;                   /* values are fractions, shown as percent */
} svg_lines;
void svg_line_chart(FILE *f, const svg_lines *c);

/* A heat map of shares in [0, 1] (rows x cols, row-major; NaN = not observed), cells
 * labelled in percent, with a colour legend. Colours: the viridis ramp (van der Walt &
 * Smith, 2015), monotone in lightness and readable with colour-vision deficiencies. */
typedef struct svg_heat {
    const char *id, *title, *desc;
    const char *x_label, *y_label;
    size_t rows, cols;
    const char *const *row_labels;
    const char *const *col_labels;
    const double *cells;
} svg_heat;
void svg_heatmap(FILE *f, const svg_heat *c);

/* A radar over n axes (n >= 3) on the scale [0, max], rings every ring_step, with up to
 * four series (the first filled, the others outlined and dashed). A NaN value leaves its
 * vertex out and marks the axis label "(n/a)". */
typedef struct svg_radar {
    const char *id, *title, *desc;
    size_t n;
    const char *const *axes;
    double max, ring_step;
    size_t nseries;
    const double *const *series;     /* nseries arrays of n values */
    const char *const *series_labels;
} svg_radar;
void svg_radar_chart(FILE *f, const svg_radar *c);

#endif
