/* Tests of pairing: FIFO and keyed queues, replies out of order, custom matches, what is left reported at the
 * session's end in order, a full queue dropping its oldest (told once), keys at the length limit, storage that
 * comes and goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/pairing.h"

typedef struct item {
    uint32_t seq;
    char what[12];
} item;

/* What pair_drain handed over, in order: "seq:key," for each item. */
static char drained[512];
static size_t drained_len;

static void record(void *arg, const void *it, const uint8_t *key, size_t key_len)
{
    int *calls = arg;
    (*calls)++;
    const item *i = it;
    drained_len += (size_t)snprintf(drained + drained_len, sizeof drained - drained_len, "%u:%.*s,", i->seq,
                                    (int)key_len, key ? (const char *)key : "");
}

static int drain(pair_queue *q)
{
    int calls = 0;
    drained_len = 0;
    drained[0] = '\0';
    size_t n = pair_drain(q, record, &calls);
    assert_int_equal(n, (size_t)calls);
    assert_int_equal(pair_len(q), 0);
    return calls;
}

static item *push(pair_queue *q, const char *key, uint32_t seq, int *drop)
{
    item *i = pair_push(q, key, key ? strlen(key) : 0, drop);
    if (i)
        i->seq = seq;
    return i;
}

static void test_fifo(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(4, sizeof(item), 0)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 4, sizeof(item), 0, store), 0);
    assert_null(pair_head(&q));
    item out;
    assert_int_equal(pair_pop(&q, &out), 0);
    for (uint32_t k = 1; k <= 3; k++)
        assert_non_null(push(&q, NULL, k, NULL));
    assert_int_equal(pair_len(&q), 3);
    assert_int_equal(((item *)pair_head(&q))->seq, 1);
    assert_int_equal(pair_pop(&q, &out), 1);
    assert_int_equal(out.seq, 1);
    /* around the ring many times: order holds */
    uint32_t next_in = 4, next_out = 2;
    for (int round = 0; round < 50; round++) {
        assert_non_null(push(&q, NULL, next_in++, NULL));
        assert_int_equal(pair_pop(&q, &out), 1);
        assert_int_equal(out.seq, next_out++);
    }
    assert_int_equal(pair_len(&q), 2);
    /* a pushed item comes zeroed */
    item *fresh = pair_push(&q, NULL, 0, NULL);
    assert_non_null(fresh);
    assert_int_equal(fresh->seq, 0);
    assert_int_equal(fresh->what[0], 0);
    /* keys are not for FIFO queues: their items all have the empty key */
    assert_null(pair_push(&q, "k", 1, NULL));
    assert_null(pair_find(&q, "k", 1, NULL, NULL));
    assert_ptr_equal(pair_find(&q, "", 0, NULL, NULL), pair_head(&q));
    assert_int_equal(pair_len(&q), 3);
    assert_int_equal(pair_pop(&q, NULL), 1); /* popped without a copy */
    assert_int_equal(pair_len(&q), 2);
}

static void test_keyed_out_of_order(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(8, sizeof(item), 8)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 8, sizeof(item), 8, store), 0);
    push(&q, "A1", 1, NULL);
    push(&q, "A2", 2, NULL);
    push(&q, "A3", 3, NULL);
    push(&q, "A2", 4, NULL); /* a tag used again while the first is waiting */
    push(&q, "A5", 5, NULL);
    item out;
    /* answers in any order */
    assert_int_equal(pair_take(&q, "A3", 2, NULL, NULL, &out), 1);
    assert_int_equal(out.seq, 3);
    assert_int_equal(pair_take(&q, "A2", 2, NULL, NULL, &out), 1);
    assert_int_equal(out.seq, 2); /* the oldest of the same key first */
    assert_int_equal(pair_take(&q, "A3", 2, NULL, NULL, &out), 0);
    assert_int_equal(pair_take(&q, "A", 1, NULL, NULL, &out), 0);   /* a prefix is not the key */
    assert_int_equal(pair_take(&q, "A55", 3, NULL, NULL, &out), 0); /* nor a longer one */
    assert_int_equal(pair_len(&q), 3);
    assert_int_equal(((item *)pair_head(&q))->seq, 1);
    /* the rest still in age order */
    assert_int_equal(drain(&q), 3);
    assert_string_equal(drained, "1:A1,4:A2,5:A5,");
}

static int seq_is(const void *it, const void *ctx) { return ((const item *)it)->seq == *(const uint32_t *)ctx; }

