/* Timestamps: ISO 8601 / RFC 3339 text and epoch seconds to milliseconds since
 * 1970-01-01T00:00:00Z and back (doc/GUIDE.md §1).
 *
 * Calendar arithmetic is done here rather than with timegm()/mktime(), which depend
 * on the process's time zone and are not in C11. Dates are proleptic Gregorian
 * (ISO 8601:2004 section 3.2.1): a year is a leap year when divisible by 4, except
 * centuries not divisible by 400. */
#include <stdio.h>

#include "iv/ingest.h"
#include "timefmt.h"

/* Accepted instants: 1900-01-01T00:00:00Z <= t < 2201-01-01T00:00:00Z (doc/GUIDE.md §1:
 * before 1900 or after 2200 is out of range). Both are days_from_civil * 86400000:
 * -25567 and 84371 days (`date -u -d 1900-01-01 +%s` / 86400,
 * `date -u -d 2201-01-01 +%s` / 86400). */
#define IV__TS_MIN (-25567LL * IV__MS_PER_DAY)
#define IV__TS_END (84371LL * IV__MS_PER_DAY)

int iv__is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int iv__days_in_month(int64_t y, int m)
{
    static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 ? 28 + iv__is_leap(y) : len[m - 1];
}

/* Floor division for possibly negative numerators. */
static int64_t iv__fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Count days in a calendar that starts the year on March 1st, so that February (with
 * its leap day) is the last month: the days before month index k (0 = March) are then
 * floor((153k + 2) / 5), because month lengths from March repeat 31,30,31,30,31 in
 * 153-day groups of five. Years are counted from year 0 (1 BC); 719468 is the number of
 * days from 0000-03-01 to 1970-01-01. */
int64_t iv__days_from_civil(int64_t y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t k = (m + 9) % 12; /* March = 0 ... February = 11 */
    int64_t days = 365 * yy + iv__fdiv(yy, 4) - iv__fdiv(yy, 100) + iv__fdiv(yy, 400);
    return days + (153 * k + 2) / 5 + (d - 1) - 719468;
}

void iv__civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    /* Work in 400-year cycles of 146097 days starting on 0000-03-01. */
    int64_t z = days + 719468;
    int64_t cycle = iv__fdiv(z, 146097);
    int64_t doc = z - cycle * 146097;                 /* day of cycle, 0..146096 */
    /* Year of cycle: subtract the leap days that came before; the 4-, 100- and
     * 400-year corrections make every year exactly 365 days long. */
    int64_t yoc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365;
    int64_t doy = doc - (365 * yoc + yoc / 4 - yoc / 100); /* 0 = March 1st */
    int64_t k = (5 * doy + 2) / 153;                  /* inverse of (153k + 2) / 5 */
    int64_t mm = k < 10 ? k + 3 : k - 9;
    *d = (int)(doy - (153 * k + 2) / 5 + 1);
    *m = (int)mm;
    *y = cycle * 400 + yoc + (mm <= 2);
}

/* n decimal digits at p into *v; 0 when any is not a digit. */
static int iv__digits(const char *p, int n, int *v)
{
    int i, x = 0;
    for (i = 0; i < n; i++) {
        unsigned c = (unsigned)(unsigned char)p[i] - '0';
        if (c > 9)
            return 0;
        x = x * 10 + (int)c;
    }
    *v = x;
    return 1;
}

static int iv__time_bad(const char *text, size_t len, const char *why)
{
    return iv__error(IV_EPARSE, "bad timestamp '%.*s': %s", (int)IV__MIN(len, 64), text, why);
}

static int iv__time_range(const char *text, size_t len, int64_t ms, int64_t *out)
{
    if (ms < IV__TS_MIN || ms >= IV__TS_END)
        return iv__error(IV_ERANGE, "timestamp '%.*s' is out of range (years 1900 to 2200)",
                         (int)IV__MIN(len, 64), text);
    *out = ms;
    return IV_OK;
}

/* Integer epoch seconds, optionally signed. */
static int iv__time_epoch(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    int64_t v = 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return iv__time_bad(s, n, "sign without digits");
    for (; i < n; i++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (c > 9)
            return iv__time_bad(s, n, "not a date and not epoch seconds");
        if (v > 100000000000LL) /* far beyond year 2200; keep going to reject garbage */
            continue;
        v = v * 10 + (int64_t)c;
    }
    if (v > 100000000000LL)
        return iv__error(IV_ERANGE, "timestamp '%.*s' is out of range (years 1900 to 2200)",
                         (int)IV__MIN(n, 64), s);
    return iv__time_range(s, n, (neg ? -v : v) * 1000, out);
}

