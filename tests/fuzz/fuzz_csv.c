/* Fuzz target: CSV ingestion (RFC 4180 with a header row; doc/GUIDE.md §1). */
#include "fuzz.h"
#include "iv/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest(data, size, IV_INPUT_CSV);
    return 0;
}
