/* System Monitor's reading of /proc: CPU times from /proc/stat, a process from
 * /proc/<pid>/stat and status, and the load and CPU-share arithmetic (pure
 * logic, host-tested in tests/host/test_procstat.c). */
#pragma once

#define PROCSTAT_MAX_CPUS 64

/* One CPU's time since boot in clock ticks: busy (user, nice, system, irq,
 * softirq, steal) and everything (busy plus idle and iowait). */
struct cpu_times {
    unsigned long long busy, total;
};

/* The per-CPU lines ("cpuN ...", not the "cpu" total) of /proc/stat, by N, into
 * out[0..max); returns how many CPUs (the highest N + 1), or -1 when there are none. */
int procstat_parse_cpus(const char *text, struct cpu_times *out, int max);
/* The share of the interval between two readings a CPU was busy, 0..100
 * (0 when no time passed or the counters went backwards). */
int procstat_load_percent(struct cpu_times prev, struct cpu_times cur);

struct proc_sample {
    int pid;
    char name[32];
    char state;
    unsigned long long ticks;   /* utime + stime */
    int uid;                    /* the real uid; -1 unknown */
    long rss_kb;                /* 0 for a zombie (no address space) */
    int home;                   /* OSCortex's home core, -1 none */
};

/* /proc/<pid>/stat: pid, (comm) with any characters in it, state, utime and
 * stime. 0, or -1 when the text is not one. */
int procstat_parse_pid_stat(const char *text, struct proc_sample *p);
/* /proc/<pid>/status: Uid, VmRSS and Home_core (lines it lacks leave the fields alone). */
void procstat_parse_status(const char *text, struct proc_sample *p);
/* CPU use over an interval in tenths of a percent of one CPU (as top shows it):
 * ticks used over ticks elapsed. */
int procstat_cpu_permille(unsigned long long prev_ticks, unsigned long long ticks,
                          unsigned long long elapsed_ticks);
/* "1.2 MB", "640 KB": a memory size in kB, short. */
void procstat_format_kb(long kb, char *out, int n);
