/* PROT_NONE: a page that holds data but allows no access faults on every access
 * (read included), and keeps its data for an mprotect back, across fork and
 * through mremap. */
#define _GNU_SOURCE
#include "testlib.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }

/* 1 when reading *p faults (SIGSEGV), 0 when it reads. */
static int read_faults(volatile const char *p)
{
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, &old);
    volatile int faulted = 1;
    if (sigsetjmp(env, 1) == 0) {
        (void)*p;
        faulted = 0;
    }
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

static int write_faults(volatile char *p, char v)
{
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, &old);
    volatile int faulted = 1;
    if (sigsetjmp(env, 1) == 0) {
        *p = v;
        faulted = 0;
    }
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

/* Two pages written with a pattern, then made PROT_NONE. */
static char *filled_then_none(void)
{
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    for (int i = 0; i < 2 * PAGE; i++)
        p[i] = (char)(i * 7 + 1);
    if (mprotect(p, 2 * PAGE, PROT_NONE))
        return NULL;
    return p;
}

static int pattern_intact(const char *p)
{
    for (int i = 0; i < 2 * PAGE; i++)
        if (p[i] != (char)(i * 7 + 1))
            return 0;
    return 1;
}

TEST(reading_a_prot_none_page_that_holds_data_faults)
{
    char *p = filled_then_none();
    REQUIRE(p);
    CHECK_EQ(read_faults(p), 1);
    CHECK_EQ(read_faults(p + PAGE + 5), 1);
    CHECK_EQ(write_faults(p, 9), 1);
    munmap(p, 2 * PAGE);
}

TEST(prot_none_keeps_the_data_for_an_mprotect_back)
{
    char *p = filled_then_none();
    REQUIRE(p);
    CHECK_EQ(write_faults(p + 3, 0), 1);        /* the failed write changed nothing */
    CHECK_EQ(mprotect(p, 2 * PAGE, PROT_READ), 0);
    CHECK_EQ(read_faults(p), 0);
    CHECK(pattern_intact(p));
    CHECK_EQ(write_faults(p, 1), 1);            /* read-only now */
    munmap(p, 2 * PAGE);
}

TEST(a_forked_child_has_the_prot_none_data_and_faults_on_it_too)
{
    char *p = filled_then_none();
    REQUIRE(p);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (!read_faults(p))
            _exit(2);
        if (mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE) || !pattern_intact(p))
            _exit(3);
        p[0] = 0;                               /* the child's own copy */
        _exit(0);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    CHECK_EQ(mprotect(p, 2 * PAGE, PROT_READ), 0);
    CHECK(pattern_intact(p));                   /* untouched by the child's write */
    munmap(p, 2 * PAGE);
}

TEST(mremap_moves_prot_none_pages_with_their_data)
{
    char *p = filled_then_none();
    REQUIRE(p);
    char *q = mremap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    REQUIRE(q != MAP_FAILED);
    CHECK_EQ(read_faults(q), 1);
    CHECK_EQ(mprotect(q, 2 * PAGE, PROT_READ), 0);
    CHECK(pattern_intact(q));
    munmap(q, 4 * PAGE);
}
