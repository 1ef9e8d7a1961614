/* The scoring model: re-score the same store under a changed model without re-ingesting
 * (doc/MODEL.md): demos worth more, a 180-day RV half-life.   usage: example_model LOG.csv */
#include "example.h"

static double total_rv(const iv_store *store, const iv_model *model)
{
    iv_query_options q = IV_QUERY_OPTIONS_INIT;
    iv_table *t = NULL;
    double rv;
    q.model = model; /* NULL: the built-in default */
    check(iv_query_metrics(&t, store, &q), "metrics");
    rv = iv_table_get_double(t, 0, (size_t)iv_table_col_index(t, "rv"));
    iv_table_free(t);
    return rv;
}

int main(int argc, char **argv)
{
    iv_store *store;
    iv_model *model = NULL;
    double demo = 0, cost = 0;
    char *text = NULL;
    size_t len = 0;

    if (argc != 2)
        return 2;
    store = load(argv[1]);
    check(iv_model_new(&model, NULL), "iv_model_new"); /* the doc/MODEL.md default */
    check(iv_model_get_type_rv(model, "demo", &demo), "demo rv");
    check(iv_model_get_channel_cost(model, "phone", &cost), "phone cost");
    printf("default model: demo = %g RV units, a phone call costs %g\n", demo, cost);
    printf("total RV, default model:   %.0f\n", total_rv(store, NULL));

    check(iv_model_set_type_rv(model, "demo", 90), "set demo rv");
    check(iv_model_set_param(model, "rv_half_life_days", 180), "set half-life");
    printf("total RV, demo = 90 and a 180-day half-life: %.1f\n", total_rv(store, model));

    /* the model as its INI text, the format iv --model FILE reads */
    check(iv_model_to_string(model, &text, &len), "model text");
    printf("model file: %zu bytes\n", len);
    iv_model_free_string(model, text);
    iv_model_free(model);
    iv_store_free(store);
    return 0;
}
