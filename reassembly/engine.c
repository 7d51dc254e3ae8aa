#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After both FINs or a RST the session stays open this long (idle) so late ACKs, retransmissions and
 * repeated RSTs still count toward it, as tshark's conversations count them. A new SYN ends it at once. */
#define CLOSING_LINGER_US (5LL * 1000000)
#define PROBE_BYTES 2048
#define EXPIRE_SCAN_US 100000

enum hold_kind { HOLD_DATA = 0, HOLD_GAP = 2 }; /* + dir */

struct tr_engine {
    tr_ctx *ctx;
    tr_engine_opts o;
    flow_table ft;
    expect_table ex;
    tr_engine_stats st;
    uint64_t next_id;
    size_t queued; /* out-of-order bytes queued in TCP streams */
    int64_t last_scan_us;
};

void tr_engine_default_opts(tr_engine_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_flows = 100000;
    o->memcap = 32u << 20;
    o->stream_cap = 4u << 20;
    o->tcp_timeout_us = 3600LL * 1000000;
    o->udp_timeout_us = 60LL * 1000000; /* Zeek's udp_inactivity_timeout: a DNS exchange is long over by then */
    o->hold_us = 2LL * 1000000;
}

int tr_engine_add_decode_as(tr_engine_opts *o, const char *spec, char *err, size_t errlen)
{
    uint8_t l4 = 0;
    const char *p = spec;
    if (strncmp(p, "tcp:", 4) == 0) {
        l4 = TR_TCP;
        p += 4;
    } else if (strncmp(p, "udp:", 4) == 0) {
        l4 = TR_UDP;
        p += 4;
    }
    char *end;
    unsigned long port = strtoul(p, &end, 10);
    if (end == p || *end != '=' || port == 0 || port > 65535) {
        snprintf(err, errlen, "--decode-as %s: expected [tcp:|udp:]PORT=PROTO", spec);
        return -1;
    }
    const tr_dissector *d = tr_dissector_find(end + 1);
    if (!d) {
        snprintf(err, errlen, "--decode-as %s: unknown protocol '%s'", spec, end + 1);
        return -1;
    }
    if (l4 && !tr_dissector_serves(d, l4)) {
        snprintf(err, errlen, "--decode-as %s: %s does not run over %s", spec, d->name, l4 == TR_TCP ? "tcp" : "udp");
        return -1;
    }
    if (o->ndecode_as >= ENGINE_MAX_DECODE_AS) {
        snprintf(err, errlen, "--decode-as: at most %d", ENGINE_MAX_DECODE_AS);
        return -1;
    }
    tr_decode_as *da = &o->decode_as[o->ndecode_as++];
    da->l4 = l4;
    da->port = (uint16_t)port;
    da->dis = d;
    return 0;
}

/* ---- dissector choice ---- */

static const tr_dissector *decode_as_for(const tr_engine *e, uint8_t l4, uint16_t port)
{
    for (int i = 0; i < e->o.ndecode_as; i++) {
        const tr_decode_as *da = &e->o.decode_as[i];
        if (da->port == port && (!da->l4 || da->l4 == l4) && tr_dissector_serves(da->dis, l4))
            return da->dis;
    }
    return NULL;
}

static const tr_dissector *port_dissector(const tr_engine *e, uint8_t l4, uint16_t port)
{
    const tr_dissector *d = decode_as_for(e, l4, port);
    if (d)
        return d;
    for (int i = 0; tr_dissectors[i]; i++)
        if (tr_dissector_serves(tr_dissectors[i], l4) && tr_dissector_has_port(tr_dissectors[i], port))
            return tr_dissectors[i];
    return NULL;
}

/* decode-as, then the probes (tr_probe_choose weighs them), then the port. *maybe is set when a probe wants more
 * bytes. first[d], nfirst[d]: the first bytes each direction sent. */
static const tr_dissector *choose(const tr_engine *e, const flow *f, const uint8_t *const first[2], const size_t nfirst[2],
                                  int *maybe)
{
    const tr_session *s = &f->s;
    const tr_dissector *d = decode_as_for(e, s->l4, s->server.port);
    if (!d)
        d = decode_as_for(e, s->l4, s->client.port);
    if (d)
        return d;
    tr_probe_input in = {{first[0], first[1]}, {nfirst[0], nfirst[1]}, s->l4, s->client.port, s->server.port};
    d = tr_probe_choose(tr_dissectors, &in, maybe);
    if (d)
        return d;
    d = port_dissector(e, s->l4, s->server.port);
    return d ? d : port_dissector(e, s->l4, s->client.port);
}

