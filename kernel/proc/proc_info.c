/* Read-only views of the process table for procfs: copies taken under the table
 * lock, so /proc formats text without holding any process lock. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/vfs.h>
#include "proc_internal.h"

int proc_list_pids(int *pids, int max)
{
    int n = 0;
    unsigned long f = proc_table_lock();
    for (struct pcb *c = proc_table_first(); c; c = c->next_all) {
        if (n < max) {
            /* Insertion sort: the list is newest first, readers want ascending. */
            int i = n;
            while (i > 0 && pids[i - 1] > c->pub.pid) {
                pids[i] = pids[i - 1];
                i--;
            }
            pids[i] = c->pub.pid;
        }
        n++;
    }
    proc_table_unlock(f);
    return n;
}

int proc_info_get(int pid, struct proc_info *out)
{
    unsigned long f = proc_table_lock();
    struct pcb *c = proc_find_locked(pid);
    if (!c) {
        proc_table_unlock(f);
        return -ESRCH;
    }
    const struct process *p = &c->pub;
    out->pid = p->pid;
    out->ppid = p->parent ? p->parent->pid : 0;
    out->pgid = p->pgid;
    out->sid = p->sid;
    out->state = proc_run_state_locked(c);
    out->nthreads = c->nthreads;
    proc_cputime_self_locked(c, &out->utime_ns, &out->stime_ns);
    out->cutime_ns = c->child_user_ns;
    out->cstime_ns = c->child_sys_ns;
    out->start_ns = c->start_ns;
    out->uid = p->uid;
    out->gid = p->gid;
    out->euid = p->euid;
    out->egid = p->egid;
    out->suid = p->suid;
    out->sgid = p->sgid;
    out->fsuid = p->fsuid;
    out->fsgid = p->fsgid;
    out->ngroups = p->ngroups < PROC_NGROUPS_MAX ? p->ngroups : PROC_NGROUPS_MAX;
    memcpy(out->groups, p->groups, out->ngroups * sizeof(out->groups[0]));
    out->cap_eff = p->cap_eff;
    out->cap_perm = p->cap_perm;
    out->cap_inh = p->cap_inh;
    out->cap_bset = p->cap_bset;
    memcpy(out->comm, p->comm, sizeof(out->comm));
    memcpy(out->exe, p->exe, sizeof(out->exe));
    memcpy(out->cmdline, p->cmdline, sizeof(out->cmdline));
    out->cmdline_len = p->cmdline_len;
    struct proc_usage usage;
    proc_usage_self_locked(c, &usage);
    out->minflt = usage.minflt;
    out->nvcsw = usage.nvcsw;
    out->nivcsw = usage.nivcsw;
    out->cminflt = c->child_usage.minflt;
    out->policy = out->rt_priority = out->nice = 0;
    struct uthread *lead = c->threads;  /* the main thread's, as in Linux */
    for (struct uthread *u = c->threads; u; u = u->next_thread)
        if (u->tid == p->pid)
            lead = u;
    if (lead)
        sched_thread_get_policy(lead->thread, &out->policy, &out->rt_priority, &out->nice);
    out->cpus_allowed = lead ? sched_thread_affinity(lead->thread) & sched_online_mask() : 0;
    out->role = c->role;
    out->home = c->home;
    proc_table_unlock(f);
    return 0;
}

struct mm_space *proc_mm_get(int pid)
{
    unsigned long f = proc_table_lock();
    struct pcb *c = proc_find_locked(pid);
    struct mm_space *mm = c && c->state == PROC_ALIVE ? c->pub.mm : NULL;
    if (mm)
        mm_get(mm);
    proc_table_unlock(f);
    return mm;
}

struct fdtable *proc_files_locked(int pid)
{
    unsigned long f = proc_table_lock();
    struct pcb *c = proc_find_locked(pid);
    struct fdtable *t = c ? c->pub.files : NULL;
    proc_table_unlock(f);
    return t;
}

void proc_set_exec_info(struct process *p, const char *exe_path, const char *const argv[])
{
    char exe[sizeof(p->exe)];
    char cmd[sizeof(p->cmdline)];
    size_t n = 0;
    strlcpy(exe, exe_path, sizeof(exe));
    for (size_t i = 0; argv && argv[i] && n < sizeof(cmd); i++) {
        size_t l = strlen(argv[i]) + 1;
        if (l > sizeof(cmd) - n)
            l = sizeof(cmd) - n;
        memcpy(cmd + n, argv[i], l);
        n += l;
    }
    unsigned long f = proc_table_lock();
    memcpy(p->exe, exe, sizeof(exe));
    memcpy(p->cmdline, cmd, n);
    p->cmdline_len = (uint16_t)n;
    proc_table_unlock(f);
}
