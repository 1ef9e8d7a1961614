/* Internal view of the store: the columns, the interners, and the append path that
 * ingestion, iv_store_append() and iv_store_append_columns() share.
 *
 * Layout (bytes per row; "lazy" columns are allocated on the first row that has them):
 *   contact  u32                      4
 *   ts       i64 (ms)                 8
 *   channel  code (1/2/4 bytes)       1..4
 *   type     code                     1..4
 *   enums    u16: stage 2 bits | area 4 bits | direction 2 bits | outcome 2 bits   2
 *   cost     f64, NaN = not given     8
 *   value    f64, NaN = not given     8
 *   team     code, lazy               1..4
 *   score    code into a pool of doubles, lazy    1..4
 *   rv       code into a pool of doubles, lazy    1..4
 *   id       u32, lazy                4
 *   dims     code per custom dimension, lazy      1..4 each
 * Code 0 always means "not given"; pools reserve id 0 for the empty string.
 */
#ifndef IV_SRC_STORE_H
#define IV_SRC_STORE_H

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core.h"
#include "iv/store.h"
#include "pool.h"

/* A byte range (not NUL-terminated). */
typedef struct iv__str {
    const char *p;
    size_t n;
} iv__str;

/* ---- a column of codes whose width grows 1 -> 2 -> 4 bytes as needed ---- */
typedef struct iv__codes {
    void *data;    /* NULL until the first non-zero code (all rows 0 before) */
    uint8_t width; /* 1, 2 or 4; 0 while data is NULL */
} iv__codes;

static inline uint32_t iv__codes_get(const iv__codes *c, size_t i)
{
    switch (c->width) {
    case 1: return ((const uint8_t *)c->data)[i];
    case 2: return ((const uint16_t *)c->data)[i];
    case 4: return ((const uint32_t *)c->data)[i];
    default: return 0;
    }
}

/* A string column: an interner and the per-row codes. */
typedef struct iv__strcol {
    iv__pool pool;
    iv__codes codes;
} iv__strcol;

/* Packed enums. */
#define IV__EN_STAGE(e) ((unsigned)(e) & 3u)
#define IV__EN_AREA(e) (((unsigned)(e) >> 2) & 15u)
#define IV__EN_DIR(e) (((unsigned)(e) >> 6) & 3u)
#define IV__EN_OUTCOME(e) (((unsigned)(e) >> 8) & 3u)
#define IV__EN_PACK(st, ar, di, ou) \
    ((uint16_t)((unsigned)(st) | ((unsigned)(ar) << 2) | ((unsigned)(di) << 6) | ((unsigned)(ou) << 8)))

struct iv_store {
    iv__alloc alloc;
    uint64_t limit_left;     /* distinct strings still allowed */
    size_t nrows, cap;       /* rows stored, rows allocated in every column */

    uint32_t *contact;
    int64_t *ts;
    iv__strcol channel, type;
    uint16_t *enums;
    double *cost, *value;
    iv__strcol team;
    iv__strcol score, rv;    /* pools of 8-byte doubles; code 0 = not given */
    uint32_t *id;            /* lazy: id into idpool, 0 = not given */
    iv__pool contacts, ids;
    /* lazy: one bit per row, set where the row had an id that ingestion read but did not
     * store (IV_SKIP_ID): what the maturity indicator technology.id_coverage counts.
     * A bit is set only when its row is committed, and the only rows ever taken back
     * (a failed iv_store_append_columns) come with stored ids or none, so the bits of
     * rows at or past nrows are 0. */
    uint64_t *id_seen;
    size_t cap_id_seen;      /* rows the bitmap covers (a multiple of 64) */

    size_t ndims;
    char *dim_names[IV_MAX_DIMS]; /* lower-cased */
    iv__strcol dims[IV_MAX_DIMS];

    int64_t ts_min, ts_max;  /* IV_TIME_NONE when empty */

    /* index_ok: the store is prepared (no append since the last ingestion, load or
     * iv_store_prepare), so several threads may read it. The per-contact index in time
     * order (rows of contact c are idx_rows[idx_start[c] .. idx_start[c+1])) exists
     * when idx_built is set: a prepared store builds it on the first reader that needs
     * it (iv__store_index), under idx_mu, so that concurrent readers stay safe. */
    int index_ok;
    atomic_int idx_built;
    pthread_mutex_t idx_mu;
    int idx_mu_ok;
    uint32_t *idx_start;     /* contacts.count + 1 entries (contact id 0 is "" and empty) */
    uint32_t *idx_rows;      /* nrows entries */
    size_t idx_cap_contacts, idx_cap_rows;

    uint64_t ingest_read, ingest_rejected; /* over every ingestion into this store */

