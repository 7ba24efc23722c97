/* What kernel/fs/procfs.c (the namespace, system-wide files) and procfs_pid.c
 * (one process's files) share. */
#pragma once

#include <osc/types.h>

struct pnode;
struct pbuf;

#define PROCFS_USER_HZ 100      /* clock_t units of /proc (sysconf(_SC_CLK_TCK)) */
uint64_t procfs_ns_to_clock_t(uint64_t ns);
#define PROC_MAX_PIDS_SHOWN 1024 /* readdir lists at most this many pids */

/* The system-wide generators (procfs_system.c): 0 or -ENOMEM. */
int procfs_gen_meminfo(struct pnode *n, struct pbuf *b);
int procfs_gen_cpuinfo(struct pnode *n, struct pbuf *b);
int procfs_gen_uptime(struct pnode *n, struct pbuf *b);
int procfs_gen_loadavg(struct pnode *n, struct pbuf *b);
int procfs_gen_stat(struct pnode *n, struct pbuf *b);

/* The generators of /proc/<pid>/...: 0, or -ESRCH when the process is gone. */
int procfs_gen_pid_stat(struct pnode *n, struct pbuf *b);
int procfs_gen_pid_status(struct pnode *n, struct pbuf *b);
int procfs_gen_pid_cmdline(struct pnode *n, struct pbuf *b);
int procfs_gen_pid_limits(struct pnode *n, struct pbuf *b);
int procfs_gen_pid_comm(struct pnode *n, struct pbuf *b);
int procfs_gen_pid_maps(struct pnode *n, struct pbuf *b);
