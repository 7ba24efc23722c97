/* libosc: OSCortex's platform calls and compositor ioctls for musl and glibc
 * programs (user/lib/libosc, built per C library as libosc.a). Each function
 * returns what the libc wrapper of a Linux call would: the result, or -1 with
 * errno. The ABI underneath is kernel/include/uapi/osc_compositor.h (surfaces,
 * events, cursor shapes, layouts); docs/syscalls.md and docs/compositor.md
 * describe the calls. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "../../../kernel/include/uapi/osc_compositor.h"

/* ---- Platform calls (SPEC §2 numbers) ---- */
#define OSC_SYS_clipboard_set   0x4B3
#define OSC_SYS_clipboard_get   0x4B4
#define OSC_SYS_beep            0x4B6
#define OSC_SYS_dns_resolve     0x4B8

/* The pointer's shape over this process's surfaces (OSC_CURSOR_*). */
int osc_cursor_shape_set(int shape);
/* Replaces the clipboard shared by all apps with len bytes of type mime. */
int osc_clipboard_set(const char *mime, const void *data, size_t len);
/* The clipboard's type (NUL-terminated) and bytes; the byte count. Both caps 0
 * ask only for the size; a buffer too small is ERANGE. */
ssize_t osc_clipboard_get(char *mime, size_t mime_cap, void *buf, size_t cap);
/* The clipboard as a malloc'd NUL-terminated string when it holds text/plain
 * of at most max bytes; NULL otherwise (empty, another type, no memory). */
char *osc_clipboard_get_text(size_t max);
/* Sends the focused surface a close request (ESRCH: nothing focused). */
int osc_app_close_foreground(void);
/* The PC speaker at hz (20..20000) for ms (<= 10000); returns at once. */
int osc_beep(unsigned hz, unsigned ms);
/* name's IPv4 address (network order) into *addr (a struct in_addr). */
int osc_dns_resolve(const char *name, void *addr);

/* ---- The compositor ---- */
/* /dev/compositor, opened read-write and close-on-exec; an fd or -1. */
int osc_comp_open(void);
int osc_comp_screen(int comp_fd, struct osc_screen_info *out);
int osc_comp_stats(int comp_fd, struct osc_comp_stats *out);
/* The session's keyboard layout (OSC_LAYOUT_*), which OSC_EV_TEXT follows. */
int osc_keyboard_layout_set(int comp_fd, unsigned layout);
int osc_keyboard_layout_get(int comp_fd);      /* OSC_LAYOUT_* or -1 */
/* A new surface's fd (XRGB8888, OSC_SURFACE_* flags) or -1. */
int osc_surface_create(int comp_fd, uint32_t w, uint32_t h, uint32_t flags);
/* Presents n damage rects (n = 0: the whole surface). */
int osc_surface_present(int fd, const struct osc_rect *rects, uint32_t n);
int osc_surface_set_pos(int fd, int32_t x, int32_t y);
int osc_surface_raise(int fd);
int osc_surface_set_visible(int fd, int visible);
int osc_surface_set_title(int fd, const char *title);
int osc_surface_info(int fd, struct osc_surface_info *out);
int osc_surface_set_semantics(int fd, const void *text, uint32_t len);
/* A new w x h buffer (mmap the fd again); shown by the next present. */
int osc_surface_resize(int fd, uint32_t w, uint32_t h);
/* Asks for the OSC_EV_RESIZE an edge drag would send. */
int osc_surface_request_size(int fd, uint32_t w, uint32_t h);

/* ---- Events ---- */
/* cp as UTF-8 in out (NUL-terminated); its length: 0 for U+0000, surrogates
 * and code points past U+10FFFF. */
size_t osc_utf8_encode(uint32_t cp, char out[5]);
/* The text the key record ev[i] (of n read together) types: the UTF-8 of the
 * OSC_EV_TEXT right after a key press or repeat, whatever the modifiers; 0 and
 * "" for anything else. A read() keeps a key and its text together. */
size_t osc_key_text(const struct osc_event *ev, size_t i, size_t n, char out[5]);
/* Whether the modifiers of a key make it type (no Ctrl, Alt or Meta held;
 * AltGr is a level, not a shortcut). */
static inline int osc_mods_type_text(uint32_t mods)
{
    return !(mods & (OSC_MOD_CTRL | OSC_MOD_ALT | OSC_MOD_META));
}