IV_API int iv_time_parse(const char *text, size_t len, int64_t *out)
{
    int64_t t;
    int has_off, rc;
    if (!text || !out)
        return iv__error(IV_EINVAL, "iv_time_parse: NULL argument");
    if (len == 0)
        return iv__time_bad(text, len, "empty");
    /* A date has '-' at position 4; anything else of digits is epoch seconds. */
    if (len < 5 || text[4] != '-')
        return iv__time_epoch(text, len, out);
    if ((rc = iv__time_parse_wall(text, len, &t, &has_off)) != IV_OK)
        return rc;
    return iv__time_range(text, len, t, out);
}

int iv__time_parse_wall(const char *text, size_t len, int64_t *out, int *has_off)
{
    const char *s = text;
    size_t n = len, i;
    int y, mo, d, hh = 0, mi = 0, ss = 0, ms = 0, off = 0;
    int64_t days, t;

    *has_off = 0;
    if (n < 10 || !iv__digits(s, 4, &y) || !iv__digits(s + 5, 2, &mo) || s[7] != '-' ||
        !iv__digits(s + 8, 2, &d))
        return iv__time_bad(s, n, "expected YYYY-MM-DD");
    if (mo < 1 || mo > 12)
        return iv__time_bad(s, n, "month out of 1..12");
    if (d < 1 || d > iv__days_in_month(y, mo))
        return iv__time_bad(s, n, "no such day in that month");
    i = 10;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return iv__time_bad(s, n, "trailing characters after the date");
        i++;
        if (n - i < 5 || !iv__digits(s + i, 2, &hh) || s[i + 2] != ':' ||
            !iv__digits(s + i + 3, 2, &mi))
            return iv__time_bad(s, n, "expected hh:mm after the date");
        i += 5;
        if (i < n && s[i] == ':') {
            if (n - i < 3 || !iv__digits(s + i + 1, 2, &ss))
                return iv__time_bad(s, n, "expected two digits of seconds");
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                /* ISO 8601 allows either separator; keep milliseconds, truncating
                 * further digits. */
                int k = 0;
                i++;
                for (; i < n && (unsigned)(s[i] - '0') < 10; i++, k++)
                    if (k < 3)
                        ms = ms * 10 + (s[i] - '0');
                if (k == 0)
                    return iv__time_bad(s, n, "no digits after the decimal point");
                for (; k < 3; k++)
                    ms *= 10;
            }
        }
        if (hh > 23 || mi > 59 || ss > 59)
            return iv__time_bad(s, n, "time of day out of range");
        if (i < n) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
                *has_off = 1;
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
                size_t rest = n - i - 1;
                const char *o = s + i + 1;
                if (rest == 5 && o[2] == ':' && iv__digits(o, 2, &oh) && iv__digits(o + 3, 2, &om))
                    ;
                else if (rest == 4 && iv__digits(o, 2, &oh) && iv__digits(o + 2, 2, &om))
                    ;
                else if (rest == 2 && iv__digits(o, 2, &oh))
                    ;
                else
                    return iv__time_bad(s, n, "offset must be +hh:mm, +hhmm or +hh");
                if (oh > 23 || om > 59)
                    return iv__time_bad(s, n, "offset out of range");
                off = sign * (oh * 60 + om);
                *has_off = 1;
                i = n;
            } else {
                return iv__time_bad(s, n, "trailing characters after the time");
            }
        }
    }
    if (y < 1800 || y > 2300) /* keep the arithmetic far from any overflow */
        return iv__error(IV_ERANGE, "timestamp '%.*s' is out of range (years 1900 to 2200)",
                         (int)IV__MIN(n, 64), s);
    days = iv__days_from_civil(y, mo, d);
    /* local time = UTC + offset, so UTC = local - offset */
    t = days * IV__MS_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + ms -
        (int64_t)off * 60000;
    *out = t;
    return IV_OK;
}

int iv__time_check_range(const char *text, size_t len, int64_t ms, int64_t *out)
{
    return iv__time_range(text, len, ms, out);
}

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IV__TIME_SWAR 1
#endif

