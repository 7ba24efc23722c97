/* PCI/PCIe: configuration space access (ECAM from the ACPI MCFG, else the legacy
 * 0xCF8/0xCFC ports through an arch hook), enumeration of every bus reachable from
 * bus 0 through PCI-to-PCI bridges, and the driver model: a driver declares an id
 * table and a probe function with PCI_DRIVER(); the core calls probe for every
 * matching device after enumeration. The device list is built once by pci_init()
 * during boot and is read-only afterwards, so readers take no lock. */
#pragma once

#include <osc/irq.h>
#include <osc/types.h>

/* Configuration space header (PCI Local Bus 3.0 §6.1, PCIe 5.0 §7.5.1). */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08    /* then prog-if, subclass, class */
#define PCI_HEADER_TYPE         0x0e
#define PCI_BAR0                0x10
#define PCI_SECONDARY_BUS       0x19    /* type 1 (bridge) header */
#define PCI_SUBORDINATE_BUS     0x1a
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c    /* type 0 header */
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30    /* type 0; a bridge's is at 0x38 */
#define PCI_ROM_ADDRESS1        0x38
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_COMMAND_IO          0x1
#define PCI_COMMAND_MEMORY      0x2
#define PCI_COMMAND_MASTER      0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST     0x10
#define PCI_HEADER_TYPE_MASK    0x7f
#define PCI_HEADER_MULTIFUNC    0x80
#define PCI_HEADER_NORMAL       0
#define PCI_HEADER_BRIDGE       1

#define PCI_CAP_ID_MSI          0x05
#define PCI_CAP_ID_EXP          0x10    /* PCI Express: 4 KiB of config space */
#define PCI_CAP_ID_MSIX         0x11
#define PCI_CAP_ID_VNDR         0x09    /* vendor specific (virtio's transport caps) */

#define PCI_CFG_SIZE            256
#define PCIE_CFG_SIZE           4096
#define PCI_MAX_BARS            6
#define PCI_MAX_DEVICES         256
#define PCI_ANY_ID              0xffffu

/* BAR register bits (PCI 3.0 §6.2.5.1). */
#define PCI_BAR_SPACE_IO        0x1
#define PCI_BAR_MEM_TYPE_MASK   0x6
#define PCI_BAR_MEM_TYPE_64     0x4
#define PCI_BAR_MEM_PREFETCH    0x8
#define PCI_BAR_IO_MASK         (~0x3u)
#define PCI_BAR_MEM_MASK        (~0xfu)
#define PCI_ROM_ENABLE          0x1
#define PCI_ROM_MASK            (~0x7ffu)

/* Linux's resource flags (include/linux/ioport.h), as /sys/.../resource shows them. */
#define IORESOURCE_IO           0x00000100
#define IORESOURCE_MEM          0x00000200
#define IORESOURCE_PREFETCH     0x00002000
#define IORESOURCE_READONLY     0x00004000
#define IORESOURCE_SIZEALIGN    0x00040000
#define IORESOURCE_MEM_64       0x00100000

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64, PCI_BAR_ROM };

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetch;
    uint8_t low_bits;           /* the register's flag bits (space, type, prefetch) */
    uint64_t base;
    uint64_t size;              /* 0: not implemented */
};

struct pci_driver;
struct pci_irqs;

struct pci_dev {
    uint16_t segment;
    uint8_t bus, dev, fn;
    char name[16];              /* "0000:00:1f.2", as Linux names it */
    uint16_t vendor, device;
    uint16_t subsys_vendor, subsys_device;
    uint32_t class;             /* class << 16 | subclass << 8 | prog-if */
    uint8_t revision;
    uint8_t header_type;        /* PCI_HEADER_*, without the multi-function bit */
    bool multifunction;
    uint8_t irq_line, irq_pin;  /* pin: 0 none, 1..4 INTA..INTD */
    uint8_t secondary_bus, subordinate_bus;     /* bridges */
    struct pci_bar bars[PCI_MAX_BARS];          /* a 64-bit BAR fills slot i; i+1 is NONE */
    struct pci_bar rom;
    uint8_t msi_cap, msix_cap, pcie_cap;        /* capability offsets, 0 when absent */
    uint16_t cfg_size;          /* PCI_CFG_SIZE, or PCIE_CFG_SIZE with ECAM and PCIe */
    const struct pci_driver *driver;            /* the driver whose probe accepted it */
    struct pci_irqs *irqs;                      /* MSI/MSI-X state (msi.c), or NULL */
};

/* An id table entry: vendor/device (PCI_ANY_ID: any), and class bits under class_mask.
 * A table ends with an all-zero entry. */
struct pci_device_id {
    uint16_t vendor, device;
    uint32_t class, class_mask;
};

struct pci_driver {
    const char *name;
    const struct pci_device_id *ids;
    /* 0 to claim the device; a negative errno leaves it for the next driver. */
    int (*probe)(struct pci_dev *dev, const struct pci_device_id *id);
};

/* Declares a driver: PCI_DRIVER(virtio_blk) = { .name = ..., .ids = ..., .probe = ... };
 * the linker gathers them in .pci_drivers (like SYSCALL()). */
#define PCI_DRIVER(var)                                                            \
    static const struct pci_driver pci_driver_##var                                \
        __attribute__((used, section(".pci_drivers"), aligned(8)))

/* ---- pure logic (pci_decode.c, host-tested) ---- */

/* Decodes one BAR from the values read before (orig) and after (sized) writing all
 * ones to it; for a 64-bit memory BAR, hi_orig/hi_sized are the next register's.
 * Fills *bar and returns the number of registers used (1, or 2 for a 64-bit BAR;
 * 1 for an unimplemented one, which gets kind NONE). */
