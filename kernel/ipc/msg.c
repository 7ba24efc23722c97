/* SysV message queues (msgget, msgsnd, msgrcv, msgctl): each queue is a FIFO of
 * typed messages bounded by msg_qbytes. Message text is copied between user memory
 * and a kernel buffer outside ipc_lock; only linking and unlinking happen under it. */

#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "ipc_internal.h"

#define __NR_msgget 68
#define __NR_msgsnd 69
#define __NR_msgrcv 70
#define __NR_msgctl 71

/* include/uapi/linux/msg.h */
#define MSG_STAT      11
#define MSG_INFO      12
#define MSG_STAT_ANY  13
#define MSG_NOERROR   010000
#define MSG_EXCEPT    020000
#define MSG_COPY      040000
#define MSGMAX        8192      /* largest message */
#define MSGMNB        16384     /* default queue bound in bytes */
#define MSGSSZ        16
#define MSGSEG        0xffff

struct msg {
    struct msg *next;
    int64_t mtype;
    size_t len;
    char text[];
};

struct msg_queue {
    struct ipc_obj obj;         /* first: the id tables hold &obj */
    struct msg *head, *tail;
    uint64_t cbytes, qnum, qbytes;
    int64_t stime, rtime;
    int lspid, lrpid;
};

struct msqid64_ds {
    struct ipc64_perm msg_perm;
    int64_t msg_stime, msg_rtime, msg_ctime;
    uint64_t msg_cbytes, msg_qnum, msg_qbytes;
    int32_t msg_lspid, msg_lrpid;
    uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct msqid64_ds) == 120, "msqid64_ds is 120 bytes on x86_64");

struct msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

static struct ipc_ids msg_ids;          /* under ipc_lock */
static uint64_t msg_total, msg_total_bytes;     /* MSG_INFO: every queue's messages */

static struct msg_queue *queue_of(struct ipc_obj *o)
{
    return (struct msg_queue *)o;
}

