/* The Files app's icons: a folder with its tab, a page with a folded corner and
 * lines of text, a terminal-like program window with a prompt, a picture with a
 * sun and hills; all from rectangles and rounded rectangles. */
#include "icons.h"

#define FOLDER_BACK 0xff1d8fb8u
#define FOLDER      0xff38bdf8u
#define PAGE        0xffdfe6f3u
#define PAGE_FOLD   0xff9aa6c2u
#define INK         0xff7c87a6u
#define PROGRAM     0xff0b1122u
#define PROG_EDGE   0xff8b5cf6u
#define PROMPT      0xff22d3eeu
#define SKY         0xff3b5b9au
#define SUN         0xfffbbf24u
#define HILL        0xff34d399u

static struct ui_rect R(int x, int y, int w, int h) { return (struct ui_rect){ x, y, w, h }; }

static void page(pixman_image_t *dst, int x, int y, int s, bool lines)
{
    int w = s * 3 / 4, px = x + (s - w) / 2, f = s / 4;
    ui_fill_round_rect(dst, R(px, y, w, s), 2, PAGE);
    ui_fill_rect(dst, R(px + w - f, y, f, f), PAGE_FOLD);
    if (lines)
        for (int i = 0; i < 4; i++)
            ui_fill_rect(dst, R(px + 3, y + f + 2 + i * (s - f - 4) / 4, (i % 2 ? w * 2 / 3 : w - 6), 1 + s / 20),
                         INK);
}

void icon_draw(pixman_image_t *dst, int x, int y, int s, enum entry_kind kind)
{
    switch (kind) {
    case KIND_FOLDER:
        ui_fill_round_rect(dst, R(x + 1, y + s / 8, s * 2 / 5, s / 4), 2, FOLDER_BACK);
        ui_fill_round_rect(dst, R(x + 1, y + s / 4, s - 2, s * 2 / 3), 3, FOLDER_BACK);
        ui_fill_round_rect(dst, R(x + 1, y + s / 3, s - 2, s * 7 / 12), 3, FOLDER);
        break;
    case KIND_PROGRAM:
        ui_fill_round_rect(dst, R(x + 1, y + s / 8, s - 2, s * 3 / 4), 3, PROGRAM);
        ui_stroke_round_rect(dst, R(x + 1, y + s / 8, s - 2, s * 3 / 4), 3, 1, PROG_EDGE);
        /* ">_": the chevron as two short bars, then the underscore. */
        ui_fill_rect(dst, R(x + s / 5, y + s / 3, s / 6, 2), PROMPT);
        ui_fill_rect(dst, R(x + s / 5 + s / 8, y + s / 3 + 2, 2, s / 6), PROMPT);
        ui_fill_rect(dst, R(x + s / 2, y + s * 3 / 5, s / 4, 2), PROMPT);
        break;
    case KIND_IMAGE:
        ui_fill_round_rect(dst, R(x + 1, y + s / 8, s - 2, s * 3 / 4), 2, SKY);
        ui_fill_round_rect(dst, R(x + s * 3 / 5, y + s / 4, s / 5, s / 5), s / 10, SUN);
        ui_fill_round_rect(dst, R(x + 2, y + s / 2, s / 2, s * 3 / 4 - s / 2 + s / 8 - 1), s / 6, HILL);
        ui_fill_round_rect(dst, R(x + s / 3, y + s * 3 / 5, s * 2 / 3 - 3, s * 3 / 4 - s * 3 / 5 + s / 8 - 1),
                           s / 8, HILL);
        break;
    case KIND_TEXT:
        page(dst, x, y, s, true);
        break;
    case KIND_FILE:
        page(dst, x, y, s, false);
        break;
    }
}
