/* Summaries (doc/SUMMARIES.md): split a log into two stores by the stable contact hash, summarise
 * each with the same query, merge the summaries (through their bytes, as workers would send
 * them) and check the result against one summary of the whole; then compare variants A and
 * B from the summary alone (no contact-level data).   usage: example_summary LOG.csv */
#include <string.h>

#include "example.h"

static iv_summary *summarise(const iv_store *store)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_summary *s = NULL;
    q.by = "variant";
    check(iv_summary_make(&s, store, &q, NULL), "iv_summary_make");
    return s;
}

static double get(const iv_summary *s, size_t group, const char *col)
{
    iv_table *t = NULL;
    double v;
    check(iv_summary_metrics(&t, s), "metrics");
    v = iv_table_get_double(t, group, (size_t)iv_table_col_index(t, col));
    iv_table_free(t);
    return v;
}

int main(int argc, char **argv)
{
    iv_store *store, *part[2];
    iv_summary *whole, *s0, *s1, *received = NULL;
    iv_record rec;
    iv_table *t = NULL;
    void *bytes = NULL;
    const char *names[16], *values[16];
    size_t len = 0, i, d, nd;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    /* every row of a contact lands in the same part */
    for (i = 0; i < 2; i++)
        check(iv_store_new(&part[i], NULL), "iv_store_new");
    nd = iv_store_dim_count(store);
    if (nd > 16)
        nd = 16;
    for (d = 0; d < nd; d++)
        names[d] = iv_store_dim_name(store, d);
    iv_record_init(&rec, sizeof rec);
    for (i = 0; i < iv_store_rows(store); i++) {
        check(iv_store_get_row(store, i, &rec), "get row");
        for (d = 0; d < nd; d++) /* custom dimensions are read one by one */
            values[d] = iv_store_get_dim(store, i, d);
        rec.ndims = nd;
        rec.dim_names = names;
        rec.dim_values = values;
        check(iv_store_append(part[iv_partition_of(rec.contact, strlen(rec.contact), 2)], &rec),
              "append");
    }
    for (i = 0; i < 2; i++)
        check(iv_store_prepare(part[i]), "prepare");

    whole = summarise(store);
    s0 = summarise(part[0]);
    s1 = summarise(part[1]);
    check(iv_summary_to_bytes(s1, &bytes, &len), "to bytes");
    check(iv_summary_from_bytes(&received, bytes, len, NULL), "from bytes");
    iv_summary_free_bytes(s1, bytes, len);
    check(iv_summary_merge(s0, received), "merge");
    printf("parts: %zu + %zu contacts; summary of part 2: %zu bytes\n",
           iv_store_contacts(part[0]), iv_store_contacts(part[1]), len);
    printf("variant A, merged vs whole: n %.0f = %.0f, contacts %.0f = %.0f, cost %.2f = %.2f\n",
           get(s0, 0, "n"), get(whole, 0, "n"), get(s0, 0, "contacts"), get(whole, 0, "contacts"),
           get(s0, 0, "cost"), get(whole, 0, "cost"));
    if (get(s0, 0, "n") != get(whole, 0, "n") || get(s0, 0, "cost") != get(whole, 0, "cost"))
        return 1;

    /* variant A (group 0) against variant B (group 1) on RV per contact */
    check(iv_summary_compare(&t, s0, 0, s0, 1, "rv", NULL), "compare");
    printf("RV per contact, A vs B: mean %.2f vs %.2f, Welch p = %.4g\n",
           iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "mean_a")),
           iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "mean_b")),
           iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "welch_p")));
    iv_table_free(t);
    iv_summary_free(received);
    iv_summary_free(s0);
    iv_summary_free(s1);
    iv_summary_free(whole);
    for (i = 0; i < 2; i++)
        iv_store_free(part[i]);
    iv_store_free(store);
    return 0;
}
