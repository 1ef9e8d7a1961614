/* Streaming ingestion of CSV and JSON Lines into a store (doc/GUIDE.md §1: record, timestamps, bad rows).
 *
 * The push loop hands each chunk to the format's scanner, which consumes the bytes of
 * one record at a time. A record that ends inside the chunk is parsed straight from the
 * chunk; only a record split between chunks is copied into the carry buffer, which is
 * therefore never longer than max_line. Field ranges, unescaped text and the row under
 * construction live in buffers owned by the handle and reused for every record, so the
 * steady state allocates nothing per row or per field (the store's columns and
 * interners grow by doubling). */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "csv.h"
#include "iv/ingest.h"
#include "jsonl.h"
#include "numparse.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

#define IV__DEF_MAX_LINE ((size_t)1 << 20)
#define IV__DEF_MAX_FIELDS 256
#define IV__DEF_MAX_STRING ((size_t)64 << 10)
#define IV__DEF_MAX_DEPTH 16
#define IV__DEF_MAX_RAW 1024
#define IV__DEF_MAX_REJECTS 1000000
#define IV__SKIP_MIN ((uint64_t)64 << 20) /* lenient: an open record stops ingestion past this */
#define IV__PROGRESS_STEP ((uint64_t)4 << 20)
#define IV__READ_CHUNK ((size_t)256 << 10)
#define IV__REJ_BLOCK ((size_t)64 << 10)
#define IV__JKEY_MAX 1024 /* distinct JSON key spellings remembered */

/* The fields of doc/GUIDE.md §1, then custom dimensions. */
enum {
    F_CONTACT, F_TS, F_CHANNEL, F_TYPE, F_STAGE, F_AREA, F_DIRECTION, F_COST, F_VALUE,
    F_OUTCOME, F_TEAM, F_SCORE, F_RV, F_ID, F_N,
    F_DIM = F_N
};
static const char *const iv__fname[F_N] = {
    "contact", "ts", "channel", "type", "stage", "area", "direction", "cost", "value",
    "outcome", "team", "score", "rv", "id",
};

/* Where one source column or key goes. */
typedef struct iv__target {
    int kind;     /* F_* */
    int dim;      /* custom dimension index when kind == F_DIM */
    iv__str *text; /* CSV: the row's field for a text column (contact, channel, type,
                     team, id), set at the header; NULL otherwise */
} iv__target;

typedef struct iv__rename {
    const char *src, *dst;
    size_t nsrc, ndst;
} iv__rename;

typedef struct iv__jkey {
    char *name;
    size_t n;
    uint32_t hash;
    iv__target t;
} iv__jkey;

typedef struct iv__reject {
    uint64_t line, offset;
    const char *reason, *raw;
} iv__reject;

/* Reject texts live in blocks that never move, so returned pointers stay valid. */
typedef struct iv__rblock {
    struct iv__rblock *next;
    size_t used, cap;
    char data[];
} iv__rblock;

struct iv_ingest {
    iv__alloc alloc;
    iv_store *store;
    int format, policy;
    char delim;
    size_t max_line, max_fields, max_string, max_depth, max_raw;
    uint64_t max_rejects;
    iv_progress_fn progress;
    void *payload;

    char *mapbuf;
    size_t mapbuf_n;
    iv__rename *map;
    size_t nmap, capmap;

    int failed, finished, header_done;
    unsigned char bom[3];
    size_t nbom;
    int bom_done;

    /* the record being read */
    size_t rec_len;      /* bytes of it consumed so far */
    uint64_t rec_line, rec_off;
    int in_carry;
    char *carry;
    size_t ncarry, capcarry;
    uint64_t line;       /* line number where the next record starts */
    uint64_t bytes;      /* bytes consumed */
    uint64_t total, next_progress;

    iv__csv csv;
    iv__target *cols;    /* CSV: one per header column */
    size_t ncols;
    int field_col[F_N];  /* CSV: 0-based column of each field, -1 when absent */

    iv__jsonl json;
    iv__jkey *jkeys;     /* open addressing, power-of-two size */
    size_t njkeys, capjkeys;
    size_t jcol[F_N];    /* JSONL: column of each field's key in the current line */

    char *scratch;
    size_t capscratch;
    iv__tcache tcache;   /* month of the last timestamp */
    iv__row row;
    char why[256];

    uint64_t rows_read, rows_accepted, rows_rejected;
    iv__reject *rej;
    size_t nrej, caprej;
    iv__rblock *rblocks;
};

/* ------------------------------------------------------------- options -------- */

IV_API int iv_ingest_options_init(iv_ingest_options *opts, size_t size)
{
    if (!opts || size < sizeof(size_t))
        return iv__error(IV_EINVAL, "iv_ingest_options_init: bad arguments");
    memset(opts, 0, size);
    opts->size = size;
    if (size >= offsetof(iv_ingest_options, delimiter) + sizeof opts->delimiter)
        opts->delimiter = ',';
    return IV_OK;
}

