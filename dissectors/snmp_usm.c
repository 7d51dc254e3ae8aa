/* snmp_usm: USM keys, digests and ciphers on OpenSSL 3's EVP interfaces (the low-level MD5_, SHA1_ and DES_
 * functions are deprecated there). The contexts are made once and reused for every message: a digest check or a
 * decryption allocates nothing of ours. */
#include "snmp_usm.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PASSWORD_EXPANSION (1024 * 1024) /* RFC 3414 A.2: the password repeated over 1 MB */

static snmp_user users[SNMP_USERS_MAX];
static size_t nusers;

static const struct {
    const char *name, *md;
    uint8_t key_len, digest_len;
} auth_protos[] = {
    [SNMP_AUTH_NONE] = {"none", NULL, 0, 0},
    [SNMP_AUTH_MD5] = {"MD5", "MD5", 16, 12},          /* usmHMACMD5AuthProtocol, RFC 3414 6 */
    [SNMP_AUTH_SHA1] = {"SHA", "SHA1", 20, 12},        /* usmHMACSHAAuthProtocol, RFC 3414 7 */
    [SNMP_AUTH_SHA224] = {"SHA-224", "SHA224", 28, 16}, /* usmHMAC128SHA224AuthProtocol, RFC 7860 */
    [SNMP_AUTH_SHA256] = {"SHA-256", "SHA256", 32, 24}, /* usmHMAC192SHA256AuthProtocol */
    [SNMP_AUTH_SHA384] = {"SHA-384", "SHA384", 48, 32}, /* usmHMAC256SHA384AuthProtocol */
    [SNMP_AUTH_SHA512] = {"SHA-512", "SHA512", 64, 48}, /* usmHMAC384SHA512AuthProtocol */
};
#define AUTH_PROTOS_N (sizeof auth_protos / sizeof auth_protos[0])

/* ---- OpenSSL objects, made on first use ---- */

static EVP_MD *mds[AUTH_PROTOS_N];
static EVP_MD_CTX *md_ctx;
static EVP_MAC *hmac;
static EVP_MAC_CTX *mac_ctx;
static EVP_CIPHER *aes_cfb, *des_cbc;
static EVP_CIPHER_CTX *cipher_ctx;
static OSSL_LIB_CTX *legacy_ctx; /* DES only: the process's default context is left as it is */
static int des_tried;

static const EVP_MD *md_of(int auth)
{
    if (auth <= SNMP_AUTH_NONE || (size_t)auth >= AUTH_PROTOS_N)
        return NULL;
    if (!mds[auth])
        mds[auth] = EVP_MD_fetch(NULL, auth_protos[auth].md, NULL);
    if (!md_ctx)
        md_ctx = EVP_MD_CTX_new();
    return md_ctx ? mds[auth] : NULL;
}

int snmp_usm_des_available(void)
{
    if (!des_tried) {
        des_tried = 1;
        legacy_ctx = OSSL_LIB_CTX_new();
        /* the legacy provider holds DES; the default one the rest a cipher fetch needs */
        if (legacy_ctx && OSSL_PROVIDER_load(legacy_ctx, "legacy") && OSSL_PROVIDER_load(legacy_ctx, "default"))
            des_cbc = EVP_CIPHER_fetch(legacy_ctx, "DES-CBC", NULL);
    }
    return des_cbc != NULL;
}

size_t snmp_usm_key_len(int auth) { return auth > 0 && (size_t)auth < AUTH_PROTOS_N ? auth_protos[auth].key_len : 0; }
size_t snmp_usm_digest_len(int auth)
{
    return auth > 0 && (size_t)auth < AUTH_PROTOS_N ? auth_protos[auth].digest_len : 0;
}
const char *snmp_usm_auth_name(int auth)
{
    return auth >= 0 && (size_t)auth < AUTH_PROTOS_N ? auth_protos[auth].name : "?";
}
const char *snmp_usm_priv_name(int priv) { return priv == SNMP_PRIV_DES ? "DES" : priv == SNMP_PRIV_AES ? "AES" : "none"; }

/* ---- keys ---- */

