/* fuzz_ber: dissectors/ber.c on arbitrary bytes — every element walked (constructed ones entered, 16 deep at
 * most), integers and OIDs read from every primitive; nothing may be read outside the input, lengths must stay
 * within what contains them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/ber.h"

static void walk(tr_buf *b, int depth)
{
    for (int n = 0; n < 1000 && tr_left(b); n++) {
        size_t before = tr_left(b);
        ber_tlv t;
        int st = ber_read(b, &t);
        if (st != BER_OK && st != BER_TRUNCATED)
            return;
        if (tr_left(&t.value) > before)
            abort();
        if (t.constructed && depth < 16) {
            walk(&t.value, depth + 1);
        } else {
            int64_t i;
            uint64_t u;
            char text[BER_OID_TEXT_MAX];
            uint64_t arcs[BER_OID_ARCS_MAX];
            size_t narcs = 0;
            (void)ber_int(&t.value, &i);
            (void)ber_uint(&t.value, &u);
            if (ber_oid(&t.value, text, sizeof text, arcs, &narcs) == BER_OK && (narcs < 2 || strlen(text) >= sizeof text))
                abort();
        }
        if (st != BER_OK)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees reads past them */
    memcpy(copy, data, size);
    tr_buf b = tr_buf_make(copy, size);
    walk(&b, 0);
    free(copy);
    return 0;
}
