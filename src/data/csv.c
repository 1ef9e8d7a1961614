/* RFC 4180 ("Common Format and MIME Type for CSV Files", section 2) push tokenizer.
 *
 * A field is quoted when its first byte is '"'; inside quotes a delimiter, CR or LF is
 * data and "" is one quote. Records end at LF; a CR right before the LF (outside quotes)
 * belongs to the line ending. Deviations the RFC leaves open are treated as errors of
 * the record (it is then a bad row): a quote inside an unquoted field, anything but a
 * delimiter or line ending after a closing quote, end of input inside quotes. A lone CR
 * in an unquoted field is kept as data.
 *
 * The scanner is a byte-class state machine whose state survives between calls, so a
 * record may arrive split anywhere: inside quotes, between CR and LF, inside a UTF-8
 * sequence (bytes >= 0x80 are plain data). The inner loops skip runs of plain bytes
 * with one table lookup per byte.
 *
 * Most records of real exports have no quotes at all. iv__csv_plain takes those whole
 * when they lie inside one chunk: it tests eight bytes at a time for the delimiter,
 * the quote and '\n' (SWAR: "SIMD within a register", plain 64-bit arithmetic) and
 * walks the set bits, so a field costs a few operations instead of a loop over its
 * bytes. Anything unusual sends the record back to the state machine. */
#include "csv.h"

enum { C_DATA = 0, C_DELIM, C_QUOTE, C_LF, C_CR };
enum { S_START = 0, S_UNQ, S_QUOTED, S_QQ, S_AFTER, S_CR };

void iv__csv_init(iv__csv *c, const iv__alloc *a, char delim, size_t max_fields)
{
    memset(c, 0, sizeof *c);
    c->alloc = a;
    c->cls[(unsigned char)'"'] = C_QUOTE;
    c->cls[(unsigned char)'\n'] = C_LF;
    c->cls[(unsigned char)'\r'] = C_CR;
    c->cls[(unsigned char)delim] = C_DELIM;
    c->delim = (unsigned char)delim;
    c->max_fields = max_fields;
}

int iv__csv_reserve(iv__csv *c, size_t n)
{
    n = IV__MIN(n, c->max_fields);
    if (n <= c->cap)
        return IV_OK;
    return iv__grow(c->alloc, (void **)&c->f, &c->cap, n, sizeof *c->f);
}

/* x86-64 always has SSE2 (and GCC and Clang name it): the plain path takes 16 bytes at a
 * time there, then words for the rest. */
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define IV__SSE2 1
#endif

/* Word-at-a-time scanning needs the first byte in memory to be the lowest-order byte
 * of the loaded word (so that the lowest set bit is the first match). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IV__SWAR 1
#define IV__LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)
#define IV__ONES UINT64_C(0x0101010101010101)

/* The high bit of every byte of w equal to the byte repeated in pat, and nothing else.
 * (x & 0x7f) + 0x7f carries into bit 7 exactly when the low seven bits of x are not all
 * zero and never into the next byte; or-ing x adds its own bit 7. So bit 7 of the sum
 * or x is "byte non-zero" (H. S. Warren, Hacker's Delight, 2nd ed., section 6-1). */
static inline uint64_t iv__bytes_eq(uint64_t w, uint64_t pat)
{
    uint64_t x = w ^ pat;
    return ~(((x & IV__LOW7) + IV__LOW7) | x | IV__LOW7);
}

/* Non-zero when some byte of w equals the byte repeated in pat. Cheaper than
 * iv__bytes_eq, but a borrow can also flag a byte just above a true match, so only
 * "any match" is exact (Hacker's Delight, section 6-1). */
static inline uint64_t iv__bytes_any(uint64_t w, uint64_t pat)
{
    uint64_t x = w ^ pat;
    return (x - IV__ONES) & ~x & (IV__ONES << 7);
}

/* Index of the lowest set byte flag of a non-zero mask. */
static inline size_t iv__first_byte(uint64_t m)
{
#if defined(__GNUC__)
    return (size_t)__builtin_ctzll(m) >> 3;
#else
    size_t k = 0;
    while (!(m & 0x80u)) {
        m >>= 8;
        k++;
    }
    return k;
#endif
}
#endif

