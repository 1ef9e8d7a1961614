/* The partition hash: which part of a scaled-out computation a contact belongs to.
 * Every row of a contact must land in the same part, wherever the hash is computed (C,
 * Python, the CLI, any platform), so it is a fixed, documented function of the contact
 * id's bytes: FNV-1a 64 modulo the number of parts. */
#include "iv/summary.h"
#include "partition.h"

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
