/* The compositor's surface ABI (libosc: user/lib/libosc/osc.h): surfaces made through
 * /dev/compositor are fds whose mmap holds the pixels, presented with checked
 * damage rects (EINVAL for garbage, EFAULT for bad pointers), answered by a
 * frame-done event that read() and poll() see; size limits; frames come back
 * after a create/destroy loop. An OSCortex interface: on Linux (no
 * /dev/compositor) every test notes that and skips. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "comp_test.h"


TEST(surface_fd_maps_its_pixels_and_reports_its_size)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    struct osc_screen_info si;
    CHECK_EQ(ioctl(comp, OSC_COMP_SCREEN, &si), 0);
    CHECK(si.width >= 320 && si.height >= 200);
    int fd = osc_surface_create(comp, 64, 32, OSC_SURFACE_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    struct osc_surface_info info;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.width, 64);
    CHECK_EQ(info.height, 32);
    CHECK_EQ(info.stride, 256);
    CHECK_EQ(info.format, OSC_FORMAT_XRGB8888);
    uint32_t *px = mmap(NULL, 64 * 32 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(px != MAP_FAILED);
    CHECK_EQ(px[0], 0);                         /* starts black */
    for (int i = 0; i < 64 * 32; i++)
        px[i] = 0x00123456u + (uint32_t)i;
    /* A second mapping of the same fd shows the same memory. */
    uint32_t *again = mmap(NULL, 64 * 32 * 4, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(again != MAP_FAILED);
    CHECK_EQ(again[100], 0x00123456u + 100);
    munmap(again, 64 * 32 * 4);
    munmap(px, 64 * 32 * 4);
    close(fd);
    close(comp);
}

TEST(present_is_answered_by_a_frame_done_event_and_pollin)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 40, 30, 0);
    REQUIRE(fd >= 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);                /* nothing queued yet */
    CHECK_EQ(osc_surface_set_pos(fd, 10, 10), 0);
    struct osc_rect r = { 0, 0, 40, 30 };
    CHECK_EQ(osc_surface_present(fd, &r, 1), 0);
    struct osc_event ev = { 0 };
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, &ev));
    CHECK(ev.code >= 1);                        /* the frame's sequence number */
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);      /* 0 rects: all of it */
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, NULL));
    close(fd);
    close(comp);
}

/* A client presenting faster than the display is coalesced: far fewer frame-done
 * records than presents, and never more than the queue holds. */
TEST(presents_faster_than_frames_are_coalesced_into_a_bounded_queue)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 16, 16, OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    struct osc_rect r = { 1, 1, 2, 2 };
    for (int i = 0; i < 500; i++)
        CHECK_EQ(osc_surface_present(fd, &r, 1), 0);
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, NULL));
    usleep(200000);                             /* whatever frames were still due */
    int frames = 1;
    struct osc_event ev[16];
    ssize_t n;
    while ((n = read(fd, ev, sizeof(ev))) > 0)
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
            frames += ev[i].type == OSC_EV_FRAME_DONE;
    /* One record per present would fill the 64-record queue; 48 frames would
     * take 500 presents 0.8 s, far longer than they take. */
    CHECK(frames >= 1 && frames < 48);
    close(fd);
    close(comp);
}

TEST(garbage_damage_rects_are_einval_and_change_nothing)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 100, 50, OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    const struct osc_rect bad[] = {
        { 0, 0, 101, 50 }, { -1, 0, 10, 10 }, { 0, 0, 0, 10 }, { 0, 0, 10, -5 },
        { 0x7fffffff, 0, 0x7fffffff, 1 }, { 50, 0, 0x7fffffff, 1 }, { 0, 49, 1, 2 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_ERR(osc_surface_present(fd, &bad[i], 1), EINVAL);
    /* One bad rect among good ones spoils the whole list. */
    struct osc_rect mixed[2] = { { 0, 0, 10, 10 }, { 95, 0, 10, 10 } };
    CHECK_ERR(osc_surface_present(fd, mixed, 2), EINVAL);
    static struct osc_rect many[OSC_PRESENT_MAX_RECTS + 1];
    for (int i = 0; i <= OSC_PRESENT_MAX_RECTS; i++)
        many[i] = (struct osc_rect){ 0, 0, 1, 1 };
    CHECK_ERR(osc_surface_present(fd, many, OSC_PRESENT_MAX_RECTS + 1), EINVAL);
    CHECK_EQ(osc_surface_present(fd, many, OSC_PRESENT_MAX_RECTS), 0);
    struct osc_present reserved = { (uint64_t)(uintptr_t)many, 1, 7 };
    CHECK_ERR(ioctl(fd, OSC_SURFACE_PRESENT, &reserved), EINVAL);
    close(fd);
    close(comp);
}

TEST(bad_pointers_are_efault)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    CHECK_ERR(ioctl(comp, OSC_COMP_CREATE, (void *)0x1000), EFAULT);
    CHECK_ERR(ioctl(comp, OSC_COMP_SCREEN, (void *)0xffff800000000000ull), EFAULT);
    int fd = osc_surface_create(comp, 16, 16, 0);
    REQUIRE(fd >= 0);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_PRESENT, NULL), EFAULT);
    CHECK_ERR(osc_surface_present(fd, (const struct osc_rect *)0x1000, 1), EFAULT);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_SET_POS, (void *)8), EFAULT);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_SET_TITLE, (void *)0x1000), EFAULT);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_INFO, (void *)0x1000), EFAULT);
    close(fd);
    close(comp);
}