/* "src=dst,src2=dst2" into ing->map (names trimmed, compared case-insensitively). */
static int iv__parse_map(iv_ingest *ing, const char *spec)
{
    size_t n = strlen(spec), i, k = 0, pairs = 1;
    const char *p;
    for (i = 0; i < n; i++)
        pairs += spec[i] == ',';
    ing->mapbuf = iv__strndup(&ing->alloc, spec, n);
    if (!ing->mapbuf)
        return iv__nomem("the column map");
    ing->mapbuf_n = n + 1;
    ing->map = iv__calloc(&ing->alloc, pairs, sizeof *ing->map);
    if (!ing->map)
        return iv__nomem("the column map");
    ing->capmap = pairs;
    p = ing->mapbuf;
    for (i = 0; i < pairs; i++) {
        const char *end = strchr(p, ',');
        const char *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        iv__rename *r = &ing->map[k];
        eq = memchr(p, '=', len);
        if (!eq)
            return iv__error(IV_EINVAL, "map: '%.*s' is not src=dst", (int)len, p);
        r->src = p;
        r->nsrc = (size_t)(eq - p);
        r->dst = eq + 1;
        r->ndst = len - r->nsrc - 1;
        iv__trim(&r->src, &r->nsrc);
        iv__trim(&r->dst, &r->ndst);
        if (!r->nsrc || !r->ndst)
            return iv__error(IV_EINVAL, "map: '%.*s' has an empty name", (int)len, p);
        k++;
        p += len + 1;
    }
    ing->nmap = k;
    return IV_OK;
}

IV_API int iv_ingest_new(iv_ingest **out, iv_store *store, const iv_ingest_options *opts)
{
    iv_ingest *ing;
    iv_ingest_options o = IV_INGEST_OPTIONS_INIT;
    int rc, i;

    if (!out || !store)
        return iv__error(IV_EINVAL, "iv_ingest_new: NULL argument");
    *out = NULL;
    if (opts) {
        if ((rc = iv__check_options(opts, opts->size, sizeof(iv_ingest_options),
                                    sizeof(iv_ingest_options), "iv_ingest_options")))
            return rc;
        o = *opts;
    }
    if (o.format != IV_INPUT_CSV && o.format != IV_INPUT_JSONL)
        return iv__error(IV_EINVAL, "iv_ingest_options: unknown format %d", o.format);
    if (o.policy != IV_POLICY_STRICT && o.policy != IV_POLICY_LENIENT)
        return iv__error(IV_EINVAL, "iv_ingest_options: unknown policy %d", o.policy);
    if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r')
        return iv__error(IV_EINVAL, "iv_ingest_options: the delimiter cannot be a quote or a line break");
    ing = iv__calloc(&store->alloc, 1, sizeof *ing);
    if (!ing)
        return iv__nomem("an ingestion handle");
    ing->alloc = store->alloc;
    ing->store = store;
    ing->format = o.format;
    ing->policy = o.policy;
    ing->delim = o.delimiter ? o.delimiter : ',';
    ing->max_line = o.max_line ? o.max_line : IV__DEF_MAX_LINE;
    ing->max_fields = o.max_fields ? o.max_fields : IV__DEF_MAX_FIELDS;
    ing->max_string = o.max_string ? o.max_string : IV__DEF_MAX_STRING;
    ing->max_depth = o.max_depth ? o.max_depth : IV__DEF_MAX_DEPTH;
    ing->max_raw = o.max_raw ? o.max_raw : IV__DEF_MAX_RAW;
    ing->max_rejects = o.max_rejects ? o.max_rejects : IV__DEF_MAX_REJECTS;
    ing->progress = o.progress;
    ing->payload = o.payload;
    ing->line = 1;
    ing->next_progress = IV__PROGRESS_STEP;
    for (i = 0; i < F_N; i++)
        ing->field_col[i] = -1;
    iv__csv_init(&ing->csv, &ing->alloc, ing->delim, ing->max_fields);
    iv__jsonl_init(&ing->json, &ing->alloc, ing->max_fields, ing->max_depth);
    if (o.map && *o.map && (rc = iv__parse_map(ing, o.map)) != IV_OK) {
        iv_ingest_free(ing);
        return rc;
    }
    *out = ing;
    return IV_OK;
}

IV_API void iv_ingest_free(iv_ingest *ing)
{
    const iv__alloc *a;
    iv__rblock *b;
    size_t i;
    if (!ing)
        return;
    a = &ing->alloc;
    iv__free(a, ing->mapbuf, ing->mapbuf_n);
    iv__free(a, ing->map, ing->capmap * sizeof *ing->map);
    iv__csv_free(&ing->csv);
    iv__jsonl_free(&ing->json);
    iv__free(a, ing->carry, ing->capcarry);
    iv__free(a, ing->cols, ing->ncols * sizeof *ing->cols);
    for (i = 0; i < ing->capjkeys; i++)
        iv__free(a, ing->jkeys[i].name, ing->jkeys[i].n + 1);
    iv__free(a, ing->jkeys, ing->capjkeys * sizeof *ing->jkeys);
    iv__free(a, ing->scratch, ing->capscratch);
    iv__free(a, ing->rej, ing->caprej * sizeof *ing->rej);
    for (b = ing->rblocks; b;) {
        iv__rblock *next = b->next;
        iv__free(a, b, sizeof *b + b->cap);
        b = next;
    }
    iv__free(a, ing, sizeof *ing);
}

/* ------------------------------------------------------------- rejects -------- */

static const char *iv__rtext(iv_ingest *ing, const char *s, size_t n)
{
    iv__rblock *b = ing->rblocks;
    char *d;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > IV__REJ_BLOCK ? n + 1 : IV__REJ_BLOCK;
        iv__rblock *nb = iv__malloc(&ing->alloc, sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        ing->rblocks = b = nb;
    }
    d = b->data + b->used;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    b->used += n + 1;
    return d;
}

static int iv__fail(iv_ingest *ing, int rc)
{
    ing->failed = 1;
    return rc;
}

/* A bad row: keep it (line, offset, reason, raw), count it, and under the strict
 * policy stop. col is the 1-based column (0: none), name the field (NULL: none). */
