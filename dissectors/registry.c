/* registry: the dissectors of dissectors.def as one list, found by name, and the protocol choice by content. */
#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"

#define TR_DISSECTOR(sym) extern const tr_dissector sym;
#include "dissectors.def"
#undef TR_DISSECTOR

const tr_dissector *const tr_dissectors[] = {
#define TR_DISSECTOR(sym) &sym,
#include "dissectors.def"
#undef TR_DISSECTOR
    NULL,
};

const tr_dissector *tr_dissector_find(const char *name)
{
    for (int i = 0; tr_dissectors[i]; i++)
        if (strcmp(tr_dissectors[i]->name, name) == 0)
            return tr_dissectors[i];
    return NULL;
}

const tr_dissector *tr_dissector_of_event(const tr_event *e)
{
    const tr_session *s = e->session;
    if (s && s->dis && s->dis->name == e->proto) /* the usual case: the session's own protocol, by address */
        return s->dis;
    return e->proto ? tr_dissector_find(e->proto) : NULL;
}

int tr_dissector_index(const tr_dissector *d)
{
    for (int i = 0; tr_dissectors[i]; i++)
        if (tr_dissectors[i] == d)
            return i;
    return -1;
}

int tr_dissector_has_port(const tr_dissector *d, uint16_t port)
{
    for (const uint16_t *p = d->ports; p && *p; p++)
        if (*p == port)
            return 1;
    return 0;
}

int tr_dissector_serves(const tr_dissector *d, uint8_t l4)
{
    if (d->l4 == 0)
        return 1;
    return d->l4 == l4;
}

const tr_dissector *tr_probe_choose(const tr_dissector *const *list, const tr_probe_input *in, int *maybe)
{
    const tr_dissector *first = NULL, *by_client_port = NULL;
    *maybe = 0;
    for (int i = 0; list[i]; i++) {
        const tr_dissector *d = list[i];
        if (!d->probe || !tr_dissector_serves(d, in->l4))
            continue;
        int r = d->probe(in);
        if (r == TR_PROBE_MAYBE)
            *maybe = 1;
        if (r != TR_PROBE_YES)
            continue;
        if (tr_dissector_has_port(d, in->server_port))
            return d;
        if (!by_client_port && tr_dissector_has_port(d, in->client_port))
            by_client_port = d;
        if (!first)
            first = d;
    }
    return by_client_port ? by_client_port : first;
}

int tr_probe_by_direction(const tr_probe_input *in, int (*one)(const uint8_t *p, size_t n, int dir))
{
    int best = TR_PROBE_NO;
    for (int dir = 0; dir < 2; dir++) {
        if (!in->n[dir])
            continue;
        int r = one(in->p[dir], in->n[dir], dir);
        if (r > best)
            best = r;
    }
    return best;
}

void *tr_dissector_global(tr_ctx *ctx, const tr_dissector *d)
{
    int i = ctx && d->global_size ? tr_dissector_index(d) : -1;
    if (i < 0 || i >= TR_MAX_DISSECTORS)
        return NULL;
    if (!ctx->dissector_global[i])
        ctx->dissector_global[i] = calloc(1, d->global_size);
    return ctx->dissector_global[i];
}

void tr_ctx_finish(tr_ctx *ctx)
{
    for (int i = 0; tr_dissectors[i] && i < TR_MAX_DISSECTORS; i++) {
        void *g = ctx->dissector_global[i];
        if (!g)
            continue;
        if (tr_dissectors[i]->on_finish)
            tr_dissectors[i]->on_finish(ctx, g);
        free(g);
        ctx->dissector_global[i] = NULL;
    }
    tr_ctx_finish_shared(ctx); /* after the dissectors' own: they may have added to it at their end */
}
