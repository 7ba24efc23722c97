/* The input core: the device table, key state and grabs, and the fan-out of every
 * driver's events to every handler (the console keymap, evdev). Drivers report from
 * interrupt context, so everything here is a spinlock taken irqsave. */

#define LOG_TAG "input"
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/spinlock.h>
#include <osc/time.h>

/* Rank 67 (docs/locking.md): the device table, each device's key[] and grab, and the
 * handler list. Handlers run under it and take wait queues (70) and `fbcon` (95). */
static spinlock_t input_lock = SPINLOCK_INIT("input", 67);
static struct input_dev *devices[INPUT_MAX_DEVICES];
static int ndevices;
static struct input_handler *handlers;

int input_register_device(struct input_dev *dev)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    if (ndevices == INPUT_MAX_DEVICES) {
        spin_unlock_irqrestore(&input_lock, fl);
        return -ENOSPC;
    }
    memset(dev->key, 0, sizeof(dev->key));
    dev->grab = NULL;
    input_set_bit(dev->evbit, EV_SYN);
    dev->index = ndevices;
    devices[ndevices++] = dev;
    spin_unlock_irqrestore(&input_lock, fl);
    /* Outside the lock: evdev's connect makes a /dev node and may sleep. Drivers and
     * handlers register from the boot thread one at a time, so each pair connects
     * exactly once. */
    for (struct input_handler *h = __atomic_load_n(&handlers, __ATOMIC_ACQUIRE); h; h = h->next)
        if (h->connect)
            h->connect(h, dev);
    log_info("input%d: %s", dev->index, dev->name);
    return 0;
}

void input_register_handler(struct input_handler *h)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    int n = ndevices;
    h->next = handlers;
    __atomic_store_n(&handlers, h, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&input_lock, fl);
    if (h->connect)
        for (int i = 0; i < n; i++)
            h->connect(h, devices[i]);
}

struct input_dev *input_device(int index)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    struct input_dev *d = index >= 0 && index < ndevices ? devices[index] : NULL;
    spin_unlock_irqrestore(&input_lock, fl);
    return d;
}

bool input_key_down(struct input_dev *dev, uint16_t code)
{
    if (code >= KEY_CNT)
        return false;
    unsigned long fl = spin_lock_irqsave(&input_lock);
    bool down = input_test_bit(dev->key, code);
    spin_unlock_irqrestore(&input_lock, fl);
    return down;
}

void input_key_state(struct input_dev *dev, uint64_t out[INPUT_BITS(KEY_CNT)])
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    memcpy(out, dev->key, sizeof(dev->key));
    spin_unlock_irqrestore(&input_lock, fl);
}

bool input_abs_info(struct input_dev *dev, unsigned int code, struct input_absinfo *out)
{
    if (code >= ABS_CNT || !input_test_bit(dev->absbit, code))
        return false;
    unsigned long fl = spin_lock_irqsave(&input_lock);
    *out = dev->absinfo[code];
    spin_unlock_irqrestore(&input_lock, fl);
    return true;
}

int input_grab(struct input_dev *dev, struct input_handle *h)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    int err = dev->grab ? -EBUSY : 0;
    if (!err)
        dev->grab = h;
    spin_unlock_irqrestore(&input_lock, fl);
    return err;
}

void input_release(struct input_dev *dev, struct input_handle *h)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    if (dev->grab == h)
        dev->grab = NULL;
    spin_unlock_irqrestore(&input_lock, fl);
}

/* Called by handlers under `input` (from their event callback), so grab is stable. */
bool input_grabbed_by_other(const struct input_dev *dev, const struct input_handle *h)
{
    return dev->grab && dev->grab != h;
}

/* Linux's filter for key events: undeclared codes go nowhere, and a press or
 * release that does not change the state (lost bytes, a reset keyboard) neither. */
static bool key_passes(struct input_dev *dev, uint16_t code, int32_t value)
{
    if (code >= KEY_CNT || !input_test_bit(dev->keybit, code))
        return false;
    bool down = input_test_bit(dev->key, code);
    if (value == 2)
        return down;
    if (down == !!value)
        return false;
    dev->key[code / 64] ^= 1ull << (code % 64);
    return true;
}

