/* The vDSO: AT_SYSINFO_EHDR points at a mapped ELF shared object exporting Linux's
 * four x86_64 calls under version LINUX_2.6; its clocks agree with the syscalls and
 * never go backwards (also across CPUs); the C library's clock_gettime goes through
 * it; /proc/self/maps names it; fork keeps it and exec maps a fresh one. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main also serves the re-exec'd probe */
#include "../lib/testlib.h"
#include "smp_cpus.h"
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

typedef int (*cgt_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

/* One symbol's address, when it is defined with version LINUX_2.6 (0 otherwise). */
static void *vdso_sym(const char *name)
{
    uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
    if (!base)
        return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    uintptr_t bias = 0;
    const Elf64_Dyn *dyn = NULL;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            bias = base - ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const Elf64_Dyn *)ph[i].p_vaddr;     /* biased below */
    }
    if (!dyn)
        return NULL;
    dyn = (const Elf64_Dyn *)((uintptr_t)dyn + bias);
    const Elf64_Sym *sym = NULL;
    const char *str = NULL;
    const uint32_t *hash = NULL, *gnu = NULL;
    const Elf64_Versym *versym = NULL;
    const Elf64_Verdef *verdef = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t v = dyn->d_un.d_ptr + bias;
        switch (dyn->d_tag) {
        case DT_SYMTAB: sym = (const Elf64_Sym *)v; break;
        case DT_STRTAB: str = (const char *)v; break;
        case DT_HASH: hash = (const uint32_t *)v; break;
        case DT_GNU_HASH: gnu = (const uint32_t *)v; break;
        case DT_VERSYM: versym = (const Elf64_Versym *)v; break;
        case DT_VERDEF: verdef = (const Elf64_Verdef *)v; break;
        }
    }
    if (!sym || !str || (!hash && !gnu) || !versym || !verdef)
        return NULL;
    /* The symbol count: DT_HASH's nchain, else past the last GNU hash chain. */
    uint32_t nsyms = 0;
    if (hash) {
        nsyms = hash[1];
    } else {
        uint32_t nbuckets = gnu[0], symoff = gnu[1], bloom = gnu[2];
        const uint32_t *buckets = gnu + 4 + bloom * 2, *chain = buckets + nbuckets;
        for (uint32_t b = 0; b < nbuckets; b++)
            if (buckets[b] >= nsyms)
                nsyms = buckets[b] + 1;
        if (nsyms)
            while (!(chain[nsyms - 1 - symoff] & 1))
                nsyms++;
    }
    for (uint32_t i = 1; i < nsyms; i++) {
        if (strcmp(str + sym[i].st_name, name) || sym[i].st_shndx == SHN_UNDEF ||
            ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC)
            continue;
        unsigned ver = versym[i] & 0x7fff;
        for (const Elf64_Verdef *d = verdef;; d = (const Elf64_Verdef *)((const char *)d + d->vd_next)) {
            const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            if (d->vd_ndx == ver && !strcmp(str + aux->vda_name, "LINUX_2.6"))
                return (void *)(sym[i].st_value + bias);
            if (!d->vd_next)
                break;
        }
    }
    return NULL;
}

static long long ns_of(const struct timespec *t)
{
    return t->tv_sec * 1000000000ll + t->tv_nsec;
}

static long long sys_clock(clockid_t c)
{
    struct timespec t;
    if (syscall(SYS_clock_gettime, c, &t) != 0)
        return -1;
    return ns_of(&t);
}

TEST(auxv_sysinfo_ehdr_points_at_an_elf_shared_object)
{
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    REQUIRE(base != 0);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
    CHECK_EQ(eh->e_ident[EI_CLASS], ELFCLASS64);
    CHECK_EQ(eh->e_type, ET_DYN);
    CHECK_EQ(eh->e_machine, EM_X86_64);
}

TEST(vdso_exports_the_four_linux_calls_as_linux_2_6)
{
    CHECK(vdso_sym("__vdso_clock_gettime") != NULL);
    CHECK(vdso_sym("__vdso_gettimeofday") != NULL);
    CHECK(vdso_sym("__vdso_time") != NULL);
    CHECK(vdso_sym("__vdso_getcpu") != NULL);
    CHECK(vdso_sym("__vdso_no_such_call") == NULL);
}

/* Each clock the vDSO serves, read between two syscall reads of the same clock. */
TEST(vdso_clock_gettime_lies_between_two_syscalls)
{
    cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    REQUIRE(cgt != NULL);
    static const clockid_t clocks[] = {
        CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
        CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_COARSE,
    };
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        for (int round = 0; round < 20; round++) {
            struct timespec t;
            long long a = sys_clock(clocks[i]);
            CHECK_EQ(cgt(clocks[i], &t), 0);
            long long b = sys_clock(clocks[i]);
            long long v = ns_of(&t);
            CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
            if (v < a || v > b) {
                printf("  clock %d: syscall %lld, vdso %lld, syscall %lld\n",
                       (int)clocks[i], a, v, b);
                CHECK(a <= v && v <= b);
                break;
            }
        }
    }
}

