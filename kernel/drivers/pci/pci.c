/* PCI core: walks bus 0 and every bus behind a PCI-to-PCI bridge (as the firmware
 * numbered them; breadth first), records each function's identity, BARs (sized)
 * and capabilities, then offers each device to the drivers gathered in
 * .pci_drivers. The list is written only here, during boot, and read-only after. */

#define LOG_TAG "pci"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>

#define PCI_MAX_DEV     32
#define PCI_MAX_FN      8
#define PCI_CLASS_BRIDGE_HOST 0x0600

extern const struct pci_driver _pci_drivers_start[], _pci_drivers_end[];

static struct pci_dev *devices[PCI_MAX_DEVICES];    /* sorted by bus, dev, fn */
static size_t ndevices;
static bool bus_seen[256];
static uint8_t bus_queue[256];      /* buses found behind bridges, walked in turn */
static size_t nbuses;               /* queued so far; bus_queue[0..nbuses) */

size_t pci_device_count(void) { return ndevices; }
size_t pci_bus_count(void) { return nbuses; }
struct pci_dev *pci_device_at(size_t i) { return i < ndevices ? devices[i] : NULL; }

/* Sizes one BAR register pair: all ones written and the answer read back, then the
 * original restored (PCI 3.0 §6.2.5.1). Decoding is already off. */
static uint32_t size_reg(struct pci_dev *d, uint16_t off, uint32_t ones, uint32_t *orig)
{
    *orig = pci_read32(d, off);
    pci_write32(d, off, ones);
    uint32_t v = pci_read32(d, off);
    pci_write32(d, off, *orig);
    return v;
}

static void size_bars(struct pci_dev *d)
{
    int nbars = d->header_type == PCI_HEADER_NORMAL ? PCI_MAX_BARS :
                d->header_type == PCI_HEADER_BRIDGE ? 2 : 0;
    if (!nbars)
        return;
    /* Decoding off while a BAR holds all ones, so it claims no addresses; host
     * bridges stay on (Linux's mmio_always_on: they route the CPU's own accesses). */
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    bool toggle = (d->class >> 8) != PCI_CLASS_BRIDGE_HOST;
    if (toggle)
        pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (int i = 0; i < nbars;) {
        uint16_t off = PCI_BAR0 + 4 * i;
        uint32_t orig, hi_orig = 0, hi_sized = 0;
        uint32_t sized = size_reg(d, off, ~0u, &orig);
        bool is64 = !(orig & PCI_BAR_SPACE_IO) &&
                    (orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
        if (is64 && i + 1 == nbars)
            break;              /* a 64-bit BAR in the last slot: broken, left unused */
        if (is64)
            hi_sized = size_reg(d, off + 4, ~0u, &hi_orig);
        i += pci_bar_decode(orig, sized, hi_orig, hi_sized, &d->bars[i]);
    }
    uint16_t rom = d->header_type == PCI_HEADER_NORMAL ? PCI_ROM_ADDRESS : PCI_ROM_ADDRESS1;
    uint32_t orig, sized = size_reg(d, rom, PCI_ROM_MASK, &orig);
    pci_rom_decode(orig, sized, &d->rom);
    if (toggle)
        pci_write16(d, PCI_COMMAND, cmd);
}

static const char *const bar_kinds[] = { "none", "io", "mem32", "mem64", "rom" };

static void log_device(const struct pci_dev *d)
{
    if (!log_enabled(LOG_DEBUG))
        return;
    log_debug("%s %04x:%04x class %06x rev %02x sub %04x:%04x hdr %u irq %u pin %u "
              "msi %#x msix %#x pcie %#x", d->name, d->vendor, d->device, d->class,
              d->revision, d->subsys_vendor, d->subsys_device, d->header_type, d->irq_line,
              d->irq_pin, d->msi_cap, d->msix_cap, d->pcie_cap);
    for (int i = 0; i <= PCI_MAX_BARS; i++) {
        const struct pci_bar *b = i < PCI_MAX_BARS ? &d->bars[i] : &d->rom;
        if (b->kind != PCI_BAR_NONE)
            log_debug("%s   BAR%d %s%s %#llx size %#llx", d->name, i, bar_kinds[b->kind],
                      b->prefetch ? " prefetch" : "", (unsigned long long)b->base,
                      (unsigned long long)b->size);
    }
}

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (ndevices == PCI_MAX_DEVICES) {
        log_warn("more than %d functions: %02x:%02x.%u and later ignored", PCI_MAX_DEVICES,
                 bus, dev, fn);
        return;
    }
    struct pci_dev *d = kzalloc(sizeof(*d));
    if (!d) {
        log_warn("out of memory: %02x:%02x.%u ignored", bus, dev, fn);
        return;
    }
    uint8_t cfg[PCI_CFG_SIZE];
    for (uint16_t off = 0; off < PCI_CFG_SIZE; off += 4) {
        uint32_t v = pci_cfg_read(bus, dev, fn, off, 4);
        memcpy(cfg + off, &v, 4);
    }
    d->bus = bus;
    d->dev = dev;
    d->fn = fn;
    ksnprintf(d->name, sizeof(d->name), "%04x:%02x:%02x.%u", 0, bus, dev, fn);
    d->vendor = (uint16_t)(cfg[0] | cfg[1] << 8);
    d->device = (uint16_t)(cfg[2] | cfg[3] << 8);
    d->revision = cfg[PCI_REVISION_ID];
    d->class = (uint32_t)cfg[0x0b] << 16 | (uint32_t)cfg[0x0a] << 8 | cfg[0x09];
    d->header_type = cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
    d->multifunction = cfg[PCI_HEADER_TYPE] & PCI_HEADER_MULTIFUNC;
    d->irq_line = cfg[PCI_INTERRUPT_LINE];
    d->irq_pin = cfg[PCI_INTERRUPT_PIN];
    if (d->header_type == PCI_HEADER_NORMAL) {
        d->subsys_vendor = (uint16_t)(cfg[PCI_SUBSYSTEM_VENDOR_ID] |
                                      cfg[PCI_SUBSYSTEM_VENDOR_ID + 1] << 8);
        d->subsys_device = (uint16_t)(cfg[PCI_SUBSYSTEM_ID] | cfg[PCI_SUBSYSTEM_ID + 1] << 8);
    } else if (d->header_type == PCI_HEADER_BRIDGE) {
        d->secondary_bus = cfg[PCI_SECONDARY_BUS];
        d->subordinate_bus = cfg[PCI_SUBORDINATE_BUS];
    }
    pci_find_caps(cfg, &d->msi_cap, &d->msix_cap, &d->pcie_cap);
    d->cfg_size = d->pcie_cap && pci_cfg_is_ecam() ? PCIE_CFG_SIZE : PCI_CFG_SIZE;
    size_bars(d);
    devices[ndevices++] = d;
    log_device(d);
    if (d->header_type == PCI_HEADER_BRIDGE) {
        /* Firmware numbers the buses; an unnumbered bridge (0) or one pointing
         * back at a bus already queued (bad firmware, a loop) is not followed. */
        if (d->secondary_bus > bus && !bus_seen[d->secondary_bus]) {
            bus_seen[d->secondary_bus] = true;
            bus_queue[nbuses++] = d->secondary_bus;
        } else {
            log_warn("%s: bridge to bus %u not walked", d->name, d->secondary_bus);
        }
    }
}

