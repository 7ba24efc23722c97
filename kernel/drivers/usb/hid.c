/* USB HID class driver: boot-protocol keyboards (8-byte reports, key presses and
 * releases from the difference between reports) and mice, and absolute pointers
 * (QEMU's usb-tablet) through their report descriptor; each interface becomes an
 * input device (<osc/input.h>) reporting Linux codes, so evdev and the text
 * console see it. Reports arrive in interrupt context (xhci.c). */

#define LOG_TAG "xhci"
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/time.h>
#include <osc/usb.h>

#define REPORT_DESC_MAX     1024
#define NBUTTONS            5
/* Software autorepeat, Linux's defaults (input_enable_softrepeat: 250/33 ms). */
#define REPEAT_DELAY_NS     250000000ull
#define REPEAT_PERIOD_NS    33000000ull

enum hid_kind { HID_KEYBOARD, HID_MOUSE, HID_TABLET };

struct hid_dev {
    struct input_dev in;
    struct usb_dev *udev;
    enum hid_kind kind;
    bool dead;                  /* unplugged: reports are ignored */
    uint8_t last[8];            /* the keyboard's previous report */
    uint16_t repeat_code;       /* under repeat_wq.lock: the key to repeat, 0 none */
    uint64_t repeat_at;         /* when it repeats next (time_ns) */
    int fx, fy, fwheel, fhwheel, fbtn[NBUTTONS];    /* tablet: field indexes, -1 none */
    struct hid_report_desc rd;
    char name[INPUT_NAME_MAX], phys[64];
    struct hid_dev *next;       /* the hub threads' list (only they touch it) */
};

static struct hid_dev *hid_devs;    /* published with release: the repeat thread walks it */
/* Its lock (a wait queue's, 70) guards every keyboard's repeat fields; the
 * repeat thread sleeps on it while no key is held. */
static struct waitqueue repeat_wq;
static bool repeat_started;     /* the hub threads' (boot: one at a time) */

/* Called with the key state of one report: the newest key pressed repeats,
 * until it is released (as Linux, one key at a time). */
static void repeat_update(struct hid_dev *h, uint16_t pressed, const uint8_t *cur)
{
    unsigned long fl = spin_lock_irqsave(&repeat_wq.lock);
    bool wake = false;
    if (pressed) {
        h->repeat_code = pressed;
        h->repeat_at = time_ns() + REPEAT_DELAY_NS;
        wake = true;
    } else if (h->repeat_code) {
        bool held = false;
        for (int i = 2; i < 8; i++)
            held |= cur[i] >= 4 && hid_keyboard_code(cur[i]) == h->repeat_code;
        if (!held)
            h->repeat_code = 0;
    }
    spin_unlock_irqrestore(&repeat_wq.lock, fl);
    if (wake)
        waitqueue_wake_all(&repeat_wq);
}

static void repeat_thread(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned long fl = spin_lock_irqsave(&repeat_wq.lock);
        struct hid_dev *next = NULL;
        for (struct hid_dev *h = __atomic_load_n(&hid_devs, __ATOMIC_ACQUIRE); h; h = h->next)
            if (h->repeat_code && !h->dead && (!next || h->repeat_at < next->repeat_at))
                next = h;
        if (!next) {
            waitqueue_sleep_locked(&repeat_wq, &fl);
            spin_unlock_irqrestore(&repeat_wq.lock, fl);
            continue;
        }
        uint64_t now = time_ns();
        if (now < next->repeat_at) {
            spin_unlock_irqrestore(&repeat_wq.lock, fl);
            /* At most a period: a newer press may be due sooner. */
            thread_sleep_ns(MIN(next->repeat_at - now, REPEAT_PERIOD_NS));
            continue;
        }
        uint16_t code = next->repeat_code;
        next->repeat_at = now + REPEAT_PERIOD_NS;
        spin_unlock_irqrestore(&repeat_wq.lock, fl);
        /* A release racing with this is fine: the core drops a repeat of an up key. */
        input_event(&next->in, EV_KEY, code, 2);
        input_sync(&next->in);
    }
}

