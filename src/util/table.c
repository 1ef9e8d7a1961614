/* Result tables: typed columns, row access and export to text, CSV and JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "encoding.h"
#include "iv/ingest.h"
#include "table.h"
#include "text.h"

typedef struct iv__tcol {
    char *name;
    int type;
    union {
        double *d;
        int64_t *i;
        uint64_t *s; /* string: offset+1 into the arena, 0 = undefined */
        struct iv__tlist *l;
    } v;
    uint8_t *def;
    int numeric_text; /* STRING: integer-looking cells export to JSON as numbers */
} iv__tcol;

typedef struct iv__tlist {
    uint64_t *items; /* arena offsets */
    size_t n, cap;
} iv__tlist;

struct iv_table {
    iv__alloc alloc;
    iv__tcol *cols;
    size_t ncols, capcols;
    size_t nrows, caprows;
    void *slab;        /* when set, every column's values and marks lie in this one block */
    size_t slab_size;
    char *arena;
    size_t narena, caparena;
    int single;
};

static size_t iv__tcol_esz(int type)
{
    switch (type) {
    case IV_COL_DOUBLE: return sizeof(double);
    case IV_COL_STRING: return sizeof(uint64_t);
    case IV_COL_LIST: return sizeof(iv__tlist);
    default: return sizeof(int64_t);
    }
}

iv_table *iv__table_new(const iv__alloc *a)
{
    iv_table *t = iv__calloc(a, 1, sizeof *t);
    if (!t) {
        iv__nomem("a table");
        return NULL;
    }
    t->alloc = *a;
    return t;
}

const iv__alloc *iv__table_alloc(const iv_table *t)
{
    return &t->alloc;
}

/* Free the columns' blocks of t->caprows rows (the slab, or each column's two). */
static void iv__table_free_blocks(iv_table *t)
{
    size_t c;
    if (t->slab) {
        iv__free(&t->alloc, t->slab, t->slab_size);
    } else {
        for (c = 0; c < t->ncols; c++) {
            iv__free(&t->alloc, t->cols[c].v.d, t->caprows * iv__tcol_esz(t->cols[c].type));
            iv__free(&t->alloc, t->cols[c].def, t->caprows);
        }
    }
    t->slab = NULL;
    t->slab_size = 0;
}

IV_API void iv_table_free(iv_table *t)
{
    size_t c, r;
    if (!t)
        return;
    for (c = 0; c < t->ncols; c++) {
        iv__tcol *col = &t->cols[c];
        if (col->type == IV_COL_LIST)
            for (r = 0; r < t->nrows; r++)
                iv__free(&t->alloc, col->v.l[r].items, col->v.l[r].cap * sizeof(uint64_t));
    }
    iv__table_free_blocks(t);
    for (c = 0; c < t->ncols; c++)
        iv__strfree(&t->alloc, t->cols[c].name);
    iv__free(&t->alloc, t->cols, t->capcols * sizeof *t->cols);
    iv__free(&t->alloc, t->arena, t->caparena);
    iv__free(&t->alloc, t, sizeof *t);
}

int iv__table_add_col(iv_table *t, const char *name, int type)
{
    void *p = t->cols;
    int rc;
    if (t->nrows || t->caprows)
        return iv__error(IV_ESTATE, "table: columns must be added before rows");
    if ((rc = iv__grow(&t->alloc, &p, &t->capcols, t->ncols + 1, sizeof *t->cols)))
        return rc;
    t->cols = p;
    memset(&t->cols[t->ncols], 0, sizeof *t->cols);
    t->cols[t->ncols].name = iv__strndup(&t->alloc, name, strlen(name));
    if (!t->cols[t->ncols].name)
        return iv__nomem("a column name");
    t->cols[t->ncols].type = type;
    return (int)t->ncols++;
}

