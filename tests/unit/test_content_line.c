/* Tests of content_line: every mode (lines, counted bytes, dot blocks, multi-line replies) fed whole, split at
 * every offset and one byte at a time through a stand-in for the delivery engine (which keeps what a call did not
 * take); over-long lines, caps, gaps and the resynchronisation predicate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/content_line.h"

/* ---- a stand-in for reassembly/deliver.c ---- */

typedef struct step {
    const char *p; /* NULL: a gap of `gap` bytes */
    size_t n;      /* 0: strlen(p) */
    uint64_t gap;
} step;

#define DATA(s) {s, sizeof(s) - 1, 0}
#define GAP(k) {NULL, 0, k}

typedef struct drv {
    cl_dir d;
    uint8_t *kept; /* what the last call did not take, as the engine keeps it */
    size_t kept_len, kept_cap, kept_max;
    char *out; /* the transcript */
    size_t out_len, out_cap;
    char piece; /* kind of the streamed piece being written ('B', 'D'), 0 none */
    int pieces; /* CL_BYTES and CL_DOT units handed over */
} drv;

static void out_add(drv *v, const void *p, size_t n)
{
    if (v->out_len + n + 1 > v->out_cap) {
        v->out_cap = (v->out_len + n + 1) * 2;
        v->out = realloc(v->out, v->out_cap);
        assert_non_null(v->out);
    }
    memcpy(v->out + v->out_len, p, n);
    v->out_len += n;
    v->out[v->out_len] = '\0';
}

static void out_str(drv *v, const char *s) { out_add(v, s, strlen(s)); }

/* Streamed pieces are written as one run, so the transcript does not depend on how the bytes were cut. */
static void piece_close(drv *v)
{
    if (v->piece)
        out_str(v, "]\n");
    v->piece = 0;
}

static void piece_add(drv *v, char kind, const uint8_t *p, size_t n)
{
    if (v->piece != kind) {
        piece_close(v);
        char open[3] = {kind, '[', 0};
        out_str(v, open);
        v->piece = kind;
    }
    out_add(v, p, n);
}

/* What a protocol on top does: a line "{N}" announces N counted bytes, a line "DATA" a dot block. */
static void unit(drv *v, const cl_unit *u)
{
    char b[64];
    switch (u->kind) {
    case CL_NONE:
        break;
    case CL_LINE:
        piece_close(v);
        out_str(v, "L[");
        out_add(v, u->p, u->len);
        out_str(v, "]\n");
        if (u->len == 4 && memcmp(u->p, "DATA", 4) == 0)
            cl_expect_dot(&v->d);
        if (u->len >= 3 && u->p[0] == '{' && u->p[u->len - 1] == '}')
            cl_expect_bytes(&v->d, strtoull((const char *)u->p + 1, NULL, 10));
        break;
    case CL_LONG_LINE:
        piece_close(v);
        snprintf(b, sizeof b, "X%zu\n", u->len);
        out_str(v, b);
        break;
    case CL_REPLY: {
        piece_close(v);
        char text[4096];
        size_t n = cl_reply_join(u, text, sizeof text);
        snprintf(b, sizeof b, "R%d%s/%u[", u->code, u->cut ? "cut" : "", u->lines);
        out_str(v, b);
        out_add(v, text, n);
        out_str(v, "]\n");
        break;
    }
    case CL_BYTES:
        v->pieces++;
        piece_add(v, 'B', u->p, u->len);
        if (u->end)
            out_str(v, "$");
        break;
    case CL_DOT:
        v->pieces++;
        piece_add(v, 'D', u->p, u->len);
        break;
    case CL_DOT_END:
        piece_close(v);
        out_str(v, "D.\n");
        break;
    default:
        fail_msg("unknown unit kind %d", u->kind);
    }
}

