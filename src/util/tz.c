/* Time zones: fixed offsets and IANA zones from TZif files (RFC 8536, versions 1 to 4),
 * including the POSIX TZ string of the footer (POSIX.1-2017 section 8.3, with the
 * RFC 8536 section 3.3.1 extension of hours -167..167 in the rule times), and the
 * local-to-UTC conversion used for naive timestamps.
 *
 * Local to UTC: a local wall-clock time L is UTC t = L - o for an offset o the zone
 * uses, when the zone's offset at t is indeed o. Every offset the zone ever uses is
 * tried; no solution is a DST gap, two are an overlap (the earlier instant is taken).
 * The last answer's interval, shrunk by the zone's largest offset change on both sides
 * so that no ambiguity can reach into it, is kept in the caller's cache: consecutive
 * rows of a log mostly fall in the same interval. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "timefmt.h"
#include "tz.h"

#define IV__TZ_MAX_FILE ((size_t)1 << 20)
#define IV__TZ_NOFF 64
#define IV__T_MIN INT64_MIN
#define IV__T_MAX INT64_MAX

/* One POSIX rule date: Jn (1..365, no Feb 29), n (0..365), or Mm.w.d. */
typedef struct iv__tzrule {
    int kind; /* 'J', 'n', 'M' */
    int m, w, d, n;
    int32_t time; /* seconds after local midnight (may be negative or past 24h) */
} iv__tzrule;

struct iv__tz {
    int utc;              /* UTC: nothing else used */
    int fixed;            /* a fixed offset: off0 */
    int32_t off0;
    size_t ntrans;
    int64_t *trans;       /* UTC seconds, ascending */
    int32_t *trans_off;   /* offset in force from trans[i] */
    int32_t type0_off;    /* offset before the first transition */
    int has_footer, footer_dst;
    int32_t std_off, dst_off;
    iv__tzrule start, end;
    int32_t offs[IV__TZ_NOFF]; /* every distinct offset */
    size_t noffs;
    int32_t maxdiff;      /* largest offset minus smallest */
};

int iv__tz_is_utc(const iv__tz *tz)
{
    return tz->utc;
}

static int64_t iv__be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < n; i++)
        v = v << 8 | p[i];
    if (n == 4)
        return (int64_t)(int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* "±hh[:mm[:ss]]" or POSIX "[±]hh[:mm[:ss]]" at *p; hours up to maxh. Seconds into *out. */
static int iv__tz_hms(const char **p, int maxh, int32_t *out)
{
    const char *s = *p;
    int sign = 1, h = 0, m = 0, sec = 0, nd = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9' && nd < 3) {
        h = h * 10 + (*s++ - '0');
        nd++;
    }
    if (!nd || h > maxh)
        return 1;
    if (*s == ':') {
        s++;
        if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
            return 1;
        m = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
        if (*s == ':') {
            s++;
            if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
                return 1;
            sec = (s[0] - '0') * 10 + (s[1] - '0');
            s += 2;
        }
        if (m > 59 || sec > 59)
            return 1;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *p = s;
    return 0;
}

/* A zone abbreviation: letters, or <...> with letters, digits, + and -. */
static int iv__tz_name(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        s++;
        while (*s && *s != '>')
            s++;
        if (*s != '>')
            return 1;
        *p = s + 1;
        return 0;
    }
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    if (s - *p < 3)
        return 1;
    *p = s;
    return 0;
}

static int iv__tz_rule(const char **p, iv__tzrule *r)
{
    const char *s = *p;
    char *end;
    long v;
    r->time = 7200; /* 02:00 by default */
    if (*s == 'M') {
        long m, w, d;
        m = strtol(s + 1, &end, 10);
        if (*end != '.')
            return 1;
        w = strtol(end + 1, &end, 10);
        if (*end != '.')
            return 1;
        d = strtol(end + 1, &end, 10);
        if (m < 1 || m > 12 || w < 1 || w > 5 || d < 0 || d > 6)
            return 1;
        r->kind = 'M';
        r->m = (int)m;
        r->w = (int)w;
        r->d = (int)d;
        s = end;
    } else if (*s == 'J') {
        v = strtol(s + 1, &end, 10);
        if (end == s + 1 || v < 1 || v > 365)
            return 1;
        r->kind = 'J';
        r->n = (int)v;
        s = end;
    } else if (*s >= '0' && *s <= '9') {
        v = strtol(s, &end, 10);
        if (v < 0 || v > 365)
            return 1;
        r->kind = 'n';
        r->n = (int)v;
        s = end;
    } else {
        return 1;
    }
    if (*s == '/') {
        s++;
        if (iv__tz_hms(&s, 167, &r->time))
            return 1;
    }
    *p = s;
    return 0;
}

