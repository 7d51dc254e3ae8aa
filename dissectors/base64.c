#include "base64.h"

static int base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long base64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t len = 0;
    int padding = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            padding = 1;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || padding) /* data after padding is not base64 */
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= cap)
                return -1;
            out[len++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)len;
}
