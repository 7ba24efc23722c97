/* host-test: kernel/sys/elf.c */
/* host-test-setup: tests/host/setup_elf.sh */
/* ELF load planning on real executables built by setup_elf.sh (musl, glibc, static,
 * static-PIE, dynamic) and busybox-static, then on malformed variants of each: every
 * variant is parsed from an exact-size heap copy, so ASan flags any overread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <osc/elf.h>
#include <osc/errno.h>
#include "check.h"

/* gABI Elf64_Phdr layout, kept independent of the parser so the test cross-checks it. */
struct raw_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct raw_phdr) == 56, "Elf64_Phdr is 56 bytes");

struct image {
    uint8_t *buf;
    size_t len;
};

static struct image image_load(const char *name)
{
    struct image im = { NULL, 0 };
    const char *dir = getenv("HOST_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s (setup_elf.sh should have built it)\n", path);
        return im;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    im.buf = malloc((size_t)n);
    if (im.buf && fread(im.buf, 1, (size_t)n, f) == (size_t)n)
        im.len = (size_t)n;
    fclose(f);
    return im;
}

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;
    memcpy(&v, p, (size_t)n);   /* host is little-endian x86_64 */
    return v;
}

static void wr(uint8_t *p, int n, uint64_t v)
{
    memcpy(p, &v, (size_t)n);
}

static uint64_t img_phoff(const uint8_t *b) { return rd(b + 32, 8); }
static unsigned img_phnum(const uint8_t *b) { return (unsigned)rd(b + 56, 2); }

static struct raw_phdr phdr_get(const uint8_t *b, unsigned i)
{
    struct raw_phdr ph;
    memcpy(&ph, b + img_phoff(b) + 56 * (uint64_t)i, sizeof(ph));
    return ph;
}

static void phdr_put(uint8_t *b, unsigned i, const struct raw_phdr *ph)
{
    memcpy(b + img_phoff(b) + 56 * (uint64_t)i, ph, sizeof(*ph));
}

/* Parses buf[0, len) from an exact-size copy, so reading past len is an ASan error. */
static int parse_exact(const uint8_t *buf, size_t len, struct elf_plan *plan)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, buf, len);
    int r = elf_parse(copy, len, plan);
    free(copy);
    return r;
}

static int n_rejected;

static void expect_noexec(const uint8_t *buf, size_t len, const char *bin, const char *what, long arg)
{
    static struct elf_plan plan;
    int r = parse_exact(buf, len, &plan);
    if (r != -ENOEXEC) {
        fprintf(stderr, "  %s: %s (%ld) gave %d, want -ENOEXEC\n", bin, what, arg, r);
        host_test_failed_checks++;
    }
    n_rejected++;
}

/* The plan must match an independent reading of the program headers. */
static void check_plan_matches_image(const struct image *im, const struct elf_plan *p, const char *bin)
{
    CHECK_EQ(p->entry, rd(im->buf + 24, 8));
    CHECK_EQ(p->phnum, img_phnum(im->buf));
    CHECK_EQ(p->phentsize, 56);
    CHECK_EQ(p->phoff, img_phoff(im->buf));
    size_t k = 0;
    bool entry_in_exec = false;
    for (unsigned i = 0; i < img_phnum(im->buf); i++) {
        struct raw_phdr ph = phdr_get(im->buf, i);
        if (ph.type == PT_PHDR) {
            CHECK(p->phdr_in_image);
            CHECK_EQ(p->phdr_vaddr, ph.vaddr);
        }
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (k >= p->nloads) {
            fprintf(stderr, "  %s: plan has only %zu loads\n", bin, p->nloads);
            host_test_failed_checks++;
            return;
        }
        const struct elf_segment *s = &p->loads[k++];
        CHECK_EQ(s->vaddr, ph.vaddr);
        CHECK_EQ(s->memsz, ph.memsz);
        CHECK_EQ(s->offset, ph.offset);
        CHECK_EQ(s->filesz, ph.filesz);
        CHECK_EQ(s->prot, ((ph.flags & 4) ? 1 : 0) | ((ph.flags & 2) ? 2 : 0) | ((ph.flags & 1) ? 4 : 0));
        if ((ph.flags & 1) && p->entry >= ph.vaddr && p->entry < ph.vaddr + ph.memsz)
            entry_in_exec = true;
    }
    CHECK_EQ(k, p->nloads);
    CHECK(entry_in_exec);
    CHECK(p->span_lo <= p->loads[0].vaddr);
    CHECK(p->span_hi >= p->loads[p->nloads - 1].vaddr + p->loads[p->nloads - 1].memsz);
    CHECK(p->span_hi % 4096 == 0 && p->span_lo % 4096 == 0);
}

