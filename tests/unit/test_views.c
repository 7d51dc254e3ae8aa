/* The views across protocols (output/views.c) on the real captures in pcaps/, read through the whole pipeline as
 * trawl reads them: the credentials, files, hosts, leases and statistics the export writes, with the values the
 * recipes' .facts files state (what the clients really sent and got). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../capture/decode.h"
#include "../../capture/source.h"
#include "../../core/tr_event_read.h"
#include "../../core/tr_worker.h"
#include "../../output/views.h"
#include "../../reassembly/engine.h"
#include "harness.h"

typedef struct run {
    tr_ctx ctx;
    decoder dec;
    tr_engine *engine;
    tr_source src;
    views *v;
    tr_strbuf sb;
} run;

static void on_packet(void *arg, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    (void)wirelen;
    run *r = arg;
    tr_packet p;
    r->ctx.now_us = ts_us;
    if (r->src.linktype != r->dec.linktype)
        decoder_set_linktype(&r->dec, r->src.linktype);
    if (decode_packet(&r->dec, ts_us, data, caplen, &p) == DECODE_OK)
        tr_engine_packet(r->engine, &p);
}

/* Reads pcaps/<name> through the pipeline with a views sink and no other. */
static run *run_capture(const char *name)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char path[512], err[256];
    const char *src = getenv("TRAWL_SRC");
    snprintf(path, sizeof path, "%s/pcaps/%s", src ? src : ".", name);
    assert_int_equal(source_open_file(&r->src, path, err, sizeof err), 0);
    tr_ctx_init(&r->ctx);
    decoder_init(&r->dec, r->src.linktype, &r->ctx);
    r->v = views_new();
    assert_non_null(r->v);
    tr_sink s = views_sink(r->v);
    tr_ctx_add_sink(&r->ctx, &s);
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    r->engine = tr_engine_new(&r->ctx, &o);
    assert_non_null(r->engine);
    while (source_dispatch(&r->src, 1000, on_packet, r, err, sizeof err) > 0)
        ;
    tr_engine_finish(r->engine);
    views_sync(r->v);
    tr_sb_init(&r->sb, 16u << 20);
    return r;
}

static void run_free(run *r)
{
    tr_engine_free(r->engine);
    views_free(r->v);
    decoder_free(&r->dec);
    source_close(&r->src);
    tr_sb_free(&r->sb);
    free(r);
}

static const char *jsonl(run *r, int t)
{
    tr_sb_reset(&r->sb);
    views_table_jsonl(r->v, t, &r->sb);
    return tr_sb_cstr(&r->sb);
}

