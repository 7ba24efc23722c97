/* host-test: user/lib/libui/ui_keys.c -Iuser/lib/libui */
/* libui's layouts: US and German text for Linux key codes, Shift, and keys that
 * type nothing. */
#include "ui.h"
#include "check.h"

static const char *text(enum ui_layout_id l, int key, unsigned mods)
{
    static char out[8];
    ui_key_text(l, key, mods, out);
    return out;
}

TEST(us_letters_digits_and_shifted_symbols)
{
    CHECK_STR(text(UI_LAYOUT_US, 30, 0), "a");
    CHECK_STR(text(UI_LAYOUT_US, 30, UI_MOD_SHIFT), "A");
    CHECK_STR(text(UI_LAYOUT_US, 2, UI_MOD_SHIFT), "!");
    CHECK_STR(text(UI_LAYOUT_US, 53, 0), "/");
    CHECK_STR(text(UI_LAYOUT_US, 40, UI_MOD_SHIFT), "\"");
    CHECK_STR(text(UI_LAYOUT_US, 57, UI_MOD_SHIFT), " ");
}

TEST(german_layout_swaps_y_z_and_types_umlauts)
{
    CHECK_STR(text(UI_LAYOUT_DE, 21, 0), "z");     /* KEY_Y */
    CHECK_STR(text(UI_LAYOUT_DE, 44, 0), "y");     /* KEY_Z */
    CHECK_STR(text(UI_LAYOUT_DE, 39, 0), "\xc3\xb6");
    CHECK_STR(text(UI_LAYOUT_DE, 40, UI_MOD_SHIFT), "\xc3\x84");
    CHECK_STR(text(UI_LAYOUT_DE, 12, 0), "\xc3\x9f");
    CHECK_STR(text(UI_LAYOUT_DE, 86, UI_MOD_SHIFT), ">");
}

TEST(control_keys_and_combinations_type_nothing)
{
    char out[8];
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, 30, UI_MOD_CTRL, out), 0);
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, 103, 0, out), 0);   /* KEY_UP */
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, 42, 0, out), 0);    /* KEY_LEFTSHIFT */
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, 28, 0, out), 0);    /* Enter: a key, not text */
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, -5, 0, out), 0);
    CHECK_EQ(ui_key_text(UI_LAYOUT_US, 9999, 0, out), 0);
    CHECK_STR(out, "");
}
