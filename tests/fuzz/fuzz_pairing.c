/* fuzz_pairing: dissectors/pairing.c against a plain model (a list in age order) under any sequence of pushes,
 * pops, keyed takes, custom-match removals, storage detached and attached again, and drains.
 *
 * Input: byte 0: capacity (low 4 bits + 1) and key_max (high 4 bits; 0 = FIFO). Byte 1: item size (4 + value %
 * 60). Then operations, one byte each (low 3 bits the operation, high 5 an argument), some followed by a key:
 *   0, 1 push with a key of (argument % (key_max + 2)) bytes that follow (longer than key_max: refused)
 *   2 pop      3 take by a key as in push      4 remove the oldest whose seq is a multiple of argument + 1
 *   5 head     6 detach and attach other storage when empty      7 drain
 * After every operation the queue and the model must agree; an item's bytes must be those it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/pairing.h"

#define CAP_MAX 16

typedef struct model_item {
    uint32_t seq;
    uint8_t klen;
    uint8_t key[PAIR_KEY_MAX + 2];
} model_item;

static model_item model[CAP_MAX];
static size_t model_len;
static size_t item_size;

/* An item's bytes: its seq, then a pattern made from it, so a slot moved wrongly shows. */
static void fill(uint8_t *it, uint32_t seq)
{
    memcpy(it, &seq, 4);
    for (size_t i = 4; i < item_size; i++)
        it[i] = (uint8_t)(seq * 31 + i);
}

static uint32_t check_item(const void *p)
{
    const uint8_t *it = p;
    uint32_t seq;
    memcpy(&seq, it, 4);
    for (size_t i = 4; i < item_size; i++)
        if (it[i] != (uint8_t)(seq * 31 + i))
            abort();
    return seq;
}

static void model_remove(size_t i)
{
    memmove(&model[i], &model[i + 1], (model_len - i - 1) * sizeof model[0]);
    model_len--;
}

static int multiple_of(const void *item, const void *ctx)
{
    return check_item(item) % *(const uint32_t *)ctx == 0;
}

static size_t drain_at;
static void drained(void *arg, const void *item, const uint8_t *key, size_t key_len)
{
    size_t key_max = *(const size_t *)arg;
    uint32_t seq = check_item(item);
    if (drain_at >= model_len || model[drain_at].seq != seq)
        abort(); /* oldest first */
    if (key_max ? (key_len != model[drain_at].klen || (key_len && memcmp(key, model[drain_at].key, key_len)))
                : (key != NULL || key_len != 0))
        abort();
    drain_at++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = (size_t)(data[0] & 15) + 1, key_max = data[0] >> 4;
    item_size = 4 + data[1] % 60;
    size_t bytes = PAIR_STORAGE_SIZE(CAP_MAX, 64, PAIR_KEY_MAX);
    uint64_t *store[2] = {malloc(bytes), malloc(bytes)}; /* uint64_t: aligned for items */
    if (!store[0] || !store[1])
        abort();
    int which = 0;
    pair_queue q;
    if (pair_init(&q, cap, item_size, key_max, store[0]) != 0)
        abort();
    model_len = 0;
    uint32_t next_seq = 1;
    uint8_t *out = malloc(item_size);
    if (!out)
        abort();
    size_t i = 2;
    while (i < size) {
        uint8_t op = data[i] & 7, arg = data[i] >> 3;
        i++;
        uint8_t key[PAIR_KEY_MAX + 2];
        size_t klen = 0;
        if (op == 0 || op == 1 || op == 3) {
            klen = arg % (key_max + 2);
            for (size_t k = 0; k < klen; k++)
                key[k] = i < size ? data[i++] : 0;
        }
        switch (op) {
        case 0:
        case 1: {
            int drop = -1;
            uint8_t *it = pair_push(&q, key, klen, &drop);
            if (klen > key_max) {
                if (it || drop != PAIR_NO_DROP)
                    abort();
                break;
            }
            if (!it)
                abort();
            if ((model_len == cap) != (drop != PAIR_NO_DROP))
                abort();
            for (size_t k = 0; k < item_size; k++)
                if (it[k])
                    abort(); /* handed over zeroed */
            if (drop != PAIR_NO_DROP)
                model_remove(0);
            fill(it, next_seq);
            model[model_len].seq = next_seq++;
            model[model_len].klen = (uint8_t)klen;
            memcpy(model[model_len].key, key, klen);
            model_len++;
            break;
        }
        case 2:
            if (pair_pop(&q, out) != (model_len > 0))
                abort();
            if (model_len) {
                if (check_item(out) != model[0].seq)
                    abort();
                model_remove(0);
            }
            break;
        case 3: {
            int got = pair_take(&q, key, klen, NULL, NULL, out);
            size_t m = 0;
            while (m < model_len &&
                   !(klen <= key_max && model[m].klen == klen && memcmp(model[m].key, key, klen) == 0))
                m++;
            if (got != (m < model_len))
                abort();
            if (got) {
                if (check_item(out) != model[m].seq)
                    abort();
                model_remove(m);
            }
            break;
        }
        case 4: {
            uint32_t d = (uint32_t)arg + 1;
            void *it = pair_find(&q, NULL, 0, multiple_of, &d);
            size_t m = 0;
            while (m < model_len && model[m].seq % d != 0)
                m++;
            if ((it != NULL) != (m < model_len))
                abort();
            if (it) {
                if (check_item(it) != model[m].seq)
                    abort();
                pair_remove(&q, it);
                model_remove(m);
            }
            break;
        }
        case 5: {
            void *h = pair_head(&q);
            if ((h != NULL) != (model_len > 0) || (h && check_item(h) != model[0].seq))
                abort();
            break;
        }
        case 6:
            if (!model_len) {
                void *s = pair_detach(&q);
                if (s != store[which] || pair_has_storage(&q))
                    abort();
                which ^= 1;
                memset(store[which], 0x5a, bytes); /* old bytes must not come back as items */
                pair_attach(&q, store[which]);
            } else if (pair_detach(&q) != NULL) {
                abort(); /* never while something waits */
            }
            break;
        case 7:
            drain_at = 0;
            if (pair_drain(&q, drained, &key_max) != model_len || drain_at != model_len)
                abort();
            model_len = 0;
            break;
        }
        if (pair_len(&q) != model_len || pair_full(&q) != (model_len == cap))
            abort();
    }
    drain_at = 0;
    if (pair_drain(&q, drained, &key_max) != model_len)
        abort();
    free(out);
    free(store[0]);
    free(store[1]);
    return 0;
}
