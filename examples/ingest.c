/* Store and ingestion: read a CSV log leniently, account for every row, list the custom
 * dimensions and look at one contact's history.   usage: example_ingest LOG.csv */
#include <stdio.h>

#include <iv.h>

int main(int argc, char **argv)
{
    iv_store *store = NULL;
    iv_ingest *ing = NULL;
    iv_ingest_options opts = IV_INGEST_OPTIONS_INIT;
    iv_ingest_stats st = {sizeof st, 0, 0, 0, 0, 0};
    iv_record rec;
    int64_t first, last;
    char a[40], b[40];
    const uint32_t *rows = NULL;
    size_t i, n = 0;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s LOG.csv\n", argv[0]);
        return 2;
    }
    opts.format = IV_INPUT_CSV;
    opts.policy = IV_POLICY_LENIENT; /* skip bad rows, keep them for a rejects file */
    if ((rc = iv_store_new(&store, NULL)) != IV_OK ||
        (rc = iv_ingest_new(&ing, store, &opts)) != IV_OK ||
        (rc = iv_ingest_file(ing, argv[1])) != IV_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], iv_error_last());
        iv_ingest_free(ing);
        iv_store_free(store);
        return 1;
    }
    iv_ingest_get_stats(ing, &st);
    /* nothing is lost silently: read = accepted + rejected */
    printf("rows read %llu = accepted %llu + rejected %llu\n", (unsigned long long)st.rows_read,
           (unsigned long long)st.rows_accepted, (unsigned long long)st.rows_rejected);
    iv_ingest_free(ing);

    iv_store_time_range(store, &first, &last);
    iv_time_format(first, a, sizeof a);
    iv_time_format(last, b, sizeof b);
    printf("%zu interactions of %zu contacts, %s .. %s\n", iv_store_rows(store),
           iv_store_contacts(store), a, b);
    for (i = 0; i < iv_store_dim_count(store); i++)
        printf("custom dimension: %s\n", iv_store_dim_name(store, i));

    /* the first interactions of one contact, in time order */
    if (iv_store_contact_rows(store, "C000001", &rows, &n) == IV_OK) {
        iv_record_init(&rec, sizeof rec);
        for (i = 0; i < n && i < 8; i++) {
            iv_store_get_row(store, rows[i], &rec);
            iv_time_format(rec.ts, a, sizeof a);
            printf("C000001 %s %-12s %s\n", a, rec.channel, rec.type);
        }
    }
    iv_store_free(store);
    return st.rows_accepted > 0 ? 0 : 1;
}
