/* Boot-time VFS setup and the process hooks: builds the root tmpfs from the
 * initramfs module, mounts /dev and /tmp, and manages a process's files/cwd/root. */

#define LOG_TAG "vfs"
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

static struct vfs_ctx kernel_ctx(void)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };
    return c;
}

static int mount_new(const char *path, const char *type, uint32_t st_flags, struct vfs_fs **out)
{
    struct vfs_ctx c = kernel_ctx();
    int err = vfs_mkdir(&c, NULL, path, 0755);
    if (err && err != -EEXIST)
        return err;
    struct vfs_fs *fs = tmpfs_create(type);
    if (!fs)
        return -ENOMEM;
    fs->st_flags = st_flags;
    err = vfs_mount(path, fs);
    if (err)
        return err;
    if (out)
        *out = fs;
    return 0;
}

void vfs_init(void)
{
    struct vnode *root = vfs_root();
    if (!root) {
        log_error("root: out of memory, no filesystem");
        return;
    }
    struct initramfs_stats st = { 0 };
    size_t freed = 0;
    bool have = boot_info.module_count > 0;
    if (have) {
        const struct boot_module *m = &boot_info.modules[0];
        if (m->end <= m->start) {
            log_warn("initramfs module is empty");
        } else {
            initramfs_unpack(root, phys_to_virt(m->start), (size_t)(m->end - m->start), &st);
        }
        /* The files now live in tmpfs: keeping the archive too would hold its size
         * twice (a 121 MiB test initramfs left a 256 MiB machine nothing free). */
        freed = pmm_release_module(0);
    }
    struct vfs_ctx c = kernel_ctx();
    vfs_mkdir(&c, NULL, "/proc", 0555);
    vfs_mkdir(&c, NULL, "/sys", 0555);
    struct vfs_fs *dev = NULL;
    int e1 = mount_new("/dev", "devtmpfs", VFS_ST_NOSUID | VFS_ST_RELATIME, &dev);
    if (!e1)
        e1 = devfs_populate(dev->root);
    int e2 = mount_new("/tmp", "tmpfs", VFS_ST_NOSUID | VFS_ST_NODEV | VFS_ST_RELATIME, NULL);
    if (!e2) {
        struct vnode *t;
        if (vfs_lookup(&c, NULL, "/tmp", 0, &t) == 0) {
            vfs_chmod_vnode(t, 01777);
            vnode_put(t);
        }
    }
    struct vfs_fs *proc = procfs_create(), *sys = sysfs_create();
    int e3 = proc ? vfs_mount("/proc", proc) : -ENOMEM;
    int e4 = sys ? vfs_mount("/sys", sys) : -ENOMEM;
    if (e1 || e2 || e3 || e4)
        log_error("mounting /dev (%d), /tmp (%d), /proc (%d) or /sys (%d) failed", e1, e2, e3, e4);
    if (have)
        log_info("root: tmpfs with %zu files from the initramfs (%zu KiB, archive's %zu KiB "
                 "freed, %zu MiB free); /dev, /tmp, /proc, /sys mounted", st.files,
                 (size_t)(st.bytes / 1024), freed * PAGE_SIZE / 1024,
                 pmm_free_count() * PAGE_SIZE >> 20);
    else
        log_warn("root: empty tmpfs (no initramfs module); /dev, /tmp, /proc, /sys mounted");
}

int vfs_read_file(const char *path, void **data, size_t *len)
{
    return vfs_read_file_pages(path, data, len, NULL);
}

/* Reads the regular file at path, resolved in c; exec additionally wants an
 * execute bit. */
