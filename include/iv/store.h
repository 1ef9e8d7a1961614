/**
 * @file iv/store.h
 * @brief The interaction store: a columnar, in-memory log of interactions.
 */
#ifndef IV_STORE_H
#define IV_STORE_H

#include <math.h>

#include "iv/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup store Store
 * @brief The columnar interaction store (doc/GUIDE.md §1).
 *
 * A store owns every interaction appended to it, with strings interned per column,
 * up to ::IV_MAX_DIMS custom dimensions, and an index of each contact's interactions
 * in time order. It keeps raw facts only: the scoring model is applied at query time.
 *
 * Thread safety: a store may be read by several threads at once (queries, row access)
 * while no thread modifies it and it is *prepared* (iv_store_prepare()). Ingestion,
 * iv_store_append_columns() and iv_store_load() leave it prepared; after
 * iv_store_append() call iv_store_prepare() before sharing it between threads. A store
 * they leave prepared builds its per-contact index on the first call that needs it
 * (not a grouped iv_query_metrics(), which reads the rows in store order), under a lock
 * of its own, so readers in several threads stay safe and see the same index.
 * Different stores never share state. Beyond that lock the library takes none:
 * iv_store_free() while another thread is still inside a call on the store, or still
 * uses a pointer it handed out, is a use after free; the caller makes the free wait
 * (the Python and Lua bindings do; doc/ABI.md, Threads).
 * @{
 */

/** @brief Opaque store handle. @since 0.1 */
typedef struct iv_store iv_store;

/** @brief Most custom dimensions one store holds. @since 0.1 */
#define IV_MAX_DIMS 64

/**
 * @brief Options for iv_store_new(). Initialise with ::IV_STORE_OPTIONS_INIT or
 *        iv_store_options_init(); fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_store_options {
    size_t size;          /**< sizeof(iv_store_options) as the caller knows it */
    iv_alloc_fn alloc;    /**< allocator hook, NULL for malloc/realloc/free */
    void *alloc_ud;       /**< user data for @ref alloc */
    uint64_t max_strings; /**< limit on distinct strings over all columns (default 2^31) */
} iv_store_options;

/** @brief Initialiser for ::iv_store_options. @since 0.1 */
#define IV_STORE_OPTIONS_INIT { sizeof(iv_store_options), NULL, NULL, 0 }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options to fill
 * @param[in] size sizeof(iv_store_options) as the caller knows it
 * @return ::IV_OK, or ::IV_EINVAL when @p size is too small or @p opts is NULL
 * @since 0.1
 */
IV_API int iv_store_options_init(iv_store_options *opts, size_t size);

/**
 * @brief Create an empty store.
 * @param[out] out the new store
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_new(iv_store **out, const iv_store_options *opts);

/**
 * @brief Free a store and everything it owns. Accepts NULL.
 * @param[in] store the store
 * @since 0.1
 */
IV_API void iv_store_free(iv_store *store);

/**
 * @brief One interaction, for iv_store_append() and iv_store_get_row().
 *
 * Strings are NUL-terminated UTF-8; NULL or "" means "not given" for optional fields.
 * Numbers use NaN for "not given". Initialise with ::IV_RECORD_INIT or
 * iv_record_init(); fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_record {
    size_t size;          /**< sizeof(iv_record) as the caller knows it */
    const char *contact;  /**< required */
    int64_t ts;           /**< required: milliseconds since 1970-01-01T00:00:00Z */
    const char *channel;  /**< required */
    const char *type;     /**< required */
    int stage;            /**< ::iv_stage, ::IV_STAGE_NONE for the model's default */
    int area;             /**< ::iv_area, ::IV_AREA_NONE for the model's default */
    int direction;        /**< ::iv_direction */
    int outcome;          /**< ::iv_outcome */
    double cost;          /**< >= 0, NaN for the model's channel cost */
    double value;         /**< money attributed, NaN when not given (counts as 0) */
    double score;         /**< survey answer, NaN when not given */
    double rv;            /**< explicit RV units, NaN to use the model */
    const char *team;     /**< optional */
    const char *id;       /**< optional source id */
    size_t ndims;         /**< number of custom dimensions given */
    const char *const *dim_names;  /**< their names (created on first use) */
    const char *const *dim_values; /**< their values (NULL or "" = not given) */
} iv_record;

/** @brief Initialiser for ::iv_record: everything "not given". @since 0.1 */
#define IV_RECORD_INIT { sizeof(iv_record), NULL, 0, NULL, NULL, 0, 0, 0, 0, \
    NAN, NAN, NAN, NAN, NULL, NULL, 0, NULL, NULL }

