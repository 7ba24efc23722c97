/* Linux's framebuffer ABI (linux/fb.h: the screen-info structs and ioctl numbers
 * /dev/fb0 answers), shared by the kernel (kernel/gfx/compositor/comp_fbdev.c) and
 * the programs that test it (musl ships no kernel headers). Needs uint32_t and
 * friends from the includer, as <uapi/osc_compositor.h>. */
#pragma once

#define FBIOGET_VSCREENINFO 0x4600
#define FBIOPUT_VSCREENINFO 0x4601
#define FBIOGET_FSCREENINFO 0x4602
#define FBIOGETCMAP         0x4604
#define FBIOPUTCMAP         0x4605
#define FBIOPAN_DISPLAY     0x4606
#define FBIOBLANK           0x4611

#define FB_TYPE_PACKED_PIXELS 0
#define FB_VISUAL_TRUECOLOR   2
#define FB_ACTIVATE_MASK      15

struct fb_bitfield { uint32_t offset, length, msb_right; };

struct fb_var_screeninfo {
    uint32_t xres, yres, xres_virtual, yres_virtual, xoffset, yoffset;
    uint32_t bits_per_pixel, grayscale;
    struct fb_bitfield red, green, blue, transp;
    uint32_t nonstd, activate, height, width, accel_flags;
    uint32_t pixclock, left_margin, right_margin, upper_margin, lower_margin;
    uint32_t hsync_len, vsync_len, sync, vmode, rotate, colorspace;
    uint32_t reserved[4];
};

struct fb_fix_screeninfo {
    char id[16];
    uint64_t smem_start;                /* unsigned long on x86_64 */
    uint32_t smem_len, type, type_aux, visual;
    uint16_t xpanstep, ypanstep, ywrapstep;
    uint32_t line_length;
    uint64_t mmio_start;
    uint32_t mmio_len, accel;
    uint16_t capabilities, reserved[2];
};

_Static_assert(sizeof(struct fb_var_screeninfo) == 160, "fb_var_screeninfo is 160 bytes");
_Static_assert(sizeof(struct fb_fix_screeninfo) == 80, "fb_fix_screeninfo is 80 bytes");