int snmp_usm_password_to_key(int auth, const uint8_t *pw, size_t n, uint8_t *ku)
{
    const EVP_MD *md = md_of(auth);
    if (!md || n == 0 || EVP_DigestInit_ex(md_ctx, md, NULL) != 1)
        return -1;
    uint8_t block[64];
    size_t at = 0;
    for (size_t done = 0; done < PASSWORD_EXPANSION; done += sizeof block) {
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = pw[at++ % n];
        at %= n;
        if (EVP_DigestUpdate(md_ctx, block, sizeof block) != 1)
            return -1;
    }
    unsigned int len = 0;
    return EVP_DigestFinal_ex(md_ctx, ku, &len) == 1 && len == auth_protos[auth].key_len ? 0 : -1;
}

int snmp_usm_localize(int auth, const uint8_t *ku, const uint8_t *engine, size_t elen, uint8_t *kul)
{
    const EVP_MD *md = md_of(auth);
    size_t kl = snmp_usm_key_len(auth);
    unsigned int len = 0;
    if (!md || EVP_DigestInit_ex(md_ctx, md, NULL) != 1 || EVP_DigestUpdate(md_ctx, ku, kl) != 1 ||
        EVP_DigestUpdate(md_ctx, engine, elen) != 1 || EVP_DigestUpdate(md_ctx, ku, kl) != 1 ||
        EVP_DigestFinal_ex(md_ctx, kul, &len) != 1)
        return -1;
    return len == kl ? 0 : -1;
}

/* ---- the digest ---- */

int snmp_usm_digest_ok(int auth, const uint8_t *kul, const uint8_t *msg, size_t n, size_t off)
{
    size_t dl = snmp_usm_digest_len(auth), kl = snmp_usm_key_len(auth);
    if (!dl || off > n || n - off < dl)
        return -1;
    if (!hmac)
        hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac && !mac_ctx)
        mac_ctx = EVP_MAC_CTX_new(hmac);
    if (!mac_ctx)
        return -1;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)auth_protos[auth].md, 0),
        OSSL_PARAM_construct_end(),
    };
    static const uint8_t zeros[SNMP_KEY_MAX];
    uint8_t out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_MAC_init(mac_ctx, kul, kl, params) != 1 || EVP_MAC_update(mac_ctx, msg, off) != 1 ||
        EVP_MAC_update(mac_ctx, zeros, dl) != 1 || EVP_MAC_update(mac_ctx, msg + off + dl, n - off - dl) != 1 ||
        EVP_MAC_final(mac_ctx, out, &len, sizeof out) != 1 || len < dl)
        return -1;
    /* a captured message, not a secret compared under an attacker's clock: memcmp will do */
    return memcmp(out, msg + off, dl) == 0;
}

/* ---- privacy ---- */

