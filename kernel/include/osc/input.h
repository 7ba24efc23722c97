/* The input layer: every input driver (PS/2 keyboard and mouse, later USB HID)
 * registers a device and reports Linux input events (type, code, value) ending each
 * frame with SYN_REPORT; consumers (the text console, evdev's /dev/input/eventN, the
 * compositor) register handlers and see every device's events. Codes are Linux's
 * (include/uapi/linux/input-event-codes.h), so evdev passes them through unchanged. */
#pragma once

#include <osc/types.h>

/* Event types. */
#define EV_SYN          0x00
#define EV_KEY          0x01
#define EV_REL          0x02
#define EV_ABS          0x03
#define EV_MSC          0x04
#define EV_REP          0x14
#define EV_MAX          0x1f
#define EV_CNT          (EV_MAX + 1)

/* EV_SYN codes. */
#define SYN_REPORT      0
#define SYN_DROPPED     3

/* EV_REL codes. */
#define REL_X           0x00
#define REL_Y           0x01
#define REL_HWHEEL      0x06
#define REL_WHEEL       0x08
#define REL_MAX         0x0f
#define REL_CNT         (REL_MAX + 1)

#define ABS_X           0x00
#define ABS_Y           0x01
#define ABS_MAX         0x3f
#define ABS_CNT         (ABS_MAX + 1)

/* EV_KEY codes used by our drivers and the console keymap (the PC keyboard's keys
 * 1-88 are the scancode set 1 make codes, which Linux's numbering follows). */
#define KEY_RESERVED    0
#define KEY_ESC         1
#define KEY_1           2
#define KEY_0           11
#define KEY_BACKSPACE   14
#define KEY_TAB         15
#define KEY_Q           16
#define KEY_ENTER       28
#define KEY_LEFTCTRL    29
#define KEY_A           30
#define KEY_LEFTSHIFT   42
#define KEY_Z           44
#define KEY_C           46
#define KEY_RIGHTSHIFT  54
#define KEY_KPASTERISK  55
#define KEY_LEFTALT     56
#define KEY_SPACE       57
#define KEY_CAPSLOCK    58
#define KEY_F1          59
#define KEY_F10         68
#define KEY_NUMLOCK     69
#define KEY_SCROLLLOCK  70
#define KEY_KP7         71
#define KEY_KP8         72
#define KEY_KP9         73
#define KEY_KPMINUS     74
#define KEY_KP5         76
#define KEY_KPPLUS      78
#define KEY_KP3         81
#define KEY_KPDOT       83
#define KEY_102ND       86
#define KEY_F11         87
#define KEY_F12         88
#define KEY_KPENTER     96
#define KEY_RIGHTCTRL   97
#define KEY_KPSLASH     98
#define KEY_SYSRQ       99
#define KEY_RIGHTALT    100
#define KEY_HOME        102
#define KEY_UP          103
#define KEY_PAGEUP      104
#define KEY_LEFT        105
#define KEY_RIGHT       106
#define KEY_END         107
#define KEY_DOWN        108
#define KEY_PAGEDOWN    109
#define KEY_INSERT      110
#define KEY_DELETE      111
#define KEY_PAUSE       119
#define KEY_LEFTMETA    125
#define KEY_RIGHTMETA   126
#define KEY_COMPOSE     127
#define BTN_MOUSE       0x110
#define BTN_LEFT        0x110
#define BTN_RIGHT       0x111
#define BTN_MIDDLE      0x112
#define BTN_SIDE        0x113
#define BTN_EXTRA       0x114
#define KEY_MAX         0x2ff
#define KEY_CNT         (KEY_MAX + 1)

/* Bus types (struct input_id.bustype). */
#define BUS_I8042       0x11
#define BUS_USB         0x03

#define INPUT_BITS(n)   (((n) + 63) / 64)
#define INPUT_NAME_MAX  64
#define INPUT_MAX_DEVICES 32    /* /dev/input/event0..31 (minors 64-95, as Linux) */

static inline void input_set_bit(uint64_t *map, unsigned int bit) { map[bit / 64] |= 1ull << (bit % 64); }
static inline bool input_test_bit(const uint64_t *map, unsigned int bit) { return map[bit / 64] >> (bit % 64) & 1; }

struct input_id {               /* Linux struct input_id */
    uint16_t bustype, vendor, product, version;
};

