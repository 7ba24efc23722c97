/* xHCI device slots (xHCI 1.2 §4.3): Enable Slot and Address Device with the
 * input and output contexts, endpoint 0's control transfers (setup, data, status
 * stages; a stall resets the endpoint), and interrupt IN endpoints (Configure
 * Endpoint, one Normal TRB kept queued, its reports handed to the class driver). */

#define LOG_TAG "xhci"
#include "xhci.h"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>

#define CTL_TIMEOUT_NS      (2 * NS_PER_S)
#define EP_TYPE_CONTROL     4
#define EP_TYPE_INT_IN      7

/* Context idx of a context block (32 or 64 bytes each). */
static uint32_t *ctx(struct xhci *c, paddr_t base, unsigned idx)
{
    return (uint32_t *)phys_to_virt(base + idx * c->ctx_size);
}

/* The input context (§6.2.5): control context, slot context, then by DCI. */
static void in_ctx_reset(struct xhci *c, struct xhci_slot *s, uint32_t add)
{
    memset(phys_to_virt(s->in_ctx), 0, PAGE_SIZE);
    ctx(c, s->in_ctx, 0)[1] = add;
}

static void slot_ctx_fill(struct xhci *c, struct xhci_slot *s, struct usb_dev *d)
{
    uint32_t *sc = ctx(c, s->in_ctx, 1);
    sc[0] = (uint32_t)s->ctx_entries << 27 | (uint32_t)d->speed << 20;
    sc[1] = (uint32_t)d->port << 16;
}

static void ep_ctx_fill(struct xhci *c, struct xhci_slot *s, unsigned dci, uint32_t type,
                        uint16_t maxp, uint8_t interval, paddr_t ring)
{
    uint32_t *ep = ctx(c, s->in_ctx, 1 + dci);
    ep[0] = (uint32_t)interval << 16;
    ep[1] = 3u << 1 | type << 3 | (uint32_t)maxp << 16;     /* CErr 3 */
    ep[2] = (uint32_t)ring | 1;                                /* DCS 1 */
    ep[3] = (uint32_t)(ring >> 32);
    ep[4] = type == EP_TYPE_CONTROL ? 8 : (uint32_t)maxp | (uint32_t)maxp << 16;
}

static uint16_t default_mps(uint8_t speed)
{
    switch (speed) {
    case 2:  return 8;          /* low speed */
    case 4:  return 512;        /* SuperSpeed */
    default: return 64;
    }
}

static void slot_free(struct xhci_slot *s)
{
    xhci_ring_free(&s->ep0);
    if (s->in_ctx)
        pmm_free_page(s->in_ctx);
    if (s->out_ctx)
        pmm_free_page(s->out_ctx);
    if (s->ctl_phys)
        pmm_free_page(s->ctl_phys);
    kfree(s);
}

int xhci_device_attach(struct usb_dev *d)
{
    struct xhci *c = d->hc;
    uint32_t id = 0;
    uint32_t cc = xhci_command(c, 0, TRB_TYPE(TRB_ENABLE_SLOT), &id);
    if (cc != CC_SUCCESS || id == 0 || id > c->max_slots || c->slots[id]) {
        log_warn("%s: port %u: Enable Slot failed (code %u, slot %u)", c->name, d->port, cc, id);
        return -EIO;
    }
    struct xhci_slot *s = kzalloc(sizeof(*s));
    if (!s)
        goto fail_cmd;
    s->udev = d;
    s->in_ctx = pmm_alloc_page();
    s->out_ctx = pmm_alloc_page();
    s->ctl_phys = pmm_alloc_page();
    if (!s->in_ctx || !s->out_ctx || !s->ctl_phys || xhci_ring_init(&s->ep0))
        goto fail_mem;
    s->ctl_buf = phys_to_virt(s->ctl_phys);
    s->ctx_entries = 1;
    d->slot = (uint8_t)id;
    d->max_packet0 = (uint8_t)MIN(default_mps(d->speed), 255u);
    in_ctx_reset(c, s, 0x3);            /* add the slot and endpoint 0 */
    slot_ctx_fill(c, s, d);
    ep_ctx_fill(c, s, 1, EP_TYPE_CONTROL, default_mps(d->speed), 0, s->ep0.phys);
    c->dcbaa[id] = s->out_ctx;
    unsigned long fl = spin_lock_irqsave(&c->lock);
    c->slots[id] = s;
    spin_unlock_irqrestore(&c->lock, fl);
    cc = xhci_command(c, s->in_ctx, TRB_TYPE(TRB_ADDRESS_DEVICE) | TRB_SLOT(id), NULL);
    if (cc != CC_SUCCESS) {
        log_warn("%s: port %u: Address Device failed (code %u)", c->name, d->port, cc);
        xhci_device_detach(d);
        return -EIO;
    }
    return 0;
fail_mem:
    slot_free(s);
fail_cmd:
    xhci_command(c, 0, TRB_TYPE(TRB_DISABLE_SLOT) | TRB_SLOT(id), NULL);
    return -ENOMEM;
}

