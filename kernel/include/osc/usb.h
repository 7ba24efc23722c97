/* USB: the xHCI host controller driver (xhci.c: controller, rings, events;
 * xhci_dev.c: slots, control and interrupt transfers), enumeration and hot-plug
 * (usb.c), the HID class driver feeding the input layer (hid.c), and the pure
 * descriptor parsers (usb_parse.c, host-tested in tests/host/test_usb_hid.c).
 * Every length and index read from a device goes through the parsers or is
 * checked where it is used: a device that lies is logged and skipped. */
#pragma once

#include <osc/types.h>

/* Standard requests and descriptors (USB 2.0 §9.4, §9.6; HID 1.11 §7). */
#define USB_REQ_GET_DESCRIPTOR  6
#define USB_REQ_SET_CONFIG      9
#define USB_DT_DEVICE           1
#define USB_DT_CONFIG           2
#define USB_DT_STRING           3
#define USB_DT_INTERFACE        4
#define USB_DT_ENDPOINT         5
#define USB_DT_HID              0x21
#define USB_DT_REPORT           0x22
#define USB_DIR_IN              0x80
#define USB_TYPE_CLASS          0x20
#define USB_RECIP_INTERFACE     0x01
#define USB_CLASS_HID           3
#define HID_REQ_SET_IDLE        0x0a
#define HID_REQ_SET_PROTOCOL    0x0b
#define HID_SUBCLASS_BOOT       1
#define HID_PROTO_KEYBOARD      1
#define HID_PROTO_MOUSE         2

/* ---- pure parsing (usb_parse.c) ---- */

struct usb_device_info {
    uint16_t bcd_usb, vendor, product, bcd_device;
    uint8_t class, max_packet0, nconfigs, imanufacturer, iproduct;
};

/* A HID interface with its first interrupt IN endpoint. */
struct usb_hid_iface {
    uint8_t number, subclass, protocol;
    uint8_t ep_addr;            /* with USB_DIR_IN */
    uint16_t ep_maxp;           /* 1..USB_HID_MAXP */
    uint8_t ep_interval;
    uint16_t report_len;        /* the report descriptor's length (HID descriptor) */
};
#define USB_MAX_HID_IFACES      4
#define USB_HID_MAXP            64
#define USB_CONFIG_MAX          512     /* bytes of a configuration we read */

struct usb_config_info {
    uint8_t value;              /* bConfigurationValue */
    int nhid;
    struct usb_hid_iface hid[USB_MAX_HID_IFACES];
};

/* 0, or -EINVAL for a descriptor that is short or not a device descriptor. */
int usb_parse_device(const uint8_t *d, size_t len, struct usb_device_info *out);
/* Walks a whole configuration (len bytes read of it): 0, or -EINVAL when a
 * descriptor's length is 0, runs past len, or the header is not a configuration.
 * HID interfaces without a usable interrupt IN endpoint are left out. */
int usb_parse_config(const uint8_t *d, size_t len, struct usb_config_info *out);

/* HID report descriptors (HID 1.11 §6.2.2): the variable input fields of the
 * Generic Desktop and Button pages, enough for pointers; array fields (keyboards
 * outside the boot protocol) are not kept. */
#define HID_MAX_FIELDS          32
#define HID_REPORT_MAX          64      /* bytes of one input report we decode */
#define HID_PAGE_DESKTOP        0x01
#define HID_PAGE_BUTTON         0x09
#define HID_USAGE_X             0x30
#define HID_USAGE_Y             0x31
#define HID_USAGE_WHEEL         0x38
#define HID_PAGE_CONSUMER       0x0c
#define HID_USAGE_AC_PAN        0x238   /* the horizontal wheel (REL_HWHEEL) */

struct hid_field {
    uint16_t usage_page, usage;
    uint8_t report_id;          /* 0 when the descriptor has no report ids */
    uint8_t bit_size;           /* 1..32 */
    uint16_t bit_offset;        /* in the report, after the id byte */
    bool relative;
    int32_t logical_min, logical_max;
};

struct hid_report_desc {
    bool has_ids;
    int nfields;
    struct hid_field f[HID_MAX_FIELDS];
};

/* 0, or -EINVAL for a malformed descriptor (truncated item, unbalanced
 * collection or push/pop, report size over 32, a report longer than
 * HID_REPORT_MAX). Fields past HID_MAX_FIELDS are dropped. */
int hid_parse_report_desc(const uint8_t *d, size_t len, struct hid_report_desc *out);
/* The field index of (page, usage), or -1. */
int hid_find_field(const struct hid_report_desc *rd, uint16_t page, uint16_t usage);
/* Extracts f from report rep (len bytes, with its id byte when has_ids): false
 * when the report is another id's or too short for the field. Signed when the
 * field's logical minimum is negative. */
bool hid_field_value(const struct hid_field *f, bool has_ids, const uint8_t *rep, size_t len,
                     int32_t *out);
/* Linux key code of a keyboard usage (page 7), 0 for none; modifiers (0xe0-0xe7)
 * included. */
uint16_t hid_keyboard_code(uint8_t usage);

#ifndef HOST_TEST
/* ---- the host controller (xhci.c, xhci_dev.c) ---- */

struct xhci;
struct usb_dev;

/* Called from interrupt context with each completed report of an interrupt IN
 * endpoint (len bytes, at most the endpoint's max packet size). */
typedef void (*usb_report_fn)(void *ctx, const uint8_t *buf, size_t len);

struct usb_dev {
    struct xhci *hc;
    uint8_t slot, port, speed;  /* speed: PORTSC's (1 FS, 2 LS, 3 HS, 4 SS) */
    uint8_t max_packet0;
    bool gone;                  /* unplugged: reports stop, requests fail */
    char path[40];              /* "usb-0000:00:04.0-1", Linux's phys prefix */
    struct usb_device_info info;
    char manufacturer[32], product[32];
};

/* One control transfer on endpoint 0 (the enumeration thread only, one at a
 * time): bytes moved (IN), 0, or -EIO (stall, error), -ETIMEDOUT. */
int usb_control(struct usb_dev *d, uint8_t reqtype, uint8_t req, uint16_t value,
                uint16_t index, void *buf, uint16_t len);
/* Configures ifc's interrupt IN endpoint and keeps a transfer queued on it:
 * every report goes to fn(ctx, ...). 0 or an errno. */
int usb_interrupt_start(struct usb_dev *d, const struct usb_hid_iface *ifc, usb_report_fn fn,
                        void *ctx);

/* xhci_dev.c, for usb.c: a device on root port port (reset and enabled) gets a
 * slot and an address; 0 or an errno (the slot is freed on failure). */
int xhci_device_attach(struct usb_dev *d);
void xhci_device_detach(struct usb_dev *d);
int xhci_set_max_packet0(struct usb_dev *d, uint8_t mps);

/* usb.c: enumerates a device that xhci.c saw on a port; hid.c: binds a HID
 * interface (0 when it took it). */
int hid_attach(struct usb_dev *d, const struct usb_hid_iface *ifc);
void hid_detach(struct usb_dev *d);

/* Boot phase [xhci] after the input layer: enumerates the devices present on
 * every controller probed by pci_init and starts hot-plug handling. */
void usb_init(void);
#endif
