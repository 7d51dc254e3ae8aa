/* dis_ftp_data: an FTP data connection (RFC 959 3.2-3.3), reached only through the expectation its control
 * session registered at PORT/PASV/EPRT/EPSV; its bytes are one object (object.h): hashed and extracted as they
 * stream.
 *
 * Wire layout: the file or listing as raw bytes, in one direction, until the sender closes (stream mode).
 * Which command (RETR, STOR, LIST, ...) and file name it carries is known from the control session, which may
 * see the command only after this connection opened; the lookup is therefore repeated when the first bytes
 * arrive and at close. The `transfer` event itself is emitted by the control side (dis_ftp.c). */

#include <stdio.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "ftp_shared.h"
#include "object.h"

typedef struct ftp_data_state {
    obj data;           /* the bytes as sent (SCHEMA: after a REST, from rest_offset on), begun at the first of them */
    int data_dir;       /* the direction carrying the data, -1 until bytes arrive */
    uint8_t begun, gap, other_dir_told;
    uint8_t finished, late_told; /* reported early (control session ended first); later bytes are not counted */
} ftp_data_state;

static void ftp_data_on_open(tr_session *s)
{
    ftp_data_state *st = s->state;
    ftp_transfer_info info;
    (void)ftp_transfer_lookup(s, &info); /* links this connection to its slot in the control session */
    st->data_dir = -1;
}

/* The transfer's object: its bytes as sent, no coding, no cap; extracted under `name`. */
static void data_begin(tr_session *s, ftp_data_state *st, const char *name)
{
    st->begun = 1;
    obj_spec spec = {.transfer = OBJ_TE_IDENTITY, .content = OBJ_CE_IDENTITY, .name = name};
    obj_begin(&st->data, s, st->data_dir, &spec);
    if (st->gap) /* a hole before the first bytes */
        obj_gap(&st->data, s, 0);
}

/* The extracted file's name: the command's file name without its directories, or what a listing is. */
static void file_name_for(const ftp_transfer_info *info, char *out, size_t cap)
{
    const char *fixed = NULL;
    switch (info->cmd) {
    case FTP_CMD_LIST: fixed = "LIST.txt"; break;
    case FTP_CMD_NLST: fixed = "NLST.txt"; break;
    case FTP_CMD_MLSD: fixed = "MLSD.txt"; break;
    default: break;
    }
    size_t start = 0, n = info->name_len < FTP_NAME_MAX ? info->name_len : FTP_NAME_MAX;
    for (size_t i = 0; i < n; i++)
        if (info->name[i] == '/' || info->name[i] == '\\')
            start = i + 1;
    if (fixed || start >= n) {
        snprintf(out, cap, "%s", fixed ? fixed : "ftp-data.bin");
        return;
    }
    snprintf(out, cap, "%.*s", (int)(n - start), info->name + start);
}

static size_t ftp_data_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    ftp_data_state *st = s->state;
    if (st->finished) {
        if (!st->late_told) {
            st->late_told = 1;
            tr_anomaly(s->ctx, s, dir, "ftp_data_after_control_end",
                       "data after the control session ended and its transfer was reported");
        }
        return n;
    }
    if (st->data_dir < 0)
        st->data_dir = dir;
    if (dir != st->data_dir) {
        if (!st->other_dir_told) {
            st->other_dir_told = 1;
            tr_anomaly(s->ctx, s, dir, "ftp_data_both_directions",
                       "data connection carries bytes both ways; only the first direction is kept");
        }
        return n;
    }
    if (!st->begun) { /* the command that names the file may have come after the connection opened */
        ftp_transfer_info info;
        if (!ftp_transfer_lookup(s, &info))
            memset(&info, 0, sizeof info);
        char name[FTP_NAME_MAX + 1];
        file_name_for(&info, name, sizeof name);
        data_begin(s, st, name);
    }
    return obj_feed(&st->data, s, p, n);
}

static void ftp_data_on_gap(tr_session *s, int dir, uint64_t n)
{
    ftp_data_state *st = s->state;
    if (st->data_dir < 0 || dir == st->data_dir) {
        st->gap = 1;
        obj_gap(&st->data, s, n); /* no digest; the bytes after the hole are still counted and extracted */
    }
}

void ftp_data_finish(tr_session *s)
{
    ftp_data_state *st = s->state;
    if (!st || st->finished)
        return;
    st->finished = 1;
    if (!st->begun) /* no bytes: an empty object, whose digest is the empty one unless a hole was seen */
        data_begin(s, st, NULL);
    obj_result r;
    obj_end(&st->data, s, !st->gap, &r);
    int have_hash = r.sha256.hex[0] || r.sha256.ticket;
    ftp_transfer_data_done(s, st->data_dir, r.len, have_hash ? &r.sha256 : NULL, st->gap, obj_file(&st->data));
    obj_release(&st->data, s);
}

/* The sending side closed: the transfer is over even though the connection lingers for late packets. */
static void ftp_data_on_end(tr_session *s, int dir)
{
    ftp_data_state *st = s->state;
    if (st && (dir == st->data_dir || (st->data_dir < 0 && obj_len(&st->data) == 0)))
        ftp_data_finish(s);
}

static void ftp_data_on_close(tr_session *s, int reason)
{
    (void)reason;
    ftp_data_finish(s);
}

extern const tr_presenter ftp_data_present; /* ftp_present.c */

const tr_dissector dis_ftp_data = {
    .name = "ftp-data",
    .l4 = TR_TCP,
    .ports = NULL,
    .probe = NULL,
    .state_size = sizeof(ftp_data_state),
    .on_open = ftp_data_on_open,
    .on_data = ftp_data_on_data,
    .on_gap = ftp_data_on_gap,
    .on_close = ftp_data_on_close,
    .on_end = ftp_data_on_end,
    .present = &ftp_data_present,
};
