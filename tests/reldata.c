#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reldata.h"

uint64_t rel_next(uint64_t *state)
{
    /* splitmix64 (Steele, Lea & Flood 2014) */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rel_row_make(rel_row *r, uint64_t seed, size_t i, size_t contacts)
{
    static const char *const channels[] = {"web", "phone", "email", "chat", "post", "shop"};
    static const char *const types[] = {"visit", "click", "purchase", "repeat", "refer",
                                        "support", "complaint", "nps", "csat", "ces",
                                        "discontinue", "webinar"};
    static const char *const teams[] = {"east", "west", "north", NULL};
    static const char *const regions[] = {"amer", "emea", "apac", ""};
    uint64_t st = seed * 1000003ULL + i, u = rel_next(&st);
    iv_record init = IV_RECORD_INIT;
    r->rec = init;
    snprintf(r->contact, sizeof r->contact, "k%03u", (unsigned)(u % contacts));
    u = rel_next(&st);
    r->rec.contact = r->contact;
    r->rec.ts = 1640995200000LL + (int64_t)(u % (730ULL * 86400000ULL)); /* 2022-01-01 + 2 y */
    u = rel_next(&st);
    r->rec.channel = channels[u % 6];
    r->rec.type = types[(u >> 8) % 12];
    r->rec.team = teams[(u >> 16) % 4];
    r->rec.outcome = (int)((u >> 20) % 4);
    r->rec.direction = (int)((u >> 24) % 3);
    if ((u >> 28) % 3 == 0)
        r->rec.cost = (double)((u >> 32) % 1000) / 100.0;
    if ((u >> 40) % 2 == 0)
        r->rec.value = (double)((u >> 41) % 50000) / 100.0 - 50.0;
    if ((u >> 12) % 17 == 0)
        r->rec.rv = (double)((u >> 50) % 21) - 10.0;
    if (strcmp(r->rec.type, "nps") == 0)
        r->rec.score = (double)((u >> 44) % 11);
    else if (strcmp(r->rec.type, "csat") == 0)
        r->rec.score = 1.0 + (double)((u >> 44) % 5);
    else if (strcmp(r->rec.type, "ces") == 0)
        r->rec.score = 1.0 + (double)((u >> 44) % 7);
    r->dim_names[0] = "region";
    r->dim_values[0] = regions[(u >> 56) % 4];
    r->rec.ndims = 1;
    r->rec.dim_names = r->dim_names;
    r->rec.dim_values = r->dim_values;
}

int rel_store_new(iv_store **out, iv_alloc_fn fn, void *ud, uint64_t seed, const size_t *idx,
                  size_t n, size_t contacts)
{
    iv_store_options so = IV_STORE_OPTIONS_INIT;
    iv_store *s = NULL;
    size_t i;
    int rc;
    so.alloc = fn;
    so.alloc_ud = ud;
    *out = NULL;
    if ((rc = iv_store_new(&s, &so)) != IV_OK)
        return rc;
    for (i = 0; i < n; i++) {
        rel_row r;
        rel_row_make(&r, seed, idx ? idx[i] : i, contacts);
        if ((rc = iv_store_append(s, &r.rec)) != IV_OK) {
            iv_store_free(s);
            return rc;
        }
    }
    if ((rc = iv_store_prepare(s)) != IV_OK) {
        iv_store_free(s);
        return rc;
    }
    *out = s;
    return IV_OK;
}

char *rel_table_csv(const iv_table *t)
{
    char *s = NULL, *copy;
    size_t len = 0;
    if (!t || iv_table_to_string(t, IV_FORMAT_CSV, &s, &len) != IV_OK)
        return NULL;
    copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    iv_table_free_string(t, s);
    return copy;
}