/* Parses a real binary, cross-checks it, and prints what it is (for the record). */
static bool parse_real(const char *bin, struct image *im, struct elf_plan *p)
{
    *im = image_load(bin);
    if (!im->len) {
        host_test_failed_checks++;
        return false;
    }
    int r = parse_exact(im->buf, im->len, p);
    CHECK_EQ(r, 0);
    if (r)
        return false;
    check_plan_matches_image(im, p, bin);
    printf("  %s: %s, %zu PT_LOADs, entry %#llx, AT_PHDR %s%#llx, PT_TLS %s, interp %s, stack %s\n",
           bin, p->type == ET_EXEC ? "ET_EXEC" : "ET_DYN", p->nloads, (unsigned long long)p->entry,
           p->phdr_in_image ? "" : "(not in image) ", (unsigned long long)p->phdr_vaddr,
           p->has_tls ? "yes" : "no", p->has_interp ? p->interp : "none",
           !p->has_gnu_stack ? "default" : p->stack_exec ? "exec" : "noexec");
    return true;
}

TEST(musl_static_hello_is_et_exec_without_interp)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("musl-static", &im, &p)) {
        CHECK_EQ(p.type, ET_EXEC);
        CHECK(!p.has_interp);
        CHECK(p.phdr_in_image);
        CHECK_EQ(p.phdr_vaddr, p.loads[0].vaddr + p.phoff);   /* first PT_LOAD maps offset 0 */
        CHECK(p.has_gnu_stack && !p.stack_exec);
    }
    free(im.buf);
}

TEST(glibc_static_hello_is_et_exec_with_tls)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("glibc-static", &im, &p)) {
        CHECK_EQ(p.type, ET_EXEC);
        CHECK(!p.has_interp);
        CHECK(p.has_tls);
        CHECK(p.tls.memsz >= p.tls.filesz && p.tls.align >= 8);
        CHECK(p.phdr_in_image);
    }
    free(im.buf);
}

TEST(glibc_static_pie_is_et_dyn_without_interp)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("glibc-static-pie", &im, &p)) {
        CHECK_EQ(p.type, ET_DYN);
        CHECK(!p.has_interp);
        CHECK(p.has_tls);
        CHECK_EQ(p.span_lo, 0);
        CHECK(p.phdr_in_image);
        CHECK_EQ(p.phdr_vaddr, p.phoff);
    }
    free(im.buf);
}

TEST(glibc_dynamic_pie_reports_interp_and_pt_phdr)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("glibc-dynamic", &im, &p)) {
        CHECK_EQ(p.type, ET_DYN);
        CHECK(p.has_interp);
        CHECK_STR(p.interp, "/lib64/ld-linux-x86-64.so.2");
    }
    free(im.buf);
}

TEST(musl_gcc_static_pie_on_debian_still_has_interp)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("musl-static-pie", &im, &p)) {
        CHECK_EQ(p.type, ET_DYN);
        CHECK(p.has_interp);
        CHECK_STR(p.interp, "/lib/ld-musl-x86_64.so.1");
    }
    free(im.buf);
}

TEST(busybox_static_parses_with_tls)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("busybox", &im, &p)) {
        CHECK(p.type == ET_EXEC || p.type == ET_DYN);
        CHECK(!p.has_interp);
        CHECK(p.has_tls);
        CHECK(p.phdr_in_image);
    }
    free(im.buf);
}

TEST(glibc_loader_is_et_dyn_at_zero_without_interp)
{
    struct image im;
    static struct elf_plan p;
    if (parse_real("ld-linux", &im, &p)) {
        CHECK_EQ(p.type, ET_DYN);
        CHECK(!p.has_interp);
        CHECK_EQ(p.span_lo, 0);
        CHECK(p.span_hi < ELF_INTERP_SPAN_MAX);
    }
    free(im.buf);
}

