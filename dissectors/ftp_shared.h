/* ftp_shared: what the FTP control dissector (dis_ftp.c) and the data dissector (dis_ftp_data.c) share:
 * the command ids, the context an expectation hands to a data connection, and the calls between the two. */
#ifndef FTP_SHARED_H
#define FTP_SHARED_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"
#include "sha256.h"

enum ftp_xfer { FTP_XFER_NONE = 0, FTP_XFER_DOWNLOAD = 1, FTP_XFER_UPLOAD = 2 };

enum ftp_cmd {
    FTP_CMD_UNKNOWN = 0,
#define FTP_CMD(name, xfer) FTP_CMD_##name,
#include "ftp_cmd.def"
#undef FTP_CMD
    FTP_CMD_COUNT
};

enum ftp_mode { FTP_MODE_NONE = 0, FTP_MODE_PASSIVE = 1, FTP_MODE_ACTIVE = 2 };

#define FTP_NAME_MAX 256 /* file names longer than this are cut (the event says so by an anomaly) */

/* What a data connection knows about its transfer. Travels in the expectation (copied by the engine into
 * the data session's expect_ctx) and is refreshed from the control session while both live, because the
 * RETR/STOR that names the file usually comes after PASV/PORT. */
typedef struct ftp_transfer_info {
    uint64_t control_id;
    tr_endpoint control_client, control_server; /* to report on the control session after it is gone */
    uint32_t transfer_id;                       /* slot in the control session's transfer table */
    uint8_t mode;                               /* enum ftp_mode */
    uint8_t cmd;                                /* enum ftp_cmd; FTP_CMD_UNKNOWN until seen */
    char type;                                  /* 'A' 'I' 'E' 'L' */
    int64_t rest_offset;
    int final_code;                             /* reply that ended the transfer command, 0 until seen */
    uint16_t name_len;
    char name[FTP_NAME_MAX];
} ftp_transfer_info;

/* The data session's view of its transfer: from the live control session when there is one (which then
 * links the data session to its slot), else the expectation's copy. 0 when neither exists. */
int ftp_transfer_lookup(tr_session *data, ftp_transfer_info *out);

/* The data connection ended: the control side emits the `transfer` event now if the final reply is in,
 * else when it arrives or at control close. digest is NULL when the bytes are not all known; a ticket in it is held by the
 * control side until the event is out. */
void ftp_transfer_data_done(tr_session *data, int data_dir, uint64_t bytes, const sha256_digest *digest, int gap,
                            const char *relpath);

/* The control session is ending while its data connection is still open (the engine keeps a closed
 * connection a while for late packets): report the data connection's transfer now with what it has. */
void ftp_data_finish(tr_session *data);

#endif
