#include <math.h>
#include <stdarg.h>
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

void tu_alloc_sweep(tu_build_fn build, tu_call_fn call, const void *ctx)
{
    long k;
    for (k = 1;; k++) {
        tu_alloc a;
        iv_store *s;
        long live;
        int rc;
        tu_alloc_reset(&a, 0);
        s = build(tu_alloc_fn, &a, ctx);
        ck_assert_ptr_nonnull(s);
        live = a.live;
        a.fail_at = a.calls + k;
        rc = call(s, ctx);
        ck_assert_int_eq(a.live, live);
        if (rc == IV_OK) {
            ck_assert(!a.failed);
            iv_store_free(s);
            ck_assert_int_eq(a.live, 0);
            return;
        }
        ck_assert_msg(rc == IV_ENOMEM, "allocation %ld failed: %d %s", k, rc, iv_error_last());
        a.fail_at = 0;
        ck_assert_int_eq(call(s, ctx), IV_OK);
        ck_assert_int_eq(a.live, live);
        iv_store_free(s);
        ck_assert_int_eq(a.live, 0);
    }
}

void tu_read_cdnow(double *x, double *tx, double *T, double *zbar, size_t cap, size_t *n)
{
    char path[1024], *text, *p;
    size_t len, k = 0;
    text = tu_read_file(tu_data_path(path, sizeof path,
                                     "cdnow/cdnow_customers_summary_with_transactions.csv"),
                        &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    p = strchr(text, '\n');
    while (p && *++p) {
        ck_assert_msg(k < cap, "%s: more than %zu customers", path, cap);
        strtod(p, &p); /* ID */
        x[k] = strtod(p + 1, &p);
        tx[k] = strtod(p + 1, &p);
        T[k] = strtod(p + 1, &p);
        zbar[k] = strtod(p + 1, &p);
        k++;
        p = strchr(p, '\n');
    }
    free(text);
    ck_assert_uint_eq(k, cap);
    *n = k;
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

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int nf;
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}

int tu_run_suite(const char *name, void (*add)(TCase *tc))
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    add(tc);
    suite_add_tcase(s, tc);
    return tu_run(s);
}

int tu_dir_writable(const char *path)
{
    FILE *f;
    char probe[256];
    snprintf(probe, sizeof probe, "%s/ivtest-probe-%ld", path, (long)getpid());
    f = fopen(probe, "wb");
    if (!f)
        return 0;
    fclose(f);
    remove(probe);
    return 1;
}

void tu_prefer_ram_tmpdir(void)
{
    if (!getenv("TMPDIR") && tu_dir_writable("/dev/shm"))
        setenv("TMPDIR", "/dev/shm", 1);
}

iv_store *tu_new_store(iv_alloc_fn fn, void *ud)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    so.alloc = fn;
    so.alloc_ud = ud;
    ck_assert_msg(iv_store_new(&s, &so) == IV_OK, "iv_store_new: %s", iv_error_last());
    return s;
}

int64_t tu_ts(const char *iso)
{
    int64_t v;
    ck_assert_msg(iv_time_parse(iso, strlen(iso), &v) == IV_OK, "bad time '%s'", iso);
    return v;
}

void tu_append(iv_store *s, const iv_record *r)
{
    ck_assert_msg(iv_store_append(s, r) == IV_OK, "iv_store_append: %s", iv_error_last());
}

/* The value of name among names[0..n) (index + its own offset), or a number. */
static int tu_enum(const char *key, const char *v, const char *const *names, int n)
{
    int i;
    char *end;
    long x;
    for (i = 0; i < n; i++)
        if (names[i] && strcmp(v, names[i]) == 0)
            return i;
    x = strtol(v, &end, 10);
    ck_assert_msg(*v && !*end, "tu_add: bad %s '%s'", key, v);
    return (int)x;
}

void tu_add(iv_store *s, const char *fmt, ...)
{
    static const char *const stages[] = {"none", "acquisition", "closing", "retention"};
    static const char *const areas[] = {"none", "technology", "channels", "engagement",
                                        "experience", "content", "business", "analytics",
                                        "governance"};
    static const char *const directions[] = {"none", "in", "out"};
    static const char *const outcomes[] = {"none", "desired", "neutral", "undesired"};
    char buf[1024], *save = NULL, *w;
    const char *dn[16], *dv[16];
    iv_record r = IV_RECORD_INIT;
    va_list ap;
    int len;
    va_start(ap, fmt);
    len = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ck_assert_msg(len >= 0 && (size_t)len < sizeof buf, "tu_add: row too long");
    for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *v = strchr(w, '=');
        ck_assert_msg(v != NULL, "tu_add: '%s' is not key=value", w);
        *v++ = '\0';
        if (!*v)
            continue; /* key= : not given */
        if (strcmp(w, "contact") == 0)
            r.contact = v;
        else if (strcmp(w, "ts") == 0)
            r.ts = v[0] == '@' ? strtoll(v + 1, NULL, 10) : tu_ts(v);
        else if (strcmp(w, "channel") == 0)
            r.channel = v;
        else if (strcmp(w, "type") == 0)
            r.type = v;
        else if (strcmp(w, "team") == 0)
            r.team = v;
        else if (strcmp(w, "id") == 0)
            r.id = v;
        else if (strcmp(w, "stage") == 0)
            r.stage = tu_enum(w, v, stages, 4);
        else if (strcmp(w, "area") == 0)
            r.area = tu_enum(w, v, areas, 9);
        else if (strcmp(w, "direction") == 0)
            r.direction = tu_enum(w, v, directions, 3);
        else if (strcmp(w, "outcome") == 0)
            r.outcome = tu_enum(w, v, outcomes, 4);
        else if (strcmp(w, "cost") == 0)
            r.cost = strtod(v, NULL);
        else if (strcmp(w, "value") == 0)
            r.value = strtod(v, NULL);
        else if (strcmp(w, "score") == 0)
            r.score = strtod(v, NULL);
        else if (strcmp(w, "rv") == 0)
            r.rv = strtod(v, NULL);
        else {
            ck_assert_msg(r.ndims < 16, "tu_add: too many custom dimensions");
            dn[r.ndims] = w;
            dv[r.ndims] = v;
            r.ndims++;
        }
    }
    r.dim_names = dn;
    r.dim_values = dv;
    tu_append(s, &r);
}

