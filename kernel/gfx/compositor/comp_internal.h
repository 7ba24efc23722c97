/* Shared state of the compositor's files: comp_surface.c (the fds, their ioctls
 * and event queues) and comp_core.c (the thread that composes and routes input). */
#pragma once

#include <osc/compositor.h>
#include <osc/fb.h>
#include <osc/sched.h>

#define COMP_MAX_SURFACES   64
#define COMP_EVENT_QUEUE    64          /* records per surface */
#define COMP_PROC_BYTES_MAX (64ull << 20)       /* surface memory per process */
#define COMP_BG             0x0b0f17u   /* the splash's navy */
#define COMP_TITLE_H        24          /* a decorated surface's title bar, above it */

struct filepages;

struct comp_surface {
    /* The buffer shown, under comp_lock (a committed OSC_SURFACE_RESIZE swaps it). */
    struct filepages *fp;       /* the pixels (a reference; mappings hold theirs) */
    paddr_t *frames;            /* one per page of fp, read through the direct map */
    uint32_t w, h, stride;      /* stride = w * 4 */
    size_t bytes;
    /* OSC_SURFACE_RESIZE's buffer (what mmap maps) until a present shows it,
     * under comp_lock; pend_fp NULL when none. */
    struct filepages *pend_fp;
    paddr_t *pend_frames;
    uint32_t pend_w, pend_h;
    size_t pend_bytes;
    bool anchor_right;          /* its left edge was dragged: the commit keeps the right edge */
    bool anchor_bottom;         /* its top edge was dragged: the commit keeps the bottom edge */
    /* Fixed at creation. */
    int owner_pid;
    bool decorated;             /* OSC_SURFACE_DECORATED: a title bar to drag it by */
    bool desktop;               /* OSC_SURFACE_DESKTOP: kept at the bottom of the stack */
    /* Under comp_lock. */
    int x, y;
    bool visible;               /* OSC_SURFACE_SET_VISIBLE */
    bool presented;             /* shown only once it has a first frame */
    bool frame_pending;         /* presented since the last compose: frame done due */
    char title[OSC_TITLE_MAX];
    uint8_t cursor;             /* OSC_CURSOR_*: over its client area */
    uint32_t id;                /* /sys/compositor/windows/<id> */
    int slot;                   /* in comp_slots */
    char *sem;                  /* OSC_SURFACE_SET_SEMANTICS text (kmalloc'd), or NULL */
    size_t sem_len;
    /* Its event ring, under ev_wq.lock (a wait queue: rank 70). */
    struct waitqueue ev_wq;
    struct osc_event q[COMP_EVENT_QUEUE];
    uint32_t qhead, qtail;      /* free-running; qhead - qtail <= COMP_EVENT_QUEUE */
};

/* Rank 36 (docs/locking.md): the stack of surfaces, their geometry and flags, the
 * pending damage, pointer and focus state. A mutex: ioctls, fd release and the
 * compositor thread take it; under it only spinlocks (surface rings, comp_wq). */
extern struct mutex comp_lock;
extern struct comp_surface *comp_stack[COMP_MAX_SURFACES];     /* bottom first */
extern int comp_nstack;
extern struct fb_surface *comp_screen;
/* Under comp_lock: every surface by its slot (sysfs's stable numbering). */
extern struct comp_surface *comp_slots[COMP_WINDOW_SLOTS];
_Static_assert(COMP_WINDOW_SLOTS >= COMP_MAX_SURFACES, "a slot for every surface");

static inline struct comp_rect comp_surface_rect(const struct comp_surface *s)
{
    return (struct comp_rect){ s->x, s->y, (int)s->w, (int)s->h };
}

/* What it covers on screen: the surface and, decorated, its title bar. */
static inline struct comp_rect comp_frame_rect(const struct comp_surface *s)
{
    int t = s->decorated ? COMP_TITLE_H : 0;
    return (struct comp_rect){ s->x, s->y - t, (int)s->w, (int)s->h + t };
}

static inline struct comp_rect comp_title_rect(const struct comp_surface *s)
{
    return (struct comp_rect){ s->x, s->y - COMP_TITLE_H, (int)s->w, s->decorated ? COMP_TITLE_H : 0 };
}

static inline bool comp_surface_shown(const struct comp_surface *s)
{
    return s->visible && s->presented;
}

