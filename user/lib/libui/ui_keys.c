/* libui's keyboard layouts: the text each Linux key code types, with and without
 * Shift, for the US layout and the German one (the settings offer both). */
#include "ui.h"

#include <string.h>

/* Key codes KEY_1 (2) .. KEY_SLASH (53) as typed without and with Shift; NULL
 * (the gaps: Backspace, Tab, Enter, Ctrl, Shift) types nothing. */
static const char *const us_plain[54] = {
    [2] = "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "=",
    [16] = "q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "[", "]",
    [30] = "a", "s", "d", "f", "g", "h", "j", "k", "l", ";", "'", "`",
    [43] = "\\", "z", "x", "c", "v", "b", "n", "m", ",", ".", "/",
};
static const char *const us_shift[54] = {
    [2] = "!", "@", "#", "$", "%", "^", "&", "*", "(", ")", "_", "+",
    [16] = "Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "{", "}",
    [30] = "A", "S", "D", "F", "G", "H", "J", "K", "L", ":", "\"", "~",
    [43] = "|", "Z", "X", "C", "V", "B", "N", "M", "<", ">", "?",
};
static const char *const de_plain[54] = {
    [2] = "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "\xc3\x9f", "\xc2\xb4",
    [16] = "q", "w", "e", "r", "t", "z", "u", "i", "o", "p", "\xc3\xbc", "+",
    [30] = "a", "s", "d", "f", "g", "h", "j", "k", "l", "\xc3\xb6", "\xc3\xa4", "^",
    [43] = "#", "y", "x", "c", "v", "b", "n", "m", ",", ".", "-",
};
static const char *const de_shift[54] = {
    [2] = "!", "\"", "\xc2\xa7", "$", "%", "&", "/", "(", ")", "=", "?", "`",
    [16] = "Q", "W", "E", "R", "T", "Z", "U", "I", "O", "P", "\xc3\x9c", "*",
    [30] = "A", "S", "D", "F", "G", "H", "J", "K", "L", "\xc3\x96", "\xc3\x84", "\xc2\xb0",
    [43] = "'", "Y", "X", "C", "V", "B", "N", "M", ";", ":", "_",
};

#define KEY_SPACE 57
#define KEY_102ND 86        /* the ISO key left of Z */

size_t ui_key_text(enum ui_layout_id layout, int key, unsigned mods, char out[8])
{
    out[0] = 0;
    if (mods & (UI_MOD_CTRL | UI_MOD_ALT))
        return 0;
    bool shift = mods & UI_MOD_SHIFT;
    const char *s = NULL;
    if (key == KEY_SPACE)
        s = " ";
    else if (key == KEY_102ND)
        s = layout == UI_LAYOUT_DE ? (shift ? ">" : "<") : (shift ? "|" : "\\");
    else if (key >= 0 && key < 54)
        s = layout == UI_LAYOUT_DE ? (shift ? de_shift : de_plain)[key]
                                   : (shift ? us_shift : us_plain)[key];
    if (!s)
        return 0;
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}
