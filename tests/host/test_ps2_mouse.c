/* host-test: kernel/drivers/input/ps2_parse.c */
/* PS/2 mouse packet parsing (LESSONS 8): recorded aux-port byte streams, including
 * corrupted ones, in; motion in Linux's directions, buttons and wheel out. */
#include <stdint.h>
#include <stdbool.h>
#include <osc/ps2.h>
#include "check.h"

/* Feeds a stream; returns how many packets it completed, the last in *last. */
static int feed(struct ps2_mouse *m, const uint8_t *b, size_t n, struct ps2_mouse_packet *last)
{
    int packets = 0;
    for (size_t i = 0; i < n; i++) {
        struct ps2_mouse_packet p;
        if (ps2_mouse_feed(m, b[i], &p)) {
            *last = p;
            packets++;
        }
    }
    return packets;
}

#define FEED(m, p, ...) \
    feed((m), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), (p))

TEST(mouse_three_byte_packet_gives_motion_with_y_downward)
{
    struct ps2_mouse m = { .packet_len = 3 };
    struct ps2_mouse_packet p = { 0 };
    /* right 5, up 3 (PS/2 up is positive), no buttons */
    CHECK_EQ(FEED(&m, &p, 0x08, 5, 3), 1);
    CHECK_EQ(p.dx, 5);
    CHECK_EQ(p.dy, -3);
    CHECK(!p.left && !p.right && !p.middle);
    CHECK_EQ(p.wheel, 0);
}

TEST(mouse_sign_bits_give_negative_deltas)
{
    struct ps2_mouse m = { .packet_len = 3 };
    struct ps2_mouse_packet p = { 0 };
    /* left 10 (X sign, 0xf6), down 1 (Y sign, 0xff) */
    CHECK_EQ(FEED(&m, &p, 0x38, 0xf6, 0xff), 1);
    CHECK_EQ(p.dx, -10);
    CHECK_EQ(p.dy, 1);
    /* -256 is the most a sign bit with a zero byte means */
    CHECK_EQ(FEED(&m, &p, 0x18, 0x00, 0x00), 1);
    CHECK_EQ(p.dx, -256);
}

TEST(mouse_buttons_follow_the_first_byte)
{
    struct ps2_mouse m = { .packet_len = 3 };
    struct ps2_mouse_packet p = { 0 };
    CHECK_EQ(FEED(&m, &p, 0x09, 0, 0), 1);
    CHECK(p.left && !p.right && !p.middle);
    CHECK_EQ(FEED(&m, &p, 0x0e, 0, 0), 1);
    CHECK(!p.left && p.right && p.middle);
}

TEST(mouse_overflow_bits_give_no_motion_but_keep_buttons)
{
    struct ps2_mouse m = { .packet_len = 3 };
    struct ps2_mouse_packet p = { 0 };
    CHECK_EQ(FEED(&m, &p, 0x49, 0x7f, 0x10), 1);            /* X overflow, left down */
    CHECK(p.dx == 0 && p.dy == 0 && p.left);
    CHECK_EQ(FEED(&m, &p, 0x88, 0x01, 0x7f), 1);            /* Y overflow */
    CHECK(p.dx == 0 && p.dy == 0 && !p.left);
}

TEST(mouse_byte_without_sync_bit_where_a_packet_starts_is_skipped)
{
    struct ps2_mouse m = { .packet_len = 3 };
    struct ps2_mouse_packet p = { 0 };
    /* Two stray bytes (bit 3 clear: e.g. the tail of a lost packet), then a packet. */
    CHECK_EQ(FEED(&m, &p, 0x05, 0x02, 0x29, 7, 0xfe), 1);
    CHECK_EQ(m.resyncs, 2u);
    CHECK(p.left && p.dx == 7 && p.dy == 2);
    /* A lost first byte: the next packet's first byte is taken as the start again
     * once the garbage runs out of bytes without bit 3. */
    struct ps2_mouse m2 = { .packet_len = 3 };
    CHECK_EQ(FEED(&m2, &p, 0x04 /* dx of a lost packet */, 0x00, 0x0a, 1, 1), 1);
    CHECK(p.right && p.dx == 1 && p.dy == -1);
}

TEST(mouse_intellimouse_fourth_byte_is_the_wheel)
{
    struct ps2_mouse m = { .packet_len = 4 };
    struct ps2_mouse_packet p = { 0 };
    /* wheel towards the user (+1 on PS/2) is Linux's REL_WHEEL -1 */
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0x01), 1);
    CHECK_EQ(p.wheel, -1);
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0xff), 1);           /* away: +1 */
    CHECK_EQ(p.wheel, 1);
    /* The 4th byte is not taken as a packet start, whatever its bit 3. */
    CHECK_EQ(FEED(&m, &p, 0x09, 2, 0, 0xf8, 0x08, 3, 0, 0), 2);
    CHECK(!p.left && p.dx == 3 && p.wheel == 0);
    CHECK_EQ(m.resyncs, 0u);
}

TEST(mouse_click_stream_from_qemu_gives_press_then_release)
{
    /* Recorded from QEMU's i8042 in IntelliMouse mode: left press, move right 4 and
     * down 2, release, wheel up one notch. */
    struct ps2_mouse m = { .packet_len = 4 };
    const uint8_t rec[] = { 0x09, 0, 0, 0, 0x29, 4, 0xfe, 0, 0x08, 0, 0, 0, 0x08, 0, 0, 0xff };
    struct ps2_mouse_packet seen[4];
    int n = 0;
    for (size_t i = 0; i < sizeof(rec); i++) {
        struct ps2_mouse_packet p;
        if (ps2_mouse_feed(&m, rec[i], &p) && n < 4)
            seen[n++] = p;
    }
    CHECK_EQ(n, 4);
    CHECK(seen[0].left && seen[1].left && !seen[2].left);
    CHECK(seen[1].dx == 4 && seen[1].dy == 2);
    CHECK_EQ(seen[3].wheel, 1);
    CHECK_EQ(m.resyncs, 0u);
}

TEST(mouse_explorer_fourth_byte_holds_both_wheels_and_buttons_4_and_5)
{
    /* As QEMU's IMEX mode sends them and Linux's psmouse reads them. */
    struct ps2_mouse m = { .packet_len = 4, .explorer = true };
    struct ps2_mouse_packet p = { 0 };
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0x7f), 1);           /* 01 + -1: one notch right */
    CHECK(p.hwheel == 1 && p.wheel == 0 && !p.has_side_extra);
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0x41), 1);           /* 01 + +1: left */
    CHECK(p.hwheel == -1 && p.wheel == 0);
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0x0f), 1);           /* 4-bit -1: up */
    CHECK(p.wheel == 1 && p.hwheel == 0 && !p.side && !p.extra);
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0x31), 1);           /* down, side and extra held */
    CHECK(p.wheel == -1 && p.side && p.extra && p.has_side_extra);
    CHECK_EQ(FEED(&m, &p, 0x08, 0, 0, 0xbe), 1);           /* 10 + -2: a 6-bit vertical count */
    CHECK(p.wheel == 2 && p.hwheel == 0);
    /* An IntelliMouse (not Explorer) reads 0x7f as a plain wheel count. */
    struct ps2_mouse i = { .packet_len = 4 };
    CHECK_EQ(FEED(&i, &p, 0x08, 0, 0, 0x7f), 1);
    CHECK(p.wheel == -127 && p.hwheel == 0);
}
