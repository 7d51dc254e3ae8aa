#include "sha256.h"

#include <openssl/evp.h>

#include "../core/tr_hash.h"
#include "../core/tr_worker.h"

/* Each call goes to the worker thread (core/tr_hash.h) when it runs, else straight to OpenSSL; the worker starts and stops only
 * when no object is being hashed, so one object never mixes the two. */

int sha256_begin(sha256 *h)
{
    if (!h->ctx)
        h->ctx = tr_hash_ctx_new();
    if (!h->ctx) {
        h->active = 0;
        return -1;
    }
    h->active = 1;
    if (tr_worker_running())
        tr_hash_init(h->ctx);
    else
        h->ctx->failed = EVP_DigestInit_ex(h->ctx->md, EVP_sha256(), NULL) != 1;
    return 0;
}

void sha256_update(sha256 *h, const void *p, size_t n)
{
    if (!h->active || !n)
        return;
    if (tr_worker_running())
        tr_hash_update(h->ctx, p, n);
    else if (!h->ctx->failed && EVP_DigestUpdate(h->ctx->md, p, n) != 1)
        h->ctx->failed = 1;
}

int sha256_finish_hex(sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    int ok = 0;
    hex[0] = '\0';
    if (!h->active)
        return -1;
    h->active = 0;
    if (tr_worker_running()) {
        tr_hash_final(h->ctx, digest, &ok);
    } else {
        unsigned int len = 0;
        ok = !h->ctx->failed && EVP_DigestFinal_ex(h->ctx->md, digest, &len) == 1 && len == TR_HASH_DIGEST_LEN;
    }
    if (!ok)
        return -1;
    tr_hash_hex(digest, hex);
    return 0;
}

int sha256_finish_later(sha256 *h, sha256_digest *d)
{
    d->hex[0] = '\0';
    d->ticket = 0;
    if (h->active && tr_worker_running()) {
        d->ticket = tr_hash_final_later(h->ctx);
        if (d->ticket) {
            h->active = 0;
            return 0;
        }
    }
    return sha256_finish_hex(h, d->hex); /* no worker, or every ticket in use */
}

void sha256_abort(sha256 *h) { h->active = 0; }

void sha256_release(sha256 *h)
{
    if (h->ctx) {
        if (tr_worker_running())
            tr_hash_free(h->ctx); /* after the updates still queued for it */
        else
            tr_hash_ctx_free(h->ctx);
    }
    h->ctx = NULL;
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