/* The POSIX TZ string of a TZif footer. Returns 0 when understood. */
static int iv__tz_posix(iv__tz *tz, const char *s)
{
    int32_t o;
    if (iv__tz_name(&s) || iv__tz_hms(&s, 24, &o))
        return 1;
    tz->std_off = -o; /* POSIX offsets are west-positive */
    tz->footer_dst = 0;
    if (*s == '\0')
        return 0;
    if (iv__tz_name(&s))
        return 1;
    tz->dst_off = tz->std_off + 3600;
    if (*s && *s != ',') {
        if (iv__tz_hms(&s, 24, &o))
            return 1;
        tz->dst_off = -o;
    }
    if (*s != ',')
        return 1; /* a DST name without rules: not in any TZif footer */
    s++;
    if (iv__tz_rule(&s, &tz->start) || *s != ',')
        return 1;
    s++;
    if (iv__tz_rule(&s, &tz->end) || *s != '\0')
        return 1;
    tz->footer_dst = 1;
    return 0;
}

/* Days since 1970-01-01 of a rule's date in year y. */
static int64_t iv__tz_rule_day(const iv__tzrule *r, int64_t y)
{
    int64_t jan1 = iv__days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (iv__is_leap(y) && r->n >= 60);
    if (r->kind == 'n')
        return jan1 + r->n;
    {
        int64_t first = iv__days_from_civil(y, r->m, 1);
        int dow = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday (4) */
        int d = 1 + (r->d - dow + 7) % 7 + 7 * (r->w - 1);
        while (d > iv__days_in_month(y, r->m))
            d -= 7;
        return first + d - 1;
    }
}

static void iv__tz_addoff(iv__tz *tz, int32_t o)
{
    size_t i;
    for (i = 0; i < tz->noffs; i++)
        if (tz->offs[i] == o)
            return;
    if (tz->noffs < IV__TZ_NOFF)
        tz->offs[tz->noffs++] = o;
}

/* Offset from the footer rule at t, with the interval [*lo, *hi) where it holds. */
static int32_t iv__tz_footer(const iv__tz *tz, int64_t t, int64_t *lo, int64_t *hi)
{
    int64_t y, at[6], cand_lo = IV__T_MIN, cand_hi = IV__T_MAX;
    int32_t to[6], off;
    int m, d, k, n = 0;
    if (!tz->footer_dst) {
        *lo = IV__T_MIN;
        *hi = IV__T_MAX;
        return tz->std_off;
    }
    iv__civil_from_days(iv__day_of_ms((t + tz->std_off) * 1000), &y, &m, &d);
    for (k = -1; k <= 1; k++) {
        /* DST starts at the start rule's local standard time, ends at the end rule's
         * local daylight time */
        at[n] = iv__tz_rule_day(&tz->start, y + k) * 86400 + tz->start.time - tz->std_off;
        to[n++] = tz->dst_off;
        at[n] = iv__tz_rule_day(&tz->end, y + k) * 86400 + tz->end.time - tz->dst_off;
        to[n++] = tz->std_off;
    }
    /* the latest change at or before t, and the earliest after it */
    off = tz->std_off;
    {
        int64_t best = IV__T_MIN;
        int found = 0;
        for (k = 0; k < n; k++) {
            if (at[k] <= t && (!found || at[k] > best)) {
                best = at[k];
                off = to[k];
                found = 1;
            }
            if (at[k] > t && at[k] < cand_hi)
                cand_hi = at[k];
        }
        if (found)
            cand_lo = best;
        else /* before the first of three years' changes: cannot happen for sane rules */
            off = tz->std_off;
    }
    *lo = cand_lo;
    *hi = cand_hi;
    return off;
}

static int32_t iv__tz_offset_iv(const iv__tz *tz, int64_t t, int64_t *lo, int64_t *hi)
{
    size_t a, b;
    if (tz->utc || tz->fixed) {
        *lo = IV__T_MIN;
        *hi = IV__T_MAX;
        return tz->off0;
    }
    if (tz->ntrans == 0 || t < tz->trans[0]) {
        if (tz->ntrans == 0 && tz->has_footer)
            return iv__tz_footer(tz, t, lo, hi);
        *lo = IV__T_MIN;
        *hi = tz->ntrans ? tz->trans[0] : IV__T_MAX;
        return tz->type0_off;
    }
    /* last transition <= t */
    a = 0;
    b = tz->ntrans;
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (tz->trans[mid] <= t)
            a = mid;
        else
            b = mid;
    }
    if (a + 1 == tz->ntrans) {
        if (tz->has_footer) {
            int32_t o = iv__tz_footer(tz, t, lo, hi);
            if (*lo < tz->trans[a])
                *lo = tz->trans[a];
            return o;
        }
        *lo = tz->trans[a];
        *hi = IV__T_MAX;
        return tz->trans_off[a];
    }
    *lo = tz->trans[a];
    *hi = tz->trans[a + 1];
    return tz->trans_off[a];
}

