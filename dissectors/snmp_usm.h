/* snmp_usm: SNMPv3's User-based Security Model for reading captured messages — the users given with --snmp-user,
 * their keys (RFC 3414 A.2 password to key, localized to an engine), the authentication digest (HMAC-MD5-96,
 * HMAC-SHA-96 RFC 3414; HMAC-SHA-2 RFC 7860) and the privacy ciphers (CBC-DES RFC 3414 8, CFB128-AES-128 RFC 3826),
 * through OpenSSL's libcrypto. DES is in OpenSSL 3's legacy provider, loaded here into a library context of its own. */
#ifndef SNMP_USM_H
#define SNMP_USM_H

#include <stddef.h>
#include <stdint.h>

enum snmp_auth { SNMP_AUTH_NONE = 0, SNMP_AUTH_MD5, SNMP_AUTH_SHA1, SNMP_AUTH_SHA224, SNMP_AUTH_SHA256,
                 SNMP_AUTH_SHA384, SNMP_AUTH_SHA512 };
enum snmp_priv { SNMP_PRIV_NONE = 0, SNMP_PRIV_DES, SNMP_PRIV_AES };

#define SNMP_USERS_MAX 32     /* --snmp-user options */
#define SNMP_USER_NAME_MAX 32 /* msgUserName is at most 32 bytes (RFC 3414 2.4) */
#define SNMP_KEY_MAX 64       /* SHA-512's digest */
#define SNMP_PRIV_SALT_LEN 8  /* msgPrivacyParameters of both ciphers */

typedef struct snmp_user {
    uint8_t name[SNMP_USER_NAME_MAX];
    uint8_t name_len;
    uint8_t auth, priv;              /* enum snmp_auth, enum snmp_priv */
    uint8_t ku_auth[SNMP_KEY_MAX];   /* the passwords' keys (Ku), before localization */
    uint8_t ku_priv[SNMP_KEY_MAX];
} snmp_user;

/* --snmp-user NAME:AUTHPROTO:AUTHPASS[:PRIVPROTO:PRIVPASS]: adds a user (the 1 MB password expansion is done here,
 * once). 0, or -1 with the reason in err. */
int snmp_user_add(const char *spec, char *err, size_t errlen);
void snmp_users_clear(void);
size_t snmp_users_count(void);
const snmp_user *snmp_user_at(size_t i);

/* Lengths by authentication protocol: the hash's output (a key) and the digest carried (truncated HMAC). */
size_t snmp_usm_key_len(int auth);
size_t snmp_usm_digest_len(int auth);
const char *snmp_usm_auth_name(int auth);
const char *snmp_usm_priv_name(int priv);

/* RFC 3414 A.2.1/A.2.2: a password's key (Ku, snmp_usm_key_len bytes); 0 or -1. */
int snmp_usm_password_to_key(int auth, const uint8_t *pw, size_t n, uint8_t *ku);
/* RFC 3414 2.6: the key localized to an engine, H(Ku || engineID || Ku); 0 or -1. */
int snmp_usm_localize(int auth, const uint8_t *ku, const uint8_t *engine, size_t elen, uint8_t *kul);

/* Whether msg[0..n) carries the right digest for key kul: the HMAC of the whole message with its
 * msgAuthenticationParameters (at off, snmp_usm_digest_len bytes) taken as zeros, against those bytes.
 * 1 right, 0 wrong, -1 could not be computed. */
int snmp_usm_digest_ok(int auth, const uint8_t *kul, const uint8_t *msg, size_t n, size_t off);

/* Decrypts an encryptedPDU with the localized privacy key kul (its first 16 bytes; DES also takes the pre-IV from
 * bytes 8-15), the salt (msgPrivacyParameters) and, for AES, the authoritative engine's boots and time. out holds
 * n bytes. 0, or -1 (a length that is not whole DES blocks, a salt not 8 bytes, DES not available). */
int snmp_usm_decrypt(int priv, const uint8_t *kul, uint32_t boots, uint32_t time, const uint8_t *salt, size_t salt_len,
                     const uint8_t *in, size_t n, uint8_t *out);

/* Whether CBC-DES can be had (OpenSSL's legacy provider). */
int snmp_usm_des_available(void);

#endif
