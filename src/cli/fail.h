/* The iv tool's exit statuses and its one way of reporting an error (fail.c). */
#ifndef IV_CLI_FAIL_H
#define IV_CLI_FAIL_H

#include <stdio.h>

#include "iv.h"

/* Exit statuses scripts can rely on. */
enum {
    CLI_OK = 0,      /* success */
    CLI_EFAIL = 1,   /* the work failed (bad data in strict mode, I/O, ...) */
    CLI_EUSAGE = 2   /* bad command line */
};

/* Print "iv CMD: <fmt>" to stderr (or to the stream cli_fail_to() gave this thread).
 * Returns CLI_EFAIL. */
int cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The one way the tool reports an I/O failure: "iv CMD: WHAT 'PATH': <strerror(errno)>"
 * (errno as the failing call left it). Returns CLI_EFAIL. */
int cli_fail_errno(const char *cmd, const char *what, const char *path);
/* Print "iv CMD: <what>: <iv_error_last()>" and return CLI_EFAIL. */
int cli_fail_rc(const char *cmd, const char *what, int rc);
/* A failed query: the message as cli_fail_rc(); returns CLI_EUSAGE when the library
 * rejected what the command line gave it (IV_EPARSE, IV_ENOTFOUND, IV_EINVAL: a bad
 * --where, --by, --steps, reversed bounds), CLI_EFAIL otherwise. The exit-code rule of
 * every command: 2 = bad command line, 1 = the work failed. */
int cli_fail_query(const char *cmd, const char *what, int rc);
/* Send this thread's cli_fail messages to F instead of stderr (NULL: stderr again), so
 * that work done on several threads can report its first error only, in a fixed order
 * (iv report's sections). */
void cli_fail_to(FILE *f);
/* Print a usage error and return CLI_EUSAGE. */
int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
