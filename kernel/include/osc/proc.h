/* Processes: an address space, open files, credentials and one or more threads.
 * The process core (kernel/proc) owns the structure; the VFS owns `files`, `cwd`
 * and `root`, filled and released through the hooks in <osc/vfs.h>
 * (vfs_proc_fork / vfs_proc_exec / vfs_proc_exit). */
#pragma once

#include <osc/types.h>

struct mm_space;        /* kernel/proc: page tables + VMAs (refcounted) */
struct fdtable;         /* kernel/fs */
struct vnode;           /* kernel/fs */
struct sem_undo;        /* kernel/ipc */

#define PROC_NGROUPS_MAX 32     /* supplementary groups kept (Linux: 65536) */

struct process {
    int pid;
    int pgid, sid;
    struct process *parent;
    struct mm_space *mm;
    struct fdtable *files;
    struct vnode *cwd;
    struct vnode *root;
    uint32_t umask;
    uint32_t personality;       /* personality(2) (aslr.c): fork copies it, exec keeps it */
    uint32_t uid, gid, euid, egid;
    uint32_t suid, sgid;        /* saved set-user/group-ID (kernel/proc/creds.c) */
    uint32_t fsuid, fsgid;      /* what the VFS checks (follow euid/egid) */
    uint32_t ngroups;
    uint32_t groups[PROC_NGROUPS_MAX];  /* supplementary groups */
    /* Capability sets (CAP_BIT(CAP_*), <osc/caps.h>): effective is what is
     * checked; creds.c keeps them in step with uid changes as Linux does. */
    uint64_t cap_eff, cap_perm, cap_inh, cap_bset;
    char comm[16];              /* executable name, as /proc/<pid>/comm */
    /* Set at exec (fork copies them), read by procfs under the process table lock. */
    char exe[256];              /* absolute path of the executable: /proc/<pid>/exe */
    char cmdline[512];          /* argv NUL-separated, truncated: /proc/<pid>/cmdline */
    uint16_t cmdline_len;
    /* SysV semaphore adjustments (SEM_UNDO) applied at exit; kernel/ipc owns it,
     * under its ipc lock. Shared by the threads, not inherited by fork. */
    struct sem_undo *sem_undo;
    void *proc_data;            /* rest owned by kernel/proc */
};

struct process *proc_current(void);    /* NULL on a kernel thread */

/* ---- process core API (kernel/proc) ---- */
struct user_regs;

/* Linux signal numbers (asm-generic/signal.h) the process core raises. */
#define SIGILL   4
#define SIGTRAP  5
#define SIGABRT  6
#define SIGBUS   7
#define SIGFPE   8
#define SIGKILL  9
#define SIGSEGV  11

/* wait4 status words (Linux): exited with code, or killed by a signal. */
#define PROC_STATUS_EXITED(code)     (((code) & 0xff) << 8)
#define PROC_STATUS_SIGNALLED(sig)   ((sig) & 0x7f)
#define PROC_WIFEXITED(s)            (((s) & 0x7f) == 0)
#define PROC_WEXITSTATUS(s)          (((s) >> 8) & 0xff)
#define PROC_WIFSIGNALED(s)          (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define PROC_WTERMSIG(s)             ((s) & 0x7f)

const char *proc_signal_name(int sig);         /* "SIGSEGV", or "signal" */

/* Creates a process running the executable at path (argv/envp NULL-terminated kernel
 * arrays) in ring 3, child of no process; returns its pid or a negative errno (the
 * exec errors: -ENOENT, -ENOEXEC, -E2BIG, -ENOMEM). */
int proc_spawn(const char *path, const char *const argv[], const char *const envp[]);
/* As proc_spawn, with pid 1 (orphans are reparented to it) when no process has it. */
int proc_spawn_init(const char *path, const char *const argv[], const char *const envp[]);
/* Kernel-side wait for a process spawned by proc_spawn: sleeps until it is a zombie,
 * stores its wait4 status, frees it. output (may be NULL) receives the start of what
 * it wrote to the console through the fallback write path, NUL-terminated (tests).
 * 0 or -ECHILD. */
int proc_wait(int pid, int *status, char *output, size_t output_size);

/* Ends the current process with a wait4 status word (every thread's user side gone,
 * address space and files released, parent woken). Never returns. */
__noreturn void proc_exit_current(int status);

/* Demand paging for the current process: a fault at addr (write / instruction fetch /
 * on a present page) that the VMAs allow maps the page. 0, or -EFAULT when the access
 * is not allowed (the caller raises SIGSEGV or returns -EFAULT). */
int proc_handle_page_fault(uint64_t addr, bool write, bool exec, bool present);

/* Called on the way back to ring 3 after each system call (signals, later). */
void proc_syscall_exit(struct user_regs *regs);
/* Called by the interrupt dispatcher before it returns to ring 3 with the frame's
 * rip: a thread whose process is exiting (exit_group in another thread) leaves
 * here; one preempted inside an rseq critical section gets rip moved to its abort
 * handler. */
void proc_irq_return_user(uint64_t *rip);
/* A process proc_spawn started that the kernel will not proc_wait for: it is freed
 * as soon as it exits (at once if it already has). 0 or -ESRCH. */
int proc_detach(int pid);

/* The fallback console write path (before the VFS) records what each process wrote. */
void proc_console_record(struct process *p, const char *s, size_t n);

