/* Credentials: real, effective, saved and filesystem user and group IDs,
 * supplementary groups and capability sets, with Linux's rules for who may change
 * them (CAP_SETUID/CAP_SETGID may set anything; others only move between their own
 * real, effective and saved ids) and Linux's capability changes on uid changes
 * (cap_emulate_setxuid). The VFS (vfs_perm.c) and kill check what is kept here. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/mm.h>
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

bool proc_capable(const struct process *p, int cap)
{
    return !p || (p->cap_eff & CAP_BIT(cap));
}

void proc_creds_init_root(struct process *p)
{
    p->uid = p->euid = p->suid = p->fsuid = 0;
    p->gid = p->egid = p->sgid = p->fsgid = 0;
    p->cap_eff = p->cap_perm = p->cap_bset = CAP_FULL_SET;
    p->cap_inh = 0;
}

bool proc_in_group(const struct process *p, uint32_t gid)
{
    return cred_in_groups(p->fsgid, p->groups, p->ngroups, gid);
}

/* The setuid family's capability changes, old ids -> p's current ones (Linux's
 * cap_emulate_setxuid without SECURE_KEEP_CAPS), and fsuid following euid. */
static void fix_caps(struct process *p, uint32_t or, uint32_t oe, uint32_t os)
{
    if ((or == 0 || oe == 0 || os == 0) && p->uid && p->euid && p->suid)
        p->cap_perm = p->cap_eff = 0;
    if (oe == 0 && p->euid)
        p->cap_eff = 0;
    if (oe && p->euid == 0)
        p->cap_eff = p->cap_perm;
    p->fsuid = p->euid;
}

/* An unprivileged process may only take one of the ids it already holds. */
static bool may_take(const struct process *p, struct idset ids, uint32_t id)
{
    int cap = ids.r == &p->uid ? CAP_SETUID : CAP_SETGID;
    return id == ID_KEEP || proc_capable(p, cap) || id == *ids.r || id == *ids.e || id == *ids.s;
}

/* After a change of ids: capabilities (user ids) or fsgid (group ids) follow. */
static long ids_changed(struct process *p, struct idset ids, uint32_t or, uint32_t oe,
                        uint32_t os)
{
    if (ids.r == &p->uid)
        fix_caps(p, or, oe, os);
    else
        p->fsgid = p->egid;
    return 0;
}

static long set_res(struct process *p, struct idset ids, uint32_t r, uint32_t e, uint32_t s)
{
    if (!may_take(p, ids, r) || !may_take(p, ids, e) || !may_take(p, ids, s))
        return -EPERM;
    uint32_t or = *ids.r, oe = *ids.e, os = *ids.s;
    if (r != ID_KEEP)
        *ids.r = r;
    if (e != ID_KEEP)
        *ids.e = e;
    if (s != ID_KEEP)
        *ids.s = s;
    return ids_changed(p, ids, or, oe, os);
}

/* setreuid/setregid: a real id set, or an effective id set to something other
 * than the old real id, also sets the saved id to the new effective one. */
static long set_re(struct process *p, struct idset ids, uint32_t r, uint32_t e)
{
    bool priv = proc_capable(p, ids.r == &p->uid ? CAP_SETUID : CAP_SETGID);
    if (r != ID_KEEP && !priv && r != *ids.r && r != *ids.e)
        return -EPERM;
    if (!may_take(p, ids, e))
        return -EPERM;
    uint32_t old_r = *ids.r, oe = *ids.e, os = *ids.s;
    if (r != ID_KEEP)
        *ids.r = r;
    if (e != ID_KEEP)
        *ids.e = e;
    if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
        *ids.s = *ids.e;
    return ids_changed(p, ids, old_r, oe, os);
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
    uint32_t or = *ids.r, oe = *ids.e, os = *ids.s;
    *ids.e = id;
    return ids_changed(p, ids, or, oe, os);
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
    return set_one(p, user_ids(p), (uint32_t)args->a[0], proc_capable(p, CAP_SETUID));
}