/* The slot's memory stays: an event being delivered on another CPU may still
 * point into it (a few pages per unplug; documented in docs/STATUS.md). */
void xhci_device_detach(struct usb_dev *d)
{
    struct xhci *c = d->hc;
    if (!d->slot)
        return;
    unsigned long fl = spin_lock_irqsave(&c->lock);
    struct xhci_slot *s = c->slots[d->slot];
    if (s)
        for (unsigned i = 0; i < 32; i++)
            if (s->ep[i])
                s->ep[i]->stopped = true;
    c->slots[d->slot] = NULL;
    spin_unlock_irqrestore(&c->lock, fl);
    xhci_command(c, 0, TRB_TYPE(TRB_DISABLE_SLOT) | TRB_SLOT(d->slot), NULL);
    c->dcbaa[d->slot] = 0;
    d->slot = 0;
}

int xhci_set_max_packet0(struct usb_dev *d, uint8_t mps)
{
    struct xhci *c = d->hc;
    struct xhci_slot *s = c->slots[d->slot];
    if (!s || mps == 0)
        return -EINVAL;
    in_ctx_reset(c, s, 0x2);
    ep_ctx_fill(c, s, 1, EP_TYPE_CONTROL, mps, 0, s->ep0.phys);
    uint32_t cc = xhci_command(c, s->in_ctx, TRB_TYPE(TRB_EVAL_CTX) | TRB_SLOT(d->slot), NULL);
    if (cc != CC_SUCCESS)
        return -EIO;
    d->max_packet0 = mps;
    return 0;
}

/* A halted endpoint 0 (a stalled request) is made usable again: Reset Endpoint,
 * then the dequeue pointer past the stalled transfer (§4.6.8). */
static void ep0_recover(struct xhci *c, struct xhci_slot *s, uint8_t slot)
{
    xhci_command(c, 0, TRB_TYPE(TRB_RESET_EP) | TRB_SLOT(slot) | TRB_EP(1), NULL);
    unsigned long fl = spin_lock_irqsave(&c->lock);
    uint64_t deq = (s->ep0.phys + s->ep0.enq * sizeof(struct xhci_trb)) | s->ep0.cycle;
    spin_unlock_irqrestore(&c->lock, fl);
    xhci_command(c, deq, TRB_TYPE(TRB_SET_TR_DEQ) | TRB_SLOT(slot) | TRB_EP(1), NULL);
}

int usb_control(struct usb_dev *d, uint8_t reqtype, uint8_t req, uint16_t value,
                uint16_t index, void *buf, uint16_t len)
{
    struct xhci *c = d->hc;
    struct xhci_slot *s = d->slot ? c->slots[d->slot] : NULL;
    if (!s || d->gone)
        return -ENODEV;
    if (len > PAGE_SIZE)
        return -EINVAL;
    bool in = reqtype & USB_DIR_IN;
    if (len && !in)
        memcpy(s->ctl_buf, buf, len);
    unsigned long fl = spin_lock_irqsave(&c->lock);
    s->ctl_done = false;
    s->ctl_code = 0;
    s->ctl_len = 0;
    s->ctl_req_len = len;
    s->ctl_data_trb = 0;
    uint64_t setup = reqtype | (uint64_t)req << 8 | (uint64_t)value << 16 |
                     (uint64_t)index << 32 | (uint64_t)len << 48;
    uint32_t trt = len ? (in ? 3u : 2u) << 16 : 0;
    xhci_ring_push(&s->ep0, setup, 8, TRB_TYPE(TRB_SETUP) | TRB_IDT | trt);
    if (len)
        s->ctl_data_trb = xhci_ring_push(&s->ep0, s->ctl_phys, len,
                                         TRB_TYPE(TRB_DATA) | TRB_IOC | TRB_ISP |
                                         (in ? 1u << 16 : 0));
    /* The status stage goes the other way from the data (IN when there is none). */
    s->ctl_status_trb = xhci_ring_push(&s->ep0, 0, 0, TRB_TYPE(TRB_STATUS) | TRB_IOC |
                                       (len && in ? 0 : 1u << 16));
    spin_unlock_irqrestore(&c->lock, fl);
    c->db[d->slot] = 1;
    if (!xhci_wait(c, &s->ctl_done, CTL_TIMEOUT_NS)) {
        log_warn("%s: port %u: request %#x/%u got no answer", c->name, d->port, reqtype, req);
        return -ETIMEDOUT;
    }
    if (s->ctl_code == CC_STALL) {
        ep0_recover(c, s, d->slot);
        return -EPIPE;
    }
    if (s->ctl_code != CC_SUCCESS && s->ctl_code != CC_SHORT) {
        log_warn("%s: port %u: request %#x/%u failed (code %u)", c->name, d->port, reqtype,
                 req, s->ctl_code);
        return -EIO;
    }
    uint32_t got = MIN(s->ctl_len, (uint32_t)len);
    if (in && got)
        memcpy(buf, s->ctl_buf, got);
    return (int)got;
}