int32_t iv__tz_offset(const iv__tz *tz, int64_t t)
{
    int64_t lo, hi;
    return iv__tz_offset_iv(tz, t, &lo, &hi);
}

static int64_t iv__sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > IV__T_MAX - b)
        return IV__T_MAX;
    if (b < 0 && a < IV__T_MIN - b)
        return IV__T_MIN;
    return a + b;
}

int iv__tz_to_utc(const iv__tz *tz, iv__tzcache *cache, int64_t local, int64_t *utc)
{
    size_t i;
    int found = 0;
    int64_t best = 0, blo = 0, bhi = 0;
    int32_t boff = 0;
    if (tz->utc || tz->fixed) {
        *utc = local - tz->off0;
        return 0;
    }
    if (cache && cache->valid && local >= cache->lo && local < cache->hi) {
        *utc = local - cache->off;
        return 0;
    }
    for (i = 0; i < tz->noffs; i++) {
        int64_t t = local - tz->offs[i], lo, hi;
        if (iv__tz_offset_iv(tz, t, &lo, &hi) == tz->offs[i] && (!found || t < best)) {
            found = 1;
            best = t;
            boff = tz->offs[i];
            blo = lo;
            bhi = hi;
        }
    }
    if (!found)
        return 1;
    *utc = best;
    if (cache) {
        cache->off = boff;
        cache->lo = iv__sat_add(iv__sat_add(blo, boff), tz->maxdiff);
        cache->hi = iv__sat_add(iv__sat_add(bhi, boff), -(int64_t)tz->maxdiff);
        cache->valid = cache->lo < cache->hi;
    }
    return 0;
}

/* ------------------------------------------------------------- loading -------- */

static int iv__tz_bad(const char *name, const char *why)
{
    return iv__error(IV_EINVAL, "timezone '%s': %s", name, why);
}

/* Parse a TZif image. */
static int iv__tz_parse(iv__tz *tz, const iv__alloc *a, const unsigned char *p, size_t n,
                        const char *name)
{
    size_t isut, isstd, leap, timecnt, typecnt, charcnt, v1len, i, tsz = 4;
    const unsigned char *d, *end = p + n;
    int version;
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return iv__tz_bad(name, "not a TZif file");
    version = p[4] ? p[4] - '0' : 1;
#define IV__CNT(k) ((size_t)(uint32_t)iv__be(p + 20 + 4 * (k), 4))
    isut = IV__CNT(0);
    isstd = IV__CNT(1);
    leap = IV__CNT(2);
    timecnt = IV__CNT(3);
    typecnt = IV__CNT(4);
    charcnt = IV__CNT(5);
    v1len = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    if (44 + v1len > n)
        return iv__tz_bad(name, "truncated TZif file");
    if (version >= 2) {
        /* skip the version 1 block: the second header has 64-bit times */
        p += 44 + v1len;
        if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
            return iv__tz_bad(name, "truncated TZif file (no version 2 header)");
        isut = IV__CNT(0);
        isstd = IV__CNT(1);
        leap = IV__CNT(2);
        timecnt = IV__CNT(3);
        typecnt = IV__CNT(4);
        charcnt = IV__CNT(5);
        tsz = 8;
        if (44 + timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut > (size_t)(end - p))
            return iv__tz_bad(name, "truncated TZif file");
    }
#undef IV__CNT
    if (typecnt == 0 || typecnt > 256)
        return iv__tz_bad(name, "bad count of local time types");
    d = p + 44;
    tz->ntrans = timecnt;
    if (timecnt) {
        tz->trans = iv__calloc(a, timecnt, sizeof *tz->trans);
        tz->trans_off = iv__calloc(a, timecnt, sizeof *tz->trans_off);
        if (!tz->trans || !tz->trans_off)
            return iv__nomem("a time zone");
    }
    {
        const unsigned char *tt = d, *ti = d + timecnt * tsz, *ty = ti + timecnt;
        for (i = 0; i < timecnt; i++) {
            unsigned k = ti[i];
            tz->trans[i] = iv__be(tt + i * tsz, (int)tsz);
            if (k >= typecnt || (i && tz->trans[i] <= tz->trans[i - 1]))
                return iv__tz_bad(name, "bad transition table");
            tz->trans_off[i] = (int32_t)iv__be(ty + 6 * k, 4);
        }
        for (i = 0; i < typecnt; i++)
            iv__tz_addoff(tz, (int32_t)iv__be(ty + 6 * i, 4));
        tz->type0_off = (int32_t)iv__be(ty, 4);
        d = ty + typecnt * 6 + charcnt + leap * (tsz + 4) + isstd + isut;
    }
    if (version >= 2 && d < end && *d == '\n') {
        const unsigned char *nl = memchr(d + 1, '\n', (size_t)(end - d - 1));
        char footer[256];
        size_t fl = nl ? (size_t)(nl - d - 1) : 0;
        if (nl && fl > 0 && fl < sizeof footer) {
            memcpy(footer, d + 1, fl);
            footer[fl] = '\0';
            if (iv__tz_posix(tz, footer))
                return iv__tz_bad(name, "unreadable TZ rule in the TZif footer");
            tz->has_footer = 1;
            iv__tz_addoff(tz, tz->std_off);
            if (tz->footer_dst)
                iv__tz_addoff(tz, tz->dst_off);
        }
    }
    {
        int32_t mn = tz->offs[0], mx = tz->offs[0];
        for (i = 1; i < tz->noffs; i++) {
            mn = tz->offs[i] < mn ? tz->offs[i] : mn;
            mx = tz->offs[i] > mx ? tz->offs[i] : mx;
        }
        tz->maxdiff = mx - mn;
    }
    return IV_OK;
}

