/* Streaming ingestion of CSV and JSON Lines into a store (doc/GUIDE.md §1: record, timestamps, bad rows).
 *
 * The push loop hands each chunk to the format's scanner, which consumes the bytes of
 * one record at a time. A record that ends inside the chunk is parsed straight from the
 * chunk; only a record split between chunks is copied into the carry buffer, which is
 * therefore never longer than max_line. Field ranges, unescaped text and the row under
 * construction live in buffers owned by the handle and reused for every record, so the
 * steady state allocates nothing per row or per field (the store's columns and
 * interners grow by doubling). */
#define _DEFAULT_SOURCE 1 /* madvise(MADV_DONTNEED): posix_madvise's is a no-op on glibc */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "encoding.h"
#include "iv/ingest.h"
#include "jsonl.h"
#include "numparse.h"
#include "source.h"
#include "store.h"
#include "strptime.h"
#include "text.h"
#include "timefmt.h"
#include "vocab.h"

/* Kept out of the per-field path: source conversions and error texts (an inlined copy
 * would make every call of iv__set and iv__record save more registers). */
#if defined(__GNUC__)
#define IV__NOINLINE __attribute__((noinline))
#define IV__PREFETCH(p) __builtin_prefetch(p)
#else
#define IV__NOINLINE
#define IV__PREFETCH(p) ((void)(p))
#endif

/* Writing a queued row from a parser thread (iv__put_row with nt set): the rows of a slot
 * were last read by the appending thread, on the other core, so an ordinary store first
 * takes each line back into this core's cache (perf: the parsers' stores to the queued
 * rows were the largest item of two-thread ingestion, 0.1 s of CPU for 5M rows, which one
 * thread, whose batch stays in its own cache, does not pay). A non-temporal store writes
 * the line to memory without reading it, and the appending thread reads it from there
 * (prefetched ahead). x86-64 has them (SSE2); elsewhere the store is an ordinary one. */
#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#define IV__HAVE_NT 1
#endif

/* The 8-byte word v at p: a non-temporal store when nt (and the machine has them). */
static inline void iv__w8(void *p, uint64_t v, int nt)
{
#ifdef IV__HAVE_NT
    if (nt) {
        _mm_stream_si64((long long *)p, (long long)v);
        return;
    }
#endif
    (void)nt;
    memcpy(p, &v, 8);
}

/* Non-temporal stores are not ordered with other stores: this orders them before the
 * range is handed to the appending thread. */
static inline void iv__put_rows_fence(void)
{
#ifdef IV__HAVE_NT
    _mm_sfence();
#endif
}

#define IV__DEF_MAX_LINE ((size_t)1 << 20)
#define IV__DEF_MAX_FIELDS 256
#define IV__DEF_MAX_STRING ((size_t)64 << 10)
#define IV__DEF_MAX_DEPTH 16
#define IV__DEF_MAX_RAW 1024
#define IV__DEF_MAX_REJECTS 1000000
#define IV__SKIP_MIN ((uint64_t)64 << 20) /* lenient: an open record stops ingestion past this */
/* The progress step and iv_ingest_file's read size: variables so that the tests can
 * check the progress calls of the parallel driver on small inputs. */
extern uint64_t iv__ingest_progress_step;
extern size_t iv__ingest_read_chunk;
uint64_t iv__ingest_progress_step = (uint64_t)4 << 20;
size_t iv__ingest_read_chunk = (size_t)256 << 10;
#define IV__PROGRESS_STEP iv__ingest_progress_step
#define IV__READ_CHUNK iv__ingest_read_chunk
#define IV__REJ_BLOCK ((size_t)64 << 10)
#define IV__JKEY_MAX 1024 /* distinct JSON key spellings remembered */
#define IV__BATCH_ROWS 4096 /* rows parsed before they are appended (one thread) */
#define IV__ARENA_BLOCK ((size_t)64 << 10)
/* How far ahead of the record being tokenised the input is fetched (one prefetch per
 * record, and a record is shorter than a cache line or about one: every line of the
 * input is asked for early). The first read of a mapped file's bytes waited for memory:
 * half of the tokenizer's samples were on its loads. */
#define IV__PF_INPUT 1024
/* The parallel parsers read their ranges with pread (iv__parse_chunk), and this many
 * bytes past a range's end for the record that straddles it; variables so that the
 * tests can make records run past the bytes read, and compare with reading the mapping
 * (iv__ingest_pread 0). */
extern uint64_t iv__ingest_straddle;
extern int iv__ingest_pread;
uint64_t iv__ingest_straddle = (uint64_t)64 << 10;
int iv__ingest_pread = 1;
/* Bytes of input per parallel task. A variable so that the tests can cut small inputs
 * into many ranges (every boundary case) without megabytes of data. 512 KiB, with
 * threads + 4 ranges in flight (iv__drive): while the calling thread parses a range
 * the others may parse on into free slots, and half-size ranges keep the slots'
 * memory (queued rows, read buffers) where threads + 2 ranges of 1 MiB had it. */
extern uint64_t iv__ingest_chunk;
uint64_t iv__ingest_chunk = (uint64_t)512 << 10;
/* The most bytes of a mapped file handed to the parser at once, so that the header read
 * does not touch (and make resident) the whole file, and a JSON Lines piece's ASCII
 * check (iv__feed) stays in the cache. A variable so that the tests can check that the
 * pieces change nothing. */
extern uint64_t iv__ingest_feed_piece;
uint64_t iv__ingest_feed_piece = (uint64_t)64 << 10;
/* 0: every record takes the general path (iv__csv_row), so that the tests can compare
 * the direct path (iv__direct_row) with it. */
extern int iv__ingest_direct;
int iv__ingest_direct = 1;
/* The most threads the parallel driver starts besides the calling one, which parses
 * ranges too while the next range to append is not ready (iv__drive); a variable so
 * that the tests can make the calling thread parse every range (0) or most of them. */
extern size_t iv__ingest_workers;
size_t iv__ingest_workers = SIZE_MAX;
#define IV__CHUNK iv__ingest_chunk
#define IV__MAX_THREADS 64

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
                     team, id), set at the header; NULL otherwise (and when slow) */
    const iv__srcvals *vals; /* the source's value mapping of the field, or NULL */
    uint32_t more;  /* 1 + index in ing->xt of the next field the same column feeds
                       (map Type=type,Type=channel); 0: none */
    unsigned char slow;   /* vals or more: never the plain-text fast path */
    unsigned char mapped; /* the name came through the map */
    unsigned char skip;   /* read and checked, not stored (iv_ingest_options.skip): the
                             id, or a custom dimension whose name is ing->skipname[dim] */
} iv__target;

typedef struct iv__rename {
    const char *src, *dst;
    size_t nsrc, ndst;
    int required; /* a source map: naming a column the input lacks is an error */
    int used;     /* the input had it */
} iv__rename;

/* A constant field of the source (set=), resolved at the first record. */
typedef struct iv__const {
    iv__target t;
    const char *v;
    size_t n;
} iv__const;

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

/* The queued row (iv__brow) is declared in store.h: iv__store_push_rows appends it. */

/* Where the row's record lies, beside the row (batch.marks), read only by progress calls
 * and failures: its line (the parser's numbering) and the offset after it. */
typedef struct iv__bmark {
    uint64_t line, end;
} iv__bmark;

/* The parser's rejection counters from row k of the batch on (until the next such
 * entry): a failed append takes them back to where the serial order puts them. The
 * rows accepted before row k are acc0 + k; the duplicates, dup0 (both fixed while the
 * batch fills). */
typedef struct iv__bcheck {
    size_t k;
    uint64_t rej;  /* rows rejected before row k */
    size_t nrej;   /* rejects kept before it */
} iv__bcheck;

/* A slot of the batch's name table: a name of up to 16 bytes held as the two words
 * iv__words16 reads (a, b), or for a longer one a = its iv__hash; code1 = code + 1, 0 =
 * empty. */
typedef struct iv__bnslot {
    uint64_t a, b;
    uint32_t n, code1;
} iv__bnslot;

typedef struct iv__ablock {
    struct iv__ablock *next;
    size_t used, cap;
    char data[];
} iv__ablock;

/* The rows parsed and not yet appended (iv__brow), with what they need: their marks,
 * extra records and custom dimension values, and the channel and type names they use
 * (each distinct normal name once; rows hold its index), looked up through a small hash
 * table. */
typedef struct iv__batch {
    iv__brow *rows;
    iv__bmark *marks;     /* marks[k]: of rows[k] */
    size_t n, cap, capm, done; /* done: rows appended already */
    uint64_t acc0, dup0;  /* the parser's rows accepted and duplicates when it was empty */
    iv__bcheck *chk;      /* chk[0].k == 0 once a row is queued */
    size_t nchk, capchk;
    uint64_t ndup;        /* rows of it found to be duplicates (dedup=id) so far */
    iv__bxtra *xtra;
    size_t nx, capx;
    iv__str *names;
    uint32_t *chmap, *tymap, *nslot; /* per name: iv__bqueue's maps, its slot */
    size_t nnames, capnames;
    iv__bnslot *slots;    /* power of two, at most half full */
    size_t nslots;
    uint16_t *dim_idx;
    iv__str *dim_val;
    size_t ndv, capdv;
    iv__ablock *arena;    /* copies of strings that do not live in the input */
} iv__batch;
/* Put a queued row (and its extra record, its mark) into the batch, word by word, each
 * word made in registers from the fields: the row is built field by field, and reading it
 * back as words (a struct copy: gcc 12 made it `rep movs`) waits for those narrower stores
 * (no store-to-load forwarding across them), which held a sixth of iv__feed's samples.
 * The words follow the fields' order in memory on a little-endian machine with 8-byte
 * pointers (checked below); elsewhere the fields are assigned and nt is ignored. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && UINTPTR_MAX == UINT64_MAX
#define IV__ROW_WORDS 1
_Static_assert(offsetof(iv__brow, cost) == 8 && offsetof(iv__brow, value) == 16 && offsetof(iv__brow, cp) == 24 &&
                   offsetof(iv__brow, cn) == 32 && offsetof(iv__brow, hash) == 36 && offsetof(iv__brow, xtra) == 40 &&
                   offsetof(iv__brow, ch) == 44 && offsetof(iv__brow, ty) == 46 && offsetof(iv__brow, enums) == 48 &&
                   sizeof(iv__brow) == 56,
               "iv__put_row's words");
_Static_assert(offsetof(iv__bxtra, sn) == 32 && offsetof(iv__bxtra, score) == 48 && offsetof(iv__bxtra, rv) == 56 &&
                   offsetof(iv__bxtra, dim0) == 64 && offsetof(iv__bxtra, ndims) == 68 && sizeof(iv__bxtra) == 72,
               "iv__put_xtra's words");
_Static_assert(sizeof(iv__bmark) == 16, "iv__put_mark's words");
#endif

static inline void iv__put_row(iv__brow *o, const iv__brow *w, int nt)
{
#ifdef IV__ROW_WORDS
    uint64_t c, v;
    memcpy(&c, &w->cost, 8);
    memcpy(&v, &w->value, 8);
    iv__w8(&o->ts, (uint64_t)w->ts, nt);
    iv__w8(&o->cost, c, nt);
    iv__w8(&o->value, v, nt);
    iv__w8(&o->cp, (uint64_t)(uintptr_t)w->cp, nt);
    iv__w8(&o->cn, (uint64_t)w->cn | (uint64_t)w->hash << 32, nt);
    iv__w8(&o->xtra, (uint64_t)w->xtra | (uint64_t)w->ch << 32 | (uint64_t)w->ty << 48, nt);
    iv__w8(&o->enums, (uint64_t)w->enums, nt);
#else
    (void)nt;
    *o = *w;
#endif
}

static inline void iv__put_xtra(iv__bxtra *o, const iv__bxtra *x, int nt)
{
#ifdef IV__ROW_WORDS
    uint64_t sc, rv;
    int i;
    memcpy(&sc, &x->score, 8);
    memcpy(&rv, &x->rv, 8);
    for (i = 0; i < 4; i++)
        iv__w8(&o->sp[i], (uint64_t)(uintptr_t)x->sp[i], nt);
    iv__w8(&o->sn[0], (uint64_t)x->sn[0] | (uint64_t)x->sn[1] << 32, nt);
    iv__w8(&o->sn[2], (uint64_t)x->sn[2] | (uint64_t)x->sn[3] << 32, nt);
    iv__w8(&o->score, sc, nt);
    iv__w8(&o->rv, rv, nt);
    iv__w8(&o->dim0, (uint64_t)x->dim0 | (uint64_t)x->ndims << 32, nt);
#else
    (void)nt;
    *o = *x;
#endif
}

static inline void iv__put_mark(iv__bmark *o, uint64_t line, uint64_t end, int nt)
{
    iv__w8(&o->line, line, nt);
    iv__w8(&o->end, end, nt);
}

/* Bytes per name of the batch: its string, chmap, tymap and nslot entries. */
#define IV__BNAME_BYTES (sizeof(iv__str) + 3 * sizeof(uint32_t))

/* Where a record ended and the parser's counters after it (for progress calls). */
typedef struct iv__endmark {
    uint64_t end, acc, rej;
    size_t nrej;
} iv__endmark;

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

    /* source options (iv_source); src NULL: the defaults */
    const iv_source *src;
    int enc;             /* IV__ENC_* */
    int ts_slow;         /* time formats, a zone or an epoch unit: iv__ts_source */
    int num_slow;        /* decimal or thousands marks: iv__num_source */
    iv__tzcache tzc;
    iv__target *xt;      /* further targets of columns feeding several fields */
    size_t nxt, capxt;
    iv__const *consts;   /* set= constants */
    size_t nconsts;
    int consts_done;
    int delim_pending;   /* delimiter=auto: the header line is being collected */
    char *pre;           /* ... here */
    size_t npre, cappre;
    int pre_quote;
    char *tbuf;          /* latin1 / windows-1252 converted to UTF-8 */
    size_t captbuf;
    int dedup;           /* dedup=id */
    size_t raw_total;    /* iv__bad_row: the bad record's length when raw holds only its
                            start (an over-long record); 0: raw is the whole record */
    unsigned skip;       /* IV_SKIP_* */
    char *keep;          /* iv_ingest_options.keep_dims, copied; NULL: none */
    size_t nkeep;
    char **skipname;     /* the custom dimensions read but not stored, by iv__target.dim */
    size_t nskipname, capskipname;
    int chunk_clean;     /* the bytes iv__feed is consuming are ASCII without NUL */
    int direct;          /* CSV whose columns all feed fixed fields plainly: iv__direct_row */
    uint16_t skipcol[8]; /* direct: the skipped custom dimensions' columns (length check) */
    int nskipcol;
    size_t ndcol;        /* ... its custom dimensions' columns in column order (dcol) and */
    uint16_t dcol[IV_MAX_DIMS], ddim[IV_MAX_DIMS]; /* the dimension each feeds (ddim) */
    int rec_clean;       /* so is the record being parsed (no UTF-8 check needed) */
    uint32_t *dd;        /* dedup=id: open addressing over id pool codes (0 = empty) */
    size_t ndd, capdd;
    uint64_t rows_duplicate;

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
    char why[640]; /* a bad timestamp's reason with the formats tried fits whole */

    uint64_t rows_read, rows_accepted, rows_rejected;
    iv__reject *rej;
    size_t nrej, caprej;
    iv__rblock *rblocks;

    /* rows parsed, not yet appended; the input bytes [stable_lo, stable_hi) stay in
     * memory until they are (other strings are copied into the batch) */
    iv__batch batch;
    const char *stable_lo, *stable_hi;
    uint64_t synced_read, synced_rejected; /* counters already added to the store's */
    uint64_t stop_at;    /* stop before a record that starts at or after this offset */
    uint64_t hdr_end;    /* where the first record after the header starts (mapped input) */
    int stop_after_header;
    unsigned threads;

    /* a parser of the parallel driver (a clone of the handle; see iv__drive) */
    int is_clone;
    int want_ends;       /* keep the end offset of every record (for progress) */
    struct iv__endmark *ends;
    size_t nends, capends;
    uint64_t start, end; /* the bytes it parsed: records starting in [start, end) */
    char *rbuf;          /* its range read from the file (iv__read_range) */
    size_t caprbuf;
    int fail_rc;         /* its failure: the code, the line (0: none) and the message */
    uint64_t fail_line;  /* without "line N" when fail_line is set */
    uint64_t fail_off;   /* 1 + the byte offset of the bad row that failed (0: none) */
    char fail_msg[768];
    /* iv_ingest_file_range of a range after the file's first record: the offset of the
     * range's first record, from which lines are counted (0: lines are the input's) */
    uint64_t range_from;
};

/* ------------------------------------------------------------- options -------- */

IV_API int iv_ingest_options_init(iv_ingest_options *opts, size_t size)
{
    IV__OPTIONS_INIT(iv_ingest_options, IV_INGEST_OPTIONS_INIT, opts, size, sizeof(size_t));
}

/* "src=dst,src2=dst2" (iv_ingest_options::map) into ing->map, followed by the
 * source's map (names trimmed, compared case-insensitively). */
static int iv__parse_map(iv_ingest *ing, const char *spec)
{
    size_t n = spec ? strlen(spec) : 0, i, k = 0, pairs = spec ? 1 : 0, pos = 0, len;
    size_t nsrc = ing->src ? ing->src->nmap : 0;
    const char *p;
    for (i = 0; i < n; i++)
        pairs += spec[i] == ',';
    if (spec) {
        ing->mapbuf = iv__strndup(&ing->alloc, spec, n);
        if (!ing->mapbuf)
            return iv__nomem("the column map");
        ing->mapbuf_n = n + 1;
    }
    ing->map = iv__calloc(&ing->alloc, pairs + nsrc, sizeof *ing->map);
    if (!ing->map)
        return iv__nomem("the column map");
    ing->capmap = pairs + nsrc;
    while (spec && iv__list_next(ing->mapbuf, n, ',', &pos, &p, &len)) {
        const char *eq = memchr(p, '=', len);
        iv__rename *r = &ing->map[k];
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
    }
    for (i = 0; i < nsrc; i++, k++) {
        const iv__srcmap *m = &ing->src->map[i];
        ing->map[k].src = m->src;
        ing->map[k].nsrc = m->nsrc;
        ing->map[k].dst = m->dst;
        ing->map[k].ndst = m->ndst;
        ing->map[k].required = !m->optional;
    }
    ing->nmap = k;
    return IV_OK;
}

/* ------------------------------------------------------------- dedup=id ------- */

/* The ids of the store's rows in a hash set (codes into store->ids), so that a row
 * whose id is already there can be left out. */
