/* `iv gen`: a synthetic interaction log shaped like a CRM export.
 *
 * Each contact is simulated on its own, from its own random stream (seeded from the
 * global seed and the contact's number), through acquisition -> closing -> retention
 * with per-contact propensities, and written out as soon as an event happens: memory
 * stays bounded whatever --contacts is. Rows come grouped by contact (C000001 first),
 * each contact's rows in time order, as CRM exports "by contact" usually are; ids
 * I0000001... follow the output order. Because a contact's stream does not depend on
 * --contacts, the log for N contacts is a byte prefix of the log for N + k.
 *
 * Portability of the bytes: only integer arithmetic and the four IEEE 754 operations
 * plus sqrt (all correctly rounded) feed the output; exp and log are computed here
 * from series rather than taken from libm, whose last bits differ between platforms;
 * money is formatted from integer cents. Floating-point contraction (FMA) would change
 * rounding, so it is switched off for clang; gcc does not contract in ISO C mode. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------ */
/* Random numbers: xoshiro256** seeded through splitmix64 (D. Blackman and S. Vigna,
 * "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021). */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* One independent stream per (seed, stream) pair. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ rotl64(stream * 0xd1342543de82ef95u, 17);
    (void)splitmix64(&x);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* Uniform in [0, 1) with 53 random bits: exact, hence identical everywhere. */
static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32). */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Index drawn with probability proportional to w[i]. */
static int rng_pick(rng *r, const double *w, int n)
{
    double total = 0.0, x;
    for (int i = 0; i < n; i++)
        total += w[i];
    x = rng_unit(r) * total;
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    for (int i = n - 1; i > 0; i--)
        if (w[i] > 0.0)
            return i;
    return 0;
}

/* The same with small integer weights (tables below). */
static int rng_pick8(rng *r, const uint8_t *w, int n)
{
    uint32_t total = 0, x;
    for (int i = 0; i < n; i++)
        total += w[i];
    x = rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ------------------------------------------------------------------------------ */
/* Deterministic exp and log: range reduction by powers of two (exact) and Taylor /
 * atanh series, accurate to a few ulp, identical on every IEEE 754 platform. */

#define GEN_LN2 0.69314718055994530942

static double det_log(double x)
{
    int e;
    double m = frexp(x, &e), f, f2, term, sum;
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e--;
    }
    /* log(m) = 2 atanh((m - 1) / (m + 1)), |f| <= 0.172 */
    f = (m - 1.0) / (m + 1.0);
    f2 = f * f;
    term = f;
    sum = 0.0;
    for (int k = 1; k <= 27; k += 2) {
        sum += term / k;
        term *= f2;
    }
    return 2.0 * sum + e * GEN_LN2;
}

static double det_exp(double x)
{
    double k, r, term = 1.0, sum = 1.0;
    if (x > 700.0)
        x = 700.0;
    if (x < -700.0)
        x = -700.0;
    k = floor(x / GEN_LN2 + 0.5);
    r = x - k * GEN_LN2; /* |r| <= 0.35 */
    for (int i = 1; i <= 18; i++) {
        term *= r / i;
        sum += term;
    }
    return ldexp(sum, (int)k);
}

/* Standard normal by Marsaglia's polar method (Marsaglia and Bray, SIAM Review 6, 1964). */
static double rng_normal(rng *r)
{
    for (;;) {
        double u = 2.0 * rng_unit(r) - 1.0, v = 2.0 * rng_unit(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0)
            return u * sqrt(-2.0 * det_log(s) / s);
    }
}

/* Lomax (Pareto type II) with shape a and scale s: heavy-tailed waiting times
 * (inverse CDF: s ((1 - u)^(-1/a) - 1)), capped at 10000 so that a gap in days
 * converted to seconds never overflows. */
static double rng_lomax(rng *r, double a, double s)
{
    double x = s * (det_exp(-det_log(1.0 - rng_unit(r)) / a) - 1.0);
    return x < 10000.0 ? x : 10000.0;
}