static void drv_data(drv *v, const uint8_t *p, size_t n)
{
    if (v->kept_len + n > v->kept_cap) {
        v->kept_cap = (v->kept_len + n) * 2;
        v->kept = realloc(v->kept, v->kept_cap);
        assert_non_null(v->kept);
    }
    memcpy(v->kept + v->kept_len, p, n);
    v->kept_len += n;
    size_t off = 0;
    for (int guard = 0; off < v->kept_len; guard++) {
        assert_true(guard < 1000000);
        /* exactly the bytes there are, so the sanitizer sees any read past them */
        size_t left = v->kept_len - off;
        uint8_t *exact = malloc(left);
        assert_non_null(exact);
        memcpy(exact, v->kept + off, left);
        cl_unit u;
        size_t c = cl_next(&v->d, exact, left, &u);
        assert_true(c <= left);
        if (u.kind != CL_NONE) {
            assert_true(u.p >= exact && u.p + u.len <= exact + left);
            unit(v, &u);
        }
        free(exact);
        if (!c)
            break;
        off += c;
    }
    memmove(v->kept, v->kept + off, v->kept_len - off);
    v->kept_len -= off;
    if (v->kept_len > v->kept_max)
        v->kept_max = v->kept_len;
}

static void drv_gap(drv *v, uint64_t n)
{
    char b[16];
    int r = cl_gap(&v->d, n + v->kept_len); /* the engine's bytes of an unfinished unit are lost with the hole */
    v->kept_len = 0;
    piece_close(v);
    snprintf(b, sizeof b, "G%d\n", r);
    out_str(v, b);
}

static void drv_free(drv *v)
{
    free(v->kept);
    free(v->out);
}

enum { WHOLE = 0, BYTEWISE = -1 };

/* Runs a script: each data step whole (split WHOLE), one byte at a time (BYTEWISE), or whole but for the step
 * holding byte `split` of all the data, which is cut there in two. Returns the transcript (malloc'd). */
static char *run(const cl_config *cfg, const step *s, int nsteps, long split, drv *keep)
{
    drv v;
    memset(&v, 0, sizeof v);
    cl_init(&v.d, cfg);
    out_str(&v, "");
    size_t at = 0;
    for (int i = 0; i < nsteps; i++) {
        if (!s[i].p) {
            drv_gap(&v, s[i].gap);
            continue;
        }
        const uint8_t *p = (const uint8_t *)s[i].p;
        size_t n = s[i].n ? s[i].n : strlen(s[i].p);
        if (split == BYTEWISE) {
            for (size_t k = 0; k < n; k++)
                drv_data(&v, p + k, 1);
        } else if (split > 0 && (size_t)split > at && (size_t)split < at + n) {
            size_t cut = (size_t)split - at;
            drv_data(&v, p, cut);
            drv_data(&v, p + cut, n - cut);
        } else {
            drv_data(&v, p, n);
        }
        at += n;
    }
    piece_close(&v);
    char *out = strdup(v.out);
    if (keep)
        *keep = v;
    else
        drv_free(&v);
    return out;
}

/* The script whole must give `want`, and so must every split and byte-at-a-time feeding. */
static void check_all_splits(const cl_config *cfg, const step *s, int nsteps, const char *want)
{
    char *whole = run(cfg, s, nsteps, WHOLE, NULL);
    if (strcmp(whole, want) != 0)
        fail_msg("whole:\n%s\nwanted:\n%s", whole, want);
    size_t total = 0;
    for (int i = 0; i < nsteps; i++)
        total += s[i].p ? (s[i].n ? s[i].n : strlen(s[i].p)) : 0;
    for (size_t k = 1; k < total; k++) {
        char *one = run(cfg, s, nsteps, (long)k, NULL);
        if (strcmp(one, want) != 0)
            fail_msg("split at %zu:\n%s\nwanted:\n%s", k, one, want);
        free(one);
    }
    char *bytes = run(cfg, s, nsteps, BYTEWISE, NULL);
    if (strcmp(bytes, want) != 0)
        fail_msg("one byte at a time:\n%s\nwanted:\n%s", bytes, want);
    free(bytes);
    free(whole);
}