TEST(layout_dynamic_pie_starts_in_loader_with_program_auxv)
{
    struct image im, ii;
    static struct elf_plan p, ip;
    struct elf_layout l;
    bool ok = parse_real("glibc-dynamic", &im, &p);
    ok = parse_real("ld-linux", &ii, &ip) && ok;
    if (ok) {
        CHECK_EQ(elf_layout(&p, &ip, &l), 0);
        CHECK_EQ(l.bias, ELF_PIE_BASE - p.span_lo);
        CHECK_EQ(l.at_entry, p.entry + l.bias);
        CHECK_EQ(l.interp_bias, ELF_INTERP_BASE);
        CHECK_EQ(l.at_base, ELF_INTERP_BASE);
        CHECK_EQ(l.entry, ip.entry + ELF_INTERP_BASE);
        CHECK_EQ(l.brk, p.span_hi + l.bias);
        CHECK(l.brk <= ELF_INTERP_BASE);
        CHECK_EQ(l.brk % ELF_PAGE_SIZE, 0);
        /* The loader's area lies above the program. */
        CHECK(ip.span_lo + l.interp_bias >= l.brk);
    }
    free(im.buf);
    free(ii.buf);
}

/* Randomised bases (exec's ASLR) land where asked; a PIE base at or above the
 * loader's, or one not page-aligned, is refused. */
TEST(layout_at_places_program_and_loader_at_the_given_bases)
{
    struct image im, ii;
    static struct elf_plan p, ip;
    struct elf_layout l;
    bool ok = parse_real("glibc-dynamic", &im, &p);
    ok = parse_real("ld-linux", &ii, &ip) && ok;
    if (ok) {
        uint64_t pie = ELF_PIE_BASE + 0x12345000ull, ld = 0x7e1234567000ull;
        CHECK_EQ(elf_layout_at(&p, &ip, pie, ld, &l), 0);
        CHECK_EQ(l.bias, pie - p.span_lo);
        CHECK_EQ(l.interp_bias, ld - ip.span_lo);
        CHECK_EQ(l.at_base, l.interp_bias);
        CHECK_EQ(l.entry, ip.entry + l.interp_bias);
        CHECK_EQ(l.brk, p.span_hi + l.bias);
        CHECK_EQ(elf_layout_at(&p, &ip, ld, ld, &l), -ENOEXEC);
        CHECK_EQ(elf_layout_at(&p, &ip, pie + 8, ld, &l), -ENOEXEC);
        CHECK_EQ(elf_layout_at(&p, &ip, pie, ELF_USER_END - ELF_PAGE_SIZE, &l), -ENOEXEC);
    }
    free(im.buf);
    free(ii.buf);
}

TEST(layout_static_programs_have_no_base_and_run_their_own_entry)
{
    struct image im;
    static struct elf_plan p;
    struct elf_layout l;
    if (parse_real("musl-static", &im, &p)) {
        CHECK_EQ(elf_layout(&p, NULL, &l), 0);
        CHECK_EQ(l.bias, 0);
        CHECK_EQ(l.entry, p.entry);
        CHECK_EQ(l.at_entry, p.entry);
        CHECK_EQ(l.at_base, 0);
        CHECK_EQ(l.interp_bias, 0);
        CHECK_EQ(l.brk, p.span_hi);
    }
    free(im.buf);
    if (parse_real("glibc-static-pie", &im, &p)) {
        CHECK_EQ(elf_layout(&p, NULL, &l), 0);
        CHECK_EQ(l.bias, ELF_PIE_BASE);
        CHECK_EQ(l.entry, p.entry + ELF_PIE_BASE);
        CHECK_EQ(l.at_base, 0);
    }
    free(im.buf);
}

