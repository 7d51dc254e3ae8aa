/* object: the one path of every object a protocol carries — an HTTP body, an FTP transfer, a mail part, a tracker's
 * answer, a torrent's content: codings undone as it streams, SHA-256, extraction, completeness; never held whole.
 *
 * A streaming object goes through two stages: a transfer coding (identity, chunked, base64, quoted-printable) and
 * a content coding (identity, gzip, deflate). What comes out is counted, hashed (SHA-256 with tickets: on the
 * worker thread when it has time, sha256.h), written to the exporter (the file is asked for at the first decoded
 * byte, so an empty object makes no file) and handed to an optional tee. A hole makes the object incomplete: no
 * digest. Where the context's results wait for the worker (tr_ctx.results_on_worker: no exporter, lines formatted
 * there), an object with a content coding and no tee is inflated, counted and hashed on the worker thread: the
 * engine queues its bytes, and the owner's event carries its length, digest and completeness as fields filled in
 * there (obj_later_fields); an anomaly found while inflating is written in its place by the worker. An inflater is
 * counted against --memcap from the first compressed byte to the object's end, whichever thread runs it.
 *
 * An object written by offset (obj_at) takes (offset, bytes) in any order, from any session, into a sparse file at
 * a path its owner names, and records which ranges arrived (ranges.h). */
#ifndef OBJECT_H
#define OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"
#include "base64.h"
#include "chunked.h"
#include "inflater.h"
#include "qp.h"
#include "ranges.h"
#include "sha256.h"

enum obj_transfer { OBJ_TE_IDENTITY = 0, OBJ_TE_CHUNKED, OBJ_TE_BASE64, OBJ_TE_QP };
enum obj_content { OBJ_CE_IDENTITY = 0, OBJ_CE_GZIP = INFLATER_GZIP, OBJ_CE_DEFLATE = INFLATER_DEFLATE };

/* Where the transfer coding's framing stands (chunked tells where the body ends; the others end when told). */
enum obj_framing { OBJ_FRAMING_RUNNING = 0, OBJ_FRAMING_ENDED, OBJ_FRAMING_BAD };

#define OBJ_NAME_MAX 128

/* What the owner calls things, so events stay in its words. Static strings: the worker reads them too. */
typedef struct obj_words {
    const char *decode_error; /* anomaly: bad compressed data; detail "<coding> <noun>: <why>" ("gzip body: invalid
                                 block"), or "no memory for the inflater" */
    const char *truncated;    /* anomaly: the compressed stream stopped before its end */
    const char *too_large;    /* anomaly: the decoded object passed max_len */
    const char *bomb;         /* anomaly: decoded bytes passed the context's inflate_max_ratio times the compressed
                                 ones (a decompression bomb); NULL: too_large is said */
    const char *noun;         /* "body" */
    /* the fields obj_later_fields adds, as the owner's event names them */
    const char *len_key, *sha256_key, *complete_key;
} obj_words;

/* Receives the decoded bytes as they come (a MIME part's headers, a bencoded tracker answer). */
typedef void (*obj_tee_fn)(void *arg, const uint8_t *p, size_t n);

typedef struct obj_spec {
    uint8_t transfer;       /* enum obj_transfer */
    uint8_t content;        /* enum obj_content */
    const char *name;       /* file name offered to the exporter at the first decoded byte; NULL: not extracted */
    uint64_t max_len;       /* decoded bytes past this are a bomb: not decoded, the object incomplete; 0: no cap */
    uint32_t max_ratio;     /* decoded : compressed past which a compressed object stops (once 1 MiB came out); 0:
                               the context's inflate_max_ratio */
    const obj_words *words; /* needed when there is a content coding or a max_len */
    obj_tee_fn tee;         /* optional; an object with a tee is decoded on the engine's thread */
    void *tee_arg;
} obj_spec;

typedef struct obj_result {
    uint64_t len;          /* decoded bytes */
    uint8_t len_known;     /* 0 after bad compressed data: what decoded before it depends on how the input was cut */
    uint8_t complete;      /* every byte arrived and decoded, and the digest is there */
    sha256_digest sha256;  /* hex, or a ticket (tr_ev_digest takes either); hex "" and ticket 0 when none */
} obj_result;

struct obj_remote;

