/* Process-core self-tests: real static programs from the initramfs (tests/proc,
 * Debian's busybox) run in ring 3; each test waits for them from the kernel and
 * checks the wait4 status and what they printed. */

#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>

static const char *const no_env[] = { "PATH=/bin", NULL };

/* Spawns path with argv, waits, returns the status (or a negative errno). */
static int run(const char *path, const char *const argv[], char *out, size_t out_size)
{
    int pid = proc_spawn(path, argv, no_env);
    if (pid < 0)
        return pid;
    int status = -1;
    int r = proc_wait(pid, &status, out, out_size);
    return r ? r : status;
}

KTEST(proc_musl_hello_prints_and_exits_zero)
{
    static const char *const argv[] = { "hello", NULL };
    char out[64];
    int st = run("/test/hello", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strcmp(out, "hello from musl\n") == 0);
}

KTEST(proc_busybox_echo_hi_exits_zero)
{
    static const char *const argv[] = { "busybox", "echo", "hi", NULL };
    char out[64];
    int st = run("/bin/busybox", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strcmp(out, "hi\n") == 0);
}

KTEST(proc_shebang_script_runs_its_interpreter)
{
    static const char *const argv[] = { "script.sh", NULL };
    char out[64];
    int st = run("/test/script.sh", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strcmp(out, "/test/script.sh\n") == 0);
}

KTEST(proc_null_dereference_is_sigsegv_and_sibling_survives)
{
    static const char *const spin_argv[] = { "spin", NULL };
    static const char *const segv_argv[] = { "segv", NULL };
    int spin = proc_spawn("/test/spin", spin_argv, no_env);
    KT_ASSERT(spin > 0);
    int segv = proc_spawn("/test/segv", segv_argv, no_env);
    KT_ASSERT(segv > 0);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(segv, &st, NULL, 0), 0);
    KT_ASSERT(PROC_WIFSIGNALED(st));
    KT_ASSERT_EQ(PROC_WTERMSIG(st), SIGSEGV);
    KT_ASSERT_EQ(proc_wait(spin, &st, NULL, 0), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
}

KTEST(proc_ud2_is_sigill)
{
    static const char *const argv[] = { "ud2", NULL };
    int st = run("/test/ud2", argv, NULL, 0);
    KT_ASSERT(PROC_WIFSIGNALED(st));
    KT_ASSERT_EQ(PROC_WTERMSIG(st), SIGILL);
}

KTEST(proc_divide_by_zero_is_sigfpe)
{
    static const char *const argv[] = { "divzero", NULL };
    int st = run("/test/divzero", argv, NULL, 0);
    KT_ASSERT(PROC_WIFSIGNALED(st));
    KT_ASSERT_EQ(PROC_WTERMSIG(st), SIGFPE);
}

KTEST(proc_bad_pointers_are_efault_and_unknown_syscalls_enosys)
{
    static const char *const argv[] = { "efault", NULL };
    uint64_t before = syscall_unimplemented_count(999);
    char out[64];
    int st = run("/test/efault", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));    /* else: the exit code names the check */
    KT_ASSERT(strcmp(out, "efault ok\n") == 0);
    KT_ASSERT_EQ(syscall_unimplemented_count(999), before + 1);
}

KTEST(proc_missing_or_malformed_executables_fail_cleanly)
{
    static const char *const argv[] = { "x", NULL };
    KT_ASSERT_EQ(proc_spawn("/test/nonexistent", argv, no_env), -ENOENT);
    KT_ASSERT_EQ(proc_spawn("/test/efault.c", argv, no_env), -ENOENT);
    KT_ASSERT_EQ(proc_spawn("/test", argv, no_env), -EACCES);     /* as Linux execve */
}

KTEST(proc_startup_syscalls_behave_like_linux)
{
    static const char *const argv[] = { "syscalls", NULL };
    int st = run("/test/syscalls", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));    /* else: the exit code names the check */
}

/* ---- fork, threads, futex, wait (tests/proc/{fork_wait,threads,...}.c) ---- */

KTEST(proc_fork_wait_cow_and_process_groups_behave_like_linux)
{
    static const char *const argv[] = { "fork_wait", NULL };
    int st = run("/test/fork_wait", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));    /* else: the exit code names the check */
}