TEST(layout_rejects_unusable_interpreters_and_overlap)
{
    struct image im, ii;
    static struct elf_plan p, ip, bad;
    struct elf_layout l;
    bool ok = parse_real("glibc-dynamic", &im, &p);
    ok = parse_real("ld-linux", &ii, &ip) && ok;
    if (ok) {
        /* An interpreter that names an interpreter (here: the program itself). */
        CHECK_EQ(elf_layout(&p, &p, &l), -ENOEXEC);
        /* An ET_EXEC interpreter. */
        bad = ip;
        bad.type = ET_EXEC;
        CHECK_EQ(elf_layout(&p, &bad, &l), -ENOEXEC);
        /* An interpreter wider than its area. */
        bad = ip;
        bad.span_hi = bad.span_lo + ELF_INTERP_SPAN_MAX + ELF_PAGE_SIZE;
        CHECK_EQ(elf_layout(&p, &bad, &l), -ENOEXEC);
        bad.span_hi = bad.span_lo + ELF_INTERP_SPAN_MAX;
        CHECK_EQ(elf_layout(&p, &bad, &l), 0);
        /* A PIE so big it would reach the loader's area. */
        bad = p;
        bad.span_hi = bad.span_lo + (ELF_INTERP_BASE - ELF_PIE_BASE) + ELF_PAGE_SIZE;
        CHECK_EQ(elf_layout(&bad, &ip, &l), -ENOEXEC);
        bad.span_hi -= ELF_PAGE_SIZE;
        CHECK_EQ(elf_layout(&bad, &ip, &l), 0);
        /* A dynamic ET_EXEC placed over the loader's area. */
        bad = p;
        bad.type = ET_EXEC;
        bad.span_lo = ELF_INTERP_BASE - ELF_PAGE_SIZE;
        bad.span_hi = ELF_INTERP_BASE + ELF_PAGE_SIZE;
        CHECK_EQ(elf_layout(&bad, &ip, &l), -ENOEXEC);
        CHECK_EQ(elf_layout(&bad, NULL, &l), 0);     /* static: that area is free */
    }
    free(im.buf);
    free(ii.buf);
}

/* End of the last file byte any segment the parser checks refers to. */
static uint64_t file_extent(const uint8_t *b)
{
    uint64_t end = img_phoff(b) + 56 * (uint64_t)img_phnum(b);
    for (unsigned i = 0; i < img_phnum(b); i++) {
        struct raw_phdr ph = phdr_get(b, i);
        if (ph.type == PT_LOAD || ph.type == PT_INTERP || ph.type == PT_TLS)
            if (ph.offset + ph.filesz > end)
                end = ph.offset + ph.filesz;
    }
    return end;
}

static void truncations_all_fail(const char *bin)
{
    struct image im = image_load(bin);
    CHECK(im.len > 0);
    if (!im.len)
        return;
    uint64_t hdr_end = img_phoff(im.buf) + 56 * (uint64_t)img_phnum(im.buf);
    uint64_t extent = file_extent(im.buf);
    /* Every byte through the headers, then every 64-byte boundary up to the last
     * segment byte; exact-size copies up to 64 KiB (cost), length-only beyond. */
    for (uint64_t k = 0; k < extent; k += (k < hdr_end + 64 ? 1 : 64)) {
        if (k <= 65536) {
            expect_noexec(im.buf, k, bin, "truncated to", (long)k);
        } else {
            static struct elf_plan p;
            int r = elf_parse(im.buf, k, &p);
            if (r != -ENOEXEC) {
                fprintf(stderr, "  %s: truncated to %llu gave %d\n", bin, (unsigned long long)k, r);
                host_test_failed_checks++;
            }
        }
    }
    static struct elf_plan p;
    CHECK_EQ(parse_exact(im.buf, extent, &p), 0);   /* section headers are not needed */
    free(im.buf);
}

TEST(truncated_binaries_are_rejected)
{
    const char *bins[] = { "musl-static", "glibc-static", "glibc-static-pie", "glibc-dynamic",
                           "musl-static-pie", "busybox" };
    for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
        truncations_all_fail(bins[i]);
}

/* Applies one mutation to a fresh copy of the image and expects -ENOEXEC. */
#define MUTATE(what, arg, stmt)                                                   \
    do {                                                                          \
        uint8_t *m = malloc(im.len);                                              \
        memcpy(m, im.buf, im.len);                                                \
        stmt;                                                                     \
        expect_noexec(m, im.len, bin, what, (long)(arg));                         \
        free(m);                                                                  \
    } while (0)

