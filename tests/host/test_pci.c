/* host-test: kernel/drivers/pci/pci_decode.c */
/* PCI pure logic: BAR sizing arithmetic on read-back patterns real devices give,
 * Linux's resource flags, capability list walks (incl. loops), id matching. */
#include <stdint.h>
#include <osc/pci.h>
#include "check.h"

TEST(pci_bar_32bit_memory_size_from_the_read_back_mask)
{
    struct pci_bar b;
    /* QEMU VGA BAR2: 4 KiB non-prefetchable at 0xfebf0000. */
    CHECK_EQ(pci_bar_decode(0xfebf0000, 0xfffff000, 0, 0, &b), 1);
    CHECK_EQ(b.kind, PCI_BAR_MEM32);
    CHECK(!b.prefetch);
    CHECK_EQ(b.base, 0xfebf0000);
    CHECK_EQ(b.size, 0x1000);
    CHECK_EQ(pci_bar_resource_flags(&b), 0x40200);
    /* BAR0: 16 MiB prefetchable. */
    CHECK_EQ(pci_bar_decode(0xfd000008, 0xff000008, 0, 0, &b), 1);
    CHECK(b.prefetch);
    CHECK_EQ(b.size, 0x1000000);
    CHECK_EQ(pci_bar_resource_flags(&b), 0x42208);
}

TEST(pci_bar_64bit_memory_uses_two_registers)
{
    struct pci_bar b;
    /* 16 KiB 64-bit prefetchable at 0x800000000 (virtio's modern BAR). */
    CHECK_EQ(pci_bar_decode(0x0000000c, 0xffffc00c, 0x8, 0xffffffff, &b), 2);
    CHECK_EQ(b.kind, PCI_BAR_MEM64);
    CHECK_EQ(b.base, 0x800000000ull);
    CHECK_EQ(b.size, 0x4000);
    CHECK_EQ(pci_bar_resource_flags(&b), 0x14220c);
    /* A 16 GiB BAR: the low register has no writable address bits. */
    CHECK_EQ(pci_bar_decode(0x0000000c, 0x0000000c, 0x4, 0xfffffffc, &b), 2);
    CHECK_EQ(b.kind, PCI_BAR_MEM64);
    CHECK_EQ(b.size, 0x400000000ull);
    /* An unimplemented 64-bit pair still consumes both registers. */
    CHECK_EQ(pci_bar_decode(0x4, 0x4, 0, 0, &b), 2);
    CHECK_EQ(b.kind, PCI_BAR_NONE);
}

TEST(pci_bar_io_size_with_or_without_the_upper_16_bits)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0xc041, 0xffffffe1, 0, 0, &b), 1);
    CHECK_EQ(b.kind, PCI_BAR_IO);
    CHECK_EQ(b.base, 0xc040);
    CHECK_EQ(b.size, 0x20);
    CHECK_EQ(pci_bar_resource_flags(&b), 0x40101);
    /* Some devices hard-wire the upper half to zero. */
    CHECK_EQ(pci_bar_decode(0x701, 0x0000ffc1, 0, 0, &b), 1);
    CHECK_EQ(b.size, 0x40);
}

TEST(pci_bar_unimplemented_reads_back_zero_and_has_no_resource)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0, 0, 0, 0, &b), 1);
    CHECK_EQ(b.kind, PCI_BAR_NONE);
    CHECK_EQ(b.size, 0);
    CHECK_EQ(pci_bar_resource_flags(&b), 0);
    CHECK_EQ(pci_bar_decode(0x1, 0x1, 0, 0, &b), 1);   /* I/O with no address bits */
    CHECK_EQ(b.kind, PCI_BAR_NONE);
}

