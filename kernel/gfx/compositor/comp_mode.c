/* The display's resolution from user space: OSC_COMP_MODES lists the usual
 * modes the display can take (fb_mode_possible: a driver that sets modes and
 * the video memory for them), OSC_COMP_SET_MODE changes it for root or the user
 * whose desktop is on screen (the Settings app runs as that user). */

#define LOG_TAG "compositor"
#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/uaccess.h>

#include "comp_internal.h"

/* What a person picks from: 4:3, 16:10 and 16:9 sizes people know. */
static const struct osc_screen_info usual[] = {
    { 800, 600 }, { 1024, 768 }, { 1152, 864 }, { 1280, 720 }, { 1280, 800 },
    { 1280, 1024 }, { 1366, 768 }, { 1440, 900 }, { 1600, 900 }, { 1680, 1050 },
    { 1920, 1080 }, { 1920, 1200 },
};

static void list_modes(struct osc_modes *m)
{
    memset(m, 0, sizeof(*m));
    m->current = OSC_MODES_MAX;
    for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]) && m->count < OSC_MODES_MAX; i++) {
        if (!fb_mode_possible(usual[i].width, usual[i].height))
            continue;
        if (comp_screen && usual[i].width == comp_screen->width &&
            usual[i].height == comp_screen->height)
            m->current = m->count;
        m->mode[m->count++] = usual[i];
    }
    if (m->current == OSC_MODES_MAX)
        m->current = m->count;
}

/* Root, or the same effective user as the desktop surface's owner. */
static bool may_set_mode(void)
{
    struct process *p = proc_current();
    if (proc_capable(p, CAP_SYS_ADMIN))
        return true;
    int owner = 0;
    mutex_lock(&comp_lock);
    for (int i = 0; i < comp_nstack; i++)
        if (comp_stack[i]->desktop)
            owner = comp_stack[i]->owner_pid;
    mutex_unlock(&comp_lock);
    if (!owner)
        return false;
    struct proc_info *info = kmalloc(sizeof(*info));
    bool same = info && proc_info_get(owner, info) == 0 && p && info->euid == p->euid;
    kfree(info);
    return same;
}

long comp_mode_ioctl(unsigned int cmd, uint64_t arg)
{
    if (!comp_screen)
        return -ENODEV;
    if (cmd == OSC_COMP_MODES) {
        struct osc_modes m;
        mutex_lock(&comp_lock);
        list_modes(&m);
        mutex_unlock(&comp_lock);
        return copy_to_user((void *)arg, &m, sizeof(m)) ? -EFAULT : 0;
    }
    struct osc_screen_info want;
    if (copy_from_user(&want, (const void *)arg, sizeof(want)))
        return -EFAULT;
    if (!may_set_mode())
        return -EPERM;
    mutex_lock(&comp_lock);
    struct osc_modes m;
    list_modes(&m);
    long err = m.count ? -EINVAL : -EOPNOTSUPP;
    for (uint32_t i = 0; i < m.count; i++)
        if (m.mode[i].width == want.width && m.mode[i].height == want.height)
            err = 0;
    if (!err && (want.width != comp_screen->width || want.height != comp_screen->height))
        err = comp_screen_resize(want.width, want.height);
    mutex_unlock(&comp_lock);
    if (!err)
        log_info("screen %ux%u", want.width, want.height);
    return err;
}
