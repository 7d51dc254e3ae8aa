/* trawl: options, wiring of capture -> decode -> engine -> sinks, and the main loop. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../capture/decode.h"
#include "../capture/source.h"
#include "../core/tr_hash.h"
#include "../core/tr_worker.h"
#include "../output/event_counts.h"
#include "../output/export_one.h"
#include "../output/sink_export.h"
#include "../output/sink_lines.h"
#include "../output/sink_worker.h"
#include "../output/tr_time.h"
#include "../output/sink_redis.h"
#include "../output/views.h"
#include "../tui/tui.h"
#include "../reassembly/engine.h"
#include "options.h"
#include "privdrop.h"
#include "read_redis.h"
#include "summary.h"

static volatile sig_atomic_t stop_requested;
static tr_source *signal_source;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_requested)
        _exit(130); /* a second signal: leave at once */
    stop_requested = 1;
    if (signal_source)
        source_break(signal_source);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

typedef struct pipeline {
    trawl_options *opt;
    tr_ctx ctx;
    decoder dec;
    tr_engine *engine;
    tr_source src;
    uint64_t count;
    int finished;   /* the engine has ended every session */
    int read_error; /* 1: a live read failed, 2: writing -w failed; message in read_err */
    char read_err[PCAP_ERRBUF_SIZE + 64];
    sink_lines *lines;
    sink_lines *text_lines; /* -T text on stdout beside --output, else NULL */
    sink_redis *redis;      /* --output, else NULL */
    sink_worker *relay;     /* the UI's model and views, run on the worker (a file), else NULL */
    views *views;           /* the views across protocols, when any */
    sink_export *exporter;  /* --export, else NULL */
} pipeline;

static void on_packet(void *arg, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    (void)wirelen;
    pipeline *pl = arg;
    tr_packet p;
    pl->ctx.now_us = ts_us;
    if (pl->src.linktype != pl->dec.linktype) /* a pcapng file whose interfaces differ */
        decoder_set_linktype(&pl->dec, pl->src.linktype);
    if (decode_packet(&pl->dec, ts_us, data, caplen, &p) == DECODE_OK)
        tr_engine_packet(pl->engine, &p);
    else
        tr_engine_expire(pl->engine, ts_us);
    pl->count++;
}

