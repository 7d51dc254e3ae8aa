/* dhcp_options: a DHCP message's options (RFC 2132) read into one table by code — the options field, then the
 * file and sname fields when option 52 says they carry options too (RFC 2131 4.1, in that order), an option that
 * comes several times being the concatenation of its instances (RFC 3396) — and the names of the codes. */
#ifndef DHCP_OPTIONS_H
#define DHCP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* How dis_dhcp.c decodes an option (dhcp_options.def). */
enum dhcp_opt_kind {
    DOK_HEX = 0,  /* into the `options` list as hex */
    DOK_IP,       /* one IPv4 address */
    DOK_IPS,      /* a list of them */
    DOK_U32,      /* seconds */
    DOK_U16,
    DOK_STR,      /* text, trailing NULs dropped */
    DOK_COLONHEX, /* bytes as aa:bb:cc (client_id) */
    DOK_PARAMS,   /* option 55: names and the fingerprint */
    DOK_MSGTYPE,  /* option 53 */
    DOK_OVERLOAD, /* option 52 */
    DOK_FQDN,     /* option 81 (RFC 4702) */
    DOK_RELAY,    /* option 82 (RFC 3046) */
    DOK_NAMES,    /* option 119 (RFC 3397): DNS names with compression */
    DOK_ROUTES,   /* option 121 (RFC 3442) */
};

enum dhcp_area { DHCP_AREA_OPTIONS = 0, DHCP_AREA_FILE = 1, DHCP_AREA_SNAME = 2 };

enum dhcp_opt_problem {
    DHCP_OPT_OK = 0,
    DHCP_OPT_OVERRUN,      /* an option's length runs past the end of its field: the rest of that field is lost */
    DHCP_OPT_TOO_MANY,     /* more instances than DHCP_OPTION_PARTS_MAX: the rest are not read */
    DHCP_OPT_BAD_OVERLOAD, /* option 52 with a value other than 1-3, or inside file/sname (ignored there) */
};

#define DHCP_OPTION_PARTS_MAX 1024 /* option instances read per message (a 1500-byte message holds < 750) */
/* Room for every instance's bytes whatever the datagram's size (reassembled or not, a datagram handed over can be
 * larger than a UDP length says): the instances kept are capped, and each is at most 255 bytes. */
#define DHCP_JOIN_MAX (DHCP_OPTION_PARTS_MAX * 255)

typedef struct dhcp_option {
    const uint8_t *p;   /* the value: in the message, or in `join` when it came in several instances */
    uint32_t len;
    uint16_t instances; /* 0: absent */
    uint8_t area;       /* the field its first instance was in (enum dhcp_area) */
} dhcp_option;

typedef struct dhcp_part {
    const uint8_t *p;
    uint8_t code, len;
} dhcp_part;

typedef struct dhcp_options {
    dhcp_option opt[256];
    uint8_t order[256];   /* the codes present, in the order they first came */
    int n;
    int overload;         /* option 52's value as taken (1 file, 2 sname, 3 both); 0 without */
    int problem;          /* the first enum dhcp_opt_problem met, with its detail */
    char detail[160];
    /* scratch for one message: the instances in wire order, and the concatenated values (RFC 3396) */
    dhcp_part part[DHCP_OPTION_PARTS_MAX];
    size_t nparts;
    uint8_t join[DHCP_JOIN_MAX];
} dhcp_options;

/* Reads the options of one message into o (its earlier contents are dropped): `options` the bytes after the magic
 * cookie; `file` (128 bytes) and `sname` (64 bytes) the fixed fields, read as options when option 52 says so.
 * Never reads outside the given ranges. Returns the number of distinct codes found. */
int dhcp_options_read(dhcp_options *o, const uint8_t *options, size_t options_len, const uint8_t *file,
                      size_t file_len, const uint8_t *sname, size_t sname_len);

/* The option's name (dhcp_options.def), NULL when it has none. */
const char *dhcp_option_name(unsigned code);
/* How it is decoded: enum dhcp_opt_kind (DOK_HEX for a code without a name). */
int dhcp_option_kind(unsigned code);

#endif
