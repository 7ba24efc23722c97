/* ACPI static tables: what the machine's firmware says about CPUs, interrupt
 * controllers, the HPET and the RTC century register. The parser is pure (it reads
 * physical memory only through a caller-supplied map function) and treats every
 * table as untrusted input: bad checksums and lengths are logged and ignored. */
#pragma once

#include <osc/types.h>

#define ACPI_MAX_CPUS       64
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  16

#define ACPI_RSDP_V1_LEN    20      /* ACPI 6.5 5.2.5.3: revision 0 RSDP */
#define ACPI_RSDP_V2_LEN    36      /* revision 2+: adds length, XSDT, ext. checksum */

/* MPS INTI flags of an interrupt source override (ACPI 6.5 5.2.12.5, table 5.26). */
#define ACPI_INTI_POLARITY_MASK     0x3
#define ACPI_INTI_POLARITY_CONFORM  0x0     /* bus default: active high for ISA */
#define ACPI_INTI_POLARITY_HIGH     0x1
#define ACPI_INTI_POLARITY_LOW      0x3
#define ACPI_INTI_TRIGGER_MASK      0xc
#define ACPI_INTI_TRIGGER_CONFORM   0x0     /* bus default: edge for ISA */
#define ACPI_INTI_TRIGGER_EDGE      0x4
#define ACPI_INTI_TRIGGER_LEVEL     0xc

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;               /* ACPI processor UID */
    bool enabled;               /* usable now */
    bool online_capable;        /* disabled but may be brought online (hot-add) */
};

struct acpi_ioapic {
    uint8_t id;
    paddr_t address;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t isa_irq;            /* bus-relative source (ISA IRQ) */
    uint32_t gsi;
    uint16_t flags;             /* ACPI_INTI_* */
};

struct acpi_info {
    bool found;                     /* a valid RSDT/XSDT was read */
    uint8_t revision;               /* RSDP revision: 0 = ACPI 1.0 */
    bool has_madt;
    paddr_t lapic_address;          /* MADT, or its 64-bit override */
    bool pcat_compat;               /* MADT: dual 8259 PICs present (must be masked) */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    size_t cpu_count;               /* entries in cpus[], enabled or not */
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    size_t ioapic_count;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    size_t override_count;
    paddr_t hpet_base;              /* 0 when there is no (usable) HPET table */
    uint8_t rtc_century_reg;        /* FADT CENTURY: CMOS index, 0 if none */
    uint16_t boot_arch_flags;       /* FADT IAPC_BOOT_ARCH */
};

#define ACPI_BOOT_ARCH_NO_CMOS_RTC  (1u << 5)   /* ACPI 6.5 5.2.9.3 */

/* Returns a pointer through which len bytes at physical address phys can be read,
 * or NULL when that range cannot be reached. */
typedef const void *(*acpi_map_fn)(paddr_t phys, size_t len, void *ctx);

/* Validates an RSDP (len = bytes available at rsdp) and walks the XSDT (or RSDT)
 * it points to, filling *out. Returns 0, -ENOENT when there is no usable root
 * table, or -EINVAL for a malformed RSDP. Bad individual tables are skipped. */
int acpi_parse(const void *rsdp, size_t len, acpi_map_fn map, void *ctx, struct acpi_info *out);

/* Looks for the RSDP in the legacy BIOS areas (ACPI 6.5 5.2.5.1: the first KiB of
 * the EBDA, then 0xE0000-0xFFFFF on 16-byte boundaries). Copies it into buf (at
 * least ACPI_RSDP_V2_LEN bytes) and returns its length, or 0 when not found. */
size_t acpi_find_rsdp(acpi_map_fn map, void *ctx, uint8_t *buf);

/* Byte sum of len bytes (a valid table sums to 0). */
uint8_t acpi_checksum(const void *p, size_t len);

/* The machine's tables, parsed once at boot by arch_time_init (NULL before that or
 * when the firmware has no ACPI). */
const struct acpi_info *acpi_get_info(void);