int pci_bar_decode(uint32_t orig, uint32_t sized, uint32_t hi_orig, uint32_t hi_sized,
                   struct pci_bar *bar);
/* The same for the expansion ROM register (size from the address bits 31:11). */
void pci_rom_decode(uint32_t orig, uint32_t sized, struct pci_bar *bar);
/* Linux's IORESOURCE_* flags for a decoded BAR (0 for NONE). */
uint64_t pci_bar_resource_flags(const struct pci_bar *bar);
/* Walks the capability list of a 256-byte config space copy: the offsets of the
 * MSI, MSI-X and PCIe capabilities (0 when absent). A list that loops or points
 * into the header ends the walk. Returns the number of capabilities visited. */
int pci_find_caps(const uint8_t *cfg, uint8_t *msi, uint8_t *msix, uint8_t *pcie);
/* True when dev matches id (PCI_ANY_ID and class_mask as wildcards). */
bool pci_id_matches(const struct pci_device_id *id, const struct pci_dev *dev);
/* The first matching entry of a zero-terminated table, or NULL. */
const struct pci_device_id *pci_match_table(const struct pci_device_id *ids,
                                            const struct pci_dev *dev);

/* ---- config space (pci_cfg.c) ---- */

/* Picks the access method: the first MCFG window of segment 0 covering bus 0, else
 * (or with pci=nommconf on the command line) the arch's port mechanism. 0, or -ENODEV when there is neither. */
int pci_cfg_init(void);
/* Makes a bus reachable (maps its ECAM range); false when it is outside the
 * window. Called by enumeration only, during pci_init. */
bool pci_cfg_map_bus(uint8_t bus);
bool pci_cfg_is_ecam(void);
/* "ECAM at 0x..." or "ports 0xcf8" for the log. */
const char *pci_cfg_method(void);
/* Reads/writes by address; width 1, 2 or 4, off aligned to it. Reads of an absent
 * device or an unreachable bus give all ones; writes to them are dropped. */
uint32_t pci_cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width);
void pci_cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width, uint32_t v);

static inline uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{ return pci_cfg_read(d->bus, d->dev, d->fn, off, 4); }
static inline uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{ return (uint16_t)pci_cfg_read(d->bus, d->dev, d->fn, off, 2); }
static inline uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{ return (uint8_t)pci_cfg_read(d->bus, d->dev, d->fn, off, 1); }
static inline void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{ pci_cfg_write(d->bus, d->dev, d->fn, off, 4, v); }
static inline void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{ pci_cfg_write(d->bus, d->dev, d->fn, off, 2, v); }

/* Arch hooks for the legacy port mechanism (PCI 3.0 §3.2.2.3.2); arch_pci_ports
 * is false where there is none. Both take their own lock. */
bool arch_pci_ports(void);
uint32_t arch_pci_port_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width);
void arch_pci_port_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, int width,
                         uint32_t v);

/* ---- the device list (pci.c) ---- */

/* Boot phase [pci]: enumerates, logs the summary, probes drivers. */
void pci_init(void);
/* Offers every unclaimed device to drivers[first, end) in order; the first probe
 * that returns 0 claims it. pci_init passes the .pci_drivers section; KTESTs their
 * own arrays. */
void pci_probe_drivers(const struct pci_driver *first, const struct pci_driver *end);
size_t pci_device_count(void);
struct pci_dev *pci_device_at(size_t i);       /* in bus/device/function order */
size_t pci_bus_count(void);
/* The next capability with id after offset from (0: from the start of the list),
 * read live; 0 when there is none. Bounded: a looping list ends the walk. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t from, uint8_t id);
/* Turns on memory decoding and bus mastering (DMA), as Linux's
 * pci_enable_device + pci_set_master. */
void pci_enable_device(struct pci_dev *d);
/* Maps len bytes at off into memory BAR bar, uncached: NULL when the BAR is not
 * memory or the range does not fit inside it (a device's capability may lie). */
void *pci_map_bar(struct pci_dev *d, int bar, uint64_t off, uint64_t len);

/* ---- MSI-X and MSI (msi.c) ----
 * A driver asks for up to max message vectors (MSI-X when the device has it, else
 * one MSI vector), then installs a handler on each index it uses; the index is
 * the MSI-X table entry (what the device is told, e.g. virtio's queue vector).
 * Each vector targets one CPU (an index of cpus[]): spreading queues over CPUs is
 * the caller's choice of cpu. Entries stay masked until pci_irq_setup. */
#define PCI_IRQ_MAX 32
enum pci_irq_mode { PCI_IRQ_NONE, PCI_IRQ_MSI, PCI_IRQ_MSIX };
struct pci_irqs {
    enum pci_irq_mode mode;
    unsigned count;                     /* usable indexes 0..count-1 */
    volatile uint32_t *table;           /* MSI-X table (16 bytes an entry) */
    uint8_t vector[PCI_IRQ_MAX];        /* 0: index not set up */
};
/* The number of vectors enabled (>= 1), or -ENODEV (neither capability) / -ENOMEM
 * / -EIO (a table outside its BAR). */
int pci_irq_alloc(struct pci_dev *d, unsigned max);
/* Allocates a CPU vector for index idx, points the entry at cpu and unmasks it.
 * 0 or a negative errno. */
int pci_irq_setup(struct pci_dev *d, unsigned idx, irq_handler_fn fn, void *ctx, unsigned cpu);
void pci_irq_mask(struct pci_dev *d, unsigned idx, bool masked);
/* Masks and frees every vector, disables MSI/MSI-X. */
void pci_irq_free(struct pci_dev *d);
