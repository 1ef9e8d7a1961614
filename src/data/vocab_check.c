/* iv_model_check: the types and channels of a store that a model does not know
 * (doc/MODEL.md, Names). */
#include <stdlib.h>

#include "model.h"
#include "store.h"
#include "table.h"

/* ---------------------------------------------------------------------------------
 * iv_model_check: the store's types and channels a model does not know. */

typedef struct vocab_unknown {
    int field;        /* 0 type, 1 channel */
    uint32_t code;
    uint64_t n;
    const char *s;
} vocab_unknown;

static int vocab_cmp(const void *pa, const void *pb)
{
    const vocab_unknown *a = pa, *b = pb;
    if (a->field != b->field)
        return a->field - b->field;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->s, b->s);
}

/* count[c] += the rows of code c, for rows 0..n-1 of the code column; a loop per width */
static void vocab_count(uint64_t *count, const iv__codes *codes, size_t n)
{
    size_t i;
    switch (codes->width) {
    case 1:
        for (i = 0; i < n; i++)
            count[((const uint8_t *)codes->data)[i]]++;
        break;
    case 2:
        for (i = 0; i < n; i++)
            count[((const uint16_t *)codes->data)[i]]++;
        break;
    case 4:
        for (i = 0; i < n; i++)
            count[((const uint32_t *)codes->data)[i]]++;
        break;
    default: /* no column: every row has code 0 */
        count[0] += n;
    }
}

IV_API int iv_model_check(const iv_model *model, const iv_store *s, iv_table **out)
{
    const iv__strcol *cols[2];
    uint64_t *count[2] = { NULL, NULL };
    vocab_unknown *u = NULL;
    size_t nu = 0, cap = 0, f, i;
    int unknown[2] = { 0, 0 };
    iv_table *t = NULL;
    int rc = IV_OK;
    if (out)
        *out = NULL;
    if (!s || !out)
        return iv__error(IV_EINVAL, "iv_model_check: store or out is NULL");
    if (!model)
        model = iv__model_default();
    cols[0] = &s->type;
    cols[1] = &s->channel;
    for (f = 0; f < 2 && rc == IV_OK; f++) {
        count[f] = iv__calloc(&s->alloc, cols[f]->pool.count + 1, sizeof *count[f]);
        if (!count[f])
            rc = iv__nomem("vocabulary counts");
    }
    /* the names the model does not know, marked; the rows are counted only when there
     * is one (a pass over every row is the serial end of `iv ingest` otherwise) */
    for (f = 0; f < 2 && rc == IV_OK; f++) {
        uint32_t c;
        for (c = 1; c < cols[f]->pool.count; c++) {
            const char *name = iv__pool_str(&cols[f]->pool, c);
            if (!(f == 0 ? iv_model_find_type(model, name) : iv_model_find_channel(model, name)))
                unknown[f] = 1;
        }
    }
    for (f = 0; f < 2 && rc == IV_OK; f++)
        if (unknown[f])
            vocab_count(count[f], &cols[f]->codes, s->nrows);
    for (f = 0; f < 2 && rc == IV_OK; f++) {
        uint32_t c;
        for (c = 1; unknown[f] && c < cols[f]->pool.count; c++) {
            const char *name = iv__pool_str(&cols[f]->pool, c);
            const char *known = f == 0 ? iv_model_find_type(model, name)
                                       : iv_model_find_channel(model, name);
            if (known || count[f][c] == 0)
                continue;
            if ((rc = iv__grow(&s->alloc, (void **)&u, &cap, nu + 1, sizeof *u)) != IV_OK)
                break;
            u[nu].field = (int)f;
            u[nu].code = c;
            u[nu].n = count[f][c];
            u[nu].s = name;
            nu++;
        }
    }
    if (rc == IV_OK) {
        if (nu > 1) /* u is NULL when every name is known */
            qsort(u, nu, sizeof *u, vocab_cmp);
        t = iv__table_new(&s->alloc);
        if (!t || iv__table_add_col(t, "field", IV_COL_STRING) < 0 ||
            iv__table_add_col(t, "value", IV_COL_STRING) < 0 ||
            iv__table_add_col(t, "n", IV_COL_INT) < 0)
            rc = iv__nomem("the vocabulary table");
    }
    for (i = 0; rc == IV_OK && i < nu; i++) {
        long r = iv__table_add_row(t);
        const char *fname = u[i].field ? "channel" : "type";
        if (r < 0 || iv__table_set_string(t, (size_t)r, 0, fname, strlen(fname)) ||
            iv__table_set_string(t, (size_t)r, 1, u[i].s,
                                 iv__pool_len(&cols[u[i].field]->pool, u[i].code)) ||
            iv__table_set_int(t, (size_t)r, 2, (int64_t)u[i].n))
            rc = iv__nomem("the vocabulary table");
    }
    for (f = 0; f < 2; f++)
        if (count[f])
            iv__free(&s->alloc, count[f], (cols[f]->pool.count + 1) * sizeof *count[f]);
    iv__free(&s->alloc, u, cap * sizeof *u);
    if (rc != IV_OK) {
        iv_table_free(t);
        return rc;
    }
    *out = t;
    return IV_OK;
}
