/* summary_parts: summary parts several protocols write alike (core/tr_present.h's summaries). */
#ifndef SUMMARY_PARTS_H
#define SUMMARY_PARTS_H

#include "../core/tr_present.h"

/* An `auth` event (user, success) as "USER alice", "USER alice (failed)"; TR_SUM_PART. */
int summary_auth(const tr_event *e, const tr_summary *s);

#endif
