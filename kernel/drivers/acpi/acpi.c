/* ACPI static-table parser: RSDP -> XSDT/RSDT -> MADT, HPET, FADT. Pure: physical
 * memory is read only through the caller's map function, so host tests can feed
 * synthetic byte images. Tables come from firmware, i.e. from outside the kernel:
 * every length is checked against what was mapped before a byte is read. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>

/* System description table header (ACPI 6.5 5.2.6, table 5.4). */
#define SDT_HEADER_LEN      36
#define SDT_LENGTH_OFF      4
#define SDT_MAX_LEN         MiB(1)      /* sanity bound: real tables are KiBs */

/* RSDP fields (ACPI 6.5 5.2.5.3, table 5.3). */
#define RSDP_SIGNATURE      "RSD PTR "
#define RSDP_REVISION_OFF   15
#define RSDP_RSDT_OFF       16
#define RSDP_LENGTH_OFF     20
#define RSDP_XSDT_OFF       24

/* MADT (ACPI 6.5 5.2.12): flags word and interrupt controller structures. */
#define MADT_LAPIC_ADDR_OFF     36
#define MADT_FLAGS_OFF          40
#define MADT_ENTRIES_OFF        44
#define MADT_PCAT_COMPAT        (1u << 0)
#define MADT_TYPE_LAPIC         0       /* 5.2.12.2 */
#define MADT_TYPE_IOAPIC        1       /* 5.2.12.3 */
#define MADT_TYPE_OVERRIDE      2       /* 5.2.12.5 */
#define MADT_TYPE_LAPIC_ADDR    5       /* 5.2.12.8 */
#define MADT_TYPE_X2APIC        9       /* 5.2.12.12 */
#define MADT_LAPIC_ENABLED      (1u << 0)   /* table 5.23 */
#define MADT_LAPIC_ONLINE_CAP   (1u << 1)

/* HPET description table (IA-PC HPET spec 1.0a, 3.2.4): base address is a GAS. */
#define HPET_GAS_OFF            40
#define HPET_ADDR_OFF           44
#define HPET_TABLE_MIN_LEN      56
#define GAS_SPACE_MEMORY        0       /* ACPI 6.5 5.2.3.2 */

/* FADT (ACPI 6.5 5.2.9, table 5.9). */
#define FADT_CENTURY_OFF        108
#define FADT_BOOT_ARCH_OFF      109

/* Legacy RSDP search areas (ACPI 6.5 5.2.5.1). */
#define BDA_EBDA_SEGMENT        0x40e
#define EBDA_SEARCH_LEN         1024
#define BIOS_AREA_START         0xe0000
#define BIOS_AREA_END           0x100000

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum;
}

/* Maps a whole table: header first to learn its length, then all of it. Returns
 * NULL (after logging) for an unreachable, implausibly sized or corrupt table. */
static const uint8_t *map_table(paddr_t phys, acpi_map_fn map, void *ctx, uint32_t *len_out)
{
    const uint8_t *h = map(phys, SDT_HEADER_LEN, ctx);
    if (!h) {
        log_error("ACPI: table at %#llx is not reachable", (unsigned long long)phys);
        return NULL;
    }
    uint32_t len = rd32(h + SDT_LENGTH_OFF);
    if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN) {
        log_error("ACPI: table %.4s at %#llx has bad length %u, ignored", (const char *)h,
                  (unsigned long long)phys, len);
        return NULL;
    }
    const uint8_t *t = map(phys, len, ctx);
    if (!t) {
        log_error("ACPI: table at %#llx (%u bytes) is not reachable", (unsigned long long)phys, len);
        return NULL;
    }
    if (acpi_checksum(t, len) != 0) {
        log_error("ACPI: table %.4s at %#llx has a bad checksum, ignored", (const char *)t,
                  (unsigned long long)phys);
        return NULL;
    }
    *len_out = len;
    return t;
}

