#include "mail_message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_hash.h"
#include "mailbox.h"

void mail_message_begin(mail_message *mm, tr_session *s, int dir, const mail_message_spec *spec)
{
    if (mm->has_result)
        mail_message_done(mm);
    mm->dir = (int8_t)dir;
    mm->start = spec->stream_start;
    mm->active = 1;
    mm->lost = 0;
    mm->named = 0;
    mm->walk = 0;
    mm->decoding = 0;
    snprintf(mm->label, sizeof mm->label, "%s", spec->label ? spec->label : "");
    obj_spec os = {.transfer = OBJ_TE_IDENTITY, .name = spec->file_name};
    obj_begin(&mm->raw, s, dir, &os);
    if (spec->decode == OBJ_TE_BASE64 || spec->decode == OBJ_TE_QP) {
        obj_spec ds = {.transfer = (uint8_t)spec->decode, .name = spec->decoded_name};
        obj_begin(&mm->decoded, s, dir, &ds);
        mm->decoding = 1;
    }
    if (spec->walk) {
        if (!mm->m) {
            mm->m = calloc(1, sizeof *mm->m);
            if (mm->m)
                s->state_extra += sizeof *mm->m;
        }
        if (mm->m) {
            mime_begin(mm->m, s, dir);
            mm->walk = 1;
        }
    }
    if (mm->start != MAIL_MESSAGE_AT_FIRST_BYTE)
        tr_stream_object(s, dir, mm->start, 0, mm->label, NULL);
}

/* The copy the transcript and the event point at: as transferred, or decoded when only that was extracted. */
static const char *mail_message_file(const mail_message *mm)
{
    const char *file = obj_file(&mm->raw);
    return !file[0] && mm->decoding ? obj_file(&mm->decoded) : file;
}

void mail_message_feed(mail_message *mm, tr_session *s, const uint8_t *p, size_t n)
{
    if (!mm->active || !n)
        return;
    if (mm->start == MAIL_MESSAGE_AT_FIRST_BYTE) {
        mm->start = s->stream_off[mm->dir];
        tr_stream_object(s, mm->dir, mm->start, 0, mm->label, NULL);
    }
    if (mm->walk)
        mime_feed(mm->m, p, n);
    if (mm->decoding)
        for (size_t off = 0, k; off < n; off += k)
            if (!(k = obj_feed(&mm->decoded, s, p + off, n - off)))
                break;
    for (size_t off = 0, k; off < n; off += k) { /* obj_feed stops after the bytes that opened the file */
        k = obj_feed(&mm->raw, s, p + off, n - off);
        if (!mm->named && mail_message_file(mm)[0]) {
            mm->named = 1;
            tr_stream_object(s, mm->dir, mm->start, 0, mm->label, mail_message_file(mm));
        }
        if (!k)
            break;
    }
}

void mail_message_gap(mail_message *mm, tr_session *s, uint64_t n)
{
    if (!mm->active)
        return;
    mm->lost = 1;
    (void)obj_gap(&mm->raw, s, n);
    if (mm->decoding)
        (void)obj_gap(&mm->decoded, s, n);
    if (mm->walk)
        mime_gap(mm->m);
}

static void hold(const obj_result *r)
{
    if (r->sha256.ticket)
        tr_hash_ticket_hold(r->sha256.ticket);
}

static void let_go(obj_result *r)
{
    if (r->sha256.ticket)
        tr_hash_ticket_release(r->sha256.ticket);
    r->sha256.ticket = 0;
}

void mail_message_end(mail_message *mm, tr_session *s, int complete, uint64_t stream_end)
{
    if (!mm->active)
        return;
    complete = complete && !mm->lost;
    obj_end(&mm->raw, s, complete, &mm->r);
    hold(&mm->r);
    memset(&mm->dr, 0, sizeof mm->dr);
    if (mm->decoding) {
        obj_end(&mm->decoded, s, complete, &mm->dr);
        hold(&mm->dr);
    }
    if (mm->walk)
        mime_end(mm->m, complete);
    mm->active = 0;
    mm->has_result = 1;
    if (mm->start != MAIL_MESSAGE_AT_FIRST_BYTE && stream_end > mm->start)
        tr_stream_object(s, mm->dir, mm->start, stream_end, mm->label, mm->named ? mail_message_file(mm) : NULL);
}

void mail_message_fields(const mail_message *mm, tr_event *e)
{
    if (!mm->has_result)
        return;
    tr_ev_int(e, "size", (int64_t)mm->r.len);
    if (mm->r.complete)
        tr_ev_digest(e, "sha256", mm->r.sha256.hex, mm->r.sha256.ticket);
    if (mm->decoding) {
        if (mm->dr.len_known)
            tr_ev_int(e, "decoded_size", (int64_t)mm->dr.len);
        if (mm->dr.complete)
            tr_ev_digest(e, "decoded_sha256", mm->dr.sha256.hex, mm->dr.sha256.ticket);
    }
    tr_ev_bool(e, "complete", mm->r.complete);
    if (mm->walk)
        mime_add_fields(mm->m, e);
    tr_ev_file(e, "file", mail_message_file(mm));
}

void mail_message_mailbox(const mail_message *mm, tr_session *s, const char *proto, int partial)
{
    if (!mm->has_result || !mm->walk)
        return;
    tr_session *owner = s->outer ? s->outer : s;
    mailbox_message msg = {
        .proto = proto,
        .session = owner->id,
        .ts = s->ctx->now_us,
        .m = mm->m,
        .size = mm->r.len,
        .sha256 = mm->r.complete ? &mm->r.sha256 : NULL,
        .complete = mm->r.complete,
        .partial = partial,
        .file = mail_message_file(mm),
    };
    mailbox_add(s->ctx, &msg);
}

void mail_message_done(mail_message *mm)
{
    if (!mm->has_result)
        return;
    let_go(&mm->r);
    let_go(&mm->dr);
    if (mm->walk && mm->m)
        mime_release(mm->m);
    mm->has_result = 0;
}

void mail_message_free(mail_message *mm, tr_session *s)
{
    mail_message_done(mm);
    obj_release(&mm->raw, s);
    obj_release(&mm->decoded, s);
    mm->active = 0;
    if (mm->m) {
        mime_free(mm->m);
        free(mm->m);
        mm->m = NULL;
        if (s->state_extra >= sizeof(mime))
            s->state_extra -= sizeof(mime);
    }
}