SYSCALL(msgget)
{
    int32_t key = (int32_t)args->a[0];
    int flags = (int)args->a[1];
    struct msg_queue *fresh = kzalloc(sizeof(*fresh));
    if (!fresh)
        return -ENOMEM;
    long ret;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o;
    int found = ipc_get_lookup(&msg_ids, key, flags, &o);
    if (found < 0) {
        ret = found;
    } else if (found) {
        ret = ipc_perms(o, flags) ? -EACCES : o->id;
    } else {
        fresh->qbytes = MSGMNB;
        ret = ipc_add(&msg_ids, &fresh->obj, key, flags);
        if (!ret) {
            ret = fresh->obj.id;
            fresh = NULL;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    kfree(fresh);
    return ret;
}

SYSCALL(msgsnd)
{
    int id = (int)args->a[0];
    uint64_t ubuf = args->a[1];
    int64_t len = (int64_t)args->a[2];
    int flags = (int)args->a[3];
    if (len < 0 || len > MSGMAX || id < 0)
        return -EINVAL;
    struct msg *m = kmalloc(sizeof(*m) + (size_t)len);
    if (!m)
        return -ENOMEM;
    m->len = (size_t)len;
    if (copy_from_user(&m->mtype, (const void *)ubuf, sizeof(m->mtype)) ||
        copy_from_user(m->text, (const void *)(ubuf + sizeof(int64_t)), m->len)) {
        kfree(m);
        return -EFAULT;
    }
    if (m->mtype < 1) {
        kfree(m);
        return -EINVAL;
    }
    struct ipc_waiter w;
    ipc_wait_begin(&w);
    long ret;
    for (bool first = true;; first = false) {
        ipc_wait_arm(&w);
        unsigned long f = spin_lock_irqsave(&ipc_lock);
        struct ipc_obj *o = ipc_find_id(&msg_ids, id);
        struct msg_queue *q = o ? queue_of(o) : NULL;
        if (!q) {
            ret = first ? -EINVAL : -EIDRM;
        } else if (ipc_perms(o, IPC_WRITE)) {
            ret = -EACCES;
        } else if (m->len + q->cbytes <= q->qbytes && q->qnum + 1 <= q->qbytes) {
            m->next = NULL;
            if (q->tail)
                q->tail->next = m;
            else
                q->head = m;
            q->tail = m;
            q->cbytes += m->len;
            q->qnum++;
            q->lspid = ipc_pid();
            q->stime = ipc_now();
            msg_total++;
            msg_total_bytes += m->len;
            m = NULL;
            ret = 0;
        } else if (flags & IPC_NOWAIT) {
            ret = -EAGAIN;
        } else {
            ret = 1;            /* full: wait */
        }
        spin_unlock_irqrestore(&ipc_lock, f);
        if (ret <= 0)
            break;
        if (signal_pending_current()) {
            ret = -ERESTARTNOHAND;
            break;
        }
        ipc_wait_sleep(&w, UINT64_MAX);
    }
    ipc_wait_end(&w);
    if (ret == 0)
        ipc_wake_all();
    kfree(m);
    return ret;
}

/* The message msgrcv would take for typ and flags, with the link pointing at it in
 * *link; NULL when none. MSG_COPY: typ is a position in the queue. */
static struct msg *msg_pick(struct msg_queue *q, int64_t typ, int flags, struct msg ***link)
{
    struct msg *best = NULL, **best_link = NULL;
    int64_t pos = 0;
    for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next, pos++) {
        struct msg *m = *pp;
        bool take;
        if (flags & MSG_COPY)
            take = pos == typ;
        else if (typ == 0)
            take = true;
        else if (typ > 0)
            take = (flags & MSG_EXCEPT) ? m->mtype != typ : m->mtype == typ;
        else
            take = m->mtype <= (typ == INT64_MIN ? INT64_MAX : -typ) &&
                   (!best || m->mtype < best->mtype);
        if (!take)
            continue;
        best = m;
        best_link = pp;
        if (typ >= 0 || (flags & MSG_COPY) || m->mtype == 1)
            break;              /* the lowest type possible: no better one follows */
    }
    *link = best_link;
    return best;
}

SYSCALL(msgrcv)
{
    int id = (int)args->a[0];
    uint64_t ubuf = args->a[1];
    int64_t size = (int64_t)args->a[2];
    int64_t typ = (int64_t)args->a[3];
    int flags = (int)args->a[4];
    if (id < 0 || size < 0)
        return -EINVAL;
    if ((flags & MSG_COPY) && (!(flags & IPC_NOWAIT) || (flags & MSG_EXCEPT)))
        return -EINVAL;
    struct msg *copy = NULL;
    if (flags & MSG_COPY) {     /* the copy's buffer, taken before the lock */
        copy = kmalloc(sizeof(*copy) + (size_t)MIN(size, (int64_t)MSGMAX));
        if (!copy)
            return -ENOMEM;
    }
    struct ipc_waiter w;
    ipc_wait_begin(&w);
    struct msg *got = NULL;
    long ret;
    for (bool first = true;; first = false) {
        ipc_wait_arm(&w);
        unsigned long f = spin_lock_irqsave(&ipc_lock);
        struct ipc_obj *o = ipc_find_id(&msg_ids, id);
        struct msg_queue *q = o ? queue_of(o) : NULL;
        struct msg **link, *m;
        if (!q) {
            ret = first ? -EINVAL : -EIDRM;
        } else if (ipc_perms(o, IPC_READ)) {
            ret = -EACCES;
        } else if ((m = msg_pick(q, typ, flags, &link))) {
            if (m->len > (uint64_t)size && !(flags & MSG_NOERROR)) {
                ret = -E2BIG;
            } else if (copy) {
                copy->mtype = m->mtype;
                copy->len = MIN(m->len, (size_t)size);
                memcpy(copy->text, m->text, copy->len);
                got = copy;
                copy = NULL;
                ret = 0;
            } else {
                *link = m->next;
                if (q->tail == m)
                    q->tail = link == &q->head ? NULL : container_of(link, struct msg, next);
                q->cbytes -= m->len;
                q->qnum--;
                q->lrpid = ipc_pid();
                q->rtime = ipc_now();
                msg_total--;
                msg_total_bytes -= m->len;
                got = m;
                ret = 0;
            }
        } else if (flags & IPC_NOWAIT) {
            ret = -ENOMSG;
        } else {
            ret = 1;
        }
        spin_unlock_irqrestore(&ipc_lock, f);
        if (ret <= 0)
            break;
        if (signal_pending_current()) {
            ret = -ERESTARTNOHAND;
            break;
        }
        ipc_wait_sleep(&w, UINT64_MAX);
    }
    ipc_wait_end(&w);
    kfree(copy);
    if (!got)
        return ret;
    if (!(flags & MSG_COPY))
        ipc_wake_all();         /* room for senders */
    /* Linux too loses a message it took when the copy-out faults. */
    size_t n = MIN(got->len, (size_t)size);
    if (copy_to_user((void *)ubuf, &got->mtype, sizeof(int64_t)) ||
        copy_to_user((void *)(ubuf + sizeof(int64_t)), got->text, n))
        ret = -EFAULT;
    else
        ret = (long)n;
    kfree(got);
    return ret;
}

static void fill_ds(const struct msg_queue *q, struct msqid64_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ipc_fill_perm(&q->obj, &ds->msg_perm);
    ds->msg_stime = q->stime;
    ds->msg_rtime = q->rtime;
    ds->msg_ctime = q->obj.ctime;
    ds->msg_cbytes = q->cbytes;
    ds->msg_qnum = q->qnum;
    ds->msg_qbytes = q->qbytes;
    ds->msg_lspid = q->lspid;
    ds->msg_lrpid = q->lrpid;
}

static void free_queue(struct msg_queue *q)
{
    for (struct msg *m = q->head, *n; m; m = n) {
        n = m->next;
        kfree(m);
    }
    kfree(q);
}

SYSCALL(msgctl)
{
    int id = (int)args->a[0];
    int cmd = (int)args->a[1] & ~IPC_64;
    void *ubuf = (void *)args->a[2];
    if (id < 0 || cmd < 0)
        return -EINVAL;
    struct msqid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof(ds)))
        return -EFAULT;
    long ret = 0;
    struct msg_queue *dead = NULL;
    struct msginfo info;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO:
        info = (struct msginfo){ .msgmax = MSGMAX, .msgmnb = MSGMNB, .msgmni = IPC_SLOTS,
                                 .msgssz = MSGSSZ, .msgseg = MSGSEG };
        if (cmd == MSG_INFO) {
            info.msgpool = msg_ids.in_use;
            info.msgmap = (int32_t)msg_total;
            info.msgtql = (int32_t)msg_total_bytes;
        } else {
            info.msgpool = IPC_SLOTS * MSGMNB / 1024;
            info.msgmap = MSGMNB;
            info.msgtql = MSGMNB;
        }
        ret = MAX(ipc_max_index(&msg_ids), 0);
        break;
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY: {
        struct ipc_obj *o;
        ret = ipc_stat_find(&msg_ids, id, cmd == IPC_STAT, cmd == MSG_STAT_ANY, &o);
        if (ret >= 0)
            fill_ds(queue_of(o), &ds);
        break;
    }
    case IPC_SET:
    case IPC_RMID: {
        struct ipc_obj *o = ipc_find_id(&msg_ids, id);
        if (!o) {
            ret = -EINVAL;
        } else if ((ret = ipc_owner_check(o))) {
            break;
        } else if (cmd == IPC_RMID) {
            ipc_remove(&msg_ids, o);
            dead = queue_of(o);
            msg_total -= dead->qnum;
            msg_total_bytes -= dead->cbytes;
        } else if (ds.msg_qbytes > MSGMNB && proc_current()->euid != 0) {
            ret = -EPERM;       /* CAP_SYS_RESOURCE raises the bound */
        } else {
            ipc_set_perm(o, &ds.msg_perm);
            queue_of(o)->qbytes = ds.msg_qbytes;
        }
        break;
    }
    default:
        ret = -EINVAL;
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    if (dead) {
        free_queue(dead);
        ipc_wake_all();         /* blocked senders and receivers: EIDRM */
    } else if (cmd == IPC_SET && ret == 0) {
        ipc_wake_all();         /* a larger bound may let senders in */
    }
    if (ret >= 0 && (cmd == IPC_INFO || cmd == MSG_INFO) &&
        copy_to_user(ubuf, &info, sizeof(info)))
        return -EFAULT;
    if (ret >= 0 && (cmd == IPC_STAT || cmd == MSG_STAT || cmd == MSG_STAT_ANY) &&
        copy_to_user(ubuf, &ds, sizeof(ds)))
        return -EFAULT;
    return ret;
}

void msg_proc_text(ipc_put_fn put, void *ctx)
{
    ipc_put_line(put, ctx, "       key      msqid perms      cbytes       qnum lspid lrpid"
                 "   uid   gid  cuid  cgid      stime      rtime      ctime\n");
    for (int i = 0; i < IPC_SLOTS; i++) {
        const struct msg_queue *q = msg_ids.slot[i] ? queue_of(msg_ids.slot[i]) : NULL;
        if (q)
            ipc_put_line(put, ctx,
                         "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10lld %10lld %10lld\n",
                         q->obj.key, q->obj.id, q->obj.mode, (unsigned long)q->cbytes,
                         (unsigned long)q->qnum, q->lspid, q->lrpid, q->obj.uid, q->obj.gid,
                         q->obj.cuid, q->obj.cgid, (long long)q->stime, (long long)q->rtime,
                         (long long)q->obj.ctime);
    }
}
