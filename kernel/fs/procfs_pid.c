/* /proc/<pid>/{stat,status,cmdline,limits,comm,maps}: the text of one process's
 * files, from a copy of its state (proc_info_get) and its address space. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include "procfs_internal.h"
#include "pseudofs.h"

uint64_t procfs_ns_to_clock_t(uint64_t ns)
{
    return ns / (1000000000ull / PROCFS_USER_HZ);
}

/* The address space's sizes in pages (all zero for a zombie). */
static void vm_counts(int pid, struct mm_counts *c)
{
    memset(c, 0, sizeof(*c));
    struct mm_space *mm = proc_mm_get(pid);
    if (!mm)
        return;
    mm_get_counts(mm, c);
    mm_put(mm);
}

/* 'R' running or runnable, 'S' sleeping, 'T' stopped, 'Z' zombie. */
static char state_of(const struct proc_info *pi)
{
    return pi->state;
}

int procfs_gen_pid_stat(struct pnode *n, struct pbuf *b)
{
    struct proc_info pi;
    if (proc_info_get(n->pid, &pi))
        return -ESRCH;
    struct mm_counts vm;
    vm_counts(n->pid, &vm);
    /* Linux's priority field: 20 + nice, or -1 - rt_priority for a real-time one. */
    int prio = pi.policy == SCHED_FIFO || pi.policy == SCHED_RR ? -1 - pi.rt_priority
                                                                : 20 + pi.nice;
    /* proc(5) field order: pid comm state ppid pgrp session tty_nr tpgid flags minflt
     * cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
     * itrealvalue starttime vsize rss rsslim, then 27 more: 0 but rt_priority (40)
     * and policy (41). Times in USER_HZ ticks; starttime since boot. */
    pbuf_printf(b, "%d (%s) %c %d %d %d 0 -1 4194304 %lu %lu 0 0 %lu %lu %lu %lu %d %d %d 0 "
                   "%lu %lu %lu 18446744073709551615",
                pi.pid, pi.comm, state_of(&pi), pi.ppid, pi.pgid, pi.sid,
                (unsigned long)pi.minflt, (unsigned long)pi.cminflt,
                (unsigned long)procfs_ns_to_clock_t(pi.utime_ns), (unsigned long)procfs_ns_to_clock_t(pi.stime_ns),
                (unsigned long)procfs_ns_to_clock_t(pi.cutime_ns),
                (unsigned long)procfs_ns_to_clock_t(pi.cstime_ns), prio, pi.nice, pi.nthreads,
                (unsigned long)procfs_ns_to_clock_t(pi.start_ns),
                (unsigned long)(vm.total_vm * PAGE_SIZE), (unsigned long)vm.rss);
    for (int i = 26; i <= 52; i++)
        pbuf_printf(b, " %d", i == 40 ? pi.rt_priority : i == 41 ? pi.policy : 0);
    pbuf_printf(b, "\n");
    return 0;
}