static int iv__dedup_insert(iv_ingest *ing, uint32_t code)
{
    const iv__pool *p = &ing->store->ids;
    size_t mask, i;
    if ((ing->ndd + 1) * 2 > ing->capdd) {
        size_t ncap = ing->capdd ? ing->capdd * 2 : 1024, j;
        uint32_t *nt = iv__calloc(&ing->alloc, ncap, sizeof *nt);
        if (!nt)
            return iv__nomem("the id set of dedup=id");
        for (j = 0; j < ing->capdd; j++)
            if (ing->dd[j]) {
                size_t q = iv__hash(iv__pool_str(p, ing->dd[j]), iv__pool_len(p, ing->dd[j])) & (ncap - 1);
                while (nt[q])
                    q = (q + 1) & (ncap - 1);
                nt[q] = ing->dd[j];
            }
        iv__free(&ing->alloc, ing->dd, ing->capdd * sizeof *ing->dd);
        ing->dd = nt;
        ing->capdd = ncap;
    }
    mask = ing->capdd - 1;
    for (i = iv__hash(iv__pool_str(p, code), iv__pool_len(p, code)) & mask; ing->dd[i]; i = (i + 1) & mask)
        ;
    ing->dd[i] = code;
    ing->ndd++;
    return IV_OK;
}

static int iv__dedup_has(const iv_ingest *ing, const char *s, size_t n)
{
    const iv__pool *p = &ing->store->ids;
    size_t mask, i;
    if (!ing->capdd)
        return 0;
    mask = ing->capdd - 1;
    for (i = iv__hash(s, n) & mask; ing->dd[i]; i = (i + 1) & mask)
        if (iv__pool_len(p, ing->dd[i]) == n && memcmp(iv__pool_str(p, ing->dd[i]), s, n) == 0)
            return 1;
    return 0;
}

static int iv__dedup_init(iv_ingest *ing)
{
    const iv_store *st = ing->store;
    size_t r;
    int rc;
    for (r = 0; st->id && r < st->nrows; r++)
        if (st->id[r] && !iv__dedup_has(ing, iv__pool_str(&st->ids, st->id[r]), iv__pool_len(&st->ids, st->id[r])) &&
            (rc = iv__dedup_insert(ing, st->id[r])) != IV_OK)
            return rc;
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
        /* callers built against 1.1 know the struct without source */
        if ((rc = iv__check_options(opts, opts->size, offsetof(iv_ingest_options, source),
                                    sizeof(iv_ingest_options), "iv_ingest_options")))
            return rc;
        memcpy(&o, opts, IV__MIN(opts->size, sizeof o));
        if (opts->size < sizeof o)
            memset((char *)&o + opts->size, 0, sizeof o - opts->size);
    }
    if (o.threads < 0)
        return iv__error(IV_EINVAL, "iv_ingest_options: threads must be 0 or more, not %d", o.threads);
    if (o.format != IV_INPUT_CSV && o.format != IV_INPUT_JSONL)
        return iv__error(IV_EINVAL, "iv_ingest_options: unknown format %d", o.format);
    if (o.policy != IV_POLICY_STRICT && o.policy != IV_POLICY_LENIENT)
        return iv__error(IV_EINVAL, "iv_ingest_options: unknown policy %d", o.policy);
    if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r')
        return iv__error(IV_EINVAL, "iv_ingest_options: the delimiter cannot be a quote or a line break");
    if (o.source && o.source->thousands && o.source->thousands == o.source->decimal)
        return iv__error(IV_EINVAL, "source options: decimal and thousands are both '%c'", o.source->decimal);
    if (o.skip & ~(unsigned)(IV_SKIP_ID | IV_SKIP_DIMS))
        return iv__error(IV_EINVAL, "iv_ingest_options: unknown skip flags 0x%x", o.skip);
    if ((o.skip & IV_SKIP_ID) && o.source && o.source->dedup)
        return iv__error(IV_EINVAL, "iv_ingest_options: the source option dedup=id needs the id column: "
                                    "do not skip it (IV_SKIP_ID)");
    ing = iv__calloc(&store->alloc, 1, sizeof *ing);
    if (!ing)
        return iv__nomem("an ingestion handle");
    ing->alloc = store->alloc;
    ing->store = store;
    ing->format = o.format;
    ing->policy = o.policy;
    ing->delim = o.delimiter ? o.delimiter : ',';
    ing->src = o.source;
    if (ing->src) {
        const iv_source *src = ing->src;
        if (src->delim == IV__DELIM_AUTO)
            ing->delim_pending = ing->format == IV_INPUT_CSV;
        else if (src->delim)
            ing->delim = (char)src->delim;
        ing->enc = src->encoding;
        ing->ts_slow = src->nformats || src->tz || src->epoch_unit != IV__EPOCH_S;
        ing->num_slow = src->decimal != '.' || src->thousands;
    }
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
    ing->stop_at = UINT64_MAX;
    ing->threads = o.threads > 1 ? (unsigned)o.threads : 1;
    ing->skip = o.skip;
    if ((o.skip & IV_SKIP_DIMS) && o.keep_dims && *o.keep_dims) {
        ing->nkeep = strlen(o.keep_dims);
        if (!(ing->keep = iv__strndup(&ing->alloc, o.keep_dims, ing->nkeep))) {
            iv__free(&store->alloc, ing, sizeof *ing);
            return iv__nomem("an ingestion handle");
        }
    }
    for (i = 0; i < F_N; i++)
        ing->field_col[i] = -1;
    iv__csv_init(&ing->csv, &ing->alloc, ing->delim, ing->max_fields);
    iv__jsonl_init(&ing->json, &ing->alloc, ing->max_fields, ing->max_depth);
    /* with a source map, nested JSON is read through dotted paths (unmapped: ignored) */
    ing->json.flatten = ing->src && ing->src->nmap;
    if (((o.map && *o.map) || (ing->src && ing->src->nmap)) &&
        (rc = iv__parse_map(ing, o.map && *o.map ? o.map : NULL)) != IV_OK) {
        iv_ingest_free(ing);
        return rc;
    }
    ing->dedup = ing->src && ing->src->dedup;
    if (ing->dedup && (rc = iv__dedup_init(ing)) != IV_OK) {
        iv_ingest_free(ing);
        return rc;
    }
    *out = ing;
    return IV_OK;
}

/* ------------------------------------------------------------- batch -------- */

static void iv__arena_free(iv_ingest *ing)
{
    iv__ablock *b = ing->batch.arena;
    while (b) {
        iv__ablock *next = b->next;
        iv__free(&ing->alloc, b, sizeof *b + b->cap);
        b = next;
    }
    ing->batch.arena = NULL;
}

static void iv__batch_free(iv_ingest *ing)
{
    iv__batch *b = &ing->batch;
    const iv__alloc *a = &ing->alloc;
    iv__arena_free(ing);
    iv__free(a, b->rows, b->cap * sizeof *b->rows);
    iv__free(a, b->marks, b->capm * sizeof *b->marks);
    iv__free(a, b->chk, b->capchk * sizeof *b->chk);
    iv__free(a, b->xtra, b->capx * sizeof *b->xtra);
    iv__free(a, b->names, b->capnames * IV__BNAME_BYTES); /* with chmap, tymap and nslot */
    iv__free(a, b->slots, b->nslots * sizeof *b->slots);
    iv__free(a, b->dim_idx, b->capdv * sizeof *b->dim_idx);
    iv__free(a, b->dim_val, b->capdv * sizeof *b->dim_val);
    memset(b, 0, sizeof *b);
}

/* Empty the batch, keeping its arrays and the arena's first block. */
static void iv__batch_reset(iv_ingest *ing)
{
    iv__batch *b = &ing->batch;
    size_t c;
    b->n = b->done = b->ndv = b->nchk = b->nx = 0;
    b->ndup = 0;
    for (c = 0; c < b->nnames; c++)
        b->slots[b->nslot[c]].code1 = 0;
    b->nnames = 0;
    if (b->arena) {
        iv__ablock *keep = b->arena;
        while (keep->next) { /* the oldest block is the last; keep the newest */
            iv__ablock *next = keep->next;
            keep->next = next->next;
            iv__free(&ing->alloc, next, sizeof *next + next->cap);
        }
        keep->used = 0;
    }
}

/* A string of the row as the batch keeps it: the input's bytes when they stay in memory
 * until the batch is appended, otherwise a copy. Returns 0, or 1 when out of memory. */
static char *iv__batch_room(iv_ingest *ing, size_t n);
static int iv__batch_str(iv_ingest *ing, iv__str *dst, iv__str src)
{
    char *d;
    if (src.n == 0 || (src.p >= ing->stable_lo && src.p + src.n <= ing->stable_hi)) {
        *dst = src;
        return 0;
    }
    if (src.n > UINT32_MAX || !(d = iv__batch_room(ing, src.n))) /* lengths are kept in 32 bits */
        return 1;
    memcpy(d, src.p, src.n);
    dst->p = d;
    dst->n = src.n;
    return 0;
}

/* A channel or type name as the batch keeps it: in its normal form (doc/MODEL.md,
 * Names), so that the appending thread need not normalise it (the row is pushed with
 * names_normal set; the normal form of a normal name is itself). */
static int iv__batch_name(iv_ingest *ing, iv__str *dst, iv__str src)
{
    char *d;
    if (iv__vocab_is_normal(src.p, src.n))
        return iv__batch_str(ing, dst, src);
    if (src.n > UINT32_MAX || !(d = iv__batch_room(ing, src.n)))
        return 1;
    dst->p = d;
    dst->n = iv__vocab_normalize(src.p, src.n, d);
    return 0;
}

/* n bytes in the batch's arena (blocks that never move), or NULL. */
static char *iv__batch_room(iv_ingest *ing, size_t n)
{
    iv__ablock *b = ing->batch.arena;
    char *d;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > IV__ARENA_BLOCK ? n : IV__ARENA_BLOCK;
        iv__ablock *nb = iv__malloc(&ing->alloc, sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        ing->batch.arena = b = nb;
    }
    d = b->data + b->used;
    b->used += n;
    return d;
}

/* The key of a name in the batch's table: its words (1..16 bytes) or its hash, and the
 * slot where its probe starts (Fibonacci hashing of the words, Knuth, TAOCP vol. 3,
 * section 6.4). */
static inline size_t iv__bname_key(const char *s, size_t n, uint64_t *ka, uint64_t *kb)
{
    if (n == 0) {
        *ka = *kb = 0;
        return 0;
    }
    if (n <= 16) {
        iv__words16(s, n, ka, kb);
        return (size_t)(((*ka ^ (*kb << 7) ^ n) * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
    }
    *ka = iv__hash(s, n);
    *kb = 0;
    return (size_t)(*ka * UINT64_C(0x9E3779B97F4A7C15) >> 32);
}

/* Put name c into the table (which has room), at the first empty slot of its probe. */
static void iv__bname_place(iv__batch *b, uint32_t c)
{
    uint64_t ka, kb;
    size_t mask = b->nslots - 1, i = iv__bname_key(b->names[c].p, b->names[c].n, &ka, &kb) & mask;
    while (b->slots[i].code1)
        i = (i + 1) & mask;
    b->slots[i].a = ka;
    b->slots[i].b = kb;
    b->slots[i].n = (uint32_t)b->names[c].n;
    b->slots[i].code1 = c + 1;
    b->nslot[c] = (uint32_t)i;
}

/* The most names a batch holds (IV__BNAME_X and a code for every name must fit 16 bits);
 * a global so that the tests can make the table fill. */
size_t iv__ingest_batch_names = 0xFFFE;

/* iv__bname for a name not in the table: added (see there). */
IV__NOINLINE static int iv__bname_add(iv_ingest *ing, const char *s, size_t n, int grow)
{
    iv__batch *b = &ing->batch;
    const iv__alloc *a = &ing->alloc;
    size_t c;
    if (b->nnames >= iv__ingest_batch_names)
        return IV__BNAME_X;
    if (!grow && (b->nnames >= b->capnames || 2 * (b->nnames + 1) > b->nslots))
        return -1;
    if (b->nnames >= b->capnames) {
        /* names, chmap, tymap and nslot in one block, which grows whole or not at all */
        size_t cap = b->capnames ? 2 * b->capnames : 16, k = b->capnames;
        char *blk = iv__malloc(a, cap * IV__BNAME_BYTES);
        if (!blk)
            return -1;
        if (k) {
            memcpy(blk, b->names, k * sizeof *b->names);
            memcpy(blk + cap * sizeof *b->names, b->chmap, k * sizeof *b->chmap);
            memcpy(blk + cap * (sizeof *b->names + 4), b->tymap, k * sizeof *b->tymap);
            memcpy(blk + cap * (sizeof *b->names + 8), b->nslot, k * sizeof *b->nslot);
            iv__free(a, b->names, k * IV__BNAME_BYTES);
        }
        b->names = (iv__str *)(void *)blk;
        b->chmap = (uint32_t *)(void *)(blk + cap * sizeof *b->names);
        b->tymap = (uint32_t *)(void *)(blk + cap * (sizeof *b->names + 4));
        b->nslot = (uint32_t *)(void *)(blk + cap * (sizeof *b->names + 8));
        b->capnames = cap;
    }
    if (2 * (b->nnames + 1) > b->nslots) {
        size_t ns = b->nslots ? 2 * b->nslots : 64;
        iv__bnslot *t = iv__calloc(a, ns, sizeof *t);
        if (!t)
            return -1;
        iv__free(a, b->slots, b->nslots * sizeof *b->slots);
        b->slots = t;
        b->nslots = ns;
        for (c = 0; c < b->nnames; c++)
            iv__bname_place(b, (uint32_t)c);
    }
    c = b->nnames++;
    b->names[c].p = s;
    b->names[c].n = n;
    b->chmap[c] = b->tymap[c] = 0;
    iv__bname_place(b, (uint32_t)c);
    return (int)c;
}

/* The batch's code of the name s[0..n) when its table has it, else -1. Every name in the
 * table is in its normal form (doc/MODEL.md, Names), so a name found needs no check. */
static inline int iv__bname_find(const iv_ingest *ing, const char *s, size_t n)
{
    const iv__batch *b = &ing->batch;
    uint64_t ka, kb;
    size_t h = iv__bname_key(s, n, &ka, &kb), mask, i;
    if (b->nslots) {
        mask = b->nslots - 1;
        for (i = h & mask; b->slots[i].code1; i = (i + 1) & mask) {
            const iv__bnslot *e = &b->slots[i];
            if (e->a == ka && e->b == kb && e->n == n && (n <= 16 || memcmp(b->names[e->code1 - 1].p, s, n) == 0))
                return (int)(e->code1 - 1);
        }
    }
    return -1;
}

/* The batch's code of the channel or type name s[0..n) (in its normal form, kept where
 * the batch keeps the row's strings), added when new; IV__BNAME_X when the table is full
 * (the row then holds the name in its extra record). Returns the code, or -1 when the
 * table must grow and grow is 0 or there is no memory (nothing changed). */
static inline int iv__bname(iv_ingest *ing, const char *s, size_t n, int grow)
{
    int c = iv__bname_find(ing, s, n);
    return c >= 0 ? c : iv__bname_add(ing, s, n, grow);
}

/* Note the parser's counters for the row about to be queued (row b->n): the batch's
 * bases when it is the first, an iv__bcheck when rows were rejected since the last one.
 * Returns 0, or 1 when an entry is needed and there is no room (grow: allocate it; else
 * nothing changed). */
static inline int iv__bnote(iv_ingest *ing, int grow)
{
    iv__batch *b = &ing->batch;
    iv__bcheck *e;
    if (b->n == 0) {
        b->acc0 = ing->rows_accepted;
        b->dup0 = ing->rows_duplicate;
        b->nchk = 0;
    } else if (b->chk[b->nchk - 1].rej == ing->rows_rejected && b->chk[b->nchk - 1].nrej == ing->nrej) {
        return 0;
    }
    if (b->nchk >= b->capchk &&
        (!grow || iv__grow(&ing->alloc, (void **)&b->chk, &b->capchk, b->nchk + 1, sizeof *b->chk)))
        return 1;
    e = &b->chk[b->nchk++];
    e->k = b->n;
    e->rej = ing->rows_rejected;
    e->nrej = ing->nrej;
    return 0;
}

/* The parser's counters before row k of P's batch (k < n), as the serial order has them
 * there. */
static void iv__bcounts(const iv_ingest *P, size_t k, uint64_t *acc, uint64_t *rej, uint64_t *dup, size_t *nrej)
{
    const iv__batch *b = &P->batch;
    size_t lo = 0, hi = b->nchk; /* the last entry with k at or before row k */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->chk[mid].k <= k)
            lo = mid;
        else
            hi = mid;
    }
    *acc = b->acc0 + k;
    *dup = b->dup0;
    *rej = b->chk[lo].rej;
    *nrej = b->chk[lo].nrej;
}

/* The batch as iv__store_push_rows reads it. */
static iv__bqueue iv__bqueue_of(iv__batch *b)
{
    iv__bqueue q;
    q.rows = b->rows;
    q.xtra = b->xtra;
    q.names = b->names;
    q.nnames = b->nnames;
    q.chmap = b->chmap;
    q.tymap = b->tymap;
    q.dim_idx = b->dim_idx;
    q.dim_val = b->dim_val;
    return q;
}

/* Queue the parsed, checked row. Returns IV_OK or IV_ENOMEM. */
static int iv__batch_add(iv_ingest *ing, const iv__row *r, uint64_t end)
{
    iv__batch *b = &ing->batch;
    iv__brow *o;
    iv__bxtra x;
    iv__str str[5];
    size_t d;
    int need, ch, ty;
    if ((b->n >= b->cap && iv__grow(&ing->alloc, (void **)&b->rows, &b->cap, b->n + 1, sizeof *b->rows)) ||
        (b->n >= b->capm && iv__grow(&ing->alloc, (void **)&b->marks, &b->capm, b->n + 1, sizeof *b->marks)) ||
        (b->nx >= b->capx && iv__grow(&ing->alloc, (void **)&b->xtra, &b->capx, b->nx + 1, sizeof *b->xtra)))
        return IV_ENOMEM;
    if (b->ndv + r->ndims > b->capdv) {
        size_t cap = b->capdv, cap2 = b->capdv;
        if (iv__grow(&ing->alloc, (void **)&b->dim_idx, &cap, b->ndv + r->ndims, sizeof *b->dim_idx) ||
            iv__grow(&ing->alloc, (void **)&b->dim_val, &cap2, cap, sizeof *b->dim_val))
            return IV_ENOMEM;
        if (cap2 > cap) { /* keep both arrays the same length */
            void *p = iv__realloc(&ing->alloc, b->dim_idx, cap * sizeof *b->dim_idx, cap2 * sizeof *b->dim_idx);
            if (!p)
                return iv__nomem("a row's dimensions");
            b->dim_idx = p;
        }
        b->capdv = cap2;
    }
    if (iv__bnote(ing, 1))
        return iv__nomem("a row's counters");
    o = &b->rows[b->n];
    if (iv__batch_str(ing, &str[0], r->contact) || iv__batch_name(ing, &str[1], r->channel) ||
        iv__batch_name(ing, &str[2], r->type) || iv__batch_str(ing, &str[3], r->team) ||
        iv__batch_str(ing, &str[4], r->id) || (ch = iv__bname(ing, str[1].p, str[1].n, 1)) < 0 ||
        (ty = iv__bname(ing, str[2].p, str[2].n, 1)) < 0)
        return iv__nomem("a row's text");
    o->ch = (uint16_t)ch;
    o->ty = (uint16_t)ty;
    o->cp = str[0].p;
    o->cn = (uint32_t)str[0].n;
    o->hash = iv__hash(r->contact.p, r->contact.n);
    o->ts = r->ts;
    o->cost = r->cost;
    o->value = r->value;
    o->enums = (uint16_t)(IV__EN_PACK(r->stage, r->area, r->direction, r->outcome) | (r->id_seen ? IV__BROW_ID_SEEN : 0));
    memset(&x, 0, sizeof x);
    x.sp[0] = str[3].p;
    x.sn[0] = (uint32_t)str[3].n;
    x.sp[1] = str[4].p;
    x.sn[1] = (uint32_t)str[4].n;
    if (o->ch == IV__BNAME_X)
        x.sp[2] = str[1].p, x.sn[2] = (uint32_t)str[1].n;
    if (o->ty == IV__BNAME_X)
        x.sp[3] = str[2].p, x.sn[3] = (uint32_t)str[2].n;
    x.score = r->score;
    x.rv = r->rv;
    x.dim0 = (uint32_t)b->ndv;
    x.ndims = (uint16_t)r->ndims;
    for (d = 0; d < r->ndims; d++) {
        b->dim_idx[b->ndv + d] = r->dim_idx[d];
        if (iv__batch_str(ing, &b->dim_val[b->ndv + d], r->dim_val[d]))
            return iv__nomem("a row's text");
    }
    need = x.sn[0] || x.sn[1] || x.sn[2] || x.sn[3] || !isnan(x.score) || !isnan(x.rv) || x.ndims;
    o->xtra = 0;
    if (need) {
        b->xtra[b->nx++] = x;
        o->xtra = (uint32_t)b->nx;
    }
    iv__put_mark(&b->marks[b->n], ing->rec_line, end, 0);
    b->ndv += r->ndims;
    b->n++;
    return IV_OK;
}

