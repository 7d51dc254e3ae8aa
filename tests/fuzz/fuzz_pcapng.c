/* fuzz_pcapng: capture/pcapng.c on arbitrary files. Checks that every packet it hands over lies inside the
 * block it read (caplen within the buffer) and that reading ends, with a packet count bounded by the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    pcapng_reader r;
    if (pcapng_open_stream(&r, f) < 0)
        return 0;
    pcapng_packet p;
    size_t packets = 0;
    uint64_t sum = 0;
    while (pcapng_next(&r, &p) == 1) {
        if (p.caplen > r.block_len || (p.caplen && (p.data < r.block || p.data + p.caplen > r.block + r.block_len)))
            abort();
        for (uint32_t i = 0; i < p.caplen; i++) /* every byte handed over is readable (ASan) */
            sum += p.data[i];
        if (++packets > size / 12)
            abort(); /* a block is at least 12 bytes: more packets than that means a block was read twice */
    }
    if (r.offset > size)
        abort();
    pcapng_close(&r);
    return (int)(sum & 0);
}
