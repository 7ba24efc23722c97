/* The compositor's own figures (issue 12), OSCortex only (there is no Linux
 * counterpart): a screen-sized undecorated surface presented whole N times, then
 * a 256x256 damaged region of it N times, each waited for (FRAME_DONE); the time
 * per frame the compositor spent composing and copying to the screen is read from
 * OSC_COMP_STATS, and compared with a memcpy of one frame's bytes in this process.
 * Prints "COMPBENCH full_us X region_us Y memcpy_us Z" (run by
 * tools/desktop-budgets.py through tools/osc-run). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "osc.h"

#define ROUNDS 40

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int frame_done(int fd)
{
    for (int tries = 0; tries < 50; tries++) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 100) != 1)
            continue;
        struct osc_event ev[16];
        ssize_t n = read(fd, ev, sizeof(ev));
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
            if (ev[i].type == OSC_EV_FRAME_DONE)
                return 0;
    }
    return -1;
}

/* Microseconds of compose+present per frame over ROUNDS presents of r (NULL: all). */
static double measure(int comp, int fd, struct osc_rect *r)
{
    struct osc_comp_stats a, b;
    if (ioctl(comp, OSC_COMP_STATS, &a))
        return -1;
    for (int i = 0; i < ROUNDS; i++)
        if (osc_surface_present(fd, r, r ? 1 : 0) || frame_done(fd))
            return -1;
    if (ioctl(comp, OSC_COMP_STATS, &b) || b.frames <= a.frames)
        return -1;
    return (double)(b.compose_ns - a.compose_ns) / 1000.0 / (double)(b.frames - a.frames);
}

int main(void)
{
    int comp = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    struct osc_screen_info si;
    if (comp < 0 || ioctl(comp, OSC_COMP_SCREEN, &si)) {
        perror("compbench: /dev/compositor");
        return 1;
    }
    int fd = osc_surface_create(comp, si.width, si.height, 0);
    size_t bytes = (size_t)si.width * si.height * 4;
    uint32_t *px = fd < 0 ? MAP_FAILED : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED || osc_surface_set_pos(fd, 0, 0)) {
        perror("compbench: surface");
        return 1;
    }
    for (size_t i = 0; i < bytes / 4; i++)
        px[i] = 0x00203040u + (uint32_t)(i * 2654435761u >> 8);
    for (int i = 0; i < 5; i++)                 /* warm: the screen is ours */
        if (osc_surface_present(fd, NULL, 0) || frame_done(fd))
            return 1;
    double full = measure(comp, fd, NULL);
    struct osc_rect r = { (int)si.width / 2 - 128, (int)si.height / 2 - 128, 256, 256 };
    double region = measure(comp, fd, &r);
    uint8_t *a = malloc(bytes), *b = malloc(bytes);
    if (!a || !b)
        return 1;
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    uint64_t t0 = now_ns();
    for (int i = 0; i < ROUNDS; i++) {
        memcpy(i & 1 ? a : b, i & 1 ? b : a, bytes);
        __asm__ volatile("" ::: "memory");
    }
    double copy = (double)(now_ns() - t0) / 1000.0 / ROUNDS;
    if (full < 0 || region < 0) {
        fprintf(stderr, "compbench: no frame statistics\n");
        return 1;
    }
    printf("COMPBENCH full_us %.1f region_us %.1f memcpy_us %.1f\n", full, region, copy);
    return 0;
}
