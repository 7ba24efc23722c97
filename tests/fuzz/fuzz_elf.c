/* libFuzzer target for elf_parse, elf_layout and elf_parse_shebang (tests/fuzz/run.sh): any input
 * must give 0 or -ENOEXEC without reading outside it, and an accepted plan must
 * hold every invariant the loader relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <osc/elf.h>
#include <osc/errno.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static void check_plan(const struct elf_plan *p, size_t size)
{
    REQUIRE(p->nloads >= 1 && p->nloads <= ELF_MAX_LOADS);
    REQUIRE(p->type == ET_EXEC || p->type == ET_DYN);
    bool entry_ok = false;
    for (size_t i = 0; i < p->nloads; i++) {
        const struct elf_segment *s = &p->loads[i];
        REQUIRE(s->filesz <= s->memsz && s->memsz > 0);
        REQUIRE(s->offset <= size && s->filesz <= size - s->offset);
        REQUIRE(s->vaddr < ELF_USER_END && s->memsz <= ELF_USER_END - s->vaddr);
        REQUIRE(((s->vaddr ^ s->offset) & (ELF_PAGE_SIZE - 1)) == 0);
        if (i > 0)
            REQUIRE(s->vaddr >= p->loads[i - 1].vaddr + p->loads[i - 1].memsz);
        if ((s->prot & ELF_PROT_EXEC) && p->entry >= s->vaddr && p->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    REQUIRE(entry_ok);
    REQUIRE(p->span_lo <= p->span_hi && p->span_hi <= ELF_USER_END);
    if (p->has_interp)
        REQUIRE(strlen(p->interp) >= 1 && strlen(p->interp) < ELF_INTERP_MAX);
    REQUIRE(p->phoff <= size && (uint64_t)p->phnum * ELF_PHENTSIZE <= size - p->phoff);
}

/* The plan as a program alone and as its own interpreter: elf_layout must refuse
 * or give addresses inside the user half, the loader clear of the program. */
static void check_layout(const struct elf_plan *p)
{
    struct elf_layout l;
    int r = elf_layout(p, NULL, &l);
    REQUIRE(r == 0 || r == -ENOEXEC);
    if (r == 0) {
        REQUIRE(l.at_base == 0 && l.entry == l.at_entry);
        REQUIRE(l.brk <= ELF_USER_END);
    }
    r = elf_layout(p, p, &l);
    REQUIRE(r == 0 || r == -ENOEXEC);
    if (r == 0) {
        REQUIRE(p->type == ET_DYN && !p->has_interp);
        REQUIRE(l.brk <= ELF_INTERP_BASE);
        REQUIRE(p->span_hi + l.interp_bias <= ELF_INTERP_BASE + ELF_INTERP_SPAN_MAX);
        REQUIRE(l.entry == p->entry + l.interp_bias);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct elf_plan plan;
    int r = elf_parse(data, size, &plan);
    REQUIRE(r == 0 || r == -ENOEXEC);
    if (r == 0) {
        check_plan(&plan, size);
        check_layout(&plan);
    }

    char interp[ELF_SHEBANG_MAX], arg[ELF_SHEBANG_MAX], small[8], small2[8];
    r = elf_parse_shebang((const char *)data, size, interp, sizeof(interp), arg, sizeof(arg));
    REQUIRE(r == 0 || r == -ENOEXEC);   /* 256-byte buffers always fit */
    if (r == 0)
        REQUIRE(strlen(interp) >= 1 && !strchr(interp, ' ') && !strchr(interp, '\n'));
    r = elf_parse_shebang((const char *)data, size, small, sizeof(small), small2, sizeof(small2));
    REQUIRE(r == 0 || r == -ENOEXEC || r == -ENAMETOOLONG);
    return 0;
}
