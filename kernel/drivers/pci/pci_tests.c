/* PCI KTESTs on the test machine (QEMU q35): enumeration found the chipset through
 * the configured access method, and the driver model calls probe for matches only. */

#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/pci.h>
#include <osc/percpu.h>

#define Q35_VENDOR      0x8086
#define Q35_HOST_BRIDGE 0x29c0          /* MCH, 00:00.0 */
#define Q35_LPC         0x2918          /* ISA bridge, 00:1f.0 */

static struct pci_dev *find(uint16_t vendor, uint16_t device)
{
    for (size_t i = 0; i < pci_device_count(); i++) {
        struct pci_dev *d = pci_device_at(i);
        if (d->vendor == vendor && d->device == device)
            return d;
    }
    return NULL;
}

KTEST(pci_enumeration_finds_the_q35_chipset_in_order)
{
    KT_ASSERT(pci_device_count() >= 4);
    struct pci_dev *host = find(Q35_VENDOR, Q35_HOST_BRIDGE);
    KT_ASSERT(host != NULL);
    KT_ASSERT_EQ(host->bus, 0);
    KT_ASSERT_EQ(host->dev, 0);
    KT_ASSERT_EQ(host->class, 0x060000);
    KT_ASSERT(strcmp(host->name, "0000:00:00.0") == 0);
    struct pci_dev *lpc = find(Q35_VENDOR, Q35_LPC);
    KT_ASSERT(lpc != NULL);
    KT_ASSERT(lpc->multifunction);      /* 1f.0, 1f.2 (SATA), 1f.3 (SMBus) */
    KT_ASSERT_EQ(pci_read16(lpc, PCI_VENDOR_ID), Q35_VENDOR);
    for (size_t i = 1; i < pci_device_count(); i++) {
        struct pci_dev *a = pci_device_at(i - 1), *b = pci_device_at(i);
        KT_ASSERT((a->bus << 8 | a->dev << 3 | a->fn) < (b->bus << 8 | b->dev << 3 | b->fn));
    }
    /* An absent function reads all ones. */
    KT_ASSERT_EQ(pci_cfg_read(0, 31, 7, PCI_VENDOR_ID, 2), 0xffff);
}

static int probes, refusals;
static struct pci_dev *probed;

static int probe_accept(struct pci_dev *d, const struct pci_device_id *id)
{
    (void)id;
    probes++;
    probed = d;
    return 0;
}

static int probe_refuse(struct pci_dev *d, const struct pci_device_id *id)
{
    (void)d; (void)id;
    refusals++;
    return -ENODEV;
}

KTEST(pci_driver_probe_runs_for_matches_and_a_refusal_leaves_the_device_free)
{
    static const struct pci_device_id host_ids[] = {
        { Q35_VENDOR, Q35_HOST_BRIDGE, 0, 0 }, { 0 } };
    static const struct pci_device_id isa_class[] = {
        { PCI_ANY_ID, PCI_ANY_ID, 0x060100, 0xffff00 }, { 0 } };
    static const struct pci_device_id nothing[] = { { 0x1, 0x1, 0, 0 }, { 0 } };
    const struct pci_driver drivers[] = {
        { "ktest-none", nothing, probe_accept },
        { "ktest-refuse", host_ids, probe_refuse },
        { "ktest-host", host_ids, probe_accept },
    };
    struct pci_dev *host = find(Q35_VENDOR, Q35_HOST_BRIDGE);
    KT_ASSERT(host != NULL && host->driver == NULL);
    probes = refusals = 0;
    pci_probe_drivers(drivers, drivers + 3);
    KT_ASSERT_EQ(refusals, 1);
    KT_ASSERT_EQ(probes, 1);
    KT_ASSERT(probed == host);
    KT_ASSERT(host->driver == &drivers[2]);
    host->driver = NULL;                /* the array dies with this frame */
    const struct pci_driver by_class[] = { { "ktest-isa", isa_class, probe_accept } };
    probes = 0;
    pci_probe_drivers(by_class, by_class + 1);
    KT_ASSERT_EQ(probes, 1);
    KT_ASSERT(probed == find(Q35_VENDOR, Q35_LPC));
    probed->driver = NULL;
}

static void msi_test_handler(struct irq_frame *f, void *ctx) { (void)f; (void)ctx; }

/* The MSI fallback on a device that has MSI but no MSI-X and no driver (q35's AHCI
 * controller): one vector, the message in config space aimed at the boot CPU,
 * enabled; freeing turns it off again. The device is never told to interrupt. */
KTEST(pci_msi_fallback_programs_one_message_and_frees_it)
{
    struct pci_dev *d = NULL;
    for (size_t i = 0; i < pci_device_count() && !d; i++) {
        struct pci_dev *c = pci_device_at(i);
        if (c->msi_cap && !c->msix_cap && !c->driver && !c->irqs)
            d = c;
    }
    KT_ASSERT(d != NULL);               /* q35 always has its AHCI at 00:1f.2 */
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    KT_ASSERT_EQ(pci_irq_alloc(d, 4), 1);
    KT_ASSERT(d->irqs && d->irqs->mode == PCI_IRQ_MSI);
    KT_ASSERT_EQ(pci_irq_setup(d, 1, msi_test_handler, NULL, 0), -EINVAL);
    KT_ASSERT_EQ(pci_irq_setup(d, 0, msi_test_handler, NULL, 0), 0);
    uint8_t vec = d->irqs->vector[0];
    uint16_t flags = pci_read16(d, d->msi_cap + 2);
    KT_ASSERT(flags & 1);                               /* MSI enable */
    KT_ASSERT_EQ(pci_read32(d, d->msi_cap + 4), 0xfee00000u | cpus[0].apic_id << 12);
    uint16_t data_off = d->msi_cap + ((flags & 0x80) ? 12 : 8);
    KT_ASSERT_EQ(pci_read16(d, data_off), vec);
    pci_irq_free(d);
    KT_ASSERT(d->irqs == NULL);
    KT_ASSERT(!(pci_read16(d, d->msi_cap + 2) & 1));
    KT_ASSERT_EQ(irq_register(vec, msi_test_handler, NULL), 0);    /* the vector is free */
    irq_unregister(vec);
    pci_write16(d, PCI_COMMAND, cmd);                   /* INTx as it was */
}
