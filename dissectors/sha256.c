#include "sha256.h"

#include <openssl/evp.h>

#include "../core/tr_hash.h"
#include "../core/tr_worker.h"

/* Where an object is hashed is chosen when it begins and kept to its end: on the worker (core/tr_hash.h) when
 * it runs and is not behind, else here, straight to OpenSSL. The two have contexts of their own, since the
 * worker's may still have steps queued when an object is begun here. The worker starts and stops only when no
 * object is being hashed. */

static int begin(sha256 *h);

int sha256_begin(sha256 *h)
{
    h->on_worker = tr_worker_running();
    if (h->on_worker && tr_worker_behind()) {
        h->on_worker = 0;
        tr_worker_note_taken();
    }
    return begin(h);
}

int sha256_begin_here(sha256 *h)
{
    h->on_worker = 0;
    return begin(h);
}

static int begin(sha256 *h)
{
    struct tr_hash_ctx **c = h->on_worker ? &h->ctx : &h->here;
    if (!*c)
        *c = tr_hash_ctx_new();
    if (!*c) {
        h->active = 0;
        return -1;
    }
    h->active = 1;
    if (h->on_worker)
        tr_hash_init(h->ctx);
    else
        h->here->failed = EVP_DigestInit_ex(h->here->md, EVP_sha256(), NULL) != 1;
    return 0;
}

void sha256_update(sha256 *h, const void *p, size_t n)
{
    if (!h->active || !n)
        return;
    if (h->on_worker)
        tr_hash_update(h->ctx, p, n);
    else if (!h->here->failed && EVP_DigestUpdate(h->here->md, p, n) != 1)
        h->here->failed = 1;
}

int sha256_finish_hex(sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    int ok = 0;
    hex[0] = '\0';
    if (!h->active)
        return -1;
    h->active = 0;
    if (h->on_worker) {
        tr_hash_final(h->ctx, digest, &ok);
    } else {
        unsigned int len = 0;
        ok = !h->here->failed && EVP_DigestFinal_ex(h->here->md, digest, &len) == 1 && len == TR_HASH_DIGEST_LEN;
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
    if (h->active && h->on_worker) {
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
    tr_hash_ctx_free(h->here);
    h->ctx = h->here = NULL;
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
