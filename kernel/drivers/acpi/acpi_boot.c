/* Boot-time ACPI discovery: locate the RSDP (from the loader, else the BIOS area)
 * and parse the tables through the kernel's mappings. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/mm.h>

#define BIOS_AREA_START 0xe0000     /* ACPI 6.5 §5.2.5.1: RSDP search range */
#define BIOS_AREA_LEN   0x20000

struct acpi_info acpi_info;

static bool direct_mapped(paddr_t phys, size_t len)
{
    for (paddr_t p = ALIGN_DOWN(phys, PAGE_SIZE); p < phys + len; p += PAGE_SIZE)
        if (vmm_translate(DIRECT_MAP_BASE + p) != p)
            return false;
    return true;
}

/* Tables in RAM or ACPI regions are in the direct map; firmware that puts them in
 * "reserved" memory gets an uncached MMIO mapping (a handful of small tables). */
static const void *map_phys(paddr_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys + len < phys)
        return NULL;
    if (direct_mapped(phys, len))
        return phys_to_virt(phys);
    return vmm_map_mmio(phys, len, MAP_NOCACHE);
}

int acpi_init(void)
{
    int err = -EINVAL;
    if (boot_info.rsdp_len) {
        err = acpi_parse(boot_info.rsdp, boot_info.rsdp_len, map_phys, NULL, &acpi_info);
        if (err == -EINVAL)     /* the loader's copy is bad; the firmware's may not be */
            log_warn("ACPI: RSDP from the loader is invalid; scanning the BIOS area");
    }
    if (err == -EINVAL) {
        const uint8_t *area = map_phys(BIOS_AREA_START, BIOS_AREA_LEN, NULL);
        long off = area ? acpi_scan_rsdp(area, BIOS_AREA_LEN) : -1;
        if (off < 0) {
            log_warn("ACPI: no RSDP found; assuming one CPU and no IOAPIC");
            return -ENODEV;
        }
        err = acpi_parse(area + off, BIOS_AREA_LEN - (size_t)off, map_phys, NULL, &acpi_info);
    }
    if (err) {
        log_warn("ACPI: unusable root tables (%d)", err);
        return err;
    }
    const struct acpi_fadt *f = &acpi_info.fadt;
    if (!f->present)
        log_warn("ACPI: no FADT: power off unavailable");
    else if (!f->s5_found)
        log_warn("ACPI: no usable \\_S5_ in the DSDT (%s): power off unavailable",
                 f->s5_error == -EINVAL ? "malformed" : "missing");
    if (acpi_info.mcfg_rejected)
        log_warn("ACPI: %zu unusable MCFG entr%s ignored", acpi_info.mcfg_rejected,
                 acpi_info.mcfg_rejected == 1 ? "y" : "ies");
    if (acpi_info.tables_rejected)
        log_warn("ACPI: %zu table(s) with a bad checksum or length ignored",
                 acpi_info.tables_rejected);
    return 0;
}
