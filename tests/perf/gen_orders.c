/* Benchmark data: the same interaction rows written in three orders (by contact then
 * time, by time, random), for the row-order benchmarks of doc/PERFORMANCE.md.
 *
 *   gen_orders ROWS CONTACTS PREFIX [SEED]
 *
 * writes PREFIX-contact.csv, PREFIX-time.csv and PREFIX-random.csv with the columns
 * contact,ts,channel,type,stage,cost,value. Every contact has at least one row; the
 * others are drawn with a skew (a few heavy contacts, many light ones). Timestamps are
 * uniform over the year 2025 (whole seconds). Channel and type are drawn from a fixed
 * table of pairs with weights; stage is given on about one row in four, cost on about
 * half the rows, value on about one row in eight. The three files hold the same
 * multiset of lines: sorting any of them gives the same bytes. Random numbers:
 * splitmix64 (Steele, Lea, Flood 2014), so the files depend only on the arguments. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    uint32_t contact;
    uint32_t pair;  /* index into pairs[] */
    int64_t ts;     /* seconds since 2025-01-01T00:00:00Z */
    uint32_t cost;  /* cents; UINT32_MAX: not given */
    uint32_t value; /* cents; UINT32_MAX: not given */
    uint8_t stage;  /* 0: not given, 1..3 */
    uint64_t shuffle;
} row;

static uint64_t state;
static uint64_t next(void)
{
    uint64_t z = (state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static double unit(void)
{
    return (double)(next() >> 11) * 0x1.0p-53;
}

static const struct {
    const char *channel, *type;
    int weight;
} pairs[] = {
    { "web", "visit", 30 },  { "email", "open", 18 },   { "app", "visit", 12 },
    { "email", "click", 10 }, { "web", "download", 6 }, { "web", "repeat", 3 },
    { "web", "signup", 2 },  { "web", "click", 2 },     { "email", "reply", 2 },
    { "social", "share", 2 }, { "app", "download", 2 }, { "phone", "support", 2 },
    { "app", "repeat", 1 },  { "social", "click", 1 },  { "email", "csat", 1 },
    { "chat", "support", 1 }, { "web", "purchase", 1 }, { "phone", "demo", 1 },
    { "phone", "upsell", 1 }, { "face_to_face", "event", 1 },
};
static const char *const stages[] = { "", "acquisition", "closing", "retention" };

static int by_contact(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->contact != y->contact)
        return x->contact < y->contact ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}
static int by_time(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->contact != y->contact)
        return x->contact < y->contact ? -1 : 1;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}
static int by_shuffle(const void *a, const void *b)
{
    const row *x = a, *y = b;
    return x->shuffle < y->shuffle ? -1 : x->shuffle > y->shuffle;
}

/* days since 1970-01-01 to a civil date (Hinnant's civil_from_days) */
static void civil(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int write_file(const char *path, const row *r, size_t n)
{
    FILE *f = fopen(path, "wb");
    size_t i;
    static char buf[1 << 20];
    if (!f) {
        perror(path);
        return 1;
    }
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("contact,ts,channel,type,stage,cost,value\n", f);
    for (i = 0; i < n; i++) {
        int64_t t = r[i].ts + INT64_C(1735689600); /* 2025-01-01 */
        int y, mo, d;
        civil(t / 86400, &y, &mo, &d);
        fprintf(f, "C%07" PRIu32 ",%04d-%02d-%02dT%02d:%02d:%02dZ,%s,%s,%s,", r[i].contact + 1, y, mo, d,
                (int)(t % 86400 / 3600), (int)(t % 3600 / 60), (int)(t % 60), pairs[r[i].pair].channel,
                pairs[r[i].pair].type, stages[r[i].stage]);
        if (r[i].cost != UINT32_MAX)
            fprintf(f, "%" PRIu32 ".%02" PRIu32, r[i].cost / 100, r[i].cost % 100);
        fputc(',', f);
        if (r[i].value != UINT32_MAX)
            fprintf(f, "%" PRIu32 ".%02" PRIu32, r[i].value / 100, r[i].value % 100);
        fputc('\n', f);
    }
    if (fclose(f)) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t nrows, ncontacts, i, npairs = sizeof pairs / sizeof pairs[0];
    int wsum = 0;
    row *r;
    char path[4096];
    if (argc < 4) {
        fprintf(stderr, "usage: gen_orders ROWS CONTACTS PREFIX [SEED]\n");
        return 2;
    }
    nrows = strtoull(argv[1], NULL, 10);
    ncontacts = strtoull(argv[2], NULL, 10);
    state = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
    if (!ncontacts || nrows < ncontacts) {
        fprintf(stderr, "gen_orders: need ROWS >= CONTACTS > 0\n");
        return 2;
    }
    r = malloc(nrows * sizeof *r);
    if (!r)
        return 1;
    for (i = 0; i < npairs; i++)
        wsum += pairs[i].weight;
    for (i = 0; i < nrows; i++) {
        int w = (int)(next() % (uint64_t)wsum);
        size_t p = 0;
        double u = unit();
        while (w >= pairs[p].weight)
            w -= pairs[p++].weight;
        /* the first CONTACTS rows name every contact once; the rest are skewed */
        r[i].contact = i < ncontacts ? (uint32_t)i : (uint32_t)((double)ncontacts * u * u);
        if (r[i].contact >= ncontacts)
            r[i].contact = (uint32_t)ncontacts - 1;
        r[i].pair = (uint32_t)p;
        r[i].ts = (int64_t)(next() % (365 * 86400));
        r[i].stage = next() % 4 == 0 ? (uint8_t)(1 + next() % 3) : 0;
        r[i].cost = next() % 2 ? (uint32_t)(next() % 500) : UINT32_MAX;
        r[i].value = next() % 8 == 0 ? (uint32_t)(next() % 100000) : UINT32_MAX;
        r[i].shuffle = next();
    }
    qsort(r, nrows, sizeof *r, by_contact);
    snprintf(path, sizeof path, "%s-contact.csv", argv[3]);
    if (write_file(path, r, nrows))
        return 1;
    qsort(r, nrows, sizeof *r, by_time);
    snprintf(path, sizeof path, "%s-time.csv", argv[3]);
    if (write_file(path, r, nrows))
        return 1;
    qsort(r, nrows, sizeof *r, by_shuffle);
    snprintf(path, sizeof path, "%s-random.csv", argv[3]);
    if (write_file(path, r, nrows))
        return 1;
    free(r);
    return 0;
}