/* Linux's filter for axes: a value the axis already has is no event. */
static bool abs_passes(struct input_dev *dev, uint16_t code, int32_t value)
{
    if (code >= ABS_CNT || !input_test_bit(dev->absbit, code) || dev->absinfo[code].value == value)
        return false;
    dev->absinfo[code].value = value;
    return true;
}

void input_event(struct input_dev *dev, uint16_t type, uint16_t code, int32_t value)
{
    if (type > EV_MAX || !input_test_bit(dev->evbit, type))
        return;
    struct input_event_rec ev = { time_realtime_ns(), type, code, value };
    unsigned long fl = spin_lock_irqsave(&input_lock);
    /* As Linux: a SYN_REPORT closing no event, or a zero relative motion, is not
     * worth a wake-up. */
    bool pass = type == EV_SYN ? code != SYN_REPORT || dev->pending
              : type == EV_KEY ? key_passes(dev, code, value)
              : type == EV_REL ? value != 0
              : type == EV_ABS ? abs_passes(dev, code, value) : true;
    if (pass)
        dev->pending = type != EV_SYN;
    if (pass)
        for (struct input_handler *h = handlers; h; h = h->next)
            if (h->event)
                h->event(h, dev, &ev);
    spin_unlock_irqrestore(&input_lock, fl);
}

void evdev_init(void);

void input_init(void)
{
    evdev_init();
}

/* One "B:" line of /proc/bus/input/devices: words from the highest non-zero one
 * down, as Linux's input_seq_print_bitmap. */
static void put_bitmap(void (*put)(void *, const char *, size_t), void *ctx, const char *name,
                       const uint64_t *bits, int words)
{
    char buf[24];
    int top = words - 1;
    while (top > 0 && !bits[top])
        top--;
    put(ctx, "B: ", 3);
    put(ctx, name, strlen(name));
    put(ctx, "=", 1);
    for (int i = top; i >= 0; i--) {
        int n = ksnprintf(buf, sizeof(buf), i == top ? "%llx" : " %llx", (unsigned long long)bits[i]);
        put(ctx, buf, (size_t)n);
    }
    put(ctx, "\n", 1);
}

/* The devices' fields shown here never change after registration, and devices are
 * never removed, so only the count is read under the lock (put allocates). */
void input_proc_devices(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    unsigned long fl = spin_lock_irqsave(&input_lock);
    int n = ndevices;
    spin_unlock_irqrestore(&input_lock, fl);
    char buf[320];
    for (int i = 0; i < n; i++) {
        struct input_dev *d = devices[i];
        int len = ksnprintf(buf, sizeof(buf),
                            "I: Bus=%04x Vendor=%04x Product=%04x Version=%04x\n"
                            "N: Name=\"%s\"\nP: Phys=%s\nS: Sysfs=/devices/virtual/input/input%d\n"
                            "U: Uniq=\nH: Handlers=%sevent%d \nB: PROP=0\n",
                            d->id.bustype, d->id.vendor, d->id.product, d->id.version,
                            d->name, d->phys ? d->phys : "", i,
                            input_test_bit(d->keybit, KEY_A) ? "kbd " : "", i);
        put(ctx, buf, (size_t)MIN(len, (int)sizeof(buf) - 1));
        put_bitmap(put, ctx, "EV", d->evbit, INPUT_BITS(EV_CNT));
        if (input_test_bit(d->evbit, EV_KEY))
            put_bitmap(put, ctx, "KEY", d->keybit, INPUT_BITS(KEY_CNT));
        if (input_test_bit(d->evbit, EV_REL))
            put_bitmap(put, ctx, "REL", d->relbit, INPUT_BITS(REL_CNT));
        if (input_test_bit(d->evbit, EV_ABS))
            put_bitmap(put, ctx, "ABS", d->absbit, INPUT_BITS(ABS_CNT));
        put(ctx, "\n", 1);
    }
}
