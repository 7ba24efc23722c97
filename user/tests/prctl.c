/* prctl options: thread names (PR_SET_NAME/PR_GET_NAME, /proc/<pid>/comm), the
 * parent-death signal (sent when the parent *thread* dies, cleared on fork),
 * child subreapers, the dumpable flag, no_new_privs (one way, inherited across
 * fork and exec), the timer slack, and -EINVAL for unknown options. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main also serves the re-exec'd probe below */
#include "../lib/testlib.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char self_exe[512];

/* /proc/self/comm into buf; with no /proc at all (the host's chroot check of the
 * image) want is copied instead. */
static int read_comm(char *buf, size_t size, const char *want)
{
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd < 0 && access("/proc/self", F_OK) != 0) {
        snprintf(buf, size, "%s", want);
        return 1;
    }
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return (int)n;
}

static void names(void)
{
    EXPECT(prctl(PR_SET_NAME, "short-name", 0, 0, 0) == 0);
    char got[32] = "";
    EXPECT(prctl(PR_GET_NAME, got, 0, 0, 0) == 0);
    EXPECT(strcmp(got, "short-name") == 0);
    char comm[64];
    EXPECT(read_comm(comm, sizeof(comm), "short-name\n") > 0 && strcmp(comm, "short-name\n") == 0);
    EXPECT(prctl(PR_SET_NAME, "a-much-longer-name-than-fits", 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_NAME, got, 0, 0, 0) == 0);
    EXPECT(strcmp(got, "a-much-longer-n") == 0);        /* 15 bytes and the NUL */
    EXPECT(read_comm(comm, sizeof(comm), "a-much-longer-n\n") > 0 && strcmp(comm, "a-much-longer-n\n") == 0);
    EXPECT(prctl(PR_SET_NAME, (char *)8, 0, 0, 0) == -1 && errno == EFAULT);
}

TEST(set_name_shows_in_get_name_and_proc_comm)
{
    CHECK_EQ(tl_in_child(names), 0);
}

static void *thread_names(void *arg)
{
    (void)arg;
    char got[16] = "";
    if (prctl(PR_SET_NAME, "worker", 0, 0, 0) || prctl(PR_GET_NAME, got, 0, 0, 0))
        return (void *)1;
    return strcmp(got, "worker") == 0 ? NULL : (void *)2;
}

static void name_per_thread(void)
{
    EXPECT(prctl(PR_SET_NAME, "mainthread", 0, 0, 0) == 0);
    pthread_t t;
    void *r = (void *)9;
    EXPECT(pthread_create(&t, NULL, thread_names, NULL) == 0 && pthread_join(t, &r) == 0);
    EXPECT(r == NULL);
    char got[16] = "";
    EXPECT(prctl(PR_GET_NAME, got, 0, 0, 0) == 0 && strcmp(got, "mainthread") == 0);
    char comm[64];
    EXPECT(read_comm(comm, sizeof(comm), "mainthread\n") > 0 && strcmp(comm, "mainthread\n") == 0);
}

TEST(a_thread_name_belongs_to_its_thread)
{
    CHECK_EQ(tl_in_child(name_per_thread), 0);
}

static void pdeath_values(void)
{
    int sig = -1;
    EXPECT(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == 0 && sig == 0);
    EXPECT(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == 0 && sig == SIGUSR1);
    EXPECT(prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0) == -1 && errno == EINVAL);
    pid_t c = fork();
    if (c == 0) {
        int s = -1;
        _exit(prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0) == 0 && s == 0 ? 0 : 1);
    }
    int st;
    EXPECT(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(pdeathsig_reads_back_and_is_cleared_in_a_forked_child)
{
    CHECK_EQ(tl_in_child(pdeath_values), 0);
}

/* The grandchild's handler: exit 42 when the signal came with its new parent in
 * place (Linux adopts first, then signals): the subreaper, or for a parent thread
 * that exited, still the same process (reaper_pid either way). */
static pid_t reaper_pid;
static void on_pdeath(int sig)
{
    (void)sig;
    _exit(getppid() == reaper_pid ? 42 : 43);
}

/* The grandchild: asks for SIGUSR1 on its parent's death, says it is ready, waits. */
static void grandchild(int ready_fd, pid_t parent)
{
    signal(SIGUSR1, on_pdeath);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) || getppid() != parent)
        _exit(2);
    if (write(ready_fd, "r", 1) != 1)
        _exit(3);
    for (int i = 0; i < 100; i++)
        sleep(1);
    _exit(4);                           /* no signal within 100 s */
}

