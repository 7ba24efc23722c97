/* A libui window on a compositor surface: the surface is created, mapped and
 * wrapped as a pixman image; its events become libui events; what the widgets
 * repaint is presented as damage, one frame in flight at a time. */
#include "ui.h"
#include "ui_keycodes.h"

#include <errno.h>
#include <fcntl.h>
#include <pixman.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "osc.h"

#define CLIP_MAX (1 << 20)

static char *clipboard_get(void *ctx)
{
    (void)ctx;
    return osc_clipboard_get_text(CLIP_MAX);
}

static void clipboard_set(void *ctx, const char *text)
{
    (void)ctx;
    osc_clipboard_set("text/plain;charset=utf-8", text, strlen(text));
}

int ui_surface_open(struct ui_surface_window *sw, int w, int h, int x, int y,
                    const char *title, struct ui_font *font)
{
    return ui_surface_open_flags(sw, w, h, x, y, title, font, OSC_SURFACE_DECORATED);
}

int ui_surface_open_flags(struct ui_surface_window *sw, int w, int h, int x, int y,
                          const char *title, struct ui_font *font, unsigned flags)
{
    memset(sw, 0, sizeof(*sw));
    sw->fd = -1;
    sw->comp_fd = osc_comp_open();
    if (sw->comp_fd < 0)
        return -1;
    sw->fd = osc_surface_create(sw->comp_fd, (uint32_t)w, (uint32_t)h,
                                OSC_SURFACE_CLOEXEC | flags);
    struct osc_surface_info info;
    if (sw->fd < 0 || osc_surface_info(sw->fd, &info) < 0)
        goto fail;
    sw->map_len = (size_t)info.stride * info.height;
    sw->pixels = mmap(NULL, sw->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, sw->fd, 0);
    if (sw->pixels == MAP_FAILED) {
        sw->pixels = NULL;
        goto fail;
    }
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, sw->pixels,
                                                   (int)info.stride);
    if (!img)
        goto fail;
    ui_window_init(&sw->ui, img, w, h, font);
    sw->ui.clipboard_get = clipboard_get;
    sw->ui.clipboard_set = clipboard_set;
    osc_surface_set_title(sw->fd, title);
    osc_surface_set_pos(sw->fd, x, y);
    return 0;
fail: {
        int e = errno;
        ui_surface_close(sw);
        errno = e;
        return -1;
    }
}

void ui_surface_close(struct ui_surface_window *sw)
{
    if (sw->ui.target) {
        ui_window_destroy(&sw->ui);
        pixman_image_unref(sw->ui.target);
        sw->ui.target = NULL;
    }
    if (sw->pixels)
        munmap(sw->pixels, sw->map_len);
    if (sw->fd >= 0)
        close(sw->fd);
    if (sw->comp_fd >= 0)
        close(sw->comp_fd);
    sw->pixels = NULL;
    sw->fd = sw->comp_fd = -1;
}

/* The window manager asked for w x h: a new buffer of that size (the old one
 * stays on screen until the repaint presents the new one), laid out and painted
 * whole. On failure the window keeps its size. */
static void resize(struct ui_surface_window *sw, int w, int h)
{
    if (w == sw->ui.w && h == sw->ui.h)
        return;
    if (osc_surface_resize(sw->fd, (uint32_t)w, (uint32_t)h) < 0)
        return;
    size_t len = (size_t)w * 4 * (size_t)h;
    void *px = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sw->fd, 0);
    if (px == MAP_FAILED)
        return;
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, px, w * 4);
    if (!img) {
        munmap(px, len);
        return;
    }
    pixman_image_unref(sw->ui.target);
    munmap(sw->pixels, sw->map_len);
    sw->pixels = px;
    sw->map_len = len;
    sw->ui.target = img;
    sw->ui.w = w;
    sw->ui.h = h;
    sw->ui.needs_layout = true;
}