static int iv__bad_row(iv_ingest *ing, const char *raw, size_t nraw, size_t col,
                       const char *name, const char *why)
{
    char reason[512];
    if (col && name)
        snprintf(reason, sizeof reason, "column %zu (%s): %s", col, name, why);
    else if (col)
        snprintf(reason, sizeof reason, "column %zu: %s", col, why);
    else if (name)
        snprintf(reason, sizeof reason, "field %s: %s", name, why);
    else
        snprintf(reason, sizeof reason, "%s", why);
    if (ing->nrej < ing->max_rejects) {
        iv__reject *r;
        size_t cut = IV__MIN(nraw, ing->max_raw);
        /* do not cut a UTF-8 sequence in two */
        while (cut < nraw && cut > 0 && ((unsigned char)raw[cut] & 0xC0) == 0x80)
            cut--;
        if (ing->nrej >= ing->caprej &&
            iv__grow(&ing->alloc, (void **)&ing->rej, &ing->caprej, ing->nrej + 1, sizeof *ing->rej))
            return iv__fail(ing, IV_ENOMEM);
        r = &ing->rej[ing->nrej];
        r->line = ing->rec_line;
        r->offset = ing->rec_off;
        if (!(r->reason = iv__rtext(ing, reason, strlen(reason))) || !(r->raw = iv__rtext(ing, raw, cut)))
            return iv__fail(ing, iv__nomem("a rejected row"));
        if (cut < nraw) {
            /* a raw text cut at max_raw says so: the marker follows the kept bytes */
            char mark[64];
            const char *full = r->raw;
            int m = snprintf(mark, sizeof mark, IV_INGEST_RAW_CUT_MARK "%zu bytes]", nraw - cut);
            char *both = iv__malloc(&ing->alloc, cut + (size_t)m + 1);
            if (!both)
                return iv__fail(ing, iv__nomem("a rejected row"));
            memcpy(both, full, cut);
            memcpy(both + cut, mark, (size_t)m + 1);
            r->raw = iv__rtext(ing, both, cut + (size_t)m);
            iv__free(&ing->alloc, both, cut + (size_t)m + 1);
            if (!r->raw)
                return iv__fail(ing, iv__nomem("a rejected row"));
        }
        ing->nrej++;
    }
    ing->rows_read++;
    ing->rows_rejected++;
    ing->store->ingest_read++;
    ing->store->ingest_rejected++;
    if (ing->policy == IV_POLICY_STRICT)
        return iv__fail(ing, iv__error(IV_EPARSE, "line %llu%s%s", (unsigned long long)ing->rec_line,
                                       col ? ", " : ": ", reason));
    return IV_OK;
}

/* ------------------------------------------------------------- fields --------- */

static int iv__why(iv_ingest *ing, const char *fmt, const char *s, size_t n)
{
    snprintf(ing->why, sizeof ing->why, fmt, (int)IV__MIN(n, 64), s);
    return 1;
}

/* Enum text: the canonical lower-case spellings first (a length and first-byte test,
 * then one memcmp), then iv__enum_parse for other cases and the numeric outcomes. */
static int iv__enum_fast(int kind, const char *s, size_t n)
{
    static const struct {
        const char *s;
        unsigned char n;
    } names[4][9] = {
        { { "acquisition", 11 }, { "closing", 7 }, { "retention", 9 } },
        { { "technology", 10 }, { "channels", 8 }, { "engagement", 10 }, { "experience", 10 },
          { "content", 7 }, { "business", 8 }, { "analytics", 9 }, { "governance", 10 } },
        { { "in", 2 }, { "out", 3 } },
        { { "desired", 7 }, { "neutral", 7 }, { "undesired", 9 } },
    };
    int v;
    for (v = 0; v < 9 && names[kind][v].s; v++)
        if (names[kind][v].n == n && names[kind][v].s[0] == s[0]) {
            size_t i = 1; /* at most 11 bytes: a loop beats a call to memcmp */
            while (i < n && names[kind][v].s[i] == s[i])
                i++;
            if (i == n)
                return v + 1;
        }
    return iv__enum_parse(kind, s, n);
}

static int iv__set_text(iv_ingest *ing, iv__str *str, const char *s, size_t n)
{
    if (n > ing->max_string) {
        snprintf(ing->why, sizeof ing->why, "string of %zu bytes is longer than max_string (%zu)", n,
                 ing->max_string);
        return 1;
    }
    str->p = s;
    str->n = n;
    return 0;
}

static int iv__set_number(iv_ingest *ing, double *num, const char *s, size_t n)
{
    int rc;
    iv__trim(&s, &n);
    if (n == 0)
        return 0;
    rc = iv__num_parse(s, n, num);
    if (rc == IV_ERANGE)
        return iv__why(ing, "number out of range '%.*s'", s, n);
    if (rc)
        return iv__why(ing, "not a number '%.*s'", s, n);
    return 0;
}

/* Put the text s[0..n) (a CSV field, or a JSON value of kind jk) into the row for
 * target t. Returns 0, or 1 with ing->why set when the value is bad. One switch on the
 * column's kind, which the header fixed; empty text means "not given" everywhere. */
