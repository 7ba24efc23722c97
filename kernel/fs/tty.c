/* The terminals: ttyS0 (COM1, also /dev/console), tty1 (the framebuffer text
 * console and the PS/2 keyboard) and the pty slaves (pty.c), each with its own line
 * discipline (tty_ldisc.c: echo, editing, signal characters), session and window
 * size. Console input arrives from interrupt handlers into a ring and a worker
 * thread per console runs the line discipline; readers sleep on a wait queue until
 * input makes a read possible. */

#define LOG_TAG "tty"
#include <osc/console.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/time.h>
#include <osc/tty.h>
#include <osc/uaccess.h>
#include <osc/uart.h>
#include <osc/vfs.h>
#include <osc/signal.h>
#include "tty_internal.h"

/* The text console answers queries (cursor position...) as a terminal does: the
 * answer arrives as input, after fbcon's lock is dropped (it ranks above ours). */
static void fbcon_emit(struct tty *t, const char *s, size_t n, bool echo)
{
    (void)t;
    (void)echo;
    char reply[32];
    size_t k = fbcon_write(s, n, reply, sizeof(reply));
    for (size_t i = 0; i < k; i++)
        tty_receive_byte(TTY_VT, (uint8_t)reply[i]);
}

/* ttyS0, the serial line, is also /dev/console (init's and the log's); tty1 is
 * the framebuffer text console with the keyboard. Each has its own shell. */
static void uart_emit(struct tty *t, const char *s, size_t n, bool echo)
{
    (void)t;
    (void)echo;
    uart_write_raw(s, n);
}

static struct tty ttys[TTY_COUNT] = {
    [TTY_SERIAL] = { .name = "ttyS0", .emit = uart_emit },
    [TTY_VT] = { .name = "tty1", .emit = fbcon_emit, .screen_size = fbcon_size },
};

/* Every terminal a session can control: the consoles, then the pty slaves (slot
 * TTY_COUNT + pty number). The lock (`tty_table`, rank 66) guards the slots and the
 * ptys' reference counts; sid is read under it without the terminal's own lock (a
 * session changes its terminal only from its own leader's calls). */
static struct tty *table[TTY_COUNT + PTY_MAX] = { &ttys[TTY_SERIAL], &ttys[TTY_VT] };
static spinlock_t table_lock = SPINLOCK_INIT("tty_table", 66);

int tty_table_add_pty(struct tty *t)
{
    unsigned long fl = spin_lock_irqsave(&table_lock);
    int n = -ENOSPC;
    for (int i = TTY_COUNT; i < TTY_COUNT + PTY_MAX && n < 0; i++)
        if (!table[i]) {
            table[i] = t;
            t->refs = 1;
            n = i - TTY_COUNT;
        }
    spin_unlock_irqrestore(&table_lock, fl);
    return n;
}

struct tty *tty_table_get_pty(int n)
{
    if (n < 0 || n >= PTY_MAX)
        return NULL;
    unsigned long fl = spin_lock_irqsave(&table_lock);
    struct tty *t = table[TTY_COUNT + n];
    if (t)
        t->refs++;
    spin_unlock_irqrestore(&table_lock, fl);
    return t;
}

/* Takes another reference on a pty found through a session (a console needs none). */
static void tty_get(struct tty *t)
{
    if (t->pty)
        t->refs++;              /* caller holds table_lock */
}

void tty_put(struct tty *t)
{
    if (!t || !t->pty)
        return;
    unsigned long fl = spin_lock_irqsave(&table_lock);
    bool last = --t->refs == 0;
    if (last)
        table[TTY_COUNT + t->pty_index] = NULL;
    spin_unlock_irqrestore(&table_lock, fl);
    if (last)
        pty_free(t);
}

static int session_of(const struct process *p)
{
    return p->sid ? p->sid : p->pid;
}

static int tty_signal_foreground(struct tty *t, int sig)
{
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    int pgrp = t->pgrp;
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (pgrp <= 0)
        return 0;
    return signal_send_pgrp(pgrp, sig, NULL);
}

/* Sleeps on t->wq (lock held). A signal ends the wait and the read returns
 * -ERESTARTSYS (delivery makes it EINTR or a restart). */
static int tty_sleep(struct tty *t, unsigned long *fl)
{
    if (waitqueue_sleep_interruptible_locked(&t->wq, fl))
        return -ERESTARTSYS;
    return 0;
}

