#include "expect.h"

#include <string.h>

static void drop(expect_table *t, expect_entry *e)
{
    e->used = 0;
    t->live--;
}

static void expire(expect_table *t, int64_t now_us)
{
    for (int i = 0; i < EXPECT_MAX && t->live; i++)
        if (t->e[i].used && now_us > t->e[i].expires_us) {
            drop(t, &t->e[i]);
            t->expired++;
        }
}

int expect_add(expect_table *t, uint64_t parent, const tr_expectation *x, int64_t now_us)
{
    expire(t, now_us);
    for (int i = 0; i < EXPECT_MAX; i++) {
        expect_entry *e = &t->e[i];
        if (e->used)
            continue;
        e->used = 1;
        t->live++;
        e->x = *x;
        e->parent = parent;
        e->expires_us = now_us + (x->timeout_us > 0 ? x->timeout_us : EXPECT_DEFAULT_TIMEOUT_US);
        size_t n = x->ctx_len < TR_EXPECT_CTX_MAX ? x->ctx_len : TR_EXPECT_CTX_MAX;
        if (x->ctx && n)
            memcpy(e->ctx, x->ctx, n);
        e->x.ctx = e->ctx;
        e->x.ctx_len = n;
        t->added++;
        return 0;
    }
    t->dropped_full++;
    return -1;
}

static int matches(const tr_expectation *x, const tr_endpoint *client, const tr_endpoint *server)
{
    if (!tr_ip_equal(&x->server_ip, &server->ip) || x->server_port != server->port)
        return 0;
    if (x->client_ip.v && !tr_ip_equal(&x->client_ip, &client->ip))
        return 0;
    if (x->client_port && x->client_port != client->port)
        return 0;
    return 1;
}

expect_entry *expect_match(expect_table *t, uint8_t l4, const tr_endpoint *a, const tr_endpoint *b, int64_t now_us,
                           int *server_is_b)
{
    for (int i = 0, left = t->live; i < EXPECT_MAX && left > 0; i++) {
        expect_entry *e = &t->e[i];
        if (!e->used)
            continue;
        left--;
        if (e->x.l4 != l4)
            continue;
        if (now_us > e->expires_us) {
            drop(t, e);
            t->expired++;
            continue;
        }
        int hit = 0;
        if (matches(&e->x, a, b)) {
            *server_is_b = 1;
            hit = 1;
        } else if (matches(&e->x, b, a)) {
            *server_is_b = 0;
            hit = 1;
        }
        if (hit) {
            drop(t, e);
            t->matched++;
            return e;
        }
    }
    return NULL;
}