/* ---- process information for procfs (kernel/proc/proc_info.c) ---- */
/* A copy taken under the process table lock, so callers format without proc locks. */
struct proc_info {
    int pid, ppid, pgid, sid;
    char state;                 /* 'R' runnable, 'S' sleeping, 'T' stopped, 'Z' zombie */
    int nthreads;
    /* CPU time (ns): the process's own, and its reaped children's; start: time_ns()
     * at its fork. */
    uint64_t utime_ns, stime_ns, cutime_ns, cstime_ns, start_ns;
    uint32_t uid, gid, euid, egid;
    uint32_t suid, sgid;        /* saved set-user/group-ID (kernel/proc/creds.c) */
    uint32_t fsuid, fsgid;
    uint32_t ngroups;
    uint32_t groups[PROC_NGROUPS_MAX];  /* supplementary groups */
    uint64_t cap_eff, cap_perm, cap_inh, cap_bset;
    char comm[16];
    char exe[256];
    char cmdline[512];
    uint16_t cmdline_len;
    /* getrusage's counts (own, and reaped children's minflt) and the main
     * thread's scheduling: SCHED_* policy, real-time priority, nice value. */
    uint64_t minflt, cminflt, nvcsw, nivcsw;
    int policy, rt_priority, nice;
    /* The main thread's CPU affinity (bit n: CPU n), the process's role
     * (PROC_ROLE_*) and home core (-1: none), kernel/proc/home_core.c. */
    uint64_t cpus_allowed;
    int role, home;
};
/* Roles for prctl(PR_OSC_SET_ROLE, role) (OSCortex's own option numbers). */
#define PR_OSC_SET_ROLE     0x4f534301
#define PR_OSC_GET_ROLE     0x4f534302
#define PROC_ROLE_NORMAL    0
#define PROC_ROLE_SYSTEM    1
#define PROC_ROLE_APP       2
/* CPU-time clocks (kernel/proc/cputime.c): clockid is Linux's encoding of a
 * process or thread CPU clock (negative: ~pid << 3 | 4 for a thread | 0 PROF,
 * 1 VIRT, 2 SCHED; pid 0 is the caller). 0 and *ns, or -EINVAL for a bad
 * encoding, an unknown pid or a thread outside the caller's process. */
int proc_cpu_clock_ns(int32_t clockid, int64_t *ns);

/* Pids of every process, ascending, into pids[0..max); returns how many exist
 * (may exceed max: only max were stored). */
int proc_list_pids(int *pids, int max);
/* 0 and *out filled, or -ESRCH. */
int proc_info_get(int pid, struct proc_info *out);
/* The address space of pid with a reference (mm_put it), or NULL (no such process,
 * or a zombie). */
struct mm_space *proc_mm_get(int pid);
/* The descriptor table of pid, or NULL. The caller holds `vfs`: a table is detached
 * from its process under `vfs` (vfs_proc_exit), so it stays valid until vfs_unlock. */
struct fdtable *proc_files_locked(int pid);
/* Records argv and the executable's canonical path (exec_image.exe) for
 * /proc/<pid>/{cmdline,exe} (exec, spawn). */
void proc_set_exec_info(struct process *p, const char *exe_path, const char *const argv[]);

/* ---- resource limits (kernel/proc/rlimit.c) ---- */
/* Linux's resource numbers (asm-generic/resource.h). */
#define RLIMIT_CPU        0
#define RLIMIT_FSIZE      1
#define RLIMIT_DATA       2
#define RLIMIT_STACK      3
#define RLIMIT_CORE       4
#define RLIMIT_RSS        5
#define RLIMIT_NPROC      6
#define RLIMIT_NOFILE     7
#define RLIMIT_MEMLOCK    8
#define RLIMIT_AS         9
#define RLIMIT_LOCKS      10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE   12
#define RLIMIT_NICE       13
#define RLIMIT_RTPRIO     14
#define RLIMIT_RTTIME     15
#define RLIM_NLIMITS      16
#define RLIM_INFINITY     (~0ull)
/* The current process's soft limit for res (RLIM_INFINITY for a kernel thread). */
uint64_t proc_rlimit(unsigned res);
/* RLIMIT_FSIZE for a write of *n bytes at pos into a regular file: *n is cut to
 * what fits below the limit (Linux writes that much); at or past it, SIGXFSZ
 * goes to the caller and the result is -EFBIG. 0 otherwise. */
long proc_fsize_check(uint64_t pos, size_t *n);
/* The same for truncating a regular file to len. */
long proc_fsize_truncate_check(int64_t len);
/* Every soft and hard limit of pid (/proc/<pid>/limits): 0, or -ESRCH. */
int proc_rlimits_get(int pid, uint64_t out[RLIM_NLIMITS][2]);
/* Credentials (creds.c): an effective uid of 0 stands for every capability
 * (CAP_SYS_RESOURCE, CAP_SYS_NICE, ...) until capabilities exist. */
bool proc_privileged(const struct process *p);
/* Whether p's effective set holds capability cap (a kernel thread, p NULL: yes). */
bool proc_capable(const struct process *p, int cap);
/* A process the kernel starts: uid 0 with every capability. */
void proc_creds_init_root(struct process *p);
/* Whether gid is p's filesystem gid or one of its supplementary groups. */
bool proc_in_group(const struct process *p, uint32_t gid);