TEST(sizes_formats_and_flags_out_of_range_are_refused)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    CHECK_ERR(osc_surface_create(comp, 4097, 1, 0), EINVAL);
    CHECK_ERR(osc_surface_create(comp, 1, 4097, 0), EINVAL);
    CHECK_ERR(osc_surface_create(comp, 0, 10, 0), EINVAL);
    CHECK_ERR(osc_surface_create(comp, 0xffffffffu, 0xffffffffu, 0), EINVAL);
    CHECK_ERR(osc_surface_create(comp, 10, 10, 0x80), EINVAL);
    struct osc_surface_create c = { 10, 10, 0x12345678, 0 };
    CHECK_ERR(ioctl(comp, OSC_COMP_CREATE, &c), EINVAL);
    /* 32 MiB each: the third passes the 64 MiB a process may hold (or memory
     * runs out sooner): ENOMEM, never a crash. */
    int fds[3], made = 0;
    for (int i = 0; i < 3; i++) {
        errno = 0;
        fds[i] = osc_surface_create(comp, 4096, 2048, 0);
        if (fds[i] >= 0)
            made++;
        else
            CHECK_EQ(errno, ENOMEM);
    }
    CHECK(made <= 2);
    CHECK(fds[2] < 0);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    close(comp);
}

TEST(geometry_title_and_visibility_ioctls_check_their_arguments)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 20, 20, 0);
    REQUIRE(fd >= 0);
    CHECK_EQ(osc_surface_set_pos(fd, -5, 7), 0);
    struct osc_surface_info info;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.x, -5);
    CHECK_EQ(info.y, 7);
    CHECK_ERR(osc_surface_set_pos(fd, 1 << 20, 0), EINVAL);
    CHECK_ERR(osc_surface_set_pos(fd, 0, -(1 << 20)), EINVAL);
    CHECK_EQ(ioctl(fd, OSC_SURFACE_SET_VISIBLE, 0), 0);
    CHECK_EQ(ioctl(fd, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.visible, 0);
    CHECK_ERR(ioctl(fd, OSC_SURFACE_SET_VISIBLE, 2), EINVAL);
    CHECK_EQ(ioctl(fd, OSC_SURFACE_RAISE, 0), 0);
    CHECK_EQ(ioctl(fd, OSC_SURFACE_SET_TITLE, "demo"), 0);
    char longt[OSC_TITLE_MAX + 10];
    memset(longt, 'a', sizeof(longt) - 1);
    longt[sizeof(longt) - 1] = 0;
    CHECK_ERR(ioctl(fd, OSC_SURFACE_SET_TITLE, longt), EINVAL);
    CHECK_ERR(ioctl(fd, 0x1234, 0), ENOTTY);
    CHECK_ERR(ioctl(comp, OSC_SURFACE_PRESENT, 0), ENOTTY);     /* not a surface */
    close(fd);
    close(comp);
}

TEST(reads_are_whole_records_and_a_closed_surface_fd_is_ebadf)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 8, 8, OSC_SURFACE_NONBLOCK);
    REQUIRE(fd >= 0);
    struct osc_event ev[2];
    CHECK_ERR(read(fd, ev, sizeof(ev)), EAGAIN);        /* empty, non-blocking */
    CHECK_ERR(read(fd, ev, 8), EINVAL);                 /* less than one record */
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);
    CHECK(wait_event(fd, OSC_EV_FRAME_DONE, NULL));
    close(fd);
    CHECK_ERR(osc_surface_present(fd, NULL, 0), EBADF);
    CHECK_ERR(read(fd, ev, sizeof(ev)), EBADF);
    close(comp);
}

TEST(mapping_outlives_the_fd)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 32, 32, 0);
    REQUIRE(fd >= 0);
    volatile uint32_t *px = mmap(NULL, 32 * 32 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(px != MAP_FAILED);
    close(fd);
    px[1000] = 0xabcdef;
    CHECK_EQ(px[1000], 0xabcdef);
    munmap((void *)px, 32 * 32 * 4);
    close(comp);
}

