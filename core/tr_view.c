#include "tr_view.h"

#include <stdio.h>

#include "tr_session.h"

const char tr_view_keep[] = "";

const tr_ip *tr_view_client_ip(const tr_event *e) { return e->session ? &e->session->client.ip : NULL; }
const tr_ip *tr_view_server_ip(const tr_event *e) { return e->session ? &e->session->server.ip : NULL; }

int tr_view_parse_ip(const char *s, size_t n, tr_ip *out)
{
    char buf[TR_IP_STRLEN];
    if (!s || !n || n >= sizeof buf)
        return 0;
    snprintf(buf, sizeof buf, "%.*s", (int)n, s);
    return tr_ip_parse(buf, out) == 0;
}