SYSCALL(setgid)
{
    struct process *p = proc_current();
    return set_one(p, group_ids(p), (uint32_t)args->a[0], proc_capable(p, CAP_SETGID));
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

/* setfsuid/setfsgid answer the old id whatever happens; the new one is taken
 * when it is one of the caller's ids or it has CAP_SETUID/CAP_SETGID. fsuid 0
 * carries the filesystem capabilities (Linux's cap_task_fix_setuid, LSM_SETID_FS). */
SYSCALL(setfsuid)
{
    struct process *p = proc_current();
    uint32_t id = (uint32_t)args->a[0], old = p->fsuid;
    if (id != ID_KEEP && (id == p->uid || id == p->euid || id == p->suid || id == p->fsuid ||
                          proc_capable(p, CAP_SETUID))) {
        p->fsuid = id;
        if (old == 0 && id != 0)
            p->cap_eff &= ~CAP_FS_MASK;
        if (old != 0 && id == 0)
            p->cap_eff |= p->cap_perm & CAP_FS_MASK;
    }
    return old;
}

SYSCALL(setfsgid)
{
    struct process *p = proc_current();
    uint32_t id = (uint32_t)args->a[0], old = p->fsgid;
    if (id != ID_KEEP && (id == p->gid || id == p->egid || id == p->sgid || id == p->fsgid ||
                          proc_capable(p, CAP_SETGID)))
        p->fsgid = id;
    return old;
}

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
    if (!proc_capable(p, CAP_SETGID))
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

/* ---- capget/capset (linux/capability.h) ---- */
#define CAP_V1 0x19980330u      /* one 32-bit word per set */
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u      /* two words per set (v2 behaves the same) */

struct cap_header { uint32_t version; int32_t pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/* The header's version, checked: unknown versions get v3 written back and
 * -EINVAL (a NULL data pointer makes that a probe answering 0, as Linux). */
static long cap_header_get(uint64_t uh, uint64_t udata, struct cap_header *h, int *words)
{
    if (copy_from_user(h, (const void *)uh, sizeof(*h)))
        return -EFAULT;
    if (h->version == CAP_V1 || h->version == CAP_V2 || h->version == CAP_V3) {
        *words = h->version == CAP_V1 ? 1 : 2;
        return 0;
    }
    uint32_t v = CAP_V3;
    if (copy_to_user((void *)uh, &v, sizeof(v)))
        return -EFAULT;
    return udata ? -EINVAL : 1;
}

SYSCALL(capget)
{
    struct cap_header h;
    int words;
    long err = cap_header_get(args->a[0], args->a[1], &h, &words);
    if (err)
        return err > 0 ? 0 : err;
    if (h.pid < 0)
        return -EINVAL;
    struct process *p = proc_current();
    uint64_t e = p->cap_eff, pm = p->cap_perm, in = p->cap_inh;
    if (h.pid && h.pid != p->pid) {
        struct proc_info *info = kmalloc(sizeof(*info));
        if (!info)
            return -ENOMEM;
        err = proc_info_get(h.pid, info);
        e = info->cap_eff, pm = info->cap_perm, in = info->cap_inh;
        kfree(info);
        if (err)
            return err;
    }
    if (!args->a[1])
        return 0;
    struct cap_data d[2] = {
        { (uint32_t)e, (uint32_t)pm, (uint32_t)in },
        { (uint32_t)(e >> 32), (uint32_t)(pm >> 32), (uint32_t)(in >> 32) },
    };
    return copy_to_user((void *)args->a[1], d, (size_t)words * sizeof(d[0]));
}

/* Only the caller's own sets; permitted may only shrink, effective stays inside
 * permitted, inheritable inside the old inheritable and permitted sets (without
 * CAP_SETPCAP) and inside the bounding set. */
SYSCALL(capset)
{
    struct cap_header h;
    int words;
    long err = cap_header_get(args->a[0], args->a[1], &h, &words);
    if (err)
        return err > 0 ? -EINVAL : err;
    struct process *p = proc_current();
    if (h.pid && h.pid != p->pid)
        return -EPERM;
    struct cap_data d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    if (copy_from_user(d, (const void *)args->a[1], (size_t)words * sizeof(d[0])))
        return -EFAULT;
    uint64_t e = d[0].effective | (uint64_t)d[1].effective << 32;
    uint64_t pm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    uint64_t in = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    e &= CAP_FULL_SET, pm &= CAP_FULL_SET, in &= CAP_FULL_SET;
    uint64_t in_limit = proc_capable(p, CAP_SETPCAP) ? CAP_FULL_SET : p->cap_inh | p->cap_perm;
    if ((in & ~in_limit) || (in & ~(p->cap_inh | p->cap_bset)) || (pm & ~p->cap_perm) ||
        (e & ~pm))
        return -EPERM;
    p->cap_eff = e;
    p->cap_perm = pm;
    p->cap_inh = in;
    return 0;
}
