/* ftp_present: how FTP shows itself — the login and each transfer in the summary (`USER alice, RETR report.pdf
 * (300 KB)`), and in the control session's transcript a note where a data connection's transfer ended
 * (`[data on session 12: RETR report.pdf -> files/12-report.pdf]`). FTP data sessions show their bytes until
 * the file they go to is open, then count them (TR_TXM_TO_FILE). */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "summary_parts.h"

static int ftp_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "transfer") != 0)
        return -1;
    tr_sb_adds(text, "[data");
    if (tr_evr_field(e, "data_session")) {
        tr_sb_adds(text, " on session ");
        tr_evr_add(e, "data_session", text);
    }
    tr_sb_adds(text, ": ");
    static const char *const command[] = {"", "command", NULL};
    tr_evr_parts(e, command, text);
    if (tr_evr_field(e, "name")) {
        tr_sb_addc(text, ' ');
        tr_evr_add(e, "name", text);
    }
    if (tr_evr_field(e, "file")) {
        tr_sb_adds(text, " -> ");
        tr_evr_add(e, "file", text);
    }
    tr_sb_addc(text, ']');
    return TR_TX_NOTE;
}

static int ftp_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "auth") == 0)
        return summary_auth(e, s);
    if (strcmp(e->type, "transfer") == 0) {
        if (!tr_evr_add(e, "command", s->ask))
            tr_sb_addc(s->ask, '?');
        if (tr_evr_field(e, "name")) {
            tr_sb_addc(s->ask, ' ');
            tr_evr_add(e, "name", s->ask);
        }
        int64_t n = 0;
        if (tr_evr_int(e, "bytes", &n)) {
            tr_sb_adds(s->ask, " (");
            tr_sb_add_size(s->ask, (uint64_t)(n > 0 ? n : 0));
            tr_sb_addc(s->ask, ')');
        }
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

const tr_presenter ftp_present = {
    .summary = ftp_summary,
    .transcript_note = ftp_note,
};

const tr_presenter ftp_data_present = {
    .transcript_mode = TR_TXM_TO_FILE,
};
