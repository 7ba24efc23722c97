/* Shared by the compositor tests (compositor.c, comp_resize.c, comp_desktop.c):
 * opening /dev/compositor (a failure on OSCortex, a skip elsewhere) and waiting for
 * an event of one type on a surface. */
#pragma once

#include "testlib.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "osc.h"

/* The device, or -1: a failure on OSCortex, a skip elsewhere. */
static inline int open_comp(void)
{
    int fd = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (tl_on_oscortex())
        CHECK(!"/dev/compositor opens");
    else
        printf("  note: no /dev/compositor (not OSCortex): skipped\n");
    return -1;
}

/* Waits up to 5 s for an event of type (others read are dropped); true when one
 * came, with it in *out (when not NULL). */
static inline bool wait_event(int fd, uint32_t type, struct osc_event *out)
{
    for (int tries = 0; tries < 50; tries++) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
            struct osc_event ev[8];
            ssize_t n = read(fd, ev, sizeof(ev));
            for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
                if (ev[i].type == type) {
                    if (out)
                        *out = ev[i];
                    return true;
                }
            }
        }
    }
    return false;
}
