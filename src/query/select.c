/* The selection language (doc/METRICS.md §Selections): parse, compile to lookup tables, evaluate per row.
 *
 *   expr    := orexpr
 *   orexpr  := andexpr ("or" andexpr)*
 *   andexpr := unary ("and" unary)*
 *   unary   := "not" unary | "(" expr ")" | "has" FLAG
 *            | NAME "=" VALUE | NAME "!=" VALUE | NAME "in" "(" VALUE ("," VALUE)* ")"
 *   VALUE   := bare word | "quoted" (with \" and \\ escapes)
 *
 * A comparison compiles to a table indexed by the dimension's code (string pools,
 * enums, contact attributes) or, for time buckets, by day; evaluating a row is then a
 * few loads. A row with no value for the dimension never equals anything, so it passes
 * `!=` and fails `=` and `in`. */
#include <stdio.h>

#include "select.h"
#include "timefmt.h"
#include "vocab.h"

enum { IV__S_TRUE, IV__S_AND, IV__S_OR, IV__S_NOT, IV__S_CMP, IV__S_HAS };

/* Tokens of the language. */
typedef enum iv__tok {
    IV__TOK_END,    /* end of the text */
    IV__TOK_WORD,   /* a bare word */
    IV__TOK_QUOTED, /* a "quoted" value */
    IV__TOK_EQ,     /* = */
    IV__TOK_NE,     /* != */
    IV__TOK_OPEN,   /* ( */
    IV__TOK_CLOSE,  /* ) */
    IV__TOK_COMMA   /* , */
} iv__tok;

typedef struct iv__snode {
    int op;
    int a, b;           /* children */
    iv__dimkind kind;
    int custom;
    int neg;            /* != */
    uint8_t *match;     /* by code (or by day for buckets) */
    size_t nmatch;
    int64_t day0;       /* buckets: day of match[0] */
    unsigned flag;      /* has */
} iv__snode;

struct iv__sel {
    iv__snode *nodes;
    size_t n, cap;
    int root;
    int needs_contacts;
};

typedef struct iv__parser {
    const char *src, *p;
    iv__ctx *c;
    iv__sel *sel;
    char tok[256];      /* current token text (unescaped) */
    size_t toklen;
    iv__tok toktype;
    size_t tokpos;      /* 1-based position of the token */
    int depth;
} iv__parser;

static int iv__perr(iv__parser *ps, size_t pos, const char *what)
{
    return iv__error(IV_EPARSE, "selection: %s at position %zu: %s", what, pos, ps->src);
}

static int iv__wordch(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == ':' || ch == '+' || ch == '-' || ch == '/' || ch == '@' ||
           (unsigned char)ch >= 0x80;
}

static int iv__next(iv__parser *ps)
{
    const char *p = ps->p;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    ps->tokpos = (size_t)(p - ps->src) + 1;
    ps->toklen = 0;
    ps->tok[0] = '\0';
    if (*p == '\0') {
        ps->toktype = IV__TOK_END;
    } else if (*p == '=') {
        ps->toktype = IV__TOK_EQ;
        p++;
    } else if (*p == '!' && p[1] == '=') {
        ps->toktype = IV__TOK_NE;
        p += 2;
    } else if (*p == '(') {
        ps->toktype = IV__TOK_OPEN;
        p++;
    } else if (*p == ')') {
        ps->toktype = IV__TOK_CLOSE;
        p++;
    } else if (*p == ',') {
        ps->toktype = IV__TOK_COMMA;
        p++;
    } else if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (ps->toklen + 1 >= sizeof ps->tok)
                return iv__perr(ps, ps->tokpos, "value too long");
            ps->tok[ps->toklen++] = *p++;
        }
        if (*p != '"')
            return iv__perr(ps, ps->tokpos, "unterminated quoted value");
        p++;
        ps->tok[ps->toklen] = '\0';
        ps->toktype = IV__TOK_QUOTED;
    } else if (iv__wordch(*p)) {
        while (iv__wordch(*p)) {
            if (ps->toklen + 1 >= sizeof ps->tok)
                return iv__perr(ps, ps->tokpos, "word too long");
            ps->tok[ps->toklen++] = *p++;
        }
        ps->tok[ps->toklen] = '\0';
        ps->toktype = IV__TOK_WORD;
    } else {
        return iv__perr(ps, ps->tokpos, "unexpected character");
    }
    ps->p = p;
    return IV_OK;
}