static int iv__set(iv_ingest *ing, iv__target t, const char *s, size_t n, int jk)
{
    iv__row *r = &ing->row;
    int kind, v;

    if (jk == IV__JV_NULL)
        return 0;
    if (jk == IV__JV_BOOL)
        return iv__why(ing, "'%.*s' is not a value for this field", s, n);
    switch (t.kind) {
    case F_CONTACT: return iv__set_text(ing, &r->contact, s, n);
    case F_CHANNEL: return iv__set_text(ing, &r->channel, s, n);
    case F_TYPE: return iv__set_text(ing, &r->type, s, n);
    case F_TEAM: return iv__set_text(ing, &r->team, s, n);
    case F_ID: return iv__set_text(ing, &r->id, s, n);
    case F_DIM:
        if (n == 0)
            return 0;
        r->dim_idx[r->ndims] = (uint16_t)t.dim;
        return iv__set_text(ing, &r->dim_val[r->ndims++], s, n);
    case F_COST: return iv__set_number(ing, &r->cost, s, n);
    case F_VALUE: return iv__set_number(ing, &r->value, s, n);
    case F_SCORE: return iv__set_number(ing, &r->score, s, n);
    case F_RV: return iv__set_number(ing, &r->rv, s, n);
    case F_TS:
        iv__trim(&s, &n);
        if (n == 0)
            return 0;
        if (iv__time_parse_cached(&ing->tcache, s, n, &r->ts)) {
            snprintf(ing->why, sizeof ing->why, "%s", iv_error_last());
            r->ts = IV_TIME_NONE;
            return 1;
        }
        return 0;
    case F_STAGE: kind = 0; break;
    case F_AREA: kind = 1; break;
    case F_DIRECTION: kind = 2; break;
    default: kind = 3; break; /* F_OUTCOME */
    }
    iv__trim(&s, &n);
    if (n == 0)
        return 0;
    v = iv__enum_fast(kind, s, n);
    if (v < 0) {
        snprintf(ing->why, sizeof ing->why, "unknown %s '%.*s'", iv__fname[t.kind], (int)IV__MIN(n, 64), s);
        return 1;
    }
    switch (t.kind) {
    case F_STAGE: r->stage = (uint8_t)v; break;
    case F_AREA: r->area = (uint8_t)v; break;
    case F_DIRECTION: r->direction = (uint8_t)v; break;
    default: r->outcome = (uint8_t)v; break;
    }
    return 0;
}

static const char *iv__tname(const iv_ingest *ing, iv__target t)
{
    return t.kind < F_N ? iv__fname[t.kind] : ing->store->dim_names[t.dim];
}

/* The row is parsed: check it (doc/GUIDE.md §1) and append it. */
static int iv__finish_row(iv_ingest *ing, const char *raw, size_t nraw)
{
    const char *field = NULL;
    int rc;
    if (iv__row_check(&ing->row, ing->why, sizeof ing->why, &field)) {
        size_t col = 0;
        int k;
        for (k = 0; k < F_N; k++)
            if (field && strcmp(field, iv__fname[k]) == 0)
                break;
        if (k < F_N)
            col = ing->format == IV_INPUT_CSV ? (size_t)(ing->field_col[k] + 1) : ing->jcol[k];
        return iv__bad_row(ing, raw, nraw, col, field, ing->why);
    }
    rc = iv__store_push(ing->store, &ing->row);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", iv_error_last());
        return iv__fail(ing, iv__error(rc, "line %llu: %s", (unsigned long long)ing->rec_line, msg));
    }
    ing->rows_read++;
    ing->rows_accepted++;
    ing->store->ingest_read++;
    return IV_OK;
}

/* Case-insensitive equality of two byte ranges. */
static int iv__ieqn(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i;
    if (na != nb)
        return 0;
    for (i = 0; i < na; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* Apply the map to a source name, then find its field (F_DIM when none). */
static int iv__name_kind(const iv_ingest *ing, const char **s, size_t *n)
{
    size_t i;
    int k;
    for (i = 0; i < ing->nmap; i++)
        if (iv__ieqn(*s, *n, ing->map[i].src, ing->map[i].nsrc)) {
            *s = ing->map[i].dst;
            *n = ing->map[i].ndst;
            break;
        }
    for (k = 0; k < F_N; k++)
        if (iv__ieq(*s, *n, iv__fname[k]))
            return k;
    return F_DIM;
}

/* ------------------------------------------------------------- CSV ------------ */

/* Text of field i of the current record (unescaped into *sc when it has ""). */
static void iv__csv_text(const iv_ingest *ing, const char *buf, size_t i, char **sc,
                         const char **s, size_t *n)
{
    const iv__csv_field *f = &ing->csv.f[i];
    *s = buf + f->start;
    *n = f->end - f->start;
    if (f->esc) {
        *n = iv__csv_unescape(*s, *n, *sc);
        *s = *sc;
        *sc += *n;
    }
}

static int iv__header_error(iv_ingest *ing, int rc, const char *fmt, const char *s, size_t n)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, (int)IV__MIN(n, 64), s);
    return iv__fail(ing, iv__error(rc, "line %llu: header: %s", (unsigned long long)ing->rec_line, msg));
}

