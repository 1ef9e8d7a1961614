/* Store snapshots: save a whole store to a file and load it back exactly.
 *
 * Format (all integers little-endian; doc/SUMMARIES.md has the full table):
 *   header   magic "\x89IVSTO\r\n", u32 version (1), u32 flags (0)
 *   sections u32 tag, u64 length, payload, u32 CRC-32 of the payload; in this order:
 *            META, one POOL per interner (contacts, ids, channel, type, team, score, rv,
 *            then each custom dimension), one COLUMN per column (contact, ts, enums, cost,
 *            value, id, id presence bits, channel, type, team, score, rv, then each custom
 *            dimension), END.
 * The write is atomic (temporary file in the same directory, fflush, fsync, rename).
 * Loading checks every length against the file's size before allocating, every CRC,
 * every code against its pool and every row against the rules of ingestion, so a
 * truncated, corrupted or forged file is an error, never a crash or a bad store. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "store.h"
#include "wire.h"

#define IV__SNAP_VERSION 1u

enum { IV__SEC_META = 1, IV__SEC_POOL = 2, IV__SEC_COLUMN = 3, IV__SEC_END = 0xffff };

/* ------------------------------------------------------------ writing ---- */

typedef struct iv__snapw {
    FILE *f;
    uint32_t crc;
    int err;
    unsigned char buf[65536];
    size_t n;
} iv__snapw;

static void iv__sw_raw(iv__snapw *w, const void *p, size_t n)
{
    if (!w->err && n && fwrite(p, 1, n, w->f) != n)
        w->err = errno ? errno : EIO; /* the system's reason, kept for the message */
}

static void iv__sw_flush(iv__snapw *w)
{
    w->crc = iv__crc32(w->crc, w->buf, w->n);
    iv__sw_raw(w, w->buf, w->n);
    w->n = 0;
}

/* Payload bytes (buffered, checksummed). */
static void iv__sw_put(iv__snapw *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        size_t k = IV__MIN(n, sizeof w->buf - w->n);
        memcpy(w->buf + w->n, b, k);
        w->n += k;
        b += k;
        n -= k;
        if (w->n == sizeof w->buf)
            iv__sw_flush(w);
    }
}

