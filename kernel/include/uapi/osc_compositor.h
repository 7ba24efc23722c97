/* The compositor's ABI, shared word for word by the kernel (<osc/compositor.h>)
 * and programs (user/lib/osc_compositor.h): /dev/compositor's ioctls, surface
 * flags, event records, cursor shapes. Needs uint32_t and friends from the
 * includer (<osc/types.h> in the kernel, <stdint.h> in programs). */
#pragma once
#define OSC_COMP_DEV_MAJOR      10      /* misc */
#define OSC_COMP_DEV_MINOR      240     /* Linux's "local use" range */

#define OSC_FORMAT_XRGB8888     0x34325258u     /* DRM fourcc 'XR24' */
#define OSC_SURFACE_MAX_DIM     4096
#define OSC_PRESENT_MAX_RECTS   64

struct osc_rect {
    int32_t x, y, w, h;
};

struct osc_surface_create {     /* OSC_COMP_CREATE on /dev/compositor */
    uint32_t width, height, format;
    uint32_t flags;             /* OSC_SURFACE_CLOEXEC | _NONBLOCK | _DECORATED */
};
#define OSC_SURFACE_CLOEXEC     1u
#define OSC_SURFACE_NONBLOCK    2u
#define OSC_SURFACE_DECORATED   4u      /* a title bar above it (24 px) to drag it by */
#define OSC_SURFACE_DESKTOP     8u      /* the desktop: below every other surface, never
                                           raised; one at a time (else -EBUSY) */

struct osc_screen_info {        /* OSC_COMP_SCREEN on /dev/compositor */
    uint32_t width, height;
};

#define OSC_MODES_MAX           16
struct osc_modes {              /* OSC_COMP_MODES: the resolutions the display can take */
    uint32_t count;             /* entries in mode[] (0: the mode cannot change) */
    uint32_t current;           /* mode[current] is the one shown (count when none is) */
    struct osc_screen_info mode[OSC_MODES_MAX];
};

struct osc_comp_stats {         /* OSC_COMP_STATS on /dev/compositor: since boot */
    uint64_t frames;            /* frames composed (damage copied to the screen) */
    uint64_t compose_ns;        /* time spent composing and copying them */
    uint64_t pixels;            /* damaged pixels they covered */
};

struct osc_present {            /* OSC_SURFACE_PRESENT */
    uint64_t rects;             /* user pointer to count struct osc_rect */
    uint32_t count;             /* 0: the whole surface */
    uint32_t reserved;          /* must be 0 */
};

struct osc_surface_pos {        /* OSC_SURFACE_SET_POS */
    int32_t x, y;
};

struct osc_surface_info {       /* OSC_SURFACE_INFO */
    uint32_t width, height, stride, format;
    int32_t x, y;
    uint32_t visible, focused;
};

#define OSC_TITLE_MAX           64      /* bytes with the NUL */

struct osc_semantics {          /* OSC_SURFACE_SET_SEMANTICS */
    uint64_t text;              /* user pointer to len bytes (any text; libui's tree) */
    uint32_t len;               /* 0 clears; over OSC_SEMANTICS_MAX -E2BIG */
    uint32_t reserved;          /* must be 0 */
};
#define OSC_SEMANTICS_MAX       16384

struct osc_surface_size {       /* OSC_SURFACE_RESIZE, OSC_SURFACE_REQUEST_SIZE */
    uint32_t width, height;
};
/* The smallest size a window is dragged to (edges and corners of decorated
 * surfaces); OSC_SURFACE_REQUEST_SIZE is clamped to it too. */
#define OSC_SURFACE_MIN_W       96
#define OSC_SURFACE_MIN_H       48

/* _IOC(dir, 'C', nr, size): dir 1 write, 2 read, 3 both. */
#define OSC_IOC(dir, nr, size)  (((uint32_t)(dir) << 30) | ((uint32_t)(size) << 16) | ('C' << 8) | (nr))
#define OSC_COMP_CREATE         OSC_IOC(1, 0x01, sizeof(struct osc_surface_create))
#define OSC_COMP_SCREEN         OSC_IOC(2, 0x02, sizeof(struct osc_screen_info))
#define OSC_COMP_STATS          OSC_IOC(2, 0x03, sizeof(struct osc_comp_stats))
/* The session's keyboard layout (arg: OSC_LAYOUT_*, else -EINVAL): what the
 * OSC_EV_TEXT records of every surface carry from the next key on. */
#define OSC_COMP_SET_LAYOUT     OSC_IOC(0, 0x04, 0)
#define OSC_COMP_GET_LAYOUT     OSC_IOC(0, 0x05, 0)     /* returns OSC_LAYOUT_* */
#define OSC_COMP_MODES          OSC_IOC(2, 0x06, sizeof(struct osc_modes))
/* Sets one of OSC_COMP_MODES's resolutions (EINVAL otherwise; EOPNOTSUPP when
 * the display has none; EBUSY before the compositor owns the screen; EPERM
 * unless root or the desktop's owner). Surfaces are kept on screen, the desktop
 * surface gets OSC_EV_RESIZE to the new size. */
