/* tr_format: renders an event as one JSON line (SCHEMA.md) or one readable text line.
 * Both append to a reused tr_strbuf; the caller writes it out. */
#ifndef TR_FORMAT_H
#define TR_FORMAT_H

#include "../core/tr_event.h"
#include "../core/tr_strbuf.h"

/* with_files: include TR_F_FILE fields (the exporter's events.jsonl), else leave them out. */
void tr_format_json(const tr_event *e, int with_files, tr_strbuf *sb);
void tr_format_text(const tr_event *e, tr_strbuf *sb);
/* "1700000000.123456" */
void tr_format_ts(int64_t ts_us, char out[32]);

#endif
