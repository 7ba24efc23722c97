/* What /sys/compositor/windows shows of each window (kernel/fs/sysfs_comp.c reads
 * it through these): title, geometry, owner, focus and the semantics text the
 * client published, copied out under comp_lock into the caller's buffer. */

#include <osc/errno.h>
#include <osc/lib.h>

#include "comp_internal.h"

struct comp_surface *comp_slots[COMP_WINDOW_SLOTS];

/* Listed once presented: before that a surface is not on screen. */
static bool listed(const struct comp_surface *s)
{
    return s && s->presented;
}

bool comp_window_at(uint64_t k, int *slot, uint32_t *id)
{
    bool found = false;
    mutex_lock(&comp_lock);
    for (int i = 0; i < COMP_WINDOW_SLOTS; i++) {
        if (listed(comp_slots[i]) && k-- == 0) {
            *slot = i;
            *id = comp_slots[i]->id;
            found = true;
            break;
        }
    }
    mutex_unlock(&comp_lock);
    return found;
}

int comp_window_slot(uint32_t id)
{
    int r = -1;
    mutex_lock(&comp_lock);
    for (int i = 0; i < COMP_WINDOW_SLOTS && r < 0; i++)
        if (listed(comp_slots[i]) && comp_slots[i]->id == id)
            r = i;
    mutex_unlock(&comp_lock);
    return r;
}

long comp_window_field(int slot, enum comp_field field, char *buf, size_t cap)
{
    if (slot < 0 || slot >= COMP_WINDOW_SLOTS || !cap)
        return -ENOENT;
    long n = -ENOENT;
    mutex_lock(&comp_lock);
    const struct comp_surface *s = comp_slots[slot];
    if (listed(s)) {
        switch (field) {
        case COMP_F_TITLE: n = ksnprintf(buf, cap, "%s\n", s->title); break;
        case COMP_F_GEOMETRY: n = ksnprintf(buf, cap, "%d %d %u %u\n", s->x, s->y, s->w, s->h); break;
        case COMP_F_PID: n = ksnprintf(buf, cap, "%d\n", s->owner_pid); break;
        case COMP_F_FOCUSED: n = ksnprintf(buf, cap, "%d\n", comp_is_focused(s) ? 1 : 0); break;
        case COMP_F_SEMANTICS:
            n = (long)MIN(s->sem_len, cap);
            if (n)
                memcpy(buf, s->sem, (size_t)n);
            break;
        default: n = -ENOENT; break;
        }
        if (field != COMP_F_SEMANTICS && n > (long)cap - 1)
            n = (long)cap - 1;          /* ksnprintf says what it needed */
    }
    mutex_unlock(&comp_lock);
    return n;
}
