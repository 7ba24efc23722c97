/* host-test: kernel/drivers/usb/usb_parse.c */
/* USB descriptor and HID report-descriptor parsing: QEMU's usb-tablet and
 * usb-mouse report descriptors (as the devices send them, logged from a boot), a
 * boot keyboard's configuration, then corrupted and truncated copies, which must
 * be refused or parsed into fields that stay inside the report, never read out
 * of bounds (ASan). */
#include <stdbool.h>
#include <stdint.h>
#include <osc/errno.h>
#include <osc/usb.h>
#include "check.h"

static const uint8_t tablet[] = {
    0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
    0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x00, 0x26, 0xff, 0x7f, 0x35, 0x00, 0x46, 0xff, 0x7f,
    0x75, 0x10, 0x95, 0x02, 0x81, 0x02, 0x05, 0x01, 0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, 0x35, 0x00,
    0x45, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06, 0xc0, 0xc0,
};

static const uint8_t mouse[] = {
    0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x05,
    0x15, 0x00, 0x25, 0x01, 0x95, 0x05, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x03, 0x81, 0x01,
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03,
    0x81, 0x06, 0xc0, 0xc0,
};

TEST(tablet_descriptor_gives_absolute_xy_buttons_and_relative_wheel)
{
    struct hid_report_desc rd;
    CHECK_EQ(hid_parse_report_desc(tablet, sizeof(tablet), &rd), 0);
    CHECK(!rd.has_ids);
    CHECK_EQ(rd.nfields, 6);
    int x = hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_X);
    int y = hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_Y);
    int w = hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_WHEEL);
    int b3 = hid_find_field(&rd, HID_PAGE_BUTTON, 3);
    CHECK(x >= 0 && y >= 0 && w >= 0 && b3 >= 0);
    CHECK_EQ(hid_find_field(&rd, HID_PAGE_BUTTON, 4), -1);
    if (x < 0 || y < 0 || w < 0 || b3 < 0)
        return;
    CHECK_EQ(rd.f[x].bit_offset, 8);
    CHECK_EQ(rd.f[x].bit_size, 16);
    CHECK_EQ(rd.f[x].logical_min, 0);
    CHECK_EQ(rd.f[x].logical_max, 32767);
    CHECK(!rd.f[x].relative);
    CHECK_EQ(rd.f[y].bit_offset, 24);
    CHECK_EQ(rd.f[w].bit_offset, 40);
    CHECK_EQ(rd.f[w].logical_min, -127);
    CHECK(rd.f[w].relative);
    CHECK_EQ(rd.f[b3].bit_offset, 2);
    CHECK_EQ(rd.f[b3].bit_size, 1);
}

TEST(tablet_report_decodes_exact_coordinates_and_signed_wheel)
{
    struct hid_report_desc rd;
    CHECK_EQ(hid_parse_report_desc(tablet, sizeof(tablet), &rd), 0);
    const uint8_t rep[] = { 0x05, 0x00, 0x40, 0x00, 0x20, 0xff };   /* btn 1+3, 16384, 8192, -1 */
    int32_t v = 0;
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_X)], false, rep, 6, &v));
    CHECK_EQ(v, 16384);
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_Y)], false, rep, 6, &v));
    CHECK_EQ(v, 8192);
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_WHEEL)], false, rep, 6, &v));
    CHECK_EQ(v, -1);
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_BUTTON, 1)], false, rep, 6, &v));
    CHECK_EQ(v, 1);
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_BUTTON, 2)], false, rep, 6, &v));
    CHECK_EQ(v, 0);
    /* X at 32767 is not negative: the minimum is 0, so no sign extension. */
    const uint8_t max[] = { 0, 0xff, 0x7f, 0xff, 0xff, 0 };
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_Y)], false, max, 6, &v));
    CHECK_EQ(v, 65535);
    /* A short report has no wheel, and no Y below 4 bytes. */
    CHECK(!hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_WHEEL)], false, rep, 5, &v));
    CHECK(!hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_Y)], false, rep, 4, &v));
}