static void mutations_all_fail(const char *bin)
{
    struct image im = image_load(bin);
    CHECK(im.len > 0);
    if (!im.len)
        return;
    uint64_t len = im.len;
    unsigned phnum = img_phnum(im.buf);

    for (int i = 0; i < 4; i++)
        MUTATE("bad magic byte", i, m[i] ^= 0x20);
    MUTATE("ELFCLASS32", 1, m[4] = 1);
    MUTATE("big-endian", 2, m[5] = 2);
    MUTATE("EI_VERSION", 0, m[6] = 0);
    MUTATE("EI_OSABI FreeBSD", 9, m[7] = 9);
    MUTATE("ET_REL", 1, wr(m + 16, 2, 1));
    MUTATE("ET_CORE", 4, wr(m + 16, 2, 4));
    MUTATE("EM_386", 3, wr(m + 18, 2, 3));
    MUTATE("e_version", 0, wr(m + 20, 4, 0));
    MUTATE("e_phentsize", 32, wr(m + 54, 2, 32));
    MUTATE("e_phentsize", 64, wr(m + 54, 2, 64));
    MUTATE("e_phnum", 0, wr(m + 56, 2, 0));
    MUTATE("e_phnum", 65, wr(m + 56, 2, 65));
    MUTATE("e_phnum PN_XNUM", 0xffff, wr(m + 56, 2, 0xffff));
    MUTATE("e_phoff", len, wr(m + 32, 8, len));
    MUTATE("e_phoff", len - 55, wr(m + 32, 8, len - 55));
    MUTATE("e_phoff", -1, wr(m + 32, 8, UINT64_MAX));
    MUTATE("e_phoff wrap", -64, wr(m + 32, 8, UINT64_MAX - 63));
    MUTATE("entry 0", 0, wr(m + 24, 8, 0));
    MUTATE("entry -1", -1, wr(m + 24, 8, UINT64_MAX));

    int first_load = -1, first_ro = -1, interp = -1, tls = -1, stack = -1, pt_phdr = -1;
    for (unsigned i = 0; i < phnum; i++) {
        struct raw_phdr ph = phdr_get(im.buf, i);
        if (ph.type == PT_LOAD && first_load < 0)
            first_load = (int)i;
        if (ph.type == PT_LOAD && !(ph.flags & 1) && first_ro < 0)
            first_ro = (int)i;
        if (ph.type == PT_INTERP) interp = (int)i;
        if (ph.type == PT_TLS) tls = (int)i;
        if (ph.type == PT_GNU_STACK) stack = (int)i;
        if (ph.type == PT_PHDR) pt_phdr = (int)i;
        if (ph.type != PT_LOAD)
            continue;
        uint64_t low = ph.vaddr & 0xfff;
        struct raw_phdr q;
#define PH(what, stmt) MUTATE(what, i, (q = ph, stmt, phdr_put(m, i, &q)))
        PH("filesz > memsz", q.filesz = q.memsz + 1);
        PH("offset past file", q.offset = ((len + 8191) & ~4095ull) | low);
        PH("offset wraps", q.offset = (UINT64_MAX & ~4095ull) | low);
        PH("filesz huge", (q.filesz = UINT64_MAX - 5, q.memsz = UINT64_MAX));
        PH("memsz wraps", q.memsz = UINT64_MAX - q.vaddr + 2);
        PH("vaddr wraps", q.vaddr = (UINT64_MAX & ~4095ull) | low);
        PH("vaddr in kernel half", q.vaddr = ELF_USER_END | low);
        PH("vaddr reaches kernel half", (q.vaddr = (ELF_USER_END - 4096) | low, q.memsz = 8192,
                                         q.filesz = q.filesz > 4096 ? 4096 : q.filesz));
        PH("offset misaligned to vaddr", q.offset += 1);
        PH("p_align not a power of two", q.align = 0x3000);
        PH("vaddr not page-congruent", q.vaddr += 0x10);
        if (i > (unsigned)first_load) {
            struct raw_phdr prev = phdr_get(im.buf, (unsigned)first_load);
            PH("overlaps first PT_LOAD", q.vaddr = (prev.vaddr & ~4095ull) | low);
        }
#undef PH
    }
    MUTATE("no PT_LOAD", 0, ({
        for (unsigned i = 0; i < phnum; i++) {
            struct raw_phdr q = phdr_get(m, i);
            if (q.type == PT_LOAD) {
                q.type = PT_NULL;
                phdr_put(m, i, &q);
            }
        }
    }));
    if (first_ro >= 0)
        MUTATE("entry in non-exec PT_LOAD", first_ro, wr(m + 24, 8, phdr_get(im.buf, (unsigned)first_ro).vaddr));

    struct raw_phdr q;
    if (interp >= 0) {
        struct raw_phdr ph = phdr_get(im.buf, (unsigned)interp);
        MUTATE("interp no NUL", interp, m[ph.offset + ph.filesz - 1] = 'x');
        MUTATE("interp embedded NUL", interp, m[ph.offset + 1] = 0);
        MUTATE("interp filesz 1", interp, (q = ph, q.filesz = 1, phdr_put(m, (unsigned)interp, &q)));
        MUTATE("interp too long", interp, (q = ph, q.filesz = ELF_INTERP_MAX + 1, phdr_put(m, (unsigned)interp, &q)));
        MUTATE("interp past file", interp, (q = ph, q.offset = len - 1, phdr_put(m, (unsigned)interp, &q)));
        MUTATE("interp offset wraps", interp, (q = ph, q.offset = UINT64_MAX, phdr_put(m, (unsigned)interp, &q)));
    }
    if (stack >= 0) {
        /* Turn PT_GNU_STACK into a PT_INTERP over the ELF header: not a C string. */
        struct raw_phdr ph = phdr_get(im.buf, (unsigned)stack);
        MUTATE("bogus interp", stack, (q = ph, q.type = PT_INTERP, q.offset = 0, q.filesz = 16,
                                       phdr_put(m, (unsigned)stack, &q)));
        if (interp >= 0)
            MUTATE("second interp", stack, (q = phdr_get(im.buf, (unsigned)interp),
                                            phdr_put(m, (unsigned)stack, &q)));
        if (tls >= 0)
            MUTATE("second TLS", stack, (q = phdr_get(im.buf, (unsigned)tls), phdr_put(m, (unsigned)stack, &q)));
        MUTATE("PT_PHDR outside image", stack, (q = ph, q.type = PT_PHDR, q.vaddr = 0x7fff00000000ull,
                                                phdr_put(m, (unsigned)stack, &q)));
    }
    if (tls >= 0) {
        struct raw_phdr ph = phdr_get(im.buf, (unsigned)tls);
        MUTATE("TLS filesz > memsz", tls, (q = ph, q.filesz = q.memsz + 1, phdr_put(m, (unsigned)tls, &q)));
        MUTATE("TLS align 3", tls, (q = ph, q.align = 3, phdr_put(m, (unsigned)tls, &q)));
        MUTATE("TLS image not loaded", tls, (q = ph, q.vaddr = 0x7fff00000000ull, phdr_put(m, (unsigned)tls, &q)));
        MUTATE("TLS past file", tls, (q = ph, q.offset = len, phdr_put(m, (unsigned)tls, &q)));
        MUTATE("TLS memsz wraps", tls, (q = ph, q.memsz = UINT64_MAX, phdr_put(m, (unsigned)tls, &q)));
    }
    if (pt_phdr >= 0) {
        struct raw_phdr ph = phdr_get(im.buf, (unsigned)pt_phdr);
        MUTATE("PT_PHDR not loaded", pt_phdr, (q = ph, q.vaddr = 0x7fff00000000ull,
                                               phdr_put(m, (unsigned)pt_phdr, &q)));
    }
    free(im.buf);
}

