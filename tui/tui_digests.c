#include "tui_digests.h"

#include <string.h>

#include "../core/tr_hash.h"
#include "tui_store.h"

int tui_digests_of_event(const tr_event *e, uint64_t *tickets, int max)
{
    int n = 0;
    for (int i = 0; i < e->nf && n < max; i++)
        if (e->f[i].type == TR_F_DIGEST && !tr_hash_ticket_ready((uint64_t)e->f[i].i))
            tickets[n++] = (uint64_t)e->f[i].i;
    return n;
}

static void fill_one(struct tui_model *m, const tui_digest_hole *h)
{
    char hex[2 * TR_HASH_DIGEST_LEN + 1];
    int ok = tr_hash_ticket_hex(h->ticket, hex); /* 0 too when its slot was taken again meanwhile */
    const tui_session *s = tui_model_find(m, h->session);
    if (!s || !s->detail || h->off + 2 * TR_HASH_DIGEST_LEN > s->detail->evtext_len)
        return; /* the session or its details were evicted */
    char *at = s->detail->evtext + h->off;
    if (!ok)
        memset(hex, '-', 2 * TR_HASH_DIGEST_LEN); /* hashing failed: no digest */
    memcpy(at, hex, 2 * TR_HASH_DIGEST_LEN);
}

void tui_digests_fill(struct tui_model *m, tui_digests *q, int wait)
{
    /* in order: digests are computed in the order their objects ended */
    while (q->n) {
        tui_digest_hole *h = &q->h[q->head];
        if (!wait && !tr_hash_ticket_ready(h->ticket))
            break;
        fill_one(m, h);
        q->head = (q->head + 1) % TUI_DIGESTS_MAX;
        q->n--;
    }
}

void tui_digests_note(struct tui_model *m, tui_digests *q, uint64_t session, size_t off, const char *text, size_t len,
                      const uint64_t *tickets, int n)
{
    const size_t hole = 2 * TR_HASH_DIGEST_LEN;
    int k = 0;
    for (size_t i = 0; i + hole <= len && k < n;) {
        if (text[i] != TUI_DIGEST_HOLE_CHAR) {
            i++;
            continue;
        }
        size_t run = 0;
        while (i + run < len && text[i + run] == TUI_DIGEST_HOLE_CHAR)
            run++;
        if (run == hole) {
            if (q->n == TUI_DIGESTS_MAX) { /* too many waiting: the oldest is waited for */
                fill_one(m, &q->h[q->head]);
                q->head = (q->head + 1) % TUI_DIGESTS_MAX;
                q->n--;
            }
            tui_digest_hole *h = &q->h[(q->head + q->n++) % TUI_DIGESTS_MAX];
            h->session = session;
            h->ticket = tickets[k++];
            h->off = off + i;
        }
        i += run;
    }
}

void tui_digests_free(tui_digests *q)
{
    q->n = 0;
}