static void create_destroy_loop(int comp)
{
    for (int i = 0; i < 20; i++) {
        int fd = osc_surface_create(comp, 128, 64, 0);
        if (fd < 0)
            continue;
        uint32_t *px = mmap(NULL, 128 * 64 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (px != MAP_FAILED) {
            px[0] = px[128 * 64 - 1] = 0xff0000;
            osc_surface_present(fd, NULL, 0);
            munmap(px, 128 * 64 * 4);
        }
        close(fd);
    }
}

TEST(create_and_destroy_loop_gives_every_frame_back)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 128, 64, 0);
    CHECK(fd >= 0);
    close(fd);
    /* 20 surfaces of 8 pages each: a leak of even one would show. */
    CHECK_FRAMES_RETURN(create_destroy_loop(comp), 4);
    close(comp);
}

TEST(cursor_shape_set_takes_the_eight_shapes_and_refuses_others)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    errno = 0;
    CHECK_EQ(osc_cursor_shape_set(OSC_CURSOR_COUNT), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(osc_cursor_shape_set(-1), -1);
    CHECK_EQ(errno, EINVAL);
    int fd = osc_surface_create(comp, 32, 32, 0);
    REQUIRE(fd >= 0);
    for (int shape = 0; shape < OSC_CURSOR_COUNT; shape++)
        CHECK_EQ(osc_cursor_shape_set(shape), 0);
    CHECK_EQ(osc_cursor_shape_set(OSC_CURSOR_ARROW), 0);
    close(fd);
    close(comp);
}

/* A shown surface, presented and focused (a new surface is the foreground one). */
static int shown_surface(int comp, int x)
{
    int fd = osc_surface_create(comp, 48, 32, OSC_SURFACE_DECORATED);
    if (fd < 0)
        return -1;
    osc_surface_set_pos(fd, x, 100);
    osc_surface_present(fd, NULL, 0);
    return fd;
}

