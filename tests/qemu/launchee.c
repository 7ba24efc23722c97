/* The program tests/qemu/launches.py launches 1000 times inside OSCortex: its first
 * output line names the launch, the CPU it runs on (getcpu) and what
 * /proc/self/status says of its placement (Cpus_allowed_list, Home_core); then,
 * by its mode, it exits 0 after a short busy spell (and says its CPU again), exits
 * 3, dies of SIGSEGV, or (hold) stays busy for 1 s of wall time, so that launches
 * started together overlap, then says its CPU again. Static musl, built by
 * launches.py (never in the image otherwise). usage: launchee ID ok|exit|segv|hold */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int cpu_now(void)
{
    unsigned cpu = ~0u;
    return syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 ? (int)cpu : -1;
}

/* The value of "Key:" in /proc/self/status, spaces squeezed out, or "-". */
static void status_field(const char *status, const char *key, char *out, size_t len)
{
    const char *p = strstr(status, key);
    snprintf(out, len, "-");
    if (!p)
        return;
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(out, p, n);
    out[n] = 0;
    if (n == 0)
        snprintf(out, len, "-");
}

int main(int argc, char **argv)
{
    const char *id = argc > 1 ? argv[1] : "?";
    const char *mode = argc > 2 ? argv[2] : "ok";
    int cpu = cpu_now();
    char status[4096] = "", allowed[128], home[64], line[512];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, status, sizeof status - 1);
        status[n > 0 ? n : 0] = 0;
        close(fd);
    }
    status_field(status, "\nCpus_allowed_list:", allowed, sizeof allowed);
    status_field(status, "\nHome_core:", home, sizeof home);
    int len = snprintf(line, sizeof line, "LAUNCH %s cpu=%d allowed=%s home=%s mode=%s\n", id,
                       cpu, allowed, home, mode);
    if (write(1, line, len) != len)
        return 2;
    if (strcmp(mode, "segv") == 0)
        *(volatile int *)0 = 1;
    if (strcmp(mode, "exit") == 0)
        _exit(3);
    if (strcmp(mode, "hold") == 0) {
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do
            clock_gettime(CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 1000000000L);
    } else {
        for (volatile unsigned long i = 0; i < 2000000; i++)     /* run briefly */
            ;
    }
    len = snprintf(line, sizeof line, "DONE %s cpu=%d\n", id, cpu_now());
    return write(1, line, len) == len ? 0 : 2;
}
