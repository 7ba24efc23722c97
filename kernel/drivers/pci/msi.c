/* Message-signalled interrupts: MSI-X (a table of address/data/mask entries in a
 * memory BAR; PCI 3.0 §6.8.2) preferred, MSI (one message in config space, §6.8.1)
 * as the fallback. Each index gets its own CPU vector from the arch allocator and
 * a message aimed at one CPU (arch_msi_message). */

#define LOG_TAG "pci"
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>

/* MSI-X capability (PCI 3.0 §6.8.2.3-5). */
#define MSIX_FLAGS          2
#define MSIX_FLAGS_QSIZE    0x07ff      /* table size - 1 */
#define MSIX_FLAGS_MASKALL  0x4000
#define MSIX_FLAGS_ENABLE   0x8000
#define MSIX_TABLE          4           /* offset | BAR indicator in bits 2:0 */
#define MSIX_BIR_MASK       0x7
#define MSIX_ENTRY_SIZE     16
#define MSIX_ENTRY_ADDR_LO  0           /* in 32-bit words */
#define MSIX_ENTRY_ADDR_HI  1
#define MSIX_ENTRY_DATA     2
#define MSIX_ENTRY_CTRL     3
#define MSIX_ENTRY_MASKED   0x1

/* MSI capability (§6.8.1.3-6). */
#define MSI_FLAGS           2
#define MSI_FLAGS_ENABLE    0x0001
#define MSI_FLAGS_QSIZE     0x0070      /* multiple message enable: 0 = one */
#define MSI_FLAGS_64BIT     0x0080
#define MSI_FLAGS_MASKBIT   0x0100
#define MSI_ADDR_LO         4
#define MSI_ADDR_HI         8
#define MSI_DATA_32         8
#define MSI_DATA_64         12
#define MSI_MASK_32         12
#define MSI_MASK_64         16

static volatile uint32_t *msix_entry(struct pci_irqs *q, unsigned idx)
{
    return q->table + idx * (MSIX_ENTRY_SIZE / 4);
}