static int iv__csv_header(iv_ingest *ing, const char *buf)
{
    size_t n = ing->csv.nfields, i, j;
    char *sc;
    const char *s, *s2;
    size_t ns, ns2;
    int k;

    if (ing->csv.err)
        return iv__header_error(ing, IV_EPARSE, "%.*s", iv__csv_strerror(ing->csv.err),
                                strlen(iv__csv_strerror(ing->csv.err)));
    ing->cols = iv__calloc(&ing->alloc, n, sizeof *ing->cols);
    if (!ing->cols)
        return iv__fail(ing, iv__nomem("the header"));
    ing->ncols = n;
    if (iv__csv_reserve(&ing->csv, n))
        return iv__fail(ing, IV_ENOMEM);
    sc = ing->scratch;
    for (i = 0; i < n; i++) {
        iv__csv_text(ing, buf, i, &sc, &s, &ns);
        iv__trim(&s, &ns);
        if (ns == 0) {
            char num[32];
            snprintf(num, sizeof num, "%zu", i + 1);
            return iv__header_error(ing, IV_EPARSE, "column %.*s has no name", num, strlen(num));
        }
        k = iv__name_kind(ing, &s, &ns);
        ing->cols[i].kind = k;
        ing->cols[i].text = k == F_CONTACT ? &ing->row.contact : k == F_CHANNEL ? &ing->row.channel
                          : k == F_TYPE    ? &ing->row.type
                          : k == F_TEAM    ? &ing->row.team
                          : k == F_ID      ? &ing->row.id
                                           : NULL;
        if (k < F_N) {
            if (ing->field_col[k] >= 0)
                return iv__header_error(ing, IV_EPARSE, "duplicate column '%.*s'", s, ns);
            ing->field_col[k] = (int)i;
        }
    }
    for (k = 0; k <= F_TYPE; k++)
        if (ing->field_col[k] < 0)
            return iv__header_error(ing, IV_EPARSE, "missing required column '%.*s'", iv__fname[k],
                                    strlen(iv__fname[k]));
    /* custom dimensions: check duplicates, then create them in the store */
    sc = ing->scratch;
    for (i = 0; i < n; i++) {
        iv__csv_text(ing, buf, i, &sc, &s, &ns);
        iv__trim(&s, &ns);
        if (iv__name_kind(ing, &s, &ns) != F_DIM)
            continue;
        for (j = i + 1; j < n; j++) {
            char *sc2 = sc;
            iv__csv_text(ing, buf, j, &sc2, &s2, &ns2);
            iv__trim(&s2, &ns2);
            if (iv__name_kind(ing, &s2, &ns2) == F_DIM && iv__ieqn(s, ns, s2, ns2))
                return iv__header_error(ing, IV_EPARSE, "duplicate column '%.*s'", s, ns);
        }
        if (iv__store_dim(ing->store, s, ns, 0) < 0 && ing->store->ndims >= IV_MAX_DIMS)
            return iv__header_error(ing, IV_ELIMIT, "more than 64 custom dimensions (at '%.*s')", s, ns);
        k = iv__store_dim(ing->store, s, ns, 1);
        if (k < 0)
            return iv__fail(ing, IV_ENOMEM);
        ing->cols[i].dim = k;
    }
    ing->header_done = 1;
    return IV_OK;
}

static int iv__csv_row(iv_ingest *ing, const char *buf, size_t len)
{
    const iv__csv *c = &ing->csv;
    iv__row *r = &ing->row;
    char *sc = ing->scratch;
    size_t i;

    if (c->err) {
        size_t f = c->err_field;
        return iv__bad_row(ing, buf, len, f + 1, f < ing->ncols ? iv__tname(ing, ing->cols[f]) : NULL,
                           iv__csv_strerror(c->err));
    }
    if (c->nfields != ing->ncols) {
        snprintf(ing->why, sizeof ing->why, "%zu fields where the header has %zu", c->nfields, ing->ncols);
        return iv__bad_row(ing, buf, len, 0, NULL, ing->why);
    }
    iv__row_clear(r);
    r->ndims = 0;
    for (i = 0; i < ing->ncols; i++) {
        const iv__csv_field *f = &c->f[i];
        const iv__target *t = &ing->cols[i];
        const char *s;
        size_t n = f->end - f->start;
        if (n == 0)
            continue; /* empty: not given, whatever the column */
        if (!f->esc && n <= ing->max_string) { /* plain text: stored without a call */
            if (t->text) {
                t->text->p = buf + f->start;
                t->text->n = n;
                continue;
            }
            if (t->kind == F_DIM) {
                r->dim_idx[r->ndims] = (uint16_t)t->dim;
                r->dim_val[r->ndims].p = buf + f->start;
                r->dim_val[r->ndims++].n = n;
                continue;
            }
        }
        iv__csv_text(ing, buf, i, &sc, &s, &n);
        if (iv__set(ing, ing->cols[i], s, n, IV__JV_STRING))
            return iv__bad_row(ing, buf, len, i + 1, iv__tname(ing, ing->cols[i]), ing->why);
    }
    return iv__finish_row(ing, buf, len);
}

/* ------------------------------------------------------------- JSON Lines ----- */

/* Resolve a JSON key through the cache. Returns IV_OK with *t set, IV_OK with *bad set
 * (ing->why) when the key cannot be a column, or IV_ENOMEM. */
