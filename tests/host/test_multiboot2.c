/* host-test: kernel/boot/multiboot2.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* Multiboot2 boot-information parser on hand-built structures (multiboot2 spec 3.6),
 * including malformed ones: the structure comes from outside the kernel. */
#include <stdint.h>
#include <osc/boot.h>
#include <osc/errno.h>
#include "check.h"

static _Alignas(8) uint8_t mbi[4096];
static uint32_t used;

static void begin(void) { memset(mbi, 0, sizeof(mbi)); used = 8; }
static uint8_t *tag(uint32_t type, uint32_t size)
{
    uint8_t *t = mbi + used;
    memcpy(t, &type, 4);
    memcpy(t + 4, &size, 4);
    used += (size + 7) & ~7u;
    return t;
}
static void end(void)
{
    tag(0, 8);
    memcpy(mbi, &used, 4);
}
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void add_string(uint32_t type, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;
    memcpy(tag(type, 8 + n) + 8, s, n);
}

static void add_mmap(void)
{
    uint8_t *t = tag(6, 16 + 3 * 24);
    put32(t + 8, 24);
    put32(t + 12, 0);
    uint64_t regions[3][3] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1ff00000, 1 }, { 0x100000000ull, 0x40000000, 1 } };
    for (int i = 0; i < 3; i++) {
        put64(t + 16 + 24 * i, regions[i][0]);
        put64(t + 24 + 24 * i, regions[i][1]);
        put32(t + 32 + 24 * i, (uint32_t)regions[i][2]);
    }
}

static void add_framebuffer(uint32_t w, uint32_t h, uint32_t pitch, uint8_t bpp)
{
    uint8_t *t = tag(8, 38);
    put64(t + 8, 0xfd000000);
    put32(t + 16, pitch);
    put32(t + 20, w);
    put32(t + 24, h);
    t[28] = bpp;
    t[29] = 1;
    uint8_t fields[6] = { 16, 8, 8, 8, 0, 8 };
    memcpy(t + 32, fields, 6);
}

TEST(multiboot2_parses_cmdline_mmap_framebuffer_modules_acpi)
{
    begin();
    add_string(1, "log=debug test");
    add_string(2, "GRUB 2.06");
    add_mmap();
    add_framebuffer(1024, 768, 4096, 32);
    uint8_t *m = tag(3, 16 + 9);
    put32(m + 8, 0x400000);
    put32(m + 12, 0x480000);
    memcpy(m + 16, "initramfs", 10);
    uint8_t *a = tag(14, 8 + 20);
    memcpy(a + 8, "RSD PTR ", 8);
    uint8_t *a2 = tag(15, 8 + 36);
    memcpy(a2 + 8, "RSD PTR ", 8);
    a2[8 + 15] = 2;
    uint8_t *e = tag(12, 16);
    put64(e + 8, 0x7f000000);
    end();

    struct boot_info bi;
    CHECK_EQ(multiboot2_parse(mbi, 0x10000, &bi), 0);
    CHECK_STR(bi.cmdline, "log=debug test");
    CHECK_STR(bi.loader_name, "GRUB 2.06");
    CHECK_EQ(bi.mmap_count, 3);
    CHECK_EQ(bi.mmap[2].base, 0x100000000ull);
    CHECK_EQ(bi.mmap[2].length, 0x40000000);
    CHECK(bi.has_framebuffer);
    CHECK_EQ(bi.fb.width, 1024);
    CHECK_EQ(bi.fb.red_pos, 16);
    CHECK_EQ(bi.fb.blue_size, 8);
    CHECK_EQ(bi.module_count, 1);
    CHECK_EQ(bi.modules[0].end, 0x480000);
    CHECK_STR(bi.modules[0].cmdline, "initramfs");
    CHECK_EQ(bi.rsdp_len, 36);              /* the v2 RSDP wins over v1 */
    CHECK_EQ(bi.rsdp[15], 2);
    CHECK_EQ(bi.efi_system_table, 0x7f000000);
    CHECK_EQ(bi.info_start, 0x10000);
    CHECK_EQ(bi.info_end, 0x10000 + used);
}

TEST(multiboot2_rejects_tags_that_overrun_or_lack_an_end)
{
    struct boot_info bi;
    begin();
    add_string(1, "x");
    end();
    uint32_t bad = used + 64;               /* cmdline tag larger than the structure */
    memcpy(mbi + 8 + 4, &bad, 4);
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), -EINVAL);

    begin();
    add_string(1, "x");
    memcpy(mbi, &used, 4);                  /* no end tag */
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), -EINVAL);

    begin();
    tag(1, 4);                              /* tag size below the 8-byte header */
    end();
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), -EINVAL);

    uint32_t tiny = 8;
    memcpy(mbi, &tiny, 4);
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), -EINVAL);
    CHECK_EQ(multiboot2_parse(NULL, 0, &bi), -EINVAL);
    CHECK_EQ(multiboot2_parse(mbi + 4, 0, &bi), -EINVAL);      /* misaligned */
}

TEST(multiboot2_bounds_strings_and_bad_mmap_entries)
{
    struct boot_info bi;
    begin();
    uint8_t *t = tag(1, 8 + 8);
    memcpy(t + 8, "ABCDEFGH", 8);           /* no NUL inside the tag */
    uint8_t *mm = tag(6, 16 + 24);
    put32(mm + 8, 12);                      /* entry size below 24 */
    end();
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), -EINVAL);

    begin();
    t = tag(1, 8 + 8);
    memcpy(t + 8, "ABCDEFGH", 8);
    mm = tag(6, 16 + 2 * 24);
    put32(mm + 8, 24);
    put64(mm + 16, 0xfffffffffffff000ull);  /* wraps: ignored */
    put64(mm + 24, 0x2000);
    put32(mm + 32, 1);
    put64(mm + 40, 0x1000);                 /* empty: ignored */
    put64(mm + 48, 0);
    end();
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), 0);
    CHECK_STR(bi.cmdline, "ABCDEFGH");
    CHECK_EQ(bi.mmap_count, 0);
}

TEST(multiboot2_framebuffer_with_impossible_pitch_is_not_used)
{
    struct boot_info bi;
    begin();
    add_framebuffer(1024, 768, 1024, 32);   /* pitch shorter than a row */
    end();
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), 0);
    CHECK(!bi.has_framebuffer);
    begin();
    tag(8, 8 + 10);                         /* truncated: ignored, boot goes on */
    end();
    CHECK_EQ(multiboot2_parse(mbi, 0, &bi), 0);
    CHECK(!bi.has_framebuffer);
}
