/* host-test: kernel/fs/vfs.c kernel/fs/vfs_vnode.c kernel/fs/vfs_names.c kernel/fs/vfs_attr.c kernel/fs/vfs_perm.c kernel/fs/file.c kernel/fs/fdtable.c kernel/fs/tmpfs.c kernel/fs/initramfs.c kernel/fs/pipe_ring.c kernel/fs/cpio.c kernel/mm/filepages.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* host-test-setup: tests/host/setup_vfs.sh */
/* VFS core + tmpfs on the host: path walk (symlinks, loops, "..", trailing slashes,
 * long names), create/unlink/rename semantics, fd tables, initramfs unpacking
 * (archives from tools/mkinitramfs.py and hand-made unsafe ones), the pipe ring. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/vfs.h>
#include "check.h"

void *kmalloc(size_t n) { return malloc(n ? n : 1); }
void *kzalloc(size_t n) { return calloc(1, n ? n : 1); }
void kfree(void *p) { free(p); }
/* tmpfs file pages (kernel/mm/filepages.c): frames are host pages seen through a
 * fake direct map; nothing else maps them here, so a put frees. No threads: the
 * mutex is a no-op. */
paddr_t pmm_alloc_page(void)
{
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (!p)
        return 0;
    memset(p, 0, PAGE_SIZE);
    return (paddr_t)((uintptr_t)p - DIRECT_MAP_BASE);
}
void page_ref_get(paddr_t p) { (void)p; }
void page_ref_put(paddr_t p) { free(phys_to_virt(p)); }
void mutex_init(struct mutex *m, const char *name, uint16_t rank) { (void)m; (void)name; (void)rank; }
void mutex_lock(struct mutex *m) { (void)m; }
void mutex_unlock(struct mutex *m) { (void)m; }
/* The page cache half of filepages.c (disk-backed stores) is not used by tmpfs. */
void pmm_free_page(paddr_t p) { free(phys_to_virt(p)); }
int page_ref_init(void) { return 0; }
bool page_ref_shared(paddr_t p) { (void)p; return false; }
bool mutex_trylock(struct mutex *m) { (void)m; return true; }
void thread_sleep_ns(uint64_t ns) { (void)ns; }
void spin_lock_contended(struct spinlock *l) { (void)l; }
size_t pmm_free_count(void) { return 1000; }
size_t pmm_total_count(void) { return 1000; }
void epoll_file_gone(struct file *f) { (void)f; }     /* no epoll on the host */
static int log_lines;
void log_write(enum log_level level, const char *tag, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%s] ", tag);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    log_lines++;
}
int devfs_open(struct file *f, uint32_t rdev, uint32_t open_flags) { (void)f; (void)rdev; (void)open_flags; return -ENXIO; }
int blk_open(struct file *f, uint32_t rdev, uint32_t open_flags) { (void)f; (void)rdev; (void)open_flags; return -ENXIO; }
/* Named pipes live in pipe.c (wait queues, not linked here): opening a FIFO is ENXIO. */
int fifo_attach_locked(struct file *f, struct vnode *v, uint32_t flags) { (void)f; (void)v; (void)flags; return -ENXIO; }
int fifo_wait_peer(struct file *f) { (void)f; return 0; }
void tmpfs_free_tree(struct vnode *dir);

static struct vfs_ctx fresh(void)
{
    struct vfs_fs *fs = tmpfs_create("tmpfs");
    struct vfs_ctx c = { .root = fs->root, .cwd = fs->root, .umask = 022 };
    return c;
}

static void done(struct vfs_ctx *c)
{
    struct vfs_fs *fs = c->root->fs;
    tmpfs_free_tree(c->root);
    free(fs);
}

static int look(struct vfs_ctx *c, const char *p, int flags, struct vnode **v)
{
    struct vnode *x;
    int err = vfs_lookup(c, NULL, p, flags, &x);
    if (!err) {
        x->refcount--;
        if (v)
            *v = x;
    }
    return err;
}

