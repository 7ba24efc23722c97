/* Processes: the process table, creating a process from an executable (proc_spawn),
 * exit into a zombie and wait, and the switch hook that gives each user thread its
 * address space and TLS base. One thread per process for now (clone comes next; the
 * mm refcount and the fd-table hooks are ready for it). */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/vfs.h>
#include <asm/user_regs.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

/* proc_wq.lock is the process table lock (rank 70, a wait queue's): it protects
 * all_procs, next_pid, every pcb's state, exit_status, next_all and pub.parent.
 * Exiting processes wake proc_wq; waiters re-check under the lock. Nothing is
 * allocated or freed while it is held (the heap ranks below it). */
static struct waitqueue proc_wq = {
    .lock = SPINLOCK_INIT("proc_table", 70),
};
static struct pcb *all_procs;
static int next_pid = 1;

struct uthread *proc_uthread(void)
{
    struct thread *t = thread_current();
    return t ? t->uthread : NULL;
}

struct process *proc_current(void)
{
    struct uthread *u = proc_uthread();
    return u ? &u->proc->pub : NULL;
}

const char *proc_signal_name(int sig)
{
    switch (sig) {
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    default: return "signal";
    }
}

void proc_thread_switch(struct thread *prev, struct thread *next)
{
    (void)prev;
    struct uthread *u = next->uthread;
    if (u) {
        mm_activate(u->proc->pub.mm);
        arch_set_user_fs(u->fs_base);
    } else {
        /* Kernel threads run on the kernel's tables: no CPU keeps a dead process's
         * tables loaded (LESSONS 6). */
        mm_activate(NULL);
    }
}

int proc_handle_page_fault(uint64_t addr, bool write, bool exec, bool present)
{
    struct process *p = proc_current();
    if (!p || !p->mm)
        return -EFAULT;
    return mm_fault(p->mm, addr, write, exec, present);
}

void proc_syscall_exit(struct user_regs *regs)
{
    signal_deliver(regs);
}

unsigned long proc_table_lock(void)
{
    return spin_lock_irqsave(&proc_wq.lock);
}

void proc_table_unlock(unsigned long flags)
{
    spin_unlock_irqrestore(&proc_wq.lock, flags);
}

struct pcb *proc_table_first(void)
{
    return all_procs;
}

void proc_wake_waiters(void)
{
    waitqueue_wake_all(&proc_wq);
}

void proc_console_record(struct process *p, const char *s, size_t n)
{
    struct pcb *pc = pcb_of(p);
    size_t have = MIN(pc->out_bytes, (size_t)PROC_CAPTURE_MAX - 1);
    size_t take = MIN(n, PROC_CAPTURE_MAX - 1 - have);
    memcpy(pc->out + have, s, take);
    pc->out_bytes += n;
}

/* The user thread's first code: a clean ring-3 frame at the executable's entry. The
 * switch that started it already loaded the address space, FS base and FPU state. */
static void proc_thread_start(void *arg)
{
    struct exec_image *img = arg;
    struct user_regs regs;
    arch_user_regs_init(&regs, img->entry, img->sp);
    kfree(img);
    arch_enter_user(&regs);
}

static struct uthread *uthread_alloc(void)
{
    struct uthread *u = kzalloc(sizeof(*u));
    if (!u)
        return NULL;
    u->fpu_raw = kmalloc(arch_fpu_area_size() + 64);
    if (!u->fpu_raw) {
        kfree(u);
        return NULL;
    }
    return u;
}

static void *uthread_fpu_area(struct uthread *u)
{
    return (void *)ALIGN_UP((uint64_t)u->fpu_raw, 64);
}

static void uthread_free(struct uthread *u)
{
    if (u)
        kfree(u->fpu_raw);
    kfree(u);
}

int proc_spawn(const char *path, const char *const argv[], const char *const envp[])
{
    struct pcb *pc = kzalloc(sizeof(*pc));
    struct uthread *u = uthread_alloc();
    struct exec_image *img = kzalloc(sizeof(*img));
    int err = -ENOMEM;
    if (!pc || !u || !img)
        goto fail;
    err = exec_load(path, argv, envp, img);
    if (err)
        goto fail;
    pc->pub.proc_data = pc;
    pc->pub.mm = img->mm;
    pc->pub.umask = 022;
    strlcpy(pc->pub.comm, img->comm, sizeof(pc->pub.comm));
    u->proc = pc;
    arch_fpu_init_area(uthread_fpu_area(u));
    struct thread *t = thread_alloc(img->comm);
    if (!t) {
        mm_put(img->mm);
        err = -ENOMEM;
        goto fail;
    }
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    pc->pub.pid = next_pid++;
    pc->pub.pgid = pc->pub.sid = pc->pub.pid;
    pc->state = PROC_ALIVE;
    pc->next_all = all_procs;
    all_procs = pc;
    spin_unlock_irqrestore(&proc_wq.lock, f);
    u->tid = pc->pub.pid;
    if (vfs_proc_init_console(&pc->pub))
        log_warn("pid %d: no console descriptors", pc->pub.pid);

    t->saved_sp = arch_thread_init_stack((void *)t->stack_top, proc_thread_start, img);
    signal_thread_attach(pc, u, t);
    t->uthread = u;
    t->fpu_area = uthread_fpu_area(u);
    t->state = THREAD_BLOCKED;          /* not on any list yet */
    thread_detach(t);                   /* the reaper frees its stack after exit */
    int pid = pc->pub.pid;
    log_debug("pid %d: %s", pid, path);
    sched_make_ready(t);
    return pid;
fail:
    kfree(img);
    uthread_free(u);
    kfree(pc);
    return err;
}

