/* Pure parsing of what USB devices send: device and configuration descriptors,
 * HID report descriptors and report fields, the keyboard usage table. No kernel
 * state, so tests/host/test_usb_hid.c runs it under ASan/UBSan on real and
 * corrupted bytes. */

#include <osc/usb.h>
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int usb_parse_device(const uint8_t *d, size_t len, struct usb_device_info *out)
{
    if (len < 18 || d[0] < 18 || d[1] != USB_DT_DEVICE)
        return -EINVAL;
    *out = (struct usb_device_info){
        .bcd_usb = get16(d + 2), .class = d[4], .max_packet0 = d[7], .vendor = get16(d + 8),
        .product = get16(d + 10), .bcd_device = get16(d + 12), .imanufacturer = d[14], .iproduct = d[15], .nconfigs = d[17],
    };
    return 0;
}

int usb_parse_config(const uint8_t *d, size_t len, struct usb_config_info *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 9 || d[0] < 9 || d[1] != USB_DT_CONFIG)
        return -EINVAL;
    out->value = d[5];
    size_t total = MIN((size_t)get16(d + 2), len);
    struct usb_hid_iface *cur = NULL;   /* the HID interface whose endpoints follow */
    for (size_t off = d[0]; off < total;) {
        uint8_t dl = d[off];
        if (dl < 2 || dl > total - off)
            return -EINVAL;
        const uint8_t *p = d + off;
        off += dl;
        switch (p[1]) {
        case USB_DT_INTERFACE:
            cur = NULL;
            if (dl < 9 || p[3] != 0 || p[5] != USB_CLASS_HID || out->nhid == USB_MAX_HID_IFACES)
                break;          /* alternate settings other than 0 are not used */
            cur = &out->hid[out->nhid];
            *cur = (struct usb_hid_iface){ .number = p[2], .subclass = p[6], .protocol = p[7] };
            break;
        case USB_DT_HID:
            /* bNumDescriptors at 5, then (type, length) pairs from 6. */
            if (cur && dl >= 9)
                for (unsigned i = 0; i < p[5] && 6u + 3 * i + 3 <= dl; i++)
                    if (p[6 + 3 * i] == USB_DT_REPORT)
                        cur->report_len = get16(p + 7 + 3 * i);
            break;
        case USB_DT_ENDPOINT: {
            if (!cur || cur->ep_addr || dl < 7)
                break;
            uint16_t maxp = get16(p + 4) & 0x7ff;
            if (!(p[2] & USB_DIR_IN) || (p[3] & 3) != 3 || maxp == 0 || maxp > USB_HID_MAXP)
                break;
            cur->ep_addr = p[2];
            cur->ep_maxp = maxp;
            cur->ep_interval = p[6];
            out->nhid++;        /* complete: keep it */
            cur = NULL;
            break;
        }
        }
    }
    return 0;
}

/* ---- HID report descriptors ---- */

#define HID_MAX_USAGES      16
#define HID_MAX_PUSH        4
#define HID_MAX_DEPTH       16

struct hid_globals {
    uint16_t page;
    int32_t lmin, lmax;
    uint32_t lmin_raw, lmax_raw;
    uint8_t lmin_size;
    uint32_t size, count;
    uint8_t id;
};