TEST(mouse_descriptor_is_relative_and_signed)
{
    struct hid_report_desc rd;
    CHECK_EQ(hid_parse_report_desc(mouse, sizeof(mouse), &rd), 0);
    CHECK_EQ(rd.nfields, 8);
    int x = hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_X);
    CHECK(x >= 0);
    if (x < 0)
        return;
    CHECK(rd.f[x].relative);
    CHECK_EQ(rd.f[x].bit_offset, 8);
    const uint8_t rep[] = { 0, 0xfb, 3, 0 };    /* x -5 */
    int32_t v = 0;
    CHECK(hid_field_value(&rd.f[x], false, rep, 4, &v));
    CHECK_EQ(v, -5);
}

TEST(report_ids_prefix_reports_and_select_fields)
{
    static const uint8_t d[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02,     /* report id 2 */
        0x05, 0x01, 0x09, 0x30, 0x15, 0x00, 0x26, 0xff, 0x0f, 0x75, 0x10, 0x95, 0x01,
        0x81, 0x02, 0xc0,
    };
    struct hid_report_desc rd;
    CHECK_EQ(hid_parse_report_desc(d, sizeof(d), &rd), 0);
    CHECK(rd.has_ids);
    CHECK_EQ(rd.nfields, 1);
    CHECK_EQ(rd.f[0].report_id, 2);
    CHECK_EQ(rd.f[0].bit_offset, 0);
    int32_t v = 0;
    const uint8_t ok[] = { 2, 0x34, 0x12 }, other[] = { 3, 0x34, 0x12 };
    CHECK(hid_field_value(&rd.f[0], true, ok, 3, &v));
    CHECK_EQ(v, 0x1234);
    CHECK(!hid_field_value(&rd.f[0], true, other, 3, &v));
    CHECK(!hid_field_value(&rd.f[0], true, ok, 0, &v));
}

TEST(truncated_descriptors_are_refused)
{
    struct hid_report_desc rd;
    /* Every proper prefix cuts an item or leaves a collection open, except the
     * two whole items before the first collection. */
    for (size_t n = 1; n < sizeof(tablet); n++)
        CHECK_EQ(hid_parse_report_desc(tablet, n, &rd), n == 2 || n == 4 ? 0 : -EINVAL);
    CHECK_EQ(hid_parse_report_desc(tablet, 0, &rd), 0);
    CHECK_EQ(rd.nfields, 0);
}