/* A live capture with no packets still ends idle sessions: time goes on without them. */
static void idle_tick(pipeline *pl)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t now = (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
    if (now > pl->ctx.now_us) {
        pl->ctx.now_us = now;
        tr_engine_expire(pl->engine, now);
    }
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void progress(pipeline *pl, double start, int final)
{
    double el = wall_seconds() - start;
    long pos = source_position(&pl->src);
    const tr_engine_stats *st = tr_engine_stats_get(pl->engine);
    if (pos >= 0 && pl->src.file_size > 0)
        fprintf(stderr, "\r%5.1f%%  ", 100.0 * (double)pos / (double)pl->src.file_size);
    else
        fprintf(stderr, "\r");
    fprintf(stderr, "%" PRIu64 " packets  %.0f packets/s  %" PRIu64 " sessions   ", pl->count,
            el > 0 ? (double)pl->count / el : 0.0, st->sessions);
    if (final)
        fprintf(stderr, "\r\033[K");
}

/* Reads until the input ends, -c is reached or a signal arrives. Returns the exit status. */
static int run_lines(pipeline *pl)
{
    trawl_options *o = pl->opt;
    int show_progress = !pl->src.live && isatty(STDERR_FILENO);
    double start = wall_seconds(), last = start;
    char err[PCAP_ERRBUF_SIZE + 64];
    int status = 0;
    while (!stop_requested) {
        int budget = 256;
        if (o->count && o->count - pl->count < (uint64_t)budget)
            budget = (int)(o->count - pl->count);
        int r = source_dispatch(&pl->src, budget, on_packet, pl, err, sizeof err);
        if (r == -1)
            break;
        if (r == -2 || r == -3) { /* a read error names the input; a -w error names its file */
            fprintf(stderr, r == -2 ? "trawl: %s: %s\n" : "trawl: %.0s%s\n", pl->src.name, err);
            status = 1;
            break;
        }
        if (r == 0 && pl->src.live) {
            source_wait(&pl->src, 100);
            idle_tick(pl);
        }
        if (o->count && pl->count >= o->count)
            break;
        if (sink_lines_write_failed(pl->lines) || (pl->text_lines && sink_lines_write_failed(pl->text_lines)))
            break; /* the reader went away (head, a closed pipe), or Redis refused for good: nothing more to say */
        if (pl->redis && sink_redis_failed(pl->redis))
            break;
        if (show_progress) {
            double now = wall_seconds();
            if (now - last > 0.5) {
                progress(pl, start, 0);
                last = now;
            }
        }
    }
    if (show_progress)
        progress(pl, start, 1);
    return status;
}

/* ---- the UI's view of the pipeline ---- */

static void finish_once(pipeline *pl)
{
    if (!pl->finished) {
        pl->finished = 1;
        tr_engine_finish(pl->engine);
    }
}

static void tui_hold(void *arg, int on)
{
    pipeline *pl = arg;
    if (pl->relay)
        sink_worker_hold(pl->relay, on);
}

static int tui_pump(void *arg, int budget)
{
    pipeline *pl = arg;
    if (pl->finished)
        return -1;
    if (stop_requested || (pl->redis && sink_redis_failed(pl->redis))) {
        finish_once(pl);
        return -1;
    }
    uint64_t before = pl->count;
    int r = source_dispatch(&pl->src, budget, on_packet, pl, pl->read_err, sizeof pl->read_err);
    if (r == -2 || r == -3)
        pl->read_error = r == -2 ? 1 : 2; /* 2: the -w file, named in read_err */
    if (r < 0 || (pl->opt->count && pl->count >= pl->opt->count)) {
        finish_once(pl); /* before reporting the end, so the last sessions show as ended */
        if (pl->relay) /* and the model has them all */
            sink_worker_drain(pl->relay, 0);
        if (pl->views && pl->exporter) { /* a torrent's files, written by now, get their digests in the UI too */
            tui_hold(pl, 1);
            views_fill_file_digests(pl->views, sink_export_file_sha256, pl->exporter);
            tui_hold(pl, 0);
        }
        if (pl->redis) { /* the UI stays up: the last lines go to Redis now, not when it quits */
            sink_lines_drain(pl->lines);
            fflush(sink_redis_file(pl->redis));
        }
        return -1;
    }
    if (r == 0 && pl->src.live)
        idle_tick(pl);
    return (int)(pl->count - before);
}

static void tui_counters(void *arg, uint64_t *packets, uint64_t *drops)
{
    pipeline *pl = arg;
    uint64_t rx, ifdrop;
    *packets = pl->count;
    *drops = 0;
    if (pl->src.live)
        source_kernel_stats(&pl->src, &rx, drops, &ifdrop);
}

/* The header's word on --output: what reached Redis, and what waits. */
static void tui_outputs(void *arg, char *out, size_t cap)
{
    pipeline *pl = arg;
    sink_redis_counts c;
    if (!pl->redis) {
        out[0] = '\0';
        return;
    }
    sink_redis_counts_get(pl->redis, &c);
    snprintf(out, cap, "redis%s %" PRIu64 " sent %" PRIu64 " queued %" PRIu64 " resent %" PRIu64 " already %" PRIu64 " dropped",
             c.connected ? "" : " (down)", c.sent, c.queued, c.resent, c.already, c.dropped);
}

/* The UI's `e` (output/export_one.h): the capture file read again from its start, set up as this run (capture
 * filter, -c, decoding and limits), with sink its only sink: sessions get the ids they have in the UI. */
static int tui_replay(void *arg, const tr_sink *sink, char *err, size_t cap)
{
    const pipeline *run = arg;
    trawl_options *o = run->opt;
    /* The UI holds the model; the worker, which this run shares, must have nothing of it left to do. */
    if (run->relay)
        sink_worker_drain(run->relay, 1);
    static pipeline rp;
    memset(&rp, 0, sizeof rp);
    rp.opt = o;
    if (source_open_file(&rp.src, o->read_file, err, cap))
        return -1;
    if (o->filter && source_set_filter(&rp.src, o->filter, err, cap) < 0) {
        source_close(&rp.src);
        return -1;
    }
    tr_ctx_init(&rp.ctx);
    rp.ctx.inflate_max_ratio = o->inflate_max_ratio;
    decoder_init(&rp.dec, rp.src.linktype, &rp.ctx);
    tr_ctx_add_sink(&rp.ctx, sink);
    tr_engine_opts eo = o->engine;
    memset(eo.sink_memory, 0, sizeof eo.sink_memory);
    rp.engine = tr_engine_new(&rp.ctx, &eo);
    int status = 0;
    if (!rp.engine) {
        snprintf(err, cap, "out of memory");
        status = -1;
    }
    while (rp.engine) {
        int budget = 4096;
        if (o->count && o->count - rp.count < (uint64_t)budget)
            budget = (int)(o->count - rp.count);
        int r = source_dispatch(&rp.src, budget, on_packet, &rp, err, cap);
        if (r == -2 || r == -3)
            status = -1;
        if (r < 0 || (o->count && rp.count >= o->count))
            break;
    }
    if (rp.engine) {
        tr_engine_finish(rp.engine);
        tr_engine_free(rp.engine);
    }
    decoder_free(&rp.dec);
    source_close(&rp.src);
    return status;
}

/* Whether the input is a file that can be read again (not stdin, not a pipe). */
static int input_rereadable(const trawl_options *o)
{
    struct stat st;
    return o->read_file && strcmp(o->read_file, "-") != 0 && stat(o->read_file, &st) == 0 && S_ISREG(st.st_mode);
}

static int run_tui(pipeline *pl, tui_model *model, views *vw, const char *label, sink_export *exporter)
{
    tui_source src = {pl, tui_pump, source_selectable_fd(&pl->src), label, tui_counters, tui_outputs, tui_hold};
    /* `e`: the session exported into a folder of its own, as --export would (output/export_one.h) */
    export_one ex = {.dir = pl->opt->export_dir, .exporter = exporter, .lookup = tui_model_transcript_lookup,
                     .events = tui_model_events_lookup, .lookup_arg = model};
    if (input_rereadable(pl->opt)) {
        ex.replay = tui_replay;
        ex.replay_arg = pl;
    }
    tui_options topt;
    memset(&topt, 0, sizeof topt);
    topt.export_session = export_one_session;
    topt.export_arg = &ex;
    topt.views = vw;
    topt.export_dir = pl->opt->export_dir;
    if (tui_run(&src, model, &topt) < 0)
        return 1;
    if (pl->read_error) {
        fprintf(stderr, pl->read_error == 1 ? "trawl: %s: %s\n" : "trawl: %.0s%s\n", pl->src.name, pl->read_err);
        return 1;
    }
    return 0;
}

/* --sensor, else the host name: it names the default stream, trawl:SENSOR. */
static const char *sensor_name(const trawl_options *o)
{
    static char host[256];
    if (o->sensor)
        return o->sensor;
    if (gethostname(host, sizeof host - 1) < 0 || !host[0])
        snprintf(host, sizeof host, "trawl");
    return host;
}

/* --output: the sink that hands the -T json lines to Redis. NULL with a message printed. */
static sink_redis *open_output(trawl_options *o, int live)
{
    char stream[REDIS_URL_NAME_MAX], err[512];
    if (o->output_url.nstreams)
        snprintf(stream, sizeof stream, "%s", o->output_url.stream[0]);
    else
        snprintf(stream, sizeof stream, "trawl:%s", sensor_name(o));
    sink_redis_opts ro = {
        .url = &o->output_url,
        .stream = stream,
        .maxlen = o->output_maxlen,
        .retry = o->output_retry,
        .hold_back = !live,     /* a file waits for Redis; a live capture cannot hold the wire back */
        .line_buffered = live,  /* live events reach Redis as they happen */
        .queue_bytes = o->engine.memcap / 4,
    };
    sink_redis *r = sink_redis_open(&ro, err, sizeof err);
    if (!r)
        fprintf(stderr, "trawl: %s: %s\n", o->output_url.display, err);
    return r;
}

int main(int argc, char **argv)
{
    static pipeline pl;
    trawl_options opt;
    int r = options_parse(&opt, argc, argv);
    if (r == 1)
        return 0;
    if (r == 2)
        return 2;
    char err[PCAP_ERRBUF_SIZE + 256];
    if (opt.list_ifaces) {
        if (source_list_interfaces(err, sizeof err) < 0) {
            fprintf(stderr, "trawl: cannot list interfaces: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (opt.read_redis) {
        install_signals();
        return read_redis_run(&opt.read_url, sensor_name(&opt), &stop_requested);
    }
    pl.opt = &opt;
    const char *input = opt.read_file ? opt.read_file : opt.iface;
    if (opt.read_file ? source_open_file(&pl.src, opt.read_file, err, sizeof err)
                      : source_open_live(&pl.src, opt.iface, opt.promisc, err, sizeof err)) {
        fprintf(stderr, "trawl: %s: %s\n", input, err);
        return 1;
    }
    if (!decoder_supports(pl.src.linktype)) {
        const char *name = pcap_datalink_val_to_name(pl.src.linktype);
        fprintf(stderr, "trawl: %s: unsupported link type %d (%s)\n", input, pl.src.linktype, name ? name : "unknown");
        source_close(&pl.src);
        return 1;
    }
    if (opt.filter && source_set_filter(&pl.src, opt.filter, err, sizeof err) < 0) {
        fprintf(stderr, "trawl: %s\n", err);
        source_close(&pl.src);
        return 2;
    }
    if (opt.write_file && source_dump_open(&pl.src, opt.write_file, err, sizeof err) < 0) {
        fprintf(stderr, "trawl: %s: %s\n", opt.write_file, err);
        source_close(&pl.src);
        return 1;
    }
    if (opt.user && privdrop_to(opt.user, err, sizeof err) < 0) {
        fprintf(stderr, "trawl: %s\n", err);
        source_close(&pl.src);
        return 1;
    }

    if (opt.output && !(pl.redis = open_output(&opt, pl.src.live))) {
        source_close(&pl.src);
        return 1;
    }

    tr_ctx_init(&pl.ctx);
    pl.ctx.inflate_max_ratio = opt.inflate_max_ratio;
    tr_time_set_style(opt.time_style);
    decoder_init(&pl.dec, pl.src.linktype, &pl.ctx);
    /* lines: stdout's, or with --output the -T json lines for Redis (which copies them to stdout for -T json);
     * text_lines: -T text on stdout beside --output */
    static sink_lines lines, text_lines;
    sink_lines_init(&lines, pl.redis ? sink_redis_file(pl.redis) : stdout,
                    opt.json || pl.redis ? SINK_LINES_JSON : SINK_LINES_TEXT, 0);
    sink_lines_init(&text_lines, stdout, SINK_LINES_TEXT, 0);
    sink_lines_defer_digests(&lines, !pl.src.live); /* live lines appear as sessions happen, digests included */
    sink_lines_defer_digests(&text_lines, !pl.src.live);
    pl.lines = &lines;
    int lines_used = 0;
    /* an export or Redis holds the events: stdout only when asked */
    int to_stdout = !opt.tui && (opt.format_given || (!opt.export_dir && !opt.output));
    tui_model *model = NULL;
    if (opt.tui)
        model = tui_model_new(NULL);
    if (pl.redis || to_stdout) {
        tr_sink ls = sink_lines_sink(&lines);
        tr_ctx_add_sink(&pl.ctx, &ls);
        lines_used = 1;
    }
    if (pl.redis && to_stdout && opt.json) {
        sink_redis_tee(pl.redis, stdout); /* the same bytes: formatted once */
    } else if (pl.redis && to_stdout) {
        tr_sink ls = sink_lines_sink(&text_lines);
        tr_ctx_add_sink(&pl.ctx, &ls);
        pl.text_lines = &text_lines;
    }
    int nmem = 0;
    if (pl.redis)
        opt.engine.sink_memory[nmem++] = sink_redis_memory(pl.redis);
    sink_export *exporter = NULL;
    if (opt.export_dir) {
        exporter = sink_export_open(opt.export_dir, opt.raw, opt.force, err, sizeof err);
        if (!exporter) {
            fprintf(stderr, "trawl: %s\n", err);
            source_close(&pl.src);
            return 1;
        }
        sink_export_defer_digests(exporter, !pl.src.live);
        sink_export_set_max_bytes(exporter, opt.export_max_given ? opt.export_max : sink_export_free_space(opt.export_dir));
        opt.engine.sink_memory[nmem++] = sink_export_memory(exporter);
        tr_sink es = sink_export_sink(exporter);
        tr_ctx_add_sink(&pl.ctx, &es);
    }
    /* Hashing objects on the second core overlaps it with everything else; one core gains nothing from a thread. */
    __fsetlocking(stdout, FSETLOCKING_BYCALLER); /* one thread at a time writes it (the worker, while it writes
                                                     lines, until sink_lines_drain): no lock per line */
    static char stdout_buffer[1 << 16]; /* glibc's default for a pipe is 4 KB: a write(2) every ten lines */
    if (!pl.src.live)
        setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    int pcap_to_stdout = opt.write_file && strcmp(opt.write_file, "-") == 0;
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && tr_worker_start() == 0 && lines_used && !pl.text_lines && !opt.tui &&
        !pl.src.live && !pcap_to_stdout) {
        sink_lines_use_worker(&lines, 1); /* formatting lines is a third of the work on traffic of small events */
        pl.ctx.results_on_worker = pl.ctx.nsinks == 1; /* the lines alone: bodies may be inflated there too */
    }
    /* the views across protocols (the UI's tabs, the export's credentials.jsonl ... stats.json) and --stats's counts:
     * after the choice above, it reads no result the worker fills in */
    views *vw = opt.tui || opt.export_dir || opt.stats ? views_new() : NULL;
    /* A file's UI: the model and the views are built on the worker, as -T json's lines are formatted there (a
     * live capture's are built here, so rows follow their packets at once). */
    if (model && tr_worker_running() && !pl.src.live)
        pl.relay = sink_worker_new(tui_model_limits(model)->max_transcript);
    tr_sink ms = model ? tui_model_sink(model) : (tr_sink){0}, vs = vw ? views_sink(vw) : (tr_sink){0};
    if (pl.relay) {
        sink_worker_add(pl.relay, &ms);
        if (vw)
            sink_worker_add(pl.relay, &vs);
        tr_sink rs = sink_worker_sink(pl.relay);
        tr_ctx_add_sink(&pl.ctx, &rs);
    } else {
        if (model)
            tr_ctx_add_sink(&pl.ctx, &ms);
        if (vw)
            tr_ctx_add_sink(&pl.ctx, &vs);
    }
    pl.engine = tr_engine_new(&pl.ctx, &opt.engine);
    if (!pl.engine) {
        fprintf(stderr, "trawl: out of memory\n");
        return 1;
    }
    signal_source = &pl.src;
    install_signals();
    if (pl.src.live)
        setvbuf(stdout, NULL, _IOLBF, 0); /* sessions appear as traffic flows */

    char label[512];
    if (opt.filter)
        snprintf(label, sizeof label, "%s (%s)", input, opt.filter);
    else
        snprintf(label, sizeof label, "%s", input);
    pl.views = vw;
    pl.exporter = exporter;
    int status = opt.tui ? run_tui(&pl, model, vw, label, exporter) : run_lines(&pl);

    finish_once(&pl);
    if (pl.relay) /* quit early: the sessions' ends still go to the views before they are exported or freed */
        sink_worker_drain(pl.relay, 0);
    sink_lines_drain(&lines);
    sink_lines_drain(&text_lines);
    tr_ctx_fold_worker_counts(&pl.ctx); /* the events and anomalies the worker wrote itself */
    if (pl.redis && sink_redis_finish(pl.redis, err, sizeof err) < 0) { /* before stdout: it may copy to it */
        fprintf(stderr, "trawl: %s: %s\n", opt.output_url.display, err);
        status = 1;
    }
    fflush(stdout);
    sink_export_stats xst = {0};
    if (exporter && vw)
        views_fill_file_digests(vw, sink_export_file_sha256, exporter); /* a torrent's files, written by now */
    if (exporter && vw && views_export(vw, sink_export_put, exporter) < 0)
        status = 1; /* the reason comes with sink_export_finish's */
    if (exporter && sink_export_finish_stats(exporter, &xst, err, sizeof err) < 0) {
        fprintf(stderr, "trawl: %s: %s\n", opt.export_dir, err);
        status = 1;
    }
    if (xst.bytes_dropped)
        fprintf(stderr, "trawl: %s: warning: --export-max reached: %" PRIu64 " bytes of %" PRIu64 " files not written\n",
                opt.export_dir, xst.bytes_dropped, xst.files_cut);
    if (pl.src.cut_off)
        fprintf(stderr, "trawl: %s: warning: capture cut off inside a record (%s); decoded everything before it\n",
                input, pl.src.cut_off_msg);
    if (pl.src.dump_skipped)
        fprintf(stderr, "trawl: %s: warning: %" PRIu64 " packets of interfaces with another link type than the first "
                        "were decoded but not written (a pcap file holds one link type)\n",
                opt.write_file, pl.src.dump_skipped);
    if (pl.src.live) {
        uint64_t rx, drop, ifdrop;
        if (source_kernel_stats(&pl.src, &rx, &drop, &ifdrop) == 0)
            fprintf(stderr, "trawl: %" PRIu64 " packets received by filter, %" PRIu64 " dropped by kernel, %" PRIu64
                            " dropped by interface\n",
                    rx, drop, ifdrop);
    }
    if (opt.stats) {
        summary_input si = {.ctx = &pl.ctx,
                            .engine = tr_engine_stats_get(pl.engine),
                            .limits = &opt.engine,
                            .dec = &pl.dec,
                            .counts = vw ? views_counts(vw) : NULL,
                            .views = vw,
                            .export_dir = opt.export_dir,
                            .exported = &xst};
        summary_print(stderr, &si);
        if (pl.redis) {
            sink_redis_counts rc;
            sink_redis_counts_get(pl.redis, &rc);
            summary_print_output(stderr, opt.output_url.display, sink_redis_stream(pl.redis), &rc);
        }
    }
    views_free(vw);
    tr_engine_free(pl.engine);
    tr_worker_stop(); /* after the engine released every hash context */
    tr_hash_ctx_free_spares();
    sink_worker_free(pl.relay);
    if (model)
        tui_model_free(model);
    decoder_free(&pl.dec);
    signal_source = NULL;
    if (source_dump_finish(&pl.src, err, sizeof err) < 0) {
        fprintf(stderr, "trawl: %s\n", err);
        status = 1;
    }
    source_close(&pl.src);
    sink_lines_free(&lines);
    sink_lines_free(&text_lines);
    sink_redis_free(pl.redis);
    if (ferror(stdout) && errno != EPIPE) { /* a closed pipe is the reader's choice, as for tcpdump */
        fprintf(stderr, "trawl: writing output: %s\n", strerror(errno));
        return 1;
    }
    return status;
}
