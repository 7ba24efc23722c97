/* Shared machinery of the synthetic filesystems (procfs, sysfs): vnodes that carry
 * what they show, text generated into a buffer when a file is opened, and the
 * read-only answers to every namespace change. */
#pragma once

#include <osc/types.h>
#include <osc/vfs.h>

/* A growable text buffer; on allocation failure it stops growing and sets oom. */
struct pbuf {
    char *data;
    size_t len, cap;
    bool oom;
};
void pbuf_put(struct pbuf *b, const void *s, size_t n);
void pbuf_printf(struct pbuf *b, const char *fmt, ...) __printf(2, 3);
/* A CPU mask (bit n: CPU n) in Linux's list format: "0-2,5"; nothing for 0. */
void pbuf_cpu_list(struct pbuf *b, uint64_t mask);

/* One synthetic vnode. What it shows is named by kind (each fs has its own
 * numbering) plus pid/idx; symlink targets are rebuilt into target on every
 * readlink, under `vfs` (which keeps them stable as struct vnode_ops requires). */
#define PNODE_TARGET_MAX 256
struct pnode {
    struct vnode v;
    int kind;
    int pid;                    /* procfs: the process (0: not per-process) */
    int idx;                    /* procfs fd links: the descriptor; sysfs: table index */
    struct pnode *next;         /* the fs's list of nodes, under `vfs` */
    char target[PNODE_TARGET_MAX];
};

static inline struct pnode *pnode_of(struct vnode *v) { return container_of(v, struct pnode, v); }

/* A new node of fs (nlink 1: only its filesystem frees it). NULL when out of memory. */
struct pnode *pnode_alloc(struct vfs_fs *fs, const struct vnode_ops *ops, uint32_t mode,
                          struct vnode *parent, int kind, int pid, int idx);

/* Generates a file's text. Runs in vfs_open without `vfs` held; may take process
 * and mm locks. 0 or -errno (-ESRCH once the process is gone). */
typedef int (*pseudo_gen_fn)(struct pnode *n, struct pbuf *b);
/* vnode_ops.open for read-only synthetic files: -EACCES for write access, else the
 * snapshot from gen becomes what f reads (offsets and pread agree across calls). */
int pseudofs_open(struct file *f, pseudo_gen_fn gen);

/* A scratch vnode for readdir answers (only ino and mode are read, under `vfs`). */
struct vnode *pseudofs_dirent(uint64_t ino, uint32_t mode);

/* Namespace changes: synthetic trees are read-only. */
struct vnode *pseudofs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                              uint32_t rdev, const char *target, size_t tlen);
int pseudofs_link(struct vnode *dir, const char *name, size_t len, struct vnode *v);
int pseudofs_unlink(struct vnode *dir, const char *name, size_t len);
int pseudofs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
                    const char *nname, size_t nlen);
bool pseudofs_dir_empty(struct vnode *dir);
ssize_t pseudofs_read(struct vnode *v, void *buf, size_t n, uint64_t off);
ssize_t pseudofs_write(struct vnode *v, const void *buf, size_t n, uint64_t off);
int pseudofs_truncate(struct vnode *v, uint64_t size);

/* True when name[0, len) equals the NUL-terminated s. */
static inline bool pseudofs_name_is(const char *name, size_t len, const char *s)
{
    size_t i = 0;
    for (; i < len && s[i] && s[i] == name[i]; i++)
        ;
    return i == len && s[i] == 0;
}
