/* xHCI internals shared by xhci.c (controller, command and event rings) and
 * xhci_dev.c (device slots, transfers): register offsets (xHCI 1.2 §5), TRB
 * formats (§6.4) and the controller state. The API is in usb.h. */
#pragma once

#include <osc/usb.h>
#include <osc/pci.h>
#include <osc/sched.h>
#include <osc/spinlock.h>

/* Capability registers. */
#define XHCI_CAPLENGTH      0x00
#define XHCI_HCSPARAMS1     0x04
#define XHCI_HCSPARAMS2     0x08
#define XHCI_HCCPARAMS1     0x10
#define XHCI_DBOFF          0x14
#define XHCI_RTSOFF         0x18
/* Operational registers (from CAPLENGTH). */
#define XHCI_USBCMD         0x00
#define XHCI_USBSTS         0x04
#define XHCI_PAGESIZE       0x08
#define XHCI_CRCR           0x18
#define XHCI_DCBAAP         0x30
#define XHCI_CONFIG         0x38
#define XHCI_PORTSC(n)      (0x400 + 0x10 * ((n) - 1))      /* ports 1..MaxPorts */
#define CMD_RUN             (1u << 0)
#define CMD_HCRST           (1u << 1)
#define CMD_INTE            (1u << 2)
#define STS_HCH             (1u << 0)
#define STS_HSE             (1u << 2)
#define STS_EINT            (1u << 3)
#define STS_PCD             (1u << 4)
#define STS_CNR             (1u << 11)
/* PORTSC (§5.4.8): RW1C change bits, and the bits to write back unchanged. */
#define PORT_CCS            (1u << 0)
#define PORT_PED            (1u << 1)
#define PORT_PR             (1u << 4)
#define PORT_PP             (1u << 9)
#define PORT_SPEED(p)       (((p) >> 10) & 0xf)
#define PORT_CSC            (1u << 17)
#define PORT_PRC            (1u << 21)
#define PORT_CHANGES        (0x7fu << 17)
#define PORT_PRESERVE       ((1u << 0) | (1u << 3) | (0xfu << 10) | (1u << 30) | \
                             (0xfu << 5) | (1u << 9) | (3u << 14) | (7u << 25))
/* Interrupter 0 (runtime registers + 0x20). */
#define XHCI_IMAN           0x20
#define XHCI_IMOD           0x24
#define XHCI_ERSTSZ         0x28
#define XHCI_ERSTBA         0x30
#define XHCI_ERDP           0x38
#define IMAN_IP             (1u << 0)
#define IMAN_IE             (1u << 1)
#define ERDP_EHB            (1u << 3)

/* TRBs. */
struct xhci_trb {
    uint64_t param;
    uint32_t status, control;
};
_Static_assert(sizeof(struct xhci_trb) == 16, "TRB");
#define TRB_CYCLE           (1u << 0)
#define TRB_TC              (1u << 1)   /* link: toggle cycle */
#define TRB_ISP             (1u << 2)
#define TRB_IOC             (1u << 5)
#define TRB_IDT             (1u << 6)
#define TRB_TYPE(t)         ((uint32_t)(t) << 10)
#define TRB_GET_TYPE(c)     (((c) >> 10) & 0x3f)
#define TRB_NORMAL          1
#define TRB_SETUP           2
#define TRB_DATA            3
#define TRB_STATUS          4
#define TRB_LINK            6
#define TRB_ENABLE_SLOT     9
#define TRB_DISABLE_SLOT    10
#define TRB_ADDRESS_DEVICE  11
#define TRB_CONFIG_EP       12
#define TRB_EVAL_CTX        13
#define TRB_RESET_EP        14
#define TRB_SET_TR_DEQ      16
#define TRB_EV_TRANSFER     32
#define TRB_EV_CMD          33
#define TRB_EV_PORT         34
#define TRB_SLOT(s)         ((uint32_t)(s) << 24)
#define TRB_EP(e)           ((uint32_t)(e) << 16)
#define CC_SUCCESS          1
#define CC_STALL            6
#define CC_SHORT            13
#define CC_TIMEOUT          0x100       /* ours: no completion */

#define XHCI_RING_TRBS      256         /* one page, the last a link back */
#define XHCI_MAX_SLOTS      32
#define XHCI_MAX_PORTS      63      /* bits 1..63 of a pending mask */
#define NS_PER_MS           1000000ull
#define NS_PER_S            1000000000ull
#define XHCI_CMD_TIMEOUT_NS (2 * NS_PER_S)

