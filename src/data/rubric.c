/* The rubric model of doc/MATURITY.md: eight areas, indicators with a weight, a direction and
 * nine thresholds t2..t10; the INI-style rubric file loader; the level formulas; and
 * the default rubric (documented threshold by threshold in doc/MATURITY.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "rubric.h"
#include "text.h"
#include "wire.h"
#include "table.h"

/* The default rubric. doc/MATURITY.md quotes this text verbatim (a test checks it) and
 * explains every threshold. Keep the two in step. */
static const char iv__default_rubric[] =
    "; libiv default maturity rubric (see doc/MATURITY.md for the reason of every threshold)\n"
    "[area.technology]\nweight = 1\n"
    "[area.channels]\nweight = 1\n"
    "[area.engagement]\nweight = 1\n"
    "[area.experience]\nweight = 1\n"
    "[area.content]\nweight = 1\n"
    "[area.business]\nweight = 1\n"
    "[area.analytics]\nweight = 1\n"
    "[area.governance]\nweight = 1\n"
    "\n"
    "[indicator.technology.self_assessment]\n"
    "weight = 2\ndirection = higher\nthresholds = 2, 3, 4, 5, 6, 7, 8, 9, 10\n"
    "[indicator.technology.id_coverage]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.05, 0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 0.90, 0.98\n"
    "\n"
    "[indicator.channels.active_channels]\n"
    "weight = 1\ndirection = higher\nthresholds = 2, 3, 4, 5, 6, 7, 8, 9, 10\n"
    "[indicator.channels.digital_share]\n"
    "weight = 2\ndirection = higher\n"
    "thresholds = 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90\n"
    "[indicator.channels.cpt]\n"
    "weight = 1\ndirection = lower\n"
    "thresholds = 8.00, 6.00, 4.50, 3.50, 2.80, 2.00, 1.20, 0.60, 0.25\n"
    "\n"
    "[indicator.engagement.repeat_rate]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50, 0.60\n"
    "[indicator.engagement.rv_per_contact]\n"
    "weight = 1\ndirection = higher\nthresholds = 5, 10, 20, 35, 50, 75, 100, 150, 250\n"
    "\n"
    "[indicator.experience.desired_rate]\n"
    "weight = 2\ndirection = higher\n"
    "thresholds = 0.30, 0.40, 0.50, 0.60, 0.70, 0.75, 0.80, 0.85, 0.90\n"
    "[indicator.experience.csat]\n"
    "weight = 1\ndirection = higher\nthresholds = 50, 60, 65, 70, 75, 80, 85, 90, 95\n"
    "[indicator.experience.ces]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 3.0, 3.5, 4.0, 4.5, 5.0, 5.3, 5.6, 6.0, 6.5\n"
    "[indicator.experience.nps]\n"
    "weight = 1\ndirection = higher\nthresholds = -40, -20, -10, 0, 10, 20, 30, 50, 70\n"
    "\n"
    "[indicator.content.rv_per_interaction]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0\n"
    "[indicator.content.self_assessment]\n"
    "weight = 1\ndirection = higher\nthresholds = 2, 3, 4, 5, 6, 7, 8, 9, 10\n"
    "\n"
    "[indicator.business.iv]\n"
    "weight = 2\ndirection = higher\n"
    "thresholds = 0.05, 0.10, 0.20, 0.35, 0.50, 0.75, 1.00, 2.00, 4.00\n"
    "[indicator.business.roi]\n"
    "weight = 1\ndirection = higher\nthresholds = -0.5, 0, 0.5, 1, 2, 3, 5, 8, 12\n"
    "[indicator.business.cpt_trend]\n"
    "weight = 1\ndirection = lower\n"
    "thresholds = 0.10, 0.05, 0, -0.03, -0.06, -0.10, -0.15, -0.20, -0.30\n"
    "\n"
    "[indicator.analytics.outcome_coverage]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.65, 0.80, 0.95\n"
    "[indicator.analytics.value_coverage]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.02, 0.05, 0.10, 0.20, 0.30, 0.40, 0.55, 0.70, 0.90\n"
    "[indicator.analytics.survey_coverage]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30, 0.40, 0.50\n"
    "\n"
    "[indicator.governance.rejected_share]\n"
    "weight = 1\ndirection = lower\n"
    "thresholds = 0.20, 0.10, 0.05, 0.03, 0.02, 0.01, 0.005, 0.002, 0.001\n"
    "[indicator.governance.cost_coverage]\n"
    "weight = 1\ndirection = higher\n"
    "thresholds = 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.65, 0.80, 0.95\n"
    "[indicator.governance.self_assessment]\n"
    "weight = 2\ndirection = higher\nthresholds = 2, 3, 4, 5, 6, 7, 8, 9, 10\n";

