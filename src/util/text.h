/* Internal: the text toolkit every reader and writer shares: one whitespace set and
 * trimming, "origin:line: message" errors, finite-number parsing, separated lists, an INI
 * tokenizer and the one CSV field writer (RFC 4180 quoting). */
#ifndef IV_SRC_TEXT_H
#define IV_SRC_TEXT_H

#include "core.h"

/** @brief Whether c is a blank: space, tab, CR, vertical tab or form feed (the one set
 *  every reader trims). Line feeds are not blanks: readers split lines first. */
int iv__text_space(char c);

/** @brief Strip blanks (iv__text_space()) from both ends of [*s, *s + *n). */
void iv__trim(const char **s, size_t *n);

/** @brief Set an IV_EPARSE message "origin:line: message", or "line N: message" when
 *  origin is NULL, and return IV_EPARSE.
 *  @param origin the file path (or another name of the input), or NULL
 *  @param line 1-based line number the message is about */
int iv__parse_error(const char *origin, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** @brief Parse s[0..n) (already trimmed) as a finite decimal number (numparse.h's
 *  grammar: no blanks, hex, nan or inf).
 *  @return 1 and *out set on success, 0 otherwise (nothing is reported). */
int iv__parse_finite(const char *s, size_t n, double *out);

/** @brief The next item of a list separated by sep ("a, b,c"), trimmed.
 *
 *  Start with *pos = 0 and call until it returns 0. n bytes give one item more than
 *  they have separators: "" is one empty item, "a," is "a" and "".
 *  @param[in,out] pos where the next item starts (past the end when done)
 *  @param[out] item, len the item, not NUL-terminated
 *  @return 1 when an item was produced, 0 at the end */
int iv__list_next(const char *s, size_t n, char sep, size_t *pos, const char **item,
                  size_t *len);

/** What iv__ini_next() found. */
typedef enum iv__ini_item {
    IV__INI_END = 0,     /**< no more items */
    IV__INI_SECTION = 1, /**< a `[section]` header: section/section_len are set */
    IV__INI_PAIR = 2     /**< a `key = value` line: key/key_len, value/value_len set */
} iv__ini_item;

/** @brief An INI tokenizer over a whole text (iv__ini_init(), then iv__ini_next() until
 *  it returns IV__INI_END or an error).
 *
 *  Grammar, line by line (LF or CRLF; a UTF-8 byte order mark at the start is skipped):
 *  - blank lines and lines whose first non-blank is `#` or `;` are comments;
 *  - `[name]` opens a section; the name is everything between the brackets, trimmed, as
 *    written: dotted names (`[values.outcome]`, `[type.meeting]`) and quoted parts
 *    (`[type."a ] b"]`, with `\` escapes inside the quotes) are the caller's to split
 *    and decode. After `]` only blanks or a `#`/`;` comment may follow;
 *  - `key = value`: the key is letters, digits, `_`, `.` and `-`; the value runs to the
 *    end of the line or to the first `#` or `;` (an inline comment), trimmed, and may be
 *    empty. Keys are delivered in file order, repeated keys each time they occur; a pair
 *    before any section has section == NULL (whether that is allowed is the caller's
 *    call, see iv__ini_error());
 *  - a NUL byte is an error, in a comment too.
 *  Source profiles relax keys and values (iv__ini::free_form).
 *  Errors set the message "origin:line: ..." (iv__parse_error()) and are returned as
 *  IV_EPARSE; the caller reports its own errors about an item with iv__ini_error(), so
 *  they name the same place.
 *
 *  Usage:
 *  @code
 *  iv__ini t;
 *  int rc;
 *  iv__ini_init(&t, text, len, path);
 *  while ((rc = iv__ini_next(&t)) > 0)
 *      if (rc == IV__INI_PAIR && !t.section)
 *          return iv__ini_error(&t, "key '%.*s' outside a section", (int)t.key_len, t.key);
 *  return rc; // IV_OK at the end, or the error
 *  @endcode */
typedef struct iv__ini {
    const char *text;   /**< the whole text */
    size_t len, pos;    /**< its length; where the next line starts */
    const char *origin; /**< names the input in messages; NULL: "line N" */
    long line;          /**< the line of the item last returned (1-based) */
    const char *section; /**< the current section's name (trimmed), NULL before the first */
    size_t section_len;
    const char *key;    /**< the pair's key (valid for IV__INI_PAIR) */
    size_t key_len;
    const char *value;  /**< the pair's value, trimmed, without an inline comment */
    size_t value_len;
    /** Free-form keys, set by the caller after iv__ini_init(): a key is everything before
     *  the first `=` (trimmed; column names such as `Phone call (incoming)`), or a
     *  `"quoted key"` that may hold `=` (the quotes are not part of key); the value runs
     *  to the end of the line (`#` and `;` are data: `delimiter = ;`). The source
     *  profiles' grammar. */
    int free_form;
} iv__ini;

/** @brief Start tokenizing text[0..len); origin (may be NULL) names it in messages. */
void iv__ini_init(iv__ini *t, const char *text, size_t len, const char *origin);

/** @brief Read the next section header or pair.
 *  @return IV__INI_SECTION, IV__INI_PAIR, IV__INI_END (0) at the end of the text, or
 *  IV_EPARSE (negative) with the message set. */
int iv__ini_next(iv__ini *t);

/** @brief Report an error about the item last returned: "origin:line: message";
 *  returns IV_EPARSE. */
int iv__ini_error(const iv__ini *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Where iv__csv_put_field() writes: append s[0..n). */
typedef void (*iv__put_fn)(void *payload, const char *s, size_t n);

/** @brief Write one CSV field with RFC 4180 quoting: the field is quoted when it holds
 *  delim, a double quote, CR or LF, or starts or ends with a blank (readers trim blanks
 *  around unquoted fields); inside quotes a double quote is doubled. The one CSV field
 *  writer of the library: tables, rejects and the CLI all go through it. */
void iv__csv_put_field(const char *s, char delim, iv__put_fn put, void *payload);

#endif
