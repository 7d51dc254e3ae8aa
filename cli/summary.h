/* summary: the --stats report on stderr at the end, in plain words — what was read, sessions by protocol, events
 * by type and the values dissectors count (HTTP status codes, DNS response codes, ...), anomalies, the export, and
 * which limits were reached (only those that were). */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>

#include "../capture/decode.h"
#include "../output/event_counts.h"
#include "../output/sink_export.h"
#include "../output/sink_redis.h"
#include "../reassembly/engine.h"

typedef struct summary_input {
    const tr_ctx *ctx;
    const tr_engine_stats *engine;
    const tr_engine_opts *limits;      /* --max-flows, --memcap as given */
    const decoder *dec;
    const event_counts *counts;        /* NULL: none kept */
    struct views *views;               /* protocols, top talkers and conversations, per second; NULL: none */
    const char *export_dir;            /* NULL: no --export */
    const sink_export_stats *exported;
} summary_input;

void summary_print(FILE *out, const summary_input *in);
/* --output's line: what reached the Redis stream and what did not. */
void summary_print_output(FILE *out, const char *url, const char *stream, const sink_redis_counts *c);

#endif
