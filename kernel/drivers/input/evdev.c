/* evdev: each input device as /dev/input/eventN (major 13, minor 64+N, as Linux),
 * read as Linux struct input_event records. Every open file is a client with its
 * own bounded queue; readers see whole packets (up to a SYN_REPORT), and a client
 * that falls behind loses its oldest events and reads SYN_DROPPED, as on Linux. */

#define LOG_TAG "evdev"
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/spinlock.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define EVDEV_MAJOR         13
#define EVDEV_MINOR_BASE    64
#define EVDEV_QUEUE         256         /* events per client (a power of two) */
#define EV_VERSION          0x010001

/* linux/input.h ioctls: _IOC(dir, 'E', nr, size); dir 2 = read, 1 = write. */
#define IOC_NR(c)           ((c) & 0xff)
#define IOC_TYPE(c)         (((c) >> 8) & 0xff)
#define IOC_SIZE(c)         (((c) >> 16) & 0x3fff)
#define IOC_DIR(c)          ((c) >> 30)
#define IOC_READ            2u
#define EVIOCGVERSION       0x80044501u
#define EVIOCGID            0x80084502u
#define EVIOCGRAB           0x40044590u
#define NR_GNAME            0x06
#define NR_GPHYS            0x07
#define NR_GUNIQ            0x08
#define NR_GPROP            0x09
#define NR_GKEY             0x18
#define NR_GLED             0x19
#define NR_GSND             0x1a
#define NR_GSW              0x1b
#define NR_GBIT             0x20        /* EVIOCGBIT(ev, len): 0x20 + ev */
#define NR_GABS             0x40        /* EVIOCGABS(abs): 0x40 + abs */
#define EV_LED              0x11
#define EV_SND              0x12
#define EV_FF               0x15
#define EV_SW               0x05

struct linux_input_event {          /* x86_64: struct timeval, then 8 bytes */
    int64_t tv_sec, tv_usec;
    uint16_t type, code;
    int32_t value;
};
_Static_assert(sizeof(struct linux_input_event) == 24, "Linux struct input_event");

struct evdev_client {
    struct input_handle handle;     /* what EVIOCGRAB holds */
    struct input_dev *dev;
    struct waitqueue wq;            /* wq.lock (70) guards the ring and cursors */
    struct linux_input_event ring[EVDEV_QUEUE];
    uint32_t head, tail;            /* free-running; head - tail <= EVDEV_QUEUE */
    uint32_t packet_head;           /* readers see events before it */
    struct evdev_client *next;      /* under evdev_lock */
};

/* Rank 68 (docs/locking.md): every device's client list. Taken inside `input` by
 * the event handler, alone by open and release; takes clients' wait queues (70). */
static spinlock_t evdev_lock = SPINLOCK_INIT("evdev", 68);
static struct evdev_client *clients[INPUT_MAX_DEVICES];

static void client_push(struct evdev_client *c, const struct input_event_rec *ev)
{
    struct linux_input_event le = {
        ev->time_ns / 1000000000, (ev->time_ns % 1000000000) / 1000, ev->type, ev->code, ev->value,
    };
    c->ring[c->head++ % EVDEV_QUEUE] = le;
    if (c->head - c->tail > EVDEV_QUEUE) {
        /* Full: keep only the newest event behind a SYN_DROPPED (Linux's
         * __pass_event), so the reader knows to resync its state (EVIOCGKEY). */
        c->tail = c->head - 2;
        struct linux_input_event drop = le;
        drop.type = EV_SYN;
        drop.code = SYN_DROPPED;
        drop.value = 0;
        c->ring[c->tail % EVDEV_QUEUE] = drop;
        c->packet_head = c->tail;
    }
    if (ev->type == EV_SYN && ev->code == SYN_REPORT)
        c->packet_head = c->head;
}

