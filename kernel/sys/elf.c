/* ELF64 executable validation: turns an untrusted file image into a load plan the
 * process loader can apply without further checks. Layouts from the ELF gABI and
 * the x86_64 psABI; every offset and size is checked with overflow-safe arithmetic. */

#include <osc/elf.h>
#include <osc/errno.h>
#include <osc/lib.h>

/* e_ident and header layout (gABI "ELF Header", 64-bit). */
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define EI_OSABI      7
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ELFOSABI_NONE 0
#define ELFOSABI_GNU  3     /* "Linux": what GNU ld writes for IFUNC/unique symbols */
#define EM_X86_64     62
#define EHDR_SIZE     64

/* Byte offsets of the Elf64_Ehdr and Elf64_Phdr fields we use. */
#define EH_TYPE      16
#define EH_MACHINE   18
#define EH_VERSION   20
#define EH_ENTRY     24
#define EH_PHOFF     32
#define EH_PHENTSIZE 54
#define EH_PHNUM     56
#define PH_TYPE      0
#define PH_FLAGS     4
#define PH_OFFSET    8
#define PH_VADDR     16
#define PH_FILESZ    32
#define PH_MEMSZ     40
#define PH_ALIGN     48

/* Fields are read byte by byte: the buffer has no alignment guarantee and ELF on
 * x86_64 is little-endian (EI_DATA checked first). */
static uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* True when [off, off + size) lies inside [0, limit), without overflow. */
static bool range_within(uint64_t off, uint64_t size, uint64_t limit)
{
    return off <= limit && size <= limit - off;
}

static bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static void phdr_read(const uint8_t *p, struct phdr *ph)
{
    ph->type = (uint32_t)rd_le(p + PH_TYPE, 4);
    ph->flags = (uint32_t)rd_le(p + PH_FLAGS, 4);
    ph->offset = rd_le(p + PH_OFFSET, 8);
    ph->vaddr = rd_le(p + PH_VADDR, 8);
    ph->filesz = rd_le(p + PH_FILESZ, 8);
    ph->memsz = rd_le(p + PH_MEMSZ, 8);
    ph->align = rd_le(p + PH_ALIGN, 8);
}

static int check_ident(const uint8_t *b)
{
    if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
        return -ENOEXEC;
    if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB || b[EI_VERSION] != EV_CURRENT)
        return -ENOEXEC;
    /* Linux programs carry SYSV (0) or GNU (3); anything else targets another OS. */
    if (b[EI_OSABI] != ELFOSABI_NONE && b[EI_OSABI] != ELFOSABI_GNU)
        return -ENOEXEC;
    uint16_t type = (uint16_t)rd_le(b + EH_TYPE, 2);
    if (type != ET_EXEC && type != ET_DYN)
        return -ENOEXEC;
    if (rd_le(b + EH_MACHINE, 2) != EM_X86_64 || rd_le(b + EH_VERSION, 4) != EV_CURRENT)
        return -ENOEXEC;
    return 0;
}

/* A PT_LOAD: file bytes inside the file, memory inside the user half, file and
 * memory congruent modulo the page size so it can be mapped page by page. */
static int check_load(const struct phdr *ph, uint64_t len)
{
    if (ph->filesz > ph->memsz)
        return -ENOEXEC;
    if (!range_within(ph->offset, ph->filesz, len))
        return -ENOEXEC;
    if (!range_within(ph->vaddr, ph->memsz, ELF_USER_END))
        return -ENOEXEC;
    if ((ph->offset ^ ph->vaddr) & (ELF_PAGE_SIZE - 1))
        return -ENOEXEC;
    /* gABI: p_align 0 or 1 means none; otherwise a power of two with
     * p_vaddr == p_offset modulo p_align. */
    if (ph->align > 1 && (!is_pow2(ph->align) || ((ph->offset ^ ph->vaddr) & (ph->align - 1))))
        return -ENOEXEC;
    return 0;
}

static int add_load(struct elf_plan *plan, const struct phdr *ph)
{
    if (ph->memsz == 0)
        return 0;       /* maps nothing; already validated, so simply skip it */
    if (plan->nloads == ELF_MAX_LOADS)
        return -ENOEXEC;
    /* gABI: loadable segments appear sorted by p_vaddr; demanding it (and no
     * overlap) lets the loader map them in order with no conflicts. */
    if (plan->nloads > 0) {
        const struct elf_segment *prev = &plan->loads[plan->nloads - 1];
        if (ph->vaddr < prev->vaddr + prev->memsz)
            return -ENOEXEC;
    }
    struct elf_segment *s = &plan->loads[plan->nloads++];
    s->vaddr = ph->vaddr;
    s->memsz = ph->memsz;
    s->offset = ph->offset;
    s->filesz = ph->filesz;
    s->prot = ((ph->flags & PF_R) ? ELF_PROT_READ : 0) |
              ((ph->flags & PF_W) ? ELF_PROT_WRITE : 0) |
              ((ph->flags & PF_X) ? ELF_PROT_EXEC : 0);
    return 0;
}