static bool has_key(const uint8_t *r, uint8_t usage)
{
    for (int i = 2; i < 8; i++)
        if (r[i] == usage)
            return true;
    return false;
}

static void keyboard_report(struct hid_dev *h, const uint8_t *r, size_t len)
{
    uint8_t cur[8];
    if (len < sizeof(cur))
        return;                 /* boot reports are 8 bytes: a short one has no state */
    memcpy(cur, r, sizeof(cur));
    for (int i = 2; i < 8; i++)
        if (cur[i] == 1)
            return;             /* ErrorRollOver: too many keys, no state */
    uint8_t changed = cur[0] ^ h->last[0];
    for (int i = 0; i < 8; i++)
        if (changed >> i & 1)
            input_event(&h->in, EV_KEY, hid_keyboard_code((uint8_t)(0xe0 + i)), cur[0] >> i & 1);
    /* Releases first, then presses, each only for keys not in the other report. */
    uint16_t pressed = 0;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *from = pass ? cur : h->last, *other = pass ? h->last : cur;
        for (int i = 2; i < 8; i++) {
            if (from[i] < 4 || has_key(other, from[i]))
                continue;
            uint16_t code = hid_keyboard_code(from[i]);
            if (code)
                input_event(&h->in, EV_KEY, code, pass);
            if (code && pass)
                pressed = code;
        }
    }
    memcpy(h->last, cur, sizeof(cur));
    input_sync(&h->in);
    repeat_update(h, pressed, cur);
}

static void mouse_report(struct hid_dev *h, const uint8_t *r, size_t len)
{
    if (len < 3)
        return;
    for (int i = 0; i < NBUTTONS; i++)
        input_event(&h->in, EV_KEY, (uint16_t)(BTN_LEFT + i), r[0] >> i & 1);
    input_event(&h->in, EV_REL, REL_X, (int8_t)r[1]);
    input_event(&h->in, EV_REL, REL_Y, (int8_t)r[2]);   /* USB's Y is downward, as Linux's */
    if (len >= 4)
        input_event(&h->in, EV_REL, REL_WHEEL, (int8_t)r[3]);
    input_sync(&h->in);
}

static void tablet_report(struct hid_dev *h, const uint8_t *r, size_t len)
{
    int32_t v;
    for (int i = 0; i < NBUTTONS; i++)
        if (h->fbtn[i] >= 0 && hid_field_value(&h->rd.f[h->fbtn[i]], h->rd.has_ids, r, len, &v))
            input_event(&h->in, EV_KEY, (uint16_t)(BTN_LEFT + i), v != 0);
    if (h->fx >= 0 && hid_field_value(&h->rd.f[h->fx], h->rd.has_ids, r, len, &v))
        input_event(&h->in, EV_ABS, ABS_X, v);
    if (h->fy >= 0 && hid_field_value(&h->rd.f[h->fy], h->rd.has_ids, r, len, &v))
        input_event(&h->in, EV_ABS, ABS_Y, v);
    if (h->fwheel >= 0 && hid_field_value(&h->rd.f[h->fwheel], h->rd.has_ids, r, len, &v))
        input_event(&h->in, EV_REL, REL_WHEEL, v);
    if (h->fhwheel >= 0 && hid_field_value(&h->rd.f[h->fhwheel], h->rd.has_ids, r, len, &v))
        input_event(&h->in, EV_REL, REL_HWHEEL, v);
    input_sync(&h->in);
}

static void hid_report(void *ctx, const uint8_t *r, size_t len)
{
    struct hid_dev *h = ctx;
    if (__atomic_load_n(&h->dead, __ATOMIC_ACQUIRE))
        return;
    switch (h->kind) {
    case HID_KEYBOARD: keyboard_report(h, r, len); break;
    case HID_MOUSE:    mouse_report(h, r, len); break;
    case HID_TABLET:   tablet_report(h, r, len); break;
    }
}