static const char *const iv__areas[IV__NAREAS + 1] = {
    "", "technology", "channels", "engagement", "experience",
    "content", "business", "analytics", "governance",
};

int iv__area_parse(const char *s, size_t n)
{
    int a;
    for (a = 1; a <= IV__NAREAS; a++)
        if (iv__ieq(s, n, iv__areas[a]))
            return a;
    return 0;
}

const char *iv__area_name(int area)
{
    return (area >= 1 && area <= IV__NAREAS) ? iv__areas[area] : "";
}

int iv__maturity_alloc(iv__alloc *a, const iv_maturity_options *opts)
{
    int rc;
    if (!opts) {
        iv__alloc_init(a, NULL, NULL);
        return IV_OK;
    }
    rc = iv__check_options(opts, opts->size, sizeof(iv_maturity_options),
                           sizeof(iv_maturity_options), "iv_maturity_options");
    if (rc)
        return rc;
    iv__alloc_init(a, opts->alloc, opts->alloc_ud);
    return IV_OK;
}

IV_API int iv_maturity_options_init(iv_maturity_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_maturity_options, IV_MATURITY_OPTIONS_INIT, opts, size, sizeof(iv_maturity_options));
}

int iv__read_whole_file(const iv__alloc *a, const char *path, char **text, size_t *len,
                        size_t *size)
{
    unsigned char *b;
    size_t n;
    char *t;
    int rc;
    if (!path)
        return iv__error(IV_EINVAL, "file path is NULL");
    if ((rc = iv__read_file(a, path, IV__TEXT_FILE_LIMIT, &b, &n)))
        return rc;
    /* one more byte for the terminating NUL the parsers rely on */
    t = iv__realloc(a, b, n, n + 1);
    if (!t) {
        iv__free(a, b, n);
        return iv__nomem("reading a file");
    }
    t[n] = '\0';
    *text = t;
    *len = n;
    *size = n + 1;
    return IV_OK;
}

/* ---- levels ---- */

/* doc/MATURITY.md: reaching t_k means x >= t_k (higher) or x <= t_k (lower); between t_k and
 * t_{k+1} the level is k plus the fraction of the way to t_{k+1}; below t2 it is 1 and
 * from t10 on it is 10. Thresholds are strictly monotone, so denominators are > 0. */
double iv__indicator_level(const iv__indicator_def *d, double x)
{
    int k;
    double sign = d->lower ? -1.0 : 1.0;
    /* Mirror lower-is-better onto higher-is-better: x <= t_k  <=>  -x >= -t_k. */
    double y = sign * x;
    if (y < sign * d->t[0])
        return 1.0;
    for (k = IV__NTHRESH - 1; k >= 0; k--) {
        double tk = sign * d->t[k];
        if (y >= tk) {
            if (k == IV__NTHRESH - 1)
                return 10.0;
            return (double)(k + 2) + (y - tk) / (sign * d->t[k + 1] - tk);
        }
    }
    return 1.0; /* not reached */
}

/* Names compared byte by byte after ASCII lower-casing (stored names are lower case). */
static int name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y || !x)
            return (int)x - (int)y;
    }
}

