/* Guards of `iv` against quietly wrong results: rejected rows, empty reads, unknown
 * vocabulary (guard.c). */
#ifndef IV_CLI_GUARD_H
#define IV_CLI_GUARD_H

#include "iv.h"

#define CLI_GUARD_REASONS 32 /* distinct reject reasons tallied */

/* Reject reasons tallied over every file of one read. */
typedef struct cli_guard {
    char reason[CLI_GUARD_REASONS][320];
    uint64_t count[CLI_GUARD_REASONS];
    int nreasons;
} cli_guard;

/* Tally the kept rejects of one ingestion. */
void cli_guard_add(cli_guard *g, const iv_ingest *ing);
/* After the whole read: warn on stderr when over 10% of the rows were rejected (with
 * the three most frequent reasons), and fail (CLI_EFAIL, "no row accepted") when a
 * lenient read accepted no row. */
int cli_guard_finish(const char *cmd, const cli_guard *g, int lenient, uint64_t read,
                     uint64_t accepted, uint64_t rejected);
/* Count the store's rows whose type, resp. channel, the model (NULL: the default) does
 * not know, and name the most frequent values on stderr. CLI_OK or CLI_EFAIL. */
int cli_vocab_report(const char *cmd, const iv_store *store, const iv_model *model,
                     uint64_t *unknown_types, uint64_t *unknown_channels);

#endif