static int iv__kw(const iv__parser *ps, const char *kw)
{
    return ps->toktype == IV__TOK_WORD && iv__ieq(ps->tok, ps->toklen, kw);
}

static int iv__node(iv__parser *ps, int op)
{
    iv__sel *s = ps->sel;
    void *p = s->nodes;
    if (iv__grow(&ps->c->a, &p, &s->cap, s->n + 1, sizeof *s->nodes))
        return -1;
    s->nodes = p;
    memset(&s->nodes[s->n], 0, sizeof *s->nodes);
    s->nodes[s->n].op = op;
    s->nodes[s->n].a = s->nodes[s->n].b = -1;
    return (int)s->n++;
}

/* Size of the code space of a dimension (match table length). */
static size_t iv__dim_codes(const iv__ctx *c, iv__dimkind k, int custom)
{
    const iv_store *s = c->s;
    switch (k) {
    case IV__DIM_CHANNEL: return s->channel.pool.count;
    case IV__DIM_TYPE: return s->type.pool.count;
    case IV__DIM_TEAM: return s->team.pool.count;
    case IV__DIM_CUSTOM: return s->dims[custom].pool.count;
    case IV__DIM_CONTACT: return s->contacts.count;
    case IV__DIM_ID: return s->ids.count;
    case IV__DIM_AREA: return 9;
    default: return 4; /* stage, direction, outcome, tier, role, contact stage */
    }
}

static const iv__pool *iv__dim_pool(const iv__ctx *c, iv__dimkind k, int custom)
{
    const iv_store *s = c->s;
    switch (k) {
    case IV__DIM_CHANNEL: return &s->channel.pool;
    case IV__DIM_TYPE: return &s->type.pool;
    case IV__DIM_TEAM: return &s->team.pool;
    case IV__DIM_CUSTOM: return &s->dims[custom].pool;
    case IV__DIM_CONTACT: return &s->contacts;
    case IV__DIM_ID: return &s->ids;
    default: return NULL;
    }
}

/* Code of a value for enum-like dimensions; -1 when the value is not in the vocabulary. */
static int iv__enum_code(iv__dimkind k, const char *v, size_t n)
{
    int i;
    switch (k) {
    case IV__DIM_STAGE:
    case IV__DIM_CONTACT_STAGE: return iv__enum_parse(IV_ENUM_STAGE, v, n) > 0 ? iv__enum_parse(IV_ENUM_STAGE, v, n) : -1;
    case IV__DIM_AREA: return iv__enum_parse(IV_ENUM_AREA, v, n) > 0 ? iv__enum_parse(IV_ENUM_AREA, v, n) : -1;
    case IV__DIM_DIRECTION: return iv__enum_parse(IV_ENUM_DIRECTION, v, n) > 0 ? iv__enum_parse(IV_ENUM_DIRECTION, v, n) : -1;
    case IV__DIM_OUTCOME: return iv__enum_parse(IV_ENUM_OUTCOME, v, n) > 0 ? iv__enum_parse(IV_ENUM_OUTCOME, v, n) : -1;
    case IV__DIM_PROFIT_TIER:
        for (i = 1; i <= 3; i++)
            if (iv__ieq(v, n, iv__tier_name(i)))
                return i;
        return -1;
    case IV__DIM_ROLE:
        for (i = 1; i <= 3; i++)
            if (iv__ieq(v, n, iv__role_name(i)))
                return i;
        return -1;
    default: return -1;
    }
}

static int iv__is_bucket(iv__dimkind k)
{
    return k >= IV__DIM_DAY && k <= IV__DIM_YEAR;
}

/* Mark the codes (or days) matching one value. A value that no row of the store has
 * selects nothing: a warning names it (iv_warning_count), rather than quiet zeros.
 * Channel and type values are compared in normal form (doc/MODEL.md, Names). */
