/* inflater: the gzip and deflate content codings (RFC 9110 8.4.1) undone as the compressed bytes stream in —
 * ISA-L's igzip inflating (on web bodies about 2.8x as fast as zlib 1.2.13), gzip members one after another
 * with their framing, CRC-32 and length checked by gzip_member. Never holds the object: decoded bytes go to the
 * caller's sink 32 KB at a time. */
#ifndef INFLATER_H
#define INFLATER_H

#include <stddef.h>
#include <stdint.h>

#include "gzip_member.h"

struct inflate_state;

enum inflater_coding { INFLATER_GZIP = 1, INFLATER_DEFLATE = 2 };

/* Why decoding stopped (the sink's `failed`). */
enum inflater_failure {
    INFLATER_NO_MEMORY = 1, /* no inflater state could be had */
    INFLATER_BAD_FRAMING,   /* a gzip header or trailer is wrong (why: "incorrect data check", ...) */
    INFLATER_BAD_DATA,      /* the deflate data is bad: how many bytes came out before depends on how the input was
                               cut (ISA-L's fast and careful paths stop at different points) */
};

/* Where decoded bytes and failures go. */
typedef struct inflater_sink {
    /* Decoded bytes; returns 0 when it takes no more (then decoding stops). */
    int (*bytes)(void *arg, const uint8_t *p, size_t n);
    /* Decoding stopped for good; why in zlib's words ("invalid block", "incorrect header check"). */
    void (*failed)(void *arg, int failure, const char *why);
    void *arg;
} inflater_sink;

typedef struct inflater {
    /* the stream being decoded: reset by inflater_begin */
    uint8_t coding;        /* enum inflater_coding */
    uint8_t started;       /* some compressed input went in */
    uint8_t failed;        /* decoding stopped: bad data, no memory, or the sink took no more */
    uint8_t deflate_ended; /* the inflater reached the end of the deflate data (of the gzip member) */
    uint8_t trailing;      /* bytes after the stream that are not another gzip member: ignored */
    uint8_t head_len;      /* deflate: bytes held to tell zlib-wrapped from raw deflate */
    uint8_t head[2];
    uint8_t on_worker;     /* decoded on the worker thread: its state comes from that thread's pool */
    gzip_member gz;        /* gzip: the running member's part, framing and check values */
    /* ISA-L's state (its tables and a 64 KB history), taken from a pool while a stream is decoded */
    struct inflate_state *z;
} inflater;

/* What a stream's inflater state costs, counted against --memcap while it is decoded. */
size_t inflater_state_bytes(void);

/* A stream begins; on_worker says which thread's pool its state comes from (one pool per thread, no locks). */
void inflater_begin(inflater *f, int coding, int on_worker);
/* Compressed bytes. */
void inflater_feed(inflater *f, const uint8_t *p, size_t n, const inflater_sink *out);
/* Whether any compressed byte came. */
int inflater_input_seen(const inflater *f);
/* Whether the compressed stream ended: for gzip, a member's trailer was checked and no other member began. */
int inflater_ended(const inflater *f);
/* Gives the state back to its pool (idle sessions stay small); the struct may be begun again. */
void inflater_release(inflater *f);

#endif
