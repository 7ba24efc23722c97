/* SysV message queues: msgget keys and flags, FIFO order and type selection in
 * msgrcv, size errors and truncation, non-blocking and blocking send and receive
 * (woken by the other side, by IPC_RMID with EIDRM, by a signal with EINTR), the
 * msqid_ds bookkeeping, and the MSG_INFO/MSG_STAT walk `ipcs` does. */
#define _GNU_SOURCE
#include "testlib.h"
#include "sysv_ipc.h"

#include <sys/msg.h>

#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct tmsg {
    long mtype;
    char text[64];
};

static int send_str(int q, long type, const char *s, int flags)
{
    struct tmsg m = { .mtype = type };
    size_t n = strlen(s);
    memcpy(m.text, s, n);
    return msgsnd(q, &m, n, flags);
}

/* Receives into m and NUL-terminates; the byte count or -1. */
static ssize_t recv_str(int q, struct tmsg *m, long type, int flags)
{
    memset(m, 0, sizeof(*m));
    ssize_t n = msgrcv(q, m, sizeof(m->text) - 1, type, flags);
    if (n >= 0)
        m->text[n] = 0;
    return n;
}

TEST(msgget_private_creates_a_new_queue_with_the_given_mode)
{
    int a = msgget(IPC_PRIVATE, 0640), b = msgget(IPC_PRIVATE, 0600);
    REQUIRE(a >= 0 && b >= 0);
    CHECK(a != b);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(a, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_perm.mode & 0777, 0640);
    CHECK_EQ(ds.msg_perm.__key, IPC_PRIVATE);
    CHECK_EQ(ds.msg_perm.uid, geteuid());
    CHECK_EQ(ds.msg_perm.cuid, geteuid());
    CHECK_EQ(ds.msg_perm.gid, getegid());
    CHECK_EQ(ds.msg_perm.cgid, getegid());
    CHECK_EQ(ds.msg_qnum, 0);
    CHECK_EQ(ds.msg_qbytes, 16384);
    CHECK_EQ(ds.msg_lspid, 0);
    CHECK(ds.msg_ctime >= time(NULL) - 5 && ds.msg_ctime <= time(NULL) + 5);
    CHECK_EQ(msgctl(a, IPC_RMID, NULL), 0);
    CHECK_EQ(msgctl(b, IPC_RMID, NULL), 0);
    CHECK_ERR(msgctl(a, IPC_STAT, &ds), EINVAL);
}

TEST(msgget_key_honours_creat_and_excl)
{
    key_t key = ipc_test_key(1);
    CHECK_ERR(msgget(key, 0600), ENOENT);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    REQUIRE(q >= 0);
    CHECK_EQ(msgget(key, 0), q);
    CHECK_EQ(msgget(key, IPC_CREAT | 0600), q);
    CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_perm.__key, key);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
    CHECK_ERR(msgget(key, 0), ENOENT);
}

TEST(msgrcv_takes_messages_in_order_by_type)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    CHECK_EQ(send_str(q, 5, "five", 0), 0);
    CHECK_EQ(send_str(q, 2, "two", 0), 0);
    CHECK_EQ(send_str(q, 7, "seven", 0), 0);
    CHECK_EQ(send_str(q, 2, "two-b", 0), 0);
    CHECK_EQ(send_str(q, 3, "three", 0), 0);
    struct tmsg m;
    /* > 0: the first of that type. */
    CHECK_EQ(recv_str(q, &m, 2, 0), 3);
    CHECK_STR(m.text, "two");
    /* MSG_EXCEPT: the first of any other type. */
    CHECK_EQ(recv_str(q, &m, 5, MSG_EXCEPT), 5);
    CHECK_EQ(m.mtype, 7);
    /* < 0: the lowest type not above |typ|, first of them. */
    CHECK_EQ(recv_str(q, &m, -4, 0), 5);
    CHECK_STR(m.text, "two-b");
    CHECK_EQ(recv_str(q, &m, -4, 0), 5);
    CHECK_STR(m.text, "three");
    /* 0: the first in the queue. */
    CHECK_EQ(recv_str(q, &m, 0, 0), 4);
    CHECK_STR(m.text, "five");
    CHECK_EQ(m.mtype, 5);
    CHECK_ERR(recv_str(q, &m, 0, IPC_NOWAIT), ENOMSG);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgrcv_too_small_is_e2big_unless_msg_noerror_truncates)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    CHECK_EQ(send_str(q, 1, "0123456789", 0), 0);
    struct tmsg m = { 0 };
    CHECK_ERR(msgrcv(q, &m, 4, 0, IPC_NOWAIT), E2BIG);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 1);             /* still queued */
    CHECK_EQ(msgrcv(q, &m, 4, 0, IPC_NOWAIT | MSG_NOERROR), 4);
    CHECK(memcmp(m.text, "0123", 4) == 0);
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 0);
    CHECK_EQ(ds.msg_cbytes, 0);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgsnd_checks_type_and_size)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    static struct { long mtype; char text[8200]; } big = { .mtype = 1 };
    CHECK_ERR(send_str(q, 0, "x", 0), EINVAL);
    CHECK_ERR(send_str(q, -3, "x", 0), EINVAL);
    CHECK_ERR(msgsnd(q, &big, 8193, 0), EINVAL);       /* MSGMAX 8192 */
    CHECK_EQ(msgsnd(q, &big, 8192, 0), 0);
    CHECK_ERR(msgsnd(q, (void *)16, 4, 0), EFAULT);
    CHECK_ERR(msgsnd(-1, &big, 1, 0), EINVAL);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
    CHECK_ERR(msgsnd(q, &big, 1, 0), EINVAL);
}