static int iv__mark_value(iv__parser *ps, iv__snode *nd, const char *dname, const char *v, size_t n,
                          size_t pos)
{
    const iv__pool *pool = iv__dim_pool(ps->c, nd->kind, nd->custom);
    if (pool) {
        uint32_t id;
        int found = nd->kind == IV__DIM_CHANNEL || nd->kind == IV__DIM_TYPE
                        ? iv__vocab_find(pool, v, n, &id)
                        : iv__pool_find(pool, v, n, &id) && id;
        if (found)
            nd->match[id] = 1;
        else
            iv__warn("selection: no row has %s '%.*s'", dname, (int)IV__MIN(n, 200), v);
        return IV_OK;
    }
    if (iv__is_bucket(nd->kind)) {
        size_t d;
        int any = 0;
        char lab[32];
        for (d = 0; d < nd->nmatch; d++) {
            iv__bucket_label(nd->kind, (nd->day0 + (int64_t)d) * IV__MS_PER_DAY, lab, sizeof lab);
            if (strlen(lab) == n && memcmp(lab, v, n) == 0)
                nd->match[d] = any = 1;
        }
        if (!any)
            iv__warn("selection: no row has %s '%.*s'", dname, (int)IV__MIN(n, 200), v);
        return IV_OK;
    }
    {
        int code = iv__enum_code(nd->kind, v, n);
        char msg[300];
        if (code < 0) {
            snprintf(msg, sizeof msg, "'%.*s' is not a value of this dimension", (int)IV__MIN(n, 200), v);
            return iv__perr(ps, pos, msg);
        }
        nd->match[code] = 1;
    }
    return IV_OK;
}

static int iv__parse_or(iv__parser *ps);

static int iv__parse_cmp(iv__parser *ps)
{
    iv__dimkind kind;
    int custom = -1, idx, rc;
    iv__snode *nd;
    size_t namepos = ps->tokpos;
    char msg[320], dname[64];
    snprintf(dname, sizeof dname, "%.63s", ps->tok);
    if (iv__dim_lookup(ps->c->s, ps->tok, ps->toklen, &kind, &custom) != 0) {
        snprintf(msg, sizeof msg, "unknown name '%s'", ps->tok);
        iv__perr(ps, namepos, msg);
        return IV_ENOTFOUND;
    }
    if ((idx = iv__node(ps, IV__S_CMP)) < 0)
        return IV_ENOMEM;
    nd = &ps->sel->nodes[idx];
    nd->kind = kind;
    nd->custom = custom;
    if (iv__dim_is_contact_level(kind))
        ps->sel->needs_contacts = 1;
    if (iv__is_bucket(kind)) {
        const iv_store *s = ps->c->s;
        int64_t d0 = s->nrows ? iv__day_of_ms(s->ts_min) : 0, d1 = s->nrows ? iv__day_of_ms(s->ts_max) : 0;
        nd->day0 = d0;
        nd->nmatch = (size_t)(d1 - d0 + 1);
    } else {
        nd->nmatch = iv__dim_codes(ps->c, kind, custom);
    }
    nd->match = iv__calloc(&ps->c->a, nd->nmatch ? nd->nmatch : 1, 1);
    if (!nd->match)
        return iv__nomem("a selection table");
    if ((rc = iv__next(ps)))
        return rc;
    if (ps->toktype == IV__TOK_EQ || ps->toktype == IV__TOK_NE) {
        nd->neg = ps->toktype == IV__TOK_NE;
        if ((rc = iv__next(ps)))
            return rc;
        if (ps->toktype != IV__TOK_WORD && ps->toktype != IV__TOK_QUOTED)
            return iv__perr(ps, ps->tokpos, "expected a value");
        if ((rc = iv__mark_value(ps, &ps->sel->nodes[idx], dname, ps->tok, ps->toklen, ps->tokpos)))
            return rc;
        if ((rc = iv__next(ps)))
            return rc;
        return idx;
    }
    if (!iv__kw(ps, "in"))
        return iv__perr(ps, ps->tokpos, "expected '=', '!=' or 'in'");
    if ((rc = iv__next(ps)))
        return rc;
    if (ps->toktype != IV__TOK_OPEN)
        return iv__perr(ps, ps->tokpos, "expected '(' after 'in'");
    for (;;) {
        if ((rc = iv__next(ps)))
            return rc;
        if (ps->toktype != IV__TOK_WORD && ps->toktype != IV__TOK_QUOTED)
            return iv__perr(ps, ps->tokpos, "expected a value");
        if ((rc = iv__mark_value(ps, &ps->sel->nodes[idx], dname, ps->tok, ps->toklen, ps->tokpos)))
            return rc;
        if ((rc = iv__next(ps)))
            return rc;
        if (ps->toktype == IV__TOK_CLOSE)
            break;
        if (ps->toktype != IV__TOK_COMMA)
            return iv__perr(ps, ps->tokpos, "expected ',' or ')'");
    }
    if ((rc = iv__next(ps)))
        return rc;
    return idx;
}