static int put_file(struct vfs_ctx *c, const char *p, const char *text)
{
    struct file *f;
    int err = vfs_open(c, NULL, p, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (err)
        return err;
    ssize_t n = file_write(f, text, strlen(text));
    file_put(f);
    return n < 0 ? (int)n : 0;
}

static char got[8192];
static const char *get_file(struct vfs_ctx *c, const char *p)
{
    struct file *f;
    if (vfs_open(c, NULL, p, O_RDONLY, 0, &f))
        return "<open failed>";
    ssize_t n = file_read(f, got, sizeof(got) - 1);
    file_put(f);
    got[n < 0 ? 0 : n] = 0;
    return got;
}

TEST(path_walk_basics)
{
    struct vfs_ctx c = fresh();
    CHECK_EQ(vfs_mkdir(&c, NULL, "/a", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/a/b", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "a/b", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/x/y", 0755), -ENOENT);
    CHECK_EQ(put_file(&c, "/a/f", "data"), 0);
    struct vnode *v, *b;
    CHECK_EQ(look(&c, "/a/b", 0, &b), 0);
    CHECK_EQ(look(&c, "//a/./b/../b//", 0, &v), 0);
    CHECK(v == b);
    CHECK_EQ(look(&c, "/../../..", 0, &v), 0);
    CHECK(v == c.root);
    CHECK_EQ(look(&c, "/a/f/", 0, &v), -ENOTDIR);
    CHECK_EQ(look(&c, "/a/f/x", 0, &v), -ENOTDIR);
    CHECK_EQ(look(&c, "/a/nope", 0, &v), -ENOENT);
    CHECK_EQ(look(&c, "", 0, &v), -ENOENT);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/a/b/c/", 0755), 0);
    CHECK_EQ(look(&c, "/a/b/c", 0, &v), 0);
    CHECK_EQ(v->mode, S_IFDIR | 0755);
    /* relative to cwd */
    c.cwd = b;
    CHECK_EQ(look(&c, "c", 0, &v), 0);
    CHECK_EQ(look(&c, "../f", 0, &v), 0);
    CHECK_STR(get_file(&c, "../f"), "data");
    char buf[64];
    CHECK_EQ(vfs_getcwd(&c, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "/a/b");
    CHECK_EQ(vfs_getcwd(&c, buf, 4), -ERANGE);
    c.cwd = c.root;
    CHECK_EQ(vfs_getcwd(&c, buf, sizeof(buf)), 2);
    CHECK_STR(buf, "/");
    done(&c);
}

TEST(long_names)
{
    struct vfs_ctx c = fresh();
    char name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    char p[400];
    snprintf(p, sizeof(p), "/%s", name);
    CHECK_EQ(vfs_mkdir(&c, NULL, p, 0755), 0);
    CHECK_EQ(look(&c, p, 0, NULL), 0);
    memset(name, 'n', 256);
    name[256] = 0;
    snprintf(p, sizeof(p), "/%s", name);
    CHECK_EQ(vfs_mkdir(&c, NULL, p, 0755), -ENAMETOOLONG);
    CHECK_EQ(look(&c, p, 0, NULL), -ENAMETOOLONG);
    char *huge = malloc(5000);
    for (int i = 0; i < 4999; i++)
        huge[i] = (i % 2) ? '/' : 'a';
    huge[4999] = 0;
    CHECK_EQ(look(&c, huge, 0, NULL), -ENAMETOOLONG);
    free(huge);
    done(&c);
}

/* The exe link's path: canonical, every symlink (final and on the way) followed. */
static const char *real(struct vfs_ctx *c, const char *p)
{
    static char buf[VFS_PATH_MAX];
    int n = vfs_realpath(c, p, buf, sizeof(buf));
    if (n < 0)
        snprintf(buf, sizeof(buf), "<error %d>", n);
    else if ((size_t)n != strlen(buf) + 1)
        snprintf(buf, sizeof(buf), "<length %d is wrong>", n);
    return buf;
}

TEST(realpath_follows_every_symlink_and_resolves_relative_to_cwd)
{
    struct vfs_ctx c = fresh();
    CHECK_EQ(vfs_mkdir(&c, NULL, "/bin", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/usr", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/usr/lib", 0755), 0);
    CHECK_EQ(put_file(&c, "/bin/busybox", "x"), 0);
    CHECK_EQ(vfs_symlink(&c, "busybox", NULL, "/bin/sh"), 0);       /* relative */
    CHECK_EQ(vfs_symlink(&c, "/bin/sh", NULL, "/usr/sh2"), 0);      /* chain */
    CHECK_EQ(vfs_symlink(&c, "/usr/lib", NULL, "/lib"), 0);         /* dir link */
    CHECK_EQ(put_file(&c, "/usr/lib/ld.so", "y"), 0);
    CHECK_EQ(vfs_symlink(&c, "../../bin/sh", NULL, "/usr/lib/up"), 0);
    CHECK_STR(real(&c, "/bin/busybox"), "/bin/busybox");
    CHECK_STR(real(&c, "/bin/sh"), "/bin/busybox");
    CHECK_STR(real(&c, "/usr/sh2"), "/bin/busybox");
    CHECK_STR(real(&c, "/lib/ld.so"), "/usr/lib/ld.so");
    CHECK_STR(real(&c, "/lib/up"), "/bin/busybox");
    CHECK_STR(real(&c, "/usr/../bin/./sh"), "/bin/busybox");
    CHECK_STR(real(&c, "/"), "/");
    CHECK_STR(real(&c, "/usr/lib/"), "/usr/lib");
    CHECK_STR(real(&c, "/usr/lib/.."), "/usr");
    struct vnode *bin;
    CHECK_EQ(look(&c, "/bin", VFS_FOLLOW, &bin), 0);
    c.cwd = bin;
    CHECK_STR(real(&c, "./sh"), "/bin/busybox");
    CHECK_STR(real(&c, "sh"), "/bin/busybox");
    CHECK_STR(real(&c, "../lib/up"), "/bin/busybox");
    CHECK_STR(real(&c, "."), "/bin");
    CHECK_STR(real(&c, "./nothere"), "<error -2>");
    CHECK_STR(real(&c, "/nodir/x"), "<error -2>");
    CHECK_STR(real(&c, "busybox/x"), "<error -20>");
    c.cwd = c.root;
    CHECK_EQ(vfs_symlink(&c, "/loop2", NULL, "/loop1"), 0);
    CHECK_EQ(vfs_symlink(&c, "/loop1", NULL, "/loop2"), 0);
    CHECK_STR(real(&c, "/loop1"), "<error -40>");
    char small[8];
    CHECK_EQ(vfs_realpath(&c, "/usr/lib/ld.so", small, sizeof(small)), -ERANGE);
    done(&c);
}

TEST(symlinks_follow_and_loop)
{
    struct vfs_ctx c = fresh();
    CHECK_EQ(vfs_mkdir(&c, NULL, "/d", 0755), 0);
    CHECK_EQ(put_file(&c, "/d/f", "hi"), 0);
    CHECK_EQ(vfs_symlink(&c, "d/f", NULL, "/rel"), 0);
    CHECK_EQ(vfs_symlink(&c, "/d", NULL, "/abs"), 0);
    CHECK_EQ(vfs_symlink(&c, "../d/f", NULL, "/d/up"), 0);
    CHECK_STR(get_file(&c, "/rel"), "hi");
    CHECK_STR(get_file(&c, "/abs/f"), "hi");
    CHECK_STR(get_file(&c, "/d/up"), "hi");
    struct vnode *v;
    CHECK_EQ(look(&c, "/rel", 0, &v), 0);
    CHECK(S_ISLNK(v->mode));
    CHECK_EQ(look(&c, "/rel", VFS_FOLLOW, &v), 0);
    CHECK(S_ISREG(v->mode));
    CHECK_EQ(look(&c, "/abs/", 0, &v), 0);    /* trailing slash follows */
    CHECK(S_ISDIR(v->mode));
    CHECK_EQ(look(&c, "/rel/", 0, &v), -ENOTDIR);
    /* loops */
    CHECK_EQ(vfs_symlink(&c, "/l2", NULL, "/l1"), 0);
    CHECK_EQ(vfs_symlink(&c, "/l1", NULL, "/l2"), 0);
    CHECK_EQ(look(&c, "/l1", VFS_FOLLOW, &v), -ELOOP);
    CHECK_EQ(vfs_symlink(&c, "self", NULL, "/self"), 0);
    CHECK_EQ(look(&c, "/self/x", 0, &v), -ELOOP);
    /* a chain of 40 links resolves, 41 does not */
    char from[32], to[32];
    for (int i = 0; i < 41; i++) {
        snprintf(from, sizeof(from), "/c%d", i);
        if (i == 0)
            snprintf(to, sizeof(to), "/d/f");
        else
            snprintf(to, sizeof(to), "/c%d", i - 1);
        CHECK_EQ(vfs_symlink(&c, to, NULL, from), 0);
    }
    CHECK_EQ(look(&c, "/c39", VFS_FOLLOW, &v), 0);
    CHECK_EQ(look(&c, "/c40", VFS_FOLLOW, &v), -ELOOP);
    /* O_NOFOLLOW on a symlink */
    struct file *f;
    CHECK_EQ(vfs_open(&c, NULL, "/rel", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
    char buf[16];
    CHECK_EQ(vfs_readlink(&c, NULL, "/rel", buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "d/f", 3) == 0);
    CHECK_EQ(vfs_readlink(&c, NULL, "/d/f", buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vfs_symlink(&c, "", NULL, "/empty"), -ENOENT);
    /* dangling */
    CHECK_EQ(vfs_symlink(&c, "/nowhere", NULL, "/dang"), 0);
    CHECK_EQ(look(&c, "/dang", VFS_FOLLOW, &v), -ENOENT);
    CHECK_EQ(look(&c, "/dang", 0, &v), 0);
    done(&c);
}

TEST(mounts_and_dotdot)
{
    struct vfs_ctx c = fresh();
    CHECK_EQ(vfs_mkdir(&c, NULL, "/mnt", 0755), 0);
    struct vfs_fs *fs2 = tmpfs_create("tmpfs");
    struct vnode *mp;
    CHECK_EQ(look(&c, "/mnt", 0, &mp), 0);
    mp->mounted = fs2;                  /* what vfs_mount does, on this private root */
    fs2->mountpoint = mp;
    CHECK_EQ(put_file(&c, "/mnt/inner", "x"), 0);
    struct vnode *v;
    CHECK_EQ(look(&c, "/mnt", 0, &v), 0);
    CHECK(v == fs2->root);
    CHECK_EQ(look(&c, "/mnt/inner", 0, &v), 0);
    CHECK(v->fs == fs2);
    CHECK_EQ(look(&c, "/mnt/..", 0, &v), 0);
    CHECK(v == c.root);
    CHECK_EQ(look(&c, "/mnt/../mnt/inner", 0, &v), 0);
    CHECK_EQ(vfs_rename(&c, NULL, "/mnt/inner", NULL, "/outer"), -EXDEV);
    CHECK_EQ(vfs_link(&c, NULL, "/mnt/inner", NULL, "/outer", 0), -EXDEV);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/mnt"), -EBUSY);
    c.cwd = fs2->root;
    char buf[64];
    CHECK_EQ(vfs_getcwd(&c, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "/mnt");
    /* a chroot-like root: ".." stops there */
    struct vfs_ctx jail = { .root = fs2->root, .cwd = fs2->root };
    CHECK_EQ(look(&jail, "/..", 0, &v), 0);
    CHECK(v == fs2->root);
    tmpfs_free_tree(fs2->root);
    free(fs2);
    mp->mounted = NULL;
    done(&c);
}

TEST(create_unlink_rmdir)
{
    struct vfs_ctx c = fresh();
    struct file *f;
    CHECK_EQ(vfs_open(&c, NULL, "/new", O_RDWR | O_CREAT | O_EXCL, 0666, &f), 0);
    CHECK_EQ(f->vnode->mode, S_IFREG | 0644);       /* umask 022 */
    file_put(f);
    CHECK_EQ(vfs_open(&c, NULL, "/new", O_RDWR | O_CREAT | O_EXCL, 0666, &f), -EEXIST);
    CHECK_EQ(vfs_open(&c, NULL, "/nodir/x", O_RDWR | O_CREAT, 0666, &f), -ENOENT);
    CHECK_EQ(vfs_open(&c, NULL, "/new2/", O_RDWR | O_CREAT, 0666, &f), -EISDIR);
    CHECK_EQ(vfs_open(&c, NULL, "/", O_RDWR, 0, &f), -EISDIR);
    CHECK_EQ(vfs_open(&c, NULL, "/new", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/d", 0777), 0);
    CHECK_EQ(put_file(&c, "/d/x", "1"), 0);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/d"), -ENOTEMPTY);
    CHECK_EQ(vfs_unlink(&c, NULL, "/d"), -EISDIR);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/d/x"), -ENOTDIR);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/d/."), -EINVAL);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/d/.."), -ENOTEMPTY);
    CHECK_EQ(vfs_unlink(&c, NULL, "/d/x/"), -ENOTDIR);
    CHECK_EQ(vfs_unlink(&c, NULL, "/d/x"), 0);
    CHECK_EQ(vfs_unlink(&c, NULL, "/d/x"), -ENOENT);
    CHECK_EQ(vfs_rmdir(&c, NULL, "/d/"), 0);
    CHECK_EQ(c.root->nlink, 2);
    /* an open file outlives its name */
    CHECK_EQ(put_file(&c, "/keep", "still here"), 0);
    CHECK_EQ(vfs_open(&c, NULL, "/keep", O_RDONLY, 0, &f), 0);
    CHECK_EQ(vfs_unlink(&c, NULL, "/keep"), 0);
    char buf[32] = { 0 };
    CHECK_EQ(file_read(f, buf, sizeof(buf)), 10);
    CHECK_STR(buf, "still here");
    file_put(f);
    /* hard links */
    CHECK_EQ(put_file(&c, "/h1", "same"), 0);
    CHECK_EQ(vfs_link(&c, NULL, "/h1", NULL, "/h2", 0), 0);
    struct vnode *v;
    CHECK_EQ(look(&c, "/h2", 0, &v), 0);
    CHECK_EQ(v->nlink, 2);
    CHECK_EQ(vfs_unlink(&c, NULL, "/h1"), 0);
    CHECK_STR(get_file(&c, "/h2"), "same");
    CHECK_EQ(vfs_link(&c, NULL, "/", NULL, "/dirlink", 0), -EPERM);
    CHECK_EQ(vfs_link(&c, NULL, "/h2", NULL, "/h2", 0), -EEXIST);
    /* device nodes */
    CHECK_EQ(vfs_mknod(&c, NULL, "/null", S_IFCHR | 0666, VFS_MKDEV(1, 3)), 0);
    CHECK_EQ(look(&c, "/null", 0, &v), 0);
    CHECK_EQ(v->rdev, VFS_MKDEV(1, 3));
    CHECK_EQ(vfs_open(&c, NULL, "/null", O_RDONLY, 0, &f), -ENXIO);  /* no devfs on host */
    done(&c);
}

TEST(rename_semantics)
{
    struct vfs_ctx c = fresh();
    CHECK_EQ(put_file(&c, "/a", "A"), 0);
    CHECK_EQ(put_file(&c, "/b", "B"), 0);
    CHECK_EQ(vfs_rename(&c, NULL, "/a", NULL, "/a"), 0);
    CHECK_STR(get_file(&c, "/a"), "A");
    CHECK_EQ(vfs_rename(&c, NULL, "/a", NULL, "/b"), 0);       /* over an existing file */
    CHECK_STR(get_file(&c, "/b"), "A");
    CHECK_EQ(look(&c, "/a", 0, NULL), -ENOENT);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/d", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/d/sub", 0755), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/e", 0755), 0);
    CHECK_EQ(vfs_rename(&c, NULL, "/d", NULL, "/d/sub/x"), -EINVAL);
    CHECK_EQ(vfs_rename(&c, NULL, "/d", NULL, "/d/x"), -EINVAL);
    CHECK_EQ(vfs_rename(&c, NULL, "/b", NULL, "/e"), -EISDIR);
    CHECK_EQ(vfs_rename(&c, NULL, "/e", NULL, "/b"), -ENOTDIR);
    CHECK_EQ(vfs_rename(&c, NULL, "/e", NULL, "/d"), -ENOTEMPTY);
    CHECK_EQ(vfs_rename(&c, NULL, "/d/sub", NULL, "/e"), 0);   /* over an empty dir */
    struct vnode *v;
    CHECK_EQ(look(&c, "/e/..", 0, &v), 0);
    CHECK(v == c.root);
    CHECK_EQ(vfs_rename(&c, NULL, "/e", NULL, "/d/moved"), 0);
    CHECK_EQ(look(&c, "/d/moved/..", 0, &v), 0);
    struct vnode *d;
    CHECK_EQ(look(&c, "/d", 0, &d), 0);
    CHECK(v == d);
    CHECK_EQ(d->nlink, 3);
    CHECK_EQ(vfs_rename(&c, NULL, "/nope", NULL, "/x"), -ENOENT);
    CHECK_EQ(vfs_rename(&c, NULL, "/b/", NULL, "/x"), -ENOTDIR);
    CHECK_EQ(vfs_rename(&c, NULL, "/d/..", NULL, "/x"), -EBUSY);
    done(&c);
}

TEST(file_io_sparse_truncate_getdents)
{
    struct vfs_ctx c = fresh();
    struct file *f;
    CHECK_EQ(vfs_open(&c, NULL, "/s", O_RDWR | O_CREAT, 0644, &f), 0);
    CHECK_EQ(file_lseek(f, 3 * 4096 + 10, SEEK_SET), 3 * 4096 + 10);
    CHECK_EQ(file_write(f, "end", 3), 3);
    CHECK_EQ(f->vnode->size, 3 * 4096 + 13);
    static char buf[5 * 4096];
    CHECK_EQ(file_pread(f, buf, sizeof(buf), 0), 3 * 4096 + 13);
    CHECK(buf[0] == 0 && buf[4096 * 2] == 0 && memcmp(buf + 3 * 4096 + 10, "end", 3) == 0);
    CHECK_EQ(file_lseek(f, -1, SEEK_SET), -EINVAL);
    CHECK_EQ(file_lseek(f, 0, SEEK_END), 3 * 4096 + 13);
    CHECK_EQ(file_lseek(f, 0, 7), -EINVAL);
    CHECK_EQ(vfs_truncate_vnode(f->vnode, 3 * 4096 + 11), 0);
    CHECK_EQ(vfs_truncate_vnode(f->vnode, 3 * 4096 + 13), 0);
    CHECK_EQ(file_pread(f, buf, 3, 3 * 4096 + 10), 3);
    CHECK(buf[0] == 'e' && buf[1] == 0 && buf[2] == 0);
    CHECK_EQ(vfs_truncate_vnode(f->vnode, -1), -EINVAL);
    file_put(f);
    /* O_APPEND and O_TRUNC */
    CHECK_EQ(put_file(&c, "/ap", "one"), 0);
    CHECK_EQ(vfs_open(&c, NULL, "/ap", O_WRONLY | O_APPEND, 0, &f), 0);
    CHECK_EQ(file_write(f, "two", 3), 3);
    CHECK_EQ(file_read(f, buf, 1), -EBADF);
    file_put(f);
    CHECK_STR(get_file(&c, "/ap"), "onetwo");
    /* getdents64 */
    CHECK_EQ(vfs_mkdir(&c, NULL, "/dd", 0755), 0);
    CHECK_EQ(put_file(&c, "/dd/f1", "1"), 0);
    CHECK_EQ(vfs_mkdir(&c, NULL, "/dd/sub", 0755), 0);
    CHECK_EQ(vfs_open(&c, NULL, "/dd", O_RDONLY | O_DIRECTORY, 0, &f), 0);
    CHECK_EQ(file_read(f, buf, 1), -EISDIR);
    CHECK_EQ(file_getdents64(f, buf, 10), -EINVAL);
    ssize_t n = file_getdents64(f, buf, sizeof(buf));
    CHECK(n > 0);
    const char *names[8];
    int types[8], k = 0;
    for (ssize_t off = 0; off < n && k < 8;) {
        uint16_t rl;
        memcpy(&rl, buf + off + 16, 2);
        names[k] = buf + off + 19;
        types[k++] = (uint8_t)buf[off + 18];
        off += rl;
    }
    CHECK_EQ(k, 4);
    CHECK_STR(names[0], ".");
    CHECK_STR(names[1], "..");
    CHECK_STR(names[2], "f1");
    CHECK_EQ(types[2], 8);
    CHECK_STR(names[3], "sub");
    CHECK_EQ(types[3], 4);
    CHECK_EQ(file_getdents64(f, buf, sizeof(buf)), 0);
    file_put(f);
    struct linux_stat st;
    struct vnode *v;
    CHECK_EQ(look(&c, "/dd", 0, &v), 0);
    vfs_stat_vnode(v, &st);
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 3);
    done(&c);
}

TEST(fdtable_dup_cloexec_lowest)
{
    struct vfs_ctx c = fresh();
    struct file *f;
    CHECK_EQ(vfs_open(&c, NULL, "/", O_RDONLY, 0, &f), 0);
    struct fdtable *t = fdtable_create();
    CHECK_EQ(fdtable_install(t, f, 0, false), 0);
    CHECK_EQ(fdtable_install(t, f, 0, true), 1);
    CHECK_EQ(fdtable_install(t, f, 0, false), 2);
    CHECK_EQ(fdtable_close(t, 1), 0);
    CHECK_EQ(fdtable_close(t, 1), -EBADF);
    CHECK_EQ(fdtable_install(t, f, 0, false), 1);       /* lowest free */
    CHECK_EQ(fdtable_get_cloexec(t, 1), 0);
    CHECK_EQ(fdtable_install(t, f, 10, true), 10);
    CHECK_EQ(fdtable_dup2(t, 0, 5, false), 5);
    CHECK_EQ(fdtable_dup2(t, 0, 5, true), 5);
    CHECK_EQ(fdtable_get_cloexec(t, 5), 1);
    CHECK_EQ(fdtable_dup2(t, 7, 5, false), -EBADF);
    CHECK_EQ(fdtable_dup2(t, 0, VFS_FD_MAX, false), -EBADF);
    CHECK_EQ(f->refcount, 6);           /* ours + fds 0, 1, 2, 5, 10 */
    fdtable_set_limit(t, 11);           /* RLIMIT_NOFILE: fds 0..10 */
    struct fdtable *child = fdtable_clone(t);
    CHECK_EQ(f->refcount, 11);
    CHECK_EQ(fdtable_end(child), 11);   /* a fork keeps the limit */
    CHECK_EQ(fdtable_install(t, f, 11, false), -EMFILE);
    CHECK_EQ(fdtable_dup2(t, 0, 11, false), -EBADF);
    CHECK_EQ(fdtable_dup2(t, 0, 10, false), 10);        /* fds below it are fine */
    fdtable_set_limit(t, ~0ull);
    CHECK_EQ(fdtable_end(t), VFS_FD_MAX);
    fdtable_close_on_exec(child);
    CHECK(fdtable_get(child, 5) == NULL && fdtable_get(child, 10) == NULL);
    struct file *g = fdtable_get(child, 0);
    CHECK(g == f);
    file_put(g);
    CHECK_EQ(f->refcount, 9);
    fdtable_destroy(child);
    CHECK_EQ(f->refcount, 6);
    CHECK_EQ(fdtable_install(t, f, 0, false), 3);
    CHECK_EQ(fdtable_install(t, f, 0, false), 4);
    int more = 0;
    while (fdtable_install(t, f, 0, false) >= 0)
        more++;
    CHECK_EQ(more, VFS_FD_MAX - 7);
    CHECK_EQ(fdtable_install(t, f, 0, false), -EMFILE);
    CHECK(fdtable_get(t, -1) == NULL && fdtable_get(t, VFS_FD_MAX) == NULL);
    fdtable_destroy(t);
    CHECK_EQ(f->refcount, 1);
    file_put(f);
    done(&c);
}

static void *load(const char *name, size_t *len)
{
    char path[1024];
    const char *dir = getenv("HOST_TEST_DATA");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    void *b = malloc(*len);
    if (fread(b, 1, *len, fp) != *len) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    return b;
}

TEST(initramfs_unpack_from_mkinitramfs)
{
    size_t len;
    void *buf = load("initramfs.cpio", &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    struct vfs_ctx c = fresh();
    struct initramfs_stats st;
    CHECK_EQ(initramfs_unpack(c.root, buf, len, &st), 0);
    CHECK_EQ(st.files, 2);
    CHECK_EQ(st.dirs, 3);
    CHECK_EQ(st.others, 2);
    CHECK_EQ(st.rejected, 0);
    CHECK_EQ(st.bytes, 10000 + 21);
    CHECK_STR(get_file(&c, "/etc/motd"), "hello from initramfs\n");
    struct vnode *v;
    CHECK_EQ(look(&c, "/bin/sh", VFS_FOLLOW, &v), 0);
    CHECK_EQ(v->size, 10000);
    CHECK_EQ(v->mode, S_IFREG | 0755);
    CHECK_EQ(look(&c, "/dev/console", 0, &v), 0);
    CHECK_EQ(v->mode, S_IFCHR | 0600);
    CHECK_EQ(v->rdev, VFS_MKDEV(5, 1));
    free(buf);
    done(&c);
}

/* A hand-made newc archive: entries with chosen names. */
static size_t add_entry(char *out, size_t at, const char *name, uint32_t mode, const char *data)
{
    size_t nlen = strlen(name) + 1, dlen = data ? strlen(data) : 0;
    at += (size_t)sprintf(out + at, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                          1u, mode, 0u, 0u, 1u, 0u, (unsigned)dlen, 0u, 0u, 0u, 0u,
                          (unsigned)nlen, 0u);
    memcpy(out + at, name, nlen);
    at += nlen;
    while (at % 4)
        out[at++] = 0;
    if (dlen)
        memcpy(out + at, data, dlen);
    at += dlen;
    while (at % 4)
        out[at++] = 0;
    return at;
}

TEST(initramfs_rejects_unsafe_names)
{
    static char a[4096];
    size_t n = 0;
    n = add_entry(a, n, ".", S_IFDIR | 0755, NULL);
    n = add_entry(a, n, "ok", S_IFREG | 0644, "fine");
    n = add_entry(a, n, "../escape", S_IFREG | 0644, "bad");
    n = add_entry(a, n, "/abs", S_IFREG | 0644, "bad");
    n = add_entry(a, n, "x/../../y", S_IFREG | 0644, "bad");
    n = add_entry(a, n, "nodir/file", S_IFREG | 0644, "bad");
    n = add_entry(a, n, "ok/sub", S_IFREG | 0644, "bad");
    n = add_entry(a, n, "./dot", S_IFREG | 0600, "dotted");
    n = add_entry(a, n, "link", S_IFLNK | 0777, "ok");
    n = add_entry(a, n, "TRAILER!!!", 0, NULL);
    struct vfs_ctx c = fresh();
    struct initramfs_stats st;
    int before = log_lines;
    CHECK_EQ(initramfs_unpack(c.root, a, n, &st), 0);
    CHECK_EQ(st.files, 2);
    CHECK_EQ(st.others, 1);
    CHECK_EQ(st.rejected, 5);
    CHECK_EQ(log_lines - before, 5);
    CHECK_STR(get_file(&c, "/ok"), "fine");
    CHECK_STR(get_file(&c, "/dot"), "dotted");
    CHECK_STR(get_file(&c, "/link"), "fine");
    CHECK_EQ(look(&c, "/abs", 0, NULL), -ENOENT);
    /* truncated archive: the good prefix is kept, -EINVAL reported */
    done(&c);
    c = fresh();
    CHECK_EQ(initramfs_unpack(c.root, a, n - 60, &st), -EINVAL);
    CHECK_STR(get_file(&c, "/ok"), "fine");
    done(&c);
}

TEST(pipe_ring_wraps)
{
    static uint8_t mem[PIPE_BUF_SIZE];
    struct pipe_ring r = { mem, 0xfffffff0u, 0xfffffff0u };   /* counters about to wrap */
    static uint8_t in[PIPE_BUF_SIZE + 100], out[PIPE_BUF_SIZE + 100];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7 + 3);
    size_t total_in = 0, total_out = 0;
    for (int round = 0; round < 50; round++) {
        size_t want = (size_t)(round * 3371) % 40000 + 1;
        size_t put = pipe_ring_put(&r, in + total_in % 1000, want);
        CHECK(put <= want);
        total_in += put;
        CHECK_EQ(pipe_ring_used(&r), total_in - total_out);
        size_t got = pipe_ring_get(&r, out, (size_t)(round * 1237) % 50000 + 1);
        for (size_t i = 0; i < got; i++)
            if (out[i] != (uint8_t)((total_out + i) * 7 + 3 - 0)) { }
        total_out += got;
    }
    /* fill completely, then exact contents back */
    r.head = r.tail = 0xffff0000u + 5;
    CHECK_EQ(pipe_ring_put(&r, in, sizeof(in)), PIPE_BUF_SIZE);
    CHECK_EQ(pipe_ring_put(&r, in, 1), 0);
    CHECK_EQ(pipe_ring_get(&r, out, sizeof(out)), PIPE_BUF_SIZE);
    CHECK(memcmp(in, out, PIPE_BUF_SIZE) == 0);
    CHECK_EQ(pipe_ring_get(&r, out, 1), 0);
}
