#include "summary.h"

#include <inttypes.h>

#include "../core/tr_worker.h"
#include "../output/views.h"

/* "21.5 KB", "3 bytes": sizes as people read them (1 KB = 1024 bytes, as ls -h). */
static const char *size_text(uint64_t n, char out[32])
{
    static const char *const unit[] = {"KB", "MB", "GB", "TB"};
    if (n < 1024) {
        snprintf(out, 32, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
        return out;
    }
    double v = (double)n / 1024;
    int u = 0;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    snprintf(out, 32, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return out;
}

static void line(FILE *out, const char *what, uint64_t n) { fprintf(out, "  %-38s %12" PRIu64 "\n", what, n); }

static void what_was_read(FILE *out, const summary_input *in)
{
    const decoder *dec = in->dec;
    fprintf(out, "\nPackets\n");
    line(out, "read", dec->packets);
    if (dec->skipped)
        line(out, "neither TCP nor UDP (not decoded)", dec->skipped);
    if (dec->bad)
        line(out, "malformed (could not be decoded)", dec->bad);
    if (dec->frags.reassembled)
        line(out, "IP datagrams rebuilt from fragments", dec->frags.reassembled);
}

static void sessions_by_protocol(FILE *out, const tr_engine_stats *st)
{
    fprintf(out, "\nSessions by protocol\n  %-12s %10s %12s %14s\n", "protocol", "sessions", "packets", "payload");
    uint64_t sessions = 0, packets = 0, bytes = 0;
    char size[32];
    for (int i = 0; i < st->nproto; i++) {
        fprintf(out, "  %-12s %10" PRIu64 " %12" PRIu64 " %14s\n", st->proto[i].name, st->proto[i].sessions,
                st->proto[i].packets, size_text(st->proto[i].bytes, size));
        sessions += st->proto[i].sessions;
        packets += st->proto[i].packets;
        bytes += st->proto[i].bytes;
    }
    if (st->nproto > 1)
        fprintf(out, "  %-12s %10" PRIu64 " %12" PRIu64 " %14s\n", "all", sessions, packets, size_text(bytes, size));
}

static void anomalies(FILE *out, const tr_ctx *ctx)
{
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS && ctx->anomaly_names[i]; i++) {
        if (i == 0)
            fprintf(out, "\nAnomalies (events of type anomaly, by name)\n");
        fprintf(out, "  %-38s %12" PRIu64 "\n", ctx->anomaly_names[i], ctx->anomaly_counts[i]);
    }
}

static void exported(FILE *out, const summary_input *in)
{
    const sink_export_stats *x = in->exported;
    char size[32];
    fprintf(out, "\nExport to %s\n", in->export_dir);
    line(out, "transcripts", x->sessions);
    line(out, "files extracted", x->files);
    if (x->links)
        line(out, "second names of files (links)", x->links);
    fprintf(out, "  %-38s %12s\n", "written", size_text(x->bytes, size));
    if (x->bytes_dropped) {
        fprintf(out, "  %-38s %12s\n", "not written: past --export-max", size_text(x->bytes_dropped, size));
        line(out, "files cut short by --export-max", x->files_cut);
    }
    if (x->file_refused)
        line(out, "files not extracted (no usable name)", x->file_refused);
    if (x->link_refused)
        line(out, "second names refused", x->link_refused);
}

/* Each limit only when it was reached: a quiet run says so in one line. */
static void limits(FILE *out, const summary_input *in)
{
    const tr_engine_stats *st = in->engine;
    const decoder *dec = in->dec;
    char size[32], cap[32];
    int any = st->evicted || st->cap_gaps || st->hold_refused || dec->frags.timed_out || dec->frags.evicted;
    fprintf(out, "\nMemory and limits\n");
    fprintf(out, "  %-38s %12s", "peak memory held for sessions", size_text(st->mem_peak, size));
    if (in->limits && in->limits->memcap)
        fprintf(out, " of %s (--memcap)", size_text(in->limits->memcap, cap));
    fputc('\n', out);
    if (st->timed_out)
        line(out, "sessions ended after going idle", st->timed_out);
    if (!any) {
        fprintf(out, "  no limit was reached: nothing was dropped\n");
        return;
    }
    if (st->evicted - st->evicted_memcap)
        line(out, "sessions ended early: --max-flows", st->evicted - st->evicted_memcap);
    if (st->evicted_memcap)
        line(out, "sessions ended early: --memcap", st->evicted_memcap);
    if (st->cap_gaps)
        line(out, "stream holes made to stay under --memcap", st->cap_gaps);
    if (st->hold_refused)
        line(out, "new flows not held back: --memcap", st->hold_refused);
    if (dec->frags.timed_out)
        line(out, "IP fragments never completed", dec->frags.timed_out);
    if (dec->frags.evicted)
        line(out, "IP fragments dropped: table full", dec->frags.evicted);
    if (dec->frags.overlaps)
        line(out, "IP fragments overlapping", dec->frags.overlaps);
}

void summary_print(FILE *out, const summary_input *in)
{
    what_was_read(out, in);
    if (!in->views)
        sessions_by_protocol(out, in->engine);
    if (in->views) { /* protocols, top talkers, conversations, events and counted values, per second */
        tr_strbuf sb;
        tr_sb_init(&sb, 16u << 20);
        views_sync(in->views);
        views_stats_text(in->views, &sb);
        fprintf(out, "\n%.*s", (int)sb.len, sb.p ? sb.p : "");
        tr_sb_free(&sb);
    } else if (in->counts)
        event_counts_print(in->counts, out);
    else
        fprintf(out, "\nEvents  %" PRIu64 "\n", in->ctx->events);
    anomalies(out, in->ctx);
    if (in->export_dir && in->exported)
        exported(out, in);
    limits(out, in);
    /* the writer thread: said only when it slowed decoding down */
    if (tr_worker_running() && tr_worker_full_waits())
        fprintf(out, "  %-38s %12llu\n", "waits for the hashing/writing thread", tr_worker_full_waits());
}

void summary_print_output(FILE *out, const char *url, const char *stream, const sink_redis_counts *c)
{
    fprintf(out,
            "\nOutput to %s, stream %s\n  events %" PRIu64 ": sent %" PRIu64 ", queued %" PRIu64 ", sent again %" PRIu64
            " (already there %" PRIu64 "), dropped %" PRIu64 "; reconnections %" PRIu64 "\n",
            url, stream, c->events, c->sent, c->queued, c->resent, c->already, c->dropped, c->reconnects);
}
