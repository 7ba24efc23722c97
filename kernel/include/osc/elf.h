/* ELF64 x86_64 executable validation and load planning (ELF gABI + x86_64 psABI),
 * and the "#!" script line parser. Pure functions over a byte buffer: no allocation,
 * no mapping; the process loader turns a struct elf_plan into an address space. */
#pragma once

#include <osc/types.h>

/* e_type values (gABI "ELF Header"). */
#define ET_EXEC 2
#define ET_DYN  3

/* Program header types (gABI "Program Header"; PT_GNU_STACK is a GNU extension). */
#define PT_NULL      0
#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551

/* p_flags bits (gABI). */
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* Segment protections in the plan use mmap's PROT_* values so the loader can pass
 * them straight on. */
#define ELF_PROT_READ  1
#define ELF_PROT_WRITE 2
#define ELF_PROT_EXEC  4

#define ELF_PAGE_SIZE     4096
#define ELF_USER_END      0x0000800000000000ull  /* first non-canonical / kernel-half address */
#define ELF_PHENTSIZE     56                     /* sizeof(Elf64_Phdr) */
#define ELF_MAX_PHDRS     64     /* more than any real executable; bounds the work */
#define ELF_MAX_LOADS     16     /* real static binaries have 4-5 PT_LOADs */
#define ELF_INTERP_MAX    256    /* PT_INTERP path incl. NUL; longer is rejected */
#define ELF_SHEBANG_MAX   256    /* Linux BINPRM_BUF_SIZE: only this much of a script is read */

/* Load addresses the kernel picks with randomisation off (`norandmaps`, personality
 * ADDR_NO_RANDOMIZE; kernel/proc/aslr.c randomises them otherwise). ET_DYN programs
 * go where Linux puts them with randomisation off; the dynamic loader (PT_INTERP)
 * goes above the mmap area (which searches down from 0x7f0000000000) and well below
 * the stack, so neither the program, its heap nor the libraries ld.so maps can
 * collide with it. */
#define ELF_PIE_BASE         0x0000555555554000ull
#define ELF_INTERP_BASE      0x00007f8000000000ull
#define ELF_INTERP_SPAN_MAX  (1ull << 30)   /* ld.so is ~250 KiB; bounds the loader's span */

struct elf_segment {
    uint64_t vaddr;     /* as in the file; for ET_DYN add the load bias */
    uint64_t memsz;     /* >= filesz; the tail past filesz is zero-filled */
    uint64_t offset;    /* file offset of the first byte; offset % 4096 == vaddr % 4096 */
    uint64_t filesz;    /* offset + filesz <= file length */
    uint32_t prot;      /* ELF_PROT_* */
};

struct elf_tls {
    uint64_t vaddr;     /* initialisation image (inside a PT_LOAD's file bytes) */
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;     /* 0 or a power of two */
};

struct elf_plan {
    uint16_t type;      /* ET_EXEC, or ET_DYN (static-PIE, or a PIE that needs interp) */
    uint64_t entry;     /* inside an executable PT_LOAD (unbiased for ET_DYN) */
    uint64_t phoff;     /* e_phoff */
    uint16_t phnum;     /* e_phnum, 1..ELF_MAX_PHDRS */
    uint16_t phentsize; /* always ELF_PHENTSIZE */
    /* Where the program headers are in the loaded image (AT_PHDR): PT_PHDR's vaddr,
     * else computed from the PT_LOAD whose file bytes contain them. phdr_in_image
     * false means no PT_LOAD covers them and the loader must copy them somewhere. */
    bool phdr_in_image;
    uint64_t phdr_vaddr;
    /* Page-aligned span of all PT_LOADs: [lo, hi). For ET_DYN, the loader picks a
     * bias so that [lo + bias, hi + bias) is free. */
    uint64_t span_lo, span_hi;
    size_t nloads;
    struct elf_segment loads[ELF_MAX_LOADS];   /* sorted by vaddr, non-overlapping */
    bool has_interp;
    char interp[ELF_INTERP_MAX];                /* NUL-terminated when has_interp */
    bool has_gnu_stack;
    bool stack_exec;    /* PT_GNU_STACK has PF_X; false when there is no PT_GNU_STACK */
    bool has_tls;
    struct elf_tls tls;
};

/* Where exec puts a program and its interpreter, and what the auxv says about it. */
struct elf_layout {
    uint64_t bias;          /* added to every program vaddr: 0 for ET_EXEC */
    uint64_t interp_bias;   /* added to every interpreter vaddr; 0 without one */
    uint64_t entry;         /* first user instruction: the interpreter's entry if any */
    uint64_t at_entry;      /* AT_ENTRY: the program's own entry */
    uint64_t at_base;       /* AT_BASE: the interpreter's load address, 0 without one */
    uint64_t brk;           /* heap start: the page after the program's last segment */
};

/* Validates the ELF64 x86_64 executable in buf[0, len) and fills *plan. Returns 0,
 * or -ENOEXEC for anything that is not a well-formed, loadable executable. Never
 * reads outside buf[0, len). */
int elf_parse(const void *buf, size_t len, struct elf_plan *plan);

/* Places a parsed program and its parsed interpreter (NULL when the program has no
 * PT_INTERP). Returns 0 with *out filled, or -ENOEXEC when the interpreter is not an
 * ET_DYN, names an interpreter itself, spans more than ELF_INTERP_SPAN_MAX, or when
 * the program would reach into the interpreter's area. */
int elf_layout(const struct elf_plan *prog, const struct elf_plan *interp, struct elf_layout *out);
/* The same with the ET_DYN program's lowest page at pie_base and the interpreter's
 * at interp_base (page-aligned; address-space randomisation picks them): elf_layout
 * is elf_layout_at(prog, interp, ELF_PIE_BASE, ELF_INTERP_BASE, out). */
int elf_layout_at(const struct elf_plan *prog, const struct elf_plan *interp, uint64_t pie_base,
                  uint64_t interp_base, struct elf_layout *out);

/* Parses a "#!" script line with Linux's rules: only the first ELF_SHEBANG_MAX bytes
 * count; the line ends at '\n' or NUL; blanks (space, tab) after "#!" are skipped;
 * the interpreter runs to the next blank; the optional argument is the rest of the
 * line with surrounding blanks stripped (one argument, inner blanks kept). Returns
 * 0 with interp and arg (possibly "") filled, -ENOEXEC if buf is not a "#!" script
 * or has no interpreter or its name is cut off by the size limit, -ENAMETOOLONG if
 * an output buffer is too small. */
int elf_parse_shebang(const char *buf, size_t len, char *interp, size_t interp_size,
                      char *arg, size_t arg_size);