static int order_cmp(const void *a, const void *b)
{
    const iv__indicator_def *x = *(const iv__indicator_def *const *)a;
    const iv__indicator_def *y = *(const iv__indicator_def *const *)b;
    int c = name_cmp(x->name, y->name);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sort the indicators' names into r->order; with dup, the line of the first repeated
 * definition in file order (0: none) and the indicator it repeats. n log n. */
static int build_order(iv_rubric *r, long *dup_line, const char **dup_name)
{
    size_t i;
    if (dup_line)
        *dup_line = 0;
    if (r->n == 0)
        return IV_OK;
    r->order = iv__malloc(&r->alloc, r->n * sizeof *r->order);
    if (!r->order)
        return iv__nomem("the rubric's index");
    for (i = 0; i < r->n; i++)
        r->order[i] = &r->ind[i];
    qsort(r->order, r->n, sizeof *r->order, order_cmp);
    for (i = 1; dup_line && i < r->n; i++) {
        const iv__indicator_def *a = r->order[i - 1], *b = r->order[i];
        if (name_cmp(a->name, b->name) == 0 && (*dup_line == 0 || b->line < *dup_line)) {
            *dup_line = b->line;
            *dup_name = b->name;
        }
    }
    return IV_OK;
}

static void drop_order(iv_rubric *r)
{
    if (r->order)
        iv__free(&r->alloc, r->order, r->n * sizeof *r->order);
    r->order = NULL;
}

const iv__indicator_def *iv__rubric_find(const iv_rubric *r, const char *name)
{
    size_t lo = 0, hi = r->order ? r->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(name, r->order[mid]->name);
        if (c == 0)
            return r->order[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

IV_API int iv_rubric_level(const iv_rubric *rubric, const char *indicator, double value,
                           double *level)
{
    const iv__indicator_def *d;
    if (!rubric || !indicator || !level)
        return iv__error(IV_EINVAL, "iv_rubric_level: NULL argument");
    d = iv__rubric_find(rubric, indicator);
    if (!d)
        return iv__error(IV_ENOTFOUND, "the rubric has no indicator '%s'", indicator);
    if (!isfinite(value))
        return iv__error(IV_ERANGE, "indicator '%s': value is not a finite number", indicator);
    *level = iv__indicator_level(d, value);
    return IV_OK;
}

/* ---- the parser ---- */

enum { SEC_NONE, SEC_AREA, SEC_INDICATOR };

typedef struct parser {
    iv_rubric *r;
    iv__ini t;          /* the tokenizer: line numbers and the origin of messages */
    /* the section being read */
    int kind, area;
    long sec_line, thresh_line;
    int have_weight, have_dir, have_thresh;
    long area_seen[IV__NAREAS + 1];
    iv__indicator_def cur;
} parser;

static void rubric_release(iv_rubric *r)
{
    size_t i;
    drop_order(r);
    for (i = 0; i < r->n; i++)
        iv__strfree(&r->alloc, r->ind[i].name);
    iv__free(&r->alloc, r->ind, r->cap * sizeof *r->ind);
}

IV_API void iv_rubric_free(iv_rubric *rubric)
{
    iv__alloc a;
    if (!rubric)
        return;
    a = rubric->alloc;
    rubric_release(rubric);
    iv__free(&a, rubric, sizeof *rubric);
}

/* Close the section being read: check an indicator is complete and store it. */
static int end_section(parser *p)
{
    iv_rubric *r = p->r;
    int k;
    if (p->kind != SEC_INDICATOR)
        return IV_OK;
    if (!p->have_dir)
        return iv__parse_error(p->t.origin, p->sec_line, "[%s]: 'direction' (higher or lower) is missing",
                    p->cur.name);
    if (!p->have_thresh)
        return iv__parse_error(p->t.origin, p->sec_line, "[%s]: 'thresholds' (nine numbers t2 ... t10) is missing",
                    p->cur.name);
    for (k = 0; k + 1 < IV__NTHRESH; k++) {
        int ok = p->cur.lower ? p->cur.t[k + 1] < p->cur.t[k] : p->cur.t[k + 1] > p->cur.t[k];
        if (!ok)
            return iv__parse_error(p->t.origin, p->thresh_line,
                        "[%s] thresholds: t%d = %g and t%d = %g must be strictly %s for "
                        "direction = %s",
                        p->cur.name, k + 2, p->cur.t[k], k + 3, p->cur.t[k + 1],
                        p->cur.lower ? "descending" : "ascending",
                        p->cur.lower ? "lower" : "higher");
    }
    if (iv__grow(&r->alloc, (void **)&r->ind, &r->cap, r->n + 1, sizeof *r->ind))
        return iv__nomem("rubric indicators");
    r->ind[r->n++] = p->cur;
    p->cur.name = NULL;
    p->kind = SEC_NONE;
    return IV_OK;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

int iv__indicator_name_area(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    size_t i;
    int area;
    if (!dot)
        return 0;
    area = iv__area_parse(s, (size_t)(dot - s));
    if (!area)
        return 0;
    if (dot + 1 == s + n)
        return -1;
    for (i = (size_t)(dot + 1 - s); i < n; i++)
        if (!is_name_char(s[i]))
            return -1;
    return area;
}

#define IV__AREA_LIST "technology, channels, engagement, experience, content, business, " \
                      "analytics or governance"

static int begin_section(parser *p, const char *s, size_t n)
{
    int area;
    size_t i;
    int rc = end_section(p);
    if (rc)
        return rc;
    p->sec_line = p->t.line;
    p->have_weight = p->have_dir = p->have_thresh = 0;
    if (n > 5 && iv__ieq(s, 5, "area.")) {
        area = iv__area_parse(s + 5, n - 5);
        if (!area)
            return iv__ini_error(&p->t, "[%.*s]: unknown area '%.*s' (expected " IV__AREA_LIST ")",
                        (int)n, s, (int)(n - 5), s + 5);
        if (p->area_seen[area])
            return iv__ini_error(&p->t, "[%.*s]: the area is already set on line %ld", (int)n, s,
                        p->area_seen[area]);
        p->area_seen[area] = p->t.line;
        p->kind = SEC_AREA;
        p->area = area;
        return IV_OK;
    }
    if (!(n > 10 && iv__ieq(s, 10, "indicator.")))
        return iv__ini_error(&p->t, "[%.*s]: unknown section (expected [indicator.AREA.NAME] or "
                    "[area.AREA])", (int)n, s);
    area = iv__indicator_name_area(s + 10, n - 10);
    if (area == 0) {
        const char *dot = memchr(s + 10, '.', n - 10);
        size_t an = dot ? (size_t)(dot - (s + 10)) : n - 10;
        return iv__ini_error(&p->t, "[%.*s]: unknown area '%.*s' (expected " IV__AREA_LIST ")",
                    (int)n, s, (int)an, s + 10);
    }
    if (area < 0)
        return iv__ini_error(&p->t, "[%.*s]: the indicator name must be non-empty and use letters, "
                    "digits, '_' and '-' only", (int)n, s);
    /* The stored name is AREA.NAME, lower case. */
    p->cur.name = iv__strndup(&p->r->alloc, s + 10, n - 10);
    if (!p->cur.name)
        return iv__nomem("rubric indicator name");
    for (i = 0; p->cur.name[i]; i++)
        if (p->cur.name[i] >= 'A' && p->cur.name[i] <= 'Z')
            p->cur.name[i] = (char)(p->cur.name[i] + 32);
    /* a name defined twice is found once the whole file is read (rubric_parse: sorted
     * names, n log n), not by a search per section */
    p->kind = SEC_INDICATOR;
    p->cur.line = p->t.line;
    p->cur.area = area;
    p->cur.weight = 1.0;
    p->cur.lower = 0;
    return IV_OK;
}

static int parse_thresholds(parser *p, const char *v, size_t n)
{
    int count = 0;
    size_t pos = 0, tn;
    const char *tok;
    while (iv__list_next(v, n, ',', &pos, &tok, &tn)) {
        double x;
        if (count < IV__NTHRESH) {
            if (!iv__parse_finite(tok, tn, &x))
                return iv__ini_error(&p->t, "[%s] thresholds: item %d '%.*s' is not a finite number",
                            p->cur.name, count + 1, (int)tn, tok);
            p->cur.t[count] = x;
        }
        count++;
    }
    if (count != IV__NTHRESH)
        return iv__ini_error(&p->t, "[%s] thresholds: expected nine numbers (t2 ... t10), found %d",
                    p->cur.name, count);
    return IV_OK;
}

static int key_value(parser *p, const char *k, size_t kn, const char *v, size_t vn)
{
    const char *sec = p->kind == SEC_INDICATOR ? p->cur.name : iv__area_name(p->area);
    if (p->kind == SEC_NONE)
        return iv__ini_error(&p->t, "key '%.*s' outside a section", (int)kn, k);
    if (iv__ieq(k, kn, "weight")) {
        double w;
        if (p->have_weight)
            return iv__ini_error(&p->t, "[%s] weight: given twice", sec);
        if (!iv__parse_finite(v, vn, &w) || !(w > 0))
            return iv__ini_error(&p->t, "[%s] weight: '%.*s' is not a positive number", sec, (int)vn,
                        v);
        p->have_weight = 1;
        if (p->kind == SEC_AREA)
            p->r->area_weight[p->area] = w;
        else
            p->cur.weight = w;
        return IV_OK;
    }
    if (p->kind == SEC_INDICATOR && iv__ieq(k, kn, "direction")) {
        if (p->have_dir)
            return iv__ini_error(&p->t, "[%s] direction: given twice", sec);
        if (iv__ieq(v, vn, "higher"))
            p->cur.lower = 0;
        else if (iv__ieq(v, vn, "lower"))
            p->cur.lower = 1;
        else
            return iv__ini_error(&p->t, "[%s] direction: '%.*s' is neither 'higher' nor 'lower'", sec,
                        (int)vn, v);
        p->have_dir = 1;
        return IV_OK;
    }
    if (p->kind == SEC_INDICATOR && iv__ieq(k, kn, "thresholds")) {
        if (p->have_thresh)
            return iv__ini_error(&p->t, "[%s] thresholds: given twice", sec);
        p->have_thresh = 1;
        p->thresh_line = p->t.line;
        return parse_thresholds(p, v, vn);
    }
    return iv__ini_error(&p->t, "[%s]: unknown key '%.*s' (expected %s)", sec, (int)kn, k,
                p->kind == SEC_AREA ? "weight" : "weight, direction or thresholds");
}

static int rubric_parse(iv_rubric **out, const char *text, size_t len, const iv__alloc *a,
                        const char *origin)
{
    parser p;
    iv_rubric *r;
    int rc = IV_OK, k;

    r = iv__malloc(a, sizeof *r);
    if (!r)
        return iv__nomem("rubric");
    memset(r, 0, sizeof *r);
    r->alloc = *a;
    for (k = 0; k <= IV__NAREAS; k++)
        r->area_weight[k] = 1.0;
    memset(&p, 0, sizeof p);
    p.r = r;
    iv__ini_init(&p.t, text, len, origin);
    while ((rc = iv__ini_next(&p.t)) > 0) {
        if (rc == IV__INI_SECTION)
            rc = begin_section(&p, p.t.section, p.t.section_len);
        else
            rc = key_value(&p, p.t.key, p.t.key_len, p.t.value, p.t.value_len);
        if (rc)
            break;
    }
    if (!rc)
        rc = end_section(&p);
    if (!rc && r->n == 0)
        rc = iv__parse_error(origin, p.t.line > 0 ? p.t.line : 1, "the rubric defines no indicator");
    if (rc != IV_ENOMEM) {
        /* Indicators defined twice: the first repeat in file order is the error, also
         * when a later line has another error (the one a search per section found). */
        long dup = 0;
        const char *dname = NULL;
        char msg[512];
        int brc;
        snprintf(msg, sizeof msg, "%s", rc ? iv_error_last() : "");
        brc = build_order(r, &dup, &dname);
        /* the section being read when an error stopped the parse repeats one, too */
        if (!brc && p.cur.name && iv__rubric_find(r, p.cur.name) && (!dup || p.cur.line < dup)) {
            dup = p.cur.line;
            dname = p.cur.name;
        }
        if (brc)
            rc = brc;
        else if (dup && (!rc || dup <= p.t.line))
            rc = iv__parse_error(origin, dup, "[indicator.%s]: the indicator is defined twice", dname);
        else if (rc)
            iv__error(rc, "%s", msg); /* keep the earlier error's text */
    }
    if (rc) {
        iv__strfree(a, p.cur.name);
        rubric_release(r);
        iv__free(a, r, sizeof *r);
        return rc;
    }
    *out = r;
    return IV_OK;
}

IV_API int iv_rubric_parse(iv_rubric **out, const char *text, size_t len,
                           const iv_maturity_options *opts)
{
    iv__alloc a;
    int rc;
    if (!out || (!text && len))
        return iv__error(IV_EINVAL, "iv_rubric_parse: NULL argument");
    rc = iv__maturity_alloc(&a, opts);
    if (rc)
        return rc;
    return rubric_parse(out, text ? text : "", len, &a, NULL);
}

IV_API int iv_rubric_load(iv_rubric **out, const char *path, const iv_maturity_options *opts)
{
    iv__alloc a;
    char *text;
    size_t len, size;
    int rc;
    if (!out || !path)
        return iv__error(IV_EINVAL, "iv_rubric_load: NULL argument");
    rc = iv__maturity_alloc(&a, opts);
    if (rc)
        return rc;
    rc = iv__read_whole_file(&a, path, &text, &len, &size);
    if (rc)
        return rc;
    rc = rubric_parse(out, text, len, &a, path);
    iv__free(&a, text, size);
    return rc;
}

IV_API const char *iv_rubric_default_text(void)
{
    return iv__default_rubric;
}

IV_API int iv_rubric_new_default(iv_rubric **out, const iv_maturity_options *opts)
{
    iv__alloc a;
    int rc;
    if (!out)
        return iv__error(IV_EINVAL, "iv_rubric_new_default: NULL argument");
    rc = iv__maturity_alloc(&a, opts);
    if (rc)
        return rc;
    return rubric_parse(out, iv__default_rubric, sizeof iv__default_rubric - 1, &a,
                        "default rubric");
}

IV_API int iv_rubric_table(iv_table **out, const iv_rubric *rubric)
{
    static const char *const cols[] = {"indicator", "area", "weight", "direction", "area_weight"};
    static const int types[] = {IV_COL_STRING, IV_COL_STRING, IV_COL_DOUBLE, IV_COL_STRING,
                                IV_COL_DOUBLE};
    iv_table *t;
    size_t i;
    int k, rc = IV_OK;
    if (!out || !rubric)
        return iv__error(IV_EINVAL, "iv_rubric_table: NULL argument");
    t = iv__table_new(&rubric->alloc);
    if (!t)
        return IV_ENOMEM;
    for (k = 0; !rc && k < 5; k++)
        rc = iv__table_add_col(t, cols[k], types[k]) < 0 ? IV_ENOMEM : IV_OK;
    for (k = 0; !rc && k < IV__NTHRESH; k++) {
        char name[8];
        snprintf(name, sizeof name, "t%d", k + 2);
        rc = iv__table_add_col(t, name, IV_COL_DOUBLE) < 0 ? IV_ENOMEM : IV_OK;
    }
    for (i = 0; !rc && i < rubric->n; i++) {
        const iv__indicator_def *d = &rubric->ind[i];
        const char *an = iv__area_name(d->area);
        const char *dir = d->lower ? "lower" : "higher";
        long row = iv__table_add_row(t);
        if (row < 0) {
            rc = IV_ENOMEM;
            break;
        }
        rc = iv__table_set_string(t, (size_t)row, 0, d->name, strlen(d->name));
        if (!rc)
            rc = iv__table_set_string(t, (size_t)row, 1, an, strlen(an));
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 2, d->weight);
        if (!rc)
            rc = iv__table_set_string(t, (size_t)row, 3, dir, strlen(dir));
        if (!rc)
            rc = iv__table_set_double(t, (size_t)row, 4, rubric->area_weight[d->area]);
        for (k = 0; !rc && k < IV__NTHRESH; k++)
            rc = iv__table_set_double(t, (size_t)row, (size_t)(5 + k), d->t[k]);
    }
    if (rc) {
        iv_table_free(t);
        return iv__nomem("rubric table");
    }
    *out = t;
    return IV_OK;
}