static int iv__jkey_find(iv_ingest *ing, const char *key, size_t n, iv__target *t, int *bad)
{
    uint32_t h = iv__hash(key, n);
    size_t mask, i;
    const char *s = key;
    size_t ns = n;
    int k, d;

    *bad = 0;
    if (ing->capjkeys) {
        mask = ing->capjkeys - 1;
        for (i = h & mask; ing->jkeys[i].name; i = (i + 1) & mask)
            if (ing->jkeys[i].hash == h && ing->jkeys[i].n == n && memcmp(ing->jkeys[i].name, key, n) == 0) {
                *t = ing->jkeys[i].t;
                return IV_OK;
            }
    }
    iv__trim(&s, &ns);
    if (ns == 0) {
        *bad = 1;
        snprintf(ing->why, sizeof ing->why, "empty key");
        return IV_OK;
    }
    k = iv__name_kind(ing, &s, &ns);
    t->kind = k;
    t->dim = 0;
    t->text = NULL;
    if (k == F_DIM) {
        d = iv__store_dim(ing->store, s, ns, 0);
        if (d < 0) {
            if (ing->store->ndims >= IV_MAX_DIMS) {
                *bad = 1;
                snprintf(ing->why, sizeof ing->why, "key '%.*s' would be custom dimension %d; the limit is %d",
                         (int)IV__MIN(ns, 64), s, IV_MAX_DIMS + 1, IV_MAX_DIMS);
                return IV_OK;
            }
            d = iv__store_dim(ing->store, s, ns, 1);
            if (d < 0)
                return IV_ENOMEM;
        }
        t->dim = d;
    }
    /* remember this spelling */
    if (ing->njkeys < IV__JKEY_MAX) {
        iv__jkey *e;
        char *copy;
        if ((ing->njkeys + 1) * 2 > ing->capjkeys) {
            size_t ncap = ing->capjkeys ? ing->capjkeys * 2 : 64, j;
            iv__jkey *nt = iv__calloc(&ing->alloc, ncap, sizeof *nt);
            if (!nt)
                return iv__nomem("the JSON key table");
            for (j = 0; j < ing->capjkeys; j++)
                if (ing->jkeys[j].name) {
                    size_t p = ing->jkeys[j].hash & (ncap - 1);
                    while (nt[p].name)
                        p = (p + 1) & (ncap - 1);
                    nt[p] = ing->jkeys[j];
                }
            iv__free(&ing->alloc, ing->jkeys, ing->capjkeys * sizeof *ing->jkeys);
            ing->jkeys = nt;
            ing->capjkeys = ncap;
        }
        copy = iv__strndup(&ing->alloc, key, n);
        if (!copy)
            return iv__nomem("a JSON key");
        mask = ing->capjkeys - 1;
        for (i = h & mask; ing->jkeys[i].name; i = (i + 1) & mask)
            ;
        e = &ing->jkeys[i];
        e->name = copy;
        e->n = n;
        e->hash = h;
        e->t = *t;
        ing->njkeys++;
    }
    return IV_OK;
}

static int iv__jsonl_row(iv_ingest *ing, const char *buf, size_t len)
{
    unsigned char seen[F_N + IV_MAX_DIMS];
    size_t i;
    int bad, rc;

    rc = iv__jsonl_parse(&ing->json, buf, len, ing->scratch, &bad);
    if (rc)
        return iv__fail(ing, rc);
    if (bad)
        return iv__bad_row(ing, buf, len, ing->json.err_col, NULL, ing->json.why);
    iv__row_clear(&ing->row);
    ing->row.ndims = 0;
    memset(seen, 0, sizeof seen);
    memset(ing->jcol, 0, sizeof ing->jcol);
    for (i = 0; i < ing->json.n; i++) {
        const iv__jmember *m = &ing->json.m[i];
        iv__target t;
        size_t slot;
        if ((rc = iv__jkey_find(ing, m->key, m->nkey, &t, &bad)) != IV_OK)
            return iv__fail(ing, rc);
        if (bad)
            return iv__bad_row(ing, buf, len, m->col, NULL, ing->why);
        slot = t.kind < F_N ? (size_t)t.kind : (size_t)F_N + (size_t)t.dim;
        if (seen[slot])
            return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, t), "duplicate key");
        seen[slot] = 1;
        if (t.kind < F_N)
            ing->jcol[t.kind] = m->col;
        if (iv__set(ing, t, m->val, m->nval, m->kind))
            return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, t), ing->why);
    }
    return iv__finish_row(ing, buf, len);
}

/* ------------------------------------------------------------- push loop ------ */

static int iv__blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* One whole record is in buf[0..len) (len may be short of rec_len when the record was
 * longer than max_line). */
static int iv__record(iv_ingest *ing, const char *buf, size_t len)
{
    size_t n = len;
    uint64_t lines = 0;
    int rc = IV_OK;

    if (n && buf[n - 1] == '\n') {
        n--;
        lines = 1;
        if (n && buf[n - 1] == '\r')
            n--;
    } else if (ing->rec_len > len) {
        lines = 1; /* truncated: its line feed was not kept */
    }
    if (ing->capscratch < len) {
        size_t cap = ing->capscratch;
        if (iv__grow(&ing->alloc, (void **)&ing->scratch, &cap, len, 1))
            return iv__fail(ing, IV_ENOMEM);
        ing->capscratch = cap;
    }
    if (ing->rec_len > ing->max_line) {
        snprintf(ing->why, sizeof ing->why, "record of %zu bytes is longer than max_line (%zu)",
                 ing->rec_len - (size_t)lines, ing->max_line);
        if (ing->format == IV_INPUT_CSV && !ing->header_done)
            rc = iv__fail(ing, iv__error(IV_ELIMIT, "line %llu: header: %s",
                                         (unsigned long long)ing->rec_line, ing->why));
        else
            rc = iv__bad_row(ing, buf, n, 0, NULL, ing->why);
    } else if (ing->format == IV_INPUT_CSV) {
        const iv__csv *c = &ing->csv;
        int empty = c->nfields == 1 && !c->f[0].quoted && c->f[0].end == c->f[0].start && !c->err;
        if (!empty)
            rc = ing->header_done ? iv__csv_row(ing, buf, n) : iv__csv_header(ing, buf);
    } else if (!iv__blank(buf, n)) {
        rc = iv__jsonl_row(ing, buf, n);
    }
    if (ing->format == IV_INPUT_CSV)
        lines += ing->csv.nl;
    ing->line += lines;
    ing->rec_len = 0;
    iv__csv_reset(&ing->csv);
    return rc;
}