static void madt_add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    /* Neither enabled nor online-capable: the firmware says this CPU is unusable. */
    if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAP)))
        return;
    if (out->cpu_count >= ACPI_MAX_CPUS) {
        log_warn("ACPI: more than %d CPUs, APIC id %u ignored", ACPI_MAX_CPUS, apic_id);
        return;
    }
    struct acpi_cpu *c = &out->cpus[out->cpu_count++];
    c->apic_id = apic_id;
    c->uid = uid;
    c->enabled = flags & MADT_LAPIC_ENABLED;
    c->online_capable = !c->enabled && (flags & MADT_LAPIC_ONLINE_CAP);
}

static void madt_parse(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    if (len < MADT_ENTRIES_OFF) {
        log_error("ACPI: MADT too short (%u bytes), ignored", len);
        return;
    }
    out->has_madt = true;
    out->lapic_address = rd32(t + MADT_LAPIC_ADDR_OFF);
    out->pcat_compat = rd32(t + MADT_FLAGS_OFF) & MADT_PCAT_COMPAT;

    /* Each entry is [type][length][body]. An entry shorter than its own header
     * (length 0 would loop forever) or running past the table ends the walk. */
    for (uint32_t off = MADT_ENTRIES_OFF; off + 2 <= len;) {
        const uint8_t *e = t + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || off + elen > len) {
            log_error("ACPI: MADT entry at offset %u has bad length %u, rest ignored", off, elen);
            break;
        }
        switch (type) {
        case MADT_TYPE_LAPIC:
            if (elen >= 8)
                madt_add_cpu(out, e[3], e[2], rd32(e + 4));
            break;
        case MADT_TYPE_X2APIC:
            if (elen >= 16)
                madt_add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
            break;
        case MADT_TYPE_IOAPIC:
            if (elen < 12)
                break;
            if (out->ioapic_count >= ACPI_MAX_IOAPICS) {
                log_warn("ACPI: more than %d IOAPICs, id %u ignored", ACPI_MAX_IOAPICS, e[2]);
                break;
            }
            out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
                .id = e[2], .address = rd32(e + 4), .gsi_base = rd32(e + 8) };
            break;
        case MADT_TYPE_OVERRIDE:
            /* Bus 0 is ISA, the only bus the spec defines for overrides. */
            if (elen < 10 || e[2] != 0)
                break;
            if (out->override_count >= ACPI_MAX_OVERRIDES) {
                log_warn("ACPI: too many interrupt source overrides, IRQ %u ignored", e[3]);
                break;
            }
            out->overrides[out->override_count++] = (struct acpi_override){
                .isa_irq = e[3], .gsi = rd32(e + 4), .flags = rd16(e + 8) };
            break;
        case MADT_TYPE_LAPIC_ADDR:
            if (elen >= 12)
                out->lapic_address = rd64(e + 4);
            break;
        default:
            break;      /* NMI sources, GIC entries, ...: not needed here */
        }
        off += elen;
    }
}

static void hpet_parse(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    if (len < HPET_TABLE_MIN_LEN) {
        log_error("ACPI: HPET table too short (%u bytes), ignored", len);
        return;
    }
    if (t[HPET_GAS_OFF] != GAS_SPACE_MEMORY) {
        log_error("ACPI: HPET not in memory space (%u), ignored", t[HPET_GAS_OFF]);
        return;
    }
    out->hpet_base = rd64(t + HPET_ADDR_OFF);
}

static void fadt_parse(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    /* ACPI 1.0 FADTs may end before these fields: then there is no century. */
    if (len > FADT_CENTURY_OFF)
        out->rtc_century_reg = t[FADT_CENTURY_OFF];
    if (len >= FADT_BOOT_ARCH_OFF + 2)
        out->boot_arch_flags = rd16(t + FADT_BOOT_ARCH_OFF);
}

static void table_dispatch(paddr_t phys, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    uint32_t len;
    const uint8_t *t = map_table(phys, map, ctx, &len);
    if (!t)
        return;
    if (memcmp(t, "APIC", 4) == 0 && !out->has_madt)
        madt_parse(t, len, out);
    else if (memcmp(t, "HPET", 4) == 0 && !out->hpet_base)
        hpet_parse(t, len, out);
    else if (memcmp(t, "FACP", 4) == 0)
        fadt_parse(t, len, out);
}