static uint32_t item_data(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static int32_t sign_extend(uint32_t v, unsigned bytes)
{
    if (bytes == 1)
        return (int8_t)v;
    if (bytes == 2)
        return (int16_t)v;
    return (int32_t)v;
}

int hid_parse_report_desc(const uint8_t *d, size_t len, struct hid_report_desc *out)
{
    memset(out, 0, sizeof(*out));
    struct hid_globals g = { 0 }, stack[HID_MAX_PUSH];
    int sp = 0, depth = 0;
    uint32_t usages[HID_MAX_USAGES];
    unsigned nusages = 0;
    uint32_t umin = 0, umax = 0;
    bool have_range = false;
    uint16_t bits[256] = { 0 };         /* input report length so far, per id */
    for (size_t i = 0; i < len;) {
        uint8_t b = d[i];
        if (b == 0xfe) {                /* long item: size byte, tag byte, data */
            if (len - i < 3 || d[i + 1] > len - i - 3)
                return -EINVAL;
            i += 3u + d[i + 1];
            continue;
        }
        unsigned n = (b & 3) == 3 ? 4 : b & 3, type = (b >> 2) & 3, tag = b >> 4;
        if (n > len - i - 1)
            return -EINVAL;
        uint32_t v = item_data(d + i + 1, n);
        i += 1 + n;
        if (type == 1) {                /* global */
            switch (tag) {
            case 0: g.page = (uint16_t)v; break;
            case 1: g.lmin = sign_extend(v, n); g.lmin_raw = v; g.lmin_size = (uint8_t)n; break;
            case 2: g.lmax_raw = v; g.lmax = sign_extend(v, n);
                    /* Unsigned when the minimum is not negative (Linux's rule). */
                    if (g.lmin >= 0 && n < 4)
                        g.lmax = (int32_t)v;
                    break;
            case 7: if (v > 32) return -EINVAL;
                    g.size = v; break;
            case 8: if (v == 0 || v > 255) return -EINVAL;
                    g.id = (uint8_t)v; out->has_ids = true; break;
            case 9: if (v > HID_REPORT_MAX * 8) return -EINVAL;
                    g.count = v; break;
            case 10: if (sp == HID_MAX_PUSH) return -EINVAL;
                     stack[sp++] = g; break;
            case 11: if (sp == 0) return -EINVAL;
                     g = stack[--sp]; break;
            }
        } else if (type == 2) {         /* local */
            /* A 4-byte usage carries its page in the high half. */
            switch (tag) {
            case 0: if (nusages < HID_MAX_USAGES) usages[nusages++] = v; break;
            case 1: umin = v; have_range = true; break;
            case 2: umax = v; have_range = true; break;
            }
        } else if (type == 0) {         /* main */
            if (tag == 0xa) {
                if (++depth > HID_MAX_DEPTH)
                    return -EINVAL;
            } else if (tag == 0xc) {
                if (depth-- == 0)
                    return -EINVAL;
            } else if (tag == 8) {      /* Input */
                uint32_t total = bits[g.id] + g.size * g.count;
                if (total > HID_REPORT_MAX * 8)
                    return -EINVAL;
                bool constant = v & 1, variable = v & 2, relative = v & 4;
                for (uint32_t k = 0; variable && !constant && k < g.count; k++) {
                    uint32_t u;
                    if (have_range && umax >= umin && (umax - umin) >= k)
                        u = umin + k;
                    else if (nusages)
                        u = usages[MIN(k, nusages - 1)];
                    else
                        break;
                    uint16_t page = u > 0xffff ? (uint16_t)(u >> 16) : g.page;
                    bool pan = page == HID_PAGE_CONSUMER && (uint16_t)u == HID_USAGE_AC_PAN;
                    if ((page != HID_PAGE_DESKTOP && page != HID_PAGE_BUTTON && !pan) || g.size == 0 ||
                        out->nfields == HID_MAX_FIELDS)
                        continue;
                    out->f[out->nfields++] = (struct hid_field){
                        .usage_page = page, .usage = (uint16_t)u, .report_id = g.id,
                        .bit_size = (uint8_t)g.size,
                        .bit_offset = (uint16_t)(bits[g.id] + k * g.size), .relative = relative,
                        .logical_min = g.lmin, .logical_max = g.lmax,
                    };
                }
                bits[g.id] = (uint16_t)total;
            }
            nusages = 0;        /* locals last until the next main item */
            have_range = false;
            umin = umax = 0;
        }
    }
    if (depth != 0)
        return -EINVAL;
    return 0;
}

int hid_find_field(const struct hid_report_desc *rd, uint16_t page, uint16_t usage)
{
    for (int i = 0; i < rd->nfields && i < HID_MAX_FIELDS; i++)
        if (rd->f[i].usage_page == page && rd->f[i].usage == usage)
            return i;
    return -1;
}

bool hid_field_value(const struct hid_field *f, bool has_ids, const uint8_t *rep, size_t len,
                     int32_t *out)
{
    if (has_ids) {
        if (len < 1 || rep[0] != f->report_id)
            return false;
        rep++;
        len--;
    }
    if (f->bit_size == 0 || f->bit_size > 32 || f->bit_offset + f->bit_size > len * 8)
        return false;
    uint64_t v = 0;
    for (unsigned b = 0; b < f->bit_size; b++) {
        unsigned at = f->bit_offset + b;
        v |= (uint64_t)((rep[at / 8] >> (at % 8)) & 1) << b;
    }
    if (f->logical_min < 0 && f->bit_size < 32 && (v >> (f->bit_size - 1)) & 1)
        v |= ~0ull << f->bit_size;      /* sign-extend */
    *out = (int32_t)(uint32_t)v;
    return true;
}

/* Keyboard/Keypad page usages 0x00-0x73 to Linux key codes, as Linux's
 * hid_keyboard[] (drivers/hid/hid-input.c). */
static const uint8_t usage_keys[0x74] = {
      0,  0,  0,  0, 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38,
     50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,  2,  3,
      4,  5,  6,  7,  8,  9, 10, 11, 28,  1, 14, 15, 57, 12, 13, 26,
     27, 43, 43, 39, 40, 41, 51, 52, 53, 58, 59, 60, 61, 62, 63, 64,
     65, 66, 67, 68, 87, 88, 99, 70,119,110,102,104,111,107,109,106,
    105,108,103, 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71,
     72, 73, 82, 83, 86,127,116,117,183,184,185,186,187,188,189,190,
    191,192,193,194,
};

/* 0xe0-0xe7: left ctrl, shift, alt, meta, right ctrl, shift, alt, meta. */
static const uint8_t modifier_keys[8] = { 29, 42, 56, 125, 97, 54, 100, 126 };

uint16_t hid_keyboard_code(uint8_t usage)
{
    if (usage < sizeof(usage_keys))
        return usage_keys[usage];
    if (usage >= 0xe0 && usage <= 0xe7)
        return modifier_keys[usage - 0xe0];
    return 0;
}
