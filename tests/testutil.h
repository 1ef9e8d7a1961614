/* The test fixture library shared by the Check suites: the failing allocator, paths and
 * temporary files, store and row builders, table cell access, and one main() per suite.
 * A helper two suites need lives here, never copied into both. */
#ifndef IV_TESTUTIL_H
#define IV_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Check's ck_assert_msg (and every ck_assert_* built on it) records the place of each
 * PASSING assertion by writing a message to its results file (_mark_point), so that a test
 * that later crashes can name the last place reached. In the loops of these suites that was
 * most of their time: 59 % of test_partial's samples were in those writes, and far more of
 * its time under valgrind. Here a passing assertion costs nothing and a failing one reports
 * exactly as before (file, line, expression, message). A crash is named by ASan's or
 * valgrind's stack, or by a `mark_point()` placed where it matters. */
#undef ck_assert_msg
#define ck_assert_msg(expr, ...)                                                               \
    ((expr) ? (void)0                                                                          \
            : _ck_assert_failed(__FILE__, __LINE__, "Assertion '" #expr "' failed", ##__VA_ARGS__))

#include "iv.h"

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

/* Build a store on the counting allocator (fn, ud) for an allocation sweep. */
typedef iv_store *(*tu_build_fn)(iv_alloc_fn fn, void *ud, const void *ctx);
/* The call under test, which frees what it made (and checks its outputs are NULL
 * when it fails); returns its status. */
typedef int (*tu_call_fn)(const iv_store *s, const void *ctx);

/* Fail the k-th allocation of call for k = 1, 2, ... until it succeeds, each time on a
 * fresh store from build: every failure is IV_ENOMEM, the call leaks nothing, the store
 * then stays usable (the call succeeds on it again) and frees to zero live blocks. */
void tu_alloc_sweep(tu_build_fn build, tu_call_fn call, const void *ctx);

/* $IV_TEST_DATA/rel (or tests/data/rel): the reference data in the repository. */
const char *tu_data_path(char *buf, size_t cap, const char *rel);
/* The CDNOW customer summary of tests/data/cdnow (ID,x,t_x,T,zbar; weeks): fills the
 * arrays with its cap rows and sets *n; fails the test unless the file has exactly cap. */
void tu_read_cdnow(double *x, double *tx, double *T, double *zbar, size_t cap, size_t *n);
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

/* ---- suites ---- */

/* Run a suite (the runner's output, CK_FORK and the rest as Check sets them); returns
 * main's exit status: 0 when every test passed. */
int tu_run(Suite *s);
/* Run a suite of one test case, both named `name`; `add` registers the tests (and any
 * timeout, fixture or loop test) on the test case. Returns main's exit status. */
int tu_run_suite(const char *name, void (*add)(TCase *tc));
/* The main() of a Check suite: TU_SUITE_MAIN("store", store_tests). */
#define TU_SUITE_MAIN(name, add) \
    int main(void) { return tu_run_suite((name), (add)); }

/* ---- temporary directories ---- */

/* Whether a file can be created in directory path (probing with a file of our own). */
int tu_dir_writable(const char *path);
/* Unless TMPDIR is set, point it at /dev/shm when that is writable: suites that save
 * (and fsync) many files then do not wait on a busy disk. */
void tu_prefer_ram_tmpdir(void);

/* ---- stores and rows ---- */

/* A new store with allocator fn/ud (fn NULL: the default); fails the test on error. */
iv_store *tu_new_store(iv_alloc_fn fn, void *ud);
/* A timestamp from ISO 8601 text (iv_time_parse); fails the test on a bad one. */
int64_t tu_ts(const char *iso);
/* Append a record; fails the test, with the library's message, when it is refused. */
void tu_append(iv_store *s, const iv_record *r);
/* Append one interaction written as `key=value` words (printf-style), e.g.
 *   tu_add(s, "contact=a ts=2024-01-01T10:00:00Z channel=web type=visit cost=%g", 0.5);
 * Keys: contact, ts (ISO text, or @N for N milliseconds since the epoch), channel, type,
 * team, id, stage, area, direction, outcome (names or numbers), cost, value, score, rv;
 * any other key is a custom dimension. Values have no blanks; a field omitted or written
 * `key=` is not given (an empty custom dimension is not created).
 * Fails the test on an unknown enum name or when the store refuses the row. */
void tu_add(iv_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Ingest text into s (options o, NULL: defaults) pushed in pieces of `piece` bytes (0:
 * whole), then finish; *st (when not NULL) receives the handle's counters. Returns the
 * first error code. */
int tu_ingest_text(iv_store *s, const iv_ingest_options *o, const char *p, size_t len, size_t piece,
                   iv_ingest_stats *st);

/* Every row and every custom dimension of a store as text, one line per row through the
 * public accessors (doubles in hex, exact); free() it. */
char *tu_dump_store(const iv_store *s);

/* The rows of s whose contact falls in part `part` of nparts by iv_partition_of(), in a
 * new store (custom dimensions kept, store order kept). */
iv_store *tu_part_of(const iv_store *s, uint32_t part, uint32_t nparts);

/* ---- table cells ---- */

/* The index of column `name`; fails the test when the table has none. */
size_t tu_col(const iv_table *t, const char *name);
/* A cell as a double (NaN when undefined) / as a string (NULL when undefined). */
double tu_cell(const iv_table *t, size_t row, const char *name);
const char *tu_scell(const iv_table *t, size_t row, const char *name);

#endif
