/* output/event_blob: an event flattened on the engine's thread and rebuilt later formats exactly as the event did,
 * though its session changed meanwhile: every field type, nesting, bytes that need escaping, top-level fields,
 * digests that were still being computed (filled in from where the worker put them) and unknown tickets (left
 * out); blobs that would not fit are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../core/tr_hash.h"
#include "../../core/tr_worker.h"
#include "../../dissectors/sha256.h"
#include "../../output/event_blob.h"
#include "../../output/tr_format.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void set_endpoint(tr_endpoint *ep, const char *ip, uint16_t port)
{
    memset(ep, 0, sizeof *ep);
    assert_int_equal(tr_ip_parse(ip, &ep->ip), 0);
    ep->port = port;
}

/* An event with one field of every kind, its digest hashed on the worker (ticket in *d). */
static void build_event(tr_event *e, tr_session *s, sha256 *h, sha256_digest *d)
{
    static const uint8_t odd[] = {'a', '"', '\\', 0x00, 0x1f, 0xff, 0xc3, 0xa9, '\n'};
    tr_ev_init(e, s, "answer", TR_S2C);
    e->ts_us = 1700000000123456;
    tr_ev_str(e, "qname", "example.org");
    tr_ev_strn(e, "raw", odd, sizeof odd);
    tr_ev_int(e, "id", -4242);
    tr_ev_bool(e, "aa", 1);
    tr_ev_bool(e, "tc", 0);
    tr_ev_ts(e, "when", 1700000001000001);
    tr_ev_list(e, "answers");
    tr_ev_obj(e, NULL);
    tr_ev_str(e, "name", "example.org");
    tr_ev_int(e, "ttl", 300);
    tr_ev_end(e);
    tr_ev_str(e, NULL, "plain");
    tr_ev_end(e);
    tr_ev_obj(e, "edns");
    tr_ev_int(e, "udp_size", 1232);
    tr_ev_end(e);
    tr_ev_file(e, "file", "files/7-index.html");
    assert_int_equal(sha256_begin(h), 0);
    sha256_update(h, "abc", 3);
    assert_int_equal(sha256_finish_later(h, d), 0);
    assert_true(d->ticket != 0);
    tr_ev_digest(e, "body_sha256", d->hex, d->ticket);
    tr_ev_digest(e, "lost_sha256", "", (uint64_t)1 << 40); /* a ticket never given: no digest */
    e->top_mode = 1;
    tr_ev_str(e, "anomaly", "dns_odd");
}

/* The event formatted directly (its digests waited for) and after a trip through a blob, in all three forms. */
static void test_round_trip_formats_alike(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    tr_session s;
    memset(&s, 0, sizeof s);
    s.id = 42;
    s.l4 = TR_UDP;
    s.ctx = &ctx;
    set_endpoint(&s.client, "2001:db8::1", 53000);
    set_endpoint(&s.server, "2001:db8::53", 53);
    static tr_event e;
    sha256 h = {0};
    sha256_digest d;
    build_event(&e, &s, &h, &d);
    while (e.depth > 0)
        tr_ev_end(&e);

    static uint8_t blob[TR_JOB_DATA_MAX];
    size_t n = event_blob_pack(&e, blob, sizeof blob);
    assert_true(n > 0);
    /* the session goes on (or away) after the event: the blob keeps what it was */
    tr_session then = s;
    s.id = 99;
    s.client.port = 1;
    tr_worker_flush(); /* the digest's final has run, as it has for a job queued after it */
    static event_blob_view v;
    event_blob_unpack(blob, n, &v);
    e.session = &then;

    tr_strbuf direct, rebuilt;
    tr_sb_init(&direct, 1u << 16);
    tr_sb_init(&rebuilt, 1u << 16);
    for (int form = 0; form < 3; form++) {
        tr_sb_reset(&direct);
        tr_sb_reset(&rebuilt);
        if (form == 2) {
            tr_format_text(&e, &direct);
            tr_format_text(&v.e, &rebuilt);
        } else {
            tr_format_json(&e, form, &direct);
            tr_format_json(&v.e, form, &rebuilt);
        }
        tr_sb_addc(&direct, '\0');
        tr_sb_addc(&rebuilt, '\0');
        assert_string_equal(rebuilt.p, direct.p);
        assert_non_null(strstr(rebuilt.p, SHA_ABC));
        assert_null(strstr(rebuilt.p, "lost_sha256"));
        assert_non_null(strstr(rebuilt.p, "2001:db8::1"));
    }
    assert_non_null(strstr(rebuilt.p, "#42 udp answer [2001:db8::53]:53 -> [2001:db8::1]:53000"));
    tr_sb_free(&direct);
    tr_sb_free(&rebuilt);
    sha256_release(&h);
    tr_worker_stop();
}

/* A blob that does not fit, or with more digests than a view holds, is refused (the caller formats it). */
static void test_refused_when_it_does_not_fit(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    static tr_event e;
    tr_ev_init_nosession(&e, &ctx, "dns", "query");
    tr_ev_str(&e, "qname", "example.org");
    static uint8_t blob[TR_JOB_DATA_MAX];
    size_t n = event_blob_pack(&e, blob, sizeof blob);
    assert_true(n > 0);
    for (size_t cap = 0; cap < n; cap++)
        assert_int_equal(event_blob_pack(&e, blob, cap), 0);
    assert_int_equal(event_blob_pack(&e, blob, n), n);

    sha256 h[EVENT_BLOB_DIGESTS_MAX + 1];
    memset(h, 0, sizeof h);
    for (int k = 0; k <= EVENT_BLOB_DIGESTS_MAX; k++) {
        sha256_digest d;
        assert_int_equal(sha256_begin(&h[k]), 0);
        assert_int_equal(sha256_finish_later(&h[k], &d), 0);
        assert_true(d.ticket != 0);
        tr_ev_digest(&e, "sha256", d.hex, d.ticket);
        size_t got = event_blob_pack(&e, blob, sizeof blob);
        if (k < EVENT_BLOB_DIGESTS_MAX)
            assert_true(got > 0);
        else
            assert_int_equal(got, 0);
    }
    tr_worker_flush();
    for (int k = 0; k <= EVENT_BLOB_DIGESTS_MAX; k++)
        sha256_release(&h[k]);
    tr_worker_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_formats_alike),
        cmocka_unit_test(test_refused_when_it_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
