/* Surfaces as file descriptors: /dev/compositor's OSC_COMP_CREATE makes one (its
 * pixels a page store that mmap maps shared), its ioctls present damage and set
 * geometry, z-order, visibility and title, read() returns its event records and
 * poll() says when there are some. The last close takes it off the screen; the
 * pixels live on until the last mapping goes too. */

#define LOG_TAG "compositor"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/signal.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "comp_internal.h"

#define SURFACE_NAME    "anon_inode:[osc-surface]"
#define POS_LIMIT       32767   /* positions stay far from int overflow */

void comp_push_events(struct comp_surface *s, const struct osc_event *ev, unsigned n)
{
    unsigned long fl = spin_lock_irqsave(&s->ev_wq.lock);
    for (unsigned i = 0; i < n; i++) {
        struct osc_event *last = s->qhead != s->qtail ? &s->q[(s->qhead - 1) % COMP_EVENT_QUEUE] : NULL;
        if (last && last->type == ev[i].type &&
            (ev[i].type == OSC_EV_POINTER_MOTION || ev[i].type == OSC_EV_RESIZE)) {
            *last = ev[i];      /* a reader only needs the newest position or size */
        } else {
            s->q[s->qhead++ % COMP_EVENT_QUEUE] = ev[i];
            if (s->qhead - s->qtail > COMP_EVENT_QUEUE)
                s->qtail = s->qhead - COMP_EVENT_QUEUE;     /* full: the oldest goes */
        }
    }
    waitqueue_wake_locked(&s->ev_wq, -1);
    spin_unlock_irqrestore(&s->ev_wq.lock, fl);
}

void comp_push_event(struct comp_surface *s, const struct osc_event *ev)
{
    comp_push_events(s, ev, 1);
}

static ssize_t surface_read(struct file *f, void *buf, size_t n)
{
    struct comp_surface *s = f->priv;
    if (n < sizeof(struct osc_event))
        return -EINVAL;
    unsigned long fl = spin_lock_irqsave(&s->ev_wq.lock);
    while (s->qhead == s->qtail) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock_irqrestore(&s->ev_wq.lock, fl);
            return -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&s->ev_wq, &fl) < 0) {
            spin_unlock_irqrestore(&s->ev_wq.lock, fl);
            return -ERESTARTSYS;
        }
    }
    size_t done = 0;
    while (s->qhead != s->qtail && done + sizeof(struct osc_event) <= n) {
        /* A key and its text stay together unless the buffer holds one record. */
        if (done && s->q[s->qtail % COMP_EVENT_QUEUE].type == OSC_EV_KEY &&
            s->qtail + 1 != s->qhead && s->q[(s->qtail + 1) % COMP_EVENT_QUEUE].type == OSC_EV_TEXT &&
            done + 2 * sizeof(struct osc_event) > n)
            break;
        memcpy((char *)buf + done, &s->q[s->qtail++ % COMP_EVENT_QUEUE], sizeof(struct osc_event));
        done += sizeof(struct osc_event);
    }
    spin_unlock_irqrestore(&s->ev_wq.lock, fl);
    return (ssize_t)done;
}

static int surface_poll(struct file *f)
{
    struct comp_surface *s = f->priv;
    unsigned long fl = spin_lock_irqsave(&s->ev_wq.lock);
    int r = s->qhead != s->qtail ? POLLIN : 0;
    spin_unlock_irqrestore(&s->ev_wq.lock, fl);
    return r;
}

static struct waitqueue *surface_poll_wq(struct file *f)
{
    return &((struct comp_surface *)f->priv)->ev_wq;
}

/* What mmap maps: the pending buffer of a resize, else the one shown. A reference
 * (the file_ops contract): a commit on another thread may drop the surface's own. */
static struct filepages *surface_pages(struct file *f)
{
    struct comp_surface *s = f->priv;
    mutex_lock(&comp_lock);
    struct filepages *fp = s->pend_fp ? s->pend_fp : s->fp;
    filepages_get(fp);
    mutex_unlock(&comp_lock);
    return fp;
}

