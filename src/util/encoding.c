/* Input encodings. windows-1252 bytes 0x80..0x9F: the table of
 * https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT
 * (0 where that table has no character); every other byte of both encodings is the code
 * point of the same value (ISO-8859-1 is the first 256 code points of Unicode). */
#include <stdio.h>

#include "encoding.h"

static const uint16_t iv__cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80..87 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,      /* 88..8F */
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90..97 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178, /* 98..9F */
};

int iv__ascii_clean(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t any = 0, zero = 0;
    unsigned char tail = 0;
    size_t i = 0;
    /* One pass, 32 bytes at a time: the OR of the words keeps every byte's high bit
     * (a non-ASCII byte); (w - 0x01..01) & ~w has a byte's high bit set below or at a
     * byte of w that is 0, and none when no byte is (Mycroft's zero-byte test; Warren,
     * Hacker's Delight, 2nd ed., section 6-1). The loop has no branch, so compilers
     * vectorise it. */
    for (; i + 32 <= n; i += 32) {
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, s + i, 8);
        memcpy(&w1, s + i + 8, 8);
        memcpy(&w2, s + i + 16, 8);
        memcpy(&w3, s + i + 24, 8);
        any |= w0 | w1 | w2 | w3;
        zero |= ((w0 - ones) & ~w0) | ((w1 - ones) & ~w1) | ((w2 - ones) & ~w2) | ((w3 - ones) & ~w3);
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        any |= w;
        zero |= (w - ones) & ~w;
    }
    for (; i < n; i++) {
        if (!s[i])
            return 0;
        tail |= s[i];
    }
    return !((any | zero) & highs) && !(tail & 0x80);
}

size_t iv__utf8_invalid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c;
        /* eight ASCII bytes without a NUL at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w | ((w - UINT64_C(0x0101010101010101)) & ~w)) & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        c = s[i];
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
                return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
            if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80)
                return i;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
            if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80)
                return i;
            i += 4;
        } else {
            return i;
        }
    }
    return n;
}

const char *iv__utf8_describe(const char *str, size_t n, size_t at, char *buf, size_t cap)
{
    const unsigned char *s = (const unsigned char *)str;
    if (at >= n)
        snprintf(buf, cap, "well-formed text");
    else if (s[at] == 0)
        snprintf(buf, cap, "NUL byte");
    else if (s[at] == IV__ENC_UNDEF && at + 1 < n && s[at + 1] >= 0x80 && s[at + 1] < 0xA0)
        snprintf(buf, cap, "byte 0x%02X, which windows-1252 does not define", s[at + 1]);
    else
        snprintf(buf, cap, "invalid UTF-8 sequence (byte 0x%02X; is the file in another encoding? "
                 "see the encoding option, e.g. --encoding latin1)", s[at]);
    return buf;
}

size_t iv__8bit_to_utf8(const unsigned char *in, size_t n, char *out, int cp1252)
{
    char *o = out;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned cp;
        /* eight ASCII bytes at a time are copied as they are */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, in + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            memcpy(o, &w, 8);
            o += 8;
            i += 8;
        }
        if (i >= n)
            break;
        cp = in[i];
        if (cp < 0x80) {
            *o++ = (char)cp;
            continue;
        }
        if (cp1252 && cp < 0xA0) {
            unsigned u = iv__cp1252_hi[cp - 0x80];
            if (!u) {
                *o++ = (char)IV__ENC_UNDEF;
                *o++ = (char)cp;
                continue;
            }
            cp = u;
        }
        if (cp < 0x800) {
            *o++ = (char)(0xC0 | (cp >> 6));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (char)(0xE0 | (cp >> 12));
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    return (size_t)(o - out);
}
