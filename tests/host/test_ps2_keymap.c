/* host-test: kernel/drivers/input/ps2_parse.c kernel/fs/tty_keymap.c */
/* The keyboard path as the kernel runs it, minus the hardware: recorded scancode set
 * 1 streams through ps2_parse.c (Linux key codes, repeats told by a key-state map as
 * the input layer keeps it) and the console keymap, terminal bytes out. */
#include <stdint.h>
#include <stdbool.h>
#include <osc/input.h>
#include <osc/keymap.h>
#include <osc/ps2.h>
#include "check.h"

/* The keyboard: scancode state, keys down, and the console keymap behind it. */
struct kbd {
    struct ps2_scancode sc;
    bool down[KEY_CNT];
    struct keymap map;
    enum keymap_action action;      /* the last key's */
    struct keymap *k;               /* &map: what tests inspect */
};

#define PS2_KEY_OUT_MAX KEYMAP_OUT_MAX
#define PS2_NONE KEYMAP_NONE
#define PS2_SCROLL_BACK KEYMAP_SCROLL_BACK
#define PS2_SCROLL_FORWARD KEYMAP_SCROLL_FORWARD

/* One scancode byte through both stages, as i8042.c and tty_kbd.c do it. */
static size_t ps2_keymap_feed(struct kbd *b, uint8_t byte, char out[KEYMAP_OUT_MAX])
{
    struct ps2_key keys[2];
    size_t nk = ps2_scancode_feed(&b->sc, byte, keys);
    size_t n = 0;
    b->action = KEYMAP_NONE;
    for (size_t i = 0; i < nk; i++) {
        uint16_t c = keys[i].code;
        if (keys[i].down == b->down[c] && !keys[i].down)
            continue;                   /* the input layer drops a release of an up key */
        int value = !keys[i].down ? 0 : b->down[c] ? 2 : 1;
        b->down[c] = keys[i].down;
        char o[KEYMAP_OUT_MAX];
        size_t m = keymap_feed(&b->map, c, value, o);
        CHECK(m <= KEYMAP_OUT_MAX && n + m <= KEYMAP_OUT_MAX);
        for (size_t j = 0; j < m && n < KEYMAP_OUT_MAX; j++)
            out[n++] = o[j];
        if (b->map.action != KEYMAP_NONE)
            b->action = b->map.action;
    }
    return n;
}

/* Feeds a scancode stream and returns everything it typed, NUL-terminated (a typed
 * NUL shows as "^@" so strings stay comparable). */
static const char *typed(struct kbd *k, const uint8_t *sc, size_t n)
{
    static char buf[256];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char out[PS2_KEY_OUT_MAX];
        size_t m = ps2_keymap_feed(k, sc[i], out);
        CHECK(m <= PS2_KEY_OUT_MAX);
        for (size_t j = 0; j < m && len + 2 < sizeof(buf); j++) {
            if (out[j] == 0) {
                buf[len++] = '^';
                buf[len++] = '@';
            } else {
                buf[len++] = out[j];
            }
        }
    }
    buf[len] = 0;
    return buf;
}

#define TYPED(k, ...) \
    typed((k), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

TEST(ps2_letters_digits_and_releases_type_once)
{
    struct kbd k = { 0 };
    /* e c h o space 1 ; each make followed by its break */
    CHECK_STR(TYPED(&k, 0x12, 0x92, 0x2e, 0xae, 0x23, 0xa3, 0x18, 0x98, 0x39, 0xb9,
                    0x02, 0x82), "echo 1");
}

TEST(ps2_shift_gives_upper_case_and_symbols)
{
    struct kbd k = { 0 };
    /* LShift down, a, 4, 9, RShift-only after LShift up: '/' -> '?' */
    CHECK_STR(TYPED(&k, 0x2a, 0x1e, 0x9e, 0x05, 0x85, 0x0a, 0x8a, 0xaa,
                    0x36, 0x35, 0xb5, 0xb6, 0x35), "A$(?/");
}

TEST(ps2_caps_lock_toggles_letters_only_and_shift_inverts_it)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0x3a, 0xba, 0x1e, 0x02, 0x2a, 0x1e, 0x02, 0xaa), "A1a!");
    /* Typematic repeat of Caps Lock (make, make, break) toggles once. */
    CHECK_STR(TYPED(&k, 0x3a, 0x3a, 0x3a, 0xba, 0x1e), "a");
}

