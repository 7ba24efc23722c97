/* Line discipline core (Linux N_TTY semantics, the parts shells and editors use):
 * input mapping, canonical line editing with echo, signal characters, raw reads and
 * output post-processing. Pure: no locks, no devices; host-tested. */

#include <osc/lib.h>
#include <osc/tty.h>

/* Linux signal numbers (asm-generic/signal.h) the terminal raises. */
#define TTY_SIGINT  2
#define TTY_SIGQUIT 3
#define TTY_SIGTSTP 20

#define CTRL(c) ((c) & 0x1f)

void tty_ldisc_init(struct tty_ldisc *l)
{
    memset(l, 0, sizeof(*l));
    struct linux_termios *t = &l->termios;
    t->c_iflag = TTY_ICRNL | TTY_IXON;
    t->c_oflag = TTY_OPOST | TTY_ONLCR;
    t->c_cflag = 0xbf;          /* B38400 | CS8 | CREAD */
    t->c_lflag = TTY_ISIG | TTY_ICANON | TTY_ECHO | TTY_ECHOE | TTY_ECHOK | TTY_ECHOCTL |
                 TTY_ECHOKE | TTY_IEXTEN;
    t->c_cc[VINTR] = CTRL('C');
    t->c_cc[VQUIT] = 0x1c;      /* ^\ */
    t->c_cc[VERASE] = 0x7f;
    t->c_cc[VKILL] = CTRL('U');
    t->c_cc[VEOF] = CTRL('D');
    t->c_cc[VTIME] = 0;
    t->c_cc[VMIN] = 1;
    t->c_cc[VSTART] = CTRL('Q');
    t->c_cc[VSTOP] = CTRL('S');
    t->c_cc[VSUSP] = CTRL('Z');
    t->c_cc[VREPRINT] = CTRL('R');
    t->c_cc[VWERASE] = CTRL('W');
    t->c_cc[VLNEXT] = CTRL('V');
}

static bool lflag(const struct tty_ldisc *l, uint32_t f) { return l->termios.c_lflag & f; }
static bool iflag(const struct tty_ldisc *l, uint32_t f) { return l->termios.c_iflag & f; }

/* c_cc entries of 0 are disabled (_POSIX_VDISABLE). */
static bool is_cc(const struct tty_ldisc *l, int idx, uint8_t c)
{
    return l->termios.c_cc[idx] && l->termios.c_cc[idx] == c;
}

/* Echo beyond the caller's buffer is dropped (only a very long line's rub-out). */
static void echo_byte(struct tty_input_result *r, char c)
{
    if (r->echo_len < r->echo_cap)
        r->echo[r->echo_len++] = c;
}

/* How a typed byte is shown: control characters as ^X with ECHOCTL (not tab or
 * newline), everything else as itself. */
