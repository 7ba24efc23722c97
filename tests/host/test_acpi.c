/* host-test: kernel/drivers/acpi/acpi.c */
/* ACPI parser on synthetic firmware images: RSDP/XSDT/RSDT, MADT, HPET, FADT, and
 * the corrupt cases firmware can hand us (bad checksum, truncation, bad lengths). */
#include <stdarg.h>
#include <stdint.h>
#include <osc/acpi.h>
#include <osc/errno.h>
#include <osc/log.h>
#include "check.h"

/* Log stand-ins: count errors so tests can tell a table was rejected loudly. */
static int log_errors;
void log_write(enum log_level level, const char *tag, const char *fmt, ...)
{
    (void)tag; (void)fmt;
    if (level == LOG_ERROR)
        log_errors++;
}
bool log_enabled(enum log_level level) { return level <= LOG_INFO; }

/* Synthetic physical memory: a heap buffer of exactly mem_size bytes, so ASan
 * reports any read past its end. */
static uint8_t *mem;
static size_t mem_size;
static int map_calls;

static const void *map_phys(paddr_t phys, size_t len, void *ctx)
{
    (void)ctx;
    map_calls++;
    if (phys > mem_size || len > mem_size - phys)
        return NULL;
    return mem + phys;
}

static void mem_init(size_t size)
{
    free(mem);
    mem = calloc(1, size);
    mem_size = size;
    log_errors = 0;
    map_calls = 0;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

static void fix_checksum(uint8_t *p, size_t len, size_t off)
{
    p[off] = 0;
    p[off] = (uint8_t)(0x100 - acpi_checksum(p, len));
}

/* Writes an SDT header with the given signature and length at phys. */
static uint8_t *sdt(paddr_t phys, const char *sig, uint32_t len)
{
    uint8_t *t = mem + phys;
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 1;
    memcpy(t + 10, "OSCTST", 6);
    return t;
}

static void sdt_seal(paddr_t phys)
{
    uint32_t len = mem[phys + 4] | mem[phys + 5] << 8 | mem[phys + 6] << 16 | (uint32_t)mem[phys + 7] << 24;
    fix_checksum(mem + phys, len, 9);
}

static void make_rsdp(uint8_t *r, int revision, uint32_t rsdt, uint64_t xsdt)
{
    memset(r, 0, ACPI_RSDP_V2_LEN);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "OSCTST", 6);
    r[15] = revision;
    put32(r + 16, rsdt);
    fix_checksum(r, ACPI_RSDP_V1_LEN, 8);
    if (revision >= 2) {
        put32(r + 20, ACPI_RSDP_V2_LEN);
        put64(r + 24, xsdt);
        fix_checksum(r, ACPI_RSDP_V2_LEN, 32);
    }
}

#define MADT_AT  0x2000
#define HPET_AT  0x3000
#define FADT_AT  0x4000
#define XSDT_AT  0x1000
#define RSDT_AT  0x1800

/* A q35-like MADT: 2 enabled CPUs, 1 disabled + online-capable, 1 absent, an
 * IOAPIC, the IRQ0->GSI2 and SCI (level, low) overrides. Returns its length. */
static uint32_t make_madt(paddr_t at)
{
    uint8_t *t = mem + at;
    uint32_t off = 44;
    put32(t + 36, 0xfee00000);
    put32(t + 40, 1);                                   /* PCAT_COMPAT */
    uint8_t lapics[4][8] = {
        { 0, 8, 0, 0, 1, 0, 0, 0 },                     /* uid 0, apic 0, enabled */
        { 0, 8, 1, 1, 1, 0, 0, 0 },                     /* uid 1, apic 1, enabled */
        { 0, 8, 2, 4, 2, 0, 0, 0 },                     /* apic 4, online capable */
        { 0, 8, 3, 6, 0, 0, 0, 0 },                     /* apic 6, unusable */
    };
    for (int i = 0; i < 4; i++, off += 8)
        memcpy(t + off, lapics[i], 8);
    uint8_t *io = t + off;
    io[0] = 1; io[1] = 12; io[2] = 2;
    put32(io + 4, 0xfec00000);
    put32(io + 8, 0);
    off += 12;
    uint8_t *ov = t + off;
    ov[0] = 2; ov[1] = 10; ov[2] = 0; ov[3] = 0;
    put32(ov + 4, 2);
    put16(ov + 8, 0);
    off += 10;
    ov = t + off;
    ov[0] = 2; ov[1] = 10; ov[2] = 0; ov[3] = 9;
    put32(ov + 4, 9);
    put16(ov + 8, ACPI_INTI_POLARITY_LOW | ACPI_INTI_TRIGGER_LEVEL);
    off += 10;
    uint8_t *nmi = t + off;                             /* LAPIC NMI: skipped */
    nmi[0] = 4; nmi[1] = 6; nmi[2] = 0xff; nmi[5] = 1;
    off += 6;
    sdt(at, "APIC", off);
    sdt_seal(at);
    return off;
}

