/* object_at: objects written by offset (object.h): bytes placed at their offsets in a file under a path the owner
 * names, from any session, in any order, with a bounded record of the ranges that arrived. */
#include <stdio.h>
#include <string.h>

#include "object.h"

int obj_at_open(obj_at *o, tr_ctx *ctx, const char *relpath, uint64_t size, uint32_t max_ranges)
{
    memset(o, 0, sizeof *o);
    o->ctx = ctx;
    o->size = size;
    o->file = -1;
    ranges_init(&o->got, max_ranges);
    if (!relpath || !ctx || ctx->file_sink < 0)
        return 0;
    o->file = tr_file_create(ctx, relpath);
    if (o->file < 0)
        return -1;
    snprintf(o->relpath, sizeof o->relpath, "%s", relpath);
    return 0;
}

void obj_at_write(obj_at *o, uint64_t off, const uint8_t *p, size_t n)
{
    if (!n || off > UINT64_MAX - n)
        return;
    ranges_add(&o->got, off, off + n);
    o->written += n;
    tr_file_write_at(o->ctx, o->file, off, p, n);
}

int obj_at_complete(const obj_at *o, uint64_t a, uint64_t b) { return ranges_covers(&o->got, a, b); }

size_t obj_at_missing(const obj_at *o, uint64_t a, uint64_t b, range *out, size_t cap)
{
    return ranges_missing(&o->got, a, b, out, cap);
}

void obj_at_close(obj_at *o, int complete)
{
    if (o->file >= 0)
        tr_file_end(o->ctx, o->file, complete);
    o->file = -1;
    ranges_free(&o->got);
}