#ifdef IV__TIME_SWAR
/* Eight bytes of text as a word whose lowest byte is p[0]. */
static inline uint64_t iv__ld8t(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* x = word ^ template, where the template holds '0' at digit places and the expected
 * character at separator places: non-zero when a byte under `sep` is not its separator
 * or a byte under `dig` is not a digit. A digit place holds 0..9 exactly when the digit
 * was one: (b & 0x7f) + 0x76 reaches bit 7 for 10..127 without carrying into the next
 * byte, and or-ing b catches 128..255 (Hacker's Delight, 2nd ed., section 6-1). */
static inline uint64_t iv__tbad(uint64_t x, uint64_t sep, uint64_t dig)
{
    const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f), k = UINT64_C(0x7676767676767676);
    return (x & sep) | ((((x & lo7) + k) | x) & dig & UINT64_C(0x8080808080808080));
}

/* Byte k of w. */
#define IV__TB(w, k) ((unsigned)((w) >> (8 * (k))) & 0xffu)

int iv__time_parse_cached(iv__tcache *tc, const char *s, size_t n, int64_t *out)
{
    /* "YYYY-MM-" "DDThh:mm" and "h:mm:ss?" (bytes 12..19), each against its template;
     * the separator bytes are all-ones under sep, the digit bytes have bit 7 under dig */
    uint64_t a, b, c, bad;
    unsigned y, mo, d, hh, mi, ss, ms = 0, yy, doy, doe, dim;
    int off = 0; /* minutes east of UTC */
    int64_t t;
    (void)tc;
    if (n != 20 && n != 24 && n != 25 && n != 29)
        return iv_time_parse(s, n, out);
    a = iv__ld8t(s) ^ UINT64_C(0x2d30302d30303030);     /* "0000-00-" */
    b = iv__ld8t(s + 8) ^ UINT64_C(0x30303a3030543030); /* "00T00:00" */
    c = iv__ld8t(s + 12) ^ UINT64_C(0x0030303a30303a30); /* "0:00:00" and the suffix's first byte */
    bad = iv__tbad(a, UINT64_C(0xff0000ff00000000), UINT64_C(0x0080800080808080)) |
          iv__tbad(b, UINT64_C(0x0000ff0000ff0000), UINT64_C(0x8080008080008080)) |
          iv__tbad(c, UINT64_C(0x000000ff0000ff00), UINT64_C(0x0080800080800080));
    y = IV__TB(a, 0) * 1000 + IV__TB(a, 1) * 100 + IV__TB(a, 2) * 10 + IV__TB(a, 3);
    mo = IV__TB(a, 5) * 10 + IV__TB(a, 6);
    d = IV__TB(b, 0) * 10 + IV__TB(b, 1);
    hh = IV__TB(b, 3) * 10 + IV__TB(b, 4);
    mi = IV__TB(b, 6) * 10 + IV__TB(b, 7);
    ss = IV__TB(c, 5) * 10 + IV__TB(c, 6);
    /* the suffix: Z, .sssZ, +hh:mm or .sss+hh:mm (other spellings: the general parser) */
    {
        const char *q = s + 19;
        size_t rest = n - 19;
        if (*q == '.' && rest >= 5) {
            unsigned m0 = (unsigned)(unsigned char)q[1] - '0', m1 = (unsigned)(unsigned char)q[2] - '0',
                     m2 = (unsigned)(unsigned char)q[3] - '0';
            bad |= (uint64_t)(m0 > 9 || m1 > 9 || m2 > 9);
            ms = m0 * 100 + m1 * 10 + m2;
            q += 4;
            rest -= 4;
        }
        if (rest == 1) {
            bad |= (uint64_t)(*q != 'Z');
        } else if (rest == 6 && (*q == '+' || *q == '-')) {
            unsigned h0 = (unsigned)(unsigned char)q[1] - '0', h1 = (unsigned)(unsigned char)q[2] - '0',
                     n0 = (unsigned)(unsigned char)q[4] - '0', n1 = (unsigned)(unsigned char)q[5] - '0';
            unsigned oh = h0 * 10 + h1, om = n0 * 10 + n1;
            bad |= (uint64_t)(h0 > 9 || h1 > 9 || n0 > 9 || n1 > 9 || q[3] != ':' || oh > 23 || om > 59);
            off = (int)(oh * 60 + om);
            if (*q == '-')
                off = -off;
        } else {
            bad = 1;
        }
    }
    /* Only years wholly inside 1900 .. 2200, so that the arithmetic cannot go wrong;
     * anything else, an instant out of range (an offset can take one there) and every
     * error go to the general parser, which words the message. */
    dim = mo == 2 ? 28u + (unsigned)((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)
                  : 30u + ((mo + (mo >> 3)) & 1u);
    if (bad || y < 1900 || y > 2200 || mo - 1 > 11 || d - 1 >= dim || hh > 23 || mi > 59 || ss > 59)
        return iv_time_parse(s, n, out);
    /* days_from_civil of H. Hinnant ("chrono-Compatible Low-Level Date Algorithms"),
     * with the year counted from 1600 (a multiple of 400) so that it stays unsigned:
     * no table and no state, so rows in any order convert at the same cost. */
    yy = y - 1600 - (mo <= 2);
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yy * 365 + yy / 4 - yy / 100 + yy / 400 + doy;
    t = ((int64_t)doe - 135080) * IV__MS_PER_DAY + (int64_t)(hh * 3600 + mi * 60 + ss) * 1000 + ms -
        (int64_t)off * 60000;
    if (off && (t < IV__TS_MIN || t >= IV__TS_END))
        return iv_time_parse(s, n, out);
    *out = t;
    return IV_OK;
}
#else
/* Two ASCII digits as a number, or a value above 99 when either is not a digit. */
static unsigned iv__dig2(const char *p)
{
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
    return a > 9 || b > 9 ? 100u : a * 10 + b;
}

int iv__time_parse_cached(iv__tcache *tc, const char *s, size_t n, int64_t *out)
{
    unsigned y, y2, mo, d, hh, mi, ss, yy, doy, doe;
    (void)tc;
    if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z')
        return iv_time_parse(s, n, out);
    y = iv__dig2(s);
    y2 = iv__dig2(s + 2);
    if (y2 > 99)
        return iv_time_parse(s, n, out);
    y = y * 100 + y2;
    mo = iv__dig2(s + 5);
    d = iv__dig2(s + 8);
    hh = iv__dig2(s + 11);
    mi = iv__dig2(s + 14);
    ss = iv__dig2(s + 17);
    /* Only years wholly inside the accepted range (1900 .. 2200), so that no instant
     * converted here needs a range check; anything else, and every error, goes to the
     * general parser, which words the message. */
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || hh > 23 || mi > 59 || ss > 59 ||
        (d > 28 && d > (unsigned)iv__days_in_month(y, (int)mo)))
        return iv_time_parse(s, n, out);
    /* days_from_civil of H. Hinnant ("chrono-Compatible Low-Level Date Algorithms"),
     * with the year counted from 1600 (a multiple of 400) so that it stays unsigned:
     * no table and no state, so rows in any order convert at the same cost. */
    yy = y - 1600 - (mo <= 2);
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yy * 365 + yy / 4 - yy / 100 + yy / 400 + doy;
    *out = ((int64_t)doe - 135080) * IV__MS_PER_DAY + (int64_t)(hh * 3600 + mi * 60 + ss) * 1000;
    return IV_OK;
}

#endif

IV_API int iv_time_format(int64_t ts, char *buf, size_t cap)
{
    int64_t days, y, msod;
    int m, d, hh, mi, ss, ms;
    if (!buf || cap < 32)
        return iv__error(IV_EINVAL, "iv_time_format: buffer must hold 32 bytes");
    if (ts == IV_TIME_NONE || ts < -62135596800000LL || ts > 253402300799999LL)
        return iv__error(IV_EINVAL, "iv_time_format: %lld ms is outside years 1..9999",
                         (long long)ts);
    days = iv__fdiv(ts, IV__MS_PER_DAY);
    msod = ts - days * IV__MS_PER_DAY;
    iv__civil_from_days(days, &y, &m, &d);
    hh = (int)(msod / 3600000);
    mi = (int)(msod / 60000 % 60);
    ss = (int)(msod / 1000 % 60);
    ms = (int)(msod % 1000);
    if (ms)
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d, hh, mi, ss, ms);
    else
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, hh, mi, ss);
    return IV_OK;
}
