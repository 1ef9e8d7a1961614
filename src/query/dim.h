/* Internal: the dimensions a query groups and selects by: their names and kinds, the
 * lookup of a name, the labels of time buckets and of the contact-level values (community
 * role, profit tier). Implemented in dim.c. */
#ifndef IV_SRC_DIM_H
#define IV_SRC_DIM_H

#include "core.h"
#include "store.h"

/* A dimension by kind. */
typedef enum iv__dimkind {
    IV__DIM_CHANNEL, IV__DIM_TYPE, IV__DIM_TEAM, IV__DIM_CUSTOM, IV__DIM_STAGE, IV__DIM_AREA,
    IV__DIM_DIRECTION, IV__DIM_OUTCOME, IV__DIM_CONTACT, IV__DIM_ID, IV__DIM_PROFIT_TIER,
    IV__DIM_ROLE, IV__DIM_CONTACT_STAGE, IV__DIM_DAY, IV__DIM_WEEK, IV__DIM_MONTH,
    IV__DIM_QUARTER, IV__DIM_YEAR
} iv__dimkind;
/* Resolve a dimension name (case-insensitive); returns 0 and fills kind (and the custom
 * dimension index) or -1 when unknown. */
int iv__dim_lookup(const iv_store *s, const char *name, size_t n, iv__dimkind *kind, int *custom);
/* The name of a built-in dimension kind; "" for IV__DIM_CUSTOM. */
const char *iv__dim_name(iv__dimkind kind);
int iv__dim_is_contact_level(iv__dimkind k);

/* Time bucket label of a timestamp for a bucket kind (DAY..YEAR) into buf (>= 16 bytes). */
void iv__bucket_label(iv__dimkind k, int64_t ts, char *buf, size_t cap);

/* Values of the contact-level dimensions community_role and profit_tier. */
enum { IV__ROLE_NONE = 0, IV__ROLE_WATCHER = 1, IV__ROLE_DOER = 2, IV__ROLE_LEADER = 3 };
enum { IV__TIER_NONE = 0, IV__TIER_POOR = 1, IV__TIER_NORMAL = 2, IV__TIER_HIGH = 3 };
const char *iv__role_name(int role);  /* "watcher", ... ; NULL for NONE */
const char *iv__tier_name(int tier);  /* "poor", "normal", "high"; NULL for NONE */

#endif
