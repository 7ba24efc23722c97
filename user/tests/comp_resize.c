/* Resizing compositor surfaces (libosc: user/lib/libosc/osc.h): OSC_SURFACE_REQUEST_SIZE
 * answered by an OSC_EV_RESIZE clamped to the limits, OSC_SURFACE_RESIZE's new
 * buffer mapped at once but shown only by the next present (damage checked
 * against the new size), bad sizes and pointers refused; clients killed
 * mid-resize and 100 clients making and dropping surfaces leave no windows and
 * no frames behind. An OSCortex interface: on Linux (no /dev/compositor) every
 * test notes that and skips. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "comp_test.h"

static int set_size(int fd, unsigned long cmd, uint32_t w, uint32_t h)
{
    struct osc_surface_size z = { w, h };
    return ioctl(fd, cmd, &z);
}

static bool requested(int fd, uint32_t w, uint32_t h, int want_w, int want_h)
{
    struct osc_event ev = { 0 };
    if (set_size(fd, OSC_SURFACE_REQUEST_SIZE, w, h) != 0 || !wait_event(fd, OSC_EV_RESIZE, &ev))
        return false;
    return ev.x == want_w && ev.y == want_h;
}

TEST(request_size_sends_a_resize_event_within_the_limits)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 200, 100, OSC_SURFACE_DECORATED | OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK(requested(fd, 300, 150, 300, 150));
    CHECK(requested(fd, 10, 5, OSC_SURFACE_MIN_W, OSC_SURFACE_MIN_H));
    CHECK(requested(fd, 99999, 99999, OSC_SURFACE_MAX_DIM, OSC_SURFACE_MAX_DIM));
    struct osc_surface_info info;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.width, 200);          /* a request changes nothing by itself */
    CHECK_EQ(info.height, 100);
    close(fd);
    close(comp);
}

TEST(resize_maps_a_new_buffer_shown_by_the_next_present)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 64, 32, OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    uint32_t *old = mmap(NULL, 64 * 32 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(old != MAP_FAILED);
    for (int i = 0; i < 64 * 32; i++)
        old[i] = 0x111111;
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, NULL));
    struct osc_rect far = { 100, 70, 28, 10 };
    CHECK_ERR(osc_surface_present(fd, &far, 1), EINVAL);       /* outside 64x32 */

    CHECK_EQ(set_size(fd, OSC_SURFACE_RESIZE, 128, 80), 0);
    struct osc_surface_info info;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.width, 64);           /* the old buffer is still the one shown */
    CHECK_EQ(info.height, 32);
    uint32_t *px = mmap(NULL, 128 * 80 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(px != MAP_FAILED);
    CHECK_EQ(px[0], 0);                 /* a fresh, zeroed buffer */
    CHECK_EQ(px[128 * 80 - 1], 0);
    for (int i = 0; i < 128 * 80; i++)
        px[i] = 0x00abcdefu;
    CHECK_EQ(old[64 * 32 - 1], 0x111111u);      /* the old mapping is untouched */

    CHECK_EQ(osc_surface_present(fd, &far, 1), 0);    /* inside 128x80 */
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.width, 128);
    CHECK_EQ(info.height, 80);
    CHECK_EQ(info.stride, 128 * 4);
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, NULL));
    /* The fd maps the new buffer from now on. */
    uint32_t *again = mmap(NULL, 128 * 80 * 4, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(again != MAP_FAILED);
    CHECK_EQ(again[128 * 80 - 1], 0x00abcdefu);
    munmap(again, 128 * 80 * 4);
    munmap(px, 128 * 80 * 4);
    munmap(old, 64 * 32 * 4);
    close(fd);
    close(comp);
}

TEST(a_second_resize_before_the_present_replaces_the_first)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 64, 32, OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(set_size(fd, OSC_SURFACE_RESIZE, 300, 300), 0);
    CHECK_EQ(set_size(fd, OSC_SURFACE_RESIZE, 50, 40), 0);
    struct osc_rect r = { 0, 0, 300, 300 };
    CHECK_ERR(osc_surface_present(fd, &r, 1), EINVAL);         /* checked against 50x40 */
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);
    struct osc_surface_info info;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.width, 50);
    CHECK_EQ(info.height, 40);
    close(fd);
    close(comp);
}

TEST(resize_refuses_bad_sizes_and_pointers)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 64, 32, 0);
    REQUIRE(fd >= 0);
    CHECK_ERR(set_size(fd, OSC_SURFACE_RESIZE, 0, 10), EINVAL);
    CHECK_ERR(set_size(fd, OSC_SURFACE_RESIZE, 10, 0), EINVAL);
    CHECK_ERR(set_size(fd, OSC_SURFACE_RESIZE, OSC_SURFACE_MAX_DIM + 1, 10), EINVAL);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_RESIZE, (void *)0x1000), EFAULT);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_REQUEST_SIZE, (void *)0x1000), EFAULT);
    CHECK_ERR(ioctl(comp, OSC_SURFACE_RESIZE, (void *)0x1000), ENOTTY);   /* not a surface */
    /* Four 2048x2048 buffers would be 64 MiB, past what a process may hold
     * with its first buffer: each replaces the last, so they all fit. */
    int r = 0;
    for (int i = 0; i < 4 && r == 0; i++)
        r = set_size(fd, OSC_SURFACE_RESIZE, 2048, 2048);
    CHECK_EQ(r, 0);
    int other = osc_surface_create(comp, 2048, 2048, 0);
    CHECK(other >= 0);
    CHECK_ERR(set_size(other, OSC_SURFACE_RESIZE, 4096, 4096), ENOMEM);  /* 16 + 16 + 64 MiB */
    close(other);
    close(fd);
    close(comp);
}

/* How many windows /sys/compositor/windows lists. */
static int windows(void)
{
    DIR *d = opendir("/sys/compositor/windows");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* One client: a shown, decorated surface, a resize on the way (every other one
 * killed while it waits for its present), then gone. */
static void one_client(int i)
{
    pid_t pid = fork();
    if (pid == 0) {
        int comp = open("/dev/compositor", O_RDWR);
        int fd = comp < 0 ? -1 : osc_surface_create(comp, 120, 60, OSC_SURFACE_DECORATED);
        if (fd < 0)
            _exit(1);
        osc_surface_set_pos(fd, 10 + i % 40, 40 + i % 30);
        osc_surface_present(fd, NULL, 0);
        set_size(fd, OSC_SURFACE_RESIZE, 200, 100);
        if (i % 2) {
            uint32_t *px = mmap(NULL, 200 * 100 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (px != MAP_FAILED)
                px[0] = 0xff;
            osc_surface_present(fd, NULL, 0);
            _exit(0);
        }
        for (;;)
            pause();                    /* killed mid-resize */
    }
    if (pid > 0 && i % 2 == 0) {
        usleep(1000);
        kill(pid, SIGKILL);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static void hundred_clients(void)
{
    for (int i = 0; i < 100; i++)
        one_client(i);
}

TEST(hundred_clients_leave_no_windows_and_no_frames)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int before = windows();
    CHECK(before >= 0);
    CHECK_FRAMES_RETURN(hundred_clients(), 16);
    CHECK_EQ(windows(), before);
    /* The loop made windows at all: one left open shows up in the count. */
    int fd = osc_surface_create(comp, 120, 60, 0);
    REQUIRE(fd >= 0);
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);
    CHECK_EQ(windows(), before + 1);
    close(fd);
    CHECK_EQ(windows(), before);
    close(comp);
}
