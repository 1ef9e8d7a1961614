/* Internal: the byte formats of summaries and store snapshots. Explicit little-endian
 * writers into a growing buffer, bounds-checked readers, CRC-32, LEB128 varints, and the
 * atomic file write (temporary file in the same directory, fflush, fsync, rename). */
#ifndef IV_SRC_WIRE_H
#define IV_SRC_WIRE_H

#include <stdio.h>

#include "core.h"
#include "exact.h"

/* CRC-32 of ISO-HDLC / IEEE 802.3 (reflected polynomial 0xEDB88320, initial and final
 * XOR 0xFFFFFFFF; the one zlib and PNG use). Start with crc = 0 and feed the bytes in
 * any number of pieces. */
uint32_t iv__crc32(uint32_t crc, const void *p, size_t n);

/* A growing output buffer; the first failed allocation sets err = IV_ENOMEM and every
 * later write is ignored, so a writer checks once at the end. */
typedef struct iv__wbuf {
    iv__alloc a;
    unsigned char *p;
    size_t n, cap;
    int err;
} iv__wbuf;

void iv__w_init(iv__wbuf *w, const iv__alloc *a);
void iv__w_free(iv__wbuf *w);
void iv__w_bytes(iv__wbuf *w, const void *p, size_t n);
void iv__w_u8(iv__wbuf *w, unsigned v);
void iv__w_u32(iv__wbuf *w, uint32_t v);
void iv__w_u64(iv__wbuf *w, uint64_t v);
void iv__w_f64(iv__wbuf *w, double v);
void iv__w_i128(iv__wbuf *w, iv__i128 v);
void iv__w_varint(iv__wbuf *w, uint64_t v);
/* u32 length, then the bytes. */
void iv__w_str(iv__wbuf *w, const char *s, size_t n);

/* A bounds-checked reader: a read past the end (or a malformed varint) sets err and
 * returns 0; callers check err once per record. */
typedef struct iv__rbuf {
    const unsigned char *p;
    size_t n, off;
    int err;
} iv__rbuf;

void iv__r_init(iv__rbuf *r, const void *p, size_t n);
static inline size_t iv__r_left(const iv__rbuf *r)
{
    return r->err ? 0 : r->n - r->off;
}
const unsigned char *iv__r_bytes(iv__rbuf *r, size_t n);
unsigned iv__r_u8(iv__rbuf *r);
uint32_t iv__r_u32(iv__rbuf *r);
uint64_t iv__r_u64(iv__rbuf *r);
double iv__r_f64(iv__rbuf *r);
iv__i128 iv__r_i128(iv__rbuf *r);
uint64_t iv__r_varint(iv__rbuf *r);
/* A u32-length-prefixed byte string (not NUL-terminated): *s points into the input. */
int iv__r_str(iv__rbuf *r, const char **s, size_t *n);

/* Little-endian stores and loads into / from raw bytes. */
static inline void iv__le32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}
static inline uint32_t iv__ld32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline void iv__le64(unsigned char *b, uint64_t v)
{
    iv__le32(b, (uint32_t)v);
    iv__le32(b + 4, (uint32_t)(v >> 32));
}
static inline uint64_t iv__ld64(const unsigned char *b)
{
    return (uint64_t)iv__ld32(b) | (uint64_t)iv__ld32(b + 4) << 32;
}

/* Atomic file replacement: open a temporary file next to path (path + ".tmp-XXXXXX"),
 * then commit (fflush, fsync, rename over path, close) or abort (unlink, close). The
 * temporary name lives in tmp (cap >= strlen(path) + 16). The writer holds an exclusive
 * flock on the temporary file; opening first removes the unlocked temporaries of path
 * that earlier, interrupted saves left. A path that exists and is not a regular file (a
 * device, a FIFO) is written in place (tmp = ""), never replaced. */
int iv__atomic_open(const char *path, char *tmp, size_t cap, FILE **f);
int iv__atomic_commit(FILE *f, const char *tmp, const char *path);
void iv__atomic_abort(FILE *f, const char *tmp);
/* Write n bytes as the whole file path, atomically (the functions above): IV_OK, or IV_EIO
 * naming the file and the system's reason. */
int iv__atomic_write(const char *path, const void *bytes, size_t n);

/* Read a whole file into a buffer from a, at most limit bytes (0: IV__READ_FILE_LIMIT);
 * a longer file, or a device or pipe still going at the limit, is IV_ELIMIT naming the
 * file and the limit. I/O errors are IV_EIO with the system's reason. */
#define IV__READ_FILE_LIMIT ((size_t)256 << 20)
/* The limit of the text files people write: model, rubric, indicators, peers. */
#define IV__TEXT_FILE_LIMIT ((size_t)16 << 20)
int iv__read_file(const iv__alloc *a, const char *path, size_t limit, unsigned char **out,
                  size_t *len);
/* The same for a binary format that starts with the magic bytes magic[0..mlen): as soon
 * as mlen bytes are in and differ, stop with IV_ECORRUPT "'path' is not WHAT (bad magic)"
 * — so that /dev/zero or a large wrong file is refused after a few bytes, not at the
 * limit. At most limit + 1 bytes are ever buffered. */
int iv__read_file_magic(const iv__alloc *a, const char *path, size_t limit, const void *magic,
                        size_t mlen, const char *what, unsigned char **out, size_t *len);
/* rc of parsing the bytes of file path: IV_ECORRUPT and IV_EVERSION get the file's name
 * in front of the message. Returns rc. */
int iv__in_file(int rc, const char *path);

/* Framed byte strings (summaries, partials): magic (8 bytes), u32 version, u32 flags (0),
 * u64 payload length, u32 CRC-32 of the payload, then the payload. */
#define IV__FRAME_HEADER 28
/* Write the header with placeholders; the payload follows. */
void iv__frame_begin(iv__wbuf *w, const char *magic, uint32_t version);
/* Patch the length and CRC: IV_OK, or IV_ENOMEM (what was being written) when w failed. */
int iv__frame_end(iv__wbuf *w, const char *what);
/* Hand the bytes out at their exact length (the caller frees (bytes, len)); on IV_ENOMEM
 * w is freed. */
int iv__frame_take(iv__wbuf *w, void **out, size_t *len, const char *what);
/* Check a framed string's header and CRC: IV_OK with *version in [vmin, vmax], else
 * IV_ECORRUPT or IV_EVERSION with "KIND bytes: ..." (bad magic, truncated, flags,
 * length, checksum). */
int iv__frame_check(const void *bytes, size_t len, const char *magic, uint32_t vmin, uint32_t vmax,
                    const char *kind, uint32_t *version);
/* A length-prefixed string copied out NUL-terminated: IV_OK, IV_ECORRUPT (truncated, or a
 * NUL inside; no error message set) or IV_ENOMEM (no message set). */
int iv__r_cstr(iv__rbuf *r, const iv__alloc *a, char **out);

#endif