/**
 * @brief Fill @p rec with "not given" everywhere.
 * @param[out] rec the record
 * @param[in] size sizeof(iv_record) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_record_init(iv_record *rec, size_t size);

/**
 * @brief Append one interaction. The record is validated first (doc/GUIDE.md §1: NaN or
 *        infinite numbers, negative cost, score outside its scale, unknown enum values,
 *        missing required fields, timestamp out of range); a bad record appends nothing.
 * @param[in] store the store
 * @param[in] rec the record
 * @return ::IV_OK, ::IV_EPARSE (bad record, message names the field), ::IV_ELIMIT,
 *         ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_store_append(iv_store *store, const iv_record *rec);

/**
 * @brief Columns for a bulk append: arrays of @ref iv_columns::n entries each. A NULL array means
 *        the column is absent (every entry "not given"). Initialise with
 *        ::IV_COLUMNS_INIT or iv_columns_init().
 * @since 0.1
 */
typedef struct iv_columns {
    size_t size;                      /**< sizeof(iv_columns) as the caller knows it */
    size_t n;                         /**< number of rows */
    const char *const *contact;       /**< required */
    const int64_t *ts;                /**< required, milliseconds since the epoch */
    const char *const *channel;       /**< required */
    const char *const *type;          /**< required */
    const int32_t *stage;             /**< ::iv_stage values */
    const int32_t *area;              /**< ::iv_area values */
    const int32_t *direction;         /**< ::iv_direction values */
    const int32_t *outcome;           /**< ::iv_outcome values */
    const double *cost;               /**< NaN = not given */
    const double *value;              /**< NaN = not given */
    const double *score;              /**< NaN = not given */
    const double *rv;                 /**< NaN = not given */
    const char *const *team;          /**< NULL entries = not given */
    const char *const *id;            /**< NULL entries = not given */
    size_t ndims;                     /**< number of custom dimension columns */
    const char *const *dim_names;     /**< their names */
    const char *const *const *dim_values; /**< ndims arrays of n values each */
} iv_columns;

/** @brief Initialiser for ::iv_columns. @since 0.1 */
#define IV_COLUMNS_INIT { sizeof(iv_columns), 0, NULL, NULL, NULL, NULL, NULL, NULL, \
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL }

/**
 * @brief Fill @p cols with no columns.
 * @param[out] cols the columns
 * @param[in] size sizeof(iv_columns) as the caller knows it
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_columns_init(iv_columns *cols, size_t size);

/**
 * @brief Append many interactions at once (the fast path for bindings). All rows are
 *        validated first; if any is bad nothing is appended and the message names the
 *        first bad row (0-based) and field. Leaves the store prepared.
 * @param[in] store the store
 * @param[in] cols the columns
 * @return ::IV_OK, ::IV_EPARSE, ::IV_ELIMIT, ::IV_ENOMEM, ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_append_columns(iv_store *store, const iv_columns *cols);

/**
 * @brief Build the per-contact time index if an append made it stale, so that the
 *        store can be read from several threads. Idempotent.
 * @param[in] store the store
 * @return ::IV_OK or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_store_prepare(iv_store *store);

/**
 * @brief Number of interactions stored.
 * @param[in] store the store
 * @return the row count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_store_rows(const iv_store *store);

/**
 * @brief Number of distinct contacts stored.
 * @param[in] store the store
 * @return the contact count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_store_contacts(const iv_store *store);

/**
 * @brief Earliest and latest timestamp stored.
 * @param[in] store the store
 * @param[out] first earliest ts (::IV_TIME_NONE when empty); may be NULL
 * @param[out] last latest ts (::IV_TIME_NONE when empty); may be NULL
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_time_range(const iv_store *store, int64_t *first, int64_t *last);

/**
 * @brief Read one stored row. String pointers stay valid until the store is freed.
 *        Custom dimensions are not filled in (see iv_store_get_dim()); @p out->ndims is 0.
 * @param[in] store the store
 * @param[in] row 0-based row index (insertion order)
 * @param[out] out the record to fill; out->size must be set
 * @return ::IV_OK, ::IV_ERANGE or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_get_row(const iv_store *store, size_t row, iv_record *out);

/**
 * @brief Number of custom dimensions in the store.
 * @param[in] store the store
 * @return the count
 * @since 0.1
 */
IV_API size_t iv_store_dim_count(const iv_store *store);

/**
 * @brief Name of custom dimension @p dim (lower-cased as stored).
 * @param[in] store the store
 * @param[in] dim 0-based dimension index
 * @return the name, or NULL when out of range
 * @since 0.1
 */
IV_API const char *iv_store_dim_name(const iv_store *store, size_t dim);