/* The index of a dissector's table by its tab name. */
static int table_named(run *r, const char *name)
{
    for (int t = VIEWS_FIXED_TABLES; t < views_ntables(r->v); t++)
        if (strcmp(views_table_name(r->v, t), name) == 0)
            return t;
    fail_msg("no table %s", name);
    return -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* http-post: four Basic logins (pcaps/http-post.facts): a wrong password answered 401, then the right one. */
static void test_http_credentials(void **state)
{
    (void)state;
    run *r = run_capture("http-post.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_int_equal(count_lines(c), 4);
    assert_non_null(strstr(c, "{\"ts\":1795620498.138715,\"session\":3,\"proto\":\"http\",\"client_ip\":\"10.99.0.2\","
                              "\"server_ip\":\"10.99.0.1\",\"server_port\":80,\"user\":\"trawl\",\"password\":\"wrong-"
                              "password\",\"mechanism\":\"Basic\",\"success\":false}\n"));
    assert_non_null(strstr(c, "\"session\":4,\"proto\":\"http\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":80,\"user\":\"trawl\",\"password\":\"Trawl-pw-42\",\"mechanism\":\"Basic\","
                              "\"success\":true}"));
    run_free(r);
}

/* ftp-passive-active: the login and every transfer with its digest, over IPv4 and IPv6. */
static void test_ftp_credentials_and_files(void **state)
{
    (void)state;
    run *r = run_capture("ftp-passive-active.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_int_equal(count_lines(c), 2);
    assert_non_null(strstr(c, "\"proto\":\"ftp\",\"client_ip\":\"fd99::2\",\"server_ip\":\"fd99::1\",\"server_port\":21,"
                              "\"user\":\"trawltest\",\"password\":\"Trawl-pw-42\",\"success\":true}"));
    const char *f = jsonl(r, VIEWS_FILES);
    assert_int_equal(count_lines(f), 9);
    assert_non_null(strstr(f, "\"session\":1,\"proto\":\"ftp\",\"name\":\"download.bin\",\"size\":50000,\"sha256\":"
                              "\"9a49bb33d3b708753e5b93e73944f431670e1ef9e07b21cb542a83b6121310b8\",\"complete\":true}"));
    assert_non_null(strstr(f, "\"session\":8,\"proto\":\"ftp\",\"name\":\"upload6.bin\",\"size\":12000,\"sha256\":"
                              "\"5a53cab73fa08dd0ed5ac879136d0bd1e6c85270d8b3293866393c026d616a6f\",\"complete\":true}"));
    run_free(r);
}

/* http-keepalive: the bodies as files (no export: no `file`), the server's name from Host, curl as the client. */
static void test_http_files_and_hosts(void **state)
{
    (void)state;
    run *r = run_capture("http-keepalive.pcap");
    const char *f = jsonl(r, VIEWS_FILES);
    assert_int_equal(count_lines(f), 4);
    assert_non_null(strstr(f, "\"proto\":\"http\",\"name\":\"blob.bin\",\"content_type\":\"application/octet-stream\","
                              "\"size\":20480,\"sha256\":\"3acf1d65766ddc23c000fa6afae0acbe91c65f58802b44456715f8e691c471f9"
                              "\",\"complete\":true}"));
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    const char *h = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.1\",\"macs\":[\"86:5d:ff:60:86:c5\"],\"names\":[{\"name\":\"trawl.test\","
                              "\"source\":\"http host\"}],\"ports\":[80],\"bytes_out\":21729,\"bytes_in\":335,"));
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.2\",\"macs\":[\"ba:cd:3c:c3:79:de\"],\"clients\":[{\"client\":\"curl/"
                              "7.88.1\",\"source\":\"http user-agent\"}],\"bytes_out\":335,\"bytes_in\":21729,"));
    tr_sb_reset(&r->sb);
    views_stats_json(r->v, &r->sb);
    const char *st = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(st, "\"protocols\":[{\"proto\":\"http\",\"sessions\":1,\"packets\":34,\"bytes\":22064}]"));
    assert_non_null(strstr(st, "{\"proto\":\"http\",\"type\":\"response\",\"field\":\"status\",\"label\":\"status codes\","
                               "\"counts\":[{\"value\":\"200\",\"count\":3},{\"value\":\"404\",\"count\":1}],\"others\":0}"));
    assert_non_null(strstr(st, "\"per_second\":{\"start\":1795620493.000000,\"width\":1,\"packets\":[34],"));
    run_free(r);
}

/* dhcp-two-servers: each lease with every server that offered, and the client's name, vendor class and MAC on the
 * address it was given. */
static void test_dhcp_leases_and_hosts(void **state)
{
    (void)state;
    run *r = run_capture("dhcp-two-servers.pcap");
    int leases = table_named(r, "Leases");
    const char *l = jsonl(r, leases);
    assert_int_equal(count_lines(l), 2);
    assert_non_null(strstr(l, "{\"time\":1796572194.901146,\"client_mac\":\"02:00:5e:99:00:01\",\"ip\":\"10.99.0.219\","
                              "\"server_id\":\"10.99.0.3\",\"lease_time\":120,\"hostname\":\"trawl-dhclient\","
                              "\"vendor_class\":\"trawl-dhclient-vendor\",\"offers\":\"10.99.0.3 offered 10.99.0.219, "
                              "10.99.0.1 offered 10.99.0.52\",\"exchange\":\"DISCOVER OFFER REQUEST ACK\",\"session\":2}"));
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    assert_non_null(strstr(tr_sb_cstr(&r->sb),
                           "{\"ip\":\"10.99.0.53\",\"macs\":[\"02:00:5e:99:00:02\"],\"clients\":[{\"client\":\"trawl-"
                           "udhcpc-vendor\",\"source\":\"dhcp vendor class\"}],\"names\":[{\"name\":\"trawl-udhcpc\","
                           "\"source\":\"dhcp hostname\"}]"));
    run_free(r);
}

