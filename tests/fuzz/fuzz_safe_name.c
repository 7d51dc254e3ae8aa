/* fuzz_safe_name: tr_safe_name on an arbitrary name (what an HTTP URI or FTP argument carries), with the
 * output size (at least 16, as documented) from byte 0. Checks the promises of output/safe_name.h: a
 * NUL-terminated name within cap, one path component that is not "." or "..", no control or reserved
 * bytes, valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tr_strbuf.h"
#include "output/safe_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = 16 + data[0] % 200;
    size_t n = size - 1;
    char *name = malloc(n ? n : 1); /* exactly n bytes, so ASan sees reads past the name */
    memcpy(name, data + 1, n);
    char *out = malloc(cap); /* exactly cap bytes, so ASan sees writes past it */
    size_t len = tr_safe_name(name, n, out, cap);
    if (len < 1 || len >= cap || out[len] != '\0' || strlen(out) != len)
        abort();
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || strpbrk(out, "/\\:*?\"<>|"))
        abort();
    for (size_t i = 0; i < len;) {
        uint8_t c = (uint8_t)out[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        size_t k = c < 0x80 ? 1 : tr_utf8_seq((const uint8_t *)out + i, len - i);
        if (!k)
            abort();
        i += k;
    }
    if (tr_safe_name_ext(out, len) > len)
        abort();
    free(out);
    free(name);
    return 0;
}
