/* SysV IPC common parts: id tables (key and id to object), Linux's permission rule
 * (ipcperms), ipc64_perm conversion and the one wait queue all IPC sleepers use. */

#include <osc/caps.h>
#include <osc/ipc.h>
#include <osc/lib.h>
#include <stdarg.h>
#include <osc/time.h>
#include "ipc_internal.h"

spinlock_t ipc_lock = SPINLOCK_INIT("ipc", 55);
/* A wait queue's lock has rank 70 like every other (sched_internal.h). */
static struct waitqueue ipc_wq = { .lock = SPINLOCK_INIT("waitqueue", 70) };

void ipc_wake_all(void)
{
    waitqueue_wake_all(&ipc_wq);
}

void ipc_wait_begin(struct ipc_waiter *w)
{
    poll_waiter_init(&w->pw);
    poll_waiter_add(&w->pw, &w->pe, &ipc_wq);
}

void ipc_wait_arm(struct ipc_waiter *w)
{
    poll_waiter_arm(&w->pw);
}

void ipc_wait_sleep(struct ipc_waiter *w, uint64_t deadline)
{
    poll_waiter_sleep(&w->pw, deadline);
}

void ipc_wait_end(struct ipc_waiter *w)
{
    poll_waiter_remove(&w->pe);
}

struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id)
{
    if (id < 0)
        return NULL;
    struct ipc_obj *o = ids->slot[id % IPC_SEQ_MULT % IPC_SLOTS];
    return o && o->id == id ? o : NULL;
}

struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key)
{
    for (int i = 0; i < IPC_SLOTS; i++)
        if (ids->slot[i] && ids->slot[i]->key == key)
            return ids->slot[i];
    return NULL;
}

int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flags)
{
    int i = 0;
    while (i < IPC_SLOTS && ids->slot[i])
        i++;
    if (i == IPC_SLOTS)
        return -ENOSPC;
    const struct process *p = proc_current();
    ids->seq = (uint16_t)((ids->seq + 1) % (INT32_MAX / IPC_SEQ_MULT));
    o->id = ids->seq * IPC_SEQ_MULT + i;
    o->key = key;
    o->uid = o->cuid = p->euid;
    o->gid = o->cgid = p->egid;
    o->mode = (uint32_t)flags & IPC_MODE_MASK;
    o->ctime = ipc_now();
    ids->slot[i] = o;
    ids->in_use++;
    return 0;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
    int i = o->id % IPC_SEQ_MULT;
    if (ids->slot[i] == o) {
        ids->slot[i] = NULL;
        ids->in_use--;
    }
}

int ipc_max_index(const struct ipc_ids *ids)
{
    for (int i = IPC_SLOTS - 1; i >= 0; i--)
        if (ids->slot[i])
            return i;
    return -1;
}

struct ipc_obj *ipc_at_index(struct ipc_ids *ids, int idx)
{
    return idx >= 0 && idx < IPC_SLOTS ? ids->slot[idx] : NULL;
}

int ipc_get_lookup(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **o)
{
    *o = key == IPC_PRIVATE ? NULL : ipc_find_key(ids, key);
    if (*o)
        return (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST : 1;
    return key != IPC_PRIVATE && !(flags & IPC_CREAT) ? -ENOENT : 0;
}

int ipc_stat_find(struct ipc_ids *ids, int id, bool by_id, bool any, struct ipc_obj **out)
{
    struct ipc_obj *o = by_id ? ipc_find_id(ids, id) : ipc_at_index(ids, id);
    if (!o)
        return -EINVAL;
    if (!any && ipc_perms(o, IPC_READ))
        return -EACCES;
    *out = o;
    return by_id ? 0 : o->id;
}

static bool in_group(const struct process *p, uint32_t gid)
{
    return cred_in_groups(p->egid, p->groups, p->ngroups, gid);
}

int ipc_perms(const struct ipc_obj *o, int access)
{
    const struct process *p = proc_current();
    uint32_t requested = ((uint32_t)access >> 6 | (uint32_t)access >> 3 | (uint32_t)access) & 7;
    uint32_t granted = o->mode;
    if (p->euid == o->cuid || p->euid == o->uid)
        granted >>= 6;
    else if (in_group(p, o->cgid) || in_group(p, o->gid))
        granted >>= 3;
    if ((requested & ~granted & 7) && p->euid != 0)     /* root: CAP_IPC_OWNER */
        return -EACCES;
    return 0;
}

int ipc_owner_check(const struct ipc_obj *o)
{
    const struct process *p = proc_current();
    return p->euid == 0 || p->euid == o->uid || p->euid == o->cuid ? 0 : -EPERM;
}

void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *out)
{
    *out = (struct ipc64_perm){ .key = o->key, .uid = o->uid, .gid = o->gid,
                                .cuid = o->cuid, .cgid = o->cgid, .mode = o->mode,
                                .seq = (uint16_t)(o->id / IPC_SEQ_MULT) };
}

void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *in)
{
    o->uid = in->uid;
    o->gid = in->gid;
    o->mode = (o->mode & ~(uint32_t)IPC_MODE_MASK) | (in->mode & IPC_MODE_MASK);
    o->ctime = ipc_now();
}

int64_t ipc_now(void)
{
    return time_realtime_ns() / 1000000000;
}

int ipc_pid(void)
{
    const struct process *p = proc_current();
    return p ? p->pid : 0;      /* 0: a kernel thread (the last mm_put of an exit) */
}

void ipc_put_line(ipc_put_fn put, void *ctx, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    put(ctx, line, (size_t)MIN(n, (int)sizeof(line) - 1));
}

void ipc_proc_text(int kind, void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    if (kind == IPC_KIND_MSG)
        msg_proc_text(put, ctx);
    else if (kind == IPC_KIND_SEM)
        sem_proc_text(put, ctx);
    else if (kind == IPC_KIND_SHM)
        shm_proc_text(put, ctx);
    spin_unlock_irqrestore(&ipc_lock, f);
}
