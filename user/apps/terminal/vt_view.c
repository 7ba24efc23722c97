/* The terminal emulator's outputs: cells of the live screen or the scrollback,
 * row text, the xterm palette, and the bytes each key sends to the pty. */
#include "vt.h"

#include <stdio.h>
#include <string.h>

static const struct vt_cell blank_cell = { 0, VT_DEFAULT, VT_DEFAULT, 0 };

const struct vt_cell *vt_cell(const struct vt *vt, int back, int row, int col)
{
    if (row < 0 || row >= vt->rows || col < 0 || col >= vt->cols || back < 0)
        return &blank_cell;
    if (back > vt->sb_count || vt->alt_active)
        back = vt->alt_active ? 0 : vt->sb_count;
    int line = row - back;      /* negative: a scrollback line, -1 the newest */
    if (line >= 0)
        return vt->screen + (size_t)line * vt->cols + col;
    int idx = vt->sb_count + line;
    return vt->sb + (size_t)((vt->sb_head + idx) % vt->sb_cap) * vt->cols + col;
}

static size_t put_utf8(char *buf, size_t n, size_t at, uint32_t cp)
{
    char b[4];
    size_t k;
    if (cp < 0x80) b[0] = (char)cp, k = 1;
    else if (cp < 0x800) b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), k = 2;
    else if (cp < 0x10000)
        b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
        b[2] = (char)(0x80 | (cp & 0x3f)), k = 3;
    else
        b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
        b[2] = (char)(0x80 | (cp >> 6 & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), k = 4;
    if (at + k < n)
        memcpy(buf + at, b, k);
    return at + k;
}

size_t vt_row_text(const struct vt *vt, int back, int row, char *buf, size_t n)
{
    int last = -1;
    for (int x = 0; x < vt->cols; x++)
        if (vt_cell(vt, back, row, x)->cp)
            last = x;
    size_t at = 0;
    for (int x = 0; x <= last; x++) {
        uint32_t cp = vt_cell(vt, back, row, x)->cp;
        at = put_utf8(buf, n, at, cp ? cp : ' ');
    }
    if (n)
        buf[at < n ? at : n - 1] = 0;
    return at;
}

uint32_t vt_palette(int i)
{
    static const uint32_t base[16] = {
        0x1b1f2e, 0xe5534b, 0x57c785, 0xe5c07b, 0x4f8ff7, 0xb48ead, 0x22d3ee, 0xd0d4de,
        0x5c6370, 0xff6b6b, 0x7ee787, 0xffd580, 0x79b8ff, 0xd2a8ff, 0x67e8f9, 0xffffff,
    };
    i &= 0xff;
    if (i < 16)
        return base[i];
    if (i < 232) {
        static const uint8_t level[6] = { 0, 95, 135, 175, 215, 255 };
        i -= 16;
        return (uint32_t)level[i / 36] << 16 | (uint32_t)level[i / 6 % 6] << 8 | level[i % 6];
    }
    uint32_t g = 8 + 10 * (uint32_t)(i - 232);
    return g << 16 | g << 8 | g;
}

/* Linux key codes and libui's modifier bits (kept in step with ui.h). */
enum {
    K_ESC = 1, K_BACKSPACE = 14, K_TAB = 15, K_ENTER = 28, K_F1 = 59, K_F10 = 68, K_F11 = 87,
    K_F12 = 88, K_HOME = 102, K_UP = 103, K_PAGEUP = 104, K_LEFT = 105, K_RIGHT = 106,
    K_END = 107, K_DOWN = 108, K_PAGEDOWN = 109, K_INSERT = 110, K_DELETE = 111,
};
enum { MOD_SHIFT = 1, MOD_CTRL = 2, MOD_ALT = 4 };

size_t vt_key(const struct vt *vt, int key, unsigned mods, const char *text, char *out, size_t n)
{
    char b[32] = "";
    /* xterm's modifier parameter: 1 + shift + 2*alt + 4*ctrl. */
    int mod = 1 + ((mods & MOD_SHIFT) ? 1 : 0) + ((mods & MOD_ALT) ? 2 : 0) + ((mods & MOD_CTRL) ? 4 : 0);
    const char *arrows = "ABDC";    /* up down left right */
    int arrow = key == K_UP ? 0 : key == K_DOWN ? 1 : key == K_LEFT ? 2 : key == K_RIGHT ? 3 : -1;
    static const int tilde[] = { [K_INSERT] = 2, [K_DELETE] = 3, [K_PAGEUP] = 5, [K_PAGEDOWN] = 6 };
    if (arrow >= 0 || key == K_HOME || key == K_END) {
        char f = arrow >= 0 ? arrows[arrow] : key == K_HOME ? 'H' : 'F';
        if (mod > 1)
            snprintf(b, sizeof(b), "\033[1;%d%c", mod, f);
        else
            snprintf(b, sizeof(b), vt->app_cursor_keys ? "\033O%c" : "\033[%c", f);
    } else if (key == K_INSERT || key == K_DELETE || key == K_PAGEUP || key == K_PAGEDOWN) {
        if (mod > 1)
            snprintf(b, sizeof(b), "\033[%d;%d~", tilde[key], mod);
        else
            snprintf(b, sizeof(b), "\033[%d~", tilde[key]);
    } else if (key >= K_F1 && key <= K_F10) {
        static const int code[] = { 0, 0, 0, 0, 15, 17, 18, 19, 20, 21 };
        int i = key - K_F1;
        if (i < 4)
            snprintf(b, sizeof(b), "\033O%c", "PQRS"[i]);
        else
            snprintf(b, sizeof(b), "\033[%d~", code[i]);
    } else if (key == K_F11 || key == K_F12) {
        snprintf(b, sizeof(b), "\033[%d~", key == K_F11 ? 23 : 24);
    } else if (key == K_ENTER) {
        strcpy(b, "\r");
    } else if (key == K_BACKSPACE) {
        strcpy(b, (mods & MOD_CTRL) ? "\b" : "\177");
    } else if (key == K_TAB) {
        strcpy(b, (mods & MOD_SHIFT) ? "\033[Z" : "\t");
    } else if (key == K_ESC) {
        strcpy(b, "\033");
    } else if (text && text[0]) {
        unsigned char c = (unsigned char)text[0];
        size_t at = 0;
        if (mods & MOD_ALT)
            b[at++] = '\033';
        if ((mods & MOD_CTRL) && !text[1] && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            b[at++] = (char)((c | 0x20) - 'a' + 1);
        else if ((mods & MOD_CTRL) && !text[1] && (c == ' ' || c == '@'))
            b[at++] = 0;
        else if ((mods & MOD_CTRL) && !text[1] && c >= '[' && c <= '_')
            b[at++] = (char)(c - '@');
        else
            for (size_t i = 0; text[i] && at < sizeof(b) - 1; i++)
                b[at++] = text[i];
        if (at > n)
            return 0;
        memcpy(out, b, at);
        return at;
    }
    size_t len = strlen(b);
    if (len > n)
        return 0;
    memcpy(out, b, len);
    return len;
}
