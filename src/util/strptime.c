/* strptime-style patterns (the time_format source option): a small matcher over the
 * directives listed in strptime.h, calendar arithmetic from timefmt.c. */
#include "strptime.h"
#include "timefmt.h"

static const char *const iv__months[12] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
};

int iv__strptime_check(const char *fmt)
{
    const char *p;
    int year = 0;
    for (p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        switch (*p) {
        case 'Y': case 'y': case 's': year = 1; break;
        case 'm': case 'd': case 'e': case 'H': case 'I': case 'M': case 'S': case 'f':
        case 'p': case 'b': case 'B': case 'z': case '%':
            break;
        case '\0':
            return iv__error(IV_EINVAL, "time_format '%s': ends with a lone '%%'", fmt);
        default:
            return iv__error(IV_EINVAL, "time_format '%s': unknown directive '%%%c' (known: %%Y %%y %%m %%d "
                             "%%e %%H %%I %%M %%S %%f %%p %%b %%B %%z %%s %%%%)", fmt, *p);
        }
    }
    if (!*fmt)
        return iv__error(IV_EINVAL, "time_format: empty pattern");
    if (!year)
        return iv__error(IV_EINVAL, "time_format '%s': has no year (%%Y, %%y or %%s)", fmt);
    return IV_OK;
}