TEST(corrupted_headers_are_rejected)
{
    const char *bins[] = { "musl-static", "glibc-static", "glibc-static-pie", "glibc-dynamic",
                           "musl-static-pie", "busybox" };
    n_rejected = 0;
    for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
        mutations_all_fail(bins[i]);
    printf("  %d corrupted variants rejected\n", n_rejected);
}

/* Random byte flips in the headers: whatever comes out, no crash (ASan/UBSan) and
 * only 0 or -ENOEXEC; an accepted plan still satisfies the invariants. */
TEST(random_header_corruption_never_crashes)
{
    struct image im = image_load("glibc-static-pie");
    CHECK(im.len > 0);
    if (!im.len)
        return;
    size_t hdr_end = img_phoff(im.buf) + 56 * img_phnum(im.buf);
    uint8_t *m = malloc(im.len);
    static struct elf_plan p;
    unsigned seed = 12345, accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(m, im.buf, hdr_end);
        for (int k = 0; k < 1 + iter % 4; k++) {
            seed = seed * 1103515245 + 12345;
            m[(seed >> 8) % hdr_end] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        }
        int r = elf_parse(m, im.len, &p);
        CHECK(r == 0 || r == -ENOEXEC);
        if (r == 0) {
            accepted++;
            CHECK(p.nloads > 0 && p.span_hi <= ELF_USER_END);
            for (size_t i = 0; i < p.nloads; i++)
                CHECK(p.loads[i].offset + p.loads[i].filesz <= im.len);
        }
    }
    printf("  %u of 20000 corrupted headers still accepted (harmless fields)\n", accepted);
    free(m);
    free(im.buf);
}