#define CHECK(cfg, script, want) check_all_splits(cfg, script, (int)(sizeof script / sizeof script[0]), want)

/* After a gap: an upper-case word of 3 or 4 letters followed by a space or the line's end begins a line. */
static int upper_word(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && k < 5 && p[k] >= 'A' && p[k] <= 'Z')
        k++;
    if (k == n && k < 5)
        return -1;
    if (k < 3 || k == 5)
        return 0;
    return p[k] == ' ' || p[k] == '\r' || p[k] == '\n';
}

/* After a gap in replies: three digits and a space or '-'. */
static int reply_start(const uint8_t *p, size_t n)
{
    if (n < 4)
        return -1;
    return cl_reply_code(p, 4) >= 0 && (p[3] == ' ' || p[3] == '-');
}

static const cl_config lines16 = {.line_max = 16, .resumes = upper_word};
static const cl_config lines_wide = {.line_max = 4096, .resumes = upper_word};
static const cl_config replies = {
    .line_max = 64, .replies = 1, .reply_max = 200, .reply_lines_max = 5, .resumes = reply_start};

/* ---- lines ---- */

static void test_lines(void **state)
{
    (void)state;
    static const step s[] = {DATA("one\r\ntwo\n\r\nthree\r\n"), DATA("a\rb\n\n")};
    CHECK(&lines16, s, "L[one]\nL[two]\nL[]\nL[three]\nL[a\rb]\nL[]\n");
}

static void test_line_cap(void **state)
{
    (void)state;
    /* the LF must come within 16 bytes: 14 + CRLF fits, 15 + CRLF does not */
    static const step fits[] = {DATA("abcdefghijklmn\r\nok\r\n")};
    CHECK(&lines16, fits, "L[abcdefghijklmn]\nL[ok]\n");
    static const step over[] = {DATA("abcdefghijklmno\r\nok\r\n")};
    CHECK(&lines16, over, "X16\nL[ok]\n");
    /* told once however long the line is; the next line is read */
    static const step long_one[] = {
        DATA("0123456789012345678901234567890123456789012345678901234567890123456789\r\nnext\n")};
    CHECK(&lines16, long_one, "X16\nL[next]\n");
    /* a line waits whole in the engine while shorter than the cap */
    drv v;
    static const step part[] = {DATA("abcdefghijklm")};
    char *t = run(&lines16, part, 1, WHOLE, &v);
    assert_string_equal(t, "");
    assert_int_equal(v.kept_len, 13);
    free(t);
    drv_free(&v);
}

/* ---- counted bytes ---- */

static void test_counted(void **state)
{
    (void)state;
    static const step s[] = {DATA("{5}\r\nhe\r\nl{3}\r\nabcnext\r\n{0}\r\nafter\r\n")};
    CHECK(&lines16, s, "L[{5}]\nB[he\r\nl$]\nL[{3}]\nB[abc$]\nL[next]\nL[{0}]\nL[after]\n");
    /* a block longer than any line: pieces go over as they come, never kept by the engine */
    static char big[10 + 50000 + 8];
    memcpy(big, "{50000}\r\n", 9);
    memset(big + 9, 'z', 50000);
    memcpy(big + 9 + 50000, "END\r\n", 6);
    drv v;
    step one[] = {{big, 0, 0}};
    char *t = run(&lines16, one, 1, BYTEWISE, &v);
    assert_int_equal(v.pieces, 50000); /* one a byte: nothing waited for the whole block */
    assert_true(v.kept_max <= 16);
    assert_int_equal(strlen(t), strlen("L[{50000}]\nB[$]\nL[END]\n") + 50000);
    assert_non_null(strstr(t, "z$]\nL[END]\n"));
    free(t);
    drv_free(&v);
    assert_int_equal(cl_remaining(&v.d), 0);
}