TEST(pci_rom_size_and_flags)
{
    struct pci_bar b;
    pci_rom_decode(0xfebe0000, 0xffff0000, &b);
    CHECK_EQ(b.kind, PCI_BAR_ROM);
    CHECK_EQ(b.base, 0xfebe0000);
    CHECK_EQ(b.size, 0x10000);
    CHECK_EQ(pci_bar_resource_flags(&b), 0x46200);
    pci_rom_decode(0, 0, &b);
    CHECK_EQ(b.kind, PCI_BAR_NONE);
}

static void set_cap(uint8_t *cfg, uint8_t off, uint8_t id, uint8_t next)
{
    cfg[off] = id;
    cfg[off + 1] = next;
}

TEST(pci_caps_finds_msi_msix_and_pcie)
{
    uint8_t cfg[256] = { 0 };
    cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    cfg[PCI_CAPABILITY_LIST] = 0x98;
    set_cap(cfg, 0x98, PCI_CAP_ID_MSIX, 0x84);
    set_cap(cfg, 0x84, 0x09, 0x70);         /* vendor-specific */
    set_cap(cfg, 0x70, PCI_CAP_ID_EXP, 0x40);
    set_cap(cfg, 0x40, PCI_CAP_ID_MSI, 0x00);
    uint8_t msi, msix, pcie;
    CHECK_EQ(pci_find_caps(cfg, &msi, &msix, &pcie), 4);
    CHECK_EQ(msi, 0x40);
    CHECK_EQ(msix, 0x98);
    CHECK_EQ(pcie, 0x70);
    cfg[PCI_STATUS] = 0;                    /* no list advertised: not walked */
    CHECK_EQ(pci_find_caps(cfg, &msi, &msix, &pcie), 0);
    CHECK_EQ(msix, 0);
}

TEST(pci_caps_loop_or_pointer_into_the_header_ends_the_walk)
{
    uint8_t cfg[256] = { 0 };
    uint8_t msi, msix, pcie;
    cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    cfg[PCI_CAPABILITY_LIST] = 0x50;
    set_cap(cfg, 0x50, PCI_CAP_ID_MSI, 0x60);
    set_cap(cfg, 0x60, 0x01, 0x50);         /* back to the first: a loop */
    CHECK(pci_find_caps(cfg, &msi, &msix, &pcie) <= 48);
    CHECK_EQ(msi, 0x50);
    set_cap(cfg, 0x60, 0x01, 0x10);         /* into the header: stop */
    CHECK_EQ(pci_find_caps(cfg, &msi, &msix, &pcie), 2);
    cfg[PCI_CAPABILITY_LIST] = 0xff;        /* reserved low bits masked: 0xfc */
    set_cap(cfg, 0xfc, PCI_CAP_ID_MSIX, 0xff);
    CHECK(pci_find_caps(cfg, &msi, &msix, &pcie) <= 48);
    CHECK_EQ(msix, 0xfc);
}

TEST(pci_id_table_matches_by_ids_or_class)
{
    struct pci_dev d = { .vendor = 0x1af4, .device = 0x1042, .class = 0x010000 };
    static const struct pci_device_id virtio_blk[] = {
        { 0x1af4, 0x1001, 0, 0 }, { 0x1af4, 0x1042, 0, 0 }, { 0 } };
    static const struct pci_device_id nvme[] = {
        { PCI_ANY_ID, PCI_ANY_ID, 0x010802, 0xffffff }, { 0 } };
    static const struct pci_device_id storage[] = {
        { PCI_ANY_ID, PCI_ANY_ID, 0x010000, 0xff0000 }, { 0 } };
    CHECK(pci_match_table(virtio_blk, &d) == &virtio_blk[1]);
    CHECK(pci_match_table(nvme, &d) == NULL);
    CHECK(pci_match_table(storage, &d) == &storage[0]);
    d.class = 0x010802;
    d.vendor = 0x1b36;
    CHECK(pci_match_table(virtio_blk, &d) == NULL);
    CHECK(pci_match_table(nvme, &d) == &nvme[0]);
    CHECK(pci_match_table(NULL, &d) == NULL);
}