/* Add the parser's counters to the store's (they count every ingestion into it). A row
 * dropped as a duplicate (dedup=id) is left out of the store's rows read: it is neither
 * accepted nor rejected, and the store keeps read - rejected <= rows (which a loaded
 * snapshot checks). */
static void iv__sync_counts(iv_ingest *ing)
{
    uint64_t read = ing->rows_read - ing->rows_duplicate;
    ing->store->ingest_read += read - ing->synced_read;
    ing->store->ingest_rejected += ing->rows_rejected - ing->synced_rejected;
    ing->synced_read = read;
    ing->synced_rejected = ing->rows_rejected;
}

static int iv__fail(iv_ingest *ing, int rc);

/* Append the rows of P's batch that end at or before offset `upto` (all of them with
 * UINT64_MAX) to ing's store, in order. P is ing itself (one thread) or a parser of the
 * parallel driver, whose lines start at line0. Without dedup=id a run of rows goes to
 * iv__store_push_rows in one call (it prefetches the queued rows and the contact
 * lookups ahead); with it, row by row, each checked first. On a failure at a row,
 * the rows before it stay, and the counters and rejects are those of the serial order
 * at that row; the error names its line. */
static int iv__commit(iv_ingest *ing, iv_ingest *P, uint64_t upto, uint64_t line0)
{
    iv__batch *b = &P->batch;
    iv_store *st = ing->store;
    iv__bqueue q = iv__bqueue_of(b);
    size_t k, stop = b->n;
    if (upto != UINT64_MAX) { /* the rows that end at or before upto (the first past it, by bisection) */
        size_t lo = b->done;
        stop = b->n;
        while (lo < stop) {
            size_t mid = lo + (stop - lo) / 2;
            if (b->marks[mid].end <= upto)
                lo = mid + 1;
            else
                stop = mid;
        }
    }
    for (k = b->done; k < stop;) {
        const iv__brow *o = &b->rows[k];
        const iv__bxtra *x = o->xtra ? &b->xtra[o->xtra - 1] : NULL;
        size_t nd = 0;
        int rc;
        if (!ing->dedup) { /* the whole run in one call; on a failure, nd rows went in */
            rc = iv__store_push_rows(st, &q, k, stop - k, &nd);
            k += nd;
        } else if (x && x->sn[1] && iv__dedup_has(ing, x->sp[1], x->sn[1])) {
            /* a duplicate, decided in input order: read, neither accepted nor rejected */
            b->ndup++;
            k++;
            continue;
        } else {
            rc = iv__store_push_rows(st, &q, k, 1, &nd);
            if (rc == IV_OK && x && x->sn[1])
                rc = iv__dedup_insert(ing, st->id[st->nrows - 1]);
            if (rc == IV_OK)
                k++;
        }
        if (rc != IV_OK) {
            uint64_t acc, rej, dup;
            size_t nrej;
            char msg[512];
            iv__bcounts(P, k, &acc, &rej, &dup, &nrej);
            snprintf(msg, sizeof msg, "%s", iv_error_last());
            b->done = k;
            if (P == ing) { /* take back what was counted after this row */
                ing->rows_accepted = acc - b->ndup;
                ing->rows_rejected = rej;
                ing->rows_duplicate = dup + b->ndup;
                ing->nrej = nrej;
            } else {
                ing->rows_accepted += acc - b->ndup;
                ing->rows_rejected += rej;
                ing->rows_duplicate += b->ndup;
            }
            ing->rows_read = ing->rows_accepted + ing->rows_rejected + ing->rows_duplicate;
            ing->bytes = b->marks[k].end;
            iv__sync_counts(ing);
            return iv__fail(ing, iv__error(rc, "line %llu: %s", (unsigned long long)(line0 + b->marks[k].line - 1), msg));
        }
    }
    b->done = k;
    if (P == ing && k == b->n) {
        /* the duplicates were counted as accepted when parsed */
        ing->rows_accepted -= b->ndup;
        ing->rows_duplicate += b->ndup;
        iv__batch_reset(ing);
        iv__sync_counts(ing);
    }
    return IV_OK;
}

/* One thread: append everything queued. */
static int iv__flush(iv_ingest *ing)
{
    if (ing->batch.n == 0) {
        iv__sync_counts(ing);
        return IV_OK;
    }
    return iv__commit(ing, ing, UINT64_MAX, 1);
}

IV_API void iv_ingest_free(iv_ingest *ing)
{
    const iv__alloc *a;
    iv__rblock *b;
    size_t i;
    if (!ing)
        return;
    a = &ing->alloc;
    iv__batch_free(ing);
    iv__free(a, ing->ends, ing->capends * sizeof *ing->ends);
    if (!ing->is_clone) { /* a clone shares its parent's map, targets and constants */
        iv__free(a, ing->mapbuf, ing->mapbuf_n);
        iv__free(a, ing->map, ing->capmap * sizeof *ing->map);
        iv__free(a, ing->xt, ing->capxt * sizeof *ing->xt);
        iv__free(a, ing->consts, ing->nconsts * sizeof *ing->consts);
        if (ing->keep)
            iv__free(a, ing->keep, ing->nkeep + 1);
        for (i = 0; i < ing->nskipname; i++)
            iv__free(a, ing->skipname[i], strlen(ing->skipname[i]) + 1);
        iv__free(a, ing->skipname, ing->capskipname * sizeof *ing->skipname);
    }
    iv__free(a, ing->pre, ing->cappre);
    iv__free(a, ing->tbuf, ing->captbuf);
    iv__free(a, ing->dd, ing->capdd * sizeof *ing->dd);
    iv__csv_free(&ing->csv);
    iv__jsonl_free(&ing->json);
    iv__free(a, ing->carry, ing->capcarry);
    iv__free(a, ing->cols, ing->ncols * sizeof *ing->cols);
    for (i = 0; i < ing->capjkeys; i++)
        iv__free(a, ing->jkeys[i].name, ing->jkeys[i].n + 1);
    iv__free(a, ing->jkeys, ing->capjkeys * sizeof *ing->jkeys);
    iv__free(a, ing->scratch, ing->capscratch);
    iv__free(a, ing->rbuf, ing->caprbuf);
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
    if (!ing->failed) {
        ing->fail_rc = rc;
        if (!ing->fail_line) /* otherwise iv__bad_row wrote the message without its line */
            snprintf(ing->fail_msg, sizeof ing->fail_msg, "%s", iv_error_last());
    }
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
        /* the bytes cut off are counted from the whole record, which an over-long one
         * held in the carry (max_line bytes) or pushed whole alike report */
        size_t total = ing->raw_total > nraw ? ing->raw_total : nraw;
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
        if (cut < total) {
            /* a raw text cut at max_raw says so: the marker follows the kept bytes */
            char mark[64];
            const char *full = r->raw;
            int m = snprintf(mark, sizeof mark, IV_INGEST_RAW_CUT_MARK "%zu bytes]", total - cut);
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
    if (ing->policy == IV_POLICY_STRICT) {
        snprintf(ing->fail_msg, sizeof ing->fail_msg, "%s%s", col ? ", " : ": ", reason);
        ing->fail_line = ing->rec_line;
        ing->fail_off = ing->rec_off + 1;
        return iv__fail(ing, iv__error(IV_EPARSE, "line %llu%s", (unsigned long long)ing->rec_line,
                                       ing->fail_msg));
    }
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

/* Rewrite s[0..n) with the decimal mark `dec` and thousands mark `th` (0: none) into
 * plain "[-]digits[.digits][e...]" in out (n + 1 bytes). Grouping is checked: marks
 * only between digits of the integer part, groups of three after the first. Returns the
 * length, or 0 when the text does not follow the marks. */
static size_t iv__num_clean(const char *s, size_t n, char dec, char th, char *out)
{
    size_t i = 0, o = 0, group = 0;
    int digits = 0, grouped = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        out[o++] = s[i++];
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            out[o++] = c;
            digits++;
            group++;
        } else if (th && c == th) {
            if (!digits || (grouped ? group != 3 : group > 3) || i + 1 >= n)
                return 0;
            grouped = 1;
            group = 0;
        } else {
            break;
        }
    }
    if (grouped && group != 3)
        return 0;
    if (i < n && s[i] == dec) {
        out[o++] = '.';
        i++;
    } else if (i < n && s[i] == '.' && dec != '.') {
        return 0; /* a '.' that is not the decimal mark */
    }
    for (; i < n; i++) {
        char c = s[i];
        if (th && c == th)
            return 0;
        out[o++] = c; /* the number parser checks the rest */
    }
    return o;
}

/* Error text for a number that did not parse: when another choice of marks reads it,
 * say which (doc/SOURCES.md, "Options"). */
IV__NOINLINE static int iv__num_hint(iv_ingest *ing, const char *s, size_t n)
{
    static const char marks[][2] = { { '.', ',' }, { ',', '.' }, { ',', ' ' }, { '.', '\'' }, { ',', 0 } };
    char buf[128];
    double d;
    size_t k, m;
    if (n < sizeof buf)
        for (k = 0; k < sizeof marks / sizeof marks[0]; k++) {
            m = iv__num_clean(s, n, marks[k][0], marks[k][1], buf);
            if (m && iv__num_parse(buf, m, &d) == IV_OK) {
                char th[8];
                if (marks[k][1] == ' ')
                    snprintf(th, sizeof th, "space");
                else
                    snprintf(th, sizeof th, "%c", marks[k][1] ? marks[k][1] : '-');
                snprintf(ing->why, sizeof ing->why,
                         "not a number '%.*s' (it reads as %g with the source options decimal='%c'%s%s%s; "
                         "iv: --decimal '%c'%s%s)", (int)IV__MIN(n, 64), s, d, marks[k][0],
                         marks[k][1] ? " thousands='" : "", marks[k][1] ? th : "", marks[k][1] ? "'" : "",
                         marks[k][0], marks[k][1] ? " --thousands " : "", marks[k][1] ? th : "");
                return 1;
            }
        }
    return iv__why(ing, "not a number '%.*s'", s, n);
}

/* A number under the source's decimal and thousands marks. */
IV__NOINLINE static int iv__num_source(iv_ingest *ing, double *num, const char *s, size_t n)
{
    char buf[512];
    size_t m;
    int rc;
    if (n >= sizeof buf || !(m = iv__num_clean(s, n, ing->src->decimal, ing->src->thousands, buf)))
        return iv__num_hint(ing, s, n);
    rc = iv__num_parse(buf, m, num);
    if (rc == IV_ERANGE)
        return iv__why(ing, "number out of range '%.*s'", s, n);
    if (rc)
        return iv__num_hint(ing, s, n);
    return 0;
}

static int iv__set_number(iv_ingest *ing, double *num, const char *s, size_t n)
{
    int rc;
    iv__trim(&s, &n);
    if (n == 0)
        return 0;
    if (ing->num_slow)
        return iv__num_source(ing, num, s, n);
    rc = iv__num_parse(s, n, num);
    if (rc == IV_ERANGE)
        return iv__why(ing, "number out of range '%.*s'", s, n);
    if (rc)
        return iv__num_hint(ing, s, n);
    return 0;
}

/* ------------------------------------------------------------- timestamps ----- */

/* A timestamp that did not parse: the reason, the formats tried, and the option. */
IV__NOINLINE static int iv__ts_fail(iv_ingest *ing, const char *s, size_t n, const char *reason)
{
    char tried[320];
    iv__source_time_tried(ing->src, tried, sizeof tried);
    snprintf(ing->why, sizeof ing->why, "bad timestamp '%.*s': %s; tried %s; give its format with the "
             "time_format option (iv: --time-format '%%m/%%d/%%Y %%H:%%M')", (int)IV__MIN(n, 40), s, reason, tried);
    return 1;
}

/* A timestamp under the source's options (iv__source_time, source.c), with the reason
 * of a failure in ing->why. */
IV__NOINLINE static int iv__ts_source(iv_ingest *ing, const char *s, size_t n, int64_t *out)
{
    const char *why = NULL;
    switch (iv__source_time(ing->src, &ing->tzc, s, n, out, &why)) {
    case IV__TS_OK:
        return 0;
    case IV__TS_FORMAT:
    case IV__TS_WALL:
        return iv__ts_fail(ing, s, n, why);
    case IV__TS_NOMATCH:
        return iv__ts_fail(ing, s, n, "no format matches");
    case IV__TS_GAP:
        snprintf(ing->why, sizeof ing->why, "timestamp '%.*s' does not exist in time zone %s (a daylight-saving gap)",
                 (int)IV__MIN(n, 64), s, ing->src->tzname);
        return 1;
    default:
        return iv__why(ing, "timestamp '%.*s' is out of range (years 1900 to 2200)", s, n);
    }
}

/* Put the text s[0..n) (a CSV field, or a JSON value of kind jk) into the row for
 * target t. Returns 0, or 1 with ing->why set when the value is bad. One switch on the
 * column's kind, which the header fixed; empty text means "not given" everywhere. */
static int iv__set(iv_ingest *ing, const iv__target *tp, const char *s, size_t n, int jk)
{
    iv__row *r = &ing->row;
    int kind, v;

    if (tp->vals && jk != IV__JV_NULL) {
        /* the source's value mapping comes before any check */
        const char *o;
        size_t no;
        if (iv__source_map_value(tp->vals, s, n, &o, &no)) {
            s = o;
            n = no;
            jk = IV__JV_STRING;
        }
    }
    if (jk == IV__JV_NULL)
        return 0;
    if (jk == IV__JV_BOOL)
        return iv__why(ing, "'%.*s' is not a value for this field", s, n);
    if (tp->skip) { /* the id's or a custom dimension's check, nothing stored: of the
                       * id, only that the row has one */
        iv__str none;
        if (n == 0)
            return 0;
        if (iv__set_text(ing, &none, s, n))
            return 1;
        if (tp->kind == F_ID)
            r->id_seen = 1;
        return 0;
    }
    switch (tp->kind) {
    case F_CONTACT: return iv__set_text(ing, &r->contact, s, n);
    case F_CHANNEL: return iv__set_text(ing, &r->channel, s, n);
    case F_TYPE: return iv__set_text(ing, &r->type, s, n);
    case F_TEAM: return iv__set_text(ing, &r->team, s, n);
    case F_ID: return iv__set_text(ing, &r->id, s, n);
    case F_DIM:
        if (n == 0)
            return 0;
        r->dim_idx[r->ndims] = (uint16_t)tp->dim;
        return iv__set_text(ing, &r->dim_val[r->ndims++], s, n);
    case F_COST: return iv__set_number(ing, &r->cost, s, n);
    case F_VALUE: return iv__set_number(ing, &r->value, s, n);
    case F_SCORE: return iv__set_number(ing, &r->score, s, n);
    case F_RV: return iv__set_number(ing, &r->rv, s, n);
    case F_TS:
        iv__trim(&s, &n);
        if (n == 0)
            return 0;
        if (ing->ts_slow) {
            if (iv__ts_source(ing, s, n, &r->ts)) {
                r->ts = IV_TIME_NONE;
                return 1;
            }
            return 0;
        }
        if (iv__time_parse_cached(&ing->tcache, s, n, &r->ts)) {
            const char *msg = iv_error_last(), *colon = strstr(msg, "': ");
            r->ts = IV_TIME_NONE;
            if (strstr(msg, "out of range"))
                snprintf(ing->why, sizeof ing->why, "%s", msg);
            else
                iv__ts_fail(ing, s, n, colon ? colon + 3 : msg);
            return 1;
        }
        return 0;
    case F_STAGE: kind = IV_ENUM_STAGE; break;
    case F_AREA: kind = IV_ENUM_AREA; break;
    case F_DIRECTION: kind = IV_ENUM_DIRECTION; break;
    default: kind = IV_ENUM_OUTCOME; break; /* F_OUTCOME */
    }
    iv__trim(&s, &n);
    if (n == 0)
        return 0;
    v = iv__enum_fast(kind, s, n);
    if (v < 0) {
        snprintf(ing->why, sizeof ing->why, "unknown %s '%.*s'", iv__fname[tp->kind], (int)IV__MIN(n, 64), s);
        return 1;
    }
    switch (tp->kind) {
    case F_STAGE: r->stage = (uint8_t)v; break;
    case F_AREA: r->area = (uint8_t)v; break;
    case F_DIRECTION: r->direction = (uint8_t)v; break;
    default: r->outcome = (uint8_t)v; break;
    }
    return 0;
}

static const char *iv__tname(const iv_ingest *ing, const iv__target *t)
{
    return t->kind < F_N ? iv__fname[t->kind] : t->skip ? ing->skipname[t->dim] : ing->store->dim_names[t->dim];
}

/* The field a (mapped) name denotes: F_* or F_DIM. */
static int iv__kind_of(const char *s, size_t n)
{
    int k;
    for (k = 0; k < F_N; k++)
        if (iv__ieq(s, n, iv__fname[k]))
            return k;
    return F_DIM;
}

/* Whether the map has an entry for the source name s[0..n). */
static int iv__map_has(const iv_ingest *ing, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < ing->nmap; i++)
        if (iv__ieqn(s, n, ing->map[i].src, ing->map[i].nsrc))
            return 1;
    return 0;
}

/* Whether the custom dimension named s[0..n) is one of keep_dims (IV_SKIP_DIMS). */
static int iv__kept_dim(const iv_ingest *ing, const char *s, size_t n)
{
    size_t pos = 0, len;
    const char *item;
    while (ing->keep && iv__list_next(ing->keep, ing->nkeep, ',', &pos, &item, &len))
        if (iv__ieqn(s, n, item, len))
            return 1;
    return 0;
}

