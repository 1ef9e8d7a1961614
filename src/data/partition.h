/* Internal: the partition hash (partition.c). */
#ifndef IV_SRC_PARTITION_H
#define IV_SRC_PARTITION_H

#include "core.h"

/* FNV-1a 64 of n bytes (the hash of iv_partition_of(); also the fingerprint of a
 * summary's selection and model). */
uint64_t iv__fnv1a64(const void *p, size_t n);

#endif