/* snmp-v1-v2c: communities as credentials (the wrong one refused), the agent's sysDescr and sysName. */
static void test_snmp_credentials_and_agent(void **state)
{
    (void)state;
    run *r = run_capture("snmp-v1-v2c.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_non_null(strstr(c, "\"proto\":\"snmp\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\",\"server_port\""
                              ":161,\"password\":\"wrong-community\",\"mechanism\":\"community\",\"success\":false}"));
    assert_non_null(strstr(c, "\"password\":\"public\",\"mechanism\":\"community\",\"success\":true}"));
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    assert_non_null(strstr(tr_sb_cstr(&r->sb),
                           "{\"ip\":\"10.99.0.1\",\"macs\":[\"4e:e3:66:68:39:59\"],\"clients\":[{\"client\":\"trawl test "
                           "agent (net-snmp)\",\"source\":\"snmp sysDescr\"}],\"names\":[{\"name\":\"trawl-srv\","
                           "\"source\":\"snmp sysName\"}],\"ports\":[161]"));
    run_free(r);
}

/* dns-udp-tcp: the addresses answers named, and the most asked names among the counted values. */
static void test_dns_names(void **state)
{
    (void)state;
    run *r = run_capture("dns-udp-tcp.pcap");
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    const char *h = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.80\",\"names\":[{\"name\":\"web.trawl.test\",\"source\":\"dns answer\"},"
                              "{\"name\":\"www.trawl.test\",\"source\":\"dns answer\"}]"));
    assert_non_null(strstr(h, "{\"ip\":\"fd99::80\",\"names\":[{\"name\":\"web.trawl.test\",\"source\":\"dns answer\"}]"));
    tr_sb_reset(&r->sb);
    views_stats_text(r->v, &r->sb);
    const char *st = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(st, "dns names asked (the most asked)\n"));
    assert_non_null(strstr(st, "dns response codes\n  NOERROR"));
    run_free(r);
}

/* A mail `message` event (its protocol on another branch): a row of Messages, the same message by Message-ID once
 * with both protocols; a DHCP `message` is not mail. Built by hand, with the contract's fields. */
static void test_messages(void **state)
{
    (void)state;
    views *v = views_new();
    tr_sink s = views_sink(v);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    static tr_event e;
    const char *protos[2] = {"smtp", "imap"};
    for (int i = 0; i < 2; i++) {
        tr_ev_init_nosession(&e, &ctx, protos[i], "message");
        e.ts_us = 1700000000000000 + i;
        tr_ev_str(&e, "from", "Alice <alice@example.org>");
        tr_ev_list(&e, "to");
        tr_ev_str(&e, NULL, "bob@example.org");
        tr_ev_str(&e, NULL, "carol@example.org");
        tr_ev_end(&e);
        tr_ev_str(&e, "subject", "Quarterly report");
        tr_ev_str(&e, "message_id", "<1@example.org>");
        tr_ev_int(&e, "size", 2048);
        tr_ev_list(&e, "attachments");
        tr_ev_obj(&e, NULL);
        tr_ev_str(&e, "name", "report.pdf");
        tr_ev_str(&e, "content_type", "application/pdf");
        tr_ev_int(&e, "size", 1000);
        tr_ev_str(&e, "sha256", "ab");
        tr_ev_bool(&e, "complete", 1);
        tr_ev_end(&e);
        tr_ev_end(&e);
        s.on_event(v, &e);
    }
    tr_ev_init_nosession(&e, &ctx, "dhcp", "message");
    tr_ev_str(&e, "msg_type", "DISCOVER");
    s.on_event(v, &e);
    assert_int_equal(views_table_nrows(v, VIEWS_MESSAGES), 1);
    const char *row = views_table_row(v, VIEWS_MESSAGES, 0);
    assert_string_equal(views_cell(row, 2), "smtp, imap");
    assert_string_equal(views_cell(row, 3), "Alice <alice@example.org>");
    assert_string_equal(views_cell(row, 4), "bob@example.org, carol@example.org");
    assert_string_equal(views_cell(row, 5), "Quarterly report");
    assert_string_equal(views_cell(row, 7), "report.pdf");
    assert_int_equal(views_table_nrows(v, VIEWS_FILES), 2); /* the attachment, once per copy */
    assert_string_equal(views_cell(views_table_row(v, VIEWS_FILES, 0), 3), "report.pdf");
    views_free(v);
}