/* Bytes of a column piece in a slab: rounded up so that the next piece stays aligned. */
static size_t iv__slab_piece(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Room for ncap rows (> caprows) in every column: new blocks, the rows so far copied, the
 * old blocks freed only when every allocation succeeded (a failure part-way leaves the
 * table as it was). The rows after nrows are not initialised: iv__table_add_row clears
 * each cell of a row as it adds it, and nothing reads past nrows. When the columns come
 * to IV__HUGE_MIN bytes or more they share one block (a slab): the allocator backs so
 * large a block with huge pages (core.c), where separate columns below that size each
 * fault in 4 KiB at a time (~13 us each in a VM: the 101,000 x 28 trajectories table of
 * a report took 6,400 faults). */
static int iv__table_grow(iv_table *t, size_t ncap)
{
    void **nv = NULL, **nd = NULL;
    char *slab = NULL;
    size_t c, total = 0, off = 0;
    int ok = 1;
    nv = iv__calloc(&t->alloc, t->ncols ? t->ncols : 1, sizeof *nv);
    nd = iv__calloc(&t->alloc, t->ncols ? t->ncols : 1, sizeof *nd);
    if (!nv || !nd)
        ok = 0;
    for (c = 0; ok && c < t->ncols; c++) {
        size_t esz = iv__tcol_esz(t->cols[c].type), piece;
        if (ncap > (SIZE_MAX / 4) / esz) {
            ok = 0;
            break;
        }
        piece = iv__slab_piece(ncap * esz) + iv__slab_piece(ncap);
        if (total > SIZE_MAX / 2 - piece) {
            ok = 0;
            break;
        }
        total += piece;
    }
    if (ok && total >= IV__HUGE_MIN) {
        if (!(slab = iv__malloc(&t->alloc, total)))
            ok = 0;
        for (c = 0; ok && c < t->ncols; c++) {
            size_t esz = iv__tcol_esz(t->cols[c].type);
            nv[c] = slab + off;
            off += iv__slab_piece(ncap * esz);
            nd[c] = slab + off;
            off += iv__slab_piece(ncap);
        }
    }
    for (c = 0; ok && !slab && c < t->ncols; c++) {
        size_t esz = iv__tcol_esz(t->cols[c].type);
        nv[c] = iv__malloc(&t->alloc, ncap * esz);
        nd[c] = iv__malloc(&t->alloc, ncap);
        if (!nv[c] || !nd[c])
            ok = 0;
    }
    if (!ok) {
        for (c = 0; !slab && nv && nd && c < t->ncols; c++) {
            iv__free(&t->alloc, nv[c], ncap * iv__tcol_esz(t->cols[c].type));
            iv__free(&t->alloc, nd[c], ncap);
        }
        iv__free(&t->alloc, slab, total);
        iv__free(&t->alloc, nv, (t->ncols ? t->ncols : 1) * sizeof *nv);
        iv__free(&t->alloc, nd, (t->ncols ? t->ncols : 1) * sizeof *nd);
        return iv__nomem("table rows");
    }
    for (c = 0; t->nrows && c < t->ncols; c++) {
        memcpy(nv[c], t->cols[c].v.d, t->nrows * iv__tcol_esz(t->cols[c].type));
        memcpy(nd[c], t->cols[c].def, t->nrows);
    }
    iv__table_free_blocks(t);
    for (c = 0; c < t->ncols; c++) {
        t->cols[c].v.d = nv[c];
        t->cols[c].def = nd[c];
    }
    t->slab = slab;
    t->slab_size = slab ? total : 0;
    iv__free(&t->alloc, nv, (t->ncols ? t->ncols : 1) * sizeof *nv);
    iv__free(&t->alloc, nd, (t->ncols ? t->ncols : 1) * sizeof *nd);
    t->caprows = ncap;
    return IV_OK;
}

int iv__table_reserve(iv_table *t, size_t rows)
{
    return rows > t->caprows ? iv__table_grow(t, rows) : IV_OK;
}

long iv__table_add_row(iv_table *t)
{
    size_t c;
    if (t->nrows == t->caprows) {
        if (t->caprows > SIZE_MAX / 2)
            return iv__nomem("table rows");
        if (iv__table_grow(t, t->caprows ? t->caprows * 2 : 16) != IV_OK)
            return IV_ENOMEM;
    }
    for (c = 0; c < t->ncols; c++) {
        t->cols[c].def[t->nrows] = 0;
        memset((char *)t->cols[c].v.d + t->nrows * iv__tcol_esz(t->cols[c].type), 0,
               iv__tcol_esz(t->cols[c].type));
    }
    return (long)t->nrows++;
}

static iv__tcol *iv__cell(const iv_table *t, size_t row, size_t col)
{
    if (!t || row >= t->nrows || col >= t->ncols)
        return NULL;
    return &t->cols[col];
}

int iv__table_set_double(iv_table *t, size_t row, size_t col, double v)
{
    iv__tcol *c = iv__cell(t, row, col);
    if (!c)
        return iv__error(IV_ERANGE, "table cell (%zu, %zu) out of range", row, col);
    if (c->type != IV_COL_DOUBLE)
        return iv__error(IV_EINVAL, "table column '%s' is not a double column", c->name);
    c->v.d[row] = v;
    c->def[row] = !isnan(v);
    return IV_OK;
}

int iv__table_set_int(iv_table *t, size_t row, size_t col, int64_t v)
{
    iv__tcol *c = iv__cell(t, row, col);
    if (!c)
        return iv__error(IV_ERANGE, "table cell (%zu, %zu) out of range", row, col);
    if (c->type != IV_COL_INT && c->type != IV_COL_TIME && c->type != IV_COL_BOOL)
        return iv__error(IV_EINVAL, "table column '%s' is not an integer column", c->name);
    if (c->type == IV_COL_TIME && v == IV_TIME_NONE) {
        c->def[row] = 0;
        return IV_OK;
    }
    c->v.i[row] = c->type == IV_COL_BOOL ? (v != 0) : v;
    c->def[row] = 1;
    return IV_OK;
}

/* Copy n bytes into the arena; *off receives offset+1. */
static int iv__arena_put(iv_table *t, const char *s, size_t n, uint64_t *off)
{
    void *p = t->arena;
    int rc;
    if ((rc = iv__grow(&t->alloc, &p, &t->caparena, t->narena + n + 1, 1)))
        return rc;
    t->arena = p;
    if (n)
        memcpy(t->arena + t->narena, s, n);
    t->arena[t->narena + n] = '\0';
    *off = (uint64_t)t->narena + 1;
    t->narena += n + 1;
    return IV_OK;
}

int iv__table_set_string(iv_table *t, size_t row, size_t col, const char *s, size_t n)
{
    iv__tcol *c = iv__cell(t, row, col);
    uint64_t off;
    int rc;
    if (!c)
        return iv__error(IV_ERANGE, "table cell (%zu, %zu) out of range", row, col);
    if (c->type != IV_COL_STRING)
        return iv__error(IV_EINVAL, "table column '%s' is not a string column", c->name);
    if (!s) {
        c->def[row] = 0;
        return IV_OK;
    }
    if ((rc = iv__arena_put(t, s, n, &off)))
        return rc;
    c->v.s[row] = off;
    c->def[row] = 1;
    return IV_OK;
}

int iv__table_list_push(iv_table *t, size_t row, size_t col, const char *s, size_t n)
{
    iv__tcol *c = iv__cell(t, row, col);
    iv__tlist *l;
    uint64_t off;
    void *p;
    int rc;
    if (!c)
        return iv__error(IV_ERANGE, "table cell (%zu, %zu) out of range", row, col);
    if (c->type != IV_COL_LIST)
        return iv__error(IV_EINVAL, "table column '%s' is not a list column", c->name);
    l = &c->v.l[row];
    p = l->items;
    if ((rc = iv__grow(&t->alloc, &p, &l->cap, l->n + 1, sizeof(uint64_t))))
        return rc;
    l->items = p;
    if ((rc = iv__arena_put(t, s, n, &off)))
        return rc;
    l->items[l->n++] = off;
    c->def[row] = 1;
    return IV_OK;
}

void iv__table_set_numeric_text(iv_table *t, size_t col)
{
    if (t && col < t->ncols && t->cols[col].type == IV_COL_STRING)
        t->cols[col].numeric_text = 1;
}

/* A plain decimal integer: optional '-', 1 to 18 digits, no leading zero. */
static int iv__is_int_text(const char *s)
{
    size_t n = 0;
    if (*s == '-')
        s++;
    if (s[0] == '0' && s[1] != '\0')
        return 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n > 0 && n <= 18;
}

void iv__table_set_single(iv_table *t, int single)
{
    t->single = single;
}

/* ------------------------------------------------------------- access --- */

IV_API size_t iv_table_nrows(const iv_table *t)
{
    return t ? t->nrows : 0;
}

IV_API size_t iv_table_ncols(const iv_table *t)
{
    return t ? t->ncols : 0;
}

IV_API const char *iv_table_col_name(const iv_table *t, size_t col)
{
    return t && col < t->ncols ? t->cols[col].name : NULL;
}

IV_API int iv_table_col_type(const iv_table *t, size_t col)
{
    return t && col < t->ncols ? t->cols[col].type : -1;
}

IV_API long iv_table_col_index(const iv_table *t, const char *name)
{
    size_t c;
    if (!t || !name)
        return -1;
    for (c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return (long)c;
    return -1;
}

IV_API int iv_table_is_defined(const iv_table *t, size_t row, size_t col)
{
    const iv__tcol *c = iv__cell(t, row, col);
    return c ? c->def[row] : 0;
}

IV_API double iv_table_get_double(const iv_table *t, size_t row, size_t col)
{
    const iv__tcol *c = iv__cell(t, row, col);
    if (!c || !c->def[row])
        return (double)NAN;
    switch (c->type) {
    case IV_COL_DOUBLE: return c->v.d[row];
    case IV_COL_INT:
    case IV_COL_TIME:
    case IV_COL_BOOL: return (double)c->v.i[row];
    default: return (double)NAN;
    }
}

IV_API int64_t iv_table_get_int(const iv_table *t, size_t row, size_t col)
{
    const iv__tcol *c = iv__cell(t, row, col);
    if (!c || !c->def[row])
        return 0;
    switch (c->type) {
    case IV_COL_DOUBLE: return (int64_t)c->v.d[row];
    case IV_COL_INT:
    case IV_COL_TIME:
    case IV_COL_BOOL: return c->v.i[row];
    default: return 0;
    }
}

IV_API const char *iv_table_get_string(const iv_table *t, size_t row, size_t col)
{
    const iv__tcol *c = iv__cell(t, row, col);
    if (!c || !c->def[row] || c->type != IV_COL_STRING)
        return NULL;
    return t->arena + c->v.s[row] - 1;
}

IV_API size_t iv_table_get_list_len(const iv_table *t, size_t row, size_t col)
{
    const iv__tcol *c = iv__cell(t, row, col);
    if (!c || !c->def[row] || c->type != IV_COL_LIST)
        return 0;
    return c->v.l[row].n;
}

IV_API const char *iv_table_get_list_item(const iv_table *t, size_t row, size_t col, size_t i)
{
    const iv__tcol *c = iv__cell(t, row, col);
    if (!c || !c->def[row] || c->type != IV_COL_LIST || i >= c->v.l[row].n)
        return NULL;
    return t->arena + c->v.l[row].items[i] - 1;
}

IV_API int iv_table_is_single(const iv_table *t)
{
    return t ? t->single : 0;
}

/* ------------------------------------------------------------- export --- */

/* Buffered writer over a sink. */
typedef struct iv__out {
    iv_write_fn fn;
    void *payload;
    char buf[8192];
    size_t n;
    int failed;
} iv__out;

static void iv__out_flush(iv__out *o)
{
    if (o->n && !o->failed && o->fn(o->buf, o->n, o->payload))
        o->failed = 1;
    o->n = 0;
}

static void iv__out_put(iv__out *o, const char *s, size_t n)
{
    while (n) {
        size_t k = IV__MIN(n, sizeof o->buf - o->n);
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
        if (o->n == sizeof o->buf)
            iv__out_flush(o);
    }
}

static void iv__out_str(iv__out *o, const char *s)
{
    iv__out_put(o, s, strlen(s));
}

/* printf and strtod follow LC_NUMERIC; exports must not. Turn a locale's one-byte
 * decimal separator back into '.'. */
static void iv__c_decimal(char *buf)
{
    for (; *buf; buf++)
        if (!((*buf >= '0' && *buf <= '9') || *buf == 'e' || *buf == 'E' || *buf == '-' ||
              *buf == '+' || *buf == 'n' || *buf == 'a' || *buf == 'i' || *buf == 'f'))
            *buf = '.';
}

/* Shortest "%.Ng" (N = 15..17) that reads back as the same double: stable, exact and
 * short; integers print without a decimal point. */
static void iv__fmt_double(char *buf, size_t cap, double v)
{
    int prec;
    if (v == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    iv__c_decimal(buf);
}

/* Text of a defined scalar cell (not strings or lists) into buf. */
static void iv__cell_text(const iv_table *t, const iv__tcol *c, size_t row, char *buf, size_t cap,
                          int human)
{
    switch (c->type) {
    case IV_COL_DOUBLE:
        if (human) {
            snprintf(buf, cap, "%.6g", c->v.d[row]);
            iv__c_decimal(buf);
        } else
            iv__fmt_double(buf, cap, c->v.d[row]);
        break;
    case IV_COL_INT: snprintf(buf, cap, "%lld", (long long)c->v.i[row]); break;
    case IV_COL_TIME: iv_time_format(c->v.i[row], buf, cap); break;
    case IV_COL_BOOL: snprintf(buf, cap, "%s", c->v.i[row] ? "true" : "false"); break;
    default: buf[0] = '\0';
    }
    (void)t;
}

static void iv__out_put_cb(void *o, const char *s, size_t n)
{
    iv__out_put(o, s, n);
}

static void iv__csv_field(iv__out *o, const char *s, char delim)
{
    iv__csv_put_field(s, delim, iv__out_put_cb, o);
}

/* A JSON string: always valid UTF-8 whatever the bytes (a store filled through the C
 * record or column API holds what it was given): every byte that does not start a
 * well-formed UTF-8 sequence is written as U+FFFD. */
static void iv__json_str(iv__out *o, const char *s)
{
    const unsigned char *p;
    size_t n = strlen(s), bad = iv__utf8_invalid(s, n);
    iv__out_put(o, "\"", 1);
    for (p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        size_t at = (size_t)((const char *)p - s);
        if (at == bad) {
            iv__out_put(o, "\\ufffd", 6);
            bad = at + 1 + iv__utf8_invalid(s + at + 1, n - at - 1);
            continue;
        }
        switch (*p) {
        case '"': iv__out_put(o, "\\\"", 2); break;
        case '\\': iv__out_put(o, "\\\\", 2); break;
        case '\n': iv__out_put(o, "\\n", 2); break;
        case '\r': iv__out_put(o, "\\r", 2); break;
        case '\t': iv__out_put(o, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                iv__out_put(o, esc, 6);
            } else {
                iv__out_put(o, (const char *)p, 1);
            }
        }
    }
    iv__out_put(o, "\"", 1);
}

static void iv__write_csv(const iv_table *t, iv__out *o)
{
    size_t r, c, i;
    char buf[64];
    for (c = 0; c < t->ncols; c++) {
        if (c)
            iv__out_put(o, ",", 1);
        iv__csv_field(o, t->cols[c].name, ',');
    }
    iv__out_put(o, "\n", 1);
    for (r = 0; r < t->nrows; r++) {
        for (c = 0; c < t->ncols; c++) {
            const iv__tcol *col = &t->cols[c];
            if (c)
                iv__out_put(o, ",", 1);
            if (!col->def[r])
                continue;
            if (col->type == IV_COL_STRING) {
                iv__csv_field(o, iv_table_get_string(t, r, c), ',');
            } else if (col->type == IV_COL_LIST) {
                /* items joined by ';' inside one field */
                size_t len = 0;
                char *joined;
                for (i = 0; i < col->v.l[r].n; i++)
                    len += strlen(iv_table_get_list_item(t, r, c, i)) + 1;
                joined = iv__malloc(&t->alloc, len + 1);
                if (!joined) {
                    o->failed = 2;
                    return;
                }
                joined[0] = '\0';
                for (i = 0; i < col->v.l[r].n; i++) {
                    if (i)
                        strcat(joined, ";");
                    strcat(joined, iv_table_get_list_item(t, r, c, i));
                }
                iv__csv_field(o, joined, ',');
                iv__free(&t->alloc, joined, len + 1);
            } else {
                iv__cell_text(t, col, r, buf, sizeof buf, 0);
                iv__out_str(o, buf);
            }
        }
        iv__out_put(o, "\n", 1);
    }
}

static void iv__write_json_row(const iv_table *t, iv__out *o, size_t r)
{
    size_t c, i;
    char buf[64];
    iv__out_put(o, "{", 1);
    for (c = 0; c < t->ncols; c++) {
        const iv__tcol *col = &t->cols[c];
        if (c)
            iv__out_put(o, ", ", 2);
        iv__json_str(o, col->name);
        iv__out_put(o, ": ", 2);
        if (!col->def[r] && col->type != IV_COL_LIST) {
            iv__out_str(o, "null");
        } else if (col->type == IV_COL_STRING) {
            const char *str = iv_table_get_string(t, r, c);
            if (col->numeric_text && iv__is_int_text(str))
                iv__out_str(o, str);
            else
                iv__json_str(o, str);
        } else if (col->type == IV_COL_LIST) {
            iv__out_put(o, "[", 1);
            for (i = 0; i < iv_table_get_list_len(t, r, c); i++) {
                if (i)
                    iv__out_put(o, ", ", 2);
                iv__json_str(o, iv_table_get_list_item(t, r, c, i));
            }
            iv__out_put(o, "]", 1);
        } else if (col->type == IV_COL_TIME) {
            iv__cell_text(t, col, r, buf, sizeof buf, 0);
            iv__json_str(o, buf);
        } else {
            iv__cell_text(t, col, r, buf, sizeof buf, 0);
            iv__out_str(o, buf);
        }
    }
    iv__out_put(o, "}", 1);
}

static void iv__write_json(const iv_table *t, iv__out *o)
{
    size_t r;
    if (t->single && t->nrows == 1) {
        iv__write_json_row(t, o, 0);
        iv__out_put(o, "\n", 1);
        return;
    }
    iv__out_put(o, "[", 1);
    for (r = 0; r < t->nrows; r++) {
        iv__out_str(o, r ? ",\n " : "\n ");
        iv__write_json_row(t, o, r);
    }
    iv__out_str(o, t->nrows ? "\n]\n" : "]\n");
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t iv__utf8_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* Text of any cell for the people's format into a caller buffer or a pointer into
 * the table; "-" for undefined. */
static const char *iv__human_cell(const iv_table *t, size_t r, size_t c, char *buf, size_t cap)
{
    const iv__tcol *col = &t->cols[c];
    if (!col->def[r])
        return "-";
    if (col->type == IV_COL_STRING)
        return iv_table_get_string(t, r, c);
    if (col->type == IV_COL_LIST) {
        size_t i, n = 0;
        buf[0] = '\0';
        for (i = 0; i < col->v.l[r].n && n + 1 < cap; i++) {
            int k = snprintf(buf + n, cap - n, "%s%s", i ? ";" : "", iv_table_get_list_item(t, r, c, i));
            if (k < 0)
                break;
            n += (size_t)k;
        }
        return buf;
    }
    iv__cell_text(t, col, r, buf, cap, 1);
    return buf;
}

static int iv__write_text(const iv_table *t, iv__out *o)
{
    size_t r, c, *w, i;
    char buf[256];
    w = iv__calloc(&t->alloc, t->ncols ? t->ncols : 1, sizeof *w);
    if (!w)
        return iv__nomem("formatting a table");
    for (c = 0; c < t->ncols; c++) {
        w[c] = iv__utf8_width(t->cols[c].name);
        for (r = 0; r < t->nrows; r++) {
            size_t k = iv__utf8_width(iv__human_cell(t, r, c, buf, sizeof buf));
            if (k > w[c])
                w[c] = k;
        }
    }
    for (r = 0; r <= t->nrows + 1; r++) {
        for (c = 0; c < t->ncols; c++) {
            const char *s;
            size_t k;
            int right = r > 1 && t->cols[c].type != IV_COL_STRING && t->cols[c].type != IV_COL_LIST;
            if (r == 1) {
                for (i = 0; i < w[c]; i++)
                    iv__out_put(o, "-", 1);
            } else {
                s = r == 0 ? t->cols[c].name : iv__human_cell(t, r - 2, c, buf, sizeof buf);
                k = iv__utf8_width(s);
                if (right)
                    for (i = k; i < w[c]; i++)
                        iv__out_put(o, " ", 1);
                iv__out_str(o, s);
                if (!right && c + 1 < t->ncols)
                    for (i = k; i < w[c]; i++)
                        iv__out_put(o, " ", 1);
            }
            if (c + 1 < t->ncols)
                iv__out_put(o, "  ", 2);
        }
        iv__out_put(o, "\n", 1);
    }
    iv__free(&t->alloc, w, (t->ncols ? t->ncols : 1) * sizeof *w);
    return IV_OK;
}

IV_API int iv_table_write(const iv_table *t, int format, iv_write_fn fn, void *payload)
{
    iv__out *o;
    int rc = IV_OK;
    if (!t || !fn)
        return iv__error(IV_EINVAL, "iv_table_write: NULL argument");
    if (format < IV_FORMAT_TABLE || format > IV_FORMAT_JSON)
        return iv__error(IV_EINVAL, "iv_table_write: unknown format %d", format);
    o = iv__malloc(&t->alloc, sizeof *o);
    if (!o)
        return iv__nomem("an output buffer");
    o->fn = fn;
    o->payload = payload;
    o->n = 0;
    o->failed = 0;
    if (format == IV_FORMAT_CSV)
        iv__write_csv(t, o);
    else if (format == IV_FORMAT_JSON)
        iv__write_json(t, o);
    else
        rc = iv__write_text(t, o);
    iv__out_flush(o);
    if (rc == IV_OK && o->failed)
        rc = o->failed == 2 ? iv__nomem("formatting a table") : iv__error(IV_EIO, "writing a table failed");
    iv__free(&t->alloc, o, sizeof *o);
    return rc;
}

typedef struct iv__strbuf {
    const iv__alloc *a;
    char *p;
    size_t n, cap;
} iv__strbuf;

static int iv__strbuf_put(const void *data, size_t len, void *payload)
{
    iv__strbuf *b = payload;
    void *p = b->p;
    if (iv__grow(b->a, &p, &b->cap, b->n + len + 1, 1))
        return 1;
    b->p = p;
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

IV_API int iv_table_to_string(const iv_table *t, int format, char **out, size_t *len)
{
    iv__strbuf b;
    int rc;
    if (!t || !out)
        return iv__error(IV_EINVAL, "iv_table_to_string: NULL argument");
    *out = NULL;
    b.a = &t->alloc;
    b.p = NULL;
    b.n = b.cap = 0;
    if (iv__strbuf_put("", 0, &b))
        return iv__nomem("a table string");
    rc = iv_table_write(t, format, iv__strbuf_put, &b);
    if (rc == IV_EIO)
        rc = iv__nomem("a table string");
    if (rc) {
        iv__free(&t->alloc, b.p, b.cap);
        return rc;
    }
    /* shrink to n+1 so that iv_table_free_string can pass the exact size */
    if (b.cap != b.n + 1) {
        char *s = iv__realloc(&t->alloc, b.p, b.cap, b.n + 1);
        if (!s) {
            iv__free(&t->alloc, b.p, b.cap);
            return iv__nomem("a table string");
        }
        b.p = s;
    }
    *out = b.p;
    if (len)
        *len = b.n;
    return IV_OK;
}

IV_API void iv_table_free_string(const iv_table *t, char *s)
{
    if (t && s)
        iv__free(&t->alloc, s, strlen(s) + 1);
}

static int iv__file_put(const void *data, size_t len, void *payload)
{
    return fwrite(data, 1, len, (FILE *)payload) != len;
}

IV_API int iv_table_save(const iv_table *t, int format, const char *path)
{
    FILE *f;
    int rc;
    if (!t || !path)
        return iv__error(IV_EINVAL, "iv_table_save: NULL argument");
    f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f)
        return iv__error(IV_EIO, "cannot open '%s' for writing", path);
    rc = iv_table_write(t, format, iv__file_put, f);
    if (f == stdout) {
        if (fflush(f) && rc == IV_OK)
            rc = iv__error(IV_EIO, "writing to standard output failed");
    } else if (fclose(f) && rc == IV_OK) {
        rc = iv__error(IV_EIO, "closing '%s' failed", path);
    }
    if (rc == IV_EIO && strstr(iv_error_last(), "writing a table"))
        rc = iv__error(IV_EIO, "writing '%s' failed", path);
    return rc;
}

/* ------------------------------------------------------------- public builder --- */

IV_API int iv_table_new(iv_table **out, iv_alloc_fn alloc, void *alloc_ud)
{
    iv__alloc a;
    if (!out)
        return iv__error(IV_EINVAL, "iv_table_new: out is NULL");
    iv__alloc_init(&a, alloc, alloc_ud);
    *out = iv__table_new(&a);
    return *out ? IV_OK : IV_ENOMEM;
}

IV_API int iv_table_add_column(iv_table *t, const char *name, int type)
{
    if (!t || !name || type < IV_COL_STRING || type > IV_COL_LIST)
        return iv__error(IV_EINVAL, "iv_table_add_column: bad arguments");
    return iv__table_add_col(t, name, type);
}

IV_API long iv_table_add_row(iv_table *t)
{
    if (!t)
        return iv__error(IV_EINVAL, "iv_table_add_row: table is NULL");
    return iv__table_add_row(t);
}

IV_API int iv_table_set_double(iv_table *t, size_t row, size_t col, double v)
{
    return iv__table_set_double(t, row, col, v);
}

IV_API int iv_table_set_int(iv_table *t, size_t row, size_t col, int64_t v)
{
    return iv__table_set_int(t, row, col, v);
}

IV_API int iv_table_set_string(iv_table *t, size_t row, size_t col, const char *s)
{
    return iv__table_set_string(t, row, col, s, s ? strlen(s) : 0);
}

IV_API int iv_table_list_append(iv_table *t, size_t row, size_t col, const char *s)
{
    if (!s)
        return iv__error(IV_EINVAL, "iv_table_list_append: NULL item");
    return iv__table_list_push(t, row, col, s, strlen(s));
}

IV_API int iv_table_set_single(iv_table *t, int single)
{
    if (!t)
        return iv__error(IV_EINVAL, "iv_table_set_single: table is NULL");
    iv__table_set_single(t, single);
    return IV_OK;
}
