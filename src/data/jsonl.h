/* Internal: parser for one JSON Lines record (RFC 8259 object on one line) into a flat
 * list of key/value members. Nested values and invalid JSON make the record bad. */
#ifndef IV_SRC_JSONL_H
#define IV_SRC_JSONL_H

#include "core.h"

enum { IV__JV_STRING = 0, IV__JV_NUMBER, IV__JV_NULL, IV__JV_BOOL,
       IV__JV_NESTED /* flatten mode: an object or array (val is its raw text) */ };

typedef struct iv__jmember {
    const char *key, *val; /* unescaped bytes (in the line or the scratch buffer) */
    size_t nkey, nval;
    size_t col;            /* 1-based byte column of the key's opening quote */
    int kind;              /* IV__JV_* */
    int nested;            /* flatten mode: the member is inside a nested object; its key
                              is the dotted path ("properties.revenue") */
} iv__jmember;

typedef struct iv__jsonl {
    const iv__alloc *alloc;
    iv__jmember *m;
    size_t n, cap;
    size_t max_members, max_depth;
    char why[160];         /* reason when the record is bad */
    size_t err_col;        /* 1-based byte column of the problem */
    int flatten;           /* descend into nested objects (dotted keys), keep arrays and
                              objects as IV__JV_NESTED members instead of a bad record */
    char *kbuf;            /* flatten mode: the dotted keys */
    size_t capk;
} iv__jsonl;

void iv__jsonl_init(iv__jsonl *j, const iv__alloc *a, size_t max_members, size_t max_depth);
void iv__jsonl_free(iv__jsonl *j);
/* Parse line[0..len) (no line terminator). In flatten mode (j->flatten set after
 * init), the members of nested objects come out with dotted keys, each object or array
 * also as one IV__JV_NESTED member under its own path. scratch must hold len bytes; unescaped
 * strings are written there. Returns IV_OK or IV_ENOMEM; *bad is set (and why, err_col)
 * when the record is not a flat JSON object. */
int iv__jsonl_parse(iv__jsonl *j, const char *line, size_t len, char *scratch, int *bad);

#endif
