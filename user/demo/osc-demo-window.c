/* A minimal compositor client: one surface filled with a colour at a given place,
 * presented once, with a title bar (NAME) to drag it by; then it prints every event
 * it receives (pointer motion excepted) as one line "NAME event ..." on stdout, for
 * people and for tests/qemu/compositor.py.
 * usage: osc-demo-window NAME RRGGBB X Y W H [CURSOR] (CURSOR: an OSC_CURSOR_*
 * number for cursor_shape_set; keys 1..8 pressed while it is focused pick shapes
 * 0..7 the same way) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "osc.h"

static const char *type_name(uint32_t t)
{
    switch (t) {
    case OSC_EV_FRAME_DONE: return "frame-done";
    case OSC_EV_POINTER_MOTION: return "motion";
    case OSC_EV_POINTER_ENTER: return "enter";
    case OSC_EV_POINTER_LEAVE: return "leave";
    case OSC_EV_POINTER_BUTTON: return "button";
    case OSC_EV_KEY: return "key";
    case OSC_EV_FOCUS_IN: return "focus-in";
    case OSC_EV_FOCUS_OUT: return "focus-out";
    case OSC_EV_CLOSE_REQUEST: return "close-request";
    case OSC_EV_POINTER_WHEEL: return "wheel";
    case OSC_EV_RESIZE: return "resize";        /* printed, not acted on: it keeps its size */
    case OSC_EV_TEXT: return "text";
    }
    return "unknown";
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s NAME RRGGBB X Y W H [CURSOR]\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    uint32_t colour = (uint32_t)strtoul(argv[2], NULL, 16) & 0xffffff;
    int x = atoi(argv[3]), y = atoi(argv[4]), w = atoi(argv[5]), h = atoi(argv[6]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int comp = osc_comp_open();
    if (comp < 0) {
        perror("/dev/compositor");
        return 1;
    }
    int fd = osc_surface_create(comp, (uint32_t)w, (uint32_t)h,
                                OSC_SURFACE_CLOEXEC | OSC_SURFACE_DECORATED);
    if (fd < 0) {
        perror("create surface");
        return 1;
    }
    close(comp);
    size_t bytes = (size_t)w * (size_t)h * 4;
    uint32_t *px = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        px[i] = colour;
    if (osc_surface_set_pos(fd, x, y) || osc_surface_set_title(fd, name) ||
        osc_surface_present(fd, NULL, 0)) {
        perror("surface ioctl");
        return 1;
    }
    if (argc == 8 && osc_cursor_shape_set(atoi(argv[7])) != 0) {
        perror("cursor_shape_set");
        return 1;
    }
    printf("%s shown %dx%d at %d,%d\n", name, w, h, x, y);
    for (;;) {
        struct osc_event ev[16];
        ssize_t n = read(fd, ev, sizeof(ev));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 1;
        }
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
            if (ev[i].type == OSC_EV_POINTER_MOTION)
                continue;
            char text[5] = "";
            if (ev[i].type == OSC_EV_TEXT)
                osc_utf8_encode(ev[i].code, text);
            printf("%s %s code=%u value=%d x=%d y=%d mods=%u%s%s\n", name, type_name(ev[i].type),
                   ev[i].code, ev[i].value, ev[i].x, ev[i].y, ev[i].mods, *text ? " text=" : "", text);
            if (ev[i].type == OSC_EV_KEY && ev[i].value == 1 && ev[i].code >= 2 && ev[i].code <= 9)
                osc_cursor_shape_set((int)ev[i].code - 2);    /* KEY_1.. */
            if (ev[i].type == OSC_EV_CLOSE_REQUEST)
                return 0;
        }
    }
}