static void test_counted_gap(void **state)
{
    (void)state;
    /* a hole inside the block shortens it; the block goes on */
    static const step inside[] = {DATA("{10}\r\nabc"), GAP(4), DATA("def"), DATA("next\r\n")};
    CHECK(&lines16, inside, "L[{10}]\nB[abc]\nG1\nB[def$]\nL[next]\n");
    /* a hole that takes exactly the rest: the next line is whole, no predicate asked ("next" would fail it) */
    static const step exact[] = {DATA("{6}\r\nabc"), GAP(3), DATA("next\r\n")};
    CHECK(&lines16, exact, "L[{6}]\nB[abc]\nG2\nL[next]\n");
    /* a hole past the block: the bytes after it are judged */
    static const step past[] = {DATA("{6}\r\nabc"), GAP(5), DATA("xt\r\nMORE\r\n")};
    CHECK(&lines16, past, "L[{6}]\nB[abc]\nG2\nL[MORE]\n");
    /* the remaining count follows */
    cl_dir d;
    cl_init(&d, &lines16);
    cl_expect_bytes(&d, 100);
    assert_int_equal(cl_remaining(&d), 100);
    assert_int_equal(cl_gap(&d, 30), CL_GAP_BYTES);
    assert_int_equal(cl_remaining(&d), 70);
    assert_int_equal(cl_gap(&d, 70), CL_GAP_BYTES_END);
    assert_int_equal(cl_remaining(&d), 0);
}

/* ---- dot-terminated blocks ---- */

static void test_dot(void **state)
{
    (void)state;
    /* a dot is looked at only where a line begins: "z." and "y.." cut before their dots stay as they are */
    static const step s[] = {DATA("DATA\r\nline one\r\n..stuffed\r\n.x\r\n..\r\na.b\r\nz.\r\ny..\r\n.\r\nNEXT\r\n")};
    CHECK(&lines16, s, "L[DATA]\nD[line one\r\n.stuffed\r\n.x\r\n.\r\na.b\r\nz.\r\ny..\r\n]\nD.\nL[NEXT]\n");
    static const step bare[] = {DATA("DATA\n..a\n.\nEND\n")};
    CHECK(&lines16, bare, "L[DATA]\nD[.a\n]\nD.\nL[END]\n");
    static const step empty[] = {DATA("DATA\r\n.\r\nX\r\n")};
    CHECK(&lines16, empty, "L[DATA]\nD.\nL[X]\n");
    /* ".\r" not followed by LF is content; the terminator split over three calls is still found */
    static const step cr[] = {DATA("DATA\r\n.\rx\r\n"), DATA("."), DATA("\r"), DATA("\n"), DATA("Y\r\n")};
    CHECK(&lines16, cr, "L[DATA]\nD[.\rx\r\n]\nD.\nL[Y]\n");
}