static int is_service_port(const tr_engine *e, uint8_t l4, uint16_t port) { return port_dissector(e, l4, port) != NULL; }

/* ---- memory account around delivery ---- */

/* Brings st.mem up to date with what f's dissector holds now (buffers and state). */
static void account(tr_engine *e, flow *f)
{
    size_t now = tr_deliver_held(&f->s, &f->d);
    e->st.mem = e->st.mem - f->mem + now;
    f->mem = now;
}

/* What --memcap counts: sessions' records, state and buffers, out-of-order bytes, and what the sinks hold. */
static size_t memory_in_use(const tr_engine *e)
{
    size_t sinks = 0;
    for (int i = 0; i < ENGINE_SINK_MEMORY_MAX; i++)
        if (e->o.sink_memory[i])
            sinks += __atomic_load_n(e->o.sink_memory[i], __ATOMIC_RELAXED);
    return e->st.mem + e->queued + sinks;
}

/* Whether `more` bytes on top would pass --memcap. */
static int over_memcap(const tr_engine *e, size_t more) { return memory_in_use(e) + more > e->o.memcap; }

static void deliver_data(tr_engine *e, flow *f, int dir, const uint8_t *p, size_t n)
{
    tr_deliver_data(&f->s, &f->d, dir, p, n);
    account(e, f); /* over --memcap, idle sessions go once the packet is done (shed_memory) */
}

static void deliver_gap(tr_engine *e, flow *f, int dir, uint64_t n)
{
    tr_deliver_gap(&f->s, &f->d, dir, n);
    account(e, f);
}

static void deliver_datagram(tr_engine *e, flow *f, int dir, const uint8_t *p, size_t n)
{
    tr_deliver_datagram(&f->s, &f->d, dir, p, n);
    account(e, f);
}

static void mem_update(tr_engine *e)
{
    size_t now = memory_in_use(e);
    if (now > e->st.mem_peak)
        e->st.mem_peak = now;
}

/* ---- holding unclaimed flows ---- */

/* A held flow's buffer starts small and doubles up to FLOW_HOLD_MAX; what it has taken counts against --memcap
 * (a whole FLOW_HOLD_MAX for every held flow made a capture of many short TLS connections look 30 MB large). */
#define HOLD_FIRST 4096

static void hold_append(tr_engine *e, flow *f, int kind, const uint8_t *p, size_t n)
{
    size_t rec = 5 + (kind >= HOLD_GAP ? 0 : n);
    size_t need = f->hold_len + rec;
    if (need > FLOW_HOLD_MAX)
        return; /* the caller gives up holding when this happens */
    if (need > f->hold_cap) {
        size_t cap = f->hold_cap ? f->hold_cap : HOLD_FIRST;
        while (cap < need)
            cap *= 2;
        if (cap > FLOW_HOLD_MAX)
            cap = FLOW_HOLD_MAX;
        uint8_t *grown = realloc(f->hold, cap);
        if (!grown)
            return;
        e->st.mem += cap - f->hold_cap;
        f->hold = grown;
        f->hold_cap = (uint32_t)cap;
        mem_update(e);
    }
    uint8_t *h = f->hold + f->hold_len;
    uint32_t len = (uint32_t)n;
    h[0] = (uint8_t)kind;
    memcpy(h + 1, &len, 4);
    if (kind < HOLD_GAP && p)
        memcpy(h + 5, p, n);
    f->hold_len += rec;
}

/* The first bytes one direction sent while held, for probing. */
static size_t hold_prefix(const flow *f, int dir, uint8_t *out, size_t cap)
{
    size_t off = 0, got = 0;
    while (off + 5 <= f->hold_len && got < cap) {
        uint8_t kind = f->hold[off];
        uint32_t len;
        memcpy(&len, f->hold + off + 1, 4);
        if (kind == HOLD_GAP + dir)
            break; /* bytes after a hole are not a prefix */
        if (kind == HOLD_DATA + dir) {
            size_t k = len < cap - got ? len : cap - got;
            memcpy(out + got, f->hold + off + 5, k);
            got += k;
        }
        off += 5 + (kind >= HOLD_GAP ? 0 : len);
    }
    return got;
}

