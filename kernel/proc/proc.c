/* Processes: the process table, creating a process from an executable (proc_spawn),
 * thread and process exit into a zombie, reparenting of orphans, wait4/waitid, and
 * the switch hook that gives each user thread its address space and TLS base.
 * fork/clone live in fork.c, process groups in pgrp.c. */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/errno.h>
#include <osc/ipc.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/tty.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include <asm/user_regs.h>
#include "../sched/sched_internal.h"
#include <osc/time.h>
#include "proc_internal.h"

/* proc_wq.lock is the process table lock (rank 70, a wait queue's): it protects
 * all_procs, next_pid, every pcb's state, exit_status, next_all, pub.parent,
 * pub.pgid/sid and the thread/lifecycle fields of struct pcb.
 * Exiting processes wake proc_wq; waiters re-check under the lock. Nothing is
 * allocated or freed while it is held (the heap ranks below it). */
static struct waitqueue proc_wq = {
    .lock = SPINLOCK_INIT("proc_table", 70),
};
static struct pcb *all_procs;
static int next_pid = 2;        /* pid 1 is kept for /sbin/init (proc_spawn_init) */

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
        mm_activate(u->mm);
        arch_set_user_fs(u->fs_base);
        rseq_switch_in(u);
    } else {
        /* Kernel threads run on the kernel's tables: no CPU keeps a dead process's
         * tables loaded (LESSONS 6). */
        mm_activate(NULL);
    }
}

/* Faults go to the tables this thread has loaded (u->mm): an exiting thread that
 * has left them (NULL) gets -EFAULT rather than a page mapped where it cannot
 * see it, faulting forever. */
int proc_handle_page_fault(uint64_t addr, bool write, bool exec, bool present)
{
    struct uthread *u = proc_uthread();
    if (!u || !u->mm)
        return -EFAULT;
    int err = mm_fault(u->mm, addr, write, exec, present);
    if (!err)
        u->minflt++;            /* getrusage: no fault reads a disk (majflt) */
    return err;
}

/* A thread of a process that is going away (exit_group, fatal fault in a sibling)
 * or exec'ing in another thread leaves at its next return to ring 3. */
static bool proc_thread_must_go(struct uthread *u)
{
    struct uthread *exec = __atomic_load_n(&u->proc->exec_thread, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&u->proc->group_exit, __ATOMIC_ACQUIRE) || (exec && exec != u);
}

static void proc_check_group_exit(void)
{
    struct uthread *u = proc_uthread();
    if (u && proc_thread_must_go(u)) {
        irq_enable();
        proc_thread_exit(0, false);
    }
}

void proc_syscall_exit(struct user_regs *regs)
{
    sched_preempt_point();
    proc_check_group_exit();
    rseq_return_user(&regs->rip);       /* before a signal frame saves rip */
    signal_deliver(regs);
}

void proc_irq_return_user(uint64_t *rip)
{
    proc_check_group_exit();
    rseq_return_user(rip);
}

unsigned long proc_table_lock(void) { return spin_lock_irqsave(&proc_wq.lock); }
void proc_table_unlock(unsigned long flags) { spin_unlock_irqrestore(&proc_wq.lock, flags); }
void proc_table_sleep(unsigned long *f) { waitqueue_sleep_locked(&proc_wq, f); }
struct pcb *proc_table_first(void) { return all_procs; }
void proc_wake_waiters(void) { waitqueue_wake_all(&proc_wq); }

struct pcb *proc_find_locked(int pid)
{
    for (struct pcb *c = all_procs; c; c = c->next_all)
        if (c->pub.pid == pid)
            return c;
    return NULL;
}

struct uthread *proc_find_thread_locked(int tid)
{
    for (struct pcb *c = all_procs; c; c = c->next_all)
        for (struct uthread *u = c->threads; u; u = u->next_thread)
            if (u->tid == tid)
                return u;
    return NULL;
}

bool proc_tid_alive(int tid)
{
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    bool alive = proc_find_thread_locked(tid) != NULL;
    spin_unlock_irqrestore(&proc_wq.lock, f);
    return alive;
}

int proc_count_locked(void)
{
    int n = 0;
    for (struct pcb *c = all_procs; c; c = c->next_all)
        n++;
    return n;
}

