/* The console terminal (/dev/console, /dev/tty, /dev/ttyS0): COM1's receive
 * interrupt feeds a worker thread that runs the line discipline (tty_ldisc.c: echo,
 * editing, signal characters); readers sleep on a wait queue until input makes a
 * read possible. Output goes to COM1 and, when shown, the framebuffer text console. */

#define LOG_TAG "tty"
#include <osc/console.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/tty.h>
#include <osc/uaccess.h>
#include <osc/uart.h>
#include <osc/vfs.h>
#include <osc/signal.h>

/* The terminal. con.wq.lock (rank 70, `waitqueue`) guards ld, pgrp, sid and ws;
 * readers sleep on con.wq and are woken when input becomes readable. */
static struct {
    struct waitqueue wq;
    struct tty_ldisc ld;
    int pgrp, sid;              /* foreground process group, session (0: none yet) */
    struct linux_winsize ws;    /* set by TIOCSWINSZ; ws_col 0: follow the screen */
} con;

/* Bytes from the UART interrupt waiting for the worker. rx_wq.lock (rank 70) guards
 * the ring; the worker sleeps on rx_wq. */
#define TTY_RX_RING 1024
static struct waitqueue rx_wq;
static uint8_t rx_ring[TTY_RX_RING];
static uint32_t rx_head, rx_tail;
static bool ready;              /* tty_init ran */

static char echo_buf[TTY_ECHO_MAX];     /* the worker's only */

int tty_signal_foreground(int sig)
{
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    int pgrp = con.pgrp;
    spin_unlock_irqrestore(&con.wq.lock, fl);
    if (pgrp <= 0)
        return 0;
    return signal_send_pgrp(pgrp, sig, NULL);
}

/* Sleeps on con.wq (lock held). A signal ends the wait and the read returns
 * -ERESTARTSYS (delivery makes it EINTR or a restart). */
static int tty_sleep(unsigned long *fl)
{
    if (waitqueue_sleep_interruptible_locked(&con.wq, fl))
        return -ERESTARTSYS;
    return 0;
}

/* Sends already post-processed bytes to the screens. */
static void emit(const char *s, size_t n)
{
    uart_write_raw(s, n);
    fbcon_write(s, n);
}

/* Output processing (OPOST) in chunks, then to the screens. */
static void output(const char *s, size_t n)
{
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    struct tty_ldisc snap_out = { .termios = con.ld.termios };  /* only termios matters */
    spin_unlock_irqrestore(&con.wq.lock, fl);
    char out[512];
    while (n) {
        size_t k = MIN(n, sizeof(out) / 2);
        size_t m = tty_ldisc_output(&snap_out, s, k, out);
        emit(out, m);
        s += k;
        n -= k;
    }
}

void tty_receive_byte(uint8_t c)
{
    unsigned long fl = spin_lock_irqsave(&rx_wq.lock);
    if (rx_head - rx_tail < TTY_RX_RING)
        rx_ring[rx_head++ % TTY_RX_RING] = c;
    spin_unlock_irqrestore(&rx_wq.lock, fl);
    waitqueue_wake_all(&rx_wq);
}

/* Runs each received byte through the line discipline outside interrupt context,
 * so echo can draw on the framebuffer and signals can be sent. */
static void tty_worker(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned long fl = spin_lock_irqsave(&rx_wq.lock);
        while (rx_head == rx_tail)
            waitqueue_sleep_locked(&rx_wq, &fl);
        uint8_t c = rx_ring[rx_tail++ % TTY_RX_RING];
        spin_unlock_irqrestore(&rx_wq.lock, fl);

        struct tty_input_result r = { .echo = echo_buf, .echo_cap = sizeof(echo_buf) };
        fl = spin_lock_irqsave(&con.wq.lock);
        tty_ldisc_input(&con.ld, c, &r);
        spin_unlock_irqrestore(&con.wq.lock, fl);
        if (r.echo_len)
            output(r.echo, r.echo_len);
        if (r.signal) {
            tty_signal_foreground(r.signal);
            waitqueue_wake_all(&con.wq);    /* flushed input: readers re-check */
        }
        if (r.readable)
            waitqueue_wake_all(&con.wq);
    }
}

