#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../output/tr_time.h"

enum {
    OPT_TUI = 1000,
    OPT_EXPORT,
    OPT_RAW,
    OPT_EXPORT_MAX,
    OPT_FORCE,
    OPT_TIME,
    OPT_INFLATE_RATIO,
    OPT_DECODE_AS,
    OPT_STATS,
    OPT_MAX_FLOWS,
    OPT_MEMCAP,
    OPT_TCP_TIMEOUT,
    OPT_UDP_TIMEOUT,
    OPT_NO_PROMISC,
    OPT_VERSION,
    OPT_OUTPUT,
    OPT_OUTPUT_RETRY,
    OPT_OUTPUT_MAXLEN,
    OPT_SENSOR,
    OPT_READ_REDIS,
    OPT_DISSECTOR = 2000, /* + the index of a dissector's option in dissector_options() */
};

#define DISSECTOR_OPTIONS_MAX 64

/* Every option the dissectors declare (tr_dissector.options), in registry order; returns how many. */
static size_t dissector_options(const tr_dissector **dis, const tr_option **opt, size_t cap)
{
    size_t n = 0;
    for (int i = 0; tr_dissectors[i]; i++)
        for (const tr_option *o = tr_dissectors[i]->options; o && o->name && n < cap; o++) {
            dis[n] = tr_dissectors[i];
            opt[n++] = o;
        }
    return n;
}

/* The protocols part of --help, from the registry: names for --decode-as, transports, default ports, and the
 * options each dissector takes. */
static void usage_protocols(FILE *out)
{
    fputs("protocols (PROTO for --decode-as), their transport and default ports:\n", out);
    for (int i = 0; tr_dissectors[i]; i++) {
        const tr_dissector *d = tr_dissectors[i];
        fprintf(out, "  %-12s %-8s", d->name, d->l4 == TR_TCP ? "tcp" : d->l4 == TR_UDP ? "udp" : "tcp udp");
        for (const uint16_t *p = d->ports; p && *p; p++)
            fprintf(out, "%s%u", p == d->ports ? "" : " ", *p);
        if (d->probe)
            fputs(d->ports && d->ports[0] ? "; by content on any port" : "by content on any port", out);
        else if (!d->ports || !d->ports[0])
            fputs("announced by another session", out);
        fputc('\n', out);
    }
    const tr_dissector *dis[DISSECTOR_OPTIONS_MAX];
    const tr_option *opt[DISSECTOR_OPTIONS_MAX];
    size_t n = dissector_options(dis, opt, DISSECTOR_OPTIONS_MAX);
    if (n)
        fputs("protocol options:\n", out);
    for (size_t i = 0; i < n; i++) {
        char left[96];
        snprintf(left, sizeof left, "--%s%s%s", opt[i]->name, opt[i]->arg ? " " : "", opt[i]->arg ? opt[i]->arg : "");
        fprintf(out, "  %-22s%s%s (%s)\n", left, strlen(left) > 21 ? "\n                        " : "",
                opt[i]->help ? opt[i]->help : "", dis[i]->name);
    }
}

