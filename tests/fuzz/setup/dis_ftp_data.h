/* Setup for fuzz_ftp_data (included by fuzz_dissector.c): ftp-data is reached only through an FTP control
 * connection's expectation, whose context (ftp_shared.h) tells it what the transfer is. After the setup byte
 * the input gives that context: the command id, the mode, a name length (at most 63) and the name. An input
 * shorter than three bytes there leaves the context empty (command 0, no name). */
#include "dissectors/ftp_shared.h"

static size_t fuzz_setup(tr_session *s, const uint8_t *p, size_t n)
{
    static ftp_transfer_info info; /* the session points at it until it closes */
    memset(&info, 0, sizeof info);
    size_t used = 0;
    if (n >= 3) {
        info.cmd = p[0] % FTP_CMD_COUNT;
        info.mode = p[1] % 3;
        size_t len = p[2] % 64;
        used = 3;
        if (len > n - used)
            len = n - used;
        memcpy(info.name, p + used, len);
        info.name_len = (uint16_t)len;
        used += len;
    }
    s->expect_ctx = &info;
    s->expect_ctx_len = sizeof info;
    return used;
}