static bool rsdp_valid(const uint8_t *r, size_t len, size_t *full_len)
{
    if (len < ACPI_RSDP_V1_LEN || memcmp(r, RSDP_SIGNATURE, 8) != 0)
        return false;
    if (acpi_checksum(r, ACPI_RSDP_V1_LEN) != 0)
        return false;
    *full_len = ACPI_RSDP_V1_LEN;
    if (r[RSDP_REVISION_OFF] >= 2) {
        /* The extended part must be present and sum to zero too. */
        if (len < ACPI_RSDP_V2_LEN || rd32(r + RSDP_LENGTH_OFF) < ACPI_RSDP_V2_LEN)
            return false;
        if (acpi_checksum(r, ACPI_RSDP_V2_LEN) != 0)
            return false;
        *full_len = ACPI_RSDP_V2_LEN;
    }
    return true;
}

int acpi_parse(const void *rsdp, size_t len, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    memset(out, 0, sizeof(*out));
    const uint8_t *r = rsdp;
    size_t rlen;
    if (!r || !rsdp_valid(r, len, &rlen)) {
        log_error("ACPI: RSDP is malformed or has a bad checksum");
        return -EINVAL;
    }
    out->revision = r[RSDP_REVISION_OFF];

    /* Prefer the XSDT (64-bit entries); fall back to the RSDT if it is unusable. */
    uint32_t root_len = 0;
    const uint8_t *root = NULL;
    size_t entry_size = 8;
    uint64_t xsdt = rlen >= ACPI_RSDP_V2_LEN ? rd64(r + RSDP_XSDT_OFF) : 0;
    if (xsdt) {
        root = map_table(xsdt, map, ctx, &root_len);
        if (root && memcmp(root, "XSDT", 4) != 0)
            root = NULL;
    }
    if (!root) {
        entry_size = 4;
        uint32_t rsdt = rd32(r + RSDP_RSDT_OFF);
        if (rsdt)
            root = map_table(rsdt, map, ctx, &root_len);
        if (root && memcmp(root, "RSDT", 4) != 0)
            root = NULL;
    }
    if (!root) {
        log_error("ACPI: no usable RSDT or XSDT");
        return -ENOENT;
    }
    out->found = true;

    /* Copy the entry list first: with a host-test or caching map function, mapping
     * a child table may reuse the window the root was read through. */
    uint64_t entries[64];
    size_t n = (root_len - SDT_HEADER_LEN) / entry_size;
    if (n > ARRAY_SIZE(entries)) {
        log_warn("ACPI: root table lists %zu tables, only %zu read", n, ARRAY_SIZE(entries));
        n = ARRAY_SIZE(entries);
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = root + SDT_HEADER_LEN + i * entry_size;
        entries[i] = entry_size == 8 ? rd64(e) : rd32(e);
    }
    for (size_t i = 0; i < n; i++)
        if (entries[i])
            table_dispatch(entries[i], map, ctx, out);
    return 0;
}

static size_t rsdp_scan(const uint8_t *area, paddr_t start, size_t len, uint8_t *buf)
{
    for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16) {
        size_t full;
        if (rsdp_valid(area + off, len - off, &full)) {
            memcpy(buf, area + off, full);
            log_debug("ACPI: RSDP found at %#llx", (unsigned long long)(start + off));
            return full;
        }
    }
    return 0;
}

size_t acpi_find_rsdp(acpi_map_fn map, void *ctx, uint8_t *buf)
{
    const uint8_t *bda = map(BDA_EBDA_SEGMENT, 2, ctx);
    if (bda) {
        paddr_t ebda = (paddr_t)rd16(bda) << 4;
        /* A sane EBDA lies below 640 KiB; anything else is junk in the BDA. */
        if (ebda >= 0x80000 && ebda + EBDA_SEARCH_LEN <= 0xa0000) {
            const uint8_t *p = map(ebda, EBDA_SEARCH_LEN, ctx);
            size_t n = p ? rsdp_scan(p, ebda, EBDA_SEARCH_LEN, buf) : 0;
            if (n)
                return n;
        }
    }
    const uint8_t *bios = map(BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, ctx);
    return bios ? rsdp_scan(bios, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, buf) : 0;
}
