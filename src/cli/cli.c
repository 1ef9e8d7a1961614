/* Shared pieces of the `iv` tool: option parsing, loading inputs, printing tables. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "guard.h"

static size_t cli_decimal_len(const char *v);


void cli_opts_init(cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = IV_FORMAT_TABLE;
    o->input_format = -1;
    o->threads = -1;
}

/* Append s[0..n) (trimmed) to o->keep_dims; 0 when it does not fit. */
static int cli_keep_add(cli_opts *o, const char *s, size_t n, int *id)
{
    size_t have = strlen(o->keep_dims);
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n)
        return 1;
    if (n == 2 && tolower((unsigned char)s[0]) == 'i' && tolower((unsigned char)s[1]) == 'd')
        *id = 1;
    if (have + n + 2 > sizeof o->keep_dims)
        return 0;
    if (have)
        o->keep_dims[have++] = ',';
    memcpy(o->keep_dims + have, s, n);
    o->keep_dims[have + n] = '\0';
    return 1;
}

void cli_skip_for(cli_opts *o, const char *by, const char *where)
{
    int id = 0, fits = 1, k;
    const char *p, *q;
    o->keep_dims[0] = '\0';
    /* --by: names separated by commas */
    for (p = by; p && *p && fits; p = *q ? q + 1 : q) {
        for (q = p; *q && *q != ','; q++)
            ;
        fits = cli_keep_add(o, p, (size_t)(q - p), &id);
    }
    /* --where: every word (a superset of the names it uses: values and keywords too) */
    for (p = where; p && *p && fits;) {
        while (*p && (isspace((unsigned char)*p) || strchr("=!(),\"\\", *p)))
            p++;
        for (q = p; *q && !isspace((unsigned char)*q) && !strchr("=!(),\"\\", *q); q++)
            ;
        fits = cli_keep_add(o, p, (size_t)(q - p), &id);
        p = q;
    }
    for (k = 0; k < o->nsrc; k++)
        if (strcmp(o->src_name[k], "dedup") == 0)
            id = strcmp(o->src_value[k], "id") == 0 || id;
    o->skip = (id ? 0u : (unsigned)IV_SKIP_ID) | (fits ? (unsigned)IV_SKIP_DIMS : 0u);
    if (!fits)
        o->keep_dims[0] = '\0';
}

int cli_threads(const cli_opts *o)
{
    long n;
    if (o->threads >= 0)
        return o->threads;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i, const char *name, int *bad)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "iv %s: %s needs a value\n", cmd, name);
        *bad = 1;
        return NULL;
    }
    return argv[++*i];
}

/* The source options: --flag and the iv_source_set() name it stands for. */
static const struct {
    const char *flag, *name;
} cli_source_flags[] = {
    { "--delimiter", "delimiter" },   { "--encoding", "encoding" }, { "--time-format", "time_format" },
    { "--timezone", "timezone" },     { "--epoch-unit", "epoch_unit" }, { "--decimal", "decimal" },
    { "--thousands", "thousands" },   { "--map", "map" },           { "--set", "set" },
    { "--values", "values" },         { "--dedup", "dedup" },        { "--profile", "profile" },
};

/* One source option at argv[*i]: checked at once (a bad value is a usage error naming
 * it) and kept, in order, for cli_source_new. 1 taken, 0 not a source option, -1 bad. */
static int cli_source_opt(const char *cmd, int argc, char **argv, int *i, cli_opts *o)
{
    size_t k;
    int bad = 0;
    for (k = 0; k < sizeof cli_source_flags / sizeof cli_source_flags[0]; k++) {
        const char *v = cli_value(cmd, argc, argv, i, cli_source_flags[k].flag, &bad);
        iv_source *probe = NULL;
        int rc;
        if (bad)
            return -1;
        if (!v)
            continue;
        if (o->nsrc >= CLI_MAX_SOURCE_OPTS) {
            fprintf(stderr, "iv %s: more than %d source options\n", cmd, CLI_MAX_SOURCE_OPTS);
            return -1;
        }
        rc = iv_source_new(&probe);
        if (rc == IV_OK)
            rc = iv_source_set(probe, cli_source_flags[k].name, v);
        iv_source_free(probe);
        if (rc != IV_OK) {
            fprintf(stderr, "iv %s: %s: %s\n", cmd, cli_source_flags[k].flag, iv_error_last());
            return -1;
        }
        o->src_name[o->nsrc] = cli_source_flags[k].name;
        o->src_value[o->nsrc++] = v;
        return 1;
    }
    return 0;
}

