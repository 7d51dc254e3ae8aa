#include "pcapng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_buf.h"

enum {
    BT_SECTION = 0x0A0D0D0A,
    BT_INTERFACE = 1,
    BT_PACKET_OBSOLETE = 2,
    BT_SIMPLE_PACKET = 3,
    BT_ENHANCED_PACKET = 6,
    BYTE_ORDER_MAGIC = 0x1A2B3C4D,
    OPT_END = 0,
    OPT_IF_TSRESOL = 9,
    OPT_IF_TSOFFSET = 14,
    OPTIONS_MAX = 1024, /* options read per block, at most */
};

__extension__ typedef unsigned __int128 u128;

static int fail(pcapng_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pcapng_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return -1;
}

/* Numbers in the section's byte order. */
static uint16_t u16(const pcapng_reader *r, tr_buf *b) { return r->swapped ? tr_be16(b) : tr_le16(b); }
static uint32_t u32(const pcapng_reader *r, tr_buf *b) { return r->swapped ? tr_be32(b) : tr_le32(b); }
static uint64_t u64(const pcapng_reader *r, tr_buf *b)
{
    uint64_t a = u32(r, b), c = u32(r, b);
    return r->swapped ? a << 32 | c : c << 32 | a;
}

/* Reads exactly n bytes; -1 with a message when the file ends or fails first. */
static int read_exactly(pcapng_reader *r, void *dst, size_t n, uint32_t block_len)
{
    size_t got = fread(dst, 1, n, r->f);
    r->offset += got;
    if (got == n)
        return 0;
    if (ferror(r->f))
        return fail(r, "error reading the file: %s", strerror(errno));
    return fail(r, "truncated pcapng file: a block of %u bytes is cut short at byte %llu", block_len,
                (unsigned long long)r->offset);
}

/* Reads the next block into r->block: 1, 0 at the end of the file (between blocks), -1 on an error. */
static int read_block(pcapng_reader *r)
{
    uint8_t head[12];
    size_t got = fread(head, 1, 8, r->f);
    r->offset += got;
    if (got == 0 && !ferror(r->f))
        return 0;
    if (got < 8)
        return ferror(r->f) ? fail(r, "error reading the file: %s", strerror(errno))
                            : fail(r, "truncated pcapng file: %zu bytes after the last block", got);
    tr_buf h = tr_buf_make(head, sizeof head);
    uint32_t type = u32(r, &h); /* in the section's byte order; a section header's reads the same in either */
    size_t have = 0;             /* body bytes already read (a section header's byte-order magic) */
    if (type == BT_SECTION) {
        if (read_exactly(r, head + 8, 4, 0) < 0)
            return -1;
        tr_buf m = tr_buf_make(head + 8, 4);
        uint32_t magic = tr_le32(&m);
        if (magic != BYTE_ORDER_MAGIC && magic != 0x4D3C2B1A)
            return fail(r, "section header with an unknown byte-order magic 0x%08x", magic);
        r->swapped = magic != BYTE_ORDER_MAGIC;
        have = 4;
    }
    tr_buf l = tr_buf_make(head + 4, 4);
    uint32_t len = u32(r, &l);
    if (len < 12 + have || len % 4 || len > PCAPNG_BLOCK_MAX)
        return fail(r, "block of type 0x%x has an impossible length %u", type, len);
    size_t body = len - 12;
    if (body > r->block_cap) {
        size_t cap = r->block_cap ? r->block_cap : 4096;
        while (cap < body)
            cap *= 2;
        uint8_t *nb = realloc(r->block, cap);
        if (!nb)
            return fail(r, "out of memory for a block of %u bytes", len);
        r->block = nb;
        r->block_cap = cap;
    }
    if (have)
        memcpy(r->block, head + 8, have);
    uint8_t trailer[4];
    if (read_exactly(r, r->block + have, body - have, len) < 0 || read_exactly(r, trailer, 4, len) < 0)
        return -1;
    tr_buf t = tr_buf_make(trailer, 4);
    uint32_t len2 = u32(r, &t);
    if (len2 != len)
        return fail(r, "block of type 0x%x: its length fields differ (%u and %u)", type, len, len2);
    r->block_type = type;
    r->block_len = body;
    return 1;
}

static int on_section(pcapng_reader *r)
{
    tr_buf b = tr_buf_make(r->block, r->block_len);
    tr_skip(&b, 4); /* the byte-order magic, already read */
    uint16_t major = u16(r, &b);
    if (b.err || major != 1)
        return fail(r, "section header of pcapng version %u, not 1", major);
    r->nifs = 0; /* interfaces are numbered per section */
    return 0;
}

