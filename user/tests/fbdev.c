/* /dev/fb0 as Linux's fbdev ABI (linux/fb.h) on OSCortex, where each open is a
 * window of its own: the screen info ioctls, a fixed mode that FBIOPUT_VSCREENINFO
 * hands back, panning at 0 only, mmap of the pixels, and the window listed in
 * /sys/compositor/windows while the device is open. Without /dev/fb0 off
 * OSCortex (the host) every test notes that and skips. */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stdbool.h>

#include <dirent.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../../kernel/include/uapi/linux_fb.h"

static int open_fb(void)
{
    int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (tl_on_oscortex())
        CHECK(!"/dev/fb0 opens");
    else
        printf("  note: no /dev/fb0 here (not OSCortex): skipped\n");
    return -1;
}

/* How many windows /sys/compositor/windows lists for this process, and whether one
 * is titled want. */
static int my_windows(const char *want, bool *titled)
{
    int n = 0;
    *titled = false;
    DIR *d = opendir("/sys/compositor/windows");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], text[128] = "";
        snprintf(path, sizeof(path), "/sys/compositor/windows/%s/pid", e->d_name);
        FILE *f = fopen(path, "r");
        int pid = -1;
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = -1;
            fclose(f);
        }
        if (pid != (int)getpid())
            continue;
        n++;
        snprintf(path, sizeof(path), "/sys/compositor/windows/%s/title", e->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fgets(text, sizeof(text), f))
                text[strcspn(text, "\n")] = 0;
            fclose(f);
        }
        *titled |= !strcmp(text, want);
    }
    if (d)
        closedir(d);
    return n;
}

TEST(fb0_reports_a_32_bit_true_colour_mode)
{
    int fd = open_fb();
    if (fd < 0)
        return;
    struct fb_var_screeninfo v;
    struct fb_fix_screeninfo x;
    CHECK_EQ(ioctl(fd, FBIOGET_VSCREENINFO, &v), 0);
    CHECK_EQ(ioctl(fd, FBIOGET_FSCREENINFO, &x), 0);
    CHECK(v.xres >= 320 && v.yres >= 200);
    CHECK_EQ(v.xres_virtual, v.xres);
    CHECK_EQ(v.bits_per_pixel, 32u);
    CHECK(v.red.offset == 16 && v.green.offset == 8 && v.blue.offset == 0);
    CHECK(v.red.length == 8 && v.green.length == 8 && v.blue.length == 8);
    CHECK_EQ(x.visual, (uint32_t)FB_VISUAL_TRUECOLOR);
    CHECK_EQ(x.line_length, v.xres * 4);
    CHECK(x.smem_len >= x.line_length * v.yres);
    close(fd);
}

TEST(fb0_keeps_its_one_mode_and_pans_only_at_zero)
{
    int fd = open_fb();
    if (fd < 0)
        return;
    struct fb_var_screeninfo v, w;
    CHECK_EQ(ioctl(fd, FBIOGET_VSCREENINFO, &v), 0);
    w = v;
    CHECK_EQ(ioctl(fd, FBIOPUT_VSCREENINFO, &w), 0);
    CHECK(w.xres == v.xres && w.yres == v.yres && w.bits_per_pixel == 32);
    w = v;
    w.bits_per_pixel = 16;
    CHECK_ERR(ioctl(fd, FBIOPUT_VSCREENINFO, &w), EINVAL);
    w = v;
    CHECK_EQ(ioctl(fd, FBIOPAN_DISPLAY, &w), 0);
    w.yoffset = 8;
    CHECK_ERR(ioctl(fd, FBIOPAN_DISPLAY, &w), EINVAL);
    CHECK_ERR(ioctl(fd, FBIOGET_VSCREENINFO, (void *)8), EFAULT);
    CHECK_ERR(ioctl(fd, 0x46ff, &w), ENOTTY);
    close(fd);
}

TEST(fb0_maps_its_pixels_and_is_a_window_while_open)
{
    int fd = open_fb();
    if (fd < 0)
        return;
    struct fb_var_screeninfo v;
    struct fb_fix_screeninfo x;
    REQUIRE(ioctl(fd, FBIOGET_VSCREENINFO, &v) == 0 && ioctl(fd, FBIOGET_FSCREENINFO, &x) == 0);
    uint32_t *px = mmap(NULL, x.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(px != MAP_FAILED);
    for (uint32_t y = 0; y < v.yres; y++)
        for (uint32_t i = 0; i < v.xres; i++)
            px[y * (x.line_length / 4) + i] = 0x00ff0000u | (y & 0xff);
    CHECK_EQ(px[5 * (x.line_length / 4) + 7], 0x00ff0005u);
    char title[64];
    snprintf(title, sizeof(title), "fb0: %s", program_invocation_short_name);
    title[4 + 15] = 0;                  /* comm keeps 15 characters */
    bool titled = false;
    int n = 0;
    for (int i = 0; i < 50 && !(n = my_windows(title, &titled)); i++)
        usleep(20000);
    CHECK_EQ(n, 1);
    CHECK(titled);
    munmap(px, x.smem_len);
    close(fd);
    for (int i = 0; i < 50 && (n = my_windows(title, &titled)); i++)
        usleep(20000);
    CHECK_EQ(n, 0);                     /* the window goes with the device */
}

TEST(each_open_of_fb0_is_a_window_of_its_own)
{
    int a = open_fb();
    if (a < 0)
        return;
    int b = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    CHECK(b >= 0);
    bool titled;
    int n = 0;
    for (int i = 0; i < 50 && (n = my_windows("", &titled)) < 2; i++)
        usleep(20000);
    CHECK_EQ(n, 2);
    close(a);
    close(b);
}