static int iv__tz_read(iv__tz *tz, const iv__alloc *a, const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[4096];
    unsigned char *buf;
    size_t n;
    FILE *f;
    int rc;
    const char *c;
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    /* IANA names: letters, digits, '_', '-', '+', '/', no "..", not absolute */
    if (name[0] == '/' || strstr(name, ".."))
        return iv__tz_bad(name, "not a zone name (like Europe/Berlin)");
    for (c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '+' || *c == '/'))
            return iv__tz_bad(name, "not a zone name (like Europe/Berlin, UTC or +01:00)");
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return iv__tz_bad(name, "path too long");
    f = fopen(path, "rb");
    if (!f)
        return iv__error(IV_EINVAL, "timezone '%s': no such zone in %s (%s); give an IANA name "
                         "like Europe/Berlin, UTC or an offset like +01:00", name, dir, strerror(errno));
    buf = iv__malloc(a, IV__TZ_MAX_FILE);
    if (!buf) {
        fclose(f);
        return iv__nomem("a time zone file");
    }
    n = fread(buf, 1, IV__TZ_MAX_FILE, f);
    fclose(f);
    rc = iv__tz_parse(tz, a, buf, n, name);
    iv__free(a, buf, IV__TZ_MAX_FILE);
    return rc;
}

int iv__tz_load(iv__tz **out, const iv__alloc *a, const char *name)
{
    iv__tz *tz;
    int rc = IV_OK;
    *out = NULL;
    tz = iv__calloc(a, 1, sizeof *tz);
    if (!tz)
        return iv__nomem("a time zone");
    if (strcmp(name, "UTC") == 0 || strcmp(name, "utc") == 0 || strcmp(name, "Z") == 0) {
        tz->utc = 1;
    } else if (name[0] == '+' || name[0] == '-') {
        const char *s = name;
        int32_t o = 0;
        size_t len = strlen(name);
        /* ±hh:mm, ±hhmm or ±hh */
        if (len == 5 && name[3] != ':') {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "%c%c%c:%c%c", name[0], name[1], name[2], name[3], name[4]);
            s = tmp;
            if (iv__tz_hms(&s, 23, &o) || *s)
                rc = iv__tz_bad(name, "expected an offset like +01:00, -0530 or +02");
        } else if ((len != 6 && len != 3) || iv__tz_hms(&s, 23, &o) || *s) {
            rc = iv__tz_bad(name, "expected an offset like +01:00, -0530 or +02");
        }
        tz->fixed = 1;
        tz->off0 = o;
    } else if (!*name) {
        rc = iv__tz_bad(name, "empty");
    } else {
        rc = iv__tz_read(tz, a, name);
    }
    if (rc) {
        iv__tz_free(tz, a);
        return rc;
    }
    *out = tz;
    return IV_OK;
}

void iv__tz_free(iv__tz *tz, const iv__alloc *a)
{
    if (!tz)
        return;
    iv__free(a, tz->trans, tz->ntrans * sizeof *tz->trans);
    iv__free(a, tz->trans_off, tz->ntrans * sizeof *tz->trans_off);
    iv__free(a, tz, sizeof *tz);
}
