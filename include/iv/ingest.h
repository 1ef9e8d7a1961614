/**
 * @file iv/ingest.h
 * @brief Streaming ingestion of CSV and JSON Lines into a store.
 */
#ifndef IV_INGEST_H
#define IV_INGEST_H

#include "iv/common.h"
#include "iv/source.h"
#include "iv/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ingest Ingestion
 * @brief Push parser for CSV (RFC 4180) and JSON Lines (doc/GUIDE.md §1).
 *
 * Bytes are pushed in chunks of any size, split anywhere (inside a quoted field or a
 * UTF-8 sequence too); memory beyond the store stays bounded by the longest record.
 * Every row read is accepted, rejected, or (with the source option dedup=id) left out as
 * a duplicate: rows_read = rows_accepted + rows_rejected + rows_duplicate, always. Under ::IV_POLICY_STRICT the first
 * bad row stops ingestion (every row before it is kept) and the failing call returns
 * ::IV_EPARSE with a message naming the line, column and field. Under
 * ::IV_POLICY_LENIENT bad rows are skipped and kept (line, byte offset, reason, raw text)
 * for iv_ingest_reject() and iv_ingest_write_rejects().
 * @{
 */

/** @brief Opaque ingestion handle. @since 0.1 */
typedef struct iv_ingest iv_ingest;

/** @brief Input formats. @since 0.1 */
typedef enum iv_input_format {
    IV_INPUT_CSV = 0,   /**< CSV with a header row */
    IV_INPUT_JSONL = 1  /**< JSON Lines: one object per line */
} iv_input_format;

/** @brief What to do with a bad row. @since 0.1 */
typedef enum iv_policy {
    IV_POLICY_STRICT = 0, /**< stop at the first bad row */
    IV_POLICY_LENIENT = 1 /**< skip bad rows and keep them as rejects */
} iv_policy;

/**
 * @brief Columns that ingestion reads and checks but does not store
 *        (::iv_ingest_options.skip), for a caller that will not use them.
 *
 * A skipped column's values are checked as if they were stored (a value longer than
 * max_string still rejects its row), so the rows accepted and rejected, their counts and
 * the reasons are the same; the store then holds the rows as if the input lacked the
 * column (no id; no such custom dimension, or empty values in one the store already
 * has). See doc/PERFORMANCE.md, "Reading only the columns a command needs".
 * @since 1.2
 */
typedef enum iv_skip {
    IV_SKIP_ID = 1,  /**< the `id` column (not with the source option dedup=id). The store
                          still knows which rows had an id (the maturity
                          indicator `technology.id_coverage` counts them, and snapshots,
                          iv_store_append_store() and iv_store_split() keep it), but not
                          the ids: iv_store_get_row() gives none */
    IV_SKIP_DIMS = 2 /**< custom dimensions, except those named in iv_ingest_options.keep_dims */
} iv_skip;

/**
 * @brief Options for iv_ingest_new(). A zero limit means the default.
 * @since 0.1
 */
typedef struct iv_ingest_options {
    size_t size;            /**< sizeof(iv_ingest_options) as the caller knows it */
    int format;             /**< ::iv_input_format (default CSV) */
    int policy;             /**< ::iv_policy (default strict) */
    char delimiter;         /**< CSV delimiter (default ',') */
    const char *map;        /**< column renames "src=dst,src2=dst2" (names case-insensitive), or NULL */
    size_t max_line;        /**< longest record in bytes (default 1 MiB) */
    size_t max_fields;      /**< most fields per record (default 256) */
    size_t max_string;      /**< longest string field in bytes (default 64 KiB) */
    size_t max_depth;       /**< deepest JSON nesting accepted before the row is bad (default 16) */
    size_t max_raw;         /**< bytes of raw text kept per reject (default 1024) */
    uint64_t max_rejects;   /**< most rejects kept in memory; later ones are counted only (default 1,000,000):
                                 rows_rejected - iv_ingest_reject_count() were not kept */
    iv_progress_fn progress; /**< called every few MiB with bytes consumed; may be NULL */
    void *payload;          /**< passed to @ref progress */
    /** source options (iv_source_new()), or NULL for the defaults; the source must
     *  outlive the handle. Its delimiter replaces @ref delimiter; its map is applied
     *  after @ref map, and a column it names that the input lacks is an error.
     *  @since 1.2 */
    const iv_source *source;
    int threads;            /**< threads parsing a file (iv_ingest_file(), iv_ingest_file_range());
                                 0 or 1: the calling thread only. The store, the rejects,
                                 the counters and the errors are the same for any value
                                 (see doc/PERFORMANCE.md); JSON Lines and pushed input are
                                 parsed on the calling thread. @since 1.2 */
    unsigned skip;          /**< ::iv_skip flags: columns read and checked but not stored
                                 (default 0: every column is stored). @since 1.2 */
    /** with ::IV_SKIP_DIMS: the custom dimensions stored all the same, comma-separated
     *  names as the store calls them (after the maps; case-insensitive), or NULL for
     *  none. A name the input lacks is not an error. @since 1.2 */
    const char *keep_dims;
} iv_ingest_options;

/** @brief Initialiser for ::iv_ingest_options. @since 0.1 */
#define IV_INGEST_OPTIONS_INIT { sizeof(iv_ingest_options), IV_INPUT_CSV, IV_POLICY_STRICT, \
    ',', NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0, NULL }

