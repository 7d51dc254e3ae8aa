#include "tr_addr.h"

#include <arpa/inet.h>
#include <string.h>

void tr_ip_set4(tr_ip *ip, const uint8_t a[4])
{
    memset(ip, 0, sizeof *ip);
    ip->v = 4;
    memcpy(ip->a, a, 4);
}

void tr_ip_set6(tr_ip *ip, const uint8_t a[16])
{
    ip->v = 6;
    memcpy(ip->a, a, 16);
}

int tr_ip_equal(const tr_ip *x, const tr_ip *y)
{
    return x->v == y->v && memcmp(x->a, y->a, x->v == 4 ? 4 : 16) == 0;
}

int tr_ip_cmp(const tr_ip *x, const tr_ip *y)
{
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return memcmp(x->a, y->a, x->v == 4 ? 4 : 16);
}

char *tr_ip_format(const tr_ip *ip, char out[TR_IP_STRLEN])
{
    out[0] = '\0';
    if (ip->v == 4) { /* by hand: glibc's inet_ntop formats IPv4 with sprintf, once per address per event */
        char *w = out;
        for (int i = 0; i < 4; i++) {
            unsigned b = ip->a[i];
            if (b >= 100)
                *w++ = (char)('0' + b / 100);
            if (b >= 10)
                *w++ = (char)('0' + b / 10 % 10);
            *w++ = (char)('0' + b % 10);
            *w++ = i < 3 ? '.' : '\0';
        }
    } else if (ip->v == 6)
        inet_ntop(AF_INET6, ip->a, out, TR_IP_STRLEN);
    return out;
}

int tr_ip_parse(const char *s, tr_ip *out)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, s, a) == 1) {
        tr_ip_set4(out, a);
        return 0;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        tr_ip_set6(out, a);
        return 0;
    }
    return -1;
}

int tr_endpoint_equal(const tr_endpoint *x, const tr_endpoint *y)
{
    return x->port == y->port && tr_ip_equal(&x->ip, &y->ip);
}

int tr_endpoint_cmp(const tr_endpoint *x, const tr_endpoint *y)
{
    int c = tr_ip_cmp(&x->ip, &y->ip);
    if (c)
        return c;
    return x->port == y->port ? 0 : (x->port < y->port ? -1 : 1);
}
