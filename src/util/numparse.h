/* Internal: fast, locale-independent, correctly rounded decimal -> double parsing. */
#ifndef IV_SRC_NUMPARSE_H
#define IV_SRC_NUMPARSE_H

#include "core.h"

/* Parse the whole byte range s[0..n) as a decimal number:
 *   [+-] digits [. digits] [(e|E) [+-] digits]   (at least one mantissa digit)
 * No whitespace, no hex, no "nan"/"inf". Returns IV_OK and sets *out; IV_EPARSE when
 * the text is not such a number; IV_ERANGE when it overflows a double. */
int iv__num_parse(const char *s, size_t n, double *out);

#endif