static void echo_char(const struct tty_ldisc *l, struct tty_input_result *r, uint8_t c)
{
    if (lflag(l, TTY_ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n') {
        echo_byte(r, '^');
        echo_byte(r, (char)(c ^ 0x40));
    } else {
        echo_byte(r, (char)c);
    }
}

static size_t shown_width(const struct tty_ldisc *l, uint16_t c)
{
    if (c == '\t')
        return 1;       /* approximation: tabs are rubbed out as one column */
    return lflag(l, TTY_ECHOCTL) && (c < 0x20 || c == 0x7f) ? 2 : 1;
}

/* Removes the last byte of the line being edited, rubbing it out on screen. */
static bool erase_one(struct tty_ldisc *l, struct tty_input_result *r)
{
    if (l->len == l->commit)
        return false;
    uint16_t c = l->buf[--l->len];
    if (lflag(l, TTY_ECHO) && lflag(l, TTY_ECHOE))
        for (size_t w = shown_width(l, c); w > 0; w--) {
            echo_byte(r, '\b');
            echo_byte(r, ' ');
            echo_byte(r, '\b');
        }
    return true;
}

static void push(struct tty_ldisc *l, uint16_t c)
{
    if (l->len < TTY_BUF_SIZE)
        l->buf[l->len++] = c;
}

static void commit_line(struct tty_ldisc *l, struct tty_input_result *r)
{
    l->commit = l->len;
    r->readable = true;
}

void tty_ldisc_input(struct tty_ldisc *l, uint8_t c, struct tty_input_result *r)
{
    r->echo_len = 0;
    r->signal = 0;
    r->readable = false;
    bool canon = lflag(l, TTY_ICANON);
    bool echo = lflag(l, TTY_ECHO);

    if (l->lnext) {             /* ^V: the byte is data, whatever it is */
        l->lnext = false;       /* the "^\b" echoed for ^V is overwritten by c */
        goto data;
    }
    if (iflag(l, TTY_ISTRIP))
        c &= 0x7f;
    if (c == '\r') {
        if (iflag(l, TTY_IGNCR))
            return;
        if (iflag(l, TTY_ICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(l, TTY_INLCR)) {
        c = '\r';
    }

    if (lflag(l, TTY_ISIG)) {
        int sig = is_cc(l, VINTR, c) ? TTY_SIGINT : is_cc(l, VQUIT, c) ? TTY_SIGQUIT
                : is_cc(l, VSUSP, c) ? TTY_SIGTSTP : 0;
        if (sig) {
            if (!lflag(l, TTY_NOFLSH))
                tty_ldisc_flush_input(l);
            if (echo)
                echo_char(l, r, c);
            r->signal = sig;
            return;
        }
    }
    if (iflag(l, TTY_IXON) && (is_cc(l, VSTOP, c) || is_cc(l, VSTART, c)))
        return;                 /* flow control: output is never stopped here */

    if (canon) {
        if (is_cc(l, VERASE, c) || c == '\b') {
            erase_one(l, r);
            return;
        }
        if (is_cc(l, VKILL, c)) {
            if (echo && !lflag(l, TTY_ECHOKE) && lflag(l, TTY_ECHOK)) {
                echo_char(l, r, c);
                echo_byte(r, '\n');
                l->len = l->commit;
            }
            while (erase_one(l, r))
                ;
            return;
        }
        if (lflag(l, TTY_IEXTEN) && is_cc(l, VWERASE, c)) {
            while (l->len > l->commit && (l->buf[l->len - 1] == ' ' || l->buf[l->len - 1] == '\t'))
                erase_one(l, r);
            while (l->len > l->commit && l->buf[l->len - 1] != ' ' && l->buf[l->len - 1] != '\t')
                erase_one(l, r);
            return;
        }
        if (lflag(l, TTY_IEXTEN) && is_cc(l, VLNEXT, c)) {
            l->lnext = true;
            if (echo) {
                echo_byte(r, '^');
                echo_byte(r, '\b');
            }
            return;
        }
        if (is_cc(l, VEOF, c)) {
            push(l, TTY_EOF_MARK);
            commit_line(l, r);
            return;
        }
        if (c == '\n' || is_cc(l, VEOL, c) || (lflag(l, TTY_IEXTEN) && is_cc(l, VEOL2, c))) {
            if (l->len >= TTY_BUF_SIZE)
                l->len = TTY_BUF_SIZE - 1;  /* a full buffer still takes the newline */
            push(l, c);
            if (echo || (c == '\n' && lflag(l, TTY_ECHONL)))
                echo_char(l, r, c);
            commit_line(l, r);
            return;
        }
    }

data:
    if (canon && l->len >= TTY_BUF_SIZE - 1)
        return;                 /* keep room for the line's delimiter */
    if (!canon && l->len >= TTY_BUF_SIZE)
        return;
    push(l, c);
    if (echo)
        echo_char(l, r, c);
    if (!canon)
        commit_line(l, r);
}

size_t tty_ldisc_available(const struct tty_ldisc *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->commit; i++)
        n += l->buf[i] != TTY_EOF_MARK;
    return n;
}

bool tty_ldisc_readable(const struct tty_ldisc *l, size_t min)
{
    if (lflag(l, TTY_ICANON))
        return l->commit > 0;
    return l->commit >= (min ? min : 1);
}

bool tty_ldisc_poll_readable(const struct tty_ldisc *l)
{
    const uint8_t *cc = l->termios.c_cc;
    return tty_ldisc_readable(l, !lflag(l, TTY_ICANON) && !cc[VTIME] ? cc[VMIN] : 1);
}

enum tty_read_step tty_ldisc_raw_step(const struct tty_ldisc *l, size_t n, bool nonblock,
                                     bool expired)
{
    uint8_t vmin = l->termios.c_cc[VMIN], vtime = l->termios.c_cc[VTIME];
    size_t have = l->commit;
    expired = expired && vtime;     /* no VTIME, no timer to run out */
    if (have) {
        /* Short of VMIN, a non-blocking read or a run-out timer still returns
         * what has come (Linux copies as it goes and returns the partial count). */
        if (have >= MIN(vmin ? vmin : 1u, n) || nonblock || expired)
            return TTY_READ_NOW;
        return vtime ? TTY_READ_TIMED : TTY_READ_SLEEP;
    }
    /* VMIN 0 VTIME 0 is a poll: 0 bytes, even with O_NONBLOCK (no EAGAIN). */
    if (vmin == 0 && (vtime == 0 || expired))
        return TTY_READ_NOW;
    if (nonblock)
        return TTY_READ_AGAIN;
    return vmin == 0 ? TTY_READ_TIMED : TTY_READ_SLEEP;
}

static void consume(struct tty_ldisc *l, size_t k)
{
    memmove(l->buf, l->buf + k, (l->len - k) * sizeof(l->buf[0]));
    l->len -= k;
    l->commit -= k;
}

size_t tty_ldisc_read(struct tty_ldisc *l, char *dst, size_t n)
{
    size_t got = 0, used = 0;
    bool canon = lflag(l, TTY_ICANON);
    while (used < l->commit && got < n) {
        uint16_t c = l->buf[used++];
        if (c == TTY_EOF_MARK) {
            if (canon)
                break;
            continue;
        }
        dst[got++] = (char)c;
        if (canon && (c == '\n' || is_cc(l, VEOL, (uint8_t)c) ||
                      (lflag(l, TTY_IEXTEN) && is_cc(l, VEOL2, (uint8_t)c))))
            break;
    }
    consume(l, used);
    return got;
}

void tty_ldisc_set_termios(struct tty_ldisc *l, const struct linux_termios *t)
{
    bool was_canon = lflag(l, TTY_ICANON);
    l->termios = *t;
    if (was_canon && !lflag(l, TTY_ICANON)) {
        /* Raw reads see the half-edited line; EOF marks have no meaning there. */
        size_t k = 0;
        for (size_t i = 0; i < l->len; i++)
            if (l->buf[i] != TTY_EOF_MARK)
                l->buf[k++] = l->buf[i];
        l->len = l->commit = k;
        l->lnext = false;
    }
}

void tty_ldisc_flush_input(struct tty_ldisc *l)
{
    l->len = l->commit = 0;
    l->lnext = false;
}

size_t tty_ldisc_output(const struct tty_ldisc *l, const char *src, size_t n, char *out)
{
    uint32_t o = l->termios.c_oflag;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (o & TTY_OPOST) {
            if (c == '\n' && (o & TTY_ONLCR)) {
                out[k++] = '\r';
            } else if (c == '\r' && (o & TTY_OCRNL)) {
                c = '\n';
            }
        }
        out[k++] = c;
    }
    return k;
}