/* The index in ing->skipname of the skipped custom dimension s[0..n), added when new;
 * -1 when out of memory, -2 when IV_MAX_DIMS names are skipped already. */
static int iv__skip_dim(iv_ingest *ing, const char *s, size_t n)
{
    size_t i;
    char *d;
    for (i = 0; i < ing->nskipname; i++)
        if (iv__ieq(s, n, ing->skipname[i]))
            return (int)i;
    if (ing->nskipname >= IV_MAX_DIMS)
        return -2;
    if (ing->nskipname == ing->capskipname) {
        size_t cap = ing->capskipname ? 2 * ing->capskipname : 4;
        char **g = iv__realloc(&ing->alloc, ing->skipname, ing->capskipname * sizeof *g, cap * sizeof *g);
        if (!g)
            return -1;
        ing->skipname = g;
        ing->capskipname = cap;
    }
    if (!(d = iv__strndup(&ing->alloc, s, n)))
        return -1;
    for (i = 0; i < n; i++) /* lower-cased as the store names its dimensions */
        if (d[i] >= 'A' && d[i] <= 'Z')
            d[i] = (char)(d[i] + 32);
    ing->skipname[ing->nskipname] = d;
    return (int)ing->nskipname++;
}

/* Fill *t for the field or custom dimension named s[0..n), creating the dimension in
 * the store (or, skipped, in ing->skipname). IV_OK (with *bad and ing->why when the
 * dimensions are full) or IV_ENOMEM. */
static int iv__target_for(iv_ingest *ing, const char *s, size_t n, int mapped, iv__target *t, int *bad)
{
    int k = iv__kind_of(s, n);
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->mapped = (unsigned char)mapped;
    t->skip = (unsigned char)((k == F_ID && (ing->skip & IV_SKIP_ID)) ||
                              (k == F_DIM && (ing->skip & IV_SKIP_DIMS) && !iv__kept_dim(ing, s, n)));
    if (k == F_DIM && t->skip) {
        int d = iv__skip_dim(ing, s, n);
        if (d == -1)
            return IV_ENOMEM;
        if (d == -2) {
            *bad = 1;
            snprintf(ing->why, sizeof ing->why, "'%.*s' would be custom dimension %d; the limit is %d",
                     (int)IV__MIN(n, 64), s, IV_MAX_DIMS + 1, IV_MAX_DIMS);
            return IV_OK;
        }
        t->dim = d;
    } else if (k == F_DIM) {
        int d = iv__store_dim(ing->store, s, n, 0);
        if (d < 0) {
            if (ing->store->ndims >= IV_MAX_DIMS) {
                *bad = 1;
                snprintf(ing->why, sizeof ing->why, "'%.*s' would be custom dimension %d; the limit is %d",
                         (int)IV__MIN(n, 64), s, IV_MAX_DIMS + 1, IV_MAX_DIMS);
                return IV_OK;
            }
            d = iv__store_dim(ing->store, s, n, 1);
            if (d < 0)
                return IV_ENOMEM;
        }
        t->dim = d;
    }
    if (ing->src)
        t->vals = k < F_N ? iv__source_vals(ing->src, iv__fname[k], strlen(iv__fname[k]))
                          : iv__source_vals(ing->src, s, n);
    t->slow = t->vals != NULL;
    if (ing->format == IV_INPUT_CSV && !t->slow && !t->skip)
        t->text = k == F_CONTACT ? &ing->row.contact : k == F_CHANNEL ? &ing->row.channel
                : k == F_TYPE    ? &ing->row.type
                : k == F_TEAM    ? &ing->row.team
                : k == F_ID      ? &ing->row.id
                                 : NULL;
    return IV_OK;
}

/* The targets of the source name s[0..n) (a CSV column, a JSON key or dotted path):
 * one per map entry naming it, chained through ->more, or the name itself. Marks the
 * map entries used. IV_OK (with *bad and ing->why) or IV_ENOMEM. */
static int iv__resolve(iv_ingest *ing, const char *s, size_t n, iv__target *t, int *bad)
{
    size_t i;
    uint32_t *link = NULL; /* the `more` to fill: t->more or an xt entry's, by index */
    size_t link_x = 0;     /* 0: t; else 1 + index in xt */
    int found = 0, rc;
    *bad = 0;
    for (i = 0; i < ing->nmap; i++) {
        iv__rename *m = &ing->map[i];
        iv__target x;
        if (!iv__ieqn(s, n, m->src, m->nsrc))
            continue;
        m->used = 1;
        if (!found) {
            if ((rc = iv__target_for(ing, m->dst, m->ndst, 1, t, bad)) != IV_OK || *bad)
                return rc;
            found = 1;
            continue;
        }
        if ((rc = iv__target_for(ing, m->dst, m->ndst, 1, &x, bad)) != IV_OK || *bad)
            return rc;
        if (ing->nxt >= ing->capxt &&
            iv__grow(&ing->alloc, (void **)&ing->xt, &ing->capxt, ing->nxt + 1, sizeof *ing->xt))
            return IV_ENOMEM;
        x.text = NULL;
        ing->xt[ing->nxt] = x;
        link = link_x ? &ing->xt[link_x - 1].more : &t->more;
        *link = (uint32_t)(ing->nxt + 1);
        link_x = ing->nxt + 1;
        ing->nxt++;
    }
    if (!found)
        return iv__target_for(ing, s, n, 0, t, bad);
    if (t->more) {
        t->slow = 1;
        t->text = NULL;
    }
    return IV_OK;
}

static const iv__target *iv__next_target(const iv_ingest *ing, const iv__target *t)
{
    return t->more ? &ing->xt[t->more - 1] : NULL;
}

/* The source's constants (set=), resolved once: IV_OK (*bad, ing->why) or IV_ENOMEM. */
static int iv__consts_resolve(iv_ingest *ing, int *bad)
{
    size_t i;
    int rc;
    *bad = 0;
    ing->consts_done = 1;
    if (!ing->src || !ing->src->nset)
        return IV_OK;
    ing->consts = iv__calloc(&ing->alloc, ing->src->nset, sizeof *ing->consts);
    if (!ing->consts)
        return iv__nomem("the constants of the source");
    ing->nconsts = ing->src->nset;
    for (i = 0; i < ing->nconsts; i++) {
        const iv__srcset *c = &ing->src->set[i];
        if ((rc = iv__target_for(ing, c->field, c->nfield, 0, &ing->consts[i].t, bad)) != IV_OK || *bad)
            return rc;
        ing->consts[i].v = c->value;
        ing->consts[i].n = c->nvalue;
    }
    return IV_OK;
}

/* The constant that gives target t, or -1. */
static int iv__const_of(const iv_ingest *ing, const iv__target *t)
{
    size_t i;
    for (i = 0; i < ing->nconsts; i++)
        if (ing->consts[i].t.kind == t->kind &&
            (t->kind != F_DIM || (ing->consts[i].t.dim == t->dim && ing->consts[i].t.skip == t->skip)))
            return (int)i;
    return -1;
}

/* The row is parsed: add the constants, check it (doc/GUIDE.md §1), leave it out when its id
 * is already in the store (dedup=id), append it. */
static int iv__finish_row(iv_ingest *ing, const char *raw, size_t nraw)
{
    const char *field = NULL;
    size_t i;
    int rc;
    for (i = 0; i < ing->nconsts; i++)
        if (iv__set(ing, &ing->consts[i].t, ing->consts[i].v, ing->consts[i].n, IV__JV_STRING)) {
            char why[sizeof ing->why + 160];
            snprintf(why, sizeof why, "the constant %s=%.64s: %s", iv__tname(ing, &ing->consts[i].t),
                     ing->consts[i].v, ing->why);
            return iv__bad_row(ing, raw, nraw, 0, NULL, why);
        }
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
    /* appended (and checked against dedup=id) in input order by iv__commit */
    rc = iv__batch_add(ing, &ing->row, ing->rec_off + ing->rec_len);
    if (rc)
        return iv__fail(ing, rc);
    ing->rows_read++;
    ing->rows_accepted++;
    return IV_OK;
}

/* A record with bytes that are not UTF-8 (or a NUL) at offset at: a bad row naming the
 * field (col 1-based, name may be NULL) and the byte offset in the input. */
IV__NOINLINE static int iv__bad_text(iv_ingest *ing, const char *buf, size_t n, size_t at, size_t col, const char *name)
{
    char what[200];
    iv__utf8_describe(buf, n, at, what, sizeof what);
    snprintf(ing->why, sizeof ing->why, "%s at byte offset %llu", what, (unsigned long long)(ing->rec_off + at));
    return iv__bad_row(ing, buf, n, col, name, ing->why);
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

/* The CSV field (0-based) that holds byte `at` of the record. */
static size_t iv__csv_field_at(const iv_ingest *ing, size_t at)
{
    size_t i;
    for (i = 0; i + 1 < ing->csv.nfields; i++)
        if (at <= ing->csv.f[i].end)
            break;
    return i;
}

static int iv__header_error(iv_ingest *ing, int rc, const char *fmt, const char *s, size_t n)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, (int)IV__MIN(n, 64), s);
    return iv__fail(ing, iv__error(rc, "line %llu: header: %s", (unsigned long long)ing->rec_line, msg));
}

/* A header with a required column missing: when it was read as one column that holds
 * another candidate delimiter, say which. */
static int iv__header_missing(iv_ingest *ing, int k, const char *name0, size_t n0)
{
    static const char cand[4] = { ',', ';', '\t', '|' };
    char msg[400];
    size_t count[4] = { 0, 0, 0, 0 }, i, best = 4;
    int j;
    if (ing->ncols == 1) {
        for (i = 0; i < n0; i++)
            for (j = 0; j < 4; j++)
                count[j] += name0[i] == cand[j];
        for (j = 0; j < 4; j++)
            if (count[j] && cand[j] != ing->delim && (best == 4 || count[j] > count[best]))
                best = (size_t)j;
    }
    if (best < 4) {
        const char *d = cand[best] == '\t' ? "tab" : cand[best] == ';' ? ";" : cand[best] == '|' ? "|" : ",";
        snprintf(msg, sizeof msg, "missing required column '%s': the header was read as one column "
                 "('%.*s') with the delimiter '%c'; it looks like '%s' (source option delimiter=%s, "
                 "iv: --delimiter '%s' or --delimiter auto)", iv__fname[k], (int)IV__MIN(n0, 60), name0,
                 ing->delim, d, d, d);
    } else {
        snprintf(msg, sizeof msg, "missing required column '%s'", iv__fname[k]);
    }
    return iv__fail(ing, iv__error(IV_EPARSE, "line %llu: header: %s", (unsigned long long)ing->rec_line, msg));
}

/* Whether the records of this CSV input may take iv__direct_row: every column feeds one
 * field or custom dimension without a value mapping (a skipped custom dimension: read for
 * its length only), no constants, timestamps and numbers in the default spellings, and
 * the four required columns are there. Notes the stored custom dimensions' columns
 * (ing->dcol, ddim) and the skipped ones' (ing->skipcol) for it. */
static int iv__direct_ok(iv_ingest *ing)
{
    size_t i;
    ing->nskipcol = 0;
    ing->ndcol = 0;
    if (!iv__ingest_direct || ing->format != IV_INPUT_CSV || ing->ts_slow || ing->num_slow || ing->nconsts ||
        ing->field_col[F_CONTACT] < 0 || ing->field_col[F_TS] < 0 || ing->field_col[F_CHANNEL] < 0 ||
        ing->field_col[F_TYPE] < 0 || ing->ncols < 2 || ing->ncols > UINT16_MAX)
        return 0;
    for (i = 0; i < ing->ncols; i++) {
        const iv__target *t = &ing->cols[i];
        if (t->kind >= F_N && t->skip && !t->slow && !t->more &&
            ing->nskipcol < (int)(sizeof ing->skipcol / sizeof ing->skipcol[0])) {
            ing->skipcol[ing->nskipcol++] = (uint16_t)i; /* read for its length only */
            continue;
        }
        if (t->slow || t->more || t->vals || t->kind > F_DIM)
            return 0;
        if (t->kind == F_DIM) {
            if (t->skip || ing->ndcol >= IV_MAX_DIMS || t->dim < 0 || t->dim >= IV_MAX_DIMS)
                return 0; /* (a ninth skipped one) */
            ing->dcol[ing->ndcol] = (uint16_t)i;
            ing->ddim[ing->ndcol++] = (uint16_t)t->dim;
        }
    }
    return 1;
}

IV__NOINLINE static int iv__csv_header(iv_ingest *ing, const char *buf, size_t len)
{
    size_t n = ing->csv.nfields, i, j, m;
    char *sc;
    const char **names;
    size_t *nnames;
    int k, rc = IV_OK, bad;
    size_t at;

    if (ing->csv.err)
        return iv__header_error(ing, IV_EPARSE, "%.*s", iv__csv_strerror(ing->csv.err),
                                strlen(iv__csv_strerror(ing->csv.err)));
    if (!ing->rec_clean && (at = iv__utf8_invalid(buf, len)) < len) {
        char what[200], col[32];
        iv__utf8_describe(buf, len, at, what, sizeof what);
        snprintf(col, sizeof col, "%zu", iv__csv_field_at(ing, at) + 1);
        return iv__fail(ing, iv__error(IV_EPARSE, "line %llu: header: column %s: %s at byte offset %llu",
                                       (unsigned long long)ing->rec_line, col, what,
                                       (unsigned long long)(ing->rec_off + at)));
    }
    ing->cols = iv__calloc(&ing->alloc, n, sizeof *ing->cols);
    names = iv__calloc(&ing->alloc, n, sizeof *names);
    nnames = iv__calloc(&ing->alloc, n, sizeof *nnames);
    if (!ing->cols || !names || !nnames) {
        rc = iv__fail(ing, iv__nomem("the header"));
        goto out;
    }
    ing->ncols = n;
    if (iv__csv_reserve(&ing->csv, n)) {
        rc = iv__fail(ing, IV_ENOMEM);
        goto out;
    }
    /* pass 1: names and the fields they give, checked before the store is touched */
    sc = ing->scratch;
    for (i = 0; i < n; i++) {
        const char *s;
        size_t ns;
        int any = 0;
        iv__csv_text(ing, buf, i, &sc, &s, &ns);
        iv__trim(&s, &ns);
        names[i] = s;
        nnames[i] = ns;
        if (ns == 0) {
            char num[32];
            snprintf(num, sizeof num, "%zu", i + 1);
            rc = iv__header_error(ing, IV_EPARSE, "column %.*s has no name", num, strlen(num));
            goto out;
        }
        for (m = 0; m <= ing->nmap; m++) {
            const char *d = s;
            size_t nd = ns;
            if (m < ing->nmap) {
                if (!iv__ieqn(s, ns, ing->map[m].src, ing->map[m].nsrc))
                    continue;
                d = ing->map[m].dst;
                nd = ing->map[m].ndst;
                ing->map[m].used = 1;
                any = 1;
            } else if (any) {
                break;
            }
            k = iv__kind_of(d, nd);
            if (k < F_N) {
                if (ing->field_col[k] >= 0) {
                    rc = iv__header_error(ing, IV_EPARSE, "duplicate column '%.*s'", d, nd);
                    goto out;
                }
                ing->field_col[k] = (int)i;
            } else {
                /* the same custom dimension from two columns */
                for (j = 0; j < i; j++) {
                    size_t m2;
                    int any2 = 0;
                    for (m2 = 0; m2 <= ing->nmap; m2++) {
                        const char *d2 = names[j];
                        size_t nd2 = nnames[j];
                        if (m2 < ing->nmap) {
                            if (!iv__ieqn(names[j], nnames[j], ing->map[m2].src, ing->map[m2].nsrc))
                                continue;
                            d2 = ing->map[m2].dst;
                            nd2 = ing->map[m2].ndst;
                            any2 = 1;
                        } else if (any2) {
                            break;
                        }
                        if (iv__ieqn(d, nd, d2, nd2)) {
                            rc = iv__header_error(ing, IV_EPARSE, "duplicate column '%.*s'", d2, nd2);
                            goto out;
                        }
                    }
                }
            }
        }
    }
    for (m = 0; m < ing->nmap; m++)
        if (ing->map[m].required && !ing->map[m].used) {
            char msg[400];
            size_t o = 0;
            o += (size_t)snprintf(msg, sizeof msg, "map: column '%.*s' is not in the header (its columns: ",
                                  (int)IV__MIN(ing->map[m].nsrc, 64), ing->map[m].src);
            for (i = 0; i < n && o < sizeof msg - 8; i++)
                o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%.*s", i ? ", " : "", (int)IV__MIN(nnames[i], 40),
                                      names[i]);
            if (o < sizeof msg - 2)
                snprintf(msg + o, sizeof msg - o, ")");
            rc = iv__fail(ing, iv__error(IV_EPARSE, "line %llu: header: %s", (unsigned long long)ing->rec_line, msg));
            goto out;
        }
    if (ing->src)
        for (m = 0; m < ing->src->nset; m++) {
            const iv__srcset *c = &ing->src->set[m];
            int kc = iv__kind_of(c->field, c->nfield);
            for (i = 0; i < n; i++) {
                int hit = kc < F_N ? ing->field_col[kc] == (int)i : 0;
                if (kc == F_DIM) {
                    /* a custom dimension: the column's (mapped) name */
                    size_t m2;
                    int any2 = 0;
                    for (m2 = 0; m2 <= ing->nmap && !hit; m2++) {
                        if (m2 < ing->nmap) {
                            if (!iv__ieqn(names[i], nnames[i], ing->map[m2].src, ing->map[m2].nsrc))
                                continue;
                            any2 = 1;
                            hit = iv__ieqn(c->field, c->nfield, ing->map[m2].dst, ing->map[m2].ndst);
                        } else if (!any2) {
                            hit = iv__ieqn(c->field, c->nfield, names[i], nnames[i]);
                        }
                    }
                }
                if (hit) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "set: field '%s' also has a column (column %zu, '%.*s'); "
                             "drop the constant or the column", c->field, i + 1, (int)IV__MIN(nnames[i], 64), names[i]);
                    rc = iv__fail(ing, iv__error(IV_EPARSE, "line %llu: header: %s", (unsigned long long)ing->rec_line, msg));
                    goto out;
                }
            }
        }
    for (k = 0; k <= F_TYPE; k++) {
        int given = ing->field_col[k] >= 0;
        for (m = 0; ing->src && m < ing->src->nset && !given; m++)
            given = iv__ieq(ing->src->set[m].field, ing->src->set[m].nfield, iv__fname[k]);
        if (!given) {
            rc = iv__header_missing(ing, k, names[0], nnames[0]);
            goto out;
        }
    }
    /* pass 2: the targets (custom dimensions are created in the store here) */
    for (i = 0; i < n; i++) {
        if ((rc = iv__resolve(ing, names[i], nnames[i], &ing->cols[i], &bad)) != IV_OK) {
            rc = iv__fail(ing, rc);
            goto out;
        }
        if (bad) {
            rc = iv__header_error(ing, IV_ELIMIT, "%.*s", ing->why, strlen(ing->why));
            goto out;
        }
    }
    if ((rc = iv__consts_resolve(ing, &bad)) != IV_OK || bad) {
        rc = bad ? iv__header_error(ing, IV_ELIMIT, "%.*s", ing->why, strlen(ing->why)) : iv__fail(ing, rc);
        goto out;
    }
    ing->header_done = 1;
    ing->direct = iv__direct_ok(ing);