static void test_dot_pieces(void **state)
{
    (void)state;
    /* each piece is one line with its end, never two, and a line shorter than line_max comes whole however its
     * bytes were cut (the header lines of a message, for the message module) */
    static const step s[] = {DATA("DATA\r\na\r\nbb\r\n..c\r\n.\r\n")};
    drv v;
    char *t = run(&lines16, s, 1, WHOLE, &v);
    assert_int_equal(v.pieces, 3);
    free(t);
    drv_free(&v);
    static const step h[] = {DATA("DATA\r\nSubject: hello\r\nTo: x\r\n\r\n.\r\n")};
    t = run(&lines_wide, h, 1, BYTEWISE, &v);
    assert_int_equal(v.pieces, 3);
    assert_string_equal(t, "L[DATA]\nD[Subject: hello\r\nTo: x\r\n\r\n]\nD.\n");
    assert_true(v.kept_max <= strlen("Subject: hello\r\n"));
    free(t);
    drv_free(&v);
    /* one that reaches line_max without its end streams from there, byte by byte when they come so */
    static const step l[] = {DATA("DATA\r\n0123456789abcdefghij\r\n.\r\n")};
    t = run(&lines16, l, 1, BYTEWISE, &v);
    assert_int_equal(v.pieces, 1 + 6); /* the first 16 bytes together, then the rest one at a time */
    assert_true(v.kept_max <= 16);
    assert_string_equal(t, "L[DATA]\nD[0123456789abcdefghij\r\n]\nD.\n");
    free(t);
    drv_free(&v);
    /* a line far longer than line_max streams as it comes: no wait for its end */
    size_t n = 100000;
    char *big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "DATA\r\n", 6);
    memset(big + 6, 'q', n);
    memcpy(big + 6 + n, "\r\n.\r\nOK\r\n", 10);
    drv w;
    memset(&w, 0, sizeof w);
    cl_init(&w.d, &lines16);
    for (size_t off = 0; off < 6 + n + 9; off += 1000) {
        size_t k = 6 + n + 9 - off < 1000 ? 6 + n + 9 - off : 1000;
        drv_data(&w, (const uint8_t *)big + off, k);
    }
    piece_close(&w);
    assert_true(w.kept_max < 4);
    assert_true(w.pieces >= 100);
    assert_non_null(strstr(w.out, "qq\r\n]\nD.\nL[OK]\n"));
    assert_int_equal(w.out_len, strlen("L[DATA]\nD[\r\n]\nD.\nL[OK]\n") + n);
    drv_free(&w);
    free(big);
}

static void test_dot_gap(void **state)
{
    (void)state;
    /* the block is incomplete and over for the caller; its lines are dropped up to its "." */
    static const step s[] = {DATA("DATA\r\nhello\r\n"), GAP(10), DATA("body line\r\nmore\r\n.\r\nlower\r\n")};
    CHECK(&lines_wide, s, "L[DATA]\nD[hello\r\n]\nG3\nL[lower]\n");
    /* ... or up to a line the protocol's predicate accepts */
    static const step r[] = {DATA("DATA\r\nhi\r\n"), GAP(5), DATA("xx\r\nQUIT\r\nnext\r\n")};
    CHECK(&lines_wide, r, "L[DATA]\nD[hi\r\n]\nG3\nL[QUIT]\nL[next]\n");
    /* a hole mid-line: the half line waiting in the engine is lost with it; the bytes after it are judged first,
     * then each line start */
    static const step m[] = {DATA("DATA\r\nhel"), GAP(2), DATA("o\r\n.\r\nlow\r\n")};
    CHECK(&lines_wide, m, "L[DATA]\nG3\nL[low]\n");
    /* a second hole while still looking keeps looking */
    static const step twice[] = {DATA("DATA\r\nx\r\n"), GAP(3), DATA("a\r\n"), GAP(3), DATA("b\r\n.\nz\n")};
    CHECK(&lines_wide, twice, "L[DATA]\nD[x\r\n]\nG3\nG0\nL[z]\n");
}

/* ---- multi-line replies ---- */

static void test_replies(void **state)
{
    (void)state;
    static const step s[] = {
        DATA("220 ready\r\n"),
        DATA("211-Features:\r\n MDTM\r\n 211 SIZE\r\n211-not yet\r\n211 End\r\n"),
        DATA("no code\r\n230\r\n250 \r\n"),
        DATA("230-\r\n    NOTICE\r\n230 ok\n"),
    };
    CHECK(&replies, s,
          "R220/1[ready]\nR211/5[Features:\n MDTM\n 211 SIZE\nnot yet\nEnd]\nL[no code]\nR230/1[]\nR250/1[]\n"
          "R230/3[\n    NOTICE\nok]\n");
}

