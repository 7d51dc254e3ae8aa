/* fuzz_bencode: dissectors/bencode.c on arbitrary bytes — a value read whole, then every list and dictionary in it
 * walked (16 deep) and searched; every view must lie inside the input, raw spans must re-read to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/bencode.h"

static const uint8_t *lo, *hi;

static void inside(const uint8_t *p, size_t n)
{
    if (n && (p < lo || p + n > hi))
        abort();
}

static void walk(const benc_value *v, int depth)
{
    inside(v->raw, v->raw_n);
    if (v->type == BENC_STR || v->type == BENC_LIST || v->type == BENC_DICT)
        inside(v->s, v->n);
    tr_buf again = tr_buf_make(v->raw, v->raw_n);
    benc_value w;
    if (benc_read(&again, &w) != BENC_OK || w.type != v->type || tr_left(&again))
        abort();
    if ((v->type != BENC_LIST && v->type != BENC_DICT) || depth > 16)
        return;
    benc_iter it;
    benc_value k, e;
    benc_iter_init(&it, v);
    if (v->type == BENC_LIST)
        while (benc_list_next(&it, &e))
            walk(&e, depth + 1);
    else {
        while (benc_dict_next(&it, &k, &e))
            walk(&e, depth + 1);
        (void)benc_dict_get(v, "info", &e);
        (void)benc_str_is_text(&e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    lo = copy;
    hi = copy + size;
    tr_buf b = tr_buf_make(copy, size);
    benc_value v;
    for (int n = 0; n < 64 && tr_left(&b) && benc_read(&b, &v) == BENC_OK; n++)
        walk(&v, 0);
    free(copy);
    return 0;
}