static void evdev_event(struct input_handler *h, struct input_dev *dev,
                        const struct input_event_rec *ev)
{
    (void)h;
    unsigned long fl = spin_lock_irqsave(&evdev_lock);
    for (struct evdev_client *c = clients[dev->index]; c; c = c->next) {
        if (input_grabbed_by_other(dev, &c->handle))
            continue;
        unsigned long cfl = spin_lock_irqsave(&c->wq.lock);
        client_push(c, ev);
        spin_unlock_irqrestore(&c->wq.lock, cfl);
        if (ev->type == EV_SYN)
            waitqueue_wake_all(&c->wq);
    }
    spin_unlock_irqrestore(&evdev_lock, fl);
}

static ssize_t evdev_read(struct file *f, void *buf, size_t n)
{
    struct evdev_client *c = f->priv;
    if (n < sizeof(struct linux_input_event))
        return -EINVAL;
    unsigned long fl = spin_lock_irqsave(&c->wq.lock);
    while (c->packet_head == c->tail) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock_irqrestore(&c->wq.lock, fl);
            return -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&c->wq, &fl) < 0) {
            spin_unlock_irqrestore(&c->wq.lock, fl);
            return -ERESTARTSYS;
        }
    }
    size_t done = 0;
    while (c->packet_head != c->tail && done + sizeof(struct linux_input_event) <= n) {
        memcpy((char *)buf + done, &c->ring[c->tail++ % EVDEV_QUEUE],
               sizeof(struct linux_input_event));
        done += sizeof(struct linux_input_event);
    }
    spin_unlock_irqrestore(&c->wq.lock, fl);
    return (ssize_t)done;
}

static ssize_t evdev_write(struct file *f, const void *buf, size_t n)
{
    (void)f;
    (void)buf;
    (void)n;
    return -EINVAL;     /* injecting events (LEDs, EV_REP) is not supported yet */
}

static int evdev_poll(struct file *f)
{
    struct evdev_client *c = f->priv;
    unsigned long fl = spin_lock_irqsave(&c->wq.lock);
    int r = c->packet_head != c->tail ? POLLIN : 0;
    spin_unlock_irqrestore(&c->wq.lock, fl);
    return r;
}

static struct waitqueue *evdev_poll_wq(struct file *f)
{
    return &((struct evdev_client *)f->priv)->wq;
}

/* Linux's str_to_user/bits_to_user: at most len bytes, the count copied returned. */
static long copy_out(uint64_t arg, const void *src, size_t size, size_t len)
{
    size_t n = MIN(size, len);
    if (copy_to_user((void *)arg, src, n))
        return -EFAULT;
    return (long)n;
}

static long copy_string(uint64_t arg, const char *s, size_t len)
{
    if (!s)
        return -ENOENT;
    return copy_out(arg, s, strlen(s) + 1, len);
}

static long copy_bits(uint64_t arg, const uint64_t *bits, unsigned int max, size_t len)
{
    return copy_out(arg, bits, INPUT_BITS(max + 1) * sizeof(uint64_t), len);
}

static long evdev_gbit(struct input_dev *d, unsigned int ev, uint64_t arg, size_t len)
{
    static const uint64_t none[INPUT_BITS(0x80)];   /* maps of types we never report */
    switch (ev) {
    case 0:         return copy_bits(arg, d->evbit, EV_MAX, len);
    case EV_KEY:    return copy_bits(arg, d->keybit, KEY_MAX, len);
    case EV_REL:    return copy_bits(arg, d->relbit, REL_MAX, len);
    case EV_ABS:    return copy_bits(arg, d->absbit, ABS_MAX, len);
    case EV_MSC:    return copy_bits(arg, none, 0x07, len);
    case EV_SW:     return copy_bits(arg, none, 0x10, len);
    case EV_LED:    return copy_bits(arg, none, 0x0f, len);
    case EV_SND:    return copy_bits(arg, none, 0x07, len);
    case EV_FF:     return copy_bits(arg, none, 0x7f, len);
    default:        return -EINVAL;
    }
}

