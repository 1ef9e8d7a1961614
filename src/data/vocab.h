/* Internal: the normal form of channel and type names (doc/MODEL.md,
 * Names): trimmed, ASCII upper case lowered, every run of blanks and '-' turned
 * into one '_' ("Phone Call" -> "phone_call", "EMAIL" -> "email"). Bytes >= 0x80 are
 * kept as they are. Ingestion, the public append paths, the model and its lookups all
 * use this one function, so a store and a model always agree on a name. */
#ifndef IV_SRC_VOCAB_H
#define IV_SRC_VOCAB_H

#include "core.h"

/* Longest name normalised on the stack by iv__vocab_tmp; longer ones are allocated. */
#define IV__VOCAB_STACK 256

/* A blank of the normal form: trimmed at the ends, a separator inside. */
static inline int iv__vocab_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* 1 when s[0..n) is already in normal form (the common case: one pass, no copy). */
static inline int iv__vocab_is_normal(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || c == '-' || iv__vocab_blank(c))
            return 0;
    }
    return 1;
}

/* 1 when s[0..n) holds nothing but blanks (its normal form is empty). */
static inline int iv__vocab_empty(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!iv__vocab_blank((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Write the normal form of s[0..n) to out (room for n bytes; never longer than the
 * input) and return its length. out may equal s (in place). */
size_t iv__vocab_normalize(const char *s, size_t n, char *out);

/* A normalised name: p points either at the input (already normal), at the caller's
 * stack buffer, or at memory allocated through a (free with iv__vocab_tmp_free). */
typedef struct iv__vname {
    const char *p;
    size_t n;
    char *heap;
    size_t heap_n;
} iv__vname;

/* Normalise s[0..n) into t, using stack (IV__VOCAB_STACK bytes) when it fits.
 * IV_OK or IV_ENOMEM. */
int iv__vocab_tmp(iv__vname *t, const iv__alloc *a, char *stack, const char *s, size_t n);
void iv__vocab_tmp_free(iv__vname *t, const iv__alloc *a);

struct iv__pool;
/* Find the normal form of s[0..n) in a pool of type or channel names: 1 and *id when
 * found, else 0 (names longer than IV__VOCAB_STACK are looked up as given). */
int iv__vocab_find(const struct iv__pool *p, const char *s, size_t n, uint32_t *id);

#endif
