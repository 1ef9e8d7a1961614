/* Core: status texts, the thread's last error, versions, enum names, option checks, the
 * default allocator. */
#define _DEFAULT_SOURCE 1 /* madvise, MAP_ANONYMOUS */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "core.h"
#include "iv/version.h"
#include "testutil.h"

START_TEST(strerror_names_every_status_and_unknown_codes)
{
    int c;
    for (c = IV_OK; c >= IV_EUNDEFINED; c--)
        ck_assert_str_ne(iv_strerror(c), "unknown status code");
    ck_assert_str_eq(iv_strerror(IV_ENOMEM), "out of memory");
    ck_assert_str_eq(iv_strerror(-999), "unknown status code");
}
END_TEST

START_TEST(error_message_is_kept_until_the_next_failure)
{
    ck_assert_int_eq(iv__error(IV_EPARSE, "line %d, column %d (%s): bad", 7, 4, "cost"), IV_EPARSE);
    ck_assert_str_eq(iv_error_last(), "line 7, column 4 (cost): bad");
    ck_assert_int_eq(iv__nomem("x"), IV_ENOMEM);
    ck_assert_str_eq(iv_error_last(), "out of memory (x)");
}
END_TEST

START_TEST(runtime_version_matches_the_header)
{
    ck_assert_int_eq(iv_version(), IV_VERSION_MAJOR * 10000 + IV_VERSION_MINOR * 100 + IV_VERSION_PATCH);
    ck_assert_str_eq(iv_version_string(), IV_VERSION_STRING);
}
END_TEST

START_TEST(enum_names_are_the_spec_vocabulary)
{
    ck_assert_str_eq(iv_enum_name(0, IV_STAGE_CLOSING), "closing");
    ck_assert_str_eq(iv_enum_name(1, IV_AREA_GOVERNANCE), "governance");
    ck_assert_str_eq(iv_enum_name(1, IV_AREA_TECHNOLOGY), "technology");
    ck_assert_str_eq(iv_enum_name(2, IV_DIRECTION_OUT), "out");
    ck_assert_str_eq(iv_enum_name(3, IV_OUTCOME_UNDESIRED), "undesired");
    ck_assert_str_eq(iv_enum_name(3, IV_OUTCOME_NONE), "");
    ck_assert_ptr_null(iv_enum_name(1, 9));
    ck_assert_ptr_null(iv_enum_name(4, 0));
}
END_TEST

START_TEST(options_with_unknown_nonzero_trailing_bytes_are_rejected)
{
    unsigned char buf[32] = {0};
    ck_assert_int_eq(iv__check_options(buf, 32, 8, 16, "o"), IV_OK);
    buf[20] = 1;
    ck_assert_int_eq(iv__check_options(buf, 32, 8, 16, "o"), IV_EINVAL);
    ck_assert_int_eq(iv__check_options(buf, 4, 8, 16, "o"), IV_EINVAL);
}
END_TEST

START_TEST(ieq_is_ascii_case_insensitive_and_exact_in_length)
{
    ck_assert(iv__ieq("Contact", 7, "contact"));
    ck_assert(!iv__ieq("Contacts", 8, "contact"));
    ck_assert(!iv__ieq("Contac", 6, "contact"));
}
END_TEST

/* The mapping of /proc/self/smaps that holds address a: its bounds [*lo, *hi) and whether
 * its VmFlags line holds the flag "hg" (MADV_HUGEPAGE was applied). Returns 0 when found,
 * -1 when no mapping holds a or smaps is unreadable. */
static int tu_vma_of(uintptr_t a, uintptr_t *lo, uintptr_t *hi, int *hg)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0, r = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long l, h;
        if (sscanf(line, "%lx-%lx ", &l, &h) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            if ((in = a >= l && a < h) != 0) {
                *lo = l;
                *hi = h;
            }
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            *hg = strstr(line, " hg") != NULL;
            r = 0;
            break;
        }
    }
    fclose(f);
    return r;
}

/* 1 when the mapping holding a has the flag "hg", 0 when not, -1 when not found. */
static int tu_vma_has_hg(uintptr_t a)
{
    uintptr_t lo, hi;
    int hg;
    return tu_vma_of(a, &lo, &hi, &hg) == 0 ? hg : -1;
}

/* The kernel's own answer, asked independently of the library: does madvise(MADV_HUGEPAGE)
 * on a fresh anonymous mapping succeed here? */
static int tu_kernel_takes_hugepage_advice(void)
{
    size_t n = (size_t)4 << 20;
    void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok;
    ck_assert_ptr_ne(m, MAP_FAILED);
    ok = madvise(m, n, MADV_HUGEPAGE) == 0;
    munmap(m, n);
    return ok;
}

