/* The serial console as a terminal (/dev/console, /dev/tty, /dev/ttyS0): writes go
 * to the UART; reads block on the UART receive ring through a minimal canonical line
 * discipline (echo, backspace, '\r' -> '\n', ^D). termios is answered minimally so
 * shells run; the full TTY layer comes later. */

#define LOG_TAG "tty"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/uaccess.h>
#include <osc/uart.h>
#include <osc/vfs.h>

#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b

struct linux_termios {          /* struct termios as the TCGETS ioctl passes it */
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};

/* Line discipline state. One reader at a time is assumed for now (the first
 * process's shell); no lock yet. A finished line waits in `line` until read. */
static char line[1024];
static size_t line_len, line_ready;     /* ready: bytes of a completed line */
static bool line_eof;
static struct linux_termios termios = {
    .c_iflag = 0x500 /* ICRNL|IXON */, .c_oflag = 0x5 /* OPOST|ONLCR */,
    .c_cflag = 0xbf /* B38400|CS8|CREAD */, .c_lflag = 0x8a3b /* ISIG|ICANON|ECHO... */,
    .c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 },
};
static int tty_pgrp;

static bool canonical(void) { return termios.c_lflag & 0x2; }
static bool echo(void) { return termios.c_lflag & 0x8; }

/* Pulls pending UART bytes through the line discipline. */
static void tty_pump(void)
{
    int ch;
    while (line_ready == 0 && !line_eof && (ch = uart_getc()) >= 0) {
        char c = (char)ch;
        if (c == '\r' && (termios.c_iflag & 0x100))
            c = '\n';
        if (!canonical()) {
            if (line_len < sizeof(line))
                line[line_len++] = c;
            line_ready = line_len;
            if (echo())
                uart_write(&c, 1);
            continue;
        }
        if (c == 0x7f || c == '\b') {
            if (line_len > 0) {
                line_len--;
                if (echo())
                    uart_write("\b \b", 3);
            }
        } else if (c == 4) {            /* ^D: end of file on an empty line */
            if (line_len == 0)
                line_eof = true;
            else
                line_ready = line_len;
        } else if (line_len < sizeof(line) - 1 || c == '\n') {
            line[line_len++] = c;
            if (echo())
                uart_write(&c, 1);
            if (c == '\n')
                line_ready = line_len;
        }
    }
}

static ssize_t tty_read(struct file *f, void *buf, size_t n)
{
    for (;;) {
        tty_pump();
        if (line_ready || line_eof)
            break;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        thread_sleep_ns(10 * 1000 * 1000);      /* UART rx polled at 100 Hz for now */
    }
    if (line_eof && !line_ready) {
        line_eof = false;
        return 0;
    }
    size_t k = MIN(n, line_ready);
    memcpy(buf, line, k);
    memmove(line, line + k, line_len - k);
    line_len -= k;
    line_ready -= k;
    return (ssize_t)k;
}

static ssize_t tty_write(struct file *f, const void *buf, size_t n)
{
    (void)f;
    uart_write(buf, n);
    struct process *p = proc_current();
    if (p)
        proc_console_record(p, buf, n);     /* what the proc KTESTs compare */
    return (ssize_t)n;
}

static long tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    (void)f;
    void *u = (void *)arg;
    switch (cmd) {
    case TCGETS:
        return copy_to_user(u, &termios, sizeof(termios));
    case TCSETS: case TCSETSW: case TCSETSF:
        return copy_from_user(&termios, u, sizeof(termios));
    case TIOCGWINSZ: {
        uint16_t ws[4] = { 25, 80, 0, 0 };
        return copy_to_user(u, ws, sizeof(ws));
    }
    case TIOCSWINSZ:
        return 0;
    case TIOCGPGRP:
        return copy_to_user(u, &tty_pgrp, sizeof(tty_pgrp));
    case TIOCSPGRP:
        return copy_from_user(&tty_pgrp, u, sizeof(tty_pgrp));
    case FIONREAD: {
        tty_pump();
        int k = (int)line_ready;
        return copy_to_user(u, &k, sizeof(k));
    }
    }
    return -ENOTTY;
}

static int tty_poll(struct file *f)
{
    (void)f;
    tty_pump();
    return POLLOUT | ((line_ready || line_eof) ? POLLIN : 0);
}

const struct file_ops tty_console_ops = {
    .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll, .is_tty = true,
};
