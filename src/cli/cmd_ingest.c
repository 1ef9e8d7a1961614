/* iv ingest FILE... : read logs, report what was accepted and rejected. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "guard.h"

static const char *usage =
    "iv ingest FILE... [--input-format csv|jsonl] [--lenient] [--rejects OUT.csv]\n"
    "                  [--max-rejects N] [--save STORE] [--model FILE] [--format table|csv|json]\n"
    "    " CLI_SOURCE_USAGE;

int cli_cmd_ingest(int argc, char **argv)
{
    cli_opts o;
    const char *rejects = NULL, *save = NULL, *v;
    char **paths;
    int i, np = 0, st, bad = 0;
    iv_store *store = NULL;
    iv_table *t = NULL;
    cli_ingest_result res;
    int64_t first, last;
    iv_model *model = NULL;
    uint64_t unknown_types = 0, unknown_channels = 0;

    cli_opts_init(&o);
    paths = calloc((size_t)argc, sizeof *paths);
    if (!paths)
        return cli_fail("ingest", "out of memory");
    for (i = 1; i < argc; i++) {
        int c = cli_common_opt("ingest", argc, argv, &i, &o);
        if (c < 0) {
            free(paths);
            return CLI_EUSAGE;
        }
        if (c)
            continue;
        if ((v = cli_value("ingest", argc, argv, &i, "--rejects", &bad))) {
            rejects = v;
        } else if (!bad && (v = cli_value("ingest", argc, argv, &i, "--save", &bad))) {
            save = v;
        } else if (!bad && (v = cli_value("ingest", argc, argv, &i, "--max-rejects", &bad))) {
            unsigned long long m;
            if (cli_parse_count(v, UINT64_MAX, &m) || m == 0) {
                free(paths);
                return cli_usage("ingest", usage, "--max-rejects takes a whole number >= 1 (not '%s')", v);
            }
            o.max_rejects = m;
        } else if (bad) {
            free(paths);
            return CLI_EUSAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\nReads interaction logs (CSV or JSON Lines) and reports rows_read,\n"
                   "rows_accepted, rows_rejected, contacts, first_ts, last_ts, rows_duplicate,\n"
                   "unknown_types and unknown_channels (rows whose type, resp. channel, the model\n"
                   "of --model FILE, else the built-in default, does not know; the most frequent\n"
                   "such values are named on standard error). A lenient read that accepts no row\n"
                   "exits 1; over 10%% of rows rejected prints a warning with the top reasons.\n"
                   "FILE '-' reads standard input. Strict by default:\n"
                   "the first bad row stops with a message naming its line and field (exit 1).\n"
                   "--lenient skips bad rows; --rejects writes them as CSV (line,offset,reason,raw):\n"
                   "the first --max-rejects N (default 1000000); how many more were not written\n"
                   "is said on standard error. A raw text longer than 1024 bytes is cut and ends\n"
                   "with \"...[cut: N bytes]\".\n"
                   "--save STORE writes the store as a snapshot (atomically) that every command\n"
                   "takes as INPUT, with the same results, without parsing the log again.\n"
                   "The source options (--delimiter ... --dedup; every command that reads a log\n"
                   "takes them) say how to read exports of other shapes: doc/SOURCES.md.\n",
                   usage);
            free(paths);
            return CLI_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            free(paths);
            return cli_usage("ingest", usage, "unknown option '%s'", argv[i]);
        } else {
            paths[np++] = argv[i];
        }
    }
    if (np == 0) {
        free(paths);
        return cli_usage("ingest", usage, "no input file");
    }
    if ((st = cli_check_output("ingest", "--rejects", rejects, paths, np, o.model)) != CLI_OK ||
        (st = cli_check_output("ingest", "--save", save, paths, np, o.model)) != CLI_OK) {
        free(paths);
        return st;
    }
    if (rejects && save && strcmp(rejects, save) == 0) {
        free(paths);
        return cli_usage("ingest", usage, "--rejects and --save name the same file '%s'", save);
    }
    if (o.model && iv_model_load(&model, o.model, NULL) != IV_OK) {
        free(paths);
        return cli_fail("ingest", "%s", iv_error_last());
    }
    st = cli_load("ingest", &o, paths, np, &store, &res, rejects);
    free(paths);
    /* the vocabulary the model (--model, else the default) does not know: counted in
     * unknown_types / unknown_channels, the most frequent values named on stderr */
    if (st == CLI_OK)
        st = cli_vocab_report("ingest", store, model, &unknown_types, &unknown_channels);
    iv_model_free(model);
    if (st != CLI_OK) {
        iv_store_free(store);
        return st;
    }
    cli_hold_signals(1);
    st = save ? iv_store_save(store, save) : IV_OK;
    cli_hold_signals(0);
    if (st != IV_OK) {
        iv_store_free(store);
        return cli_fail("ingest", "%s", iv_error_last());
    }
    iv_store_time_range(store, &first, &last);
    if (iv_table_new(&t, NULL, NULL) != IV_OK || iv_table_add_column(t, "rows_read", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "rows_accepted", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "rows_rejected", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "contacts", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "first_ts", IV_COL_TIME) < 0 ||
        iv_table_add_column(t, "last_ts", IV_COL_TIME) < 0 ||
        iv_table_add_column(t, "rows_duplicate", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "unknown_types", IV_COL_INT) < 0 ||
        iv_table_add_column(t, "unknown_channels", IV_COL_INT) < 0 || iv_table_add_row(t) < 0) {
        iv_table_free(t);
        iv_store_free(store);
        return cli_fail("ingest", "out of memory");
    }
    iv_table_set_int(t, 0, 0, (int64_t)res.rows_read);
    iv_table_set_int(t, 0, 1, (int64_t)res.rows_accepted);
    iv_table_set_int(t, 0, 2, (int64_t)res.rows_rejected);
    iv_table_set_int(t, 0, 3, (int64_t)iv_store_contacts(store));
    iv_table_set_int(t, 0, 4, first);
    iv_table_set_int(t, 0, 5, last);
    iv_table_set_int(t, 0, 6, (int64_t)res.rows_duplicate);
    iv_table_set_int(t, 0, 7, (int64_t)unknown_types);
    iv_table_set_int(t, 0, 8, (int64_t)unknown_channels);
    iv_table_set_single(t, 1);
    st = cli_print("ingest", t, o.format);
    iv_table_free(t);
    iv_store_free(store);
    return st;
}
