/* prctl(2): thread names, the parent-death signal, child subreapers, the dumpable
 * flag, no_new_privs and the timer slack, with Linux's argument checks (an unknown
 * option is -EINVAL). The parent-death signal itself is sent at thread exit
 * (proc.c calls the two functions at the end of this file). */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/proc.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

#define PR_SET_PDEATHSIG       1        /* linux/prctl.h */
#define PR_GET_PDEATHSIG       2
#define PR_GET_DUMPABLE        3
#define PR_SET_DUMPABLE        4
#define PR_SET_NAME            15
#define PR_GET_NAME            16
#define PR_GET_TIMERSLACK      30
#define PR_SET_TIMERSLACK      29
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_CAPBSET_READ        23
#define PR_CAPBSET_DROP        24
#define PR_SET_NO_NEW_PRIVS    38
#define PR_GET_NO_NEW_PRIVS    39
#define TIMER_SLACK_DEFAULT    50000    /* ns, Linux's default */
#define NSIG_MAX               64
#define TASK_COMM_LEN          16

/* A name is cut to 15 bytes, as in Linux; -EFAULT when unreadable. */
static long copy_name(char name[TASK_COMM_LEN], uint64_t uptr)
{
    long n = strncpy_from_user(name, (const char *)uptr, TASK_COMM_LEN);
    if (n == -EFAULT)
        return -EFAULT;
    if (n < 0) {
        if (copy_from_user(name, (const void *)uptr, TASK_COMM_LEN - 1))
            return -EFAULT;
    }
    name[TASK_COMM_LEN - 1] = 0;
    return 0;
}

/* The thread's name: the process's comm for the main thread (what
 * /proc/<pid>/comm shows), else the scheduler thread's own. */
static long set_name(struct uthread *u, uint64_t uptr)
{
    char name[TASK_COMM_LEN];
    long err = copy_name(name, uptr);
    if (err)
        return err;
    struct process *p = &u->proc->pub;
    if (u->tid == p->pid) {
        unsigned long f = proc_table_lock();    /* procfs copies comm under it */
        strlcpy(p->comm, name, sizeof(p->comm));
        proc_table_unlock(f);
    }
    strlcpy(u->thread->name, name, sizeof(u->thread->name));
    return 0;
}

static long get_name(struct uthread *u, uint64_t uptr)
{
    char name[TASK_COMM_LEN];
    memset(name, 0, sizeof(name));
    struct process *p = &u->proc->pub;
    strlcpy(name, u->tid == p->pid ? p->comm : u->thread->name, sizeof(name));
    return copy_to_user((void *)uptr, name, sizeof(name));
}

static long put_int(uint64_t uptr, int v)
{
    return copy_to_user((void *)uptr, &v, sizeof(v));
}

SYSCALL(prctl)
{
    struct uthread *u = proc_uthread();
    struct pcb *pc = u->proc;
    uint64_t a2 = args->a[1];
    switch (args->a[0]) {
    case PR_SET_PDEATHSIG:
        if (a2 > NSIG_MAX)
            return -EINVAL;
        __atomic_store_n(&pc->pdeath_sig, (int)a2, __ATOMIC_RELAXED);
        return 0;
    case PR_GET_PDEATHSIG:
        return put_int(a2, __atomic_load_n(&pc->pdeath_sig, __ATOMIC_RELAXED));
    case PR_GET_DUMPABLE:
        return pc->dumpable;
    case PR_SET_DUMPABLE:
        if (a2 > 1)
            return -EINVAL;
        pc->dumpable = a2;
        return 0;
    case PR_SET_NAME:
        return set_name(u, a2);
    case PR_GET_NAME:
        return get_name(u, a2);
    case PR_GET_TIMERSLACK:
        return (long)(pc->timer_slack_ns ? pc->timer_slack_ns : TIMER_SLACK_DEFAULT);
    case PR_SET_TIMERSLACK:
        pc->timer_slack_ns = a2;        /* 0: back to the default */
        return 0;
    case PR_SET_CHILD_SUBREAPER:
        pc->subreaper = a2 != 0;        /* read under the table lock */
        return 0;
    case PR_GET_CHILD_SUBREAPER:
        return put_int(a2, pc->subreaper);
    case PR_CAPBSET_READ:
        if (a2 > CAP_LAST_CAP)
            return -EINVAL;
        return (pc->pub.cap_bset >> a2) & 1;
    case PR_CAPBSET_DROP:
        if (a2 > CAP_LAST_CAP)
            return -EINVAL;
        if (!proc_capable(&pc->pub, CAP_SETPCAP))
            return -EPERM;
        pc->pub.cap_bset &= ~CAP_BIT(a2);
        return 0;
    case PR_SET_NO_NEW_PRIVS:
        if (a2 != 1 || args->a[2] || args->a[3] || args->a[4])
            return -EINVAL;
        pc->no_new_privs = true;        /* one way: nothing clears it */
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        if (a2 || args->a[2] || args->a[3] || args->a[4])
            return -EINVAL;
        return pc->no_new_privs;
    case PR_OSC_SET_ROLE:
        return home_core_set_role(pc, (int)a2);
    case PR_OSC_GET_ROLE:
        return __atomic_load_n(&pc->role, __ATOMIC_RELAXED);
    default:
        return -EINVAL;
    }
}

/* PR_SET_PDEATHSIG (Linux: on the death of the parent *thread*): the children that
 * thread tid of pc forked are marked for their signal and count from now on as
 * children of heir (a sibling thread, or after the last one the reaper's). Caller
 * holds proc_wq.lock; proc_pdeath_send_marked sends after it is dropped. */
void proc_pdeath_mark_locked(struct pcb *pc, int tid, int heir)
{
    for (struct pcb *c = proc_table_first(); c; c = c->next_all) {
        if (c->pub.parent != &pc->pub || c->parent_tid != tid || c->state != PROC_ALIVE)
            continue;
        c->parent_tid = heir;
        c->pdeath_pending = c->pdeath_sig != 0;
    }
}

/* Signal sending ranks below proc_wq.lock: a batch at a time, outside it. */
void proc_pdeath_send_marked(void)
{
    enum { BATCH = 16 };
    int n;
    do {
        int pids[BATCH], sigs[BATCH];
        n = 0;
        unsigned long f = proc_table_lock();
        for (struct pcb *c = proc_table_first(); c && n < BATCH; c = c->next_all)
            if (c->pdeath_pending) {
                c->pdeath_pending = false;
                pids[n] = c->pub.pid;
                sigs[n++] = c->pdeath_sig;
            }
        proc_table_unlock(f);
        for (int i = 0; i < n; i++)
            signal_send_process(pids[i], sigs[i], NULL);
    } while (n == BATCH);
}
