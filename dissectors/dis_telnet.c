/* dis_telnet: Telnet — option negotiation, subnegotiation values, control commands, and what the user typed:
 * the login and password answered to the server's prompts, then each command line.
 * RFC 854 (protocol), RFC 855 (options), RFC 1091 TERMINAL-TYPE, RFC 1073 NAWS, RFC 1079 TERMINAL-SPEED,
 * RFC 1096 X-DISPLAY-LOCATION, RFC 1408/1572 ENVIRON/NEW-ENVIRON. */

/* Wire layout: data bytes, with 0xFF (IAC) starting a command.
 *   IAC WILL|WONT|DO|DONT opt     251 252 253 254, then the option code
 *   IAC SB opt value... IAC SE    250 ... 240; IAC IAC inside stands for a 255 byte
 *                                 TERMINAL-TYPE/SPEED, X-DISPLAY: IS(0) text | SEND(1)
 *                                 NAWS: width16 height16      NEW-ENVIRON: IS|SEND|INFO, then
 *                                 VAR(0)|USERVAR(3) name VALUE(1) value, ESC(2) quotes the next byte
 *   IAC cmd                       EOF 236 SUSP 237 ABORT 238 EOR 239 NOP 241 DM 242 BRK 243 IP 244 AO 245
 *                                 AYT 246 EC 247 EL 248 GA 249
 *   IAC IAC                       the data byte 255
 * Lines end in CR LF or CR NUL. A client in character mode sends one keystroke per segment, erasing with
 * BS/DEL or IAC EC/EL, so lines are rebuilt keystroke by keystroke; the server's echo is not used. */

#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "telnet_names.h"

#define TELNET_SB_MAX 512   /* longest subnegotiation value taken; longer ones are skipped */
#define TELNET_LINE_MAX 512 /* longest typed line kept */
#define TELNET_CRED_MAX 128
#define TELNET_TAIL 16      /* server text remembered to recognise prompts */

enum { OPT_TERMINAL_TYPE = 24, OPT_NAWS = 31, OPT_TERMINAL_SPEED = 32, OPT_X_DISPLAY = 35, OPT_ENVIRON = 36,
       OPT_NEW_ENVIRON = 39 };
enum { SB_IS = 0, SB_SEND = 1, SB_INFO = 2 };
enum { ENV_VAR = 0, ENV_VALUE = 1, ENV_ESC = 2, ENV_USERVAR = 3 };

enum { PROMPT_NONE = 0, PROMPT_USER = 1, PROMPT_PASS = 2 };

typedef struct telnet_state {
    uint8_t skip_sb[2];   /* inside an over-long subnegotiation: drop bytes up to IAC SE */
    /* the client's line being typed */
    char line[TELNET_LINE_MAX];
    uint16_t line_len;
    uint8_t line_started, line_cut_told;
    uint8_t after_cr;     /* a CR ended the line: the LF or NUL after it belongs to it */
    uint8_t esc;          /* 1 after ESC, 2 inside an ESC [ ... control sequence (arrow keys) */
    uint8_t answering;    /* what the line being typed answers: PROMPT_* */
    /* the server's side of the login */
    char tail[2 * TELNET_TAIL]; /* the last TELNET_TAIL or more bytes, slid back only when full */
    uint8_t tail_len;
    uint8_t prompt, prompt_clean; /* a prompt was the server's last visible text */
    uint8_t logged_in;
    char user[TELNET_CRED_MAX];
    uint16_t user_len;
    uint8_t has_user;
} telnet_state;

static void option_name(int code, char out[8], const char **name)
{
    if (code >= 0 && code <= 255 && telnet_option_name((uint8_t)code)) {
        *name = telnet_option_name((uint8_t)code);
        return;
    }
    snprintf(out, 8, "%d", code);
    *name = out;
}

/* ---- what the client types ---- */

static void emit_auth(tr_session *s, telnet_state *st, const char *pass, size_t pass_len)
{
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_C2S);
    if (st->has_user)
        tr_ev_strn(&e, "user", st->user, st->user_len);
    if (pass)
        tr_ev_strn(&e, "password", pass, pass_len);
    tr_emit(&e);
    st->has_user = 0;
}

