/* telnet_present: how Telnet shows itself — commands as inline transcript markers ([IAC DO ECHO],
 * [IAC SB TERMINAL-TYPE \x00xterm IAC SE]) where they are in the stream, and the session summary (the login,
 * then each command typed). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "summary_parts.h"
#include "telnet_names.h"

#define SB_SHOW 64 /* subnegotiation bytes shown in a marker; the rest are counted */

/* ---- the stream: commands as markers (RFC 854) ---- */

enum { TS_DATA, TS_IAC, TS_OPT, TS_SB_OPT, TS_SB, TS_SB_IAC };

typedef struct telnet_render {
    uint8_t state;
    uint8_t cmd, opt;
    uint8_t sb[SB_SHOW];
    size_t sb_len;
    uint64_t sb_total;
} telnet_render;

_Static_assert(sizeof(telnet_render) <= TR_TX_RENDER_STATE_MAX, "a renderer's state fits the transcript's room");

typedef struct marker {
    char text[40 + 4 * SB_SHOW];
    size_t n;
} marker;

static void add(marker *m, const char *s)
{
    size_t k = strlen(s);
    if (k > sizeof m->text - m->n)
        k = sizeof m->text - m->n;
    memcpy(m->text + m->n, s, k);
    m->n += k;
}

/* A command or option by name, by number when the table has none. */
static void add_name(marker *m, const char *name, uint8_t code)
{
    char num[8];
    if (!name) {
        snprintf(num, sizeof num, "%u", code);
        name = num;
    }
    add(m, name);
}

static void emit(const tr_tx_out *o, const marker *m) { o->marker(o, m->text, m->n); }

static void subneg_marker(const telnet_render *r, const char *ending, const tr_tx_out *o)
{
    marker m = {.n = 0};
    add(&m, "[IAC SB ");
    add_name(&m, telnet_option_name(r->opt), r->opt);
    if (r->sb_len) {
        add(&m, " ");
        memcpy(m.text + m.n, r->sb, r->sb_len); /* escaped where the marker is written */
        m.n += r->sb_len;
    }
    if (r->sb_total > r->sb_len) {
        char more[40];
        snprintf(more, sizeof more, " ... (+%" PRIu64 " bytes)", r->sb_total - r->sb_len);
        add(&m, more);
    }
    add(&m, ending);
    emit(o, &m);
}

static void sb_byte(telnet_render *r, uint8_t c)
{
    if (r->sb_len < SB_SHOW)
        r->sb[r->sb_len++] = c;
    r->sb_total++;
}

/* The byte after IAC. */
static void after_iac(telnet_render *r, uint8_t c, const tr_tx_out *o)
{
    if (c == TN_IAC) { /* an escaped 0xFF data byte */
        o->text(o, &c, 1);
        r->state = TS_DATA;
    } else if (c >= TN_WILL && c <= TN_DONT) {
        r->cmd = c;
        r->state = TS_OPT;
    } else if (c == TN_SB) {
        r->state = TS_SB_OPT;
    } else {
        marker m = {.n = 0};
        add(&m, "[IAC ");
        add_name(&m, telnet_command_name(c), c);
        add(&m, "]");
        emit(o, &m);
        r->state = TS_DATA;
    }
}

static void render_data(void *state, const uint8_t *p, size_t n, const tr_tx_out *o)
{
    telnet_render *r = state;
    size_t run = 0; /* start of the data bytes not shown yet */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (r->state == TS_DATA) {
            if (c != TN_IAC)
                continue;
            o->bytes(o, p + run, i - run, 1);
            r->state = TS_IAC;
            o->skip(o, 1);
            run = i + 1;
            continue;
        }
        o->skip(o, 1);
        run = i + 1;
        switch (r->state) {
        case TS_IAC:
            after_iac(r, c, o);
            break;
        case TS_OPT: {
            marker m = {.n = 0};
            add(&m, "[IAC ");
            add_name(&m, telnet_command_name(r->cmd), r->cmd);
            add(&m, " ");
            add_name(&m, telnet_option_name(c), c);
            add(&m, "]");
            emit(o, &m);
            r->state = TS_DATA;
            break;
        }
        case TS_SB_OPT:
            r->opt = c;
            r->sb_len = 0;
            r->sb_total = 0;
            r->state = TS_SB;
            break;
        case TS_SB:
            if (c == TN_IAC)
                r->state = TS_SB_IAC;
            else
                sb_byte(r, c);
            break;
        default: /* TS_SB_IAC */
            if (c == TN_SE) {
                subneg_marker(r, " IAC SE]", o);
                r->state = TS_DATA;
            } else if (c == TN_IAC) {
                sb_byte(r, c);
                r->state = TS_SB;
            } else { /* a command inside a subnegotiation ends it (RFC 854 leaves this undefined) */
                subneg_marker(r, " (unterminated)]", o);
                after_iac(r, c, o);
            }
            break;
        }
    }
    if (r->state == TS_DATA)
        o->bytes(o, p + run, n - run, 1);
}

/* A command cut short by a gap or the end of the session. */
static void render_cut(void *state, const tr_tx_out *o)
{
    telnet_render *r = state;
    marker m = {.n = 0};
    switch (r->state) {
    case TS_DATA:
        return;
    case TS_IAC:
        add(&m, "[IAC (cut short)]");
        emit(o, &m);
        break;
    case TS_OPT:
        add(&m, "[IAC ");
        add_name(&m, telnet_command_name(r->cmd), r->cmd);
        add(&m, " (cut short)]");
        emit(o, &m);
        break;
    case TS_SB_OPT:
        add(&m, "[IAC SB (cut short)]");
        emit(o, &m);
        break;
    default:
        subneg_marker(r, " (cut short)]", o);
        break;
    }
    r->state = TS_DATA;
}

static const tr_tx_renderer telnet_renderer = {
    .state_size = sizeof(telnet_render),
    .data = render_data,
    .cut = render_cut,
};

/* ---- the summary: "USER alice", "$ ls -l" ---- */

static int telnet_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "auth") == 0)
        return summary_auth(e, s);
    if (strcmp(e->type, "command") == 0 && tr_evr_field(e, "line")) {
        tr_sb_adds(s->ask, "$ ");
        tr_evr_add(e, "line", s->ask);
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

const tr_presenter telnet_present = {
    .summary = telnet_summary,
    .transcript_mode = TR_TXM_RENDERED,
    .renderer = &telnet_renderer,
};