/**
 * @brief Fill @p opts with the defaults.
 * @param[out] opts the options
 * @param[in] size sizeof(iv_ingest_options) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_ingest_options_init(iv_ingest_options *opts, size_t size);

/**
 * @brief Start an ingestion into @p store. The store must outlive the handle.
 * @param[out] out the new handle
 * @param[in] store the store to append to
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EINVAL (bad option or map), ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_ingest_new(iv_ingest **out, iv_store *store, const iv_ingest_options *opts);

/**
 * @brief Push the next @p len bytes of input.
 * @param[in] ing the handle
 * @param[in] data the bytes
 * @param[in] len their count
 * @return ::IV_OK; ::IV_EPARSE on a bad row (strict) or a bad header; ::IV_ELIMIT;
 *         ::IV_ENOMEM; ::IV_ECANCELED; ::IV_ESTATE after a failure or after finish
 * @since 0.1
 */
IV_API int iv_ingest_push(iv_ingest *ing, const void *data, size_t len);

/**
 * @brief End of input: parse the last record if it has no line ending, and prepare the
 *        store. An unterminated quoted field at the end is a bad row.
 * @param[in] ing the handle
 * @return as iv_ingest_push()
 * @since 0.1
 */
IV_API int iv_ingest_finish(iv_ingest *ing);

/**
 * @brief Push a whole file and finish.
 * @param[in] ing the handle
 * @param[in] path the file ("-" for standard input)
 * @return as iv_ingest_push(), or ::IV_EIO
 * @since 0.1
 */
IV_API int iv_ingest_file(iv_ingest *ing, const char *path);

/**
 * @brief Free the handle (the rows already appended stay in the store). Accepts NULL.
 * @param[in] ing the handle
 * @since 0.1
 */
IV_API void iv_ingest_free(iv_ingest *ing);

/**
 * @brief Ingest the records of a file that start in the byte range [@p begin, @p end),
 *        then finish the ingestion (as iv_ingest_finish()).
 *
 * For CSV the header is read from the start of the file, whatever @p begin is. A record
 * belongs to the range in which its first byte lies: the ingestion starts at
 * the first record that starts at or after @p begin (iv_ingest_find_record_file()) and
 * reads on past @p end to the end of the record that straddles it. So consecutive
 * ranges [0, b1), [b1, b2), ... [bk, size) ingest every record exactly once, with the
 * same rows, rejects and errors as the whole file, as long as the record-start rule of
 * iv_ingest_find_record() finds the true starts at b1 ... bk. The call reads only the
 * header and the range's own bytes (plus the record that straddles @p end), so its cost
 * does not grow with @p begin; the lines before the range are not counted. Offsets in
 * rejects and errors are the file's. Lines are the file's when the range starts at the
 * file's first record (@p begin at or before the end of the header); otherwise they count
 * from the range's first record (line 1), and an error's message, after the file's name,
 * reads "byte offset O, line N of the range from byte offset B, ..." (O: the offset of
 * the bad row in the file; B: the offset of the range's first record), so
 * `tail -c +O+1 FILE | head -n 1` shows the row.
 * The handle must be new (no input pushed). Parses with the options' @c threads.
 * @param[in] ing a new handle
 * @param[in] path a regular file
 * @param[in] begin first byte of the range
 * @param[in] end byte after the range (beyond the file's size means its end)
 * @return as iv_ingest_push(); ::IV_EIO when the file cannot be read; ::IV_EINVAL for
 *         a path that is not a regular file or begin > end; ::IV_ESTATE when input was
 *         already pushed
 * @since 1.2
 */
IV_API int iv_ingest_file_range(iv_ingest *ing, const char *path, uint64_t begin, uint64_t end);