static void line_end(tr_session *s, telnet_state *st)
{
    if (st->answering == PROMPT_USER) {
        memcpy(st->user, st->line, st->line_len < TELNET_CRED_MAX ? st->line_len : TELNET_CRED_MAX);
        st->user_len = st->line_len < TELNET_CRED_MAX ? st->line_len : TELNET_CRED_MAX;
        st->has_user = 1;
    } else if (st->answering == PROMPT_PASS) {
        emit_auth(s, st, st->line, st->line_len < TELNET_CRED_MAX ? st->line_len : TELNET_CRED_MAX);
        st->logged_in = 1;
    } else if (st->logged_in && st->line_len) {
        tr_event e;
        tr_ev_init(&e, s, "command", TR_C2S);
        tr_ev_strn(&e, "line", st->line, st->line_len);
        tr_emit(&e);
    }
    st->line_len = 0;
    st->line_started = 0;
    st->answering = PROMPT_NONE;
}

static void erase_char(telnet_state *st)
{
    /* a UTF-8 character goes as a whole: its continuation bytes, then its lead byte */
    while (st->line_len && (st->line[st->line_len - 1] & 0xc0) == 0x80)
        st->line_len--;
    if (st->line_len)
        st->line_len--;
}

static void erase_word(telnet_state *st)
{
    while (st->line_len && st->line[st->line_len - 1] == ' ')
        st->line_len--;
    while (st->line_len && st->line[st->line_len - 1] != ' ')
        st->line_len--;
}

static void client_byte(tr_session *s, telnet_state *st, uint8_t c)
{
    if (st->after_cr) {
        st->after_cr = 0;
        if (c == '\n' || c == 0)
            return;
    }
    if (!st->line_started) {
        st->line_started = 1;
        st->answering = st->prompt_clean ? st->prompt : PROMPT_NONE;
        st->prompt = PROMPT_NONE;
        st->prompt_clean = 0;
    }
    if (st->esc == 1) {
        st->esc = (c == '[' || c == 'O') ? 2 : 0;
        return;
    }
    if (st->esc == 2) {
        if (c >= 0x40 && c <= 0x7e)
            st->esc = 0;
        return;
    }
    switch (c) {
    case '\r':
        st->after_cr = 1;
        line_end(s, st);
        return;
    case '\n':
        line_end(s, st);
        return;
    case 0x08: /* BS */
    case 0x7f: /* DEL */
        erase_char(st);
        return;
    case 0x03: /* ^C drops the line */
    case 0x15: /* ^U kills it */
        st->line_len = 0;
        return;
    case 0x17: /* ^W */
        erase_word(st);
        return;
    case 0x1b:
        st->esc = 1;
        return;
    default:
        break;
    }
    if (c < 0x20 && c != '\t')
        return;
    if (st->line_len < TELNET_LINE_MAX) {
        st->line[st->line_len++] = (char)c;
    } else if (!st->line_cut_told) {
        st->line_cut_told = 1;
        tr_anomaly(s->ctx, s, TR_C2S, "telnet_line_too_long", "typed line longer than %d bytes is cut",
                   TELNET_LINE_MAX);
    }
}

/* ---- what the server shows: login prompts ---- */

static int tail_ends(const telnet_state *st, const char *word)
{
    size_t k = strlen(word);
    return st->tail_len >= k && memcmp(st->tail + st->tail_len - k, word, k) == 0;
}

static void server_byte(telnet_state *st, uint8_t c)
{
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0)
        return;
    if (st->tail_len == sizeof st->tail) { /* once per TELNET_TAIL bytes, not a move per byte of output */
        memmove(st->tail, st->tail + TELNET_TAIL, TELNET_TAIL);
        st->tail_len = TELNET_TAIL;
    }
    st->tail[st->tail_len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (c != ':') {
        st->prompt_clean = 0;
        return;
    }
    /* whitespace is not kept, so "Last login:" (a banner, not a prompt) reads "lastlogin:" */
    if ((tail_ends(st, "login:") && !tail_ends(st, "lastlogin:")) || tail_ends(st, "username:"))
        st->prompt = PROMPT_USER;
    else if (tail_ends(st, "password:") || tail_ends(st, "passwd:") || tail_ends(st, "passcode:"))
        st->prompt = PROMPT_PASS;
    else {
        st->prompt_clean = 0;
        return;
    }
    st->prompt_clean = 1;
}

static void data_bytes(tr_session *s, telnet_state *st, int dir, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (dir == TR_C2S)
            client_byte(s, st, p[i]);
        else
            server_byte(st, p[i]);
    }
}

/* ---- commands ---- */

static void emit_negotiation(tr_session *s, int dir, uint8_t cmd, uint8_t opt)
{
    char num[8];
    const char *name;
    option_name(opt, num, &name);
    tr_event e;
    tr_ev_init(&e, s, "negotiation", dir);
    tr_ev_str(&e, "command", telnet_command_name((uint8_t)cmd));
    tr_ev_str(&e, "option", name);
    tr_ev_int(&e, "code", opt);
    tr_emit(&e);
}