struct input_absinfo {          /* Linux struct input_absinfo (EVIOCGABS) */
    int32_t value, minimum, maximum, fuzz, flat, resolution;
};

/* A device as its driver describes it before input_register_device; after that
 * the layer owns key[] and index, and the driver only reports events. */
struct input_dev {
    const char *name;           /* EVIOCGNAME, e.g. "AT Translated Set 2 keyboard" */
    const char *phys;           /* EVIOCGPHYS, e.g. "isa0060/serio0/input0" */
    struct input_id id;
    uint64_t evbit[INPUT_BITS(EV_CNT)];     /* EV_* the device reports */
    uint64_t keybit[INPUT_BITS(KEY_CNT)];   /* its EV_KEY codes */
    uint64_t relbit[INPUT_BITS(REL_CNT)];
    uint64_t absbit[INPUT_BITS(ABS_CNT)];
    /* Ranges of the axes in absbit; value is the layer's once registered. */
    struct input_absinfo absinfo[ABS_CNT];
    /* Below: the layer's (under `input`). */
    uint64_t key[INPUT_BITS(KEY_CNT)];      /* keys down now (EVIOCGKEY) */
    int index;                              /* N of /dev/input/eventN */
    struct input_handle *grab;              /* the only receiver while set (EVIOCGRAB) */
    bool pending;                           /* events passed since the last SYN_REPORT */
};

/* One event as handlers get it; time is CLOCK_REALTIME at the report, as evdev's. */
struct input_event_rec {
    int64_t time_ns;
    uint16_t type, code;
    int32_t value;
};

/* A consumer. event runs for every event of every device (interrupt context, with
 * `input` held: it must not sleep or take a lock ranked at or below it); connect
 * runs once per device, registered before or after the handler. */
struct input_handler {
    const char *name;
    void (*event)(struct input_handler *h, struct input_dev *dev,
                  const struct input_event_rec *ev);
    void (*connect)(struct input_handler *h, struct input_dev *dev);
    struct input_handler *next;     /* under `input` */
};

/* Who may grab a device (an evdev client): while dev->grab is set, every handler
 * delivers that device's events only to the holder (input_grabbed_by_other). */
struct input_handle {
    void *owner;
};

/* Registers a driver's device (its bits filled in); 0, or -ENOSPC when
 * INPUT_MAX_DEVICES exist. dev stays registered for good (no hot unplug yet). */
int input_register_device(struct input_dev *dev);
/* Reports one event; EV_KEY values are 0 release, 1 press, 2 autorepeat. A key
 * event for a code the device did not declare, a release of a key not down or a
 * press of one already down is dropped (as Linux), as is an EV_ABS event that
 * repeats the axis' value or names an axis not declared. Interrupt-safe. */
void input_event(struct input_dev *dev, uint16_t type, uint16_t code, int32_t value);
static inline void input_sync(struct input_dev *dev) { input_event(dev, EV_SYN, SYN_REPORT, 0); }
/* True when code is down on dev (drivers use it to report autorepeat as 2). */
bool input_key_down(struct input_dev *dev, uint16_t code);

void input_register_handler(struct input_handler *h);
/* Exclusive access: 0, or -EBUSY when another handle holds it. */
int input_grab(struct input_dev *dev, struct input_handle *h);
void input_release(struct input_dev *dev, struct input_handle *h);
/* True when another handle than h (NULL: a handler without one, the console)
 * holds dev's grab: the handler must not pass dev's events to h then. */
bool input_grabbed_by_other(const struct input_dev *dev, const struct input_handle *h);

/* The registered devices, by index (NULL past the end); read-only fields only. */
struct input_dev *input_device(int index);
/* Copies axis code's state under `input` (EVIOCGABS): false when dev has no
 * such axis. */
bool input_abs_info(struct input_dev *dev, unsigned int code, struct input_absinfo *out);
/* Copies dev's key state under `input` (EVIOCGKEY). */
void input_key_state(struct input_dev *dev, uint64_t out[INPUT_BITS(KEY_CNT)]);

/* /proc/bus/input/devices in Linux's format, written through put. */
void input_proc_devices(void (*put)(void *ctx, const char *s, size_t n), void *ctx);

/* Registers the layer's own handlers (evdev); call after vfs_init, before drivers. */
void input_init(void);
/* evdev's open for /dev/input/eventN (major 13), called by devfs. */
struct file;
int evdev_open(struct file *f, uint32_t rdev, uint32_t open_flags);
