/* Address-space layout randomisation: the same program exec'd several times gets a
 * different stack, mmap area, brk start and vDSO address each time; with
 * personality(ADDR_NO_RANDOMIZE) (inherited by fork, kept by exec) every run gets
 * the same ones. The probe is this program re-exec'd with --probe. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main also serves the re-exec'd probe */
#include "../lib/testlib.h"
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>

#define RUNS 4

struct layout {
    unsigned long stack, mmap, brk, vdso, pers;
};

static char self_exe[512];

static int probe(void)
{
    int local = 0;
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* The kernel's brk start (libc may have moved it already: glibc's static start-up
     * allocates its TLS with brk; both runs do the same, so it still compares). */
    void *brk = sbrk(0);
    printf("%lx %lx %lx %lx %lx\n", (unsigned long)&local, (unsigned long)m,
           (unsigned long)brk, getauxval(AT_SYSINFO_EHDR),
           (unsigned long)personality(0xffffffff));
    return m == MAP_FAILED;
}

/* Runs the probe with personality pers set in the child first (-1: untouched). */
static int run_probe(long pers, struct layout *out)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        if (pers >= 0 && personality((unsigned long)pers) < 0)
            _exit(98);
        execl(self_exe, self_exe, "--probe", (char *)NULL);
        _exit(99);
    }
    close(fds[1]);
    char buf[256] = "";
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        return -1;
    return sscanf(buf, "%lx %lx %lx %lx %lx", &out->stack, &out->mmap, &out->brk,
                  &out->vdso, &out->pers) == 5 ? 0 : -1;
}

/* How many distinct values field takes over the runs. */
static int distinct(const struct layout *l, size_t field)
{
    int n = 0;
    for (int i = 0; i < RUNS; i++) {
        unsigned long v = ((const unsigned long *)&l[i])[field];
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (((const unsigned long *)&l[j])[field] == v)
                seen = 1;
        n += !seen;
    }
    return n;
}

static void show(const struct layout *l)
{
    for (int i = 0; i < RUNS; i++)
        printf("  run %d: stack %lx mmap %lx brk %lx vdso %lx\n", i, l[i].stack, l[i].mmap,
               l[i].brk, l[i].vdso);
}

enum { F_STACK, F_MMAP, F_BRK, F_VDSO };

TEST(each_exec_gets_a_different_stack_mmap_brk_and_vdso)
{
    struct layout l[RUNS];
    for (int i = 0; i < RUNS; i++)
        REQUIRE(run_probe(-1, &l[i]) == 0);
    show(l);
    /* With 22+ bits each, RUNS runs all differing is as good as certain; allow one
     * coincidence anyway. */
    CHECK(distinct(l, F_STACK) >= RUNS - 1);
    CHECK(distinct(l, F_MMAP) >= RUNS - 1);
    CHECK(distinct(l, F_BRK) >= RUNS - 1);
    CHECK(distinct(l, F_VDSO) >= RUNS - 1);
}

TEST(addr_no_randomize_gives_every_exec_the_same_layout)
{
    struct layout l[RUNS];
    for (int i = 0; i < RUNS; i++)
        REQUIRE(run_probe(ADDR_NO_RANDOMIZE, &l[i]) == 0);
    show(l);
    CHECK_EQ(distinct(l, F_STACK), 1);
    CHECK_EQ(distinct(l, F_MMAP), 1);
    CHECK_EQ(distinct(l, F_BRK), 1);
    CHECK_EQ(distinct(l, F_VDSO), 1);
    CHECK(l[0].pers & ADDR_NO_RANDOMIZE);       /* kept across exec */
}

static void personality_roundtrip(void)
{
    int old = personality(0xffffffff);
    EXPECT(old >= 0 && !(old & ADDR_NO_RANDOMIZE));
    EXPECT(personality(ADDR_NO_RANDOMIZE) == old);
    EXPECT(personality(0xffffffff) == ADDR_NO_RANDOMIZE);
    pid_t pid = fork();
    if (pid == 0)
        _exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
    int st;
    EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(personality_sets_answers_the_old_value_and_is_inherited)
{
    int st = tl_in_child(personality_roundtrip);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The randomised stack is still the [stack] mapping, with no mapping right below
 * it (the guard gap). */
TEST(stack_is_the_stack_mapping_with_a_gap_below)
{
    int local = 0;
    unsigned long sp = (unsigned long)&local, below_end = 0, stack_start = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    REQUIRE(f != NULL);
    char line[512];
    unsigned long prev_end = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) != 2)
            continue;
        if (s <= sp && sp < e && strstr(line, "[stack]")) {
            stack_start = s;
            below_end = prev_end;
        }
        prev_end = e;
    }
    fclose(f);
    REQUIRE(stack_start != 0);
    CHECK(stack_start - below_end >= 1ul << 20);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe") == 0)
        return probe();
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
    return tl_run_all(argv[0]);
}