/* A block of IV__HUGE_MIN bytes or more from the default allocator is advised for
 * transparent huge pages (VmFlags "hg" in smaps over its aligned interior) wherever the
 * kernel takes the advice; growing it keeps its bytes; a kernel without the advice still
 * gets a usable block. */
START_TEST(default_allocator_advises_huge_pages_for_large_blocks_and_keeps_bytes)
{
    iv__alloc a;
    size_t n = (size_t)8 << 20, i;
    unsigned char *p, *q;
    uintptr_t mid;
    int kernel = tu_kernel_takes_hugepage_advice();
    iv__alloc_init(&a, NULL, NULL);
    p = iv__malloc(&a, n);
    ck_assert_ptr_nonnull(p);
    for (i = 0; i < n; i += 4093)
        p[i] = (unsigned char)(i * 7u);
    mid = ((uintptr_t)p + n / 2) & ~(((uintptr_t)2 << 20) - 1);
    ck_assert_int_eq(tu_vma_has_hg(mid), kernel);
    q = iv__realloc(&a, p, n, 3 * n);
    ck_assert_ptr_nonnull(q);
    for (i = 0; i < n; i += 4093)
        ck_assert_uint_eq(q[i], (unsigned char)(i * 7u));
    memset(q + n, 0x5a, 2 * n); /* the new part is writable */
    mid = ((uintptr_t)q + 2 * n) & ~(((uintptr_t)2 << 20) - 1);
    ck_assert_int_eq(tu_vma_has_hg(mid), kernel);
    iv__free(&a, q, 3 * n);
}
END_TEST

/* The advice leaves a large block in one mapping: advice over part of a mapping splits it,
 * and the kernel's mremap then refuses to move the block (EFAULT), so every realloc of it
 * copied the whole block into a fresh one. Where the block is a mapping of its own (glibc:
 * the mapping starts at the page holding the block, a 16-byte header before it; not under
 * valgrind or ASan, whose allocators map otherwise), its first and last bytes, before and
 * after growing it, lie in the same mapping; the bytes are kept in any case. */
START_TEST(default_allocator_advice_keeps_a_large_block_in_one_mapping)
{
    iv__alloc a;
    size_t n = ((size_t)8 << 20) + 12345;
    unsigned char *p, *q;
    uintptr_t lo, hi, lo2, hi2;
    int own, hg;
    iv__alloc_init(&a, NULL, NULL);
    p = iv__malloc(&a, n);
    ck_assert_ptr_nonnull(p);
    memset(p, 1, n);
    ck_assert_int_eq(tu_vma_of((uintptr_t)p, &lo, &hi, &hg), 0);
    ck_assert_int_eq(tu_vma_of((uintptr_t)p + n - 1, &lo2, &hi2, &hg), 0);
    own = lo == ((uintptr_t)p & ~(uintptr_t)4095);
    ck_assert_msg(!own || (lo == lo2 && hi == hi2), "block split over mappings %lx-%lx and %lx-%lx",
                  (unsigned long)lo, (unsigned long)hi, (unsigned long)lo2, (unsigned long)hi2);
    q = iv__realloc(&a, p, n, 3 * n);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q[n - 1], 1);
    memset(q + n, 2, 2 * n);
    ck_assert_int_eq(tu_vma_of((uintptr_t)q, &lo, &hi, &hg), 0);
    ck_assert_int_eq(tu_vma_of((uintptr_t)q + 3 * n - 1, &lo2, &hi2, &hg), 0);
    own = lo == ((uintptr_t)q & ~(uintptr_t)4095);
    ck_assert_msg(!own || (lo == lo2 && hi == hi2), "grown block split over mappings %lx-%lx and %lx-%lx",
                  (unsigned long)lo, (unsigned long)hi, (unsigned long)lo2, (unsigned long)hi2);
    iv__free(&a, q, 3 * n);
}
END_TEST

static void core_tests(TCase *tc)
{
    tcase_add_test(tc, strerror_names_every_status_and_unknown_codes);
    tcase_add_test(tc, error_message_is_kept_until_the_next_failure);
    tcase_add_test(tc, runtime_version_matches_the_header);
    tcase_add_test(tc, enum_names_are_the_spec_vocabulary);
    tcase_add_test(tc, options_with_unknown_nonzero_trailing_bytes_are_rejected);
    tcase_add_test(tc, ieq_is_ascii_case_insensitive_and_exact_in_length);
    tcase_add_test(tc, default_allocator_advises_huge_pages_for_large_blocks_and_keeps_bytes);
    tcase_add_test(tc, default_allocator_advice_keeps_a_large_block_in_one_mapping);
}

TU_SUITE_MAIN("core", core_tests)