out:
    iv__free(&ing->alloc, names, n * sizeof *names);
    iv__free(&ing->alloc, nnames, n * sizeof *nnames);
    return rc;
}

/* iv__row_clear of the fields a parsed row sets and the checks and the queue read, one
 * store each: gcc makes the 136-byte memset of iv__row_clear a `rep stos`, whose start-up
 * cost was half of iv__record's samples (perf annotate, 5M-row file). */
static inline void iv__row_blank(iv__row *r)
{
    /* each member stored on its own: a chained assignment made gcc read a just-stored
     * string back as one 16-byte load, which waits for the two 8-byte stores (a failed
     * store-to-load forwarding, a fifth of iv__record's samples) */
    r->contact.p = r->channel.p = r->type.p = r->team.p = r->id.p = NULL;
    r->contact.n = r->channel.n = r->type.n = r->team.n = r->id.n = 0;
    r->ts = IV_TIME_NONE;
    r->stage = r->area = r->direction = r->outcome = 0;
    r->cost = r->value = r->score = r->rv = (double)NAN;
    r->ndims = 0;
    r->id_seen = 0;
}

static int iv__csv_row(iv_ingest *ing, const char *buf, size_t len)
{
    const iv__csv *c = &ing->csv;
    iv__row *r = &ing->row;
    char *sc = ing->scratch;
    size_t i, at;
    /* in locals: the stores into the row below could alias the handle's fields, so the
     * compiler would load these again for every field */
    const iv__csv_field *fields = c->f;
    const iv__target *cols = ing->cols;
    const size_t ncols = ing->ncols, max_string = ing->max_string;

    if (c->err) {
        size_t f = c->err_field;
        return iv__bad_row(ing, buf, len, f + 1, f < ing->ncols ? iv__tname(ing, &ing->cols[f]) : NULL,
                           iv__csv_strerror(c->err));
    }
    if (c->nfields != ing->ncols) {
        snprintf(ing->why, sizeof ing->why, "%zu fields where the header has %zu", c->nfields, ing->ncols);
        return iv__bad_row(ing, buf, len, 0, NULL, ing->why);
    }
    if (!ing->rec_clean && (at = iv__utf8_invalid(buf, len)) < len) {
        size_t f = iv__csv_field_at(ing, at);
        return iv__bad_text(ing, buf, len, at, f + 1, iv__tname(ing, &ing->cols[f]));
    }
    iv__row_blank(r);
    for (i = 0; i < ncols; i++) {
        const iv__csv_field *f = &fields[i];
        const iv__target *t = &cols[i];
        const char *s;
        size_t n = f->end - f->start;
        if (n == 0)
            continue; /* empty: not given, whatever the column */
        if (!f->esc && n <= max_string) { /* plain text: stored without a call */
            if (t->text) {
                t->text->p = buf + f->start;
                t->text->n = n;
                continue;
            }
            if (t->skip && !t->slow) { /* skipped: its only check, the length, passed */
                r->id_seen |= t->kind == F_ID; /* of an id, the store keeps that there was one */
                continue;
            }
            if (t->kind == F_DIM && !t->slow) {
                r->dim_idx[r->ndims] = (uint16_t)t->dim;
                r->dim_val[r->ndims].p = buf + f->start;
                r->dim_val[r->ndims++].n = n;
                continue;
            }
        }
        iv__csv_text(ing, buf, i, &sc, &s, &n);
        if (iv__set(ing, t, s, n, IV__JV_STRING))
            return iv__bad_row(ing, buf, len, i + 1, iv__tname(ing, t), ing->why);
        while (t->more) { /* the column feeds further fields (map Type=type,Type=channel) */
            t = iv__next_target(ing, t);
            if (iv__set(ing, t, s, n, IV__JV_STRING))
                return iv__bad_row(ing, buf, len, i + 1, iv__tname(ing, t), ing->why);
        }
    }
    return iv__finish_row(ing, buf, len);
}

/* ------------------------------------------------------------- direct path ---- */

/* The blanks iv__trim strips (iv__text_space): ' ', TAB, VT, FF, CR. */
static inline int iv__blank1(char c)
{
    unsigned u = (unsigned char)c;
    return u == ' ' || (u - 9u < 5u && u != '\n');
}

/* A field of a direct row without its blanks: iv__trim only when an end is a blank. */
static inline void iv__direct_trim(const char **s, size_t *n)
{
    if (*n && (iv__blank1((*s)[0]) || iv__blank1((*s)[*n - 1])))
        iv__trim(s, n);
}

/* A number field as iv__set_number reads it into *out (left as it is, NaN, when empty)
 * and the bounds that iv__row_check puts on cost (lo 0) or value (lo -1e15); 0 when it
 * would not pass. *out is the queued row's member itself: a local passed by address
 * made gcc copy cost and value into the row as one 16-byte load of two 8-byte stores,
 * which cannot be forwarded (perf annotate: 12 % of the direct path's samples). */
static inline int iv__direct_num(const char *s, size_t n, double lo, double *out)
{
    iv__direct_trim(&s, &n);
    if (n == 0)
        return 1;
    return iv__num_parse(s, n, out) == IV_OK && *out >= lo && *out <= 1e15;
}

/* The score field as iv__set_number reads it, with iv__row_check's bounds: finite, and on
 * the scale of a survey type (nps, csat, ces; type is in its normal form). */
static int iv__direct_score(const char *s, size_t n, const char *type, size_t ntype, double *out)
{
    double lo, hi;
    iv__direct_trim(&s, &n);
    if (n == 0)
        return 1;
    if (iv__num_parse(s, n, out) != IV_OK || !(*out >= -DBL_MAX && *out <= DBL_MAX))
        return 0;
    return !iv__survey_scale(type, ntype, &lo, &hi) || (*out >= lo && *out <= hi);
}

/* Whether the name s[0..n) of a clean (ASCII) record is in normal form
 * (iv__vocab_is_normal): no capital, '-' or blank. Up to 8 bytes that lie inside the
 * record (avail: the bytes from s to the record's end) are tested at once, without the
 * byte loop's branches, whose exit mispredicted for names of varying length. */
static inline int iv__direct_normal(const char *s, size_t n, size_t avail)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n <= 8 && avail >= 8) {
        const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
        uint64_t w, x;
        memcpy(&w, s, 8);
        w &= ~UINT64_C(0) >> (64 - 8 * n); /* n >= 1: the name's bytes, zeros after */
        /* every byte is below 0x80, so no sum carries into the next byte: bit 7 of
         * w + (0x80 - a) is "byte >= a" (H. S. Warren, Hacker's Delight, 2nd ed., 6-1) */
        x = (w + ones * (0x80 - 'A')) & ~(w + ones * (0x80 - 'Z' - 1));  /* 'A'..'Z' */
        x |= (w + ones * (0x80 - '\t')) & ~(w + ones * (0x80 - '\r' - 1)); /* TAB LF VT FF CR */
        x |= ~((((w ^ ones * '-') & ~high) + ~high) | (w ^ ones * '-') | ~high); /* '-' */
        x |= ~((((w ^ ones * ' ') & ~high) + ~high) | (w ^ ones * ' ') | ~high); /* ' ' */
        return !(x & high);
    }
#endif
    (void)avail;
    return iv__vocab_is_normal(s, n);
}

/* An enum field as iv__set reads it (0 when empty), at most max; -1 when it would not pass. */
static inline int iv__direct_enum(int kind, const char *s, size_t n, int max)
{
    int v;
    iv__direct_trim(&s, &n);
    if (n == 0)
        return 0;
    v = iv__enum_fast(kind, s, n);
    return v > max ? -1 : v;
}

/* The range of timestamps iv__row_check accepts: 1900-01-01 to 2201-01-01 (exclusive). */
#define IV__DIRECT_TS_MIN INT64_C(-2208988800000)
#define IV__DIRECT_TS_END INT64_C(7289654400000)

/* The common record straight into the queue: a record that iv__csv_plain took whole
 * (no quote, ASCII, as many fields as the header) of an input whose columns all feed
 * fixed fields (ing->direct). The fields go to their places in the queued row by the
 * header's column numbers, in one pass without an iv__row, iv__set, iv__row_check or
 * iv__batch_add. It takes only rows that the general path (iv__record) would queue,
 * and queues them exactly as it would (the same bytes in the queued row and its mark,
 * the same counters and line). Anything else (an empty, bad or over-long field, a name
 * not in normal form, a failing check, a string outside the stable input, a full
 * batch or scratch buffer) returns 0 having changed nothing, and the record takes
 * iv__record, which words the error. Returns 1 when the row is queued. */
static int iv__direct_row(iv_ingest *ing, const char *buf, size_t used)
{
    const iv__csv_field *f = ing->csv.f;
    const int *col = ing->field_col;
    const size_t max_string = ing->max_string;
    iv__batch *b = &ing->batch;
    iv__brow w; /* the row, put in the batch at the end */
    iv__bxtra x;
    const char *s;
    size_t n, i, nd;
    int64_t ts;
    int st = 0, ar = 0, di = 0, ou = 0, need = 0, code[2];

    if (ing->csv.nfields != ing->ncols || used > ing->max_line || ing->capscratch < used || b->n >= b->cap ||
        b->n >= b->capm || b->nx >= b->capx || buf < ing->stable_lo || buf + used > ing->stable_hi)
        return 0;
    /* contact, channel, type: required; the names in their normal form already */
    s = buf + f[col[F_CONTACT]].start;
    n = f[col[F_CONTACT]].end - f[col[F_CONTACT]].start;
    if (n == 0 || n > max_string)
        return 0;
    w.cp = s;
    w.cn = (uint32_t)n;
    w.hash = iv__hash(s, n);
    x.sp[2] = x.sp[3] = NULL;
    x.sn[2] = x.sn[3] = 0;
    for (i = 0; i < 2; i++) {
        const iv__csv_field *fi = &f[col[i == 0 ? F_CHANNEL : F_TYPE]];
        s = buf + fi->start;
        n = fi->end - fi->start;
        /* a name the batch has is in normal form; a new one is checked */
        if (n == 0 || n > max_string ||
            ((code[i] = iv__bname_find(ing, s, n)) < 0 &&
             (!iv__direct_normal(s, n, used - fi->start) || (code[i] = iv__bname_add(ing, s, n, 0)) < 0)))
            return 0;
        if (code[i] == IV__BNAME_X) {
            x.sp[2 + i] = s;
            x.sn[2 + i] = (uint32_t)n;
            need = 1;
        }
    }
    w.ch = (uint16_t)code[0];
    w.ty = (uint16_t)code[1];
    /* team, id: optional; a skipped id (and custom dimension) is only checked, and of
     * the id the store keeps that the row has one */
    w.enums = 0;
    for (i = 0; i <= 1; i++) {
        int c = col[i == 0 ? F_TEAM : F_ID];
        x.sp[i] = NULL;
        x.sn[i] = 0;
        if (c >= 0 && (n = f[c].end - f[c].start) != 0) {
            if (n > max_string)
                return 0;
            if (i == 1 && ing->cols[c].skip) {
                w.enums = IV__BROW_ID_SEEN;
                continue;
            }
            x.sp[i] = buf + f[c].start;
            x.sn[i] = (uint32_t)n;
            need = 1;
        }
    }
    for (i = 0; i < (size_t)ing->nskipcol; i++)
        if (f[ing->skipcol[i]].end - f[ing->skipcol[i]].start > max_string)
            return 0;
    s = buf + f[col[F_TS]].start;
    n = f[col[F_TS]].end - f[col[F_TS]].start;
    iv__direct_trim(&s, &n);
    if (n == 0 || iv__time_parse_cached(&ing->tcache, s, n, &ts) != IV_OK || ts < IV__DIRECT_TS_MIN ||
        ts >= IV__DIRECT_TS_END)
        return 0;
    if (col[F_STAGE] >= 0 &&
        (st = iv__direct_enum(IV_ENUM_STAGE, buf + f[col[F_STAGE]].start, f[col[F_STAGE]].end - f[col[F_STAGE]].start,
                              IV_STAGE_RETENTION)) < 0)
        return 0;
    if (col[F_AREA] >= 0 &&
        (ar = iv__direct_enum(IV_ENUM_AREA, buf + f[col[F_AREA]].start, f[col[F_AREA]].end - f[col[F_AREA]].start,
                              IV_AREA_GOVERNANCE)) < 0)
        return 0;
    if (col[F_DIRECTION] >= 0 &&
        (di = iv__direct_enum(IV_ENUM_DIRECTION, buf + f[col[F_DIRECTION]].start,
                              f[col[F_DIRECTION]].end - f[col[F_DIRECTION]].start, IV_DIRECTION_OUT)) < 0)
        return 0;
    if (col[F_OUTCOME] >= 0 &&
        (ou = iv__direct_enum(IV_ENUM_OUTCOME, buf + f[col[F_OUTCOME]].start,
                              f[col[F_OUTCOME]].end - f[col[F_OUTCOME]].start, IV_OUTCOME_UNDESIRED)) < 0)
        return 0;
    w.cost = w.value = x.score = x.rv = (double)NAN;
    if (col[F_COST] >= 0 &&
        !iv__direct_num(buf + f[col[F_COST]].start, f[col[F_COST]].end - f[col[F_COST]].start, 0.0, &w.cost))
        return 0;
    if (col[F_VALUE] >= 0 &&
        !iv__direct_num(buf + f[col[F_VALUE]].start, f[col[F_VALUE]].end - f[col[F_VALUE]].start, -1e15, &w.value))
        return 0;
    if (col[F_SCORE] >= 0) {
        const iv__csv_field *ft = &f[col[F_TYPE]];
        if (!iv__direct_score(buf + f[col[F_SCORE]].start, f[col[F_SCORE]].end - f[col[F_SCORE]].start,
                              buf + ft->start, ft->end - ft->start, &x.score))
            return 0;
        need |= !isnan(x.score);
    }
    if (col[F_RV] >= 0) {
        if (!iv__direct_num(buf + f[col[F_RV]].start, f[col[F_RV]].end - f[col[F_RV]].start, -1e15, &x.rv))
            return 0;
        need |= !isnan(x.rv);
    }
    /* custom dimensions, in column order (iv__csv_row): an empty field is not given */
    nd = 0;
    if (ing->ndcol) {
        if (b->ndv + ing->ndcol > b->capdv)
            return 0; /* the general path grows the arrays */
        for (i = 0; i < ing->ndcol; i++) {
            const iv__csv_field *fi = &f[ing->dcol[i]];
            n = fi->end - fi->start;
            if (n == 0)
                continue;
            if (n > max_string)
                return 0;
            b->dim_idx[b->ndv + nd] = ing->ddim[i];
            b->dim_val[b->ndv + nd].p = buf + fi->start;
            b->dim_val[b->ndv + nd++].n = n;
        }
    }
    if (iv__bnote(ing, 0))
        return 0; /* the general path grows the counters' entries */
    /* queued: as iv__finish_row and iv__batch_add, then iv__record's end */
    w.ts = ts;
    w.enums |= IV__EN_PACK(st, ar, di, ou);
    w.xtra = 0;
    if (need || nd) {
        x.dim0 = (uint32_t)b->ndv;
        x.ndims = (uint16_t)nd;
        w.xtra = (uint32_t)b->nx + 1;
    }
    /* a parser thread's range (a clone) is written with non-temporal stores (iv__w8) */
    iv__put_row(&b->rows[b->n], &w, ing->is_clone);
    iv__put_mark(&b->marks[b->n], ing->rec_line, ing->rec_off + ing->rec_len, ing->is_clone);
    if (w.xtra)
        iv__put_xtra(&b->xtra[b->nx], &x, ing->is_clone);
    b->nx += w.xtra != 0;
    b->ndv += nd;
    b->n++;
    ing->rows_read++;
    ing->rows_accepted++;
    ing->line += 1 + ing->csv.nl;
    ing->rec_len = 0;
    iv__csv_reset(&ing->csv);
    return 1;
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
    int rc;

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
    if ((rc = iv__resolve(ing, s, ns, t, bad)) != IV_OK || *bad) {
        if (*bad && strncmp(ing->why, "'", 1) == 0) {
            char why[sizeof ing->why + 8];
            snprintf(why, sizeof why, "key %s", ing->why);
            snprintf(ing->why, sizeof ing->why, "%.*s", (int)sizeof ing->why - 1, why);
        }
        return rc;
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
    unsigned char seen[F_N + 2 * IV_MAX_DIMS]; /* fields, dimensions, skipped dimensions */
    size_t i, at;
    int bad, rc;

    rc = iv__jsonl_parse(&ing->json, buf, len, ing->scratch, &bad);
    if (rc)
        return iv__fail(ing, rc);
    if (bad)
        return iv__bad_row(ing, buf, len, ing->json.err_col, NULL, ing->json.why);
    if (!ing->rec_clean && (at = iv__utf8_invalid(buf, len)) < len) {
        /* name the key whose member holds the byte */
        const char *name = NULL;
        char key[80];
        for (i = 0; i < ing->json.n; i++)
            if (ing->json.m[i].col <= at + 1) {
                snprintf(key, sizeof key, "%.*s", (int)IV__MIN(ing->json.m[i].nkey, 64), ing->json.m[i].key);
                name = key;
            }
        return iv__bad_text(ing, buf, len, at, at + 1, name);
    }
    if (!ing->consts_done) {
        if ((rc = iv__consts_resolve(ing, &bad)) != IV_OK)
            return iv__fail(ing, rc);
        if (bad)
            return iv__fail(ing, iv__error(IV_ELIMIT, "set: %s", ing->why));
    }
    iv__row_clear(&ing->row);
    ing->row.ndims = 0;
    memset(seen, 0, sizeof seen);
    memset(ing->jcol, 0, sizeof ing->jcol);
    for (i = 0; i < ing->json.n; i++) {
        const iv__jsonl *js = &ing->json;
        const iv__jmember *m = &js->m[i];
        iv__target t;
        const iv__target *tp;
        size_t slot;
        if ((m->nested || m->kind == IV__JV_NESTED) && !iv__map_has(ing, m->key, m->nkey))
            continue; /* nested values no path maps are ignored */
        if ((rc = iv__jkey_find(ing, m->key, m->nkey, &t, &bad)) != IV_OK)
            return iv__fail(ing, rc);
        if (bad)
            return iv__bad_row(ing, buf, len, m->col, NULL, ing->why);
        if (m->kind == IV__JV_NESTED) {
            snprintf(ing->why, sizeof ing->why, "the mapped path '%.*s' holds an object or array, not a value",
                     (int)IV__MIN(m->nkey, 64), m->key);
            return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, &t), ing->why);
        }
        for (tp = &t; tp; tp = iv__next_target(ing, tp)) {
            slot = tp->kind < F_N ? (size_t)tp->kind
                   : (size_t)F_N + (tp->skip ? (size_t)IV_MAX_DIMS : 0) + (size_t)tp->dim;
            if (seen[slot])
                return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, tp), "duplicate key");
            seen[slot] = 1;
            if (ing->nconsts && iv__const_of(ing, tp) >= 0)
                return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, tp),
                                   "the field is also set as a constant (set=); drop one of them");
            if (tp->kind < F_N)
                ing->jcol[tp->kind] = m->col;
            if (iv__set(ing, tp, m->val, m->nval, m->kind))
                return iv__bad_row(ing, buf, len, m->col, iv__tname(ing, tp), ing->why);
        }
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
        else {
            /* its first max_line bytes, as a record read in pieces keeps in the carry */
            ing->raw_total = ing->rec_len - (size_t)lines;
            rc = iv__bad_row(ing, buf, IV__MIN(n, ing->max_line), 0, NULL, ing->why);
            ing->raw_total = 0;
        }
    } else if (ing->format == IV_INPUT_CSV) {
        const iv__csv *c = &ing->csv;
        int empty = c->nfields == 1 && !c->f[0].quoted && c->f[0].end == c->f[0].start && !c->err;
        if (!empty)
            rc = ing->header_done ? iv__csv_row(ing, buf, n) : iv__csv_header(ing, buf, n);
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
    ing->raw_total = ing->rec_len;
    rc = iv__bad_row(ing, ing->carry, ing->ncarry, 0, NULL, ing->why);
    ing->raw_total = 0;
    if (rc)
        return rc;
    return iv__fail(ing, iv__error(IV_ELIMIT, "line %llu: %s: stopped reading (an unterminated quoted field, or input without line ends?)",
                                   (unsigned long long)ing->rec_line, ing->why));
}

