/* ACPI table parser (ACPI 6.5 §5.2): RSDP, RSDT/XSDT, MADT, HPET, MCFG, the FADT
 * and the DSDT's \_S5_ package. Pure logic: physical memory is reached only through
 * the caller's map function, and every read is bounded by the table's length. */

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
#define MCFG_ENTRIES_OFF    44          /* PCI Firmware 3.2 table 4-2: 8 reserved bytes */
#define MCFG_ENTRY_LEN      16          /* base (8), segment (2), start/end bus, 4 reserved */
#define ECAM_BUS_ALIGN      (1ull << 20)

/* FADT field offsets (ACPI 6.5 table 5.9). */
#define FADT_DSDT           40
#define FADT_SMI_CMD        48
#define FADT_ACPI_ENABLE    52
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM1B_CNT_BLK   68
#define FADT_FLAGS          112
#define FADT_MIN_LEN        116         /* ACPI 1.0's FADT ends after the flags */
#define FADT_RESET_REG      116         /* GAS: space id, width, offset, size, address */
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT         140
#define FADT_RESET_REG_SUP  (1u << 10)

/* AML encoding (ACPI 6.5 §20.2). */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_QWORD_PREFIX    0x0e
#define AML_PACKAGE_OP      0x12
#define AML_ONES_OP         0xff
#define AML_ROOT_CHAR       '\\'
#define AML_PARENT_CHAR     '^'

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

/* PkgLength (§20.2.4): the lead byte's top two bits count the bytes that follow;
 * with none, its low six bits are the length, else its low nibble is the lowest.
 * Returns the encoding's size, or 0 if it does not fit in avail bytes. */
static size_t aml_pkg_length(const uint8_t *p, size_t avail, uint32_t *length)
{
    if (avail < 1)
        return 0;
    size_t extra = p[0] >> 6;
    if (avail < 1 + extra)
        return 0;
    if (extra == 0) {
        *length = p[0] & 0x3f;
        return 1;
    }
    uint32_t v = p[0] & 0x0f;
    for (size_t i = 0; i < extra; i++)
        v |= (uint32_t)p[1 + i] << (4 + 8 * i);
    *length = v;
    return 1 + extra;
}

/* One integer package element (a constant or a literal); its size, or 0. */
static size_t aml_integer(const uint8_t *p, size_t avail, uint64_t *v)
{
    if (avail < 1)
        return 0;
    size_t n;
    switch (p[0]) {
    case AML_ZERO_OP:  *v = 0; return 1;
    case AML_ONE_OP:   *v = 1; return 1;
    case AML_ONES_OP:  *v = ~0ull; return 1;
    case AML_BYTE_PREFIX:  n = 1; break;
    case AML_WORD_PREFIX:  n = 2; break;
    case AML_DWORD_PREFIX: n = 4; break;
    case AML_QWORD_PREFIX: n = 8; break;
    default: return 0;
    }
    if (avail < 1 + n)
        return 0;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v |= (uint64_t)p[1 + i] << (8 * i);
    return 1 + n;
}

/* Name(\_S5_, Package(){ a, b, ... }) compiles to NameOp ['\\' | '^'...] "_S5_"
 * PackageOp PkgLength NumElements a b ... The bytes "_S5_" also appear in other
 * contexts (references, strings); only the NameOp form counts. */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
    for (size_t i = 1; i + 4 <= len; i++) {
        if (memcmp(aml + i, "_S5_", 4) != 0)
            continue;
        size_t j = i;
        while (j > 0 && (aml[j - 1] == AML_ROOT_CHAR || aml[j - 1] == AML_PARENT_CHAR))
            j--;
        if (j == 0 || aml[j - 1] != AML_NAME_OP)
            continue;
        size_t at = i + 4;
        if (at >= len || aml[at] != AML_PACKAGE_OP)
            return -EINVAL;
        at++;
        uint32_t pkg_len;
        size_t n = aml_pkg_length(aml + at, len - at, &pkg_len);
        if (!n || pkg_len < n + 1 || pkg_len > len - at)
            return -EINVAL;
        size_t end = at + pkg_len;      /* PkgLength counts itself */
        at += n;
        uint8_t count = aml[at++];
        if (count < 2)
            return -EINVAL;
        uint64_t v[2];
        for (int k = 0; k < 2; k++) {
            n = aml_integer(aml + at, end - at, &v[k]);
            if (!n)
                return -EINVAL;
            at += n;
        }
        *slp_typa = (uint8_t)(v[0] & 7);    /* SLP_TYP is a 3-bit field */
        *slp_typb = (uint8_t)(v[1] & 7);
        return 0;
    }
    return -ENOENT;
}

