/* Internal: allocation through the handle's hook, error reporting, small helpers.
 * Every source file includes this first. */
#ifndef IV_SRC_CORE_H
#define IV_SRC_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iv/common.h"

/* The allocator a handle carries: the user's hook or the default one. */
typedef struct iv__alloc {
    iv_alloc_fn fn;
    void *ud;
} iv__alloc;

/* The default hook (malloc/realloc/free). A block of IV__HUGE_MIN bytes or more is
 * advised for transparent huge pages (the whole block; core.c says why). */
#define IV__HUGE_MIN ((size_t)4 << 20)
void *iv__default_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* Fill a from (fn, ud); fn NULL means the default. */
void iv__alloc_init(iv__alloc *a, iv_alloc_fn fn, void *ud);

/* Allocate n bytes; NULL on failure (nothing else happens: the caller sets the error). */
static inline void *iv__malloc(const iv__alloc *a, size_t n)
{
    return n ? a->fn(a->ud, NULL, 0, n) : NULL;
}
/* Resize p (of osize bytes) to nsize; on failure returns NULL and p is untouched. */
static inline void *iv__realloc(const iv__alloc *a, void *p, size_t osize, size_t nsize)
{
    return a->fn(a->ud, p, p ? osize : 0, nsize);
}
static inline void iv__free(const iv__alloc *a, void *p, size_t osize)
{
    if (p)
        a->fn(a->ud, p, osize, 0);
}
/* calloc-like for arrays: checks count*size overflow; zero-fills. */
void *iv__calloc(const iv__alloc *a, size_t count, size_t size);
/* Grow an array *p of *cap elements of esz bytes to hold at least need elements
 * (doubling). Returns IV_OK or IV_ENOMEM (sets the error; *p unchanged). */
int iv__grow(const iv__alloc *a, void **p, size_t *cap, size_t need, size_t esz);
/* Duplicate a string / byte range (NUL-terminated copy). */
char *iv__strndup(const iv__alloc *a, const char *s, size_t n);
static inline void iv__strfree(const iv__alloc *a, char *s)
{
    if (s)
        iv__free(a, s, strlen(s) + 1);
}

/* Set the thread's last error message (printf-style) and return code. */
int iv__error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Shorthand for IV_ENOMEM with a message naming what was being allocated. */
int iv__nomem(const char *what);
/* Add a warning to the calling thread's list (iv_warning_count(); identical texts once,
 * at most IV__WARN_MAX, then one that says more were dropped). */
void iv__warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#define IV__WARN_MAX 32

/* The body of every iv_X_options_init(opts, size): refuse NULL or a size below `min` (the
 * first layout's), zero the caller's `size` bytes, copy what fits of the template `tmpl`
 * (the IV_X_OPTIONS_INIT macro), set opts->size = size. One definition for every options
 * struct, as libgit2's GIT_INIT_STRUCTURE_FROM_TEMPLATE. */
#define IV__OPTIONS_INIT(type, tmpl, opts, size, min)                                      \
    do {                                                                                   \
        static const type iv__tmpl_ = tmpl;                                                \
        if (!(opts) || (size) < (min))                                                     \
            return iv__error(IV_EINVAL, "%s: options NULL or size %zu below %zu", __func__, \
                             (size_t)(size), (size_t)(min));                               \
        memset((opts), 0, (size));                                                         \
        memcpy((opts), &iv__tmpl_, (size) < sizeof iv__tmpl_ ? (size) : sizeof iv__tmpl_);  \
        (opts)->size = (size);                                                             \
        return IV_OK;                                                                      \
    } while (0)

/* Checks an options struct: size at least min_size, bytes past known_size zero. */
int iv__check_options(const void *opts, size_t size, size_t min_size, size_t known_size,
                      const char *what);

/* ASCII case-insensitive comparison of a byte range with a NUL-terminated word. */
int iv__ieq(const char *s, size_t n, const char *word);

/* ASCII case-insensitive equality of two byte ranges. */
int iv__ieqn(const char *a, size_t na, const char *b, size_t nb);

#define IV__MIN(a, b) ((a) < (b) ? (a) : (b))
#define IV__MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