/* Output processing (OPOST) in chunks, then to the terminal's screen. */
/* A pty's echo comes from its master's write, which must not wait behind a slave
 * writer that waits for the master to read: echo skips the output mutex there and
 * is dropped when the master's buffer is full. */
static void output(struct tty *t, const char *s, size_t n, bool echo)
{
    bool serialise = !(echo && t->pty);
    if (serialise)
        mutex_lock(&t->out_lock);
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    struct tty_ldisc snap_out = { .termios = t->ld.termios };  /* only termios matters */
    spin_unlock_irqrestore(&t->wq.lock, fl);
    char out[512];
    while (n) {
        size_t k = MIN(n, sizeof(out) / 2);
        size_t m = tty_ldisc_output(&snap_out, s, k, out);
        t->emit(t, out, m, echo);
        s += k;
        n -= k;
    }
    if (serialise)
        mutex_unlock(&t->out_lock);
}

void tty_receive_byte(enum tty_line line, uint8_t c)
{
    if (line >= TTY_COUNT)
        return;
    struct tty *t = &ttys[line];
    unsigned long fl = spin_lock_irqsave(&t->rx_wq.lock);
    if (t->rx_head - t->rx_tail < TTY_RX_RING)
        t->rx_ring[t->rx_head++ % TTY_RX_RING] = c;
    spin_unlock_irqrestore(&t->rx_wq.lock, fl);
    waitqueue_wake_all(&t->rx_wq);
}

static void serial_receive(uint8_t c)
{
    tty_receive_byte(TTY_SERIAL, c);
}

/* One input byte through the line discipline, in thread context (a console's
 * worker, a pty master's writer). echo_buf belongs to that one caller: a console
 * has one worker, a pty master's writes hold its input mutex. */
void tty_input(struct tty *t, uint8_t c)
{
    struct tty_input_result r = { .echo = t->echo_buf, .echo_cap = sizeof(t->echo_buf) };
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    tty_ldisc_input(&t->ld, c, &r);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (r.echo_len)
        output(t, r.echo, r.echo_len, true);
    if (r.signal) {
        tty_signal_foreground(t, r.signal);
        waitqueue_wake_all(&t->wq);     /* flushed input: readers re-check */
    }
    if (r.readable)
        waitqueue_wake_all(&t->wq);
}

/* Runs each received byte through the line discipline outside interrupt context,
 * so echo can draw on the framebuffer and signals can be sent. */
static void tty_worker(void *arg)
{
    struct tty *t = arg;
    for (;;) {
        unsigned long fl = spin_lock_irqsave(&t->rx_wq.lock);
        while (t->rx_head == t->rx_tail)
            waitqueue_sleep_locked(&t->rx_wq, &fl);
        uint8_t c = t->rx_ring[t->rx_tail++ % TTY_RX_RING];
        spin_unlock_irqrestore(&t->rx_wq.lock, fl);

        tty_input(t, c);
    }
}

void tty_init(void)
{
    for (int i = 0; i < TTY_COUNT; i++) {
        struct tty *t = &ttys[i];
        waitqueue_init(&t->wq);
        waitqueue_init(&t->rx_wq);
        mutex_init(&t->out_lock, "tty_out", 45);
        tty_ldisc_init(&t->ld);
        if (!thread_create(t->name, tty_worker, t)) {
            log_error("no memory for the %s thread: its input stays off", t->name);
            continue;
        }
        t->ready = true;
    }
    if (ttys[TTY_SERIAL].ready)
        uart_set_rx_handler(serial_receive);
    if (ttys[TTY_VT].ready)
        tty_kbd_init();
}

void tty_session_end(int sid)
{
    /* Hang-ups go out after the table lock: `signal` ranks below it. */
    int hup[TTY_COUNT + PTY_MAX];
    int k = 0;
    unsigned long tfl = spin_lock_irqsave(&table_lock);
    for (int i = 0; i < TTY_COUNT + PTY_MAX; i++) {
        struct tty *t = table[i];
        if (!t)
            continue;
        unsigned long fl = spin_lock_irqsave(&t->wq.lock);
        int pgrp = t->sid == sid ? t->pgrp : 0;
        if (t->sid == sid)
            t->sid = t->pgrp = 0;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        if (pgrp > 0 && pgrp != sid)
            hup[k++] = pgrp;
    }
    spin_unlock_irqrestore(&table_lock, tfl);
    /* As Linux when the controlling process exits: the foreground job hangs up. */
    for (int i = 0; i < k; i++) {
        signal_send_pgrp(hup[i], SIGHUP, NULL);
        signal_send_pgrp(hup[i], SIGCONT, NULL);
    }
}

