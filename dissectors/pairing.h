/* pairing: a session's requests waiting for their replies — in order for pipelined protocols (FTP, HTTP, POP3,
 * SMTP PIPELINING) or by key for tagged ones (IMAP tags, SNMP request-ids, DNS ids, DHT transaction ids). */
#ifndef PAIRING_H
#define PAIRING_H

#include <stddef.h>
#include <stdint.h>

#define PAIR_KEY_MAX 16 /* longest key, kept inline and compared exactly */
#define PAIR_CAP_MAX 4096

/* A slot: the dissector's item, then (keyed) the key's length and bytes; rounded up to 8 so items stay aligned. */
#define PAIR_SLOT_SIZE(item_size, key_max) ((((item_size) + ((key_max) ? 1 + (key_max) : 0)) + 7) / 8 * 8)
/* Storage for cap items, to place in the dissector's state (aligned to 8) or take from a pool. */
#define PAIR_STORAGE_SIZE(cap, item_size, key_max) ((cap) * PAIR_SLOT_SIZE(item_size, key_max))

/* The queue: oldest first, a ring over storage that belongs to the caller. Fixed capacity; no allocation. */
typedef struct pair_queue {
    uint8_t *slots;     /* cap slots; NULL while no storage is attached (then it holds nothing) */
    uint32_t dropped;   /* items dropped because the queue was full (saturates) */
    uint16_t cap, head, len;
    uint16_t item_size;
    uint16_t slot_size;
    uint8_t key_max;    /* 0: first-in first-out, no keys */
    uint8_t reserved;
} pair_queue;

/* Sets q up for cap (1..PAIR_CAP_MAX) items of item_size bytes, FIFO (key_max 0) or keyed (key_max up to
 * PAIR_KEY_MAX), over storage of PAIR_STORAGE_SIZE bytes or none yet (NULL: pair_attach later). -1 on bad
 * sizes, and q then holds nothing. */
int pair_init(pair_queue *q, size_t cap, size_t item_size, size_t key_max, void *storage);
/* Storage for an empty queue that has none, as when the state holds its queue's storage only while something
 * waits (DNS: from a pool at the first query). */
void pair_attach(pair_queue *q, void *storage);
/* Takes the storage back from an empty queue (to return it to its pool); NULL when it has none or is not empty. */
void *pair_detach(pair_queue *q);
static inline int pair_has_storage(const pair_queue *q) { return q->slots != NULL; }
static inline size_t pair_len(const pair_queue *q) { return q->len; }
static inline int pair_full(const pair_queue *q) { return q->len == q->cap; }

/* What pair_push did to make room. The first drop is the one to tell (an anomaly); later ones are counted. */
enum pair_drop { PAIR_NO_DROP = 0, PAIR_DROPPED_FIRST = 1, PAIR_DROPPED_AGAIN = 2 };

/* A new newest item, zeroed, for the caller to fill; keyed queues take its key (FIFO ones: NULL, 0). A full
 * queue first drops its oldest item, and *drop (may be NULL) says so. NULL when there is no storage or the key
 * does not fit. */
void *pair_push(pair_queue *q, const void *key, size_t key_len, int *drop);

/* The oldest item, NULL when none waits. */
void *pair_head(pair_queue *q);
/* Removes the oldest item, copying it to out (NULL: not copied); 0 when none waits. */
int pair_pop(pair_queue *q, void *out);

/* A custom match on top of (or instead of) the key: DNS pairs an answer by id and question. */
typedef int (*pair_match)(const void *item, const void *ctx);
/* The oldest item whose key is key[0..key_len) (key NULL: any item; in a FIFO queue every item's key is the
 * empty one) and that match accepts (match NULL: any). */
void *pair_find(pair_queue *q, const void *key, size_t key_len, pair_match match, const void *ctx);
/* Removes an item pair_find or pair_head returned (the pointer is invalid after, as are other items'). */
void pair_remove(pair_queue *q, void *item);
/* pair_find, then the item copied to out (NULL: not copied) and removed: 1, or 0 when none matched. */
int pair_take(pair_queue *q, const void *key, size_t key_len, pair_match match, const void *ctx, void *out);

/* An item's key (keyed queues), for callbacks. */
typedef void (*pair_report)(void *arg, const void *item, const uint8_t *key, size_t key_len);
/* The session ends: every item still waiting, oldest first, to fn (which must not touch q), then q is empty.
 * This is the one place "never answered" is reported from. Returns how many there were. */
size_t pair_drain(pair_queue *q, pair_report fn, void *arg);

#endif
