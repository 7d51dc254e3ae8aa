/* tr_addr: IPv4/IPv6 addresses and endpoints as the pipeline keys and prints them.
 * Addresses are stored as 16 bytes (IPv4 in the first four) with their version. */
#ifndef TR_ADDR_H
#define TR_ADDR_H

#include <stddef.h>
#include <stdint.h>

typedef struct tr_ip {
    uint8_t v; /* 4 or 6, 0 when unset */
    uint8_t a[16];
} tr_ip;

#define TR_IP_STRLEN 46

typedef struct tr_endpoint {
    tr_ip ip;
    uint16_t port;
} tr_endpoint;

void tr_ip_set4(tr_ip *ip, const uint8_t a[4]);
void tr_ip_set6(tr_ip *ip, const uint8_t a[16]);
int tr_ip_equal(const tr_ip *x, const tr_ip *y);
int tr_ip_cmp(const tr_ip *x, const tr_ip *y);
/* Writes the usual text form (dotted quad, RFC 5952 for IPv6); returns out. */
char *tr_ip_format(const tr_ip *ip, char out[TR_IP_STRLEN]);
/* Parses dotted-quad or IPv6 text; 0 on success. */
int tr_ip_parse(const char *s, tr_ip *out);
int tr_endpoint_equal(const tr_endpoint *x, const tr_endpoint *y);
int tr_endpoint_cmp(const tr_endpoint *x, const tr_endpoint *y);

#endif
