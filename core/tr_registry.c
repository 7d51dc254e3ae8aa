#include <string.h>

#include "tr_dissector.h"

#define TR_DISSECTOR(sym) extern const tr_dissector sym;
#include "../dissectors/dissectors.def"
#undef TR_DISSECTOR

const tr_dissector *const tr_dissectors[] = {
#define TR_DISSECTOR(sym) &sym,
#include "../dissectors/dissectors.def"
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

void tr_decode_end(tr_session *s, int dir, const char *reason)
{
    tr_event e;
    tr_ev_init(&e, s, "decode_end", dir);
    e.top_mode = 1;
    tr_ev_str(&e, "reason", reason);
    tr_emit(&e);
    s->decode_stopped = 1;
}