static const char *const iv__flag_names[8] = {"purchase", "repeat", "refer", "upsell",
                                               "cross_sell", "bad_experience", "support", "churn"};

const char *iv__flag_name(int bit);
const char *iv__flag_name(int bit)
{
    return bit >= 0 && bit < 8 ? iv__flag_names[bit] : NULL;
}

static int iv__parse_unary(iv__parser *ps)
{
    int idx, sub, rc;
    if (++ps->depth > 100)
        return iv__perr(ps, ps->tokpos, "expression nested too deeply");
    if (iv__kw(ps, "not")) {
        if ((rc = iv__next(ps)))
            return rc;
        if ((sub = iv__parse_unary(ps)) < 0)
            return sub;
        if ((idx = iv__node(ps, IV__S_NOT)) < 0)
            return IV_ENOMEM;
        ps->sel->nodes[idx].a = sub;
        ps->depth--;
        return idx;
    }
    if (ps->toktype == IV__TOK_OPEN) {
        if ((rc = iv__next(ps)))
            return rc;
        if ((sub = iv__parse_or(ps)) < 0)
            return sub;
        if (ps->toktype != IV__TOK_CLOSE)
            return iv__perr(ps, ps->tokpos, "expected ')'");
        if ((rc = iv__next(ps)))
            return rc;
        ps->depth--;
        return sub;
    }
    if (iv__kw(ps, "has")) {
        int bit;
        if ((rc = iv__next(ps)))
            return rc;
        if (ps->toktype != IV__TOK_WORD)
            return iv__perr(ps, ps->tokpos, "expected an event flag after 'has'");
        for (bit = 0; bit < 8; bit++)
            if (iv__ieq(ps->tok, ps->toklen, iv__flag_names[bit]))
                break;
        if (bit == 8) {
            iv__perr(ps, ps->tokpos, "unknown event flag (purchase, repeat, refer, upsell, "
                                     "cross_sell, bad_experience, support, churn)");
            return IV_ENOTFOUND;
        }
        if ((idx = iv__node(ps, IV__S_HAS)) < 0)
            return IV_ENOMEM;
        ps->sel->nodes[idx].flag = 1u << bit;
        ps->sel->needs_contacts = 1;
        if ((rc = iv__next(ps)))
            return rc;
        ps->depth--;
        return idx;
    }
    if (ps->toktype == IV__TOK_WORD && !iv__kw(ps, "and") && !iv__kw(ps, "or") && !iv__kw(ps, "in")) {
        idx = iv__parse_cmp(ps);
        ps->depth--;
        return idx;
    }
    return iv__perr(ps, ps->tokpos, ps->toktype == IV__TOK_END ? "unexpected end" : "expected a name, 'not', 'has' or '('");
}

static int iv__parse_chain(iv__parser *ps, const char *kw, int op, int (*sub)(iv__parser *))
{
    int left = sub(ps), right, idx;
    if (left < 0)
        return left;
    while (iv__kw(ps, kw)) {
        int rc = iv__next(ps);
        if (rc)
            return rc;
        if ((right = sub(ps)) < 0)
            return right;
        if ((idx = iv__node(ps, op)) < 0)
            return IV_ENOMEM;
        ps->sel->nodes[idx].a = left;
        ps->sel->nodes[idx].b = right;
        left = idx;
    }
    return left;
}

static int iv__parse_and(iv__parser *ps)
{
    return iv__parse_chain(ps, "and", IV__S_AND, iv__parse_unary);
}

static int iv__parse_or(iv__parser *ps)
{
    return iv__parse_chain(ps, "or", IV__S_OR, iv__parse_and);
}

void iv__sel_free(iv__sel *sel, const iv__alloc *a)
{
    size_t i;
    if (!sel)
        return;
    for (i = 0; i < sel->n; i++)
        iv__free(a, sel->nodes[i].match, sel->nodes[i].nmatch ? sel->nodes[i].nmatch : 1);
    iv__free(a, sel->nodes, sel->cap * sizeof *sel->nodes);
    iv__free(a, sel, sizeof *sel);
}