static int read_file(const struct vfs_ctx *c, const char *path, bool exec, void **data,
                     size_t *len, struct filepages **pages, struct linux_stat *st, bool *nosuid)
{
    struct file *f;
    int err = vfs_open(c, NULL, path, O_RDONLY | (exec ? VFS_O_EXEC : 0), 0, &f);
    if (err)
        return err;
    if (st)
        vfs_stat_vnode(f->vnode, st);
    if (nosuid)
        *nosuid = f->vnode->fs && (f->vnode->fs->st_flags & VFS_ST_NOSUID);
    err = S_ISDIR(f->vnode->mode) && !exec ? -EISDIR : -EACCES;
    if (!S_ISREG(f->vnode->mode) || (exec && !(f->vnode->mode & 0111)))
        goto out;
    size_t size = (size_t)f->vnode->size;
    err = -ENOMEM;
    void *buf = kmalloc(size ? size : 1);
    if (!buf) {
        /* One contiguous block: say so, free pages alone need not be enough. */
        log_warn("%.64s: no memory for a %zu KiB contiguous copy (%zu KiB free)", path,
                 size / 1024, pmm_free_count() * PAGE_SIZE / 1024);
        goto out;
    }
    ssize_t n = file_pread(f, buf, size, 0);
    if (n < 0) {
        kfree(buf);
        err = (int)n;
        goto out;
    }
    *data = buf;
    *len = (size_t)n;
    err = 0;
    if (pages) {
        /* As mmap's file_pages: a file with its own pread has no shared pages. */
        struct vnode *v = f->vnode;
        *pages = v->ops && v->ops->pages && !f->ops->pread ? v->ops->pages(v) : NULL;
        if (*pages)
            filepages_get(*pages);
    }
out:
    file_put(f);
    return err;
}

int vfs_read_file_pages(const char *path, void **data, size_t *len, struct filepages **pages)
{
    struct vfs_ctx c = kernel_ctx();
    return read_file(&c, path, false, data, len, pages, NULL, NULL);
}

int vfs_read_exec_file(const struct vfs_ctx *c, const char *path, void **data, size_t *len,
                       struct filepages **pages, struct linux_stat *st, bool *nosuid)
{
    return read_file(c, path, true, data, len, pages, st, nosuid);
}

int vfs_proc_fork(struct process *child, const struct process *parent)
{
    if (parent->files) {
        child->files = fdtable_clone(parent->files);
        if (!child->files)
            return -ENOMEM;
    } else {
        child->files = fdtable_create();
        if (!child->files)
            return -ENOMEM;
    }
    struct vnode *r = vfs_root();
    child->root = parent->root ? parent->root : r;
    child->cwd = parent->cwd ? parent->cwd : r;
    vnode_get(child->root);
    vnode_get(child->cwd);
    child->umask = parent->umask;
    return 0;
}

void vfs_proc_exec(struct process *p)
{
    if (p->files)
        fdtable_close_on_exec(p->files);
}

/* A vnode is being freed: its lock table and inotify watches go with it. */
void vnode_free_hook(struct vnode *v)
{
    locks_vnode_free(v);
    inotify_vnode_gone(v);
}

void vfs_proc_exit(struct process *p)
{
    vfs_lock();                 /* procfs reads other processes' tables under `vfs` */
    struct fdtable *t = p->files;
    p->files = NULL;
    vfs_unlock();
    fdtable_destroy(t);
    vnode_put(p->cwd);
    vnode_put(p->root);
    p->cwd = p->root = NULL;
}

int vfs_proc_init_console(struct process *p)
{
    if (!p->files && !(p->files = fdtable_create()))
        return -ENOMEM;
    if (!p->root) {
        p->root = vfs_root();
        vnode_get(p->root);
    }
    if (!p->cwd) {
        p->cwd = p->root;
        vnode_get(p->cwd);
    }
    p->umask = 022;
    struct vfs_ctx c = { .root = p->root, .cwd = p->cwd, .umask = 022 };
    struct file *f;
    int err = vfs_open(&c, NULL, "/dev/console", O_RDWR | O_NOCTTY, 0, &f);
    if (err)
        return err;
    for (int fd = 0; fd < 3 && err >= 0; fd++)    /* a fresh table: lands on 0, 1, 2 */
        err = fdtable_install(p->files, f, fd, false);
    file_put(f);
    return err < 0 ? err : 0;
}
