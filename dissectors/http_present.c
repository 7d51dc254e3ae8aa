/* http_present: how HTTP shows itself — a request and its response as one summary part
 * (`GET /index.html → 200 text/html 12 KB`), Basic logins as `auth alice`. */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"

static int http_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "request") == 0) {
        if (!tr_evr_add(e, "method", s->ask))
            tr_sb_addc(s->ask, '?');
        tr_sb_addc(s->ask, ' ');
        tr_evr_add(e, "uri", s->ask);
        return TR_SUM_ASK;
    }
    if (strcmp(e->type, "auth") == 0) {
        tr_sb_adds(s->ask, "auth ");
        if (!tr_evr_add(e, "user", s->ask))
            tr_sb_addc(s->ask, '?');
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "response") != 0)
        return TR_SUM_NONE;
    /* the question it answers, when the response carries it: "GET /x" */
    if (tr_evr_add(e, "method", s->ask)) {
        tr_sb_addc(s->ask, ' ');
        tr_evr_add(e, "uri", s->ask);
    }
    /* "200", or "HTTP/0.9" for an answer without a status line */
    const tr_field *status = tr_evr_field(e, "status");
    if (!status || !tr_evr_add(e, "status", s->answer)) {
        if (!tr_evr_add(e, "version", s->answer))
            tr_sb_addc(s->answer, '?');
    }
    const char *ct;
    size_t ct_len;
    if (tr_evr_str(e, "content_type", &ct, &ct_len)) { /* "text/html; charset=utf-8" -> "text/html" */
        size_t k = 0;
        while (k < ct_len && ct[k] != ';' && ct[k] != ' ')
            k++;
        tr_sb_addc(s->answer, ' ');
        tr_sb_add(s->answer, ct, k);
    }
    int64_t len = 0;
    if (tr_evr_int(e, "body_len", &len) && len > 0) {
        tr_sb_addc(s->answer, ' ');
        tr_sb_add_size(s->answer, (uint64_t)len);
    }
    return TR_SUM_ANSWER;
}

const tr_presenter http_present = {
    .summary = http_summary,
};

/* ---- the views: the name a client asked a server by (Host) and the program it runs (User-Agent) ---- */

static void http_view_event(const tr_event *e, const tr_view_out *out)
{
    int64_t status;
    if (strcmp(e->type, "response") == 0 && tr_evr_int(e, "status", &status) && status >= 200) {
        out->outcome(out, status != 401 && status != 403 && status != 407); /* a Basic login refused, or let in */
        return;
    }
    if (strcmp(e->type, "request") != 0 || !e->session)
        return;
    const char *s;
    size_t n;
    if (tr_evr_str(e, "host", &s, &n)) {
        size_t k = n;
        if (k && s[0] != '[') /* "example.org:8080" -> "example.org"; "[::1]:80" is an address, not a name */
            for (size_t i = 0; i < n; i++)
                if (s[i] == ':')
                    k = i;
        tr_ip ip;
        if (k && s[0] != '[' && !tr_view_parse_ip(s, k, &ip))
            out->host(out, tr_view_server_ip(e), TR_HOST_NAME, s, k, "http host");
    }
    if (tr_evr_str(e, "user_agent", &s, &n))
        out->host(out, tr_view_client_ip(e), TR_HOST_CLIENT, s, n, "http user-agent");
}

const tr_viewer http_view = {.event = http_view_event};
