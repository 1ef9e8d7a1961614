/* Fuzz target: CSV and JSON Lines ingestion with source options (doc/SOURCES.md). The
 * first byte of the input picks the format and one of the option sets or shipped
 * profiles below; the rest is
 * the input, checked with the invariants of fuzz_ingest (every row accounted for, the
 * same store in small chunks as in one push, strict a prefix of lenient). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "iv/ingest.h"
#include "iv/source.h"

static const char *const sets[][16] = {
    { "delimiter", "auto", "encoding", "latin1", NULL },
    { "delimiter", ";", "time_format", "%d.%m.%Y %H:%M", "time_format", "%m/%d/%Y %I:%M %p", "timezone",
      "Europe/Berlin", NULL },
    { "encoding", "windows-1252", "values", "outcome:Completed=desired,no answer=undesired", "set",
      "channel=phone", "values", "type:call=phone_call", NULL },
    { "map", "a=contact,b=ts,c=type,c=channel,p.v=value,p.q.r=region", "dedup", "id", NULL },
    { "decimal", ",", "thousands", ".", "epoch_unit", "ms", "timezone", "+05:30", NULL },
    { "thousands", ",", "epoch_unit", "us", "timezone", "America/New_York", "time_format", "%s", NULL },
    { "delimiter", "tab", "dedup", "id", "set", "region=x", "time_format", "%d %b %y %H:%M:%S.%f %z", NULL },
    { "map", "userId=contact,timestamp=ts,event=type,properties.revenue=value", "set", "channel=web",
      "timezone", "Australia/Lord_Howe", NULL },
    /* the shipped profiles (data/profiles/NAME.ini; the inputs in the corpus are shaped
       like their examples), read from the source tree */
    { "profile", "hubspot", NULL },
    { "profile", "salesforce", NULL },
    { "profile", "zendesk", NULL },
    { "profile", "intercom", NULL },
    { "profile", "segment", NULL },
    { "profile", "hubspot", "dedup", "id", "timezone", "Europe/London", NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iv_source *src = NULL;
    const char *const *kv;
    int format;
    if (size < 1)
        return 0;
    format = data[0] & 1 ? IV_INPUT_JSONL : IV_INPUT_CSV;
    FUZZ_CHECK(iv_source_new(&src) == IV_OK);
    for (kv = sets[(data[0] >> 1) % (sizeof sets / sizeof sets[0])]; kv[0]; kv += 2) {
        char path[512];
        const char *value = kv[1];
        if (strcmp(kv[0], "profile") == 0) {
            snprintf(path, sizeof path, "%s/%s.ini", IV_FUZZ_PROFILE_DIR, kv[1]);
            value = path;
        }
        FUZZ_CHECK(iv_source_set(src, kv[0], value) == IV_OK);
    }
    fuzz_ingest_with(data + 1, size - 1, format, src);
    iv_source_free(src);
    return 0;
}
