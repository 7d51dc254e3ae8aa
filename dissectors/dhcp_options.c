/* dhcp_options: the option areas of a DHCP message read into one table by code (dhcp_options.h).
 *
 * An area is a run of options (RFC 2132 2):
 *
 *   code 0 (Pad): one byte, no length        code 255 (End): one byte, the area ends
 *   code len value[len]                      every other code
 *
 * The options field comes first; an option 52 in it says whether the file field (1), the sname field (2) or both
 * (3) hold further options, read in that order: options, file, sname (RFC 2131 4.1). An option may come in several
 * instances, in one area or across them; its value is their concatenation in that order (RFC 3396). */
#include "dhcp_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"

static const char *const option_names[256] = {
#define DHCP_OPTION(code, name, kind) [code] = name,
#include "dhcp_options.def"
#undef DHCP_OPTION
};

static const uint8_t option_kinds[256] = {
#define DHCP_OPTION(code, name, kind) [code] = kind,
#include "dhcp_options.def"
#undef DHCP_OPTION
};

const char *dhcp_option_name(unsigned code) { return code < 256 ? option_names[code] : NULL; }

int dhcp_option_kind(unsigned code) { return code < 256 ? option_kinds[code] : DOK_HEX; }

static const char *const area_names[] = {"options", "file", "sname"};

static void problem(dhcp_options *o, int what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(dhcp_options *o, int what, const char *fmt, ...)
{
    if (o->problem)
        return;
    o->problem = what;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
}

/* One area: its instances appended to o->part. Each turn of the loop takes at least one byte, and the number of
 * instances kept is capped. */
static void read_area(dhcp_options *o, const uint8_t *p, size_t n, int area)
{
    tr_buf b = tr_buf_make(p, n);
    while (tr_left(&b)) {
        size_t at = b.off;
        uint8_t code = tr_u8(&b);
        if (code == 0)
            continue;
        if (code == 255)
            return;
        uint8_t len = tr_u8(&b);
        const uint8_t *v = tr_bytes(&b, len);
        if (!v) {
            /* the length contradicts the field it is in: what follows cannot be found again */
            problem(o, DHCP_OPT_OVERRUN, "option %u at offset %zu of the %s field says %u bytes; the field ends first",
                    code, at, area_names[area], (unsigned)len);
            return;
        }
        if (area != DHCP_AREA_OPTIONS && code == 52) {
            problem(o, DHCP_OPT_BAD_OVERLOAD, "option 52 inside the %s field (only the options field may hold it)",
                    area_names[area]);
            continue;
        }
        if (o->nparts >= DHCP_OPTION_PARTS_MAX) {
            problem(o, DHCP_OPT_TOO_MANY, "more than %d options; the rest of the %s field is not read",
                    DHCP_OPTION_PARTS_MAX, area_names[area]);
            return;
        }
        dhcp_part *pt = &o->part[o->nparts++];
        pt->p = v;
        pt->code = code;
        pt->len = len;
        if (!o->opt[code].instances) {
            o->order[o->n++] = code;
            o->opt[code].p = v;
            o->opt[code].len = 0;
            o->opt[code].area = (uint8_t)area;
        }
        o->opt[code].instances++;
        o->opt[code].len += len;
    }
}

/* Values of options that came more than once are copied, instance after instance, into o->join. */
static void join_instances(dhcp_options *o)
{
    uint32_t start[256], fill[256];
    size_t used = 0;
    int any = 0;
    for (int i = 0; i < o->n; i++) {
        dhcp_option *op = &o->opt[o->order[i]];
        if (op->instances < 2)
            continue;
        any = 1;
        start[o->order[i]] = fill[o->order[i]] = (uint32_t)used;
        used += op->len; /* at most DHCP_OPTION_PARTS_MAX instances of at most 255 bytes: within join */
    }
    if (!any)
        return;
    for (size_t i = 0; i < o->nparts; i++) {
        const dhcp_part *pt = &o->part[i];
        if (o->opt[pt->code].instances < 2)
            continue;
        memcpy(o->join + fill[pt->code], pt->p, pt->len);
        fill[pt->code] += pt->len;
    }
    for (int i = 0; i < o->n; i++)
        if (o->opt[o->order[i]].instances > 1)
            o->opt[o->order[i]].p = o->join + start[o->order[i]];
}

int dhcp_options_read(dhcp_options *o, const uint8_t *options, size_t options_len, const uint8_t *file,
                      size_t file_len, const uint8_t *sname, size_t sname_len)
{
    for (int i = 0; i < o->n; i++)
        o->opt[o->order[i]].instances = 0;
    o->n = 0;
    o->nparts = 0;
    o->overload = 0;
    o->problem = DHCP_OPT_OK;
    o->detail[0] = '\0';

    read_area(o, options, options_len, DHCP_AREA_OPTIONS);
    const dhcp_option *ov = &o->opt[52];
    if (ov->instances) {
        unsigned v = ov->len >= 1 ? ov->p[0] : 0;
        if (ov->len == 1 && v >= 1 && v <= 3)
            o->overload = (int)v;
        else
            problem(o, DHCP_OPT_BAD_OVERLOAD, "option 52 of %u bytes, value %u: not 1, 2 or 3; file and sname not "
                    "read as options", (unsigned)ov->len, v);
    }
    if (o->overload & 1)
        read_area(o, file, file_len, DHCP_AREA_FILE);
    if (o->overload & 2)
        read_area(o, sname, sname_len, DHCP_AREA_SNAME);
    join_instances(o);
    return o->n;
}
