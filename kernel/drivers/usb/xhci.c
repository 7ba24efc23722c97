/* xHCI host controller (xHCI 1.2), PCI class 0c/03/30: BIOS hand-off, halt and
 * reset bounded by wall-clock timeouts, DCBAA and scratchpad buffers, the command
 * ring, one event ring on interrupter 0 (MSI-X or MSI; polled by the waiters and
 * the hub thread when neither works), root port reset. Devices: xhci_dev.c and
 * usb.c. */

#define LOG_TAG "xhci"
#include "xhci.h"
#include <osc/arch.h>
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>

#define HANDOFF_TIMEOUT_NS  (1 * NS_PER_S)
#define HALT_TIMEOUT_NS     (100 * NS_PER_MS)
#define RESET_TIMEOUT_NS    (1 * NS_PER_S)
#define PORT_RESET_TIMEOUT_NS (500 * NS_PER_MS)
#define XECP_LEGACY         1
#define LEGACY_BIOS_OWNED   (1u << 16)
#define LEGACY_OS_OWNED     (1u << 24)

struct xhci *xhci_controllers;

int xhci_ring_init(struct xhci_ring *r)
{
    r->phys = pmm_alloc_page();
    if (!r->phys)
        return -ENOMEM;
    r->trb = phys_to_virt(r->phys);
    r->enq = 0;
    r->cycle = 1;
    /* The last TRB links back to the first and flips the cycle state. */
    r->trb[XHCI_RING_TRBS - 1].param = r->phys;
    r->trb[XHCI_RING_TRBS - 1].control = TRB_TYPE(TRB_LINK) | TRB_TC;
    return 0;
}

void xhci_ring_free(struct xhci_ring *r)
{
    if (r->phys)
        pmm_free_page(r->phys);
    r->phys = 0;
    r->trb = NULL;
}

paddr_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control)
{
    struct xhci_trb *t = &r->trb[r->enq];
    paddr_t at = r->phys + r->enq * sizeof(*t);
    t->param = param;
    t->status = status;
    /* The cycle bit hands the TRB to the controller: written last. */
    __atomic_store_n(&t->control, (control & ~TRB_CYCLE) | r->cycle, __ATOMIC_RELEASE);
    if (++r->enq == XHCI_RING_TRBS - 1) {
        struct xhci_trb *link = &r->trb[r->enq];
        __atomic_store_n(&link->control, TRB_TYPE(TRB_LINK) | TRB_TC | r->cycle,
                         __ATOMIC_RELEASE);
        r->enq = 0;
        r->cycle ^= 1;
    }
    return at;
}

/* Polls reg until (value & mask) == want or the deadline: true when it got there. */
static bool wait_reg(volatile uint8_t *base, uint32_t off, uint32_t mask, uint32_t want,
                     uint64_t timeout_ns)
{
    uint64_t deadline = time_ns() + timeout_ns;
    for (;;) {
        uint32_t v = xhci_rd(base, off);
        if (v == 0xffffffffu)
            return false;       /* the device is gone */
        if ((v & mask) == want)
            return true;
        if (time_ns() > deadline)
            return false;
        thread_sleep_ns(NS_PER_MS);
    }
}

static void wake_hub(struct xhci *c, uint64_t ports)
{
    unsigned long fl = spin_lock_irqsave(&c->wq.lock);
    c->port_pending |= ports;
    spin_unlock_irqrestore(&c->wq.lock, fl);
    waitqueue_wake_all(&c->wq);
}

