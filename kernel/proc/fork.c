/* fork, vfork and clone: a new process with a copy-on-write copy of the caller's
 * address space, or a new thread in the caller's process (CLONE_THREAD), for the
 * flag sets musl and glibc use. The child starts from a copy of the caller's
 * register frame with RAX = 0. */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include <asm/user_regs.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

/* Linux include/uapi/linux/sched.h */
#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000
#define SIGCHLD              17

#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
                         CLONE_VFORK | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |   \
                         CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | \
                         CLONE_CHILD_SETTID)

/* Until the VFS shares descriptor tables between processes, a CLONE_FILES child
 * (never a thread: threads share their process's table) gets a copy. */
__attribute__((weak)) int vfs_proc_share_files(struct process *child,
                                               const struct process *parent)
{
    return vfs_proc_fork(child, parent);
}

/* What the child's first code needs: its register frame and the tid word to set. */
struct clone_start {
    struct user_regs regs;
    uint64_t child_settid;      /* 0: none */
    int tid;
};

static void fork_child_start(void *arg)
{
    struct clone_start *cs = arg;
    struct user_regs regs = cs->regs;
    /* CLONE_CHILD_SETTID is written by the child, in its own address space. */
    if (cs->child_settid)
        (void)copy_to_user((void *)cs->child_settid, &cs->tid, sizeof(cs->tid));
    kfree(cs);
    arch_enter_user(&regs);
}

/* Linux's rules for the flags combinations (kernel/fork.c copy_process). */
static int clone_check_flags(uint64_t flags)
{
    if (flags & ~(uint64_t)CLONE_SUPPORTED)
        return -EINVAL;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    /* Threads share the files and cwd of their process: one table per process. */
    if ((flags & CLONE_THREAD) && (flags & (CLONE_FILES | CLONE_FS)) != (CLONE_FILES | CLONE_FS))
        return -EINVAL;
    if ((flags & CLONE_THREAD) && (flags & CLONE_VFORK))
        return -EINVAL;
    return 0;
}

