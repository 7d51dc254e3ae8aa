/* The one mailbox (dissectors/mailbox.c): messages seen by several sessions and protocols listed once, the same by
 * Message-ID or, without one, by their bytes; a whole copy kept before a part; in an export, mail/<n>-<subject>.eml
 * names the kept copy and mail/index.jsonl lists every message with the sessions that carried it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../dissectors/mailbox.h"
#include "../../output/sink_export.h"
#include "harness.h"

static const char msg_a[] = "Message-ID: <a@example.org>\r\nFrom: anna@example.org\r\nTo: bob@example.net\r\n"
                            "Subject: =?utf-8?q?caf=C3=A9_plans?=\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
                            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n"
                            "Content-Disposition: attachment; filename=menu.pdf\r\n\r\nPDF\r\n--b--\r\n";
static const char msg_b[] = "From: carol@example.net\r\nSubject: no id\r\n\r\nbody b\r\n";

/* One message seen on session s: walked, extracted whole to files/, handed to the mailbox. */
static void seen(harness *h, uint64_t session, const char *proto, const char *msg, size_t len, int partial)
{
    h->s.id = session;
    h->ctx.now_us += 1000000;
    mime *m = calloc(1, sizeof *m);
    mime_begin(m, &h->s, TR_C2S);
    mime_feed(m, (const uint8_t *)msg, len);
    mime_end(m, 1);
    char rel[256];
    int fh = tr_file_open(&h->s, partial ? "part.eml" : "message.eml", rel, sizeof rel);
    tr_file_write(&h->s, fh, (const uint8_t *)msg, len);
    tr_file_close(&h->s, fh, 1);
    sha256_digest d = {.ticket = 0};
    sha256_hex_of(msg, len, d.hex);
    mailbox_message mm = {proto, session, h->ctx.now_us, m, len, &d, 1, partial, rel};
    mailbox_add(&h->ctx, &mm);
    mime_release(m);
    mime_free(m);
    free(m);
}

static char *slurp(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

static void test_one_mailbox(void **state)
{
    (void)state;
    char dir[64], err[256] = "";
    harness_tmpdir(dir, sizeof dir, "mailbox");
    sink_export *x = sink_export_open(dir, 0, 0, err, sizeof err);
    assert_non_null(x);
    tr_sink k = sink_export_sink(x);
    harness *h = harness_new(NULL, TR_TCP, 25);
    assert_true(tr_ctx_add_sink(&h->ctx, &k) >= 0);
    k.on_session_open(k.self, &h->s);
    /* A: sent by SMTP, fetched in part by POP3 TOP, then whole by IMAP; B (no Message-ID) twice */
    size_t head = (size_t)(strstr(msg_a, "\r\n\r\n") - msg_a) + 4;
    seen(h, 1, "smtp", msg_a, strlen(msg_a), 0);
    seen(h, 2, "pop3", msg_a, head, 1);
    seen(h, 3, "imap", msg_a, strlen(msg_a), 0);
    seen(h, 4, "imap", msg_b, strlen(msg_b), 0);
    seen(h, 5, "pop3", msg_b, strlen(msg_b), 0);
    k.on_session_close(k.self, &h->s);
    harness_finish(h); /* the capture is over: the mailbox is written */
    assert_int_equal(sink_export_finish(x, err, sizeof err), 0);
    char *index = slurp(dir, "mail/index.jsonl");
    assert_non_null(index);
    char *second = strchr(index, '\n') + 1;
    assert_non_null(strstr(index, "\"message_id\":\"<a@example.org>\""));
    assert_non_null(strstr(index, "\"subject\":\"caf\xc3\xa9 plans\""));
    assert_non_null(strstr(index, "\"attachments\":[\"menu.pdf\"]"));
    assert_non_null(strstr(index, "\"file\":\"mail/000001-caf_plans.eml\""));
    assert_non_null(strstr(index, "\"seen_in\":[{\"session\":1,\"proto\":\"smtp\",\"ts\":1700000001.000000},"
                                  "{\"session\":2,\"proto\":\"pop3\",\"ts\":1700000002.000000},"
                                  "{\"session\":3,\"proto\":\"imap\",\"ts\":1700000003.000000}]"));
    assert_non_null(strstr(second, "\"subject\":\"no id\""));
    assert_non_null(strstr(second, "\"seen_in\":[{\"session\":4,\"proto\":\"imap\""));
    assert_non_null(strstr(second, "{\"session\":5,\"proto\":\"pop3\""));
    assert_null(strchr(strchr(second, '\n') + 1, '\n')); /* two messages, two lines */
    /* the kept copies are the whole messages, under their mailbox names */
    char *a = slurp(dir, "mail/000001-caf_plans.eml");
    assert_non_null(a);
    assert_string_equal(a, msg_a);
    assert_non_null(slurp(dir, "mail/000002-no_id.eml"));
    harness_free(h);
    harness_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_mailbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