void xhci_process_events(struct xhci *c)
{
    struct { struct xhci_ep *ep; size_t len; } out[16];
    for (;;) {
        unsigned n = 0;
        uint64_t ports = 0;
        unsigned long fl = spin_lock_irqsave(&c->lock);
        while (n < 16) {
            struct xhci_trb *e = &c->ev[c->ev_idx];
            uint32_t ctl = __atomic_load_n(&e->control, __ATOMIC_ACQUIRE);
            if ((ctl & TRB_CYCLE) != c->ev_cycle)
                break;
            switch (TRB_GET_TYPE(ctl)) {
            case TRB_EV_CMD:
                if (c->cmd_trb && (e->param & ~0xfull) == c->cmd_trb) {
                    c->cmd_code = e->status >> 24;
                    c->cmd_slot = ctl >> 24;
                    c->cmd_done = true;
                    c->cmd_trb = 0;
                }
                break;
            case TRB_EV_TRANSFER:
                if (xhci_transfer_event(c, e, &out[n].ep, &out[n].len))
                    n++;
                break;
            case TRB_EV_PORT: {
                unsigned port = (unsigned)(e->param >> 24) & 0xff;
                if (port >= 1 && port <= c->max_ports)
                    ports |= 1ull << port;
                break;
            }
            }
            if (++c->ev_idx == XHCI_RING_TRBS) {
                c->ev_idx = 0;
                c->ev_cycle ^= 1;
            }
        }
        xhci_wr64(c->rt, XHCI_ERDP, (c->ev_phys + c->ev_idx * sizeof(struct xhci_trb)) | ERDP_EHB);
        spin_unlock_irqrestore(&c->lock, fl);
        if (ports)
            wake_hub(c, ports);
        /* Reports go out without the lock (the input layer ranks above it); each
         * endpoint has one transfer queued, so nothing else touches its buffer. */
        for (unsigned i = 0; i < n; i++) {
            out[i].ep->fn(out[i].ep->ctx, out[i].ep->buf, out[i].len);
            fl = spin_lock_irqsave(&c->lock);
            xhci_ep_requeue(c, out[i].ep);
            spin_unlock_irqrestore(&c->lock, fl);
        }
        if (n < 16)
            return;
    }
}

static void xhci_irq(struct irq_frame *frame, void *ctx)
{
    (void)frame;
    struct xhci *c = ctx;
    xhci_wr(c->op, XHCI_USBSTS, STS_EINT);
    xhci_wr(c->rt, XHCI_IMAN, IMAN_IE | IMAN_IP);
    xhci_process_events(c);
}

bool xhci_wait(struct xhci *c, volatile bool *flag, uint64_t timeout_ns)
{
    uint64_t deadline = time_ns() + timeout_ns;
    for (;;) {
        if (!c->irq)
            xhci_process_events(c);
        if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
            return true;
        if (time_ns() > deadline) {
            /* A lost interrupt must not fail a command: look once more. */
            xhci_process_events(c);
            return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
        }
        thread_sleep_ns(NS_PER_MS);
    }
}

uint32_t xhci_command(struct xhci *c, uint64_t param, uint32_t control, uint32_t *slot)
{
    unsigned long fl = spin_lock_irqsave(&c->lock);
    c->cmd_done = false;
    c->cmd_trb = xhci_ring_push(&c->cmd, param, 0, control);
    spin_unlock_irqrestore(&c->lock, fl);
    c->db[0] = 0;
    if (!xhci_wait(c, &c->cmd_done, XHCI_CMD_TIMEOUT_NS)) {
        fl = spin_lock_irqsave(&c->lock);
        c->cmd_trb = 0;         /* a late completion is ignored */
        spin_unlock_irqrestore(&c->lock, fl);
        log_warn("%s: command %u got no completion in %llu s", c->name,
                 TRB_GET_TYPE(control), (unsigned long long)(XHCI_CMD_TIMEOUT_NS / NS_PER_S));
        return CC_TIMEOUT;
    }
    if (slot)
        *slot = c->cmd_slot;
    return c->cmd_code;
}

int xhci_port_reset(struct xhci *c, unsigned port, uint8_t *speed)
{
    uint32_t sc = xhci_rd(c->op, XHCI_PORTSC(port));
    if (!(sc & PORT_CCS))
        return -ENODEV;
    /* USB 3 ports enable themselves once the link trains; USB 2 ones need a reset. */
    if (!(sc & PORT_PED)) {
        xhci_wr(c->op, XHCI_PORTSC(port), (sc & PORT_PRESERVE) | PORT_PR);
        if (!wait_reg(c->op, XHCI_PORTSC(port), PORT_PRC, PORT_PRC, PORT_RESET_TIMEOUT_NS)) {
            log_warn("%s: port %u: reset did not complete", c->name, port);
            return -ETIMEDOUT;
        }
        sc = xhci_rd(c->op, XHCI_PORTSC(port));
        xhci_wr(c->op, XHCI_PORTSC(port), (sc & PORT_PRESERVE) | PORT_PRC);
        /* Devices need 10 ms of recovery after reset (USB 2.0 §7.1.7.5). */
        thread_sleep_ns(10 * NS_PER_MS);
        sc = xhci_rd(c->op, XHCI_PORTSC(port));
    }
    if (!(sc & PORT_CCS) || !(sc & PORT_PED)) {
        log_warn("%s: port %u: not enabled after reset (PORTSC %#x)", c->name, port, sc);
        return -EIO;
    }
    *speed = (uint8_t)PORT_SPEED(sc);
    return 0;
}

