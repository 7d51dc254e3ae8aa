#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>

/* The kernel ring. Immediate mode uses fixed-size frames as large as the biggest packet (64 KB where the
 * interface offloads), so 32 MB holds only ~512 packets: a burst beyond that is dropped and counted. */
#define LIVE_BUFFER_BYTES (32 << 20)
#define LIVE_TIMEOUT_MS 100
/* libpcap reads a file with two freads per packet; a large buffer makes that a memcpy, and one read(2) per
 * 256 KB instead of per 4 KB. 256 KB stays in the L2 cache between the read and libpcap's copies: -T json on
 * the benchmark capture took 0.66 s with it, 0.69 s with 1 MB (5 runs each, medians). A sliding mmap window
 * read through fopencookie was slower (0.68 s): stdio still copies through its buffer. */
#define FILE_BUFFER_BYTES (1 << 18)

/* The capture file as a FILE for libpcap: big buffer, and no stdio locking (only this thread reads it; with the
 * worker thread running, glibc would otherwise lock on every fread). */
static FILE *open_capture_file(tr_source *s, const char *path, char *err, size_t errlen)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    s->read_buffer = malloc(FILE_BUFFER_BYTES);
    if (s->read_buffer)
        setvbuf(fp, s->read_buffer, _IOFBF, FILE_BUFFER_BYTES);
    return fp;
}

/* libpcap stopped at an interface whose link type differs from the first's (its message in `why`):
 * capture/pcapng.c reads the file from there on (where libpcap's stream stands, the interfaces described
 * before it known). 0, or -1 with err saying why not. */
static int switch_to_pcapng(tr_source *s, const char *why, char *err, size_t errlen)
{
    FILE *f = pcap_file(s->pcap);
    off_t at = f ? ftello(f) : -1;
    if (at < 0 || strcmp(s->name, "-") == 0) {
        snprintf(err, errlen, "%s (trawl reads such files itself, but not from standard input: give the file's "
                              "name)", why);
        return -1;
    }
    s->ng = calloc(1, sizeof *s->ng);
    if (!s->ng) {
        snprintf(err, errlen, "%s (out of memory)", why);
        return -1;
    }
    if (pcapng_open(s->ng, s->name) < 0 || pcapng_skip_to(s->ng, (uint64_t)at) < 0) {
        snprintf(err, errlen, "%s (%s)", why, s->ng->err);
        pcapng_close(s->ng);
        free(s->ng);
        s->ng = NULL;
        return -1;
    }
    return 0;
}

int source_open_file(tr_source *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    s->file_size = -1;
    char pe[PCAP_ERRBUF_SIZE] = "";
    struct stat st;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "is a directory");
            return -1;
        }
        s->file_size = (long)st.st_size;
    }
    FILE *fp = open_capture_file(s, path, err, errlen);
    if (!fp)
        return -1;
    s->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
    if (!s->pcap) {
        if (fp != stdin)
            fclose(fp); /* libpcap leaves a FILE it could not use to its opener */
        free(s->read_buffer);
        s->read_buffer = NULL;
        if (strstr(pe, "unknown file format") || strstr(pe, "bad dump file format"))
            snprintf(err, errlen, "not a pcap or pcapng capture (%s)", pe);
        else if (strstr(pe, "truncated"))
            snprintf(err, errlen, "capture file header cut short (%s)", pe);
        else
            snprintf(err, errlen, "%s", pe[0] ? pe : "cannot open");
        return -1;
    }
    s->linktype = pcap_datalink(s->pcap);
    return 0;
}