static int iv__carry(iv_ingest *ing, const char *p, size_t n)
{
    size_t room = ing->ncarry < ing->max_line ? ing->max_line - ing->ncarry : 0;
    n = IV__MIN(n, room);
    if (!n)
        return IV_OK;
    if (ing->ncarry + n > ing->capcarry) {
        size_t cap = ing->capcarry;
        if (iv__grow(&ing->alloc, (void **)&ing->carry, &cap, ing->ncarry + n, 1))
            return iv__fail(ing, IV_ENOMEM);
        ing->capcarry = cap;
    }
    memcpy(ing->carry + ing->ncarry, p, n);
    ing->ncarry += n;
    return IV_OK;
}

/* A record still open after more bytes than the limit: checked while reading, so an
 * input without line ends (/dev/zero) or an endless quoted field stops instead of being
 * read forever. Strict: the row is bad as soon as it passes max_line. Lenient: an
 * over-long record is skipped to its end (a bad row), but one still open after
 * IV__SKIP_LIMIT bytes stops the ingestion (its row counted as rejected). */
static int iv__overlong(iv_ingest *ing)
{
    uint64_t skip = (uint64_t)ing->max_line * 64;
    int rc;
    if (skip < IV__SKIP_MIN)
        skip = IV__SKIP_MIN;
    int header = ing->format == IV_INPUT_CSV && !ing->header_done;
    if (ing->rec_len <= ing->max_line)
        return IV_OK;
    if (header && (ing->policy == IV_POLICY_STRICT || ing->rec_len > skip))
        return iv__fail(ing, iv__error(IV_ELIMIT, "line %llu: header: record longer than max_line (%zu bytes) and still not ended",
                                       (unsigned long long)ing->rec_line, ing->max_line));
    if (ing->policy == IV_POLICY_STRICT) {
        snprintf(ing->why, sizeof ing->why, "record longer than max_line (%zu bytes) and still not ended",
                 ing->max_line);
        return iv__bad_row(ing, ing->carry, ing->ncarry, 0, NULL, ing->why);
    }
    if (ing->rec_len <= skip)
        return IV_OK;
    snprintf(ing->why, sizeof ing->why, "record still not ended after %llu bytes (max_line %zu)",
             (unsigned long long)ing->rec_len, ing->max_line);
    if ((rc = iv__bad_row(ing, ing->carry, ing->ncarry, 0, NULL, ing->why)))
        return rc;
    return iv__fail(ing, iv__error(IV_ELIMIT, "line %llu: %s: stopped reading (an unterminated quoted field, or input without line ends?)",
                                   (unsigned long long)ing->rec_line, ing->why));
}

static int iv__feed(iv_ingest *ing, const char *p, size_t n)
{
    while (n) {
        size_t used;
        int done, rc;
        if (ing->rec_len == 0) {
            ing->rec_off = ing->bytes;
            ing->rec_line = ing->line;
        }
        if (ing->format == IV_INPUT_CSV) {
            /* a record that starts here and ends in this chunk, without quotes, is
             * split in one pass; anything else goes through the state machine */
            used = ing->rec_len == 0 ? iv__csv_plain(&ing->csv, p, n) : 0;
            done = used != 0;
            if (!used && (rc = iv__csv_scan(&ing->csv, p, n, &used, &done)))
                return iv__fail(ing, rc);
        } else {
            const char *q = memchr(p, '\n', n);
            done = q != NULL;
            used = q ? (size_t)(q - p) + 1 : n;
        }
        ing->rec_len += used;
        if (!done && (rc = iv__overlong(ing)))
            return rc;
        if (done && !ing->in_carry) {
            rc = iv__record(ing, p, used);
        } else {
            rc = iv__carry(ing, p, used);
            ing->in_carry = 1;
            if (!rc && done) {
                rc = iv__record(ing, ing->carry, ing->ncarry);
                ing->ncarry = 0;
                ing->in_carry = 0;
            }
        }
        ing->bytes += used;
        p += used;
        n -= used;
        if (rc)
            return rc;
        if (ing->progress && ing->bytes >= ing->next_progress) {
            ing->next_progress = ing->bytes + IV__PROGRESS_STEP;
            if (ing->progress(ing->bytes, ing->total, ing->payload))
                return iv__fail(ing, iv__error(IV_ECANCELED, "ingestion canceled by the progress callback at byte %llu",
                                               (unsigned long long)ing->bytes));
        }
    }
    return IV_OK;
}

static int iv__usable(const iv_ingest *ing, const char *fn)
{
    if (!ing)
        return iv__error(IV_EINVAL, "%s: NULL handle", fn);
    if (ing->failed)
        return iv__error(IV_ESTATE, "%s: the ingestion already failed", fn);
    if (ing->finished)
        return iv__error(IV_ESTATE, "%s: the ingestion is finished", fn);
    return IV_OK;
}

IV_API int iv_ingest_push(iv_ingest *ing, const void *data, size_t len)
{
    static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
    const unsigned char *p = data;
    int rc;
    if ((rc = iv__usable(ing, "iv_ingest_push")))
        return rc;
    if (!data && len)
        return iv__error(IV_EINVAL, "iv_ingest_push: NULL data");
    if (!ing->bom_done) {
        /* An optional UTF-8 byte order mark may itself arrive split. */
        while (len && ing->nbom < 3 && *p == bom[ing->nbom]) {
            ing->bom[ing->nbom++] = *p++;
            len--;
        }
        if (ing->nbom == 3) {
            ing->bom_done = 1;
            ing->bytes += 3;
        } else if (len) {
            ing->bom_done = 1;
            if (ing->nbom && (rc = iv__feed(ing, (const char *)ing->bom, ing->nbom)))
                return rc;
        } else {
            return IV_OK;
        }
    }
    return iv__feed(ing, (const char *)p, len);
}

