#include "sha256.h"

#include <openssl/evp.h>

int sha256_begin(sha256 *h)
{
    if (!h->md)
        h->md = EVP_MD_CTX_new();
    h->active = h->md && EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) == 1;
    return h->active ? 0 : -1;
}

void sha256_update(sha256 *h, const void *p, size_t n)
{
    if (h->active && n && EVP_DigestUpdate(h->md, p, n) != 1)
        h->active = 0;
}

int sha256_finish_hex(sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    hex[0] = '\0';
    if (!h->active)
        return -1;
    h->active = 0;
    if (EVP_DigestFinal_ex(h->md, digest, &len) != 1 || len != SHA256_HEX_LEN / 2)
        return -1;
    for (unsigned int i = 0; i < len; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[SHA256_HEX_LEN] = '\0';
    return 0;
}

void sha256_abort(sha256 *h) { h->active = 0; }

void sha256_release(sha256 *h)
{
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
    h->active = 0;
}

int sha256_hex_of(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1])
{
    sha256 h = {0};
    int rc = sha256_begin(&h);
    if (rc == 0) {
        sha256_update(&h, p, n);
        rc = sha256_finish_hex(&h, hex);
    } else {
        hex[0] = '\0';
    }
    sha256_release(&h);
    return rc;
}
