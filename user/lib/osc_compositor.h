/* The OSCortex compositor ABI for programs (musl and glibc): surfaces made through
 * /dev/compositor, mapped with mmap, presented and steered by ioctl, their events
 * read() as struct osc_event records. The ABI itself is the kernel's
 * kernel/include/uapi/osc_compositor.h; these are the wrappers. docs/compositor.md
 * describes it. */
#pragma once

#include <stdint.h>
#include <sys/ioctl.h>

#include "../../kernel/include/uapi/osc_compositor.h"

/* A new surface's fd on the compositor device comp_fd, or -1 with errno. */
static inline int osc_surface_create(int comp_fd, uint32_t w, uint32_t h, uint32_t flags)
{
    struct osc_surface_create c = { w, h, OSC_FORMAT_XRGB8888, flags };
    return ioctl(comp_fd, OSC_COMP_CREATE, &c);
}

/* Presents n damage rects (n = 0: the whole surface); 0 or -1 with errno. */
static inline int osc_surface_present(int fd, const struct osc_rect *rects, uint32_t n)
{
    struct osc_present p = { (uint64_t)(uintptr_t)rects, n, 0 };
    return ioctl(fd, OSC_SURFACE_PRESENT, &p);
}

static inline int osc_surface_set_pos(int fd, int32_t x, int32_t y)
{
    struct osc_surface_pos p = { x, y };
    return ioctl(fd, OSC_SURFACE_SET_POS, &p);
}