static void iv__sw_le(iv__snapw *w, uint64_t v, int bytes)
{
    unsigned char b[8];
    int i;
    for (i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    iv__sw_put(w, b, (size_t)bytes);
}

static void iv__sw_begin(iv__snapw *w, uint32_t tag, uint64_t len)
{
    unsigned char h[12];
    iv__le32(h, tag);
    iv__le64(h + 4, len);
    iv__sw_raw(w, h, sizeof h);
    w->crc = 0;
    w->n = 0;
}

static void iv__sw_end(iv__snapw *w)
{
    unsigned char c[4];
    iv__sw_flush(w);
    iv__le32(c, w->crc);
    iv__sw_raw(w, c, 4);
}

static void iv__sw_pool(iv__snapw *w, const iv__pool *p)
{
    uint64_t len = 8;
    uint32_t id;
    for (id = 1; id < p->count; id++)
        len += 4 + (uint64_t)iv__pool_len(p, id);
    iv__sw_begin(w, IV__SEC_POOL, len);
    iv__sw_le(w, p->count - 1, 8);
    for (id = 1; id < p->count; id++) {
        iv__sw_le(w, iv__pool_len(p, id), 4);
        iv__sw_put(w, iv__pool_str(p, id), iv__pool_len(p, id));
    }
    iv__sw_end(w);
}

/* A pool of 8-byte doubles (scores, explicit RV): entries written as little-endian
 * IEEE 754 bit patterns, whatever the host's byte order. */
static void iv__sw_dpool(iv__snapw *w, const iv__pool *p)
{
    uint32_t id;
    iv__sw_begin(w, IV__SEC_POOL, 8 + (uint64_t)(p->count - 1) * 12);
    iv__sw_le(w, p->count - 1, 8);
    for (id = 1; id < p->count; id++) {
        uint64_t u;
        memcpy(&u, iv__pool_str(p, id), 8);
        iv__sw_le(w, 8, 4);
        iv__sw_le(w, u, 8);
    }
    iv__sw_end(w);
}

/* A fixed-width column of n values of `bytes` bytes each (host integers). */
static void iv__sw_column(iv__snapw *w, const void *col, size_t n, int bytes)
{
    size_t i;
    iv__sw_begin(w, IV__SEC_COLUMN, (uint64_t)n * (uint64_t)bytes);
    for (i = 0; i < n; i++) {
        uint64_t v;
        switch (bytes) {
        case 2: v = ((const uint16_t *)col)[i]; break;
        case 4: v = ((const uint32_t *)col)[i]; break;
        default: memcpy(&v, (const unsigned char *)col + 8 * i, 8); break;
        }
        iv__sw_le(w, v, bytes);
    }
    iv__sw_end(w);
}

static void iv__sw_codes(iv__snapw *w, const iv__codes *c, size_t n)
{
    size_t i;
    int width = c->data ? c->width : 0;
    iv__sw_begin(w, IV__SEC_COLUMN, 1 + (uint64_t)n * (uint64_t)width);
    iv__sw_le(w, (uint64_t)width, 1);
    for (i = 0; width && i < n; i++)
        iv__sw_le(w, iv__codes_get(c, i), width);
    iv__sw_end(w);
}

static int iv__snap_write(const iv_store *s, FILE *f, const iv__alloc *a)
{
    iv__snapw *w = iv__malloc(a, sizeof *w);
    iv__wbuf meta;
    size_t d;
    int err;
    if (!w)
        return iv__nomem("writing a snapshot");
    memset(w, 0, offsetof(iv__snapw, buf));
    w->f = f;
    {
        unsigned char h[16];
        memcpy(h, "\x89IVSTO\r\n", 8);
        iv__le32(h + 8, IV__SNAP_VERSION);
        iv__le32(h + 12, 0);
        iv__sw_raw(w, h, 16);
    }
    iv__w_init(&meta, a);
    iv__w_u64(&meta, s->nrows);
    iv__w_u32(&meta, (uint32_t)s->ndims);
    iv__w_u64(&meta, s->ingest_read);
    iv__w_u64(&meta, s->ingest_rejected);
    /* bit 0: the id column follows; bit 1: the id presence bits (ids read, not stored) */
    iv__w_u8(&meta, (unsigned char)((s->id != NULL) | (s->id_seen != NULL) << 1));
    for (d = 0; d < s->ndims; d++)
        iv__w_str(&meta, s->dim_names[d], strlen(s->dim_names[d]));
    if (meta.err) {
        iv__w_free(&meta);
        iv__free(a, w, sizeof *w);
        return iv__nomem("writing a snapshot");
    }
    iv__sw_begin(w, IV__SEC_META, meta.n);
    iv__sw_put(w, meta.p, meta.n);
    iv__sw_end(w);
    iv__w_free(&meta);
    iv__sw_pool(w, &s->contacts);
    iv__sw_pool(w, &s->ids);
    iv__sw_pool(w, &s->channel.pool);
    iv__sw_pool(w, &s->type.pool);
    iv__sw_pool(w, &s->team.pool);
    iv__sw_dpool(w, &s->score.pool);
    iv__sw_dpool(w, &s->rv.pool);
    for (d = 0; d < s->ndims; d++)
        iv__sw_pool(w, &s->dims[d].pool);
    iv__sw_column(w, s->contact, s->nrows, 4);
    iv__sw_column(w, s->ts, s->nrows, 8);
    iv__sw_column(w, s->enums, s->nrows, 2);
    iv__sw_column(w, s->cost, s->nrows, 8);
    iv__sw_column(w, s->value, s->nrows, 8);
    if (s->id)
        iv__sw_column(w, s->id, s->nrows, 4);
    if (s->id_seen) {
        size_t words = (s->nrows + 63) / 64, i;
        iv__sw_begin(w, IV__SEC_COLUMN, (uint64_t)words * 8);
        for (i = 0; i < words; i++)
            iv__sw_le(w, i < s->cap_id_seen / 64 ? s->id_seen[i] : 0, 8);
        iv__sw_end(w);
    }
    iv__sw_codes(w, &s->channel.codes, s->nrows);
    iv__sw_codes(w, &s->type.codes, s->nrows);
    iv__sw_codes(w, &s->team.codes, s->nrows);
    iv__sw_codes(w, &s->score.codes, s->nrows);
    iv__sw_codes(w, &s->rv.codes, s->nrows);
    for (d = 0; d < s->ndims; d++)
        iv__sw_codes(w, &s->dims[d].codes, s->nrows);
    iv__sw_begin(w, IV__SEC_END, 0);
    iv__sw_end(w);
    err = w->err;
    iv__free(a, w, sizeof *w);
    return err ? iv__error(IV_EIO, "%s", strerror(err)) : IV_OK;
}

IV_API int iv_store_save(const iv_store *s, const char *path)
{
    FILE *f;
    char tmp[4096];
    int rc;
    if (!s || !path)
        return iv__error(IV_EINVAL, "iv_store_save: NULL argument");
    if ((rc = iv__atomic_open(path, tmp, sizeof tmp, &f)))
        return rc;
    if ((rc = iv__snap_write(s, f, &s->alloc))) {
        if (rc == IV_EIO) {
            char why[256];
            snprintf(why, sizeof why, "%s", iv_error_last());
            iv__atomic_abort(f, tmp);
            return iv__error(IV_EIO, "writing '%s' failed: %s", path, why);
        }
        iv__atomic_abort(f, tmp);
        return rc;
    }
    return iv__atomic_commit(f, tmp, path);
}

/* ------------------------------------------------------------ reading ---- */

typedef struct iv__snapr {
    FILE *f;
    const char *path;
    uint64_t left;          /* bytes of the file not read yet */
    unsigned char *buf;     /* the current section's payload */
    size_t cap;
    iv__alloc a;
    int section;            /* ordinal, for messages */
} iv__snapr;

static int iv__snap_corrupt(const iv__snapr *r, const char *what)
{
    return iv__error(IV_ECORRUPT, "%s: snapshot section %d: %s", r->path, r->section, what);
}

/* Read the next section, which must carry tag; its payload into r->buf, len bytes. */
static int iv__sr_section(iv__snapr *r, uint32_t tag, iv__rbuf *out)
{
    unsigned char h[12], c[4];
    uint64_t len;
    r->section++;
    if (r->left < 16 || fread(h, 1, 12, r->f) != 12)
        return iv__snap_corrupt(r, "truncated");
    r->left -= 12;
    len = iv__ld64(h + 4);
    if (iv__ld32(h) != tag)
        return iv__snap_corrupt(r, "unexpected section");
    /* a length can never make us allocate more than the file could hold */
    if (len > r->left - 4)
        return iv__snap_corrupt(r, "length beyond the end of the file");
    if (len > r->cap) {
        void *p = iv__realloc(&r->a, r->buf, r->cap, (size_t)len);
        if (!p)
            return iv__nomem("reading a snapshot");
        r->buf = p;
        r->cap = (size_t)len;
    }
    if ((len && fread(r->buf, 1, (size_t)len, r->f) != len) || fread(c, 1, 4, r->f) != 4)
        return iv__error(IV_EIO, "%s: read error", r->path);
    r->left -= len + 4;
    if (iv__crc32(0, r->buf, (size_t)len) != iv__ld32(c))
        return iv__snap_corrupt(r, "checksum mismatch");
    iv__r_init(out, r->buf, (size_t)len);
    return IV_OK;
}

static int iv__sr_done(iv__snapr *r, iv__rbuf *b)
{
    return b->err || iv__r_left(b) ? iv__snap_corrupt(r, "malformed payload") : IV_OK;
}

/* A pool section into an empty pool: ids must come out 1, 2, ... in order. dbl: a pool
 * of little-endian doubles. */
static int iv__sr_pool(iv__snapr *r, iv_store *s, iv__pool *p, int dbl)
{
    iv__rbuf b;
    uint64_t n, i;
    int rc;
    if ((rc = iv__sr_section(r, IV__SEC_POOL, &b)))
        return rc;
    n = iv__r_u64(&b);
    if (n > iv__r_left(&b) / 4)
        return iv__snap_corrupt(r, "string count beyond the section");
    for (i = 0; i < n; i++) {
        const char *str;
        size_t len;
        uint32_t id;
        unsigned char d[8];
        if (iv__r_str(&b, &str, &len) || len == 0 || (dbl && len != 8))
            return iv__snap_corrupt(r, "malformed string");
        if (!dbl && memchr(str, '\0', len))
            return iv__snap_corrupt(r, "NUL byte inside a string"); /* would cut it at output */
        if (dbl) {
            /* back to the host's double from its little-endian bit pattern */
            uint64_t u = iv__ld64((const unsigned char *)str);
            double v;
            memcpy(&v, &u, 8);
            if (!isfinite(v))
                return iv__snap_corrupt(r, "non-finite number");
            memcpy(d, &v, 8);
            str = (const char *)d;
        }
        if ((rc = iv__pool_intern(p, &s->alloc, str, len, &id, &s->limit_left)))
            return rc;
        if (id != i + 1)
            return iv__snap_corrupt(r, "duplicate string");
    }
    return iv__sr_done(r, &b);
}

/* A fixed-width column of nrows values into a new array. */
static int iv__sr_column(iv__snapr *r, iv_store *s, void **out, size_t *cap, int bytes)
{
    iv__rbuf b;
    size_t i, n = s->nrows;
    unsigned char *col;
    int rc;
    if ((rc = iv__sr_section(r, IV__SEC_COLUMN, &b)))
        return rc;
    if (iv__r_left(&b) != n * (size_t)bytes)
        return iv__snap_corrupt(r, "column length differs from the row count");
    if (n == 0)
        return IV_OK;
    col = iv__malloc(&s->alloc, n * (size_t)bytes);
    if (!col)
        return iv__nomem("reading a snapshot");
    for (i = 0; i < n; i++) {
        const unsigned char *p = b.p + i * (size_t)bytes;
        uint64_t v = bytes == 2 ? (uint64_t)p[0] | (uint64_t)p[1] << 8 : bytes == 4 ? iv__ld32(p) : iv__ld64(p);
        switch (bytes) {
        case 2: ((uint16_t *)(void *)col)[i] = (uint16_t)v; break;
        case 4: ((uint32_t *)(void *)col)[i] = (uint32_t)v; break;
        default: memcpy(col + 8 * i, &v, 8); break;
        }
    }
    *out = col;
    *cap = n;
    return IV_OK;
}

/* A code column: width byte, then codes each below the pool's count. */
static int iv__sr_codes(iv__snapr *r, iv_store *s, iv__strcol *sc, size_t *cap)
{
    iv__rbuf b;
    size_t i, n = s->nrows;
    unsigned width;
    int rc;
    if ((rc = iv__sr_section(r, IV__SEC_COLUMN, &b)))
        return rc;
    width = iv__r_u8(&b);
    if (b.err || (width != 0 && width != 1 && width != 2 && width != 4) ||
        iv__r_left(&b) != n * width)
        return iv__snap_corrupt(r, "malformed code column");
    if (width == 0 || n == 0)
        return IV_OK;
    sc->codes.data = iv__malloc(&s->alloc, n * width);
    if (!sc->codes.data)
        return iv__nomem("reading a snapshot");
    sc->codes.width = (uint8_t)width;
    *cap = n;
    for (i = 0; i < n; i++) {
        const unsigned char *p = b.p + 1 + i * width;
        uint32_t v = width == 1 ? p[0] : width == 2 ? (uint32_t)(p[0] | p[1] << 8) : iv__ld32(p);
        if (v >= sc->pool.count)
            return iv__snap_corrupt(r, "code beyond its strings");
        switch (width) {
        case 1: ((uint8_t *)sc->codes.data)[i] = (uint8_t)v; break;
        case 2: ((uint16_t *)sc->codes.data)[i] = (uint16_t)v; break;
        default: ((uint32_t *)sc->codes.data)[i] = v; break;
        }
    }
    return IV_OK;
}

static iv__str iv__pool_range(const iv__pool *p, uint32_t id)
{
    iv__str r;
    r.p = iv__pool_str(p, id);
    r.n = iv__pool_len(p, id);
    return r;
}

/* Every row must be one ingestion would have accepted. */
static int iv__sr_check_rows(iv__snapr *r, iv_store *s)
{
    size_t i, nc = s->contacts.count;
    /* every contact string is some row's contact (else the contact count would count a
     * contact with no interaction) */
    unsigned char *used = iv__calloc(&s->alloc, nc ? nc : 1, 1);
    int rc = IV_OK;
    if (!used)
        return iv__nomem("loading a snapshot");
    for (i = 0; i < s->nrows; i++) {
        uint32_t c = s->contact[i];
        if (c == 0 || c >= nc) {
            rc = iv__snap_corrupt(r, "row refers to nothing");
            break;
        }
        used[c] = 1;
    }
    for (i = 1; rc == IV_OK && i < nc; i++)
        if (!used[i])
            rc = iv__snap_corrupt(r, "a contact string that no row uses");
    iv__free(&s->alloc, used, nc ? nc : 1);
    if (rc)
        return rc;
    for (i = 0; i < s->nrows; i++) {
        iv__row row;
        char why[160];
        const char *field = "";
        unsigned e = s->enums[i];
        uint32_t c = s->contact[i];
        if (c == 0 || c >= s->contacts.count || (s->id && s->id[i] >= s->ids.count) || (e >> 10))
            return iv__snap_corrupt(r, "row refers to nothing");
        iv__row_clear(&row);
        row.contact = iv__pool_range(&s->contacts, c);
        row.channel = iv__pool_range(&s->channel.pool, iv__codes_get(&s->channel.codes, i));
        row.type = iv__pool_range(&s->type.pool, iv__codes_get(&s->type.codes, i));
        row.ts = s->ts[i];
        row.stage = (uint8_t)IV__EN_STAGE(e);
        row.area = (uint8_t)IV__EN_AREA(e);
        row.direction = (uint8_t)IV__EN_DIR(e);
        row.outcome = (uint8_t)IV__EN_OUTCOME(e);
        row.cost = s->cost[i];
        row.value = s->value[i];
        row.score = iv__store_score(s, i);
        row.rv = iv__store_rv(s, i);
        if (iv__row_check(&row, why, sizeof why, &field)) {
            char msg[200];
            snprintf(msg, sizeof msg, "row %zu: field %s: %s", i, field, why);
            return iv__snap_corrupt(r, msg);
        }
        if (s->ts_min == IV_TIME_NONE || s->ts[i] < s->ts_min)
            s->ts_min = s->ts[i];
        if (s->ts_max == IV_TIME_NONE || s->ts[i] > s->ts_max)
            s->ts_max = s->ts[i];
    }
    return IV_OK;
}

/* The id presence bits (META's has-ids bit 1): ceil(rows / 64) little-endian u64
 * words, bit r of word r / 64 for row r; the bits past the last row are 0. */
static int iv__sr_id_seen(iv__snapr *r, iv_store *s)
{
    iv__rbuf b;
    size_t words = (s->nrows + 63) / 64, i;
    int rc;
    if ((rc = iv__sr_section(r, IV__SEC_COLUMN, &b)))
        return rc;
    if (iv__r_left(&b) != words * 8)
        return iv__snap_corrupt(r, "id presence column length differs from the row count");
    if (words && (rc = iv__store_id_seen_fit(s, words * 64)) != IV_OK)
        return rc;
    for (i = 0; i < words; i++)
        s->id_seen[i] = iv__ld64(b.p + 8 * i);
    if ((s->nrows & 63) && (s->id_seen[words - 1] >> (s->nrows & 63)))
        return iv__snap_corrupt(r, "id presence bits set past the last row");
    return IV_OK;
}

static int iv__snap_read(iv__snapr *r, iv_store *s)
{
    iv__rbuf b;
    uint64_t nrows;
    uint32_t ndims, d;
    unsigned has_id;
    void *p;
    int rc;
    if ((rc = iv__sr_section(r, IV__SEC_META, &b)))
        return rc;
    nrows = iv__r_u64(&b);
    ndims = iv__r_u32(&b);
    s->ingest_read = iv__r_u64(&b);
    s->ingest_rejected = iv__r_u64(&b);
    has_id = iv__r_u8(&b);
    /* every row takes at least 29 bytes of columns: bounds nrows by the file's size */
    if (b.err || ndims > IV_MAX_DIMS || has_id > 3 || nrows > r->left / 29 ||
        nrows >= UINT32_MAX - 1)
        return iv__snap_corrupt(r, "bad header");
    /* the ingestion counters against their denominators: rejects are some of the rows
     * read, and the rows accepted by ingestion are some of the stored rows */
    if (s->ingest_rejected > s->ingest_read || s->ingest_read - s->ingest_rejected > nrows)
        return iv__snap_corrupt(r, "ingestion counters inconsistent with the row count");
    for (d = 0; d < ndims; d++) {
        const char *name;
        size_t len;
        int k;
        if (iv__r_str(&b, &name, &len) || len == 0 || memchr(name, '\0', len))
            return iv__snap_corrupt(r, "bad dimension name");
        k = iv__store_dim(s, name, len, 1);
        if (k < 0)
            return k == -1 && s->ndims < IV_MAX_DIMS ? IV_ENOMEM : iv__snap_corrupt(r, "bad dimension");
        if ((uint32_t)k != d)
            return iv__snap_corrupt(r, "duplicate dimension name");
    }
    if ((rc = iv__sr_done(r, &b)))
        return rc;
    if ((rc = iv__sr_pool(r, s, &s->contacts, 0)) || (rc = iv__sr_pool(r, s, &s->ids, 0)) ||
        (rc = iv__sr_pool(r, s, &s->channel.pool, 0)) || (rc = iv__sr_pool(r, s, &s->type.pool, 0)) ||
        (rc = iv__sr_pool(r, s, &s->team.pool, 0)) || (rc = iv__sr_pool(r, s, &s->score.pool, 1)) ||
        (rc = iv__sr_pool(r, s, &s->rv.pool, 1)))
        return rc;
    for (d = 0; d < ndims; d++)
        if ((rc = iv__sr_pool(r, s, &s->dims[d].pool, 0)))
            return rc;
    s->nrows = (size_t)nrows;
#define IV__COLUMN(field, capf, bytes)                                        \
    p = NULL;                                                                 \
    if ((rc = iv__sr_column(r, s, &p, &s->capf, bytes)))                      \
        return rc;                                                            \
    s->field = p;
    IV__COLUMN(contact, cap_contact, 4)
    IV__COLUMN(ts, cap_ts, 8)
    IV__COLUMN(enums, cap_enums, 2)
    IV__COLUMN(cost, cap_cost, 8)
    IV__COLUMN(value, cap_value, 8)
    if (has_id & 1) {
        IV__COLUMN(id, cap_id, 4)
    }
#undef IV__COLUMN
    if ((has_id & 2) && (rc = iv__sr_id_seen(r, s)))
        return rc;
    if ((rc = iv__sr_codes(r, s, &s->channel, &s->cap_channel)) ||
        (rc = iv__sr_codes(r, s, &s->type, &s->cap_type)) ||
        (rc = iv__sr_codes(r, s, &s->team, &s->cap_team)) ||
        (rc = iv__sr_codes(r, s, &s->score, &s->cap_score)) ||
        (rc = iv__sr_codes(r, s, &s->rv, &s->cap_rv)))
        return rc;
    for (d = 0; d < ndims; d++)
        if ((rc = iv__sr_codes(r, s, &s->dims[d], &s->cap_dims[d])))
            return rc;
    if ((rc = iv__sr_section(r, IV__SEC_END, &b)) || (rc = iv__sr_done(r, &b)))
        return rc;
    if (r->left)
        return iv__snap_corrupt(r, "trailing bytes after the end");
    if ((rc = iv__sr_check_rows(r, s)))
        return rc;
    /* the rows were written without iv__store_push: the index is to be built, by the
     * first reader that needs it */
    atomic_store_explicit(&s->idx_built, 0, memory_order_relaxed);
    s->index_ok = 0;
    iv__store_seal(s);
    return IV_OK;
}

IV_API int iv_store_load(iv_store **out, const char *path, const iv_store_options *opts)
{
    iv__snapr r;
    iv_store *s = NULL;
    unsigned char h[16];
    struct stat st;
    uint32_t version;
    int rc;
    if (!out || !path)
        return iv__error(IV_EINVAL, "iv_store_load: NULL argument");
    *out = NULL;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.f = fopen(path, "rb");
    if (!r.f)
        return iv__error(IV_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(r.f), &st) != 0 || st.st_size < 0) {
        fclose(r.f);
        return iv__error(IV_EIO, "cannot read '%s'", path);
    }
    r.left = (uint64_t)st.st_size;
    if (r.left < 16 || fread(h, 1, 16, r.f) != 16 || memcmp(h, "\x89IVSTO\r\n", 8) != 0) {
        fclose(r.f);
        return iv__error(IV_ECORRUPT, "%s: not a libiv store snapshot", path);
    }
    r.left -= 16;
    version = iv__ld32(h + 8);
    if (version != IV__SNAP_VERSION) {
        fclose(r.f);
        return iv__error(IV_EVERSION, "%s: snapshot format version %u (this library reads %u)",
                         path, version, IV__SNAP_VERSION);
    }
    if (iv__ld32(h + 12) != 0) {
        fclose(r.f);
        return iv__error(IV_ECORRUPT, "%s: unknown snapshot flags", path);
    }
    if ((rc = iv_store_new(&s, opts)) == IV_OK) {
        r.a = s->alloc;
        rc = iv__snap_read(&r, s);
    }
    iv__free(&r.a, r.buf, r.cap);
    fclose(r.f);
    if (rc) {
        iv_store_free(s);
        return rc == IV_ENOMEM ? iv__nomem("loading a snapshot") : rc;
    }
    *out = s;
    return IV_OK;
}
