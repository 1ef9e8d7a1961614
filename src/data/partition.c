/* The partition hash: which part of a scaled-out computation a contact belongs to.
 * Every row of a contact must land in the same part, wherever the hash is computed (C,
 * Python, the CLI, any platform), so it is a fixed, documented function of the contact
 * id's bytes: FNV-1a 64 modulo the number of parts. Also: moving rows between stores
 * (appending a store to another, splitting one by the hash). */
#include "iv/summary.h"
#include "partition.h"
#include "store.h"

#include <string.h>

/* FNV-1a 64 (Fowler, Noll & Vo; IETF draft-eastlake-fnv-21, section 2): for each byte,
 * h = (h XOR byte) * 1099511628211 modulo 2^64, from h = 14695981039346656037. */
uint64_t iv__fnv1a64(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = UINT64_C(14695981039346656037);
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

IV_API uint32_t iv_partition_of(const char *contact, size_t len, uint32_t nparts)
{
    if (nparts <= 1 || (!contact && len))
        return 0;
    return (uint32_t)(iv__fnv1a64(contact, len) % nparts);
}

/* ------------------------------------------------ moving rows between stores -- */

/* Append row r of src (with its custom dimensions) to dst. */
static int iv__copy_row(iv_store *dst, const iv_store *src, size_t r)
{
    const char *names[IV_MAX_DIMS], *vals[IV_MAX_DIMS];
    iv_record rec = IV_RECORD_INIT;
    size_t d, nd = src->ndims;
    int seen, rc = iv_store_get_row(src, r, &rec);
    if (rc != IV_OK)
        return rc;
    for (d = 0; d < nd; d++) {
        names[d] = src->dim_names[d];
        vals[d] = iv_store_get_dim(src, r, d);
    }
    rec.ndims = nd;
    rec.dim_names = names;
    rec.dim_values = vals;
    /* an id read and not stored (IV_SKIP_ID) stays known as present */
    seen = !rec.id && iv__store_has_id(src, r);
    if (seen && (rc = iv__store_id_seen_fit(dst, dst->nrows + 1)) != IV_OK)
        return rc;
    if ((rc = iv_store_append(dst, &rec)) != IV_OK)
        return rc;
    if (seen)
        iv__store_id_seen_set(dst, dst->nrows - 1);
    return IV_OK;
}

IV_API int iv_store_append_store(iv_store *dst, const iv_store *src)
{
    size_t r;
    int rc = IV_OK;
    if (!dst || !src)
        return iv__error(IV_EINVAL, "iv_store_append_store: NULL store");
    if (dst == src)
        return iv__error(IV_EINVAL, "iv_store_append_store: a store cannot be appended to itself");
    for (r = 0; r < src->nrows && rc == IV_OK; r++)
        rc = iv__copy_row(dst, src, r);
    if (rc != IV_OK)
        return rc;
    dst->ingest_read += src->ingest_read;
    dst->ingest_rejected += src->ingest_rejected;
    return iv_store_prepare(dst);
}

IV_API int iv_store_split(const iv_store *src, uint32_t nparts, iv_store *const *parts)
{
    size_t r;
    uint32_t k;
    int rc = IV_OK;
    if (!src || !parts || nparts == 0)
        return iv__error(IV_EINVAL, "iv_store_split: NULL store or parts, or no parts");
    for (k = 0; k < nparts; k++)
        if (!parts[k] || parts[k] == src)
            return iv__error(IV_EINVAL, "iv_store_split: part %u is NULL or the source store", (unsigned)k);
    for (r = 0; r < src->nrows && rc == IV_OK; r++) {
        const char *c = iv__pool_str(&src->contacts, src->contact[r]);
        rc = iv__copy_row(parts[iv_partition_of(c, strlen(c), nparts)], src, r);
    }
    for (k = 0; k < nparts && rc == IV_OK; k++)
        rc = iv_store_prepare(parts[k]);
    return rc;
}