int source_open_live(tr_source *s, const char *iface, int promisc, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->name = iface;
    s->live = 1;
    s->file_size = -1;
    char pe[PCAP_ERRBUF_SIZE] = "";
    s->pcap = pcap_create(iface, pe);
    if (!s->pcap) {
        snprintf(err, errlen, "%s", pe);
        return -1;
    }
    pcap_set_snaplen(s->pcap, 262144);
    pcap_set_promisc(s->pcap, promisc);
    pcap_set_immediate_mode(s->pcap, 1);
    pcap_set_buffer_size(s->pcap, LIVE_BUFFER_BYTES);
    pcap_set_timeout(s->pcap, LIVE_TIMEOUT_MS);
    pcap_set_tstamp_precision(s->pcap, PCAP_TSTAMP_PRECISION_MICRO);
    int r = pcap_activate(s->pcap);
    if (r < 0) {
        const char *why = pcap_geterr(s->pcap);
        if (r == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(err, errlen, "no such interface (%s)", why);
        else if (r == PCAP_ERROR_PERM_DENIED)
            snprintf(err, errlen, "permission denied: capturing needs root or CAP_NET_RAW (%s)", why);
        else
            snprintf(err, errlen, "%s", why && why[0] ? why : pcap_statustostr(r));
        pcap_close(s->pcap);
        s->pcap = NULL;
        return -1;
    }
    /* Non-blocking: with TPACKET_V3 a blocking read can wait forever on a quiet interface, so the caller
     * polls the selectable fd with its own timeout and stays responsive (idle timeouts, keys, signals). */
    if (pcap_setnonblock(s->pcap, 1, pe) < 0) {
        snprintf(err, errlen, "%s", pe);
        pcap_close(s->pcap);
        s->pcap = NULL;
        return -1;
    }
    s->linktype = pcap_datalink(s->pcap);
    return 0;
}

/* Live: waits up to ms for packets (or a signal); returns at once for files. */
void source_wait(const tr_source *s, int ms)
{
    if (!s->live)
        return;
    struct pollfd p = {.fd = pcap_get_selectable_fd(s->pcap), .events = POLLIN};
    poll(&p, 1, ms);
}

/* pcapng holds LINKTYPE_ values; libpcap's DLT_ ones are the same numbers but for raw IP's. */
static int dlt_of_linktype(int linktype) { return linktype == 101 ? DLT_RAW : linktype; }

/* The -f program for a pcapng packet's link type, compiled when first needed; NULL when the filter cannot
 * apply to that link type (it names another layer) or the file has more than SOURCE_LINKTYPES_MAX of them:
 * those packets do not match. */
static const struct bpf_program *mixed_filter(tr_source *s, int linktype)
{
    for (int i = 0; i < s->ng_nfilters; i++)
        if (s->ng_filters[i].linktype == linktype)
            return s->ng_filters[i].usable ? &s->ng_filters[i].prog : NULL;
    if (s->ng_nfilters == SOURCE_LINKTYPES_MAX)
        return NULL;
    int i = s->ng_nfilters++;
    s->ng_filters[i].linktype = linktype;
    s->ng_filters[i].usable = 0;
    pcap_t *dead = pcap_open_dead(dlt_of_linktype(linktype), 262144);
    if (dead && pcap_compile(dead, &s->ng_filters[i].prog, s->ng_filter_text, 1, PCAP_NETMASK_UNKNOWN) == 0)
        s->ng_filters[i].usable = 1;
    if (dead)
        pcap_close(dead);
    return s->ng_filters[i].usable ? &s->ng_filters[i].prog : NULL;
}

int source_set_filter(tr_source *s, const char *bpf, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(s->pcap, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "bad filter '%s': %s", bpf, pcap_geterr(s->pcap));
        return -1;
    }
    int r = pcap_setfilter(s->pcap, &prog);
    pcap_freecode(&prog);
    if (r < 0) {
        snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(s->pcap));
        return -1;
    }
    free(s->ng_filter_text); /* kept for a switch to capture/pcapng.c, which compiles it per link type */
    s->ng_filter_text = strdup(bpf);
    if (!s->ng_filter_text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int source_dump_open(tr_source *s, const char *path, char *err, size_t errlen)
{
    s->dump_path = path;
    s->dump = pcap_dump_open(s->pcap, path);
    if (!s->dump) {
        snprintf(err, errlen, "%s", pcap_geterr(s->pcap));
        return -1;
    }
    return 0;
}

/* The next packet capture/pcapng.c reads that passes -f (compiled for its link type), as pcap_next_ex
 * returns one: 1, PCAP_ERROR_BREAK at the end or after source_break, PCAP_ERROR with err set. */
static int next_pcapng(tr_source *s, struct pcap_pkthdr *hdr, const u_char **data, char *err, size_t errlen)
{
    for (;;) {
        if (s->ng_break) {
            s->ng_break = 0;
            return PCAP_ERROR_BREAK;
        }
        pcapng_packet p;
        int r = pcapng_next(s->ng, &p);
        if (r <= 0) {
            if (r < 0)
                snprintf(err, errlen, "%s", s->ng->err);
            return r < 0 ? PCAP_ERROR : PCAP_ERROR_BREAK;
        }
        hdr->ts.tv_sec = (time_t)(p.ts_us / 1000000);
        hdr->ts.tv_usec = (suseconds_t)(p.ts_us % 1000000);
        hdr->caplen = p.caplen;
        hdr->len = p.len;
        *data = p.data;
        s->linktype = p.linktype;
        if (!s->ng_filter_text)
            return 1;
        const struct bpf_program *prog = mixed_filter(s, p.linktype);
        if (prog && pcap_offline_filter(prog, hdr, p.data))
            return 1;
    }
}

/* The next packet, from libpcap or, once it stopped at an interface of another link type, from
 * capture/pcapng.c: pcap_next_ex's results, its message in err for PCAP_ERROR. */
static int next_packet(tr_source *s, struct pcap_pkthdr *hdr, const u_char **data, char *err, size_t errlen)
{
    if (!s->ng) {
        struct pcap_pkthdr *h;
        int r = pcap_next_ex(s->pcap, &h, data);
        if (r == 1)
            *hdr = *h;
        if (r != PCAP_ERROR)
            return r;
        const char *why = pcap_geterr(s->pcap);
        if (s->live || !strstr(why, "different from the type of the first interface")) {
            snprintf(err, errlen, "%s", why);
            return r;
        }
        if (switch_to_pcapng(s, why, err, errlen) < 0)
            return r;
    }
    return next_pcapng(s, hdr, data, err, errlen);
}

int source_dispatch(tr_source *s, int budget, source_handler h, void *arg, char *err, size_t errlen)
{
    int done = 0, dump_errno = 0;
    for (;;) {
        if (budget > 0 && done >= budget)
            return done;
        struct pcap_pkthdr hdr;
        const u_char *data;
        int r = next_packet(s, &hdr, &data, err, errlen);
        if (r == 1) {
            s->packets++;
            if (s->dump && s->ng && dlt_of_linktype(s->linktype) != pcap_datalink(s->pcap)) {
                s->dump_skipped++; /* a pcap file holds one link type: the first interface's */
            } else if (s->dump) {
                errno = 0;
                pcap_dump((u_char *)s->dump, &hdr, data);
                if (s->live)
                    pcap_dump_flush(s->dump); /* readable while trawl runs */
                /* stdio keeps a write's error: a full disk shows at the first flush of the buffer that fails */
                if (ferror(pcap_dump_file(s->dump)))
                    dump_errno = errno ? errno : EIO;
            }
            int64_t ts = (int64_t)hdr.ts.tv_sec * 1000000 + hdr.ts.tv_usec;
            h(arg, ts, data, hdr.caplen, hdr.len);
            done++;
            if (dump_errno) {
                s->dump_failed = 1;
                snprintf(err, errlen, "-w %s: %s", s->dump_path, strerror(dump_errno));
                return -3;
            }
            continue;
        }
        if (r == 0)
            return done; /* live: timeout with nothing */
        if (r == PCAP_ERROR_BREAK)
            return done ? done : -1;
        /* a read error; offline it is usually a file cut off inside a record */
        if (!s->live && strstr(err, "truncated")) {
            s->cut_off = 1;
            snprintf(s->cut_off_msg, sizeof s->cut_off_msg, "%s", err);
            err[0] = 0;
            return done ? done : -1;
        }
        return -2;
    }
}

long source_position(const tr_source *s)
{
    if (s->live || s->file_size < 0)
        return -1;
    if (s->ng)
        return (long)s->ng->offset;
    FILE *f = pcap_file(s->pcap);
    return f ? ftell(f) : -1;
}

int source_kernel_stats(tr_source *s, uint64_t *received, uint64_t *dropped, uint64_t *if_dropped)
{
    struct pcap_stat st;
    if (!s->live || pcap_stats(s->pcap, &st) < 0)
        return -1;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *if_dropped = st.ps_ifdrop;
    return 0;
}

int source_selectable_fd(const tr_source *s) { return s->live ? pcap_get_selectable_fd(s->pcap) : -1; }

void source_break(tr_source *s)
{
    s->ng_break = 1;
    if (s->pcap)
        pcap_breakloop(s->pcap);
}

int source_dump_finish(tr_source *s, char *err, size_t errlen)
{
    if (!s->dump || s->dump_failed)
        return 0;
    errno = 0;
    if (pcap_dump_flush(s->dump) != 0 || ferror(pcap_dump_file(s->dump))) {
        snprintf(err, errlen, "-w %s: %s", s->dump_path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

void source_close(tr_source *s)
{
    if (s->dump) {
        pcap_dump_flush(s->dump);
        pcap_dump_close(s->dump);
        s->dump = NULL;
    }
    if (s->pcap) {
        pcap_close(s->pcap);
        s->pcap = NULL;
    }
    if (s->ng) {
        pcapng_close(s->ng);
        free(s->ng);
        s->ng = NULL;
    }
    for (int i = 0; i < s->ng_nfilters; i++)
        if (s->ng_filters[i].usable)
            pcap_freecode(&s->ng_filters[i].prog);
    s->ng_nfilters = 0;
    free(s->ng_filter_text);
    s->ng_filter_text = NULL;
    free(s->read_buffer); /* after the FILE using it is closed */
    s->read_buffer = NULL;
}

int source_list_interfaces(char *err, size_t errlen)
{
    pcap_if_t *all;
    char pe[PCAP_ERRBUF_SIZE] = "";
    if (pcap_findalldevs(&all, pe) < 0) {
        snprintf(err, errlen, "%s", pe);
        return -1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        printf("%d.%s", i, d->name);
        if (d->description)
            printf(" (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            printf(" [Loopback]");
        if (d->flags & PCAP_IF_UP)
            printf(" [Up]");
        if (d->flags & PCAP_IF_RUNNING)
            printf(" [Running]");
        printf("\n");
    }
    pcap_freealldevs(all);
    return 0;
}
