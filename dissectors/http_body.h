/* http_body: an HTTP message body after transfer decoding, content-decoded (gzip, deflate; RFC 9110 8.4)
 * as it streams, hashed and counted incrementally and written to the exporter — never held whole.
 * Inflating is ISA-L's (igzip): on web bodies it decodes about 2.8x as fast as zlib 1.2.13; the gzip framing
 * is gzip_member's. */
#ifndef HTTP_BODY_H
#define HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"
#include "gzip_member.h"
#include "sha256.h"

struct inflate_state;

enum http_coding { HTTP_CODING_IDENTITY = 0, HTTP_CODING_GZIP, HTTP_CODING_DEFLATE };

#define HTTP_BODY_NAME_MAX 128
#define HTTP_BODY_DECODED_MAX (1ull << 32) /* decoded bytes past this are a bomb, not a web object */

typedef struct http_body {
    /* the object being decoded: everything up to `z` is zeroed when one begins */
    uint64_t len;          /* decoded bytes so far */
    int file;              /* exporter handle, -1 when none */
    uint8_t coding;        /* enum http_coding of the running object */
    uint8_t active;        /* an object is being decoded */
    uint8_t broken;        /* bytes lost or undecodable: no hash, complete=false */
    uint8_t undecodable;   /* the inflater found bad data: how long the object is, is unknown */
    uint8_t capped;        /* HTTP_BODY_DECODED_MAX reached: nothing more is decoded */
    uint8_t z_started;     /* some compressed input went in */
    uint8_t inflater_counted; /* an inflater is counted against --memcap for it: from its first compressed byte to
                                 its end, whichever thread decodes it */
    uint8_t deflate_ended; /* the inflater reached the end of the deflate data (of the gzip member) */
    uint8_t z_trailing;    /* bytes after the stream that are not another gzip member: ignored */
    uint8_t head_len;      /* deflate: bytes held to tell zlib-wrapped from raw deflate */
    uint8_t head[2];
    gzip_member gz;        /* gzip: the running member's part, framing and check values */
    char name[HTTP_BODY_NAME_MAX];
    char relpath[256];     /* where the exporter put the object, "" when not extracted */
    /* the OpenSSL context is kept from object to object; the inflater's state only while an object is
     * decoded (taken from a pool, NULL otherwise) */
    struct inflate_state *z;
    sha256 hash;
    uint8_t on_worker;               /* this is the worker's copy of an object (see remote) */
    struct http_body_remote *remote; /* the running object is decoded on the worker thread, from this copy */
} http_body;

/* Maps a Content-Encoding value to a coding; *unsupported is set for a coding trawl cannot undo
 * (the object is then hashed as transferred). */
int http_coding_from_header(const char *v, size_t n, int *unsupported);

/* Where the ctx's results go to the worker (tr_ctx.results_on_worker: no exporter, lines formatted there), a
 * compressed object is inflated, counted and hashed on the worker thread: the engine queues its bytes and goes
 * on, and the message's event carries body_len, body_sha256 and complete as fields filled in there
 * (http_body_later_fields); an anomaly found while inflating is written in its place by the worker.
 *
 * Starts an object; `name` is the file name to offer the exporter once the first byte arrives. */
void http_body_begin(http_body *b, tr_session *s, int dir, int coding, const char *name);
/* Bytes of the body after transfer decoding (still content-coded). */
void http_body_feed(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n);
/* Some of the body was lost: the object is incomplete and further content decoding stops. */
void http_body_lost(http_body *b);
/* Ends the object. Returns 1 when it is complete; then d holds its SHA-256 (hex or ticket), else it is empty. */
int http_body_end(http_body *b, tr_session *s, int dir, int transfer_complete, sha256_digest *d);
/* When the ended object is decoded on the worker: adds to e a field standing for body_len, body_sha256 and
 * complete, and returns 1 (0, adding nothing, otherwise). */
int http_body_later_fields(const http_body *b, tr_event *e);
/* After the message's event: a worker's object is let go (freed there once its event is written). */
void http_body_done(http_body *b, tr_session *s);
/* Frees the inflater and OpenSSL memory (the session is closing). */
void http_body_release(http_body *b, tr_session *s);

#endif