/* Up to max digits (at least min) at s[*i..n) into *v. */
static int iv__num(const char *s, size_t n, size_t *i, int min, int max, int *v)
{
    int k = 0, x = 0;
    while (*i < n && k < max && (unsigned)(s[*i] - '0') < 10) {
        x = x * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    if (k < min)
        return 1;
    *v = x;
    return 0;
}

static int iv__lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int iv__strptime(const char *fmt, const char *s, size_t n, int64_t *ms, int *utc, const char **why)
{
    size_t i = 0;
    const char *p;
    int y = -1, mo = 1, d = 1, hh = 0, mi = 0, ss = 0, frac = 0, pm = -1, h12 = 0;
    int has_off = 0, has_epoch = 0, off = 0;
    int64_t epoch = 0;

    *utc = 0;
    for (p = fmt; *p; p++) {
        if (*p == ' ') {
            if (i >= n || s[i] != ' ')
                return 1;
            while (i < n && s[i] == ' ')
                i++;
            continue;
        }
        if (*p != '%') {
            if (i >= n || s[i] != *p)
                return 1;
            i++;
            continue;
        }
        p++;
        switch (*p) {
        case 'Y':
            if (iv__num(s, n, &i, 4, 4, &y))
                return 1;
            break;
        case 'y':
            if (iv__num(s, n, &i, 2, 2, &y))
                return 1;
            y += y >= 69 ? 1900 : 2000;
            break;
        case 'm':
            if (iv__num(s, n, &i, 1, 2, &mo))
                return 1;
            break;
        case 'e':
            if (i < n && s[i] == ' ')
                i++;
            /* fall through */
        case 'd':
            if (iv__num(s, n, &i, 1, 2, &d))
                return 1;
            break;
        case 'H':
            if (iv__num(s, n, &i, 1, 2, &hh))
                return 1;
            h12 = 0;
            break;
        case 'I':
            if (iv__num(s, n, &i, 1, 2, &hh))
                return 1;
            h12 = 1;
            break;
        case 'M':
            if (iv__num(s, n, &i, 1, 2, &mi))
                return 1;
            break;
        case 'S':
            if (iv__num(s, n, &i, 1, 2, &ss))
                return 1;
            break;
        case 'f': {
            int k = 0;
            frac = 0;
            while (i < n && (unsigned)(s[i] - '0') < 10) {
                if (k < 3)
                    frac = frac * 10 + (s[i] - '0');
                k++;
                i++;
            }
            if (!k)
                return 1;
            for (; k < 3; k++)
                frac *= 10;
            break;
        }
        case 'p':
            if (i + 2 > n || iv__lower(s[i + 1]) != 'm' || (iv__lower(s[i]) != 'a' && iv__lower(s[i]) != 'p'))
                return 1;
            pm = iv__lower(s[i]) == 'p';
            i += 2;
            break;
        case 'b':
        case 'B': {
            int k, found = 0;
            for (k = 0; k < 12 && !found; k++) {
                size_t len = strlen(iv__months[k]), j;
                /* the full name first, then the three-letter abbreviation */
                size_t tries[2];
                int t;
                tries[0] = len;
                tries[1] = 3;
                for (t = 0; t < 2 && !found; t++) {
                    size_t l = tries[t];
                    if (i + l > n)
                        continue;
                    for (j = 0; j < l && iv__lower(s[i + j]) == iv__months[k][j]; j++)
                        ;
                    if (j == l) {
                        mo = k + 1;
                        i += l;
                        found = 1;
                    }
                }
            }
            if (!found)
                return 1;
            break;
        }
        case 'z': {
            int oh = 0, om = 0, sign;
            if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
                i++;
                has_off = 1;
                off = 0;
                break;
            }
            if (i >= n || (s[i] != '+' && s[i] != '-'))
                return 1;
            sign = s[i++] == '-' ? -1 : 1;
            if (iv__num(s, n, &i, 2, 2, &oh))
                return 1;
            if (i < n && s[i] == ':') {
                i++;
                if (iv__num(s, n, &i, 2, 2, &om))
                    return 1;
            } else if (i + 1 < n && (unsigned)(s[i] - '0') < 10) {
                if (iv__num(s, n, &i, 2, 2, &om))
                    return 1;
            }
            if (oh > 23 || om > 59) {
                *why = "offset out of range";
                return 2;
            }
            has_off = 1;
            off = sign * (oh * 60 + om);
            break;
        }
        case 's': {
            int neg = 0, k = 0;
            if (i < n && (s[i] == '-' || s[i] == '+'))
                neg = s[i++] == '-';
            epoch = 0;
            while (i < n && (unsigned)(s[i] - '0') < 10) {
                if (epoch < 1000000000000LL)
                    epoch = epoch * 10 + (s[i] - '0');
                i++;
                k++;
            }
            if (!k)
                return 1;
            if (neg)
                epoch = -epoch;
            has_epoch = 1;
            break;
        }
        case '%':
            if (i >= n || s[i] != '%')
                return 1;
            i++;
            break;
        default:
            return 1; /* iv__strptime_check rejects these */
        }
    }
    if (i != n)
        return 1;
    if (has_epoch) {
        if (epoch > 100000000000LL || epoch < -100000000000LL) {
            *why = "epoch seconds out of range";
            return 2;
        }
        *ms = epoch * 1000;
        *utc = 1;
        return 0;
    }
    if (y < 0)
        return 1;
    if (h12) {
        if (hh < 1 || hh > 12) {
            *why = "hour out of 1..12";
            return 2;
        }
        if (pm >= 0)
            hh = hh % 12 + (pm ? 12 : 0);
    } else if (pm >= 0) {
        /* %p with a 24-hour %H: accept 1..12 as a 12-hour clock */
        if (hh < 1 || hh > 12) {
            *why = "hour out of 1..12 with AM/PM";
            return 2;
        }
        hh = hh % 12 + (pm ? 12 : 0);
    }
    if (mo < 1 || mo > 12) {
        *why = "month out of 1..12";
        return 2;
    }
    if (d < 1 || d > iv__days_in_month(y, mo)) {
        *why = "no such day in that month";
        return 2;
    }
    if (hh > 23 || mi > 59 || ss > 59) {
        *why = "time of day out of range";
        return 2;
    }
    *ms = (iv__days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss) * 1000 + frac;
    if (has_off) {
        *ms -= (int64_t)off * 60000;
        *utc = 1;
    }
    return 0;
}