static int iv__add_end(iv_ingest *ing)
{
    if (ing->nends >= ing->capends &&
        iv__grow(&ing->alloc, (void **)&ing->ends, &ing->capends, ing->nends + 1, sizeof *ing->ends))
        return iv__fail(ing, IV_ENOMEM);
    ing->ends[ing->nends].end = ing->bytes;
    ing->ends[ing->nends].acc = ing->rows_accepted;
    ing->ends[ing->nends].rej = ing->rows_rejected;
    ing->ends[ing->nends].nrej = ing->nrej;
    ing->nends++;
    return IV_OK;
}

/* Parse the records in p[0..n): the serial driver, used by iv_ingest_push, by the
 * parallel driver's parsers (clones, which only queue their rows) and by its
 * committing thread when it must re-read a stretch itself. Stops before a record that
 * starts at or after ing->stop_at (or after the header with stop_after_header). On a
 * failure of a row, the rows queued before it are appended first (they come first in
 * the input), so the store holds exactly the rows before the failing one. */
static int iv__feed(iv_ingest *ing, const char *p, size_t n)
{
    /* JSON Lines: one pass over the chunk; when it is plain ASCII (no NUL), no record
     * that lies wholly in it needs the UTF-8 check. CSV: iv__csv_plain checks the
     * bytes of each record it takes in its own pass (csv.clean); the others get the
     * UTF-8 check, which gives the same answer on ASCII. */
    ing->chunk_clean = ing->format == IV_INPUT_CSV ? 0 : iv__ascii_clean(p, n);
    while (n) {
        size_t used;
        int done, rc, plain = 0;
        if (ing->rec_len == 0) {
            if (ing->bytes >= ing->stop_at || (ing->stop_after_header && ing->header_done))
                return IV_OK;
            ing->rec_off = ing->bytes;
            ing->rec_line = ing->line;
        }
        if (ing->format == IV_INPUT_CSV) {
            /* a record that starts here and ends in this chunk, without quotes, is
             * split in one pass; anything else goes through the state machine */
            IV__PREFETCH(p + IV__PF_INPUT);
            used = ing->rec_len == 0 ? iv__csv_plain(&ing->csv, p, n) : 0;
            done = plain = used != 0;
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
            if (plain && ing->direct && ing->csv.clean && iv__direct_row(ing, p, used)) {
                rc = IV_OK;
            } else {
                ing->rec_clean = plain ? ing->csv.clean : ing->chunk_clean;
                rc = iv__record(ing, p, used);
            }
        } else {
            rc = iv__carry(ing, p, used);
            ing->in_carry = 1;
            if (!rc && done) {
                ing->rec_clean = 0;
                rc = iv__record(ing, ing->carry, ing->ncarry);
                ing->ncarry = 0;
                ing->in_carry = 0;
            }
        }
        ing->bytes += used;
        p += used;
        n -= used;
        if (rc) {
            int rc2;
            if (!ing->is_clone && (rc2 = iv__flush(ing)) != IV_OK)
                return rc2; /* an earlier row failed to append: that failure comes first */
            return rc;
        }
        if (done && ing->want_ends && (rc = iv__add_end(ing)) != IV_OK)
            return rc;
        if (!ing->is_clone && ing->batch.n >= IV__BATCH_ROWS && (rc = iv__flush(ing)) != IV_OK)
            return rc;
        if (ing->progress && ing->bytes >= ing->next_progress) {
            if ((rc = iv__flush(ing)) != IV_OK)
                return rc;
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

/* delimiter=auto: the header line (up to its first line feed outside quotes) is held
 * back until it is whole; then the most frequent of , ; TAB | outside quotes in it is
 * the delimiter (ties: the first of that list), and the held bytes go on. A header
 * longer than max_line + 2 bytes is judged on its first max_line + 2, however the
 * input was pushed, and the record limit then reports it. */
static int iv__auto_delim(iv_ingest *ing, const char *p, size_t n, int eof)
{
    static const char cand[4] = { ',', ';', '\t', '|' };
    size_t i, take = n, count[4] = { 0, 0, 0, 0 };
    int done = eof, j, best = 0, rc;
    for (i = 0; i < n && !done; i++) {
        if (p[i] == '"')
            ing->pre_quote = !ing->pre_quote;
        else if (p[i] == '\n' && !ing->pre_quote) {
            done = 1;
            take = i + 1;
        }
    }
    if (ing->npre + take > ing->max_line + 2) {
        /* a header longer than any record may be: decided on the bytes up to the limit
         * (held in pre, npre <= max_line + 2), the same for one push or many */
        take = ing->max_line + 2 - ing->npre;
        done = 1;
    }
    if (take) {
        if (ing->npre + take > ing->cappre) {
            size_t cap = ing->cappre;
            if (iv__grow(&ing->alloc, (void **)&ing->pre, &cap, ing->npre + take, 1))
                return iv__fail(ing, IV_ENOMEM);
            ing->cappre = cap;
        }
        memcpy(ing->pre + ing->npre, p, take);
        ing->npre += take;
        p += take;
        n -= take;
    }
    if (!done)
        return IV_OK;
    {
        int q = 0;
        for (i = 0; i < ing->npre; i++) {
            if (ing->pre[i] == '"')
                q = !q;
            else if (!q)
                for (j = 0; j < 4; j++)
                    count[j] += ing->pre[i] == cand[j];
        }
    }
    for (j = 1; j < 4; j++)
        if (count[j] > count[best])
            best = j;
    ing->delim = cand[best];
    ing->delim_pending = 0;
    iv__csv_init(&ing->csv, &ing->alloc, ing->delim, ing->max_fields);
    if (ing->npre && (rc = iv__feed(ing, ing->pre, ing->npre)))
        return rc;
    ing->npre = 0;
    return n ? iv__feed(ing, p, n) : IV_OK;
}

/* UTF-8 text (converted already when the encoding is another). */
static int iv__push_utf8(iv_ingest *ing, const char *p, size_t n)
{
    if (ing->delim_pending)
        return iv__auto_delim(ing, p, n, 0);
    return iv__feed(ing, p, n);
}

/* Text in the input's encoding: latin1 and windows-1252 become UTF-8 here. */
static int iv__push_text(iv_ingest *ing, const char *p, size_t n)
{
    const size_t step = (size_t)64 << 10;
    int rc;
    if (ing->enc == IV__ENC_UTF8)
        return iv__push_utf8(ing, p, n);
    if (!ing->tbuf) {
        ing->tbuf = iv__malloc(&ing->alloc, 3 * step);
        if (!ing->tbuf)
            return iv__fail(ing, iv__nomem("the encoding buffer"));
        ing->captbuf = 3 * step;
    }
    while (n) {
        size_t k = IV__MIN(n, step);
        size_t m = iv__8bit_to_utf8((const unsigned char *)p, k, ing->tbuf, ing->enc == IV__ENC_CP1252);
        if ((rc = iv__push_utf8(ing, ing->tbuf, m)))
            return rc;
        p += k;
        n -= k;
    }
    return IV_OK;
}

/* The first bytes of the input: a UTF-8 byte order mark is skipped; a UTF-16 one or
 * the gzip magic number is a clear error rather than rows of garbage. */
static int iv__head_bad(iv_ingest *ing)
{
    const unsigned char *b = ing->bom;
    if (ing->nbom >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return iv__fail(ing, iv__error(IV_EPARSE, "the input starts with a UTF-16%s byte order mark: it is UTF-16 "
                                       "text, which libiv does not read; convert it to UTF-8 first, e.g. "
                                       "iconv -f UTF-16 -t UTF-8 FILE | iv ingest -", b[0] == 0xFF ? "LE" : "BE"));
    if (ing->nbom >= 2 && b[0] == 0x1F && b[1] == 0x8B)
        return iv__fail(ing, iv__error(IV_EPARSE, "the input is gzip-compressed (it starts with the gzip magic "
                                       "bytes 1F 8B); decompress it first, e.g. zcat FILE | iv ingest -"));
    return IV_OK;
}

static int iv__head(iv_ingest *ing)
{
    const unsigned char *b = ing->bom;
    int rc;
    ing->bom_done = 1;
    if ((rc = iv__head_bad(ing)))
        return rc;
    if (ing->nbom == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        ing->bytes += 3;
        return IV_OK;
    }
    if (ing->nbom && (rc = iv__push_text(ing, (const char *)ing->bom, ing->nbom)))
        return rc;
    return IV_OK;
}

/* The last record when it has no line ending (its bytes are in the carry buffer). */
static int iv__last_record(iv_ingest *ing)
{
    int rc;
    if (ing->rec_len == 0)
        return IV_OK;
    if (ing->format == IV_INPUT_CSV && (rc = iv__csv_eof(&ing->csv)))
        return iv__fail(ing, rc);
    ing->rec_clean = 0;
    rc = iv__record(ing, ing->carry, ing->ncarry);
    ing->ncarry = 0;
    ing->in_carry = 0;
    if (rc && !ing->is_clone) {
        int rc2 = iv__flush(ing);
        return rc2 ? rc2 : rc;
    }
    return rc;
}

IV_API int iv_ingest_push(iv_ingest *ing, const void *data, size_t len)
{
    const unsigned char *p = data;
    int rc;
    if ((rc = iv__usable(ing, "iv_ingest_push")))
        return rc;
    if (!data && len)
        return iv__error(IV_EINVAL, "iv_ingest_push: NULL data");
    if (!ing->bom_done) {
        /* the first three bytes (which may themselves arrive split) decide */
        while (len && ing->nbom < 3) {
            ing->bom[ing->nbom++] = *p++;
            len--;
        }
        if (ing->nbom < 3)
            return IV_OK;
        if ((rc = iv__head(ing)))
            return rc;
    }
    ing->stable_lo = (const char *)p;
    ing->stable_hi = (const char *)p + len;
    rc = iv__push_text(ing, (const char *)p, len);
    ing->stable_lo = ing->stable_hi = NULL;
    if (rc == IV_OK) {
        rc = iv__flush(ing); /* the rows may point into data, which is the caller's */
    } else if (!ing->is_clone) {
        /* a failure (strict mode, a limit) after rows were accepted: those rows still
         * reach the store, so that its row count equals rows_accepted */
        int rc2 = iv__flush(ing);
        if (rc2)
            rc = rc2;
    }
    return rc;
}

IV_API int iv_ingest_finish(iv_ingest *ing)
{
    int rc;
    if ((rc = iv__usable(ing, "iv_ingest_finish")))
        return rc;
    if (!ing->bom_done && (rc = iv__head(ing)))
        return rc;
    if (ing->delim_pending && (rc = iv__auto_delim(ing, NULL, 0, 1)))
        return rc;
    if ((rc = iv__last_record(ing)) != IV_OK || (rc = iv__flush(ing)) != IV_OK)
        return rc;
    if (ing->format == IV_INPUT_CSV && !ing->header_done)
        return iv__fail(ing, iv__error(IV_EPARSE, "no header row: the input is empty"));
    if (ing->format == IV_INPUT_JSONL && ing->rows_read) {
        size_t m;
        for (m = 0; m < ing->nmap; m++)
            if (ing->map[m].required && !ing->map[m].used)
                return iv__fail(ing, iv__error(IV_EPARSE, "map: '%.*s' is not a key (or dotted path) of any line "
                                               "of the input", (int)IV__MIN(ing->map[m].nsrc, 64), ing->map[m].src));
    }
    /* prepared; the contact index is built by the first reader that needs it (a grouped
     * query over the store's rows, the most common command, never does) */
    iv__store_seal(ing->store);
    ing->finished = 1;
    if (ing->progress && ing->progress(ing->bytes, ing->total, ing->payload))
        return iv__error(IV_ECANCELED, "ingestion canceled by the progress callback at the end");
    return IV_OK;
}

/* ------------------------------------------------------------- record starts -- */

/* Whether a CSV record plausibly starts at c: the next few records (up to 4, or to the
 * end of the input) tokenise without a structural error (a quote inside an unquoted
 * field, text after a closing quote, an unterminated quote, a record longer than
 * max_line). A position inside a quoted field almost always fails: its closing quote
 * then lands inside an unquoted field, or opens a quoted field that swallows the
 * following line ends into text after a closing quote. A wrong number of fields is no
 * sign of a wrong start (it is a bad row either way), so it does not count. */
static int iv__plausible(const iv_ingest *ing, iv__csv *t, const char *buf, uint64_t size, uint64_t c)
{
    int k;
    for (k = 0; k < 4 && c < size; k++) {
        size_t used = 0, lim = (size_t)IV__MIN(size - c, (uint64_t)ing->max_line + 2);
        int done = 0;
        iv__csv_reset(t);
        if (iv__csv_scan(t, buf + c, lim, &used, &done) != IV_OK)
            return 0;
        if (!done) {
            if (c + used < size) /* longer than max_line */
                return 0;
            if (iv__csv_eof(t) != IV_OK)
                return 0;
        }
        if (t->err)
            return 0;
        c += used;
    }
    return 1;
}

/* The first record start at or after `from` in buf[0..size), which holds the input
 * from its first byte (ing has read the header, which ends at ing->hdr_end). JSON Lines:
 * the byte after a line feed (a JSON string cannot hold a raw line feed), exact. CSV:
 * the first position after a line feed where a record plausibly starts (iv__plausible),
 * tried over at most 64 line feeds (then the first of them), or the end of the input
 * when none before it is plausible. The rule
 * cannot see quote state it did not read: a quoted field that holds whole lines that
 * look like records of the right width can fool it. The parallel driver checks every
 * guess against the records the previous range really ended on; iv_ingest_file_range
 * relies on it. Returns size when no record starts in [from, size). */
static uint64_t iv__find_start(const iv_ingest *ing, iv__csv *t, const char *buf, uint64_t size,
                               uint64_t from)
{
    uint64_t c, first = size;
    int tries;
    if (from <= ing->hdr_end)
        return IV__MIN(ing->hdr_end, size);
    if (from >= size)
        return size;
    c = from;
    if (buf[c - 1] != '\n') {
        const char *q = memchr(buf + c, '\n', (size_t)(size - c));
        if (!q)
            return size;
        c = (uint64_t)(q - buf) + 1;
    }
    if (ing->format != IV_INPUT_CSV)
        return c;
    for (tries = 0; tries < 64 && c < size; tries++) {
        const char *q;
        if (first == size)
            first = c;
        if (iv__plausible(ing, t, buf, size, c))
            return c;
        q = memchr(buf + c, '\n', (size_t)(size - c));
        if (!q)
            return size;
        c = (uint64_t)(q - buf) + 1;
    }
    return tries < 64 ? size : first;
}

/* ------------------------------------------------------------- parallel ------- */

/* Several threads parse ranges of about IV__CHUNK bytes of a file in memory; the
 * calling thread appends their rows to the store in file order. Range j holds the
 * records that start in [lo_j, lo_{j+1}): its parser starts at the first record start
 * it finds at or after lo_j (iv__find_start) and stops before the first record that
 * starts at or after lo_{j+1}, finishing the record that straddles. A range's result is
 * used only when its start equals the offset where the previous range really ended;
 * otherwise the committing thread parses that stretch itself with the serial driver
 * (a wrong guess costs time, never a different result). Everything a parser does to
 * the rows, from the tokenizer to the checks, is the serial code on a clone of the
 * handle; appending, interning and the order of rejects and errors are the serial
 * path's, run in file order. */

typedef struct iv__slot {
    iv_ingest *P;
    uint64_t chunk;
    int state; /* 0 free, 1 parsing, 2 parsed */
} iv__slot;

/* A vector that grows with the rows (iv__prefault): where it is, bytes per element, its
 * capacity and elements used, and the elements used and input offset when the appending
 * thread first saw it allocated (its growth per input byte since then estimates what
 * the next chunks will fill). base NULL: not allocated. */
typedef struct iv__pfvec {
    char *base;
    size_t esz, cap;
    uint64_t used, used0, bytes0;
} iv__pfvec;
#define IV__PF_MORE (6 + IV_MAX_DIMS)

typedef struct iv__par {
    iv_ingest *ing;
    const char *map;
    int fd;          /* the mapped file, read with pread by the parsers; -1: none */
    uint64_t size, from, to, nchunks, next, committed;
    size_t nslots;
    iv__slot *slots;
    int abort;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* prefaulting the store's row vectors ahead of the appending thread (iv__prefault):
     * the vectors as reserved before the parsers started, the rows and bytes appended so
     * far (under mu), and whether the vectors have moved since */
    char *col[5];
    size_t esz[5], cap, rows0;
    uint64_t rows_done, bytes_done;
    int prefault;
    /* ... and the other vectors a log with ids and custom dimensions fills row by row:
     * the id column, the id pool's bytes and entries, the lazy code columns (team,
     * score, rv, dimensions), as the appending thread last saw them (under mu) */
    iv__pfvec more[IV__PF_MORE];
} iv__par;

static uint64_t iv__lo(const iv__par *z, uint64_t j)
{
    return j >= z->nchunks ? z->to : z->from + j * IV__CHUNK;
}

typedef struct iv__lalloc {
    pthread_mutex_t mu;
    iv__alloc inner;
} iv__lalloc;

/* While parsers run, a user's allocation hook (not required to be thread-safe) is
 * entered by one thread at a time. */
static void *iv__lalloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    iv__lalloc *l = ud;
    void *p;
    pthread_mutex_lock(&l->mu);
    p = l->inner.fn(l->inner.ud, ptr, osize, nsize);
    pthread_mutex_unlock(&l->mu);
    return p;
}

/* A parser for the parallel driver: the handle's settings and header, its own buffers. */
static iv_ingest *iv__clone(const iv_ingest *ing)
{
    iv_ingest *P = iv__malloc(&ing->alloc, sizeof *P);
    size_t i;
    if (!P)
        return NULL;
    *P = *ing;
    P->is_clone = 1;
    P->progress = NULL;
    P->want_ends = ing->progress != NULL;
    P->carry = NULL;
    P->ncarry = P->capcarry = 0;
    P->in_carry = 0;
    P->cols = NULL;
    P->ncols = 0;
    P->jkeys = NULL;
    P->njkeys = P->capjkeys = 0;
    P->scratch = NULL;
    P->capscratch = 0;
    P->rbuf = NULL;
    P->caprbuf = 0;
    P->rej = NULL;
    P->nrej = P->caprej = 0;
    P->rblocks = NULL;
    memset(&P->batch, 0, sizeof P->batch);
    P->ends = NULL;
    P->nends = P->capends = 0;
    P->pre = NULL; /* header-time and push-time buffers; the map, the extra targets */
    P->npre = P->cappre = 0; /* and the constants are shared, read-only */
    P->tbuf = NULL;
    P->captbuf = 0;
    P->dedup = 0; /* decided by the appending thread, in input order */
    P->dd = NULL;
    P->ndd = P->capdd = 0;
    P->rows_duplicate = 0;
    iv__csv_init(&P->csv, &P->alloc, P->delim, P->max_fields);
    iv__jsonl_init(&P->json, &P->alloc, P->max_fields, P->max_depth);
    P->cols = iv__malloc(&P->alloc, ing->ncols * sizeof *P->cols);
    if (!P->cols || iv__csv_reserve(&P->csv, ing->ncols)) {
        iv_ingest_free(P);
        return NULL;
    }
    P->ncols = ing->ncols;
    for (i = 0; i < ing->ncols; i++) {
        iv__str *t = ing->cols[i].text;
        P->cols[i] = ing->cols[i];
        if (t) /* point at the clone's own row */
            P->cols[i].text = (iv__str *)((char *)&P->row + ((const char *)t - (const char *)&ing->row));
    }
    return P;
}

static void iv__clone_reset(iv_ingest *P)
{
    iv__rblock *b;
    iv__batch_reset(P);
    for (b = P->rblocks; b;) {
        iv__rblock *next = b->next;
        iv__free(&P->alloc, b, sizeof *b + b->cap);
        b = next;
    }
    P->rblocks = NULL;
    P->nrej = 0;
    P->nends = 0;
    P->rows_read = P->rows_accepted = P->rows_rejected = 0;
    P->failed = 0;
    P->fail_rc = 0;
    P->fail_line = 0;
    P->fail_off = 0;
    P->rec_len = 0;
    P->ncarry = 0;
    P->in_carry = 0;
    P->line = 1;
    iv__csv_reset(&P->csv);
}

/* iv__feed over the input's bytes [ing->bytes, size), which are buf[0..) from offset
 * base on, up to the first record that starts at or after stop, in pieces: [bytes,
 * stop), then 64 KiB at a time while a record is still open (never the rest of the
 * file). */
static int iv__feed_from(iv_ingest *ing, const char *buf, uint64_t base, uint64_t size, uint64_t stop)
{
    int rc = IV_OK;
    while (rc == IV_OK && ing->bytes < size && !(ing->rec_len == 0 && ing->bytes >= stop)) {
        /* up to stop, then on to the end of the record that straddles it; in pieces */
        uint64_t at = ing->bytes, e = size - at > iv__ingest_feed_piece ? at + iv__ingest_feed_piece : size;
        if (at < stop && stop < e)
            e = stop;
        rc = iv__feed(ing, buf + (at - base), (size_t)(IV__MIN(e, size) - at));
        if (ing->bytes == at)
            break;
    }
    return rc;
}

/* iv__feed over map[ing->bytes..) (the whole input) up to the first record that starts
 * at or after stop. */
static int iv__feed_upto(iv_ingest *ing, const char *map, uint64_t size, uint64_t stop)
{
    return iv__feed_from(ing, map, 0, size, stop);
}

/* The bytes [from, to) of the file fd in P's buffer, or NULL (out of memory, a read
 * error or a short read: the caller reads the mapping instead). */
static const char *iv__read_range(iv_ingest *P, int fd, uint64_t from, uint64_t to)
{
    size_t n = (size_t)(to - from), got = 0;
    if (n > P->caprbuf) {
        char *b = iv__realloc(&P->alloc, P->rbuf, P->caprbuf, n);
        if (!b)
            return NULL;
        P->rbuf = b;
        P->caprbuf = n;
    }
    while (got < n) {
        ssize_t r = pread(fd, P->rbuf + got, n - got, (off_t)(from + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        got += (size_t)r;
    }
    return P->rbuf;
}

/* Parse range j into P. Its bytes are read from the file into P's buffer (with 64 KiB
 * more for the record that straddles its end) rather than from the mapping: in this VM
 * (perf: pvm_irq_enable) each first touch of a mapped page costs a fault in the guest and
 * a shadow page-table update in the hypervisor, which made the first pass over the
 * mapping 3 times slower than a pread of the same bytes into a buffer that stays mapped;
 * and the appending thread has no pages of it to release. The rows' strings point into
 * the buffer (the stable bytes) until the range is appended. A record still open at the
 * buffer's end continues from the mapping; it is carried, so its strings are copied.
 * P is a clone, so its queued rows are written with non-temporal stores (iv__put_row),
 * fenced at the end, before the range is handed over. */
static void iv__parse_chunk(iv__par *z, iv_ingest *P, uint64_t j, iv__csv *t)
{
    uint64_t lo = iv__lo(z, j), hi = iv__lo(z, j + 1);
    uint64_t start = j == 0 ? z->from : iv__find_start(z->ing, t, z->map, z->size, lo);
    iv__clone_reset(P);
    P->start = start;
    P->bytes = start;
    P->stop_at = hi;
    P->stable_lo = z->map;
    P->stable_hi = z->map + z->size;
    if (start < hi && start < z->size) {
        uint64_t bend = z->size - hi > iv__ingest_straddle ? hi + iv__ingest_straddle : z->size;
        const char *b = z->fd >= 0 && iv__ingest_pread ? iv__read_range(P, z->fd, start, bend) : NULL;
        int rc = IV_OK;
        if (b) {
            P->stable_lo = b;
            P->stable_hi = b + (bend - start);
            rc = iv__feed_from(P, b, start, bend, hi);
        }
        if (rc == IV_OK)
            rc = iv__feed_upto(P, z->map, z->size, hi);
        if (rc == IV_OK && P->bytes >= z->size)
            iv__last_record(P);
    }
    P->end = P->bytes;
    iv__put_rows_fence();
}

/* Fault in the pages of the store's row vectors that chunk j's rows will land on, from
 * a parser thread, so that the appending thread (the one that limits the pace) does not
 * take those page faults itself. MADV_POPULATE_WRITE touches no byte: it only maps the
 * pages (zero-filled, as the first write would), so it cannot change what the store
 * holds; if the vectors have moved (an estimate too short), it stops. The rows of a
 * chunk are estimated from the rows per byte appended so far (before the first chunk is
 * appended, from the reservation). */
#if defined(MADV_POPULATE_WRITE)
/* iv__prefault of the vectors in z->more: each from where the appending thread left it
 * (rows and bytes done), by its own growth per input byte. A vector may have moved or
 * been freed since (a growth): the advice then falls on unmapped memory (an error,
 * ignored) or on another block, whose contents it does not change either. */
static void iv__prefault_more(iv__par *z, uint64_t lo, uint64_t hi, size_t pg)
{
    iv__pfvec v[IV__PF_MORE];
    uint64_t bytes;
    size_t c;
    pthread_mutex_lock(&z->mu);
    memcpy(v, z->more, sizeof v);
    bytes = z->bytes_done;
    pthread_mutex_unlock(&z->mu);
    for (c = 0; c < IV__PF_MORE; c++) {
        double rate, first, last;
        uintptr_t b, e;
        if (!v[c].base || bytes <= v[c].bytes0 || v[c].used <= v[c].used0 || lo < bytes)
            continue;
        rate = (double)(v[c].used - v[c].used0) / (double)(bytes - v[c].bytes0);
        first = (double)v[c].used + (double)(lo - bytes) * rate;
        last = first + (double)(hi - lo) * rate * 1.05 + 64;
        if (last > (double)v[c].cap)
            last = (double)v[c].cap;
        if (first >= last)
            continue;
        b = (uintptr_t)(v[c].base + (size_t)first * v[c].esz) / pg * pg;
        e = (uintptr_t)(v[c].base + (size_t)last * v[c].esz);
        if (e > b)
            (void)madvise((void *)b, (size_t)(e - b), MADV_POPULATE_WRITE);
    }
}
#endif

/* What the appending thread hands the parsers for iv__prefault_more after appending up
 * to input offset pos (under z->mu). */
static void iv__prefault_note(iv__par *z, const iv_store *st, uint64_t pos)
{
    struct {
        const void *p;
        size_t esz, cap, used;
    } w[IV__PF_MORE];
    size_t n = 0, c, d;
    w[n].p = st->id, w[n].esz = sizeof *st->id, w[n].cap = st->cap_id, w[n++].used = st->nrows;
    w[n].p = st->ids.bytes, w[n].esz = 1, w[n].cap = st->ids.capbytes, w[n++].used = st->ids.nbytes;
    w[n].p = st->ids.ents, w[n].esz = sizeof *st->ids.ents, w[n].cap = st->ids.capids, w[n++].used = st->ids.count;
    w[n].p = st->team.codes.data, w[n].esz = st->team.codes.width, w[n].cap = st->cap_team, w[n++].used = st->nrows;
    w[n].p = st->score.codes.data, w[n].esz = st->score.codes.width, w[n].cap = st->cap_score, w[n++].used = st->nrows;
    w[n].p = st->rv.codes.data, w[n].esz = st->rv.codes.width, w[n].cap = st->cap_rv, w[n++].used = st->nrows;
    for (d = 0; d < st->ndims && n < IV__PF_MORE; d++) {
        w[n].p = st->dims[d].codes.data;
        w[n].esz = st->dims[d].codes.width;
        w[n].cap = st->cap_dims[d];
        w[n++].used = st->nrows;
    }
    for (c = 0; c < n; c++) {
        iv__pfvec *v = &z->more[c];
        if (!w[c].p || !w[c].esz) {
            v->base = NULL;
            continue;
        }
        if (!v->base) { /* first seen: its growth is measured from here */
            v->used0 = w[c].used;
            v->bytes0 = pos;
        }
        v->base = (char *)(uintptr_t)w[c].p;
        v->esz = w[c].esz;
        v->cap = w[c].cap;
        v->used = w[c].used;
    }
}

static void iv__prefault(iv__par *z, uint64_t j)
{
#if defined(MADV_POPULATE_WRITE)
    uint64_t lo = iv__lo(z, j), hi = iv__lo(z, j + 1), rows, bytes;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), c;
    double rate, first, last;
    pthread_mutex_lock(&z->mu);
    rows = z->rows_done;
    bytes = z->bytes_done;
    c = (size_t)z->prefault;
    pthread_mutex_unlock(&z->mu);
    if (!c || lo < bytes)
        return;
    rate = bytes > z->from ? (double)(rows - z->rows0) / (double)(bytes - z->from)
                           : (double)(z->cap - z->rows0) / (double)(z->to - z->from);
    first = (double)rows + (double)(lo - bytes) * rate;
    last = first + (double)(hi - lo) * rate * 1.05 + 64; /* a margin of a chunk, not of the rest */
    if (last > (double)z->cap)
        last = (double)z->cap;
    if (first >= last)
        return;
    for (c = 0; c < 5; c++) {
        uintptr_t b = (uintptr_t)(z->col[c] + (size_t)first * z->esz[c]) / pg * pg;
        uintptr_t e = (uintptr_t)(z->col[c] + (size_t)last * z->esz[c]);
        if (e > b && madvise((void *)b, (size_t)(e - b), MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
            pthread_mutex_lock(&z->mu); /* a kernel without it */
            z->prefault = 0;
            pthread_mutex_unlock(&z->mu);
            return;
        }
    }
    iv__prefault_more(z, lo, hi, pg);
#else
    (void)z;
    (void)j;
#endif
}

/* Parse chunk j, claimed under z->mu (which is held on entry and on return), into its
 * slot, and mark it parsed. */
static void iv__parse_claimed(iv__par *z, uint64_t j, iv__csv *t)
{
    iv__slot *sl = &z->slots[j % z->nslots];
    sl->state = 1;
    pthread_mutex_unlock(&z->mu);
    iv__prefault(z, j);
    iv__parse_chunk(z, sl->P, j, t);
    pthread_mutex_lock(&z->mu);
    sl->chunk = j;
    sl->state = 2;
    pthread_cond_broadcast(&z->cv);
}

/* Whether a chunk may be claimed (under z->mu): one is left and its slot is free. */
static int iv__claimable(const iv__par *z)
{
    return !z->abort && z->next < z->nchunks && z->next < z->committed + z->nslots;
}

static void *iv__worker(void *arg)
{
    iv__par *z = arg;
    iv__csv t;
    iv__csv_init(&t, &z->ing->alloc, z->ing->delim, z->ing->max_fields);
    pthread_mutex_lock(&z->mu);
    for (;;) {
        while (!z->abort && z->next < z->nchunks && !iv__claimable(z))
            pthread_cond_wait(&z->cv, &z->mu);
        if (!iv__claimable(z))
            break;
        iv__parse_claimed(z, z->next++, &t);
    }
    pthread_mutex_unlock(&z->mu);
    iv__csv_free(&t);
    return NULL;
}

/* Rejects 0..n-1 of P, with their lines in the file's numbering, after ing's. */
static int iv__take_rejects(iv_ingest *ing, const iv_ingest *P, size_t n, uint64_t line0)
{
    size_t i;
    for (i = 0; i < n && ing->nrej < ing->max_rejects; i++) {
        const iv__reject *s = &P->rej[i];
        iv__reject *r;
        if (ing->nrej >= ing->caprej &&
            iv__grow(&ing->alloc, (void **)&ing->rej, &ing->caprej, ing->nrej + 1, sizeof *ing->rej))
            return iv__fail(ing, IV_ENOMEM);
        r = &ing->rej[ing->nrej];
        r->line = line0 + s->line - 1;
        r->offset = s->offset;
        if (!(r->reason = iv__rtext(ing, s->reason, strlen(s->reason))) ||
            !(r->raw = iv__rtext(ing, s->raw, strlen(s->raw))))
            return iv__fail(ing, iv__nomem("a rejected row"));
        ing->nrej++;
    }
    return IV_OK;
}

/* The rejects P kept before its row k (k == n: all of them). */
static size_t iv__nrej_before(const iv_ingest *P, size_t k)
{
    uint64_t acc, rej, dup;
    size_t nrej = P->nrej;
    if (k < P->batch.n)
        iv__bcounts(P, k, &acc, &rej, &dup, &nrej);
    return nrej;
}

/* Counters and rejects of P as they stood before its row k (k == n: all of them). */
static int iv__take_counts(iv_ingest *ing, const iv_ingest *P, size_t k, uint64_t line0)
{
    uint64_t acc = P->rows_accepted, rej = P->rows_rejected, dup;
    size_t nrej = P->nrej;
    if (k < P->batch.n)
        iv__bcounts(P, k, &acc, &rej, &dup, &nrej);
    /* the batch is appended (k == n): its duplicates are known */
    ing->rows_accepted += acc - P->batch.ndup;
    ing->rows_rejected += rej;
    ing->rows_duplicate += P->batch.ndup;
    ing->rows_read = ing->rows_accepted + ing->rows_rejected + ing->rows_duplicate;
    iv__sync_counts(ing);
    return iv__take_rejects(ing, P, nrej, line0);
}

/* Append everything P parsed (its rows start at the file's line line0), calling the
 * progress callback where the serial driver would: after the first record end, or
 * read-buffer boundary (the serial reader's pieces end mid-record), at or past the
 * next step. */
static int iv__merge(iv_ingest *ing, iv_ingest *P, uint64_t line0)
{
    size_t i = 0;
    int rc;
    while (ing->progress) {
        uint64_t e, b = (ing->next_progress + IV__READ_CHUNK - 1) / IV__READ_CHUNK * IV__READ_CHUNK;
        iv__endmark m;
        while (i < P->nends && P->ends[i].end < ing->next_progress)
            i++;
        e = i < P->nends ? P->ends[i].end : UINT64_MAX;
        if (b <= P->start || b > P->end)
            b = UINT64_MAX;
        if (b < e) {
            e = b; /* a read boundary inside a record: the counters before that record */
            memset(&m, 0, sizeof m);
            if (i > 0)
                m = P->ends[i - 1];
        } else if (e != UINT64_MAX) {
            m = P->ends[i];
        } else {
            break;
        }
        if ((rc = iv__commit(ing, P, e, line0)) != IV_OK) {
            iv__take_rejects(ing, P, iv__nrej_before(P, P->batch.done), line0);
            return rc;
        }
        ing->next_progress = e + IV__PROGRESS_STEP;
        if (ing->progress(e, ing->total, ing->payload)) {
            ing->rows_accepted += m.acc - P->batch.ndup; /* rows up to e are appended */
            ing->rows_rejected += m.rej;
            ing->rows_duplicate += P->batch.ndup;
            ing->rows_read = ing->rows_accepted + ing->rows_rejected + ing->rows_duplicate;
            iv__sync_counts(ing);
            iv__take_rejects(ing, P, m.nrej, line0);
            ing->bytes = e;
            return iv__fail(ing, iv__error(IV_ECANCELED, "ingestion canceled by the progress callback at byte %llu",
                                           (unsigned long long)e));
        }
    }
    if ((rc = iv__commit(ing, P, UINT64_MAX, line0)) != IV_OK) {
        iv__take_rejects(ing, P, iv__nrej_before(P, P->batch.done), line0);
        return rc;
    }
    if ((rc = iv__take_counts(ing, P, P->batch.n, line0)) != IV_OK)
        return rc;
    ing->line = line0 + P->line - 1;
    ing->bytes = P->failed ? P->bytes : P->end;
    if (P->failed) {
        if (P->fail_line) {
            ing->fail_off = P->fail_off;
            rc = iv__error(P->fail_rc, "line %llu%s", (unsigned long long)(line0 + P->fail_line - 1), P->fail_msg);
        }
        else
            rc = iv__error(P->fail_rc, "%s", P->fail_msg);
        return iv__fail(ing, rc);
    }
    return IV_OK;
}

/* The serial driver over map[pos..) up to the first record that starts at or after stop. */
static int iv__serial_part(iv_ingest *ing, const char *map, uint64_t size, uint64_t pos, uint64_t stop)
{
    int rc;
    ing->bytes = pos;
    ing->stop_at = stop;
    ing->stable_lo = map;
    ing->stable_hi = map + size;
    if (!ing->progress) {
        rc = iv__feed_upto(ing, map, size, stop);
    } else {
        /* the serial reader's pieces (IV__READ_CHUNK, aligned in the file), so that the
         * progress calls fall where iv_ingest_file's do */
        rc = IV_OK;
        while (rc == IV_OK && ing->bytes < size && !(ing->rec_len == 0 && ing->bytes >= stop)) {
            uint64_t at = ing->bytes, b = (at / IV__READ_CHUNK + 1) * IV__READ_CHUNK;
            rc = iv__feed(ing, map + at, (size_t)(IV__MIN(b, size) - at));
            if (ing->bytes == at)
                break; /* stopped at a record start */
        }
    }
    if (rc == IV_OK)
        rc = iv__flush(ing);
    ing->stop_at = UINT64_MAX;
    return rc;
}

/* Drop the pages of the mapping below off from the process (they are in the page cache;
 * a later read would fault them in again), so the resident size does not grow with the
 * input; only once `step` bytes or more can go. When the parsers read their ranges with
 * pread, few pages of the mapping are ever touched (a range's first records, where its
 * start is found), and a release costs the appending thread a TLB flush on every CPU
 * (perf: 1.75 % of the samples with a release per range), so it is done every 32 MiB. */
static void iv__release(const char *map, uint64_t *released, uint64_t off, uint64_t step)
{
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), upto = off / pg * pg;
    if (upto > *released && upto - *released >= step) {
        madvise((void *)(map + *released), (size_t)(upto - *released), MADV_DONTNEED);
        *released = upto;
    }
}

/* Parse the records that start in [from, to) of map[0..size) (from is a record start
 * and ing->line its line) with ing->threads parsers, appending in order. */
static int iv__drive(iv_ingest *ing, const char *map, int fd, uint64_t size, uint64_t from, uint64_t to)
{
    iv__par z;
    pthread_t th[IV__MAX_THREADS];
    size_t nth = IV__MIN((size_t)ing->threads, (size_t)IV__MAX_THREADS), started = 0, i;
    iv__lalloc lk;
    iv__csv t;
    iv__alloc saved_store = ing->store->alloc, saved_ing = ing->alloc;
    int locked = ing->alloc.fn != iv__default_alloc, rc = IV_OK;
    uint64_t pos = from, released = 0, j;

    memset(&z, 0, sizeof z);
    z.ing = ing;
    z.map = map;
    z.fd = fd;
    z.size = size;
    z.from = from;
    z.to = to;
    z.nchunks = to > from ? (to - from + IV__CHUNK - 1) / IV__CHUNK : 0;
    if (z.nchunks < 2 || nth < 2)
        return iv__serial_part(ing, map, size, from, to);
    {
        iv_store *st = ing->store;
        /* only over room reserved by iv__expect_rows (the library's own allocator) */
        z.cap = IV__MIN(IV__MIN(st->cap_contact, st->cap_ts), IV__MIN(st->cap_enums, IV__MIN(st->cap_cost, st->cap_value)));
        z.rows0 = z.rows_done = st->nrows;
        z.bytes_done = from;
        z.col[0] = (char *)st->contact;
        z.col[1] = (char *)st->ts;
        z.col[2] = (char *)st->enums;
        z.col[3] = (char *)st->cost;
        z.col[4] = (char *)st->value;
        z.esz[0] = sizeof *st->contact;
        z.esz[1] = sizeof *st->ts;
        z.esz[2] = sizeof *st->enums;
        z.esz[3] = sizeof *st->cost;
        z.esz[4] = sizeof *st->value;
        z.prefault = st->alloc.fn == iv__default_alloc && z.cap > st->nrows + 4096 && st->contact && st->ts &&
                     st->enums && st->cost && st->value;
    }
    if (locked) {
        pthread_mutex_init(&lk.mu, NULL);
        lk.inner = ing->alloc;
        ing->alloc.fn = iv__lalloc_fn;
        ing->alloc.ud = &lk;
        ing->store->alloc = ing->alloc;
    }
    /* ranges in flight: each thread's, and 4 more parsed ahead while this thread,
     * which appends them in order, parses one itself (with 2 the other threads waited
     * for a free slot ~8 % of the time, perf sched) */
    z.nslots = nth + 4;
    z.slots = iv__calloc(&ing->alloc, z.nslots, sizeof *z.slots);
    if (!z.slots) {
        rc = iv__fail(ing, iv__nomem("the parallel parsers"));
        goto out;
    }
    for (i = 0; i < z.nslots; i++)
        if (!(z.slots[i].P = iv__clone(ing))) {
            rc = iv__fail(ing, iv__nomem("the parallel parsers"));
            goto out;
        }
    pthread_mutex_init(&z.mu, NULL);
    pthread_cond_init(&z.cv, NULL);
    /* this thread parses too: nth - 1 more (or fewer, if they cannot be started: this
     * thread then parses what they would have) */
    for (started = 0; started + 1 < nth && started < iv__ingest_workers; started++)
        if (pthread_create(&th[started], NULL, iv__worker, &z) != 0)
            break;
    iv__csv_init(&t, &ing->alloc, ing->delim, ing->max_fields);
    for (j = 0; j < z.nchunks && rc == IV_OK; j++) {
        iv__slot *sl = &z.slots[j % z.nslots];
        iv_ingest *P = sl->P;
        uint64_t hi = iv__lo(&z, j + 1), done_to;
        pthread_mutex_lock(&z.mu);
        /* while range j is not parsed yet, this thread parses the next free range
         * itself (perhaps j): the threads busy are the threads asked for, none waits
         * while a range is left to parse */
        while (!(sl->state == 2 && sl->chunk == j)) {
            if (iv__claimable(&z))
                iv__parse_claimed(&z, z.next++, &t);
            else
                pthread_cond_wait(&z.cv, &z.mu);
        }
        pthread_mutex_unlock(&z.mu);
        if (P->start != pos && pos < P->start && P->start < hi) {
            /* the guess is ahead: parse up to it ourselves and see if we land on it */
            rc = iv__serial_part(ing, map, size, pos, P->start);
            pos = ing->bytes;
        }
        if (rc == IV_OK) {
            if (P->start == pos) {
                rc = iv__merge(ing, P, ing->line);
                pos = ing->bytes;
            } else if (pos < hi) {
                rc = iv__serial_part(ing, map, size, pos, hi);
                pos = ing->bytes;
            }
        }
        /* P->start is read before the slot is handed back: a worker may reuse it at once */
        done_to = IV__MIN(pos, P->start);
        pthread_mutex_lock(&z.mu);
        sl->state = 0;
        z.committed = j + 1;
        z.rows_done = ing->store->nrows;
        z.bytes_done = pos;
        if (z.prefault)
            iv__prefault_note(&z, ing->store, pos);
        if ((char *)ing->store->contact != z.col[0] || (char *)ing->store->ts != z.col[1] ||
            (char *)ing->store->enums != z.col[2] || (char *)ing->store->cost != z.col[3] ||
            (char *)ing->store->value != z.col[4])
            z.prefault = 0; /* moved: stop */
        if (rc != IV_OK)
            z.abort = 1;
        pthread_cond_broadcast(&z.cv);
        pthread_mutex_unlock(&z.mu);
        iv__release(map, &released, done_to, z.fd >= 0 && iv__ingest_pread ? (uint64_t)32 << 20 : 0);
    }
    pthread_mutex_lock(&z.mu);
    z.abort = 1; /* the workers stop at their next claim */
    pthread_cond_broadcast(&z.cv);
    pthread_mutex_unlock(&z.mu);
    for (i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    iv__csv_free(&t);
    pthread_mutex_destroy(&z.mu);
    pthread_cond_destroy(&z.cv);
out:
    if (z.slots)
        for (i = 0; i < z.nslots; i++)
            iv_ingest_free(z.slots[i].P);
    iv__free(&ing->alloc, z.slots, z.nslots * sizeof *z.slots);
    if (locked) {
        ing->alloc = saved_ing;
        ing->store->alloc = saved_store;
        pthread_mutex_destroy(&lk.mu);
    }
    return rc;
}

/* ------------------------------------------------------------- files ---------- */

/* Whether the parallel driver may read this input: CSV in UTF-8 (other encodings are
 * converted piece by piece as they are pushed) with a known delimiter. */
static int iv__parallel_ok(const iv_ingest *ing)
{
    return ing->threads > 1 && ing->format == IV_INPUT_CSV && ing->enc == IV__ENC_UTF8 && !ing->delim_pending;
}

typedef struct iv__mapped {
    const char *p;
    uint64_t size;
    int fd; /* the file, open while mapped (the parallel parsers read it); -1: none */
} iv__mapped;

/* Map a regular file read-only. Returns IV_OK, IV_EIO (with a message), or 1 when the
 * file cannot be mapped (not a regular file, empty): the caller reads it instead. */
static int iv__map_file(const char *path, iv__mapped *m)
{
    struct stat st;
    int fd;
    void *p;
    m->p = NULL;
    m->size = 0;
    m->fd = -1;
    if (strcmp(path, "-") == 0)
        return 1;
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return iv__error(IV_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
        (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        return 1;
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return 1;
    }
    madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
    m->fd = fd;
    m->p = p;
    m->size = (uint64_t)st.st_size;
    return IV_OK;
}

static void iv__unmap(iv__mapped *m)
{
    if (m->p)
        munmap((void *)m->p, (size_t)m->size);
    if (m->fd >= 0)
        close(m->fd);
    m->p = NULL;
    m->fd = -1;
}

/* Read the byte order mark and the header of the mapped input (CSV); afterwards
 * ing->bytes is where the first record after it starts (ing->hdr_end). */
static int iv__map_header(iv_ingest *ing, const iv__mapped *m)
{
    static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
    int rc = IV_OK;
    if (!ing->bom_done) {
        ing->bom_done = 1;
        ing->nbom = (size_t)IV__MIN(m->size, (uint64_t)3);
        memcpy(ing->bom, m->p, ing->nbom);
        if ((rc = iv__head_bad(ing)) != IV_OK)
            return rc;
        if (m->size >= 3 && memcmp(m->p, bom, 3) == 0)
            ing->bytes = 3;
    }
    if (ing->format == IV_INPUT_CSV && !ing->header_done) {
        ing->stop_after_header = 1;
        rc = iv__serial_part(ing, m->p, m->size, ing->bytes, UINT64_MAX);
        ing->stop_after_header = 0;
    }
    ing->hdr_end = ing->bytes;
    return rc;
}

/* Add a file's name to the message of a failed ingestion. */
static int iv__name_error(int rc, const char *path)
{
    if (rc != IV_OK && rc != IV_EIO) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", iv_error_last());
        iv__error(rc, "%s: %s", path, msg);
    }
    return rc;
}

/* Ingest the records of a mapped file that start in [begin, end), then finish. */
/* Reserve the store's row vectors for the records of an input of `left` more bytes, from
 * the mean record length of a sample of it (p[0..n)): one allocation instead of a
 * doubling series, which copies the columns whenever realloc cannot move them in place
 * (up to a sixth of an ingestion's time in a profile of the 5M-row file). Only with
 * the library's own allocator (a caller's may keep a budget an estimate must not
 * spend) and for inputs of 1 MiB or more; at most one row per 8 bytes. Capacity only:
 * rows, results and the reported memory are the same. */
static void iv__expect_rows(iv_ingest *ing, const char *p, size_t n, uint64_t left)
{
    const char *q = p, *e = p + n;
    uint64_t lf = 0, est;
    if (ing->store->alloc.fn != iv__default_alloc || left < ((uint64_t)1 << 20) || n == 0)
        return;
    while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
        lf++;
        q++;
    }
    if (lf < 16)
        return;
    est = (uint64_t)((double)left * (double)lf / (double)n * 1.03) + 64;
    est = IV__MIN(est, left / 8);
    est = IV__MIN(est, (uint64_t)UINT32_MAX);
    (void)iv__store_expect(ing->store, (size_t)est);
}

static int iv__ingest_mapped(iv_ingest *ing, const iv__mapped *m, uint64_t begin, uint64_t end)
{
    uint64_t from;
    int rc;
    ing->total = m->size;
    if ((rc = iv__map_header(ing, m)) != IV_OK)
        return rc;
    if (ing->format == IV_INPUT_CSV && (!ing->header_done || ing->rec_len))
        return iv_ingest_finish(ing); /* no record after the header: the serial ending */
    end = IV__MIN(end, m->size);
    from = begin <= ing->hdr_end ? ing->hdr_end : begin;
    if (from > ing->hdr_end) {
        iv__csv t;
        iv__csv_init(&t, &ing->alloc, ing->delim, ing->max_fields);
        from = iv__find_start(ing, &t, m->p, m->size, from);
        iv__csv_free(&t);
        /* lines count from the range's first record (line 1), not from the file's start:
         * counting the line feeds before it would read the whole prefix, so a range's
         * cost would grow with its offset; errors name the range's offset instead */
        ing->line = 1;
        ing->range_from = from;
    }
    if (from < end) {
        iv__expect_rows(ing, m->p + from, (size_t)IV__MIN(end - from, (uint64_t)1 << 20), end - from);
        rc = iv__parallel_ok(ing) ? iv__drive(ing, m->p, m->fd, m->size, from, end)
                                  : iv__serial_part(ing, m->p, m->size, from, end);
        if (rc != IV_OK)
            return rc;
    }
    if (ing->rec_len) { /* a last record without a line ending, in the carry buffer */
        ing->stable_lo = ing->stable_hi = NULL;
    }
    return iv_ingest_finish(ing);
}

/* The message of a failed range whose lines count from its first record: "line N" at
 * its head becomes "byte offset O, line N of the range from byte offset B" (O, the
 * failing record's offset in the file, when the failure is a bad row), so that the row
 * can be found without the line count of the file. */
static void iv__range_error(const iv_ingest *ing, int rc)
{
    char msg[1024];
    const char *rest;
    unsigned long long n = 0;
    snprintf(msg, sizeof msg, "%s", iv_error_last());
    if (strncmp(msg, "line ", 5) != 0 || msg[5] < '0' || msg[5] > '9')
        return;
    for (rest = msg + 5; *rest >= '0' && *rest <= '9'; rest++)
        n = n * 10 + (unsigned long long)(*rest - '0');
    if (ing->fail_off)
        iv__error(rc, "byte offset %llu, line %llu of the range from byte offset %llu%s",
                  (unsigned long long)(ing->fail_off - 1), n, (unsigned long long)ing->range_from, rest);
    else
        iv__error(rc, "line %llu of the range from byte offset %llu%s", n,
                  (unsigned long long)ing->range_from, rest);
}

IV_API int iv_ingest_file_range(iv_ingest *ing, const char *path, uint64_t begin, uint64_t end)
{
    iv__mapped m;
    int rc;
    if ((rc = iv__usable(ing, "iv_ingest_file_range")))
        return rc;
    if (!path)
        return iv__error(IV_EINVAL, "iv_ingest_file_range: NULL path");
    if (begin > end)
        return iv__error(IV_EINVAL, "iv_ingest_file_range: begin %llu is after end %llu",
                         (unsigned long long)begin, (unsigned long long)end);
    if (ing->bytes || ing->rec_len || ing->header_done || ing->nbom)
        return iv__error(IV_ESTATE, "iv_ingest_file_range: the ingestion has already read input");
    rc = iv__map_file(path, &m);
    if (rc == 1) { /* empty, or not a regular file */
        struct stat st;
        if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            return iv__name_error(iv_ingest_finish(ing), path);
        return iv__error(IV_EINVAL, "iv_ingest_file_range: '%s' is not a regular file", path);
    }
    if (rc != IV_OK)
        return rc;
    rc = iv__ingest_mapped(ing, &m, begin, end);
    iv__unmap(&m);
    if (rc != IV_OK && rc != IV_EIO && ing->range_from)
        iv__range_error(ing, rc);
    return iv__name_error(rc, path);
}

/* Header of buf (CSV) read by a throw-away handle, then the rule of iv__find_start. */
static int iv__find_in(const void *buf, uint64_t len, uint64_t from, const iv_ingest_options *opts,
                       uint64_t *start)
{
    iv_store *s = NULL;
    iv_ingest *ing = NULL;
    iv__mapped m;
    iv__csv t;
    int rc;
    if ((rc = iv_store_new(&s, NULL)) != IV_OK)
        return rc;
    if ((rc = iv_ingest_new(&ing, s, opts)) != IV_OK) {
        iv_store_free(s);
        return rc;
    }
    m.p = buf;
    m.size = len;
    m.fd = -1;
    rc = len ? iv__map_header(ing, &m) : IV_OK;
    if (rc == IV_OK) {
        if (ing->format == IV_INPUT_CSV && !ing->header_done) {
            *start = len; /* no complete header: no record */
        } else {
            iv__csv_init(&t, &ing->alloc, ing->delim, ing->max_fields);
            *start = iv__find_start(ing, &t, buf, len, from);
            iv__csv_free(&t);
        }
    }
    iv_ingest_free(ing);
    iv_store_free(s);
    return rc;
}

IV_API int iv_ingest_find_record(const void *buf, size_t len, uint64_t from, const iv_ingest_options *opts,
                                 uint64_t *start)
{
    if ((!buf && len) || !start)
        return iv__error(IV_EINVAL, "iv_ingest_find_record: NULL argument");
    return iv__find_in(buf, len, from, opts, start);
}

IV_API int iv_ingest_find_record_file(const char *path, uint64_t from, const iv_ingest_options *opts,
                                      uint64_t *start)
{
    iv__mapped m;
    int rc;
    if (!path || !start)
        return iv__error(IV_EINVAL, "iv_ingest_find_record_file: NULL argument");
    rc = iv__map_file(path, &m);
    if (rc == 1) {
        struct stat st;
        if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
            *start = 0;
            return IV_OK;
        }
        return iv__error(IV_EINVAL, "iv_ingest_find_record_file: '%s' is not a regular file", path);
    }
    if (rc != IV_OK)
        return rc;
    rc = iv__find_in(m.p, m.size, from, opts, start);
    iv__unmap(&m);
    return rc;
}

IV_API int iv_ingest_file(iv_ingest *ing, const char *path)
{
    FILE *f;
    char *buf;
    size_t chunk;
    struct stat st;
    int rc = IV_OK;

    if ((rc = iv__usable(ing, "iv_ingest_file")))
        return rc;
    if (!path)
        return iv__error(IV_EINVAL, "iv_ingest_file: NULL path");
    if (iv__parallel_ok(ing) && ing->bytes == 0 && !ing->nbom && !ing->header_done) {
        iv__mapped m;
        rc = iv__map_file(path, &m);
        if (rc == IV_OK) {
            rc = iv__ingest_mapped(ing, &m, 0, UINT64_MAX);
            iv__unmap(&m);
            return iv__name_error(rc, path);
        }
        if (rc != 1)
            return rc;
        rc = IV_OK; /* not mappable: read it on one thread */
    }
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return iv__error(IV_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        ing->total = (uint64_t)st.st_size;
    chunk = IV__READ_CHUNK;
    buf = iv__malloc(&ing->alloc, chunk);
    if (!buf) {
        if (f != stdin)
            fclose(f);
        return iv__nomem("the read buffer");
    }
    for (;;) {
        size_t r = fread(buf, 1, chunk, f);
        if (r && ing->bytes == 0 && ing->total > r)
            iv__expect_rows(ing, buf, r, ing->total);
        if (r && (rc = iv_ingest_push(ing, buf, r)))
            break;
        if (r < chunk) {
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
    iv__free(&ing->alloc, buf, chunk);
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
    s.rows_duplicate = ing->rows_duplicate;
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
