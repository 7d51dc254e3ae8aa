#include "summary_parts.h"

#include "../core/tr_event_read.h"

int summary_auth(const tr_event *e, const tr_summary *s)
{
    int64_t ok = 1;
    int known = tr_evr_int(e, "success", &ok);
    tr_sb_adds(s->ask, "USER ");
    if (!tr_evr_add(e, "user", s->ask))
        tr_sb_addc(s->ask, '?');
    if (known && !ok)
        tr_sb_adds(s->ask, " (failed)");
    return TR_SUM_PART;
}