/* smtp-auth (pcaps/smtp-auth.facts): each AUTH mechanism once with postfix's answer, the password only where the
 * mechanism carries it; the client's EHLO name and the server's name in its greeting. */
static void test_smtp_views(void **state)
{
    (void)state;
    run *r = run_capture("smtp-auth.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_int_equal(count_lines(c), 5);
    assert_non_null(strstr(c, "{\"ts\":1796580986.893173,\"session\":1,\"proto\":\"smtp\",\"client_ip\":\"10.99.0.2\","
                              "\"server_ip\":\"10.99.0.1\",\"server_port\":587,\"user\":\"trawltest\",\"password\":"
                              "\"Trawl-pw-42\",\"mechanism\":\"PLAIN\",\"success\":true}\n"));
    assert_non_null(strstr(c, "\"session\":2,\"proto\":\"smtp\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":587,\"user\":\"trawltest\",\"password\":\"Trawl-pw-42\",\"mechanism\":"
                              "\"LOGIN\",\"success\":true}"));
    assert_non_null(strstr(c, "\"session\":3,\"proto\":\"smtp\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":587,\"user\":\"trawltest\",\"mechanism\":\"CRAM-MD5\",\"success\":true}"));
    assert_non_null(strstr(c, "\"session\":5,\"proto\":\"smtp\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":587,\"user\":\"trawltest\",\"password\":\"wrong-password\",\"mechanism\":"
                              "\"PLAIN\",\"success\":false}"));
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    const char *h = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.2\",\"macs\":[\"d6:ca:2a:38:d1:3d\"],\"names\":[{\"name\":\"client.trawl."
                              "test\",\"source\":\"smtp helo\"}],"));
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.1\",\"macs\":[\"8a:0b:57:64:cd:f7\"],\"names\":[{\"name\":\"mx.trawl.test"
                              "\",\"source\":\"smtp greeting\"}],\"ports\":[587,25,465],"));
    const char *f = jsonl(r, VIEWS_FILES); /* each message and its text part */
    assert_non_null(strstr(f, "\"session\":1,\"proto\":\"smtp\",\"size\":169,\"sha256\":\"393a0b84b339ee786506d86ce03bcc3a"
                              "37768c1ef0f46c5e69bde3d202d11fae\",\"complete\":true}"));
    run_free(r);
}

/* pop3-dovecot (pcaps/pop3-dovecot.facts): USER/PASS refused then accepted, APOP (no password on the wire), AUTH
 * PLAIN; the four messages of anna's maildrop once each, their attachments as files. */
