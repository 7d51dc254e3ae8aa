/* bt_client: the client a BitTorrent peer id names (BEP 20's conventions: Azureus style `-TR3000-`, Shad0w style
 * `S58B-----`, Mainline `M4-3-6--`, aria2's `A2-1-36-0-`), and the small text forms BitTorrent's events share. */
#include <stdio.h>
#include <string.h>

#include "bt.h"

/* Azureus-style codes: `-` two letters, four version characters, `-`. */
static const struct {
    char code[3];
    const char *name;
} az_clients[] = {
    {"AZ", "Vuze"},          {"BC", "BitComet"},     {"BI", "BiglyBT"},       {"BT", "BitTorrent"},
    {"DE", "Deluge"},        {"FD", "Free Download Manager"}, {"KT", "KTorrent"}, {"LT", "libtorrent"},
    {"lt", "libTorrent"},    {"qB", "qBittorrent"},  {"TR", "Transmission"},  {"TL", "Tribler"},
    {"UM", "uTorrent Mac"},  {"UT", "uTorrent"},     {"UW", "uTorrent Web"},  {"WW", "WebTorrent"},
    {"XL", "Xunlei"},        {"SD", "Thunder"},      {"FW", "FrostWire"},     {"BB", "BitBuddy"},
    {"CT", "CTorrent"},      {"CD", "Enhanced CTorrent"}, {"HL", "Halite"},   {"MG", "MediaGet"},
    {"PI", "PicoTorrent"},   {"RT", "Retriever"},    {"SZ", "Shareaza"},      {"TT", "TuoTu"},
};

/* Shad0w-style: one letter, version characters, dashes. */
static const struct {
    char code;
    const char *name;
} shadow_clients[] = {
    {'A', "ABC"}, {'O', "Osprey Permaculture"}, {'Q', "BTQueue"}, {'R', "Tribler"},
    {'S', "Shadow's client"}, {'T', "BitTornado"}, {'U', "UPnP NAT Bit Torrent"},
};

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_alnum(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A Shad0w version character: 0-9, A-Z for 10-35, a-z for 36-61, '.' 62, '-' 63. */
static int shadow_digit(uint8_t c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    return -1;
}

static int azureus(const uint8_t *id, char *out, size_t cap)
{
    if (id[0] != '-' || id[7] != '-' || !is_alnum(id[1]) || !is_alnum(id[2]))
        return 0;
    for (int i = 3; i < 7; i++)
        if (!is_alnum(id[i]))
            return 0;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof az_clients / sizeof az_clients[0]; i++)
        if (az_clients[i].code[0] == id[1] && az_clients[i].code[1] == id[2])
            name = az_clients[i].name;
    if (!name) {
        snprintf(out, cap, "unknown -%c%c- client %c.%c.%c.%c", id[1], id[2], id[3], id[4], id[5], id[6]);
        return 1;
    }
    if (id[1] == 'T' && id[2] == 'R') /* Transmission: major, then a two-digit minor (-TR2940- is 2.94) */
        snprintf(out, cap, "%s %c.%c%c", name, id[3], id[4], id[5]);
    else if (id[6] == '0')
        snprintf(out, cap, "%s %c.%c.%c", name, id[3], id[4], id[5]);
    else
        snprintf(out, cap, "%s %c.%c.%c.%c", name, id[3], id[4], id[5], id[6]);
    return 1;
}

/* "A2-1-36-0-": aria2's version as three dash-ended numbers; random bytes follow. */
static int aria2(const uint8_t *id, char *out, size_t cap)
{
    if (memcmp(id, "A2-", 3) != 0)
        return 0;
    unsigned v[3] = {0, 0, 0};
    size_t i = 3;
    for (int k = 0; k < 3; k++) {
        int digits = 0;
        for (; i < BT_HASH_LEN && is_digit(id[i]) && digits < 3; i++, digits++)
            v[k] = v[k] * 10 + (unsigned)(id[i] - '0');
        if (!digits || i >= BT_HASH_LEN || id[i] != '-')
            return 0;
        i++;
    }
    snprintf(out, cap, "aria2 %u.%u.%u", v[0], v[1], v[2]);
    return 1;
}

/* "M4-3-6--": Mainline BitTorrent. */
static int mainline(const uint8_t *id, char *out, size_t cap)
{
    if (id[0] != 'M' || !is_digit(id[1]) || id[2] != '-')
        return 0;
    char v[16];
    size_t k = 0;
    for (size_t i = 1; i < 8 && k + 1 < sizeof v; i++) {
        if (is_digit(id[i]))
            v[k++] = (char)id[i];
        else if (id[i] == '-' && i + 1 < 8 && is_digit(id[i + 1]))
            v[k++] = '.';
        else if (id[i] != '-')
            return 0;
    }
    v[k] = '\0';
    snprintf(out, cap, "BitTorrent %s", v);
    return 1;
}

static int shadow(const uint8_t *id, char *out, size_t cap)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof shadow_clients / sizeof shadow_clients[0]; i++)
        if (shadow_clients[i].code == id[0])
            name = shadow_clients[i].name;
    if (!name || memcmp(id + 6, "---", 3) != 0)
        return 0;
    char v[24];
    size_t k = 0;
    for (size_t i = 1; i < 6; i++) {
        if (id[i] == '-')
            break;
        int d = shadow_digit(id[i]);
        if (d < 0)
            return 0;
        int w = snprintf(v + k, sizeof v - k, "%s%d", k ? "." : "", d);
        if (w < 0 || (size_t)w >= sizeof v - k)
            break;
        k += (size_t)w;
    }
    v[k] = '\0';
    snprintf(out, cap, "%s %s", name, v);
    return 1;
}

void bt_client_name(const uint8_t peer_id[BT_HASH_LEN], char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (azureus(peer_id, out, cap) || aria2(peer_id, out, cap) || mainline(peer_id, out, cap) ||
        shadow(peer_id, out, cap))
        return;
    out[0] = '\0';
}

void bt_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void bt_compact_peer(const uint8_t *p, size_t alen, char *out, size_t cap)
{
    tr_ip ip;
    char a[TR_IP_STRLEN];
    if (alen == 16)
        tr_ip_set6(&ip, p);
    else
        tr_ip_set4(&ip, p);
    unsigned port = (unsigned)(p[alen] << 8 | p[alen + 1]);
    snprintf(out, cap, alen == 16 ? "[%s]:%u" : "%s:%u", tr_ip_format(&ip, a), port);
}
