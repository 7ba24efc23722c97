/* KTESTs of the input layer with a made-up device (registered once, for good): the
 * core's key and sync filtering, and evdev's queue overflow and grabs through
 * /dev/input/eventN as user space sees it. Its keys are ones the console ignores. */

#include <osc/errno.h>
#include <osc/input.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/vfs.h>

#define EVIOCGRAB   0x40044590u
#define RECORD_MAX  32

struct rec_event { uint16_t type, code; int32_t value; };
struct ev24 { int64_t sec, usec; uint16_t type, code; int32_t value; };

static struct input_dev test_dev = {
    .name = "ktest input device", .phys = "ktest/input0", .id = { 0x06, 1, 1, 1 },
};
static struct rec_event recorded[RECORD_MAX];
static int nrecorded;
static bool recorder_grabbed;   /* the last event came while another held the grab */

static void record(struct input_handler *h, struct input_dev *dev, const struct input_event_rec *ev)
{
    (void)h;
    if (dev != &test_dev)
        return;
    recorder_grabbed = input_grabbed_by_other(dev, NULL);
    if (nrecorded < RECORD_MAX)
        recorded[nrecorded++] = (struct rec_event){ ev->type, ev->code, ev->value };
}

static struct input_handler recorder = { .name = "ktest", .event = record };

static bool setup(void)
{
    static int state;           /* 0 not yet, 1 ready, -1 failed */
    if (!state) {
        input_set_bit(test_dev.evbit, EV_KEY);
        input_set_bit(test_dev.evbit, EV_REL);
        input_set_bit(test_dev.keybit, KEY_PAUSE);
        input_set_bit(test_dev.relbit, REL_X);
        input_set_bit(test_dev.evbit, EV_ABS);
        input_set_bit(test_dev.absbit, ABS_X);
        test_dev.absinfo[ABS_X].maximum = 32767;
        input_register_handler(&recorder);
        state = input_register_device(&test_dev) == 0 ? 1 : -1;
    }
    nrecorded = 0;
    return state == 1;
}

static struct file *open_dev(void)
{
    char path[32];
    ksnprintf(path, sizeof(path), "/dev/input/event%d", test_dev.index);
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };
    struct file *f = NULL;
    return vfs_open(&c, NULL, path, O_RDONLY | O_NONBLOCK, 0, &f) ? NULL : f;
}

KTEST(input_core_drops_key_events_that_change_nothing)
{
    KT_ASSERT(setup());
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 0);       /* release of an up key */
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 2);       /* repeat of an up key */
    input_sync(&test_dev);                              /* closes nothing */
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 1);
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 1);       /* pressed twice */
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 2);
    input_event(&test_dev, EV_KEY, KEY_A, 1);           /* not declared */
    input_event(&test_dev, EV_REL, REL_X, 0);           /* no motion */
    input_sync(&test_dev);
    KT_ASSERT(input_key_down(&test_dev, KEY_PAUSE));
    input_event(&test_dev, EV_KEY, KEY_PAUSE, 0);
    KT_ASSERT(!input_key_down(&test_dev, KEY_PAUSE));
    KT_ASSERT_EQ(nrecorded, 4);
    KT_ASSERT(recorded[0].type == EV_KEY && recorded[0].value == 1);
    KT_ASSERT(recorded[1].type == EV_KEY && recorded[1].value == 2);
    KT_ASSERT(recorded[2].type == EV_SYN && recorded[2].code == SYN_REPORT);
    KT_ASSERT(recorded[3].type == EV_KEY && recorded[3].value == 0);
    input_sync(&test_dev);
}

KTEST(input_core_keeps_axis_values_and_drops_repeats)
{
    KT_ASSERT(setup());
    input_event(&test_dev, EV_ABS, ABS_X, 16384);
    input_event(&test_dev, EV_ABS, ABS_X, 16384);       /* same value */
    input_event(&test_dev, EV_ABS, ABS_Y, 5);           /* not declared */
    input_sync(&test_dev);
    KT_ASSERT_EQ(nrecorded, 2);
    KT_ASSERT(recorded[0].type == EV_ABS && recorded[0].code == ABS_X && recorded[0].value == 16384);
    struct input_absinfo a;
    KT_ASSERT(input_abs_info(&test_dev, ABS_X, &a));
    KT_ASSERT(a.value == 16384 && a.minimum == 0 && a.maximum == 32767);
    KT_ASSERT(!input_abs_info(&test_dev, ABS_Y, &a));
    KT_ASSERT(!input_abs_info(&test_dev, ABS_CNT, &a));
    input_event(&test_dev, EV_ABS, ABS_X, 0);
    input_sync(&test_dev);
    KT_ASSERT_EQ(nrecorded, 4);
}

KTEST(evdev_overflow_keeps_newest_behind_syn_dropped)
{
    KT_ASSERT(setup());
    struct file *f = open_dev();
    KT_ASSERT(f);
    for (int i = 1; i <= 300; i++) {                   /* 600 events, queue of 256 */
        input_event(&test_dev, EV_REL, REL_X, i);
        input_sync(&test_dev);
    }
    static struct ev24 evs[300];
    ssize_t n = file_read(f, evs, sizeof(evs));
    KT_ASSERT(n > 0 && n % 24 == 0 && n / 24 <= 256);
    int count = (int)(n / 24);
    KT_ASSERT(evs[0].type == EV_SYN && evs[0].code == SYN_DROPPED);
    KT_ASSERT(evs[count - 2].type == EV_REL && evs[count - 2].value == 300);
    KT_ASSERT(evs[count - 1].type == EV_SYN && evs[count - 1].code == SYN_REPORT);
    KT_ASSERT(file_read(f, evs, sizeof(evs)) == -EAGAIN);
    KT_ASSERT(file_read(f, evs, 23) == -EINVAL);
    file_put(f);
}

KTEST(evdev_grab_hides_events_from_other_readers_and_handlers)
{
    KT_ASSERT(setup());
    struct file *a = open_dev(), *b = open_dev();
    KT_ASSERT(a && b);
    KT_ASSERT(a->ops->ioctl(a, EVIOCGRAB, 1) == 0);
    KT_ASSERT(b->ops->ioctl(b, EVIOCGRAB, 1) == -EBUSY);
    input_event(&test_dev, EV_REL, REL_X, 7);
    input_sync(&test_dev);
    struct ev24 ev[4];
    KT_ASSERT(file_read(a, ev, sizeof(ev)) == 48 && ev[0].value == 7);
    KT_ASSERT(file_read(b, ev, sizeof(ev)) == -EAGAIN);
    KT_ASSERT(recorder_grabbed);        /* the console would have skipped it */
    file_put(a);                            /* the last reference ends the grab */
    input_event(&test_dev, EV_REL, REL_X, 8);
    input_sync(&test_dev);
    KT_ASSERT(!recorder_grabbed);
    KT_ASSERT(file_read(b, ev, sizeof(ev)) == 48 && ev[0].value == 8);
    file_put(b);
}