/* The KTEST helpers work on the serial terminal, the one they feed. */
void tty_test_reset(void)
{
    struct tty *t = &ttys[TTY_SERIAL];
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    tty_ldisc_init(&t->ld);
    spin_unlock_irqrestore(&t->wq.lock, fl);
}

void tty_test_get_termios(struct linux_termios *out)
{
    struct tty *t = &ttys[TTY_SERIAL];
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    *out = t->ld.termios;
    spin_unlock_irqrestore(&t->wq.lock, fl);
}

void tty_test_set_termios(const struct linux_termios *in)
{
    struct tty *t = &ttys[TTY_SERIAL];
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    tty_ldisc_set_termios(&t->ld, in);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    waitqueue_wake_all(&t->wq);
}

/* Whether session sid controls a terminal other than except (NULL: any). */
static bool controls_other(int sid, const struct tty *except)
{
    unsigned long fl = spin_lock_irqsave(&table_lock);
    bool found = false;
    for (int i = 0; i < TTY_COUNT + PTY_MAX && !found; i++)
        found = table[i] && table[i] != except && table[i]->sid == sid;
    spin_unlock_irqrestore(&table_lock, fl);
    return found;
}

/* The caller's controlling terminal, referenced (tty_put), or NULL. */
static struct tty *controlling_tty(int sid)
{
    unsigned long fl = spin_lock_irqsave(&table_lock);
    struct tty *t = NULL;
    for (int i = 0; i < TTY_COUNT + PTY_MAX && !t; i++)
        if (table[i] && table[i]->sid == sid)
            t = table[i];
    if (t)
        tty_get(t);
    spin_unlock_irqrestore(&table_lock, fl);
    return t;
}

/* A session leader without a controlling terminal that opens a free terminal
 * without O_NOCTTY makes it its controlling terminal. */
static void claim_ctty(struct tty *t, struct process *p, uint32_t open_flags)
{
    if (!p || (open_flags & O_NOCTTY) || p->pid != session_of(p))
        return;
    bool has_ctty = controls_other(p->pid, NULL);
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    if (!has_ctty && t->sid == 0 && !t->hung_up) {
        t->sid = p->pid;
        t->pgrp = p->pgid ? p->pgid : p->pid;
    }
    spin_unlock_irqrestore(&t->wq.lock, fl);
}

/* Binds an opened terminal node to its terminal. /dev/tty is the caller's
 * controlling terminal (-ENXIO without one); /dev/pts/N a pty slave (-EIO while
 * locked or once its master is gone). */
static int tty_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    struct process *p = proc_current();
    struct tty *t = NULL;
    if (rdev == VFS_MKDEV(5, 0)) {
        t = p ? controlling_tty(session_of(p)) : NULL;
        if (!t)
            return -ENXIO;
        int err = t->pty ? pty_slave_opened(t) : 0;
        if (err) {
            tty_put(t);
            return err;
        }
        f->priv = t;
        return 0;
    }
    if (VFS_MAJOR(rdev) >= PTY_SLAVE_MAJOR && VFS_MAJOR(rdev) < PTY_SLAVE_MAJOR + 8) {
        int n = (int)((VFS_MAJOR(rdev) - PTY_SLAVE_MAJOR) * 256 + VFS_MINOR(rdev));
        t = tty_table_get_pty(n);
        if (!t)
            return -ENXIO;
        int err = pty_slave_opened(t);
        if (err) {
            tty_put(t);
            return err;
        }
    } else if (rdev == VFS_MKDEV(4, 0) || rdev == VFS_MKDEV(4, 1)) {
        uint32_t cols, rows;
        if (!fbcon_size(&cols, &rows))
            return -ENODEV;             /* no framebuffer: no text console */
        t = &ttys[TTY_VT];
    } else {
        t = &ttys[TTY_SERIAL];          /* ttyS0 and /dev/console */
    }
    f->priv = t;
    claim_ctty(t, p, open_flags);
    return 0;
}

static void tty_release(struct file *f)
{
    struct tty *t = f->priv;
    if (t && t->pty)
        pty_slave_closed(t);
    tty_put(t);
}

/* Input is consumed only by the tty_ldisc_read at the end, so every early return
 * (-EAGAIN, -ERESTARTSYS for a signal) has copied nothing, as a read interrupted
 * by a signal must (a restart or EINTR loses no byte). */