int cli_source_new(const char *cmd, const cli_opts *o, iv_source **out)
{
    int k, rc;
    *out = NULL;
    /* A source profile (--profile) is applied here first, so that the options given
     * beside it override it. */
    if (o->nsrc == 0)
        return CLI_OK;
    if ((rc = iv_source_new(out)) != IV_OK)
        return cli_fail_rc(cmd, "source options", rc);
    for (k = 0; k < o->nsrc; k++) /* profiles first, wherever they are on the line */
        if (strcmp(o->src_name[k], "profile") == 0 &&
            (rc = iv_source_set(*out, o->src_name[k], o->src_value[k])) != IV_OK) {
            iv_source_free(*out);
            *out = NULL;
            return cli_fail(cmd, "--profile: %s", iv_error_last());
        }
    for (k = 0; k < o->nsrc; k++)
        if (strcmp(o->src_name[k], "profile") != 0 &&
            (rc = iv_source_set(*out, o->src_name[k], o->src_value[k])) != IV_OK) {
            iv_source_free(*out);
            *out = NULL;
            return cli_fail_rc(cmd, "source options", rc);
        }
    return CLI_OK;
}

int cli_common_opt(const char *cmd, int argc, char **argv, int *i, cli_opts *o)
{
    int bad = 0, c;
    const char *v;
    if ((v = cli_value(cmd, argc, argv, i, "--format", &bad))) {
        if (strcmp(v, "table") == 0)
            o->format = IV_FORMAT_TABLE;
        else if (strcmp(v, "csv") == 0)
            o->format = IV_FORMAT_CSV;
        else if (strcmp(v, "json") == 0)
            o->format = IV_FORMAT_JSON;
        else {
            fprintf(stderr, "iv %s: --format must be table, csv or json (not '%s')\n", cmd, v);
            return -1;
        }
        return 1;
    }
    if (bad)
        return -1;
    if ((v = cli_value(cmd, argc, argv, i, "--input-format", &bad))) {
        if (strcmp(v, "csv") == 0)
            o->input_format = IV_INPUT_CSV;
        else if (strcmp(v, "jsonl") == 0)
            o->input_format = IV_INPUT_JSONL;
        else {
            fprintf(stderr, "iv %s: --input-format must be csv or jsonl (not '%s')\n", cmd, v);
            return -1;
        }
        return 1;
    }
    if (bad)
        return -1;
    if (strcmp(argv[*i], "--lenient") == 0) {
        o->lenient = 1;
        return 1;
    }
    if ((c = cli_source_opt(cmd, argc, argv, i, o)) != 0)
        return c;
    if ((v = cli_value(cmd, argc, argv, i, "--model", &bad))) {
        o->model = v;
        return 1;
    }
    if (bad)
        return -1;
    if ((v = cli_value(cmd, argc, argv, i, "--threads", &bad))) {
        unsigned long long n;
        if (cli_parse_count(v, 64, &n)) { /* digits only: no sign, no blank */
            fprintf(stderr, "iv %s: --threads takes a number from 0 to 64 (not '%s')\n", cmd, v);
            return -1;
        }
        o->threads = (int)n;
        return 1;
    }
    return bad ? -1 : 0;
}

int cli_select_opt(const char *cmd, int argc, char **argv, int *i, const char **by,
                   const char **where, int64_t *from, int64_t *to)
{
    int bad = 0;
    const char *v;
    if (by && (v = cli_value(cmd, argc, argv, i, "--by", &bad))) {
        *by = v;
        return 1;
    }
    if (!bad && (v = cli_value(cmd, argc, argv, i, "--where", &bad))) {
        *where = v;
        return 1;
    }
    if (!bad && (v = cli_value(cmd, argc, argv, i, "--from", &bad))) {
        if (cli_parse_time(cmd, "--from", v, from))
            return -1;
    } else if (!bad && (v = cli_value(cmd, argc, argv, i, "--to", &bad))) {
        if (cli_parse_time(cmd, "--to", v, to))
            return -1;
    } else {
        return bad ? -1 : 0;
    }
    /* reversed bounds are a bad command line, for every command */
    if (*from != IV_TIME_NONE && *to != IV_TIME_NONE && *to < *from) {
        fprintf(stderr, "iv %s: --to is before --from\n", cmd);
        return -1;
    }
    return 1;
}

