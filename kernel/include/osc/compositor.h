/* The kernel compositor (SPEC §4 gfx): surfaces are file descriptors made through
 * /dev/compositor, shared memory a process maps and presents with damage
 * rectangles; a kernel thread composes them by z-order into a back buffer, copies
 * the damaged region to the framebuffer and draws the cursor, and routes input to
 * surfaces as event records read from their fds. docs/compositor.md has the design;
 * user/lib/osc_compositor.h repeats the ABI part below for programs. */
#pragma once

#include <osc/types.h>

/* ---- ABI (kept in step with user/lib/osc_compositor.h) ---- */

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

/* _IOC(dir, 'C', nr, size): dir 1 write, 2 read, 3 both. */
#define OSC_IOC(dir, nr, size)  (((uint32_t)(dir) << 30) | ((uint32_t)(size) << 16) | ('C' << 8) | (nr))
#define OSC_COMP_CREATE         OSC_IOC(1, 0x01, sizeof(struct osc_surface_create))
#define OSC_COMP_SCREEN         OSC_IOC(2, 0x02, sizeof(struct osc_screen_info))
#define OSC_SURFACE_PRESENT     OSC_IOC(1, 0x10, sizeof(struct osc_present))
#define OSC_SURFACE_SET_POS     OSC_IOC(1, 0x11, sizeof(struct osc_surface_pos))
#define OSC_SURFACE_RAISE       OSC_IOC(0, 0x12, 0)
#define OSC_SURFACE_SET_VISIBLE OSC_IOC(0, 0x13, 0)         /* arg: 0 or 1 */
#define OSC_SURFACE_SET_TITLE   OSC_IOC(1, 0x14, OSC_TITLE_MAX)   /* arg: C string */
#define OSC_SURFACE_INFO        OSC_IOC(2, 0x15, sizeof(struct osc_surface_info))
/* Published at /sys/compositor/windows/<id>/semantics for tests and accessibility. */
#define OSC_SURFACE_SET_SEMANTICS OSC_IOC(1, 0x16, sizeof(struct osc_semantics))

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
#define OSC_EV_POINTER_WHEEL    10      /* value: notches, > 0 up (REL_WHEEL's sign) */

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

/* ---- kernel ---- */

/* Rectangle and region math (kernel/gfx/compositor/comp_region.c): pure, host-tested.
 * A rect with w <= 0 or h <= 0 is empty. */
struct comp_rect {
    int x, y, w, h;
};

#define COMP_REGION_MAX 32
/* A set of non-overlapping rects (the damage to repaint, or what of one surface
 * is visible). When more pieces would be needed than fit, the region grows to its
 * bounding box: over-drawing is correct, only slower. */
struct comp_region {
    int n;
    bool overflow;              /* subtract ran out of room: pieces kept whole */
    struct comp_rect r[COMP_REGION_MAX];
};

bool comp_rect_empty(struct comp_rect a);
struct comp_rect comp_rect_intersect(struct comp_rect a, struct comp_rect b);
struct comp_rect comp_rect_bounds(struct comp_rect a, struct comp_rect b);   /* either may be empty */
bool comp_rect_contains(struct comp_rect outer, struct comp_rect inner);
bool comp_rect_has_point(struct comp_rect a, int x, int y);
/* A user's damage rect on a w x h surface: inside it, non-empty, no overflow. */
bool comp_rect_valid_in(struct comp_rect a, int w, int h);

void comp_region_clear(struct comp_region *g);
/* Adds a's area: keeps the pieces disjoint (a minus what is there); empty rects
 * are ignored; at capacity everything collapses to the bounding box. */
void comp_region_add(struct comp_region *g, struct comp_rect a);
/* Removes a's area; a piece that would need more room than is left stays whole
 * (and g->overflow is set). */
void comp_region_subtract(struct comp_region *g, struct comp_rect a);
/* Keeps only what lies in a. */
void comp_region_clip(struct comp_region *g, struct comp_rect a);
uint64_t comp_region_area(const struct comp_region *g);

/* Starts the compositor thread and registers its input handler; after
 * input_init. Without a framebuffer /dev/compositor answers -ENODEV. */
void comp_init(void);
/* True once the compositor has taken the screen (frame 1): the text console then
 * takes no keys. Lock-free. */
bool comp_owns_screen(void);
/* For /sys/compositor/windows (kernel/fs/sysfs_comp.c). A window is a surface that
 * has been presented; slot (0..COMP_MAX_SURFACES-1) is where it sits in a fixed
 * table, id its number (its directory's name), never reused. */
#define COMP_WINDOW_SLOTS       64
enum comp_field { COMP_F_TITLE, COMP_F_GEOMETRY, COMP_F_PID, COMP_F_FOCUSED, COMP_F_SEMANTICS,
                  COMP_NFIELDS };
/* The k-th window in slot order: its slot and id; false past the last. */
bool comp_window_at(uint64_t k, int *slot, uint32_t *id);
/* The slot of window id, or -1. */
int comp_window_slot(uint32_t id);
/* field of the window in slot as text (a line, or the semantics blob) in buf
 * (cap bytes, cut there); its length, or -ENOENT when the slot is empty. */
long comp_window_field(int slot, enum comp_field field, char *buf, size_t cap);
/* /dev/compositor's open (devfs). */
struct file;
int comp_dev_open(struct file *f, uint32_t rdev, uint32_t open_flags);
