/* Shared by the fuzz targets: the libFuzzer entry point, invariant checks and small
 * helpers. Every target is also built into an ordinary test by replay.c. */
#ifndef IV_FUZZ_H
#define IV_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "iv/store.h"

/* The libFuzzer entry point each fuzz_<name>.c defines (replay.c calls it too). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: print where and abort, so libFuzzer keeps the input. */
void fuzz_fail(const char *file, int line, const char *what);
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

/* For the framed byte formats (summaries, partials: a 28-byte header with the payload's
 * length and CRC-32): check(data, size) as given, then, when there is a header, on a copy
 * whose length and CRC are patched to match, so that the fuzzer reaches the payload
 * parser past the checksum. */
void fuzz_framed(const uint8_t *data, size_t size, void (*check)(const uint8_t *, size_t));

/* A NUL-terminated copy of the input (malloc'd; aborts when out of memory). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Same number or both NaN. */
int fuzz_same_double(double a, double b);

/* Abort unless two stores hold the same rows, field by field. */
void fuzz_same_rows(const iv_store *a, const iv_store *b);
/* The same, b read with iv_ingest_options.skip: no id (IV_SKIP_ID), no custom
 * dimension (IV_SKIP_DIMS), everything else equal. */
void fuzz_same_rows_skip(const iv_store *a, const iv_store *b, unsigned skip);

/* Write the bytes to a fresh temporary file; its path into buf (cap >= 64). */
void fuzz_temp_file(char *buf, size_t cap, const uint8_t *data, size_t size);

/* Ingest the bytes as CSV or JSON Lines (iv_input_format) in three ways — lenient in one
 * push, lenient in small chunks, strict in one push — and check that the runs agree and
 * that every row is accounted for; then query the accepted rows. */
void fuzz_ingest(const uint8_t *data, size_t size, int format);
/* The same with source options (NULL: none). */
struct iv_source;
void fuzz_ingest_with(const uint8_t *data, size_t size, int format, const struct iv_source *src);

#endif
