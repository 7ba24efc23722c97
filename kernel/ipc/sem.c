/* SysV semaphore sets (semget, semop, semtimedop, semctl): a semop applies all of
 * its operations or none; a caller that cannot proceed sleeps and retries after
 * any change. SEM_UNDO adjustments are kept per process (struct sem_undo) and
 * applied when the process exits. */

#include <osc/ipc.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "ipc_internal.h"

#define __NR_semget 64
#define __NR_semop 65
#define __NR_semctl 66
#define __NR_semtimedop 220

/* include/uapi/linux/sem.h */
#define GETPID       11
#define GETVAL       12
#define GETALL       13
#define GETNCNT      14
#define GETZCNT      15
#define SETVAL       16
#define SETALL       17
#define SEM_STAT     18
#define SEM_INFO     19
#define SEM_STAT_ANY 20
#define SEM_UNDO     0x1000
#define SEMMSL       32000      /* semaphores per set */
#define SEMMNS       (IPC_SLOTS * SEMMSL)
#define SEMOPM       500        /* operations per semop */
#define SEMVMX       32767      /* largest value */
#define SEMAEM       SEMVMX     /* largest adjustment */

struct sem {
    uint16_t val;
    int pid;                    /* last process to change it */
};

struct sem_set {
    struct ipc_obj obj;
    int nsems;
    int64_t otime;
    struct sem_waiter *waiters; /* blocked semops, for GETNCNT / GETZCNT */
    struct sem_undo *undos;     /* every process's adjustments for this set */
    struct sem sems[];
};

/* A blocked semop, on its caller's stack, linked into its set while it sleeps. */
struct sem_waiter {
    struct sem_waiter *next;
    int semnum;
    bool zero;                  /* waiting for zero, else for an increase */
};

/* One process's adjustments for one set; on both the process's list and the set's
 * (a removed set's entries are unlinked from it and keep set == NULL). */
struct sem_undo {
    struct sem_undo *next_proc, *next_set;
    struct sem_set *set;
    int semid;
    int nsems;
    int16_t adj[];
};

struct sembuf {
    uint16_t sem_num;
    int16_t sem_op;
    int16_t sem_flg;
};

struct semid64_ds {
    struct ipc64_perm sem_perm;
    int64_t sem_otime;
    uint64_t unused1;
    int64_t sem_ctime;
    uint64_t unused2;
    uint64_t sem_nsems;
    uint64_t unused3, unused4;
};
_Static_assert(sizeof(struct semid64_ds) == 104, "semid64_ds is 104 bytes on x86_64");

struct seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static struct ipc_ids sem_ids;          /* under ipc_lock */
static int sems_in_use;

static struct sem_set *set_of(struct ipc_obj *o)
{
    return (struct sem_set *)o;
}