/**
 * @brief Value of custom dimension @p dim at @p row.
 * @param[in] store the store
 * @param[in] row 0-based row index
 * @param[in] dim 0-based dimension index
 * @return the value, or NULL when not given or out of range
 * @since 0.1
 */
IV_API const char *iv_store_get_dim(const iv_store *store, size_t row, size_t dim);

/**
 * @brief The rows of one contact in time order (ties in insertion order).
 * @param[in] store the store (prepared)
 * @param[in] contact the contact id string
 * @param[out] rows receives a pointer to the row indices, valid until the next append
 * @param[out] n receives their count
 * @return ::IV_OK, ::IV_ENOTFOUND, ::IV_ESTATE when the store is not prepared
 * @since 0.1
 */
IV_API int iv_store_contact_rows(const iv_store *store, const char *contact,
                                 const uint32_t **rows, size_t *n);

/**
 * @brief Memory the store holds, in bytes (columns, strings, indices).
 * @param[in] store the store
 * @param[out] columns bytes of per-row columns and index; may be NULL
 * @param[out] strings bytes of interned strings and their hash tables; may be NULL
 * @return the total
 * @since 0.1
 */
IV_API size_t iv_store_memory(const iv_store *store, size_t *columns, size_t *strings);

/**
 * @brief Ingestion counters kept by the store over every ingestion into it, for the
 *        data-quality indicators (share of rows rejected).
 * @param[in] store the store
 * @param[out] rows_read rows read; may be NULL
 * @param[out] rows_rejected rows rejected; may be NULL
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_ingest_counts(const iv_store *store, uint64_t *rows_read,
                                  uint64_t *rows_rejected);

/** @brief The first eight bytes of a store snapshot file (iv_store_save()). @since 0.1 */
#define IV_STORE_SNAPSHOT_MAGIC "\x89IVSTO\r\n"

/**
 * @brief Save the whole store to a snapshot file: every row, string, custom dimension
 *        and the ingestion counters. The write is atomic: a temporary file in the same
 *        directory is written, flushed and fsync'ed, then renamed over @p path, so a
 *        crash leaves the old file or the new one, never a torn one. The format is
 *        versioned, little-endian whatever the host, with a CRC-32 per section
 *        (doc/SUMMARIES.md).
 * @param[in] store the store
 * @param[in] path the file to write (replaced if it exists)
 * @return ::IV_OK, ::IV_EIO (message names the file and the reason), ::IV_ENOMEM,
 *         ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_save(const iv_store *store, const char *path);

/**
 * @brief Load a snapshot written by iv_store_save() into a new, prepared store that
 *        reproduces the saved one exactly (rows, strings, dimensions, counters).
 *        A truncated, corrupted or forged file is an error, never a partial store.
 * @param[out] out the new store
 * @param[in] path the snapshot file
 * @param[in] opts store options (allocator, string limit), or NULL for the defaults
 * @return ::IV_OK, ::IV_EIO, ::IV_ECORRUPT (not a snapshot, truncated, checksum or
 *         content error; the message names the section), ::IV_EVERSION (a newer
 *         format), ::IV_ELIMIT, ::IV_ENOMEM, ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_store_load(iv_store **out, const char *path, const iv_store_options *opts);

/**
 * @brief Append every row of @p src, with its custom dimensions, to @p dst in @p src's
 *        row order, add @p src's ingestion counters to @p dst's, and prepare @p dst.
 *
 * The rows read back from @p dst exactly as from @p src (strings, numbers, enums,
 * dimensions). Used to gather the parts of one contact partition written by several
 * workers (doc/SCALE.md). A failing row stops the copy; the rows before it stay in
 * @p dst.
 * @param[in] dst the store appended to
 * @param[in] src the store read (not @p dst)
 * @return ::IV_OK, ::IV_EINVAL (NULL, or @p dst is @p src), ::IV_ELIMIT, ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_store_append_store(iv_store *dst, const iv_store *src);

/**
 * @brief Split a store by contact: append each row of @p src (in row order, with its
 *        custom dimensions) to parts[iv_partition_of(contact, nparts)], then prepare
 *        every part.
 *
 * Every row of a contact lands in the same part, the part `iv partition` and the
 * Python libiv.summary.partition_of() give (FNV-1a 64 of the contact's UTF-8 bytes
 * modulo @p nparts). The parts may already hold rows; their ingestion counters are left
 * as they are (rejected rows have no contact).
 * @param[in] src the store read
 * @param[in] nparts the number of parts (at least 1)
 * @param[in] parts @p nparts stores, none of them @p src
 * @return ::IV_OK, ::IV_EINVAL, ::IV_ELIMIT, ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_store_split(const iv_store *src, uint32_t nparts, iv_store *const *parts);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