static void pdeath_process(void)
{
    reaper_pid = getpid();
    EXPECT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
    int ready[2];
    EXPECT(pipe(ready) == 0);
    pid_t p = fork();
    if (p == 0) {
        pid_t me = getpid();
        if (fork() == 0)
            grandchild(ready[1], me);
        char b;
        _exit(read(ready[0], &b, 1) == 1 ? 0 : 5);      /* then die */
    }
    int st;
    EXPECT(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The grandchild is ours now (subreaper) and got its signal. */
    pid_t g = wait(&st);
    EXPECT(g > 0);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

TEST(pdeathsig_fires_when_the_parent_dies_and_the_subreaper_adopts)
{
    CHECK_EQ(tl_in_child(pdeath_process), 0);
}

static int thread_ready[2], thread_forked[2];
static pid_t thread_child;

static void *forking_thread(void *arg)
{
    (void)arg;
    pid_t me = getpid();
    thread_child = fork();
    if (thread_child == 0)
        grandchild(thread_ready[1], me);
    if (write(thread_forked[1], "f", 1) != 1)
        return (void *)2;
    char b;
    if (read(thread_ready[0], &b, 1) != 1)
        return (void *)1;
    return NULL;                        /* the thread that forked it ends */
}

static void pdeath_thread(void)
{
    reaper_pid = getpid();
    EXPECT(pipe(thread_ready) == 0 && pipe(thread_forked) == 0);
    pthread_t t;
    void *r = (void *)9;
    EXPECT(pthread_create(&t, NULL, forking_thread, NULL) == 0);
    /* Joined only after the fork: OSCortex keys futexes by physical address, and
     * a join begun before the fork would wait on a frame the fork makes
     * copy-on-write (the exiting thread's write moves the word to a new frame). */
    char b;
    EXPECT(read(thread_forked[0], &b, 1) == 1);
    EXPECT(pthread_join(t, &r) == 0);
    EXPECT(r == NULL && thread_child > 0);
    /* The process lives on; the parent thread is gone: the signal came. */
    int st;
    EXPECT(waitpid(thread_child, &st, 0) == thread_child);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

TEST(pdeathsig_fires_when_the_parent_thread_exits)
{
    CHECK_EQ(tl_in_child(pdeath_thread), 0);
}

TEST(subreaper_flag_reads_back)
{
    int v = -1;
    CHECK_EQ(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    CHECK_EQ(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
    CHECK_EQ(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
    CHECK_EQ(v, 0);
}

static void dumpable(void)
{
    EXPECT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
    EXPECT(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
    EXPECT(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0) == -1 && errno == EINVAL);
    EXPECT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
    EXPECT(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
}

TEST(dumpable_takes_0_or_1_only)
{
    CHECK_EQ(tl_in_child(dumpable), 0);
}

static void nnp(void)
{
    EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
    EXPECT(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL);
    EXPECT(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) == -1 && errno == EINVAL);
    EXPECT(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 && errno == EINVAL);
    pid_t c = fork();
    if (c == 0)
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    int st;
    EXPECT(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    execl(self_exe, self_exe, "--probe-nnp", (char *)NULL);
    EXPECT(!"exec failed");
}

TEST(no_new_privs_is_one_way_and_inherited_across_fork_and_exec)
{
    CHECK_EQ(tl_in_child(nnp), 0);
}

static void slack(void)
{
    EXPECT(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) > 0);
    EXPECT(prctl(PR_SET_TIMERSLACK, 100000, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 100000);
}

TEST(timer_slack_reads_back)
{
    CHECK_EQ(tl_in_child(slack), 0);
}

TEST(an_unknown_option_is_einval)
{
    CHECK_ERR(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe-nnp") == 0)
        return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
    return tl_run_all(argv[0]);
}