static ssize_t tty_read(struct file *f, void *buf, size_t n)
{
    struct tty *t = f->priv;
    if (!t->ready)
        return -EIO;
    if (n == 0)
        return 0;
    if (__atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE))
        return 0;                       /* as Linux after a hang-up: end of file */
    /* VTIME waits end at a deadline or at new input, whichever is first: the
     * waiter hooks on t->wq, which every input byte wakes. */
    struct poll_waiter w;
    struct poll_entry e;
    bool hooked = false;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    bool nonblock = f->flags & O_NONBLOCK;
    uint64_t deadline = 0;      /* VTIME: restarts whenever a byte arrives */
    size_t seen = 0;
    ssize_t ret;
    for (;;) {
        enum tty_read_step step;
        if (t->hung_up) {
            ret = 0;
            break;
        }
        if (t->ld.termios.c_lflag & TTY_ICANON) {
            step = tty_ldisc_readable(&t->ld, 1) ? TTY_READ_NOW
                 : nonblock ? TTY_READ_AGAIN : TTY_READ_SLEEP;
        } else {
            /* With VMIN 0 the first byte ends the read anyway. */
            if (deadline == 0 || t->ld.commit != seen) {
                seen = t->ld.commit;
                deadline = time_ns() + (uint64_t)t->ld.termios.c_cc[VTIME] * 100000000ull;
            }
            step = tty_ldisc_raw_step(&t->ld, n, nonblock, time_ns() >= deadline);
        }
        if (step == TTY_READ_NOW) {
            ret = (ssize_t)tty_ldisc_read(&t->ld, buf, n);
            break;
        }
        if (step == TTY_READ_AGAIN) {
            ret = -EAGAIN;
            break;
        }
        if (step == TTY_READ_TIMED) {
            struct linux_termios before = t->ld.termios;
            spin_unlock_irqrestore(&t->wq.lock, fl);
            if (!hooked) {
                poll_waiter_init(&w);
                poll_waiter_add(&w, &e, &t->wq);
                hooked = true;
            }
            /* Armed, then re-checked: input or a mode change that came while the
             * lock was dropped is seen here, any later one wakes the sleep. */
            poll_waiter_arm(&w);
            fl = spin_lock_irqsave(&t->wq.lock);
            bool changed = t->ld.commit != seen || memcmp(&before, &t->ld.termios, sizeof(before));
            spin_unlock_irqrestore(&t->wq.lock, fl);
            if (!changed)
                poll_waiter_sleep(&w, deadline);
            fl = spin_lock_irqsave(&t->wq.lock);
            if (signal_pending_current()) {
                ret = -ERESTARTSYS;     /* nothing consumed yet: input stays queued */
                break;
            }
            continue;
        }
        int err = tty_sleep(t, &fl);
        if (err) {
            ret = err;                  /* nothing consumed: input stays queued */
            break;
        }
    }
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (hooked)
        poll_waiter_remove(&e);
    return ret;
}

static ssize_t tty_write(struct file *f, const void *buf, size_t n)
{
    struct tty *t = f->priv;
    if (__atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE))
        return -EIO;
    if (t->ready)
        output(t, buf, n, false);
    else if (t == &ttys[TTY_SERIAL])
        uart_write(buf, n);             /* before tty_init: straight to COM1 */
    struct process *p = proc_current();
    if (p)
        proc_console_record(p, buf, n);     /* what the proc KTESTs compare */
    return (ssize_t)n;
}

