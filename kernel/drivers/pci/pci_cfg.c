/* PCI configuration space access: memory-mapped ECAM (PCIe 5.0 §7.2.2) through the
 * first MCFG window of segment 0, or, without one, the arch's legacy port mechanism.
 * ECAM is mapped one bus (1 MiB) at a time as enumeration reaches it, so a machine
 * with one bus spends 1 MiB of address space instead of 256. */

#define LOG_TAG "pci"
#include <osc/acpi.h>
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>

#define ECAM_BUS_SHIFT  20
#define ECAM_DEV_SHIFT  15
#define ECAM_FN_SHIFT   12
#define ECAM_BUS_SIZE   (1ul << ECAM_BUS_SHIFT)

static const struct acpi_mcfg *ecam;        /* NULL: ports */
/* Per-bus ECAM mappings. Filled by pci_cfg_map_bus during pci_init (one thread,
 * before anything else uses PCI); read without a lock afterwards. */
static volatile uint8_t *ecam_bus[256];
static bool use_ports;
static char method[40];

int pci_cfg_init(void)
{
    /* pci=nommconf (Linux's spelling) forces the port mechanism, to test it. */
    const char *opt = cmdline_get("pci");
    bool no_ecam = opt && strcmp(opt, "nommconf") == 0;
    for (size_t i = 0; i < acpi_info.mcfg_count; i++) {
        const struct acpi_mcfg *m = &acpi_info.mcfg[i];
        if (m->segment == 0 && m->start_bus == 0 && !no_ecam) {
            ecam = m;
            ksnprintf(method, sizeof(method), "ECAM at %#llx", (unsigned long long)m->base);
            return 0;
        }
    }
    if (arch_pci_ports()) {
        use_ports = true;
        ksnprintf(method, sizeof(method), "ports 0xcf8");
        return 0;
    }
    return -ENODEV;
}

bool pci_cfg_is_ecam(void)
{
    return ecam != NULL;
}

const char *pci_cfg_method(void)
{
    return method;
}

/* Maps a bus's ECAM page range; false when it is outside the window or mapping
 * fails (the bus then reads as empty). With ports every bus is reachable. */
static bool map_bus(uint8_t bus)
{
    if (use_ports)
        return true;
    if (!ecam || bus < ecam->start_bus || bus > ecam->end_bus)
        return false;
    if (!ecam_bus[bus])
        ecam_bus[bus] = vmm_map_mmio(ecam->base + ((paddr_t)bus << ECAM_BUS_SHIFT),
                                     ECAM_BUS_SIZE, MAP_NOCACHE | MAP_WRITE);
    return ecam_bus[bus] != NULL;
}

bool pci_cfg_map_bus(uint8_t bus)
{
    return map_bus(bus);
}

static volatile uint8_t *ecam_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    volatile uint8_t *b = ecam_bus[bus];
    if (!b || dev > 31 || fn > 7 || off >= PCIE_CFG_SIZE)
        return NULL;
    return b + ((uint32_t)dev << ECAM_DEV_SHIFT) + ((uint32_t)fn << ECAM_FN_SHIFT) + off;
}

uint32_t pci_cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width)
{
    if (off & (width - 1))
        return ~0u;
    if (use_ports)
        return off < PCI_CFG_SIZE ? arch_pci_port_read(bus, dev, fn, off, width) : ~0u;
    volatile uint8_t *p = ecam_addr(bus, dev, fn, off);
    if (!p)
        return ~0u;
    switch (width) {
    case 1: return *p;
    case 2: return *(volatile uint16_t *)p;
    case 4: return *(volatile uint32_t *)p;
    default: return ~0u;
    }
}

void pci_cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width, uint32_t v)
{
    if (off & (width - 1))
        return;
    if (use_ports) {
        if (off < PCI_CFG_SIZE)
            arch_pci_port_write(bus, dev, fn, off, width, v);
        return;
    }
    volatile uint8_t *p = ecam_addr(bus, dev, fn, off);
    if (!p)
        return;
    switch (width) {
    case 1: *p = (uint8_t)v; break;
    case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
    case 4: *(volatile uint32_t *)p = v; break;
    default: break;
    }
}
