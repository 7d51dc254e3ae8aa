/* tr_view: what a dissector adds to the views across protocols (the UI's tabs, the export's credentials.jsonl,
 * files.jsonl, hosts.jsonl) beyond what the contract's uniform fields already say. output/views.c derives most of
 * the views from events alone — every `auth` event is a credential (`user` `password` `mechanism` or `scheme`
 * `success`), every object with a `file` (or a `complete` flag and a size) is a file, every `message` with mail
 * headers (`from` `to` `subject`) is a message, every `session_end` feeds the hosts and statistics — and calls a
 * dissector's view hook for what only the protocol knows: the names and programs of hosts, a credential its fields
 * do not spell the uniform way, the rows of a table of its own (DHCP's leases, BitTorrent's torrents).
 * Shared code (output/, tui/, cli/) calls these hooks and names no protocol. */
#ifndef TR_VIEW_H
#define TR_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "tr_addr.h"
#include "tr_event.h"

/* What a fact about a host is. */
enum tr_host_fact {
    TR_HOST_NAME = 0, /* a name it goes by: "www.example.org" (DNS answer, DHCP hostname, HTTP Host, SMTP HELO) */
    TR_HOST_CLIENT,   /* a program it runs: "curl/8.5.0" (User-Agent, DHCP vendor class, SNMP sysDescr, a torrent
                         client) */
    TR_HOST_MAC,      /* a link-layer address it used: "aa:bb:cc:dd:ee:ff" (DHCP chaddr) */
};

/* A credential an `auth` event stands for, when its fields are not the uniform ones (an SNMP community). Strings are
 * not NUL-terminated; NULL: absent. */
typedef struct tr_view_cred {
    const char *user;
    size_t user_len;
    const char *password; /* NULL when the mechanism hides it (CRAM-MD5) */
    size_t password_len;
    const char *mechanism; /* "Basic", "PLAIN", "community", "USM" */
    int success;           /* 1 accepted, 0 refused, -1 not known */
} tr_view_cred;

/* A table a dissector shows as a tab of its own, and writes as <export>.jsonl: its rows come from its events through
 * tr_view_out.row. */
typedef struct tr_view_table {
    const char *name;           /* the tab's title: "Leases"; NULL ends a list */
    const char *const *columns; /* column names, NULL-terminated (at most TR_VIEW_COLS_MAX): "client_mac", "ip" */
    const char *export_name;    /* "leases.jsonl" in the export folder; NULL: not exported */
    uint32_t numeric;           /* bit c: column c is a count and sorts as a number */
    uint32_t times;             /* bit c: column c is a time, seconds since the epoch ("1700000000.123456") */
} tr_view_table;

#define TR_VIEW_COLS_MAX 12

/* Where a dissector's view hook writes. */
typedef struct tr_view_out {
    void *self;
    /* A fact about the host at ip; source says where it came from ("dns answer", "dhcp hostname", "http host"). */
    void (*host)(const struct tr_view_out *o, const tr_ip *ip, int fact, const char *value, size_t n,
                 const char *source);
    /* The credential the event stands for (replaces the one derived from its uniform fields). */
    void (*credential)(const struct tr_view_out *o, const tr_view_cred *c);
    /* The outcome of the session's latest credential that has none yet (an HTTP 401 answering a Basic login: 0). */
    void (*outcome)(const struct tr_view_out *o, int success);
    /* A row of one of the dissector's tables: cells[c] (NUL-terminated, NULL for empty) for each column; the row
     * with the same key is replaced (a torrent's row as it grows), a new key adds one. A cell tr_view_keep keeps
     * what the row with that key holds in that column (empty in a new row): an event that knows a few of the
     * columns updates those. */
    void (*row)(const struct tr_view_out *o, const tr_view_table *t, const char *key, const char *const *cells);
} tr_view_out;

/* A dissector's part in the views (tr_presenter.view): the hook is called with every event of the dissector's
 * protocol; `tables` (ended by a NULL name) are the tabs whose rows it gives. */
typedef struct tr_viewer {
    void (*event)(const tr_event *e, const tr_view_out *out);
    const tr_view_table *tables;
} tr_viewer;

/* A cell of tr_view_out.row that keeps the row's value (compared by address). */
extern const char tr_view_keep[];

/* Helpers for hooks: the address of the event's client or server (NULL for an event of no session). */
const tr_ip *tr_view_client_ip(const tr_event *e);
const tr_ip *tr_view_server_ip(const tr_event *e);
/* Parses an address in its text form ("10.0.0.1", "::1"); 0 when it is not one. */
int tr_view_parse_ip(const char *s, size_t n, tr_ip *out);

#endif