/* A zeroed buffer of w x h pixels: its page store and frame list. */
static int buffer_alloc(uint32_t w, uint32_t h, struct filepages **fp, paddr_t **frames, size_t *bytes)
{
    *bytes = ALIGN_UP((size_t)w * h * 4, PAGE_SIZE);
    size_t npages = *bytes / PAGE_SIZE;
    *fp = NULL;
    *frames = NULL;
    /* Half of what is free now at most: a client cannot starve the system. */
    if (npages > pmm_free_count() / 2)
        return -ENOMEM;
    int err = page_ref_init();
    if (err)
        return err;
    *frames = kmalloc(npages * sizeof(paddr_t));
    *fp = filepages_create();
    if (!*frames || !*fp || filepages_truncate(*fp, *bytes) || filepages_populate(*fp, *frames, npages)) {
        if (*fp)
            filepages_put(*fp);
        kfree(*frames);
        *fp = NULL;
        *frames = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* Surface memory the process already holds (under comp_lock). */
static size_t owner_bytes(int pid)
{
    size_t b = 0;
    for (int i = 0; i < comp_nstack; i++)
        if (comp_stack[i]->owner_pid == pid)
            b += comp_stack[i]->bytes + comp_stack[i]->pend_bytes;
    return b;
}

/* OSC_SURFACE_RESIZE: the new buffer waits in pend_* for the next present. The
 * allocation happens before comp_lock; a replaced pending buffer is freed after. */
static long surface_resize(struct comp_surface *s, uint64_t arg)
{
    struct osc_surface_size z;
    if (copy_from_user(&z, (const void *)arg, sizeof(z)))
        return -EFAULT;
    if (z.width == 0 || z.height == 0 || z.width > OSC_SURFACE_MAX_DIM || z.height > OSC_SURFACE_MAX_DIM)
        return -EINVAL;
    struct filepages *fp;
    paddr_t *frames;
    size_t bytes;
    long err = buffer_alloc(z.width, z.height, &fp, &frames, &bytes);
    if (err)
        return err;
    mutex_lock(&comp_lock);
    /* The old pending buffer is replaced, so it does not count. */
    if (owner_bytes(s->owner_pid) - s->pend_bytes + bytes > COMP_PROC_BYTES_MAX) {
        mutex_unlock(&comp_lock);
        filepages_put(fp);
        kfree(frames);
        return -ENOMEM;
    }
    struct filepages *old_fp = s->pend_fp;
    paddr_t *old_frames = s->pend_frames;
    s->pend_fp = fp;
    s->pend_frames = frames;
    s->pend_w = z.width;
    s->pend_h = z.height;
    s->pend_bytes = bytes;
    mutex_unlock(&comp_lock);
    if (old_fp)
        filepages_put(old_fp);
    kfree(old_frames);
    return 0;
}

/* An OSC_EV_RESIZE is waiting to be read on s. */
static bool resize_queued(struct comp_surface *s)
{
    bool found = false;
    unsigned long fl = spin_lock_irqsave(&s->ev_wq.lock);
    for (uint32_t i = s->qtail; i != s->qhead && !found; i++)
        found = s->q[i % COMP_EVENT_QUEUE].type == OSC_EV_RESIZE;
    spin_unlock_irqrestore(&s->ev_wq.lock, fl);
    return found;
}

/* The pending buffer becomes the one shown (under comp_lock); the old one goes
 * back in *old_fp / *old_frames for the caller to free after the lock. */
static void commit_resize(struct comp_surface *s, struct filepages **old_fp, paddr_t **old_frames)
{
    if (comp_surface_shown(s))
        comp_damage(comp_frame_rect(s));
    *old_fp = s->fp;
    *old_frames = s->frames;
    if (s->anchor_right)
        s->x += (int)s->w - (int)s->pend_w;     /* a left-edge drag: the right edge stays */
    if (s->anchor_bottom)   /* a top-edge drag: the bottom stays, the title bar on screen */
        s->y = MAX(s->y + (int)s->h - (int)s->pend_h, MIN(s->y, COMP_TITLE_H));
    /* A live drag sends several sizes: the anchors hold for each answer until
     * the drag is over and its last size has been read. */
    if (comp_resize_grabbed() != s && !resize_queued(s))
        s->anchor_right = s->anchor_bottom = false;
    s->fp = s->pend_fp;
    s->frames = s->pend_frames;
    s->w = s->pend_w;
    s->h = s->pend_h;
    s->stride = s->pend_w * 4;
    s->bytes = s->pend_bytes;
    s->pend_fp = NULL;
    s->pend_frames = NULL;
    s->pend_w = s->pend_h = 0;
    s->pend_bytes = 0;
}

/* Copies and checks the damage list, then adds it (in screen coordinates) to the
 * pending damage. All-or-nothing: one bad rect and nothing is presented. */
/* Shows rects (count of them, copied in; 0: the whole surface) of s's buffer. */
static long present_rects(struct comp_surface *s, struct osc_rect *rects, uint32_t count)
{
    mutex_lock(&comp_lock);
    /* Checked against the buffer this present shows: a pending resize's. */
    bool resize = s->pend_fp != NULL;
    int w = (int)(resize ? s->pend_w : s->w), h = (int)(resize ? s->pend_h : s->h);
    if (!count) {
        rects[0] = (struct osc_rect){ 0, 0, w, h };
        count = 1;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct comp_rect r = { rects[i].x, rects[i].y, rects[i].w, rects[i].h };
        if (!comp_rect_valid_in(r, w, h)) {
            mutex_unlock(&comp_lock);
            return -EINVAL;
        }
    }
    struct filepages *old_fp = NULL;
    paddr_t *old_frames = NULL;
    if (resize) {
        commit_resize(s, &old_fp, &old_frames);
        rects[0] = (struct osc_rect){ 0, 0, w, h };     /* shown whole */
        count = 1;
    }
    bool first = !s->presented;
    s->presented = true;
    s->frame_pending = true;
    if (first) {
        comp_damage(comp_frame_rect(s));
        if (s->visible)
            comp_focus(s);
    } else if (s->visible) {
        for (uint32_t i = 0; i < count; i++)
            comp_damage((struct comp_rect){ s->x + rects[i].x, s->y + rects[i].y, rects[i].w, rects[i].h });
        if (resize)
            comp_damage(comp_frame_rect(s));   /* the title bar's width changed too */
    }
    comp_kick();
    mutex_unlock(&comp_lock);
    if (old_fp)
        filepages_put(old_fp);
    kfree(old_frames);
    return 0;
}

static long surface_present(struct comp_surface *s, uint64_t arg)
{
    struct osc_present p;
    if (copy_from_user(&p, (const void *)arg, sizeof(p)))
        return -EFAULT;
    if (p.reserved || p.count > OSC_PRESENT_MAX_RECTS)
        return -EINVAL;
    struct osc_rect rects[OSC_PRESENT_MAX_RECTS];
    if (p.count && copy_from_user(rects, (const void *)p.rects, p.count * sizeof(rects[0])))
        return -EFAULT;
    return present_rects(s, rects, p.count);
}

long comp_surface_present_whole(struct file *f)
{
    struct osc_rect r[1];
    return present_rects(f->priv, r, 0);
}

/* The text is copied into a new buffer before comp_lock is taken and the old one
 * freed after it is dropped: nothing is allocated under comp_lock. */
static long surface_set_semantics(struct comp_surface *s, uint64_t arg)
{
    struct osc_semantics a;
    if (copy_from_user(&a, (const void *)arg, sizeof(a)))
        return -EFAULT;
    if (a.reserved)
        return -EINVAL;
    if (a.len > OSC_SEMANTICS_MAX)
        return -E2BIG;
    char *text = NULL;
    if (a.len) {
        text = kmalloc(a.len);
        if (!text)
            return -ENOMEM;
        if (copy_from_user(text, (const void *)a.text, a.len)) {
            kfree(text);
            return -EFAULT;
        }
    }
    mutex_lock(&comp_lock);
    char *old = s->sem;
    s->sem = text;
    s->sem_len = a.len;
    mutex_unlock(&comp_lock);
    kfree(old);
    return 0;
}

static long surface_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct comp_surface *s = f->priv;
    switch (cmd) {
    case OSC_SURFACE_PRESENT:
        return surface_present(s, arg);
    case OSC_SURFACE_SET_POS: {
        struct osc_surface_pos p;
        if (copy_from_user(&p, (const void *)arg, sizeof(p)))
            return -EFAULT;
        if (p.x < -POS_LIMIT || p.x > POS_LIMIT || p.y < -POS_LIMIT || p.y > POS_LIMIT)
            return -EINVAL;
        mutex_lock(&comp_lock);
        if (comp_surface_shown(s))
            comp_damage(comp_frame_rect(s));
        s->x = p.x;
        s->y = p.y;
        if (comp_surface_shown(s))
            comp_damage(comp_frame_rect(s));
        comp_kick();
        mutex_unlock(&comp_lock);
        return 0;
    }
    case OSC_SURFACE_RAISE:
        mutex_lock(&comp_lock);
        comp_raise(s);
        comp_kick();
        mutex_unlock(&comp_lock);
        return 0;
    case OSC_SURFACE_SET_VISIBLE:
        if (arg > 1)
            return -EINVAL;
        mutex_lock(&comp_lock);
        if (s->visible != (bool)arg) {
            if (s->presented)
                comp_damage(comp_frame_rect(s));
            s->visible = arg;
            comp_kick();
        }
        mutex_unlock(&comp_lock);
        return 0;
    case OSC_SURFACE_SET_TITLE: {
        char t[OSC_TITLE_MAX];
        long n = strncpy_from_user(t, (const char *)arg, sizeof(t));
        if (n == -ENAMETOOLONG)
            return -EINVAL;
        if (n < 0)
            return n;
        mutex_lock(&comp_lock);
        memcpy(s->title, t, (size_t)n + 1);
        if (comp_surface_shown(s) && s->decorated) {
            comp_damage(comp_title_rect(s));
            comp_kick();
        }
        mutex_unlock(&comp_lock);
        return 0;
    }
    case OSC_SURFACE_SET_SEMANTICS:
        return surface_set_semantics(s, arg);
    case OSC_SURFACE_RESIZE:
        return surface_resize(s, arg);
    case OSC_SURFACE_REQUEST_SIZE: {
        struct osc_surface_size z;
        if (copy_from_user(&z, (const void *)arg, sizeof(z)))
            return -EFAULT;
        mutex_lock(&comp_lock);
        s->anchor_right = s->anchor_bottom = false;
        comp_send_resize(s, z.width, z.height);
        mutex_unlock(&comp_lock);
        return 0;
    }
    case OSC_SURFACE_INFO: {
        mutex_lock(&comp_lock);
        struct osc_surface_info i = {
            s->w, s->h, s->stride, OSC_FORMAT_XRGB8888, s->x, s->y, s->visible, comp_is_focused(s),
        };
        mutex_unlock(&comp_lock);
        return copy_to_user((void *)arg, &i, sizeof(i)) ? -EFAULT : 0;
    }
    }
    return -ENOTTY;
}

static void surface_free(struct comp_surface *s)
{
    if (s->fp)
        filepages_put(s->fp);
    if (s->pend_fp)
        filepages_put(s->pend_fp);
    kfree(s->pend_frames);
    kfree(s->sem);
    kfree(s->frames);
    kfree(s);
}

static void surface_release(struct file *f)
{
    struct comp_surface *s = f->priv;
    if (!s)
        return;                 /* creation failed after the file was made */
    mutex_lock(&comp_lock);
    for (int i = 0; i < comp_nstack; i++) {
        if (comp_stack[i] != s)
            continue;
        memmove(&comp_stack[i], &comp_stack[i + 1], (size_t)(comp_nstack - i - 1) * sizeof(comp_stack[0]));
        comp_nstack--;
        break;
    }
    if (comp_slots[s->slot] == s)
        comp_slots[s->slot] = NULL;
    if (comp_surface_shown(s))
        comp_damage(comp_frame_rect(s));
    comp_forget(s);
    comp_kick();
    mutex_unlock(&comp_lock);
    surface_free(s);
}

static const struct file_ops surface_ops = {
    .read = surface_read, .ioctl = surface_ioctl, .poll = surface_poll,
    .poll_wq = surface_poll_wq, .release = surface_release, .pages = surface_pages,
    .stat_mode = 0600,
};

long comp_surface_make(const struct osc_surface_create *cp, int pid, struct file **out)
{
    struct osc_surface_create c = *cp;
    if (!comp_screen)
        return -ENODEV;
    if (c.format != OSC_FORMAT_XRGB8888 || c.width == 0 || c.height == 0 ||
        c.width > OSC_SURFACE_MAX_DIM || c.height > OSC_SURFACE_MAX_DIM ||
        (c.flags & ~(OSC_SURFACE_CLOEXEC | OSC_SURFACE_NONBLOCK | OSC_SURFACE_DECORATED |
                     OSC_SURFACE_DESKTOP)) ||
        ((c.flags & OSC_SURFACE_DESKTOP) && (c.flags & OSC_SURFACE_DECORATED)))
        return -EINVAL;
    size_t bytes = ALIGN_UP((size_t)c.width * c.height * 4, PAGE_SIZE);
    if (bytes / PAGE_SIZE > pmm_free_count() / 2)
        return -ENOMEM;
    mutex_lock(&comp_lock);
    long err = comp_nstack >= COMP_MAX_SURFACES ? -ENOSPC
             : owner_bytes(pid) + bytes > COMP_PROC_BYTES_MAX ? -ENOMEM : 0;
    mutex_unlock(&comp_lock);
    if (err)
        return err;
    struct comp_surface *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    if ((err = buffer_alloc(c.width, c.height, &s->fp, &s->frames, &bytes))) {
        surface_free(s);
        return err;
    }
    s->w = c.width;
    s->h = c.height;
    s->stride = c.width * 4;
    s->bytes = bytes;
    s->owner_pid = pid;
    s->visible = true;
    s->decorated = c.flags & OSC_SURFACE_DECORATED;
    s->desktop = c.flags & OSC_SURFACE_DESKTOP;
    waitqueue_init(&s->ev_wq);
    char *name = kmalloc(sizeof(SURFACE_NAME));
    struct file *f = name ? file_alloc(NULL, &surface_ops,
                                       O_RDWR | (c.flags & OSC_SURFACE_NONBLOCK ? O_NONBLOCK : 0)) : NULL;
    if (!f) {
        kfree(name);
        surface_free(s);
        return -ENOMEM;
    }
    memcpy(name, SURFACE_NAME, sizeof(SURFACE_NAME));
    f->path = name;
    f->priv = s;
    /* On the stack (unshown until its first present) before the fd exists, so
     * the fd's release always finds it there. */
    mutex_lock(&comp_lock);
    /* Checked again: another thread of the process may have made one meanwhile. */
    err = comp_nstack >= COMP_MAX_SURFACES ? -ENOSPC
        : owner_bytes(pid) + bytes > COMP_PROC_BYTES_MAX ? -ENOMEM
        : s->desktop && comp_nstack && comp_stack[0]->desktop ? -EBUSY : 0;
    if (err) {
        mutex_unlock(&comp_lock);
        f->priv = NULL;
        file_put(f);            /* release sees no surface */
        surface_free(s);
        return err;
    }
    s->x = (int)(comp_screen->width > s->w ? (comp_screen->width - s->w) / 2 : 0);
    s->y = (int)(comp_screen->height > s->h ? (comp_screen->height - s->h) / 2 : 0);
    if (s->decorated && s->y < COMP_TITLE_H)
        s->y = COMP_TITLE_H;
    for (int i = 0; i < comp_nstack; i++)         /* cursor_shape_set is per process */
        if (comp_stack[i]->owner_pid == pid)
            s->cursor = comp_stack[i]->cursor;
    static uint32_t next_id = 1;
    s->id = next_id++;
    for (int i = 0; i < COMP_WINDOW_SLOTS; i++) {
        if (!comp_slots[i]) {
            comp_slots[i] = s;  /* one is free: comp_nstack < COMP_MAX_SURFACES */
            s->slot = i;
            break;
        }
    }
    if (s->desktop) {
        /* The desktop goes under everything, at the screen's origin. */
        memmove(&comp_stack[1], &comp_stack[0], (size_t)comp_nstack * sizeof(comp_stack[0]));
        comp_stack[0] = s;
        comp_nstack++;
        s->x = s->y = 0;
    } else {
        comp_stack[comp_nstack++] = s;
    }
    mutex_unlock(&comp_lock);
    *out = f;
    return 0;
}

static long comp_create(uint64_t arg)
{
    struct osc_surface_create c;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    if (copy_from_user(&c, (const void *)arg, sizeof(c)))
        return -EFAULT;
    struct file *f;
    long err = comp_surface_make(&c, p->pid, &f);
    if (err)
        return err;
    long fd = fdtable_install(p->files, f, 0, c.flags & OSC_SURFACE_CLOEXEC);
    file_put(f);                /* on -EMFILE this releases the surface */
    return fd;
}

static long comp_dev_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    (void)f;
    switch (cmd) {
    case OSC_COMP_CREATE:
        return comp_create(arg);
    case OSC_COMP_STATS: {
        mutex_lock(&comp_lock);
        struct osc_comp_stats st = comp_stats;
        mutex_unlock(&comp_lock);
        return copy_to_user((void *)arg, &st, sizeof(st)) ? -EFAULT : 0;
    }
    case OSC_COMP_SET_LAYOUT:
        return comp_set_layout(arg);
    case OSC_COMP_GET_LAYOUT:
        return comp_get_layout();
    case OSC_COMP_SCREEN: {
        if (!comp_screen)
            return -ENODEV;
        mutex_lock(&comp_lock);         /* a mode change moves both at once */
        struct osc_screen_info i = { comp_screen->width, comp_screen->height };
        mutex_unlock(&comp_lock);
        return copy_to_user((void *)arg, &i, sizeof(i)) ? -EFAULT : 0;
    }
    case OSC_COMP_MODES:
    case OSC_COMP_SET_MODE:
        return comp_mode_ioctl(cmd, arg);
    }
    return -ENOTTY;
}

static const struct file_ops comp_dev_ops = { .ioctl = comp_dev_ioctl };

int comp_dev_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    (void)rdev;
    (void)open_flags;
    f->ops = &comp_dev_ops;
    return 0;
}
