/* KTESTs of the filesystem on the booted kernel: the root built by vfs_init, the
 * /dev nodes' semantics, a writable /tmp. */

#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/vfs.h>

static struct vfs_ctx ctx(void)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };
    return c;
}

KTEST(vfs_root_has_dev_tmp_proc_sys)
{
    struct vfs_ctx c = ctx();
    const char *dirs[] = { "/dev", "/tmp", "/proc", "/sys" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        struct vnode *v;
        KT_ASSERT_EQ(vfs_lookup(&c, NULL, dirs[i], VFS_FOLLOW, &v), 0);
        KT_ASSERT(S_ISDIR(v->mode));
        vnode_put(v);
    }
    struct vnode *t;
    KT_ASSERT_EQ(vfs_lookup(&c, NULL, "/tmp", 0, &t), 0);
    KT_ASSERT(t->fs != vfs_root()->fs);         /* a mount, not a plain directory */
    KT_ASSERT_EQ(t->mode & 07777, 01777);
    vnode_put(t);
}

KTEST(vfs_dev_null_zero_full)
{
    struct vfs_ctx c = ctx();
    struct file *f;
    char buf[16];
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/dev/null", O_RDWR, 0, &f), 0);
    KT_ASSERT_EQ(file_write(f, "abc", 3), 3);
    KT_ASSERT_EQ(file_read(f, buf, sizeof(buf)), 0);
    file_put(f);
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/dev/zero", O_RDONLY, 0, &f), 0);
    memset(buf, 0x55, sizeof(buf));
    KT_ASSERT_EQ(file_read(f, buf, sizeof(buf)), 16);
    KT_ASSERT(buf[0] == 0 && buf[15] == 0);
    file_put(f);
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/dev/full", O_WRONLY, 0, &f), 0);
    KT_ASSERT_EQ(file_write(f, "x", 1), -ENOSPC);
    file_put(f);
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/dev/urandom", O_RDONLY, 0, &f), 0);
    uint64_t a = 0, b = 0;
    KT_ASSERT_EQ(file_read(f, &a, 8), 8);
    KT_ASSERT_EQ(file_read(f, &b, 8), 8);
    KT_ASSERT(a != b);
    file_put(f);
}

KTEST(vfs_tmp_writable_and_read_file)
{
    struct vfs_ctx c = ctx();
    struct file *f;
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/tmp/ktest", O_RDWR | O_CREAT | O_TRUNC, 0644, &f), 0);
    KT_ASSERT_EQ(file_write(f, "kernel", 6), 6);
    file_put(f);
    void *data;
    size_t len;
    KT_ASSERT_EQ(vfs_read_file("/tmp/ktest", &data, &len), 0);
    KT_ASSERT_EQ(len, 6);
    KT_ASSERT(memcmp(data, "kernel", 6) == 0);
    kfree(data);
    KT_ASSERT_EQ(vfs_rename(&c, NULL, "/tmp/ktest", NULL, "/ktest"), -EXDEV);
    KT_ASSERT_EQ(vfs_unlink(&c, NULL, "/tmp/ktest"), 0);
    KT_ASSERT_EQ(vfs_read_file("/tmp/ktest", &data, &len), -ENOENT);
}

KTEST(vfs_pipe_data_eof_epipe_nonblock)
{
    struct file *r, *w;
    KT_ASSERT_EQ(pipe_create(&r, &w, O_NONBLOCK), 0);
    char buf[8];
    KT_ASSERT_EQ(file_read(r, buf, sizeof(buf)), -EAGAIN);
    KT_ASSERT_EQ(file_write(w, "pipe", 4), 4);
    KT_ASSERT_EQ(r->ops->poll(r) & POLLIN, POLLIN);
    KT_ASSERT_EQ(file_read(r, buf, sizeof(buf)), 4);
    KT_ASSERT(memcmp(buf, "pipe", 4) == 0);
    KT_ASSERT_EQ(file_write(r, "x", 1), -EBADF);
    file_put(w);                                /* writers gone: EOF */
    KT_ASSERT_EQ(file_read(r, buf, sizeof(buf)), 0);
    file_put(r);
    KT_ASSERT_EQ(pipe_create(&r, &w, 0), 0);
    file_put(r);                                /* readers gone: EPIPE */
    KT_ASSERT_EQ(file_write(w, "x", 1), -EPIPE);
    file_put(w);
}