static void test_reply_caps(void **state)
{
    (void)state;
    /* more than 5 lines after the first: cut, the rest dropped up to its end line */
    static const step lines[] = {DATA("250-a\r\nx1\r\nx2\r\nx3\r\nx4\r\nx5\r\nx6\r\n250 end\r\n200 next\r\n")};
    CHECK(&replies, lines, "R250cut/6[a\nx1\nx2\nx3\nx4\nx5]\nR200/1[next]\n");
    /* 200 bytes: cut at the first line start at or past them */
    static const step bytes[] = {
        DATA("226-0123456789012345678901234567890123456789\r\n"
             "226-0123456789012345678901234567890123456789\r\n"
             "226-0123456789012345678901234567890123456789\r\n"
             "226-0123456789012345678901234567890123456789\r\n"
             "226-0123456789012345678901234567890123456789\r\n"
             "226 end\r\n221 bye\r\n")};
    CHECK(&replies, bytes,
          "R226cut/5[0123456789012345678901234567890123456789\n0123456789012345678901234567890123456789\n"
          "0123456789012345678901234567890123456789\n0123456789012345678901234567890123456789\n"
          "0123456789012345678901234567890123456789]\nR221/1[bye]\n");
    /* an over-long line inside a reply cuts it (no X: the cut says it); its rest and the reply's are dropped */
    static const step long_inside[] = {
        DATA("226-a\r\n"
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"
             "226-more\r\n226 done\r\n200 ok\r\n")};
    CHECK(&replies, long_inside, "R226cut/1[a]\nR200/1[ok]\n");
    /* an over-long first line, or one while dropping a cut reply's rest, is told */
    static const step long_first[] = {
        DATA("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\r\n220 ok\r\n"
             "250-a\r\nx\r\nx\r\nx\r\nx\r\nx\r\n"
             "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\r\n"
             "250 end\r\n221 bye\r\n")};
    CHECK(&replies, long_first, "X64\nR220/1[ok]\nR250cut/6[a\nx\nx\nx\nx\nx]\nX64\nR221/1[bye]\n");
}

static void test_reply_gap(void **state)
{
    (void)state;
    /* a reply being gathered is lost with the hole; replies after it are read */
    static const step s[] = {DATA("211-a\r\nb\r\n"), GAP(20), DATA("211 end\r\n220 x\r\n")};
    CHECK(&replies, s, "G0\nR211/1[end]\nR220/1[x]\n");
    /* the bytes after a hole: not a reply start, dropped to the line end; too few, waited for */
    static const step t[] = {DATA("220 x\r\n"), GAP(3), DATA("0 ok\r\n221 bye\r\n"), GAP(1), DATA("22"),
                             DATA("1 again\r\n")};
    CHECK(&replies, t, "R220/1[x]\nG0\nR221/1[bye]\nG0\nR221/1[again]\n");
}

/* ---- after a gap among lines ---- */

static void test_gap_predicate(void **state)
{
    (void)state;
    static const step yes[] = {DATA("ONE\r\n"), GAP(4), DATA("TWO x\r\n")};
    CHECK(&lines16, yes, "L[ONE]\nG0\nL[TWO x]\n");
    static const step no[] = {DATA("ONE\r\n"), GAP(4), DATA("wo x\r\nthree\r\n")};
    CHECK(&lines16, no, "L[ONE]\nG0\nL[three]\n");
    /* too few bytes to tell: kept, then judged with more */
    static const step wait[] = {DATA("ONE\r\n"), GAP(4), DATA("TW"), DATA("O\r\n")};
    CHECK(&lines16, wait, "L[ONE]\nG0\nL[TWO]\n");
    drv v;
    static const step waiting[] = {DATA("ONE\r\n"), GAP(4), DATA("TW")};
    char *t = run(&lines16, waiting, 3, WHOLE, &v);
    assert_int_equal(v.kept_len, 2);
    free(t);
    drv_free(&v);
    /* a half line the engine kept is lost with the hole */
    static const step half[] = {DATA("ONE\r\nTW"), GAP(3), DATA("x\r\nFOUR\r\n")};
    CHECK(&lines16, half, "L[ONE]\nG0\nL[FOUR]\n");
    /* no predicate: the bytes after a hole are always taken for a cut line */
    static const cl_config none = {.line_max = 16};
    static const step np[] = {DATA("ONE\r\n"), GAP(4), DATA("TWO\r\nTHREE\r\n")};
    CHECK(&none, np, "L[ONE]\nG0\nL[THREE]\n");
    /* a gap while the rest of an over-long line is dropped: the bytes after it are judged */
    static const step lg[] = {DATA("abcdefghijklmnopqrstuvwxyz"), GAP(5), DATA("NOOP\r\n")};
    CHECK(&lines16, lg, "X16\nG0\nL[NOOP]\n");
}