TEST(app_close_foreground_asks_the_focused_surface_and_focus_passes_on)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    errno = 0;
    CHECK_EQ(osc_app_close_foreground(), -1);       /* nothing shown */
    CHECK_EQ(errno, ESRCH);
    int a = shown_surface(comp, 100);
    REQUIRE(a >= 0);
    CHECK(wait_event(a, OSC_EV_FOCUS_IN, NULL));
    int b = shown_surface(comp, 300);
    REQUIRE(b >= 0);
    CHECK(wait_event(b, OSC_EV_FOCUS_IN, NULL));
    struct osc_surface_info info;
    CHECK_EQ(ioctl(b, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.focused, 1);
    CHECK_EQ(ioctl(a, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.focused, 0);
    CHECK_EQ(osc_app_close_foreground(), 0);
    CHECK(wait_event(b, OSC_EV_CLOSE_REQUEST, NULL));
    /* The owner closes it: the other surface is focused. */
    close(b);
    CHECK(wait_event(a, OSC_EV_FOCUS_IN, NULL));
    CHECK_EQ(ioctl(a, OSC_SURFACE_INFO, &info), 0);
    CHECK_EQ(info.focused, 1);
    close(a);
    errno = 0;
    CHECK_EQ(osc_app_close_foreground(), -1);
    CHECK_EQ(errno, ESRCH);
    close(comp);
}

/* The whole of a small file, NUL-terminated; its length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    ssize_t n;
    while (got < cap - 1 && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = 0;
    return (ssize_t)got;
}

/* The /sys/compositor/windows directory of surface fd: its pid and geometry match. */
static bool window_dir(int fd, char *dir, size_t cap)
{
    struct osc_surface_info info;
    if (ioctl(fd, OSC_SURFACE_INFO, &info) < 0)
        return false;
    char want[64], buf[64], path[128];
    snprintf(want, sizeof(want), "%d %d %u %u\n", info.x, info.y, info.width, info.height);
    for (int id = 1; id < 100000; id++) {
        snprintf(path, sizeof(path), "/sys/compositor/windows/%d/geometry", id);
        if (read_file(path, buf, sizeof(buf)) < 0 || strcmp(buf, want) != 0)
            continue;
        snprintf(path, sizeof(path), "/sys/compositor/windows/%d/pid", id);
        if (read_file(path, buf, sizeof(buf)) < 0 || atoi(buf) != getpid())
            continue;
        snprintf(dir, cap, "/sys/compositor/windows/%d", id);
        return true;
    }
    return false;
}

/* Raw, for the reserved field libosc's wrapper keeps 0. */
static int set_semantics(int fd, const void *text, uint32_t len, uint32_t reserved)
{
    struct osc_semantics a = { (uint64_t)(uintptr_t)text, len, reserved };
    return ioctl(fd, OSC_SURFACE_SET_SEMANTICS, &a);
}

TEST(semantics_are_checked_and_read_back_from_sysfs_with_the_window)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, 50, 40, OSC_SURFACE_DECORATED);
    REQUIRE(fd >= 0);
    CHECK_EQ(osc_surface_set_pos(fd, 321, 123), 0);
    CHECK_EQ(ioctl(fd, OSC_SURFACE_SET_TITLE, "sem-test"), 0);
    static char big[OSC_SEMANTICS_MAX + 1];
    memset(big, 'x', sizeof(big));
    errno = 0;
    CHECK_EQ(set_semantics(fd, big, OSC_SEMANTICS_MAX + 1, 0), -1);
    CHECK_EQ(errno, E2BIG);
    errno = 0;
    CHECK_EQ(set_semantics(fd, "a", 1, 1), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(set_semantics(fd, (void *)8, 10, 0), -1);
    CHECK_EQ(errno, EFAULT);
    errno = 0;
    CHECK_EQ(ioctl(fd, OSC_SURFACE_SET_SEMANTICS, (void *)8), -1);
    CHECK_EQ(errno, EFAULT);
    const char *tree = "0 1 window \"sem-test\" value=0 rect=0,0,50,40 state=0\n";
    CHECK_EQ(set_semantics(fd, tree, (uint32_t)strlen(tree), 0), 0);
    CHECK_EQ(osc_surface_present(fd, NULL, 0), 0);      /* listed once shown */
    char dir[64], path[128], buf[OSC_SEMANTICS_MAX + 16];
    REQUIRE(window_dir(fd, dir, sizeof(dir)));
    snprintf(path, sizeof(path), "%s/semantics", dir);
    CHECK_EQ(read_file(path, buf, sizeof(buf)), (ssize_t)strlen(tree));
    CHECK_STR(buf, tree);
    snprintf(path, sizeof(path), "%s/title", dir);
    CHECK(read_file(path, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "sem-test\n");
    snprintf(path, sizeof(path), "%s/focused", dir);
    CHECK(read_file(path, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "1\n");                 /* a new shown window is focused */
    /* The largest blob is kept whole; 0 clears. */
    CHECK_EQ(set_semantics(fd, big, OSC_SEMANTICS_MAX, 0), 0);
    snprintf(path, sizeof(path), "%s/semantics", dir);
    CHECK_EQ(read_file(path, buf, sizeof(buf)), OSC_SEMANTICS_MAX);
    CHECK(buf[0] == 'x' && buf[OSC_SEMANTICS_MAX - 1] == 'x');
    CHECK_EQ(set_semantics(fd, NULL, 0, 0), 0);
    CHECK_EQ(read_file(path, buf, sizeof(buf)), 0);
    /* The directory is listed, and goes with the surface. */
    bool listed = false;
    DIR *d = opendir("/sys/compositor/windows");
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, strrchr(dir, '/') + 1) == 0)
            listed = true;
    closedir(d);
    CHECK(listed);
    close(fd);
    struct stat st;
    errno = 0;
    CHECK_EQ(stat(dir, &st), -1);
    CHECK_EQ(errno, ENOENT);
    close(comp);
}

TEST(keyboard_layout_is_set_for_the_session_and_unknown_layouts_are_einval)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int was = osc_keyboard_layout_get(comp);
    CHECK(was == OSC_LAYOUT_US || was == OSC_LAYOUT_DE);
    CHECK_EQ(osc_keyboard_layout_set(comp, OSC_LAYOUT_DE), 0);
    CHECK_EQ(osc_keyboard_layout_get(comp), OSC_LAYOUT_DE);
    /* Another opener sees the same layout: it is the session's, not the fd's. */
    int other = osc_comp_open();
    REQUIRE(other >= 0);
    CHECK_EQ(osc_keyboard_layout_get(other), OSC_LAYOUT_DE);
    CHECK_EQ(osc_keyboard_layout_set(other, OSC_LAYOUT_US), 0);
    CHECK_EQ(osc_keyboard_layout_get(comp), OSC_LAYOUT_US);
    errno = 0;
    CHECK_EQ(osc_keyboard_layout_set(comp, OSC_LAYOUT_COUNT), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(osc_keyboard_layout_set(comp, 0xffffffffu), -1);
    CHECK_EQ(osc_keyboard_layout_get(comp), OSC_LAYOUT_US);    /* unchanged */
    CHECK_EQ(osc_keyboard_layout_set(comp, (unsigned)was), 0);
    close(other);
    close(comp);
}
