/* Helpers shared by the SysV IPC tests (sysv_msg.c, sysv_sem.c, sysv_shm.c): keys
 * that will not meet another program's on the host, waiting until a child sleeps,
 * and running a child to a verdict. */
#pragma once

#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A fixed key per test and process: 0x5C (for SysV) + 12 bits of the pid + n. */
static inline key_t ipc_test_key(int n)
{
    return (key_t)(0x5C000000 | ((getpid() & 0xfff) << 8) | (n & 0xff));
}

static inline void ipc_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Waits (up to 10 s) until pid is asleep ('S' in /proc/<pid>/stat), then a little
 * more so it is settled in its wait. 1 when it was seen asleep. */
static inline int ipc_wait_sleeping(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        char state = 0;
        if (f) {
            int n = fscanf(f, "%*d (%*[^)]) %c", &state);
            fclose(f);
            if (n == 1 && state == 'S') {
                ipc_sleep_ms(20);
                return 1;
            }
        }
        ipc_sleep_ms(10);
    }
    return 0;
}

/* Exit code of child pid, or -1 when it did not exit normally. */
static inline int ipc_child_status(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1 - WTERMSIG(st);
}

static void ipc_ignore_signal(int sig) { (void)sig; }

/* Installs a do-nothing handler for sig; restart: SA_RESTART (SysV IPC calls
 * return EINTR anyway). */
static inline void ipc_catch(int sig, int restart)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = ipc_ignore_signal;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Finds the line of /proc/sysvipc/<kind> whose second column is id and stores its
 * first n columns (the mode column read as octal, the rest decimal). 1 when found,
 * 0 when not, -1 when the file is missing or its header is not Linux's. */
static inline int ipc_proc_line(const char *kind, int id, long long *cols, int n)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int found = 0;
    if (!fgets(line, sizeof(line), f) || strncmp(line, "       key      ", 16) != 0)
        found = -1;
    while (found == 0 && fgets(line, sizeof(line), f)) {
        char *p = line;
        int i;
        for (i = 0; i < n; i++) {
            char *end;
            cols[i] = strtoll(p, &end, i == 2 ? 8 : 10);
            if (end == p)
                break;
            p = end;
        }
        if (i == n && cols[1] == id)
            found = 1;
    }
    fclose(f);
    return found;
}
