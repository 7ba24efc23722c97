/* Synchronous signal acceptance and queued sending: rt_sigtimedwait (sigwait,
 * sigwaitinfo, sigtimedwait) takes a signal of a set off the queues instead of
 * running its handler; rt_sigqueueinfo and rt_tgsigqueueinfo (sigqueue) send a
 * signal with the caller's siginfo, si_value included. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

#define NS_PER_SEC   1000000000ull

/* The deadline (time_ns) of a relative struct timespec at uts; 0 or -errno. */
static int deadline_from_user(uint64_t uts, uint64_t *deadline)
{
    int64_t ts[2];
    if (copy_from_user(ts, (const void *)uts, sizeof(ts)))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS_PER_SEC)
        return -EINVAL;
    uint64_t now = time_ns();
    uint64_t ns = (uint64_t)ts[0] > (UINT64_MAX - now) / NS_PER_SEC - 1
                  ? UINT64_MAX - now : (uint64_t)ts[0] * NS_PER_SEC + (uint64_t)ts[1];
    *deadline = now + ns;
    return 0;
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize). While it sleeps the set is
 * unblocked (the caller's mask saved in real_blocked, as Linux does), so a signal
 * of the set wakes this thread and is chosen for it; it is then dequeued here,
 * never delivered to a handler. A signal outside the set that this thread may
 * take ends the wait with EINTR (whatever SA_RESTART says, as in Linux). */
SYSCALL(rt_sigtimedwait)
{
    if (args->a[3] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)args->a[0], sizeof(set)))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    uint64_t deadline = UINT64_MAX;
    if (args->a[2]) {
        int err = deadline_from_user(args->a[2], &deadline);
        if (err)
            return err;
    }
    struct uthread *u = proc_uthread();
    struct ksiginfo info;
    bool interrupted = false;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    int sig = signal_dequeue_locked(u, set, &info);
    if (!sig && time_ns() < deadline) {
        u->sig.real_blocked = u->sig.blocked;
        u->sig.blocked &= ~set;
        /* A wake-up with nothing left (another thread took the signal) sleeps on. */
        while (!signal_pending_current() && time_ns() < deadline)
            thread_sleep_until_locked(&signal_lock, deadline);
        u->sig.blocked = u->sig.real_blocked;
        u->sig.real_blocked = 0;
        sig = signal_dequeue_locked(u, set, &info);
        interrupted = !sig && signal_pending_current();
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (!sig)
        return interrupted ? -EINTR : -EAGAIN;
    if (args->a[1]) {
        struct linux_siginfo si;
        signal_siginfo_fill(&si, &info);
        if (copy_to_user((void *)args->a[1], &si, sizeof(si)))
            return -EFAULT;             /* the signal is consumed, as in Linux */
    }
    return sig;
}

/* The sender's siginfo: si_code and the rt fields (pid, uid, value; a timer's id,
 * overrun and value for SI_TIMER). Sending anyone else a siginfo that claims to
 * come from kill or the kernel (si_code >= 0) or from tkill is refused (Linux). */
static int siginfo_from_user(uint64_t uinfo, int sig, int target_tgid, struct ksiginfo *k)
{
    struct linux_siginfo si;
    if (copy_from_user(&si, (const void *)uinfo, sizeof(si)))
        return -EFAULT;
    if ((si.si_code >= 0 || si.si_code == SI_TKILL) && target_tgid != proc_current()->pid)
        return -EPERM;
    *k = (struct ksiginfo){ .signo = sig, .code = si.si_code };
    if (si.si_code == SI_TIMER) {
        k->timerid = si.u.timer.tid;
        k->overrun = si.u.timer.overrun;
        k->value = si.u.timer.value;
    } else {
        k->pid = si.u.rt.pid;
        k->uid = (int)si.u.rt.uid;
        k->value = si.u.rt.value;
    }
    return 0;
}

SYSCALL(rt_sigqueueinfo)
{
    int pid = (int)args->a[0], sig = (int)args->a[1];
    struct ksiginfo k;
    int err = siginfo_from_user(args->a[2], sig, pid, &k);
    if (err)
        return err;
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (pid <= 0)
        return -ESRCH;
    return signal_send_process(pid, sig, &k);
}

SYSCALL(rt_tgsigqueueinfo)
{
    int tgid = (int)args->a[0], tid = (int)args->a[1], sig = (int)args->a[2];
    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    struct ksiginfo k;
    int err = siginfo_from_user(args->a[3], sig, tgid, &k);
    if (err)
        return err;
    return signal_send_tgkill(tgid, tid, sig, &k);
}

/* ---- signalfd's view of the queues (kernel/fs/signalfd.c) ----
 * One queue for every signalfd: woken at each generation while one exists. The
 * wakes of other processes' signals are spurious for a reader; it looks again. */
struct waitqueue signal_fd_wq = { .lock = SPINLOCK_INIT("waitqueue", 70) };
static int signal_fds;                  /* atomic: signalfds open */

void signal_fd_count(int delta)
{
    __atomic_add_fetch(&signal_fds, delta, __ATOMIC_RELAXED);
}

void signal_fd_notify_locked(void)
{
    if (__atomic_load_n(&signal_fds, __ATOMIC_RELAXED))
        waitqueue_wake_all(&signal_fd_wq);
}

int signal_fd_dequeue(uint64_t mask, struct ksiginfo *info)
{
    struct uthread *u = proc_uthread();
    if (!u)
        return 0;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    int sig = signal_dequeue_locked(u, mask & ~UNBLOCKABLE, info);
    spin_unlock_irqrestore(&signal_lock, f);
    return sig;
}

bool signal_fd_pending(uint64_t mask)
{
    struct uthread *u = proc_uthread();
    if (!u)
        return false;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    bool r = ((u->sig.pending.set | u->proc->sig.shared.set) & mask & ~UNBLOCKABLE) != 0;
    spin_unlock_irqrestore(&signal_lock, f);
    return r;
}
