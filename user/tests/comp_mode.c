/* The display's resolution (OSC_COMP_MODES, OSC_COMP_SET_MODE on /dev/compositor):
 * the modes listed, a change the screen size and the desktop surface follow, the
 * way back, and what is refused (a mode not listed, bad pointers, a user who is
 * neither root nor the desktop's). An OSCortex interface: on Linux (no
 * /dev/compositor) the test notes that and skips. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "comp_test.h"

static bool listed(const struct osc_modes *m, uint32_t w, uint32_t h)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (m->mode[i].width == w && m->mode[i].height == h)
            return true;
    return false;
}

TEST(modes_are_listed_with_the_current_one)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    struct osc_modes m;
    CHECK_EQ(ioctl(comp, OSC_COMP_MODES, &m), 0);
    struct osc_screen_info si;
    CHECK_EQ(ioctl(comp, OSC_COMP_SCREEN, &si), 0);
    /* QEMU's standard VGA (the test machine's) sets modes. */
    CHECK(m.count >= 4 && m.count <= OSC_MODES_MAX);
    CHECK(m.current < m.count);
    CHECK_EQ(m.mode[m.current].width, si.width);
    CHECK_EQ(m.mode[m.current].height, si.height);
    CHECK(listed(&m, 800, 600) && listed(&m, 1280, 800));
    errno = 0;
    CHECK_EQ(ioctl(comp, OSC_COMP_MODES, (void *)8), -1);
    CHECK_EQ(errno, EFAULT);
    close(comp);
}

TEST(setting_a_mode_resizes_the_screen_and_the_desktop_and_goes_back)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    struct osc_screen_info before, now;
    CHECK_EQ(ioctl(comp, OSC_COMP_SCREEN, &before), 0);
    int desk = osc_surface_create(comp, before.width, before.height, OSC_SURFACE_DESKTOP);
    REQUIRE(desk >= 0);
    /* The compositor takes the screen with the first frame; before, EBUSY. */
    CHECK_EQ(osc_surface_present(desk, NULL, 0), 0);
    CHECK(wait_event(desk, OSC_EV_FRAME_DONE, NULL));
    struct osc_screen_info small = { 800, 600 };
    CHECK_EQ(ioctl(comp, OSC_COMP_SET_MODE, &small), 0);
    CHECK_EQ(ioctl(comp, OSC_COMP_SCREEN, &now), 0);
    CHECK_EQ(now.width, 800);
    CHECK_EQ(now.height, 600);
    struct osc_event ev = { 0 };
    CHECK(wait_event(desk, OSC_EV_RESIZE, &ev));
    CHECK_EQ(ev.x, 800);
    CHECK_EQ(ev.y, 600);
    struct osc_modes m;
    CHECK_EQ(ioctl(comp, OSC_COMP_MODES, &m), 0);
    CHECK(m.current < m.count && m.mode[m.current].width == 800);
    /* A size the list does not have, and a bad pointer. */
    struct osc_screen_info odd = { 1000, 700 };
    errno = 0;
    CHECK_EQ(ioctl(comp, OSC_COMP_SET_MODE, &odd), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(ioctl(comp, OSC_COMP_SET_MODE, (void *)8), -1);
    CHECK_EQ(errno, EFAULT);
    /* Another user may not change it (the desktop here is root's). */
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (setuid(1000) != 0)
            _exit(2);
        _exit(ioctl(comp, OSC_COMP_SET_MODE, &before) == -1 && errno == EPERM ? 0 : 1);
    }
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(ioctl(comp, OSC_COMP_SET_MODE, &before), 0);
    CHECK_EQ(ioctl(comp, OSC_COMP_SCREEN, &now), 0);
    CHECK_EQ(now.width, before.width);
    CHECK_EQ(now.height, before.height);
    CHECK(wait_event(desk, OSC_EV_RESIZE, &ev));
    CHECK_EQ((uint32_t)ev.x, before.width);
    close(desk);
    close(comp);
}
