/* Credentials: real, effective and saved user and group IDs and supplementary
 * groups, with Linux's rules for who may change them (an effective uid of 0 may
 * set anything; others only move between their own real, effective and saved
 * ids). Nothing else checks permissions yet (docs/STATUS.md), so this is the
 * bookkeeping programs such as id, su and daemons read back. */

#include <osc/errno.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>

#define ID_KEEP 0xffffffffu     /* (uid_t)-1: leave this id as it is */

SYSCALL(getuid) { (void)args; return proc_current()->uid; }
SYSCALL(geteuid) { (void)args; return proc_current()->euid; }
SYSCALL(getgid) { (void)args; return proc_current()->gid; }
SYSCALL(getegid) { (void)args; return proc_current()->egid; }

/* The three ids of one kind: user (r = uid...) or group (r = gid...). */
struct idset { uint32_t *r, *e, *s; };

static struct idset user_ids(struct process *p) { return (struct idset){ &p->uid, &p->euid, &p->suid }; }
static struct idset group_ids(struct process *p) { return (struct idset){ &p->gid, &p->egid, &p->sgid }; }

bool proc_privileged(const struct process *p)
{
    return p->euid == 0;
}

/* An unprivileged process may only take one of the ids it already holds. */
static bool may_take(const struct process *p, struct idset ids, uint32_t id)
{
    return id == ID_KEEP || proc_privileged(p) || id == *ids.r || id == *ids.e || id == *ids.s;
}

static long set_res(struct process *p, struct idset ids, uint32_t r, uint32_t e, uint32_t s)
{
    if (!may_take(p, ids, r) || !may_take(p, ids, e) || !may_take(p, ids, s))
        return -EPERM;
    if (r != ID_KEEP)
        *ids.r = r;
    if (e != ID_KEEP)
        *ids.e = e;
    if (s != ID_KEEP)
        *ids.s = s;
    return 0;
}

/* setreuid/setregid: a real id set, or an effective id set to something other
 * than the old real id, also sets the saved id to the new effective one. */
static long set_re(struct process *p, struct idset ids, uint32_t r, uint32_t e)
{
    bool priv = proc_privileged(p);
    if (r != ID_KEEP && !priv && r != *ids.r && r != *ids.e)
        return -EPERM;
    if (!may_take(p, ids, e))
        return -EPERM;
    uint32_t old_r = *ids.r;
    if (r != ID_KEEP)
        *ids.r = r;
    if (e != ID_KEEP)
        *ids.e = e;
    if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
        *ids.s = *ids.e;
    return 0;
}

/* setuid/setgid: privileged, all three; otherwise only the effective id. */
static long set_one(struct process *p, struct idset ids, uint32_t id, bool priv)
{
    if (id == ID_KEEP)
        return -EINVAL;
    if (priv)
        return set_res(p, ids, id, id, id);
    if (id != *ids.r && id != *ids.s)
        return -EPERM;
    *ids.e = id;
    return 0;
}

static long get_res(struct idset ids, uint64_t ur, uint64_t ue, uint64_t us)
{
    if (copy_to_user((void *)ur, ids.r, sizeof(uint32_t)) ||
        copy_to_user((void *)ue, ids.e, sizeof(uint32_t)) ||
        copy_to_user((void *)us, ids.s, sizeof(uint32_t)))
        return -EFAULT;
    return 0;
}

SYSCALL(setuid)
{
    struct process *p = proc_current();
    return set_one(p, user_ids(p), (uint32_t)args->a[0], proc_privileged(p));
}

SYSCALL(setgid)
{
    struct process *p = proc_current();
    return set_one(p, group_ids(p), (uint32_t)args->a[0], proc_privileged(p));
}

SYSCALL(setreuid)
{
    struct process *p = proc_current();
    return set_re(p, user_ids(p), (uint32_t)args->a[0], (uint32_t)args->a[1]);
}

SYSCALL(setregid)
{
    struct process *p = proc_current();
    return set_re(p, group_ids(p), (uint32_t)args->a[0], (uint32_t)args->a[1]);
}

SYSCALL(setresuid)
{
    struct process *p = proc_current();
    return set_res(p, user_ids(p), (uint32_t)args->a[0], (uint32_t)args->a[1], (uint32_t)args->a[2]);
}

SYSCALL(setresgid)
{
    struct process *p = proc_current();
    return set_res(p, group_ids(p), (uint32_t)args->a[0], (uint32_t)args->a[1], (uint32_t)args->a[2]);
}

SYSCALL(getresuid) { return get_res(user_ids(proc_current()), args->a[0], args->a[1], args->a[2]); }
SYSCALL(getresgid) { return get_res(group_ids(proc_current()), args->a[0], args->a[1], args->a[2]); }

/* Filesystem ids follow the effective ones here: report it, change nothing. */
SYSCALL(setfsuid) { (void)args; return proc_current()->euid; }
SYSCALL(setfsgid) { (void)args; return proc_current()->egid; }

SYSCALL(getgroups)
{
    struct process *p = proc_current();
    int64_t size = (int)args->a[0];
    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return p->ngroups;
    if ((uint64_t)size < p->ngroups)
        return -EINVAL;
    if (copy_to_user((void *)args->a[1], p->groups, p->ngroups * sizeof(uint32_t)))
        return -EFAULT;
    return p->ngroups;
}

SYSCALL(setgroups)
{
    struct process *p = proc_current();
    int64_t size = (int)args->a[0];
    if (!proc_privileged(p))
        return -EPERM;
    if (size < 0 || size > PROC_NGROUPS_MAX)
        return -EINVAL;         /* Linux allows 65536; more than we keep is refused */
    uint32_t groups[PROC_NGROUPS_MAX];
    if (size && copy_from_user(groups, (const void *)args->a[1], (size_t)size * sizeof(uint32_t)))
        return -EFAULT;
    for (int64_t i = 0; i < size; i++)
        p->groups[i] = groups[i];
    p->ngroups = (uint32_t)size;
    return 0;
}