/* ---- reading replies ---- */

static void test_reply_code(void **state)
{
    (void)state;
    assert_int_equal(cl_reply_code((const uint8_t *)"220", 3), 220);
    assert_int_equal(cl_reply_code((const uint8_t *)"220 x", 5), 220);
    assert_int_equal(cl_reply_code((const uint8_t *)"550-x", 5), 550);
    assert_int_equal(cl_reply_code((const uint8_t *)"999 ", 4), 999);
    assert_int_equal(cl_reply_code((const uint8_t *)"2200", 4), -1);
    assert_int_equal(cl_reply_code((const uint8_t *)"099 x", 5), -1);
    assert_int_equal(cl_reply_code((const uint8_t *)"22", 2), -1);
    assert_int_equal(cl_reply_code((const uint8_t *)"22a", 3), -1);
    assert_int_equal(cl_reply_code((const uint8_t *)"", 0), -1);
    assert_true(cl_reply_is_end((const uint8_t *)"220 x", 5, 220));
    assert_true(cl_reply_is_end((const uint8_t *)"220", 3, 220));
    assert_false(cl_reply_is_end((const uint8_t *)"220-x", 5, 220));
    assert_false(cl_reply_is_end((const uint8_t *)"221 x", 5, 220));
}

static void test_reply_lines(void **state)
{
    (void)state;
    static const char r[] = "214-Help:\r\n USER PASS\r\n214-x\n214\r\n";
    cl_dir d;
    cl_init(&d, &replies);
    cl_unit u;
    assert_int_equal(cl_next(&d, (const uint8_t *)r, sizeof r - 1, &u), sizeof r - 1);
    assert_int_equal(u.kind, CL_REPLY);
    assert_int_equal(u.code, 214);
    assert_int_equal(u.lines, 4);
    static const char *const want[] = {"Help:", " USER PASS", "x", ""};
    size_t pos = 0, len;
    const uint8_t *l;
    for (int i = 0; i < 4; i++) {
        assert_true(cl_reply_line(&u, &pos, &l, &len));
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(l, want[i], len);
    }
    assert_false(cl_reply_line(&u, &pos, &l, &len));
    char out[64];
    size_t n = cl_reply_join(&u, out, sizeof out);
    assert_int_equal(n, strlen("Help:\n USER PASS\nx\n"));
    assert_memory_equal(out, "Help:\n USER PASS\nx\n", n);
    n = cl_reply_join(&u, out, 8); /* cut at the cap */
    assert_int_equal(n, 8);
    assert_memory_equal(out, "Help:\n U", 8);
    /* a line unit is not a reply */
    cl_unit line = {.kind = CL_LINE, .p = (const uint8_t *)"x", .len = 1};
    pos = 0;
    assert_false(cl_reply_line(&line, &pos, &l, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),        cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_counted),      cmocka_unit_test(test_counted_gap),
        cmocka_unit_test(test_dot),          cmocka_unit_test(test_dot_pieces),
        cmocka_unit_test(test_dot_gap),      cmocka_unit_test(test_replies),
        cmocka_unit_test(test_reply_caps),   cmocka_unit_test(test_reply_gap),
        cmocka_unit_test(test_gap_predicate), cmocka_unit_test(test_reply_code),
        cmocka_unit_test(test_reply_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
