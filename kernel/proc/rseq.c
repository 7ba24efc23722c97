/* Where a thread runs, as Linux tells it: getcpu(2), and restartable sequences
 * (rseq(2)), which glibc registers for every thread at start-up. The kernel keeps
 * the registered area's cpu_id current and, when a thread is preempted or gets a
 * signal inside a critical section, moves it to the section's abort handler. */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include "proc_internal.h"

/* include/uapi/linux/rseq.h */
#define RSEQ_ORIG_SIZE          32      /* struct rseq as first published */
#define RSEQ_FIELDS_END         28      /* offsetof(struct rseq, end): through mm_cid */
#define RSEQ_FLAG_UNREGISTER    1
#define RSEQ_CPU_ID_UNINIT      ((uint32_t)-1)

struct rseq_area {                      /* the user's struct rseq */
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;
    uint32_t mm_cid;
};

struct rseq_cs {                        /* a critical section's descriptor */
    uint32_t version, flags;
    uint64_t start_ip, post_commit_offset, abort_ip;
};

SYSCALL(getcpu)
{
    uint32_t cpu = this_cpu()->id, node = 0;
    if (args->a[0] && copy_to_user((void *)args->a[0], &cpu, sizeof(cpu)))
        return -EFAULT;
    if (args->a[1] && copy_to_user((void *)args->a[1], &node, sizeof(node)))
        return -EFAULT;
    return 0;
}

static int write_cpu(uint64_t area, uint32_t cpu_start, uint32_t cpu)
{
    struct { uint32_t cpu_id_start, cpu_id; } ids = { cpu_start, cpu };
    uint32_t tail[2] = { 0, cpu_start };        /* node_id 0; mm_cid: the CPU */
    if (copy_to_user((void *)area, &ids, sizeof(ids)))
        return -EFAULT;
    return copy_to_user((void *)(area + offsetof(struct rseq_area, node_id)), tail,
                        sizeof(tail)) ? -EFAULT : 0;
}

SYSCALL(rseq)
{
    struct uthread *u = proc_uthread();
    uint64_t area = args->a[0];
    uint32_t len = (uint32_t)args->a[1], sig = (uint32_t)args->a[3];
    int flags = (int)args->a[2];
    if (flags & ~RSEQ_FLAG_UNREGISTER)
        return -EINVAL;
    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (u->rseq_area != area || u->rseq_len != len)
            return -EINVAL;
        if (u->rseq_sig != sig)
            return -EPERM;
        if (write_cpu(area, 0, RSEQ_CPU_ID_UNINIT))
            return -EFAULT;
        u->rseq_area = 0;
        u->rseq_len = 0;
        return 0;
    }
    if (u->rseq_area) {
        /* Linux's order: a different registration is EINVAL, the same one with
         * another signature EPERM, the same one again EBUSY. */
        if (u->rseq_len != len || u->rseq_area != area)
            return -EINVAL;
        return u->rseq_sig != sig ? -EPERM : -EBUSY;
    }
    if (len < RSEQ_ORIG_SIZE || area % RSEQ_ORIG_SIZE != 0 ||
        (len != RSEQ_ORIG_SIZE && len < RSEQ_FIELDS_END))
        return -EINVAL;
    if (!user_range_ok(area, len))
        return -EFAULT;
    uint64_t zero = 0;
    if (copy_to_user((void *)(area + offsetof(struct rseq_area, rseq_cs)), &zero, sizeof(zero)))
        return -EFAULT;
    uint32_t cpu = this_cpu()->id;
    if (write_cpu(area, cpu, cpu))
        return -EFAULT;
    u->rseq_area = area;
    u->rseq_len = len;
    u->rseq_sig = sig;
    u->rseq_moved = false;
    return 0;
}

/* A broken area or descriptor kills the thread's process with SIGSEGV, as Linux's
 * force_sig does (a handler, if there is one, runs first). */
static void rseq_fault(struct uthread *u, const char *why)
{
    struct process *p = &u->proc->pub;
    log_info("pid %d (%s): rseq %s: SIGSEGV", p->pid, p->comm, why);
    u->rseq_area = 0;                   /* so the handler itself can run */
    if (signal_fault(SIGSEGV, SI_KERNEL, 0))
        return;
    irq_enable();
    proc_exit_current(PROC_STATUS_SIGNALLED(SIGSEGV));
}

/* The abort step: *rip inside the current critical section moves to its abort
 * handler; the section pointer is cleared either way. */
static int rseq_abort_section(struct uthread *u, uint64_t *rip)
{
    uint64_t csp;
    if (copy_from_user(&csp, (void *)(u->rseq_area + offsetof(struct rseq_area, rseq_cs)),
                       sizeof(csp)))
        return -EFAULT;
    if (!csp)
        return 0;
    struct rseq_cs cs;
    if (copy_from_user(&cs, (void *)csp, sizeof(cs)))
        return -EFAULT;
    uint64_t end = cs.start_ip + cs.post_commit_offset;
    if (cs.version != 0 || end < cs.start_ip ||
        (cs.abort_ip >= cs.start_ip && cs.abort_ip < end))
        return -EINVAL;
    if (*rip >= cs.start_ip && *rip < end) {
        uint32_t sig;
        if (copy_from_user(&sig, (void *)(cs.abort_ip - sizeof(sig)), sizeof(sig)))
            return -EFAULT;
        if (sig != u->rseq_sig)
            return -EPERM;
        *rip = cs.abort_ip;
    }
    csp = 0;
    return copy_to_user((void *)(u->rseq_area + offsetof(struct rseq_area, rseq_cs)), &csp,
                        sizeof(csp)) ? -EFAULT : 0;
}

void rseq_return_user(uint64_t *rip)
{
    struct uthread *u = proc_uthread();
    if (!u || !u->rseq_area || (!u->rseq_moved && !signal_pending_current()))
        return;
    unsigned long f = irq_save();
    irq_enable();                       /* user memory may fault in */
    int err = 0;
    /* Until a pass runs without being switched out (which would leave a stale
     * cpu_id once threads move between CPUs); a few passes at most in practice. */
    for (int pass = 0; pass < 8 && !err; pass++) {
        u->rseq_moved = false;
        err = rseq_abort_section(u, rip);
        if (!err) {
            uint32_t cpu = this_cpu()->id;
            err = write_cpu(u->rseq_area, cpu, cpu);
        }
        if (!__atomic_load_n(&u->rseq_moved, __ATOMIC_RELAXED))
            break;
    }
    irq_restore(f);
    if (err)
        rseq_fault(u, err == -EPERM ? "abort signature mismatch" : "bad area or section");
}

void rseq_switch_in(struct uthread *u)
{
    if (u->rseq_area)
        u->rseq_moved = true;
}

void rseq_fork(struct uthread *child, const struct uthread *parent, bool thread)
{
    /* A new process (fork, vfork) keeps the registration at the same address in its
     * copy of memory; a new thread registers its own. */
    child->rseq_area = thread ? 0 : parent->rseq_area;
    child->rseq_len = thread ? 0 : parent->rseq_len;
    child->rseq_sig = thread ? 0 : parent->rseq_sig;
    child->rseq_moved = child->rseq_area != 0;
}

void rseq_exec(struct uthread *u)
{
    u->rseq_area = 0;
    u->rseq_len = 0;
    u->rseq_moved = false;
}
