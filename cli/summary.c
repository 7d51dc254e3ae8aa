#include "summary.h"

#include <inttypes.h>

#include "../core/tr_worker.h"

void summary_print(FILE *out, const tr_ctx *ctx, const tr_engine_stats *st, const decoder *dec)
{
    fprintf(out, "\n%-12s %10s %12s %14s\n", "protocol", "sessions", "packets", "bytes");
    for (int i = 0; i < st->nproto; i++)
        fprintf(out, "%-12s %10" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n", st->proto[i].name, st->proto[i].sessions,
                st->proto[i].packets, st->proto[i].bytes);
    fprintf(out, "\npackets read %" PRIu64 ", not TCP/UDP %" PRIu64 ", undecodable %" PRIu64 ", events %" PRIu64 "\n",
            dec->packets, dec->skipped, dec->bad, ctx->events);
    int any = 0;
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS && ctx->anomaly_names[i]; i++) {
        if (!any)
            fprintf(out, "\n%-32s %10s\n", "anomaly", "count");
        any = 1;
        fprintf(out, "%-32s %10" PRIu64 "\n", ctx->anomaly_names[i], ctx->anomaly_counts[i]);
    }
    fprintf(out, "\ncaps: sessions evicted (--max-flows, --memcap) %" PRIu64 " (for --memcap %" PRIu64 "), timed out %" PRIu64
                 ", holes forced by --memcap/stream cap %" PRIu64 ", peak memory under --memcap %.1f MB\n",
            st->evicted, st->evicted_memcap, st->timed_out, st->cap_gaps, st->mem_peak / 1048576.0);
    fprintf(out, "      unclaimed flows held %" PRIu64 " (claimed later by an expectation %" PRIu64
                 ", not held for --memcap %" PRIu64 ")\n",
            st->held, st->hold_claimed, st->hold_refused);
    fprintf(out, "      IP fragments: reassembled %" PRIu64 ", timed out %" PRIu64 ", evicted unfinished (table full) %" PRIu64
                 ", overlaps %" PRIu64 "\n",
            dec->frags.reassembled, dec->frags.timed_out, dec->frags.evicted, dec->frags.overlaps);
    if (tr_worker_running())
        fprintf(out,
                "worker thread (hashing, export writes): the engine waited for it %llu times (ring full), and while it\n"
                "      was behind hashed or wrote %llu objects and files itself\n",
                tr_worker_full_waits(), tr_worker_taken());
    else
        fprintf(out, "worker thread: off (one CPU), hashing and export writes on the engine's thread\n");
}

void summary_print_output(FILE *out, const char *url, const char *stream, const sink_redis_counts *c)
{
    fprintf(out,
            "output %s stream %s: %" PRIu64 " events; sent %" PRIu64 ", queued %" PRIu64 ", resent %" PRIu64
            " (already there %" PRIu64 "), dropped %" PRIu64 "; reconnects %" PRIu64 "\n",
            url, stream, c->events, c->sent, c->queued, c->resent, c->already, c->dropped, c->reconnects);
}
