/* Robust futexes: a robust mutex whose owner died (exited, killed, exec'd, ended
 * its thread, ended by exit_group) gives EOWNERDEAD, then pthread_mutex_consistent;
 * the robust list walk on hand-made lists; get_robust_list. */
#define _GNU_SOURCE
#include "futex_test.h"

/* ---- robust mutexes: the owner dies holding the lock ---- */

static void *shared_page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int init_robust(pthread_mutex_t *m, int pi, int pshared)
{
    if (pi)
        return init_pi_mutex(m, 1, pshared);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (!r && pshared)
        r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!r)
        r = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return r;
}

/* The next locker after an owner died: EOWNERDEAD, then consistent, and the mutex
 * works as before. Returns the number of failed steps. */
static int recover(pthread_mutex_t *m)
{
    int bad = 0;
    /* Bounded: without the kernel's walk it would wait for ever. */
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    if (pthread_mutex_timedlock(m, &dl) != EOWNERDEAD)
        return 1;               /* and nothing more: the lock would block */
    bad += pthread_mutex_consistent(m) != 0;
    bad += pthread_mutex_unlock(m) != 0;
    bad += pthread_mutex_lock(m) != 0;
    bad += pthread_mutex_unlock(m) != 0;
    return bad;
}

static void robust_process_exit_case(int pi)
{
    pthread_mutex_t *m = shared_page();
    if (!m) {
        tl_fail(__FILE__, __LINE__, "mmap");
        return;
    }
    int r = init_robust(m, pi, 1);
    CHECK_EQ(r, 0);
    if (r)
        return;
    pid_t pid = fork();
    if (pid == 0)
        _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);     /* dies holding it */
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(recover(m), 0);
    pthread_mutex_destroy(m);
    munmap(m, 4096);
}

TEST(robust_mutex_of_a_process_that_exited_gives_eownerdead_then_consistent)
{
    robust_process_exit_case(0);
}

TEST(robust_pi_mutex_of_a_process_that_exited_gives_eownerdead_then_consistent)
{
    robust_process_exit_case(1);
}

struct robust_locker { pthread_mutex_t *m; int lock, consistent, unlock; };

static void *robust_lock_recover(void *arg)
{
    struct robust_locker *l = arg;
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    l->lock = pthread_mutex_timedlock(l->m, &dl);
    l->consistent = l->lock == EOWNERDEAD ? pthread_mutex_consistent(l->m) : -1;
    l->unlock = pthread_mutex_unlock(l->m);
    return NULL;
}

/* The owner is killed by a signal while another process's thread sleeps in lock. */
static void robust_killed_case(int pi)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, pi, 1) == 0);
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        (void)!write(p[1], "L", 1);
        for (;;)
            pause();
    }
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    struct robust_locker l = { m, -1, -1, -1 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, robust_lock_recover, &l) == 0);
    sleep_ms(100);              /* let it block (if not yet, it gets the same answer) */
    kill(pid, SIGKILL);
    int st = wait_exit_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(l.lock, EOWNERDEAD);
    CHECK_EQ(l.consistent, 0);
    CHECK_EQ(l.unlock, 0);
    if (l.lock == EOWNERDEAD) {
        CHECK_EQ(pthread_mutex_lock(m), 0);
        CHECK_EQ(pthread_mutex_unlock(m), 0);
    }
    close(p[0]);
    close(p[1]);
    munmap(m, 4096);
}

TEST(robust_mutex_owner_killed_by_a_signal_wakes_the_waiter_with_eownerdead)
{
    robust_killed_case(0);
}

TEST(robust_pi_mutex_owner_killed_by_a_signal_wakes_the_waiter_with_eownerdead)
{
    robust_killed_case(1);
}

TEST(robust_mutex_not_made_consistent_becomes_unrecoverable)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);
    CHECK_EQ(wait_exit_status(pid), 0);
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    int r = pthread_mutex_timedlock(m, &dl);
    CHECK_EQ(r, EOWNERDEAD);
    if (r == EOWNERDEAD) {
        CHECK_EQ(pthread_mutex_unlock(m), 0);
        CHECK_EQ(pthread_mutex_lock(m), ENOTRECOVERABLE);
    }
    munmap(m, 4096);
}

static void *lock_and_return(void *m)
{
    return (void *)(intptr_t)pthread_mutex_lock(m);
}