void options_usage(FILE *out)
{
    fputs("usage: trawl -r FILE [options]     read a pcap or pcapng file (- for stdin)\n"
          "       trawl -i IFACE [options]    live capture (-i any works)\n"
          "       trawl -D                    list capture interfaces\n"
          "       trawl --read-redis URL      print the events of Redis streams, read through a consumer group\n"
          "options:\n"
          "  -f 'BPF'              capture filter (libpcap syntax), live and offline\n"
          "  -T text|json          output on stdout: one line per event (text is the default;\n"
          "                        with --export, stdout stays quiet unless -T is given)\n"
          "  --time local|utc|epoch  times in text lines, transcripts and the UI (default local, as tcpdump -tttt;\n"
          "                        JSON always has epoch seconds)\n"
          "  -w FILE               also write the packets read to a pcap file\n"
          "  -c N                  stop after N packets\n"
          "  -Z USER               drop privileges once the capture device is open\n"
          "  --tui                 the ncurses UI instead of line output\n"
          "  --export DIR          write transcripts, extracted files and events.jsonl\n"
          "  --raw                 with --export: also each TCP direction's bytes\n"
          "  --force               with --export: write into a non-empty folder that is not a trawl export\n"
          "                        (an earlier trawl export there is always replaced whole)\n"
          "  --export-max SIZE     with --export: write at most this much (K M G T; 0: no limit; default 90% of\n"
          "                        the free space where the export goes); past it files are cut and counted\n"
          "  --inflate-max-ratio N a compressed object decoding to more than N times its size (once past 1 MB) is a\n"
          "                        decompression bomb: decoding stops, the object is incomplete (default 500; 0: never)\n"
          "  --decode-as [tcp:|udp:]PORT=PROTO   force a dissector on a port\n"
          "  --stats               a summary table on stderr at the end\n"
          "  --max-flows N         sessions tracked at once (default 100000; the oldest is evicted)\n"
          "  --memcap MB           memory for sessions (their records, decoder state and buffered, out-of-order\n"
          "                        and held stream data; default 32); past it the least recently active end\n"
          "  --tcp-timeout S       idle TCP session timeout (default 3600)\n"
          "  --udp-timeout S       idle UDP conversation timeout (default 60)\n"
          "  --no-promisc          do not put the interface in promiscuous mode\n"
          "  --output URL          append every event's -T json line to a Redis stream (XADD); URL is\n"
          "                        redis://[USER:PASS@]HOST[:PORT][/DB][?stream=NAME] or\n"
          "                        unix:PATH[?password=P&user=U&db=N&stream=NAME]; the stream defaults to\n"
          "                        trawl:SENSOR. stdout stays quiet unless -T is given\n"
          "  --output-retry        wait for a Redis that is not up yet instead of exiting\n"
          "  --output-maxlen N     XADD ... MAXLEN ~ N: the stream keeps about its last N entries\n"
          "  --sensor NAME         this sensor's name (default: the host name)\n"
          "  --read-redis URL      read entries through a consumer group and print their JSON lines, then XACK them;\n"
          "                        URL as for --output, with ?stream=A,B (several streams), &group=NAME (default\n"
          "                        trawl) and &consumer=NAME (default HOST-PID); Ctrl-C ends it\n"
          "  -h, --help            this help\n",
          out);
    usage_protocols(out);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* A size: digits and an optional K, M, G or T (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    int shift = 0;
    switch (*end) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    case '\0': break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int options_parse(trawl_options *o, int argc, char **argv)
{
    static const struct option base[] = {
        {"tui", no_argument, NULL, OPT_TUI},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"raw", no_argument, NULL, OPT_RAW},
        {"export-max", required_argument, NULL, OPT_EXPORT_MAX},
        {"force", no_argument, NULL, OPT_FORCE},
        {"time", required_argument, NULL, OPT_TIME},
        {"inflate-max-ratio", required_argument, NULL, OPT_INFLATE_RATIO},
        {"decode-as", required_argument, NULL, OPT_DECODE_AS},
        {"stats", no_argument, NULL, OPT_STATS},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"memcap", required_argument, NULL, OPT_MEMCAP},
        {"tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT},
        {"udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT},
        {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"output-retry", no_argument, NULL, OPT_OUTPUT_RETRY},
        {"output-maxlen", required_argument, NULL, OPT_OUTPUT_MAXLEN},
        {"sensor", required_argument, NULL, OPT_SENSOR},
        {"read-redis", required_argument, NULL, OPT_READ_REDIS},
    };
    enum { NBASE = sizeof base / sizeof base[0] };
    const tr_dissector *dis[DISSECTOR_OPTIONS_MAX];
    const tr_option *dopt[DISSECTOR_OPTIONS_MAX];
    size_t ndopt = dissector_options(dis, dopt, DISSECTOR_OPTIONS_MAX);
    struct option longs[NBASE + DISSECTOR_OPTIONS_MAX + 1];
    memcpy(longs, base, sizeof base);
    for (size_t i = 0; i < ndopt; i++) {
        struct option lo = {dopt[i]->name, dopt[i]->arg ? required_argument : no_argument, NULL, OPT_DISSECTOR + (int)i};
        longs[NBASE + i] = lo;
    }
    memset(&longs[NBASE + ndopt], 0, sizeof longs[0]);
    memset(o, 0, sizeof *o);
    o->promisc = 1;
    o->inflate_max_ratio = TR_INFLATE_MAX_RATIO_DEFAULT;
    tr_engine_default_opts(&o->engine);
    char err[256];
    uint64_t v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:i:Df:T:w:c:Z:h", longs, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->read_file = optarg;
            break;
        case 'i':
            o->iface = optarg;
            break;
        case 'D':
            o->list_ifaces = 1;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case 'T':
            o->format_given = 1;
            if (strcmp(optarg, "json") == 0)
                o->json = 1;
            else if (strcmp(optarg, "text") == 0)
                o->json = 0;
            else {
                fprintf(stderr, "trawl: -T %s: expected text or json\n", optarg);
                return 2;
            }
            break;
        case 'w':
            o->write_file = optarg;
            break;
        case 'c':
            if (parse_u64(optarg, UINT64_MAX, &o->count) < 0 || o->count == 0) {
                fprintf(stderr, "trawl: -c %s: expected a positive number\n", optarg);
                return 2;
            }
            break;
        case 'Z':
            o->user = optarg;
            break;
        case OPT_TUI:
            o->tui = 1;
            break;
        case OPT_EXPORT:
            o->export_dir = optarg;
            break;
        case OPT_TIME:
            if (strcmp(optarg, "local") == 0)
                o->time_style = TR_TIME_LOCAL;
            else if (strcmp(optarg, "utc") == 0)
                o->time_style = TR_TIME_UTC;
            else if (strcmp(optarg, "epoch") == 0)
                o->time_style = TR_TIME_EPOCH;
            else {
                fprintf(stderr, "trawl: --time %s: expected local, utc or epoch\n", optarg);
                return 2;
            }
            break;
        case OPT_EXPORT_MAX:
            if (parse_size(optarg, &o->export_max) < 0) {
                fprintf(stderr, "trawl: --export-max %s: expected a size in bytes (K, M, G, T allowed), 0 for none\n",
                        optarg);
                return 2;
            }
            o->export_max_given = 1;
            break;
        case OPT_INFLATE_RATIO:
            if (parse_u64(optarg, 1000000, &v) < 0) {
                fprintf(stderr, "trawl: --inflate-max-ratio %s: expected 0..1000000\n", optarg);
                return 2;
            }
            o->inflate_max_ratio = (uint32_t)v;
            break;
        case OPT_FORCE:
            o->force = 1;
            break;
        case OPT_RAW:
            o->raw = 1;
            break;
        case OPT_DECODE_AS:
            if (tr_engine_add_decode_as(&o->engine, optarg, err, sizeof err) < 0) {
                fprintf(stderr, "trawl: %s\n", err);
                return 2;
            }
            break;
        case OPT_STATS:
            o->stats = 1;
            break;
        case OPT_MAX_FLOWS:
            if (parse_u64(optarg, 100000000, &v) < 0 || v == 0) {
                fprintf(stderr, "trawl: --max-flows %s: expected 1..100000000\n", optarg);
                return 2;
            }
            o->engine.max_flows = (size_t)v;
            break;
        case OPT_MEMCAP:
            if (parse_u64(optarg, 1 << 20, &v) < 0 || v == 0) {
                fprintf(stderr, "trawl: --memcap %s: expected megabytes, 1..1048576\n", optarg);
                return 2;
            }
            o->engine.memcap = (size_t)v << 20;
            if (o->engine.stream_cap > o->engine.memcap)
                o->engine.stream_cap = o->engine.memcap;
            break;
        case OPT_TCP_TIMEOUT:
        case OPT_UDP_TIMEOUT:
            if (parse_u64(optarg, 365u * 86400, &v) < 0 || v == 0) {
                fprintf(stderr, "trawl: %s %s: expected seconds\n", c == OPT_TCP_TIMEOUT ? "--tcp-timeout" : "--udp-timeout",
                        optarg);
                return 2;
            }
            if (c == OPT_TCP_TIMEOUT)
                o->engine.tcp_timeout_us = (int64_t)v * 1000000;
            else
                o->engine.udp_timeout_us = (int64_t)v * 1000000;
            break;
        case OPT_NO_PROMISC:
            o->promisc = 0;
            break;
        case OPT_OUTPUT:
        case OPT_READ_REDIS: {
            int read = c == OPT_READ_REDIS;
            if (read ? o->read_redis != NULL : o->output != NULL) {
                fprintf(stderr, "trawl: %s given twice\n", read ? "--read-redis" : "--output");
                return 2;
            }
            char uerr[256];
            if (redis_url_parse(read ? &o->read_url : &o->output_url, optarg, read ? REDIS_URL_READ : REDIS_URL_OUTPUT,
                                uerr, sizeof uerr) < 0) {
                fprintf(stderr, "trawl: %s: %s\n", read ? "--read-redis" : "--output", uerr);
                return 2;
            }
            if (read)
                o->read_redis = optarg;
            else
                o->output = optarg;
            break;
        }
        case OPT_OUTPUT_RETRY:
            o->output_retry = 1;
            break;
        case OPT_OUTPUT_MAXLEN:
            if (parse_u64(optarg, UINT64_MAX, &o->output_maxlen) < 0 || o->output_maxlen == 0) {
                fprintf(stderr, "trawl: --output-maxlen %s: expected a positive number\n", optarg);
                return 2;
            }
            break;
        case OPT_SENSOR:
            if (!optarg[0] || strlen(optarg) > 200) {
                fprintf(stderr, "trawl: --sensor: expected a name of 1 to 200 bytes\n");
                return 2;
            }
            o->sensor = optarg;
            break;
        case 'h':
            options_usage(stdout);
            return 1;
        case OPT_VERSION:
            printf("trawl 0.1\n");
            return 1;
        case ':':
            fprintf(stderr, "trawl: option %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            if (c >= OPT_DISSECTOR && (size_t)(c - OPT_DISSECTOR) < ndopt) {
                const tr_option *d = dopt[c - OPT_DISSECTOR];
                if (d->set(optarg, err, sizeof err) < 0) {
                    fprintf(stderr, "trawl: --%s: %s\n", d->name, err);
                    return 2;
                }
                break;
            }
            fprintf(stderr, "trawl: unknown option %s (see trawl --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trawl: unexpected argument '%s' (see trawl --help)\n", argv[optind]);
        return 2;
    }
    if (o->list_ifaces)
        return 0;
    if ((o->output_retry || o->output_maxlen) && !o->output) {
        fprintf(stderr, "trawl: %s needs --output URL\n", o->output_retry ? "--output-retry" : "--output-maxlen");
        return 2;
    }
    if (o->read_redis) {
        if (o->read_file || o->iface || o->output || o->tui || o->export_dir || (o->format_given && !o->json)) {
            fprintf(stderr, "trawl: --read-redis prints JSON lines and takes no -r, -i, -T text, --tui, --export or "
                            "--output\n");
            return 2;
        }
        return 0;
    }
    if (!o->read_file == !o->iface) {
        fprintf(stderr, "trawl: give exactly one of -r FILE or -i IFACE (see trawl --help)\n");
        return 2;
    }
    if (o->raw && !o->export_dir) {
        fprintf(stderr, "trawl: --raw needs --export DIR\n");
        return 2;
    }
    if (o->force && !o->export_dir) {
        fprintf(stderr, "trawl: --force needs --export DIR\n");
        return 2;
    }
    return 0;
}
