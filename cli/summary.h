/* summary: the --stats table on stderr at the end — per protocol sessions, packets, bytes;
 * anomalies by name; caps hit and what they dropped. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>

#include "../capture/decode.h"
#include "../output/sink_redis.h"
#include "../reassembly/engine.h"

void summary_print(FILE *out, const tr_ctx *ctx, const tr_engine_stats *st, const decoder *dec);
/* --output's line: what reached the Redis stream and what did not. */
void summary_print_output(FILE *out, const char *url, const char *stream, const sink_redis_counts *c);

#endif