static void test_pop3_views(void **state)
{
    (void)state;
    run *r = run_capture("pop3-dovecot.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_int_equal(count_lines(c), 5);
    assert_non_null(strstr(c, "{\"ts\":1796581638.377248,\"session\":1,\"proto\":\"pop3\",\"client_ip\":\"10.99.0.2\","
                              "\"server_ip\":\"10.99.0.1\",\"server_port\":110,\"user\":\"anna\",\"password\":\"not-the-"
                              "password\",\"mechanism\":\"USER\",\"success\":false}\n"));
    assert_non_null(strstr(c, "\"session\":2,\"proto\":\"pop3\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":110,\"user\":\"anna\",\"password\":\"Anna-pw-1\",\"mechanism\":\"USER\","
                              "\"success\":true}"));
    assert_non_null(strstr(c, "\"session\":3,\"proto\":\"pop3\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":110,\"user\":\"bob\",\"mechanism\":\"APOP\",\"success\":true}"));
    const char *m = jsonl(r, VIEWS_MESSAGES);
    assert_int_equal(count_lines(m), 4);
    assert_non_null(strstr(m, "\"protos\":\"pop3\",\"from\":\"Carol Sender <carol@example.org>\",\"to\":\"Anna <anna@trawl"
                              ".test>\",\"subject\":\"Quarterly report\",\"date\":\"Tue, 14 Nov 2023 22:13:21 +0000\","
                              "\"attachments\":\"report.pdf\",\"size\":8696,\"message_id\":\"<report-1@example.org>\"}"));
    assert_non_null(strstr(m, "\"subject\":\"Caf\xc3\xa9 photos\",\"date\":\"Wed, 15 Nov 2023 08:00:00 +0000\","
                              "\"attachments\":\"cafe.png\",\"size\":3963,"));
    const char *f = jsonl(r, VIEWS_FILES);
    assert_non_null(strstr(f, "\"session\":2,\"proto\":\"pop3\",\"name\":\"report.pdf\",\"content_type\":\"application/pdf"
                              "\",\"size\":6000,\"sha256\":\"4a18901bb9c42df287d885b0587c0398f00e521dac777c44265bad6b2fd1d5"
                              "4e\",\"complete\":true}"));
    run_free(r);
}

/* imap-dovecot (pcaps/imap-dovecot.facts): LOGIN refused then accepted, bob's AUTHENTICATE PLAIN; the fetched
 * messages' attachments as files. */
static void test_imap_views(void **state)
{
    (void)state;
    run *r = run_capture("imap-dovecot.pcap");
    const char *c = jsonl(r, VIEWS_CREDENTIALS);
    assert_int_equal(count_lines(c), 4);
    assert_non_null(strstr(c, "{\"ts\":1796581653.223575,\"session\":1,\"proto\":\"imap\",\"client_ip\":\"10.99.0.2\","
                              "\"server_ip\":\"10.99.0.1\",\"server_port\":143,\"user\":\"anna\",\"password\":\"not-the-"
                              "password\",\"mechanism\":\"LOGIN\",\"success\":false}\n"));
    assert_non_null(strstr(c, "\"session\":2,\"proto\":\"imap\",\"client_ip\":\"10.99.0.2\",\"server_ip\":\"10.99.0.1\","
                              "\"server_port\":143,\"user\":\"bob\",\"password\":\"Bob-pw-2\",\"mechanism\":\"PLAIN\","
                              "\"success\":true}"));
    const char *m = jsonl(r, VIEWS_MESSAGES);
    assert_non_null(strstr(m, "\"protos\":\"imap\",\"from\":\"Carol Sender <carol@example.org>\",\"to\":\"Anna <anna@trawl"
                              ".test>\",\"subject\":\"Quarterly report\","));
    const char *f = jsonl(r, VIEWS_FILES);
    assert_non_null(strstr(f, "\"session\":1,\"proto\":\"imap\",\"name\":\"cafe.png\",\"content_type\":\"image/png\","
                              "\"size\":2500,\"sha256\":\"66a4feb1a46e19eb1e88c4aef30ff45477665fc8a7133d3304b61ed9c0533c72"
                              "\",\"complete\":true}"));
    run_free(r);
}

/* mail-smtp-imap: the message postfix took over SMTP and anna fetched over IMAP is one row, carried by both. */
static void test_mail_across_protocols(void **state)
{
    (void)state;
    run *r = run_capture("mail-smtp-imap.pcap");
    const char *m = jsonl(r, VIEWS_MESSAGES);
    assert_int_equal(count_lines(m), 1);
    assert_non_null(strstr(m, "\"protos\":\"smtp, imap\",\"from\":\"Grace <grace@example.org>\",\"to\":\"anna@trawl.test"
                              "\",\"subject\":\"Sent through postfix\",\"date\":\"Sun, 19 Nov 2023 09:00:00 +0000\","
                              "\"attachments\":\"smtp.bin\","));
    run_free(r);
}

/* bt-tracker (pcaps/bt-tracker.facts): the torrent fetched as a .torrent, announced, and downloaded whole from the
 * seeder; a row of Torrents, its files among Files, aria2 as the program both peers run. */
static void test_bittorrent_views(void **state)
{
    (void)state;
    run *r = run_capture("bt-tracker.pcap");
    int torrents = table_named(r, "Torrents");
    const char *t = jsonl(r, torrents);
    assert_string_equal(t, "{\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\",\"name\":\"trawl-share\","
                           "\"size\":327600,\"pieces\":10,\"verified\":10,\"peers\":2,\"trackers\":\"http://10.99.0.1:"
                           "6969/announce\",\"complete\":\"yes\",\"clients\":\"aria2 1.36.0\"}\n"); /* no export: no folder */
    const char *f = jsonl(r, VIEWS_FILES);
    assert_non_null(strstr(f, "\"session\":0,\"proto\":\"bittorrent\",\"name\":\"data/payload.bin\",\"size\":300000,"
                              "\"complete\":true}"));
    assert_non_null(strstr(f, "\"session\":0,\"proto\":\"bittorrent\",\"name\":\"readme.txt\",\"size\":27600,"
                              "\"complete\":true}"));
    tr_sb_reset(&r->sb);
    views_hosts_jsonl(r->v, &r->sb);
    const char *h = tr_sb_cstr(&r->sb);
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.2\",\"macs\":[\"2e:fe:6a:99:71:61\"],\"clients\":[{\"client\":\"aria2/"
                              "1.36.0\",\"source\":\"http user-agent\"},{\"client\":\"aria2 1.36.0\",\"source\":"
                              "\"bittorrent peer id\"}],"));
    assert_non_null(strstr(h, "{\"ip\":\"10.99.0.1\",\"macs\":[\"96:96:93:18:53:62\"],\"clients\":[{\"client\":\"aria2 "
                              "1.36.0\",\"source\":\"bittorrent peer id\"}],"));
    run_free(r);
}

