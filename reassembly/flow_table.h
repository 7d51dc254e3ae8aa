/* flow_table: the bounded table of flows — lookup by direction-independent key and by session id,
 * and activity lists (least recently used first) that timeouts and eviction walk from the oldest. */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_pool.h"
#include "../core/tr_session.h"
#include "deliver.h"
#include "tcp_stream.h"

enum flow_list { FLOW_LIST_TCP, FLOW_LIST_UDP, FLOW_LIST_CLOSING, FLOW_LIST_COUNT };

#define FLOW_HOLD_MAX 32768 /* first bytes kept while no dissector has claimed the flow */

/* Five 64-bit words with no padding, hashed and compared as words. The endpoints are sorted (by address, then
 * port: any order both directions agree on), so both directions find the same flow. */
typedef struct flow_key {
    uint8_t addr_lo[16], addr_hi[16]; /* IPv4 in the first 4 bytes, the rest zero */
    uint16_t port_lo, port_hi;
    uint8_t l4, v;
    uint8_t zero[2];
} flow_key;

typedef struct flow {
    tr_session s;
    tr_deliver d;
    tcp_half half[2];
    flow_key key;
    uint32_t hash;
    uint8_t list;          /* enum flow_list */
    uint8_t decided;       /* the dissector choice is made (s.dis may still be NULL: plain tcp/udp) */
    uint8_t close_reason;  /* TR_END_FIN or TR_END_RST once closed; the session lingers for late packets */
    struct flow *hnext;    /* key hash chain */
    struct flow *inext;    /* id hash chain */
    struct flow *prev, *next; /* activity list */
    struct flow *unext, *uprev; /* undecided list (held for expectations) */
    size_t mem;            /* what the engine counts for it in st.mem: tr_deliver_held when last seen */
    uint8_t *hold;         /* chunks held while undecided: {kind, len32, bytes} in arrival order */
    size_t hold_len;
    uint32_t hold_cap;     /* bytes allocated for hold */
    int64_t hold_until;
} flow;

typedef struct flow_table {
    flow **buckets, **ids;
    size_t nbuckets;       /* power of two */
    size_t count;          /* flows in the table, tombstones included */
    size_t max_flows;
    flow *head[FLOW_LIST_COUNT], *tail[FLOW_LIST_COUNT]; /* head = oldest */
    flow *undecided;
    size_t nundecided;
    tr_pool spare; /* flows ended, kept for the next: short conversations (DNS) come and go by the thousand */
} flow_table;

int flow_table_init(flow_table *t, size_t max_flows);
void flow_table_free(flow_table *t); /* frees the table only: end the flows first */
void flow_key_make(flow_key *k, uint8_t l4, const tr_ip *a, uint16_t ap, const tr_ip *b, uint16_t bp);
flow *flow_table_find(flow_table *t, const flow_key *k, uint32_t hash);
uint32_t flow_key_hash(const flow_key *k);
flow *flow_table_find_id(flow_table *t, uint64_t id);
/* Inserts a zeroed flow (the caller fills it); NULL when memory runs out. */
flow *flow_table_insert(flow_table *t, const flow_key *k, uint32_t hash, uint64_t id);
void flow_table_remove(flow_table *t, flow *f); /* unlinks and frees */
/* Moves f to the newest end of list l. */
void flow_table_touch(flow_table *t, flow *f, int l);
void flow_table_undecided_add(flow_table *t, flow *f);
void flow_table_undecided_remove(flow_table *t, flow *f);

#endif
