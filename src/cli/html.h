/* HTML pieces for `iv report`: the page (inline CSS, no script, no external resource) and
 * result tables rendered from an iv_table. Text goes through svg_escape(). */
#ifndef IV_CLI_HTML_H
#define IV_CLI_HTML_H

#include <stdio.h>

#include "iv.h"

/* <!DOCTYPE html> ... <body><main>, with the inline style sheet. */
void html_begin(FILE *f, const char *title);
/* </main></body></html> */
void html_end(FILE *f);

/* A section: <section id="id"><h2>heading</h2> and, when intro is not NULL, <p>intro</p>. */
void html_section(FILE *f, const char *id, const char *heading, const char *intro);
void html_section_end(FILE *f);

/* A paragraph of escaped text with an optional class ("note", "missing"). */
void html_p(FILE *f, const char *cls, const char *text);

/* The table as <table> with a caption. cols lists the columns to show by name (NULL: all);
 * names missing from t are skipped. Numbers are right-aligned and formatted for people
 * (svg_value_label); an undefined cell shows "–" with the tooltip "undefined"; columns
 * whose name is in pct (NULL-terminated, may be NULL) hold fractions shown as percent. */
void html_table(FILE *f, const iv_table *t, const char *caption, const char *const *cols,
                const char *const *pct);

/* The human label of a metric or column name ("cost_per_rv" -> "Cost per RV unit"), or
 * NULL when it has none. Table headers show it, with the name in a tooltip. */
const char *html_label(const char *name);
/* A duration for people: "45 min", "5.2 h", "34.9 d"; NaN gives "undefined". Columns
 * whose name holds "seconds" are shown this way. */
void html_duration(char *buf, size_t cap, double seconds);
/* <figure> around a chart; the caption is escaped text. */
void html_figure_begin(FILE *f);
void html_figure_end(FILE *f, const char *caption);

#endif
