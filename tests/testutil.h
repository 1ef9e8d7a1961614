/* Helpers shared by the Check suites. */
#ifndef IV_TESTUTIL_H
#define IV_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* An allocator (iv_alloc_fn compatible) that counts live blocks and bytes and fails
 * the fail_at-th allocation (1-based; 0 = never). Pass &tu_alloc_state as ud. */
typedef struct tu_alloc {
    long calls;     /* allocations (new blocks and growths) attempted */
    long fail_at;   /* fail this call, 0 = never */
    int fail_all_after; /* when set, every call from fail_at on fails */
    long live;      /* blocks alive */
    long long bytes;/* bytes alive */
    int failed;     /* set when a failure was injected */
} tu_alloc;

void *tu_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize);
void tu_alloc_reset(tu_alloc *a, long fail_at);

/* $IV_TEST_DATA/rel (or tests/data/rel): the reference data in the repository. */
const char *tu_data_path(char *buf, size_t cap, const char *rel);
/* $IV_SOURCE_ROOT/rel */
const char *tu_source_path(char *buf, size_t cap, const char *rel);
/* $IV_BUILD_ROOT/rel */
const char *tu_build_path(char *buf, size_t cap, const char *rel);
/* Read a whole file (malloc'd, NUL-terminated); NULL on failure. */
char *tu_read_file(const char *path, size_t *len);
/* A unique temporary file path in buf. */
const char *tu_temp_path(char *buf, size_t cap, const char *suffix);

/* Relative closeness: |a-b| <= rel * max(|a|,|b|) (or both NaN). */
int tu_close(double a, double b, double rel);

#endif