/* Clocks the vDSO does not serve still answer, through the syscall. */
TEST(vdso_clock_gettime_other_clocks_fall_back_to_the_syscall)
{
    cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    REQUIRE(cgt != NULL);
    struct timespec t = { -1, -1 };
    CHECK_EQ(cgt(CLOCK_PROCESS_CPUTIME_ID, &t), 0);
    CHECK(t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
    CHECK_EQ(cgt(12345, &t), -EINVAL);  /* the raw call: -errno, no errno set */
}

TEST(vdso_gettimeofday_and_time_agree_with_the_syscalls)
{
    gtod_fn gtod = (gtod_fn)vdso_sym("__vdso_gettimeofday");
    time_fn tm = (time_fn)vdso_sym("__vdso_time");
    REQUIRE(gtod != NULL && tm != NULL);
    struct timeval a, v, b;
    REQUIRE(syscall(SYS_gettimeofday, &a, NULL) == 0);
    CHECK_EQ(gtod(&v, NULL), 0);
    REQUIRE(syscall(SYS_gettimeofday, &b, NULL) == 0);
    long long ua = a.tv_sec * 1000000ll + a.tv_usec, uv = v.tv_sec * 1000000ll + v.tv_usec,
              ub = b.tv_sec * 1000000ll + b.tv_usec;
    CHECK(ua <= uv && uv <= ub);
    time_t s0 = (time_t)syscall(SYS_time, NULL), out = 0;
    time_t s = tm(&out);
    time_t s1 = (time_t)syscall(SYS_time, NULL);
    CHECK(s0 <= s && s <= s1);
    CHECK_EQ(out, s);
}

/* libc's clock_gettime with the vDSO, interleaved with the syscall: never backwards. */
TEST(clock_monotonic_never_goes_backwards_across_vdso_and_syscall)
{
    REQUIRE(getauxval(AT_SYSINFO_EHDR) != 0);   /* else both paths are the syscall */
    struct timespec t;
    long long last = 0;
    int bad = 0;
    for (int i = 0; i < 100000 && !bad; i++) {
        long long now;
        if (i % 50 == 0) {
            now = sys_clock(CLOCK_MONOTONIC);
        } else {
            clock_gettime(CLOCK_MONOTONIC, &t);
            now = ns_of(&t);
        }
        if (now < last) {
            printf("  step %d: %lld after %lld\n", i, now, last);
            bad = 1;
        }
        last = now;
    }
    CHECK(!bad);
}

/* Hopping between CPUs: each vDSO read is at least the previous one (read on the
 * other CPU), and getcpu through the vDSO names the CPU we are pinned to. */
TEST(vdso_clock_and_getcpu_are_right_on_every_cpu)
{
    cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    getcpu_fn gc = (getcpu_fn)vdso_sym("__vdso_getcpu");
    REQUIRE(cgt != NULL && gc != NULL);
    struct smp_cpus *c = smp_cpus();
    REQUIRE(c->n_usable >= 1);
    long long last = 0;
    for (int i = 0; i < 40; i++) {
        int cpu = smp_cpu(i);
        if (smp_pin(cpu) != 0)
            continue;
        unsigned got = ~0u, node = ~0u;
        CHECK_EQ(gc(&got, &node, NULL), 0);
        CHECK_EQ(got, cpu);
        CHECK_EQ(smp_getcpu(), cpu);
        struct timespec t;
        CHECK_EQ(cgt(CLOCK_MONOTONIC, &t), 0);
        CHECK(ns_of(&t) >= last);
        last = ns_of(&t);
    }
    smp_unpin();
}

/* Through the vDSO a bad pointer is a fault in user space (SIGSEGV); the syscall
 * would answer EFAULT. So a child that dies of SIGSEGV proves libc used the vDSO. */
static void libc_clock_into_bad_pointer(void)
{
    struct timespec *volatile bad = (struct timespec *)16;
    int r = clock_gettime(CLOCK_MONOTONIC, bad);
    printf("  clock_gettime returned %d errno %d: not the vDSO\n", r, errno);
}

TEST(libc_clock_gettime_goes_through_the_vdso)
{
    int st = tl_in_child(libc_clock_into_bad_pointer);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* The [vdso] line starts at AT_SYSINFO_EHDR, readable and executable, with [vvar]. */
static int maps_check(unsigned long base)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[512];
    int vdso = 0, vvar = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3)
            continue;
        if (strstr(line, "[vdso]") && s == base && perms[0] == 'r' && perms[2] == 'x' &&
            perms[1] == '-')
            vdso = 1;
        if (strstr(line, "[vvar]") && perms[0] == 'r' && perms[1] == '-' && perms[2] == '-')
            vvar = 1;
    }
    fclose(f);
    return vdso && vvar ? 0 : -1;
}

TEST(proc_self_maps_names_vdso_and_vvar)
{
    CHECK_EQ(maps_check(getauxval(AT_SYSINFO_EHDR)), 0);
}

/* The kernel's clock record stays read-only: mprotect cannot make it writable. */
TEST(vvar_cannot_be_made_writable)
{
    FILE *f = fopen("/proc/self/maps", "r");
    REQUIRE(f != NULL);
    char line[512];
    unsigned long vvar = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[vvar]") && sscanf(line, "%lx-", &vvar) == 1)
            break;
    fclose(f);
    REQUIRE(vvar != 0);
    CHECK_ERR(mprotect((void *)vvar, 4096, PROT_READ | PROT_WRITE), EACCES);
}

static void child_uses_vdso(void)
{
    cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    struct timespec t;
    EXPECT(cgt != NULL);
    EXPECT(cgt(CLOCK_MONOTONIC, &t) == 0 && t.tv_sec >= 0);
    EXPECT(maps_check(getauxval(AT_SYSINFO_EHDR)) == 0);
}

TEST(fork_child_keeps_a_working_vdso)
{
    int st = tl_in_child(child_uses_vdso);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static char self_exe[512];

/* exec maps a fresh vDSO: the new image finds, calls and sees it in its maps. */
TEST(exec_maps_a_working_vdso)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_exe, self_exe, "--probe", (char *)NULL);
        _exit(99);
    }
    int st;
    REQUIRE(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        child_uses_vdso();
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
    return tl_run_all(argv[0]);
}
