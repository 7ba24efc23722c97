/* host-test: kernel/drivers/acpi/acpi.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* ACPI parser on synthetic firmware tables laid out in a fake physical memory. */
#include <stdint.h>
#include <osc/acpi.h>
#include <osc/errno.h>
#include "check.h"

#define PHYS_SIZE 0x10000
static uint8_t phys[PHYS_SIZE];

static const void *map_fake(paddr_t p, size_t len, void *ctx)
{
    (void)ctx;
    if (p >= PHYS_SIZE || len > PHYS_SIZE - p)
        return NULL;
    return phys + p;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_checksum(uint8_t *t, size_t len, size_t at)
{
    t[at] = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += t[i];
    t[at] = (uint8_t)-sum;
}

static void header(uint32_t at, const char *sig, uint32_t len)
{
    memcpy(phys + at, sig, 4);
    put32(phys + at + 4, len);
    phys[at + 8] = 1;
}

/* MADT at 0x2000: 2 CPUs (one disabled, one x2APIC), an IOAPIC, two overrides. */
static uint32_t build_madt(void)
{
    uint8_t *t = phys + 0x2000;
    uint32_t off = 44;
    put32(t + 36, 0xfee00000);
    put32(t + 40, 1);
    uint8_t lapic0[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };         /* uid 0, apic 0, enabled */
    uint8_t lapic1[8] = { 0, 8, 1, 1, 0, 0, 0, 0 };         /* disabled: not counted */
    uint8_t x2[16] = { 9, 16, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0 };  /* online-capable */
    uint8_t io[12] = { 1, 12, 4, 0 };
    put32(io + 4, 0xfec00000);
    put32(io + 8, 0);
    uint8_t ovr0[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };   /* IRQ0 -> GSI2 */
    uint8_t ovr9[10] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0f, 0 }; /* IRQ9 level, active low */
    const uint8_t *entries[] = { lapic0, lapic1, x2, io, ovr0, ovr9 };
    for (size_t i = 0; i < 6; i++) {
        memcpy(t + off, entries[i], entries[i][1]);
        off += entries[i][1];
    }
    header(0x2000, "APIC", off);
    fix_checksum(t, off, 9);
    return off;
}

static void build_hpet(void)
{
    header(0x3000, "HPET", 56);
    put64(phys + 0x3000 + 44, 0xfed00000);
    fix_checksum(phys + 0x3000, 56, 9);
}

/* RSDP v2 at 0x0 -> XSDT at 0x1000 -> {MADT, HPET, extra}. */
static void build_all(int extra_tables, const uint32_t *extra)
{
    memset(phys, 0, sizeof(phys));
    build_madt();
    build_hpet();
    uint32_t n = 2 + (uint32_t)extra_tables;
    header(0x1000, "XSDT", 36 + 8 * n);
    put64(phys + 0x1000 + 36, 0x2000);
    put64(phys + 0x1000 + 44, 0x3000);
    for (int i = 0; i < extra_tables; i++)
        put64(phys + 0x1000 + 52 + 8 * i, extra[i]);
    fix_checksum(phys + 0x1000, 36 + 8 * n, 9);
    memcpy(phys, "RSD PTR ", 8);
    phys[15] = 2;
    put32(phys + 20, 36);
    put64(phys + 24, 0x1000);
    fix_checksum(phys, 20, 8);
    fix_checksum(phys, 36, 32);
}

TEST(acpi_parses_madt_cpus_ioapic_overrides_and_hpet)
{
    build_all(0, NULL);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.revision, 2);
    CHECK_EQ(info.lapic_address, 0xfee00000);
    CHECK(info.has_8259);
    CHECK_EQ(info.cpu_count, 2);
    CHECK_EQ(info.cpus[0].apic_id, 0);
    CHECK_EQ(info.cpus[1].apic_id, 7);
    CHECK(info.cpus[0].enabled);
    CHECK(!info.cpus[1].enabled);           /* online-capable only */
    CHECK_EQ(info.ioapic_count, 1);
    CHECK_EQ(info.ioapics[0].address, 0xfec00000);
    CHECK_EQ(info.override_count, 2);
    CHECK_EQ(info.overrides[0].gsi, 2);
    CHECK_EQ(info.overrides[1].flags & ACPI_TRIGGER_MASK, ACPI_TRIGGER_LEVEL);
    CHECK_EQ(info.overrides[1].flags & ACPI_POLARITY_MASK, ACPI_POLARITY_LOW);
    CHECK_EQ(info.hpet_address, 0xfed00000);
    CHECK_EQ(info.tables_rejected, 0);
}

