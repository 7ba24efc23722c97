/* libosc's compositor calls: /dev/compositor's ioctls and a surface fd's. */
#include "osc.h"

#include <fcntl.h>
#include <string.h>

int osc_comp_open(void)
{
    return open("/dev/compositor", O_RDWR | O_CLOEXEC);
}

int osc_comp_screen(int comp_fd, struct osc_screen_info *out)
{
    return ioctl(comp_fd, OSC_COMP_SCREEN, out);
}

int osc_comp_stats(int comp_fd, struct osc_comp_stats *out)
{
    return ioctl(comp_fd, OSC_COMP_STATS, out);
}

int osc_keyboard_layout_set(int comp_fd, unsigned layout)
{
    return ioctl(comp_fd, OSC_COMP_SET_LAYOUT, (unsigned long)layout);
}

int osc_keyboard_layout_get(int comp_fd)
{
    return ioctl(comp_fd, OSC_COMP_GET_LAYOUT, 0);
}

int osc_surface_create(int comp_fd, uint32_t w, uint32_t h, uint32_t flags)
{
    struct osc_surface_create c = { w, h, OSC_FORMAT_XRGB8888, flags };
    return ioctl(comp_fd, OSC_COMP_CREATE, &c);
}

int osc_surface_present(int fd, const struct osc_rect *rects, uint32_t n)
{
    struct osc_present p = { (uint64_t)(uintptr_t)rects, n, 0 };
    return ioctl(fd, OSC_SURFACE_PRESENT, &p);
}

int osc_surface_set_pos(int fd, int32_t x, int32_t y)
{
    struct osc_surface_pos p = { x, y };
    return ioctl(fd, OSC_SURFACE_SET_POS, &p);
}

int osc_surface_raise(int fd)
{
    return ioctl(fd, OSC_SURFACE_RAISE, 0);
}

int osc_surface_set_visible(int fd, int visible)
{
    return ioctl(fd, OSC_SURFACE_SET_VISIBLE, (unsigned long)visible);
}

int osc_surface_set_title(int fd, const char *title)
{
    return ioctl(fd, OSC_SURFACE_SET_TITLE, title);
}

int osc_surface_info(int fd, struct osc_surface_info *out)
{
    return ioctl(fd, OSC_SURFACE_INFO, out);
}

int osc_surface_set_semantics(int fd, const void *text, uint32_t len)
{
    struct osc_semantics a = { (uint64_t)(uintptr_t)text, len, 0 };
    return ioctl(fd, OSC_SURFACE_SET_SEMANTICS, &a);
}

int osc_surface_resize(int fd, uint32_t w, uint32_t h)
{
    struct osc_surface_size z = { w, h };
    return ioctl(fd, OSC_SURFACE_RESIZE, &z);
}

int osc_surface_request_size(int fd, uint32_t w, uint32_t h)
{
    struct osc_surface_size z = { w, h };
    return ioctl(fd, OSC_SURFACE_REQUEST_SIZE, &z);
}
