/* Internal: RV trajectories of contacts from a store (doc/PATTERN.md §Trajectories), the walk over
 * each contact's selected interactions that the store-level pattern use cases share, and
 * the options and reference time of those use cases. */
#ifndef IV_SRC_TRAJECTORY_H
#define IV_SRC_TRAJECTORY_H

#include "core.h"
#include "iv/pattern.h"
#include "select.h"

/* Validate public options (NULL = defaults) into *o. */
int iv__pstore_opts(const iv_pattern_store_options *opts, iv_pattern_store_options *o);

/* Reference time R of a selection: q->t_ref, else q->to, else the store's last
 * timestamp (0 for an empty store). */
int64_t iv__pattern_ref(const iv_store *s, const iv_query_options *q);

/* Called for every selected row of a contact, in time order, with its u_i. Non-zero
 * stops the walk with that status. */
typedef int (*iv__prow_fn)(void *p, iv__ctx *c, uint32_t contact, size_t row, double u);
/* Called after each contact's rows (also for contacts with none selected). */
typedef int (*iv__pend_fn)(void *p, iv__ctx *c, uint32_t contact);

/* Walk the selected rows (time range and where of c) of every contact, or of contact id
 * `only` when non-zero. u_i is computed along each contact's whole history (doc/METRICS.md §Per-interaction quantities). */
int iv__pattern_walk(iv__ctx *c, uint32_t only, iv__prow_fn row, iv__pend_fn end, void *p);

/* Trajectory geometry: bucket width (ms), count, alignment, calendar origin, reference. */
typedef struct iv__trajopt {
    int64_t bucket;
    size_t k;
    int align;
    int64_t origin;   /* calendar alignment */
    int64_t ref;      /* buckets ending after it are unobserved */
} iv__trajopt;

/* The geometry from validated options and the selection: the calendar origin defaults to
 * q->from, else the store's first timestamp. */
void iv__trajopt_make(iv__trajopt *t, const iv_pattern_store_options *o, const iv_store *s,
                      const iv_query_options *q);

/* Trajectories of the contacts with at least one selected row, in contact-id order. */
typedef struct iv__traj {
    size_t n, k;
    uint32_t *contact;   /* n contact ids */
    int64_t *origin;     /* n alignment origins */
    double *x;           /* n x k row-major, NaN = unobserved */
    size_t cap_c, cap_o, cap_x;
} iv__traj;

/* Compute the trajectories of the contacts c selects (or of contact `only` when
 * non-zero). IV_OK, IV_ENOMEM or IV_ECANCELED; *t is empty on failure. */
int iv__traj_compute(iv__ctx *c, const iv__trajopt *o, uint32_t only, iv__traj *t);
void iv__traj_free(iv__traj *t, const iv__alloc *a);
/* Validate opts into *o, set up the context of q in *c and its trajectories in *t (with
 * the geometry in *to). On failure nothing is left to free. */
int iv__trajs_of(const iv_store *s, const iv_query_options *q, const iv_pattern_store_options *opts,
                 iv_pattern_store_options *o, iv__trajopt *to, iv__ctx *c, iv__traj *t);

/* Order of the trajectories' rows by contact text (strcmp's byte order; compared by their
 * first 8 bytes as integers, the texts read only where those are equal): (*perm)[i] = the
 * row of the i-th (t->n entries, NULL when t->n == 0; free with t->n * sizeof(size_t)). */
int iv__traj_order(const iv__traj *t, const iv_store *s, const iv__alloc *a, size_t **perm);

#endif