int iv__sel_compile(iv__sel **out, iv__ctx *c, const char *expr)
{
    iv__parser ps;
    int rc, root;
    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.src = ps.p = expr;
    ps.c = c;
    ps.sel = iv__calloc(&c->a, 1, sizeof *ps.sel);
    if (!ps.sel)
        return iv__nomem("a selection");
    if ((rc = iv__next(&ps)))
        goto fail;
    if (ps.toktype == IV__TOK_END) {
        rc = iv__node(&ps, IV__S_TRUE);
        if (rc < 0) {
            rc = IV_ENOMEM;
            goto fail;
        }
        ps.sel->root = rc;
        *out = ps.sel;
        return IV_OK;
    }
    root = iv__parse_or(&ps);
    if (root < 0) {
        rc = root;
        goto fail;
    }
    if (ps.toktype != IV__TOK_END) {
        rc = iv__perr(&ps, ps.tokpos, "unexpected text after the expression");
        goto fail;
    }
    ps.sel->root = root;
    *out = ps.sel;
    return IV_OK;
fail:
    iv__sel_free(ps.sel, &c->a);
    return rc;
}

int iv__sel_needs_contacts(const iv__sel *sel)
{
    return sel && sel->needs_contacts;
}

/* Code of a row for a comparison node. */
static size_t iv__row_code(const iv__snode *nd, const iv__ctx *c, size_t row)
{
    const iv_store *s = c->s;
    switch (nd->kind) {
    case IV__DIM_CHANNEL: return iv__codes_get(&s->channel.codes, row);
    case IV__DIM_TYPE: return iv__codes_get(&s->type.codes, row);
    case IV__DIM_TEAM: return iv__codes_get(&s->team.codes, row);
    case IV__DIM_CUSTOM: return iv__codes_get(&s->dims[nd->custom].codes, row);
    case IV__DIM_CONTACT: return s->contact[row];
    case IV__DIM_ID: return s->id ? s->id[row] : 0;
    case IV__DIM_STAGE: return (size_t)iv__ctx_stage(c, row);
    case IV__DIM_AREA: return (size_t)iv__ctx_area(c, row);
    case IV__DIM_DIRECTION: return IV__EN_DIR(s->enums[row]);
    case IV__DIM_OUTCOME: return IV__EN_OUTCOME(s->enums[row]);
    case IV__DIM_PROFIT_TIER: return c->cat[s->contact[row]].tier;
    case IV__DIM_ROLE: return c->cat[s->contact[row]].role;
    case IV__DIM_CONTACT_STAGE: return c->cat[s->contact[row]].stage;
    default: return (size_t)(iv__day_of_ms(s->ts[row]) - nd->day0);
    }
}

/* Recursion is bounded by the parser's nesting limit, not by the length of a chain: an
 * and/or chain is a left-deep spine (a = the chain so far, b = the next operand), walked
 * here in a loop; only its operands (unary or parenthesised: at most 100 deep) recurse. */
static int iv__eval(const iv__sel *sel, int i, const iv__ctx *c, size_t row)
{
    const iv__snode *nd = &sel->nodes[i];
    switch (nd->op) {
    case IV__S_TRUE: return 1;
    case IV__S_AND:
    case IV__S_OR: {
        int op = nd->op, j = i;
        for (; sel->nodes[j].op == op; j = sel->nodes[j].a) {
            int r = iv__eval(sel, sel->nodes[j].b, c, row);
            if (op == IV__S_AND ? !r : r)
                return r; /* settled */
        }
        return iv__eval(sel, j, c, row); /* the chain's first operand */
    }
    case IV__S_NOT: return !iv__eval(sel, nd->a, c, row);
    case IV__S_HAS: return (c->cat[c->s->contact[row]].flags & nd->flag) != 0;
    default: {
        size_t code = iv__row_code(nd, c, row);
        int m = code < nd->nmatch ? nd->match[code] : 0;
        return m ^ nd->neg;
    }
    }
}

int iv__sel_row(const iv__sel *sel, const iv__ctx *c, size_t row)
{
    return !sel || iv__eval(sel, sel->root, c, row);
}

