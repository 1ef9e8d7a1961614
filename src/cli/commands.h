/* The commands of `iv`, one function each (argv[0] = the command's name). */
#ifndef IV_CLI_COMMANDS_H
#define IV_CLI_COMMANDS_H

#include <stdlib.h>

int cli_cmd_ingest(int argc, char **argv);
int cli_cmd_metrics(int argc, char **argv);
int cli_cmd_model(int argc, char **argv);
int cli_cmd_contacts(int argc, char **argv);
int cli_cmd_churn(int argc, char **argv);
int cli_cmd_retention(int argc, char **argv);
int cli_cmd_cohorts(int argc, char **argv);
int cli_cmd_funnel(int argc, char **argv);
int cli_cmd_lifecycle(int argc, char **argv);
int cli_cmd_stickiness(int argc, char **argv);
int cli_cmd_paths(int argc, char **argv);
int cli_cmd_clv(int argc, char **argv);
int cli_cmd_maturity(int argc, char **argv);
int cli_cmd_pattern(int argc, char **argv);
int cli_cmd_compare(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_summary(int argc, char **argv);
/* iv summary make --command COMMAND (a lifecycle command): argv[1..] are that command's
 * options, INPUT... and -o OUT; the partial is saved to OUT. -1 when COMMAND is not one
 * of churn, retention, cohorts, funnel, lifecycle, stickiness; else an exit status. */
int cli_summary_make_lifecycle(const char *command, int argc, char **argv);
/* iv summary make --command norm|compare (cmd_pattern.c); -1: not one of them. */
int cli_summary_make_pattern(const char *command, int argc, char **argv);
/* iv summary make --command clv (cmd_summary.c). */
int cli_summary_make_clv(int argc, char **argv);
int cli_cmd_partition(int argc, char **argv);

#endif
