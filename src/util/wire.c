/* Byte formats shared by summaries and store snapshots: little-endian writers and
 * bounds-checked readers, CRC-32, varints, atomic file replacement. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc32_table.h"
#include "wire.h"

/* CRC-32 (ISO-HDLC), slicing-by-8: eight bytes per step through eight tables, then byte
 * by byte (Sarwate's table method) for the tail. */
uint32_t iv__crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    const uint32_t(*T)[256] = iv__crc_table;
    crc = ~crc;
    for (; n >= 8; n -= 8, b += 8) {
        uint32_t lo = crc ^ iv__ld32(b), hi = iv__ld32(b + 4);
        crc = T[7][lo & 0xff] ^ T[6][(lo >> 8) & 0xff] ^ T[5][(lo >> 16) & 0xff] ^ T[4][lo >> 24] ^
              T[3][hi & 0xff] ^ T[2][(hi >> 8) & 0xff] ^ T[1][(hi >> 16) & 0xff] ^ T[0][hi >> 24];
    }
    for (; n; n--, b++)
        crc = (crc >> 8) ^ T[0][(crc ^ *b) & 0xff];
    return ~crc;
}

/* ------------------------------------------------------------ writer ----- */

void iv__w_init(iv__wbuf *w, const iv__alloc *a)
{
    memset(w, 0, sizeof *w);
    w->a = *a;
}

void iv__w_free(iv__wbuf *w)
{
    iv__free(&w->a, w->p, w->cap);
    w->p = NULL;
    w->n = w->cap = 0;
}

void iv__w_bytes(iv__wbuf *w, const void *p, size_t n)
{
    void *q;
    if (w->err || n == 0)
        return;
    q = w->p;
    if (w->n + n > w->cap && iv__grow(&w->a, &q, &w->cap, w->n + n, 1)) {
        w->err = IV_ENOMEM;
        return;
    }
    w->p = q;
    memcpy(w->p + w->n, p, n);
    w->n += n;
}

void iv__w_u8(iv__wbuf *w, unsigned v)
{
    unsigned char b = (unsigned char)v;
    iv__w_bytes(w, &b, 1);
}

void iv__w_u32(iv__wbuf *w, uint32_t v)
{
    unsigned char b[4];
    iv__le32(b, v);
    iv__w_bytes(w, b, 4);
}

void iv__w_u64(iv__wbuf *w, uint64_t v)
{
    unsigned char b[8];
    iv__le64(b, v);
    iv__w_bytes(w, b, 8);
}

void iv__w_f64(iv__wbuf *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    iv__w_u64(w, u);
}

void iv__w_i128(iv__wbuf *w, iv__i128 v)
{
    int64_t hi;
    uint64_t lo;
    iv__fix_split(v, &hi, &lo);
    iv__w_u64(w, lo);
    iv__w_u64(w, (uint64_t)hi);
}

void iv__w_varint(iv__wbuf *w, uint64_t v)
{
    /* LEB128: seven bits per byte, least significant first, high bit = more follows */
    unsigned char b[10];
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    iv__w_bytes(w, b, n);
}

void iv__w_str(iv__wbuf *w, const char *s, size_t n)
{
    iv__w_u32(w, (uint32_t)n);
    iv__w_bytes(w, s, n);
}

/* ------------------------------------------------------------ reader ----- */

void iv__r_init(iv__rbuf *r, const void *p, size_t n)
{
    r->p = p;
    r->n = n;
    r->off = 0;
    r->err = 0;
}

const unsigned char *iv__r_bytes(iv__rbuf *r, size_t n)
{
    const unsigned char *b;
    if (r->err || n > r->n - r->off) {
        r->err = 1;
        return NULL;
    }
    b = r->p + r->off;
    r->off += n;
    return b;
}

unsigned iv__r_u8(iv__rbuf *r)
{
    const unsigned char *b = iv__r_bytes(r, 1);
    return b ? b[0] : 0;
}

uint32_t iv__r_u32(iv__rbuf *r)
{
    const unsigned char *b = iv__r_bytes(r, 4);
    return b ? iv__ld32(b) : 0;
}

