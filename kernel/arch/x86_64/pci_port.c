/* The legacy PCI configuration mechanism #1 (PCI 3.0 §3.2.2.3.2): an address
 * written to 0xCF8, then data through 0xCFC..0xCFF. Two steps, so one lock. */

#include <osc/pci.h>
#include <osc/spinlock.h>
#include <asm/cpu.h>

#define PCI_CONFIG_ADDRESS  0xcf8
#define PCI_CONFIG_DATA     0xcfc
#define PCI_CONFIG_ENABLE   0x80000000u

/* pci_port (rank 85, leaf): the address/data register pair. */
static spinlock_t pci_port_lock = SPINLOCK_INIT("pci_port", 85);

static uint32_t address(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
           (uint32_t)(fn & 7) << 8 | (off & 0xfc);
}

/* Mechanism #1 is present when the address register keeps what is written to it
 * (as Linux's pci_check_type1 tests). */
bool arch_pci_ports(void)
{
    unsigned long f = spin_lock_irqsave(&pci_port_lock);
    uint32_t saved = inl(PCI_CONFIG_ADDRESS);
    outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE);
    bool ok = inl(PCI_CONFIG_ADDRESS) == PCI_CONFIG_ENABLE;
    outl(PCI_CONFIG_ADDRESS, saved);
    spin_unlock_irqrestore(&pci_port_lock, f);
    return ok;
}

uint32_t arch_pci_port_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width)
{
    uint16_t port = PCI_CONFIG_DATA + (off & 3);
    unsigned long f = spin_lock_irqsave(&pci_port_lock);
    outl(PCI_CONFIG_ADDRESS, address(bus, dev, fn, off));
    uint32_t v = width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
    spin_unlock_irqrestore(&pci_port_lock, f);
    return v;
}

void arch_pci_port_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width,
                         uint32_t v)
{
    uint16_t port = PCI_CONFIG_DATA + (off & 3);
    unsigned long f = spin_lock_irqsave(&pci_port_lock);
    outl(PCI_CONFIG_ADDRESS, address(bus, dev, fn, off));
    if (width == 1)
        outb(port, (uint8_t)v);
    else if (width == 2)
        outw(port, (uint16_t)v);
    else
        outl(port, v);
    spin_unlock_irqrestore(&pci_port_lock, f);
}
