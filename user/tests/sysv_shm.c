/* SysV shared memory: segments are the same physical pages in every attach (in
 * one process and across processes), shm_nattch counts attaches (fork adds, exec,
 * exit, shmdt and munmap take away), IPC_RMID while attached marks the segment
 * (SHM_DEST, key gone) and the last detach frees it, shmat's address rules
 * (SHM_RND, SHMLBA, SHM_REMAP, SHM_RDONLY), and the SHM_INFO/SHM_STAT walk `ipcs`
 * does. */
#define _GNU_SOURCE
#include "testlib.h"
#include "sysv_ipc.h"

#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef SHM_DEST
#define SHM_DEST 01000
#endif

#define PAGE 4096

static long nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

/* Waits (up to 10 s) for the segment's attach count to become want. */
static int wait_nattch(int id, long want)
{
    for (int i = 0; i < 1000; i++) {
        if (nattch(id) == want)
            return 1;
        ipc_sleep_ms(10);
    }
    return 0;
}

TEST(shmget_creates_a_segment_with_its_size_and_creator)
{
    int id = shmget(IPC_PRIVATE, 10000, 0640);
    REQUIRE(id >= 0);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_segsz, 10000);
    CHECK_EQ(ds.shm_nattch, 0);
    CHECK_EQ(ds.shm_cpid, getpid());
    CHECK_EQ(ds.shm_lpid, 0);
    CHECK_EQ(ds.shm_atime, 0);
    CHECK_EQ(ds.shm_perm.mode & 0777, 0640);
    CHECK_EQ(ds.shm_perm.cuid, geteuid());
    CHECK(ds.shm_ctime >= time(NULL) - 5);
    CHECK_ERR(shmget(IPC_PRIVATE, 0, 0600), EINVAL);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL);
}