static void test_custom_match(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(8, sizeof(item), 2)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 8, sizeof(item), 2, store), 0);
    for (uint32_t k = 1; k <= 6; k++)
        push(&q, k % 2 ? "id" : "ID", k, NULL);
    /* the key narrows, the match decides (DNS: same id, then same question) */
    uint32_t want = 5;
    item *found = pair_find(&q, "id", 2, seq_is, &want);
    assert_non_null(found);
    assert_int_equal(found->seq, 5);
    want = 4;
    assert_null(pair_find(&q, "id", 2, seq_is, &want));
    /* no key: the match alone */
    found = pair_find(&q, NULL, 0, seq_is, &want);
    assert_non_null(found);
    assert_int_equal(found->seq, 4);
    pair_remove(&q, found);
    /* no key and no match: the oldest */
    found = pair_find(&q, NULL, 0, NULL, NULL);
    assert_int_equal(found->seq, 1);
    pair_remove(&q, found);
    assert_int_equal(drain(&q), 4);
    assert_string_equal(drained, "2:ID,3:id,5:id,6:ID,");
}

/* Removal from every place of a wrapped ring leaves the others in order. */
static void test_remove_anywhere(void **state)
{
    (void)state;
    for (uint32_t victim = 0; victim < 5; victim++) {
        _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(5, sizeof(item), 4)];
        pair_queue q;
        assert_int_equal(pair_init(&q, 5, sizeof(item), 4, store), 0);
        for (uint32_t k = 0; k < 3; k++) /* move the head along so the ring wraps */
            push(&q, "x", 100 + k, NULL);
        for (uint32_t k = 0; k < 3; k++)
            assert_int_equal(pair_pop(&q, NULL), 1);
        char key[4];
        for (uint32_t k = 0; k < 5; k++) {
            snprintf(key, sizeof key, "k%u", k);
            push(&q, key, k, NULL);
        }
        assert_true(pair_full(&q));
        snprintf(key, sizeof key, "k%u", victim);
        item out;
        assert_int_equal(pair_take(&q, key, strlen(key), NULL, NULL, &out), 1);
        assert_int_equal(out.seq, victim);
        char want[64];
        size_t w = 0;
        for (uint32_t k = 0; k < 5; k++)
            if (k != victim)
                w += (size_t)snprintf(want + w, sizeof want - w, "%u:k%u,", k, k);
        /* one place is free again: a push drops nothing */
        int drop = -1;
        push(&q, "new", 9, &drop);
        assert_int_equal(drop, PAIR_NO_DROP);
        snprintf(want + w, sizeof want - w, "9:new,");
        assert_int_equal(drain(&q), 5);
        assert_string_equal(drained, want);
    }
}

static void test_drain_reports_in_order(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(16, sizeof(item), 4)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 16, sizeof(item), 4, store), 0);
    /* queries 1..6, answers to 2, 5 and 1: 3, 4, 6 were never answered */
    char key[8];
    for (uint32_t k = 1; k <= 6; k++) {
        snprintf(key, sizeof key, "q%u", k);
        push(&q, key, k, NULL);
    }
    assert_int_equal(pair_take(&q, "q2", 2, NULL, NULL, NULL), 1);
    assert_int_equal(pair_take(&q, "q5", 2, NULL, NULL, NULL), 1);
    assert_int_equal(pair_take(&q, "q1", 2, NULL, NULL, NULL), 1);
    assert_int_equal(drain(&q), 3);
    assert_string_equal(drained, "3:q3,4:q4,6:q6,");
    /* drained once: nothing the second time */
    assert_int_equal(drain(&q), 0);
    assert_string_equal(drained, "");
    /* FIFO queues report with no key */
    _Alignas(8) uint8_t fstore[PAIR_STORAGE_SIZE(4, sizeof(item), 0)];
    pair_queue f;
    assert_int_equal(pair_init(&f, 4, sizeof(item), 0, fstore), 0);
    push(&f, NULL, 7, NULL);
    push(&f, NULL, 8, NULL);
    assert_int_equal(drain(&f), 2);
    assert_string_equal(drained, "7:,8:,");
}

static void test_overflow_drops_oldest(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(3, sizeof(item), 2)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 3, sizeof(item), 2, store), 0);
    int drop = -1;
    push(&q, "a", 1, &drop);
    assert_int_equal(drop, PAIR_NO_DROP);
    push(&q, "b", 2, &drop);
    push(&q, "c", 3, &drop);
    assert_int_equal(drop, PAIR_NO_DROP);
    push(&q, "d", 4, &drop);
    assert_int_equal(drop, PAIR_DROPPED_FIRST); /* told once ... */
    push(&q, "e", 5, &drop);
    assert_int_equal(drop, PAIR_DROPPED_AGAIN); /* ... then only counted */
    push(&q, "f", 6, &drop);
    assert_int_equal(drop, PAIR_DROPPED_AGAIN);
    assert_int_equal(q.dropped, 3);
    /* the dropped ones are gone: an answer to them finds nothing */
    assert_int_equal(pair_take(&q, "a", 1, NULL, NULL, NULL), 0);
    assert_int_equal(pair_take(&q, "c", 1, NULL, NULL, NULL), 0);
    assert_int_equal(drain(&q), 3);
    assert_string_equal(drained, "4:d,5:e,6:f,");
}