/* ------------------------------------------------------------------------------ */
/* Civil dates (proleptic Gregorian), after H. Hinnant's "chrono-compatible low-level
 * date algorithms": days counted from 1970-01-01 through 400-year eras. */

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = floordiv(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = floordiv(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
static int weekday(int64_t day)
{
    return (int)(day + 3 - floordiv(day + 3, 7) * 7);
}

/* ------------------------------------------------------------------------------ */
/* The domain: channels, types, teams, regions. */

enum { CH_WEB, CH_EMAIL, CH_PHONE, CH_CHAT, CH_SOCIAL, CH_APP, CH_F2F, CH_POST, CH_IVR, CH_SMS,
       CH_COUNT };

typedef struct channel_info {
    const char *name;
    int staffed;       /* handled by people: office hours, working days */
    int cost_cents;    /* typical real cost per transaction (doc/MODEL.md figures where given) */
    int area;          /* the model's default area (index into area_names) */
    int cost_given_pct;/* how often an export carries the real cost */
} channel_info;

enum { AR_TECHNOLOGY, AR_CHANNELS, AR_ENGAGEMENT, AR_EXPERIENCE, AR_CONTENT, AR_BUSINESS,
       AR_ANALYTICS, AR_GOVERNANCE, AR_COUNT };

static const char *const area_names[AR_COUNT] = {
    "technology", "channels", "engagement", "experience", "content", "business", "analytics",
    "governance"};

static const channel_info channels[CH_COUNT] = {
    {"web", 0, 15, AR_EXPERIENCE, 19},       {"email", 0, 5, AR_CONTENT, 17},
    {"phone", 1, 283, AR_ENGAGEMENT, 55},    {"chat", 1, 120, AR_ENGAGEMENT, 45},
    {"social", 0, 50, AR_CONTENT, 20},       {"app", 0, 10, AR_EXPERIENCE, 19},
    {"face_to_face", 1, 862, AR_ENGAGEMENT, 70}, {"post", 1, 1210, AR_CHANNELS, 60},
    {"ivr", 0, 20, AR_CHANNELS, 30},         {"sms", 0, 4, AR_CHANNELS, 12},
};

enum { T_VISIT, T_OPEN, T_CLICK, T_DOWNLOAD, T_SHARE, T_SIGNUP, T_REPLY, T_EVENT, T_DEMO,
       T_PURCHASE, T_REPEAT, T_RENEWAL, T_UPSELL, T_CROSS_SELL, T_REFER, T_SUPPORT,
       T_COMPLAINT, T_UNSUBSCRIBE, T_DISCONTINUE, T_NPS, T_CSAT, T_CES, T_COUNT };

enum { OUT_NONE, OUT_DESIRED, OUT_NEUTRAL, OUT_UNDESIRED };
static const char *const outcome_names[4] = {"", "desired", "neutral", "undesired"};

typedef struct type_info {
    const char *name;
    uint8_t ch[CH_COUNT]; /* channel weights: which channels make sense for the type */
    uint8_t in_pct;       /* P(direction = in), percent */
    uint8_t out[4];       /* default outcome weights: none, desired, neutral, undesired */
} type_info;

/*                                     web em ph ch so ap ff po iv sm */
static const type_info types[T_COUNT] = {
    {"visit",       {70, 0, 0, 0, 0, 30, 0, 0, 0, 0}, 97, {85, 5, 10, 0}},
    {"open",        {0, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 5, {85, 0, 15, 0}},
    {"click",       {20, 65, 0, 0, 15, 0, 0, 0, 0, 0}, 40, {80, 8, 12, 0}},
    {"download",    {85, 0, 0, 0, 0, 15, 0, 0, 0, 0}, 95, {40, 60, 0, 0}},
    {"share",       {0, 15, 0, 0, 85, 0, 0, 0, 0, 0}, 95, {40, 60, 0, 0}},
    {"signup",      {75, 0, 0, 0, 0, 20, 5, 0, 0, 0}, 92, {30, 70, 0, 0}},
    {"reply",       {0, 85, 0, 0, 10, 0, 0, 5, 0, 0}, 90, {45, 40, 15, 0}},
    {"event",       {30, 0, 0, 0, 0, 0, 70, 0, 0, 0}, 20, {20, 50, 30, 0}},
    {"demo",        {35, 0, 45, 0, 0, 0, 20, 0, 0, 0}, 25, {10, 60, 20, 10}},
    {"purchase",    {60, 0, 15, 0, 0, 15, 6, 4, 0, 0}, 90, {15, 85, 0, 0}},
    {"repeat",      {65, 0, 8, 0, 0, 25, 0, 2, 0, 0}, 95, {15, 85, 0, 0}},
    {"renewal",     {55, 20, 15, 0, 0, 0, 0, 10, 0, 0}, 50, {15, 85, 0, 0}},
    {"upsell",      {35, 0, 45, 0, 0, 0, 20, 0, 0, 0}, 30, {15, 85, 0, 0}},
    {"cross_sell",  {50, 20, 30, 0, 0, 0, 0, 0, 0, 0}, 50, {15, 85, 0, 0}},
    {"refer",       {40, 20, 0, 0, 35, 0, 5, 0, 0, 0}, 95, {40, 60, 0, 0}},
    {"support",     {0, 20, 40, 30, 0, 0, 2, 0, 8, 0}, 92, {10, 55, 25, 10}},
    {"complaint",   {0, 30, 45, 5, 15, 0, 0, 5, 0, 0}, 98, {10, 0, 10, 80}},
    {"unsubscribe", {0, 100, 0, 0, 0, 0, 0, 0, 0, 0}, 97, {10, 0, 0, 90}},
    {"discontinue", {35, 15, 40, 0, 0, 0, 0, 10, 0, 0}, 95, {10, 0, 0, 90}},
    {"nps",         {20, 70, 0, 0, 0, 0, 0, 0, 0, 10}, 90, {100, 0, 0, 0}},
    {"csat",        {20, 50, 0, 30, 0, 0, 0, 0, 0, 0}, 90, {100, 0, 0, 0}},
    {"ces",         {35, 45, 0, 0, 0, 0, 0, 0, 20, 0}, 90, {100, 0, 0, 0}},
};

enum { ST_ACQUISITION, ST_CLOSING, ST_RETENTION };
static const char *const stage_names[3] = {"acquisition", "closing", "retention"};

#define N_TEAMS 6
static const char *const team_names[N_TEAMS] = {"east", "west", "north", "south", "partner_a",
                                                "partner_b"};
static const uint8_t team_w[N_TEAMS] = {28, 24, 18, 14, 10, 6};

enum { RG_EMEA, RG_AMER, RG_APAC };
static const char *const region_names[3] = {"emea", "amer", "apac"};
static const uint8_t region_w[3] = {45, 38, 17};

/* Hour-of-day profiles (local time): staffed channels work office hours, self-service
 * digital channels peak in the evening. */
static const uint8_t hours_staffed[24] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 8, 12, 12,
                                          7, 9, 12, 11, 9, 4, 1, 0, 0, 0, 0, 0};
static const uint8_t hours_digital[24] = {2, 1, 1, 1, 1, 1, 2, 6, 10, 14, 16, 16,
                                          16, 14, 14, 14, 14, 14, 16, 18, 18, 16, 10, 4};

#define DAY 86400
/* 1900-01-02 and 2199-12-31 (days -25566 and 84005 from the epoch), in seconds */
#define TS_MIN_LOCAL (-25566LL * DAY)
#define TS_MAX_LOCAL (84005LL * DAY)
#define SESSION_STEP_MAX 900 /* seconds between the events of one session, at most */

/* ------------------------------------------------------------------------------ */
/* Output: a large buffer written with fwrite; the first error stops everything. */

#define OUT_CAP (1u << 18)
#define ROW_MAX 512 /* a row is well under this; checked before each row */

typedef struct gen {
    FILE *out;
    char *buf;
    size_t len;
    int err;          /* errno of the first write error, or -1 for a short write */
    uint64_t seed;
    int64_t start, end; /* [start, end) in seconds since the epoch */
    uint64_t next_id;
} gen;

static void out_flush(gen *g)
{
    errno = 0;
    if (g->len && !g->err && fwrite(g->buf, 1, g->len, g->out) != g->len)
        g->err = errno ? errno : -1;
    g->len = 0;
}

static void put(gen *g, const char *s, size_t n)
{
    memcpy(g->buf + g->len, s, n);
    g->len += n;
}

static void put_s(gen *g, const char *s)
{
    put(g, s, strlen(s));
}

static void put_c(gen *g, char c)
{
    g->buf[g->len++] = c;
}

/* v in decimal, zero-padded to at least width digits. */
static void put_u(gen *g, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        put_c(g, tmp[--n]);
}

static void put_cents(gen *g, int64_t cents)
{
    if (cents < 0) {
        put_c(g, '-');
        cents = -cents;
    }
    put_u(g, (uint64_t)cents / 100, 1);
    put_c(g, '.');
    put_u(g, (uint64_t)cents % 100, 2);
}

/* ISO 8601 with seconds: UTC as ...Z, or the same instant in local time with an offset. */
static void put_ts(gen *g, int64_t t, int offset_min)
{
    int64_t local = t + (int64_t)offset_min * 60, day = floordiv(local, DAY);
    int64_t sec = local - day * DAY;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    put_u(g, (uint64_t)y, 4);
    put_c(g, '-');
    put_u(g, (uint64_t)m, 2);
    put_c(g, '-');
    put_u(g, (uint64_t)d, 2);
    put_c(g, 'T');
    put_u(g, (uint64_t)(sec / 3600), 2);
    put_c(g, ':');
    put_u(g, (uint64_t)(sec / 60 % 60), 2);
    put_c(g, ':');
    put_u(g, (uint64_t)(sec % 60), 2);
    if (offset_min == 0) {
        put_c(g, 'Z');
    } else {
        int a = offset_min < 0 ? -offset_min : offset_min;
        put_c(g, offset_min < 0 ? '-' : '+');
        put_u(g, (uint64_t)(a / 60), 2);
        put_c(g, ':');
        put_u(g, (uint64_t)(a % 60), 2);
    }
}

/* ------------------------------------------------------------------------------ */
/* A contact and its propensities. */

enum { PH_PROSPECT, PH_CUSTOMER, PH_DONE };

typedef struct contact {
    rng r;
    uint64_t num;          /* 1-based */
    int region, variant, team, stage, phase;
    int on_list;           /* receives marketing email */
    int signed_up, subscriber;
    double activity;       /* session frequency multiplier */
    double p_convert;      /* per prospect session */
    double p_drop;         /* per prospect session: goes cold for good */
    double p_churn;        /* per customer session */
    double repeat_prop, refer_prop;
    double mood0, mood;    /* satisfaction in [-1, 1] and its baseline */
    double spend_cents;    /* typical basket */
    int64_t plan_cents;    /* subscription price */
    int64_t t;             /* time of the latest event (seconds) */
    int64_t next_renewal, next_nps;
    int64_t last_complaint; /* time of the latest complaint, 0 if none */
} contact;

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* The contact's UTC offset in minutes at t: CET/CEST, US Eastern, Singapore-like,
 * with summer time approximated as April to October. */
static int tz_offset(const contact *c, int64_t t)
{
    int y, m, d;
    civil_from_days(floordiv(t, DAY), &y, &m, &d);
    switch (c->region) {
    case RG_EMEA:
        return (m >= 4 && m <= 10) ? 120 : 60;
    case RG_AMER:
        return (m >= 4 && m <= 10) ? -240 : -300;
    default:
        return 480;
    }
}

/* Email campaign days: about one day in nine, the same for every contact (a function
 * of the seed and the day only), so opens come in bursts across the base. */
static int is_campaign_day(const gen *g, int64_t day)
{
    uint64_t x = g->seed ^ ((uint64_t)day * 0x9e3779b97f4a7c15u);
    int wd = weekday(day);
    return wd < 5 && splitmix64(&x) % 5 == 0;
}

/* The start of a session that would begin `gap` seconds after the latest event: the day
 * it falls on (moved to a working day for staffed channels, or to a campaign day for an
 * email), at an hour typical of the channel, in the contact's local time. Never at or
 * before the latest event. */
static int64_t session_time(const gen *g, contact *c, double gap, int ch)
{
    int64_t base = c->t + (int64_t)gap, day, t, tod;
    int64_t off = (int64_t)tz_offset(c, base) * 60;
    int wd, hour;
    int staffed = channels[ch].staffed;
    day = floordiv(base + off, DAY);
    wd = weekday(day);
    if (ch == CH_EMAIL && rng_chance(&c->r, 0.6)) {
        int k = 0;
        while (k < 14 && !is_campaign_day(g, day + k))
            k++;
        day += k < 14 ? k : 0;
        /* campaigns go out at 10:00; opens follow within hours, heavy-tailed */
        tod = 10 * 3600 + (int64_t)clamp(rng_lomax(&c->r, 1.5, 3600.0), 30.0, 12.0 * 3600);
    } else {
        if (staffed && wd >= 5)
            day += 7 - wd;
        else if (!staffed && wd >= 5 && rng_chance(&c->r, 0.3))
            day += 7 - wd;
        hour = rng_pick8(&c->r, staffed ? hours_staffed : hours_digital, 24);
        tod = hour * 3600 + rng_below(&c->r, 3600);
    }
    t = day * DAY + tod - off;
    if (t <= c->t)
        t = c->t + 30 + rng_below(&c->r, 1800);
    return t;
}

/* Move to the next session; 0 when it would fall outside the window. */
static int next_session(const gen *g, contact *c, double gap_days, int ch)
{
    int64_t t = session_time(g, c, gap_days * DAY, ch);
    if (t >= g->end)
        return 0;
    c->t = t;
    return 1;
}

/* Move on by lo..hi seconds within a session (or to a follow-up); 0 past the window. */
static int step(const gen *g, contact *c, uint32_t lo, uint32_t hi)
{
    int64_t t = c->t + lo + rng_below(&c->r, hi - lo + 1);
    if (t >= g->end)
        return 0;
    c->t = t;
    return 1;
}

static int pick_channel(contact *c, int ty)
{
    return rng_pick8(&c->r, types[ty].ch, CH_COUNT);
}

/* One row. The decorations an export carries only sometimes (stage, area, a real
 * cost, an explicit rv, a local-time offset) are drawn here. */
static void emit(gen *g, contact *c, int ty, int ch, int outcome, int score, int64_t value_cents)
{
    rng *r = &c->r;
    int offset = 0;
    uint32_t u;

    if (g->len + ROW_MAX > OUT_CAP)
        out_flush(g);
    /* contact */
    put_c(g, 'C');
    put_u(g, c->num, 6);
    put_c(g, ',');
    /* ts: 2% of rows in the contact's local time with its offset (never within a day of
     * the accepted range's ends, 1900 and 2200, where the local date could fall outside) */
    if (rng_chance(r, 0.02) && c->t > TS_MIN_LOCAL && c->t < TS_MAX_LOCAL)
        offset = tz_offset(c, c->t);
    put_ts(g, c->t, offset);
    put_c(g, ',');
    put_s(g, channels[ch].name);
    put_c(g, ',');
    put_s(g, types[ty].name);
    put_c(g, ',');
    /* stage: the CRM's lifecycle stage of the contact, on 12% of rows */
    if (rng_chance(r, 0.12))
        put_s(g, stage_names[c->stage]);
    put_c(g, ',');
    /* area: the channel's usual area, rarely a different one, on 4% of rows */
    u = rng_below(r, 1000);
    if (u < 36)
        put_s(g, area_names[channels[ch].area]);
    else if (u < 40)
        put_s(g, area_names[u < 38 ? AR_ANALYTICS : AR_TECHNOLOGY]);
    put_c(g, ',');
    /* direction: per type, 3% flipped, 4% missing */
    u = rng_below(r, 100);
    if (u >= 4) {
        int in = rng_below(r, 100) < types[ty].in_pct;
        if (u < 7)
            in = !in;
        put_s(g, in ? "in" : "out");
    }
    put_c(g, ',');
    /* cost: the real cost, when the export has it (staffed channels more often) */
    if (rng_below(r, 100) < (uint32_t)channels[ch].cost_given_pct) {
        double f = det_exp(0.35 * rng_normal(r));
        int64_t cents = (int64_t)floor(channels[ch].cost_cents * f + 0.5);
        put_cents(g, cents);
    }
    put_c(g, ',');
    if (value_cents >= 0)
        put_cents(g, value_cents);
    put_c(g, ',');
    put_s(g, outcome_names[outcome]);
    put_c(g, ',');
    put_s(g, team_names[c->team]);
    put_c(g, ',');
    if (score >= 0)
        put_u(g, (uint64_t)score, 1);
    put_c(g, ',');
    /* rv: a rare manual override */
    if (rng_below(r, 10000) < 15) {
        static const int overrides[6] = {-30, -10, 5, 15, 50, 120};
        int v = overrides[rng_below(r, 6)];
        if (v < 0) {
            put_c(g, '-');
            v = -v;
        }
        put_u(g, (uint64_t)v, 1);
    }
    put_c(g, ',');
    put_c(g, 'I');
    put_u(g, g->next_id++, 7);
    put_c(g, ',');
    put_s(g, region_names[c->region]);
    put_c(g, ',');
    put_c(g, c->variant ? 'B' : 'A');
    put_c(g, '\n');
}

static int default_outcome(contact *c, int ty)
{
    return rng_pick8(&c->r, types[ty].out, 4);
}

/* A plain event of a type on a channel, with its usual outcome, no money, no score. */
static void event_on(gen *g, contact *c, int ty, int ch)
{
    emit(g, c, ty, ch, default_outcome(c, ty), -1, -1);
}

/* The same on a channel usual for the type. */
static void event(gen *g, contact *c, int ty)
{
    event_on(g, c, ty, pick_channel(c, ty));
}

/* Money: log-normal around the contact's typical basket, in cents, at least 1.00. */
static int64_t money(contact *c, double factor)
{
    double v = c->spend_cents * factor * det_exp(0.5 * rng_normal(&c->r));
    return v < 100.0 ? 100 : (int64_t)floor(v + 0.5);
}

static void purchase_like(gen *g, contact *c, int ty, int ch, double factor)
{
    int64_t v = ty == T_RENEWAL ? c->plan_cents : money(c, factor);
    emit(g, c, ty, ch, default_outcome(c, ty), -1, v);
    c->mood = clamp(c->mood + 0.05, -1.0, 1.0);
}

/* A survey answer driven by the contact's mood and what just happened (`after` is the
 * outcome of the event that triggered it): unhappy contacts score low, complaints
 * make detractors. Scales as doc/GUIDE.md §1: nps 0-10, csat 1-5, ces 1-7. */
static void survey(gen *g, contact *c, int ty, int after)
{
    /* within 90 days of a complaint a contact is a detractor */
    int complaint = c->last_complaint && c->t - c->last_complaint < 90 * DAY;
    double adj = after == OUT_UNDESIRED ? -1.0 : after == OUT_DESIRED ? 0.25 : 0.0, x;
    int lo, hi, s, outcome = OUT_NONE;
    double noise = rng_normal(&c->r);
    switch (ty) {
    case T_NPS:
        x = 7.4 + 2.3 * c->mood + 3.0 * adj + 1.3 * noise;
        lo = 0;
        hi = complaint ? 6 : 10;
        break;
    case T_CSAT:
        x = 3.9 + 1.0 * c->mood + 1.5 * adj + 0.7 * noise;
        lo = 1;
        hi = 5;
        break;
    default:
        x = 5.1 + 1.3 * c->mood + 2.0 * adj + 1.0 * noise;
        lo = 1;
        hi = 7;
        break;
    }
    s = (int)clamp(floor(x + 0.5), lo, hi);
    /* some systems record the survey's verdict as the outcome */
    if (rng_chance(&c->r, 0.25)) {
        int good = ty == T_NPS ? s >= 9 : ty == T_CSAT ? s >= 4 : s >= 5;
        int bad = ty == T_NPS ? s <= 6 : ty == T_CSAT ? s <= 2 : s <= 3;
        outcome = good ? OUT_DESIRED : bad ? OUT_UNDESIRED : OUT_NEUTRAL;
    }
    emit(g, c, ty, pick_channel(c, ty), outcome, s, -1);
}

/* Maybe a survey a little after an event (minutes to a day). */
static void maybe_survey(gen *g, contact *c, int ty, double p, int after)
{
    if (rng_chance(&c->r, p) && step(g, c, 300, DAY))
        survey(g, c, ty, after);
}

/* The contact leaves, gap_days later: a prospect unsubscribes (when on the mailing
 * list), a customer discontinues or unsubscribes. */
static void leave(gen *g, contact *c, double gap_days)
{
    int ty = (c->phase == PH_PROSPECT || !rng_chance(&c->r, 0.6)) ? T_UNSUBSCRIBE : T_DISCONTINUE;
    if (ty == T_UNSUBSCRIBE && !c->on_list)
        ty = c->phase == PH_CUSTOMER ? T_DISCONTINUE : -1;
    if (ty >= 0) {
        int ch = pick_channel(c, ty);
        if (next_session(g, c, gap_days, ch))
            event_on(g, c, ty, ch);
    }
    c->phase = PH_DONE;
}

/* A session led by an email open: open, maybe a click, maybe a visit, rarely more. */
static void email_burst(gen *g, contact *c)
{
    event_on(g, c, T_OPEN, CH_EMAIL);
    if (!rng_chance(&c->r, 0.35) || !step(g, c, 5, 120))
        return;
    event_on(g, c, T_CLICK, CH_EMAIL);
    if (!rng_chance(&c->r, 0.6) || !step(g, c, 2, 60))
        return;
    event_on(g, c, T_VISIT, CH_WEB);
    if (rng_chance(&c->r, 0.12) && step(g, c, 20, SESSION_STEP_MAX))
        event(g, c, T_DOWNLOAD);
}

/* A web or app visit, sometimes followed by a download or a signup. */
static void visit_burst(gen *g, contact *c, int ch)
{
    event_on(g, c, T_VISIT, ch);
    if (rng_chance(&c->r, 0.1) && step(g, c, 20, SESSION_STEP_MAX))
        event(g, c, T_DOWNLOAD);
    if (!c->signed_up && c->phase == PH_PROSPECT && rng_chance(&c->r, 0.04) &&
        step(g, c, 20, SESSION_STEP_MAX)) {
        event(g, c, T_SIGNUP);
        c->signed_up = 1;
    }
}

/* A session of a prospect, led by an event of type ty on channel ch. */
static void prospect_session(gen *g, contact *c, int ty, int ch)
{
    if (ty == T_OPEN) {
        email_burst(g, c);
    } else if (ty == T_VISIT) {
        visit_burst(g, c, ch);
    } else {
        event_on(g, c, ty, ch);
        if (ty == T_SIGNUP)
            c->signed_up = 1;
    }
}

static int prospect_type(contact *c)
{
    /*                 visit open click down share signup reply event */
    double w[8] = {46.0, c->on_list ? 32.0 : 0.0, 9.0, 5.0, 1.5, c->signed_up ? 0.0 : 2.0, 2.0,
                   1.0};
    return rng_pick(&c->r, w, 8); /* T_VISIT..T_EVENT are 0..7 */
}

/* Closing: maybe a signup, maybe demos, then a purchase or a lost deal. */
static void closing(gen *g, contact *c)
{
    c->stage = ST_CLOSING;
    if (!c->signed_up && rng_chance(&c->r, 0.55)) {
        if (!next_session(g, c, rng_unit(&c->r) * 3.0, CH_WEB))
            goto out;
        event(g, c, T_SIGNUP);
        c->signed_up = 1;
    }
    if (rng_chance(&c->r, 0.5)) {
        int demos = rng_chance(&c->r, 0.2) ? 2 : 1, lost;
        for (int k = 0; k < demos; k++) {
            int ch = pick_channel(c, T_DEMO);
            if (!next_session(g, c, 1.0 + rng_unit(&c->r) * 9.0, ch))
                goto out;
            lost = k == demos - 1 && rng_chance(&c->r, c->variant ? 0.2 : 0.25);
            emit(g, c, T_DEMO, ch, lost ? OUT_UNDESIRED : OUT_DESIRED, -1, -1);
            if (lost) {
                c->stage = ST_ACQUISITION;
                c->p_drop = clamp(c->p_drop * 3.0, 0.0, 0.6);
                c->p_convert *= 0.5;
                return;
            }
        }
    }
    /* partners hand over to a direct team at the close now and then */
    if (rng_chance(&c->r, 0.08))
        c->team = rng_pick8(&c->r, team_w, 4);
    {
        int ch = pick_channel(c, T_PURCHASE);
        if (!next_session(g, c, 0.2 + rng_lomax(&c->r, 2.0, 4.0), ch))
            goto out;
        purchase_like(g, c, T_PURCHASE, ch, 1.0);
    }
    c->phase = PH_CUSTOMER;
    c->stage = ST_RETENTION;
    c->subscriber = rng_chance(&c->r, 0.45);
    c->next_renewal = c->t + 365 * DAY + (int64_t)rng_below(&c->r, 10 * DAY) - 5 * DAY;
    c->next_nps = c->t + 30 * DAY + rng_below(&c->r, 60 * DAY);
    maybe_survey(g, c, T_CSAT, 0.2, OUT_DESIRED);
    return;
out:
    c->phase = PH_DONE;
}

/* A complaint: the contact's mood drops, and a survey soon after shows a detractor. */
static void complain(gen *g, contact *c, int ch)
{
    event_on(g, c, T_COMPLAINT, ch);
    c->last_complaint = c->t;
    c->mood = clamp(c->mood - 0.4, -1.0, 1.0);
    maybe_survey(g, c, T_NPS, 0.3, OUT_UNDESIRED);
}

/* Support, its surveys, and sometimes a complaint when it went badly. */
static void support_episode(gen *g, contact *c, int ch)
{
    int outcome;
    double w[4] = {0.08, 0.55 + 0.2 * c->mood, 0.25, 0.12 - 0.1 * c->mood};
    outcome = rng_pick(&c->r, w, 4);
    emit(g, c, T_SUPPORT, ch, outcome, -1, -1);
    if (outcome == OUT_UNDESIRED)
        c->mood = clamp(c->mood - 0.3, -1.0, 1.0);
    else if (outcome == OUT_DESIRED)
        c->mood = clamp(c->mood + 0.08, -1.0, 1.0);
    if (rng_chance(&c->r, 0.6))
        maybe_survey(g, c, T_CSAT, 0.5, outcome);
    else
        maybe_survey(g, c, T_CES, 0.45, outcome);
    if (outcome == OUT_UNDESIRED && rng_chance(&c->r, 0.3) && step(g, c, 3600, 3 * DAY))
        complain(g, c, pick_channel(c, T_COMPLAINT));
}

/* A session of a customer, led by an event of type ty on channel ch. */
static void customer_session(gen *g, contact *c, int ty, int ch)
{
    switch (ty) {
    case T_OPEN:
        email_burst(g, c);
        break;
    case T_VISIT:
        visit_burst(g, c, ch);
        break;
    case T_SUPPORT:
        support_episode(g, c, ch);
        break;
    case T_COMPLAINT:
        complain(g, c, ch);
        break;
    case T_REPEAT:
    case T_UPSELL:
    case T_CROSS_SELL:
        purchase_like(g, c, ty, ch, ty == T_REPEAT ? 0.7 : ty == T_UPSELL ? 0.6 : 0.4);
        maybe_survey(g, c, T_CSAT, 0.12, OUT_DESIRED);
        break;
    default:
        event_on(g, c, ty, ch);
        break;
    }
    if (rng_chance(&c->r, 0.01)) /* an account moves to another team */
        c->team = rng_pick8(&c->r, team_w, N_TEAMS);
}

static int customer_type(contact *c)
{
    static const int ty[13] = {T_VISIT, T_OPEN, T_CLICK, T_DOWNLOAD, T_SHARE, T_SUPPORT,
                               T_REPEAT, T_CROSS_SELL, T_UPSELL, T_REFER, T_COMPLAINT,
                               T_EVENT, T_REPLY};
    double w[13] = {34.0, c->on_list ? 26.0 : 0.0, 6.0, 3.0, 1.5, 7.0, 9.0 * c->repeat_prop,
                    2.5, 2.0, 2.0 * c->refer_prop, 0.8 * (1.2 - c->mood), 0.6, 1.5};
    return ty[rng_pick(&c->r, w, 13)];
}

/* A contact's whole history, written as it unfolds. */
static void simulate(gen *g, contact *c)
{
    int64_t span = g->end - g->start;
    /* arrivals grow over the window: the distance from the end is V^1.25 of the span,
     * V uniform, so P(arrival in the last x of the span) = x^0.8 */
    double u = det_exp(1.25 * det_log(1.0 - rng_unit(&c->r)));
    int64_t arrival = g->end - 1 - (int64_t)(u * (double)(span - 1));
    int ty = prospect_type(c), ch = pick_channel(c, ty);
    c->t = arrival - DAY;
    if (!next_session(g, c, 1.0, ch) || c->t < g->start)
        c->t = arrival; /* the first touch always lands inside the window */
    prospect_session(g, c, ty, ch);

    while (c->phase != PH_DONE && !g->err) {
        c->mood += 0.1 * (c->mood0 - c->mood);
        if (c->phase == PH_PROSPECT) {
            if (rng_chance(&c->r, c->p_convert)) {
                closing(g, c);
                continue;
            }
            if (rng_chance(&c->r, c->p_drop)) {
                /* gone cold; a quarter say so by unsubscribing */
                if (rng_chance(&c->r, 0.25))
                    leave(g, c, rng_lomax(&c->r, 1.3, 10.0));
                break;
            }
            ty = prospect_type(c);
            ch = pick_channel(c, ty);
            if (!next_session(g, c, rng_lomax(&c->r, 1.3, 6.0 / c->activity), ch))
                break;
            prospect_session(g, c, ty, ch);
        } else {
            double gap = rng_lomax(&c->r, 1.3, 7.0 / c->activity);
            int64_t when = c->t + (int64_t)(gap * DAY);
            if (c->subscriber && c->next_renewal <= when) {
                /* the yearly renewal, or the end of the subscription */
                int renew = rng_chance(&c->r, clamp(0.78 + 0.2 * c->mood, 0.3, 0.97));
                ty = renew ? T_RENEWAL : T_DISCONTINUE;
                ch = pick_channel(c, ty);
                if (!next_session(g, c, (double)(c->next_renewal - c->t) / DAY, ch))
                    break;
                if (!renew) {
                    emit(g, c, T_DISCONTINUE, ch, OUT_UNDESIRED, -1, -1);
                    break;
                }
                purchase_like(g, c, T_RENEWAL, ch, 1.0);
                c->next_renewal += 365 * DAY;
                continue;
            }
            if (c->next_nps <= when) {
                /* the twice-yearly relationship survey; about a third answer */
                int answer = rng_chance(&c->r, 0.35);
                ch = pick_channel(c, T_NPS);
                if (answer && !next_session(g, c, (double)(c->next_nps - c->t) / DAY, ch))
                    break;
                if (answer)
                    survey(g, c, T_NPS, OUT_NONE);
                c->next_nps += 182 * DAY;
                continue;
            }
            ty = customer_type(c);
            ch = pick_channel(c, ty);
            if (!next_session(g, c, gap, ch))
                break;
            customer_session(g, c, ty, ch);
            if (rng_chance(&c->r, c->p_churn + (c->mood < -0.3 ? 0.05 : 0.0))) {
                leave(g, c, rng_lomax(&c->r, 1.5, 10.0));
                break;
            }
        }
    }
}

static void contact_init(const gen *g, contact *c, uint64_t num)
{
    rng *r;
    memset(c, 0, sizeof *c);
    rng_seed(&c->r, g->seed, num);
    r = &c->r;
    c->num = num;
    c->region = rng_pick8(r, region_w, 3);
    c->variant = (int)rng_below(r, 2);
    c->team = rng_pick8(r, team_w, N_TEAMS);
    c->stage = ST_ACQUISITION;
    c->phase = PH_PROSPECT;
    c->on_list = rng_chance(r, 0.7);
    c->activity = 1.4 * det_exp(0.7 * rng_normal(r));
    /* variant B converts a bit better, so an A/B comparison has something to find */
    c->p_convert = 0.035 * det_exp(0.6 * rng_normal(r)) * (c->variant ? 1.2 : 1.0);
    c->p_drop = 0.035 * det_exp(0.5 * rng_normal(r));
    c->p_churn = 0.012 * det_exp(0.6 * rng_normal(r));
    c->repeat_prop = det_exp(0.8 * rng_normal(r));
    c->refer_prop = rng_chance(r, 0.2) ? 3.0 : 0.3;
    c->mood0 = clamp(0.2 + 0.4 * rng_normal(r), -1.0, 1.0);
    c->mood = c->mood0;
    c->spend_cents = 9000.0 * det_exp(0.6 * rng_normal(r));
    c->plan_cents = (int64_t)floor(c->spend_cents * 1.2 / 1000.0) * 1000 - 1;
    if (c->plan_cents < 1999)
        c->plan_cents = 1999;
}

/* ------------------------------------------------------------------------------ */
/* Options. */

static const char gen_usage[] =
    "usage: iv gen [--contacts N] [--seed S] [--years Y] [--start YYYY-MM-DD]\n"
    "\n"
    "Write a synthetic interaction log (CSV) to standard output: contacts moving\n"
    "through acquisition, closing and retention, with surveys, teams and the custom\n"
    "dimensions region and variant. The same options always give the same bytes.\n"
    "\n"
    "  --contacts N        number of contacts (default 2000)\n"
    "  --seed S            random seed, an unsigned 64-bit integer (default 1)\n"
    "  --years Y           length of the window in years, may be fractional (default 2)\n"
    "  --start YYYY-MM-DD  first day of the window, UTC (default 2023-01-01)\n"
    "  --help              show this help\n";

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 ||
            (v == UINT64_MAX / 10 && digit > UINT64_MAX % 10))
            return 0;
        v = v * 10 + digit;
    }
    *out = v;
    return 1;
}

