/* Setup for fuzz_snmp (included by fuzz_dissector.c): the SNMPv3 users of pcaps/snmp-v3.pcap as --snmp-user gives
 * them, so the seeds made from that capture reach the digest checks and the AES and DES decryption (and the
 * fuzzer's changes to them, the paths where those fail). Made once: the keys' 1 MB password expansion is not per
 * input. No input bytes are used. */
#include "dissectors/snmp_usm.h"

static size_t fuzz_setup(tr_session *s, const uint8_t *p, size_t n)
{
    (void)s;
    (void)p;
    (void)n;
    static int done;
    if (!done) {
        static const char *const users[] = {
            "authuser:SHA:Trawl-auth-pw1",
            "privuser:SHA:Trawl-auth-pw2:AES:Trawl-priv-pw2",
            "desuser:MD5:Trawl-auth-pw3:DES:Trawl-priv-pw3",
            "sha256user:SHA-256:Trawl-auth-pw4:AES:Trawl-priv-pw4",
        };
        char err[256];
        for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
            (void)snmp_user_add(users[i], err, sizeof err); /* DES may be missing: that user is then not there */
        done = 1;
    }
    return 0;
}
