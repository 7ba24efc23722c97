/* SysV semaphores: semget sizes and keys, semctl values (GETVAL/SETVAL/GETALL/
 * SETALL/GETPID/GETNCNT/GETZCNT, ERANGE), semop applying all operations or none,
 * waiting for an increase or for zero (woken by another process, by IPC_RMID with
 * EIDRM, by a signal with EINTR), semtimedop's timeout, SEM_UNDO applied when a
 * process exits, and the SEM_INFO/SEM_STAT walk `ipcs` does. */
#define _GNU_SOURCE
#include "testlib.h"
#include "sysv_ipc.h"

#include <pthread.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

static int sem_set(int id, int n, int val)
{
    return semctl(id, n, SETVAL, (union semun){ .val = val });
}

static int op1(int id, unsigned short num, short op, short flg)
{
    struct sembuf sb = { num, op, flg };
    return semop(id, &sb, 1);
}

/* Waits (up to 10 s) until semctl(id, n, cmd) reports want. */
static int wait_count(int id, int n, int cmd, int want)
{
    for (int i = 0; i < 1000; i++) {
        if (semctl(id, n, cmd) == want)
            return 1;
        ipc_sleep_ms(10);
    }
    return 0;
}

TEST(semget_creates_a_zeroed_set_and_checks_nsems)
{
    int id = semget(IPC_PRIVATE, 3, 0640);
    REQUIRE(id >= 0);
    struct semid_ds ds;
    CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }), 0);
    CHECK_EQ(ds.sem_nsems, 3);
    CHECK_EQ(ds.sem_perm.mode & 0777, 0640);
    CHECK_EQ(ds.sem_perm.cuid, geteuid());
    CHECK_EQ(ds.sem_otime, 0);
    CHECK(ds.sem_ctime >= time(NULL) - 5);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(semctl(id, i, GETVAL), 0);
    CHECK_ERR(semctl(id, 3, GETVAL), EINVAL);
    CHECK_ERR(semget(IPC_PRIVATE, 0, 0600), EINVAL);
    CHECK_ERR(semget(IPC_PRIVATE, -1, 0600), EINVAL);
    CHECK_ERR(semget(IPC_PRIVATE, 40000, 0600), EINVAL);    /* > SEMMSL */
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
    CHECK_ERR(semctl(id, 0, GETVAL), EINVAL);
}

