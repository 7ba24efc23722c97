/* Terminal layer: the line discipline core (kernel/fs/tty_ldisc.c, pure and
 * host-tested) and the terminals built on it (kernel/fs/tty.c: ttyS0 on COM1 and
 * tty1 on the framebuffer text console with the keyboard; termios ioctls,
 * controlling terminals of sessions). */
#pragma once

#include <osc/types.h>

/* ---- Linux termios ABI (asm-generic/termbits.h, x86_64) ---- */
#define TTY_NCCS 19
struct linux_termios {          /* struct termios as TCGETS/TCSETS pass it (36 bytes) */
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[TTY_NCCS];
};
_Static_assert(sizeof(struct linux_termios) == 36, "kernel termios is 36 bytes");

struct linux_winsize { uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel; };

/* c_cc indices */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16
/* c_iflag */
#define TTY_IGNBRK 0x001
#define TTY_ISTRIP 0x020
#define TTY_INLCR  0x040
#define TTY_IGNCR  0x080
#define TTY_ICRNL  0x100
#define TTY_IXON   0x400
/* c_oflag */
#define TTY_OPOST  0x01
#define TTY_ONLCR  0x04
#define TTY_OCRNL  0x08
/* c_lflag */
#define TTY_ISIG   0x0001
#define TTY_ICANON 0x0002
#define TTY_ECHO   0x0008
#define TTY_ECHOE  0x0010
#define TTY_ECHOK  0x0020
#define TTY_ECHONL 0x0040
#define TTY_NOFLSH 0x0080
#define TTY_ECHOCTL 0x0200
#define TTY_ECHOKE 0x0800
#define TTY_IEXTEN 0x8000

/* ioctl numbers (asm-generic/ioctls.h) */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TCFLSH     0x540b
#define TIOCSCTTY  0x540e
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCOUTQ   0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b
#define TIOCNOTTY  0x5422
#define TIOCGSID   0x5429
#define TCIFLUSH   0
#define TCOFLUSH   1
#define TCIOFLUSH  2

/* ---- line discipline core ---- */
#define TTY_BUF_SIZE 4096
#define TTY_EOF_MARK 0x100      /* ^D in canonical mode: ends a read, never copied */
/* Echo room that covers any one input byte: KILL rubs out a whole line (3 bytes a
 * column, 2 columns a control character). */
#define TTY_ECHO_MAX (TTY_BUF_SIZE * 6 + 8)

/* One terminal's input state. Canonical mode: buf[0..commit) holds finished lines
 * (each ending in a delimiter or an EOF mark), buf[commit..len) the line being
 * edited. Raw mode: commit == len, everything is readable. Not locked here: the
 * caller serialises (tty.c holds its wait queue lock). */
struct tty_ldisc {
    struct linux_termios termios;
    uint16_t buf[TTY_BUF_SIZE];
    size_t len, commit;
    bool lnext;                 /* the previous byte was VLNEXT: take the next literally */
};

/* What one input byte did besides editing the buffer. The caller points echo at
 * echo_cap bytes of room (TTY_ECHO_MAX always suffices); input fills echo_len. */
struct tty_input_result {
    char *echo;                 /* bytes to show, before output processing */
    size_t echo_len, echo_cap;
    int signal;                 /* SIGINT/SIGQUIT/SIGTSTP for the foreground group, or 0 */
    bool readable;              /* a reader may now have something (wake readers) */
};

/* Linux's default termios for a serial console (stty sane). */
void tty_ldisc_init(struct tty_ldisc *l);
void tty_ldisc_input(struct tty_ldisc *l, uint8_t c, struct tty_input_result *r);
/* Bytes a read could return now without blocking (canonical: finished lines). */
size_t tty_ldisc_available(const struct tty_ldisc *l);
/* True when a read would return now: canonical, a finished line or an EOF mark;
 * raw, at least min bytes. */
bool tty_ldisc_readable(const struct tty_ldisc *l, size_t min);
/* POLLIN for poll/select. Raw mode with VTIME 0 and VMIN > 0 wants VMIN bytes, as
 * Linux's n_tty: the reader a poll wakes is the one that waits for VMIN. */
bool tty_ldisc_poll_readable(const struct tty_ldisc *l);
/* What a non-canonical read of n bytes does now (VMIN/VTIME, Linux n_tty_read):
 * NOW returns what is there (maybe 0 bytes), SLEEP waits for input, TIMED waits
 * for input or the VTIME timer (the caller tracks it: expired says it ran out),
 * AGAIN fails with EAGAIN. The timer runs from the call when VMIN is 0, else from
 * the latest byte once one has arrived. */
enum tty_read_step { TTY_READ_NOW, TTY_READ_SLEEP, TTY_READ_TIMED, TTY_READ_AGAIN };
enum tty_read_step tty_ldisc_raw_step(const struct tty_ldisc *l, size_t n, bool nonblock,
                                     bool expired);
/* Copies readable input into dst. Canonical: at most one line (the delimiter is
 * copied, an EOF mark is consumed, not copied: a lone ^D reads 0). Raw: up to n. */
size_t tty_ldisc_read(struct tty_ldisc *l, char *dst, size_t n);
/* Installs new termios; leaving canonical mode makes the edited line readable. */
void tty_ldisc_set_termios(struct tty_ldisc *l, const struct linux_termios *t);
void tty_ldisc_flush_input(struct tty_ldisc *l);
/* Output processing (OPOST: ONLCR, OCRNL) of n bytes into out (room for 2n); returns
 * the byte count. */
size_t tty_ldisc_output(const struct tty_ldisc *l, const char *src, size_t n, char *out);

/* ---- the terminals (tty.c) ---- */
enum tty_line {
    TTY_SERIAL,                 /* ttyS0 = /dev/console: COM1 */
    TTY_VT,                     /* tty1 = tty0: the framebuffer text console + keyboard */
    TTY_COUNT,
};
/* One received byte for a terminal, from an interrupt handler (the UART's, the
 * keyboard's; KTESTs call it too: the same path). */
void tty_receive_byte(enum tty_line line, uint8_t c);
/* Starts the terminals: their worker threads, COM1's receive hook and the text
 * console's keyboard handler on the input layer. */
void tty_init(void);
void tty_kbd_init(void);        /* tty_kbd.c: registers the console's input handler */
/* The session sid ended (its leader exited): terminals it controlled become free
 * and their foreground group gets SIGHUP, as on Linux. */
void tty_session_end(int sid);
/* KTEST helpers, on the serial terminal: default termios and empty input; the
 * termios itself. */
void tty_test_reset(void);
void tty_test_get_termios(struct linux_termios *t);
void tty_test_set_termios(const struct linux_termios *t);