int cli_parse_time(const char *cmd, const char *opt, const char *v, int64_t *out)
{
    if (iv_time_parse(v, strlen(v), out) != IV_OK) {
        fprintf(stderr, "iv %s: %s: %s\n", cmd, opt, iv_error_last());
        return -1;
    }
    return 0;
}

int cli_parse_duration(const char *v, int64_t *ms)
{
    size_t n = cli_decimal_len(v);
    const char *end = v + n;
    double x = n ? strtod(v, NULL) : 0, unit = 86400000.0;
    if (!n || !(x > 0) || !isfinite(x))
        return -1;
    if (*end) {
        switch (*end) {
        case 's': unit = 1000.0; break;
        case 'm': unit = 60000.0; break;
        case 'h': unit = 3600000.0; break;
        case 'd': unit = 86400000.0; break;
        case 'w': unit = 7 * 86400000.0; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    if (x * unit < 1 || x * unit > 9e15)
        return -1;
    *ms = (int64_t)(x * unit + 0.5);
    return 0;
}

int cli_guess_format(const char *path)
{
    size_t n = strlen(path);
    if ((n >= 6 && strcmp(path + n - 6, ".jsonl") == 0) || (n >= 7 && strcmp(path + n - 7, ".ndjson") == 0))
        return IV_INPUT_JSONL;
    return IV_INPUT_CSV;
}

int cli_progress_enabled(void)
{
    return isatty(2);
}

int cli_progress(uint64_t done, uint64_t total, void *payload)
{
    const char *label = payload;
    if (total)
        fprintf(stderr, "\r%s: %3.0f%%", label, 100.0 * (double)done / (double)total);
    else
        fprintf(stderr, "\r%s: %.1f MiB", label, (double)done / 1048576.0);
    fflush(stderr);
    return 0;
}

/* The rejects of every ingestion, one table (line, offset, reason, raw) written at the
 * end with the library's CSV writer: the same quoting as iv_ingest_write_rejects(). */
static int cli_rejects_table(iv_table **out)
{
    static const char *const names[] = {"line", "offset", "reason", "raw"};
    static const int types[] = {IV_COL_INT, IV_COL_INT, IV_COL_STRING, IV_COL_STRING};
    int k, rc = iv_table_new(out, NULL, NULL);
    for (k = 0; rc == IV_OK && k < 4; k++)
        if ((rc = iv_table_add_column(*out, names[k], types[k])) >= 0)
            rc = IV_OK;
    return rc;
}

/* Append the rejects of one ingestion to t (reasons prefixed with the path when several
 * files are read). */
static int cli_add_rejects(iv_table *t, const iv_ingest *ing, const char *path, int prefix)
{
    size_t i, n = iv_ingest_reject_count(ing);
    for (i = 0; i < n; i++) {
        uint64_t line, off;
        const char *reason, *raw;
        long row;
        int rc;
        if (iv_ingest_reject(ing, i, &line, &off, &reason, &raw) != IV_OK)
            continue;
        if ((row = iv_table_add_row(t)) < 0)
            return IV_ENOMEM;
        rc = iv_table_set_int(t, (size_t)row, 0, (int64_t)line);
        if (rc == IV_OK)
            rc = iv_table_set_int(t, (size_t)row, 1, (int64_t)off);
        if (rc == IV_OK && prefix) {
            size_t len = strlen(path) + strlen(reason) + 3;
            char *r = malloc(len);
            if (!r)
                return IV_ENOMEM;
            snprintf(r, len, "%s: %s", path, reason);
            rc = iv_table_set_string(t, (size_t)row, 2, r);
            free(r);
        } else if (rc == IV_OK) {
            rc = iv_table_set_string(t, (size_t)row, 2, reason);
        }
        if (rc == IV_OK)
            rc = iv_table_set_string(t, (size_t)row, 3, raw);
        if (rc != IV_OK)
            return rc;
    }
    return IV_OK;
}

static int cli_write_errno;

static int cli_write_file(const void *data, size_t len, void *payload)
{
    if (fwrite(data, 1, len, (FILE *)payload) == len)
        return 0;
    cli_write_errno = errno ? errno : EIO;
    return 1;
}

/* An input opened once: "-" is standard input. The first bytes are read to tell a saved
 * store (its magic) from a log; they are kept in head, so nothing is read twice and a
 * pipe, FIFO or process substitution is consumed exactly once. */
typedef struct cli_input {
    FILE *f;
    int regular;                 /* a regular file (can be reopened by path) */
    unsigned char head[8];
    size_t nhead;
} cli_input;

static int cli_input_open(const char *cmd, const char *path, cli_input *in)
{
    struct stat st;
    memset(in, 0, sizeof *in);
    in->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in->f)
        return cli_fail_errno(cmd, "cannot open", path);
    if (fstat(fileno(in->f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            cli_fail_errno(cmd, "cannot read", path);
            if (in->f != stdin)
                fclose(in->f);
            in->f = NULL;
            return CLI_EFAIL;
        }
        in->regular = S_ISREG(st.st_mode);
    }
    in->nhead = fread(in->head, 1, sizeof in->head, in->f);
    if (in->nhead < sizeof in->head && ferror(in->f)) {
        cli_fail_errno(cmd, "reading", path);
        if (in->f != stdin)
            fclose(in->f);
        in->f = NULL;
        return CLI_EFAIL;
    }
    return CLI_OK;
}

static void cli_input_close(cli_input *in)
{
    if (in->f && in->f != stdin)
        fclose(in->f);
    in->f = NULL;
}

static int cli_input_is_snapshot(const cli_input *in)
{
    return in->nhead == 8 && memcmp(in->head, IV_STORE_SNAPSHOT_MAGIC, 8) == 0;
}

/* The first bytes of a snapshot and nothing more: a file cut short, never a log (a log
 * cannot start with byte 0x89, which is not UTF-8). */
static int cli_input_is_cut_snapshot(const cli_input *in)
{
    return in->nhead > 0 && in->nhead < 8 && memcmp(in->head, IV_STORE_SNAPSHOT_MAGIC, in->nhead) == 0;
}

/* Push the whole input (its head first) into ing and finish. Messages name the path. */
static int cli_input_ingest(const char *cmd, iv_ingest *ing, cli_input *in, const char *path)
{
    enum { CHUNK = 256 << 10 };
    unsigned char *buf;
    int rc = IV_OK;
    if (in->regular) {
        /* a regular file: the library reads it by its path on the ingestion's threads
         * (nothing of it was pushed yet; the head read here is read again), and reserves
         * the store's row vectors from a sample of the file's records, which pushed
         * pieces cannot (one thread: 76,000 page faults of columns grown by doubling and
         * copied by realloc, doc/PERFORMANCE.md, sixth session) */
        rc = iv_ingest_file(ing, path);
        if (rc != IV_OK) {
            const char *msg = iv_error_last();
            if (msg && strstr(msg, path))
                return cli_fail(cmd, "%s", msg);
            return cli_fail_rc(cmd, path, rc);
        }
        return CLI_OK;
    }
    if (!(buf = malloc(CHUNK)))
        return cli_fail(cmd, "out of memory");
    if (in->nhead)
        rc = iv_ingest_push(ing, in->head, in->nhead);
    while (rc == IV_OK && in->nhead == sizeof in->head) {
        size_t r = fread(buf, 1, CHUNK, in->f);
        if (r && (rc = iv_ingest_push(ing, buf, r)) != IV_OK)
            break;
        if (r < CHUNK) {
            if (ferror(in->f)) {
                free(buf);
                return cli_fail_errno(cmd, "reading", path);
            }
            break;
        }
    }
    free(buf);
    if (rc == IV_OK)
        rc = iv_ingest_finish(ing);
    if (rc != IV_OK) {
        const char *msg = iv_error_last();
        if (msg && strstr(msg, path))
            return cli_fail(cmd, "%s", msg);
        return cli_fail_rc(cmd, path, rc);
    }
    return CLI_OK;
}

/* A snapshot that cannot be reopened by its path (a pipe): copy it, head included, to a
 * temporary file and load that. */
static int cli_input_spool_snapshot(const char *cmd, cli_input *in, const char *path, iv_store **out)
{
    const char *dir = getenv("TMPDIR");
    char tmp[4096];
    unsigned char buf[65536];
    FILE *f;
    int fd, rc, st = CLI_OK;
    size_t r;
    snprintf(tmp, sizeof tmp, "%s/iv-snapshot-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(tmp);
    if (fd < 0 || !(f = fdopen(fd, "w+b"))) {
        st = cli_fail_errno(cmd, "cannot create a temporary copy of", path);
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return st;
    }
    if (fwrite(in->head, 1, in->nhead, f) != in->nhead)
        st = cli_fail_errno(cmd, "writing a temporary copy of", path);
    while (st == CLI_OK && (r = fread(buf, 1, sizeof buf, in->f)) > 0)
        if (fwrite(buf, 1, r, f) != r)
            st = cli_fail_errno(cmd, "writing a temporary copy of", path);
    if (st == CLI_OK && ferror(in->f))
        st = cli_fail_errno(cmd, "reading", path);
    if (fclose(f) != 0 && st == CLI_OK)
        st = cli_fail_errno(cmd, "writing a temporary copy of", path);
    if (st == CLI_OK && (rc = iv_store_load(out, tmp, NULL)) != IV_OK) {
        /* the message names the temporary file: name the input instead */
        const char *msg = iv_error_last();
        const char *at = msg ? strstr(msg, tmp) : NULL;
        if (at)
            st = cli_fail(cmd, "%.*s%s%s", (int)(at - msg), msg, path, at + strlen(tmp));
        else
            st = cli_fail_rc(cmd, path, rc);
    }
    unlink(tmp);
    return st;
}

int cli_copy_row(const iv_store *src, size_t row, iv_store *(*pick)(const char *contact, void *payload),
                 void *payload)
{
    size_t d, nd = iv_store_dim_count(src);
    const char *names[IV_MAX_DIMS], *vals[IV_MAX_DIMS];
    iv_record rec = IV_RECORD_INIT;
    int rc = iv_store_get_row(src, row, &rec);
    if (rc != IV_OK)
        return rc;
    for (d = 0; d < nd; d++) {
        names[d] = iv_store_dim_name(src, d);
        vals[d] = iv_store_get_dim(src, row, d);
    }
    rec.ndims = nd;
    rec.dim_names = names;
    rec.dim_values = vals;
    return iv_store_append(pick(rec.contact, payload), &rec);
}

static iv_store *cli_pick_one(const char *contact, void *payload)
{
    (void)contact;
    return payload;
}

/* Append every row of src (with its custom dimensions) to dst. */
static int cli_append_store(iv_store *dst, const iv_store *src)
{
    size_t r;
    int rc = IV_OK;
    for (r = 0; r < iv_store_rows(src) && rc == IV_OK; r++)
        rc = cli_copy_row(src, r, cli_pick_one, dst);
    return rc == IV_OK ? iv_store_prepare(dst) : rc;
}

/* A saved store as an input: the first (into the empty store we own) is taken as is;
 * later ones are appended row by row. The counters are the snapshot's own. */
static int cli_load_snapshot(const char *cmd, cli_input *in, const char *path, iv_store **store,
                             int whole, cli_ingest_result *res)
{
    iv_store *snap = NULL;
    uint64_t rejected = 0;
    size_t rows;
    int rc;
    if (in->regular) {
        if ((rc = iv_store_load(&snap, path, NULL)) != IV_OK)
            return cli_fail(cmd, "%s", iv_error_last());
    } else if ((rc = cli_input_spool_snapshot(cmd, in, path, &snap)) != CLI_OK) {
        return rc;
    }
    iv_store_ingest_counts(snap, NULL, &rejected);
    rows = iv_store_rows(snap);
    if (whole) {
        iv_store_free(*store);
        *store = snap;
    } else {
        rc = cli_append_store(*store, snap);
        iv_store_free(snap);
        if (rc != IV_OK)
            return cli_fail_rc(cmd, path, rc);
    }
    if (res) {
        res->rows_accepted += rows;
        res->rows_rejected += rejected;
        res->rows_read += rows + rejected;
    }
    return CLI_OK;
}

int cli_load(const char *cmd, const cli_opts *o, char **paths, int npaths, iv_store **store,
             cli_ingest_result *res, const char *rejects)
{
    int i, rc, status = CLI_OK, own = 0;
    FILE *rf = NULL;
    iv_table *rt = NULL;
    iv_source *src = NULL;
    static cli_guard guard; /* reject reasons (guard.c); static: 6 KiB, one read at a time */
    uint64_t g_read = 0, g_accepted = 0, g_rejected = 0;
    int ingested = 0;
    memset(&guard, 0, sizeof guard);
    if (res)
        memset(res, 0, sizeof *res);
    if ((status = cli_source_new(cmd, o, &src)) != CLI_OK)
        return status;
    if (!*store) {
        if ((rc = iv_store_new(store, NULL)) != IV_OK)
            return cli_fail_rc(cmd, "creating a store", rc);
        own = 1;
    }
    if (rejects) {
        rf = fopen(rejects, "wb");
        if (!rf) {
            status = cli_fail_errno(cmd, "cannot write rejects to", rejects);
            goto out;
        }
        if ((rc = cli_rejects_table(&rt)) != IV_OK) {
            status = cli_fail_rc(cmd, "the rejects table", rc);
            goto out;
        }
    }
    for (i = 0; i < npaths; i++) {
        iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
        iv_ingest_stats st = {sizeof st, 0, 0, 0, 0, 0};
        iv_ingest *ing = NULL;
        cli_input in;
        if ((status = cli_input_open(cmd, paths[i], &in)) != CLI_OK)
            goto out;
        if (cli_input_is_snapshot(&in)) { /* a saved store (iv ingest --save) */
            status = cli_load_snapshot(cmd, &in, paths[i], store, own && iv_store_rows(*store) == 0, res);
            cli_input_close(&in);
            if (status != CLI_OK)
                goto out;
            continue;
        }
        if (cli_input_is_cut_snapshot(&in)) {
            cli_input_close(&in);
            status = cli_fail(cmd, "%s: a store snapshot cut short (%zu bytes; not a log)",
                              paths[i], in.nhead);
            goto out;
        }
        io.format = o->input_format >= 0 ? o->input_format : cli_guess_format(paths[i]);
        io.policy = o->lenient ? IV_POLICY_LENIENT : IV_POLICY_STRICT;
        io.source = src;
        io.max_rejects = o->max_rejects;
        io.threads = cli_threads(o);
        io.skip = o->skip;
        io.keep_dims = o->keep_dims[0] ? o->keep_dims : NULL;
        if (cli_progress_enabled()) {
            io.progress = cli_progress;
            io.payload = paths[i];
        }
        rc = iv_ingest_new(&ing, *store, &io);
        if (rc == IV_OK) {
            status = cli_input_ingest(cmd, ing, &in, paths[i]);
        } else {
            status = cli_fail_rc(cmd, paths[i], rc);
        }
        cli_input_close(&in);
        if (io.progress)
            fputs("\r\033[K", stderr);
        if (ing && iv_ingest_get_stats(ing, &st) == IV_OK) {
            g_read += st.rows_read;
            g_accepted += st.rows_accepted;
            g_rejected += st.rows_rejected;
            ingested = 1;
            cli_guard_add(&guard, ing);
        }
        if (ing && iv_ingest_get_stats(ing, &st) == IV_OK && res) {
            res->rows_read += st.rows_read;
            res->rows_accepted += st.rows_accepted;
            res->rows_rejected += st.rows_rejected;
            res->rows_duplicate += st.rows_duplicate;
        }
        if (ing && rt && cli_add_rejects(rt, ing, paths[i], npaths > 1) != IV_OK) {
            iv_ingest_free(ing);
            status = cli_fail_rc(cmd, "the rejects table", IV_ENOMEM);
            goto out;
        }
        if (ing && rt && st.rows_rejected > iv_ingest_reject_count(ing)) {
            /* beyond the cap rejects are counted, not kept: say how many are missing */
            size_t kept = iv_ingest_reject_count(ing);
            fprintf(stderr, "iv %s: %s: %llu rejected rows were not written to '%s' "
                    "(only the first %zu are kept; raise --max-rejects)\n", cmd, paths[i],
                    (unsigned long long)(st.rows_rejected - kept), rejects, kept);
        }
        iv_ingest_free(ing);
        if (status != CLI_OK)
            goto out;
    }
    if (ingested)
        status = cli_guard_finish(cmd, &guard, o->lenient, g_read, g_accepted, g_rejected);
out:
    iv_source_free(src);
    if (rf && rt) {
        cli_write_errno = 0;
        if (iv_table_write(rt, IV_FORMAT_CSV, cli_write_file, rf) != IV_OK || fflush(rf) != 0 || ferror(rf)) {
            errno = cli_write_errno ? cli_write_errno : errno;
            if (status == CLI_OK)
                status = cli_fail_errno(cmd, "writing the rejects to", rejects);
        }
    }
    iv_table_free(rt);
    if (rf && fclose(rf) != 0 && status == CLI_OK)
        status = cli_fail_errno(cmd, "writing the rejects to", rejects);
    if (status != CLI_OK && own) {
        iv_store_free(*store);
        *store = NULL;
    }
    return status;
}

int cli_print(const char *cmd, const iv_table *t, int format)
{
    int rc = iv_table_save(t, format, "-");
    if (rc != IV_OK)
        return cli_fail_rc(cmd, "writing the result", rc);
    return CLI_OK;
}

/* ------------------------------------------------------------ outputs ---- */

int cli_check_output(const char *cmd, const char *opt, const char *out, char *const *inputs,
                     int ninputs, const char *model)
{
    struct stat so, si;
    int i;
    if (!out || strcmp(out, "-") == 0 || stat(out, &so) != 0 || !S_ISREG(so.st_mode))
        return CLI_OK; /* not there yet, or not a file we would truncate */
    for (i = 0; i <= ninputs; i++) {
        const char *in = i < ninputs ? inputs[i] : model;
        if (!in || strcmp(in, "-") == 0 || stat(in, &si) != 0)
            continue;
        if (si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            fprintf(stderr, "iv %s: %s '%s' is the input '%s': refusing to overwrite an input\n",
                    cmd, opt, out, in);
            return CLI_EUSAGE;
        }
    }
    return CLI_OK;
}

/* ------------------------------------------------------------ numbers ---- */

/* Strict decimal syntax: [+-]digits[.digits][(e|E)[+-]digits], or .digits; nothing
 * before or after (no spaces, no hex, no inf/nan). Returns the length matched. */
static size_t cli_decimal_len(const char *v)
{
    size_t i = 0, d = 0;
    if (v[i] == '+' || v[i] == '-')
        i++;
    while (v[i] >= '0' && v[i] <= '9')
        i++, d++;
    if (v[i] == '.') {
        i++;
        while (v[i] >= '0' && v[i] <= '9')
            i++, d++;
    }
    if (!d)
        return 0;
    if (v[i] == 'e' || v[i] == 'E') {
        size_t j = i + 1, e = 0;
        if (v[j] == '+' || v[j] == '-')
            j++;
        while (v[j] >= '0' && v[j] <= '9')
            j++, e++;
        if (e)
            i = j;
    }
    return i;
}

int cli_parse_real(const char *v, double *out)
{
    size_t n = cli_decimal_len(v);
    double x;
    if (!n || v[n])
        return -1;
    x = strtod(v, NULL);
    if (!isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int cli_parse_count(const char *v, unsigned long long max, unsigned long long *out)
{
    unsigned long long x = 0;
    size_t i;
    if (!*v)
        return -1;
    for (i = 0; v[i]; i++) {
        unsigned d;
        if (v[i] < '0' || v[i] > '9')
            return -1;
        d = (unsigned)(v[i] - '0');
        if (x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

/* ------------------------------------------------------------ signals ---- */

static char cli_guarded[4096];
static volatile sig_atomic_t cli_guard_on;

static void cli_guard_handler(int sig)
{
    if (cli_guard_on)
        unlink(cli_guarded); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_tmp_guard(const char *tmp)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    size_t k;
    if (!tmp) {
        cli_guard_on = 0;
        for (k = 0; k < sizeof sigs / sizeof *sigs; k++)
            signal(sigs[k], SIG_DFL);
        return;
    }
    snprintf(cli_guarded, sizeof cli_guarded, "%s", tmp);
    cli_guard_on = 1;
    for (k = 0; k < sizeof sigs / sizeof *sigs; k++)
        signal(sigs[k], cli_guard_handler);
}

void cli_hold_signals(int hold)
{
    static sigset_t old;
    sigset_t set;
    if (hold) {
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &set, &old);
    } else {
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
}

int cli_save_partial(const char *cmd, const iv_partial *p, const char *path)
{
    int rc;
    cli_hold_signals(1);
    rc = iv_partial_save(p, path);
    cli_hold_signals(0);
    return rc == IV_OK ? CLI_OK : cli_fail(cmd, "%s", iv_error_last());
}

int cli_save_summary(const char *cmd, const iv_summary *s, const char *path)
{
    int rc;
    cli_hold_signals(1);
    rc = iv_summary_save(s, path);
    cli_hold_signals(0);
    return rc == IV_OK ? CLI_OK : cli_fail(cmd, "%s", iv_error_last());
}