struct xhci_ring {
    struct xhci_trb *trb;
    paddr_t phys;
    unsigned enq;
    uint32_t cycle;
};

/* An interrupt IN endpoint with its one queued transfer. */
struct xhci_ep {
    struct xhci_ring ring;
    uint8_t slot_id, dci;
    uint16_t maxp;
    uint8_t *buf;               /* maxp bytes of DMA memory */
    paddr_t buf_phys;
    usb_report_fn fn;
    void *ctx;
    bool stopped;               /* an error ended it: nothing is queued */
};

/* A device slot: contexts, endpoint 0's ring and control-transfer state (the
 * completion fields under the controller's lock). */
struct xhci_slot {
    struct usb_dev *udev;
    paddr_t in_ctx, out_ctx;
    struct xhci_ring ep0;
    uint8_t *ctl_buf;           /* a page for control data */
    paddr_t ctl_phys;
    paddr_t ctl_data_trb, ctl_status_trb;
    bool ctl_done;
    uint32_t ctl_code, ctl_len, ctl_req_len;
    uint8_t ctx_entries;        /* highest DCI configured */
    struct xhci_ep *ep[32];     /* by DCI */
};

struct xhci {
    struct pci_dev *pci;
    char name[16];              /* the PCI address */
    unsigned busnum;            /* Linux's USB bus number: 1, 2, ... in probe order */
    volatile uint8_t *cap, *op, *rt;
    volatile uint32_t *db;
    unsigned max_slots, max_ports, ctx_size;
    bool irq;                   /* MSI/MSI-X works; otherwise the hub thread polls */
    /* Rank 66 (docs/locking.md): the command ring, every transfer ring, the event
     * ring cursor and the completion fields of commands and control transfers. */
    spinlock_t lock;
    uint64_t *dcbaa;
    struct xhci_ring cmd;
    paddr_t cmd_trb;            /* the pending command's TRB, 0 when none */
    bool cmd_done;
    uint32_t cmd_code, cmd_slot;
    struct xhci_trb *ev;
    paddr_t ev_phys;
    unsigned ev_idx;
    uint32_t ev_cycle;
    struct xhci_slot *slots[XHCI_MAX_SLOTS + 1];
    /* Ports with a status change the hub thread has not looked at (under wq.lock). */
    struct waitqueue wq;
    uint64_t port_pending;
    bool enumerated;            /* the first pass over the ports is done */
    struct usb_dev *port_dev[XHCI_MAX_PORTS + 1];   /* the hub thread's only */
    struct xhci *next;
};

static inline uint32_t xhci_rd(volatile uint8_t *base, uint32_t off)
{
    return *(volatile uint32_t *)(base + off);
}
static inline void xhci_wr(volatile uint8_t *base, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}
static inline void xhci_wr64(volatile uint8_t *base, uint32_t off, uint64_t v)
{
    xhci_wr(base, off, (uint32_t)v);
    xhci_wr(base, off + 4, (uint32_t)(v >> 32));
}

/* xhci.c */
extern struct xhci *xhci_controllers;
int xhci_ring_init(struct xhci_ring *r);
void xhci_ring_free(struct xhci_ring *r);
/* Queues one TRB (the cycle bit added); returns its address. Under c->lock. */
paddr_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control);
/* Runs a command and waits for its completion (bounded): the completion code
 * (CC_TIMEOUT when none came), the slot id of the event in *slot. Hub thread only. */
uint32_t xhci_command(struct xhci *c, uint64_t param, uint32_t control, uint32_t *slot);
/* Handles every pending event; from the interrupt, and from waiters when
 * interrupts are not available. */
void xhci_process_events(struct xhci *c);
/* Waits (bounded by timeout_ns, polling events) until *flag is set under c->lock. */
bool xhci_wait(struct xhci *c, volatile bool *flag, uint64_t timeout_ns);
/* Resets root port port (1-based) and reports whether it is enabled, its speed. */
int xhci_port_reset(struct xhci *c, unsigned port, uint8_t *speed);

/* xhci_dev.c: a transfer event for slot/dci (under c->lock). Returns a report to
 * deliver outside the lock (*ep, *len), or false. */
bool xhci_transfer_event(struct xhci *c, const struct xhci_trb *ev, struct xhci_ep **ep,
                         size_t *len);
/* Requeues ep's transfer after its report was delivered. */
void xhci_ep_requeue(struct xhci *c, struct xhci_ep *ep);
