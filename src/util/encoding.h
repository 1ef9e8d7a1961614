/* Internal: text encodings of the input: UTF-8 validation (with NUL bytes refused) and
 * ISO-8859-1 / windows-1252 to UTF-8. */
#ifndef IV_SRC_ENCODING_H
#define IV_SRC_ENCODING_H

#include "core.h"

/* Byte that stands, in transcoded text, before a windows-1252 byte that has no
 * character (0x81, 0x8D, 0x8F, 0x90, 0x9D): 0xFF never occurs in UTF-8, so the
 * validation stops there and can name the original byte that follows it. */
#define IV__ENC_UNDEF 0xFF

/* Offset of the first byte of s[0..n) that starts an ill-formed UTF-8 sequence
 * (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF)
 * or is a NUL byte; n when the whole range is well formed. */
size_t iv__utf8_invalid(const char *s, size_t n);

/* 1 when s[0..n) is all ASCII without a NUL byte (so well-formed UTF-8): a branch-free
 * pass the compiler can vectorise, for whole input chunks. */
int iv__ascii_clean(const char *s, size_t n);

/* What is wrong at s[at] (the offset iv__utf8_invalid returned), as a short phrase:
 * "NUL byte", "invalid UTF-8 sequence (byte 0xC3)", "byte 0x81, which windows-1252
 * does not define". buf receives it. */
const char *iv__utf8_describe(const char *s, size_t n, size_t at, char *buf, size_t cap);

/* ISO-8859-1 (cp1252 = 0) or windows-1252 (cp1252 = 1) bytes to UTF-8; out must hold
 * 3 * n bytes. Returns the bytes written. Undefined windows-1252 bytes become
 * IV__ENC_UNDEF followed by the byte itself. */
size_t iv__8bit_to_utf8(const unsigned char *in, size_t n, char *out, int cp1252);

#endif