static void make_hpet(paddr_t at, uint64_t base)
{
    uint8_t *t = sdt(at, "HPET", 56);
    put32(t + 36, 0x8086a201);
    t[40] = 0;                                          /* system memory */
    t[41] = 64;
    put64(t + 44, base);
    sdt_seal(at);
}

static void make_fadt(paddr_t at)
{
    uint8_t *t = sdt(at, "FACP", 116);
    t[108] = 0x32;
    put16(t + 109, 0x0002);
    sdt_seal(at);
}

static void make_xsdt(paddr_t at, const uint64_t *tables, int n)
{
    sdt(at, "XSDT", 36 + 8 * n);
    for (int i = 0; i < n; i++)
        put64(mem + at + 36 + 8 * i, tables[i]);
    sdt_seal(at);
}

static void make_rsdt(paddr_t at, const uint32_t *tables, int n)
{
    sdt(at, "RSDT", 36 + 4 * n);
    for (int i = 0; i < n; i++)
        put32(mem + at + 36 + 4 * i, tables[i]);
    sdt_seal(at);
}

static void make_machine(void)
{
    mem_init(0x8000);
    make_madt(MADT_AT);
    make_hpet(HPET_AT, 0xfed00000);
    make_fadt(FADT_AT);
    uint64_t x[] = { FADT_AT, MADT_AT, HPET_AT };
    make_xsdt(XSDT_AT, x, 3);
    uint32_t r[] = { MADT_AT };
    make_rsdt(RSDT_AT, r, 1);
}

TEST(parses_xsdt_madt_hpet_fadt)
{
    make_machine();
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK(info.found);
    CHECK_EQ(info.revision, 2);
    CHECK(info.has_madt);
    CHECK(info.pcat_compat);
    CHECK_EQ(info.lapic_address, 0xfee00000);
    CHECK_EQ(info.cpu_count, 3);
    CHECK_EQ(info.cpus[0].apic_id, 0);
    CHECK(info.cpus[0].enabled);
    CHECK_EQ(info.cpus[1].apic_id, 1);
    CHECK_EQ(info.cpus[2].apic_id, 4);
    CHECK(!info.cpus[2].enabled);
    CHECK(info.cpus[2].online_capable);
    CHECK_EQ(info.ioapic_count, 1);
    CHECK_EQ(info.ioapics[0].id, 2);
    CHECK_EQ(info.ioapics[0].address, 0xfec00000);
    CHECK_EQ(info.ioapics[0].gsi_base, 0);
    CHECK_EQ(info.override_count, 2);
    CHECK_EQ(info.overrides[0].isa_irq, 0);
    CHECK_EQ(info.overrides[0].gsi, 2);
    CHECK_EQ(info.overrides[1].isa_irq, 9);
    CHECK_EQ(info.overrides[1].flags, ACPI_INTI_POLARITY_LOW | ACPI_INTI_TRIGGER_LEVEL);
    CHECK_EQ(info.hpet_base, 0xfed00000);
    CHECK_EQ(info.rtc_century_reg, 0x32);
    CHECK_EQ(info.boot_arch_flags, 2);
    CHECK_EQ(log_errors, 0);
}

TEST(revision0_rsdp_uses_rsdt)
{
    make_machine();
    uint8_t rsdp[20];
    uint8_t full[36];
    make_rsdp(full, 0, RSDT_AT, 0);
    memcpy(rsdp, full, 20);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.revision, 0);
    CHECK_EQ(info.cpu_count, 3);
    CHECK_EQ(info.hpet_base, 0);        /* the RSDT lists only the MADT */
}

TEST(bad_xsdt_checksum_falls_back_to_rsdt)
{
    make_machine();
    mem[XSDT_AT + 20] ^= 0x55;
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 3);
    CHECK(log_errors > 0);
}

TEST(bad_rsdp_checksum_is_rejected)
{
    make_machine();
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    rsdp[12] ^= 1;
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), -EINVAL);
    CHECK(!info.found);
    /* Extended checksum alone wrong: also rejected. */
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    rsdp[33] ^= 1;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), -EINVAL);
    /* A v2 RSDP cut to 20 bytes cannot be validated. */
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    CHECK_EQ(acpi_parse(rsdp, 20, map_phys, NULL, &info), -EINVAL);
    CHECK_EQ(acpi_parse(NULL, 0, map_phys, NULL, &info), -EINVAL);
}

TEST(bad_madt_checksum_is_ignored_not_fatal)
{
    make_machine();
    mem[MADT_AT + 50] ^= 0xff;
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK(!info.has_madt);
    CHECK_EQ(info.cpu_count, 0);
    CHECK_EQ(info.hpet_base, 0xfed00000);   /* other tables still read */
    CHECK_EQ(log_errors, 1);
}

TEST(table_truncated_by_end_of_memory_is_ignored)
{
    /* The HPET table claims 56 bytes but memory ends 20 bytes into it. */
    make_machine();
    uint8_t *old = mem;
    size_t keep = HPET_AT + 20 + 16;
    mem = malloc(keep);
    memcpy(mem, old, keep);
    free(old);
    mem_size = keep;
    /* FADT lies beyond the end now too; the MADT is intact. */
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.hpet_base, 0);
    CHECK_EQ(info.rtc_century_reg, 0);
    CHECK_EQ(info.cpu_count, 3);
    CHECK(log_errors >= 2);
}