/* The BIOS may own the controller (USB legacy support, §7.1): ask for it. */
static void bios_handoff(struct xhci *c, uint32_t hcc)
{
    uint32_t off = (hcc >> 16) * 4;
    uint64_t bar = c->pci->bars[0].size;
    for (int n = 0; off && off + 8 <= bar && n < 64; n++) {
        uint32_t v = xhci_rd(c->cap, off);
        if ((v & 0xff) == XECP_LEGACY) {
            if (v & LEGACY_BIOS_OWNED) {
                xhci_wr(c->cap, off, v | LEGACY_OS_OWNED);
                if (!wait_reg(c->cap, off, LEGACY_BIOS_OWNED, 0, HANDOFF_TIMEOUT_NS))
                    log_warn("%s: BIOS did not release the controller; taking it", c->name);
            }
            /* No more SMIs for USB events. */
            xhci_wr(c->cap, off + 4, xhci_rd(c->cap, off + 4) & 0x1f1fee);
            return;
        }
        uint32_t next = (v >> 8) & 0xff;
        off = next ? off + next * 4 : 0;
    }
}

static int ctrl_reset(struct xhci *c)
{
    uint32_t cmd = xhci_rd(c->op, XHCI_USBCMD);
    if (cmd & CMD_RUN) {
        xhci_wr(c->op, XHCI_USBCMD, cmd & ~CMD_RUN);
        if (!wait_reg(c->op, XHCI_USBSTS, STS_HCH, STS_HCH, HALT_TIMEOUT_NS)) {
            log_warn("%s: controller does not halt", c->name);
            return -ETIMEDOUT;
        }
    }
    xhci_wr(c->op, XHCI_USBCMD, CMD_HCRST);
    if (!wait_reg(c->op, XHCI_USBCMD, CMD_HCRST, 0, RESET_TIMEOUT_NS) ||
        !wait_reg(c->op, XHCI_USBSTS, STS_CNR, 0, RESET_TIMEOUT_NS)) {
        log_warn("%s: controller reset did not complete", c->name);
        return -ETIMEDOUT;
    }
    return 0;
}

/* DCBAA, scratchpads, command and event rings: 0 or -ENOMEM (what was
 * allocated stays with the failed controller). */
static int ctrl_memory(struct xhci *c, uint32_t hcs2)
{
    paddr_t dcbaa = pmm_alloc_page();
    if (!dcbaa)
        return -ENOMEM;
    c->dcbaa = phys_to_virt(dcbaa);
    unsigned nscratch = ((hcs2 >> 27) & 0x1f) | ((hcs2 >> 21) & 0x1f) << 5;
    if (nscratch) {
        if (nscratch > PAGE_SIZE / 8)
            return -EINVAL;
        paddr_t arr = pmm_alloc_page();
        if (!arr)
            return -ENOMEM;
        uint64_t *a = phys_to_virt(arr);
        for (unsigned i = 0; i < nscratch; i++)
            if (!(a[i] = pmm_alloc_page()))
                return -ENOMEM;
        c->dcbaa[0] = arr;
    }
    if (xhci_ring_init(&c->cmd))
        return -ENOMEM;
    /* The event ring: one segment of a page, described by a one-entry table. */
    paddr_t ev = pmm_alloc_page(), erst = pmm_alloc_page();
    if (!ev || !erst)
        return -ENOMEM;
    c->ev = phys_to_virt(ev);
    c->ev_phys = ev;
    c->ev_cycle = 1;
    uint64_t *e = phys_to_virt(erst);
    e[0] = ev;
    e[1] = XHCI_RING_TRBS;
    xhci_wr64(c->op, XHCI_DCBAAP, dcbaa);
    xhci_wr64(c->op, XHCI_CRCR, c->cmd.phys | 1);   /* RCS = 1 */
    xhci_wr(c->rt, XHCI_ERSTSZ, 1);
    xhci_wr64(c->rt, XHCI_ERDP, ev);
    xhci_wr64(c->rt, XHCI_ERSTBA, erst);
    return 0;
}