static int read_interp(struct elf_plan *plan, const uint8_t *b, uint64_t len, const struct phdr *ph)
{
    if (plan->has_interp)
        return -ENOEXEC;
    if (!range_within(ph->offset, ph->filesz, len))
        return -ENOEXEC;
    /* A path of at least one byte plus its NUL, which must be the last byte and
     * the only NUL. */
    if (ph->filesz < 2 || ph->filesz > ELF_INTERP_MAX)
        return -ENOEXEC;
    const char *s = (const char *)b + ph->offset;
    size_t n = (size_t)ph->filesz;
    if (s[n - 1] != '\0' || strnlen(s, n) != n - 1)
        return -ENOEXEC;
    memcpy(plan->interp, s, n);
    plan->has_interp = true;
    return 0;
}

static int read_tls(struct elf_plan *plan, uint64_t len, const struct phdr *ph)
{
    if (plan->has_tls || ph->filesz > ph->memsz)
        return -ENOEXEC;
    if (!range_within(ph->offset, ph->filesz, len) || !range_within(ph->vaddr, ph->memsz, ELF_USER_END))
        return -ENOEXEC;
    if (ph->align > 1 && (!is_pow2(ph->align) || ph->align > ELF_PAGE_SIZE * 16))
        return -ENOEXEC;
    plan->has_tls = true;
    plan->tls.vaddr = ph->vaddr;
    plan->tls.filesz = ph->filesz;
    plan->tls.memsz = ph->memsz;
    plan->tls.align = ph->align;
    return 0;
}

/* The PT_LOAD containing [vaddr, vaddr + size) in its file-backed part, or NULL. */
static const struct elf_segment *find_file_backed(const struct elf_plan *plan, uint64_t vaddr, uint64_t size)
{
    for (size_t i = 0; i < plan->nloads; i++) {
        const struct elf_segment *s = &plan->loads[i];
        if (vaddr >= s->vaddr && range_within(vaddr - s->vaddr, size, s->filesz))
            return s;
    }
    return NULL;
}

