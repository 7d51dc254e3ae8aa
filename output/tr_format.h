/* tr_format: renders an event as one JSON line (SCHEMA.md) or one readable text line.
 * Both append to a reused tr_strbuf; the caller writes it out. */
#ifndef TR_FORMAT_H
#define TR_FORMAT_H

#include "../core/tr_event.h"
#include "../core/tr_strbuf.h"

/* with_files: include TR_F_FILE fields (the exporter's events.jsonl), else leave them out. */
void tr_format_json(const tr_event *e, int with_files, tr_strbuf *sb);

/* Where a digest not known yet sits in a formatted line: bytes [start, end) are `,"key":"<hex>"` and the 64
 * hex digits go at hex_at; dropping [start, end) leaves valid JSON when hashing failed. */
typedef struct tr_digest_hole {
    size_t start, hex_at, end;
    uint64_t ticket;
} tr_digest_hole;

#define TR_FORMAT_HOLES_MAX 8
typedef struct tr_digest_holes {
    int n;
    tr_digest_hole at[TR_FORMAT_HOLES_MAX];
} tr_digest_holes;

/* As tr_format_json, but a TR_F_DIGEST field is written as a hole (placeholder digits) recorded in holes, when
 * it has room and a comma before it; otherwise its digest is waited for. */
void tr_format_json_holes(const tr_event *e, int with_files, tr_strbuf *sb, tr_digest_holes *holes);
void tr_format_text(const tr_event *e, tr_strbuf *sb);
/* The start of tr_format_text's line: `ts #session proto type client -> server`, without fields or newline. */
void tr_format_text_head(const tr_event *e, tr_strbuf *sb);
/* As tr_format_text, with digest holes as for JSON (` key=<hex>`). */
void tr_format_text_holes(const tr_event *e, tr_strbuf *sb, tr_digest_holes *holes);
/* "1700000000.123456" */
void tr_format_ts(int64_t ts_us, char out[32]);

#endif
