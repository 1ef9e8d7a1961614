/* The normal form of channel and type names (see vocab.h). */
#include "pool.h"
#include "vocab.h"

size_t iv__vocab_normalize(const char *s, size_t n, char *out)
{
    size_t i = 0, k = 0;
    int sep = 0;
    while (n && iv__vocab_blank((unsigned char)s[n - 1]))
        n--;
    while (i < n && iv__vocab_blank((unsigned char)s[i]))
        i++;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' || iv__vocab_blank(c)) {
            sep = 1;
            continue;
        }
        if (sep) {
            out[k++] = '_';
            sep = 0;
        }
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (sep) /* a trailing '-' run ("foo-" -> "foo_") */
        out[k++] = '_';
    return k;
}

int iv__vocab_tmp(iv__vname *t, const iv__alloc *a, char *stack, const char *s, size_t n)
{
    char *d;
    t->heap = NULL;
    t->heap_n = 0;
    if (iv__vocab_is_normal(s, n)) {
        t->p = s;
        t->n = n;
        return IV_OK;
    }
    d = stack;
    if (n > IV__VOCAB_STACK) {
        d = iv__malloc(a, n);
        if (!d)
            return iv__nomem("a normalised name");
        t->heap = d;
        t->heap_n = n;
    }
    t->n = iv__vocab_normalize(s, n, d);
    t->p = d;
    return IV_OK;
}

int iv__vocab_find(const iv__pool *p, const char *s, size_t n, uint32_t *id)
{
    char buf[IV__VOCAB_STACK];
    if (n <= sizeof buf && !iv__vocab_is_normal(s, n)) {
        size_t m = iv__vocab_normalize(s, n, buf);
        return iv__pool_find(p, buf, m, id) && *id;
    }
    return iv__pool_find(p, s, n, id) && *id;
}

void iv__vocab_tmp_free(iv__vname *t, const iv__alloc *a)
{
    iv__free(a, t->heap, t->heap_n);
    t->heap = NULL;
}

