/* The iv tool's error reporting: one message shape, one exit-code rule (fail.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fail.h"

/* Where this thread's cli_fail messages go; NULL: stderr. */
static _Thread_local FILE *cli_err;

void cli_fail_to(FILE *f)
{
    cli_err = f;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    FILE *out = cli_err ? cli_err : stderr;
    va_list ap;
    fprintf(out, "iv %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    return CLI_EFAIL;
}

int cli_fail_errno(const char *cmd, const char *what, const char *path)
{
    int e = errno;
    return cli_fail(cmd, "%s '%s': %s", what, path, e ? strerror(e) : "unknown error");
}

int cli_fail_rc(const char *cmd, const char *what, int rc)
{
    const char *msg = iv_error_last();
    if (!msg || !*msg)
        msg = iv_strerror(rc);
    /* the library's message often names the file already: never say it twice */
    if (strstr(msg, what))
        return cli_fail(cmd, "%s", msg);
    return cli_fail(cmd, "%s: %s", what, msg);
}

int cli_fail_query(const char *cmd, const char *what, int rc)
{
    cli_fail_rc(cmd, what, rc);
    /* the query's own inputs (--where, --by, --steps, --from/--to) were rejected */
    return rc == IV_EPARSE || rc == IV_ENOTFOUND || rc == IV_EINVAL ? CLI_EUSAGE : CLI_EFAIL;
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
