/* Multiboot2 boot information parser (multiboot2 spec §3.6). The structure comes
 * from outside the kernel, so every tag is bounds-checked against the total size. */

#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/lib.h>

enum {
    TAG_END = 0,
    TAG_CMDLINE = 1,
    TAG_LOADER_NAME = 2,
    TAG_MODULE = 3,
    TAG_MMAP = 6,
    TAG_FRAMEBUFFER = 8,
    TAG_EFI64 = 12,
    TAG_ACPI_OLD = 14,
    TAG_ACPI_NEW = 15,
};

#define MB2_MAX_SIZE (1u << 20)     /* sanity bound: real structures are a few KiB */

struct tag {
    uint32_t type;
    uint32_t size;
};

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Copies a string field that may lack its terminator. */
static void copy_string(char *dst, size_t dst_size, const uint8_t *src, size_t src_len)
{
    size_t n = strnlen((const char *)src, src_len);
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int parse_mmap(const uint8_t *body, uint32_t len, struct boot_info *out)
{
    if (len < 8)
        return -EINVAL;
    uint32_t entry_size = rd32(body);
    if (entry_size < 24 || entry_size % 8)
        return -EINVAL;
    for (uint32_t off = 8; off + entry_size <= len; off += entry_size) {
        if (out->mmap_count == BOOT_MMAP_MAX)
            break;
        struct boot_mem_region *r = &out->mmap[out->mmap_count];
        r->base = rd64(body + off);
        r->length = rd64(body + off + 8);
        r->type = rd32(body + off + 16);
        if (r->length == 0 || r->base + r->length < r->base)
            continue;   /* empty or wrapping: ignore */
        out->mmap_count++;
    }
    return 0;
}

static int parse_framebuffer(const uint8_t *body, uint32_t len, struct boot_info *out)
{
    if (len < 23)
        return 0;       /* unusable, not fatal: the kernel runs serial-only */
    struct boot_framebuffer *fb = &out->fb;
    fb->addr = rd64(body);
    fb->pitch = rd32(body + 8);
    fb->width = rd32(body + 12);
    fb->height = rd32(body + 16);
    fb->bpp = body[20];
    fb->type = body[21];
    if (fb->type == 1 && len >= 30) {
        /* body[22..23] reserved, then the colour field positions and sizes */
        fb->red_pos = body[24];
        fb->red_size = body[25];
        fb->green_pos = body[26];
        fb->green_size = body[27];
        fb->blue_pos = body[28];
        fb->blue_size = body[29];
    }
    out->has_framebuffer = fb->type == 1 && fb->width && fb->height &&
                           fb->pitch >= fb->width * ((fb->bpp + 7u) / 8);
    return 0;
}

int multiboot2_parse(const void *mbi, paddr_t mbi_phys, struct boot_info *out)
{
    const uint8_t *base = mbi;
    memset(out, 0, sizeof(*out));
    if (!mbi || ((uintptr_t)mbi & 7))
        return -EINVAL;
    uint32_t total = rd32(base);
    if (total < 16 || total > MB2_MAX_SIZE)
        return -EINVAL;
    out->info_start = mbi_phys;
    out->info_end = mbi_phys + total;

    uint32_t off = 8;
    bool saw_end = false;
    while (off + sizeof(struct tag) <= total) {
        uint32_t type = rd32(base + off);
        uint32_t size = rd32(base + off + 4);
        if (size < 8 || size > total - off)
            return -EINVAL;
        const uint8_t *body = base + off + 8;
        uint32_t len = size - 8;
        int err = 0;

        switch (type) {
        case TAG_END:
            saw_end = true;
            break;
        case TAG_CMDLINE:
            copy_string(out->cmdline, sizeof(out->cmdline), body, len);
            break;
        case TAG_LOADER_NAME:
            copy_string(out->loader_name, sizeof(out->loader_name), body, len);
            break;
        case TAG_MODULE:
            if (len < 8) {
                err = -EINVAL;
                break;
            }
            if (out->module_count < BOOT_MODULES_MAX) {
                struct boot_module *m = &out->modules[out->module_count];
                m->start = rd32(body);
                m->end = rd32(body + 4);
                copy_string(m->cmdline, sizeof(m->cmdline), body + 8, len - 8);
                if (m->end >= m->start)
                    out->module_count++;
            }
            break;
        case TAG_MMAP:
            err = parse_mmap(body, len, out);
            break;
        case TAG_FRAMEBUFFER:
            err = parse_framebuffer(body, len, out);
            break;
        case TAG_EFI64:
            if (len >= 8)
                out->efi_system_table = rd64(body);
            break;
        case TAG_ACPI_OLD:
        case TAG_ACPI_NEW:
            /* Prefer the v2 RSDP (XSDT) when both are given. */
            if (type == TAG_ACPI_NEW || out->rsdp_len == 0) {
                size_t n = len < sizeof(out->rsdp) ? len : sizeof(out->rsdp);
                memcpy(out->rsdp, body, n);
                out->rsdp_len = n;
            }
            break;
        default:
            break;
        }
        if (err)
            return err;
        if (saw_end)
            break;
        off += ALIGN_UP(size, 8u);
    }
    return saw_end ? 0 : -EINVAL;
}
