/* pcapng: a reader for the pcapng files libpcap refuses — those whose interfaces have different link types
 * (dumpcap capturing on an Ethernet interface and a tunnel, say), which libpcap 1.10 cannot hand over with one
 * link type. Everything else goes through libpcap (capture/source.c).
 *
 * Sections (either byte order), interfaces (link type, snapshot length, time stamp resolution and offset),
 * Enhanced, Simple and obsolete Packet blocks; other blocks are skipped. Every block is read through a
 * bounds-checked cursor into one buffer that grows to the largest block (at most PCAPNG_BLOCK_MAX). */
#ifndef PCAPNG_H
#define PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_INTERFACES_MAX 256
#define PCAPNG_BLOCK_MAX (16u << 20) /* libpcap's bound too */

typedef struct pcapng_interface {
    int linktype;     /* LINKTYPE_* as in the file (the numbers of DLT_* for every type trawl decodes) */
    uint32_t snaplen; /* 0: none given */
    int res_pow2;     /* time stamps count 2^-res seconds when set, 10^-res otherwise */
    uint8_t res;
    int64_t offset_s; /* if_tsoffset: seconds added to every time stamp */
} pcapng_interface;

typedef struct pcapng_reader {
    FILE *f;
    int swapped;         /* the current section is in the other byte order */
    uint32_t block_type; /* of the block in the buffer */
    uint8_t *block;      /* the block's body (between its length fields) */
    size_t block_len, block_cap;
    pcapng_interface ifs[PCAPNG_INTERFACES_MAX];
    int nifs;
    uint64_t offset;     /* bytes of the file consumed */
    char err[160];
} pcapng_reader;

typedef struct pcapng_packet {
    int64_t ts_us;       /* microseconds since 1970 */
    const uint8_t *data; /* valid until the next call */
    uint32_t caplen, len;
    int linktype;
} pcapng_packet;

/* Opens path, a pcapng file (its first bytes a section header's type). 0, or -1 with r->err set. */
int pcapng_open(pcapng_reader *r, const char *path);
/* The same on a stream already open (the reader closes it). */
int pcapng_open_stream(pcapng_reader *r, FILE *f);
/* Reads on, without handing over packets, to file offset `at`, a block boundary (where libpcap stopped): the
 * interfaces described before it are known. 0, or -1 (r->err). */
int pcapng_skip_to(pcapng_reader *r, uint64_t at);
/* 1 with the next packet, 0 at the end of the file, -1 on an error (r->err; it begins "truncated" when the
 * file ends inside a block). */
int pcapng_next(pcapng_reader *r, pcapng_packet *p);
void pcapng_close(pcapng_reader *r);

#endif