static void decide(tr_engine *e, flow *f, const tr_dissector *d)
{
    f->decided = 1;
    f->s.dis = d;
    flow_table_undecided_remove(&e->ft, f);
    if (!f->hold)
        return;
    uint8_t *h = f->hold;
    size_t len = f->hold_len, cap = f->hold_cap;
    f->hold = NULL;
    f->hold_len = 0;
    f->hold_cap = 0;
    for (size_t off = 0; off + 5 <= len;) {
        uint8_t kind = h[off];
        uint32_t n;
        memcpy(&n, h + off + 1, 4);
        if (kind >= HOLD_GAP) {
            deliver_gap(e, f, kind - HOLD_GAP, n);
            off += 5;
        } else {
            deliver_data(e, f, kind, h + off + 5, n);
            off += 5 + n;
        }
    }
    free(h);
    e->st.mem -= cap;
}

/* First bytes of a flow no one has claimed: probe, port, or hold for an expectation. */
static void undecided_data(tr_engine *e, flow *f, int dir, const uint8_t *p, size_t n)
{
    int maybe = 0;
    uint8_t prefix[2][PROBE_BYTES];
    size_t have[2];
    for (int d = 0; d < 2; d++)
        have[d] = hold_prefix(f, d, prefix[d], sizeof prefix[d]);
    size_t k = n < sizeof prefix[dir] - have[dir] ? n : sizeof prefix[dir] - have[dir];
    memcpy(prefix[dir] + have[dir], p, k);
    have[dir] += k;
    const uint8_t *first[2] = {prefix[0], prefix[1]};
    const tr_dissector *d = choose(e, f, first, have, &maybe);
    if (f->s.l4 == TR_UDP) { /* datagrams are not held: one datagram says what it is, or nothing does */
        decide(e, f, d);
        deliver_datagram(e, f, dir, p, n);
        return;
    }
    if (d) {
        decide(e, f, d);
        deliver_data(e, f, dir, p, n);
        return;
    }
    int no_room = !f->hold && over_memcap(e, HOLD_FIRST);
    if (no_room)
        e->st.hold_refused++;
    if (e->o.hold_us <= 0 || no_room) {
        decide(e, f, NULL);
        deliver_data(e, f, dir, p, n);
        return;
    }
    if (!f->hold_until) {
        f->hold_until = e->ctx->now_us + e->o.hold_us;
        flow_table_undecided_add(&e->ft, f);
        e->st.held++;
    }
    if (f->hold_len + 5 + n > FLOW_HOLD_MAX || e->ctx->now_us > f->hold_until) {
        decide(e, f, NULL);
        deliver_data(e, f, dir, p, n);
        return;
    }
    hold_append(e, f, HOLD_DATA + dir, p, n);
}

/* ---- TCP stream callbacks ---- */

static void stream_data(void *arg, int dir, const uint8_t *p, size_t n)
{
    flow *f = arg;
    tr_engine *e = f->s.ctx->engine;
    f->s.bytes[dir] += n;
    if (!f->decided)
        undecided_data(e, f, dir, p, n);
    else
        deliver_data(e, f, dir, p, n);
    mem_update(e);
}

static void stream_gap(void *arg, int dir, uint64_t n)
{
    flow *f = arg;
    tr_engine *e = f->s.ctx->engine;
    f->s.gap_bytes[dir] += n;
    if (!f->decided && f->hold && f->hold_len + 5 <= FLOW_HOLD_MAX)
        hold_append(e, f, HOLD_GAP + dir, NULL, n);
    else {
        if (!f->decided)
            decide(e, f, NULL);
        deliver_gap(e, f, dir, n);
    }
}

static void stream_anomaly(void *arg, int dir, const char *name, const char *detail)
{
    flow *f = arg;
    tr_anomaly(f->s.ctx, &f->s, dir, name, "%s", detail);
}

static tcp_sink stream_sink(tr_engine *e, flow *f)
{
    tcp_sink o = {f, stream_data, stream_gap, stream_anomaly, &e->queued, e->o.stream_cap, e->o.memcap, &e->st.cap_gaps};
    return o;
}

/* ---- session lifecycle ---- */

