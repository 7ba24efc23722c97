/* Runner for the in-kernel self-tests collected in the .ktest section. */

#define LOG_TAG "test"
#include <osc/ktest.h>

extern const struct ktest _ktest_start[], _ktest_end[];

int ktest_run_all(void)
{
    int passed = 0, failed = 0;
    for (const struct ktest *t = _ktest_start; t < _ktest_end; t++) {
        bool f = false;
        log_info("START %s", t->name);
        t->fn(&f);
        log_info("%s %s", f ? "FAIL" : "PASS", t->name);
        if (f)
            failed++;
        else
            passed++;
    }
    if (passed + failed == 0) {
        log_error("no tests were run");
        failed = 1;
    }
    log_info("%d passed, %d failed", passed, failed);
    return failed;
}
