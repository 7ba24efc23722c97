/* /dev/fb0, Linux's framebuffer device, as a window: each open gets a surface of
 * its own (FB_WIDTH x FB_HEIGHT, decorated, titled "fb0: <program>") that the
 * program maps and draws into as it would into a screen. fbdev programs never say
 * when they drew, so a kernel thread per open presents the whole surface every
 * FB_PERIOD_NS while the device is open. */

#define LOG_TAG "fbdev"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include <uapi/linux_fb.h>
#include "comp_internal.h"

#define FB_WIDTH      640
#define FB_HEIGHT     480
#define FB_PERIOD_NS  33333333ull       /* 30 presents a second */

/* One open of /dev/fb0: its surface file and the thread presenting it. The
 * release stops the thread (joined: the window is gone when close returns). */
struct fbdev {
    struct file *surface;
    struct thread *presenter;
    bool closed;
};

static void fbdev_presenter(void *arg)
{
    struct fbdev *fb = arg;
    while (!__atomic_load_n(&fb->closed, __ATOMIC_ACQUIRE)) {
        comp_surface_present_whole(fb->surface);
        thread_sleep_ns(FB_PERIOD_NS);
    }
}

static void var_info(struct fb_var_screeninfo *v)
{
    memset(v, 0, sizeof(*v));
    v->xres = v->xres_virtual = FB_WIDTH;
    v->yres = v->yres_virtual = FB_HEIGHT;
    v->bits_per_pixel = 32;
    v->red = (struct fb_bitfield){ 16, 8, 0 };
    v->green = (struct fb_bitfield){ 8, 8, 0 };
    v->blue = (struct fb_bitfield){ 0, 8, 0 };
    v->height = v->width = (uint32_t)-1;        /* size in mm: unknown */
}

static long fbdev_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    switch (cmd) {
    case FBIOGET_VSCREENINFO: {
        struct fb_var_screeninfo v;
        var_info(&v);
        return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
    }
    case FBIOPUT_VSCREENINFO: {
        /* One mode: asking for it (or just re-activating it) succeeds, and the
         * caller reads back what it got, as from a driver with a fixed mode. */
        struct fb_var_screeninfo want, have;
        if (copy_from_user(&want, (const void *)arg, sizeof(want)))
            return -EFAULT;
        var_info(&have);
        if (want.xres > FB_WIDTH || want.yres > FB_HEIGHT ||
            want.xres_virtual > FB_WIDTH || want.yres_virtual > FB_HEIGHT ||
            (want.bits_per_pixel && want.bits_per_pixel != 32))
            return -EINVAL;
        have.activate = want.activate & ~(uint32_t)FB_ACTIVATE_MASK;
        return copy_to_user((void *)arg, &have, sizeof(have)) ? -EFAULT : 0;
    }
    case FBIOGET_FSCREENINFO: {
        struct fb_fix_screeninfo x;
        memset(&x, 0, sizeof(x));
        memcpy(x.id, "OSCortex window", 16);
        x.smem_len = ALIGN_UP(FB_WIDTH * FB_HEIGHT * 4, PAGE_SIZE);
        x.type = FB_TYPE_PACKED_PIXELS;
        x.visual = FB_VISUAL_TRUECOLOR;
        x.line_length = FB_WIDTH * 4;
        return copy_to_user((void *)arg, &x, sizeof(x)) ? -EFAULT : 0;
    }
    case FBIOPAN_DISPLAY: {
        struct fb_var_screeninfo v;
        if (copy_from_user(&v, (const void *)arg, sizeof(v)))
            return -EFAULT;
        return v.xoffset || v.yoffset ? -EINVAL : 0;   /* nothing to pan over */
    }
    case FBIOBLANK:
        return 0;
    case FBIOGETCMAP:
    case FBIOPUTCMAP:
        return -EINVAL;                 /* true colour: no palette (as Linux) */
    }
    (void)f;
    return -ENOTTY;
}

static struct filepages *fbdev_pages(struct file *f)
{
    struct fbdev *fb = f->priv;
    return fb->surface->ops->pages(fb->surface);
}

static void fbdev_release(struct file *f)
{
    struct fbdev *fb = f->priv;
    __atomic_store_n(&fb->closed, true, __ATOMIC_RELEASE);
    thread_join(fb->presenter);
    file_put(fb->surface);              /* the window goes with it */
    kfree(fb);
}

static const struct file_ops fbdev_ops = {
    .ioctl = fbdev_ioctl, .pages = fbdev_pages, .release = fbdev_release,
};

int comp_fbdev_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    (void)rdev;
    (void)open_flags;
    struct process *p = proc_current();
    if (!p)
        return -ENXIO;
    struct fbdev *fb = kzalloc(sizeof(*fb));
    if (!fb)
        return -ENOMEM;
    struct osc_surface_create c = {
        .width = FB_WIDTH, .height = FB_HEIGHT, .format = OSC_FORMAT_XRGB8888,
        .flags = OSC_SURFACE_DECORATED,
    };
    long err = comp_surface_make(&c, p->pid, &fb->surface);
    if (err) {
        kfree(fb);
        return (int)err;
    }
    struct comp_surface *s = fb->surface->priv;
    mutex_lock(&comp_lock);
    ksnprintf(s->title, sizeof(s->title), "fb0: %s", p->comm);
    mutex_unlock(&comp_lock);
    fb->presenter = thread_create("fbdev", fbdev_presenter, fb);
    if (!fb->presenter) {
        file_put(fb->surface);
        kfree(fb);
        return -ENOMEM;
    }
    f->ops = &fbdev_ops;
    f->priv = fb;
    log_debug("/dev/fb0 opened by pid %d: a %dx%d window", p->pid, FB_WIDTH, FB_HEIGHT);
    return 0;
}