KTEST(proc_fork_of_big_heap_returns_every_frame_after_reaping)
{
    static const char *const argv[] = { "forkheap", NULL };
    KT_ASSERT_EQ(run("/test/forkheap", argv, NULL, 0), PROC_STATUS_EXITED(0));  /* warm-up */
    thread_sleep_ns(50 * 1000000ull);           /* the idle thread frees dead stacks */
    size_t before = pmm_free_count();
    KT_ASSERT_EQ(run("/test/forkheap", argv, NULL, 0), PROC_STATUS_EXITED(0));
    thread_sleep_ns(50 * 1000000ull);
    size_t after = pmm_free_count();
    /* 16 MiB touched by the parent, 8 MiB copied by the child: 6144 frames. */
    KT_ASSERT(after + 32 >= before);
}

KTEST(proc_pthread_mutex_counter_of_8_threads_is_exact)
{
    static const char *const argv[] = { "threads", NULL };
    char out[64];
    int st = run("/test/threads", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strcmp(out, "count 160000\n") == 0);
}

KTEST(proc_futex_timeout_eagain_and_shared_wake_across_fork)
{
    static const char *const argv[] = { "futex", NULL };
    int st = run("/test/futex", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
}

KTEST(proc_vfork_exec_of_busybox_true_and_clone_vfork_on_own_stack)
{
    static const char *const argv[] = { "vfork_exec", NULL };
    int st = run("/test/vfork_exec", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
}

KTEST(proc_orphan_is_adopted_by_subreaper)
{
    static const char *const argv[] = { "orphan", NULL };
    int st = run("/test/orphan", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
}

KTEST(proc_fork_bomb_stops_at_rlimit_nproc)
{
    static const char *const argv[] = { "forkbomb", NULL };
    char out[64];
    /* Warm-up: the first fork allocates the frame reference counts for good, and
     * the heap keeps the pages it grew by. */
    KT_ASSERT_EQ(run("/test/forkbomb", argv, out, sizeof(out)), PROC_STATUS_EXITED(0));
    thread_sleep_ns(50 * 1000000ull);
    size_t before = pmm_free_count();
    int st = run("/test/forkbomb", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strncmp(out, "forks before the limit: ", 24) == 0);
    thread_sleep_ns(50 * 1000000ull);
    KT_ASSERT(pmm_free_count() + 64 >= before);
}

KTEST(proc_exit_group_ends_spinning_and_sleeping_threads)
{
    static const char *const argv[] = { "exitgroup", NULL };
    int st = run("/test/exitgroup", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(7));
}

KTEST(proc_exec_in_a_threaded_process_ends_the_other_threads)
{
    static const char *const argv[] = { "exitgroup", "exec", NULL };
    int st = run("/test/exitgroup", argv, NULL, 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
}

/* ---- signals: user/tests/signals.c (also run on the host and by init) ---- */

KTEST(signal_user_test_program_passes)
{
    static const char *const argv[] = { "/usr/tests/signals.musl", NULL };
    char out[64];
    int st = run("/usr/tests/signals.musl", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));    /* else: its FAIL lines name the test */
}

KTEST(signal_abort_default_action_kills_with_core_bit)
{
    static const char *const argv[] = { "sig_abort", NULL };
    int st = run("/test/sig_abort", argv, NULL, 0);
    KT_ASSERT(PROC_WIFSIGNALED(st));
    KT_ASSERT_EQ(PROC_WTERMSIG(st), SIGABRT);
    KT_ASSERT(st & 0x80);
}

KTEST(signal_stop_parks_a_process_until_sigcont_and_sigterm_kills_it)
{
    static const char *const argv[] = { "spin", NULL };
    int pid = proc_spawn("/test/spin", argv, no_env);
    KT_ASSERT(pid > 0);
    KT_ASSERT_EQ(signal_send_process(pid, SIGSTOP, NULL), 0);
    thread_sleep_ns(30 * 1000 * 1000);
    KT_ASSERT_EQ(signal_send_process(pid, SIGCONT, NULL), 0);
    KT_ASSERT_EQ(signal_send_process(pid, SIGTERM, NULL), 0);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(pid, &st, NULL, 0), 0);
    KT_ASSERT(PROC_WIFSIGNALED(st));
    KT_ASSERT_EQ(PROC_WTERMSIG(st), SIGTERM);
    KT_ASSERT_EQ(signal_send_process(pid, 0, NULL), -ESRCH);
}

KTEST(proc_busybox_sh_forks_waits_and_reports_exit_codes)
{
    /* glibc's fork (clone with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD),
     * wait4 and exit statuses through a real shell. */
    static const char *const argv[] = {
        "sh", "-c", "/bin/busybox true && echo ok; (exit 3); echo $?", NULL,
    };
    char out[64];
    int st = run("/bin/busybox", argv, out, sizeof(out));
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strcmp(out, "ok\n3\n") == 0);
}