/* A minimal hand-made image: header, phdrs at 64, one page of code at 0x1000. */
static size_t synth(uint8_t *b, size_t cap, unsigned nph, const struct raw_phdr *ph)
{
    memset(b, 0, cap);
    memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
    wr(b + 16, 2, ET_EXEC);
    wr(b + 18, 2, 62);
    wr(b + 20, 4, 1);
    wr(b + 24, 8, 0x401000);
    wr(b + 32, 8, 64);
    wr(b + 52, 2, 64);
    wr(b + 54, 2, 56);
    wr(b + 56, 2, nph);
    for (unsigned i = 0; i < nph; i++)
        memcpy(b + 64 + 56 * i, &ph[i], 56);
    return cap;
}

static const struct raw_phdr code_load = { PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0, 0x10, 0x10, 0x1000 };

TEST(synthetic_minimal_image_has_no_phdr_in_image_and_default_stack)
{
    static uint8_t b[8192];
    static struct elf_plan p;
    struct raw_phdr ph[2] = { code_load, { PT_LOAD, PF_R | PF_W, 0x1100, 0x402100, 0, 0, 0, 0x1000 } };
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), 2, ph), &p), 0);
    CHECK_EQ(p.nloads, 1);              /* the empty PT_LOAD maps nothing */
    CHECK(!p.phdr_in_image);            /* offset 64 is not inside any PT_LOAD */
    CHECK(!p.has_gnu_stack && !p.stack_exec && !p.has_tls && !p.has_interp);
    CHECK_EQ(p.span_lo, 0x401000);
    CHECK_EQ(p.span_hi, 0x402000);
}

TEST(synthetic_exec_stack_and_64_phdrs_accepted_65_rejected)
{
    static uint8_t b[8192];
    static struct elf_plan p;
    struct raw_phdr ph[65];
    memset(ph, 0, sizeof(ph));
    ph[0] = code_load;
    ph[1].type = PT_GNU_STACK;
    ph[1].flags = PF_R | PF_W | PF_X;
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), 64, ph), &p), 0);
    CHECK(p.has_gnu_stack && p.stack_exec);
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), 65, ph), &p), -ENOEXEC);
}

TEST(synthetic_too_many_or_unsorted_loads_rejected)
{
    static uint8_t b[8192];
    static struct elf_plan p;
    struct raw_phdr ph[ELF_MAX_LOADS + 1];
    for (unsigned i = 0; i <= ELF_MAX_LOADS; i++) {
        ph[i] = code_load;
        ph[i].vaddr += 0x1000 * (uint64_t)i;
    }
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), ELF_MAX_LOADS, ph), &p), 0);
    CHECK_EQ(p.nloads, ELF_MAX_LOADS);
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), ELF_MAX_LOADS + 1, ph), &p), -ENOEXEC);
    struct raw_phdr swapped[2] = { ph[1], ph[0] };
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), 2, swapped), &p), -ENOEXEC);
    struct raw_phdr overlap[2] = { ph[0], ph[0] };
    overlap[1].flags = PF_R;
    CHECK_EQ(elf_parse(b, synth(b, sizeof(b), 2, overlap), &p), -ENOEXEC);
}

