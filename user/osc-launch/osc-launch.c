/* osc-launch PROGRAM [ARGS...]: runs PROGRAM as an app, on a home core of its own
 * (prctl PR_OSC_SET_ROLE, kernel/proc/home_core.c), until the desktop's launcher
 * does the same. The role survives exec; PROGRAM is looked up in PATH. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PR_OSC_SET_ROLE 0x4f534301      /* kernel/include/osc/proc.h */
#define PROC_ROLE_APP   2

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: osc-launch PROGRAM [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_OSC_SET_ROLE, PROC_ROLE_APP, 0, 0, 0) != 0)
        fprintf(stderr, "osc-launch: no home core (%s); running %s anyway\n",
                strerror(errno), argv[1]);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "osc-launch: %s: %s\n", argv[1], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