/* NEW-ENVIRON / ENVIRON: "USER=alice DISPLAY=host:0"; for SEND the names asked for. */
static size_t environ_text(const uint8_t *v, size_t n, char *out, size_t cap)
{
    size_t w = 0;
    int kind = n ? v[0] : SB_IS;
    if (kind == SB_SEND)
        w += (size_t)snprintf(out, cap, "SEND");
    int started = 0;
    for (size_t i = 1; i < n && w + 2 < cap; i++) {
        uint8_t c = v[i];
        if (c == ENV_VAR || c == ENV_USERVAR) {
            if (started || kind == SB_SEND)
                out[w++] = ' ';
            started = 1;
            continue;
        }
        if (c == ENV_VALUE) {
            out[w++] = '=';
            continue;
        }
        if (c == ENV_ESC) {
            if (++i >= n)
                break;
            c = v[i];
        }
        out[w++] = (char)c;
    }
    return w;
}

static void emit_subnegotiation(tr_session *s, int dir, uint8_t opt, const uint8_t *raw, size_t raw_n)
{
    uint8_t v[TELNET_SB_MAX];
    size_t n = 0;
    for (size_t i = 0; i < raw_n && n < sizeof v; i++) {
        v[n++] = raw[i];
        if (raw[i] == TN_IAC && i + 1 < raw_n && raw[i + 1] == TN_IAC)
            i++;
    }
    char text[TELNET_SB_MAX * 2 + 8];
    size_t tlen = 0;
    tr_buf b = tr_buf_make(v, n);
    switch (opt) {
    case OPT_TERMINAL_TYPE:
    case OPT_TERMINAL_SPEED:
    case OPT_X_DISPLAY:
        if (n && v[0] == SB_SEND)
            tlen = (size_t)snprintf(text, sizeof text, "SEND");
        else if (n && v[0] == SB_IS)
            tlen = (size_t)snprintf(text, sizeof text, "%.*s", (int)(n - 1), (const char *)v + 1);
        else
            goto hex;
        break;
    case OPT_NAWS: {
        uint16_t width = tr_be16(&b), height = tr_be16(&b);
        if (b.err || tr_left(&b))
            goto hex;
        tlen = (size_t)snprintf(text, sizeof text, "%ux%u", width, height);
        break;
    }
    case OPT_ENVIRON:
    case OPT_NEW_ENVIRON:
        tlen = environ_text(v, n, text, sizeof text);
        break;
    default:
    hex:
        tlen = 0;
        for (size_t i = 0; i < n; i++)
            tlen += (size_t)snprintf(text + tlen, sizeof text - tlen, "%02x", v[i]);
        break;
    }
    if (tlen >= sizeof text)
        tlen = sizeof text - 1;
    char num[8];
    const char *name;
    option_name(opt, num, &name);
    tr_event e;
    tr_ev_init(&e, s, "subnegotiation", dir);
    tr_ev_str(&e, "option", name);
    tr_ev_strn(&e, "value", text, tlen);
    tr_emit(&e);
}

/* Bytes of a subnegotiation from p[0] (just after IAC SB opt) up to IAC SE; returns the offset of that
 * IAC, or n when not there. *inner_iac: an IAC followed by something else than IAC or SE. */
static size_t sb_end(const uint8_t *p, size_t n, int *incomplete)
{
    *incomplete = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != TN_IAC)
            continue;
        if (i + 1 >= n) {
            *incomplete = 1;
            return i;
        }
        if (p[i + 1] != TN_IAC)
            return i;
        i++;
    }
    *incomplete = 1;
    return n;
}