TEST(ps2_ctrl_letters_and_punctuation_give_control_codes)
{
    struct kbd k = { 0 };
    /* LCtrl + c, RCtrl (E0 1D) + d, then LCtrl + [ \ ] space */
    CHECK_STR(TYPED(&k, 0x1d, 0x2e, 0xae, 0x9d), "\x03");
    CHECK_STR(TYPED(&k, 0xe0, 0x1d, 0x20, 0xe0, 0x9d), "\x04");
    CHECK_STR(TYPED(&k, 0x1d, 0x1a, 0x2b, 0x1b, 0x9d), "\x1b\x1c\x1d");
    CHECK_STR(TYPED(&k, 0x1d, 0x39, 0x9d), "^@");
    CHECK_STR(TYPED(&k, 0x1d, 0x3a, 0xba, 0x2e, 0x9d, 0x3a, 0xba), "\x03");  /* caps on */
    CHECK_STR(TYPED(&k, 0x2e), "c");                                       /* ctrl up */
}

TEST(ps2_alt_prefixes_escape)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0x38, 0x30, 0xb0, 0xb8, 0x30), "\x1b" "bb");
    CHECK_STR(TYPED(&k, 0xe0, 0x38, 0x20, 0xe0, 0xb8), "\x1b" "d");      /* right Alt */
}

TEST(ps2_special_keys_backspace_enter_tab_escape)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0x0e, 0x1c, 0x0f, 0x01), "\x7f\r\t\x1b");
    CHECK_STR(TYPED(&k, 0xe0, 0x1c, 0xe0, 0x35), "\r/");                 /* keypad */
}

TEST(ps2_extended_arrows_and_editing_keys_send_linux_vt_sequences)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x50, 0xe0, 0x4d, 0xe0, 0x4b),
              "\x1b[A\x1b[B\x1b[C\x1b[D");
    CHECK_STR(TYPED(&k, 0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x53, 0xe0, 0x52, 0xe0, 0x49,
                    0xe0, 0x51), "\x1b[1~\x1b[4~\x1b[3~\x1b[2~\x1b[5~\x1b[6~");
    /* A fake shift around a grey key (E0 2A E0 47 E0 C7 E0 AA) changes nothing. */
    CHECK_STR(TYPED(&k, 0xe0, 0x2a, 0xe0, 0x47, 0xe0, 0xc7, 0xe0, 0xaa, 0x1e), "\x1b[1~a");
}

TEST(ps2_shift_page_up_and_down_scroll_the_console_and_type_nothing)
{
    struct kbd k = { 0 };
    char out[PS2_KEY_OUT_MAX];
    CHECK_EQ(ps2_keymap_feed(&k, 0x2a, out), 0);            /* LShift down */
    CHECK_EQ(ps2_keymap_feed(&k, 0xe0, out), 0);
    CHECK_EQ(ps2_keymap_feed(&k, 0x49, out), 0);            /* grey PgUp */
    CHECK_EQ(k.action, PS2_SCROLL_BACK);
    CHECK_EQ(ps2_keymap_feed(&k, 0xe0, out), 0);
    CHECK_EQ(k.action, PS2_NONE);
    CHECK_EQ(ps2_keymap_feed(&k, 0x51, out), 0);            /* grey PgDn */
    CHECK_EQ(k.action, PS2_SCROLL_FORWARD);
    CHECK_EQ(ps2_keymap_feed(&k, 0xaa, out), 0);            /* LShift up */
    /* Without Shift, PgUp is the VT sequence again and no action. */
    CHECK_STR(TYPED(&k, 0xe0, 0x49), "\x1b[5~");
    CHECK_EQ(k.action, PS2_NONE);
}

