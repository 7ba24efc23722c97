/* Synthetic-filesystem helpers shared by procfs and sysfs: text buffers, the
 * open-time snapshot every read of a /proc or /sys file is served from, and the
 * read-only namespace answers. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include "pseudofs.h"

#define PBUF_LIMIT (1024 * 1024)        /* a file bigger than this is cut: kmalloc sanity */

static bool pbuf_grow(struct pbuf *b, size_t need)
{
    if (b->oom)
        return false;
    if (b->len + need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + need)
        cap *= 2;
    char *d = cap <= PBUF_LIMIT ? kmalloc(cap) : NULL;
    if (!d) {
        b->oom = true;
        return false;
    }
    if (b->len)
        memcpy(d, b->data, b->len);
    kfree(b->data);
    b->data = d;
    b->cap = cap;
    return true;
}

void pbuf_put(struct pbuf *b, const void *s, size_t n)
{
    if (!pbuf_grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void pbuf_cpu_list(struct pbuf *b, uint64_t mask)
{
    const char *sep = "";
    for (unsigned cpu = 0; cpu < 64; cpu++) {
        if (!(mask >> cpu & 1))
            continue;
        unsigned last = cpu;
        while (last + 1 < 64 && (mask >> (last + 1) & 1))
            last++;
        if (last == cpu)
            pbuf_printf(b, "%s%u", sep, cpu);
        else
            pbuf_printf(b, "%s%u-%u", sep, cpu, last);
        sep = ",";
        cpu = last;
    }
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = kvsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        pbuf_put(b, small, (size_t)n);
        return;
    }
    if (!pbuf_grow(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    kvsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

struct pnode *pnode_alloc(struct vfs_fs *fs, const struct vnode_ops *ops, uint32_t mode,
                          struct vnode *parent, int kind, int pid, int idx)
{
    struct pnode *n = kzalloc(sizeof(*n));
    if (!n)
        return NULL;
    n->v.mode = mode;
    vnode_init_lock(&n->v);
    n->v.nlink = S_ISDIR(mode) ? 2 : 1;
    n->v.ino = fs->next_ino++;
    n->v.ops = ops;
    n->v.fs = fs;
    n->v.parent = parent;
    n->kind = kind;
    n->pid = pid;
    n->idx = idx;
    return n;
}

/* ---- the snapshot an open file reads ---- */

struct snapshot {
    char *data;
    size_t len;
};

static ssize_t snap_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
    struct snapshot *s = f->priv;
    if (off >= s->len)
        return 0;
    n = MIN(n, s->len - (size_t)off);
    memcpy(buf, s->data + off, n);
    return (ssize_t)n;
}

static ssize_t snap_read(struct file *f, void *buf, size_t n)
{
    vnode_lock(f->vnode);               /* f->off lives under the vnode's lock */
    ssize_t r = snap_pread(f, buf, n, f->off);
    if (r > 0)
        f->off += (uint64_t)r;
    vnode_unlock(f->vnode);
    return r;
}

static void snap_release(struct file *f)
{
    struct snapshot *s = f->priv;
    if (s)
        kfree(s->data);
    kfree(s);
}

static int snap_poll(struct file *f)
{
    (void)f;
    return POLLIN;
}

static const struct file_ops snapshot_ops = {
    .read = snap_read, .pread = snap_pread, .release = snap_release, .poll = snap_poll,
    .seekable = true,
};

int pseudofs_open(struct file *f, pseudo_gen_fn gen)
{
    if ((f->flags & O_ACCMODE) != O_RDONLY)
        return -EACCES;
    struct snapshot *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    struct pbuf b = { 0 };
    int err = gen(pnode_of(f->vnode), &b);
    if (!err && b.oom)
        err = -ENOMEM;
    if (err) {
        kfree(b.data);
        kfree(s);
        return err;
    }
    s->data = b.data;
    s->len = b.len;
    f->priv = s;
    f->ops = &snapshot_ops;
    return 0;
}

struct vnode *pseudofs_dirent(uint64_t ino, uint32_t mode)
{
    static struct vnode scratch;        /* under `vfs`, like every readdir answer */
    scratch.ino = ino;
    scratch.mode = mode;
    return &scratch;
}

/* ---- read-only namespace ---- */

struct vnode *pseudofs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                              uint32_t rdev, const char *target, size_t tlen)
{
    (void)dir; (void)name; (void)len; (void)mode; (void)rdev; (void)target; (void)tlen;
    return ERR_PTR(-EACCES);
}

int pseudofs_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
    (void)dir; (void)name; (void)len; (void)v;
    return -EACCES;
}

int pseudofs_unlink(struct vnode *dir, const char *name, size_t len)
{
    (void)dir; (void)name; (void)len;
    return -EACCES;
}

int pseudofs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
                    const char *nname, size_t nlen)
{
    (void)odir; (void)oname; (void)olen; (void)ndir; (void)nname; (void)nlen;
    return -EACCES;
}

bool pseudofs_dir_empty(struct vnode *dir)
{
    (void)dir;
    return false;
}

/* Reached only without an open file (files are served from their snapshot). */
ssize_t pseudofs_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
    (void)v; (void)buf; (void)n; (void)off;
    return -EINVAL;
}

ssize_t pseudofs_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
    (void)v; (void)buf; (void)n; (void)off;
    return -EACCES;
}

int pseudofs_truncate(struct vnode *v, uint64_t size)
{
    (void)v; (void)size;
    return -EACCES;
}
