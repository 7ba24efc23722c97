/* Pending-signal queues: standard signals coalesce into one slot per number,
 * real-time signals queue one entry per send (from a fixed pool shared by every
 * process, Linux's per-user RLIMIT_SIGPENDING with everyone uid 0), and POSIX
 * timers bring their own entry. Also the siginfo_t user space sees. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/signal.h>
#include "proc_internal.h"

/* The pool, under signal_lock: free entries linked through next, built on first use. */
static struct sigqueue pool[SIGQUEUE_MAX];
static struct sigqueue *pool_free;
static bool pool_ready;

static struct sigqueue *pool_get(void)
{
    if (!pool_ready) {
        for (int i = 0; i < SIGQUEUE_MAX; i++) {
            pool[i].next = pool_free;
            pool_free = &pool[i];
        }
        pool_ready = true;
    }
    struct sigqueue *sq = pool_free;
    if (sq)
        pool_free = sq->next;
    return sq;
}

/* An entry leaves its queue for good: back to the pool, or back to its timer. */
static void entry_release(struct sigqueue *sq, struct ksiginfo *info)
{
    if (sq->timer) {
        ptimer_dequeued_locked(sq->timer, info);
        return;
    }
    sq->next = pool_free;
    pool_free = sq;
}

static void append(struct sigpending *q, struct sigqueue *sq)
{
    sq->next = NULL;
    if (q->tail)
        q->tail->next = sq;
    else
        q->head = sq;
    q->tail = sq;
    q->set |= SIGBIT(sq->info.signo);
}

int sigpending_add_locked(struct sigpending *q, int sig, const struct ksiginfo *info)
{
    uint64_t bit = SIGBIT(sig);
    if (sig >= SIGRTMIN) {
        struct sigqueue *sq = pool_get();
        if (sq) {
            sq->info = *info;
            sq->info.signo = sig;
            sq->timer = NULL;
            append(q, sq);
            return 0;
        }
        /* Linux drops a real-time signal it cannot queue, unless kill or the
         * kernel sent it: then it is pending without an entry (taken with a
         * bare SI_USER siginfo, or lost when entries of it are queued). */
        if (info->code != SI_USER && info->code != SI_KERNEL)
            return -EAGAIN;
        q->set |= bit;
        return 0;
    }
    if (!(q->single & bit)) {
        q->single |= bit;
        q->info[sig - 1] = *info;
    }
    q->set |= bit;
    return 0;
}

void sigpending_add_entry_locked(struct sigpending *q, struct sigqueue *sq)
{
    append(q, sq);
}

/* Clears sig's bit when nothing of it is left in q. */
static void recompute(struct sigpending *q, int sig)
{
    uint64_t bit = SIGBIT(sig);
    if (q->single & bit)
        return;
    for (struct sigqueue *sq = q->head; sq; sq = sq->next)
        if (sq->info.signo == sig)
            return;
    q->set &= ~bit;
}

/* Unlinks the entry after prev (NULL: the head). */
static void unlink_after(struct sigpending *q, struct sigqueue *prev, struct sigqueue *sq)
{
    if (prev)
        prev->next = sq->next;
    else
        q->head = sq->next;
    if (q->tail == sq)
        q->tail = prev;
    sq->next = NULL;
}

void sigpending_take_locked(struct sigpending *q, int sig, struct ksiginfo *info)
{
    for (struct sigqueue *prev = NULL, *sq = q->head; sq; prev = sq, sq = sq->next) {
        if (sq->info.signo != sig)
            continue;
        unlink_after(q, prev, sq);
        *info = sq->info;
        entry_release(sq, info);
        recompute(q, sig);
        return;
    }
    if (q->single & SIGBIT(sig)) {
        q->single &= ~SIGBIT(sig);
        *info = q->info[sig - 1];
    } else {
        *info = (struct ksiginfo){ .signo = sig, .code = SI_USER };
    }
    recompute(q, sig);
}

void sigpending_discard_locked(struct sigpending *q, uint64_t mask)
{
    if (!mask)
        mask = ~0ull;
    struct sigqueue *prev = NULL, *sq = q->head;
    while (sq) {
        struct sigqueue *next = sq->next;
        if (mask & SIGBIT(sq->info.signo)) {
            unlink_after(q, prev, sq);
            entry_release(sq, NULL);
        } else {
            prev = sq;
        }
        sq = next;
    }
    q->single &= ~mask;
    q->set &= ~mask;
}

void sigpending_unlink_locked(struct sigpending *q, struct sigqueue *sq)
{
    for (struct sigqueue *prev = NULL, *e = q->head; e; prev = e, e = e->next) {
        if (e == sq) {
            unlink_after(q, prev, sq);
            recompute(q, sq->info.signo);
            return;
        }
    }
}

void signal_siginfo_fill(struct linux_siginfo *out, const struct ksiginfo *k)
{
    memset(out, 0, sizeof(*out));
    out->si_signo = k->signo;
    out->si_code = k->code;
    if (k->code == SI_TIMER) {
        out->u.timer.tid = k->timerid;
        out->u.timer.overrun = k->overrun;
        out->u.timer.value = k->value;
    } else if (k->signo == SIGCHLD && k->code > 0) {
        out->u.chld.pid = k->pid;
        out->u.chld.uid = (uint32_t)k->uid;
        out->u.chld.status = k->status;
    } else if (k->code > 0 && k->code != SI_KERNEL) {
        out->u.fault.addr = k->addr;    /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
    } else {
        out->u.rt.pid = k->pid;
        out->u.rt.uid = (uint32_t)k->uid;
        out->u.rt.value = k->value;
    }
}