int procfs_gen_pid_status(struct pnode *n, struct pbuf *b)
{
    struct proc_info pi;
    if (proc_info_get(n->pid, &pi))
        return -ESRCH;
    struct mm_counts vm;
    vm_counts(n->pid, &vm);
    char st = state_of(&pi);
    const char *word = st == 'Z' ? "zombie" : st == 'R' ? "running" : "sleeping";
    pbuf_printf(b, "Name:\t%s\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
                   "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
                pi.comm, st, word, pi.pid, pi.pid, pi.ppid, pi.uid, pi.euid, pi.suid, pi.fsuid,
                pi.gid, pi.egid, pi.sgid, pi.fsgid);
    pbuf_printf(b, "Groups:\t");
    for (uint32_t i = 0; i < pi.ngroups; i++)
        pbuf_printf(b, "%u ", pi.groups[i]);
    pbuf_printf(b, "\n");
    unsigned long kb = PAGE_SIZE / 1024;
    /* A zombie has no address space: Linux leaves the Vm lines out. */
    if (vm.total_vm)
        pbuf_printf(b, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmHWM:\t%8lu kB\n"
                       "VmRSS:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\n",
                    (unsigned long)vm.hiwater_vm * kb, (unsigned long)vm.total_vm * kb,
                    (unsigned long)vm.hiwater_rss * kb, (unsigned long)vm.rss * kb,
                    (unsigned long)vm.data_vm * kb, (unsigned long)vm.stack_vm * kb);
    pbuf_printf(b, "Threads:\t%d\n", pi.nthreads);
    pbuf_printf(b, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n"
                   "CapAmb:\t%016lx\n", (unsigned long)pi.cap_inh, (unsigned long)pi.cap_perm,
                (unsigned long)pi.cap_eff, (unsigned long)pi.cap_bset, 0ul);
    pbuf_printf(b, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", (unsigned long)pi.cpus_allowed);
    pbuf_cpu_list(b, pi.cpus_allowed);
    /* OSCortex's own lines (home_core.c): the role and the CPU it is homed on. */
    static const char *const roles[] = { "normal", "system", "app" };
    pbuf_printf(b, "\nOsc_role:\t%s\n", pi.role >= 0 && pi.role < 3 ? roles[pi.role] : "?");
    if (pi.home >= 0)
        pbuf_printf(b, "Home_core:\t%d\n", pi.home);
    else
        pbuf_printf(b, "Home_core:\tnone\n");
    pbuf_printf(b, "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n",
                (unsigned long)pi.nvcsw, (unsigned long)pi.nivcsw);
    return 0;
}

int procfs_gen_pid_cmdline(struct pnode *n, struct pbuf *b)
{
    struct proc_info pi;
    if (proc_info_get(n->pid, &pi))
        return -ESRCH;
    pbuf_put(b, pi.cmdline, pi.cmdline_len);
    return 0;
}

/* Linux's table: name, soft, hard, unit, in RLIMIT_* order. */
int procfs_gen_pid_limits(struct pnode *n, struct pbuf *b)
{
    static const char *const rows[RLIM_NLIMITS][2] = {
        { "Max cpu time", "seconds" }, { "Max file size", "bytes" },
        { "Max data size", "bytes" }, { "Max stack size", "bytes" },
        { "Max core file size", "bytes" }, { "Max resident set", "bytes" },
        { "Max processes", "processes" }, { "Max open files", "files" },
        { "Max locked memory", "bytes" }, { "Max address space", "bytes" },
        { "Max file locks", "locks" }, { "Max pending signals", "signals" },
        { "Max msgqueue size", "bytes" }, { "Max nice priority", "" },
        { "Max realtime priority", "" }, { "Max realtime timeout", "us" },
    };
    uint64_t mine[RLIM_NLIMITS][2];
    if (proc_rlimits_get(n->pid, mine))
        return -ESRCH;
    pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (int i = 0; i < RLIM_NLIMITS; i++) {
        pbuf_printf(b, "%-25s ", rows[i][0]);
        for (int j = 0; j < 2; j++) {
            if (mine[i][j] == RLIM_INFINITY)
                pbuf_printf(b, "%-20s ", "unlimited");
            else
                pbuf_printf(b, "%-20lu ", (unsigned long)mine[i][j]);
        }
        pbuf_printf(b, "%-10s\n", rows[i][1]);
    }
    return 0;
}

int procfs_gen_pid_comm(struct pnode *n, struct pbuf *b)
{
    struct proc_info pi;
    if (proc_info_get(n->pid, &pi))
        return -ESRCH;
    pbuf_printf(b, "%s\n", pi.comm);
    return 0;
}

int procfs_gen_pid_maps(struct pnode *n, struct pbuf *b)
{
    struct mm_space *mm = proc_mm_get(n->pid);
    if (!mm)
        return 0;                       /* a zombie: empty, like Linux */
    mutex_lock(&mm->lock);
    for (struct vma *v = mm->vmas; v; v = v->next) {
        /* Neighbours with the same rights and kind print as one line, as Linux
         * merges them (brk growth adds a VMA per step here). */
        vaddr_t start = v->start, end = v->end;
        while (v->next && v->next->start == end && v->next->prot == v->prot &&
               v->next->flags == v->flags) {
            v = v->next;
            end = v->end;
        }
        const char *name = (v->flags & VMA_STACK) ? "[stack]" : (v->flags & VMA_HEAP) ? "[heap]"
                         : (v->flags & VMA_VDSO) ? "[vdso]" : (v->flags & VMA_VVAR) ? "[vvar]" : "";
        /* Mappings are anonymous (files are copied in): offset 0, device 00:00, inode 0. */
        pbuf_printf(b, "%08lx-%08lx %c%c%c%c 00000000 00:00 0%s%s\n",
                    (unsigned long)start, (unsigned long)end,
                    (v->prot & PROT_READ) ? 'r' : '-', (v->prot & PROT_WRITE) ? 'w' : '-',
                    (v->prot & PROT_EXEC) ? 'x' : '-',
                    (v->flags & (VMA_SHARED | VMA_VVAR)) == VMA_SHARED ? 's' : 'p',
                    *name ? "                          " : "", name);
    }
    mutex_unlock(&mm->lock);
    mm_put(mm);
    return 0;
}