    /* capacities in rows, per column, so that a failed growth of one column never
     * leaves another with an unrecorded size */
    size_t cap_contact, cap_ts, cap_enums, cap_cost, cap_value, cap_id;
    size_t cap_channel, cap_type, cap_team, cap_score, cap_rv, cap_dims[IV_MAX_DIMS];
};

/* One parsed row, as ingestion and the public append paths hand it to the store.
 * Strings are byte ranges (n == 0: not given). Numbers: NaN = not given. */
typedef struct iv__row {
    iv__str contact, channel, type, team, id;
    uint32_t contact_hash;  /* iv__hash of contact when hashed is set */
    uint8_t hashed;
    uint8_t names_normal;   /* channel and type are in their normal form already */
    uint8_t id_seen;        /* an id was read but not stored (IV_SKIP_ID); id is empty */
    int64_t ts;
    uint8_t stage, area, direction, outcome;
    double cost, value, score, rv;
    size_t ndims;
    uint16_t dim_idx[IV_MAX_DIMS];
    iv__str dim_val[IV_MAX_DIMS];
} iv__row;

/* A parsed and checked row queued by ingestion (src/data/ingest.c) until it is appended
 * to the store (iv__store_push_rows): what the append reads of every row, 56 bytes (the
 * appending thread reads every byte of it, often from another core's writes, so it is
 * kept small). Its channel and type are codes into the batch's names (iv__bqueue.names),
 * which the append maps to the store's codes once per name and batch; what only some
 * rows have (a team, an id, a survey score, an rv, custom dimensions, or a name the
 * batch's table had no room for) is in an extra record. Its strings point into the input
 * (while it stays in memory) or into the batch's arena; their lengths fit 32 bits
 * (iv__batch_add). */
typedef struct iv__brow {
    int64_t ts;
    double cost, value;  /* NaN: not given */
    const char *cp;      /* the contact */
    uint32_t cn;         /* its length */
    uint32_t hash;       /* its iv__hash */
    uint32_t xtra;       /* 0: none; else 1 + the index of its iv__bxtra */
    uint16_t ch, ty;     /* channel, type: index into the names, or IV__BNAME_X */
    uint16_t enums;      /* IV__EN_PACK(stage, area, direction, outcome), | IV__BROW_ID_SEEN */
} iv__brow;
/* In iv__brow.enums: the row had an id that was read and not stored (as iv__row.id_seen). */
#define IV__BROW_ID_SEEN 0x8000u
/* In iv__brow.ch / ty: the name is in the row's extra record (the batch's table was full). */
#define IV__BNAME_X 0xFFFFu

/* What a queued row has besides (iv__brow.xtra). */
typedef struct iv__bxtra {
    const char *sp[4];   /* team, id, channel and type (these two only for IV__BNAME_X) */
    uint32_t sn[4];      /* their lengths; 0: not given */
    double score, rv;    /* NaN: not given */
    uint32_t dim0;       /* its custom dimension values: dim_idx/dim_val[dim0 .. dim0 + ndims) */
    uint16_t ndims;
} iv__bxtra;

/* A batch of queued rows as iv__store_push_rows reads it. chmap and tymap hold, per name,
 * its code in the store's channel and type pools once a row of the batch has used it
 * there (0: not yet; a name is never empty); the append fills them. */
typedef struct iv__bqueue {
    const iv__brow *rows;
    const iv__bxtra *xtra;
    const iv__str *names;
    size_t nnames;
    uint32_t *chmap, *tymap;
    const uint16_t *dim_idx;
    const iv__str *dim_val;
} iv__bqueue;

/* Reset a row to "nothing given". Inline: ingestion clears its row for every record. */
static inline void iv__row_clear(iv__row *r)
{
    memset(r, 0, offsetof(iv__row, dim_idx));
    r->ts = IV_TIME_NONE;
    r->cost = r->value = r->score = r->rv = (double)NAN;
}

/* Check a row against the bad-row rules of doc/GUIDE.md §1 (required fields, finite numbers, cost >= 0, survey
 * score on its scale, ts in range). On failure writes the reason into why (naming
 * the field) and returns the field's name in *field; returns 0 when the row is good. */
int iv__row_check(const iv__row *r, char *why, size_t cap, const char **field);

/* Append a checked row: interns its strings and writes every column. Atomic: on
 * failure (IV_ENOMEM, IV_ELIMIT) nothing of the row remains. Marks the index stale. */
int iv__store_push(iv_store *s, const iv__row *r);

/* Append the queued rows q->rows[from .. from + n) in order, as iv__store_push of each
 * would (channel and type normal already, the contact's hash given): the same store, the
 * same allocations. Rows are appended in one loop without an iv__row, the extra records
 * included (interned in iv__store_push's order; a code column allocated or widened in
 * place, in its order); only a row that needs a row vector or a lazy column to grow, or
 * the id column to be allocated, goes through iv__store_push.
 * Returns IV_OK with *done = n, or the error of row from + *done (IV_ENOMEM, IV_ELIMIT,
 * message set): the rows before it stay, nothing of it remains. */
