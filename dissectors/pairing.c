/* pairing: the request/reply queue. A ring of fixed-size slots, oldest at head; removing an item from the
 * middle (a keyed reply out of order) closes the gap by moving the shorter side, so the ring stays in age
 * order and the oldest is always at head. Queues are short (tens of items) and replies mostly answer the
 * oldest, so that costs little. */
#include "pairing.h"

#include <string.h>

int pair_init(pair_queue *q, size_t cap, size_t item_size, size_t key_max, void *storage)
{
    memset(q, 0, sizeof *q);
    if (cap == 0 || cap > PAIR_CAP_MAX || item_size == 0 || key_max > PAIR_KEY_MAX ||
        PAIR_SLOT_SIZE(item_size, key_max) > UINT16_MAX)
        return -1;
    q->cap = (uint16_t)cap;
    q->item_size = (uint16_t)item_size;
    q->key_max = (uint8_t)key_max;
    q->slot_size = (uint16_t)PAIR_SLOT_SIZE(item_size, key_max);
    q->slots = storage;
    return 0;
}

void pair_attach(pair_queue *q, void *storage)
{
    if (!q->slots && q->cap) {
        q->slots = storage;
        q->head = 0;
        q->len = 0;
    }
}

void *pair_detach(pair_queue *q)
{
    if (q->len)
        return NULL;
    void *s = q->slots;
    q->slots = NULL;
    q->head = 0;
    return s;
}

/* The slot i places after the oldest. */
static uint8_t *slot(const pair_queue *q, size_t i) { return q->slots + ((q->head + i) % q->cap) * q->slot_size; }

/* The key bytes of a slot sit after its item: [item][length][key]. */
static uint8_t *slot_key(const pair_queue *q, uint8_t *s, size_t *len)
{
    *len = s[q->item_size];
    return s + q->item_size + 1;
}

void *pair_push(pair_queue *q, const void *key, size_t key_len, int *drop)
{
    if (drop)
        *drop = PAIR_NO_DROP;
    if (!q->slots || key_len > q->key_max || (key_len && !key))
        return NULL;
    if (q->len == q->cap) { /* the oldest gives way: a reply to it will find nothing */
        q->head = (uint16_t)((q->head + 1) % q->cap);
        q->len--;
        if (drop)
            *drop = q->dropped ? PAIR_DROPPED_AGAIN : PAIR_DROPPED_FIRST;
        if (q->dropped < UINT32_MAX)
            q->dropped++;
    }
    uint8_t *s = slot(q, q->len);
    q->len++;
    memset(s, 0, q->slot_size);
    if (q->key_max) {
        s[q->item_size] = (uint8_t)key_len;
        if (key_len)
            memcpy(s + q->item_size + 1, key, key_len);
    }
    return s;
}

void *pair_head(pair_queue *q) { return q->len ? slot(q, 0) : NULL; }

int pair_pop(pair_queue *q, void *out)
{
    if (!q->len)
        return 0;
    if (out)
        memcpy(out, slot(q, 0), q->item_size);
    q->head = (uint16_t)((q->head + 1) % q->cap);
    q->len--;
    return 1;
}

void *pair_find(pair_queue *q, const void *key, size_t key_len, pair_match match, const void *ctx)
{
    if (key && key_len > q->key_max)
        return NULL;
    for (size_t i = 0; i < q->len; i++) {
        uint8_t *s = slot(q, i);
        if (key && q->key_max) {
            size_t klen;
            const uint8_t *k = slot_key(q, s, &klen);
            if (klen != key_len || memcmp(k, key, key_len) != 0)
                continue;
        } else if (key && key_len) {
            return NULL; /* FIFO items have no key but the empty one */
        }
        if (!match || match(s, ctx))
            return s;
    }
    return NULL;
}

void pair_remove(pair_queue *q, void *item)
{
    if (!q->len || (uint8_t *)item < q->slots)
        return;
    size_t idx = (size_t)((uint8_t *)item - q->slots) / q->slot_size;
    if (idx >= q->cap || (uint8_t *)item != q->slots + idx * q->slot_size)
        return;
    size_t i = (idx + q->cap - q->head) % q->cap; /* its place in age order */
    if (i >= q->len)
        return;
    if (i < q->len - 1 - i) { /* fewer older items: move them one place newer, the head follows */
        for (size_t j = i; j > 0; j--)
            memcpy(slot(q, j), slot(q, j - 1), q->slot_size);
        q->head = (uint16_t)((q->head + 1) % q->cap);
    } else {
        for (size_t j = i; j + 1 < q->len; j++)
            memcpy(slot(q, j), slot(q, j + 1), q->slot_size);
    }
    q->len--;
}

int pair_take(pair_queue *q, const void *key, size_t key_len, pair_match match, const void *ctx, void *out)
{
    void *item = pair_find(q, key, key_len, match, ctx);
    if (!item)
        return 0;
    if (out)
        memcpy(out, item, q->item_size);
    pair_remove(q, item);
    return 1;
}

size_t pair_drain(pair_queue *q, pair_report fn, void *arg)
{
    size_t n = q->len;
    for (size_t i = 0; fn && i < n; i++) {
        uint8_t *s = slot(q, i);
        size_t klen = 0;
        const uint8_t *k = q->key_max ? slot_key(q, s, &klen) : NULL;
        fn(arg, s, k, klen);
    }
    q->head = 0;
    q->len = 0;
    return n;
}
