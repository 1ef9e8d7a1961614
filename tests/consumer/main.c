/* A program outside libiv that uses it as a library would (tests/consumer/consumer.py):
 * ingest a log, print the rows, contacts and the versions of the header and the library. */
#include <iv.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    iv_store *store;
    iv_ingest *ing;
    iv_ingest_stats st = {sizeof st};
    if (argc != 2) {
        fprintf(stderr, "usage: consumer LOG.csv\n");
        return 2;
    }
    if (iv_store_new(&store, NULL) != IV_OK || iv_ingest_new(&ing, store, NULL) != IV_OK)
        return 1;
    if (iv_ingest_file(ing, argv[1]) != IV_OK) {
        fprintf(stderr, "%s\n", iv_error_last());
        return 1;
    }
    iv_ingest_get_stats(ing, &st);
    printf("header %s library %s rows %llu contacts %zu\n", IV_VERSION_STRING,
           iv_version_string(), (unsigned long long)st.rows_accepted, iv_store_contacts(store));
    iv_ingest_free(ing);
    iv_store_free(store);
    return 0;
}
