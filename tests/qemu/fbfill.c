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

#include "../../kernel/include/uapi/linux_fb.h"

int main(void)
{
    int fd = open("/dev/fb0", O_RDWR);
    struct fb_var_screeninfo v;
    struct fb_fix_screeninfo x;
    if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &v) || ioctl(fd, FBIOGET_FSCREENINFO, &x)) {
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