uint64_t iv__r_u64(iv__rbuf *r)
{
    const unsigned char *b = iv__r_bytes(r, 8);
    return b ? iv__ld64(b) : 0;
}

double iv__r_f64(iv__rbuf *r)
{
    uint64_t u = iv__r_u64(r);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

iv__i128 iv__r_i128(iv__rbuf *r)
{
    uint64_t lo = iv__r_u64(r), hi = iv__r_u64(r);
    return iv__fix_join((int64_t)hi, lo);
}

uint64_t iv__r_varint(iv__rbuf *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        unsigned b = iv__r_u8(r);
        if (r->err)
            return 0;
        /* the tenth byte may carry only the top bit of a 64-bit value; the canonical
         * form never ends in a zero continuation byte */
        if (shift == 63 && b > 1) {
            r->err = 1;
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift) {
                r->err = 1;
                return 0;
            }
            return v;
        }
        shift += 7;
    }
}

int iv__r_str(iv__rbuf *r, const char **s, size_t *n)
{
    uint32_t len = iv__r_u32(r);
    const unsigned char *b = iv__r_bytes(r, len);
    *s = (const char *)b;
    *n = b ? len : 0;
    return r->err ? -1 : 0;
}

/* ------------------------------------------------------------ files ------ */

/* The directory part of path ("." when none) into dir, the last component into *base. */
static int iv__split_path(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        *base = path;
        return 0;
    }
    if ((size_t)(slash - path) + 2 > cap)
        return -1;
    if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
    *base = slash + 1;
    return 0;
}

/* Remove the temporary files earlier saves of path left behind (killed, power cut):
 * names path + ".tmp-" + six characters that no live writer holds. A writer holds an
 * exclusive flock on its temporary file from creation to rename or unlink, so a file we
 * can lock is abandoned; one changed in the last two seconds is left alone too (a writer
 * between mkstemp and flock). */
static void iv__atomic_sweep(const char *path)
{
    char dir[4096], cand[8192];
    const char *base;
    size_t nb;
    DIR *d;
    struct dirent *e;
    time_t now = time(NULL);
    if (iv__split_path(path, dir, sizeof dir, &base) || !*base)
        return;
    nb = strlen(base);
    if (!(d = opendir(dir)))
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        int fd;
        if (strncmp(e->d_name, base, nb) != 0 || strncmp(e->d_name + nb, ".tmp-", 5) != 0 ||
            strlen(e->d_name + nb + 5) != 6)
            continue;
        if ((size_t)snprintf(cand, sizeof cand, "%s/%s", dir, e->d_name) >= sizeof cand)
            continue;
        fd = open(cand, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime + 2 < now &&
            flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlink(cand);
        close(fd);
    }
    closedir(d);
}

int iv__atomic_open(const char *path, char *tmp, size_t cap, FILE **f)
{
    int fd;
    struct stat st;
    *f = NULL;
    if (cap)
        tmp[0] = '\0';
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device, FIFO or the like (/dev/stdout, /dev/null, a pipe): written in place;
         * renaming a file over it would replace the device node itself */
        if (S_ISDIR(st.st_mode))
            return iv__error(IV_EIO, "cannot write '%s': %s", path, strerror(EISDIR));
        *f = fopen(path, "wb");
        if (!*f)
            return iv__error(IV_EIO, "cannot write '%s': %s", path, strerror(errno));
        return IV_OK;
    }
    if ((size_t)snprintf(tmp, cap, "%s.tmp-XXXXXX", path) >= cap)
        return iv__error(IV_EINVAL, "path too long: '%s'", path);
    iv__atomic_sweep(path);
    fd = mkstemp(tmp);
    if (fd < 0)
        return iv__error(IV_EIO, "cannot create a temporary file next to '%s': %s", path,
                         strerror(errno));
    /* held until the rename or the unlink: a later save's sweep leaves this file alone */
    (void)flock(fd, LOCK_EX);
    /* mkstemp makes the file private (0600): give it the mode the file it replaces had,
     * else 0644, as a plain fopen would under the usual umask */
    fchmod(fd, stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644);
    *f = fdopen(fd, "wb");
    if (!*f) {
        int e = errno;
        unlink(tmp);
        close(fd);
        return iv__error(IV_EIO, "cannot open '%s': %s", tmp, strerror(e));
    }
    return IV_OK;
}

