/* summary: the --stats table on stderr at the end — per protocol sessions, packets, bytes;
 * anomalies by name; caps hit and what they dropped. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>

#include "../capture/decode.h"
#include "../reassembly/engine.h"

void summary_print(FILE *out, const tr_ctx *ctx, const tr_engine_stats *st, const decoder *dec);

#endif