/* YYYY-MM-DD (a real date, years 1900-2199) to seconds since the epoch. */
static int parse_date(const char *s, int64_t *out, int *yy, int *mm, int *dd)
{
    int y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return 0;
    *out = days_from_civil(y, m, d) * DAY;
    *yy = y;
    *mm = m;
    *dd = d;
    return 1;
}

/* Years as a decimal number, 0 < Y <= 100, parsed without the locale. */
static int parse_years(const char *s, double *out)
{
    double v = 0.0, scale = 1.0;
    int digits = 0, frac = 0;
    for (; *s; s++) {
        if (*s == '.' && !frac) {
            frac = 1;
        } else if (*s >= '0' && *s <= '9' && digits < 12) {
            if (frac) {
                scale /= 10.0;
                v += (*s - '0') * scale;
            } else {
                v = v * 10.0 + (*s - '0');
            }
            digits++;
        } else {
            return 0;
        }
    }
    if (!digits || v <= 0.0 || v > 100.0)
        return 0;
    *out = v;
    return 1;
}

/* --name VALUE or --name=VALUE; returns the value or NULL, advancing *i. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int usage_error(FILE *err, const char *what, const char *arg)
{
    fprintf(err, "iv gen: %s: '%s'\n(try 'iv gen --help')\n", what, arg);
    return 2;
}

int iv_cli_gen_to(FILE *out, FILE *err, int argc, char **argv)
{
    uint64_t ncontacts = 2000, seed = 1;
    double years = 2.0, whole;
    int64_t start, end;
    int y = 2023, m = 1, d = 1;
    gen g;

    start = days_from_civil(y, m, d) * DAY;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(gen_usage, out);
            return fflush(out) == 0 ? 0 : 1;
        } else if (!strncmp(a, "--contacts", 10)) {
            if (!(v = opt_value(argc, argv, &i, "--contacts")) || !parse_u64(v, &ncontacts) ||
                ncontacts < 1 || ncontacts > 100000000)
                return usage_error(err, "--contacts needs an integer from 1 to 100000000", a);
        } else if (!strncmp(a, "--seed", 6)) {
            if (!(v = opt_value(argc, argv, &i, "--seed")) || !parse_u64(v, &seed))
                return usage_error(err, "--seed needs an unsigned 64-bit integer", a);
        } else if (!strncmp(a, "--years", 7)) {
            if (!(v = opt_value(argc, argv, &i, "--years")) || !parse_years(v, &years))
                return usage_error(err, "--years needs a number above 0 and at most 100", a);
        } else if (!strncmp(a, "--start", 7)) {
            if (!(v = opt_value(argc, argv, &i, "--start")) || !parse_date(v, &start, &y, &m, &d))
                return usage_error(err, "--start needs a date YYYY-MM-DD (1900 to 2199)", a);
        } else {
            return usage_error(err, "unknown option", a);
        }
    }

    /* end = start + floor(Y) calendar years (29 February -> 1 March) + the fraction of
     * a mean Gregorian year (365.2425 days), rounded to the second. */
    whole = floor(years);
    {
        int64_t ey = y + (int64_t)whole;
        int em = m, ed = d;
        if (em == 2 && ed == 29 && !is_leap(ey)) {
            em = 3;
            ed = 1;
        }
        end = days_from_civil(ey, em, ed) * DAY +
              (int64_t)floor((years - whole) * 365.2425 * DAY + 0.5);
    }
    if (end > days_from_civil(2200, 1, 1) * DAY) {
        fprintf(err, "iv gen: the window must end by 2200-01-01\n");
        return 2;
    }

    memset(&g, 0, sizeof g);
    g.out = out;
    g.seed = seed;
    g.start = start;
    g.end = end;
    g.next_id = 1;
    g.buf = malloc(OUT_CAP);
    if (!g.buf) {
        fprintf(err, "iv gen: out of memory\n");
        return 1;
    }
    put_s(&g, IV_CLI_GEN_HEADER "\n");
    for (uint64_t k = 1; k <= ncontacts && !g.err; k++) {
        contact c;
        contact_init(&g, &c, k);
        simulate(&g, &c);
    }
    out_flush(&g);
    free(g.buf);
    if (!g.err && fflush(out) != 0)
        g.err = errno ? errno : -1;
    if (g.err) {
        fprintf(err, "iv gen: write error: %s\n", g.err > 0 ? strerror(g.err) : "short write");
        return 1;
    }
    return 0;
}

int iv_cli_gen(int argc, char **argv)
{
    return iv_cli_gen_to(stdout, stderr, argc, argv);
}