void iv__atomic_abort(FILE *f, const char *tmp)
{
    /* unlink first: the lock (dropped by fclose) keeps sweeps away until then */
    if (tmp[0])
        unlink(tmp);
    if (f)
        fclose(f);
}

int iv__atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int e;
    if (!tmp[0]) { /* written in place (not a regular file) */
        if (fflush(f) != 0 || ferror(f)) {
            e = errno;
            fclose(f);
            return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(e ? e : EIO));
        }
        if (fclose(f) != 0)
            return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(errno));
        return IV_OK;
    }
    /* the data reaches the disk before the rename makes it visible: a crash leaves
     * either the old file or the complete new one, never a torn one */
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        e = errno;
        iv__atomic_abort(f, tmp);
        return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(e ? e : EIO));
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        iv__atomic_abort(f, tmp);
        return iv__error(IV_EIO, "cannot rename the temporary file to '%s': %s", path,
                         strerror(e));
    }
    if (fclose(f) != 0)
        return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(errno));
    return IV_OK;
}

int iv__read_file(const iv__alloc *a, const char *path, size_t limit, unsigned char **out,
                  size_t *len)
{
    return iv__read_file_magic(a, path, limit, NULL, 0, NULL, out, len);
}

int iv__read_file_magic(const iv__alloc *a, const char *path, size_t limit, const void *magic,
                        size_t mlen, const char *what, unsigned char **out, size_t *len)
{
    FILE *f;
    unsigned char *b = NULL;
    size_t cap = 0, n = 0;
    int sniffed = !magic || !mlen;
    struct stat st;
    *out = NULL;
    *len = 0;
    if (!limit)
        limit = IV__READ_FILE_LIMIT;
    f = fopen(path, "rb");
    if (!f)
        return iv__error(IV_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fclose(f);
            return iv__error(IV_EIO, "cannot read '%s': %s", path, strerror(EISDIR));
        }
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
            fclose(f);
            return iv__error(IV_ELIMIT, "'%s' is %llu bytes, more than the %zu bytes this file may have",
                             path, (unsigned long long)st.st_size, limit);
        }
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            void *q = b;
            if (n > limit) {
                /* a device or pipe without an end (/dev/zero) stops at the limit */
                iv__free(a, b, cap);
                fclose(f);
                return iv__error(IV_ELIMIT, "'%s' is longer than the %zu bytes this file may have",
                                 path, limit);
            }
            /* doubling, but never past limit + 1 (one byte tells "longer than the limit") */
            size_t ncap = cap ? (cap > (limit + 1) / 2 ? limit + 1 : 2 * cap) : 65536;
            if (ncap > limit + 1)
                ncap = limit + 1;
            q = iv__realloc(a, b, cap, ncap);
            if (!q) {
                iv__free(a, b, cap);
                fclose(f);
                return iv__nomem("reading a file");
            }
            b = q;
            cap = ncap;
        }
        got = fread(b + n, 1, (sniffed ? cap : mlen) - n, f);
        n += got;
        if (!sniffed && n >= mlen) {
            if (memcmp(b, magic, mlen) != 0) {
                iv__free(a, b, cap);
                fclose(f);
                return iv__error(IV_ECORRUPT, "'%s' is not %s (bad magic)", path, what);
            }
            sniffed = 1;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        iv__free(a, b, cap);
        fclose(f);
        return iv__error(IV_EIO, "reading '%s' failed: %s", path, strerror(e ? e : EIO));
    }
    fclose(f);
    if (n > limit) {
        iv__free(a, b, cap);
        return iv__error(IV_ELIMIT, "'%s' is longer than the %zu bytes this file may have", path, limit);
    }
    /* shrink to the exact size so the caller frees (ptr, len) */
    if (n && n != cap) {
        void *q = iv__realloc(a, b, cap, n);
        if (!q) {
            iv__free(a, b, cap);
            return iv__nomem("reading a file");
        }
        b = q;
    } else if (!n) {
        iv__free(a, b, cap);
        b = NULL;
    }
    *out = b;
    *len = n;
    return IV_OK;
}