static int on_interface(pcapng_reader *r)
{
    if (r->nifs >= PCAPNG_INTERFACES_MAX)
        return fail(r, "more than %d interfaces in a section", PCAPNG_INTERFACES_MAX);
    tr_buf b = tr_buf_make(r->block, r->block_len);
    pcapng_interface i = {.res = 6};
    i.linktype = u16(r, &b);
    tr_skip(&b, 2);
    i.snaplen = u32(r, &b);
    if (b.err)
        return fail(r, "interface description of %zu bytes is too short", r->block_len);
    for (int n = 0; n < OPTIONS_MAX && tr_left(&b) >= 4; n++) {
        uint16_t code = u16(r, &b), olen = u16(r, &b);
        if (code == OPT_END)
            break;
        tr_buf v = tr_sub(&b, olen);
        if (b.err)
            break; /* an option running past the block: the rest is not read */
        tr_skip(&b, (4 - olen % 4) % 4);
        if (code == OPT_IF_TSRESOL && olen >= 1) {
            uint8_t res = tr_u8(&v);
            i.res_pow2 = res >> 7;
            i.res = res & 0x7f;
        } else if (code == OPT_IF_TSOFFSET && olen >= 8) {
            i.offset_s = (int64_t)u64(r, &v);
        }
    }
    if (!i.res_pow2 && i.res > 19)
        return fail(r, "interface %d: time stamps in units of 10^-%u s", r->nifs, i.res);
    if (i.res_pow2 && i.res > 63)
        return fail(r, "interface %d: time stamps in units of 2^-%u s", r->nifs, i.res);
    r->ifs[r->nifs++] = i;
    return 0;
}

static int64_t to_us(const pcapng_interface *i, uint64_t t)
{
    int64_t us;
    if (i->res_pow2) {
        us = (int64_t)(((u128)t * 1000000u) >> i->res);
    } else {
        uint64_t scale = 1;
        for (int k = 6; k < i->res; k++)
            scale *= 10;
        for (int k = i->res; k < 6; k++)
            scale *= 10; /* coarser than microseconds: multiplied below */
        us = i->res >= 6 ? (int64_t)(t / scale) : (int64_t)(t * scale);
    }
    return (int64_t)((uint64_t)us + (uint64_t)i->offset_s * 1000000u); /* wraps on absurd offsets, no UB */
}

/* The packet of the block in the buffer: 1, 0 when the block is not a packet, -1 on an error. */
static int packet_of(pcapng_reader *r, pcapng_packet *p)
{
    tr_buf b = tr_buf_make(r->block, r->block_len);
    uint32_t ifid = 0, caplen;
    uint64_t ts = 0;
    switch (r->block_type) {
    case BT_ENHANCED_PACKET:
    case BT_PACKET_OBSOLETE:
        if (r->block_type == BT_ENHANCED_PACKET) {
            ifid = u32(r, &b);
        } else {
            ifid = u16(r, &b);
            tr_skip(&b, 2); /* drops count */
        }
        ts = (uint64_t)u32(r, &b) << 32;
        ts |= u32(r, &b);
        caplen = u32(r, &b);
        p->len = u32(r, &b);
        if (b.err || caplen > tr_left(&b))
            return fail(r, "packet block of %zu bytes holds no %u captured bytes", r->block_len, caplen);
        break;
    case BT_SIMPLE_PACKET:
        p->len = u32(r, &b);
        caplen = p->len < tr_left(&b) ? p->len : (uint32_t)tr_left(&b);
        if (r->nifs && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
            caplen = r->ifs[0].snaplen;
        break;
    default:
        return 0;
    }
    if (ifid >= (uint32_t)r->nifs)
        return fail(r, "packet on interface %u, which the section has not described", ifid);
    const pcapng_interface *i = &r->ifs[ifid];
    p->data = tr_bytes(&b, caplen);
    p->caplen = caplen;
    p->linktype = i->linktype;
    p->ts_us = r->block_type == BT_SIMPLE_PACKET ? 0 : to_us(i, ts);
    return 1;
}

/* Reads the next block and takes in what it describes (a section, an interface): 1, 0 at the end, -1 on an
 * error. A packet block stays in the buffer. */
static int next_block(pcapng_reader *r)
{
    int rc = read_block(r);
    if (rc <= 0)
        return rc;
    if (r->block_type == BT_SECTION)
        rc = on_section(r);
    else if (r->block_type == BT_INTERFACE)
        rc = on_interface(r);
    else
        rc = 0; /* packets; name resolution, statistics, secrets and custom blocks are not needed */
    return rc < 0 ? -1 : 1;
}

int pcapng_open(pcapng_reader *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(r, 0, sizeof *r);
        return fail(r, "%s", strerror(errno));
    }
    return pcapng_open_stream(r, f);
}

int pcapng_open_stream(pcapng_reader *r, FILE *f)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    uint8_t first[4];
    if (fread(first, 1, 4, r->f) != 4 || memcmp(first, "\x0a\x0d\x0d\x0a", 4) != 0) {
        fclose(r->f);
        r->f = NULL;
        return fail(r, "not a pcapng file");
    }
    rewind(r->f);
    return 0;
}

int pcapng_skip_to(pcapng_reader *r, uint64_t at)
{
    while (r->offset < at) {
        int rc = next_block(r);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
    }
    if (r->offset != at)
        return fail(r, "no block boundary at byte %llu", (unsigned long long)at);
    return 0;
}

int pcapng_next(pcapng_reader *r, pcapng_packet *p)
{
    for (;;) {
        int rc = next_block(r);
        if (rc <= 0)
            return rc;
        rc = packet_of(r, p);
        if (rc != 0)
            return rc;
    }
}

void pcapng_close(pcapng_reader *r)
{
    if (r->f)
        fclose(r->f);
    free(r->block);
    memset(r, 0, sizeof *r);
}
