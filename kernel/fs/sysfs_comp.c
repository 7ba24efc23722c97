/* /sys/compositor/windows/<id>: each window on screen (a presented surface) with
 * its title, geometry ("x y w h" of the client area), owner pid, focused (0/1)
 * and the semantics text its client published (OSC_SURFACE_SET_SEMANTICS), for
 * tests and accessibility tools. Windows come and go, so one directory of nodes
 * is made per compositor slot at mount; a slot's nodes show whichever window
 * holds the slot (an open directory of a closed window may show its successor). */

#include <osc/compositor.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include "sysfs_comp.h"

static const char *const file_names[COMP_NFIELDS] = {
    [COMP_F_TITLE] = "title", [COMP_F_GEOMETRY] = "geometry", [COMP_F_PID] = "pid",
    [COMP_F_FOCUSED] = "focused", [COMP_F_SEMANTICS] = "semantics",
};
#define K_DIR       0
#define K_FILE      1
#define PER_SLOT    (K_FILE + COMP_NFIELDS)
#define FIELD_MAX   (OSC_TITLE_MAX + 64)

static struct pnode *nodes[COMP_WINDOW_SLOTS * PER_SLOT];
static char names[COMP_WINDOW_SLOTS][12];       /* a slot's window id, for readdir */
static int windows_dir_idx = -1;

static int node_idx(int slot, int k) { return SYSFS_COMP_IDX + slot * PER_SLOT + k; }

bool sysfs_comp_create(struct vfs_fs *fs, const struct vnode_ops *ops, int windows_idx,
                       struct vnode *windows_dir)
{
    windows_dir_idx = windows_idx;
    for (int i = 0; i < COMP_WINDOW_SLOTS; i++) {
        struct pnode **p = nodes + i * PER_SLOT;
        p[K_DIR] = pnode_alloc(fs, ops, S_IFDIR | 0555, windows_dir, 0, 0, node_idx(i, K_DIR));
        if (!p[K_DIR])
            return false;
        for (int f = 0; f < COMP_NFIELDS; f++) {
            p[K_FILE + f] = pnode_alloc(fs, ops, S_IFREG | 0444, &p[K_DIR]->v, 0, 0,
                                        node_idx(i, K_FILE + f));
            if (!p[K_FILE + f])
                return false;
        }
    }
    return true;
}

static bool decode(int idx, int *slot, int *k)
{
    if (idx < SYSFS_COMP_IDX || idx - SYSFS_COMP_IDX >= COMP_WINDOW_SLOTS * PER_SLOT)
        return false;
    *slot = (idx - SYSFS_COMP_IDX) / PER_SLOT;
    *k = (idx - SYSFS_COMP_IDX) % PER_SLOT;
    return true;
}

/* A window id from its directory name: decimal, no sign or leading zero. */
static bool parse_id(const char *name, size_t len, uint32_t *id)
{
    if (!len || len > 10 || (name[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *id = (uint32_t)v;
    return true;
}

struct vnode *sysfs_comp_lookup(int dir_idx, const char *name, size_t len)
{
    int slot, k;
    if (dir_idx == windows_dir_idx) {
        uint32_t id;
        if (!parse_id(name, len, &id) || (slot = comp_window_slot(id)) < 0)
            return NULL;
        return &nodes[slot * PER_SLOT + K_DIR]->v;
    }
    if (decode(dir_idx, &slot, &k) && k == K_DIR)
        for (int f = 0; f < COMP_NFIELDS; f++)
            if (pseudofs_name_is(name, len, file_names[f]))
                return &nodes[slot * PER_SLOT + K_FILE + f]->v;
    return NULL;
}

int sysfs_comp_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                       struct vnode **v)
{
    int slot, kind;
    if (dir_idx == windows_dir_idx) {
        uint32_t id;
        if (!comp_window_at(k, &slot, &id))
            return -ENOENT;
        ksnprintf(names[slot], sizeof(names[slot]), "%u", id);
        *name = names[slot];
        *v = &nodes[slot * PER_SLOT + K_DIR]->v;
    } else if (decode(dir_idx, &slot, &kind) && kind == K_DIR && k < COMP_NFIELDS) {
        *name = file_names[k];
        *v = &nodes[slot * PER_SLOT + K_FILE + (int)k]->v;
    } else {
        return -ENOENT;
    }
    *len = strlen(*name);
    return 0;
}

int sysfs_comp_gen(struct pnode *n, struct pbuf *b)
{
    int slot, k;
    if (!decode(n->idx, &slot, &k) || k == K_DIR)
        return -EISDIR;
    enum comp_field f = (enum comp_field)(k - K_FILE);
    char small[FIELD_MAX];
    size_t cap = f == COMP_F_SEMANTICS ? OSC_SEMANTICS_MAX : sizeof(small);
    char *buf = f == COMP_F_SEMANTICS ? kmalloc(cap) : small;
    if (!buf)
        return -ENOMEM;
    long len = comp_window_field(slot, f, buf, cap);
    if (len > 0)
        pbuf_put(b, buf, (size_t)len);
    if (buf != small)
        kfree(buf);
    return len < 0 ? (int)len : 0;
}
