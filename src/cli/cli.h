/* Shared pieces of the `iv` tool. The tool uses the public API only (include/iv.h). */
#ifndef IV_CLI_H
#define IV_CLI_H

#include <stdio.h>

#include "iv.h"

/* Most source options one command line may give (doc/SOURCES.md, "Options"). */
#define CLI_MAX_SOURCE_OPTS 128

/* Options every command may take. */
typedef struct cli_opts {
    int format;           /* IV_FORMAT_*, default IV_FORMAT_TABLE */
    int input_format;     /* IV_INPUT_*, or -1 = by extension */
    int lenient;
    const char *model;    /* --model FILE */
    uint64_t max_rejects; /* --max-rejects N of iv ingest (0: the library's default) */
    /* the source options, in command-line order: (iv_source_set name, value) pairs,
     * each already checked by cli_common_opt; cli_source_new builds the source */
    const char *src_name[CLI_MAX_SOURCE_OPTS], *src_value[CLI_MAX_SOURCE_OPTS];
    int nsrc;
    int threads;          /* --threads N for ingestion (and grouping); -1 = the cores */
    /* what the command will not read (cli_skip_for): iv_ingest_options.skip, keep_dims */
    unsigned skip;
    char keep_dims[1024];
} cli_opts;

/* For a command that reads, of the id and the custom dimensions, only those its --by
 * (comma-separated names) and --where (selection words) name: set o->skip and
 * o->keep_dims so that ingestion stores no other (doc/PERFORMANCE.md, "Reading only the
 * columns a command needs"). by and where may be NULL. The id is kept when a name is
 * `id` or when --dedup id is given; the dimensions are all kept when the names do not
 * fit keep_dims. */
void cli_skip_for(cli_opts *o, const char *by, const char *where);

/* The threads option's value: --threads N, or the number of cores online. */
int cli_threads(const cli_opts *o);

/* A command: argv[0] is its name. Returns the exit status. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

#include "fail.h"

/* If argv[*i] is one of the common options (--format, --input-format, --lenient, --model,
 * --threads, and the source options --delimiter --encoding --time-format --timezone
 * --epoch-unit --decimal --thousands --map --set --values --dedup), consume it (and its
 * value) and return 1; 0 if not; -1 on a bad value (message printed). */
int cli_common_opt(const char *cmd, int argc, char **argv, int *i, cli_opts *o);
void cli_opts_init(cli_opts *o);
/* Usage text of the source options, for the commands' usage lines. */
#define CLI_SOURCE_USAGE "[--delimiter C|auto] [--encoding utf-8|latin1|windows-1252]\n" \
    "    [--time-format FMT]... [--timezone ZONE] [--epoch-unit s|ms|us] [--decimal .|,]\n" \
    "    [--thousands none|,|.|space|'] [--map src=dst,...] [--set field=value,...]\n" \
    "    [--values FIELD:from=to,...]... [--dedup none|id]"
/* The source the options of o describe (NULL in *out when there are none). Prints the
 * error and returns CLI_EFAIL on failure; the caller frees *out (iv_source_free). */
int cli_source_new(const char *cmd, const cli_opts *o, iv_source **out);

/* Value of "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when argv[*i] is not
 * --name. A missing value prints a usage error and sets *bad. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i, const char *name, int *bad);

/* If argv[*i] is a selection option — --by (only when by is not NULL), --where, --from,
 * --to — store its value and return 1; 0 if not; -1 on a bad value (message printed). */
int cli_select_opt(const char *cmd, int argc, char **argv, int *i, const char **by,
                   const char **where, int64_t *from, int64_t *to);

/* Parse a timestamp option value (the forms of doc/GUIDE.md §1); prints "iv CMD: OPT: reason" and
 * returns -1 when bad, 0 when good. */
int cli_parse_time(const char *cmd, const char *opt, const char *v, int64_t *out);
/* Parse a duration "7d", "12h", "30m", "45s", "2w" (a bare number is days) into
 * milliseconds (> 0, at most ~285 years); -1 when bad. */
int cli_parse_duration(const char *v, int64_t *ms);

/* The one number syntax of every numeric option: a decimal number ([+-]d[.d][e[+-]d]),
 * finite, nothing before or after (no spaces, hex, inf, nan). 0 or -1 when malformed;
 * the caller checks the range and prints the usage error. */
int cli_parse_real(const char *v, double *out);
/* A whole number 0..max in decimal digits only (no sign, no spaces, no hex). 0 or -1. */
int cli_parse_count(const char *v, unsigned long long max, unsigned long long *out);

/* Input format of a path by extension (.jsonl/.ndjson -> JSONL, otherwise CSV). */
int cli_guess_format(const char *path);

/* Ingest one or more files into a new store (or add to *store when not NULL).
 * Prints the error and returns CLI_EFAIL on failure. stats may be NULL. With rejects set,
 * rejected rows are written there (line,offset,reason,raw). A path holding a saved store
 * (iv_store_save(), detected by its magic bytes) is loaded instead of ingested. */
typedef struct cli_ingest_result {
    uint64_t rows_read, rows_accepted, rows_rejected, rows_duplicate;
} cli_ingest_result;
int cli_load(const char *cmd, const cli_opts *o, char **paths, int npaths, iv_store **store,
             cli_ingest_result *res, const char *rejects);

/* Append row `row` of src (with its custom dimensions) to the store pick(contact, payload)
 * returns. IV_OK or the append's error. */
int cli_copy_row(const iv_store *src, size_t row, iv_store *(*pick)(const char *contact, void *payload),
                 void *payload);

/* Refuse an output path (of option opt) that names one of the inputs or the model file
 * (the same inode, however spelled: links, /dev/fd/N, ./x): prints why and returns
 * CLI_EUSAGE; CLI_OK otherwise. Every command that writes a file calls it before
 * opening anything. model may be NULL. */
int cli_check_output(const char *cmd, const char *opt, const char *out, char *const *inputs,
                     int ninputs, const char *model);

/* Interrupted saves leave no temporary file where that is possible: cli_tmp_guard(TMP)
 * makes SIGINT, SIGTERM, SIGHUP and SIGPIPE remove the file TMP the tool is writing
 * before ending the tool as the signal would (NULL: back to the defaults);
 * cli_hold_signals(1) holds those signals while the library saves (its temporary file
 * is renamed or removed by the time cli_hold_signals(0) delivers them). SIGKILL cannot
 * be caught: the next save of the same target removes what it left. */
void cli_tmp_guard(const char *tmp);
void cli_hold_signals(int hold);
/* Save a partial or a summary to PATH with those signals held: CLI_OK, or the failure's
 * status after printing the library's message as command CMD. */
int cli_save_partial(const char *cmd, const iv_partial *p, const char *path);
int cli_save_summary(const char *cmd, const iv_summary *s, const char *path);

/* Print a table to stdout in the chosen format. */
int cli_print(const char *cmd, const iv_table *t, int format);

/* Whether progress should be shown (stderr is a terminal). */
int cli_progress_enabled(void);
/* A progress callback printing "label: NN%" or bytes on stderr. payload = label. */
int cli_progress(uint64_t done, uint64_t total, void *payload);

#endif
