/* ACPI firmware tables: the parts the kernel uses (ACPI 6.5 §5.2): the CPU list and
 * interrupt controllers from the MADT, the HPET address, and from the FADT and the
 * DSDT's \_S5_ object what powering off and resetting the machine needs, and the
 * PCIe configuration windows (ECAM) from the MCFG. The parser is pure: it
 * reaches physical memory only through a caller-supplied map function, so host
 * tests can feed it synthetic tables. Tables are untrusted input: a bad checksum or
 * length is logged and the table ignored. */
#pragma once

#include <osc/types.h>

#define ACPI_MAX_CPUS       64
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  16
#define ACPI_MAX_MCFG       8

/* MPS INTI flags (ACPI 6.5 table 5.50) of an interrupt source override. */
#define ACPI_POLARITY_MASK      0x3
#define ACPI_POLARITY_LOW       0x3
#define ACPI_TRIGGER_MASK       0xc
#define ACPI_TRIGGER_LEVEL      0xc

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
    bool enabled;           /* false: online-capable only (hot-add); don't start it */
};

struct acpi_ioapic {
    uint32_t id;
    paddr_t address;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t source;         /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;         /* ACPI_POLARITY_*, ACPI_TRIGGER_* */
};

/* Generic Address Structure address spaces (ACPI 6.5 §5.2.3.2). */
#define ACPI_GAS_MEMORY     0
#define ACPI_GAS_IO         1

/* What the FADT (ACPI 6.5 §5.2.9) and the DSDT say about power off and reset.
 * Fields are 0 when absent. */
struct acpi_fadt {
    bool present;
    uint32_t pm1a_cnt;              /* PM1a/b control register I/O ports */
    uint32_t pm1b_cnt;
    uint32_t smi_cmd;               /* port to write acpi_enable to, if SCI_EN is clear */
    uint8_t acpi_enable;
    bool s5_found;                  /* \_S5_ package read from the DSDT */
    int s5_error;                   /* why not: -ENOENT (no DSDT / no \_S5_), -EINVAL */
    uint8_t slp_typa, slp_typb;     /* SLP_TYP values for S5 (soft off) */
    bool reset_supported;           /* FADT flags RESET_REG_SUP */
    uint8_t reset_space;            /* ACPI_GAS_* of the reset register */
    uint64_t reset_address;
    uint8_t reset_value;
};

/* One PCIe ECAM window from the MCFG (PCI Firmware 3.2 §4.1.2): the configuration
 * space of bus b, device d, function f is at base + (b << 20 | d << 15 | f << 12),
 * for start_bus <= b <= end_bus (base is the address bus 0 would have). */
struct acpi_mcfg {
    paddr_t base;
    uint16_t segment;
    uint8_t start_bus, end_bus;
};

struct acpi_info {
    uint8_t revision;               /* RSDP revision: 0 = ACPI 1.0 (RSDT) */
    paddr_t lapic_address;
    bool has_8259;                  /* MADT PCAT_COMPAT */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    size_t cpu_count;               /* enabled or online-capable processors */
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    size_t ioapic_count;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    size_t override_count;
    paddr_t hpet_address;           /* 0 when there is no HPET table */
    struct acpi_fadt fadt;
    struct acpi_mcfg mcfg[ACPI_MAX_MCFG];   /* usable entries only */
    size_t mcfg_count;
    size_t mcfg_rejected;                   /* entries that cannot be right */
    size_t tables_rejected;         /* bad checksum / length */
};

/* Returns a pointer to len readable bytes at physical address phys, or NULL; the
 * pointer must stay valid until acpi_parse returns. */
typedef const void *(*acpi_map_fn)(paddr_t phys, size_t len, void *ctx);

bool acpi_checksum_ok(const void *p, size_t len);
/* Finds a valid RSDP in a memory area scanned on 16-byte boundaries (the BIOS
 * area 0xE0000-0xFFFFF); returns its offset or -1. */
long acpi_scan_rsdp(const uint8_t *area, size_t len);
/* Parses RSDP -> RSDT/XSDT -> MADT, HPET. 0, or -EINVAL when the RSDP or the root
 * table is unusable (individual bad tables are skipped and counted). */
int acpi_parse(const uint8_t *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
               struct acpi_info *out);

/* Finds the \_S5_ package in AML (a DSDT's body) and reads its first two elements
 * (SLP_TYPa, SLP_TYPb). 0, -ENOENT when there is no \_S5_ object, -EINVAL when it
 * is malformed or truncated. Never reads outside aml[0..len). */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/* Kernel side: what boot found (kernel/drivers/acpi/acpi_boot.c). */
extern struct acpi_info acpi_info;
int acpi_init(void);