static int msix_alloc(struct pci_dev *d, struct pci_irqs *q, unsigned max)
{
    uint8_t cap = d->msix_cap;
    uint16_t flags = pci_read16(d, cap + MSIX_FLAGS);
    unsigned size = (flags & MSIX_FLAGS_QSIZE) + 1u;
    uint32_t tbl = pci_read32(d, cap + MSIX_TABLE);
    q->table = pci_map_bar(d, (int)(tbl & MSIX_BIR_MASK), tbl & ~MSIX_BIR_MASK,
                           (uint64_t)size * MSIX_ENTRY_SIZE);
    if (!q->table)
        return -EIO;
    q->count = size < max ? size : max;
    /* Enabled with the function masked, each entry masked, then the function
     * unmasked: nothing fires before its entry is programmed. */
    pci_write16(d, cap + MSIX_FLAGS, flags | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
    for (unsigned i = 0; i < size; i++)
        msix_entry(q, i)[MSIX_ENTRY_CTRL] |= MSIX_ENTRY_MASKED;
    pci_write16(d, cap + MSIX_FLAGS, (flags | MSIX_FLAGS_ENABLE) & ~MSIX_FLAGS_MASKALL);
    q->mode = PCI_IRQ_MSIX;
    return 0;
}

static void msi_set_mask(struct pci_dev *d, bool masked)
{
    uint8_t cap = d->msi_cap;
    uint16_t flags = pci_read16(d, cap + MSI_FLAGS);
    if (!(flags & MSI_FLAGS_MASKBIT))
        return;
    uint16_t off = cap + (flags & MSI_FLAGS_64BIT ? MSI_MASK_64 : MSI_MASK_32);
    uint32_t m = pci_read32(d, off);
    pci_write32(d, off, masked ? m | 1u : m & ~1u);
}

int pci_irq_alloc(struct pci_dev *d, unsigned max)
{
    if (d->irqs)
        return (int)d->irqs->count;
    if (!max || (!d->msix_cap && !d->msi_cap))
        return -ENODEV;
    struct pci_irqs *q = kzalloc(sizeof(*q));
    if (!q)
        return -ENOMEM;
    if (max > PCI_IRQ_MAX)
        max = PCI_IRQ_MAX;
    int err = -ENODEV;
    if (d->msix_cap)
        err = msix_alloc(d, q, max);
    if (err && d->msi_cap) {
        /* One message: multi-message MSI needs aligned vector blocks. */
        uint16_t flags = pci_read16(d, d->msi_cap + MSI_FLAGS);
        pci_write16(d, d->msi_cap + MSI_FLAGS, flags & ~(MSI_FLAGS_QSIZE | MSI_FLAGS_ENABLE));
        msi_set_mask(d, true);
        q->mode = PCI_IRQ_MSI;
        q->count = 1;
        err = 0;
    }
    if (err) {
        kfree(q);
        return err;
    }
    /* Messages replace the INTx pin (PCI 3.0 §6.8: a function using MSI must not
     * also assert INTx); disabling it too keeps a stray level line quiet. */
    pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
    d->irqs = q;
    log_debug("%s: %s with %u vectors", d->name, q->mode == PCI_IRQ_MSIX ? "MSI-X" : "MSI",
              q->count);
    return (int)q->count;
}

void pci_irq_mask(struct pci_dev *d, unsigned idx, bool masked)
{
    struct pci_irqs *q = d->irqs;
    if (!q || idx >= q->count)
        return;
    if (q->mode == PCI_IRQ_MSIX) {
        volatile uint32_t *e = msix_entry(q, idx);
        e[MSIX_ENTRY_CTRL] = masked ? e[MSIX_ENTRY_CTRL] | MSIX_ENTRY_MASKED
                                    : e[MSIX_ENTRY_CTRL] & ~MSIX_ENTRY_MASKED;
        (void)e[MSIX_ENTRY_CTRL];       /* flush the posted write */
    } else {
        msi_set_mask(d, masked);
    }
}

int pci_irq_setup(struct pci_dev *d, unsigned idx, irq_handler_fn fn, void *ctx, unsigned cpu)
{
    struct pci_irqs *q = d->irqs;
    if (!q || idx >= q->count || q->vector[idx])
        return -EINVAL;
    int vec = irq_alloc_vector(fn, ctx);
    if (vec < 0)
        return vec;
    uint64_t addr;
    uint32_t data;
    int err = arch_msi_message(cpu, (uint8_t)vec, &addr, &data);
    if (err) {
        irq_free_vector((uint8_t)vec);
        return err;
    }
    q->vector[idx] = (uint8_t)vec;
    if (q->mode == PCI_IRQ_MSIX) {
        volatile uint32_t *e = msix_entry(q, idx);
        e[MSIX_ENTRY_CTRL] |= MSIX_ENTRY_MASKED;
        e[MSIX_ENTRY_ADDR_LO] = (uint32_t)addr;
        e[MSIX_ENTRY_ADDR_HI] = (uint32_t)(addr >> 32);
        e[MSIX_ENTRY_DATA] = data;
    } else {
        uint8_t cap = d->msi_cap;
        uint16_t flags = pci_read16(d, cap + MSI_FLAGS);
        pci_write32(d, cap + MSI_ADDR_LO, (uint32_t)addr);
        if (flags & MSI_FLAGS_64BIT) {
            pci_write32(d, cap + MSI_ADDR_HI, (uint32_t)(addr >> 32));
            pci_write16(d, cap + MSI_DATA_64, (uint16_t)data);
        } else {
            pci_write16(d, cap + MSI_DATA_32, (uint16_t)data);
        }
        pci_write16(d, cap + MSI_FLAGS, flags | MSI_FLAGS_ENABLE);
    }
    pci_irq_mask(d, idx, false);
    log_debug("%s: index %u -> vector %#x on CPU %u", d->name, idx, vec, cpu);
    return 0;
}

void pci_irq_free(struct pci_dev *d)
{
    struct pci_irqs *q = d->irqs;
    if (!q)
        return;
    for (unsigned i = 0; i < q->count; i++) {
        pci_irq_mask(d, i, true);
        if (q->vector[i])
            irq_free_vector(q->vector[i]);
    }
    if (q->mode == PCI_IRQ_MSIX) {
        uint16_t f = pci_read16(d, d->msix_cap + MSIX_FLAGS);
        pci_write16(d, d->msix_cap + MSIX_FLAGS, f & ~MSIX_FLAGS_ENABLE);
    } else {
        uint16_t f = pci_read16(d, d->msi_cap + MSI_FLAGS);
        pci_write16(d, d->msi_cap + MSI_FLAGS, f & ~MSI_FLAGS_ENABLE);
    }
    /* The table mapping stays: the MMIO area has no unmap-and-reuse yet. */
    d->irqs = NULL;
    kfree(q);
}
