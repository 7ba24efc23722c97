/* ACPI table parser (ACPI 6.5 §5.2): RSDP, RSDT/XSDT, MADT and HPET. Pure logic:
 * physical memory is reached only through the caller's map function. */

#include <osc/acpi.h>
#include <osc/errno.h>
#include <osc/lib.h>

#define RSDP_V1_LEN         20
#define RSDP_V2_LEN         36
#define SDT_HEADER_LEN      36
#define SDT_MAX_LEN         (1u << 20)  /* sanity bound: real tables are KiB */
#define MADT_ENTRIES_OFF    44
#define MADT_FLAG_PCAT      1u
#define MADT_LAPIC          0
#define MADT_IOAPIC         1
#define MADT_OVERRIDE       2
#define MADT_LAPIC_ADDR     5
#define MADT_X2APIC         9
#define LAPIC_ENABLED       1u
#define LAPIC_ONLINE_CAPABLE 2u
#define HPET_GAS_OFF        40          /* IA-PC HPET 1.0a 3.2.4: base address GAS */
#define HPET_ADDRESS_OFF    44          /* 64-bit address inside the GAS at 40 */
#define GAS_SYSTEM_MEMORY   0           /* ACPI 6.5 5.2.3.2: address space id */

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

bool acpi_checksum_ok(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

static bool rsdp_valid(const uint8_t *r, size_t len)
{
    if (len < RSDP_V1_LEN || memcmp(r, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(r, RSDP_V1_LEN))
        return false;
    if (r[15] >= 2) {
        uint32_t full = rd32(r + 20);
        if (len < RSDP_V2_LEN || full < RSDP_V2_LEN || full > len || !acpi_checksum_ok(r, full))
            return false;
    }
    return true;
}

long acpi_scan_rsdp(const uint8_t *area, size_t len)
{
    for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
        if (rsdp_valid(area + off, len - off))
            return (long)off;
    return -1;
}

/* Maps a whole table after checking its header; NULL (and a count) when bad. */
static const uint8_t *map_table(paddr_t phys, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    if (!phys)
        return NULL;
    const uint8_t *h = map(phys, SDT_HEADER_LEN, ctx);
    if (!h)
        return NULL;
    uint32_t len = rd32(h + 4);
    if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN) {
        out->tables_rejected++;
        return NULL;
    }
    const uint8_t *t = map(phys, len, ctx);
    if (!t || !acpi_checksum_ok(t, len)) {
        out->tables_rejected++;
        return NULL;
    }
    return t;
}

static void madt_add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)) || out->cpu_count == ACPI_MAX_CPUS)
        return;
    for (size_t i = 0; i < out->cpu_count; i++)
        if (out->cpus[i].apic_id == apic_id)
            return;     /* listed as both LAPIC and x2APIC */
    out->cpus[out->cpu_count++] = (struct acpi_cpu){ apic_id, uid, flags & LAPIC_ENABLED };
}

static void parse_madt(const uint8_t *t, struct acpi_info *out)
{
    uint32_t len = rd32(t + 4);
    if (len < MADT_ENTRIES_OFF)
        return;
    out->lapic_address = rd32(t + 36);
    out->has_8259 = rd32(t + 40) & MADT_FLAG_PCAT;
    for (uint32_t off = MADT_ENTRIES_OFF; off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || elen > len - off)
            break;      /* a zero or overrunning length would loop or overread */
        const uint8_t *e = t + off;
        switch (type) {
        case MADT_LAPIC:
            if (elen >= 8)
                madt_add_cpu(out, e[3], e[2], rd32(e + 4));
            break;
        case MADT_X2APIC:
            if (elen >= 16)
                madt_add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
            break;
        case MADT_IOAPIC:
            if (elen >= 12 && out->ioapic_count < ACPI_MAX_IOAPICS)
                out->ioapics[out->ioapic_count++] =
                    (struct acpi_ioapic){ e[2], rd32(e + 4), rd32(e + 8) };
            break;
        case MADT_OVERRIDE:
            if (elen >= 10 && out->override_count < ACPI_MAX_OVERRIDES)
                out->overrides[out->override_count++] =
                    (struct acpi_override){ e[3], rd32(e + 4), rd16(e + 8) };
            break;
        case MADT_LAPIC_ADDR:
            if (elen >= 12)
                out->lapic_address = rd64(e + 4);
            break;
        default:
            break;
        }
        off += elen;
    }
}

static void parse_table(const uint8_t *t, struct acpi_info *out)
{
    if (memcmp(t, "APIC", 4) == 0)
        parse_madt(t, out);
    else if (memcmp(t, "HPET", 4) == 0 && rd32(t + 4) >= HPET_ADDRESS_OFF + 8 &&
             t[HPET_GAS_OFF] == GAS_SYSTEM_MEMORY)
        out->hpet_address = rd64(t + HPET_ADDRESS_OFF);
}

int acpi_parse(const uint8_t *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
               struct acpi_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!rsdp || !rsdp_valid(rsdp, rsdp_len))
        return -EINVAL;
    out->revision = rsdp[15];
    bool xsdt = out->revision >= 2 && rd64(rsdp + 24) != 0;
    const uint8_t *root = xsdt ? map_table(rd64(rsdp + 24), map, ctx, out) : NULL;
    if (root && memcmp(root, "XSDT", 4) != 0)
        root = NULL;
    if (!root) {
        /* No XSDT, or a corrupt one: ACPI 2.0+ firmware still provides the RSDT. */
        xsdt = false;
        root = map_table(rd32(rsdp + 16), map, ctx, out);
        if (!root || memcmp(root, "RSDT", 4) != 0)
            return -EINVAL;
    }
    size_t entry_size = xsdt ? 8 : 4;
    size_t count = (rd32(root + 4) - SDT_HEADER_LEN) / entry_size;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = root + SDT_HEADER_LEN + i * entry_size;
        paddr_t phys = xsdt ? rd64(p) : rd32(p);
        const uint8_t *t = map_table(phys, map, ctx, out);
        if (t)
            parse_table(t, out);
    }
    return 0;
}
