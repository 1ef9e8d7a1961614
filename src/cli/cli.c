/* Shared pieces of the `iv` tool: option parsing, loading inputs, printing tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "iv %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EFAIL;
}

int cli_fail_rc(const char *cmd, const char *what, int rc)
{
    const char *msg = iv_error_last();
    if (!msg || !*msg)
        msg = iv_strerror(rc);
    return cli_fail(cmd, "%s: %s", what, msg);
}

int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "iv %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n", usage);
    return CLI_EUSAGE;
}

void cli_opts_init(cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = IV_FORMAT_TABLE;
    o->input_format = -1;
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

int cli_common_opt(const char *cmd, int argc, char **argv, int *i, cli_opts *o)
{
    int bad = 0;
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
    if ((v = cli_value(cmd, argc, argv, i, "--map", &bad))) {
        o->map = v;
        return 1;
    }
    if (bad)
        return -1;
    if ((v = cli_value(cmd, argc, argv, i, "--model", &bad))) {
        o->model = v;
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
    if (!bad && (v = cli_value(cmd, argc, argv, i, "--from", &bad)))
        return cli_parse_time(cmd, "--from", v, from) ? -1 : 1;
    if (!bad && (v = cli_value(cmd, argc, argv, i, "--to", &bad)))
        return cli_parse_time(cmd, "--to", v, to) ? -1 : 1;
    return bad ? -1 : 0;
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
    char *end;
    double x = strtod(v, &end), unit = 86400000.0;
    if (end == v || !(x > 0))
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

static int cli_write_file(const void *data, size_t len, void *payload)
{
    return fwrite(data, 1, len, (FILE *)payload) != len;
}

/* Whether path starts with the store snapshot magic (iv_store_save()). */
static int cli_is_snapshot(const char *path)
{
    char magic[8];
    FILE *f = fopen(path, "rb");
    int yes;
    if (!f)
        return 0;
    yes = fread(magic, 1, 8, f) == 8 && memcmp(magic, IV_STORE_SNAPSHOT_MAGIC, 8) == 0;
    fclose(f);
    return yes;
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
static int cli_load_snapshot(const char *cmd, const char *path, iv_store **store, int whole,
                             cli_ingest_result *res)
{
    iv_store *snap = NULL;
    uint64_t rejected = 0;
    size_t rows;
    int rc = iv_store_load(&snap, path, NULL);
    if (rc != IV_OK)
        return cli_fail(cmd, "%s", iv_error_last());
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
    if (res)
        memset(res, 0, sizeof *res);
    if (!*store) {
        if ((rc = iv_store_new(store, NULL)) != IV_OK)
            return cli_fail_rc(cmd, "creating a store", rc);
        own = 1;
    }
    if (rejects) {
        rf = fopen(rejects, "wb");
        if (!rf) {
            status = cli_fail(cmd, "cannot write rejects to '%s'", rejects);
            goto out;
        }
        if ((rc = cli_rejects_table(&rt)) != IV_OK) {
            status = cli_fail_rc(cmd, "the rejects table", rc);
            goto out;
        }
    }
    for (i = 0; i < npaths; i++) {
        iv_ingest_options io = IV_INGEST_OPTIONS_INIT;
        iv_ingest_stats st = {sizeof st, 0, 0, 0, 0};
        iv_ingest *ing = NULL;
        if (cli_is_snapshot(paths[i])) { /* a saved store (iv ingest --save) */
            status = cli_load_snapshot(cmd, paths[i], store, own && iv_store_rows(*store) == 0, res);
            if (status != CLI_OK)
                goto out;
            continue;
        }
        io.format = o->input_format >= 0 ? o->input_format : cli_guess_format(paths[i]);
        io.policy = o->lenient ? IV_POLICY_LENIENT : IV_POLICY_STRICT;
        io.map = o->map;
        if (cli_progress_enabled()) {
            io.progress = cli_progress;
            io.payload = paths[i];
        }
        rc = iv_ingest_new(&ing, *store, &io);
        if (rc == IV_OK)
            rc = iv_ingest_file(ing, paths[i]);
        if (io.progress)
            fputs("\r\033[K", stderr);
        if (ing && iv_ingest_get_stats(ing, &st) == IV_OK && res) {
            res->rows_read += st.rows_read;
            res->rows_accepted += st.rows_accepted;
            res->rows_rejected += st.rows_rejected;
        }
        if (ing && rt && cli_add_rejects(rt, ing, paths[i], npaths > 1) != IV_OK) {
            iv_ingest_free(ing);
            status = cli_fail_rc(cmd, "the rejects table", IV_ENOMEM);
            goto out;
        }
        iv_ingest_free(ing);
        if (rc != IV_OK) {
            /* iv_ingest_file's message already names the file */
            const char *msg = iv_error_last();
            status = msg && strstr(msg, paths[i]) ? cli_fail(cmd, "%s", msg) : cli_fail_rc(cmd, paths[i], rc);
            goto out;
        }
    }
out:
    if (rf && rt && iv_table_write(rt, IV_FORMAT_CSV, cli_write_file, rf) != IV_OK && status == CLI_OK)
        status = cli_fail(cmd, "writing '%s' failed", rejects);
    iv_table_free(rt);
    if (rf && fclose(rf) != 0 && status == CLI_OK)
        status = cli_fail(cmd, "writing '%s' failed", rejects);
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
