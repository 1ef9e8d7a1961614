/**
 * @file iv/source.h
 * @brief Source options: how to read an export that is not in libiv's own shape.
 */
#ifndef IV_SOURCE_H
#define IV_SOURCE_H

#include "iv/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup source Source options
 * @brief The options of doc/SOURCES.md ("Options"): delimiter, encoding, time formats and
 *        zone, number marks, column mapping, constants, value mapping, deduplication.
 *
 * A source is built with iv_source_new() and iv_source_set() (one call per option; the
 * repeatable ones append), then handed to iv_ingest_new() through
 * iv_ingest_options::source. A source is read-only once ingestion starts and may be
 * shared by several ingestions, one after the other or at the same time.
 * @{
 */

/** @brief Opaque set of source options. @since 1.2 */
typedef struct iv_source iv_source;

/**
 * @brief Create a source with every option at its default (that of no source at all).
 * @param[out] out the new source
 * @return ::IV_OK, ::IV_EINVAL (NULL @p out) or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_source_new(iv_source **out);

/**
 * @brief Free a source. Accepts NULL.
 * @param[in] src the source
 * @since 1.2
 */
IV_API void iv_source_free(iv_source *src);

/**
 * @brief Set one option by its name.
 *
 * | name | value |
 * |---|---|
 * | `delimiter` | one character, `tab`, or `auto` |
 * | `encoding` | `utf-8` (default), `latin1`, `windows-1252` |
 * | `time_format` | a strptime-style pattern; each call appends one, tried in order |
 * | `timezone` | `UTC`, `±hh:mm`, or an IANA name (`Europe/Berlin`) |
 * | `epoch_unit` | `s`, `ms`, `us` |
 * | `decimal` | `.` or `,` |
 * | `thousands` | `none`, `,`, `.`, `space` (or ` `), `'` |
 * | `map` | `src=dst,…`; appends (dotted paths into nested JSON; one source may feed several fields) |
 * | `set` | `field=value,…`; appends (a later value for the same field replaces it) |
 * | `values` | `FIELD:from=to,from=to,…` (one field per call; appends) |
 * | `dedup` | `none` or `id` |
 * | `profile` | a profile file or NAME: iv_source_load() (since 1.2) |
 *
 * @param[in,out] src the source
 * @param[in] name the option's name
 * @param[in] value its value
 * @return ::IV_OK; ::IV_EINVAL when the name is unknown or the value bad (the message
 *         names both); ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_source_set(iv_source *src, const char *name, const char *value);

/**
 * @brief Apply a source profile: an INI file of these options (doc/SOURCES.md,
 *        "Profiles"): `[source]` with the scalar options (`time_format` may repeat),
 *        `[map]` with `src = dst` lines, `[map.optional]` with `src = dst` lines for
 *        columns an export may lack (since 1.2: skipped when absent, where a `[map]`
 *        column the input lacks is an error), `[set]` with `field = value` lines and
 *        `[values.FIELD]` sections of `from = to` lines. A key holding `=` may be quoted.
 *
 * @p file_or_name is a file, or the NAME of a profile shipped with the library
 * (`hubspot`, `salesforce`, `zendesk`, `intercom`, `segment`), looked up as NAME.ini in
 * the directories of the environment variable `IV_PROFILE_PATH` (`:`-separated), then
 * in the installed profile directory ($datadir/libiv/profiles). Options set after this
 * call override the profile's. Errors name the file and line: `p.ini:7: unknown section
 * [mapp] ...`.
 * @param[in,out] src the source
 * @param[in] file_or_name a path or a profile name
 * @return ::IV_OK; ::IV_ENOTFOUND (no such profile), ::IV_EIO, ::IV_EPARSE (the message
 *         names file and line), ::IV_ENOMEM, ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_source_load(iv_source *src, const char *file_or_name);

/**
 * @brief Read one timestamp as ingestion with this source reads a `ts` field: the
 *        `time_format` patterns in order, then the forms of iv_time_parse(); an integer
 *        in `epoch_unit`; a time without an offset in the source's `timezone` (a local
 *        time in a daylight-saving gap is an error, an ambiguous one the earlier
 *        instant). For bindings that convert columns of text (doc/BINDINGS.md).
 * @param[in] src the source (NULL: the default options)
 * @param[in] text the timestamp (surrounding blanks are ignored; need not end in NUL)
 * @param[in] len its length in bytes
 * @param[out] ms milliseconds since the epoch (UTC); ::IV_TIME_NONE on failure
 * @return ::IV_OK; ::IV_EPARSE (the message says why and which formats were tried, or
 *         names the zone of a DST gap); ::IV_EINVAL for a NULL argument
 * @since 1.2
 */
IV_API int iv_source_parse_time(const iv_source *src, const char *text, size_t len, int64_t *ms);

/**
 * @brief iv_source_parse_time() over an array of NUL-terminated texts (one call for a
 *        column; the zone's last conversion is remembered from one text to the next).
 * @param[in] src the source (NULL: the default options)
 * @param[in] text @p n texts; a NULL or blank entry gives ::IV_TIME_NONE (not given)
 * @param[in] n number of texts
 * @param[out] ms @p n results (milliseconds since the epoch, UTC)
 * @param[out] failed the index of the text that could not be read, @p n when all were
 * @return ::IV_OK; ::IV_EPARSE for the first text that cannot be read (the message is
 *         iv_source_parse_time()'s; the texts after it are not read); ::IV_EINVAL for a
 *         NULL argument
 * @since 1.2
 */
IV_API int iv_source_parse_times(const iv_source *src, const char *const *text, size_t n, int64_t *ms,
                                 size_t *failed);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
