/* Guards of `iv` against quietly wrong results (doc/SOURCES.md, "What to check"): a
 * lenient read that accepted no row fails, over 10% of rows rejected warns with the top
 * reasons, and the vocabulary the model does not know is counted and named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "guard.h"

/* The reason of a reject without its quoted values ('...'), so that rows rejected for
 * the same cause count together: "column 2 (ts): bad timestamp '…': …". */
static void reason_key(const char *reason, char *out, size_t cap)
{
    size_t k = 0;
    int quoted = 0;
    for (; *reason && k + 4 < cap; reason++) {
        if (*reason == '\'') {
            if (!quoted) {
                memcpy(out + k, "'\xe2\x80\xa6", 4); /* '… */
                k += 4;
            } else if (k + 1 < cap) {
                out[k++] = '\'';
            }
            quoted = !quoted;
            continue;
        }
        if (!quoted)
            out[k++] = *reason;
    }
    out[k] = '\0';
}

void cli_guard_add(cli_guard *g, const iv_ingest *ing)
{
    size_t i, n = iv_ingest_reject_count(ing);
    for (i = 0; i < n; i++) {
        const char *reason = NULL;
        char key[320];
        int j;
        if (iv_ingest_reject(ing, i, NULL, NULL, &reason, NULL) != IV_OK || !reason)
            continue;
        reason_key(reason, key, sizeof key);
        for (j = 0; j < g->nreasons; j++)
            if (strcmp(g->reason[j], key) == 0)
                break;
        if (j == g->nreasons) {
            if (g->nreasons == CLI_GUARD_REASONS)
                continue; /* counted in the total only */
            memcpy(g->reason[j], key, strlen(key) + 1);
            g->count[j] = 0;
            g->nreasons++;
        }
        g->count[j]++;
    }
}

int cli_guard_finish(const char *cmd, const cli_guard *g, int lenient, uint64_t read,
                     uint64_t accepted, uint64_t rejected)
{
    if (rejected * 10 > read && read > 0) {
        int order[CLI_GUARD_REASONS], i, j, k;
        fprintf(stderr, "iv %s: warning: %llu of %llu rows rejected (%.1f%%); top reasons:\n", cmd,
                (unsigned long long)rejected, (unsigned long long)read,
                100.0 * (double)rejected / (double)read);
        for (i = 0; i < g->nreasons; i++)
            order[i] = i;
        for (i = 1; i < g->nreasons; i++) /* insertion sort by count, descending */
            for (j = i; j > 0 && g->count[order[j]] > g->count[order[j - 1]]; j--) {
                k = order[j];
                order[j] = order[j - 1];
                order[j - 1] = k;
            }
        for (i = 0; i < g->nreasons && i < 3; i++)
            fprintf(stderr, "  %llu x %s\n", (unsigned long long)g->count[order[i]],
                    g->reason[order[i]]);
    }
    if (lenient && accepted == 0)
        return cli_fail(cmd, "no row accepted (%llu read, %llu rejected)%s",
                        (unsigned long long)read, (unsigned long long)rejected,
                        read ? ": see the reasons above, or write them with --rejects FILE" : "");
    return CLI_OK;
}

int cli_vocab_report(const char *cmd, const iv_store *store, const iv_model *model,
                     uint64_t *unknown_types, uint64_t *unknown_channels)
{
    iv_table *t = NULL;
    size_t r, shown[2] = {0, 0};
    int rc = iv_model_check(model, store, &t);
    *unknown_types = *unknown_channels = 0;
    if (rc != IV_OK)
        return cli_fail_rc(cmd, "checking the vocabulary", rc);
    for (r = 0; r < iv_table_nrows(t); r++) {
        int ch = strcmp(iv_table_get_string(t, r, 0), "channel") == 0;
        int64_t n = iv_table_get_int(t, r, 2);
        *(ch ? unknown_channels : unknown_types) += (uint64_t)n;
    }
    for (r = 0; r < iv_table_nrows(t); r++) {
        int ch = strcmp(iv_table_get_string(t, r, 0), "channel") == 0;
        if (shown[ch] == 0)
            fprintf(stderr, "iv %s: %llu rows have a %s the model does not know (%s):", cmd,
                    (unsigned long long)(ch ? *unknown_channels : *unknown_types),
                    ch ? "channel" : "type",
                    ch ? "cost default_cost" : "RV 0, counted in rv_unscored");
        if (shown[ch] < 5)
            fprintf(stderr, "%s %s (%lld)", shown[ch] ? "," : "", iv_table_get_string(t, r, 1),
                    (long long)iv_table_get_int(t, r, 2));
        shown[ch]++;
        if (r + 1 == iv_table_nrows(t) ||
            (strcmp(iv_table_get_string(t, r + 1, 0), "channel") == 0) != ch) {
            if (shown[ch] > 5)
                fprintf(stderr, " and %zu more", shown[ch] - 5);
            fputs("; see iv model check\n", stderr);
        }
    }
    iv_table_free(t);
    return CLI_OK;
}
