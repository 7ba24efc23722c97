/* The compositor's desktop surface (OSC_SURFACE_DESKTOP): one at a time (EBUSY for
 * a second), never decorated (EINVAL), and free again once closed. An OSCortex
 * interface: on Linux (no /dev/compositor) every test notes that and skips. */
#include "comp_test.h"

#include <sys/ioctl.h>

TEST(only_one_desktop_surface_at_a_time)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int a = osc_surface_create(comp, 64, 64, OSC_SURFACE_DESKTOP);
    CHECK(a >= 0);
    errno = 0;
    CHECK(osc_surface_create(comp, 64, 64, OSC_SURFACE_DESKTOP) == -1 && errno == EBUSY);
    int plain = osc_surface_create(comp, 64, 64, 0);    /* ordinary windows still come */
    CHECK(plain >= 0);
    close(a);
    int b = osc_surface_create(comp, 64, 64, OSC_SURFACE_DESKTOP);
    CHECK(b >= 0);                                      /* the slot is free again */
    close(b);
    close(plain);
    close(comp);
}

TEST(desktop_surface_cannot_be_decorated)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    errno = 0;
    CHECK(osc_surface_create(comp, 64, 64, OSC_SURFACE_DESKTOP | OSC_SURFACE_DECORATED) == -1 &&
          errno == EINVAL);
    close(comp);
}

TEST(desktop_surface_sits_at_the_origin)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int a = osc_surface_create(comp, 100, 80, OSC_SURFACE_DESKTOP);
    struct osc_surface_info info;
    CHECK(a >= 0 && ioctl(a, OSC_SURFACE_INFO, &info) == 0);
    CHECK(info.x == 0 && info.y == 0);
    close(a);
    close(comp);
}
