/* What a driver's probe uses to reach its device: the capability list read live
 * (vendor capabilities such as virtio's come in several copies), memory BARs
 * mapped uncached, and the command register's decode and bus-master bits. */

#define LOG_TAG "pci"
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>

#define PCI_CAP_MAX_WALK 48     /* (256 - 64) / 4: more entries means a loop */

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t from, uint8_t id)
{
    if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    uint8_t off = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAPABILITY_LIST);
    for (int n = 0; n < PCI_CAP_MAX_WALK; n++) {
        off &= 0xfc;
        if (off < 0x40)         /* 0 ends the list; the header is no capability */
            return 0;
        if (pci_read8(d, off) == id)
            return off;
        off = pci_read8(d, off + 1);
    }
    log_warn("%s: capability list loops", d->name);
    return 0;
}

void pci_enable_device(struct pci_dev *d)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void *pci_map_bar(struct pci_dev *d, int bar, uint64_t off, uint64_t len)
{
    if (bar < 0 || bar >= PCI_MAX_BARS)
        return NULL;
    const struct pci_bar *b = &d->bars[bar];
    if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || !b->base || !len ||
        off >= b->size || len > b->size - off) {
        log_warn("%s: BAR%d range %#llx+%#llx not in a memory BAR", d->name, bar,
                 (unsigned long long)off, (unsigned long long)len);
        return NULL;
    }
    return vmm_map_mmio(b->base + off, len, MAP_NOCACHE | MAP_WRITE);
}