/**
 * @brief Find where the first record that starts at or after byte @p from lies in
 *        CSV or JSON Lines input held in memory.
 *
 * @p buf holds the input from its first byte (a CSV header is needed to know how many
 * columns a record has). JSON Lines: a record starts after every line feed (a JSON
 * string cannot hold a raw one), so the answer is exact. CSV: a line feed may lie
 * inside a quoted field, and the quote state at @p from is unknown without reading
 * from the start; the rule takes the first position after a line feed from which the
 * next four records (or those up to the end) tokenise without a structural error (a
 * quote inside an unquoted field, text after a closing quote, an unterminated quote),
 * trying at most 64 line feeds (then the first of them). Its limits: a quoted field
 * whose content is itself lines of well-formed records can fool it, and a record that
 * is itself malformed in that way (a bad row) is not taken as a start, so a range
 * boundary just before such a record can move past it. The parallel ingestion checks
 * every such guess against where the previous range really ended and never
 *  * depends on it. Positions inside the header give the first record after it.
 * @param[in] buf the input from its start
 * @param[in] len bytes in @p buf
 * @param[in] from offset to search from
 * @param[in] opts format, delimiter and limits as for iv_ingest_new() (NULL: defaults)
 * @param[out] start the offset found, or @p len when no record starts at or after @p from
 * @return ::IV_OK, ::IV_EINVAL, or the error of a bad CSV header
 * @since 1.2
 */
IV_API int iv_ingest_find_record(const void *buf, size_t len, uint64_t from, const iv_ingest_options *opts,
                                 uint64_t *start);

/**
 * @brief iv_ingest_find_record() on a file (mapped, not read whole).
 * @param[in] path a regular file
 * @param[in] from offset to search from
 * @param[in] opts as for iv_ingest_find_record()
 * @param[out] start the offset found, or the file's size
 * @return as iv_ingest_find_record(); ::IV_EIO when the file cannot be opened
 * @since 1.2
 */
IV_API int iv_ingest_find_record_file(const char *path, uint64_t from, const iv_ingest_options *opts,
                                      uint64_t *start);

/**
 * @brief Counters of an ingestion.
 * @since 0.1
 */
typedef struct iv_ingest_stats {
    size_t size;            /**< sizeof(iv_ingest_stats) as the caller knows it */
    uint64_t rows_read;     /**< data rows read (header excluded) */
    uint64_t rows_accepted; /**< rows appended to the store */
    uint64_t rows_rejected; /**< rows rejected */
    uint64_t bytes;         /**< bytes consumed */
    /** rows left out because their id is already in the store (source option
     *  dedup=id) @since 1.2 */
    uint64_t rows_duplicate;
} iv_ingest_stats;

/**
 * @brief Read the counters.
 * @param[in] ing the handle
 * @param[out] out the counters; out->size must be set
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_ingest_get_stats(const iv_ingest *ing, iv_ingest_stats *out);

/**
 * @brief Number of rejects kept (at most max_rejects; rows_rejected counts them all).
 * @param[in] ing the handle
 * @return the count
 * @since 0.1
 */
IV_API size_t iv_ingest_reject_count(const iv_ingest *ing);

/** @brief What follows a reject's raw text cut at max_raw: "...[cut: N bytes]". @since 1.2 */
#define IV_INGEST_RAW_CUT_MARK "...[cut: "

/**
 * @brief One kept reject. Pointers stay valid until the handle is freed.
 * @param[in] ing the handle
 * @param[in] i 0-based reject index
 * @param[out] line 1-based line where the row starts; may be NULL
 * @param[out] offset byte offset where the row starts; may be NULL
 * @param[out] reason what was wrong and where (column, field); may be NULL
 * @param[out] raw the row's raw text; when longer than max_raw bytes, its first max_raw
 *             bytes (never half a UTF-8 sequence) followed by ::IV_INGEST_RAW_CUT_MARK,
 *             the number of bytes cut and "]" (e.g. "...[cut: 3072 bytes]"); may be NULL
 * @return ::IV_OK or ::IV_ERANGE
 * @since 0.1
 */
IV_API int iv_ingest_reject(const iv_ingest *ing, size_t i, uint64_t *line, uint64_t *offset,
                            const char **reason, const char **raw);

/**
 * @brief Write the kept rejects as CSV with the header line,offset,reason,raw.
 * @param[in] ing the handle
 * @param[in] path the file to write
 * @return ::IV_OK or ::IV_EIO
 * @since 0.1
 */
IV_API int iv_ingest_write_rejects(const iv_ingest *ing, const char *path);

/**
 * @brief Parse a timestamp as doc/GUIDE.md §1 accepts it.
 * @param[in] text the text (need not be NUL-terminated)
 * @param[in] len its length
 * @param[out] out milliseconds since the epoch (UTC)
 * @return ::IV_OK, ::IV_EPARSE (malformed, impossible date, trailing garbage) or
 *         ::IV_ERANGE (before 1900 or after 2200)
 * @since 0.1
 */
IV_API int iv_time_parse(const char *text, size_t len, int64_t *out);

/**
 * @brief Format a timestamp as ISO 8601 UTC ("2024-03-01T12:00:00Z", with ".sss" when
 *        the milliseconds are not 0).
 * @param[in] ts milliseconds since the epoch
 * @param[out] buf at least 32 bytes
 * @param[in] cap size of @p buf
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_time_format(int64_t ts, char *buf, size_t cap);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
