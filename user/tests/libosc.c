/* libosc (user/lib/libosc): the key text helpers (UTF-8 of OSC_EV_TEXT, a key
 * paired with the text record after it) and the platform call wrappers'
 * -1/errno convention, on OSCortex and on Linux (which has no such calls:
 * ENOSYS, or a wrong-device errno for the compositor's ioctls). */
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "osc.h"

TEST(utf8_encoding_covers_every_length_and_refuses_what_is_not_a_character)
{
    char out[5];
    CHECK_EQ(osc_utf8_encode('a', out), 1);
    CHECK_STR(out, "a");
    CHECK_EQ(osc_utf8_encode(0xf6, out), 2);           /* ö */
    CHECK_STR(out, "\xc3\xb6");
    CHECK_EQ(osc_utf8_encode(0x20ac, out), 3);         /* € */
    CHECK_STR(out, "\xe2\x82\xac");
    CHECK_EQ(osc_utf8_encode(0x1f600, out), 4);
    CHECK_STR(out, "\xf0\x9f\x98\x80");
    CHECK_EQ(osc_utf8_encode(0, out), 0);
    CHECK_STR(out, "");
    CHECK_EQ(osc_utf8_encode(0xd800, out), 0);         /* a surrogate */
    CHECK_EQ(osc_utf8_encode(0x110000, out), 0);
}

TEST(a_key_press_takes_the_text_record_after_it_and_nothing_else_does)
{
    struct osc_event ev[5] = {
        { .type = OSC_EV_KEY, .code = 30, .value = 1 },
        { .type = OSC_EV_TEXT, .code = 0xe4 },          /* ä */
        { .type = OSC_EV_KEY, .code = 30, .value = 0 }, /* a release types nothing */
        { .type = OSC_EV_KEY, .code = 103, .value = 1 },/* Up: no text follows */
        { .type = OSC_EV_KEY, .code = 30, .value = 2 }, /* a repeat, its text not read yet */
    };
    char out[5];
    CHECK_EQ(osc_key_text(ev, 0, 5, out), 2);
    CHECK_STR(out, "\xc3\xa4");
    CHECK_EQ(osc_key_text(ev, 1, 5, out), 0);          /* the text record itself */
    CHECK_EQ(osc_key_text(ev, 2, 5, out), 0);
    CHECK_EQ(osc_key_text(ev, 3, 5, out), 0);
    CHECK_STR(out, "");
    CHECK_EQ(osc_key_text(ev, 4, 5, out), 0);          /* nothing after it */
    CHECK_EQ(osc_key_text(ev, 0, 1, out), 0);          /* n cuts the pair */
    CHECK(osc_mods_type_text(0));
    CHECK(osc_mods_type_text(OSC_MOD_SHIFT | OSC_MOD_ALTGR));
    CHECK(!osc_mods_type_text(OSC_MOD_CTRL));
    CHECK(!osc_mods_type_text(OSC_MOD_ALT | OSC_MOD_SHIFT));
}

TEST(wrappers_return_minus_one_and_errno)
{
    errno = 0;
    CHECK_EQ(osc_cursor_shape_set(OSC_CURSOR_COUNT), -1);
    CHECK_EQ(errno, tl_on_oscortex() ? EINVAL : ENOSYS);
    errno = 0;
    CHECK_EQ(osc_beep(5, 100), -1);                     /* below 20 Hz */
    CHECK_EQ(errno, tl_on_oscortex() ? EINVAL : ENOSYS);
    errno = 0;
    CHECK_EQ(osc_clipboard_set("", "x", 1), -1);        /* an empty type */
    CHECK_EQ(errno, tl_on_oscortex() ? EINVAL : ENOSYS);
    errno = 0;
    char addr[4];
    CHECK_EQ(osc_dns_resolve("", addr), -1);
    CHECK_EQ(errno, tl_on_oscortex() ? EINVAL : ENOSYS);
    /* A compositor ioctl on a file that is not the compositor. */
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    errno = 0;
    CHECK_EQ(osc_keyboard_layout_set(fd, OSC_LAYOUT_US), -1);
    CHECK(errno == ENOTTY || errno == EINVAL);
    errno = 0;
    struct osc_surface_info info;
    CHECK_EQ(osc_surface_info(fd, &info), -1);
    CHECK(errno == ENOTTY || errno == EINVAL);
    close(fd);
}