void tty_init(void)
{
    waitqueue_init(&con.wq);
    waitqueue_init(&rx_wq);
    tty_ldisc_init(&con.ld);
    if (!thread_create("tty", tty_worker, NULL)) {
        log_error("no memory for the terminal thread: console input stays off");
        return;
    }
    ready = true;
    uart_set_rx_handler(tty_receive_byte);
}

void tty_test_reset(void)
{
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    tty_ldisc_init(&con.ld);
    spin_unlock_irqrestore(&con.wq.lock, fl);
}

void tty_test_get_termios(struct linux_termios *t)
{
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    *t = con.ld.termios;
    spin_unlock_irqrestore(&con.wq.lock, fl);
}

void tty_test_set_termios(const struct linux_termios *t)
{
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    tty_ldisc_set_termios(&con.ld, t);
    spin_unlock_irqrestore(&con.wq.lock, fl);
    waitqueue_wake_all(&con.wq);
}

static ssize_t tty_read(struct file *f, void *buf, size_t n)
{
    if (!ready)
        return -EIO;
    if (n == 0)
        return 0;
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    bool nonblock = f->flags & O_NONBLOCK;
    uint32_t naps = 0;          /* VTIME counts in tenths of a second: 10 naps each */
    size_t seen = 0;
    for (;;) {
        enum tty_read_step step;
        if (con.ld.termios.c_lflag & TTY_ICANON) {
            step = tty_ldisc_readable(&con.ld, 1) ? TTY_READ_NOW
                 : nonblock ? TTY_READ_AGAIN : TTY_READ_SLEEP;
        } else {
            /* The VTIME timer restarts whenever a byte arrives (with VMIN 0 the
             * first byte ends the read anyway). */
            if (con.ld.commit != seen) {
                seen = con.ld.commit;
                naps = 0;
            }
            bool expired = naps >= (uint32_t)con.ld.termios.c_cc[VTIME] * 10;
            step = tty_ldisc_raw_step(&con.ld, n, nonblock, expired);
        }
        if (step == TTY_READ_NOW)
            break;
        if (step == TTY_READ_AGAIN) {
            spin_unlock_irqrestore(&con.wq.lock, fl);
            return -EAGAIN;
        }
        if (step == TTY_READ_TIMED) {
            /* Naps, not a timed wait on con.wq: new input is seen within 10 ms.
             * A signal ends the wait as it ends an untimed one. */
            spin_unlock_irqrestore(&con.wq.lock, fl);
            if (thread_sleep_ns_interruptible(10 * 1000 * 1000, NULL))
                return -ERESTARTSYS;
            naps++;
            fl = spin_lock_irqsave(&con.wq.lock);
            continue;
        }
        int err = tty_sleep(&fl);
        if (err) {
            spin_unlock_irqrestore(&con.wq.lock, fl);
            return err;
        }
    }
    size_t k = tty_ldisc_read(&con.ld, buf, n);
    spin_unlock_irqrestore(&con.wq.lock, fl);
    return (ssize_t)k;
}

static ssize_t tty_write(struct file *f, const void *buf, size_t n)
{
    (void)f;
    if (ready)
        output(buf, n);
    else
        uart_write(buf, n);
    struct process *p = proc_current();
    if (p)
        proc_console_record(p, buf, n);     /* what the proc KTESTs compare */
    return (ssize_t)n;
}

static struct linux_winsize window_size(void)
{
    struct linux_winsize ws = con.ws;
    uint32_t cols, rows;
    if (ws.ws_col == 0) {
        ws = (struct linux_winsize){ 25, 80, 0, 0 };
        if (fbcon_size(&cols, &rows))
            ws = (struct linux_winsize){ (uint16_t)rows, (uint16_t)cols, 0, 0 };
    }
    return ws;
}

static int caller_pgid(void)
{
    struct process *p = proc_current();
    return p ? (p->pgid ? p->pgid : p->pid) : 0;
}

