/* `iv gen`: a synthetic interaction log that looks like a real CRM export.
 *
 * The command writes CSV with the columns of doc/GUIDE.md §1 plus the custom dimensions
 * `region` and `variant`. Output is a pure function of the options (no clock, no
 * rand(), no locale, no libm transcendental functions): the same options give the
 * same bytes on every platform. */
#ifndef IV_CLI_GEN_H
#define IV_CLI_GEN_H

#include <stdio.h>

/* The header line `iv gen` writes (without the line ending). */
#define IV_CLI_GEN_HEADER \
    "contact,ts,channel,type,stage,area,direction,cost,value,outcome,team,score,rv,id,region,variant"

/* Run `iv gen` with argv[0] = "gen": CSV to stdout, messages to stderr.
 * Returns the process exit status: 0 success, 1 write error, 2 usage error. */
int iv_cli_gen(int argc, char **argv);

/* The same, writing the CSV to `out` and messages (usage, errors) to `err`. */
int iv_cli_gen_to(FILE *out, FILE *err, int argc, char **argv);

#endif
