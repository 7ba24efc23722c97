/* What the bootloader told us, in a loader-neutral form: memory map, modules,
 * framebuffer, command line, ACPI root pointer. Filled by the multiboot2 parser. */
#pragma once

#include <osc/types.h>

#define BOOT_MMAP_MAX     128
#define BOOT_MODULES_MAX  16
#define BOOT_CMDLINE_MAX  1024

enum boot_mem_type {
    BOOT_MEM_AVAILABLE = 1,     /* multiboot2 spec 3.6.8 numbering */
    BOOT_MEM_RESERVED = 2,
    BOOT_MEM_ACPI_RECLAIMABLE = 3,
    BOOT_MEM_NVS = 4,
    BOOT_MEM_BADRAM = 5,
};

struct boot_mem_region {
    paddr_t base;
    uint64_t length;
    uint32_t type;
};

struct boot_module {
    paddr_t start;
    paddr_t end;                /* exclusive */
    char cmdline[64];
};

struct boot_framebuffer {
    paddr_t addr;
    uint32_t pitch;             /* bytes per line */
    uint32_t width, height;
    uint8_t bpp;
    uint8_t type;               /* 1 = direct RGB; others unsupported */
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    char loader_name[64];
    struct boot_mem_region mmap[BOOT_MMAP_MAX];
    size_t mmap_count;
    struct boot_module modules[BOOT_MODULES_MAX];
    size_t module_count;
    bool has_framebuffer;
    struct boot_framebuffer fb;
    /* Copy of the ACPI RSDP from the loader (v1: 20 bytes, v2+: 36 bytes). */
    uint8_t rsdp[36];
    size_t rsdp_len;            /* 0 when the loader gave none */
    paddr_t efi_system_table;   /* 0 unless booted by UEFI */
    paddr_t info_start, info_end;   /* where the loader's structure lies, for mm */
};

extern struct boot_info boot_info;

/* Parses a multiboot2 information structure at mbi (already mapped; mbi_phys is its
 * physical address, recorded for the allocator). Returns 0 or -EINVAL when the
 * structure is malformed; tags that overrun the structure are rejected, never
 * followed. Unknown tags are skipped. */
int multiboot2_parse(const void *mbi, paddr_t mbi_phys, struct boot_info *out);

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289
