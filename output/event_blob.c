#include "event_blob.h"

#include <string.h>

/* Fixed-size records, copied in and out with memcpy (the blob has no alignment). The event's proto and type, and
 * its fields' keys, are carried by address: they are literals (tr_event.h). */
typedef struct blob_head {
    int64_t ts_us;
    uint64_t session_id;
    const char *proto, *type;
    tr_endpoint client, server;
    int32_t dir;
    int32_t nf;
    uint8_t has_session, l4;
} blob_head;

/* Each field: i (8 bytes; TR_F_DIGEST: the address of its tr_hash_result), its key's address (8), n (4: bytes
 * of s that follow), type, top (1 each), then s. Written and read member by member: a record built on the stack
 * and copied whole stalled on store forwarding. */
enum { FIELD_HEAD = 8 + 8 + 4 + 2 };

typedef struct packer {
    uint8_t *out;
    size_t cap, len;
    int full;
} packer;

static void put(packer *pk, const void *p, size_t n)
{
    if (pk->full || n > pk->cap - pk->len) {
        pk->full = 1;
        return;
    }
    if (n)
        memcpy(pk->out + pk->len, p, n);
    pk->len += n;
}

size_t event_blob_pack(const tr_event *e, uint8_t *out, size_t cap)
{
    packer pk = {.out = out, .cap = cap};
    blob_head h;
    memset(&h, 0, sizeof h);
    h.ts_us = e->ts_us;
    h.dir = e->dir;
    h.proto = e->proto ? e->proto : "";
    h.type = e->type ? e->type : "";
    if (e->session) {
        h.has_session = 1;
        h.session_id = e->session->id;
        h.l4 = e->session->l4;
        h.client = e->session->client;
        h.server = e->session->server;
    }
    size_t head_at = pk.len;
    put(&pk, &h, sizeof h);
    int nf = 0, digests = 0;
    for (int i = 0; i < e->nf && !pk.full; i++) {
        const tr_field *f = &e->f[i];
        int64_t v = f->i;
        const void *str = f->s;
        size_t n = f->s ? f->n : 0;
        if (f->type == TR_F_LATER) { /* its function in i, its argument's address as the bytes */
            str = &f->s;
            n = sizeof f->s;
        } else if (f->type == TR_F_DIGEST) {
            const tr_hash_result *r = tr_hash_ticket_result((uint64_t)f->i);
            if (!r)
                continue; /* an unknown ticket has no digest: the formatters leave such a field out */
            if (++digests > EVENT_BLOB_DIGESTS_MAX)
                return 0;
            v = (int64_t)(intptr_t)r;
            str = NULL;
            n = 0;
        }
        if (n > UINT32_MAX || FIELD_HEAD + n > pk.cap - pk.len)
            return 0;
        uint8_t *w = pk.out + pk.len;
        uint32_t n32 = (uint32_t)n;
        memcpy(w, &v, 8);
        memcpy(w + 8, &f->key, sizeof f->key);
        memcpy(w + 16, &n32, 4);
        w[20] = f->type;
        w[21] = f->top;
        pk.len += FIELD_HEAD;
        put(&pk, str, n);
        nf++;
    }
    if (pk.full)
        return 0;
    h.nf = nf;
    memcpy(out + head_at, &h, sizeof h);
    return pk.len;
}

void event_blob_unpack(const uint8_t *blob, size_t len, event_blob_view *vw)
{
    (void)len; /* made by event_blob_pack in this process: its layout is trusted */
    blob_head h;
    memcpy(&h, blob, sizeof h);
    size_t at = sizeof h;
    tr_event *e = &vw->e;
    e->ts_us = h.ts_us;
    e->dir = h.dir;
    e->ctx = NULL;
    e->top_mode = e->depth = e->truncated = 0;
    e->arena_used = 0;
    e->proto = h.proto;
    e->type = h.type;
    e->session = NULL;
    if (h.has_session) {
        memset(&vw->s, 0, sizeof vw->s);
        vw->s.id = h.session_id;
        vw->s.l4 = h.l4;
        vw->s.client = h.client;
        vw->s.server = h.server;
        e->session = &vw->s;
    }
    int nf = 0, digests = 0;
    for (int i = 0; i < h.nf; i++) {
        const uint8_t *r = blob + at;
        int64_t v;
        uint32_t n;
        tr_field *f = &e->f[nf];
        memcpy(&v, r, 8);
        memcpy(&f->key, r + 8, sizeof f->key);
        memcpy(&n, r + 16, 4);
        uint8_t type = r[20], top = r[21];
        at += FIELD_HEAD;
        f->s = n ? (const char *)blob + at : NULL;
        f->n = n;
        at += n;
        f->i = v;
        f->type = type;
        f->top = top;
        if (type == TR_F_LATER) { /* its fields, added here: the worker has run the jobs before this one */
            tr_field later = *f;
            memcpy(&later.s, f->s, sizeof later.s); /* the argument's address, packed as the field's bytes */
            e->nf = nf;
            tr_ev_later_add(e, later);
            nf = e->nf;
            continue;
        }
        if (type == TR_F_DIGEST) {
            const tr_hash_result *res = (const tr_hash_result *)(intptr_t)v;
            if (!res->ok)
                continue; /* hashing failed: the field is left out */
            char *hex = vw->hex[digests++];
            tr_hash_hex(res->digest, hex);
            f->type = TR_F_STR;
            f->s = hex;
            f->n = 2 * TR_HASH_DIGEST_LEN;
            f->i = 0;
        }
        nf++;
    }
    e->nf = nf;
}
