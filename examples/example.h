/* Shared by the examples: load a log into a store, stop with the library's message on an
 * error. examples/ingest.c shows the same steps with every option spelled out. */
#ifndef IV_EXAMPLE_H
#define IV_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>

#include <iv.h>

/* On a failure print what failed and the library's message (it says where), and exit 1. */
static void check(int rc, const char *what)
{
    if (rc != IV_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, iv_error_last(), iv_strerror(rc));
        exit(1);
    }
}

/* A store holding the interactions of a CSV file (strict: the first bad row fails). */
static iv_store *load(const char *path)
{
    iv_store *store = NULL;
    iv_ingest *ing = NULL;
    check(iv_store_new(&store, NULL), "iv_store_new");
    check(iv_ingest_new(&ing, store, NULL), "iv_ingest_new");
    check(iv_ingest_file(ing, path), path);
    iv_ingest_free(ing);
    return store;
}

#endif
