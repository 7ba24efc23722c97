/* System Monitor's /proc parsing and arithmetic (see procstat.h). */
#include "procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int procstat_parse_cpus(const char *text, struct cpu_times *out, int max)
{
    int n = -1;
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "cpu", 3) != 0 || l[3] < '0' || l[3] > '9')
            continue;
        char *end;
        long cpu = strtol(l + 3, &end, 10);
        if (cpu < 0 || cpu >= max)
            continue;
        /* user nice system idle iowait irq softirq steal (guest time is in user) */
        unsigned long long v[8] = { 0 };
        const char *p = end;
        for (int i = 0; i < 8; i++) {
            char *e;
            v[i] = strtoull(p, &e, 10);
            if (e == p)
                break;
            p = e;
        }
        out[cpu].busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        out[cpu].total = out[cpu].busy + v[3] + v[4];
        if (cpu + 1 > n)
            n = (int)cpu + 1;
    }
    return n;
}

int procstat_load_percent(struct cpu_times prev, struct cpu_times cur)
{
    if (cur.total <= prev.total || cur.busy < prev.busy)
        return 0;
    unsigned long long busy = cur.busy - prev.busy, total = cur.total - prev.total;
    if (busy > total)
        busy = total;
    return (int)((busy * 100 + total / 2) / total);
}

int procstat_parse_pid_stat(const char *text, struct proc_sample *p)
{
    /* The command name may hold spaces and parentheses: it ends at the last ')'. */
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close || close < open)
        return -1;
    p->pid = atoi(text);
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof(p->name))
        n = sizeof(p->name) - 1;
    memcpy(p->name, open + 1, n);
    p->name[n] = 0;
    /* After the name: state (3), then fields 4..13, utime (14) and stime (15). */
    const char *s = close + 1;
    while (*s == ' ')
        s++;
    if (!*s)
        return -1;
    p->state = *s++;
    unsigned long long f[13];
    for (int i = 0; i < 12; i++) {
        char *e;
        f[i] = strtoull(s, &e, 10);
        if (e == s)
            return -1;
        s = e;
    }
    p->ticks = f[10] + f[11];
    return p->pid > 0 ? 0 : -1;
}

void procstat_parse_status(const char *text, struct proc_sample *p)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!strncmp(l, "Uid:", 4))
            p->uid = atoi(l + 4);
        else if (!strncmp(l, "VmRSS:", 6))
            p->rss_kb = atol(l + 6);
        else if (!strncmp(l, "Home_core:", 10)) {
            const char *v = l + 10;
            while (*v == ' ' || *v == '\t')
                v++;
            p->home = *v >= '0' && *v <= '9' ? atoi(v) : -1;
        }
    }
}

int procstat_cpu_permille(unsigned long long prev_ticks, unsigned long long ticks,
                          unsigned long long elapsed_ticks)
{
    if (!elapsed_ticks || ticks < prev_ticks)
        return 0;
    return (int)(((ticks - prev_ticks) * 1000 + elapsed_ticks / 2) / elapsed_ticks);
}

void procstat_format_kb(long kb, char *out, int n)
{
    if (kb < 1024)
        snprintf(out, (size_t)n, "%ld KB", kb);
    else if (kb < 1024 * 1024)
        snprintf(out, (size_t)n, "%ld.%ld MB", kb / 1024, kb % 1024 * 10 / 1024);
    else
        snprintf(out, (size_t)n, "%ld.%ld GB", kb / 1048576, kb % 1048576 * 10 / 1048576);
}
