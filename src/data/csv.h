/* Internal: RFC 4180 push tokenizer. It consumes the bytes of one record at a time,
 * in as many pieces as they arrive, and records each field's byte range relative to
 * the start of the record; the caller keeps the record's bytes contiguous (straight
 * from the input chunk, or from its carry buffer when a record spans chunks). */
#ifndef IV_SRC_CSV_H
#define IV_SRC_CSV_H

#include "core.h"

/* Structural errors; the first one in a record is kept. */
enum {
    IV__CSV_OK = 0,
    IV__CSV_QUOTE_IN_FIELD,    /* '"' inside an unquoted field */
    IV__CSV_AFTER_QUOTE,       /* characters between a closing quote and the delimiter */
    IV__CSV_UNTERMINATED,      /* end of input inside a quoted field */
    IV__CSV_TOO_MANY_FIELDS    /* more than max_fields */
};

/* One field: bytes [start, end) of the record. A quoted field's range excludes its
 * quotes; esc says it holds "" pairs still to be collapsed (iv__csv_unescape). */
typedef struct iv__csv_field {
    size_t start, end;
    unsigned char quoted, esc;
} iv__csv_field;

typedef struct iv__csv {
    const iv__alloc *alloc;
    unsigned char cls[256]; /* byte classes for the delimiter in use */
    unsigned char delim;
    int state;
    size_t pos;             /* bytes of the current record consumed */
    size_t nl;              /* '\n' bytes inside quoted fields of the current record */
    size_t fstart, qend, crpos;
    unsigned char esc;
    int err;                /* IV__CSV_* of the current record */
    int clean;              /* iv__csv_plain: the record it took is ASCII without NUL */
    size_t err_field;       /* 0-based field of err */
    iv__csv_field *f;
    size_t nfields, cap, max_fields;
} iv__csv;

/* Set up for delimiter delim and at most max_fields fields. Allocates nothing yet. */
void iv__csv_init(iv__csv *c, const iv__alloc *a, char delim, size_t max_fields);
void iv__csv_free(iv__csv *c);
/* Start a new record. */
void iv__csv_reset(iv__csv *c);
/* Consume up to n bytes of the current record from p. Returns IV_OK or IV_ENOMEM;
 * *used receives the bytes consumed and *done 1 when they include the record's
 * terminating '\n' (then *used stops right after it). */
int iv__csv_scan(iv__csv *c, const char *p, size_t n, size_t *used, int *done);
/* Fast path at the start of a record (the state iv__csv_reset leaves): when p[0..n)
 * holds the whole record up to its '\n', with no quote in it and no more fields than
 * are allocated (iv__csv_reserve), records its fields exactly as iv__csv_scan would and
 * returns its length including the '\n'; c->clean is then 1 when the record's bytes
 * are ASCII without a NUL (iv__ascii_clean of them; checked in the same pass).
 * Otherwise returns 0 and changes nothing; the caller then uses iv__csv_scan, which
 * handles every case. */
size_t iv__csv_plain(iv__csv *c, const char *p, size_t n);
/* Allocate room for n fields (at most max_fields) so that iv__csv_plain can take
 * records of that many fields. Returns IV_OK or IV_ENOMEM. */
int iv__csv_reserve(iv__csv *c, size_t n);
/* End of input inside the current record (c->pos > 0): close it. */
int iv__csv_eof(iv__csv *c);
/* Collapse the "" pairs of a field into dst (at least end - start bytes); returns the
 * unescaped length. */
size_t iv__csv_unescape(const char *src, size_t n, char *dst);
/* Text of a structural error. */
const char *iv__csv_strerror(int err);

#endif
