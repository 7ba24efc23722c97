/* testlib: a one-header framework for the user-space syscall tests (user/tests/).
 * Depends on libc only, so the same source builds with musl and glibc and runs on
 * the host Linux and inside OSCortex. Each TEST announces itself ("START name")
 * before it runs, so a test that hangs or crashes the program is named by the last
 * line; failed checks print file:line; the program ends with
 * "<prog>: N passed, N failed" and exits 1 if any test failed.
 *
 *   TEST(pipe_read_after_close_returns_eof) { CHECK_EQ(read(fd, b, 1), 0); }
 *
 * Tests run in declaration order, in one process (no fork needed to run them). */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TL_MAX_TESTS 128

struct tl_test {
    const char *name;
    void (*fn)(void);
};

static struct tl_test tl_tests[TL_MAX_TESTS];
static int tl_ntests;
static int tl_current_failed;   /* checks that failed in the running test */

static void tl_register(const char *name, void (*fn)(void))
{
    if (tl_ntests == TL_MAX_TESTS) {
        fprintf(stderr, "testlib: more than %d tests\n", TL_MAX_TESTS);
        exit(2);
    }
    tl_tests[tl_ntests].name = name;
    tl_tests[tl_ntests].fn = fn;
    tl_ntests++;
}

/* Registration through constructors: .init_array runs in declaration order with
 * both musl and glibc. */
#define TEST(name)                                                              \
    static void tl_test_##name(void);                                           \
    __attribute__((constructor)) static void tl_register_##name(void)           \
    {                                                                           \
        tl_register(#name, tl_test_##name);                                     \
    }                                                                           \
    static void tl_test_##name(void)

static void tl_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void tl_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    tl_current_failed++;
}

/* CHECK(cond): cond must be true. Execution goes on after a failed check, so one
 * run shows every broken expectation; use REQUIRE where going on makes no sense. */
#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond))                                                            \
            tl_fail(__FILE__, __LINE__, "CHECK(%s) failed (errno %d %s)",       \
                    #cond, errno, strerror(errno));                             \
    } while (0)

#define REQUIRE(cond)                                                           \
    do {                                                                        \
        if (!(cond)) {                                                          \
            tl_fail(__FILE__, __LINE__, "REQUIRE(%s) failed (errno %d %s)",     \
                    #cond, errno, strerror(errno));                             \
            return;                                                             \
        }                                                                       \
    } while (0)

/* CHECK_EQ(a, b): both compared as long long; prints both values on failure. */
#define CHECK_EQ(a, b)                                                          \
    do {                                                                        \
        long long tl_a_ = (long long)(a), tl_b_ = (long long)(b);               \
        if (tl_a_ != tl_b_)                                                     \
            tl_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld (errno %d)", \
                    #a, #b, tl_a_, tl_b_, errno);                               \
    } while (0)

#define CHECK_STR(a, b)                                                         \
    do {                                                                        \
        const char *tl_a_ = (a), *tl_b_ = (b);                                  \
        if (!tl_a_ || !tl_b_ || strcmp(tl_a_, tl_b_) != 0)                      \
            tl_fail(__FILE__, __LINE__, "CHECK_STR(%s, %s): \"%s\" != \"%s\"",   \
                    #a, #b, tl_a_ ? tl_a_ : "(null)", tl_b_ ? tl_b_ : "(null)");  \
    } while (0)

/* CHECK_ERR(expr, E): expr must return -1 with errno == E (a libc wrapper or a raw
 * syscall(), which both report errors as -1/errno). */
#define CHECK_ERR(expr, err)                                                    \
    do {                                                                        \
        errno = 0;                                                              \
        long long tl_r_ = (long long)(expr);                                    \
        int tl_e_ = errno;                                                      \
        if (tl_r_ != -1 || tl_e_ != (err))                                      \
            tl_fail(__FILE__, __LINE__, "CHECK_ERR(%s, %s): returned %lld, errno %d (%s)", \
                    #expr, #err, tl_r_, tl_e_, strerror(tl_e_));                 \
    } while (0)

/* OSCortex's free page-frame count (/sys/kernel/mm), or -1 elsewhere (Linux has no
 * such file: frame-leak checks skip themselves there). No stdio or malloc: the C
 * library's heap would keep pages and skew a count taken around it. */
static inline long tl_free_frames(void)
{
    char buf[128] = "";
    int fd = open("/sys/kernel/mm", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0 || strncmp(buf, "free_pages ", 11) != 0)
        return -1;
    return strtol(buf + 11, NULL, 10);
}

/* Whether this runs on OSCortex (its /sys/kernel/mm answers): tests of OSCortex's
 * own devices skip elsewhere. */
static inline int tl_on_oscortex(void)
{
    return tl_free_frames() >= 0;
}

/* CHECK_FRAMES_RETURN(stmt, slack): runs stmt once to warm caches (heap slabs,
 * page tables), then again, and checks that OSCortex's free frame count came back
 * to within slack frames. Elsewhere (Linux) there is nothing to count: skipped. */
#define CHECK_FRAMES_RETURN(stmt, slack)                                        \
    do {                                                                        \
        if (tl_free_frames() < 0)                                               \
            break;                                                              \
        stmt;                                                                   \
        long tl_before = tl_free_frames();                                      \
        stmt;                                                                   \
        long tl_after = tl_free_frames();                                       \
        if (tl_after < tl_before - (slack))                                     \
            tl_fail(__FILE__, __LINE__, "free frames %ld before, %ld after %s", \
                    tl_before, tl_after, #stmt);                                \
    } while (0)

/* Checks that must run in a child process (they change ids, limits, signal
 * dispositions or die): tl_in_child runs fn in a forked child with core dumps off
 * and returns its wait status (exit 0 when fn returns), or -1. Inside the child,
 * EXPECT(cond) ends it at the first failure, printing the check, with the line's
 * low 7 bits as exit status. */
#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            printf("  child %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__,    \
                   #cond, errno, strerror(errno));                              \
            _exit(__LINE__ & 0x7f ? __LINE__ & 0x7f : 1);                       \
        }                                                                       \
    } while (0)

static inline int tl_in_child(void (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);       /* may be unsupported: harmless */
        fn();
        _exit(0);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid ? st : -1;
}

static const char *tl_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Runs every registered test; returns the process exit status. */
static int tl_run_all(const char *argv0)
{
    const char *prog = tl_basename(argv0);
    int passed = 0, failed = 0;

    /* Unbuffered: output survives a crash and is never duplicated by fork(). */
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < tl_ntests; i++) {
        printf("START %s\n", tl_tests[i].name);
        tl_current_failed = 0;
        tl_tests[i].fn();
        if (tl_current_failed) {
            printf("FAIL %s\n", tl_tests[i].name);
            failed++;
        } else {
            printf("PASS %s\n", tl_tests[i].name);
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", prog, passed, failed);
    if (passed + failed == 0)
        return 1;   /* a program that ran no test proves nothing */
    return failed ? 1 : 0;
}

#ifndef TESTLIB_NO_MAIN
int main(int argc, char **argv)
{
    (void)argc;
    return tl_run_all(argv[0] ? argv[0] : "test");
}
#endif