TEST(msgsnd_on_a_full_queue_is_eagain_with_ipc_nowait)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    ds.msg_qbytes = 20;
    CHECK_EQ(msgctl(q, IPC_SET, &ds), 0);
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qbytes, 20);
    CHECK_EQ(send_str(q, 1, "0123456789", IPC_NOWAIT), 0);
    CHECK_EQ(send_str(q, 1, "0123456789", IPC_NOWAIT), 0);
    CHECK_ERR(send_str(q, 1, "x", IPC_NOWAIT), EAGAIN);
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 2);
    CHECK_EQ(ds.msg_cbytes, 20);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgrcv_blocks_until_a_child_sends)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        ipc_sleep_ms(50);
        _exit(send_str(q, 9, "from-child", 0) == 0 ? 0 : 1);
    }
    struct tmsg m;
    CHECK_EQ(recv_str(q, &m, 9, 0), 10);
    CHECK_STR(m.text, "from-child");
    CHECK_EQ(ipc_child_status(pid), 0);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_lspid, pid);
    CHECK_EQ(ds.msg_lrpid, getpid());
    CHECK(ds.msg_stime > 0 && ds.msg_rtime >= ds.msg_stime);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgsnd_blocks_on_a_full_queue_until_a_receive_makes_room)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    ds.msg_qbytes = 10;
    CHECK_EQ(msgctl(q, IPC_SET, &ds), 0);
    CHECK_EQ(send_str(q, 1, "0123456789", 0), 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(send_str(q, 2, "second", 0) == 0 ? 0 : 1);   /* blocks: full */
    REQUIRE(ipc_wait_sleeping(pid));
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 1);           /* the child did not get in */
    struct tmsg m;
    CHECK_EQ(recv_str(q, &m, 1, 0), 10);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(recv_str(q, &m, 0, IPC_NOWAIT), 6);
    CHECK_STR(m.text, "second");
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgctl_rmid_wakes_blocked_receivers_with_eidrm)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct tmsg m;
        ssize_t r = recv_str(q, &m, 0, 0);
        _exit(r == -1 && errno == EIDRM ? 0 : 1);
    }
    REQUIRE(ipc_wait_sleeping(pid));
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
    CHECK_EQ(ipc_child_status(pid), 0);
}

