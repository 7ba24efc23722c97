/* signalfd: the caller's pending signals of a mask, read as struct
 * signalfd_siginfo records instead of delivered (thread queue first, then the
 * process's, as Linux dequeues). Like Linux, it is the reader's queues, whoever
 * created the descriptor. Waiting uses the one queue every signal generation wakes
 * while signalfds exist (kernel/proc/sigwait.c). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define ANON_INODE_FS_MAGIC 0x09041934u
#define NAME                "anon_inode:[signalfd]"
#define UNBLOCKABLE         ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

/* linux/signalfd.h */
struct signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno, ssi_code;
    uint32_t ssi_pid, ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid, ssi_band, ssi_overrun, ssi_trapno;
    int32_t ssi_status, ssi_int;
    uint64_t ssi_ptr, ssi_utime, ssi_stime, ssi_addr;
    uint16_t ssi_addr_lsb, pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

struct signalfd {
    uint64_t mask;                      /* atomic: signalfd4 on this fd replaces it */
};

static uint64_t mask_of(struct file *f)
{
    return __atomic_load_n(&((struct signalfd *)f->priv)->mask, __ATOMIC_RELAXED);
}

/* The fields Linux's signalfd_copyinfo gives each kind of signal. */
static void fill(struct signalfd_siginfo *o, const struct ksiginfo *k)
{
    memset(o, 0, sizeof(*o));
    o->ssi_signo = (uint32_t)k->signo;
    o->ssi_code = k->code;
    if (k->code == SI_TIMER) {
        o->ssi_tid = (uint32_t)k->timerid;
        o->ssi_overrun = (uint32_t)k->overrun;
        o->ssi_ptr = k->value;
        o->ssi_int = (int32_t)k->value;
    } else if (k->signo == SIGCHLD && k->code > 0) {
        o->ssi_pid = (uint32_t)k->pid;
        o->ssi_uid = (uint32_t)k->uid;
        o->ssi_status = k->status;
    } else if (k->code > 0 && k->code != SI_KERNEL) {
        o->ssi_addr = k->addr;
    } else {
        o->ssi_pid = (uint32_t)k->pid;
        o->ssi_uid = (uint32_t)k->uid;
        o->ssi_ptr = k->value;
        o->ssi_int = (int32_t)k->value;
    }
}

/* As many records as fit; only the first may wait. */
static ssize_t signalfd_read(struct file *f, void *buf, size_t n)
{
    size_t max = n / sizeof(struct signalfd_siginfo), got = 0;
    if (!max)
        return -EINVAL;
    struct poll_waiter w;
    struct poll_entry e;
    bool hooked = false;
    ssize_t err = 0;
    while (got < max) {
        if (hooked)
            poll_waiter_arm(&w);
        struct ksiginfo k;
        if (signal_fd_dequeue(mask_of(f), &k)) {
            fill((struct signalfd_siginfo *)buf + got, &k);
            got++;
            continue;
        }
        if (got)
            break;
        if (f->flags & O_NONBLOCK) {
            err = -EAGAIN;
            break;
        }
        if (!hooked) {                  /* hook, then look again before sleeping */
            poll_waiter_init(&w);
            poll_waiter_add(&w, &e, &signal_fd_wq);
            hooked = true;
            continue;
        }
        if (signal_pending_current()) {
            err = -ERESTARTSYS;
            break;
        }
        poll_waiter_sleep(&w, UINT64_MAX);
    }
    if (hooked)
        poll_waiter_remove(&e);
    return got ? (ssize_t)(got * sizeof(struct signalfd_siginfo)) : err;
}

static int signalfd_poll(struct file *f)
{
    return signal_fd_pending(mask_of(f)) ? POLLIN : 0;
}

static struct waitqueue *signalfd_poll_wq(struct file *f)
{
    (void)f;
    return &signal_fd_wq;
}

static void signalfd_release(struct file *f)
{
    kfree(f->priv);
    signal_fd_count(-1);
}

static const struct file_ops signalfd_ops = {
    .read = signalfd_read, .poll = signalfd_poll, .poll_wq = signalfd_poll_wq,
    .release = signalfd_release,
    .statfs_magic = ANON_INODE_FS_MAGIC, .stat_mode = 0600,
};

static long do_signalfd(int fd, uint64_t umask, uint64_t size, uint64_t flags)
{
    if (size != sizeof(uint64_t) || (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC)))
        return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, (const void *)umask, sizeof(mask)))
        return -EFAULT;
    mask &= ~UNBLOCKABLE;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    if (fd != -1) {
        struct file *f = fdtable_get(p->files, fd);
        if (!f)
            return -EBADF;
        long r = -EINVAL;
        if (f->ops == &signalfd_ops) {
            __atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
            waitqueue_wake_all(&signal_fd_wq);  /* pollers: the answer may change */
            r = fd;
        }
        file_put(f);
        return r;
    }
    struct signalfd *s = kzalloc(sizeof(*s));
    char *name = kmalloc(sizeof(NAME));
    struct file *f = s && name ? file_alloc(NULL, &signalfd_ops,
                                            O_RDWR | (uint32_t)(flags & O_NONBLOCK)) : NULL;
    if (!f) {
        kfree(s);
        kfree(name);
        return -ENOMEM;
    }
    s->mask = mask;
    f->priv = s;
    memcpy(name, NAME, sizeof(NAME));
    f->path = name;
    signal_fd_count(1);
    long r = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
    file_put(f);
    return r;
}

SYSCALL(signalfd) { return do_signalfd((int)args->a[0], args->a[1], args->a[2], 0); }
SYSCALL(signalfd4)
{
    return do_signalfd((int)args->a[0], args->a[1], args->a[2], args->a[3]);
}
