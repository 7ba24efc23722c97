/* The kernel compositor (SPEC §4 gfx): surfaces are file descriptors made through
 * /dev/compositor, shared memory a process maps and presents with damage
 * rectangles; a kernel thread composes them by z-order into a back buffer, copies
 * the damaged region to the framebuffer and draws the cursor, and routes input to
 * surfaces as event records read from their fds. docs/compositor.md has the design;
 * the ABI it shares with programs is <uapi/osc_compositor.h>. */
#pragma once

#include <osc/types.h>

#include <uapi/osc_compositor.h>

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

/* Keyboard layouts (comp_keymap.c): pure, host-tested. The Unicode code point key
 * code types in layout (OSC_LAYOUT_*) at the Shift / AltGr level, 0 for keys that
 * type nothing (modifiers, arrows, Enter, Tab, Backspace, unknown layouts). */
uint32_t comp_keymap_char(unsigned layout, unsigned code, bool shift, bool altgr);
/* Whether Right Alt is AltGr (a third level) in layout rather than Alt. */
bool comp_keymap_has_altgr(unsigned layout);

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
/* /dev/fb0's open (devfs, Linux's 29,0): a window of its own per open, which the
 * program maps as its framebuffer (comp_fbdev.c). */
#define FBDEV_MAJOR 29
int comp_fbdev_open(struct file *f, uint32_t rdev, uint32_t open_flags);