TEST(malformed_items_are_refused)
{
    struct hid_report_desc rd;
    static const uint8_t size33[] = { 0x75, 0x21 };
    static const uint8_t count_huge[] = { 0x96, 0xff, 0xff };
    static const uint8_t pop_empty[] = { 0xb4 };
    static const uint8_t end_unopened[] = { 0xc0 };
    static const uint8_t long_past_end[] = { 0xfe, 0x10, 0x00, 0x01 };
    static const uint8_t id_zero[] = { 0x85, 0x00 };
    static const uint8_t too_long[] = { 0x75, 0x20, 0x95, 0xff, 0x81, 0x02 };   /* 8160 bits */
    CHECK_EQ(hid_parse_report_desc(size33, sizeof(size33), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(count_huge, sizeof(count_huge), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(pop_empty, sizeof(pop_empty), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(end_unopened, sizeof(end_unopened), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(long_past_end, sizeof(long_past_end), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(id_zero, sizeof(id_zero), &rd), -EINVAL);
    CHECK_EQ(hid_parse_report_desc(too_long, sizeof(too_long), &rd), -EINVAL);
    uint8_t nested[40];                     /* 20 nested collections */
    for (int i = 0; i < 20; i++) {
        nested[2 * i] = 0xa1;
        nested[2 * i + 1] = 0x00;
    }
    CHECK_EQ(hid_parse_report_desc(nested, sizeof(nested), &rd), -EINVAL);
    uint8_t pushes[10];
    memset(pushes, 0xa4, sizeof(pushes));   /* Push past the stack */
    CHECK_EQ(hid_parse_report_desc(pushes, sizeof(pushes), &rd), -EINVAL);
}

/* Random byte flips of both descriptors: whatever parses has fields that fit a
 * HID_REPORT_MAX report, and decoding any report length stays in bounds. */
TEST(corrupted_descriptors_never_yield_fields_outside_the_report)
{
    uint32_t seed = 12345;
    int parsed = 0;
    for (int iter = 0; iter < 20000; iter++) {
        const uint8_t *src = iter & 1 ? mouse : tablet;
        size_t len = iter & 1 ? sizeof(mouse) : sizeof(tablet);
        uint8_t *d = malloc(len);   /* exact size: ASan catches any overread */
        memcpy(d, src, len);
        for (int k = 0; k < 1 + iter % 4; k++) {
            seed = seed * 1103515245 + 12345;
            d[(seed >> 8) % len] = (uint8_t)(seed >> 20);
        }
        struct hid_report_desc rd;
        if (hid_parse_report_desc(d, len, &rd) == 0) {
            parsed++;
            CHECK(rd.nfields >= 0 && rd.nfields <= HID_MAX_FIELDS);
            for (int i = 0; i < rd.nfields; i++) {
                const struct hid_field *f = &rd.f[i];
                CHECK(f->bit_size >= 1 && f->bit_size <= 32);
                CHECK(f->bit_offset + f->bit_size <= HID_REPORT_MAX * 8);
                for (size_t rl = 0; rl <= 8; rl++) {
                    uint8_t *rep = malloc(rl ? rl : 1);
                    memset(rep, 0xa5, rl ? rl : 1);
                    int32_t v;
                    (void)hid_field_value(f, rd.has_ids, rep, rl, &v);
                    free(rep);
                }
            }
        }
        free(d);
    }
    CHECK(parsed > 100);    /* the flips leave many descriptors valid: fields were checked */
}

/* QEMU's usb-kbd configuration: config, interface (HID boot keyboard), HID
 * descriptor (report of 63 bytes), interrupt IN endpoint 1 of 8 bytes. */
static const uint8_t kbd_config[] = {
    0x09, 0x02, 0x22, 0x00, 0x01, 0x01, 0x00, 0xa0, 0x32,
    0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x00,
    0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3f, 0x00,
    0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x07,
};

TEST(boot_keyboard_configuration_parses)
{
    struct usb_config_info c;
    CHECK_EQ(usb_parse_config(kbd_config, sizeof(kbd_config), &c), 0);
    CHECK_EQ(c.value, 1);
    CHECK_EQ(c.nhid, 1);
    CHECK_EQ(c.hid[0].subclass, HID_SUBCLASS_BOOT);
    CHECK_EQ(c.hid[0].protocol, HID_PROTO_KEYBOARD);
    CHECK_EQ(c.hid[0].ep_addr, 0x81);
    CHECK_EQ(c.hid[0].ep_maxp, 8);
    CHECK_EQ(c.hid[0].ep_interval, 7);
    CHECK_EQ(c.hid[0].report_len, 63);
}

TEST(bad_configurations_are_refused_or_skip_the_interface)
{
    struct usb_config_info c;
    uint8_t d[sizeof(kbd_config)];
    memcpy(d, kbd_config, sizeof(d));
    d[9] = 0;                           /* a zero-length descriptor */
    CHECK_EQ(usb_parse_config(d, sizeof(d), &c), -EINVAL);
    memcpy(d, kbd_config, sizeof(d));
    d[27] = 0x40;                       /* the endpoint runs past the end */
    CHECK_EQ(usb_parse_config(d, sizeof(d), &c), -EINVAL);
    memcpy(d, kbd_config, sizeof(d));
    d[29] = 0x01;                       /* an OUT endpoint: no usable interface */
    CHECK_EQ(usb_parse_config(d, sizeof(d), &c), 0);
    CHECK_EQ(c.nhid, 0);
    memcpy(d, kbd_config, sizeof(d));
    d[31] = 0x00;                       /* max packet 0 */
    CHECK_EQ(usb_parse_config(d, sizeof(d), &c), 0);
    CHECK_EQ(c.nhid, 0);
    memcpy(d, kbd_config, sizeof(d));
    d[31] = 0x00, d[32] = 0x02;         /* 512 bytes: more than a HID report we take */
    CHECK_EQ(usb_parse_config(d, sizeof(d), &c), 0);
    CHECK_EQ(c.nhid, 0);
    /* wTotalLength beyond what was read: only what was read is walked. */
    memcpy(d, kbd_config, sizeof(d));
    d[2] = 0xff;
    CHECK_EQ(usb_parse_config(d, 27, &c), 0);
    CHECK_EQ(c.nhid, 0);
    CHECK_EQ(usb_parse_config(d, 8, &c), -EINVAL);
    for (size_t n = 0; n <= sizeof(kbd_config); n++)   /* every truncation: no overread */
        (void)usb_parse_config(kbd_config, n, &c);
}

TEST(device_descriptor_needs_eighteen_bytes)
{
    static const uint8_t dev[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x27, 0x06, 0x01, 0x00,
                                     0x00, 0x00, 1, 4, 0, 1 };
    struct usb_device_info i;
    CHECK_EQ(usb_parse_device(dev, 18, &i), 0);
    CHECK_EQ(i.vendor, 0x0627);
    CHECK_EQ(i.product, 1);
    CHECK_EQ(i.max_packet0, 64);
    CHECK_EQ(i.iproduct, 4);
    CHECK_EQ(usb_parse_device(dev, 17, &i), -EINVAL);
    uint8_t bad[18];
    memcpy(bad, dev, 18);
    bad[1] = USB_DT_CONFIG;
    CHECK_EQ(usb_parse_device(bad, 18, &i), -EINVAL);
}

TEST(keyboard_usages_map_to_linux_codes)
{
    CHECK_EQ(hid_keyboard_code(0x04), 30);      /* a */
    CHECK_EQ(hid_keyboard_code(0x05), 48);      /* b */
    CHECK_EQ(hid_keyboard_code(0x1e), 2);       /* 1 */
    CHECK_EQ(hid_keyboard_code(0x28), 28);      /* Enter */
    CHECK_EQ(hid_keyboard_code(0x29), 1);       /* Esc */
    CHECK_EQ(hid_keyboard_code(0x2c), 57);      /* space */
    CHECK_EQ(hid_keyboard_code(0x45), 88);      /* F12 */
    CHECK_EQ(hid_keyboard_code(0x52), 103);     /* Up */
    CHECK_EQ(hid_keyboard_code(0x58), 96);      /* keypad Enter */
    CHECK_EQ(hid_keyboard_code(0xe0), 29);      /* left Ctrl */
    CHECK_EQ(hid_keyboard_code(0xe1), 42);      /* left Shift */
    CHECK_EQ(hid_keyboard_code(0xe6), 100);     /* right Alt */
    CHECK_EQ(hid_keyboard_code(0xe7), 126);     /* right Meta */
    CHECK_EQ(hid_keyboard_code(0x00), 0);
    CHECK_EQ(hid_keyboard_code(0x01), 0);       /* ErrorRollOver */
    CHECK_EQ(hid_keyboard_code(0x74), 0);
    CHECK_EQ(hid_keyboard_code(0xff), 0);
}


TEST(ac_pan_in_the_consumer_page_is_a_relative_horizontal_wheel)
{
    /* A tablet-like descriptor with a wheel and AC Pan (a 2-byte usage in the
     * consumer page), as newer pointers describe their horizontal wheel. */
    static const uint8_t desc[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,
        0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06,
        0x05, 0x0c, 0x0a, 0x38, 0x02, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06,
        0xc0,
    };
    struct hid_report_desc rd;
    CHECK_EQ(hid_parse_report_desc(desc, sizeof(desc), &rd), 0);
    int pan = hid_find_field(&rd, HID_PAGE_CONSUMER, HID_USAGE_AC_PAN);
    CHECK(pan >= 0);
    if (pan < 0)
        return;
    CHECK(rd.f[pan].relative);
    const uint8_t rep[2] = { 0x01, 0xfe };      /* wheel +1, pan -2 (left) */
    int32_t v;
    CHECK(hid_field_value(&rd.f[pan], false, rep, 2, &v));
    CHECK_EQ(v, -2);
    CHECK(hid_field_value(&rd.f[hid_find_field(&rd, HID_PAGE_DESKTOP, HID_USAGE_WHEEL)], false, rep, 2, &v));
    CHECK_EQ(v, 1);
}