int elf_parse(const void *buf, size_t len, struct elf_plan *plan)
{
    const uint8_t *b = buf;
    memset(plan, 0, sizeof(*plan));
    if (!buf || len < EHDR_SIZE)
        return -ENOEXEC;
    int err = check_ident(b);
    if (err)
        return err;

    plan->type = (uint16_t)rd_le(b + EH_TYPE, 2);
    plan->entry = rd_le(b + EH_ENTRY, 8);
    plan->phoff = rd_le(b + EH_PHOFF, 8);
    plan->phentsize = (uint16_t)rd_le(b + EH_PHENTSIZE, 2);
    plan->phnum = (uint16_t)rd_le(b + EH_PHNUM, 2);
    if (plan->phentsize != ELF_PHENTSIZE || plan->phnum == 0 || plan->phnum > ELF_MAX_PHDRS)
        return -ENOEXEC;
    uint64_t phbytes = (uint64_t)plan->phnum * ELF_PHENTSIZE;   /* <= 64 * 56 */
    if (!range_within(plan->phoff, phbytes, len))
        return -ENOEXEC;

    bool has_pt_phdr = false;
    uint64_t pt_phdr_vaddr = 0;
    for (unsigned i = 0; i < plan->phnum; i++) {
        struct phdr ph;
        phdr_read(b + plan->phoff + (uint64_t)i * ELF_PHENTSIZE, &ph);
        switch (ph.type) {
        case PT_LOAD:
            err = check_load(&ph, len);
            if (!err)
                err = add_load(plan, &ph);
            break;
        case PT_INTERP:
            err = read_interp(plan, b, len, &ph);
            break;
        case PT_PHDR:
            err = has_pt_phdr ? -ENOEXEC : 0;
            has_pt_phdr = true;
            pt_phdr_vaddr = ph.vaddr;
            break;
        case PT_TLS:
            err = read_tls(plan, len, &ph);
            break;
        case PT_GNU_STACK:
            plan->has_gnu_stack = true;
            plan->stack_exec = (ph.flags & PF_X) != 0;
            break;
        default:
            break;      /* PT_NOTE, PT_DYNAMIC, PT_GNU_RELRO...: not the loader's business */
        }
        if (err)
            return err;
    }
    if (plan->nloads == 0)
        return -ENOEXEC;

    /* The entry point must be code we map executable. */
    bool entry_ok = false;
    for (size_t i = 0; i < plan->nloads; i++) {
        const struct elf_segment *s = &plan->loads[i];
        if ((s->prot & ELF_PROT_EXEC) && plan->entry >= s->vaddr && plan->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        return -ENOEXEC;

    /* AT_PHDR: PT_PHDR says where the table is in memory and must be loaded; without
     * it, find the PT_LOAD whose file bytes include e_phoff (what ld does for static
     * binaries, which have no PT_PHDR). */
    if (has_pt_phdr) {
        if (!find_file_backed(plan, pt_phdr_vaddr, phbytes))
            return -ENOEXEC;
        plan->phdr_in_image = true;
        plan->phdr_vaddr = pt_phdr_vaddr;
    } else {
        for (size_t i = 0; i < plan->nloads; i++) {
            const struct elf_segment *s = &plan->loads[i];
            if (plan->phoff >= s->offset && range_within(plan->phoff - s->offset, phbytes, s->filesz)) {
                plan->phdr_in_image = true;
                plan->phdr_vaddr = s->vaddr + (plan->phoff - s->offset);
                break;
            }
        }
    }

    /* libc copies the TLS initialisation image from memory: it must be loaded. */
    if (plan->has_tls && plan->tls.filesz && !find_file_backed(plan, plan->tls.vaddr, plan->tls.filesz))
        return -ENOEXEC;

    /* Loads are sorted and end at or below ELF_USER_END (page-aligned), so the
     * rounded span cannot wrap. */
    const struct elf_segment *last = &plan->loads[plan->nloads - 1];
    plan->span_lo = ALIGN_DOWN(plan->loads[0].vaddr, (uint64_t)ELF_PAGE_SIZE);
    plan->span_hi = ALIGN_UP(last->vaddr + last->memsz, (uint64_t)ELF_PAGE_SIZE);
    return 0;
}

int elf_layout(const struct elf_plan *prog, const struct elf_plan *interp, struct elf_layout *out)
{
    return elf_layout_at(prog, interp, ELF_PIE_BASE, ELF_INTERP_BASE, out);
}

int elf_layout_at(const struct elf_plan *prog, const struct elf_plan *interp, uint64_t pie_base,
                  uint64_t interp_base, struct elf_layout *out)
{
    memset(out, 0, sizeof(*out));
    /* The program must end below the interpreter's area (when there is one: it is
     * also where a big static ET_EXEC may legitimately live otherwise). */
    uint64_t limit = interp ? interp_base : ELF_USER_END;
    if (pie_base >= limit || (pie_base | interp_base) % ELF_PAGE_SIZE)
        return -ENOEXEC;
    if (prog->type == ET_DYN) {
        if (prog->span_hi - prog->span_lo > limit - pie_base)
            return -ENOEXEC;
        out->bias = pie_base - prog->span_lo;
    } else if (prog->span_hi > limit) {
        return -ENOEXEC;
    }
    out->at_entry = prog->entry + out->bias;
    out->entry = out->at_entry;
    out->brk = prog->span_hi + out->bias;       /* span_hi is page-aligned */
    if (!interp)
        return 0;
    /* ld.so is a shared object loaded anywhere; an interpreter asking for its own
     * interpreter would chain without end (Linux refuses it too). */
    if (interp->type != ET_DYN || interp->has_interp)
        return -ENOEXEC;
    if (interp->span_hi - interp->span_lo > ELF_INTERP_SPAN_MAX)
        return -ENOEXEC;
    if (interp->span_hi - interp->span_lo > ELF_USER_END - interp_base)
        return -ENOEXEC;
    out->interp_bias = interp_base - interp->span_lo;
    out->at_base = out->interp_bias;     /* Linux: the load bias (span_lo is 0 for ld.so) */
    out->entry = interp->entry + out->interp_bias;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int copy_token(char *dst, size_t dst_size, const char *src, size_t n)
{
    if (!dst || dst_size <= n)
        return -ENAMETOOLONG;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int elf_parse_shebang(const char *buf, size_t len, char *interp, size_t interp_size,
                      char *arg, size_t arg_size)
{
    if (!buf || len < 2 || buf[0] != '#' || buf[1] != '!')
        return -ENOEXEC;
    size_t window = MIN(len, (size_t)ELF_SHEBANG_MAX);
    /* The line ends at the first '\n' or NUL. Without one inside the window, a file
     * longer than the window had its line cut there; a shorter file simply ends. */
    size_t end = 2;
    while (end < window && buf[end] != '\n' && buf[end] != '\0')
        end++;
    bool cut = end == window && len > window;

    size_t i = 2;
    while (i < end && is_blank(buf[i]))
        i++;
    size_t name = i;
    while (i < end && !is_blank(buf[i]))
        i++;
    size_t name_len = i - name;
    /* An interpreter name running into the cut could be a truncated path: running
     * the wrong program would be worse than refusing (Linux does the same). */
    if (name_len == 0 || (cut && i == end))
        return -ENOEXEC;
    while (i < end && is_blank(buf[i]))
        i++;
    size_t arg_end = end;
    while (arg_end > i && is_blank(buf[arg_end - 1]))
        arg_end--;

    int err = copy_token(interp, interp_size, buf + name, name_len);
    if (!err)
        err = copy_token(arg, arg_size, buf + i, arg_end - i);
    return err;
}
