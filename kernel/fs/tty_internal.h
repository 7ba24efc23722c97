/* What tty.c (the terminals) and pty.c (pseudo-terminal masters) share: the
 * terminal itself, the table of terminals a session can control, and the slave
 * side's hooks into its master. */
#pragma once

#include <osc/sched.h>
#include <osc/tty.h>
#include <osc/vfs.h>

#define PTY_MAX 64              /* pty pairs at once */
#define PTY_SLAVE_MAJOR 136     /* /dev/pts/N: Linux's UNIX98_PTY_SLAVE_MAJOR */

/* One terminal: its line discipline, its sessions and its screen. wq.lock (rank
 * 70, `waitqueue`) guards ld, pgrp, sid, ws and hung_up; readers sleep on wq and
 * are woken when input becomes readable. rx_wq.lock (rank 70, never nested with
 * wq.lock) guards the receive ring a console's interrupt side fills; the console's
 * worker thread sleeps on rx_wq and runs each byte through the line discipline. */
#define TTY_RX_RING 1024
struct tty {
    const char *name;
    /* Post-processed output; echo says it is the line discipline's echo of input
     * (a pty drops echo that does not fit rather than wait). */
    void (*emit)(struct tty *t, const char *s, size_t n, bool echo);
    bool (*screen_size)(uint32_t *cols, uint32_t *rows);   /* NULL: 80x24 */
    struct waitqueue wq;
    struct tty_ldisc ld;
    int pgrp, sid;              /* foreground process group, session (0: none yet) */
    struct linux_winsize ws;    /* set by TIOCSWINSZ; ws_col 0: follow the screen */
    bool ws_fixed;              /* ptys: ws is the size, even 0x0 (as Linux) */
    bool hung_up;               /* a pty slave whose master closed: EOF, EIO on write */
    struct waitqueue rx_wq;
    uint8_t rx_ring[TTY_RX_RING];
    uint32_t rx_head, rx_tail;
    bool ready;                 /* tty_init started its worker (ptys: always) */
    /* Held for one write call's whole output (mutex `tty_out`, rank 45): writes from
     * different CPUs come out one after the other, never mixed within a call. */
    struct mutex out_lock;
    char echo_buf[TTY_ECHO_MAX];        /* the one input feeder's (worker or master) */
    /* ptys: the pair (pty.c's), its number and references (under `tty_table`: the
     * master's one and one per open slave file). */
    void *pty;
    int pty_index;
    int refs;
};

/* Runs one input byte through t's line discipline: echo, signals, waking readers. */
void tty_input(struct tty *t, uint8_t c);
long tty_ioctl_on(struct tty *t, unsigned int cmd, uint64_t arg);
/* The table: a new pty's slot (its number, refs = 1) or -ENOSPC; a referenced pty
 * by number (NULL if none); dropping a reference (the last frees through pty_free). */
int tty_table_add_pty(struct tty *t);
struct tty *tty_table_get_pty(int n);
void tty_put(struct tty *t);

/* pty.c: a slave file opened (-EIO while locked or hung up) and closed; POLLOUT
 * when the master's buffer has room; freeing the pair after the last reference. */
int pty_slave_opened(struct tty *t);
void pty_slave_closed(struct tty *t);
int pty_slave_writable(struct tty *t);
void pty_free(struct tty *t);