static int class_request(struct usb_dev *d, const struct usb_hid_iface *ifc, uint8_t req,
                         uint16_t value)
{
    return usb_control(d, USB_TYPE_CLASS | USB_RECIP_INTERFACE, req, value, ifc->number, NULL, 0);
}

/* Reads and parses the report descriptor; true when it describes an absolute
 * pointer (X and Y absolute), with h's field indexes set. */
static bool tablet_probe(struct hid_dev *h, struct usb_dev *d, const struct usb_hid_iface *ifc)
{
    if (ifc->report_len == 0 || ifc->report_len > REPORT_DESC_MAX)
        return false;
    uint8_t *buf = kmalloc(ifc->report_len);
    if (!buf)
        return false;
    int r = usb_control(d, USB_DIR_IN | USB_RECIP_INTERFACE, USB_REQ_GET_DESCRIPTOR,
                        USB_DT_REPORT << 8, ifc->number, buf, ifc->report_len);
    int err = r > 0 ? hid_parse_report_desc(buf, (size_t)r, &h->rd) : -EIO;
    kfree(buf);
    if (err) {
        log_warn("%s/input%u: bad report descriptor (%d)", d->path, ifc->number, err);
        return false;
    }
    h->fx = hid_find_field(&h->rd, HID_PAGE_DESKTOP, HID_USAGE_X);
    h->fy = hid_find_field(&h->rd, HID_PAGE_DESKTOP, HID_USAGE_Y);
    h->fwheel = hid_find_field(&h->rd, HID_PAGE_DESKTOP, HID_USAGE_WHEEL);
    for (int i = 0; i < NBUTTONS; i++)
        h->fbtn[i] = hid_find_field(&h->rd, HID_PAGE_BUTTON, (uint16_t)(i + 1));
    if (h->fwheel >= 0 && !h->rd.f[h->fwheel].relative)
        h->fwheel = -1;
    h->fhwheel = hid_find_field(&h->rd, HID_PAGE_CONSUMER, HID_USAGE_AC_PAN);
    if (h->fhwheel >= 0 && !h->rd.f[h->fhwheel].relative)
        h->fhwheel = -1;
    return h->fx >= 0 && h->fy >= 0 && !h->rd.f[h->fx].relative && !h->rd.f[h->fy].relative;
}

static void set_axis(struct hid_dev *h, unsigned code, const struct hid_field *f)
{
    input_set_bit(h->in.absbit, code);
    h->in.absinfo[code].minimum = f->logical_min;
    h->in.absinfo[code].maximum = f->logical_max;
}

/* Fills the input device's capabilities for h's kind. */
static void describe(struct hid_dev *h)
{
    struct input_dev *in = &h->in;
    input_set_bit(in->evbit, EV_KEY);
    switch (h->kind) {
    case HID_KEYBOARD:
        for (unsigned u = 0; u < 256; u++)
            if (hid_keyboard_code((uint8_t)u))
                input_set_bit(in->keybit, hid_keyboard_code((uint8_t)u));
        break;
    case HID_MOUSE:
        input_set_bit(in->evbit, EV_REL);
        for (int i = 0; i < NBUTTONS; i++)
            input_set_bit(in->keybit, BTN_LEFT + (unsigned)i);
        input_set_bit(in->relbit, REL_X);
        input_set_bit(in->relbit, REL_Y);
        input_set_bit(in->relbit, REL_WHEEL);
        break;
    case HID_TABLET:
        input_set_bit(in->evbit, EV_ABS);
        for (int i = 0; i < NBUTTONS; i++)
            if (h->fbtn[i] >= 0)
                input_set_bit(in->keybit, BTN_LEFT + (unsigned)i);
        set_axis(h, ABS_X, &h->rd.f[h->fx]);
        set_axis(h, ABS_Y, &h->rd.f[h->fy]);
        if (h->fwheel >= 0) {
            input_set_bit(in->evbit, EV_REL);
            input_set_bit(in->relbit, REL_WHEEL);
        }
        if (h->fhwheel >= 0) {
            input_set_bit(in->evbit, EV_REL);
            input_set_bit(in->relbit, REL_HWHEEL);
        }
        break;
    }
}

