/* Internal: the rubric model (areas, indicators, thresholds), its INI loader and the
 * level formulas of doc/MATURITY.md. */
#ifndef IV_SRC_RUBRIC_H
#define IV_SRC_RUBRIC_H

#include "core.h"
#include "iv/maturity.h"

/* Number of areas; area ids are the iv_area values 1..IV__NAREAS. */
#define IV__NAREAS 8
/* Thresholds per indicator: t2 .. t10. */
#define IV__NTHRESH 9

typedef struct iv__indicator_def {
    char *name;                 /* "area.name", lower case */
    int area;                   /* iv_area, 1..8 */
    int lower;                  /* 1: lower is better */
    double weight;              /* > 0 */
    double t[IV__NTHRESH];      /* t[0] = t2 ... t[8] = t10 */
    long line;                  /* of its section in the file (0: not from a file) */
} iv__indicator_def;

struct iv_rubric {
    iv__alloc alloc;
    iv__indicator_def *ind;     /* in file order */
    size_t n, cap;
    const iv__indicator_def **order; /* ind sorted by name: lookups in log n */
    double area_weight[IV__NAREAS + 1]; /* indexed by iv_area; [0] unused */
};

/* The area id (1..8) named by s[0..n), case-insensitively; 0 when none. */
int iv__area_parse(const char *s, size_t n);
/* The canonical name of area id 1..8. */
const char *iv__area_name(int area);

/* Continuous level of value x for an indicator (doc/MATURITY.md), in [1, 10]; x finite. */
double iv__indicator_level(const iv__indicator_def *d, double x);

/* The indicator named name (case-insensitive), or NULL; binary search. */
const iv__indicator_def *iv__rubric_find(const iv_rubric *r, const char *name);

/* Resolve options into an allocator (NULL opts: the default). */
int iv__maturity_alloc(iv__alloc *a, const iv_maturity_options *opts);

/* Read a whole file with allocator a into a NUL-terminated buffer; *len receives the
 * file's length and *size the buffer's (free with iv__free(a, *text, *size)). */
int iv__read_whole_file(const iv__alloc *a, const char *path, char **text, size_t *len,
                        size_t *size);

/* Check an indicator name "AREA.NAME" (s[0..n)): returns the area id (1..8), 0 when
 * AREA is not an area, -1 when NAME is empty or has characters other than letters,
 * digits, '_' and '-'. */
int iv__indicator_name_area(const char *s, size_t n);

#endif