static void parse_fadt(const uint8_t *t, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    uint32_t len = rd32(t + 4);
    struct acpi_fadt *f = &out->fadt;
    if (len < FADT_MIN_LEN) {
        out->tables_rejected++;
        return;
    }
    f->present = true;
    f->pm1a_cnt = rd32(t + FADT_PM1A_CNT_BLK);
    f->pm1b_cnt = rd32(t + FADT_PM1B_CNT_BLK);
    f->smi_cmd = rd32(t + FADT_SMI_CMD);
    f->acpi_enable = t[FADT_ACPI_ENABLE];
    if (len >= FADT_RESET_VALUE + 1 && (rd32(t + FADT_FLAGS) & FADT_RESET_REG_SUP)) {
        f->reset_supported = true;
        f->reset_space = t[FADT_RESET_REG];
        f->reset_address = rd64(t + FADT_RESET_REG + 4);
        f->reset_value = t[FADT_RESET_VALUE];
    }
    paddr_t dsdt = len >= FADT_X_DSDT + 8 ? rd64(t + FADT_X_DSDT) : 0;
    if (!dsdt)
        dsdt = rd32(t + FADT_DSDT);
    const uint8_t *d = map_table(dsdt, map, ctx, out);
    if (!d || memcmp(d, "DSDT", 4) != 0) {
        f->s5_error = -ENOENT;
        return;
    }
    f->s5_error = acpi_find_s5(d + SDT_HEADER_LEN, rd32(d + 4) - SDT_HEADER_LEN,
                               &f->slp_typa, &f->slp_typb);
    f->s5_found = f->s5_error == 0;
}

/* Entries that could not be right (a zero or unaligned base, an inverted bus range,
 * a window that wraps the address space) are dropped and counted. */
static void parse_mcfg(const uint8_t *t, struct acpi_info *out)
{
    uint32_t len = rd32(t + 4);
    for (uint32_t off = MCFG_ENTRIES_OFF; off + MCFG_ENTRY_LEN <= len; off += MCFG_ENTRY_LEN) {
        const uint8_t *e = t + off;
        struct acpi_mcfg m = { rd64(e), rd16(e + 8), e[10], e[11] };
        uint64_t end = m.base + ((uint64_t)m.end_bus + 1) * ECAM_BUS_ALIGN;
        if (!m.base || m.base % ECAM_BUS_ALIGN || m.start_bus > m.end_bus || end < m.base) {
            out->mcfg_rejected++;
            continue;
        }
        if (out->mcfg_count < ACPI_MAX_MCFG)
            out->mcfg[out->mcfg_count++] = m;
    }
}

static void parse_table(const uint8_t *t, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    if (memcmp(t, "APIC", 4) == 0)
        parse_madt(t, out);
    else if (memcmp(t, "FACP", 4) == 0 && !out->fadt.present)
        parse_fadt(t, map, ctx, out);
    else if (memcmp(t, "HPET", 4) == 0 && rd32(t + 4) >= HPET_ADDRESS_OFF + 8 &&
             t[HPET_GAS_OFF] == GAS_SYSTEM_MEMORY)
        out->hpet_address = rd64(t + HPET_ADDRESS_OFF);
    else if (memcmp(t, "MCFG", 4) == 0 && out->mcfg_count == 0)
        parse_mcfg(t, out);
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
            parse_table(t, map, ctx, out);
    }
    return 0;
}