static long tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    (void)f;
    void *u = (void *)arg;
    struct process *p = proc_current();
    unsigned long fl;
    switch (cmd) {
    case TCGETS: {
        fl = spin_lock_irqsave(&con.wq.lock);
        struct linux_termios t = con.ld.termios;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return copy_to_user(u, &t, sizeof(t));
    }
    case TCSETS: case TCSETSW: case TCSETSF: {
        /* Output is written synchronously, so "after draining" is now. */
        struct linux_termios t;
        if (copy_from_user(&t, u, sizeof(t)))
            return -EFAULT;
        fl = spin_lock_irqsave(&con.wq.lock);
        if (cmd == TCSETSF)
            tty_ldisc_flush_input(&con.ld);
        tty_ldisc_set_termios(&con.ld, &t);
        spin_unlock_irqrestore(&con.wq.lock, fl);
        waitqueue_wake_all(&con.wq);        /* a mode change may make input readable */
        return 0;
    }
    case TCFLSH:
        if (arg > TCIOFLUSH)
            return -EINVAL;
        if (arg != TCOFLUSH) {
            fl = spin_lock_irqsave(&con.wq.lock);
            tty_ldisc_flush_input(&con.ld);
            spin_unlock_irqrestore(&con.wq.lock, fl);
        }
        return 0;
    case TIOCGWINSZ: {
        fl = spin_lock_irqsave(&con.wq.lock);
        struct linux_winsize ws = window_size();
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return copy_to_user(u, &ws, sizeof(ws));
    }
    case TIOCSWINSZ: {
        struct linux_winsize ws;
        if (copy_from_user(&ws, u, sizeof(ws)))
            return -EFAULT;
        /* As Linux: only a change is news; a full-screen program redraws on
         * every SIGWINCH. The current size counts, even when it follows the screen. */
        fl = spin_lock_irqsave(&con.wq.lock);
        struct linux_winsize old = window_size();
        con.ws = ws;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        if (memcmp(&old, &ws, sizeof(ws)))
            tty_signal_foreground(28);      /* SIGWINCH */
        return 0;
    }
    case TIOCGPGRP: {
        /* No session has claimed the console yet: the first asker's group is the
         * foreground one (the first process owns the console, as init's shell). */
        fl = spin_lock_irqsave(&con.wq.lock);
        if (con.pgrp == 0)
            con.pgrp = caller_pgid();
        int pgrp = con.pgrp;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return copy_to_user(u, &pgrp, sizeof(pgrp));
    }
    case TIOCSPGRP: {
        int pgrp;
        if (copy_from_user(&pgrp, u, sizeof(pgrp)))
            return -EFAULT;
        if (pgrp <= 0)
            return -EINVAL;
        fl = spin_lock_irqsave(&con.wq.lock);
        con.pgrp = pgrp;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return 0;
    }
    case TIOCGSID: {
        fl = spin_lock_irqsave(&con.wq.lock);
        int sid = con.sid;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        if (sid == 0)
            return -ENOTTY;
        return copy_to_user(u, &sid, sizeof(sid));
    }
    case TIOCSCTTY:
        if (!p)
            return -EPERM;
        fl = spin_lock_irqsave(&con.wq.lock);
        con.sid = p->sid ? p->sid : p->pid;
        con.pgrp = caller_pgid();
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return 0;
    case TIOCNOTTY:
        fl = spin_lock_irqsave(&con.wq.lock);
        if (p && con.sid && con.sid == (p->sid ? p->sid : p->pid))
            con.sid = con.pgrp = 0;
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return 0;
    case FIONREAD: {
        fl = spin_lock_irqsave(&con.wq.lock);
        int k = (int)tty_ldisc_available(&con.ld);
        spin_unlock_irqrestore(&con.wq.lock, fl);
        return copy_to_user(u, &k, sizeof(k));
    }
    case TIOCOUTQ: {
        int zero = 0;                       /* output never queues */
        return copy_to_user(u, &zero, sizeof(zero));
    }
    }
    return -ENOTTY;
}

static int tty_poll(struct file *f)
{
    (void)f;
    unsigned long fl = spin_lock_irqsave(&con.wq.lock);
    bool in = ready && tty_ldisc_poll_readable(&con.ld);
    spin_unlock_irqrestore(&con.wq.lock, fl);
    return POLLOUT | (in ? POLLIN : 0);
}

const struct file_ops tty_console_ops = {
    .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll, .is_tty = true,
};
