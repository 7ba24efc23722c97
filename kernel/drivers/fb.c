/* Boot framebuffer driver: takes the linear framebuffer GRUB set up (multiboot2
 * framebuffer tag), maps it write-combining and describes it as the screen surface.
 * Drawing goes straight to it; callers compose small regions off-screen first
 * (LESSONS 10/12: no full-screen back buffer that could fail to allocate). */

#define LOG_TAG "fb"
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/fb.h>
#include <osc/log.h>
#include <osc/mm.h>

#define MB2_FB_TYPE_RGB 1       /* multiboot2 spec 3.6.12: direct colour */

static struct fb_surface screen;
static bool have_screen;
static struct fb_mode_setter setter;
static bool have_setter;

struct fb_surface *fb_screen(void)
{
    return have_screen ? &screen : NULL;
}

static bool field_ok(uint8_t pos, uint8_t size, uint8_t bpp)
{
    return size >= 1 && size <= 8 && pos + size <= bpp;
}

int fb_init(void)
{
    const struct boot_framebuffer *fb = &boot_info.fb;
    if (!boot_info.has_framebuffer) {
        log_info("no framebuffer from the loader: serial console only");
        return -ENODEV;
    }
    uint8_t bytes_pp = (fb->bpp + 7) / 8;
    if (fb->type != MB2_FB_TYPE_RGB || (fb->bpp != 16 && fb->bpp != 15 && fb->bpp != 24 && fb->bpp != 32) ||
        fb->width == 0 || fb->height == 0 || fb->width > 16384 || fb->height > 16384 ||
        fb->pitch < fb->width * bytes_pp || !field_ok(fb->red_pos, fb->red_size, fb->bpp) ||
        !field_ok(fb->green_pos, fb->green_size, fb->bpp) || !field_ok(fb->blue_pos, fb->blue_size, fb->bpp)) {
        log_warn("unsupported framebuffer (type %u, %ux%ux%u, pitch %u): serial console only",
                 fb->type, fb->width, fb->height, fb->bpp, fb->pitch);
        return -ENODEV;
    }
    size_t size = (size_t)fb->pitch * fb->height;
    void *virt = vmm_map_mmio(fb->addr, size, MAP_WC | MAP_WRITE);
    if (!virt) {
        log_warn("cannot map the framebuffer at %#lx: serial console only", fb->addr);
        return -ENOMEM;
    }
    screen = (struct fb_surface){
        .pixels = virt, .width = fb->width, .height = fb->height, .pitch = fb->pitch,
        .bytes_pp = bytes_pp,
        .red_pos = fb->red_pos, .red_size = fb->red_size,
        .green_pos = fb->green_pos, .green_size = fb->green_size,
        .blue_pos = fb->blue_pos, .blue_size = fb->blue_size,
    };
    have_screen = true;
    log_info("framebuffer %ux%ux%u at %#lx (pitch %u)", fb->width, fb->height, fb->bpp,
             fb->addr, fb->pitch);
    return 0;
}

void fb_register_mode_setter(const struct fb_mode_setter *m)
{
    if (!have_screen || screen.bytes_pp != 4)
        return;         /* only 32-bit modes are set, and only over a 32-bit screen */
    setter = *m;
    have_setter = true;
    log_info("modes settable (%zu KiB of video memory)", setter.vram_bytes / 1024);
}

bool fb_mode_possible(uint32_t w, uint32_t h)
{
    return have_setter && w >= 320 && h >= 200 && w <= 4096 && h <= 4096 &&
           (uint64_t)w * h * 4 <= setter.vram_bytes;
}

int fb_set_mode(uint32_t w, uint32_t h)
{
    if (!have_setter)
        return -EOPNOTSUPP;
    if (!fb_mode_possible(w, h))
        return -EINVAL;
    int err = setter.set_mode(setter.ctx, w, h);
    if (err) {
        log_warn("mode %ux%u refused by the display", w, h);
        return err;
    }
    screen.pixels = setter.vram;
    screen.width = w;
    screen.height = h;
    screen.pitch = w * 4;
    log_info("mode %ux%ux32", w, h);
    return 0;
}