TEST(msgrcv_interrupted_by_a_signal_is_eintr_even_with_sa_restart)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        ipc_catch(SIGUSR1, 1);
        struct tmsg m;
        ssize_t r = recv_str(q, &m, 0, 0);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    REQUIRE(ipc_wait_sleeping(pid));
    kill(pid, SIGUSR1);
    CHECK_EQ(ipc_child_status(pid), 0);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgctl_ipc_set_changes_mode_and_checks_the_caller)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    ds.msg_perm.mode = 0644 | 01000;   /* only the permission bits are taken */
    CHECK_EQ(msgctl(q, IPC_SET, &ds), 0);
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_perm.mode & 07777, 0644);
    CHECK_ERR(msgctl(q, 12345, &ds), EINVAL);
    CHECK_ERR(msgctl(q, IPC_STAT, (void *)16), EFAULT);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msg_info_and_msg_stat_list_queues_as_ipcs_does)
{
    key_t key = ipc_test_key(2);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0620);
    REQUIRE(q >= 0);
    CHECK_EQ(send_str(q, 4, "abc", 0), 0);
    struct msginfo info;
    int maxidx = msgctl(0, IPC_INFO, (struct msqid_ds *)&info);
    CHECK(maxidx >= 0);
    CHECK_EQ(info.msgmax, 8192);
    CHECK_EQ(info.msgmnb, 16384);
    CHECK(info.msgmni > 0);
    maxidx = msgctl(0, MSG_INFO, (struct msqid_ds *)&info);
    CHECK(maxidx >= 0);
    CHECK(info.msgpool >= 1);           /* queues in use */
    CHECK(info.msgmap >= 1);            /* messages */
    CHECK(info.msgtql >= 3);            /* bytes */
    /* busybox ipcs: MSG_STAT on every index up to the highest. */
    int found = 0;
    for (int i = 0; i <= maxidx; i++) {
        struct msqid_ds ds;
        int id = msgctl(i, MSG_STAT, &ds);
        if (id == q) {
            found++;
            CHECK_EQ(ds.msg_perm.__key, key);
            CHECK_EQ(ds.msg_perm.mode & 0777, 0620);
            CHECK_EQ(ds.msg_qnum, 1);
            CHECK_EQ(ds.msg_cbytes, 3);
        }
        struct msqid_ds any;
        if (id >= 0)
            CHECK_EQ(msgctl(i, MSG_STAT_ANY, &any), id);
    }
    CHECK_EQ(found, 1);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(msgrcv_msg_copy_reads_by_position_without_removing)
{
    int q = msgget(IPC_PRIVATE, 0600);
    REQUIRE(q >= 0);
    CHECK_EQ(send_str(q, 1, "first", 0), 0);
    CHECK_EQ(send_str(q, 2, "second", 0), 0);
    struct tmsg m;
    CHECK_ERR(recv_str(q, &m, 1, MSG_COPY), EINVAL);   /* needs IPC_NOWAIT */
    CHECK_EQ(recv_str(q, &m, 1, MSG_COPY | IPC_NOWAIT), 6);
    CHECK_STR(m.text, "second");
    CHECK_ERR(recv_str(q, &m, 2, MSG_COPY | IPC_NOWAIT), ENOMSG);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 2);
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
}

TEST(proc_sysvipc_msg_lists_a_queue_in_linux_format)
{
    key_t key = ipc_test_key(3);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0640);
    REQUIRE(q >= 0);
    CHECK_EQ(send_str(q, 1, "hello", 0), 0);
    long long c[7];
    CHECK_EQ(ipc_proc_line("msg", q, c, 7), 1);
    CHECK_EQ(c[0], key);
    CHECK_EQ(c[2], 0640);
    CHECK_EQ(c[3], 5);                  /* cbytes */
    CHECK_EQ(c[4], 1);                  /* qnum */
    CHECK_EQ(c[5], getpid());           /* lspid */
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
    CHECK_EQ(ipc_proc_line("msg", q, c, 7), 0);
}

TEST(msg_permissions_follow_the_mode_for_other_users)
{
    int priv = msgget(IPC_PRIVATE, 0600), open_q = msgget(IPC_PRIVATE, 0622);
    REQUIRE(priv >= 0 && open_q >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct msqid_ds ds;
        struct tmsg m;
        int bad = 0;
        if (setgid(1000) || setuid(1000))
            _exit(100);
        bad |= !(send_str(priv, 1, "x", IPC_NOWAIT) == -1 && errno == EACCES) << 0;
        bad |= !(msgctl(priv, IPC_STAT, &ds) == -1 && errno == EACCES) << 1;
        bad |= !(msgctl(priv, IPC_RMID, NULL) == -1 && errno == EPERM) << 2;
        bad |= !(send_str(open_q, 1, "x", IPC_NOWAIT) == 0) << 3;          /* -w- for others */
        bad |= !(recv_str(open_q, &m, 0, IPC_NOWAIT) == -1 && errno == EACCES) << 4;
        int idx = priv % 32768;
        bad |= !(msgctl(idx, MSG_STAT, &ds) == -1 && errno == EACCES) << 5;
        bad |= !(msgctl(idx, MSG_STAT_ANY, &ds) == priv) << 6;
        _exit(bad);
    }
    CHECK_EQ(ipc_child_status(pid), 0);
    struct msqid_ds ds;
    CHECK_EQ(msgctl(open_q, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.msg_qnum, 1);
    CHECK_EQ(msgctl(priv, IPC_RMID, NULL), 0);
    CHECK_EQ(msgctl(open_q, IPC_RMID, NULL), 0);
}