/* comp_core.c, all under comp_lock: */
void comp_damage(struct comp_rect r);   /* screen coordinates, clipped */
void comp_kick(void);                   /* something changed: compose soon */
/* s is leaving the stack (release): pointer, focus and capture forget it. */
void comp_forget(struct comp_surface *s);
void comp_raise(struct comp_surface *s);
bool comp_is_focused(const struct comp_surface *s);
/* Keyboard focus to s (FOCUS_OUT to the old, FOCUS_IN to s): a newly shown
 * surface is the foreground app. */
void comp_focus(struct comp_surface *s);
/* OSC_COMP_SET_MODE's work: the display to w x h, a new back buffer, windows
 * kept reachable, the desktop asked to resize. 0 or -EBUSY/-EINVAL/-EOPNOTSUPP
 * (fb_set_mode's) or -ENOMEM never: without memory for a back buffer the
 * compositor draws straight to the screen. */
int comp_screen_resize(uint32_t w, uint32_t h);
/* comp_mode.c: OSC_COMP_MODES and OSC_COMP_SET_MODE on /dev/compositor. */
long comp_mode_ioctl(unsigned int cmd, uint64_t arg);

/* comp_cursor.c: the box around the pointer at (x, y) that holds every shape
 * (what motion damages), and drawing shape there. */
#define COMP_CURSOR_LEFT    10
#define COMP_CURSOR_UP      10
#define COMP_CURSOR_BOX_W   24
#define COMP_CURSOR_BOX_H   30
struct comp_rect comp_cursor_box(int x, int y);
void comp_cursor_draw(struct fb_surface *t, unsigned shape, int x, int y);

/* comp_resize.c, all under comp_lock: resizing a decorated surface by its edges
 * and corners. The button press on an edge starts a grab that draws an outline
 * of the new frame; the release sends the owner OSC_EV_RESIZE. */
#define COMP_EDGE_L 1u
#define COMP_EDGE_R 2u
#define COMP_EDGE_B 4u
#define COMP_EDGE_T 8u          /* the title bar's top band */
#define COMP_CURSOR_RESIZE_D OSC_CURSOR_COUNT   /* the corners' shape (not settable) */
unsigned comp_resize_edges(const struct comp_surface *s, int x, int y);  /* COMP_EDGE_* or 0 */
unsigned comp_resize_shape(unsigned edges);
void comp_resize_begin(struct comp_surface *s, unsigned edges, int x, int y);
void comp_resize_motion(int x, int y);
void comp_resize_end(void);             /* the release: OSC_EV_RESIZE if the size changed */
/* Once per frame: OSC_EV_RESIZE to the grabbed surface's owner when the outline's
 * size changed since it was last asked (live resize). */
void comp_resize_live(void);
void comp_resize_forget(const struct comp_surface *s);  /* s goes: the grab ends, no event */
struct comp_surface *comp_resize_grabbed(void);
unsigned comp_resize_grab_edges(void);
void comp_resize_paint(struct fb_surface *t, struct comp_rect piece);  /* the outline */
/* Queues OSC_EV_RESIZE (w x h clamped to the limits) on s. */
void comp_send_resize(struct comp_surface *s, uint32_t w, uint32_t h);

/* comp_surface.c: queues an event on s (drops the oldest when full, merges a
 * motion into a motion just queued) and wakes its readers. */
void comp_push_event(struct comp_surface *s, const struct osc_event *ev);
/* The same for n records queued at once (a key and its text). */
void comp_push_events(struct comp_surface *s, const struct osc_event *ev, unsigned n);
/* comp_core.c: the session's keyboard layout (OSC_COMP_SET_LAYOUT/GET_LAYOUT). */
long comp_set_layout(unsigned long l);
long comp_get_layout(void);
/* comp_core.c: what composing has cost since boot (OSC_COMP_STATS), under comp_lock. */
extern struct osc_comp_stats comp_stats;
/* comp_surface.c, for kernel users (fbdev): a surface owned by process pid, as a
 * file with one reference in *out (what OSC_COMP_CREATE makes, without the fd);
 * 0 or -errno. */
struct file;
long comp_surface_make(const struct osc_surface_create *c, int pid, struct file **out);
/* Presents all of the surface f (a surface file), as OSC_SURFACE_PRESENT with no
 * rectangles. */
long comp_surface_present_whole(struct file *f);