static void scan_bus(uint8_t bus)
{
    if (!pci_cfg_map_bus(bus)) {
        log_warn("bus %u is outside the ECAM window", bus);
        return;
    }
    for (uint8_t dev = 0; dev < PCI_MAX_DEV; dev++) {
        if ((uint16_t)pci_cfg_read(bus, dev, 0, PCI_VENDOR_ID, 2) == 0xffff)
            continue;
        uint8_t hdr = (uint8_t)pci_cfg_read(bus, dev, 0, PCI_HEADER_TYPE, 1);
        int nfn = hdr & PCI_HEADER_MULTIFUNC ? PCI_MAX_FN : 1;
        for (uint8_t fn = 0; fn < nfn; fn++)
            if ((uint16_t)pci_cfg_read(bus, dev, fn, PCI_VENDOR_ID, 2) != 0xffff)
                add_function(bus, dev, fn);
    }
}

static bool before(const struct pci_dev *a, const struct pci_dev *b)
{
    return (a->bus << 8 | a->dev << 3 | a->fn) < (b->bus << 8 | b->dev << 3 | b->fn);
}

void pci_probe_drivers(const struct pci_driver *first, const struct pci_driver *end)
{
    for (size_t i = 0; i < ndevices; i++) {
        struct pci_dev *d = devices[i];
        if (d->driver)
            continue;
        for (const struct pci_driver *drv = first; drv < end; drv++) {
            const struct pci_device_id *id = pci_match_table(drv->ids, d);
            if (!id || !drv->probe)
                continue;
            int err = drv->probe(d, id);
            if (err == 0) {
                d->driver = drv;
                break;
            }
            log_warn("%s: %s probe failed (%d)", d->name, drv->name, err);
        }
    }
}

void pci_init(void)
{
    if (pci_cfg_init() != 0) {
        log_warn("no configuration space access (no MCFG, no ports): no PCI devices");
        return;
    }
    /* Breadth first from bus 0 with a queue, not recursion: a deep (or hostile)
     * bridge chain costs no kernel stack. Each bus is queued once. */
    bus_seen[0] = true;
    bus_queue[nbuses++] = 0;
    for (size_t i = 0; i < nbuses; i++)
        scan_bus(bus_queue[i]);
    /* Sort so the list (and /sys/bus/pci/devices) reads as Linux's does, whatever
     * numbers the firmware gave the buses. */
    for (size_t i = 1; i < ndevices; i++)
        for (size_t j = i; j > 0 && before(devices[j], devices[j - 1]); j--) {
            struct pci_dev *t = devices[j];
            devices[j] = devices[j - 1];
            devices[j - 1] = t;
        }
    log_info("%zu device%s on %zu bus%s (%s)", ndevices, ndevices == 1 ? "" : "s", nbuses,
             nbuses == 1 ? "" : "es", pci_cfg_method());
    pci_probe_drivers(_pci_drivers_start, _pci_drivers_end);
}
