/* floor: the least any pcap reader can do — read every record with libpcap and touch every byte.
 * The benchmark's baseline: trawl's time is reported as a multiple of this program's.
 *
 *   floor FILE        prints packets, bytes and a checksum of the bytes (so no byte goes unread) */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct tally {
    uint64_t packets, bytes, sum;
} tally;

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
    tally *t = (tally *)arg;
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 8 <= h->caplen; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        s += w;
    }
    for (; i < h->caplen; i++)
        s += p[i];
    t->sum += s;
    t->packets++;
    t->bytes += h->caplen;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "floor: %s\n", err);
        return 1;
    }
    tally t = {0, 0, 0};
    if (pcap_loop(p, -1, on_packet, (u_char *)&t) == -1) /* a cut-off capture: what came before it counts */
        fprintf(stderr, "floor: %s: warning: %s; read everything before it\n", argv[1], pcap_geterr(p));
    pcap_close(p);
    printf("%llu packets %llu bytes sum %016llx\n", (unsigned long long)t.packets, (unsigned long long)t.bytes,
           (unsigned long long)t.sum);
    return 0;
}