TEST(acpi_v1_rsdp_uses_rsdt)
{
    build_all(0, NULL);
    header(0x4000, "RSDT", 44);
    put32(phys + 0x4000 + 36, 0x2000);
    put32(phys + 0x4000 + 40, 0x3000);
    fix_checksum(phys + 0x4000, 44, 9);
    phys[15] = 0;
    put32(phys + 16, 0x4000);
    fix_checksum(phys, 20, 8);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 20, map_fake, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 2);
    CHECK_EQ(info.hpet_address, 0xfed00000);
}

TEST(acpi_rejects_bad_rsdp)
{
    build_all(0, NULL);
    struct acpi_info info;
    phys[8] ^= 1;       /* v1 checksum */
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), -EINVAL);
    build_all(0, NULL);
    CHECK_EQ(acpi_parse(phys, 19, map_fake, NULL, &info), -EINVAL);
    CHECK_EQ(acpi_parse(NULL, 36, map_fake, NULL, &info), -EINVAL);
    build_all(0, NULL);
    put64(phys + 24, 0xfff000);     /* XSDT outside memory */
    fix_checksum(phys, 36, 32);
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), -EINVAL);
}

TEST(acpi_skips_tables_with_bad_checksum_or_length)
{
    uint32_t extra[3] = { 0x5000, 0x6000, 0xfffffff0 };
    build_all(3, extra);
    header(0x5000, "FACP", 0x7fffffff);     /* absurd length */
    header(0x6000, "SSDT", 40);             /* bad checksum */
    phys[0x2000 + 9] ^= 0x55;               /* MADT checksum broken too */
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 0);
    CHECK_EQ(info.hpet_address, 0xfed00000);
    CHECK_EQ(info.tables_rejected, 3);
}

TEST(acpi_madt_zero_or_overrunning_entry_length_stops_parsing)
{
    build_all(0, NULL);
    uint8_t *t = phys + 0x2000;
    t[44 + 1] = 0;                          /* first entry length 0 */
    fix_checksum(t, 44 + 8 + 8 + 16 + 12 + 20, 9);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 0);
    build_all(0, NULL);
    t[44 + 1] = 200;                        /* runs past the table */
    fix_checksum(t, 44 + 8 + 8 + 16 + 12 + 20, 9);
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 0);
}

TEST(acpi_scan_finds_rsdp_on_16_byte_boundary)
{
    static uint8_t area[256];
    memset(area, 0, sizeof(area));
    memcpy(area + 3, "RSD PTR ", 8);        /* misaligned: must be ignored */
    memcpy(area + 96, "RSD PTR ", 8);
    area[96 + 15] = 0;
    fix_checksum(area + 96, 20, 8);
    CHECK_EQ(acpi_scan_rsdp(area, sizeof(area)), 96);
    area[96 + 8] ^= 1;
    CHECK_EQ(acpi_scan_rsdp(area, sizeof(area)), -1);
    CHECK_EQ(acpi_scan_rsdp(area, 10), -1);
}

/* Adds an RSDT at 0x4000 listing the MADT and HPET, and points the v2 RSDP at it. */
static void add_rsdt(void)
{
    header(0x4000, "RSDT", 44);
    put32(phys + 0x4000 + 36, 0x2000);
    put32(phys + 0x4000 + 40, 0x3000);
    fix_checksum(phys + 0x4000, 44, 9);
    put32(phys + 16, 0x4000);
    fix_checksum(phys, 20, 8);
    fix_checksum(phys, 36, 32);
}

TEST(acpi_corrupt_xsdt_falls_back_to_rsdt)
{
    build_all(0, NULL);
    add_rsdt();
    phys[0x1000 + 20] ^= 0x5a;              /* XSDT checksum broken */
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.cpu_count, 2);
    CHECK_EQ(info.hpet_address, 0xfed00000);
    CHECK_EQ(info.tables_rejected, 1);
    /* Both roots unusable: -EINVAL. */
    phys[0x4000 + 20] ^= 0x5a;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), -EINVAL);
}

TEST(acpi_hpet_outside_memory_space_is_ignored)
{
    build_all(0, NULL);
    phys[0x3000 + 40] = 1;                  /* GAS says system I/O space */
    fix_checksum(phys + 0x3000, 56, 9);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.hpet_address, 0);
}