/* Caller holds t->wq.lock. */
static struct linux_winsize window_size(struct tty *t)
{
    struct linux_winsize ws = t->ws;
    uint32_t cols, rows;
    if (ws.ws_col == 0 && !t->ws_fixed) {
        ws = (struct linux_winsize){ 24, 80, 0, 0 };
        if (t->screen_size && t->screen_size(&cols, &rows))
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
    return tty_ioctl_on(f->priv, cmd, arg);
}

long tty_ioctl_on(struct tty *t, unsigned int cmd, uint64_t arg)
{
    void *u = (void *)arg;
    struct process *p = proc_current();
    unsigned long fl;
    switch (cmd) {
    case TCGETS: {
        fl = spin_lock_irqsave(&t->wq.lock);
        struct linux_termios tio = t->ld.termios;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return copy_to_user(u, &tio, sizeof(tio));
    }
    case TCSETS: case TCSETSW: case TCSETSF: {
        /* Output is written synchronously, so "after draining" is now. */
        struct linux_termios tio;
        if (copy_from_user(&tio, u, sizeof(tio)))
            return -EFAULT;
        fl = spin_lock_irqsave(&t->wq.lock);
        if (cmd == TCSETSF)
            tty_ldisc_flush_input(&t->ld);
        tty_ldisc_set_termios(&t->ld, &tio);
        spin_unlock_irqrestore(&t->wq.lock, fl);
        waitqueue_wake_all(&t->wq);        /* a mode change may make input readable */
        return 0;
    }
    case TCFLSH:
        if (arg > TCIOFLUSH)
            return -EINVAL;
        if (arg != TCOFLUSH) {
            fl = spin_lock_irqsave(&t->wq.lock);
            tty_ldisc_flush_input(&t->ld);
            spin_unlock_irqrestore(&t->wq.lock, fl);
        }
        return 0;
    case TIOCGWINSZ: {
        fl = spin_lock_irqsave(&t->wq.lock);
        struct linux_winsize ws = window_size(t);
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return copy_to_user(u, &ws, sizeof(ws));
    }
    case TIOCSWINSZ: {
        struct linux_winsize ws;
        if (copy_from_user(&ws, u, sizeof(ws)))
            return -EFAULT;
        /* As Linux: only a change is news; a full-screen program redraws on
         * every SIGWINCH. The current size counts, even when it follows the screen. */
        fl = spin_lock_irqsave(&t->wq.lock);
        struct linux_winsize old = window_size(t);
        t->ws = ws;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        if (memcmp(&old, &ws, sizeof(ws)))
            tty_signal_foreground(t, SIGWINCH);      /* SIGWINCH */
        return 0;
    }
    case TIOCGPGRP: {
        /* No session has claimed the console yet: the first asker's group is the
         * foreground one (the first process owns the console, as init's shell). */
        fl = spin_lock_irqsave(&t->wq.lock);
        if (t->pgrp == 0)
            t->pgrp = caller_pgid();
        int pgrp = t->pgrp;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return copy_to_user(u, &pgrp, sizeof(pgrp));
    }
    case TIOCSPGRP: {
        int pgrp;
        if (copy_from_user(&pgrp, u, sizeof(pgrp)))
            return -EFAULT;
        if (pgrp <= 0)
            return -EINVAL;
        fl = spin_lock_irqsave(&t->wq.lock);
        t->pgrp = pgrp;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return 0;
    }
    case TIOCGSID: {
        fl = spin_lock_irqsave(&t->wq.lock);
        int sid = t->sid;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        if (sid == 0)
            return -ENOTTY;
        return copy_to_user(u, &sid, sizeof(sid));
    }
    case TIOCSCTTY: {
        /* Linux's rules: a session leader without a controlling terminal takes a
         * free one; arg 1 (root, as everyone is here) steals it from another. */
        if (!p)
            return -EPERM;
        int sid = session_of(p);
        bool has_other = controls_other(sid, t);
        fl = spin_lock_irqsave(&t->wq.lock);
        int err = 0;
        if (t->sid == sid)
            err = 0;
        else if (p->pid != sid || has_other || (t->sid && arg != 1))
            err = -EPERM;
        else {
            t->sid = sid;
            t->pgrp = caller_pgid();
        }
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return err;
    }
    case TIOCNOTTY:
        fl = spin_lock_irqsave(&t->wq.lock);
        if (p && t->sid && t->sid == session_of(p))
            t->sid = t->pgrp = 0;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        return 0;
    case FIONREAD: {
        fl = spin_lock_irqsave(&t->wq.lock);
        int k = (int)tty_ldisc_available(&t->ld);
        spin_unlock_irqrestore(&t->wq.lock, fl);
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
    struct tty *t = f->priv;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    bool in = t->ready && tty_ldisc_poll_readable(&t->ld);
    bool hup = t->hung_up;
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (hup)
        return POLLIN | POLLOUT | POLLHUP;
    return (t->pty ? pty_slave_writable(t) : POLLOUT) | (in ? POLLIN : 0);
}

/* wq is woken when input becomes readable, on a signal character's flush and on a
 * termios change: every change that can make tty_poll's answer readable. */
static struct waitqueue *tty_poll_wq(struct file *f)
{
    return &((struct tty *)f->priv)->wq;
}

const struct file_ops tty_console_ops = {
    .open = tty_open, .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll,
    .poll_wq = tty_poll_wq, .release = tty_release,
    .is_tty = true,
};
