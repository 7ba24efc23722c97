/* Resource limits: every RLIMIT_* kept per process (soft and hard), inherited at
 * fork and kept across exec, with Linux's rules for changing them. Enforced where
 * the resource is used: fork (NPROC), the descriptor table (NOFILE), mmap/brk/mremap
 * (AS, DATA), writes and truncation (FSIZE), exec (STACK), priorities (NICE, RTPRIO). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "proc_internal.h"

#define NR_OPEN_MAX  1048576            /* fs.nr_open: the highest NOFILE hard limit */

/* Linux's defaults for a process started by the kernel (init_task and
 * include/asm-generic/resource.h), the NOFILE pair as a login shell sees it. */
void proc_rlimit_init(struct pcb *pc)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        pc->rlim[i][0] = pc->rlim[i][1] = RLIM_INFINITY;
    pc->rlim[RLIMIT_STACK][0] = USER_STACK_SIZE;
    pc->rlim[RLIMIT_CORE][0] = 0;
    pc->rlim[RLIMIT_NPROC][0] = pc->rlim[RLIMIT_NPROC][1] = PROC_MAX;
    pc->rlim[RLIMIT_NOFILE][0] = VFS_FD_MAX;
    pc->rlim[RLIMIT_NOFILE][1] = 4096;
    pc->rlim[RLIMIT_MEMLOCK][0] = pc->rlim[RLIMIT_MEMLOCK][1] = MiB(8);
    pc->rlim[RLIMIT_SIGPENDING][0] = pc->rlim[RLIMIT_SIGPENDING][1] = PROC_MAX;
    pc->rlim[RLIMIT_MSGQUEUE][0] = pc->rlim[RLIMIT_MSGQUEUE][1] = 819200;
    pc->rlim[RLIMIT_NICE][0] = pc->rlim[RLIMIT_NICE][1] = 0;
    pc->rlim[RLIMIT_RTPRIO][0] = pc->rlim[RLIMIT_RTPRIO][1] = 0;
}

uint64_t proc_rlimit(unsigned res)
{
    struct process *p = proc_current();
    if (!p || res >= RLIM_NLIMITS)
        return RLIM_INFINITY;
    return __atomic_load_n(&pcb_of(p)->rlim[res][0], __ATOMIC_RELAXED);
}

long proc_fsize_check(uint64_t pos, size_t *n)
{
    uint64_t lim = proc_rlimit(RLIMIT_FSIZE);
    if (lim == RLIM_INFINITY || *n == 0)
        return 0;
    if (pos >= lim) {
        signal_send_current(SIGXFSZ);
        return -EFBIG;
    }
    *n = MIN(*n, lim - pos);
    return 0;
}

long proc_fsize_truncate_check(int64_t len)
{
    uint64_t lim = proc_rlimit(RLIMIT_FSIZE);
    if (len < 0 || lim == RLIM_INFINITY || (uint64_t)len <= lim)
        return 0;
    signal_send_current(SIGXFSZ);     /* Linux inode_newsize_ok */
    return -EFBIG;
}

int proc_rlimits_get(int pid, uint64_t out[RLIM_NLIMITS][2])
{
    unsigned long f = proc_table_lock();
    struct pcb *pc = proc_find_locked(pid);
    if (pc)
        memcpy(out, pc->rlim, sizeof(pc->rlim));
    proc_table_unlock(f);
    return pc ? 0 : -ESRCH;
}

/* prlimit64 on another process: the caller's real, effective and saved ids must
 * all match the target's real user and group ids, or it is privileged (Linux
 * check_prlimit_permission). */
static bool may_touch(const struct process *me, const struct process *t)
{
    if (me == t || proc_privileged(me))
        return true;
    return me->uid == t->uid && me->uid == t->euid && me->uid == t->suid &&
           me->gid == t->gid && me->gid == t->egid && me->gid == t->sgid;
}

/* Reads (old, may be NULL) and sets (new, may be NULL) resource res of process pid
 * (0: the caller). 0 or -ESRCH, -EPERM, -EINVAL. */
static long do_prlimit(int pid, unsigned res, const uint64_t *new, uint64_t *old)
{
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (new && new[0] > new[1])
        return -EINVAL;
    if (new && res == RLIMIT_NOFILE && new[1] > NR_OPEN_MAX)
        return -EPERM;
    struct process *me = proc_current();
    if (pid == 0)
        pid = me->pid;
    long err = 0;
    unsigned long f = proc_table_lock();
    struct pcb *pc = proc_find_locked(pid);
    if (!pc || pc->state != PROC_ALIVE)
        err = -ESRCH;
    else if (!may_touch(me, &pc->pub))
        err = -EPERM;
    else if (new && new[1] > pc->rlim[res][1] && !proc_privileged(me))
        err = -EPERM;           /* raising a hard limit needs CAP_SYS_RESOURCE */
    if (!err && old) {
        old[0] = pc->rlim[res][0];
        old[1] = pc->rlim[res][1];
    }
    if (!err && new) {
        __atomic_store_n(&pc->rlim[res][0], new[0], __ATOMIC_RELAXED);
        pc->rlim[res][1] = new[1];
    }
    proc_table_unlock(f);
    if (!err && new && res == RLIMIT_NOFILE) {
        /* A table is detached from its process under `vfs`: still valid here. */
        vfs_lock();
        struct fdtable *t = proc_files_locked(pid);
        if (t)
            fdtable_set_limit(t, new[0]);
        vfs_unlock();
    }
    return err;
}

SYSCALL(getrlimit)
{
    uint64_t lim[2];
    long err = do_prlimit(0, (unsigned)args->a[0], NULL, lim);
    if (err)
        return err;
    return copy_to_user((void *)args->a[1], lim, sizeof(lim));
}

SYSCALL(setrlimit)
{
    uint64_t lim[2];
    if (copy_from_user(lim, (const void *)args->a[1], sizeof(lim)))
        return -EFAULT;
    return do_prlimit(0, (unsigned)args->a[0], lim, NULL);
}

SYSCALL(prlimit64)
{
    uint64_t new[2], old[2];
    if (args->a[2] && copy_from_user(new, (const void *)args->a[2], sizeof(new)))
        return -EFAULT;
    long err = do_prlimit((int)args->a[0], (unsigned)args->a[1],
                          args->a[2] ? new : NULL, args->a[3] ? old : NULL);
    if (err)
        return err;
    if (args->a[3])
        return copy_to_user((void *)args->a[3], old, sizeof(old));
    return 0;
}