__noreturn void proc_exit_current(int status)
{
    struct thread *t = thread_current();
    struct uthread *u = t->uthread;
    struct pcb *pc = u->proc;
    signal_thread_exit(u);      /* no signal targets this thread from here on */
    vfs_proc_exit(&pc->pub);
    /* Off the process's tables before dropping them. */
    struct mm_space *mm = pc->pub.mm;
    unsigned long f = irq_save();
    t->uthread = NULL;
    t->fpu_area = NULL;
    mm_activate(NULL);
    pc->pub.mm = NULL;
    irq_restore(f);
    mm_put(mm);
    uthread_free(u);

    signal_notify_parent_exit(pc, status);
    f = spin_lock_irqsave(&proc_wq.lock);
    for (struct pcb *c = all_procs; c; c = c->next_all)
        if (c->pub.parent == &pc->pub)
            c->pub.parent = NULL;       /* orphans: reaped by nobody yet (no init) */
    pc->exit_status = status;
    pc->state = PROC_ZOMBIE;
    waitqueue_wake_locked(&proc_wq, -1);
    spin_unlock_irqrestore(&proc_wq.lock, f);
    thread_exit();
}

/* Finds a zombie matching (parent, pid) and unlinks it; *any_match tells whether some
 * process matched at all. Caller holds proc_wq.lock. */
static struct pcb *zombie_take_locked(struct process *parent, int pid, bool *any_match)
{
    *any_match = false;
    for (struct pcb **pp = &all_procs; *pp; pp = &(*pp)->next_all) {
        struct pcb *c = *pp;
        if (c->pub.parent != parent || (pid > 0 && c->pub.pid != pid))
            continue;
        *any_match = true;
        if (c->state == PROC_ZOMBIE) {
            *pp = c->next_all;
            return c;
        }
    }
    return NULL;
}

/* Waits for a child of parent (NULL: processes the kernel spawned); pid -1 = any.
 * Returns the pid reaped, 0 (nohang, none yet) or -ECHILD; *zombie is handed over. */
static int wait_child(struct process *parent, int pid, bool nohang, struct pcb **zombie)
{
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    bool interrupted = false;
    for (;;) {
        bool any;
        struct pcb *z = zombie_take_locked(parent, pid, &any);
        if (z) {
            spin_unlock_irqrestore(&proc_wq.lock, f);
            *zombie = z;
            return z->pub.pid;
        }
        if (!any || nohang) {
            spin_unlock_irqrestore(&proc_wq.lock, f);
            return any ? 0 : -ECHILD;
        }
        /* A user caller's wait ends with a signal (after one more look for a
         * zombie: a child's exit sends SIGCHLD and wakes us together). */
        if (interrupted) {
            spin_unlock_irqrestore(&proc_wq.lock, f);
            return -ERESTARTSYS;
        }
        if (parent)
            interrupted = waitqueue_sleep_interruptible_locked(&proc_wq, &f) != 0;
        else
            waitqueue_sleep_locked(&proc_wq, &f);
    }
}

int proc_wait(int pid, int *status, char *output, size_t output_size)
{
    struct pcb *z;
    int r = wait_child(NULL, pid, false, &z);
    if (r <= 0)
        return r ? r : -ECHILD;
    if (status)
        *status = z->exit_status;
    if (output && output_size) {
        size_t n = MIN(MIN(z->out_bytes, (size_t)PROC_CAPTURE_MAX - 1), output_size - 1);
        memcpy(output, z->out, n);
        output[n] = 0;
    }
    kfree(z);
    return 0;
}

/* ---- system calls ---- */
#include <osc/syscall.h>
#include <osc/uaccess.h>

#define WNOHANG 1

SYSCALL(exit)
{
    proc_exit_current(PROC_STATUS_EXITED((int)args->a[0]));
}

SYSCALL(exit_group)
{
    proc_exit_current(PROC_STATUS_EXITED((int)args->a[0]));
}

SYSCALL(wait4)
{
    int pid = (int)args->a[0];
    if (pid == 0 || pid < -1)
        pid = -1;       /* process groups: not yet, any child */
    struct pcb *z;
    int r = wait_child(proc_current(), pid, args->a[2] & WNOHANG, &z);
    if (r <= 0)
        return r;
    int status = z->exit_status;
    kfree(z);
    if (args->a[1] && copy_to_user((void *)args->a[1], &status, sizeof(status)))
        return -EFAULT;
    return r;
}

SYSCALL(getpid) { (void)args; return proc_current()->pid; }
SYSCALL(gettid) { (void)args; return proc_uthread()->tid; }

SYSCALL(getppid)
{
    (void)args;
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    struct process *parent = proc_current()->parent;
    int ppid = parent ? parent->pid : 0;
    spin_unlock_irqrestore(&proc_wq.lock, f);
    return ppid;
}

SYSCALL(set_tid_address)
{
    struct uthread *u = proc_uthread();
    u->clear_child_tid = args->a[0];
    return u->tid;
}

SYSCALL(set_robust_list)
{
    struct uthread *u = proc_uthread();
    if (args->a[1] != 24)       /* sizeof(struct robust_list_head) */
        return -EINVAL;
    u->robust_list = args->a[0];
    u->robust_len = args->a[1];
    return 0;
}

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

SYSCALL(arch_prctl)
{
    struct uthread *u = proc_uthread();
    switch (args->a[0]) {
    case ARCH_SET_FS:
        if (args->a[1] >= USER_SPACE_END)
            return -EPERM;
        u->fs_base = args->a[1];
        arch_set_user_fs(u->fs_base);
        return 0;
    case ARCH_GET_FS:
        return copy_to_user((void *)args->a[1], &u->fs_base, sizeof(u->fs_base));
    default:
        return -EINVAL;
    }
}
