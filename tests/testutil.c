#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

void *tu_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    tu_alloc *a = ud;
    if (nsize == 0) {
        if (ptr) {
            a->live--;
            a->bytes -= (long long)osize;
            free(ptr);
        }
        return NULL;
    }
    a->calls++;
    if (a->fail_at && (a->calls == a->fail_at || (a->fail_all_after && a->calls > a->fail_at))) {
        a->failed = 1;
        return NULL;
    }
    {
        void *np = realloc(ptr, nsize);
        if (!np)
            return NULL;
        if (!ptr)
            a->live++;
        a->bytes += (long long)nsize - (long long)(ptr ? osize : 0);
        return np;
    }
}

void tu_alloc_reset(tu_alloc *a, long fail_at)
{
    memset(a, 0, sizeof *a);
    a->fail_at = fail_at;
}

static const char *tu_env_path(char *buf, size_t cap, const char *env, const char *fallback,
                               const char *rel)
{
    const char *root = getenv(env);
    snprintf(buf, cap, "%s/%s", root ? root : fallback, rel);
    return buf;
}

const char *tu_data_path(char *buf, size_t cap, const char *rel)
{
    return tu_env_path(buf, cap, "IV_TEST_DATA", "tests/data", rel);
}

const char *tu_source_path(char *buf, size_t cap, const char *rel)
{
    return tu_env_path(buf, cap, "IV_SOURCE_ROOT", ".", rel);
}

const char *tu_build_path(char *buf, size_t cap, const char *rel)
{
    return tu_env_path(buf, cap, "IV_BUILD_ROOT", ".", rel);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t r;
        if (cap - n < 65536) {
            char *nb = realloc(buf, cap ? cap * 2 : 65536 + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap ? cap * 2 : 65536 + 1;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

const char *tu_temp_path(char *buf, size_t cap, const char *suffix)
{
    static int counter;
    const char *dir = getenv("TMPDIR");
    snprintf(buf, cap, "%s/ivtest-%ld-%d%s", dir ? dir : "/tmp", (long)getpid(), ++counter,
             suffix ? suffix : "");
    return buf;
}

int tu_close(double a, double b, double rel)
{
    double m;
    if (isnan(a) && isnan(b))
        return 1;
    if (a == b)
        return 1;
    m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= rel * m;
}