int iv__atomic_write(const char *path, const void *bytes, size_t n)
{
    FILE *f;
    char tmp[4096];
    int rc;
    if ((rc = iv__atomic_open(path, tmp, sizeof tmp, &f)) != IV_OK)
        return rc;
    if (n && fwrite(bytes, 1, n, f) != n) {
        int e = errno ? errno : EIO;
        iv__atomic_abort(f, tmp);
        return iv__error(IV_EIO, "writing '%s' failed: %s", path, strerror(e));
    }
    return iv__atomic_commit(f, tmp, path);
}

int iv__in_file(int rc, const char *path)
{
    if (rc == IV_ECORRUPT || rc == IV_EVERSION) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", iv_error_last());
        iv__error(rc, "%s: %s", path, msg);
    }
    return rc;
}

/* ---- framed byte strings (summaries, partials) -------------------------------------- */

void iv__frame_begin(iv__wbuf *w, const char *magic, uint32_t version)
{
    iv__w_bytes(w, magic, 8);
    iv__w_u32(w, version);
    iv__w_u32(w, 0); /* flags: none defined */
    iv__w_u64(w, 0); /* payload length, patched by iv__frame_end */
    iv__w_u32(w, 0); /* CRC-32 of the payload, patched by iv__frame_end */
}

int iv__frame_end(iv__wbuf *w, const char *what)
{
    if (w->err)
        return iv__nomem(what);
    iv__le64(w->p + 16, (uint64_t)(w->n - IV__FRAME_HEADER));
    iv__le32(w->p + 24, iv__crc32(0, w->p + IV__FRAME_HEADER, w->n - IV__FRAME_HEADER));
    return IV_OK;
}

int iv__frame_take(iv__wbuf *w, void **out, size_t *len, const char *what)
{
    /* shrink to the exact length, so that the caller frees (bytes, len) */
    if (w->cap != w->n) {
        void *p = iv__realloc(&w->a, w->p, w->cap, w->n);
        if (!p) {
            iv__w_free(w);
            return iv__nomem(what);
        }
        w->p = p;
        w->cap = w->n;
    }
    *out = w->p;
    *len = w->n;
    return IV_OK;
}

int iv__frame_check(const void *bytes, size_t len, const char *magic, uint32_t vmin, uint32_t vmax,
                    const char *kind, uint32_t *version)
{
    const unsigned char *b = bytes;
    uint64_t plen;
    if (len < 8 || memcmp(b, magic, 8) != 0)
        return iv__error(IV_ECORRUPT, "%s bytes: not a libiv %s (bad magic)", kind, kind);
    if (len < IV__FRAME_HEADER)
        return iv__error(IV_ECORRUPT, "%s bytes: truncated header", kind);
    *version = iv__ld32(b + 8);
    if (*version < vmin || *version > vmax)
        return iv__error(IV_EVERSION, "%s bytes: format version %u (this library reads %u)", kind, *version, vmax);
    if (iv__ld32(b + 12) != 0)
        return iv__error(IV_ECORRUPT, "%s bytes: unknown flags", kind);
    plen = iv__ld64(b + 16);
    if (plen != len - IV__FRAME_HEADER)
        return iv__error(IV_ECORRUPT, "%s bytes: %s", kind, plen > len - IV__FRAME_HEADER ? "truncated" : "trailing bytes");
    if (iv__crc32(0, b + IV__FRAME_HEADER, len - IV__FRAME_HEADER) != iv__ld32(b + 24))
        return iv__error(IV_ECORRUPT, "%s bytes: checksum mismatch", kind);
    return IV_OK;
}

int iv__r_cstr(iv__rbuf *r, const iv__alloc *a, char **out)
{
    const char *p;
    size_t n;
    if (iv__r_str(r, &p, &n) || memchr(p ? p : "", '\0', n))
        return IV_ECORRUPT;
    if (!(*out = iv__strndup(a, p ? p : "", n)))
        return IV_ENOMEM;
    return IV_OK;
}