#define OSC_COMP_SET_MODE       OSC_IOC(1, 0x07, sizeof(struct osc_screen_info))
#define OSC_SURFACE_PRESENT     OSC_IOC(1, 0x10, sizeof(struct osc_present))
#define OSC_SURFACE_SET_POS     OSC_IOC(1, 0x11, sizeof(struct osc_surface_pos))
#define OSC_SURFACE_RAISE       OSC_IOC(0, 0x12, 0)
#define OSC_SURFACE_SET_VISIBLE OSC_IOC(0, 0x13, 0)         /* arg: 0 or 1 */
#define OSC_SURFACE_SET_TITLE   OSC_IOC(1, 0x14, OSC_TITLE_MAX)   /* arg: C string */
#define OSC_SURFACE_INFO        OSC_IOC(2, 0x15, sizeof(struct osc_surface_info))
/* Published at /sys/compositor/windows/<id>/semantics for tests and accessibility. */
#define OSC_SURFACE_SET_SEMANTICS OSC_IOC(1, 0x16, sizeof(struct osc_semantics))
/* A new buffer of this size (1..OSC_SURFACE_MAX_DIM each, stride width * 4): mmap
 * of the fd maps it from now on; the old one stays on screen until the next
 * OSC_SURFACE_PRESENT (damage checked against the new size) shows the new one
 * whole. A second RESIZE before that replaces the pending buffer. */
#define OSC_SURFACE_RESIZE      OSC_IOC(1, 0x17, sizeof(struct osc_surface_size))
/* Asks for the OSC_EV_RESIZE a window-edge drag would send (size clamped to
 * OSC_SURFACE_MIN_W/H and OSC_SURFACE_MAX_DIM): for programs and tests. */
#define OSC_SURFACE_REQUEST_SIZE OSC_IOC(1, 0x18, sizeof(struct osc_surface_size))

/* read() on a surface fd: whole records, oldest first. */
struct osc_event {
    uint32_t type;              /* OSC_EV_* */
    uint32_t mods;              /* OSC_MOD_* at the time of the event */
    int32_t x, y;               /* pointer events: surface-local position */
    uint32_t code;              /* key: Linux KEY_*; button: BTN_*; frame: sequence */
    int32_t value;              /* key/button: 1 press, 0 release, 2 repeat */
    uint64_t time_ns;           /* CLOCK_MONOTONIC */
};

#define OSC_EV_FRAME_DONE       1       /* a present was composed: draw the next */
#define OSC_EV_POINTER_MOTION   2
#define OSC_EV_POINTER_ENTER    3
#define OSC_EV_POINTER_LEAVE    4
#define OSC_EV_POINTER_BUTTON   5
#define OSC_EV_KEY              6
#define OSC_EV_FOCUS_IN         7
#define OSC_EV_FOCUS_OUT        8
#define OSC_EV_CLOSE_REQUEST    9       /* its close box clicked, or Alt+F4 on it focused */
#define OSC_EV_POINTER_WHEEL    10      /* code: OSC_WHEEL_*; value: notches, > 0 up
                                           (REL_WHEEL's sign) or right (REL_HWHEEL's) */
#define OSC_EV_RESIZE           11      /* x, y: the width and height the window manager
                                           asks for; the client answers with
                                           OSC_SURFACE_RESIZE and a present (or ignores it) */
#define OSC_EV_TEXT             12      /* code: the Unicode code point the key press or
                                           repeat just before it types in the session's
                                           layout at the Shift/AltGr level held; queued
                                           with it. Also with Ctrl/Alt/Meta held (mods
                                           says so): a terminal makes Ctrl+C of it,
                                           a text field types only without them */

#define OSC_WHEEL_VERTICAL      0       /* OSC_EV_POINTER_WHEEL's code: the axis */
#define OSC_WHEEL_HORIZONTAL    1

/* cursor_shape_set (0x4B2) shapes; OSC_CURSOR_HIDDEN draws nothing. */
#define OSC_CURSOR_ARROW        0
#define OSC_CURSOR_IBEAM        1
#define OSC_CURSOR_HAND         2
#define OSC_CURSOR_FORBIDDEN    3
#define OSC_CURSOR_GRAB         4
#define OSC_CURSOR_RESIZE_H     5
#define OSC_CURSOR_RESIZE_V     6
#define OSC_CURSOR_HIDDEN       7
#define OSC_CURSOR_COUNT        8

#define OSC_MOD_SHIFT           1u
#define OSC_MOD_CTRL            2u
#define OSC_MOD_ALT             4u
#define OSC_MOD_META            8u
#define OSC_MOD_ALTGR           16u     /* Right Alt in a layout with a third level
                                           (German): then it is not OSC_MOD_ALT */

/* Keyboard layouts (OSC_COMP_SET_LAYOUT). */
#define OSC_LAYOUT_US           0
#define OSC_LAYOUT_DE           1
#define OSC_LAYOUT_COUNT        2


/* OSCortex platform calls (syscall(2) numbers, docs/syscalls.md). */
#define OSC_SYS_cursor_shape_set        0x4B2   /* (shape): 0 or -EINVAL */
#define OSC_SYS_app_close_foreground    0x4B5   /* (): 0, or -ESRCH when nothing is focused */

_Static_assert(sizeof(struct osc_event) == 32, "osc_event is 32 bytes");
_Static_assert(sizeof(struct osc_present) == 16, "osc_present is 16 bytes");
