/* Kernel side of the ACPI parser: reaching firmware tables in physical memory and
 * keeping the parsed result. Tables in RAM the direct map covers are read there;
 * anything else (e.g. tables in "reserved" ranges) goes through uncached MMIO
 * windows, cached here so re-reading a table doesn't map it again. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include "arch_time.h"

#define DIRECT_MAP_LIMIT    (MMIO_BASE - DIRECT_MAP_BASE)   /* mm.h layout: 64 TiB */
#define ACPI_WINDOWS        16

struct acpi_window {
    paddr_t phys;           /* page-aligned */
    size_t len;
    const uint8_t *virt;
};

/* Boot CPU only, during arch_time_init: no lock needed. */
static struct acpi_window windows[ACPI_WINDOWS];
static unsigned window_next;
static struct acpi_info acpi;
static bool acpi_ready;

static bool direct_mapped(paddr_t phys, size_t len)
{
    if (phys >= DIRECT_MAP_LIMIT || len > DIRECT_MAP_LIMIT - phys)
        return false;
    for (paddr_t p = ALIGN_DOWN(phys, PAGE_SIZE); p < phys + len; p += PAGE_SIZE)
        if (vmm_translate(DIRECT_MAP_BASE + p) != p)
            return false;
    return true;
}

static const void *acpi_map(paddr_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (len == 0 || phys + len < phys)
        return NULL;
    if (direct_mapped(phys, len))
        return phys_to_virt(phys);
    for (unsigned i = 0; i < ACPI_WINDOWS; i++) {
        struct acpi_window *w = &windows[i];
        if (w->virt && phys >= w->phys && phys + len <= w->phys + w->len)
            return w->virt + (phys - w->phys);
    }
    paddr_t base = ALIGN_DOWN(phys, PAGE_SIZE);
    size_t span = ALIGN_UP(phys + len, PAGE_SIZE) - base;
    const uint8_t *v = vmm_map_mmio(base, span, MAP_NOCACHE);
    if (!v)
        return NULL;
    /* Old windows stay mapped (a few pages of address space): a pointer the parser
     * still holds must never go stale. */
    windows[window_next] = (struct acpi_window){ base, span, v };
    window_next = (window_next + 1) % ACPI_WINDOWS;
    log_debug("ACPI: mapped %#llx+%zu uncached", (unsigned long long)base, span);
    return v + (phys - base);
}

const struct acpi_info *acpi_boot_init(void)
{
    uint8_t rsdp[ACPI_RSDP_V2_LEN];
    size_t len = MIN(boot_info.rsdp_len, sizeof(rsdp));
    memcpy(rsdp, boot_info.rsdp, len);
    int err = len ? acpi_parse(rsdp, len, acpi_map, NULL, &acpi) : -EINVAL;
    if (err == -EINVAL) {
        /* No (valid) RSDP from the loader: try the legacy BIOS areas. */
        len = acpi_find_rsdp(acpi_map, NULL, rsdp);
        err = len ? acpi_parse(rsdp, len, acpi_map, NULL, &acpi) : -ENOENT;
    }
    if (err) {
        log_error("ACPI: no usable tables (%d); running without them", err);
        return NULL;
    }
    acpi_ready = true;
    return &acpi;
}

const struct acpi_info *acpi_get_info(void)
{
    return acpi_ready ? &acpi : NULL;
}