TEST(ps2_keypad_follows_num_lock)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0x48, 0x4c, 0x4a, 0x4e, 0x37), "\x1b[A\x1b[G-+*");
    CHECK_STR(TYPED(&k, 0x45, 0xc5, 0x47, 0x48, 0x49, 0x52, 0x53), "7890.");
}

TEST(ps2_function_keys_send_linux_console_sequences)
{
    struct kbd k = { 0 };
    CHECK_STR(TYPED(&k, 0x3b, 0x3f, 0x40, 0x44, 0x57, 0x58),
              "\x1b[[A\x1b[[E\x1b[17~\x1b[21~\x1b[23~\x1b[24~");
}

TEST(ps2_pause_and_controller_bytes_type_nothing)
{
    struct kbd k = { 0 };
    /* Pause, then ACK 0xFA, resend 0xFE, overrun 0x00/0xFF, then a real key. */
    CHECK_STR(TYPED(&k, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0xfa, 0xfe, 0x00, 0xff, 0x1e),
              "a");
    CHECK(!k.map.lctrl && !k.map.numlock);
}

TEST(ps2_scancodes_give_linux_key_codes_and_pause_presses_and_releases)
{
    struct ps2_scancode s = { 0 };
    struct ps2_key k[2];
    CHECK_EQ(ps2_scancode_feed(&s, 0x1e, k), 1);            /* a: KEY_A = 30 */
    CHECK(k[0].code == KEY_A && k[0].down);
    CHECK_EQ(ps2_scancode_feed(&s, 0x9e, k), 1);
    CHECK(k[0].code == KEY_A && !k[0].down);
    CHECK_EQ(ps2_scancode_feed(&s, 0xe0, k), 0);
    CHECK_EQ(ps2_scancode_feed(&s, 0x48, k), 1);            /* grey up arrow */
    CHECK(k[0].code == KEY_UP && k[0].down);
    CHECK_EQ(ps2_scancode_feed(&s, 0x48, k), 1);            /* keypad 8, same make code */
    CHECK(k[0].code == KEY_KP8);
    CHECK_EQ(ps2_scancode_feed(&s, 0xe0, k), 0);
    CHECK_EQ(ps2_scancode_feed(&s, 0x2a, k), 0);            /* fake shift */
    CHECK_EQ(ps2_scancode_feed(&s, 0x58, k), 1);
    CHECK_EQ(k[0].code, KEY_F12);
    const uint8_t pause[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d };
    for (size_t i = 0; i < sizeof(pause); i++)
        CHECK_EQ(ps2_scancode_feed(&s, pause[i], k), 0);
    CHECK_EQ(ps2_scancode_feed(&s, 0xc5, k), 2);
    CHECK(k[0].code == KEY_PAUSE && k[0].down && k[1].code == KEY_PAUSE && !k[1].down);
}

TEST(console_keymap_caps_lock_autorepeat_does_not_toggle_again)
{
    struct keymap m = { 0 };
    char out[KEYMAP_OUT_MAX];
    keymap_feed(&m, KEY_CAPSLOCK, 1, out);
    keymap_feed(&m, KEY_CAPSLOCK, 2, out);
    keymap_feed(&m, KEY_CAPSLOCK, 2, out);
    keymap_feed(&m, KEY_CAPSLOCK, 0, out);
    CHECK_EQ(keymap_feed(&m, KEY_A, 1, out), 1);
    CHECK_EQ(out[0], 'A');
    CHECK_EQ(keymap_feed(&m, KEY_A, 2, out), 1);            /* a repeat types again */
    CHECK_EQ(out[0], 'A');
    CHECK_EQ(keymap_feed(&m, KEY_A, 0, out), 0);
}
