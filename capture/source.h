/* source: the libpcap front end — a capture file (pcap/pcapng, "-" for stdin) or a live interface,
 * an optional BPF filter, an optional -w copy of every packet read, and a dispatch loop. */
#ifndef SOURCE_H
#define SOURCE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapng.h"

#define SOURCE_LINKTYPES_MAX 8 /* compiled -f programs kept for a pcapng file's link types */

typedef struct tr_source {
    pcap_t *pcap;
    pcap_dumper_t *dump;
    int linktype;
    int live;
    const char *name;     /* file path or interface, for messages */
    long file_size;       /* for the progress line; -1 when unknown (stdin) */
    char *read_buffer;    /* the file's stdio buffer, freed after pcap_close */
    uint64_t packets;
    int cut_off;          /* the file ended inside a record */
    char cut_off_msg[PCAP_ERRBUF_SIZE];
    /* A pcapng file whose interfaces' link types differ: libpcap stops at the first interface of another
     * type, and capture/pcapng.c reads on from there; linktype is then the current packet's. -w goes on
     * writing the packets of the first link type (a pcap file holds one) and counts the others. */
    pcapng_reader *ng;
    uint64_t dump_skipped;
    const char *dump_path; /* -w FILE, for messages */
    int dump_failed;       /* a write error was reported: said once */
    volatile sig_atomic_t ng_break;
    char *ng_filter_text;
    struct {
        int linktype, usable;
        struct bpf_program prog;
    } ng_filters[SOURCE_LINKTYPES_MAX];
    int ng_nfilters;
} tr_source;

typedef void (*source_handler)(void *arg, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen);

int source_open_file(tr_source *s, const char *path, char *err, size_t errlen);
int source_open_live(tr_source *s, const char *iface, int promisc, char *err, size_t errlen);
int source_set_filter(tr_source *s, const char *bpf, char *err, size_t errlen);
int source_dump_open(tr_source *s, const char *path, char *err, size_t errlen);
/* Reads up to budget packets (budget <= 0: until a timeout/eof). Returns the number handled,
 * 0 when nothing is available now (live), -1 at the end of the file, -2 on a read error (err set), -3 when
 * writing the -w file failed (err set: "-w FILE: why"; the packet was decoded, reading stops). */
int source_dispatch(tr_source *s, int budget, source_handler h, void *arg, char *err, size_t errlen);
/* Live: waits up to ms for packets (or a signal); returns at once for files. */
void source_wait(const tr_source *s, int ms);
/* Bytes of the file read so far (progress), -1 when unknown. */
long source_position(const tr_source *s);
/* Kernel counts for live captures; 0 on success. */
int source_kernel_stats(tr_source *s, uint64_t *received, uint64_t *dropped, uint64_t *if_dropped);
int source_selectable_fd(const tr_source *s);
void source_break(tr_source *s);
/* Flushes the -w file: 0, or -1 with "-w FILE: why" in err (a full disk, an I/O error). Call before closing. */
int source_dump_finish(tr_source *s, char *err, size_t errlen);
void source_close(tr_source *s);
/* Prints the capture interfaces like tcpdump -D; 0 on success. */
int source_list_interfaces(char *err, size_t errlen);

#endif