SYSCALL(semget)
{
    int32_t key = (int32_t)args->a[0];
    int nsems = (int)args->a[1];
    int flags = (int)args->a[2];
    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    struct sem_set *fresh = kzalloc(sizeof(*fresh) + (size_t)nsems * sizeof(struct sem));
    if (!fresh)
        return -ENOMEM;
    long ret;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o;
    int found = ipc_get_lookup(&sem_ids, key, flags, &o);
    if (found < 0) {
        ret = found;
    } else if (found) {
        ret = nsems > set_of(o)->nsems ? -EINVAL : ipc_perms(o, flags) ? -EACCES : o->id;
    } else if (nsems == 0) {
        ret = -EINVAL;
    } else if (sems_in_use + nsems > SEMMNS) {
        ret = -ENOSPC;
    } else {
        fresh->nsems = nsems;
        ret = ipc_add(&sem_ids, &fresh->obj, key, flags);
        if (!ret) {
            sems_in_use += nsems;
            ret = fresh->obj.id;
            fresh = NULL;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    kfree(fresh);
    return ret;
}

/* The current process's undo entry for set s, or NULL. Caller holds ipc_lock. */
static struct sem_undo *undo_find(struct sem_set *s)
{
    for (struct sem_undo *u = proc_current()->sem_undo; u; u = u->next_proc)
        if (u->set == s)
            return u;
    return NULL;
}

/* Tries sops on s: applies them all and returns 0, or changes nothing and returns
 * 1 with the blocking operation in *block (it must wait), or -EAGAIN / -ERANGE.
 * undo receives the adjustments when given. Caller holds ipc_lock. */
static int try_semop(struct sem_set *s, const struct sembuf *sops, int nsops,
                     struct sem_undo *undo, int *block)
{
    int i, ret = 0;
    for (i = 0; i < nsops; i++) {
        const struct sembuf *op = &sops[i];
        int val = s->sems[op->sem_num].val;
        int result = val + op->sem_op;
        if ((op->sem_op == 0 && val != 0) || result < 0) {
            *block = i;
            ret = (op->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
            break;
        }
        if (result > SEMVMX) {
            ret = -ERANGE;
            break;
        }
        if ((op->sem_flg & SEM_UNDO) && undo) {
            int adj = undo->adj[op->sem_num] - op->sem_op;
            if (adj < -SEMAEM - 1 || adj > SEMAEM) {
                ret = -ERANGE;
                break;
            }
        }
        s->sems[op->sem_num].val = (uint16_t)result;
        if ((op->sem_flg & SEM_UNDO) && undo)
            undo->adj[op->sem_num] = (int16_t)(undo->adj[op->sem_num] - op->sem_op);
    }
    if (ret) {                  /* roll back what was applied, last first */
        while (i-- > 0) {
            const struct sembuf *op = &sops[i];
            s->sems[op->sem_num].val = (uint16_t)(s->sems[op->sem_num].val - op->sem_op);
            if ((op->sem_flg & SEM_UNDO) && undo)
                undo->adj[op->sem_num] = (int16_t)(undo->adj[op->sem_num] + op->sem_op);
        }
        return ret;
    }
    int pid = ipc_pid();
    for (i = 0; i < nsops; i++)
        s->sems[sops[i].sem_num].pid = pid;
    s->otime = ipc_now();
    return 0;
}

static void waiter_unlink(struct sem_set *s, struct sem_waiter *w)
{
    for (struct sem_waiter **pp = &s->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

/* A relative timespec at uts as a time_ns() deadline. */
static int read_timeout(uint64_t uts, uint64_t *deadline)
{
    struct { int64_t sec, nsec; } ts;
    if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    uint64_t now = time_ns();
    uint64_t ns = (uint64_t)ts.sec > UINT64_MAX / 4000000000ull ? UINT64_MAX / 2
                                                                 : (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
    *deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    return 0;
}

static long do_semop(int id, uint64_t usops, uint64_t nsops, uint64_t utimeout)
{
    if (id < 0 || nsops == 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    uint64_t deadline = UINT64_MAX;
    if (utimeout) {
        int err = read_timeout(utimeout, &deadline);
        if (err)
            return err;
    }
    struct sembuf *sops = kmalloc((size_t)nsops * sizeof(*sops));
    if (!sops)
        return -ENOMEM;
    if (copy_from_user(sops, (const void *)usops, (size_t)nsops * sizeof(*sops))) {
        kfree(sops);
        return -EFAULT;
    }
    bool undo_wanted = false, alter = false;
    int max_num = 0;
    for (int i = 0; i < (int)nsops; i++) {
        undo_wanted |= (sops[i].sem_flg & SEM_UNDO) != 0;
        alter |= sops[i].sem_op != 0;
        max_num = MAX(max_num, (int)sops[i].sem_num);
    }
    struct process *p = proc_current();
    struct sem_undo *spare = NULL;      /* allocated outside the lock when needed */
    struct sem_waiter sw = { 0 };
    struct ipc_waiter w;
    ipc_wait_begin(&w);
    long ret;
    for (bool first = true;; first = false) {
        ipc_wait_arm(&w);
        unsigned long f = spin_lock_irqsave(&ipc_lock);
        struct ipc_obj *o = ipc_find_id(&sem_ids, id);
        struct sem_set *s = o ? set_of(o) : NULL;
        struct sem_undo *u = NULL;
        int need_undo = 0;
        if (!first && s)
            waiter_unlink(s, &sw);
        if (!s) {
            ret = first ? -EINVAL : -EIDRM;
        } else if (max_num >= s->nsems) {
            ret = -EFBIG;
        } else if (ipc_perms(o, alter ? IPC_WRITE : IPC_READ)) {
            ret = -EACCES;
        } else if (undo_wanted && !(u = undo_find(s)) && !(spare && spare->nsems == s->nsems)) {
            need_undo = s->nsems;       /* allocate below, then try again */
            ret = 1;
        } else {
            if (undo_wanted && !u) {
                u = spare;
                spare = NULL;
                u->set = s;
                u->semid = s->obj.id;
                u->next_proc = p->sem_undo;
                p->sem_undo = u;
                u->next_set = s->undos;
                s->undos = u;
            }
            int block = 0;
            ret = try_semop(s, sops, (int)nsops, u, &block);
            if (ret == 1) {
                sw.semnum = sops[block].sem_num;
                sw.zero = sops[block].sem_op == 0;
                sw.next = s->waiters;
                s->waiters = &sw;
            }
        }
        spin_unlock_irqrestore(&ipc_lock, f);
        if (need_undo) {
            kfree(spare);
            spare = kzalloc(sizeof(*spare) + (size_t)need_undo * sizeof(int16_t));
            if (!spare) {
                ret = -ENOMEM;
                break;
            }
            spare->nsems = need_undo;
            continue;           /* a set removed meanwhile gives EIDRM, as in Linux */
        }
        if (ret <= 0)
            break;
        bool timed_out = deadline != UINT64_MAX && time_ns() >= deadline;
        if (timed_out || signal_pending_current()) {
            f = spin_lock_irqsave(&ipc_lock);
            if ((o = ipc_find_id(&sem_ids, id)))
                waiter_unlink(set_of(o), &sw);
            spin_unlock_irqrestore(&ipc_lock, f);
            ret = timed_out ? -EAGAIN : -EINTR;         /* semop is never restarted */
            break;
        }
        ipc_wait_sleep(&w, deadline);
    }
    ipc_wait_end(&w);
    if (ret == 0 && alter)
        ipc_wake_all();
    kfree(spare);
    kfree(sops);
    return ret;
}

SYSCALL(semop)
{
    return do_semop((int)args->a[0], args->a[1], args->a[2], 0);
}

SYSCALL(semtimedop)
{
    return do_semop((int)args->a[0], args->a[1], args->a[2], args->a[3]);
}

/* SETVAL/SETALL: the set's adjustments for semnum (-1: all) no longer apply. */
static void undo_clear(struct sem_set *s, int semnum)
{
    for (struct sem_undo *u = s->undos; u; u = u->next_set) {
        if (semnum >= 0)
            u->adj[semnum] = 0;
        else
            memset(u->adj, 0, (size_t)u->nsems * sizeof(int16_t));
    }
}

static int count_waiters(const struct sem_set *s, int semnum, bool zero)
{
    int n = 0;
    for (const struct sem_waiter *w = s->waiters; w; w = w->next)
        n += w->semnum == semnum && w->zero == zero;
    return n;
}

/* Caller holds ipc_lock; the set leaves the table. Sleepers find its id gone
 * (EIDRM); undo entries stay with their processes, detached. */
static void set_remove(struct sem_set *s)
{
    ipc_remove(&sem_ids, &s->obj);
    sems_in_use -= s->nsems;
    for (struct sem_undo *u = s->undos; u; u = u->next_set)
        u->set = NULL;
    s->undos = NULL;
    s->waiters = NULL;          /* each sleeper unlinks only from a set it finds */
}

static void fill_ds(const struct sem_set *s, struct semid64_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ipc_fill_perm(&s->obj, &ds->sem_perm);
    ds->sem_otime = s->otime;
    ds->sem_ctime = s->obj.ctime;
    ds->sem_nsems = (uint64_t)s->nsems;
}

/* GETALL / SETALL move nsems values through a kernel array; the set's size is
 * looked up first so the array is allocated outside the lock. */
static long semctl_all(int id, int cmd, void *ubuf)
{
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o = ipc_find_id(&sem_ids, id);
    int nsems = o ? set_of(o)->nsems : 0;
    spin_unlock_irqrestore(&ipc_lock, f);
    if (!o)
        return -EINVAL;
    uint16_t *vals = kmalloc((size_t)nsems * sizeof(uint16_t));
    if (!vals)
        return -ENOMEM;
    long ret = 0;
    if (cmd == SETALL) {
        if (copy_from_user(vals, ubuf, (size_t)nsems * sizeof(uint16_t)))
            ret = -EFAULT;
        for (int i = 0; i < nsems && !ret; i++)
            if (vals[i] > SEMVMX)
                ret = -ERANGE;
    }
    if (!ret) {
        f = spin_lock_irqsave(&ipc_lock);
        o = ipc_find_id(&sem_ids, id);
        struct sem_set *s = o ? set_of(o) : NULL;
        if (!s || s->nsems != nsems) {
            ret = -EIDRM;
        } else if (ipc_perms(o, cmd == SETALL ? IPC_WRITE : IPC_READ)) {
            ret = -EACCES;
        } else if (cmd == GETALL) {
            for (int i = 0; i < nsems; i++)
                vals[i] = s->sems[i].val;
        } else {
            int pid = ipc_pid();
            for (int i = 0; i < nsems; i++)
                s->sems[i] = (struct sem){ .val = vals[i], .pid = pid };
            undo_clear(s, -1);
            s->obj.ctime = ipc_now();
        }
        spin_unlock_irqrestore(&ipc_lock, f);
    }
    if (!ret && cmd == GETALL && copy_to_user(ubuf, vals, (size_t)nsems * sizeof(uint16_t)))
        ret = -EFAULT;
    if (!ret && cmd == SETALL)
        ipc_wake_all();
    kfree(vals);
    return ret;
}

SYSCALL(semctl)
{
    int id = (int)args->a[0];
    int semnum = (int)args->a[1];
    int cmd = (int)args->a[2] & ~IPC_64;
    uint64_t arg = args->a[3];          /* union semun, passed by value */
    void *ubuf = (void *)arg;
    if (id < 0 || cmd < 0)
        return -EINVAL;
    if (cmd == GETALL || cmd == SETALL)
        return semctl_all(id, cmd, ubuf);
    struct semid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof(ds)))
        return -EFAULT;
    struct seminfo info;
    long ret = 0;
    bool wake = false;
    struct sem_set *dead = NULL;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o = NULL;
    struct sem_set *s = NULL;
    switch (cmd) {
    case IPC_INFO:
    case SEM_INFO:
        info = (struct seminfo){ .semmap = SEMMNS, .semmni = IPC_SLOTS, .semmns = SEMMNS,
                                 .semmnu = SEMMNS, .semmsl = SEMMSL, .semopm = SEMOPM,
                                 .semume = SEMOPM, .semusz = 20, .semvmx = SEMVMX,
                                 .semaem = SEMAEM };
        if (cmd == SEM_INFO) {
            info.semusz = sem_ids.in_use;
            info.semaem = sems_in_use;
        }
        ret = MAX(ipc_max_index(&sem_ids), 0);
        break;
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY:
        ret = ipc_stat_find(&sem_ids, id, cmd == IPC_STAT, cmd == SEM_STAT_ANY, &o);
        if (ret >= 0)
            fill_ds(set_of(o), &ds);
        break;
    case IPC_SET:
    case IPC_RMID:
        if (!(o = ipc_find_id(&sem_ids, id))) {
            ret = -EINVAL;
        } else if (!(ret = ipc_owner_check(o))) {
            if (cmd == IPC_SET) {
                ipc_set_perm(o, &ds.sem_perm);
            } else {
                dead = set_of(o);
                set_remove(dead);
                wake = true;
            }
        }
        break;
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case SETVAL:
        if (!(o = ipc_find_id(&sem_ids, id))) {
            ret = -EINVAL;
            break;
        }
        s = set_of(o);
        if (semnum < 0 || semnum >= s->nsems) {
            ret = -EINVAL;
        } else if (ipc_perms(o, cmd == SETVAL ? IPC_WRITE : IPC_READ)) {
            ret = -EACCES;
        } else if (cmd == GETVAL) {
            ret = s->sems[semnum].val;
        } else if (cmd == GETPID) {
            ret = s->sems[semnum].pid;
        } else if (cmd == GETNCNT || cmd == GETZCNT) {
            ret = count_waiters(s, semnum, cmd == GETZCNT);
        } else if ((int)arg < 0 || (int)arg > SEMVMX) {
            ret = -ERANGE;
        } else {
            s->sems[semnum] = (struct sem){ .val = (uint16_t)(int)arg, .pid = ipc_pid() };
            undo_clear(s, semnum);
            s->obj.ctime = ipc_now();
            wake = true;
        }
        break;
    default:
        ret = -EINVAL;
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    kfree(dead);
    if (wake)
        ipc_wake_all();
    if (ret >= 0 && (cmd == IPC_INFO || cmd == SEM_INFO) &&
        copy_to_user(ubuf, &info, sizeof(info)))
        return -EFAULT;
    if (ret >= 0 && (cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY) &&
        copy_to_user(ubuf, &ds, sizeof(ds)))
        return -EFAULT;
    return ret;
}

void ipc_proc_exit(struct process *p)
{
    bool changed = false;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct sem_undo *list = p->sem_undo;
    p->sem_undo = NULL;
    for (struct sem_undo *u = list; u; u = u->next_proc) {
        struct sem_set *s = u->set;
        if (!s)
            continue;           /* its set was removed */
        for (struct sem_undo **pp = &s->undos; *pp; pp = &(*pp)->next_set)
            if (*pp == u) {
                *pp = u->next_set;
                break;
            }
        /* Linux clamps the adjusted value to [0, SEMVMX]. */
        for (int i = 0; i < s->nsems && i < u->nsems; i++) {
            if (!u->adj[i])
                continue;
            int v = s->sems[i].val + u->adj[i];
            s->sems[i].val = (uint16_t)(v < 0 ? 0 : v > SEMVMX ? SEMVMX : v);
            s->sems[i].pid = p->pid;
            changed = true;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    while (list) {
        struct sem_undo *n = list->next_proc;
        kfree(list);
        list = n;
    }
    if (changed)
        ipc_wake_all();
}

void sem_proc_text(ipc_put_fn put, void *ctx)
{
    ipc_put_line(put, ctx, "       key      semid perms      nsems   uid   gid  cuid  cgid"
                 "      otime      ctime\n");
    for (int i = 0; i < IPC_SLOTS; i++) {
        const struct sem_set *s = sem_ids.slot[i] ? set_of(sem_ids.slot[i]) : NULL;
        if (s)
            ipc_put_line(put, ctx, "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n",
                         s->obj.key, s->obj.id, s->obj.mode, (unsigned)s->nsems, s->obj.uid,
                         s->obj.gid, s->obj.cuid, s->obj.cgid, (long long)s->otime,
                         (long long)s->obj.ctime);
    }
}