typedef struct obj {
    /* the running object: everything up to `z` is reset when one begins */
    uint64_t len;           /* decoded bytes so far */
    uint64_t max_len;
    uint64_t zin;           /* compressed bytes fed to the inflater */
    uint32_t max_ratio;     /* 0: no ratio check */
    int file;               /* exporter handle; < 0 when none */
    int8_t dir;             /* the direction that carries it, for anomalies */
    uint8_t transfer, content;
    uint8_t active;         /* begun and not ended */
    uint8_t broken;         /* bytes lost or undecodable: no hash, not complete */
    uint8_t undecodable;    /* bad compressed data: its length is unknown */
    uint8_t capped;         /* max_len reached: nothing more is decoded */
    uint8_t inflater_counted; /* an inflater is counted against --memcap for it */
    uint8_t on_worker;      /* this is the worker's copy of an object (struct obj_remote) */
    uint8_t file_new;       /* the file was opened by the bytes of the current feed */
    uint8_t extract;        /* the object goes to a file */
    const obj_words *words;
    obj_tee_fn tee;
    void *tee_arg;
    union {                 /* the transfer coding's state */
        chunked chunk;
        base64_stream b64;
        qp qp;
    } te;
    char name[OBJ_NAME_MAX];
    char relpath[256];      /* where the exporter put it, "" when not extracted */
    /* kept from object to object: the inflater's pool state is held only while an object is inflated, OpenSSL's
     * contexts for good (no malloc per object) */
    inflater z;
    sha256 hash;
    struct obj_remote *remote; /* the running object is decoded on the worker thread, from this copy */
} obj;

/* A zeroed obj is ready to begin. */
void obj_begin(obj *o, tr_session *s, int dir, const obj_spec *spec);
/* Bytes of the object as transferred. Returns how many were taken: all of them, except that a chunked object stops
 * after its last chunk or a framing error (obj_framing) and takes a framing line only once it is whole (the engine
 * keeps the rest); and it returns after the run of bytes that opened the object's file, so the owner can say where
 * the file is (tr_stream_object) before anything later is reported. Call again with the rest. */
size_t obj_feed(obj *o, tr_session *s, const uint8_t *p, size_t n);
int obj_framing(const obj *o);
/* After OBJ_FRAMING_BAD: enum chunked_error. */
int obj_framing_error(const obj *o);
/* n bytes of the object as transferred were lost: it is incomplete (identity bytes after the hole are still
 * counted and extracted; a compressed stream stops). Returns 1 when the framing survives (always, except chunked,
 * where the hole must lie inside a chunk's data). */
int obj_gap(obj *o, tr_session *s, uint64_t n);
/* Ends the object; transfer_complete says whether the owner saw all of it. Returns r->complete. For an object
 * decoded on the worker, r holds nothing and the event takes obj_later_fields. */
int obj_end(obj *o, tr_session *s, int transfer_complete, obj_result *r);
/* When the ended object is decoded on the worker: adds to e a field that stands for its len_key (unless unknown),
 * sha256_key (when complete) and complete_key, and returns 1; 0, adding nothing, otherwise. */
int obj_later_fields(const obj *o, tr_event *e);
/* After the owner's event: a worker's object is let go (freed there once its event is written). */
void obj_done(obj *o, tr_session *s);
/* Frees what the object holds (the session is closing); an object still running is closed incomplete. */
void obj_release(obj *o, tr_session *s);

static inline int obj_active(const obj *o) { return o->active; }
static inline uint64_t obj_len(const obj *o) { return o->len; }
static inline int obj_content(const obj *o) { return o->content; }
/* Where the exporter put the file ("" when none yet). */
static inline const char *obj_file(const obj *o) { return o->relpath; }

/* ---- objects written by offset ---- */

typedef struct obj_at {
    tr_ctx *ctx;
    int file;          /* exporter handle; < 0 when not extracted */
    uint64_t size;     /* the object's length when the owner knows it, else 0 */
    uint64_t written;  /* bytes written, counting rewrites */
    ranges got;
    char relpath[1024];
} obj_at;

/* Opens an object of `size` bytes (0: unknown) extracted to relpath, a path under the export folder that the owner
 * chooses (components separated by '/', none empty, "." or "..", not absolute; tr_file_create), or not extracted
 * when relpath is NULL or nobody extracts. max_ranges caps the record of arrived ranges (0: RANGES_CAP_DEFAULT).
 * Returns 0, or -1 when the exporter refused the path (the ranges are recorded all the same). */
int obj_at_open(obj_at *o, tr_ctx *ctx, const char *relpath, uint64_t size, uint32_t max_ranges);
/* Bytes at offset off, in any order; bytes written again overwrite (a piece fetched again after a failed check
 * replaces the bad copy). */
void obj_at_write(obj_at *o, uint64_t off, const uint8_t *p, size_t n);
/* Whether every byte of [a, b) arrived. */
int obj_at_complete(const obj_at *o, uint64_t a, uint64_t b);
/* The ranges of [a, b) still missing, as ranges_missing. */
size_t obj_at_missing(const obj_at *o, uint64_t a, uint64_t b, range *out, size_t cap);
/* Arrivals that could not be recorded (the cap on ranges): their bytes count as missing. */
static inline uint64_t obj_at_overflow(const obj_at *o) { return o->got.overflow; }
/* Closes the file (complete: every byte of [0, size) arrived, as far as the owner knows) and frees the record. */
void obj_at_close(obj_at *o, int complete);

#endif