int tu_ingest_text(iv_store *s, const iv_ingest_options *o, const char *p, size_t len, size_t piece,
                   iv_ingest_stats *st)
{
    iv_ingest *ing = NULL;
    size_t off = 0;
    int rc = iv_ingest_new(&ing, s, o);
    if (rc != IV_OK)
        return rc;
    if (!piece)
        piece = len ? len : 1;
    while (rc == IV_OK && off < len) {
        size_t k = len - off < piece ? len - off : piece;
        rc = iv_ingest_push(ing, p + off, k);
        off += k;
    }
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    if (st) {
        st->size = sizeof *st;
        ck_assert_int_eq(iv_ingest_get_stats(ing, st), IV_OK);
    }
    iv_ingest_free(ing);
    return rc;
}

static void tu_put_str(char **p, size_t *n, size_t *cap, const char *s)
{
    size_t l = strlen(s);
    if (*n + l + 1 > *cap) {
        *cap = (*n + l + 1) * 2;
        *p = realloc(*p, *cap);
        ck_assert(*p != NULL);
    }
    memcpy(*p + *n, s, l + 1);
    *n += l;
}

char *tu_dump_store(const iv_store *s)
{
    char *out = NULL, line[2048];
    size_t n = 0, cap = 0, r, d;
    iv_record rec = IV_RECORD_INIT;
    tu_put_str(&out, &n, &cap, "");
    for (d = 0; d < iv_store_dim_count(s); d++) {
        snprintf(line, sizeof line, "dim %zu %s\n", d, iv_store_dim_name(s, d));
        tu_put_str(&out, &n, &cap, line);
    }
    for (r = 0; r < iv_store_rows(s); r++) {
        ck_assert_int_eq(iv_store_get_row(s, r, &rec), IV_OK);
        snprintf(line, sizeof line, "%s|%lld|%s|%s|%d|%d|%d|%d|%a|%a|%a|%a|%s|%s",
                 rec.contact ? rec.contact : "", (long long)rec.ts, rec.channel ? rec.channel : "",
                 rec.type ? rec.type : "", rec.stage, rec.area, rec.direction, rec.outcome, rec.cost,
                 rec.value, rec.score, rec.rv, rec.team ? rec.team : "", rec.id ? rec.id : "");
        tu_put_str(&out, &n, &cap, line);
        for (d = 0; d < iv_store_dim_count(s); d++) {
            const char *v = iv_store_get_dim(s, r, d);
            tu_put_str(&out, &n, &cap, "|");
            tu_put_str(&out, &n, &cap, v ? v : "");
        }
        tu_put_str(&out, &n, &cap, "\n");
    }
    return out;
}

size_t tu_col(const iv_table *t, const char *name)
{
    long c = iv_table_col_index(t, name);
    ck_assert_msg(c >= 0, "no column %s", name);
    return (size_t)c;
}

double tu_cell(const iv_table *t, size_t row, const char *name)
{
    return iv_table_get_double(t, row, tu_col(t, name));
}

const char *tu_scell(const iv_table *t, size_t row, const char *name)
{
    return iv_table_get_string(t, row, tu_col(t, name));
}

/* The rows of s whose contact hashes to part `part` of nparts, in a new store. */
iv_store *tu_part_of(const iv_store *s, uint32_t part, uint32_t nparts)
{
    iv_store *p = NULL;
    size_t r, d, nd = iv_store_dim_count(s);
    const char *names[IV_MAX_DIMS], *vals[IV_MAX_DIMS];
    ck_assert_int_eq(iv_store_new(&p, NULL), IV_OK);
    for (d = 0; d < nd; d++)
        names[d] = iv_store_dim_name(s, d);
    for (r = 0; r < iv_store_rows(s); r++) {
        iv_record rec = IV_RECORD_INIT;
        ck_assert_int_eq(iv_store_get_row(s, r, &rec), IV_OK);
        if (iv_partition_of(rec.contact, strlen(rec.contact), nparts) != part)
            continue;
        for (d = 0; d < nd; d++)
            vals[d] = iv_store_get_dim(s, r, d);
        rec.ndims = nd;
        rec.dim_names = names;
        rec.dim_values = vals;
        ck_assert_int_eq(iv_store_append(p, &rec), IV_OK);
    }
    ck_assert_int_eq(iv_store_prepare(p), IV_OK);
    return p;
}