TEST(semget_key_honours_creat_excl_and_size)
{
    key_t key = ipc_test_key(1);
    CHECK_ERR(semget(key, 2, 0600), ENOENT);
    int id = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(semget(key, 0, 0), id);            /* nsems 0: any size */
    CHECK_EQ(semget(key, 2, IPC_CREAT | 0600), id);
    CHECK_ERR(semget(key, 3, 0), EINVAL);       /* bigger than the set */
    CHECK_ERR(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(semctl_setval_getall_setall_getpid_and_erange)
{
    int id = semget(IPC_PRIVATE, 3, 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(sem_set(id, 1, 32767), 0);
    CHECK_EQ(semctl(id, 1, GETVAL), 32767);
    CHECK_EQ(semctl(id, 1, GETPID), getpid());
    CHECK_ERR(sem_set(id, 1, 32768), ERANGE);
    CHECK_ERR(sem_set(id, 1, -1), ERANGE);
    unsigned short in[3] = { 4, 5, 6 }, out[3] = { 0 };
    CHECK_EQ(semctl(id, 0, SETALL, (union semun){ .array = in }), 0);
    CHECK_EQ(semctl(id, 0, GETALL, (union semun){ .array = out }), 0);
    CHECK(out[0] == 4 && out[1] == 5 && out[2] == 6);
    unsigned short bad[3] = { 1, 40000, 1 };
    CHECK_ERR(semctl(id, 0, SETALL, (union semun){ .array = bad }), ERANGE);
    CHECK_EQ(semctl(id, 2, GETVAL), 6);         /* unchanged */
    CHECK_ERR(semctl(id, 0, GETALL, (union semun){ .array = (void *)16 }), EFAULT);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(semop_applies_all_operations_or_none)
{
    int id = semget(IPC_PRIVATE, 2, 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(sem_set(id, 0, 1), 0);
    struct sembuf ops[2] = { { 0, -1, 0 }, { 1, -1, IPC_NOWAIT } };
    CHECK_ERR(semop(id, ops, 2), EAGAIN);       /* sem 1 is 0 */
    CHECK_EQ(semctl(id, 0, GETVAL), 1);         /* sem 0 untouched */
    struct sembuf ok[3] = { { 0, -1, 0 }, { 1, 3, 0 }, { 1, -2, 0 } };
    CHECK_EQ(semop(id, ok, 3), 0);              /* later ops see earlier ones */
    CHECK_EQ(semctl(id, 0, GETVAL), 0);
    CHECK_EQ(semctl(id, 1, GETVAL), 1);
    struct semid_ds ds;
    CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }), 0);
    CHECK(ds.sem_otime >= time(NULL) - 5);
    CHECK_EQ(sem_set(id, 0, 32767), 0);
    CHECK_ERR(op1(id, 0, 1, 0), ERANGE);        /* past SEMVMX */
    CHECK_ERR(op1(id, 2, 1, 0), EFBIG);         /* no such semaphore */
    CHECK_ERR(semop(id, ops, 0), EINVAL);
    static struct sembuf many[501];
    CHECK_ERR(semop(id, many, 501), E2BIG);     /* > SEMOPM */
    CHECK_ERR(semop(id, (void *)16, 1), EFAULT);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
    CHECK_ERR(op1(id, 0, 1, 0), EINVAL);
}

TEST(semop_waits_for_an_increase_from_another_process)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(op1(id, 0, -2, 0) == 0 ? 0 : 1);
    REQUIRE(wait_count(id, 0, GETNCNT, 1));
    CHECK_EQ(semctl(id, 0, GETZCNT), 0);
    CHECK_EQ(op1(id, 0, 1, 0), 0);              /* not enough yet */
    ipc_sleep_ms(20);
    CHECK_EQ(semctl(id, 0, GETVAL), 1);
    CHECK_EQ(op1(id, 0, 1, 0), 0);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETVAL), 0);
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);
    CHECK_EQ(semctl(id, 0, GETPID), pid);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(semop_waits_for_zero)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(sem_set(id, 0, 2), 0);
    CHECK_ERR(op1(id, 0, 0, IPC_NOWAIT), EAGAIN);
    pid_t pid = fork();
    if (pid == 0)
        _exit(op1(id, 0, 0, 0) == 0 ? 0 : 1);
    REQUIRE(wait_count(id, 0, GETZCNT, 1));
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);
    CHECK_EQ(op1(id, 0, -2, 0), 0);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(semtimedop_times_out_with_eagain)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    struct sembuf sb = { 0, -1, 0 };
    struct timespec t = { 0, 100 * 1000000L }, bad = { 0, 1000000000L };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_ERR(syscall(SYS_semtimedop, id, &sb, 1, &t), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(ms >= 90);
    CHECK_ERR(syscall(SYS_semtimedop, id, &sb, 1, &bad), EINVAL);
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);
    CHECK_EQ(sem_set(id, 0, 1), 0);
    CHECK_EQ(syscall(SYS_semtimedop, id, &sb, 1, &t), 0);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(semctl_rmid_wakes_waiters_with_eidrm)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(op1(id, 0, -1, 0) == -1 && errno == EIDRM ? 0 : 1);
    REQUIRE(wait_count(id, 0, GETNCNT, 1));
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
    CHECK_EQ(ipc_child_status(pid), 0);
}

TEST(semop_interrupted_by_a_signal_is_eintr)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        ipc_catch(SIGUSR1, 1);
        _exit(op1(id, 0, -1, 0) == -1 && errno == EINTR ? 0 : 1);
    }
    REQUIRE(wait_count(id, 0, GETNCNT, 1));
    kill(pid, SIGUSR1);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);        /* the waiter left */
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(sem_undo_is_applied_when_the_process_exits)
{
    int id = semget(IPC_PRIVATE, 2, 0600);
    REQUIRE(id >= 0);
    CHECK_EQ(sem_set(id, 1, 5), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct sembuf ops[3] = { { 0, 3, SEM_UNDO }, { 1, -2, SEM_UNDO }, { 0, 1, 0 } };
        _exit(semop(id, ops, 3) == 0 ? 0 : 1);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETVAL), 1);         /* +3 undone, +1 kept */
    CHECK_EQ(semctl(id, 1, GETVAL), 5);         /* -2 undone */
    CHECK_EQ(semctl(id, 0, GETPID), pid);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(sem_undo_is_not_inherited_by_a_forked_child)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (op1(id, 0, 2, SEM_UNDO) != 0)
            _exit(1);
        pid_t grandchild = fork();
        if (grandchild == 0)
            _exit(0);           /* has no adjustments of its own */
        if (ipc_child_status(grandchild) != 0 || semctl(id, 0, GETVAL) != 2)
            _exit(2);
        _exit(0);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETVAL), 0);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

