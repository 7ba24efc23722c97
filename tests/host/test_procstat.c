/* host-test: user/apps/monitor/procstat.c -Iuser/apps/monitor */
/* System Monitor's /proc reading: per-CPU lines of /proc/stat (the total line
 * skipped, short lines as old kernels and OSCortex write them), load between
 * two readings, a process's stat with a name holding spaces and parentheses,
 * status fields, CPU share and memory sizes. */
#include "procstat.h"
#include "check.h"

TEST(per_cpu_lines_are_read_and_the_total_skipped)
{
    const char *text = "cpu  300 0 100 800 0 0 0 0 0 0\n"
                       "cpu0 200 0 50 350 10 5 5 0 0 0\n"
                       "cpu1 100 0 50 450 0 0 0 0 0 0\n"
                       "intr 0\nctxt 12\nbtime 1\n";
    struct cpu_times c[4] = { { 0, 0 } };
    CHECK_EQ(procstat_parse_cpus(text, c, 4), 2);
    CHECK_EQ(c[0].busy, 200 + 50 + 5 + 5);
    CHECK_EQ(c[0].total, 200 + 50 + 350 + 10 + 5 + 5);
    CHECK_EQ(c[1].busy, 150);
    CHECK_EQ(c[1].total, 600);
    CHECK_EQ(procstat_parse_cpus("cpu 1 2 3 4\nintr 0\n", c, 4), -1);
    CHECK_EQ(procstat_parse_cpus("cpu0 1 2 3\n", c, 4), 1);      /* a short line */
    CHECK_EQ(c[0].busy, 1 + 2 + 3);
    CHECK_EQ(c[0].total, 6);
}

TEST(load_is_the_busy_share_of_the_interval)
{
    struct cpu_times a = { 100, 1000 }, b = { 175, 1100 };
    CHECK_EQ(procstat_load_percent(a, b), 75);
    CHECK_EQ(procstat_load_percent(a, a), 0);                   /* no time passed */
    CHECK_EQ(procstat_load_percent(b, a), 0);                   /* went backwards */
    struct cpu_times c = { 100, 1003 };
    CHECK_EQ(procstat_load_percent(a, c), 0);                   /* idle */
    struct cpu_times d = { 103, 1003 };
    CHECK_EQ(procstat_load_percent(a, d), 100);
}

TEST(a_name_with_spaces_and_parentheses_parses)
{
    struct proc_sample p = { 0 };
    const char *text = "42 (my (odd) prog) S 1 42 42 0 -1 4194304 10 0 0 0 "
                       "250 50 0 0 20 0 1 0 100 1234 56 18446744073709551615\n";
    CHECK_EQ(procstat_parse_pid_stat(text, &p), 0);
    CHECK_EQ(p.pid, 42);
    CHECK_STR(p.name, "my (odd) prog");
    CHECK_EQ(p.state, 'S');
    CHECK_EQ(p.ticks, 300);
    CHECK_EQ(procstat_parse_pid_stat("42 (x) S 1 2", &p), -1);  /* cut short */
    CHECK_EQ(procstat_parse_pid_stat("garbage", &p), -1);
}

TEST(status_gives_uid_rss_and_home_core)
{
    struct proc_sample p = { .uid = -1, .home = -1 };
    procstat_parse_status("Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\n"
                          "VmRSS:\t     512 kB\nThreads:\t1\nHome_core:\t1\n", &p);
    CHECK_EQ(p.uid, 1000);
    CHECK_EQ(p.rss_kb, 512);
    CHECK_EQ(p.home, 1);
    struct proc_sample z = { .uid = -1, .home = 3, .rss_kb = 7 };
    procstat_parse_status("Name:\tx\nUid:\t0\t0\t0\t0\nHome_core:\tnone\n", &z);
    CHECK_EQ(z.uid, 0);
    CHECK_EQ(z.rss_kb, 7);          /* a zombie has no VmRSS: left alone */
    CHECK_EQ(z.home, -1);
}

TEST(cpu_share_is_ticks_used_over_ticks_elapsed)
{
    CHECK_EQ(procstat_cpu_permille(100, 150, 100), 500);
    CHECK_EQ(procstat_cpu_permille(100, 100, 100), 0);
    CHECK_EQ(procstat_cpu_permille(100, 300, 100), 2000);     /* two threads busy */
    CHECK_EQ(procstat_cpu_permille(100, 101, 300), 3);        /* rounded */
    CHECK_EQ(procstat_cpu_permille(100, 150, 0), 0);
    CHECK_EQ(procstat_cpu_permille(150, 100, 100), 0);        /* a reused pid */
}

TEST(memory_sizes_are_short)
{
    char s[16];
    procstat_format_kb(640, s, sizeof(s));
    CHECK_STR(s, "640 KB");
    procstat_format_kb(1536, s, sizeof(s));
    CHECK_STR(s, "1.5 MB");
    procstat_format_kb(3 * 1048576 + 104858, s, sizeof(s));
    CHECK_STR(s, "3.1 GB");
}
