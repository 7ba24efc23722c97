/* Guest side of tests/qemu/fbdev.py: an fbdev program as Linux would have it. It
 * opens /dev/fb0, maps it and fills it: the left half pure red (0xff0000), the right
 * half pure blue, then prints "FB WxH stride" and READY and keeps the device open
 * for 8 s (the host takes its screendump meanwhile), then DONE. Static musl,
 * built by the test. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct fb_bitfield { uint32_t offset, length, msb_right; };
struct fb_var_screeninfo {
    uint32_t xres, yres, xres_virtual, yres_virtual, xoffset, yoffset;
    uint32_t bits_per_pixel, grayscale;
    struct fb_bitfield red, green, blue, transp;
    uint32_t rest[19];
};
struct fb_fix_screeninfo {
    char id[16];
    unsigned long smem_start;
    uint32_t smem_len, type, type_aux, visual;
    uint16_t xpanstep, ypanstep, ywrapstep;
    uint32_t line_length;
    unsigned long mmio_start;
    uint32_t mmio_len, accel;
    uint16_t capabilities, reserved[2];
};

int main(void)
{
    int fd = open("/dev/fb0", O_RDWR);
    struct fb_var_screeninfo v;
    struct fb_fix_screeninfo x;
    if (fd < 0 || ioctl(fd, 0x4600, &v) || ioctl(fd, 0x4602, &x)) {
        perror("fbfill: /dev/fb0");
        printf("DONE\n");
        return 1;
    }
    uint8_t *px = mmap(NULL, x.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED) {
        perror("fbfill: mmap");
        printf("DONE\n");
        return 1;
    }
    for (uint32_t y = 0; y < v.yres; y++) {
        uint32_t *row = (uint32_t *)(px + (size_t)y * x.line_length);
        for (uint32_t i = 0; i < v.xres; i++)
            row[i] = i < v.xres / 2 ? 0xff0000u : 0x0000ffu;
    }
    printf("FB %ux%u %u\nREADY\n", v.xres, v.yres, x.line_length);
    fflush(stdout);
    sleep(8);
    printf("DONE\n");
    return 0;
}
