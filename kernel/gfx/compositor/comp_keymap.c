/* The compositor's keyboard layouts (pure, host-tested by tests/host/test_comp_keymap.c):
 * the character a Linux key code types at the Shift and AltGr levels, US and German. */
#include <osc/compositor.h>

/* Key codes KEY_1 (2) .. KEY_SLASH (53) without and with Shift; 0 (the gaps:
 * Backspace, Tab, Enter, Ctrl, Shift) types nothing. */
#define KEYS 54
static const uint16_t us_plain[KEYS] = {
    [2] = '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=',
    [16] = 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']',
    [30] = 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`',
    [43] = '\\', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/',
};
static const uint16_t us_shift[KEYS] = {
    [2] = '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+',
    [16] = 'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}',
    [30] = 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~',
    [43] = '|', 'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?',
};
/* German (T1, no dead keys: ´ ^ ` type themselves). */
static const uint16_t de_plain[KEYS] = {
    [2] = '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 0xdf, 0xb4,
    [16] = 'q', 'w', 'e', 'r', 't', 'z', 'u', 'i', 'o', 'p', 0xfc, '+',
    [30] = 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 0xf6, 0xe4, '^',
    [43] = '#', 'y', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '-',
};
static const uint16_t de_shift[KEYS] = {
    [2] = '!', '"', 0xa7, '$', '%', '&', '/', '(', ')', '=', '?', '`',
    [16] = 'Q', 'W', 'E', 'R', 'T', 'Z', 'U', 'I', 'O', 'P', 0xdc, '*',
    [30] = 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', 0xd6, 0xc4, 0xb0,
    [43] = '\'', 'Y', 'X', 'C', 'V', 'B', 'N', 'M', ';', ':', '_',
};
/* AltGr: what a German keyboard prints on the keys' front. */
static const uint16_t de_altgr[KEYS] = {
    [3] = 0xb2, 0xb3, [8] = '{', '[', ']', '}', '\\',
    [16] = '@', [18] = 0x20ac, [27] = '~', [50] = 0xb5,
};

#define KEY_SPACE 57
#define KEY_102ND 86        /* the ISO key left of Z */

bool comp_keymap_has_altgr(unsigned layout)
{
    return layout == OSC_LAYOUT_DE;
}

uint32_t comp_keymap_char(unsigned layout, unsigned code, bool shift, bool altgr)
{
    if (layout >= OSC_LAYOUT_COUNT)
        return 0;
    bool de = layout == OSC_LAYOUT_DE;
    altgr = altgr && de;
    if (code == KEY_SPACE)
        return ' ';
    if (code == KEY_102ND)
        return de ? (altgr ? '|' : shift ? '>' : '<') : (shift ? '|' : '\\');
    if (code >= KEYS)
        return 0;
    if (altgr)
        return de_altgr[code];
    if (de)
        return (shift ? de_shift : de_plain)[code];
    return (shift ? us_shift : us_plain)[code];
}
