/* Internal: the selection language (select.c): compile a where expression against a
 * context, evaluate it per row, walk the selected rows; and the context with its
 * selection that every analysis opens (iv__ctx_init / iv__ctx_free). */
#ifndef IV_SRC_SELECT_H
#define IV_SRC_SELECT_H

#include "ctx.h"

/* Set up a context from public options (validates them; compiles the where expression,
 * computing contact attributes first when the expression needs them) and make sure the
 * store's per-contact index is built. */
int iv__ctx_init(iv__ctx *c, const iv_store *s, const iv_query_options *o);
/* iv__ctx_init without building the store's per-contact index: for a query that may
 * never need it (the grouped query scans the rows in store order). Whatever then walks
 * the index asks for it (iv__walk, iv__ctx_contacts, the grouped walk do). */
int iv__ctx_init_lazy(iv__ctx *c, const iv_store *s, const iv_query_options *o);
/* Free the context and its selection. */
void iv__ctx_free(iv__ctx *c);

int iv__sel_compile(iv__sel **out, iv__ctx *c, const char *expr);
void iv__sel_free(iv__sel *sel, const iv__alloc *a);
int iv__sel_needs_contacts(const iv__sel *sel);
int iv__sel_row(const iv__sel *sel, const iv__ctx *c, size_t row);

/* Mark seen[type code] for every type of a selected row in the time range (seen holds
 * one byte per type code, zeroed by the caller). */
int iv__sel_types_seen(const iv__ctx *c, uint8_t *seen);
/* Warn (iv_warning_count) about each type of a list ("a,b|c", ';' and '@A-B' allowed)
 * that never occurs in the store, or in the selection: "WHAT: type 'x' never occurs in
 * the selection". IV_OK or IV_ENOMEM. */
int iv__warn_types(const iv__ctx *c, const char *what, const char *text);

/* Walk every selected row in contact-then-time order. fn is called with the row and
 * its RV units; returns non-zero to stop with that status. */
typedef int (*iv__row_fn)(iv__ctx *c, size_t row, uint32_t contact, double u, void *payload);
int iv__walk(iv__ctx *c, iv__row_fn fn, void *payload);
/* iv__walk; need_u 0: fn's u is NaN unless the model is stateful (RV units not computed
 * for a fn that does not read them). */
int iv__walk_ex(iv__ctx *c, iv__row_fn fn, void *payload, int need_u);

#endif