static void proto_stats_add(tr_engine *e, const tr_session *s)
{
    const char *name = tr_session_proto(s);
    tr_proto_stats *ps = NULL;
    for (int i = 0; i < e->st.nproto; i++)
        if (strcmp(e->st.proto[i].name, name) == 0)
            ps = &e->st.proto[i];
    if (!ps && e->st.nproto < ENGINE_PROTO_STATS) {
        ps = &e->st.proto[e->st.nproto++];
        ps->name = name;
    }
    if (!ps)
        return;
    ps->sessions++;
    ps->packets += s->packets[0] + s->packets[1];
    ps->bytes += s->bytes[0] + s->bytes[1];
}

static void emit_session_end(tr_session *s)
{
    static tr_event ev; /* one at a time; keeps 40 KB off the stack */
    tr_ev_init(&ev, s, "session_end", TR_NODIR);
    ev.top_mode = 1;
    tr_ev_ts(&ev, "start_ts", s->start_us);
    tr_ev_ts(&ev, "last_ts", s->last_us);
    static const char *const dirs[2] = {"c2s", "s2c"};
    tr_ev_obj(&ev, "packets");
    for (int d = 0; d < 2; d++)
        tr_ev_int(&ev, dirs[d], (int64_t)s->packets[d]);
    tr_ev_end(&ev);
    tr_ev_obj(&ev, "bytes");
    for (int d = 0; d < 2; d++)
        tr_ev_int(&ev, dirs[d], (int64_t)s->bytes[d]);
    tr_ev_end(&ev);
    tr_ev_obj(&ev, "gap_bytes");
    for (int d = 0; d < 2; d++)
        tr_ev_int(&ev, dirs[d], (int64_t)s->gap_bytes[d]);
    tr_ev_end(&ev);
    tr_ev_str(&ev, "end", tr_end_name(s->end));
    tr_ev_bool(&ev, "midstream", s->midstream);
    if (s->parent)
        tr_ev_int(&ev, "parent", (int64_t)s->parent);
    char mac[2][18];
    static const char *const mac_keys[2] = {"client_mac", "server_mac"};
    for (int d = 0; d < 2; d++)
        if (s->has_mac & (1u << d)) {
            const uint8_t *m = s->mac[d];
            snprintf(mac[d], sizeof mac[d], "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
            tr_ev_strcopy(&ev, mac_keys[d], mac[d], 17);
        }
    tr_emit(&ev);
}

static void flow_end(tr_engine *e, flow *f, int reason)
{
    tr_session *s = &f->s;
    if (s->l4 == TR_TCP) {
        tcp_sink o = stream_sink(e, f);
        tcp_half_flush(&f->half[0], &o, 0);
        tcp_half_flush(&f->half[1], &o, 1);
    }
    if (!f->decided)
        decide(e, f, NULL);
    tr_deliver_close(s, &f->d, reason);
    e->st.mem -= f->mem; /* everything it held is freed now */
    f->mem = 0;
    s->end = reason;
    emit_session_end(s);
    tr_ctx *ctx = e->ctx;
    for (int i = 0; i < ctx->nsinks; i++)
        if (ctx->sinks[i].on_session_close)
            ctx->sinks[i].on_session_close(ctx->sinks[i].self, s);
    proto_stats_add(e, s);
    tcp_half_free(&f->half[0], &e->queued);
    tcp_half_free(&f->half[1], &e->queued);
    if (reason == TR_END_TIMEOUT)
        e->st.timed_out++;
    e->st.mem -= sizeof *f;
    flow_table_remove(&e->ft, f);
}

/* Frees one slot: a closed session lingering for late packets if there is one, else the least
 * recently active session. */
static void make_room(tr_engine *e)
{
    flow_table *t = &e->ft;
    flow *victim = t->head[FLOW_LIST_CLOSING];
    if (victim) {
        flow_end(e, victim, victim->close_reason);
        return;
    }
    for (int l = 0; l < FLOW_LIST_COUNT; l++)
        if (t->head[l] && (!victim || t->head[l]->s.last_us < victim->s.last_us))
            victim = t->head[l];
    if (victim) {
        e->st.evicted++;
        flow_end(e, victim, TR_END_EVICTED);
    }
}

/* Over --memcap (memory_in_use), the least recently active sessions end as for --max-flows, so memory follows
 * the cap, not how many sessions the capture leaves open. */
static void shed_memory(tr_engine *e)
{
    while (over_memcap(e, 0) && e->ft.count > 1) {
        uint64_t before = e->st.evicted;
        make_room(e);
        e->st.evicted_memcap += e->st.evicted - before;
        if (e->st.evicted == before && !e->ft.head[FLOW_LIST_CLOSING])
            break; /* nothing left to end: the current flow alone is over the cap */
    }
}

static void swap_sides(flow *f)
{
    tr_session *s = &f->s;
    tr_endpoint t = s->client;
    s->client = s->server;
    s->server = t;
    uint64_t x;
#define SWAP2(a) (x = (a)[0], (a)[0] = (a)[1], (a)[1] = x)
    SWAP2(s->packets);
    SWAP2(s->bytes);
    SWAP2(s->gap_bytes);
#undef SWAP2
    tcp_half h = f->half[0];
    f->half[0] = f->half[1];
    f->half[1] = h;
    for (size_t off = 0; off + 5 <= f->hold_len;) { /* held chunks carry their direction */
        uint32_t n;
        memcpy(&n, f->hold + off + 1, 4);
        uint8_t kind = f->hold[off];
        f->hold[off] = (uint8_t)(kind ^ 1);
        off += 5 + (kind >= HOLD_GAP ? 0 : n);
    }
}

static void claim_by_expectation(flow *f, const expect_entry *x, int server_is_client_side)
{
    tr_session *s = &f->s;
    if (server_is_client_side)
        swap_sides(f);
    s->dis = x->x.dis;
    s->parent = x->parent;
    f->decided = 1;
    if (x->x.ctx_len) {
        s->expect_ctx = malloc(x->x.ctx_len);
        if (s->expect_ctx) {
            memcpy(s->expect_ctx, x->x.ctx, x->x.ctx_len);
            s->expect_ctx_len = x->x.ctx_len;
        }
    }
}

static flow *flow_new(tr_engine *e, const tr_packet *p, const flow_key *k, uint32_t hash)
{
    while (e->ft.count >= e->ft.max_flows)
        make_room(e);
    flow *f = flow_table_insert(&e->ft, k, hash, ++e->next_id);
    if (!f)
        return NULL;
    e->st.sessions++;
    e->st.mem += sizeof *f; /* the record itself: a flood of short conversations (DNS) is mostly records */
    tr_session *s = &f->s;
    s->ctx = e->ctx;
    s->l4 = p->l4;
    s->start_us = s->last_us = p->ts_us;
    tr_endpoint src = {p->src, p->sport}, dst = {p->dst, p->dport};
    int src_is_client = 1;
    if (p->l4 == TR_TCP && (p->tcp_flags & TCP_SYN)) {
        src_is_client = !(p->tcp_flags & TCP_ACK);
    } else {
        if (p->l4 == TR_TCP)
            s->midstream = 1;
        /* the first talker is the client, unless only its own port is a known service */
        if (is_service_port(e, p->l4, p->sport) && !is_service_port(e, p->l4, p->dport))
            src_is_client = 0;
    }
    s->client = src_is_client ? src : dst;
    s->server = src_is_client ? dst : src;
    int server_is_b;
    expect_entry *x = expect_match(&e->ex, p->l4, &s->client, &s->server, p->ts_us, &server_is_b);
    if (x)
        claim_by_expectation(f, x, !server_is_b);
    for (int i = 0; i < e->ctx->nsinks; i++)
        if (e->ctx->sinks[i].on_session_open)
            e->ctx->sinks[i].on_session_open(e->ctx->sinks[i].self, s);
    account(e, f); /* what the sinks keep of it from now on */
    return f;
}

/* ---- services for dissectors ---- */

static tr_session *engine_find_session(tr_ctx *ctx, uint64_t id)
{
    flow *f = flow_table_find_id(&ctx->engine->ft, id);
    return f && !f->s.end ? &f->s : NULL;
}

static int engine_expect(tr_ctx *ctx, tr_session *parent, const tr_expectation *x)
{
    tr_engine *e = ctx->engine;
    if (expect_add(&e->ex, parent->id, x, ctx->now_us) < 0) {
        tr_anomaly(ctx, parent, TR_NODIR, "expectation_table_full", "more than %d expected connections pending",
                   EXPECT_MAX);
        return -1;
    }
    /* a held flow may already be the one announced (it opened before the announcement was seen) */
    for (flow *f = e->ft.undecided; f; f = f->unext) {
        int server_is_b;
        expect_entry *m = expect_match(&e->ex, f->s.l4, &f->s.client, &f->s.server, ctx->now_us, &server_is_b);
        if (m) {
            e->st.hold_claimed++;
            flow_table_undecided_remove(&e->ft, f);
            f->decided = 0;
            claim_by_expectation(f, m, !server_is_b);
            decide(e, f, f->s.dis);
            break;
        }
    }
    return 0;
}

tr_engine *tr_engine_new(tr_ctx *ctx, const tr_engine_opts *o)
{
    tr_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ctx = ctx;
    e->o = *o;
    if (flow_table_init(&e->ft, o->max_flows) < 0) {
        free(e);
        return NULL;
    }
    ctx->engine = e;
    ctx->find_session = engine_find_session;
    ctx->expect = engine_expect;
    return e;
}

/* ---- packets ---- */

static void tcp_packet(tr_engine *e, flow *f, int dir, const tr_packet *p)
{
    tcp_sink o = stream_sink(e, f);
    uint32_t seq = p->seq;
    if (p->tcp_flags & TCP_SYN) {
        tcp_half_syn(&f->half[dir], p->seq);
        seq++;
    }
    if (p->payload_len)
        tcp_half_segment(&f->half[dir], &o, dir, seq, p->payload, p->payload_len);
    if (p->tcp_flags & TCP_FIN)
        tcp_half_fin(&f->half[dir], &o, dir, seq + (uint32_t)p->payload_len);
    if (p->tcp_flags & TCP_ACK)
        tcp_half_acked(&f->half[!dir], &o, !dir, p->ack);
    for (int d = 0; d < 2; d++)
        if (f->half[d].fin_done && f->decided)
            tr_deliver_end(&f->s, &f->d, d);
    if (f->close_reason)
        return;
    if (p->tcp_flags & TCP_RST)
        f->close_reason = TR_END_RST;
    else if (f->half[0].fin_seen && f->half[1].fin_seen)
        f->close_reason = TR_END_FIN;
    if (f->close_reason) {
        f->s.closing = f->close_reason;
        /* deliver what is queued now, so events do not wait for the linger */
        tcp_half_flush(&f->half[0], &o, 0);
        tcp_half_flush(&f->half[1], &o, 1);
        if (!f->decided)
            decide(e, f, NULL);
        tr_deliver_end(&f->s, &f->d, 0);
        tr_deliver_end(&f->s, &f->d, 1);
        flow_table_touch(&e->ft, f, FLOW_LIST_CLOSING);
    }
}

/* Each end's MAC: the sender's address of the first packet each way; until the other way speaks, the destination of
 * this one unless it is a group address (broadcast, multicast). */
static void note_macs(tr_session *s, const tr_packet *p, int dir)
{
    if (!p->has_mac || ((s->has_mac & 3) == 3 && !(s->has_mac & 0xc)))
        return;
    if ((p->has_mac & 1) && !(s->has_mac & (1u << dir))) {
        memcpy(s->mac[dir], p->src_mac, 6);
        s->has_mac |= (uint8_t)(1u << dir);
        s->has_mac &= (uint8_t)~(4u << dir); /* no longer a guess */
    }
    int other = !dir;
    if ((p->has_mac & 2) && !(p->dst_mac[0] & 1) && !(s->has_mac & (1u << other))) {
        memcpy(s->mac[other], p->dst_mac, 6);
        s->has_mac |= (uint8_t)((1u << other) | (4u << other)); /* bit 2+d: guessed from the other way */
    }
    if ((p->has_mac & 1) && (s->has_mac & (4u << dir))) { /* the guess replaced by what the end itself sent */
        memcpy(s->mac[dir], p->src_mac, 6);
        s->has_mac &= (uint8_t)~(4u << dir);
    }
}

void tr_engine_packet(tr_engine *e, const tr_packet *p)
{
    e->ctx->now_us = p->ts_us;
    e->st.packets++;
    tr_engine_expire(e, p->ts_us);
    if (p->l4 != TR_TCP && p->l4 != TR_UDP)
        return;
    flow_key k;
    flow_key_make(&k, p->l4, &p->src, p->sport, &p->dst, p->dport);
    uint32_t hash = flow_key_hash(&k);
    flow *f = flow_table_find(&e->ft, &k, hash);
    int new_syn = p->l4 == TR_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    if (f && new_syn && f->close_reason) {
        flow_end(e, f, f->close_reason); /* port reuse after a close */
        f = NULL;
    }
    if (!f) {
        f = flow_new(e, p, &k, hash);
        if (!f)
            return;
    }
    tr_session *s = &f->s;
    tr_endpoint src = {p->src, p->sport};
    int dir = tr_endpoint_equal(&src, &s->client) ? TR_C2S : TR_S2C;
    s->packets[dir]++;
    note_macs(s, p, dir);
    for (int i = 0; i < e->ctx->nsinks; i++)
        if (e->ctx->sinks[i].on_packet)
            e->ctx->sinks[i].on_packet(e->ctx->sinks[i].self, s, p->ts_us, p->payload_len);
    s->last_us = p->ts_us;
    if (p->l4 == TR_UDP) {
        flow_table_touch(&e->ft, f, FLOW_LIST_UDP);
        s->bytes[dir] += p->payload_len;
        if (!f->decided)
            undecided_data(e, f, dir, p->payload, p->payload_len);
        else
            deliver_datagram(e, f, dir, p->payload, p->payload_len);
        mem_update(e);
        shed_memory(e);
        return;
    }
    flow_table_touch(&e->ft, f, f->list == FLOW_LIST_CLOSING ? FLOW_LIST_CLOSING : FLOW_LIST_TCP);
    tcp_packet(e, f, dir, p);
    mem_update(e);
    shed_memory(e);
}

void tr_engine_expire(tr_engine *e, int64_t now)
{
    flow_table *t = &e->ft;
    flow *f;
    while ((f = t->head[FLOW_LIST_TCP]) && now - f->s.last_us > e->o.tcp_timeout_us)
        flow_end(e, f, TR_END_TIMEOUT);
    while ((f = t->head[FLOW_LIST_UDP]) && now - f->s.last_us > e->o.udp_timeout_us)
        flow_end(e, f, TR_END_TIMEOUT);
    while ((f = t->head[FLOW_LIST_CLOSING]) && now - f->s.last_us > CLOSING_LINGER_US)
        flow_end(e, f, f->close_reason);
    if (t->undecided && now - e->last_scan_us >= EXPIRE_SCAN_US) {
        e->last_scan_us = now;
        for (flow *u = t->undecided, *next; u; u = next) {
            next = u->unext;
            if (now > u->hold_until)
                decide(e, u, NULL);
        }
    }
}

static int by_id(const void *a, const void *b)
{
    const flow *x = *(flow *const *)a, *y = *(flow *const *)b;
    return x->s.id < y->s.id ? -1 : x->s.id > y->s.id;
}

void tr_engine_finish(tr_engine *e)
{
    flow_table *t = &e->ft;
    size_t n = 0;
    for (int l = 0; l < FLOW_LIST_COUNT; l++)
        for (flow *f = t->head[l]; f; f = f->next)
            n++;
    /* end in session order so session_end events come out in a stable order */
    flow **all = n ? malloc(n * sizeof *all) : NULL;
    if (all) {
        size_t i = 0;
        for (int l = 0; l < FLOW_LIST_COUNT; l++)
            for (flow *f = t->head[l]; f; f = f->next)
                all[i++] = f;
        qsort(all, n, sizeof *all, by_id);
        for (i = 0; i < n; i++)
            flow_end(e, all[i], all[i]->close_reason ? all[i]->close_reason : TR_END_EOF);
        free(all);
    }
    for (int l = 0; l < FLOW_LIST_COUNT; l++) /* only if the array could not be had */
        while (t->head[l])
            flow_end(e, t->head[l], t->head[l]->close_reason ? t->head[l]->close_reason : TR_END_EOF);
    tr_ctx_finish(e->ctx); /* what dissectors kept across sessions: their last events */
}

const tr_engine_stats *tr_engine_stats_get(const tr_engine *e) { return &e->st; }

void tr_engine_free(tr_engine *e)
{
    if (!e)
        return;
    tr_engine_finish(e);
    flow_table_free(&e->ft);
    if (e->ctx->engine == e) {
        e->ctx->engine = NULL;
        e->ctx->find_session = NULL;
        e->ctx->expect = NULL;
    }
    free(e);
}