static inline void iv__plain_field(iv__csv_field *f, size_t start, size_t end)
{
    f->start = start;
    f->end = end;
    f->quoted = 0;
    f->esc = 0;
}

size_t iv__csv_plain(iv__csv *c, const char *p, size_t n)
{
    const size_t lim = IV__MIN(c->cap, c->max_fields);
    const unsigned char d = c->delim;
    iv__csv_field *f = c->f;
    size_t i = 0, fs = 0, nf = 0, lf;
    uint64_t odd = 0; /* bit 7 of a byte: a high byte or a NUL among the words' bytes */

#ifdef IV__SSE2
    {
        /* sixteen bytes at a time: one compare and one movemask per kind of byte give
         * the masks that the words below build with arithmetic; the same walk over the
         * delimiter bits, the same checks */
        const __m128i vd = _mm_set1_epi8((char)d), vq = _mm_set1_epi8('"'), vl = _mm_set1_epi8('\n');
        const __m128i vz = _mm_setzero_si128();
        unsigned odd16 = 0; /* bit k: byte k of a block is >= 0x80 or NUL */
        for (; i + 16 <= n; i += 16) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, vd));
            unsigned ml = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, vl));
            unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, vq));
            unsigned before = ml ? (ml & (~ml + 1u)) - 1u : 0xFFFFu;
            if (mq & before)
                return 0;
            odd16 |= (unsigned)_mm_movemask_epi8(_mm_or_si128(w, _mm_cmpeq_epi8(w, vz))) & before;
            for (md &= before; md; md &= md - 1) {
                size_t e = i + (size_t)__builtin_ctz(md);
                if (nf >= lim)
                    return 0;
                iv__plain_field(&f[nf++], fs, e);
                fs = e + 1;
            }
            if (ml) {
                lf = i + (size_t)__builtin_ctz(ml);
                odd |= odd16 ? 0x80u : 0u;
                goto eol;
            }
        }
        odd |= odd16 ? 0x80u : 0u;
    }
#endif
#ifdef IV__SWAR
    {
        const uint64_t pd = IV__ONES * d, pq = IV__ONES * '"', pl = IV__ONES * '\n';
        for (; i + 8 <= n; i += 8) {
            uint64_t w, md, ml, mq, before;
            memcpy(&w, p + i, 8);
            md = iv__bytes_eq(w, pd);
            ml = 0;
            before = ~UINT64_C(0);
            /* most words hold neither a line feed nor a quote: test cheaply first */
            if (iv__bytes_any(w, pl)) {
                ml = iv__bytes_eq(w, pl);
                /* only bytes before the first '\n' belong to this record */
                before = (ml & (~ml + 1)) - 1;
            }
            if (iv__bytes_any(w, pq)) {
                mq = iv__bytes_eq(w, pq);
                if (mq & before)
                    return 0;
            }
            /* the ASCII check of iv__ascii_clean in the same pass: the high bits of
             * the bytes and Mycroft's zero-byte test, (w - 0x01..01) & ~w, whose flags
             * above a true zero are false but never appear without one (Hacker's
             * Delight, section 6-1), so masked to a prefix it is still exact */
            odd |= (w | ((w - IV__ONES) & ~w)) & before;
            for (md &= before; md; md &= md - 1) {
                size_t e = i + iv__first_byte(md);
                if (nf >= lim)
                    return 0;
                iv__plain_field(&f[nf++], fs, e);
                fs = e + 1;
            }
            if (ml) {
                lf = i + iv__first_byte(ml);
                goto eol;
            }
        }
    }
#endif
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        odd |= (uint64_t)(ch & 0x80) | (uint64_t)(ch == 0) << 7;
        if (ch == d) {
            if (nf >= lim)
                return 0;
            iv__plain_field(&f[nf++], fs, i);
            fs = i + 1;
        } else if (ch == '\n') {
            lf = i;
            goto eol;
        } else if (ch == '"') {
            return 0;
        }
    }
    return 0;