/* What no capture here holds (dovecot's POP3 names no IMPLEMENTATION; the IMAP clients sent no ID): a client's IMAP
 * ID and a POP3 server's CAPA IMPLEMENTATION as programs of their hosts. Built by hand, as the dissectors emit them. */
static void test_mail_programs(void **state)
{
    (void)state;
    extern const tr_dissector dis_imap, dis_pop3;
    views *v = views_new();
    tr_sink sk = views_sink(v);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    static tr_session s;
    static tr_event e;
    s.ctx = &ctx;
    assert_int_equal(tr_ip_parse("10.0.0.2", &s.client.ip), 0);
    assert_int_equal(tr_ip_parse("10.0.0.1", &s.server.ip), 0);
    s.dis = &dis_imap;
    tr_ev_init(&e, &s, "request", TR_C2S);
    tr_ev_str(&e, "tag", "a1");
    tr_ev_str(&e, "command", "ID");
    tr_ev_str(&e, "args", "(\"name\" \"Thunderbird\" \"os\" NIL \"version\" \"115.3.1\")");
    sk.on_event(v, &e);
    s.dis = &dis_pop3;
    tr_ev_init(&e, &s, "reply", TR_S2C);
    tr_ev_str(&e, "status", "+OK");
    tr_ev_str(&e, "command", "CAPA");
    tr_ev_list(&e, "items");
    tr_ev_str(&e, NULL, "TOP");
    tr_ev_str(&e, NULL, "IMPLEMENTATION Cyrus POP3 v3.8");
    tr_ev_end(&e);
    sk.on_event(v, &e);
    views_sync(v);
    tr_strbuf sb;
    tr_sb_init(&sb, 1u << 20);
    views_hosts_jsonl(v, &sb);
    const char *h = tr_sb_cstr(&sb);
    assert_non_null(strstr(h, "{\"ip\":\"10.0.0.2\",\"clients\":[{\"client\":\"Thunderbird 115.3.1\",\"source\":\"imap "
                              "id\"}]"));
    assert_non_null(strstr(h, "{\"ip\":\"10.0.0.1\",\"clients\":[{\"client\":\"Cyrus POP3 v3.8\",\"source\":\"pop3 capa "
                              "implementation\"}]"));
    tr_sb_free(&sb);
    views_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_credentials),       cmocka_unit_test(test_ftp_credentials_and_files),
        cmocka_unit_test(test_http_files_and_hosts),   cmocka_unit_test(test_dhcp_leases_and_hosts),
        cmocka_unit_test(test_snmp_credentials_and_agent), cmocka_unit_test(test_dns_names),
        cmocka_unit_test(test_messages),               cmocka_unit_test(test_smtp_views),
        cmocka_unit_test(test_pop3_views),             cmocka_unit_test(test_imap_views),
        cmocka_unit_test(test_mail_across_protocols),  cmocka_unit_test(test_bittorrent_views),
        cmocka_unit_test(test_mail_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