static void test_key_limits(void **state)
{
    (void)state;
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(4, sizeof(item), PAIR_KEY_MAX)];
    pair_queue q;
    assert_int_equal(pair_init(&q, 4, sizeof(item), PAIR_KEY_MAX, store), 0);
    static const char k16[] = "0123456789abcdef", k16b[] = "0123456789abcdeg", k17[] = "0123456789abcdef0";
    assert_int_equal(strlen(k16), PAIR_KEY_MAX);
    assert_non_null(push(&q, k16, 1, NULL));
    assert_non_null(push(&q, k16b, 2, NULL));
    assert_null(push(&q, k17, 3, NULL)); /* longer than the limit: refused, not cut */
    assert_int_equal(pair_len(&q), 2);
    assert_null(pair_find(&q, k17, 17, NULL, NULL));
    /* keys that differ only in their last byte, and binary keys with NULs */
    item out;
    assert_int_equal(pair_take(&q, k16b, 16, NULL, NULL, &out), 1);
    assert_int_equal(out.seq, 2);
    static const uint8_t bin[3] = {0, 0, 1}, bin2[3] = {0, 0, 2};
    item *i = pair_push(&q, bin, sizeof bin, NULL);
    assert_non_null(i);
    i->seq = 7;
    assert_int_equal(pair_take(&q, bin2, sizeof bin2, NULL, NULL, &out), 0);
    assert_int_equal(pair_take(&q, bin, sizeof bin, NULL, NULL, &out), 1);
    assert_int_equal(out.seq, 7);
    /* the empty key is a key */
    assert_non_null(push(&q, "", 8, NULL));
    assert_int_equal(pair_take(&q, "", 0, NULL, NULL, &out), 1);
    assert_int_equal(out.seq, 8);
    /* a queue cannot promise more than PAIR_KEY_MAX */
    pair_queue bad;
    assert_int_equal(pair_init(&bad, 4, sizeof(item), PAIR_KEY_MAX + 1, store), -1);
    assert_null(pair_push(&bad, NULL, 0, NULL));
    assert_int_equal(pair_init(&bad, 0, sizeof(item), 0, store), -1);
    assert_int_equal(pair_init(&bad, PAIR_CAP_MAX + 1, sizeof(item), 0, store), -1);
    assert_int_equal(pair_init(&bad, 4, 0, 0, store), -1);
}

/* DNS holds its queue's storage only while a query waits: attach at the first, detach once empty. */
static void test_storage_comes_and_goes(void **state)
{
    (void)state;
    pair_queue q;
    assert_int_equal(pair_init(&q, 4, sizeof(item), 2, NULL), 0);
    assert_false(pair_has_storage(&q));
    int drop = -1;
    assert_null(push(&q, "a", 1, &drop)); /* nowhere to put it */
    assert_int_equal(drop, PAIR_NO_DROP);
    assert_null(pair_find(&q, "a", 1, NULL, NULL));
    assert_int_equal(drain(&q), 0);
    _Alignas(8) uint8_t store[PAIR_STORAGE_SIZE(4, sizeof(item), 2)];
    pair_attach(&q, store);
    assert_true(pair_has_storage(&q));
    push(&q, "a", 1, NULL);
    assert_null(pair_detach(&q)); /* not while something waits */
    assert_int_equal(pair_take(&q, "a", 1, NULL, NULL, NULL), 1);
    assert_ptr_equal(pair_detach(&q), store);
    assert_false(pair_has_storage(&q));
    /* storage again, perhaps another block: starts empty */
    _Alignas(8) uint8_t other[PAIR_STORAGE_SIZE(4, sizeof(item), 2)];
    memset(other, 0xa5, sizeof other);
    pair_attach(&q, other);
    assert_int_equal(pair_len(&q), 0);
    item *i = push(&q, "b", 2, NULL);
    assert_non_null(i);
    assert_int_equal(i->what[3], 0); /* zeroed, not the block's old bytes */
    assert_int_equal(drain(&q), 1);
    assert_string_equal(drained, "2:b,");
    /* the sizes a slot takes: the item, the key's length and bytes, rounded to 8 */
    assert_int_equal(PAIR_SLOT_SIZE(16, 0), 16);
    assert_int_equal(PAIR_SLOT_SIZE(16, 2), 24);
    assert_int_equal(PAIR_SLOT_SIZE(258, 2), 264);
    assert_int_equal(PAIR_STORAGE_SIZE(16, 258, 2), 16 * 264);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_keyed_out_of_order),
        cmocka_unit_test(test_custom_match),
        cmocka_unit_test(test_remove_anywhere),
        cmocka_unit_test(test_drain_reports_in_order),
        cmocka_unit_test(test_overflow_drops_oldest),
        cmocka_unit_test(test_key_limits),
        cmocka_unit_test(test_storage_comes_and_goes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