int iv__store_push_rows(iv_store *s, const iv__bqueue *q, size_t from, size_t n, size_t *done);

/* Room for `more` further rows in the row vectors that every row uses (contact, ts,
 * enums, cost, value; the code columns follow their capacity when they are allocated or
 * grow), allocated at once instead of by doubling: a large ingestion then neither
 * copies its columns at each doubling nor holds old and new copies together. Pages
 * never written stay virtual. Only capacity changes; returns IV_OK, or IV_ENOMEM with
 * no error message set (the caller may go on without). */
int iv__store_expect(iv_store *s, size_t more);

/* Index of custom dimension name (case-insensitive), creating it when create is set.
 * Returns the index, or -1 (IV_ELIMIT or IV_ENOMEM set) / -2 when absent and !create. */
int iv__store_dim(iv_store *s, const char *name, size_t n, int create);

/* Build the per-contact index when stale and mark the store prepared. */
int iv__store_prepare(iv_store *s);

/* Mark the store prepared without building the per-contact index: the first reader that
 * needs it builds it (iv__store_index). For ingestion, whose commands often never ask
 * for the contacts' rows in time order. */
void iv__store_seal(iv_store *s);

/* The per-contact index of a prepared store, built on first use: every reader of
 * idx_start/idx_rows calls this first. Safe from several threads at once (one builds,
 * the others wait and then see the built index). Returns IV_OK, IV_ESTATE (not
 * prepared) or IV_ENOMEM. */
int iv__store_index(const iv_store *s);

/* Survey scale of a type: returns 1 and fills lo/hi for nps (0..10), csat (1..5),
 * ces (1..7); 0 for any other type. */
int iv__survey_scale(const char *type, size_t n, double *lo, double *hi);

/* Parse enum text (case-insensitive) for stage/area/direction/outcome: returns the
 * value (>0) or 0 for empty text, -1 for unknown text. kind an iv_enum_kind. */
int iv__enum_parse(int kind, const char *s, size_t n);

/* Whether row r had an id: one stored, or one read and not stored (IV_SKIP_ID). */
static inline int iv__store_has_id(const iv_store *s, size_t r)
{
    return (s->id && s->id[r] != 0) || (r < s->cap_id_seen && ((s->id_seen[r >> 6] >> (r & 63)) & 1u));
}

/* Make the id_seen bitmap cover rows [0, need), the new bits 0. IV_OK, or IV_ENOMEM
 * (message set) with the store unchanged. */
int iv__store_id_seen_fit(iv_store *s, size_t need);

/* Mark row r (covered: iv__store_id_seen_fit) as having had an id that was not stored. */
static inline void iv__store_id_seen_set(iv_store *s, size_t r)
{
    s->id_seen[r >> 6] |= UINT64_C(1) << (r & 63);
}

/* Read accessors used by the query engine. */
static inline double iv__store_score(const iv_store *s, size_t row)
{
    uint32_t c = iv__codes_get(&s->score.codes, row);
    double d;
    if (!c)
        return (double)NAN;
    memcpy(&d, iv__pool_str(&s->score.pool, c), sizeof d);
    return d;
}
static inline double iv__store_rv(const iv_store *s, size_t row)
{
    uint32_t c = iv__codes_get(&s->rv.codes, row);
    double d;
    if (!c)
        return (double)NAN;
    memcpy(&d, iv__pool_str(&s->rv.pool, c), sizeof d);
    return d;
}

/* Ask for the cache lines that a walk over rows[0..n) will read: the timestamps and type
 * codes, and the RV codes when rv is set. A walk over the contact index reads them at
 * random in a store not sorted by contact (a miss per row and column); prefetching the
 * next contact's rows while working on this one lets those misses overlap. */
static inline void iv__store_prefetch_rows(const iv_store *s, const uint32_t *rows, size_t n, int rv)
{
#if defined(__GNUC__)
    size_t k;
    /* addresses as integers: a lazy code column never given (rv) has NULL data, and
     * NULL + 0 would be undefined behaviour; a prefetch of any address never faults */
    for (k = 0; k < n; k++) {
        size_t r = rows[k];
        __builtin_prefetch(&s->ts[r]);
        __builtin_prefetch((const void *)((uintptr_t)s->type.codes.data + r * s->type.codes.width));
        if (rv)
            __builtin_prefetch((const void *)((uintptr_t)s->rv.codes.data + r * s->rv.codes.width));
    }
#else
    (void)s;
    (void)rows;
    (void)n;
    (void)rv;
#endif
}

#endif