bool xhci_transfer_event(struct xhci *c, const struct xhci_trb *ev, struct xhci_ep **epp,
                         size_t *len)
{
    unsigned slot = ev->control >> 24, dci = (ev->control >> 16) & 0x1f;
    uint32_t code = ev->status >> 24, residual = ev->status & 0xffffff;
    struct xhci_slot *s = slot && slot <= c->max_slots ? c->slots[slot] : NULL;
    if (!s)
        return false;
    paddr_t trb = ev->param & ~0xfull;
    if (dci == 1) {
        if (s->ctl_done)
            return false;       /* late: the waiter gave up */
        if (trb == s->ctl_data_trb && s->ctl_data_trb) {
            s->ctl_len = s->ctl_req_len - MIN(residual, s->ctl_req_len);
            if (code == CC_SUCCESS || code == CC_SHORT)
                return false;   /* the status stage follows */
        }
        s->ctl_code = code;
        __atomic_store_n(&s->ctl_done, true, __ATOMIC_RELEASE);
        return false;
    }
    struct xhci_ep *ep = s->ep[dci];
    if (!ep || ep->stopped)
        return false;
    if (code != CC_SUCCESS && code != CC_SHORT) {
        ep->stopped = true;
        log_warn("%s: slot %u endpoint %u stopped (code %u)", c->name, slot, dci, code);
        return false;
    }
    *epp = ep;
    *len = ep->maxp - MIN(residual, (uint32_t)ep->maxp);
    return true;
}

void xhci_ep_requeue(struct xhci *c, struct xhci_ep *ep)
{
    if (ep->stopped || !c->slots[ep->slot_id])
        return;
    xhci_ring_push(&ep->ring, ep->buf_phys, ep->maxp,
                   TRB_TYPE(TRB_NORMAL) | TRB_IOC | TRB_ISP);
    c->db[ep->slot_id] = ep->dci;
}

/* The endpoint context's interval: 2^n x 125 us (§6.2.3.6). */
static uint8_t ep_interval(uint8_t speed, uint8_t b)
{
    if (speed == 3 || speed == 4)       /* already an exponent, 1-based */
        return (uint8_t)MIN(MAX(b, 1) - 1, 15);
    unsigned frames = MAX(b, 1) * 8u, n = 0;    /* ms to microframes */
    while ((2u << n) <= frames)
        n++;
    return (uint8_t)MIN(MAX(n, 3u), 10u);
}

int usb_interrupt_start(struct usb_dev *d, const struct usb_hid_iface *ifc, usb_report_fn fn,
                        void *ctx_arg)
{
    struct xhci *c = d->hc;
    struct xhci_slot *s = d->slot ? c->slots[d->slot] : NULL;
    unsigned num = ifc->ep_addr & 0xf;
    if (!s || num == 0 || ifc->ep_maxp == 0 || ifc->ep_maxp > USB_HID_MAXP)
        return -EINVAL;
    unsigned dci = num * 2 + 1;
    if (s->ep[dci])
        return -EBUSY;
    struct xhci_ep *ep = kzalloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    ep->buf_phys = pmm_alloc_page();
    if (!ep->buf_phys || xhci_ring_init(&ep->ring)) {
        xhci_ring_free(&ep->ring);
        if (ep->buf_phys)
            pmm_free_page(ep->buf_phys);
        kfree(ep);
        return -ENOMEM;
    }
    ep->buf = phys_to_virt(ep->buf_phys);
    ep->slot_id = d->slot;
    ep->dci = (uint8_t)dci;
    ep->maxp = ifc->ep_maxp;
    ep->fn = fn;
    ep->ctx = ctx_arg;
    uint8_t entries = (uint8_t)MAX(s->ctx_entries, dci);
    in_ctx_reset(c, s, 1u | 1u << dci);
    uint8_t saved = s->ctx_entries;
    s->ctx_entries = entries;
    slot_ctx_fill(c, s, d);
    ep_ctx_fill(c, s, dci, EP_TYPE_INT_IN, ep->maxp, ep_interval(d->speed, ifc->ep_interval),
                ep->ring.phys);
    uint32_t cc = xhci_command(c, s->in_ctx, TRB_TYPE(TRB_CONFIG_EP) | TRB_SLOT(d->slot), NULL);
    if (cc != CC_SUCCESS) {
        s->ctx_entries = saved;
        log_warn("%s: port %u: Configure Endpoint failed (code %u)", c->name, d->port, cc);
        xhci_ring_free(&ep->ring);
        pmm_free_page(ep->buf_phys);
        kfree(ep);
        return -EIO;
    }
    unsigned long fl = spin_lock_irqsave(&c->lock);
    s->ep[dci] = ep;
    xhci_ep_requeue(c, ep);
    spin_unlock_irqrestore(&c->lock, fl);
    return 0;
}
