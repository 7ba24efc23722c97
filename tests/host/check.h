/* Minimal host unit-test framework. A test file defines TEST(name) functions and
 * includes this header once; main() runs them all and prints
 * "<file>: N passed, N failed". CHECK failures report and continue the test. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct host_test {
    const char *name;
    void (*fn)(void);
    struct host_test *next;
};
static struct host_test *host_tests_head, **host_tests_tail = &host_tests_head;
static int host_test_failed_checks;

#define TEST(tname)                                                              \
    static void test_##tname(void);                                              \
    static struct host_test host_test_##tname = { #tname, test_##tname, NULL };  \
    __attribute__((constructor)) static void register_##tname(void)              \
    {                                                                            \
        *host_tests_tail = &host_test_##tname;                                   \
        host_tests_tail = &host_test_##tname.next;                               \
    }                                                                            \
    static void test_##tname(void)

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            host_test_failed_checks++;                                           \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long ca_ = (long long)(a), cb_ = (long long)(b);                    \
        if (ca_ != cb_) {                                                        \
            fprintf(stderr, "  %s:%d: %s == %s failed (%lld != %lld)\n",        \
                    __FILE__, __LINE__, #a, #b, ca_, cb_);                       \
            host_test_failed_checks++;                                           \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *cs_a = (a), *cs_b = (b);                                     \
        if (strcmp(cs_a, cs_b) != 0) {                                           \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, cs_a, cs_b); \
            host_test_failed_checks++;                                           \
        }                                                                        \
    } while (0)

int main(int argc, char **argv)
{
    (void)argc;
    int passed = 0, failed = 0;
    for (struct host_test *t = host_tests_head; t; t = t->next) {
        int before = host_test_failed_checks;
        printf("START %s\n", t->name);
        fflush(stdout);
        t->fn();
        if (host_test_failed_checks != before) {
            printf("FAIL %s\n", t->name);
            failed++;
        } else {
            passed++;
        }
    }
    if (passed + failed == 0)
        failed = 1;     /* a test file that ran nothing is a failure */
    const char *slash = strrchr(argv[0], '/');
    printf("%s: %d passed, %d failed\n", slash ? slash + 1 : argv[0], passed, failed);
    return failed ? 1 : 0;
}
