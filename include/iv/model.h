/**
 * @file iv/model.h
 * @brief The scoring model: what each interaction type and channel is worth and costs.
 */
#ifndef IV_MODEL_H
#define IV_MODEL_H

#include <stddef.h>

#include "iv/common.h"
#include "iv/store.h"
#include "iv/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup model Scoring model
 * @brief RV units, stages, classes and flags per type; cost, digital and area per
 *        channel; outcome factors and the other global parameters (doc/MODEL.md).
 *
 * The store keeps raw facts; a model turns them into value at query time, so the same
 * history can be re-scored with another model without re-ingesting it. A model starts
 * as the built-in default (iv_model_new(), documented table by table in doc/MODEL.md),
 * is changed in code with the setters below, or is read from an INI-style text
 * (iv_model_load(), iv_model_parse()) layered over the default.
 *
 * Type and channel names are used in their normal form (doc/MODEL.md, Vocabulary):
 * trimmed, ASCII letters lower-cased, every run of blanks and `-` turned into one `_`
 * (`Phone Call` is `phone_call`, `EMAIL` is `email`). Every function taking a name
 * normalises it, and so do the store and ingestion, so `EMAIL` rows are scored as the
 * model's `email`. A type or channel may have aliases (iv_model_set_type_aliases(),
 * `aliases = a, b` in the text format): an alias is scored as its entry. Section and
 * key names of the text format and the words of its values (stages, classes, flags,
 * areas, booleans) are case-insensitive.
 *
 * Setting a property of a type or channel the model does not have adds it. A type
 * added this way starts as an unknown type scores (RV 0, no stage, class watch, no
 * flags, no survey, rv_repeat 1, no daily cap, survey bands -20 / 0 / +20); a channel
 * starts with the model's default_cost, not digital, area channels.
 *
 * Thread safety: a model that nobody modifies may be used by any number of queries
 * in any number of threads at once.
 * @{
 */

/** @brief Opaque model handle. @since 0.1 */
typedef struct iv_model iv_model;

/** @brief Event flags carried by a type (bits, combined with |). @since 0.1 */
typedef enum iv_flag {
    IV_FLAG_PURCHASE = 1,        /**< a purchase (first or repeat) */
    IV_FLAG_REPEAT = 2,          /**< a repeat purchase */
    IV_FLAG_REFER = 4,           /**< a referral */
    IV_FLAG_UPSELL = 8,          /**< an upsell */
    IV_FLAG_CROSS_SELL = 16,     /**< a cross-sell */
    IV_FLAG_BAD_EXPERIENCE = 32, /**< a bad experience (also any undesired outcome) */
    IV_FLAG_SUPPORT = 64,        /**< a support contact */
    IV_FLAG_CHURN = 128          /**< the contact left */
} iv_flag;

/** @brief Every defined ::iv_flag bit. @since 0.1 */
#define IV_FLAG_ALL 255u

/** @brief Class of a type, for community roles (doc/METRICS.md §Contacts and subsets). @since 0.1 */
typedef enum iv_class {
    IV_CLASS_WATCH = 0, /**< watching (Watcher) */
    IV_CLASS_DO = 1,    /**< doing (Doer) */
    IV_CLASS_LEAD = 2   /**< leading others (Leader) */
} iv_class;

/** @brief How a survey type is scored: by the band of the answer. @since 0.1 */
typedef enum iv_survey {
    IV_SURVEY_NONE = 0, /**< not a survey: the type's rv */
    IV_SURVEY_NPS = 1,  /**< 0-10: 9-10 high, 7-8 mid, 0-6 low */
    IV_SURVEY_CSAT = 2, /**< 1-5: 4-5 high, 3 mid, 1-2 low */
    IV_SURVEY_CES = 3   /**< 1-7: 5-7 high, 4 mid, 1-3 low */
} iv_survey;

/**
 * @brief Options for model construction. Initialise with ::IV_MODEL_OPTIONS_INIT or
 *        iv_model_options_init(); fields are only ever appended.
 * @since 0.1
 */
typedef struct iv_model_options {
    size_t size;       /**< sizeof(iv_model_options) as the caller knows it */
    iv_alloc_fn alloc; /**< allocator hook, NULL for malloc/realloc/free */
    void *alloc_ud;    /**< user data for @ref alloc */
} iv_model_options;

/** @brief Initialiser for ::iv_model_options. @since 0.1 */
#define IV_MODEL_OPTIONS_INIT { sizeof(iv_model_options), NULL, NULL }

/**
 * @brief Fill @p opts with the defaults (for bindings, which cannot use the macro).
 * @param[out] opts the options to fill
 * @param[in] size sizeof(iv_model_options) as the caller knows it
 * @return ::IV_OK, or ::IV_EINVAL when @p size is too small or @p opts is NULL
 * @since 0.1
 */
IV_API int iv_model_options_init(iv_model_options *opts, size_t size);

/**
 * @brief Create a model holding the built-in default (doc/MODEL.md).
 * @param[out] out the new model
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_new(iv_model **out, const iv_model_options *opts);

/**
 * @brief Create a copy of a model (with the allocator of @p opts, not of @p model).
 * @param[out] out the new model
 * @param[in] model the model to copy
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_copy(iv_model **out, const iv_model *model, const iv_model_options *opts);

/**
 * @brief Free a model. Accepts NULL.
 * @param[in] model the model
 * @since 0.1
 */
IV_API void iv_model_free(iv_model *model);

/**
 * @brief Read a model file (format in doc/MODEL.md) layered over the built-in default.
 *
 * Errors name the file, the line and the key:
 * `model.ini:12: unknown key 'rvv' in [type.purchase]`.
 * @param[out] out the new model (NULL on failure)
 * @param[in] path the file
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EIO, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_load(iv_model **out, const char *path, const iv_model_options *opts);

/**
 * @brief Parse model text (the format of iv_model_load()) layered over the built-in
 *        default. Errors name the line: `line 12: unknown key 'rvv' in [type.purchase]`.
 * @param[out] out the new model (NULL on failure)
 * @param[in] text the text (need not be NUL-terminated)
 * @param[in] len its length in bytes
 * @param[in] opts options, or NULL for the defaults
 * @return ::IV_OK, ::IV_EPARSE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_parse(iv_model **out, const char *text, size_t len,
                          const iv_model_options *opts);

/**
 * @brief Write a model as text that iv_model_parse() reads back to an equal model
 *        (it starts with `defaults = none` and names every type and channel).
 * @param[in] model the model
 * @param[in] path the file ("-" for standard output)
 * @return ::IV_OK, ::IV_EIO, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_write(const iv_model *model, const char *path);

/**
 * @brief The text iv_model_write() writes, in memory.
 * @param[in] model the model
 * @param[out] out receives the NUL-terminated text; free it with iv_model_free_string()
 * @param[out] len receives its length (without the NUL); may be NULL
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_to_string(const iv_model *model, char **out, size_t *len);

/**
 * @brief Free a string from iv_model_to_string(). Accepts NULL.
 * @param[in] model the model that made it
 * @param[in] s the string
 * @since 0.1
 */
IV_API void iv_model_free_string(const iv_model *model, char *s);

/**
 * @brief Whether two models score everything the same way (same types, channels,
 *        properties and global parameters; NaN equals NaN).
 * @param[in] a a model
 * @param[in] b another model
 * @return 1 when equal, 0 otherwise (0 when either is NULL)
 * @since 0.1
 */
IV_API int iv_model_equal(const iv_model *a, const iv_model *b);

/**
 * @brief Number of types the model has (for enumeration with iv_model_type_name()).
 * @param[in] model the model
 * @return the count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_model_type_count(const iv_model *model);

/**
 * @brief Name of the i-th type, in byte order of the names.
 * @param[in] model the model
 * @param[in] i index below iv_model_type_count()
 * @return the name, owned by the model and valid until it changes; NULL when out of range
 * @since 0.1
 */
IV_API const char *iv_model_type_name(const iv_model *model, size_t i);

/**
 * @brief Number of channels the model has.
 * @param[in] model the model
 * @return the count (0 for NULL)
 * @since 0.1
 */
IV_API size_t iv_model_channel_count(const iv_model *model);

/**
 * @brief Name of the i-th channel, in byte order of the names.
 * @param[in] model the model
 * @param[in] i index below iv_model_channel_count()
 * @return the name, owned by the model and valid until it changes; NULL when out of range
 * @since 0.1
 */
IV_API const char *iv_model_channel_name(const iv_model *model, size_t i);

/**
 * @brief Remove a type (it then scores as an unknown type).
 * @param[in] model the model
 * @param[in] type the type's name
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_remove_type(iv_model *model, const char *type);

/**
 * @brief Remove a channel (it then costs default_cost, area channels).
 * @param[in] model the model
 * @param[in] channel the channel's name
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_remove_channel(iv_model *model, const char *channel);

/**
 * @brief Set a type's RV units (used for rows of a survey type that have no score).
 * @param[in] model the model
 * @param[in] type the type (added when missing; must not be empty)
 * @param[in] rv signed RV units, finite
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_rv(iv_model *model, const char *type, double rv);

/**
 * @brief Set a type's default stage.
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] stage an ::iv_stage (::IV_STAGE_NONE: no default stage)
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_stage(iv_model *model, const char *type, int stage);

/**
 * @brief Set a type's class.
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] cls an ::iv_class
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_class(iv_model *model, const char *type, int cls);

/**
 * @brief Set a type's event flags (replacing the previous ones).
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] flags ::iv_flag bits (within ::IV_FLAG_ALL)
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_flags(iv_model *model, const char *type, unsigned flags);

/**
 * @brief Set a type's repeat multiplier: the k-th occurrence of the type for a contact
 *        counts rv * rv_repeat^(k-1) (doc/MODEL.md).
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] rv_repeat finite, >= 0 (1: every occurrence counts fully)
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_rv_repeat(iv_model *model, const char *type, double rv_repeat);

/**
 * @brief Set a type's daily cap: at most this many RV units per contact and UTC day
 *        from interactions of the type.
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] cap finite and >= 0, or NaN for no cap
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_daily_cap(iv_model *model, const char *type, double cap);

/**
 * @brief Make a type a survey type (scored by the band of the answer) or not.
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] survey an ::iv_survey
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_survey(iv_model *model, const char *type, int survey);

/**
 * @brief Set the RV units of a survey type's answer bands.
 * @param[in] model the model
 * @param[in] type the type (added when missing)
 * @param[in] low RV of the low band (detractor / dissatisfied / difficult), finite
 * @param[in] mid RV of the mid band (passive / neutral), finite
 * @param[in] high RV of the high band (promoter / satisfied / easy), finite
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_type_survey_rv(iv_model *model, const char *type, double low,
                                       double mid, double high);

/**
 * @brief Set a channel's cost per transaction.
 * @param[in] model the model
 * @param[in] channel the channel (added when missing; must not be empty)
 * @param[in] cost finite and >= 0, or NaN to use the model's default_cost
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_channel_cost(iv_model *model, const char *channel, double cost);

/**
 * @brief Set whether a channel is digital.
 * @param[in] model the model
 * @param[in] channel the channel (added when missing)
 * @param[in] digital 0 or 1
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_channel_digital(iv_model *model, const char *channel, int digital);

/**
 * @brief Set a channel's maturity area.
 * @param[in] model the model
 * @param[in] channel the channel (added when missing)
 * @param[in] area an ::iv_area other than ::IV_AREA_NONE
 * @return ::IV_OK, ::IV_ERANGE, ::IV_ENOMEM or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_channel_area(iv_model *model, const char *channel, int area);

/**
 * @brief Set a global parameter by its name in the `[model]` section:
 *        `outcome_desired`, `outcome_neutral`, `outcome_undesired` (finite),
 *        `default_cost` (>= 0), `rv_half_life_days` (> 0, NaN = none: cumulative RV),
 *        `activity_window_days` (> 0), `profit_high`, `profit_poor` (finite, NaN = not
 *        set; user-set tiers apply when both are set).
 * @param[in] model the model
 * @param[in] name the parameter's name
 * @param[in] value its value
 * @return ::IV_OK, ::IV_ENOTFOUND (unknown name), ::IV_ERANGE or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_set_param(iv_model *model, const char *name, double value);

/**
 * @brief Get a global parameter (names as iv_model_set_param()).
 * @param[in] model the model
 * @param[in] name the parameter's name
 * @param[out] out its value (NaN for "none" / "not set")
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_param(const iv_model *model, const char *name, double *out);

/**
 * @brief Get a type's RV units.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out the RV units
 * @return ::IV_OK, ::IV_ENOTFOUND (the model has no such type) or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_rv(const iv_model *model, const char *type, double *out);

/**
 * @brief Get a type's default stage.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out an ::iv_stage
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_stage(const iv_model *model, const char *type, int *out);

/**
 * @brief Get a type's class.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out an ::iv_class
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_class(const iv_model *model, const char *type, int *out);

/**
 * @brief Get a type's event flags.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out ::iv_flag bits
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_flags(const iv_model *model, const char *type, unsigned *out);

/**
 * @brief Get a type's repeat multiplier.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out the multiplier
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_rv_repeat(const iv_model *model, const char *type, double *out);

/**
 * @brief Get a type's daily cap.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out the cap, NaN for none
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_daily_cap(const iv_model *model, const char *type, double *out);

/**
 * @brief Get a type's survey kind.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] out an ::iv_survey
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_survey(const iv_model *model, const char *type, int *out);

/**
 * @brief Get the RV units of a type's survey bands.
 * @param[in] model the model
 * @param[in] type the type
 * @param[out] low RV of the low band (may be NULL)
 * @param[out] mid RV of the mid band (may be NULL)
 * @param[out] high RV of the high band (may be NULL)
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_type_survey_rv(const iv_model *model, const char *type, double *low,
                                       double *mid, double *high);

/**
 * @brief Get a channel's cost per transaction (the model's default_cost when the
 *        channel has none of its own).
 * @param[in] model the model
 * @param[in] channel the channel
 * @param[out] out the cost
 * @return ::IV_OK, ::IV_ENOTFOUND (the model has no such channel) or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_channel_cost(const iv_model *model, const char *channel, double *out);

/**
 * @brief Get whether a channel is digital.
 * @param[in] model the model
 * @param[in] channel the channel
 * @param[out] out 0 or 1
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_channel_digital(const iv_model *model, const char *channel, int *out);

/**
 * @brief Get a channel's maturity area.
 * @param[in] model the model
 * @param[in] channel the channel
 * @param[out] out an ::iv_area
 * @return ::IV_OK, ::IV_ENOTFOUND or ::IV_EINVAL
 * @since 0.1
 */
IV_API int iv_model_get_channel_area(const iv_model *model, const char *channel, int *out);

/**
 * @brief Replace the aliases of a type: other names (normalised like every name) that
 *        are scored as this type. The type is added when missing.
 *
 * An alias may not be the name of a type, nor an alias of another type. On error the
 * model is unchanged.
 * @param[in] model the model
 * @param[in] type the type
 * @param[in] aliases comma-separated names (`"demo_meeting, sales_meeting"`); `""` removes
 *            every alias of the type
 * @return ::IV_OK, ::IV_EINVAL (NULL argument, blank or conflicting alias; the message
 *         names it) or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_model_set_type_aliases(iv_model *model, const char *type, const char *aliases);

/**
 * @brief Replace the aliases of a channel (as iv_model_set_type_aliases()).
 * @param[in] model the model
 * @param[in] channel the channel (added when missing)
 * @param[in] aliases comma-separated names; `""` removes every alias of the channel
 * @return ::IV_OK, ::IV_EINVAL or ::IV_ENOMEM
 * @since 1.2
 */
IV_API int iv_model_set_channel_aliases(iv_model *model, const char *channel,
                                        const char *aliases);

/**
 * @brief The type a name is scored as: the name in normal form when the model has that
 *        type, else the type it is an alias of.
 * @param[in] model the model
 * @param[in] name any spelling (`"Demo Meeting"`)
 * @return the type's name, owned by the model and valid until it changes; NULL when the
 *         model does not know the name (it then scores as an unknown type)
 * @since 1.2
 */
IV_API const char *iv_model_find_type(const iv_model *model, const char *name);

/**
 * @brief The channel a name is costed as (as iv_model_find_type()).
 * @param[in] model the model
 * @param[in] name any spelling (`"Phone"`)
 * @return the channel's name, owned by the model; NULL when the model does not know it
 * @since 1.2
 */
IV_API const char *iv_model_find_channel(const iv_model *model, const char *name);

/**
 * @brief The i-th alias (in byte order) of a type.
 * @param[in] model the model
 * @param[in] type the type (or one of its aliases)
 * @param[in] i 0-based index
 * @return the alias, owned by the model and valid until it changes; NULL past the last
 *         one or when the model has no such type
 * @since 1.2
 */
IV_API const char *iv_model_type_alias(const iv_model *model, const char *type, size_t i);

/**
 * @brief The i-th alias (in byte order) of a channel.
 * @param[in] model the model
 * @param[in] channel the channel (or one of its aliases)
 * @param[in] i 0-based index
 * @return the alias, owned by the model; NULL past the last one or when the model has no
 *         such channel
 * @since 1.2
 */
IV_API const char *iv_model_channel_alias(const iv_model *model, const char *channel, size_t i);

/**
 * @brief The vocabulary of a store that a model does not know: every distinct type and
 *        channel value of the store's rows that is neither an entry of @p model nor an
 *        alias of one (those rows score 0 RV, resp. cost default_cost), with its row count.
 *
 * The table has the columns `field` (`"type"` or `"channel"`), `value` (the name as
 * stored, in normal form) and `n` (rows), types first, then the most frequent first,
 * then by value. `iv model check` prints it; `iv ingest` sums it into `unknown_types`
 * and `unknown_channels`.
 * @param[in] model the model (NULL: the built-in default)
 * @param[in] store the store
 * @param[out] out the new table; free it with iv_table_free()
 * @return ::IV_OK, ::IV_ENOMEM or ::IV_EINVAL
 * @since 1.2
 */
IV_API int iv_model_check(const iv_model *model, const iv_store *store, iv_table **out);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
