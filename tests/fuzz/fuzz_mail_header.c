/* fuzz_mail_header: the header side of the message module on arbitrary bytes — lines (split at LF) gathered into a
 * header section, every kept field read back and decoded (RFC 2047), Content-Type and Content-Disposition
 * parameters read (RFC 2231); the whole input decoded as one value too. Outputs must be NUL-terminated and fit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/mail_header.h"
#include "dissectors/mime_params.h"
#include "dissectors/mime_words.h"

static mail_header h;

static void fits(const char *s, size_t cap)
{
    if (strnlen(s, cap) >= cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    mail_header_init(&h);
    for (size_t i = 0; i < size;) {
        const char *e = memchr(copy + i, '\n', size - i);
        size_t n = e ? (size_t)(e - (copy + i)) : size - i;
        mail_header_line(&h, (const uint8_t *)copy + i, n);
        i += n + 1;
    }
    char out[600];
    int undecoded = 0;
    for (int f = 0; f < MF_COUNT; f++) {
        const char *s;
        size_t n;
        if (!mail_header_get(&h, f, &s, &n))
            continue;
        if (s < h.text || s + n > h.text + sizeof h.text)
            abort();
        mail_header_decoded(&h, f, out, sizeof out, &undecoded);
        fits(out, sizeof out);
        if (f == MF_CONTENT_TYPE || f == MF_CONTENT_DISPOSITION) {
            static const char *const names[] = {"boundary", "charset", "name", "filename"};
            for (size_t k = 0; k < 4; k++) {
                (void)mime_param(s, n, names[k], out, sizeof out, &undecoded);
                fits(out, sizeof out);
            }
            (void)mime_value(s, n, out, sizeof out);
            fits(out, sizeof out);
        }
    }
    mime_words_decode(copy, size, out, sizeof out, &undecoded);
    fits(out, sizeof out);
    free(copy);
    return 0;
}