int snmp_usm_decrypt(int priv, const uint8_t *kul, uint32_t boots, uint32_t time, const uint8_t *salt, size_t salt_len,
                     const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t iv[16];
    const EVP_CIPHER *cipher;
    if (salt_len != SNMP_PRIV_SALT_LEN || n > INT32_MAX)
        return -1;
    if (priv == SNMP_PRIV_AES) {
        /* RFC 3826 3.1.2.1: the IV is the engine's boots and time (big-endian) then the salt */
        if (!aes_cfb)
            aes_cfb = EVP_CIPHER_fetch(NULL, "AES-128-CFB", NULL);
        cipher = aes_cfb;
        for (int i = 0; i < 4; i++) {
            iv[i] = (uint8_t)(boots >> (24 - 8 * i));
            iv[4 + i] = (uint8_t)(time >> (24 - 8 * i));
        }
        memcpy(iv + 8, salt, 8);
    } else if (priv == SNMP_PRIV_DES) {
        /* RFC 3414 8.1.1.1: key = the first 8 bytes, IV = the next 8 (the pre-IV) XOR the salt; whole blocks */
        if (n % 8 || !snmp_usm_des_available())
            return -1;
        cipher = des_cbc;
        for (int i = 0; i < 8; i++)
            iv[i] = kul[8 + i] ^ salt[i];
    } else {
        return -1;
    }
    if (!cipher)
        return -1;
    if (!cipher_ctx)
        cipher_ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    if (!cipher_ctx || EVP_DecryptInit_ex2(cipher_ctx, cipher, kul, iv, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(cipher_ctx, 0) != 1 || EVP_DecryptUpdate(cipher_ctx, out, &len, in, (int)n) != 1 ||
        EVP_DecryptFinal_ex(cipher_ctx, out + len, &fin) != 1)
        return -1;
    return (size_t)(len + fin) == n ? 0 : -1;
}

/* ---- the users (--snmp-user) ---- */

static int auth_by_name(const char *s, size_t n)
{
    static const struct { const char *name; int auth; } names[] = {
        {"MD5", SNMP_AUTH_MD5},         {"SHA", SNMP_AUTH_SHA1},         {"SHA1", SNMP_AUTH_SHA1},
        {"SHA-1", SNMP_AUTH_SHA1},      {"SHA-224", SNMP_AUTH_SHA224},   {"SHA224", SNMP_AUTH_SHA224},
        {"SHA-256", SNMP_AUTH_SHA256},  {"SHA256", SNMP_AUTH_SHA256},    {"SHA-384", SNMP_AUTH_SHA384},
        {"SHA384", SNMP_AUTH_SHA384},   {"SHA-512", SNMP_AUTH_SHA512},   {"SHA512", SNMP_AUTH_SHA512},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0)
            return names[i].auth;
    return -1;
}

static int priv_by_name(const char *s, size_t n)
{
    if ((n == 3 && strncasecmp(s, "AES", 3) == 0) || (n == 6 && strncasecmp(s, "AES128", 6) == 0) ||
        (n == 7 && strncasecmp(s, "AES-128", 7) == 0))
        return SNMP_PRIV_AES;
    if (n == 3 && strncasecmp(s, "DES", 3) == 0)
        return SNMP_PRIV_DES;
    return -1;
}

int snmp_user_add(const char *spec, char *err, size_t errlen)
{
    const char *part[6];
    size_t len[6], nparts = 0;
    const char *p = spec;
    while (nparts < 6) {
        const char *colon = strchr(p, ':');
        part[nparts] = p;
        len[nparts++] = colon ? (size_t)(colon - p) : strlen(p);
        if (!colon)
            break;
        p = colon + 1;
    }
    if (nparts != 3 && nparts != 5) {
        snprintf(err, errlen, "expected NAME:AUTHPROTO:AUTHPASS[:PRIVPROTO:PRIVPASS] (no ':' inside a part)");
        return -1;
    }
    if (len[0] == 0 || len[0] > SNMP_USER_NAME_MAX) {
        snprintf(err, errlen, "a user name has 1 to %d bytes", SNMP_USER_NAME_MAX);
        return -1;
    }
    int auth = auth_by_name(part[1], len[1]);
    if (auth < 0) {
        snprintf(err, errlen, "authentication protocol '%.*s': one of MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512",
                 (int)len[1], part[1]);
        return -1;
    }
    int priv = SNMP_PRIV_NONE;
    if (nparts == 5) {
        priv = priv_by_name(part[3], len[3]);
        if (priv < 0) {
            snprintf(err, errlen, "privacy protocol '%.*s': AES (AES-128, RFC 3826) or DES", (int)len[3], part[3]);
            return -1;
        }
        if (priv == SNMP_PRIV_DES && !snmp_usm_des_available()) {
            snprintf(err, errlen, "DES needs OpenSSL's legacy provider, which could not be loaded here");
            return -1;
        }
    }
    if (len[2] == 0 || (nparts == 5 && len[4] == 0)) {
        snprintf(err, errlen, "a password may not be empty");
        return -1;
    }
    if (nusers == SNMP_USERS_MAX) {
        snprintf(err, errlen, "at most %d users", SNMP_USERS_MAX);
        return -1;
    }
    snmp_user *u = &users[nusers];
    memset(u, 0, sizeof *u);
    memcpy(u->name, part[0], len[0]);
    u->name_len = (uint8_t)len[0];
    u->auth = (uint8_t)auth;
    u->priv = (uint8_t)priv;
    /* the privacy key comes from its password through the authentication protocol's hash (RFC 3414 8.1.1.1,
     * RFC 3826 1.2) */
    if (snmp_usm_password_to_key(auth, (const uint8_t *)part[2], len[2], u->ku_auth) != 0 ||
        (priv && snmp_usm_password_to_key(auth, (const uint8_t *)part[4], len[4], u->ku_priv) != 0)) {
        snprintf(err, errlen, "OpenSSL could not compute the %s key", auth_protos[auth].name);
        return -1;
    }
    nusers++;
    return 0;
}

void snmp_users_clear(void) { nusers = 0; }
size_t snmp_users_count(void) { return nusers; }
const snmp_user *snmp_user_at(size_t i) { return i < nusers ? &users[i] : NULL; }