/* ---- a context with its selection ---- */

int iv__ctx_init_lazy(iv__ctx *c, const iv_store *s, const iv_query_options *o)
{
    int rc = iv__ctx_setup(c, s, o);
    if (rc || !o || !o->where || !*o->where)
        return rc;
    if ((rc = iv__sel_compile(&c->sel, c, o->where))) {
        iv__ctx_free(c);
        return rc;
    }
    if (iv__sel_needs_contacts(c->sel) && (rc = iv__ctx_contacts(c))) {
        iv__ctx_free(c);
        return rc;
    }
    return IV_OK;
}

int iv__ctx_init(iv__ctx *c, const iv_store *s, const iv_query_options *o)
{
    int rc = iv__ctx_init_lazy(c, s, o);
    if (rc == IV_OK && (rc = iv__store_index(s)) != IV_OK)
        iv__ctx_free(c);
    return rc;
}

void iv__ctx_free(iv__ctx *c)
{
    if (c->s)
        iv__sel_free(c->sel, &c->a);
    c->sel = NULL;
    iv__ctx_release(c);
}

/* ---- the selected rows ---- */

int iv__sel_types_seen(const iv__ctx *c, uint8_t *seen)
{
    const iv_store *s = c->s;
    size_t r;
    for (r = 0; r < s->nrows; r++)
        if (iv__ctx_in_range(c, s->ts[r]) && iv__sel_row(c->sel, c, r))
            seen[iv__codes_get(&s->type.codes, r)] = 1;
    return IV_OK;
}

int iv__warn_types(const iv__ctx *c, const char *what, const char *text)
{
    const iv_store *s = c->s;
    uint8_t *seen = iv__calloc(&c->a, IV__MAX(s->type.pool.count, 1), 1);
    const char *p = text;
    if (!seen)
        return iv__nomem("a type list");
    iv__sel_types_seen(c, seen);
    for (;;) {
        const char *b, *e;
        uint32_t id;
        while (*p == ' ' || *p == '\t')
            p++;
        b = p;
        while (*p && *p != ',' && *p != '|' && *p != ';' && *p != '@')
            p++;
        for (e = p; e > b && (e[-1] == ' ' || e[-1] == '\t');)
            e--;
        if (e > b) {
            if (!iv__vocab_find(&s->type.pool, b, (size_t)(e - b), &id))
                iv__warn("%s: type '%.*s' never occurs in the store", what, (int)IV__MIN(e - b, 200), b);
            else if (!seen[id])
                iv__warn("%s: type '%.*s' never occurs in the selection", what, (int)IV__MIN(e - b, 200), b);
        }
        while (*p == '@' || (*p && *p != ',' && *p != '|' && *p != ';'))
            p++; /* an exclusion's @A-B */
        if (!*p)
            break;
        p++;
    }
    iv__free(&c->a, seen, IV__MAX(s->type.pool.count, 1));
    return IV_OK;
}

int iv__walk(iv__ctx *c, iv__row_fn fn, void *payload)
{
    return iv__walk_ex(c, fn, payload, 1);
}

int iv__walk_ex(iv__ctx *c, iv__row_fn fn, void *payload, int need_u)
{
    const iv_store *s = c->s;
    size_t nc = s->contacts.count, ci, k;
    int rc;
    if ((rc = iv__store_index(s)))
        return rc;
    for (ci = 1; ci < nc; ci++) {
        const uint32_t *rows = s->idx_rows + s->idx_start[ci];
        size_t n = s->idx_start[ci + 1] - s->idx_start[ci];
        iv__ctx_contact_begin(c);
        for (k = 0; k < n; k++) {
            size_t r = rows[k];
            double u;
            if (c->stateful) {
                u = iv__ctx_rv(c, r);
                if (!iv__ctx_in_range(c, s->ts[r]) || !iv__sel_row(c->sel, c, r))
                    continue;
            } else {
                if (!iv__ctx_in_range(c, s->ts[r]) || !iv__sel_row(c->sel, c, r))
                    continue;
                u = need_u ? iv__ctx_rv(c, r) : (double)NAN;
            }
            if ((rc = fn(c, r, (uint32_t)ci, u, payload)))
                return rc;
        }
        if ((rc = iv__ctx_tick(c, ci, nc)))
            return rc;
    }
    return IV_OK;
}
