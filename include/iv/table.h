/**
 * @file iv/table.h
 * @brief Result tables: typed columns, row access, export to CSV, JSON and text.
 */
#ifndef IV_TABLE_H
#define IV_TABLE_H

#include "iv/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup table Tables
 * @brief Every result of libiv is a table: named, typed columns and rows.
 *
 * A cell may be *undefined* (a ratio whose denominator is 0, a group key that is not
 * given): iv_table_is_defined() says so, doubles read as NaN, strings as NULL, and the
 * exports write `null` (JSON) or an empty field (CSV).
 * @{
 */

/** @brief Opaque result table. @since 0.1 */
typedef struct iv_table iv_table;

/** @brief Column types. @since 0.1 */
typedef enum iv_coltype {
    IV_COL_STRING = 0, /**< UTF-8 text */
    IV_COL_INT = 1,    /**< signed 64-bit integer */
    IV_COL_DOUBLE = 2, /**< double */
    IV_COL_TIME = 3,   /**< milliseconds since the epoch, exported as ISO 8601 UTC */
    IV_COL_BOOL = 4,   /**< 0 or 1, exported as false/true */
    IV_COL_LIST = 5    /**< a list of strings, exported as a JSON array or "a;b" in CSV */
} iv_coltype;

/** @brief Export formats. @since 0.1 */
typedef enum iv_format {
    IV_FORMAT_TABLE = 0, /**< aligned text for people */
    IV_FORMAT_CSV = 1,   /**< RFC 4180 CSV with a header line */
    IV_FORMAT_JSON = 2   /**< an array of row objects (one object when the table is
                              flagged single, see iv_table_is_single()) */
} iv_format;

/**
 * @brief Create an empty table (for programs that assemble their own results and
 *        want the same exports).
 * @param[out] out the new table
 * @param[in] alloc allocator hook, NULL for the default
 * @param[in] alloc_ud user data for @p alloc
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_new(iv_table **out, iv_alloc_fn alloc, void *alloc_ud);

/**
 * @brief Append a column (only before the first row is added).
 * @param[in] t the table
 * @param[in] name the column name
 * @param[in] type an ::iv_coltype
 * @return the new column's index (>= 0), or a negative ::iv_status
 * @since 0.1
 */
IV_API int iv_table_add_column(iv_table *t, const char *name, int type);

/**
 * @brief Append a row whose cells are all undefined.
 * @param[in] t the table
 * @return the new row's index (>= 0), or a negative ::iv_status
 * @since 0.1
 */
IV_API long iv_table_add_row(iv_table *t);

/**
 * @brief Set a DOUBLE cell; NaN makes it undefined.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @param[in] v the value
 * @return ::IV_OK, ::IV_ERANGE or ::IV_EINVAL (wrong column type)
 * @since 0.1
 */
IV_API int iv_table_set_double(iv_table *t, size_t row, size_t col, double v);

/**
 * @brief Set an INT, TIME or BOOL cell (a TIME of ::IV_TIME_NONE is undefined).
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @param[in] v the value
 * @return ::IV_OK, ::IV_ERANGE or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_set_int(iv_table *t, size_t row, size_t col, int64_t v);

/**
 * @brief Set a STRING cell (copied); NULL makes it undefined.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @param[in] s NUL-terminated text or NULL
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_ERANGE or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_set_string(iv_table *t, size_t row, size_t col, const char *s);

/**
 * @brief Append an item to a LIST cell (copied).
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @param[in] s NUL-terminated text
 * @return ::IV_OK, ::IV_ENOMEM, ::IV_ERANGE or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_list_append(iv_table *t, size_t row, size_t col, const char *s);

/**
 * @brief Flag the table as one result (JSON export writes one object).
 * @param[in] t the table
 * @param[in] single 1 or 0
 * @return ::IV_OK or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_set_single(iv_table *t, int single);

/**
 * @brief Free a table. Accepts NULL.
 * @param[in] t the table
 * @since 0.1
 */
IV_API void iv_table_free(iv_table *t);

/**
 * @brief Number of rows.
 * @param[in] t the table
 * @return the count
 * @since 0.1
 */
IV_API size_t iv_table_nrows(const iv_table *t);

/**
 * @brief Number of columns.
 * @param[in] t the table
 * @return the count
 * @since 0.1
 */
IV_API size_t iv_table_ncols(const iv_table *t);

/**
 * @brief Name of a column.
 * @param[in] t the table
 * @param[in] col 0-based column
 * @return the name, NULL when out of range
 * @since 0.1
 */
IV_API const char *iv_table_col_name(const iv_table *t, size_t col);

/**
 * @brief Type of a column.
 * @param[in] t the table
 * @param[in] col 0-based column
 * @return an ::iv_coltype, or -1 when out of range
 * @since 0.1
 */
IV_API int iv_table_col_type(const iv_table *t, size_t col);

/**
 * @brief Find a column by name.
 * @param[in] t the table
 * @param[in] name the column name
 * @return its index, or -1 when absent
 * @since 0.1
 */
IV_API long iv_table_col_index(const iv_table *t, const char *name);

/**
 * @brief Whether a cell holds a defined value.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @return 1 defined, 0 undefined or out of range
 * @since 0.1
 */
IV_API int iv_table_is_defined(const iv_table *t, size_t row, size_t col);

/**
 * @brief A cell as a double (INT, TIME, BOOL and DOUBLE columns).
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @return the value; NaN when undefined, out of range or not numeric
 * @since 0.1
 */
IV_API double iv_table_get_double(const iv_table *t, size_t row, size_t col);

/**
 * @brief A cell as an integer (INT, TIME and BOOL columns; DOUBLE truncated).
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @return the value; 0 when undefined or out of range
 * @since 0.1
 */
IV_API int64_t iv_table_get_int(const iv_table *t, size_t row, size_t col);

/**
 * @brief A STRING cell.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @return the text, valid until the table is freed; NULL when undefined or not a string
 * @since 0.1
 */
IV_API const char *iv_table_get_string(const iv_table *t, size_t row, size_t col);

/**
 * @brief Number of items in a LIST cell.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @return the count; 0 when undefined or not a list
 * @since 0.1
 */
IV_API size_t iv_table_get_list_len(const iv_table *t, size_t row, size_t col);

/**
 * @brief One item of a LIST cell.
 * @param[in] t the table
 * @param[in] row 0-based row
 * @param[in] col 0-based column
 * @param[in] i 0-based item
 * @return the item, NULL when out of range
 * @since 0.1
 */
IV_API const char *iv_table_get_list_item(const iv_table *t, size_t row, size_t col, size_t i);

/**
 * @brief Whether the table is one result rather than a list of rows (JSON export
 *        then writes one object instead of an array).
 * @param[in] t the table
 * @return 1 or 0
 * @since 0.1
 */
IV_API int iv_table_is_single(const iv_table *t);

/**
 * @brief Sink for iv_table_write().
 * @param[in] data bytes to write
 * @param[in] len their count
 * @param[in] payload the pointer given to iv_table_write()
 * @return 0 on success, non-zero to stop (iv_table_write() then returns ::IV_EIO)
 * @since 0.1
 */
typedef int (*iv_write_fn)(const void *data, size_t len, void *payload);

/**
 * @brief Export a table through a sink.
 * @param[in] t the table
 * @param[in] format an ::iv_format
 * @param[in] fn the sink
 * @param[in] payload passed to @p fn
 * @return ::IV_OK, ::IV_EIO, ::IV_EINVAL or ::IV_ENOMEM
 * @since 0.1
 */
IV_API int iv_table_write(const iv_table *t, int format, iv_write_fn fn, void *payload);

/**
 * @brief Export a table to a NUL-terminated string allocated with the table's allocator.
 * @param[in] t the table
 * @param[in] format an ::iv_format
 * @param[out] out receives the text; free it with iv_table_free_string()
 * @param[out] len receives its length (without the NUL); may be NULL
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_to_string(const iv_table *t, int format, char **out, size_t *len);

/**
 * @brief Free a string from iv_table_to_string(). Accepts NULL.
 * @param[in] t the table that made it
 * @param[in] s the string
 * @since 0.1
 */
IV_API void iv_table_free_string(const iv_table *t, char *s);

/**
 * @brief Export a table to a file.
 * @param[in] t the table
 * @param[in] format an ::iv_format
 * @param[in] path the file ("-" for standard output)
 * @return ::IV_OK, ::IV_EIO or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_table_save(const iv_table *t, int format, const char *path);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