static int thread_semid;

static void *undo_in_thread(void *arg)
{
    (void)arg;
    return (void *)(long)op1(thread_semid, 0, 1, SEM_UNDO);
}

TEST(sem_undo_of_a_thread_waits_for_the_whole_process_to_exit)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    thread_semid = id;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, undo_in_thread, NULL) || pthread_join(t, &r) || r)
            _exit(1);
        /* The thread is gone; its adjustment belongs to the process (CLONE_SYSVSEM). */
        if (semctl(id, 0, GETVAL) != 1)
            _exit(2);
        if (op1(id, 0, 1, SEM_UNDO) != 0)       /* same undo entry, now +2 to undo */
            _exit(3);
        _exit(0);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETVAL), 0);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(sem_setval_clears_pending_undo_adjustments)
{
    int id = semget(IPC_PRIVATE, 1, 0600);
    REQUIRE(id >= 0);
    int go[2];
    REQUIRE(pipe(go) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (op1(id, 0, 1, SEM_UNDO) != 0)
            _exit(1);
        (void)!read(go[0], &c, 1);      /* until the parent has set the value */
        _exit(0);
    }
    close(go[0]);
    REQUIRE(wait_count(id, 0, GETVAL, 1));
    CHECK_EQ(sem_set(id, 0, 7), 0);
    close(go[1]);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETVAL), 7);         /* the child's -1 was dropped */
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(sem_info_and_sem_stat_list_sets_as_ipcs_does)
{
    key_t key = ipc_test_key(2);
    int id = semget(key, 4, IPC_CREAT | IPC_EXCL | 0604);
    REQUIRE(id >= 0);
    struct seminfo info;
    int maxidx = semctl(0, 0, IPC_INFO, (union semun){ .__buf = &info });
    CHECK(maxidx >= 0);
    CHECK_EQ(info.semvmx, 32767);
    CHECK(info.semmsl >= 250);
    CHECK(info.semopm >= 32);
    maxidx = semctl(0, 0, SEM_INFO, (union semun){ .__buf = &info });
    CHECK(maxidx >= 0);
    CHECK(info.semusz >= 1);            /* sets in use */
    CHECK(info.semaem >= 4);            /* semaphores in use */
    int found = 0;
    for (int i = 0; i <= maxidx; i++) {
        struct semid_ds ds;
        int got = semctl(i, 0, SEM_STAT, (union semun){ .buf = &ds });
        if (got == id) {
            found++;
            CHECK_EQ(ds.sem_perm.__key, key);
            CHECK_EQ(ds.sem_perm.mode & 0777, 0604);
            CHECK_EQ(ds.sem_nsems, 4);
        }
        if (got >= 0)
            CHECK_EQ(semctl(i, 0, SEM_STAT_ANY, (union semun){ .buf = &ds }), got);
    }
    CHECK_EQ(found, 1);
    struct semid_ds ds;
    CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }), 0);
    ds.sem_perm.mode = 0600;
    CHECK_EQ(semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }), 0);
    CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }), 0);
    CHECK_EQ(ds.sem_perm.mode & 0777, 0600);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

TEST(proc_sysvipc_sem_lists_a_set_in_linux_format)
{
    key_t key = ipc_test_key(3);
    int id = semget(key, 5, IPC_CREAT | IPC_EXCL | 0640);
    REQUIRE(id >= 0);
    long long c[5];
    CHECK_EQ(ipc_proc_line("sem", id, c, 5), 1);
    CHECK_EQ(c[0], key);
    CHECK_EQ(c[2], 0640);
    CHECK_EQ(c[3], 5);                  /* nsems */
    CHECK_EQ(c[4], geteuid());
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
    CHECK_EQ(ipc_proc_line("sem", id, c, 5), 0);
}

TEST(sem_permissions_follow_the_mode_for_other_users)
{
    int id = semget(IPC_PRIVATE, 1, 0604);
    REQUIRE(id >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (setgid(1000) || setuid(1000))
            _exit(100);
        bad |= !(semctl(id, 0, GETVAL) == 0) << 0;                       /* r-- for others */
        bad |= !(op1(id, 0, 1, 0) == -1 && errno == EACCES) << 1;
        bad |= !(op1(id, 0, 0, IPC_NOWAIT) == 0) << 2;                    /* waiting for zero reads */
        bad |= !(sem_set(id, 0, 1) == -1 && errno == EACCES) << 3;
        bad |= !(semctl(id, 0, IPC_RMID) == -1 && errno == EPERM) << 4;
        _exit(bad);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}