eol:
    if (nf >= lim)
        return 0;
    /* a CR right before the LF is the line ending's (the delimiter is never a CR) */
    iv__plain_field(&f[nf], fs, lf > fs && p[lf - 1] == '\r' ? lf - 1 : lf);
    c->nfields = nf + 1;
    c->pos = lf + 1;
    c->clean = !(odd & UINT64_C(0x8080808080808080));
    return lf + 1;
}

void iv__csv_free(iv__csv *c)
{
    iv__free(c->alloc, c->f, c->cap * sizeof *c->f);
    c->f = NULL;
    c->cap = 0;
}

void iv__csv_reset(iv__csv *c)
{
    c->state = S_START;
    c->pos = 0;
    c->nl = 0;
    c->fstart = 0;
    c->esc = 0;
    c->err = IV__CSV_OK;
    c->nfields = 0;
}

static void iv__csv_error(iv__csv *c, int err)
{
    if (c->err == IV__CSV_OK) {
        c->err = err;
        c->err_field = c->nfields;
    }
}

/* Close the current field as bytes [start, end). */
static int iv__csv_field_end(iv__csv *c, size_t start, size_t end, int quoted)
{
    iv__csv_field *f;
    if (c->nfields >= c->max_fields) {
        iv__csv_error(c, IV__CSV_TOO_MANY_FIELDS);
        c->nfields++;
        return IV_OK;
    }
    if (c->nfields >= c->cap) {
        int rc = iv__grow(c->alloc, (void **)&c->f, &c->cap, c->nfields + 1, sizeof *c->f);
        if (rc)
            return rc;
    }
    f = &c->f[c->nfields++];
    f->start = start;
    f->end = end;
    f->quoted = (unsigned char)quoted;
    f->esc = c->esc;
    c->esc = 0;
    return IV_OK;
}

int iv__csv_scan(iv__csv *c, const char *p, size_t n, size_t *used, int *done)
{
    const unsigned char *cls = c->cls;
    size_t i = 0;
    size_t base = c->pos; /* record offset of p[0] */
    int st = c->state, rc = IV_OK;

    *done = 0;
    while (i < n) {
        unsigned char k = C_DATA;
        switch (st) {
        case S_START:
            /* Fast path for the common case: a run of unquoted fields, each closed
             * by a delimiter, stored without leaving this loop. Anything else (a
             * quote, a CR, the end of the chunk, a full field array) falls through
             * to the general states below with nothing consumed twice. */
            while (c->nfields < c->cap && c->nfields < c->max_fields) {
                size_t s0 = i;
                if (cls[(unsigned char)p[i]] == C_QUOTE)
                    break;
                while (i < n && (k = cls[(unsigned char)p[i]]) == C_DATA)
                    i++;
                if (i == n || (k != C_DELIM && k != C_LF)) {
                    i = s0;
                    break;
                }
                c->f[c->nfields].start = base + s0;
                c->f[c->nfields].end = base + i;
                c->f[c->nfields].quoted = 0;
                c->f[c->nfields].esc = 0;
                c->nfields++;
                i++;
                if (k == C_LF)
                    goto record_end;
                if (i == n)
                    break;
            }
            if (i == n)
                break;
            c->fstart = base + i;
            k = cls[(unsigned char)p[i]];
            if (k == C_QUOTE) {
                c->fstart = base + i + 1;
                st = S_QUOTED;
                i++;
                break;
            }
            st = S_UNQ;
            /* fall through: the byte belongs to an unquoted field */
            /* FALLTHROUGH */
        case S_UNQ:
            while (i < n && (k = cls[(unsigned char)p[i]]) == C_DATA)
                i++;
            if (i == n)
                break;
            if (k == C_DELIM) {
                rc = iv__csv_field_end(c, c->fstart, base + i, 0);
                st = S_START;
                i++;
            } else if (k == C_LF) {
                rc = iv__csv_field_end(c, c->fstart, base + i, 0);
                i++;
                goto record_end;
            } else if (k == C_CR) {
                c->crpos = base + i;
                c->qend = (size_t)-1; /* unquoted */
                st = S_CR;
                i++;
            } else { /* quote inside an unquoted field: keep it as data, mark the row */
                iv__csv_error(c, IV__CSV_QUOTE_IN_FIELD);
                i++;
            }
            break;
        case S_QUOTED:
            for (;;) {
                const char *q;
                /* find the next quote, counting the line feeds we pass */
                q = memchr(p + i, '"', n - i);
                {
                    const char *end = q ? q : p + n;
                    const char *s = p + i;
                    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
                        c->nl++;
                        s++;
                    }
                }
                if (!q) {
                    i = n;
                    break;
                }
                i = (size_t)(q - p);
                c->qend = base + i;
                st = S_QQ;
                i++;
                break;
            }
            break;
        case S_QQ:
            k = cls[(unsigned char)p[i]];
            if (k == C_QUOTE) {
                c->esc = 1;
                st = S_QUOTED;
                i++;
            } else if (k == C_DELIM) {
                rc = iv__csv_field_end(c, c->fstart, c->qend, 1);
                st = S_START;
                i++;
            } else if (k == C_LF) {
                rc = iv__csv_field_end(c, c->fstart, c->qend, 1);
                i++;
                goto record_end;
            } else if (k == C_CR) {
                c->crpos = base + i;
                st = S_CR;
                i++;
            } else {
                iv__csv_error(c, IV__CSV_AFTER_QUOTE);
                st = S_AFTER;
            }
            break;
        case S_AFTER: /* garbage after a closing quote: skip to the field's end */
            k = cls[(unsigned char)p[i]];
            if (k == C_DELIM) {
                rc = iv__csv_field_end(c, c->fstart, c->qend, 1);
                st = S_START;
            } else if (k == C_LF) {
                rc = iv__csv_field_end(c, c->fstart, c->qend, 1);
                i++;
                goto record_end;
            }
            i++;
            break;
        case S_CR:
            if (cls[(unsigned char)p[i]] == C_LF) {
                if (c->qend == (size_t)-1)
                    rc = iv__csv_field_end(c, c->fstart, c->crpos, 0);
                else
                    rc = iv__csv_field_end(c, c->fstart, c->qend, 1);
                i++;
                goto record_end;
            }
            if (c->qend == (size_t)-1) {
                st = S_UNQ; /* the CR was data; rescan this byte in the field */
            } else {
                iv__csv_error(c, IV__CSV_AFTER_QUOTE);
                st = S_AFTER;
            }
            break;
        default:
            break;
        }
        if (rc)
            goto out;
    }
    c->pos = base + i;
    c->state = st;
    *used = i;
    return IV_OK;

