/* The software cursor's shapes (cursor_shape_set, 0x4B2): small bitmaps drawn by
 * the compositor over each composed frame, and the call that picks one for the
 * caller's surfaces. 'X' is black, '.' white, ' ' and a row's end transparent. */

#include <osc/errno.h>
#include <osc/proc.h>
#include <osc/syscall.h>

#include "comp_internal.h"

struct cursor_bitmap {
    int hot_x, hot_y;           /* the pointer's position within the bitmap */
    int rows;
    const char *const *px;
};

static const char *const arrow[] = {
    "X", "XX", "X.X", "X..X", "X...X", "X....X", "X.....X", "X......X", "X.......X",
    "X........X", "X.........X", "X......XXXXX", "X...X..X", "X..XX..X", "X.X X..X",
    "XX   X..X", "X    X..X", "      X..X", "       XX",
};
static const char *const ibeam[] = {
    "XXXX XXXX", "X...X...X", "XXXX.XXXX", "   X.X", "   X.X", "   X.X", "   X.X",
    "   X.X", "   X.X", "   X.X", "   X.X", "   X.X", "   X.X", "   X.X",
    "XXXX.XXXX", "X...X...X", "XXXX XXXX",
};
static const char *const hand[] = {
    "     XX", "    X..X", "    X..X", "    X..X", "    X..XXX", "    X..X..XXX",
    "    X..X..X..XX", " XX X..X..X..X.X", "X..XX........X.X", "X...X..........X",
    " X.............X", "  X............X", "  X...........X", "   X..........X",
    "   X.........X", "    X........X", "    XXXXXXXXXX",
};
static const char *const forbidden[] = {
    "        X", "     XXX.XXX", "   XX.......XX", "  XX...XXX...XX", "  X...X   XX..X",
    " X.....X   XX..X", " X..X...X   X..X", " X.X X...X   X.X", "X..X  X...X  X..X",
    " X.X   X...X X.X", " X..X   X...X..X", " X..XX   X.....X", "  X..XX   X...X",
    "  XX...XXX...XX", "   XX.......XX", "     XXX.XXX", "        X",
};
static const char *const grab[] = {
    "    XX XX XX", "   X..X..X..XX", "   X..X..X..X.X", " XXX........X.X",
    "X..X..........X", "X..............X", " X.............X", "  X............X",
    "  X...........X", "   X..........X", "   X.........X", "    X........X",
    "    XXXXXXXXXX",
};
static const char *const resize_h[] = {
    "    X         X", "   XX         XX", "  X.X         X.X", " X..XXXXXXXXXXX..X",
    "X.................X", " X..XXXXXXXXXXX..X", "  X.X         X.X", "   XX         XX",
    "    X         X",
};
static const char *const resize_v[] = {
    "    X", "   X.X", "  X...X", " X.....X", "XXXX.XXXX", "   X.X", "   X.X", "   X.X",
    "   X.X", "   X.X", "   X.X", "   X.X", "   X.X", "XXXX.XXXX", " X.....X", "  X...X",
    "   X.X", "    X",
};
static const char *const resize_d[] = {   /* the bottom corners: a diagonal */
    "XXXXXXX", "X....X", "X...X", "X....X", "X.XX..X", "XX  X..X", "X    X..X    X",
    "      X..X  XX", "       X..XX.X", "        X....X", "         X...X", "        X....X",
    "       XXXXXXX",
};

#define BITMAP(p, hx, hy) { hx, hy, (int)ARRAY_SIZE(p), p }
static const struct cursor_bitmap bitmaps[COMP_CURSOR_RESIZE_D + 1] = {
    [OSC_CURSOR_ARROW] = BITMAP(arrow, 0, 0),
    [OSC_CURSOR_IBEAM] = BITMAP(ibeam, 4, 8),
    [OSC_CURSOR_HAND] = BITMAP(hand, 5, 0),
    [OSC_CURSOR_FORBIDDEN] = BITMAP(forbidden, 8, 8),
    [OSC_CURSOR_GRAB] = BITMAP(grab, 8, 6),
    [OSC_CURSOR_RESIZE_H] = BITMAP(resize_h, 9, 4),
    [OSC_CURSOR_RESIZE_V] = BITMAP(resize_v, 4, 9),
    /* OSC_CURSOR_HIDDEN: no rows */
    [COMP_CURSOR_RESIZE_D] = BITMAP(resize_d, 6, 6),
};

struct comp_rect comp_cursor_box(int x, int y)
{
    return (struct comp_rect){ x - COMP_CURSOR_LEFT, y - COMP_CURSOR_UP, COMP_CURSOR_BOX_W, COMP_CURSOR_BOX_H };
}

void comp_cursor_draw(struct fb_surface *t, unsigned shape, int x, int y)
{
    if (shape > COMP_CURSOR_RESIZE_D)
        shape = OSC_CURSOR_ARROW;
    const struct cursor_bitmap *b = &bitmaps[shape];
    struct comp_rect box = comp_cursor_box(x, y);
    for (int r = 0; r < b->rows; r++) {
        for (int c = 0; b->px[r][c]; c++) {
            int px = x - b->hot_x + c, py = y - b->hot_y + r;
            /* Only inside the box that motion damages, so nothing is left behind. */
            if (b->px[r][c] == ' ' || !comp_rect_has_point(box, px, py) ||
                px < 0 || py < 0 || px >= (int)t->width || py >= (int)t->height)
                continue;
            fb_put_pixel(t, px, py, b->px[r][c] == 'X' ? 0x000000 : 0xffffff);
        }
    }
}

/* cursor_shape_set(shape): the shape shown while the pointer is over the client
 * area of any surface of the calling process, now and for surfaces it makes later
 * (a new surface takes the shape of the process's others). */
SYSCALL(cursor_shape_set)
{
    uint64_t shape = args->a[0];
    if (shape >= OSC_CURSOR_COUNT)
        return -EINVAL;
    struct process *p = proc_current();
    if (!p)
        return -ESRCH;
    mutex_lock(&comp_lock);
    for (int i = 0; i < comp_nstack; i++)
        if (comp_stack[i]->owner_pid == p->pid)
            comp_stack[i]->cursor = (uint8_t)shape;
    comp_kick();                /* the thread redraws the cursor if its shape changed */
    mutex_unlock(&comp_lock);
    return 0;
}