static int shebang(const char *s, char *interp, char *arg)
{
    return elf_parse_shebang(s, strlen(s), interp, 256, arg, 256);
}

TEST(shebang_splits_interpreter_and_single_argument)
{
    char in[256], ar[256];
    CHECK_EQ(shebang("#!/bin/sh\necho hi\n", in, ar), 0);
    CHECK_STR(in, "/bin/sh");
    CHECK_STR(ar, "");
    CHECK_EQ(shebang("#! \t/usr/bin/env  python3 -u  \t\nprint()\n", in, ar), 0);
    CHECK_STR(in, "/usr/bin/env");
    CHECK_STR(ar, "python3 -u");      /* Linux passes the rest as one argument */
    CHECK_EQ(shebang("#!/bin/busybox sh", in, ar), 0);   /* no newline: whole file */
    CHECK_STR(in, "/bin/busybox");
    CHECK_STR(ar, "sh");
    CHECK_EQ(elf_parse_shebang("#!/bin/sh\0 junk\n", 16, in, 256, ar, 256), 0);
    CHECK_STR(in, "/bin/sh");
    CHECK_STR(ar, "");
}

TEST(shebang_rejects_non_scripts_and_cut_interpreters)
{
    char in[256], ar[256];
    CHECK_EQ(shebang("", in, ar), -ENOEXEC);
    CHECK_EQ(shebang("#", in, ar), -ENOEXEC);
    CHECK_EQ(shebang("\x7f" "ELF", in, ar), -ENOEXEC);
    CHECK_EQ(shebang("#!\n/bin/sh\n", in, ar), -ENOEXEC);
    CHECK_EQ(shebang("#!   \t  \n", in, ar), -ENOEXEC);
    CHECK_EQ(shebang(" #!/bin/sh\n", in, ar), -ENOEXEC);

    /* Interpreter running past the 256-byte window: refused. */
    char long_line[400];
    memset(long_line, 'a', sizeof(long_line));
    memcpy(long_line, "#!/", 3);
    long_line[399] = 0;
    CHECK_EQ(shebang(long_line, in, ar), -ENOEXEC);
    /* Interpreter ends inside the window, argument cut at the window: accepted. */
    long_line[10] = ' ';
    CHECK_EQ(shebang(long_line, in, ar), 0);
    CHECK_EQ(strlen(in), 8);
    CHECK_EQ(strlen(ar), ELF_SHEBANG_MAX - 11);
    /* The newline must fall inside the window: at index 255 the line is whole, at
     * 256 (one byte beyond what Linux reads) the name counts as cut. */
    memset(long_line, 'b', sizeof(long_line));
    memcpy(long_line, "#!/x", 4);
    long_line[255] = '\n';
    long_line[257] = 0;
    CHECK_EQ(shebang(long_line, in, ar), 0);
    CHECK_EQ(strlen(in), 253);
    long_line[255] = 'b';
    long_line[256] = '\n';
    CHECK_EQ(shebang(long_line, in, ar), -ENOEXEC);
    /* A file shorter than the window needs no newline at all. */
    CHECK_EQ(shebang("#!/bin/sh", in, ar), 0);
    CHECK_STR(in, "/bin/sh");
    CHECK_EQ(shebang("#!/bin/sh  ", in, ar), 0);
    CHECK_STR(ar, "");
}

TEST(shebang_reports_small_output_buffers)
{
    char in[4], ar[4];
    CHECK_EQ(elf_parse_shebang("#!/bin/sh\n", 10, in, sizeof(in), ar, sizeof(ar)), -ENAMETOOLONG);
    CHECK_EQ(elf_parse_shebang("#!/sh abcd\n", 11, in, sizeof(in), ar, sizeof(ar)), -ENAMETOOLONG);
    CHECK_EQ(elf_parse_shebang("#!/sh abc\n", 10, in, sizeof(in), ar, sizeof(ar)), 0);
    CHECK_STR(in, "/sh");
    CHECK_STR(ar, "abc");
}