TEST(shmget_key_honours_creat_excl_and_size)
{
    key_t key = ipc_test_key(1);
    CHECK_ERR(shmget(key, PAGE, 0600), ENOENT);
    int id = shmget(key, 2 * PAGE, IPC_CREAT | IPC_EXCL | 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(shmget(key, PAGE, 0), id);
    CHECK_EQ(shmget(key, 0, 0), id);
    CHECK_ERR(shmget(key, 3 * PAGE, 0), EINVAL);        /* bigger than the segment */
    CHECK_ERR(shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shmat_attaches_see_each_others_writes_and_count)
{
    int id = shmget(IPC_PRIVATE, 3 * PAGE, 0600);
    REQUIRE(id >= 0);
    char *a = shmat(id, NULL, 0);
    char *b = shmat(id, NULL, 0);
    REQUIRE(a != (void *)-1 && b != (void *)-1);
    CHECK(a != b);
    CHECK(((uintptr_t)a & (PAGE - 1)) == 0);
    CHECK_EQ(a[0] | a[3 * PAGE - 1], 0);        /* zeroed */
    strcpy(a + PAGE + 5, "shared");
    CHECK_STR(b + PAGE + 5, "shared");
    CHECK_EQ(nattch(id), 2);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_lpid, getpid());
    CHECK(ds.shm_atime >= time(NULL) - 5);
    CHECK_EQ(shmdt(a), 0);
    CHECK_EQ(nattch(id), 1);
    CHECK_ERR(shmdt(a), EINVAL);
    CHECK_STR(b + PAGE + 5, "shared");
    CHECK_EQ(shmdt(b), 0);
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_nattch, 0);
    CHECK(ds.shm_dtime >= time(NULL) - 5);
    /* The contents live on in the segment without any attach. */
    char *c = shmat(id, NULL, SHM_RDONLY);
    REQUIRE(c != (void *)-1);
    CHECK_STR(c + PAGE + 5, "shared");
    CHECK_EQ(shmdt(c), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shm_is_shared_with_a_process_that_attaches_it_itself)
{
    int id = shmget(IPC_PRIVATE, PAGE, 0600);
    REQUIRE(id >= 0);
    volatile int *p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_EQ(shmdt((void *)p), 0);          /* only its own attach below */
        volatile int *q = shmat(id, NULL, 0);
        if (q == (void *)-1)
            _exit(1);
        q[10] = 1234;
        for (int i = 0; i < 1000 && q[11] != 5678; i++)
            ipc_sleep_ms(10);
        _exit(q[11] == 5678 ? 0 : 2);
    }
    for (int i = 0; i < 1000 && p[10] != 1234; i++)
        ipc_sleep_ms(10);
    CHECK_EQ(p[10], 1234);
    p[11] = 5678;
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(shmdt((void *)p), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shm_attach_is_inherited_across_fork_and_dropped_at_exit)
{
    int id = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
    REQUIRE(id >= 0);
    char *p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    int go[2];
    REQUIRE(pipe(go) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        strcpy(p + PAGE, "child");      /* the same pages, not a copy */
        (void)!read(go[0], &c, 1);
        _exit(0);
    }
    close(go[0]);
    CHECK_EQ(nattch(id), 2);
    for (int i = 0; i < 1000 && strcmp(p + PAGE, "child") != 0; i++)
        ipc_sleep_ms(10);
    CHECK_STR(p + PAGE, "child");
    close(go[1]);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(nattch(id), 1);
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shm_attach_is_dropped_at_exec)
{
    int id = shmget(IPC_PRIVATE, PAGE, 0600);
    REQUIRE(id >= 0);
    int ready[2], hold[2];
    REQUIRE(pipe2(ready, O_CLOEXEC) == 0 && pipe(hold) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (shmat(id, NULL, 0) == (void *)-1)
            _exit(1);
        close(ready[0]);
        (void)!write(ready[1], "a", 1);
        dup2(hold[0], 0);
        close(hold[0]);
        close(hold[1]);
        /* cat waits on the pipe, so the process lives on after the exec. */
        execl("/bin/busybox", "cat", (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    close(hold[0]);
    char c = 0;
    CHECK_EQ(read(ready[0], &c, 1), 1);         /* attached */
    CHECK_EQ(c, 'a');
    CHECK_EQ(read(ready[0], &c, 1), 0);         /* close-on-exec: exec'd (or died) */
    CHECK(wait_nattch(id, 0));
    CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0);   /* still alive: exec did it */
    close(hold[1]);
    CHECK_EQ(ipc_child_status(pid), 0);
    close(ready[0]);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shm_rmid_while_attached_marks_and_frees_at_last_detach)
{
    key_t key = ipc_test_key(2);
    int id = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600);
    REQUIRE(id >= 0);
    char *p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    strcpy(p, "still here");
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK(ds.shm_perm.mode & SHM_DEST);
    CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
    CHECK_EQ(ds.shm_nattch, 1);
    CHECK_ERR(shmget(key, PAGE, 0), ENOENT);    /* no longer found by key */
    CHECK_STR(p, "still here");
    CHECK_EQ(shmdt(p), 0);
    CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL);       /* gone with the last detach */
}

TEST(shmat_address_rules_shmlba_rnd_remap)
{
    int id = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
    REQUIRE(id >= 0);
    char *area = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(area != MAP_FAILED);
    CHECK_EQ(munmap(area, 8 * PAGE), 0);        /* a free range we know of */
    CHECK_ERR((long)shmat(id, area + 100, 0), EINVAL);     /* not SHMLBA-aligned */
    char *p = shmat(id, area + PAGE + 100, SHM_RND);
    CHECK(p == area + PAGE);
    char *q = shmat(id, area + 4 * PAGE, 0);
    CHECK(q == area + 4 * PAGE);
    CHECK_ERR((long)shmat(id, area + 2 * PAGE, 0), EINVAL);    /* overlaps p */
    CHECK_ERR((long)shmat(id, NULL, SHM_REMAP), EINVAL);
    char *r = shmat(id, area + PAGE, SHM_REMAP);                /* replaces p */
    CHECK(r == area + PAGE);
    CHECK_EQ(nattch(id), 2);
    p[0] = 'x';
    CHECK_EQ(q[0], 'x');
    CHECK_EQ(shmdt(r), 0);
    CHECK_EQ(shmdt(q), 0);
    CHECK_EQ(nattch(id), 0);
    CHECK_ERR(shmdt(area + 1), EINVAL);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

static sigjmp_buf fault_jmp;
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(fault_jmp, 1);
}

TEST(shmat_rdonly_refuses_writes)
{
    int id = shmget(IPC_PRIVATE, PAGE, 0600);
    REQUIRE(id >= 0);
    char *w = shmat(id, NULL, 0);
    volatile char *r = shmat(id, NULL, SHM_RDONLY);
    REQUIRE(w != (void *)-1 && r != (void *)-1);
    w[0] = 'w';
    CHECK_EQ(r[0], 'w');
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, &old);
    int faulted = 0;
    if (sigsetjmp(fault_jmp, 1) == 0)
        r[0] = 'r';
    else
        faulted = 1;
    sigaction(SIGSEGV, &old, NULL);
    CHECK(faulted);
    CHECK_EQ(w[0], 'w');
    CHECK_ERR(mprotect((void *)r, PAGE, PROT_READ | PROT_WRITE), EACCES);
    CHECK_EQ(shmdt((void *)r), 0);
    CHECK_EQ(shmdt(w), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(munmap_of_a_segment_detaches_like_linux)
{
    int id = shmget(IPC_PRIVATE, 3 * PAGE, 0600);
    REQUIRE(id >= 0);
    char *p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    CHECK_EQ(nattch(id), 0);
    p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    /* Splitting an attach makes two VMAs, each counted as Linux does. */
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    CHECK_EQ(nattch(id), 2);
    /* shmdt at the start takes every piece of that attach. */
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(nattch(id), 0);
    p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    CHECK_EQ(munmap(p, PAGE), 0);       /* the first page gone: shmdt finds the rest */
    CHECK_EQ(nattch(id), 1);
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(nattch(id), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

TEST(shm_info_and_shm_stat_list_segments_as_ipcs_does)
{
    key_t key = ipc_test_key(3);
    int id = shmget(key, 5000, IPC_CREAT | IPC_EXCL | 0606);
    REQUIRE(id >= 0);
    struct shminfo lim;
    int maxidx = shmctl(0, IPC_INFO, (struct shmid_ds *)&lim);
    CHECK(maxidx >= 0);
    CHECK_EQ(lim.shmmin, 1);
    CHECK(lim.shmmax >= 5000);
    CHECK(lim.shmmni > 0);
    struct shm_info use;
    maxidx = shmctl(0, SHM_INFO, (struct shmid_ds *)&use);
    CHECK(maxidx >= 0);
    CHECK(use.used_ids >= 1);
    int found = 0;
    for (int i = 0; i <= maxidx; i++) {
        struct shmid_ds ds;
        int got = shmctl(i, SHM_STAT, &ds);
        if (got == id) {
            found++;
            CHECK_EQ(ds.shm_perm.__key, key);
            CHECK_EQ(ds.shm_perm.mode & 0777, 0606);
            CHECK_EQ(ds.shm_segsz, 5000);
        }
        if (got >= 0)
            CHECK_EQ(shmctl(i, SHM_STAT_ANY, &ds), got);
    }
    CHECK_EQ(found, 1);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    ds.shm_perm.mode = 0600;
    CHECK_EQ(shmctl(id, IPC_SET, &ds), 0);
    CHECK_EQ(shmctl(id, SHM_LOCK, NULL), 0);
    CHECK_EQ(shmctl(id, SHM_UNLOCK, NULL), 0);
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_perm.mode & 0777, 0600);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

static void shm_cycle(void)
{
    int id = shmget(IPC_PRIVATE, 16 * PAGE, 0600);
    char *p = shmat(id, NULL, 0);
    if (p != (void *)-1) {
        memset(p, 1, 16 * PAGE);
        shmdt(p);
    }
    shmctl(id, IPC_RMID, NULL);
}

TEST(shm_segment_pages_come_back_after_rmid)
{
    CHECK_FRAMES_RETURN(shm_cycle(), 4);
}

TEST(proc_sysvipc_shm_lists_a_segment_in_linux_format)
{
    key_t key = ipc_test_key(4);
    int id = shmget(key, 12345, IPC_CREAT | IPC_EXCL | 0640);
    REQUIRE(id >= 0);
    void *p = shmat(id, NULL, 0);
    REQUIRE(p != (void *)-1);
    long long c[7];
    CHECK_EQ(ipc_proc_line("shm", id, c, 7), 1);
    CHECK_EQ(c[0], key);
    CHECK_EQ(c[2], 0640);
    CHECK_EQ(c[3], 12345);              /* size */
    CHECK_EQ(c[4], getpid());           /* cpid */
    CHECK_EQ(c[6], 1);                  /* nattch */
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_EQ(ipc_proc_line("shm", id, c, 7), 1);
    CHECK_EQ(c[0], IPC_PRIVATE);        /* marked: key gone, */
    CHECK_EQ(c[2], 01640);              /* SHM_DEST in the mode */
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(ipc_proc_line("shm", id, c, 7), 0);
}

TEST(shm_permissions_follow_the_mode_for_other_users)
{
    int id = shmget(IPC_PRIVATE, PAGE, 0604);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (setgid(1000) || setuid(1000))
            _exit(100);
        bad |= !(shmat(id, NULL, 0) == (void *)-1 && errno == EACCES) << 0;
        void *r = shmat(id, NULL, SHM_RDONLY);
        bad |= !(r != (void *)-1) << 1;
        bad |= !(shmctl(id, IPC_RMID, NULL) == -1 && errno == EPERM) << 2;
        _exit(bad);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(nattch(id), 0);            /* the child's attach went with it */
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}