record_end:
    c->pos = base + i;
    c->state = S_START;
    *used = i;
    *done = 1;
    return rc;
out:
    c->pos = base + i;
    c->state = st;
    *used = i;
    return rc;
}

int iv__csv_eof(iv__csv *c)
{
    switch (c->state) {
    case S_START:
        return iv__csv_field_end(c, c->pos, c->pos, 0);
    case S_UNQ:
        return iv__csv_field_end(c, c->fstart, c->pos, 0);
    case S_QUOTED:
        iv__csv_error(c, IV__CSV_UNTERMINATED);
        return iv__csv_field_end(c, c->fstart, c->pos, 1);
    case S_QQ:
    case S_AFTER:
        return iv__csv_field_end(c, c->fstart, c->qend, 1);
    case S_CR:
        if (c->qend == (size_t)-1)
            return iv__csv_field_end(c, c->fstart, c->crpos, 0);
        return iv__csv_field_end(c, c->fstart, c->qend, 1);
    default:
        return IV_OK;
    }
}

size_t iv__csv_unescape(const char *src, size_t n, char *dst)
{
    size_t i, j = 0;
    for (i = 0; i < n; i++) {
        dst[j++] = src[i];
        if (src[i] == '"' && i + 1 < n && src[i + 1] == '"')
            i++;
    }
    return j;
}

const char *iv__csv_strerror(int err)
{
    switch (err) {
    case IV__CSV_QUOTE_IN_FIELD: return "quote inside an unquoted field";
    case IV__CSV_AFTER_QUOTE: return "characters after a closing quote";
    case IV__CSV_UNTERMINATED: return "unterminated quoted field at end of input";
    case IV__CSV_TOO_MANY_FIELDS: return "too many fields";
    default: return "";
    }
}
