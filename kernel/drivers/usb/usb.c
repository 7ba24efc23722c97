/* USB enumeration and hot-plug: one hub thread per xHCI controller looks at every
 * root port whose status changed (all of them at start), enumerates what got
 * connected (reset, address, descriptors, configuration, HID interfaces to hid.c)
 * and drops what went away. usb_init waits, bounded, for the first pass so the
 * devices present at boot are registered before /sbin/init starts. */

#define LOG_TAG "xhci"
#include "xhci.h"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>

#define DEBOUNCE_NS         (50 * NS_PER_MS)
#define BOOT_WAIT_NS        (10 * NS_PER_S)
#define POLL_NS             (10 * NS_PER_MS)

static const char *speed_name(uint8_t s)
{
    switch (s) {
    case 1:  return "full";
    case 2:  return "low";
    case 3:  return "high";
    case 4:  return "super";
    default: return "unknown";
    }
}

/* A string descriptor in US English, printable ASCII only ("" when absent). */
static void get_string(struct usb_dev *d, uint8_t idx, char *out, size_t n)
{
    uint8_t buf[64];
    out[0] = 0;
    if (!idx)
        return;
    int r = usb_control(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8 | idx,
                        0x0409, buf, sizeof(buf));
    if (r < 2 || buf[1] != USB_DT_STRING)
        return;
    size_t len = MIN((size_t)buf[0], (size_t)r), j = 0;
    for (size_t i = 2; i + 1 < len && j + 1 < n; i += 2)
        out[j++] = buf[i + 1] == 0 && buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '?';
    out[j] = 0;
}

/* Descriptors, configuration, class drivers: 0, or an errno with the reason logged. */
static int configure(struct usb_dev *d, uint8_t *buf)
{
    struct xhci *c = d->hc;
    int r = usb_control(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, buf, 8);
    if (r < 8 || buf[1] != USB_DT_DEVICE) {
        log_warn("%s: port %u: no device descriptor (%d)", c->name, d->port, r);
        return r < 0 ? r : -EIO;
    }
    uint8_t mps = buf[7];
    if (d->speed != 4 && mps != d->max_packet0) {
        if (mps != 8 && mps != 16 && mps != 32 && mps != 64) {
            log_warn("%s: port %u: endpoint 0 max packet %u invalid", c->name, d->port, mps);
            return -EINVAL;
        }
        if ((r = xhci_set_max_packet0(d, mps)))
            return r;
    }
    r = usb_control(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, buf, 18);
    if (r < 0 || usb_parse_device(buf, (size_t)r, &d->info)) {
        log_warn("%s: port %u: bad device descriptor (%d bytes)", c->name, d->port, r);
        return -EINVAL;
    }
    get_string(d, d->info.imanufacturer, d->manufacturer, sizeof(d->manufacturer));
    get_string(d, d->info.iproduct, d->product, sizeof(d->product));
    r = usb_control(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8, 0, buf, 9);
    if (r < 9 || buf[1] != USB_DT_CONFIG) {
        log_warn("%s: port %u: no configuration descriptor (%d)", c->name, d->port, r);
        return -EINVAL;
    }
    uint16_t total = (uint16_t)MIN((unsigned)(buf[2] | buf[3] << 8), (unsigned)USB_CONFIG_MAX);
    r = usb_control(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8, 0, buf, total);
    struct usb_config_info cfg;
    if (r < 9 || usb_parse_config(buf, (size_t)r, &cfg)) {
        log_warn("%s: port %u: bad configuration descriptor (%d bytes)", c->name, d->port, r);
        return -EINVAL;
    }
    if ((r = usb_control(d, 0, USB_REQ_SET_CONFIG, cfg.value, 0, NULL, 0)) < 0) {
        log_warn("%s: port %u: SET_CONFIGURATION failed (%d)", c->name, d->port, r);
        return r;
    }
    log_info("usb %u-%u: %04x:%04x \"%s %s\", %s speed, slot %u, %d HID interface%s",
             c->busnum, d->port, d->info.vendor, d->info.product, d->manufacturer, d->product,
             speed_name(d->speed), d->slot, cfg.nhid, cfg.nhid == 1 ? "" : "s");
    int bound = 0;
    for (int i = 0; i < cfg.nhid; i++)
        if (hid_attach(d, &cfg.hid[i]) == 0)
            bound++;
    if (!bound)
        log_info("usb %u-%u: no driver for it", c->busnum, d->port);
    return 0;
}

