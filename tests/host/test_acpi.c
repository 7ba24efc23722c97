/* host-test: kernel/drivers/acpi/acpi.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
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

/* --- FADT and \_S5_ ----------------------------------------------------------- */

/* Name(\_S5_, Package(4){ 0x05, 0x07, 0, 0 }) as iasl emits it. */
static const uint8_t s5_root[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                   0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00 };

/* FADT (rev 3, 244 bytes) at 0x7000 -> DSDT at 0x8000 holding aml. */
static void build_fadt(const uint8_t *aml, size_t aml_len, uint32_t fadt_len)
{
    uint32_t extra[1] = { 0x7000 };
    build_all(1, extra);
    uint8_t *f = phys + 0x7000;
    header(0x7000, "FACP", fadt_len);
    put32(f + 40, 0x8000);
    put32(f + 48, 0xb2);
    f[52] = 0xf1;
    put32(f + 64, 0x604);
    put32(f + 68, 0);
    if (fadt_len >= 116)
        put32(f + 112, 1u << 10);
    if (fadt_len >= 129) {
        f[116] = 1;                     /* system I/O */
        f[117] = 8;
        put64(f + 120, 0xcf9);
        f[128] = 6;
    }
    fix_checksum(f, fadt_len, 9);
    header(0x8000, "DSDT", 36 + (uint32_t)aml_len);
    memcpy(phys + 0x8000 + 36, aml, aml_len);
    fix_checksum(phys + 0x8000, 36 + aml_len, 9);
}

TEST(acpi_fadt_gives_pm1_control_ports_reset_register_and_s5)
{
    build_fadt(s5_root, sizeof(s5_root), 244);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK(info.fadt.present);
    CHECK_EQ(info.fadt.pm1a_cnt, 0x604);
    CHECK_EQ(info.fadt.pm1b_cnt, 0);
    CHECK_EQ(info.fadt.smi_cmd, 0xb2);
    CHECK_EQ(info.fadt.acpi_enable, 0xf1);
    CHECK(info.fadt.reset_supported);
    CHECK_EQ(info.fadt.reset_space, 1);
    CHECK_EQ(info.fadt.reset_address, 0xcf9);
    CHECK_EQ(info.fadt.reset_value, 6);
    CHECK(info.fadt.s5_found);
    CHECK_EQ(info.fadt.slp_typa, 5);
    CHECK_EQ(info.fadt.slp_typb, 7);
    CHECK_EQ(info.tables_rejected, 0);
}

TEST(acpi_fadt_prefers_x_dsdt_and_acpi1_fadt_has_no_reset_register)
{
    build_fadt(s5_root, sizeof(s5_root), 244);
    put64(phys + 0x7000 + 140, 0x9000);     /* X_DSDT: a DSDT without \_S5_ */
    fix_checksum(phys + 0x7000, 244, 9);
    header(0x9000, "DSDT", 40);
    fix_checksum(phys + 0x9000, 40, 9);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK(!info.fadt.s5_found);
    CHECK_EQ(info.fadt.s5_error, -ENOENT);
    build_fadt(s5_root, sizeof(s5_root), 116);
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK(info.fadt.present);
    CHECK(!info.fadt.reset_supported);
    CHECK(info.fadt.s5_found);
}

TEST(acpi_short_fadt_or_bad_dsdt_is_rejected_without_s5)
{
    build_fadt(s5_root, sizeof(s5_root), 100);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK(!info.fadt.present);
    CHECK_EQ(info.tables_rejected, 1);
    build_fadt(s5_root, sizeof(s5_root), 244);
    phys[0x8000 + 40] ^= 0x33;              /* DSDT checksum */
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK(info.fadt.present);
    CHECK(!info.fadt.s5_found);
    CHECK_EQ(info.fadt.s5_error, -ENOENT);
    CHECK_EQ(info.cpu_count, 2);            /* the rest still parsed */
}

TEST(acpi_s5_skips_references_and_reads_scoped_names_and_long_pkglength)
{
    /* A reference to _S5_ (no NameOp) first, then Name(_S5_, ...) with a two-byte
     * PkgLength and word / one elements. */
    uint8_t aml[] = { 0x70, '_', 'S', '5', '_', 0x60,
                      0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02,
                      0x0b, 0x03, 0x00, 0x01 };
    /* PkgLength 0x47 0x00: one extra byte, length 7 | 0 << 4 = 7 */
    uint8_t a = 9, b = 9;
    CHECK_EQ(acpi_find_s5(aml, sizeof(aml), &a, &b), 0);
    CHECK_EQ(a, 3);
    CHECK_EQ(b, 1);
    CHECK_EQ(acpi_find_s5(s5_root, sizeof(s5_root), &a, &b), 0);
    CHECK_EQ(a, 5);
    uint8_t parent[] = { 0x08, '^', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x00, 0x00, 0x00 };
    CHECK_EQ(acpi_find_s5(parent, sizeof(parent), &a, &b), 0);
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 0);
}