/* Handles the command at p[0] == IAC; returns bytes used, 0 when it is not complete yet. */
static size_t iac_command(tr_session *s, telnet_state *st, int dir, const uint8_t *p, size_t n)
{
    if (n < 2)
        return 0;
    uint8_t cmd = p[1];
    if (cmd == TN_IAC) {
        data_bytes(s, st, dir, p + 1, 1);
        return 2;
    }
    if (cmd >= TN_WILL && cmd <= TN_DONT) {
        if (n < 3)
            return 0;
        emit_negotiation(s, dir, cmd, p[2]);
        return 3;
    }
    if (cmd == TN_SB) {
        if (n < 3)
            return 0;
        size_t window = n - 3 < TELNET_SB_MAX + 2 ? n - 3 : TELNET_SB_MAX + 2;
        int incomplete;
        size_t end = sb_end(p + 3, window, &incomplete);
        if (incomplete && window == n - 3)
            return 0;
        if (incomplete) {
            tr_anomaly(s->ctx, s, dir, "telnet_subneg_too_long", "subnegotiation of option %u longer than %d bytes",
                       p[2], TELNET_SB_MAX);
            st->skip_sb[dir] = 1;
            return 3;
        }
        emit_subnegotiation(s, dir, p[2], p + 3, end);
        if (p[3 + end + 1] != TN_SE) {
            tr_anomaly(s->ctx, s, dir, "telnet_subneg_unterminated", "IAC %u inside a subnegotiation",
                       p[3 + end + 1]);
            return 3 + end; /* the command that cut it is handled next */
        }
        return 3 + end + 2;
    }
    if (cmd == TN_SE || cmd < TN_EOF) {
        tr_anomaly(s->ctx, s, dir, cmd == TN_SE ? "telnet_stray_se" : "telnet_unknown_command",
                   "IAC %u outside any subnegotiation", cmd);
        return 2;
    }
    if (dir == TR_C2S && cmd == TN_EC)
        erase_char(st);
    if (dir == TR_C2S && cmd == TN_EL)
        st->line_len = 0;
    tr_event e;
    tr_ev_init(&e, s, "control", dir);
    tr_ev_str(&e, "command", telnet_command_name((uint8_t)cmd));
    tr_emit(&e);
    return 2;
}

/* ---- vtable ---- */

/* Telnet on another port: both sides open with option negotiation (IAC WILL/WONT/DO/DONT opt). */
static int telnet_probe_dir(const uint8_t *p, size_t n, int dir)
{
    (void)dir;
    int triples = 0;
    for (size_t i = 0; i + 3 <= n && triples < 2; i += 3) {
        if (p[i] != TN_IAC || p[i + 1] < TN_WILL || p[i + 1] > TN_DONT)
            break;
        triples++;
    }
    return triples == 2 ? TR_PROBE_YES : triples == 1 && n == 3 ? TR_PROBE_MAYBE : TR_PROBE_NO;
}

static void telnet_on_open(tr_session *s)
{
    telnet_state *st = s->state;
    st->logged_in = s->midstream; /* the login went by before the capture began */
}

static size_t telnet_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    telnet_state *st = s->state;
    size_t done = 0;
    while (done < n) {
        if (st->skip_sb[dir]) {
            int incomplete;
            size_t end = sb_end(p + done, n - done, &incomplete);
            if (incomplete)
                return done + end; /* a trailing IAC waits for the byte after it */
            st->skip_sb[dir] = 0;
            done += end + (p[done + end + 1] == TN_SE ? 2 : 0);
            continue;
        }
        const uint8_t *iac = memchr(p + done, TN_IAC, n - done);
        size_t run = iac ? (size_t)(iac - (p + done)) : n - done;
        data_bytes(s, st, dir, p + done, run);
        done += run;
        if (!iac)
            break;
        size_t used = iac_command(s, st, dir, p + done, n - done);
        if (!used) {
            *need = n - done + 1;
            return done;
        }
        done += used;
    }
    return done;
}

static void telnet_on_gap(tr_session *s, int dir, uint64_t n)
{
    (void)n;
    telnet_state *st = s->state;
    st->skip_sb[dir] = 0;
    if (dir == TR_C2S) { /* the line being typed lost keystrokes */
        st->line_len = 0;
        st->line_started = 0;
        st->answering = PROMPT_NONE;
        st->esc = 0;
    } else {
        st->prompt_clean = 0;
    }
}

static void telnet_on_close(tr_session *s, int reason)
{
    (void)reason;
    telnet_state *st = s->state;
    if (st && st->has_user) /* a login name with no password asked for */
        emit_auth(s, st, NULL, 0);
}

static int telnet_probe(const tr_probe_input *in) { return tr_probe_by_direction(in, telnet_probe_dir); }

static const uint16_t telnet_ports[] = {23, 0};

/* what --stats counts of its events */
static const tr_stat_field telnet_stats[] = {
    {"negotiation", "option", "options negotiated"},
    {"auth", "success", "logins succeeded"},
    {NULL, NULL, NULL},
};

extern const tr_presenter telnet_present; /* telnet_present.c */

const tr_dissector dis_telnet = {
    .name = "telnet",
    .l4 = TR_TCP,
    .ports = telnet_ports,
    .probe = telnet_probe,
    .state_size = sizeof(telnet_state),
    .on_open = telnet_on_open,
    .on_data = telnet_on_data,
    .on_gap = telnet_on_gap,
    .on_close = telnet_on_close,
    .present = &telnet_present,
    .stat_fields = telnet_stats,
};