uint64_t proc_count_uid_locked(uint32_t uid)
{
    uint64_t n = 0;
    for (struct pcb *c = all_procs; c; c = c->next_all)
        if (c->state == PROC_ALIVE && c->pub.uid == uid)
            n += (uint64_t)c->nthreads;
    return n;
}

/* Pids and tids come from one space, as in Linux. Skips ids still in use after the
 * counter wraps. (Thread ids are not in all_procs: a reused tid is possible after
 * 2^31 ids.) */
int proc_alloc_pid_locked(void)
{
    for (;;) {
        int id = next_pid++;
        if (next_pid <= 0)
            next_pid = 2;
        if (!proc_find_locked(id))
            return id;
    }
}

void proc_link_locked(struct pcb *pc)
{
    pc->state = PROC_ALIVE;
    pc->start_ns = time_ns();
    pc->next_all = all_procs;
    all_procs = pc;
}

void proc_thread_link_locked(struct pcb *pc, struct uthread *u)
{
    u->next_thread = pc->threads;
    pc->threads = u;
    pc->nthreads++;
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

struct uthread *uthread_alloc(void)
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

void *uthread_fpu_area(struct uthread *u)
{
    return (void *)ALIGN_UP((uint64_t)u->fpu_raw, 64);
}

/* A thread that never ran (clone failed) drops its mm here; an exiting one has
 * already (proc_thread_exit). */
void uthread_free(struct uthread *u)
{
    if (!u)
        return;
    mm_put(u->mm);
    kfree(u->fpu_raw);
    kfree(u);
}

static int spawn(const char *path, const char *const argv[], const char *const envp[],
                 bool as_init);

int proc_spawn(const char *path, const char *const argv[], const char *const envp[])
{
    return spawn(path, argv, envp, false);
}

int proc_spawn_init(const char *path, const char *const argv[], const char *const envp[])
{
    return spawn(path, argv, envp, true);
}

static int spawn(const char *path, const char *const argv[], const char *const envp[],
                 bool as_init)
{
    struct pcb *pc = kzalloc(sizeof(*pc));
    struct uthread *u = uthread_alloc();
    struct exec_image *img = kzalloc(sizeof(*img));
    int err = -ENOMEM;
    if (!pc || !u || !img)
        goto fail;
    home_core_init(pc);
    err = exec_load(NULL, path, argv, envp, img);
    if (err)
        goto fail;
    pc->pub.proc_data = pc;
    pc->pub.mm = img->mm;
    mm_get(img->mm);
    u->mm = img->mm;
    pc->pub.umask = 022;
    proc_creds_init_root(&pc->pub);
    strlcpy(pc->pub.comm, img->comm, sizeof(pc->pub.comm));
    proc_set_exec_info(&pc->pub, img->exe, argv);  /* not linked yet: no reader races */
    u->proc = pc;
    arch_fpu_init_area(uthread_fpu_area(u));
    struct thread *t = thread_alloc(img->comm);
    if (!t) {
        mm_put(img->mm);
        err = -ENOMEM;
        goto fail;
    }
    proc_rlimit_init(pc);
    pc->dumpable = true;
    u->thread = t;
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    pc->pub.pid = as_init && !proc_find_locked(1) ? 1 : proc_alloc_pid_locked();
    pc->pub.pgid = pc->pub.sid = pc->pub.pid;
    proc_link_locked(pc);
    proc_thread_link_locked(pc, u);
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
    proc_thread_exit(status, true);
}

void proc_vfork_release(struct pcb *pc)
{
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    if (pc->vfork_pending) {
        pc->vfork_pending = false;
        waitqueue_wake_locked(&proc_wq, -1);
    }
    spin_unlock_irqrestore(&proc_wq.lock, f);
}

/* Frees a reaped zombie, unless its exit is still sending SIGCHLD (then that
 * exit frees it when done). */
static void zombie_free(struct pcb *c)
{
    if (!c)
        return;
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    bool later = c->notifying;
    if (later)
        c->free_when_notified = true;
    spin_unlock_irqrestore(&proc_wq.lock, f);
    if (!later)
        kfree(c);
}

/* Who adopts the children of dying: the nearest living subreaper above it, else
 * PID 1, else nobody (the kernel reaps them). Caller holds proc_wq.lock. */
static struct pcb *reaper_for_locked(struct pcb *dying)
{
    for (struct process *a = dying->pub.parent; a; a = a->parent)
        if (pcb_of(a)->subreaper && pcb_of(a)->state == PROC_ALIVE)
            return pcb_of(a);
    struct pcb *init = proc_find_locked(1);
    return init && init != dying && init->state == PROC_ALIVE ? init : NULL;
}

/* Unlinks pc from all_procs. Caller holds proc_wq.lock. */
static void unlink_locked(struct pcb *pc)
{
    for (struct pcb **pp = &all_procs; *pp; pp = &(*pp)->next_all)
        if (*pp == pc) {
            *pp = pc->next_all;
            return;
        }
}

/* The last thread of pc leaves: files and address space go, children are adopted,
 * pc becomes a zombie for its parent (or is freed when nobody will wait). */
static __noreturn void proc_finish(struct thread *t, struct uthread *u, struct pcb *pc)
{
    int tid = u->tid;                   /* u is freed below */
    if (pc->pub.sid == pc->pub.pid)
        tty_session_end(pc->pub.sid);   /* its terminal is free for the next session */
    ipc_proc_exit(&pc->pub);            /* SEM_UNDO; shm attaches go with the mm */
    home_core_exit(pc);
    vfs_proc_exit(&pc->pub);
    /* Off the process's tables before dropping them. */
    struct mm_space *mm = pc->pub.mm;
    proc_usage_note_mm(pc, mm);
    /* Under the table lock: getrusage and procfs read pub.mm under it. */
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    t->uthread = NULL;
    t->fpu_area = NULL;
    mm_activate(NULL);
    pc->pub.mm = NULL;
    spin_unlock_irqrestore(&proc_wq.lock, f);
    mm_put(mm);
    uthread_free(u);

    struct pcb *to_free = NULL;         /* freed after the lock: nothing is under it */
    f = spin_lock_irqsave(&proc_wq.lock);
    pc->vfork_pending = false;
    struct pcb *reaper = reaper_for_locked(pc);
    /* Adopted first, then signalled, as in Linux: the handler's getppid sees the
     * reaper. */
    proc_pdeath_mark_locked(pc, tid, reaper ? reaper->pub.pid : 0);
    for (struct pcb *c = all_procs, *next; c; c = next) {
        next = c->next_all;
        if (c->pub.parent != &pc->pub)
            continue;
        c->pub.parent = reaper ? &reaper->pub : NULL;
        if (!reaper) {
            c->autoreap = true;
            if (c->state == PROC_ZOMBIE) {
                unlink_locked(c);
                c->next_all = to_free;
                to_free = c;
            }
        }
    }
    /* The zombie and its SIGCHLD appear together, as under Linux's tasklist lock:
     * a wait that meets the zombie while `notifying` waits for the signal to be
     * sent (so sigtimedwait after waitid finds it), and a parent whose handler
     * then calls waitpid(WNOHANG) finds the zombie (busybox ash's `wait` hung when
     * the signal came first). */
    pc->state = PROC_ZOMBIE;
    bool notify = pc->pub.parent != NULL;
    pc->notifying = notify;
    if (!pc->pub.parent && pc->autoreap) {
        unlink_locked(pc);
        pc->next_all = to_free;
        to_free = pc;
    }
    waitqueue_wake_locked(&proc_wq, -1);
    spin_unlock_irqrestore(&proc_wq.lock, f);
    if (notify) {
        signal_notify_parent_exit(pc, pc->exit_status);     /* the last thread: stable */
        f = spin_lock_irqsave(&proc_wq.lock);
        pc->notifying = false;
        waitqueue_wake_locked(&proc_wq, -1);    /* waits that met it notifying */
        bool reaped = pc->free_when_notified;
        spin_unlock_irqrestore(&proc_wq.lock, f);
        if (reaped)
            kfree(pc);
    }
    proc_pdeath_send_marked();
    while (to_free) {
        struct pcb *n = to_free->next_all;
        zombie_free(to_free);
        to_free = n;
    }
    thread_exit();
}

/* Sends SIGKILL to every other thread of pc not sent one yet, outside proc_wq.lock
 * (signal sending ranks below it): sleepers wake, and each thread dies at its
 * return to ring 3. */
static void kick_siblings(struct pcb *pc, struct uthread *self)
{
    for (;;) {
        int tid = 0;
        unsigned long f = spin_lock_irqsave(&proc_wq.lock);
        for (struct uthread *o = pc->threads; o && !tid; o = o->next_thread)
            if (o != self && !o->kicked) {
                o->kicked = true;
                tid = o->tid;
            }
        spin_unlock_irqrestore(&proc_wq.lock, f);
        if (!tid)
            return;
        signal_send_thread(tid, SIGKILL, NULL);
    }
}

__noreturn void proc_thread_exit(int status, bool group)
{
    struct thread *t = thread_current();
    struct uthread *u = t->uthread;
    struct pcb *pc = u->proc;
    signal_thread_exit(u);      /* no signal targets this thread from here on */
    /* Robust locks it still holds: their next locker gets EOWNERDEAD (before the
     * tid word is cleared, as Linux orders it). */
    futex_exit_robust_list(u);
    /* CLONE_CHILD_CLEARTID / set_tid_address: pthread_join waits on this word. */
    if (u->clear_child_tid) {
        uint32_t zero = 0;
        if (!copy_to_user((void *)u->clear_child_tid, &zero, sizeof(zero)))
            futex_wake_addr(pc->pub.mm, u->clear_child_tid, 1);
    }
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    /* A thread an exec is ending goes alone, whatever killed it. */
    if (pc->exec_thread && pc->exec_thread != u)
        group = false;
    bool kick = false;
    if (group && !pc->group_exit) {
        pc->exit_status = status;
        __atomic_store_n(&pc->group_exit, true, __ATOMIC_RELEASE);
        waitqueue_wake_locked(&proc_wq, -1);    /* siblings in wait4, vfork, exec */
        kick = true;
    } else if (!pc->group_exit) {
        pc->exit_status = status;       /* the last thread's exit code counts */
    }
    spin_unlock_irqrestore(&proc_wq.lock, f);
    if (kick)
        kick_siblings(pc, u);
    /* Off the address space (nothing below touches user memory) before the count
     * drops: when the last thread sees it reach 0, every other thread has left
     * the tables and let go of its reference, so the mm goes in proc_finish,
     * before the parent can reap the process (as on Linux), with no CPU on it. */
    f = irq_save();
    struct mm_space *mm = u->mm;
    u->mm = NULL;               /* a switch back in loads the kernel's tables */
    mm_activate(NULL);
    irq_restore(f);
    mm_put(mm);
    f = spin_lock_irqsave(&proc_wq.lock);
    proc_cputime_thread_exit_locked(pc, u);
    proc_usage_thread_exit_locked(pc, u);
    for (struct uthread **pp = &pc->threads; *pp; pp = &(*pp)->next_thread)
        if (*pp == u) {
            *pp = u->next_thread;
            break;
        }
    bool last = --pc->nthreads == 0;
    if (!last) {
        waitqueue_wake_locked(&proc_wq, -1);    /* an exec waits for the count */
        proc_pdeath_mark_locked(pc, u->tid, pc->threads->tid);
        /* From the unlock on, the last thread may finish pc on another CPU and
         * its parent reap it, freeing pc and the address space: this thread lets
         * go of both first (a switch back to it must not load pc's tables). */
        t->uthread = NULL;
        t->fpu_area = NULL;
        mm_activate(NULL);
    }
    spin_unlock_irqrestore(&proc_wq.lock, f);
    futex_exit_pi(u->tid);      /* off the table: PI lockers now see it gone */
    if (last)
        proc_finish(t, u, pc);
    proc_pdeath_send_marked();
    uthread_free(u);
    thread_exit();
}

int proc_exec_single_thread(void)
{
    struct uthread *u = proc_uthread();
    struct pcb *pc = u->proc;
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    if (pc->exec_thread || pc->group_exit) {
        spin_unlock_irqrestore(&proc_wq.lock, f);
        return -EINTR;          /* another thread got there first: we are going */
    }
    bool alone = pc->nthreads == 1;
    if (!alone)
        __atomic_store_n(&pc->exec_thread, u, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&proc_wq.lock, f);
    if (alone)
        return 0;
    kick_siblings(pc, u);
    f = spin_lock_irqsave(&proc_wq.lock);
    while (pc->nthreads > 1 && !pc->group_exit)
        waitqueue_sleep_locked(&proc_wq, &f);
    int err = pc->group_exit ? -EINTR : 0;
    __atomic_store_n(&pc->exec_thread, NULL, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&proc_wq.lock, f);
    return err;
}

int proc_detach(int pid)
{
    struct pcb *gone = NULL;
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    struct pcb *pc = proc_find_locked(pid);
    if (pc && !pc->pub.parent) {
        pc->autoreap = true;
        if (pc->state == PROC_ZOMBIE) {
            unlink_locked(pc);
            gone = pc;
        }
    }
    spin_unlock_irqrestore(&proc_wq.lock, f);
    zombie_free(gone);
    return pc ? 0 : -ESRCH;
}

/* wait4's pid argument: > 0 that child, -1 any, 0 the caller's group, < -1 group
 * -pid. parent NULL: processes the kernel spawned and waits for. */
static bool wait_matches(const struct pcb *c, const struct process *parent, int pid)
{
    if (c->pub.parent != parent || (!parent && c->autoreap))
        return false;
    if (pid > 0)
        return c->pub.pid == pid;
    if (pid == -1)
        return true;
    if (pid == 0)
        return parent && c->pub.pgid == parent->pgid;
    return c->pub.pgid == -pid;
}

/* wait4/waitid options (Linux include/uapi/linux/wait.h). */
#define WNOHANG     0x00000001
#define WUNTRACED   0x00000002
#define WEXITED     0x00000004
#define WCONTINUED  0x00000008
#define WNOWAIT     0x01000000

/* Waits for a child of parent matching pid that exited (WEXITED; unlinked and
 * handed over in *zombie unless WNOWAIT) or, with WUNTRACED/WCONTINUED, stopped or
 * continued (*zombie = NULL). *status gets the wait status word. Returns the pid,
 * 0 (WNOHANG, none yet), -ECHILD, -ERESTARTSYS (a signal) or -EINTR (the caller's
 * process is going). */
static int wait_child(struct process *parent, int pid, uint32_t opts, struct pcb **zombie,
                      int *status)
{
    unsigned long f = spin_lock_irqsave(&proc_wq.lock);
    bool interrupted = false;
    for (;;) {
        bool any = false, notifying = false;
        for (struct pcb **pp = &all_procs; *pp; pp = &(*pp)->next_all) {
            struct pcb *c = *pp;
            if (!wait_matches(c, parent, pid))
                continue;
            any = true;
            int r = c->pub.pid;
            if (c->state == PROC_ZOMBIE && c->notifying && (opts & WEXITED)) {
                notifying = true;       /* its SIGCHLD is being sent: look again after */
                continue;
            }
            if (c->state == PROC_ZOMBIE && (opts & WEXITED)) {
                if (!(opts & WNOWAIT)) {
                    *pp = c->next_all;
                    if (parent) {
                        proc_cputime_reap_locked(pcb_of(parent), c);
                        proc_usage_reap_locked(pcb_of(parent), c);
                    }
                }
                *zombie = c;
                *status = c->exit_status;
                spin_unlock_irqrestore(&proc_wq.lock, f);
                return r;
            }
            if (c->state == PROC_ALIVE && (opts & (WUNTRACED | WCONTINUED)) &&
                signal_take_wait_report(c, opts & WUNTRACED, opts & WCONTINUED, status)) {
                *zombie = NULL;
                spin_unlock_irqrestore(&proc_wq.lock, f);
                return r;
            }
        }
        /* A few instructions away (proc_finish wakes proc_wq when done), so even
         * WNOHANG waits for it. */
        if (notifying) {
            waitqueue_sleep_locked(&proc_wq, &f);
            continue;
        }
        if (!any || (opts & WNOHANG)) {
            spin_unlock_irqrestore(&proc_wq.lock, f);
            return any ? 0 : -ECHILD;
        }
        /* A sibling's exit_group or exec ends this wait: the caller is going. */
        if (parent && proc_thread_must_go(proc_uthread())) {
            spin_unlock_irqrestore(&proc_wq.lock, f);
            return -EINTR;
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
    int st;
    int r = wait_child(NULL, pid, WEXITED, &z, &st);
    if (r <= 0)
        return r ? r : -ECHILD;
    if (status)
        *status = st;
    if (output && output_size) {
        size_t n = MIN(MIN(z->out_bytes, (size_t)PROC_CAPTURE_MAX - 1), output_size - 1);
        memcpy(output, z->out, n);
        output[n] = 0;
    }
    zombie_free(z);
    return 0;
}

/* ---- system calls ---- */

#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000u
#define P_ALL       0
#define P_PID       1
#define P_PGID      2

SYSCALL(exit)
{
    proc_thread_exit(PROC_STATUS_EXITED((int)args->a[0]), false);
}

SYSCALL(exit_group)
{
    proc_exit_current(PROC_STATUS_EXITED((int)args->a[0]));
}

/* wait4/waitid's rusage: the child's CPU time with its own reaped children's (Linux
 * RUSAGE_BOTH); zeros for a stop/continue report. */
static int child_rusage_to_user(uint64_t uptr, const struct pcb *z)
{
    if (!z)
        return proc_rusage_to_user(uptr, 0, 0, NULL);
    struct proc_usage u = z->dead_usage;
    proc_usage_add(&u, &z->child_usage);
    return proc_rusage_to_user(uptr, z->dead_user_ns + z->child_user_ns,
                               z->dead_sys_ns + z->child_sys_ns, &u);
}

SYSCALL(wait4)
{
    int pid = (int)args->a[0];
    uint32_t opts = (uint32_t)args->a[2];
    if (opts & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;          /* -INT_MIN overflows: Linux refuses it the same way */
    struct pcb *z;
    int status;
    int r = wait_child(proc_current(), pid, (opts & (WNOHANG | WUNTRACED | WCONTINUED)) | WEXITED,
                       &z, &status);
    if (r <= 0)
        return r;
    int err = args->a[3] ? child_rusage_to_user(args->a[3], z) : 0;
    zombie_free(z);
    if (args->a[1] && copy_to_user((void *)args->a[1], &status, sizeof(status)))
        return -EFAULT;
    if (err)
        return -EFAULT;
    return r;
}

/* siginfo_t as waitid fills it (128 bytes; the SIGCHLD fields of the union). */
struct waitid_info {
    int32_t si_signo, si_errno, si_code, pad;
    int32_t si_pid;
    uint32_t si_uid;
    int32_t si_status;
    uint8_t rest[128 - 28];
};

SYSCALL(waitid)
{
    int which = (int)args->a[0], id = (int)args->a[1];
    uint32_t opts = (uint32_t)args->a[3];
    if (opts & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD |
                 __WALL | __WCLONE))
        return -EINVAL;
    if (!(opts & (WEXITED | WUNTRACED | WCONTINUED)))
        return -EINVAL;
    int pid;
    switch (which) {
    case P_ALL: pid = -1; break;
    case P_PID: if (id <= 0) return -EINVAL; pid = id; break;
    case P_PGID: if (id < 0) return -EINVAL; pid = id ? -id : 0; break;
    default: return -EINVAL;
    }
    struct waitid_info info;
    memset(&info, 0, sizeof(info));
    struct pcb *z;
    int st;
    int r = wait_child(proc_current(), pid, opts, &z, &st);
    if (r < 0)
        return r;
    if (r > 0) {
        info.si_signo = SIGCHLD;
        info.si_pid = r;
        if (!z) {               /* stopped (0x7f | sig << 8) or continued (0xffff) */
            info.si_code = st == 0xffff ? CLD_CONTINUED : CLD_STOPPED;
            info.si_status = st == 0xffff ? SIGCONT : (st >> 8) & 0xff;
        } else if (PROC_WIFEXITED(st)) {
            info.si_code = CLD_EXITED;
            info.si_status = PROC_WEXITSTATUS(st);
        } else {
            info.si_code = (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
            info.si_status = PROC_WTERMSIG(st);
        }
    }
    /* waitid's fifth argument: Linux fills it (zeros when nothing was reported). */
    int err = args->a[4] ? child_rusage_to_user(args->a[4], r > 0 ? z : NULL) : 0;
    if (r > 0 && z && !(opts & WNOWAIT))
        zombie_free(z);
    if (args->a[2] && copy_to_user((void *)args->a[2], &info, sizeof(info)))
        return -EFAULT;
    if (err)
        return -EFAULT;
    return 0;
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
