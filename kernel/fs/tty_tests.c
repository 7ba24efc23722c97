/* KTESTs of the console terminal: bytes enter through tty_receive_byte, the path
 * COM1's interrupt uses, and come back through a VFS read of /dev/console. */

#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/sched.h>
#include <osc/tty.h>
#include <osc/vfs.h>

static void feed(const char *s)
{
    while (*s)
        tty_receive_byte(TTY_SERIAL, (uint8_t)*s++);
}

static struct file *open_console(void)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };
    struct file *f = NULL;
    if (vfs_open(&c, NULL, "/dev/console", O_RDWR | O_NOCTTY, 0, &f))
        return NULL;
    return f;
}

/* Reads with O_NONBLOCK, giving the worker thread time to process what was fed. */
static ssize_t read_soon(struct file *f, char *buf, size_t n)
{
    ssize_t k = -EAGAIN;
    for (int i = 0; i < 200 && k == -EAGAIN; i++) {
        k = file_read(f, buf, n);
        if (k == -EAGAIN)
            thread_sleep_ns(1000 * 1000);
    }
    return k;
}

/* The termios ioctls take user pointers; kernel tests switch modes directly. */
static void set_lflag(uint32_t clear, uint32_t set, uint8_t vmin)
{
    struct linux_termios t;
    tty_test_get_termios(&t);
    t.c_lflag = (t.c_lflag & ~clear) | set;
    t.c_cc[VMIN] = vmin;
    t.c_cc[VTIME] = 0;
    tty_test_set_termios(&t);
}

KTEST(tty_canonical_line_edited_then_read_through_vfs)
{
    struct file *f = open_console();
    KT_ASSERT(f);
    f->flags |= O_NONBLOCK;
    char buf[64];
    tty_test_reset();
    set_lflag(TTY_ECHO, 0, 1);      /* keep the test's keystrokes off the log */
    KT_ASSERT_EQ(file_read(f, buf, sizeof(buf)), -EAGAIN);
    feed("ls -x\x7f\x7fl\r");
    ssize_t k = read_soon(f, buf, sizeof(buf));
    KT_ASSERT_EQ(k, 5);
    KT_ASSERT(memcmp(buf, "ls l\n", 5) == 0);
    feed("foo bar\x17" "baz\x15" "ok\n");
    k = read_soon(f, buf, sizeof(buf));
    KT_ASSERT_EQ(k, 3);
    KT_ASSERT(memcmp(buf, "ok\n", 3) == 0);
    feed("\x04");
    KT_ASSERT_EQ(read_soon(f, buf, sizeof(buf)), 0);
    feed("half\x03" "again\n");
    k = read_soon(f, buf, sizeof(buf));
    KT_ASSERT_EQ(k, 6);
    KT_ASSERT(memcmp(buf, "again\n", 6) == 0);
    tty_test_reset();
    file_put(f);
}

KTEST(tty_raw_mode_returns_bytes_without_newline)
{
    struct file *f = open_console();
    KT_ASSERT(f);
    tty_test_reset();
    set_lflag(TTY_ICANON | TTY_ECHO | TTY_ISIG, 0, 1);
    char buf[16];
    f->flags |= O_NONBLOCK;
    KT_ASSERT_EQ(file_read(f, buf, sizeof(buf)), -EAGAIN);
    f->flags &= ~(uint32_t)O_NONBLOCK;
    feed("q\x03");
    /* Blocking read, VMIN=1: sleeps on the wait queue until the worker delivers. */
    ssize_t k = file_read(f, buf, 1);
    KT_ASSERT_EQ(k, 1);
    KT_ASSERT_EQ(buf[0], 'q');
    f->flags |= O_NONBLOCK;
    k = read_soon(f, buf, sizeof(buf));
    KT_ASSERT_EQ(k, 1);
    KT_ASSERT_EQ(buf[0], 0x03);
    set_lflag(TTY_ICANON | TTY_ECHO | TTY_ISIG, 0, 0);   /* VMIN=0 VTIME=0: poll */
    f->flags &= ~(uint32_t)O_NONBLOCK;
    KT_ASSERT_EQ(file_read(f, buf, sizeof(buf)), 0);
    tty_test_reset();
    file_put(f);
}