/* Compositor event ev[i] (of n read together) as libui events. */
static void feed(struct ui_surface_window *sw, const struct osc_event *ev_all, size_t i, size_t n)
{
    const struct osc_event *ev = &ev_all[i];
    struct ui_event e = { .x = ev->x, .y = ev->y, .mods = ev->mods & 7 };
    switch (ev->type) {
    case OSC_EV_FRAME_DONE:
        sw->frame_pending = false;
        return;
    case OSC_EV_POINTER_ENTER:
    case OSC_EV_POINTER_MOTION:
        e.type = UI_EV_POINTER_MOVE;
        break;
    case OSC_EV_POINTER_LEAVE:
        e.type = UI_EV_POINTER_LEAVE;
        break;
    case OSC_EV_POINTER_BUTTON:
        if (ev->code != BTN_LEFT && ev->code != BTN_RIGHT)
            return;
        e.type = ev->value ? UI_EV_POINTER_DOWN : UI_EV_POINTER_UP;
        e.button = ev->code == BTN_RIGHT ? UI_BUTTON_RIGHT : UI_BUTTON_LEFT;
        break;
    case OSC_EV_POINTER_WHEEL:
        e.type = UI_EV_WHEEL;
        /* Direction and rows per notch from the user's settings (ui_settings.c);
         * a notch right (positive) shows later columns as a notch down shows
         * later rows. */
        if (ev->code == OSC_WHEEL_HORIZONTAL)
            e.wheel_x = ui_settings_wheel_rows(ui_settings_current(), -ev->value);
        else
            e.wheel = ui_settings_wheel_rows(ui_settings_current(), ev->value);
        break;
    case OSC_EV_KEY:
        if (ev->value == 0)
            return;                 /* press and repeat type; release does not */
        e.type = UI_EV_KEY_DOWN;
        e.key = (int)ev->code;
        /* The text is the compositor's (its OSC_EV_TEXT follows, in the session's
         * layout); with Ctrl, Alt or Meta held the key is a shortcut. */
        if (osc_mods_type_text(ev->mods))
            osc_key_text(ev_all, i, n, e.text);
        break;
    case OSC_EV_FOCUS_OUT:
        e.type = UI_EV_FOCUS_OUT;
        break;
    case OSC_EV_CLOSE_REQUEST:
        sw->close_requested = true;
        return;
    case OSC_EV_RESIZE:
        resize(sw, ev->x, ev->y);
        return;
    default:
        return;
    }
    ui_window_event(&sw->ui, &e);
}

/* The semantics tree to /sys/compositor/windows/<id>/semantics, after each
 * presented change (cut at the compositor's limit). */
static void publish_semantics(struct ui_surface_window *sw)
{
    char *buf = malloc(OSC_SEMANTICS_MAX);
    if (!buf)
        return;
    size_t n = ui_semantics(&sw->ui, buf, OSC_SEMANTICS_MAX);
    osc_surface_set_semantics(sw->fd, buf, (uint32_t)(n < OSC_SEMANTICS_MAX ? n : OSC_SEMANTICS_MAX - 1));
    free(buf);
}

int ui_surface_dispatch(struct ui_surface_window *sw, int timeout_ms)
{
    struct pollfd p = { sw->fd, POLLIN, 0 };
    /* With a repaint waiting and no frame in flight, do not sleep. */
    int wait = !sw->frame_pending && (sw->ui.damaged || sw->ui.needs_layout) ? 0 : timeout_ms;
    int r = poll(&p, 1, wait);
    if (r < 0 && errno != EINTR)
        return -1;
    if (r > 0 && (p.revents & POLLIN)) {
        struct osc_event ev[32];
        ssize_t n = read(sw->fd, ev, sizeof(ev));
        size_t count = n > 0 ? (size_t)n / sizeof(ev[0]) : 0;
        for (size_t i = 0; i < count; i++)
            feed(sw, ev, i, count);
    }
    if (sw->ui.cursor != sw->cursor_set &&
        osc_cursor_shape_set((int)sw->ui.cursor) == 0)
        sw->cursor_set = sw->ui.cursor;
    struct ui_rect d;
    if (!sw->frame_pending && ui_window_paint(&sw->ui, &d)) {
        struct osc_rect rect = { d.x, d.y, d.w, d.h };
        if (osc_surface_present(sw->fd, &rect, 1) == 0) {
            sw->frame_pending = true;
            publish_semantics(sw);
        }
    }
    return sw->close_requested ? 1 : 0;
}