int hid_attach(struct usb_dev *d, const struct usb_hid_iface *ifc)
{
    struct hid_dev *h = kzalloc(sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->udev = d;
    bool boot = ifc->subclass == HID_SUBCLASS_BOOT;
    if (boot && ifc->protocol == HID_PROTO_KEYBOARD) {
        h->kind = HID_KEYBOARD;
    } else if (tablet_probe(h, d, ifc)) {
        h->kind = HID_TABLET;
    } else if (boot && ifc->protocol == HID_PROTO_MOUSE) {
        h->kind = HID_MOUSE;
    } else {
        log_info("%s/input%u: HID interface %u/%u not supported", d->path, ifc->number,
                 ifc->subclass, ifc->protocol);
        kfree(h);
        return -ENODEV;
    }
    /* Boot devices get the fixed report format; a stall here (devices that only
     * have it) is fine. SET_IDLE 0: reports only on change. */
    if (h->kind != HID_TABLET)
        class_request(d, ifc, HID_REQ_SET_PROTOCOL, 0);
    class_request(d, ifc, HID_REQ_SET_IDLE, 0);
    if (d->manufacturer[0] && d->product[0])
        ksnprintf(h->name, sizeof(h->name), "%s %s", d->manufacturer, d->product);
    else
        ksnprintf(h->name, sizeof(h->name), "USB HID v%x.%02x %04x:%04x", d->info.bcd_usb >> 8,
                  d->info.bcd_usb & 0xff, d->info.vendor, d->info.product);
    ksnprintf(h->phys, sizeof(h->phys), "%s/input%u", d->path, ifc->number);
    h->in.name = h->name;
    h->in.phys = h->phys;
    h->in.id = (struct input_id){ BUS_USB, d->info.vendor, d->info.product, d->info.bcd_device };
    describe(h);
    int err = input_register_device(&h->in);
    if (err) {
        log_warn("%s: no input device (%d)", h->phys, err);
        kfree(h);
        return err;
    }
    h->next = hid_devs;
    __atomic_store_n(&hid_devs, h, __ATOMIC_RELEASE);
    if (h->kind == HID_KEYBOARD && !repeat_started) {
        /* Once: the queue is in use from the first keyboard's reports on. */
        repeat_started = true;
        waitqueue_init(&repeat_wq);
        struct thread *t = thread_create("usb-kbd-repeat", repeat_thread, NULL);
        if (!t || thread_detach(t))
            log_warn("no autorepeat thread: USB keys do not repeat");
    }
    static const char *const kinds[] = { "keyboard", "mouse", "tablet" };
    if ((err = usb_interrupt_start(d, ifc, hid_report, h))) {
        log_warn("%s: interrupt endpoint not started (%d)", h->phys, err);
        h->dead = true;         /* registered for good: stays, silent */
        return err;
    }
    log_info("%s: %s \"%s\" as input%d", h->phys, kinds[h->kind], h->name, h->in.index);
    return 0;
}

/* The input devices stay registered (the layer has no unplug): they go silent,
 * with every key still down released so nothing stays stuck. */
void hid_detach(struct usb_dev *d)
{
    for (struct hid_dev *h = hid_devs; h; h = h->next) {
        if (h->udev != d || h->dead)
            continue;
        __atomic_store_n(&h->dead, true, __ATOMIC_RELEASE);
        uint64_t keys[INPUT_BITS(KEY_CNT)];
        input_key_state(&h->in, keys);
        for (unsigned k = 0; k < KEY_CNT; k++)
            if (input_test_bit(keys, k))
                input_event(&h->in, EV_KEY, (uint16_t)k, 0);
        input_sync(&h->in);
        log_info("%s: \"%s\" gone (input%d stays, silent)", h->phys, h->name, h->in.index);
    }
}