static long evdev_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct evdev_client *c = f->priv;
    struct input_dev *d = c->dev;
    switch (cmd) {
    case EVIOCGVERSION: {
        int v = EV_VERSION;
        return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
    }
    case EVIOCGID:
        return copy_to_user((void *)arg, &d->id, sizeof(d->id)) ? -EFAULT : 0;
    case EVIOCGRAB:
        if (arg)
            return input_grab(d, &c->handle);
        if (!input_grabbed_by_other(d, NULL) || input_grabbed_by_other(d, &c->handle))
            return -EINVAL;     /* not ours to release (Linux's evdev_ungrab) */
        input_release(d, &c->handle);
        return 0;
    }
    if (IOC_TYPE(cmd) != 'E' || IOC_DIR(cmd) != IOC_READ)
        return -ENOTTY;
    size_t len = IOC_SIZE(cmd);
    unsigned int nr = IOC_NR(cmd);
    if (nr >= NR_GBIT && nr < NR_GBIT + EV_CNT)
        return evdev_gbit(d, nr - NR_GBIT, arg, len);
    if ((nr & ~ABS_MAX) == NR_GABS) {
        /* As Linux: -EINVAL for a device without axes; an undeclared axis of one
         * with axes reads as zeros. */
        if (!input_test_bit(d->evbit, EV_ABS))
            return -EINVAL;
        struct input_absinfo a = { 0 };
        input_abs_info(d, nr & ABS_MAX, &a);
        long n = copy_out(arg, &a, sizeof(a), len);
        return n < 0 ? n : 0;
    }
    switch (nr) {
    case NR_GNAME:  return copy_string(arg, d->name, len);
    case NR_GPHYS:  return copy_string(arg, d->phys, len);
    case NR_GUNIQ:  return -ENOENT;
    case NR_GKEY: {
        uint64_t keys[INPUT_BITS(KEY_CNT)];
        input_key_state(d, keys);
        return copy_bits(arg, keys, KEY_MAX, len);
    }
    case NR_GPROP: case NR_GLED: case NR_GSND: case NR_GSW: {
        static const uint64_t zero[1];
        return copy_out(arg, zero, sizeof(zero), len);
    }
    }
    return -EINVAL;
}

static void evdev_release(struct file *f)
{
    struct evdev_client *c = f->priv;
    input_release(c->dev, &c->handle);
    unsigned long fl = spin_lock_irqsave(&evdev_lock);
    for (struct evdev_client **p = &clients[c->dev->index]; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    spin_unlock_irqrestore(&evdev_lock, fl);
    kfree(c);
}

static const struct file_ops evdev_ops = {
    .read = evdev_read, .write = evdev_write, .ioctl = evdev_ioctl, .poll = evdev_poll,
    .poll_wq = evdev_poll_wq, .release = evdev_release,
};

int evdev_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    (void)open_flags;
    unsigned int minor = VFS_MINOR(rdev);
    struct input_dev *d = minor >= EVDEV_MINOR_BASE ? input_device((int)(minor - EVDEV_MINOR_BASE))
                                                    : NULL;
    if (VFS_MAJOR(rdev) != EVDEV_MAJOR || !d)
        return -ENODEV;
    struct evdev_client *c = kzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->dev = d;
    c->handle.owner = c;
    waitqueue_init(&c->wq);
    f->ops = &evdev_ops;
    f->priv = c;
    unsigned long fl = spin_lock_irqsave(&evdev_lock);
    c->next = clients[d->index];
    clients[d->index] = c;
    spin_unlock_irqrestore(&evdev_lock, fl);
    return 0;
}

/* A new device gets its node; failing that it still works for other consumers. */
static void evdev_connect(struct input_handler *h, struct input_dev *dev)
{
    (void)h;
    struct vnode *root = vfs_root();
    struct vfs_ctx ctx = { .root = root, .cwd = root };
    char path[32];
    ksnprintf(path, sizeof(path), "/dev/input/event%d", dev->index);
    int err = vfs_mkdir(&ctx, NULL, "/dev/input", 0755);
    if (err && err != -EEXIST)
        log_warn("/dev/input: %d", err);
    err = vfs_mknod(&ctx, NULL, path, S_IFCHR | 0660,
                    VFS_MKDEV(EVDEV_MAJOR, EVDEV_MINOR_BASE + dev->index));
    if (err)
        log_warn("%s: %d", path, err);
}

static struct input_handler evdev_handler = {
    .name = "evdev", .event = evdev_event, .connect = evdev_connect,
};

void evdev_init(void)
{
    input_register_handler(&evdev_handler);
}