IV_API int iv_ingest_finish(iv_ingest *ing)
{
    int rc;
    if ((rc = iv__usable(ing, "iv_ingest_finish")))
        return rc;
    if (!ing->bom_done) {
        ing->bom_done = 1;
        if (ing->nbom && (rc = iv__feed(ing, (const char *)ing->bom, ing->nbom)))
            return rc;
    }
    if (ing->rec_len > 0) {
        /* the last record has no line ending; its bytes are in the carry buffer */
        if (ing->format == IV_INPUT_CSV && (rc = iv__csv_eof(&ing->csv)))
            return iv__fail(ing, rc);
        rc = iv__record(ing, ing->carry, ing->ncarry);
        ing->ncarry = 0;
        ing->in_carry = 0;
        if (rc)
            return rc;
    }
    if (ing->format == IV_INPUT_CSV && !ing->header_done)
        return iv__fail(ing, iv__error(IV_EPARSE, "no header row: the input is empty"));
    if ((rc = iv__store_prepare(ing->store)))
        return iv__fail(ing, rc);
    ing->finished = 1;
    if (ing->progress && ing->progress(ing->bytes, ing->total, ing->payload))
        return iv__error(IV_ECANCELED, "ingestion canceled by the progress callback at the end");
    return IV_OK;
}

IV_API int iv_ingest_file(iv_ingest *ing, const char *path)
{
    FILE *f;
    char *buf;
    struct stat st;
    int rc = IV_OK;

    if ((rc = iv__usable(ing, "iv_ingest_file")))
        return rc;
    if (!path)
        return iv__error(IV_EINVAL, "iv_ingest_file: NULL path");
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return iv__error(IV_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        ing->total = (uint64_t)st.st_size;
    buf = iv__malloc(&ing->alloc, IV__READ_CHUNK);
    if (!buf) {
        if (f != stdin)
            fclose(f);
        return iv__nomem("the read buffer");
    }
    for (;;) {
        size_t r = fread(buf, 1, IV__READ_CHUNK, f);
        if (r && (rc = iv_ingest_push(ing, buf, r)))
            break;
        if (r < IV__READ_CHUNK) {
            if (ferror(f))
                rc = iv__fail(ing, iv__error(IV_EIO, "reading '%s': %s", path, strerror(errno)));
            break;
        }
    }
    if (!rc)
        rc = iv_ingest_finish(ing);
    else if (rc != IV_EIO) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", iv_error_last());
        iv__error(rc, "%s: %s", path, msg);
    }
    iv__free(&ing->alloc, buf, IV__READ_CHUNK);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* ------------------------------------------------------------- results -------- */

IV_API int iv_ingest_get_stats(const iv_ingest *ing, iv_ingest_stats *out)
{
    iv_ingest_stats s;
    size_t size;
    if (!ing || !out || out->size < sizeof(size_t))
        return iv__error(IV_EINVAL, "iv_ingest_get_stats: bad arguments");
    size = out->size;
    s.size = size;
    s.rows_read = ing->rows_read;
    s.rows_accepted = ing->rows_accepted;
    s.rows_rejected = ing->rows_rejected;
    s.bytes = ing->bytes;
    memcpy(out, &s, IV__MIN(size, sizeof s));
    return IV_OK;
}

IV_API size_t iv_ingest_reject_count(const iv_ingest *ing)
{
    return ing ? ing->nrej : 0;
}

IV_API int iv_ingest_reject(const iv_ingest *ing, size_t i, uint64_t *line, uint64_t *offset,
                            const char **reason, const char **raw)
{
    const iv__reject *r;
    if (!ing)
        return iv__error(IV_EINVAL, "iv_ingest_reject: NULL handle");
    if (i >= ing->nrej)
        return iv__error(IV_ERANGE, "iv_ingest_reject: index %zu of %zu", i, ing->nrej);
    r = &ing->rej[i];
    if (line)
        *line = r->line;
    if (offset)
        *offset = r->offset;
    if (reason)
        *reason = r->reason;
    if (raw)
        *raw = r->raw;
    return IV_OK;
}

static void iv__put_file(void *f, const char *s, size_t n)
{
    fwrite(s, 1, n, (FILE *)f);
}

IV_API int iv_ingest_write_rejects(const iv_ingest *ing, const char *path)
{
    FILE *f;
    size_t i;
    if (!ing || !path)
        return iv__error(IV_EINVAL, "iv_ingest_write_rejects: NULL argument");
    f = fopen(path, "wb");
    if (!f)
        return iv__error(IV_EIO, "cannot create '%s': %s", path, strerror(errno));
    fputs("line,offset,reason,raw\n", f);
    for (i = 0; i < ing->nrej; i++) {
        const iv__reject *r = &ing->rej[i];
        fprintf(f, "%llu,%llu,", (unsigned long long)r->line, (unsigned long long)r->offset);
        iv__csv_put_field(r->reason, ',', iv__put_file, f);
        fputc(',', f);
        iv__csv_put_field(r->raw, ',', iv__put_file, f);
        fputc('\n', f);
    }
    if (fflush(f) != 0 || ferror(f)) {
        int e = errno;
        fclose(f);
        return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(e));
    }
    if (fclose(f) != 0)
        return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(errno));
    return IV_OK;
}