TEST(acpi_s5_malformed_or_truncated_is_einval_never_overread)
{
    uint8_t a, b;
    CHECK_EQ(acpi_find_s5((const uint8_t *)"no sleep states", 15, &a, &b), -ENOENT);
    CHECK_EQ(acpi_find_s5(s5_root, 0, &a, &b), -ENOENT);
    /* Every truncation of a valid object: -EINVAL once the name is there. */
    for (size_t n = 6; n < 11; n++)
        CHECK_EQ(acpi_find_s5(s5_root, n, &a, &b), -EINVAL);
    uint8_t not_pkg[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 };
    CHECK_EQ(acpi_find_s5(not_pkg, sizeof(not_pkg), &a, &b), -EINVAL);
    uint8_t one_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    CHECK_EQ(acpi_find_s5(one_elem, sizeof(one_elem), &a, &b), -EINVAL);
    uint8_t bad_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0d, 0x00, 0x00 };
    CHECK_EQ(acpi_find_s5(bad_elem, sizeof(bad_elem), &a, &b), -EINVAL);
    /* PkgLength says 0x3f bytes, the table has 9: would overrun. */
    uint8_t overlong[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x00, 0x00 };
    CHECK_EQ(acpi_find_s5(overlong, sizeof(overlong), &a, &b), -EINVAL);
    /* A four-byte PkgLength lead with nothing after it. */
    uint8_t cut_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0x01 };
    CHECK_EQ(acpi_find_s5(cut_len, sizeof(cut_len), &a, &b), -EINVAL);
    /* Elements that end past the package's own length. */
    uint8_t short_pkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x0a, 0x05, 0x0a, 0x05 };
    CHECK_EQ(acpi_find_s5(short_pkg, sizeof(short_pkg), &a, &b), -EINVAL);
}

/* --- MCFG (PCIe ECAM windows) ---------------------------------------------------- */

/* MCFG at 0x9000 with the given entries (base, segment, start bus, end bus). */
static void build_mcfg(size_t n, const uint64_t *base, const uint8_t *start, const uint8_t *end)
{
    uint32_t extra[1] = { 0x9000 };
    build_all(1, extra);
    uint32_t len = 44 + 16 * (uint32_t)n;
    header(0x9000, "MCFG", len);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = phys + 0x9000 + 44 + 16 * i;
        put64(e, base[i]);
        e[8] = (uint8_t)i;                  /* segment i */
        e[10] = start[i];
        e[11] = end[i];
    }
    fix_checksum(phys + 0x9000, len, 9);
}

TEST(acpi_mcfg_gives_ecam_windows)
{
    uint64_t base[2] = { 0xb0000000, 0x100000000ull };
    uint8_t start[2] = { 0, 0x10 }, end[2] = { 0xff, 0x1f };
    build_mcfg(2, base, start, end);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.mcfg_count, 2);
    CHECK_EQ(info.mcfg[0].base, 0xb0000000);
    CHECK_EQ(info.mcfg[0].segment, 0);
    CHECK_EQ(info.mcfg[0].start_bus, 0);
    CHECK_EQ(info.mcfg[0].end_bus, 0xff);
    CHECK_EQ(info.mcfg[1].base, 0x100000000ull);
    CHECK_EQ(info.mcfg[1].segment, 1);
    CHECK_EQ(info.mcfg[1].start_bus, 0x10);
    CHECK_EQ(info.mcfg[1].end_bus, 0x1f);
    CHECK_EQ(info.mcfg_rejected, 0);
    CHECK_EQ(info.cpu_count, 2);            /* the other tables still parsed */
}

TEST(acpi_mcfg_drops_impossible_entries_and_a_bad_table)
{
    /* zero base, unaligned base, inverted bus range, a window past 2^64; one good */
    uint64_t base[5] = { 0, 0xb0001000, 0xb0000000, 0xfffffffffff00000ull, 0xe0000000 };
    uint8_t start[5] = { 0, 0, 5, 0, 0 }, end[5] = { 0xff, 0xff, 4, 0xff, 0x3f };
    build_mcfg(5, base, start, end);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.mcfg_count, 1);
    CHECK_EQ(info.mcfg[0].base, 0xe0000000);
    CHECK_EQ(info.mcfg[0].end_bus, 0x3f);
    CHECK_EQ(info.mcfg_rejected, 4);
    /* A bad checksum drops the whole table; no MCFG at all gives no windows. */
    phys[0x9000 + 50] ^= 0x40;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.mcfg_count, 0);
    CHECK_EQ(info.tables_rejected, 1);
    build_all(0, NULL);
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.mcfg_count, 0);
}

TEST(acpi_mcfg_entry_cut_by_the_table_length_is_not_read)
{
    uint64_t base[2] = { 0xb0000000, 0xc0000000 };
    uint8_t start[2] = { 0, 0 }, end[2] = { 0xff, 0xff };
    build_mcfg(2, base, start, end);
    /* Claim a length that ends half-way through the second entry. */
    put32(phys + 0x9000 + 4, 44 + 16 + 8);
    fix_checksum(phys + 0x9000, 44 + 16 + 8, 9);
    struct acpi_info info;
    CHECK_EQ(acpi_parse(phys, 36, map_fake, NULL, &info), 0);
    CHECK_EQ(info.mcfg_count, 1);
    CHECK_EQ(info.mcfg[0].base, 0xb0000000);
}