TEST(robust_mutex_of_a_thread_that_returned_gives_eownerdead)
{
    static pthread_mutex_t m;
    REQUIRE(init_robust(&m, 0, 0) == 0);
    pthread_t t;
    void *r;
    REQUIRE(pthread_create(&t, NULL, lock_and_return, &m) == 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((intptr_t)r, 0);
    CHECK_EQ(recover(&m), 0);
}

static void *lock_and_exit_raw(void *m)
{
    if (pthread_mutex_lock(m) == 0)
        syscall(SYS_exit, 0);   /* no libc clean-up: only the kernel's list walk */
    return NULL;
}

/* In a child process (the raw exit leaves the C library's thread bookkeeping
 * behind): a thread dies holding a robust lock (plain or PI), the main thread's
 * lock returns EOWNERDEAD. Process-shared: musl puts only those on the kernel's
 * list (it cleans up private ones itself in pthread_exit). */
static void robust_raw_thread_exit_case(int pi)
{
    pid_t pid = fork();
    if (pid == 0) {
        static pthread_mutex_t m;
        alarm(20);
        if (init_robust(&m, pi, 1) != 0)
            _exit(2);
        pthread_t t;
        if (pthread_create(&t, NULL, lock_and_exit_raw, &m) != 0)
            _exit(3);
        sleep_ms(50);
        _exit(recover(&m) == 0 ? 0 : 4);
    }
    CHECK_EQ(wait_exit_status(pid), 0);
}

TEST(robust_mutex_of_a_thread_ended_by_raw_exit_gives_eownerdead)
{
    robust_raw_thread_exit_case(0);
}

TEST(robust_pi_mutex_of_a_thread_ended_by_raw_exit_gives_eownerdead)
{
    robust_raw_thread_exit_case(1);
}

static void *lock_and_sleep(void *m)
{
    if (pthread_mutex_lock(m) == 0)
        __atomic_store_n((int *)((pthread_mutex_t *)m + 1), 1, __ATOMIC_SEQ_CST);
    for (;;)
        pause();
    return NULL;
}

TEST(robust_mutex_of_a_sibling_thread_ended_by_exit_group_gives_eownerdead)
{
    /* The mutex and a "locked" flag right after it, in memory the child shares. */
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        pthread_t t;
        if (pthread_create(&t, NULL, lock_and_sleep, m) != 0)
            _exit(2);
        while (!__atomic_load_n((int *)(m + 1), __ATOMIC_SEQ_CST))
            sleep_ms(1);
        _exit(0);               /* exit_group: the sleeping owner is killed */
    }
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(recover(m), 0);
    munmap(m, 4096);
}

TEST(robust_mutex_held_across_execve_is_released_by_the_exec)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    int p[2], locked[2];
    REQUIRE(pipe(p) == 0 && pipe(locked) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        (void)!write(locked[1], "L", 1);
        dup2(p[0], 0);
        close(p[1]);
        /* The new image lives on, blocked reading the pipe. */
        execl("/bin/sh", "sh", "-c", "read x", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    char c;
    CHECK_EQ(read(locked[0], &c, 1), 1);
    close(locked[0]);
    close(locked[1]);
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    CHECK_EQ(pthread_mutex_timedlock(m, &dl), EOWNERDEAD);
    CHECK_EQ(pthread_mutex_consistent(m), 0);
    CHECK_EQ(pthread_mutex_unlock(m), 0);
    CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0);   /* still running the shell */
    (void)!write(p[1], "\n", 1);
    close(p[1]);
    CHECK_EQ(wait_exit_status(pid), 0);
    munmap(m, 4096);
}

/* ---- the robust list walk, with hand-made lists (no C library involved) ---- */

struct rentry {
    struct rentry *next;
    uint32_t word;
};

struct rpage {
    struct robust_head head;
    struct rentry e[4];
};