static int xhci_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
    (void)id;
    if (pci->bars[0].size < 0x1000)
        return -ENODEV;
    struct xhci *c = kzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->pci = pci;
    ksnprintf(c->name, sizeof(c->name), "%s", pci->name);
    spin_init(&c->lock, "xhci", 66);
    waitqueue_init(&c->wq);
    int err = -ENODEV;
    c->cap = pci_map_bar(pci, 0, 0, pci->bars[0].size);
    if (!c->cap)
        goto fail;
    pci_enable_device(pci);
    uint32_t caplen = xhci_rd(c->cap, XHCI_CAPLENGTH) & 0xff;
    uint32_t hcs1 = xhci_rd(c->cap, XHCI_HCSPARAMS1), hcs2 = xhci_rd(c->cap, XHCI_HCSPARAMS2);
    uint32_t hcc = xhci_rd(c->cap, XHCI_HCCPARAMS1);
    uint32_t dboff = xhci_rd(c->cap, XHCI_DBOFF) & ~3u, rtsoff = xhci_rd(c->cap, XHCI_RTSOFF) & ~0x1fu;
    uint64_t bar = pci->bars[0].size;
    c->max_ports = MIN((hcs1 >> 24) & 0xff, (unsigned)XHCI_MAX_PORTS);
    c->max_slots = MIN(hcs1 & 0xff, (unsigned)XHCI_MAX_SLOTS);
    c->ctx_size = hcc & (1u << 2) ? 64 : 32;
    /* Every register block must lie inside the BAR (the device could lie). */
    if (hcs1 == 0xffffffffu || caplen < 0x20 || caplen + XHCI_PORTSC(c->max_ports + 1) > bar ||
        rtsoff + 0x40 > bar || dboff + 4ull * (c->max_slots + 1) > bar || !c->max_slots) {
        log_warn("%s: register layout does not fit BAR0 (%#llx bytes)", pci->name,
                 (unsigned long long)bar);
        goto fail;
    }
    /* Without AC64 every structure must lie below 4 GiB, which the frame
     * allocator cannot promise. */
    if (!(hcc & 1) && pmm_ram_end() > (1ull << 32)) {
        log_warn("%s: 32-bit addressing only, with RAM above 4 GiB: not supported", pci->name);
        goto fail;
    }
    if (!(xhci_rd(c->cap + caplen, XHCI_PAGESIZE) & 1)) {
        log_warn("%s: 4 KiB pages not supported", pci->name);
        goto fail;
    }
    c->op = c->cap + caplen;
    c->rt = c->cap + rtsoff;
    c->db = (volatile uint32_t *)(c->cap + dboff);
    bios_handoff(c, hcc);
    if ((err = ctrl_reset(c)))
        goto fail;
    xhci_wr(c->op, XHCI_CONFIG, c->max_slots);
    if ((err = ctrl_memory(c, hcs2)))
        goto fail;
    /* xhci.poll on the command line: no interrupt (tests the polled path). */
    int nvec = cmdline_has("xhci.poll") ? -ENODEV : pci_irq_alloc(pci, 1);
    c->irq = nvec >= 1 && pci_irq_setup(pci, 0, xhci_irq, c, 0) == 0;
    if (!c->irq)
        log_warn("%s: no MSI/MSI-X (%d): polling", pci->name, nvec);
    xhci_wr(c->rt, XHCI_IMOD, 160);     /* at most one interrupt each 40 us */
    xhci_wr(c->rt, XHCI_IMAN, IMAN_IE | IMAN_IP);
    xhci_wr(c->op, XHCI_USBCMD, CMD_RUN | (c->irq ? CMD_INTE : 0));
    if (!wait_reg(c->op, XHCI_USBSTS, STS_HCH, 0, HALT_TIMEOUT_NS)) {
        log_warn("%s: controller does not start", pci->name);
        err = -ETIMEDOUT;
        goto fail;
    }
    uint32_t ver = xhci_rd(c->cap, XHCI_CAPLENGTH) >> 16;
    log_info("%s: xHCI %x.%02x, %u ports, %u slots, %s", pci->name, ver >> 8, ver & 0xff,
             c->max_ports, c->max_slots,
             !c->irq ? "polled" : pci->irqs->mode == PCI_IRQ_MSIX ? "MSI-X" : "MSI");
    static unsigned nbus;
    c->busnum = ++nbus;
    c->next = xhci_controllers;
    xhci_controllers = c;
    return 0;
fail:
    /* Memory handed to the controller stays: it may still be using it. */
    if (c->op)
        xhci_wr(c->op, XHCI_USBCMD, 0);
    log_warn("%s: xHCI controller not used (%d)", pci->name, err);
    if (!c->dcbaa)
        kfree(c);       /* nothing of it was handed to the device */
    return err;
}

static const struct pci_device_id xhci_ids[] = {
    { PCI_ANY_ID, PCI_ANY_ID, 0x0c0330, 0xffffff },
    { 0 },
};
PCI_DRIVER(xhci) = { .name = "xhci", .ids = xhci_ids, .probe = xhci_probe };
