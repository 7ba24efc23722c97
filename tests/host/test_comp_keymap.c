/* host-test: kernel/gfx/compositor/comp_keymap.c */
/* The compositor's layouts: US and German characters for Linux key codes at the
 * Shift and AltGr levels, and keys that type nothing. */
#include <osc/compositor.h>
#include "check.h"

#define US OSC_LAYOUT_US
#define DE OSC_LAYOUT_DE

TEST(us_letters_digits_and_shifted_symbols)
{
    CHECK_EQ(comp_keymap_char(US, 30, false, false), 'a');     /* KEY_A */
    CHECK_EQ(comp_keymap_char(US, 30, true, false), 'A');
    CHECK_EQ(comp_keymap_char(US, 2, true, false), '!');       /* KEY_1 */
    CHECK_EQ(comp_keymap_char(US, 53, false, false), '/');
    CHECK_EQ(comp_keymap_char(US, 40, true, false), '"');
    CHECK_EQ(comp_keymap_char(US, 57, true, false), ' ');
    CHECK_EQ(comp_keymap_char(US, 86, false, false), '\\');
    CHECK_EQ(comp_keymap_char(US, 16, false, true), 'q');      /* no AltGr level in US */
    CHECK(!comp_keymap_has_altgr(US));
}

TEST(german_layout_swaps_y_z_types_umlauts_and_has_altgr)
{
    CHECK_EQ(comp_keymap_char(DE, 21, false, false), 'z');     /* KEY_Y */
    CHECK_EQ(comp_keymap_char(DE, 44, false, false), 'y');     /* KEY_Z */
    CHECK_EQ(comp_keymap_char(DE, 39, false, false), 0xf6);    /* ö */
    CHECK_EQ(comp_keymap_char(DE, 40, true, false), 0xc4);     /* Ä */
    CHECK_EQ(comp_keymap_char(DE, 12, false, false), 0xdf);    /* ß */
    CHECK_EQ(comp_keymap_char(DE, 4, true, false), 0xa7);      /* § */
    CHECK_EQ(comp_keymap_char(DE, 86, true, false), '>');
    CHECK(comp_keymap_has_altgr(DE));
    CHECK_EQ(comp_keymap_char(DE, 16, false, true), '@');      /* AltGr+Q */
    CHECK_EQ(comp_keymap_char(DE, 18, false, true), 0x20ac);   /* AltGr+E: € */
    CHECK_EQ(comp_keymap_char(DE, 12, false, true), '\\');
    CHECK_EQ(comp_keymap_char(DE, 86, false, true), '|');
    CHECK_EQ(comp_keymap_char(DE, 30, false, true), 0);        /* AltGr+A: nothing */
}

TEST(control_keys_and_unknown_layouts_type_nothing)
{
    CHECK_EQ(comp_keymap_char(US, 103, false, false), 0);      /* KEY_UP */
    CHECK_EQ(comp_keymap_char(US, 42, false, false), 0);       /* KEY_LEFTSHIFT */
    CHECK_EQ(comp_keymap_char(US, 28, false, false), 0);       /* Enter: a key, not text */
    CHECK_EQ(comp_keymap_char(US, 14, false, false), 0);       /* Backspace */
    CHECK_EQ(comp_keymap_char(US, 15, false, false), 0);       /* Tab */
    CHECK_EQ(comp_keymap_char(US, 9999, false, false), 0);
    CHECK_EQ(comp_keymap_char(OSC_LAYOUT_COUNT, 30, false, false), 0);
}
