/* PCI pure logic: BAR sizing arithmetic, Linux resource flags, the capability list
 * walk and id matching. No hardware access: the core reads registers and hands the
 * values here, so host tests can feed these functions any bit pattern. */

#include <osc/pci.h>

#define PCI_CAP_NEXT    1
#define PCI_CAP_MIN     0x40        /* capabilities live after the 64-byte header */
#define PCI_CAP_MAX_WALK 48         /* (256 - 64) / 4: more entries means a loop */

int pci_bar_decode(uint32_t orig, uint32_t sized, uint32_t hi_orig, uint32_t hi_sized,
                   struct pci_bar *bar)
{
    *bar = (struct pci_bar){ PCI_BAR_NONE, false, 0, 0, 0 };
    if (orig & PCI_BAR_SPACE_IO) {
        /* I/O BARs decode 16 bits on x86; the upper half may read back as zero. */
        uint32_t mask = sized & PCI_BAR_IO_MASK;
        if (!mask)
            return 1;
        if (!(mask & 0xffff0000u))
            mask |= 0xffff0000u;
        bar->kind = PCI_BAR_IO;
        bar->low_bits = orig & 0x3;
        bar->base = orig & PCI_BAR_IO_MASK;
        bar->size = (uint32_t)(~mask + 1);
        return 1;
    }
    bool is64 = (orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
    uint64_t mask = sized & PCI_BAR_MEM_MASK;
    uint64_t base = orig & PCI_BAR_MEM_MASK;
    if (is64) {
        mask |= (uint64_t)hi_sized << 32;
        base |= (uint64_t)hi_orig << 32;
    } else {
        mask |= 0xffffffff00000000ull;  /* a 32-bit BAR's size comes from its own bits */
    }
    if (!(mask & ~0xffffffff00000000ull) && !(is64 && hi_sized))
        return is64 ? 2 : 1;            /* no writable address bits: not implemented */
    bar->kind = is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32;
    bar->prefetch = orig & PCI_BAR_MEM_PREFETCH;
    bar->low_bits = orig & 0xf;
    bar->base = base;
    bar->size = ~mask + 1;
    return is64 ? 2 : 1;
}

void pci_rom_decode(uint32_t orig, uint32_t sized, struct pci_bar *bar)
{
    *bar = (struct pci_bar){ PCI_BAR_NONE, false, 0, 0, 0 };
    uint32_t mask = sized & PCI_ROM_MASK;
    if (!mask)
        return;
    bar->kind = PCI_BAR_ROM;
    bar->prefetch = true;
    bar->base = orig & PCI_ROM_MASK;
    bar->size = (uint32_t)(~mask + 1);
}

uint64_t pci_bar_resource_flags(const struct pci_bar *bar)
{
    switch (bar->kind) {
    case PCI_BAR_IO:
        return IORESOURCE_IO | IORESOURCE_SIZEALIGN | bar->low_bits;
    case PCI_BAR_MEM32:
    case PCI_BAR_MEM64:
        return IORESOURCE_MEM | IORESOURCE_SIZEALIGN | bar->low_bits |
               (bar->prefetch ? IORESOURCE_PREFETCH : 0) |
               (bar->kind == PCI_BAR_MEM64 ? IORESOURCE_MEM_64 : 0);
    case PCI_BAR_ROM:
        return IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY |
               IORESOURCE_SIZEALIGN;
    default:
        return 0;
    }
}

int pci_find_caps(const uint8_t *cfg, uint8_t *msi, uint8_t *msix, uint8_t *pcie)
{
    *msi = *msix = *pcie = 0;
    uint16_t status = (uint16_t)(cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8);
    if (!(status & PCI_STATUS_CAP_LIST))
        return 0;
    int n = 0;
    uint8_t off = cfg[PCI_CAPABILITY_LIST] & ~3u;   /* bottom two bits are reserved */
    while (off >= PCI_CAP_MIN && n < PCI_CAP_MAX_WALK) {
        uint8_t id = cfg[off];
        if (id == PCI_CAP_ID_MSI && !*msi)
            *msi = off;
        else if (id == PCI_CAP_ID_MSIX && !*msix)
            *msix = off;
        else if (id == PCI_CAP_ID_EXP && !*pcie)
            *pcie = off;
        n++;
        off = cfg[off + PCI_CAP_NEXT] & ~3u;        /* off <= 0xfc: off + 1 in range */
    }
    return n;
}

bool pci_id_matches(const struct pci_device_id *id, const struct pci_dev *dev)
{
    return (id->vendor == PCI_ANY_ID || id->vendor == dev->vendor) &&
           (id->device == PCI_ANY_ID || id->device == dev->device) &&
           ((dev->class ^ id->class) & id->class_mask) == 0;
}

const struct pci_device_id *pci_match_table(const struct pci_device_id *ids,
                                            const struct pci_dev *dev)
{
    for (; ids && (ids->vendor || ids->device || ids->class_mask); ids++)
        if (pci_id_matches(ids, dev))
            return ids;
    return NULL;
}