static void port_connect(struct xhci *c, unsigned port)
{
    uint8_t speed;
    thread_sleep_ns(DEBOUNCE_NS);
    if (xhci_port_reset(c, port, &speed))
        return;
    struct usb_dev *d = kzalloc(sizeof(*d));
    uint8_t *buf = kmalloc(USB_CONFIG_MAX);
    if (!d || !buf) {
        kfree(d);
        kfree(buf);
        log_warn("%s: port %u: out of memory", c->name, port);
        return;
    }
    d->hc = c;
    d->port = (uint8_t)port;
    d->speed = speed;
    ksnprintf(d->path, sizeof(d->path), "usb-%s-%u", c->name, port);
    if (xhci_device_attach(d)) {
        kfree(d);
        kfree(buf);
        return;
    }
    if (configure(d, buf)) {
        log_warn("%s: port %u: device not used", c->name, port);
        xhci_device_detach(d);
        kfree(d);
    } else {
        c->port_dev[port] = d;
    }
    kfree(buf);
}

/* The usb_dev stays allocated: its HID devices stay registered (no hot unplug
 * in the input layer) and point at it. */
static void port_disconnect(struct xhci *c, unsigned port)
{
    struct usb_dev *d = c->port_dev[port];
    c->port_dev[port] = NULL;
    __atomic_store_n(&d->gone, true, __ATOMIC_RELEASE);
    hid_detach(d);
    xhci_device_detach(d);
    log_info("usb %u-%u: disconnected", c->busnum, port);
}

static void port_changed(struct xhci *c, unsigned port)
{
    uint32_t sc = xhci_rd(c->op, XHCI_PORTSC(port));
    if (sc == 0xffffffffu)
        return;
    xhci_wr(c->op, XHCI_PORTSC(port), (sc & PORT_PRESERVE) | (sc & PORT_CHANGES));
    bool connected = sc & PORT_CCS;
    if (c->port_dev[port] && (!connected || (sc & PORT_CSC)))
        port_disconnect(c, port);
    if (connected && !c->port_dev[port])
        port_connect(c, port);
}

static void hub_thread(void *arg)
{
    struct xhci *c = arg;
    for (;;) {
        unsigned long fl = spin_lock_irqsave(&c->wq.lock);
        while (!c->port_pending) {
            if (c->irq) {
                waitqueue_sleep_locked(&c->wq, &fl);
                continue;
            }
            spin_unlock_irqrestore(&c->wq.lock, fl);
            thread_sleep_ns(POLL_NS);
            xhci_process_events(c);
            fl = spin_lock_irqsave(&c->wq.lock);
        }
        uint64_t ports = c->port_pending;
        c->port_pending = 0;
        spin_unlock_irqrestore(&c->wq.lock, fl);
        for (unsigned p = 1; p <= c->max_ports; p++)
            if (ports >> p & 1)
                port_changed(c, p);
        __atomic_store_n(&c->enumerated, true, __ATOMIC_RELEASE);
    }
}

void usb_init(void)
{
    int n = 0;
    for (struct xhci *c = xhci_controllers; c; c = c->next) {
        unsigned long fl = spin_lock_irqsave(&c->wq.lock);
        for (unsigned p = 1; p <= c->max_ports; p++)
            c->port_pending |= 1ull << p;
        spin_unlock_irqrestore(&c->wq.lock, fl);
        struct thread *t = thread_create("xhci-hub", hub_thread, c);
        if (!t || thread_detach(t)) {
            log_warn("%s: no hub thread: its devices are not used", c->name);
            c->enumerated = true;
            continue;
        }
        n++;
    }
    if (!n)
        return;
    uint64_t deadline = time_ns() + BOOT_WAIT_NS;
    for (struct xhci *c = xhci_controllers; c; c = c->next)
        while (!__atomic_load_n(&c->enumerated, __ATOMIC_ACQUIRE)) {
            if (time_ns() > deadline) {
                log_warn("%s: ports still enumerating after %llu s; going on", c->name,
                         (unsigned long long)(BOOT_WAIT_NS / NS_PER_S));
                return;
            }
            thread_sleep_ns(POLL_NS);
        }
}
