/* Allocation through the handle's hook, the thread's last error, version, enums. */
#define _DEFAULT_SOURCE 1 /* madvise(MADV_HUGEPAGE) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h> /* malloc_usable_size */
#endif

#include "core.h"

/* Ask the kernel to back a large block with transparent huge pages on its 2 MiB-aligned
 * parts (where it runs them on request: /sys/kernel/mm/transparent_hugepage/enabled set
 * to "madvise" or "always"). The large blocks are the store's row vectors, the
 * interners' tables and the contact index, written once from start to end: in a VM each
 * first write to a 4 KiB page costs a fault in the guest and a page-table update in the
 * hypervisor (~7 us measured, doc/PERFORMANCE.md), so a 5-million-row ingestion spent
 * ~0.3 CPU-s in ~40,000 faults; with 2 MiB pages there are 512 times fewer. Only the
 * backing changes, never the contents; a kernel without it answers EINVAL, which is
 * ignored (the block is then used as it is). */
static void iv__advise_huge(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE)
    /* Advise every page of the block, not only its 2 MiB-aligned interior (the kernel
     * puts huge pages where they fit either way): advice over part of a mapping splits it
     * into several, and mremap refuses to move a range that spans more than one (EFAULT),
     * so realloc of a large block (its own mapping in glibc) then mallocs, copies the
     * whole block and unmaps the old one instead of remapping its pages: measured on the
     * string pools and row vectors of a 2.4M-row ingestion, 0.4 CPU-s of memcpy and
     * fresh-page faults. glibc's block is its mapping less a 16-byte header before p, and
     * malloc_usable_size reaches the mapping's end. */
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096, b, e;
#if defined(__GLIBC__)
    size_t u = malloc_usable_size(p);
    n = u > n ? u : n;
#endif
    b = (uintptr_t)p & ~(page - 1);
    e = ((uintptr_t)p + n + page - 1) & ~(page - 1);
    if (e > b)
        (void)madvise((void *)b, (size_t)(e - b), MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *iv__default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void *p;
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    p = realloc(ptr, nsize);
    if (p && nsize >= IV__HUGE_MIN)
        iv__advise_huge(p, nsize);
    return p;
}

void iv__alloc_init(iv__alloc *a, iv_alloc_fn fn, void *ud)
{
    a->fn = fn ? fn : iv__default_alloc;
    a->ud = fn ? ud : NULL;
}

void *iv__calloc(const iv__alloc *a, size_t count, size_t size)
{
    void *p;
    if (count == 0 || size == 0)
        return NULL;
    if (count > SIZE_MAX / size)
        return NULL;
    p = iv__malloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

int iv__grow(const iv__alloc *a, void **p, size_t *cap, size_t need, size_t esz)
{
    size_t ncap;
    void *np;
    if (need <= *cap)
        return IV_OK;
    ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / esz)
            return iv__nomem("array growth overflow");
        ncap *= 2;
    }
    np = iv__realloc(a, *p, *cap * esz, ncap * esz);
    if (!np)
        return iv__nomem("growing an array");
    *p = np;
    *cap = ncap;
    return IV_OK;
}

char *iv__strndup(const iv__alloc *a, const char *s, size_t n)
{
    char *d = iv__malloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static _Thread_local char iv__errbuf[1024];

int iv__error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(iv__errbuf, sizeof iv__errbuf, fmt, ap);
    va_end(ap);
    return code;
}

int iv__nomem(const char *what)
{
    return iv__error(IV_ENOMEM, "out of memory (%s)", what);
}

IV_API const char *iv_error_last(void)
{
    return iv__errbuf;
}

/* Warnings: results computed as asked but probably not as meant (doc/API.md, Warnings). */
static _Thread_local char iv__warnbuf[IV__WARN_MAX + 1][320];
static _Thread_local size_t iv__nwarn;

void iv__warn(const char *fmt, ...)
{
    char msg[320];
    size_t i;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (i = 0; i < iv__nwarn; i++)
        if (strcmp(iv__warnbuf[i], msg) == 0)
            return;
    if (iv__nwarn < IV__WARN_MAX) {
        memcpy(iv__warnbuf[iv__nwarn++], msg, strlen(msg) + 1);
    } else if (iv__nwarn == IV__WARN_MAX) {
        snprintf(iv__warnbuf[iv__nwarn++], sizeof iv__warnbuf[0],
                 "more than %d warnings: the others were dropped", IV__WARN_MAX);
    }
}

IV_API size_t iv_warning_count(void)
{
    return iv__nwarn;
}

IV_API const char *iv_warning_get(size_t i)
{
    return i < iv__nwarn ? iv__warnbuf[i] : NULL;
}

IV_API void iv_warning_clear(void)
{
    iv__nwarn = 0;
}

IV_API const char *iv_strerror(int code)
{
    switch (code) {
    case IV_OK: return "success";
    case IV_ENOMEM: return "out of memory";
    case IV_EINVAL: return "invalid argument";
    case IV_EIO: return "input/output error";
    case IV_EPARSE: return "malformed input";
    case IV_ELIMIT: return "limit exceeded";
    case IV_ERANGE: return "value out of range";
    case IV_ENOTFOUND: return "not found";
    case IV_ECORRUPT: return "corrupt or truncated data";
    case IV_EVERSION: return "unsupported format version";
    case IV_ESTATE: return "invalid state for this call";
    case IV_ENOCONV: return "fit did not converge";
    case IV_ECANCELED: return "canceled";
    case IV_EUNDEFINED: return "undefined for this data";
    default: return "unknown status code";
    }
}

int iv__check_options(const void *opts, size_t size, size_t min_size, size_t known_size,
                      const char *what)
{
    size_t i;
    if (size < min_size)
        return iv__error(IV_EINVAL, "%s: size %zu is smaller than the first release's %zu",
                         what, size, min_size);
    for (i = known_size; i < size; i++)
        if (((const unsigned char *)opts)[i] != 0)
            return iv__error(IV_EINVAL,
                             "%s: byte %zu is beyond the fields this version knows and is not zero",
                             what, i);
    return IV_OK;
}

int iv__ieqn(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i;
    if (na != nb)
        return 0;
    for (i = 0; i < na; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

int iv__ieq(const char *s, size_t n, const char *word)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], w = (unsigned char)word[i];
        if (w == 0)
            return 0;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (w >= 'A' && w <= 'Z')
            w = (unsigned char)(w + 32);
        if (c != w)
            return 0;
    }
    return word[n] == '\0';
}

IV_API int iv_version(void)
{
    return IV_VERSION_NUMBER;
}

IV_API const char *iv_version_string(void)
{
    return IV_VERSION_STRING;
}

static const char *const iv__names[4][9] = {
    {"", "acquisition", "closing", "retention"},
    {"", "technology", "channels", "engagement", "experience", "content", "business",
     "analytics", "governance"},
    {"", "in", "out"},
    {"", "desired", "neutral", "undesired"},
};
static const int iv__name_counts[4] = {4, 9, 3, 4};

IV_API const char *iv_enum_name(int kind, int value)
{
    if (kind < 0 || kind > 3 || value < 0 || value >= iv__name_counts[kind])
        return NULL;
    return iv__names[kind][value];
}