TEST(table_length_below_header_or_huge_is_rejected)
{
    make_machine();
    put32(mem + HPET_AT + 4, 8);
    put32(mem + FADT_AT + 4, 0xffffffff);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.hpet_base, 0);
    CHECK_EQ(info.rtc_century_reg, 0);
    CHECK_EQ(log_errors, 2);
}

TEST(madt_entry_length_zero_stops_the_walk)
{
    make_machine();
    /* Corrupt the second LAPIC entry's length to 0, then re-seal the checksum so
     * only the entry walk can catch it. */
    mem[MADT_AT + 44 + 8 + 1] = 0;
    sdt_seal(MADT_AT);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK(info.has_madt);
    CHECK_EQ(info.cpu_count, 1);            /* the entry before it was kept */
    CHECK_EQ(info.ioapic_count, 0);
    CHECK_EQ(log_errors, 1);
}

TEST(madt_entry_overrunning_the_table_is_not_read)
{
    make_machine();
    /* Shrink the MADT so its last entry (the 6-byte NMI) is cut in half. */
    uint32_t len = mem[MADT_AT + 4] | mem[MADT_AT + 5] << 8;
    put32(mem + MADT_AT + 4, len - 3);
    sdt_seal(MADT_AT);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, RSDT_AT, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 3);
    CHECK_EQ(info.override_count, 2);
    CHECK_EQ(log_errors, 1);
}

TEST(madt_entry_fields_past_short_entry_are_not_read)
{
    /* A MADT whose only entry is an IOAPIC with length 4: too short to hold an
     * address, so it is skipped, and the walk ends at the table's end. */
    mem_init(0x8000);
    uint8_t *t = mem + MADT_AT;
    put32(t + 36, 0xfee00000);
    t[44] = 1; t[45] = 4;
    sdt(MADT_AT, "APIC", 48);
    sdt_seal(MADT_AT);
    uint64_t x[] = { MADT_AT };
    make_xsdt(XSDT_AT, x, 1);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, 0, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.ioapic_count, 0);
    CHECK_EQ(log_errors, 0);
}

TEST(x2apic_entries_and_lapic_address_override)
{
    mem_init(0x8000);
    uint8_t *t = mem + MADT_AT;
    put32(t + 36, 0xfee00000);
    uint8_t *e = t + 44;
    e[0] = 9; e[1] = 16;
    put32(e + 4, 300);          /* x2APIC id */
    put32(e + 8, 1);            /* enabled */
    put32(e + 12, 7);           /* uid */
    e += 16;
    e[0] = 5; e[1] = 12;
    put64(e + 4, 0x1fee00000ull);
    sdt(MADT_AT, "APIC", 44 + 28);
    sdt_seal(MADT_AT);
    uint64_t x[] = { MADT_AT };
    make_xsdt(XSDT_AT, x, 1);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, 0, XSDT_AT);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 1);
    CHECK_EQ(info.cpus[0].apic_id, 300);
    CHECK_EQ(info.cpus[0].uid, 7);
    CHECK_EQ(info.lapic_address, 0x1fee00000ull);
}

TEST(missing_root_table_is_enoent)
{
    mem_init(0x8000);
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2, 0x7ff0, 0x100000);   /* XSDT beyond memory, RSDT is zeros */
    struct acpi_info info;
    CHECK_EQ(acpi_parse(rsdp, sizeof(rsdp), map_phys, NULL, &info), -ENOENT);
    CHECK(!info.found);
}

TEST(rsdp_found_in_bios_area_and_ebda)
{
    mem_init(0x100000);
    uint8_t buf[36];
    CHECK_EQ(acpi_find_rsdp(map_phys, NULL, buf), 0);
    /* A decoy with a bad checksum first, then the real one. */
    make_rsdp(mem + 0xf5a00, 0, 0x1234, 0);
    mem[0xf5a00 + 10] ^= 1;
    make_rsdp(mem + 0xf6b10, 2, 0x1234, 0x5678);
    CHECK_EQ(acpi_find_rsdp(map_phys, NULL, buf), 36);
    CHECK(memcmp(buf, mem + 0xf6b10, 36) == 0);
    /* An RSDP in the EBDA (segment in the BDA at 0x40e) wins. */
    put16(mem + 0x40e, 0x9fc0);
    make_rsdp(mem + 0x9fc00 + 0x30, 0, 0x4321, 0);
    CHECK_EQ(acpi_find_rsdp(map_phys, NULL, buf), 20);
    CHECK_EQ(buf[16], 0x21);
    /* Not on a 16-byte boundary: not an RSDP. */
    mem_init(0x100000);
    make_rsdp(mem + 0xe0008, 0, 0x1234, 0);
    CHECK_EQ(acpi_find_rsdp(map_phys, NULL, buf), 0);
    free(mem);
    mem = NULL;
}
