/* fuzz_dns_name: dns_name_read on an arbitrary message. Byte 0 and 1 give where the name starts and
 * where the reading cursor ends (an RDATA end); the rest is the message. dns_name_skip must leave the cursor
 * as dns_name_read does, with the same status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = size - 2;
    uint8_t *msg = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any read past the message */
    memcpy(msg, data + 2, n);
    size_t start = n ? data[0] % (n + 1) : 0;
    size_t end = n ? n - data[1] % (n + 1) : 0;
    if (end < start)
        end = n;
    tr_buf whole = tr_buf_make(msg, n);
    tr_buf cur = tr_buf_make(msg, end);
    tr_skip(&cur, start);
    tr_buf skipped = cur;
    dns_name name;
    int st = dns_name_read(&whole, &cur, &name);
    if (dns_name_skip(&whole, &skipped) != st || skipped.off != cur.off || skipped.err != cur.err)
        abort();
    if (st == DNS_NAME_OK) {
        if (strlen(name.text) != name.text_len || name.wire_len > DNS_NAME_WIRE_MAX)
            abort();
    }
    if (st == DNS_NAME_OK) {
        dns_name again;
        if (dns_name_from_wire(name.wire, name.wire_len, &again) != DNS_NAME_OK)
            abort();
        if (strcmp(again.text, name.text) != 0)
            abort();
        if (!dns_name_wire_equal(name.wire, name.wire_len, again.wire, again.wire_len))
            abort();
    }
    (void)dns_name_status_str(st);
    free(msg);
    return 0;
}
