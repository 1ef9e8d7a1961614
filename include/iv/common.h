/**
 * @file iv/common.h
 * @brief Status codes, error messages, the allocator hook, progress callbacks and
 *        the small enums shared by every module.
 */
#ifndef IV_COMMON_H
#define IV_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "iv/version.h"

/** @brief Marks every public declaration; embedders may predefine it. The library's own
 *  build defines IV_BUILDING_LIBRARY: on Windows it then exports, every user imports. */
#ifndef IV_API
#  if defined(_WIN32) && defined(IV_BUILDING_LIBRARY)
#    define IV_API __declspec(dllexport)
#  elif defined(_WIN32)
#    define IV_API __declspec(dllimport)
#  elif defined(__GNUC__) && __GNUC__ >= 4
#    define IV_API __attribute__((visibility("default")))
#  else
#    define IV_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup common Common definitions
 * @brief Status codes, errors, allocator, progress, enums.
 *
 * Every function that can fail returns an ::iv_status: ::IV_OK (0) or a negative
 * code. Right after a failure, iv_error_last() gives a message saying what went
 * wrong and where (line, column, field, file). The message is kept per thread, so
 * two threads working on two handles never see each other's errors.
 * @{
 */

/**
 * @brief Result codes. Values never change meaning; new ones are appended.
 * @since 0.1
 */
typedef enum iv_status {
    IV_OK = 0,            /**< success */
    IV_ENOMEM = -1,       /**< an allocation failed; the handle is unchanged and usable */
    IV_EINVAL = -2,       /**< an argument is invalid (NULL handle, bad option, bad size) */
    IV_EIO = -3,          /**< a file could not be opened, read or written */
    IV_EPARSE = -4,       /**< input data or text is malformed (the message says where) */
    IV_ELIMIT = -5,       /**< a configured limit was exceeded (line length, strings, ...) */
    IV_ERANGE = -6,       /**< a value is outside its allowed range */
    IV_ENOTFOUND = -7,    /**< a named thing (dimension, column, contact, type) is unknown */
    IV_ECORRUPT = -8,     /**< serialised bytes are truncated or fail their checksum */
    IV_EVERSION = -9,     /**< serialised bytes carry an unsupported format version */
    IV_ESTATE = -10,      /**< the call is not valid in the handle's current state */
    IV_ENOCONV = -11,     /**< an iterative fit did not converge */
    IV_ECANCELED = -12,   /**< a progress callback asked to stop */
    IV_EUNDEFINED = -13   /**< the requested quantity is undefined for this data */
} iv_status;

/**
 * @brief Static English text for a status code (never NULL).
 * @param[in] code an ::iv_status value
 * @return a constant string such as "out of memory"
 * @since 0.1
 */
IV_API const char *iv_strerror(int code);

/**
 * @brief The detailed message of the last failure on the calling thread.
 *
 * Valid until the next libiv call on this thread that fails. Successful calls
 * leave it as it was.
 * @return a NUL-terminated message, "" if nothing failed yet
 * @since 0.1
 */
IV_API const char *iv_error_last(void);

/**
 * @brief The number of warnings collected on the calling thread since the last
 *        iv_warning_clear().
 *
 * A warning says that a call succeeded with a result that is probably not what was
 * meant, rather than quietly returning zeros: a selection (`where`) naming a value that
 * no row of the store has; a funnel step, a cohort start or return type or a path start
 * type that no selected row has. Warnings accumulate on the thread that made the calls
 * (an identical text once, at most 32 and then one saying more were dropped) until
 * iv_warning_clear(); errors are unaffected.
 * @return how many warnings iv_warning_get() can give
 * @since 1.2
 */
IV_API size_t iv_warning_count(void);

/**
 * @brief One warning of the calling thread.
 * @param[in] i its index, 0 to iv_warning_count() - 1 (oldest first)
 * @return the message (valid until iv_warning_clear() on this thread), NULL when @p i is
 *         out of range
 * @since 1.2
 */
IV_API const char *iv_warning_get(size_t i);

/**
 * @brief Forget the warnings of the calling thread.
 * @since 1.2
 */
IV_API void iv_warning_clear(void);

/**
 * @brief The version of the library linked at run time, as
 *        MAJOR*10000 + MINOR*100 + PATCH (compare with ::IV_VERSION_NUMBER).
 * @return the version number
 * @since 0.1
 */
IV_API int iv_version(void);

/**
 * @brief The version of the library linked at run time, "MAJOR.MINOR.PATCH".
 * @return a static string
 * @since 0.1
 */
IV_API const char *iv_version_string(void);

/**
 * @brief Allocator hook, with the same contract as Lua's lua_Alloc.
 *
 * When @p nsize is 0 the block @p ptr (of @p osize bytes, may be NULL) is freed and
 * the function returns NULL. Otherwise it returns a block of @p nsize bytes holding the
 * first min(osize, nsize) bytes of @p ptr (a new block when @p ptr is NULL), or NULL when
 * it cannot, in which case @p ptr is left untouched. When @p ptr is NULL, @p osize is 0.
 * @param[in] ud the user data given with the hook
 * @param[in] ptr the block to resize or free, or NULL
 * @param[in] osize the size of @p ptr
 * @param[in] nsize the requested size, 0 to free
 * @return the new block, or NULL
 * @since 0.1
 */
typedef void *(*iv_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

/**
 * @brief Progress callback for long work.
 * @param[in] done units done so far (bytes for ingestion, rows or contacts elsewhere)
 * @param[in] total units in all, or 0 when unknown (streaming)
 * @param[in] payload the pointer given with the callback
 * @return 0 to go on; any other value stops the work with ::IV_ECANCELED
 * @since 0.1
 */
typedef int (*iv_progress_fn)(uint64_t done, uint64_t total, void *payload);

/** @brief A timestamp meaning "none" or "unbounded" (milliseconds since the epoch are
 *  otherwise int64_t values). @since 0.1 */
#define IV_TIME_NONE INT64_MIN

/** @brief Lifecycle stage of an interaction (doc/GUIDE.md §1). @since 0.1 */
typedef enum iv_stage {
    IV_STAGE_NONE = 0,        /**< not given / no default */
    IV_STAGE_ACQUISITION = 1, /**< acquisition */
    IV_STAGE_CLOSING = 2,     /**< closing */
    IV_STAGE_RETENTION = 3    /**< retention */
} iv_stage;

/** @brief The eight digital-maturity areas (doc/MATURITY.md). @since 0.1 */
typedef enum iv_area {
    IV_AREA_NONE = 0,       /**< not given / no default */
    IV_AREA_TECHNOLOGY = 1, /**< technology and data strategy */
    IV_AREA_CHANNELS = 2,   /**< channels and devices */
    IV_AREA_ENGAGEMENT = 3, /**< audience engagement and CRM */
    IV_AREA_EXPERIENCE = 4, /**< user experience */
    IV_AREA_CONTENT = 5,    /**< content */
    IV_AREA_BUSINESS = 6,   /**< business modelling */
    IV_AREA_ANALYTICS = 7,  /**< analytics */
    IV_AREA_GOVERNANCE = 8  /**< internal processes and corporate governance */
} iv_area;

/** @brief Who initiated an interaction. @since 0.1 */
typedef enum iv_direction {
    IV_DIRECTION_NONE = 0, /**< not given */
    IV_DIRECTION_IN = 1,   /**< contact-initiated */
    IV_DIRECTION_OUT = 2   /**< organisation-initiated */
} iv_direction;

/** @brief Outcome of an interaction. @since 0.1 */
typedef enum iv_outcome {
    IV_OUTCOME_NONE = 0,      /**< not given (scored as neutral) */
    IV_OUTCOME_DESIRED = 1,   /**< desired (+1) */
    IV_OUTCOME_NEUTRAL = 2,   /**< neutral (0) */
    IV_OUTCOME_UNDESIRED = 3  /**< undesired (-1) */
} iv_outcome;

/** @brief The enums iv_enum_name() names (its @p kind). @since 1.2 */
typedef enum iv_enum_kind {
    IV_ENUM_STAGE = 0,     /**< ::iv_stage */
    IV_ENUM_AREA = 1,      /**< ::iv_area */
    IV_ENUM_DIRECTION = 2, /**< ::iv_direction */
    IV_ENUM_OUTCOME = 3    /**< ::iv_outcome */
} iv_enum_kind;

/**
 * @brief Canonical lower-case name of an enum value, "" for the NONE values.
 * @param[in] kind an ::iv_enum_kind: 0 stage, 1 area, 2 direction, 3 outcome
 * @param[in] value the enum value
 * @return a static string, or NULL when @p kind or @p value is out of range
 * @since 0.1
 */
IV_API const char *iv_enum_name(int kind, int value);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
