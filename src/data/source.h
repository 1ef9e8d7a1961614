/* Internal view of a source (iv_source, include/iv/source.h): the parsed options that
 * ingestion applies. Profiles (INI files) fill the same structure through the adders
 * below, which take one pair at a time (so values may hold commas). */
#ifndef IV_SRC_SOURCE_H
#define IV_SRC_SOURCE_H

#include "core.h"
#include "iv/source.h"
#include "tz.h"

enum { IV__DELIM_AUTO = 256 };
enum { IV__ENC_UTF8 = 0, IV__ENC_LATIN1 = 1, IV__ENC_CP1252 = 2 };
enum { IV__EPOCH_S = 0, IV__EPOCH_MS = 1, IV__EPOCH_US = 2 };

/* One rename: source column or dotted JSON path -> field (or custom dimension).
 * optional: from a profile's [map.optional]: an input without that column is read
 * without it (a plain map naming a column the input lacks is an error). */
typedef struct iv__srcmap {
    char *src, *dst;
    size_t nsrc, ndst;
    int optional;
} iv__srcmap;

/* A constant field. */
typedef struct iv__srcset {
    char *field, *value;
    size_t nfield, nvalue;
} iv__srcset;

/* One value mapping (from is trimmed; matched case-insensitively). */
typedef struct iv__srcpair {
    char *from, *to;
    size_t nfrom, nto;
} iv__srcpair;

/* The value mappings of one field. */
typedef struct iv__srcvals {
    char *field;
    size_t nfield;
    iv__srcpair *p;
    size_t n, cap;
} iv__srcvals;

struct iv_source {
    iv__alloc alloc;
    int delim;            /* 0: default ','; a byte; or IV__DELIM_AUTO */
    int encoding;         /* IV__ENC_* */
    char **formats;       /* time_format patterns, in order */
    size_t nformats, capformats;
    char *tzname;         /* NULL: UTC */
    iv__tz *tz;           /* NULL: UTC */
    int epoch_unit;       /* IV__EPOCH_* */
    char decimal;         /* '.' or ',' */
    char thousands;       /* 0: none */
    iv__srcmap *map;
    size_t nmap, capmap;
    iv__srcset *set;
    size_t nset, capset;
    iv__srcvals *vals;
    size_t nvals, capvals;
    int dedup;            /* 1: dedup=id */
};

/* Add one rename src -> dst (names trimmed). IV_OK, IV_EINVAL (empty name), IV_ENOMEM. */
int iv__source_add_map(iv_source *s, const char *src, size_t nsrc, const char *dst, size_t ndst);
/* The same for a column the input may lack (a profile's [map.optional]). The same rename
 * given both ways is required. */
int iv__source_add_map_optional(iv_source *s, const char *src, size_t nsrc, const char *dst, size_t ndst);
/* Add a constant: field = value (a later one for the same field replaces it). */
int iv__source_add_set(iv_source *s, const char *field, size_t nfield, const char *value, size_t nvalue);
/* Add a value mapping of field: from -> to (a later one for the same from replaces it). */
int iv__source_add_value(iv_source *s, const char *field, size_t nfield, const char *from, size_t nfrom,
                         const char *to, size_t nto);
/* The value mappings of a field (case-insensitive name), or NULL. */
const iv__srcvals *iv__source_vals(const iv_source *s, const char *field, size_t n);
/* Apply a field's value mapping to s[0..n) (trimmed, case-insensitive): 1 and the
 * replacement in *out and *nout when a mapping matches, else 0. */
int iv__source_map_value(const iv__srcvals *v, const char *s, size_t n, const char **out, size_t *nout);

/* Outcomes of iv__source_time. */
enum { IV__TS_OK = 0, IV__TS_FORMAT, IV__TS_NOMATCH, IV__TS_WALL, IV__TS_GAP, IV__TS_RANGE };
/* A timestamp under the source's options (src may be NULL: the defaults): the
 * time_format patterns in order, then the forms of iv_time_parse; integers in
 * epoch_unit; naive times in the source's zone (tzc: the caller's cache, may be NULL).
 * IV__TS_OK and *out, or why it failed: IV__TS_FORMAT / IV__TS_WALL (*why says what),
 * IV__TS_NOMATCH, IV__TS_GAP (a DST gap), IV__TS_RANGE (years 1900 to 2200). */
int iv__source_time(const iv_source *src, iv__tzcache *tzc, const char *s, size_t n, int64_t *out,
                    const char **why);
/* What iv__source_time tries, for error messages. */
void iv__source_time_tried(const iv_source *src, char *buf, size_t cap);

#endif