/* Runs body in a child that registers the list at r and dies; bounded at 10 s. */
static int child_with_list(struct rpage *r, void (*body)(struct rpage *))
{
    pid_t pid = fork();
    if (pid == 0) {
        body(r);
        if (syscall(SYS_set_robust_list, &r->head, sizeof(r->head)) != 0)
            _exit(2);
        _exit(0);
    }
    for (int i = 0; i < 1000; i++) {
        int st;
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            return st;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void list_of_four(struct rpage *r)
{
    uint32_t tid = (uint32_t)gettid_();
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = &r->e[1];
    r->e[1].next = &r->e[2];
    r->e[2].next = (struct rentry *)&r->head;
    r->e[0].word = tid | FUTEX_WAITERS;
    r->e[1].word = tid;
    r->e[2].word = 1234;            /* someone else's: left alone */
    r->e[3].word = tid;             /* only the pending op names it */
    r->head.list_op_pending = &r->e[3];
}

TEST(robust_list_walk_marks_the_dead_owners_words_only)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, list_of_four), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
    CHECK_EQ(r->e[1].word, FUTEX_OWNER_DIED);
    CHECK_EQ(r->e[2].word, 1234);
    CHECK_EQ(r->e[3].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static void circular_list(struct rpage *r)
{
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = &r->e[1];
    r->e[1].next = &r->e[0];        /* never back to the head */
    r->e[0].word = (uint32_t)gettid_();
    r->e[1].word = (uint32_t)gettid_();
}

TEST(robust_list_walk_of_a_circular_list_is_bounded)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, circular_list), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED);
    CHECK_EQ(r->e[1].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static void bad_pointer_list(struct rpage *r)
{
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = (struct rentry *)8;     /* unmapped: the walk stops there */
    r->e[0].word = (uint32_t)gettid_();
    r->head.list_op_pending = (void *)0x7ffffffff000;
}

TEST(robust_list_walk_stops_at_a_bad_pointer_without_harm)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, bad_pointer_list), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static struct rpage *pending_page;
static int pending_pipe[2];

static void *wait_on_pending_word(void *arg)
{
    struct timespec rel = { 10, 0 };
    *(long *)arg = futex6(&pending_page->e[0].word, FUTEX_WAIT, 0, &rel, NULL, 0);
    return NULL;
}

TEST(robust_list_pending_unlock_of_a_free_word_wakes_a_waiter)
{
    /* Died between storing 0 and waking: the kernel does the wake-up it owed. */
    pending_page = shared_page();
    REQUIRE(pending_page != NULL);
    REQUIRE(pipe(pending_pipe) == 0);
    struct rpage *r = pending_page;
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->head;
    r->head.list_op_pending = &r->e[0];
    r->e[0].word = 0;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        if (syscall(SYS_set_robust_list, &r->head, sizeof(r->head)) != 0)
            _exit(2);
        (void)!read(pending_pipe[0], &c, 1);
        _exit(0);
    }
    long ret = -2;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, wait_on_pending_word, &ret) == 0);
    CHECK(wait_for_waiters(&r->e[0].word, 1));
    (void)!write(pending_pipe[1], "x", 1);
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(ret, 0);               /* woken, not timed out */
    close(pending_pipe[0]);
    close(pending_pipe[1]);
    munmap(r, 4096);
}

/* ---- get_robust_list ---- */

static struct robust_head other_head;
static uint32_t other_go;
static long other_tid;

static void *register_and_wait(void *arg)
{
    (void)arg;
    other_head.list = &other_head;
    syscall(SYS_set_robust_list, &other_head, sizeof(other_head));
    __atomic_store_n(&other_tid, gettid_(), __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&other_go, __ATOMIC_SEQ_CST))
        futex6(&other_go, FUTEX_WAIT, 0, NULL, NULL, 0);
    return NULL;
}

TEST(get_robust_list_reports_the_list_of_self_and_of_another_thread)
{
    static struct robust_head mine;
    mine.list = &mine;
    void *orig = NULL, *got = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &orig, &len), 0);
    CHECK_EQ(len, sizeof(struct robust_head));
    CHECK_ERR(syscall(SYS_set_robust_list, &mine, sizeof(mine) - 1), EINVAL);
    CHECK_ERR(syscall(SYS_set_robust_list, &mine, sizeof(mine) + 8), EINVAL);
    CHECK_EQ(syscall(SYS_set_robust_list, &mine, sizeof(mine)), 0);
    len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &got, &len), 0);
    CHECK(got == &mine);
    CHECK_EQ(len, 24);
    got = NULL;
    CHECK_EQ(syscall(SYS_get_robust_list, gettid_(), &got, &len), 0);
    CHECK(got == &mine);
    CHECK_ERR(syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT);
    CHECK_ERR(syscall(SYS_get_robust_list, 0x3ffffff0, &got, &len), ESRCH);
    CHECK_EQ(syscall(SYS_set_robust_list, orig, sizeof(mine)), 0);    /* the C library's */

    other_go = 0;
    other_tid = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, register_and_wait, NULL) == 0);
    for (int i = 0; i < 10000 && !__atomic_load_n(&other_tid, __ATOMIC_SEQ_CST); i++)
        sleep_ms(1);
    got = NULL;
    CHECK_EQ(syscall(SYS_get_robust_list, other_tid, &got, &len), 0);
    CHECK(got == &other_head);
    __atomic_store_n(&other_go, 1, __ATOMIC_SEQ_CST);
    futex6(&other_go, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}