long proc_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid,
                uint64_t tls, const struct user_regs *regs)
{
    int err = clone_check_flags(flags);
    if (err) {
        log_debug("clone: unsupported flags %#lx", flags);
        return err;
    }
    if ((flags & CLONE_SETTLS) && tls >= USER_SPACE_END)
        return -EPERM;
    struct thread *cur = thread_current();
    struct uthread *pu = cur->uthread;
    struct pcb *parent = pu->proc;
    bool thread = flags & CLONE_THREAD;

    struct clone_start *cs = kzalloc(sizeof(*cs));
    struct uthread *u = uthread_alloc();
    struct pcb *pc = thread ? parent : kzalloc(sizeof(*pc));
    struct thread *t = thread_alloc(parent->pub.comm);
    struct mm_space *mm = NULL;
    err = -ENOMEM;
    if (!cs || !u || !pc || !t)
        goto fail;
    sched_thread_inherit_policy(t, cur);     /* home_core_fork may change it */
    if (!thread) {
        if (flags & CLONE_VM) {
            mm = parent->pub.mm;
            mm_get(mm);
        } else if (!(mm = mm_fork(parent->pub.mm))) {
            goto fail;
        }
        pc->pub = parent->pub;          /* ids, umask, comm; the rest is set below */
        pc->pub.proc_data = pc;
        pc->pub.mm = mm;
        pc->pub.files = NULL;
        pc->pub.cwd = pc->pub.root = NULL;
        pc->pub.parent = &parent->pub;
        pc->pub.sem_undo = NULL;        /* SEM_UNDO adjustments are not inherited */
        memcpy(pc->rlim, parent->rlim, sizeof(pc->rlim));
        pc->parent_tid = pu->tid;
        pc->dumpable = parent->dumpable;
        pc->no_new_privs = parent->no_new_privs;
        pc->timer_slack_ns = parent->timer_slack_ns;
        pc->vfork_pending = flags & CLONE_VFORK;
        home_core_fork(pc, parent, t);      /* before anyone can see the child */
        err = (flags & CLONE_FILES) ? vfs_proc_share_files(&pc->pub, &parent->pub)
                                    : vfs_proc_fork(&pc->pub, &parent->pub);
        if (err)
            goto fail;
    }

    /* The child's registers: the caller's, returning 0, on its own stack if given. */
    cs->regs = *regs;
    cs->regs.rax = 0;
    if (newsp)
        cs->regs.rsp = newsp;
    u->proc = pc;
    u->thread = t;
    u->mm = thread ? pu->mm : mm;
    mm_get(u->mm);
    u->fs_base = (flags & CLONE_SETTLS) ? tls : pu->fs_base;
    u->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;
    rseq_fork(u, pu, (flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM);
    if (flags & CLONE_CHILD_SETTID)
        cs->child_settid = child_tid;
    /* The FPU registers live in the CPU while we run: save them into the child's
     * area, over a clean header (XSAVE leaves XCOMP_BV and the reserved header bytes
     * alone, and XRSTOR faults on garbage there). */
    arch_fpu_init_area(uthread_fpu_area(u));
    unsigned long f = irq_save();
    arch_fpu_switch(uthread_fpu_area(u), NULL);
    irq_restore(f);

    f = proc_table_lock();
    /* RLIMIT_NPROC counts the tasks (threads) of the caller's real user; root (and
     * CAP_SYS_RESOURCE/CAP_SYS_ADMIN) is exempt, as in Linux. */
    bool exempt = parent->pub.uid == 0 || proc_privileged(&parent->pub);
    if ((!thread && proc_count_locked() >= PROC_MAX) ||
        (!exempt && proc_count_uid_locked(parent->pub.uid) >= parent->rlim[RLIMIT_NPROC][0])) {
        proc_table_unlock(f);
        err = -EAGAIN;
        if (thread)
            goto fail;                  /* pc is the caller's: its files stay */
        goto fail_files;
    }
    int tid = proc_alloc_pid_locked();
    if (!thread) {
        pc->pub.pid = tid;
        proc_link_locked(pc);
    }
    proc_thread_link_locked(pc, u);
    proc_table_unlock(f);
    u->tid = cs->tid = tid;

    if (flags & CLONE_PARENT_SETTID)
        (void)copy_to_user((void *)parent_tid, &tid, sizeof(tid));
    t->saved_sp = arch_thread_init_stack((void *)t->stack_top, fork_child_start, cs);
    if (!thread)
        signal_fork(pc, parent, u, pu);
    else
        u->sig.blocked = pu->sig.blocked;       /* a new thread inherits the mask */
    signal_thread_attach(pc, u, t);
    t->uthread = u;
    t->fpu_area = uthread_fpu_area(u);
    t->state = THREAD_BLOCKED;          /* not on any list yet */
    thread_detach(t);                   /* the reaper frees its stack after exit */
    log_debug("pid %d: clone %#lx -> %s %d", parent->pub.pid, flags,
              thread ? "thread" : "process", tid);
    sched_make_ready(t);

    if (flags & CLONE_VFORK) {
        /* The child borrows our address space (and stack) until it execs or exits. */
        f = proc_table_lock();
        while (pc->vfork_pending && !parent->group_exit)
            proc_table_sleep(&f);
        proc_table_unlock(f);
    }
    return tid;

fail_files:
    vfs_proc_exit(&pc->pub);
fail:
    if (mm)
        mm_put(mm);
    if (t)
        thread_free(t);
    if (!thread && pc) {
        home_core_exit(pc);
        kfree(pc);
    }
    uthread_free(u);
    kfree(cs);
    return err;
}

SYSCALL(fork)
{
    return proc_clone(SIGCHLD, 0, 0, 0, 0, args->regs);
}

SYSCALL(vfork)
{
    return proc_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, args->regs);
}

/* x86_64 argument order: flags, stack, parent_tid, child_tid, tls. */
SYSCALL(clone)
{
    return proc_clone(args->a[0], args->a[1], args->a[2], args->a[3], args->a[4], args->regs);
}

/* clone3(2): clone's operation with its arguments in a versioned struct (Linux
 * include/uapi/linux/sched.h); glibc's pthread_create tries it first. */
struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size;     /* version 1 */
    uint64_t cgroup;                    /* version 2 */
};
#define CLONE_ARGS_SIZE_VER0 64

SYSCALL(clone3)
{
    uint64_t uargs = args->a[0], size = args->a[1];
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    if (size > PAGE_SIZE)
        return -E2BIG;
    if (size < CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    if (copy_from_user(&ca, (void *)uargs, MIN(size, sizeof(ca))))
        return -EFAULT;
    /* A newer caller's struct: the fields we do not know must be zero. */
    for (uint64_t off = sizeof(ca); off < size; off += 8) {
        uint64_t word = 0;
        size_t n = MIN(size - off, (uint64_t)8);
        if (copy_from_user(&word, (void *)(uargs + off), n))
            return -EFAULT;
        if (word)
            return -E2BIG;
    }
    /* The exit signal has its own field; pidfds, chosen pids and cgroups are not
     * offered (CLONE_PIDFD etc. fall outside CLONE_SUPPORTED below). */
    if ((ca.flags & CSIGNAL) || ca.exit_signal > 64 || ca.set_tid || ca.set_tid_size ||
        ca.cgroup)
        return -EINVAL;
    if (!ca.stack != !ca.stack_size)
        return -EINVAL;
    uint64_t sp = ca.stack ? ca.stack + ca.stack_size : 0;
    return proc_clone(ca.flags | ca.exit_signal, sp, ca.parent_tid, ca.child_tid, ca.tls,
                      args->regs);
}
