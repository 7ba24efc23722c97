/* SysV shared memory (shmget, shmat, shmdt, shmctl): a segment is a file page
 * store (<osc/filepages.h>) that shmat maps MAP_SHARED, so every attach in every
 * process shows the same frames. Attaches are the segment's VMAs, counted through
 * vma_ops as Linux's shm_vm_ops do: fork copies them, exec and exit drop them, and
 * a segment marked by IPC_RMID goes with its last one. */

#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include "ipc_internal.h"

#define __NR_shmget 29
#define __NR_shmat 30
#define __NR_shmctl 31
#define __NR_shmdt 67

/* include/uapi/linux/shm.h */
#define SHM_RDONLY   010000
#define SHM_RND      020000
#define SHM_REMAP    040000
#define SHM_EXEC     0100000
#define SHM_LOCK     11
#define SHM_UNLOCK   12
#define SHM_STAT     13
#define SHM_INFO     14
#define SHM_STAT_ANY 15
#define SHM_DEST     01000      /* in mode: removed, destroyed at the last detach */
#define SHM_LOCKED   02000
#define SHMLBA       PAGE_SIZE  /* x86_64 */
#define SHMMIN       1
#define SHMMAX       (1ull << 36)       /* a page store's limit (filepages.c) */
#define SHMALL       (SHMMAX / PAGE_SIZE)

struct shm_seg {
    struct ipc_obj obj;
    uint64_t size;              /* as asked; the mapping is page-rounded */
    struct filepages *pages;    /* the segment's reference */
    uint64_t nattch;            /* VMAs showing it, plus shmat's own while it maps */
    int64_t atime, dtime;
    int cpid, lpid;
};

struct shmid64_ds {
    struct ipc64_perm shm_perm;
    uint64_t shm_segsz;
    int64_t shm_atime, shm_dtime, shm_ctime;
    int32_t shm_cpid, shm_lpid;
    uint64_t shm_nattch;
    uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_ds) == 112, "shmid64_ds is 112 bytes on x86_64");

struct shminfo64 {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
    uint64_t unused1, unused2, unused3, unused4;
};

struct shm_info {
    int32_t used_ids;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static struct ipc_ids shm_ids;          /* under ipc_lock */
static uint64_t shm_pages;              /* every segment's pages: SHMALL, SHM_INFO */

static struct shm_seg *seg_of(struct ipc_obj *o)
{
    return (struct shm_seg *)o;
}

static uint64_t seg_pages(const struct shm_seg *s)
{
    return ALIGN_UP(s->size, PAGE_SIZE) / PAGE_SIZE;
}

/* Takes a segment nobody can reach any more out of the table and frees it; its
 * page store is returned for the caller to release after dropping ipc_lock (the
 * frames of a big segment are not freed with interrupts off). Caller holds
 * ipc_lock. */
static struct filepages *seg_destroy(struct shm_seg *s)
{
    struct filepages *fp = s->pages;
    ipc_remove(&shm_ids, &s->obj);
    shm_pages -= seg_pages(s);
    kfree(s);
    return fp;
}

/* The segment's page store when this was its last reference (see seg_destroy),
 * else NULL. Caller holds ipc_lock. */
static struct filepages *seg_maybe_destroy(struct shm_seg *s)
{
    return s->nattch == 0 && (s->obj.mode & SHM_DEST) ? seg_destroy(s) : NULL;
}

static void shm_vma_open(struct vma *v)
{
    struct shm_seg *s = v->priv;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    s->nattch++;
    s->atime = ipc_now();
    if (ipc_pid())
        s->lpid = ipc_pid();
    spin_unlock_irqrestore(&ipc_lock, f);
}

static void shm_vma_close(struct vma *v)
{
    struct shm_seg *s = v->priv;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    s->nattch--;
    s->dtime = ipc_now();
    if (ipc_pid())
        s->lpid = ipc_pid();
    struct filepages *gone = seg_maybe_destroy(s);
    spin_unlock_irqrestore(&ipc_lock, f);
    filepages_put(gone);
}

static const struct vma_ops shm_vma_ops = { .open = shm_vma_open, .close = shm_vma_close };

SYSCALL(shmget)
{
    int32_t key = (int32_t)args->a[0];
    uint64_t size = args->a[1];
    int flags = (int)args->a[2];
    struct shm_seg *fresh = kzalloc(sizeof(*fresh));
    struct filepages *fp = fresh ? filepages_create() : NULL;
    if (!fp) {
        kfree(fresh);
        return -ENOMEM;
    }
    bool can_create = size >= SHMMIN && size <= SHMMAX;
    if (can_create && filepages_truncate(fp, size))
        can_create = false;
    long ret;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o;
    int found = ipc_get_lookup(&shm_ids, key, flags, &o);
    if (found < 0) {
        ret = found;
    } else if (found) {
        ret = size > seg_of(o)->size ? -EINVAL : ipc_perms(o, flags) ? -EACCES : o->id;
    } else if (!can_create) {
        ret = -EINVAL;
    } else if (shm_pages + ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE > SHMALL) {
        ret = -ENOSPC;
    } else {
        fresh->size = size;
        fresh->pages = fp;
        fresh->cpid = ipc_pid();
        ret = ipc_add(&shm_ids, &fresh->obj, key, flags);
        if (!ret) {
            shm_pages += seg_pages(fresh);
            ret = fresh->obj.id;
            fresh = NULL;
            fp = NULL;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    filepages_put(fp);
    kfree(fresh);
    return ret;
}

SYSCALL(shmat)
{
    int id = (int)args->a[0];
    uint64_t addr = args->a[1];
    int flags = (int)args->a[2];
    if (addr & (SHMLBA - 1)) {
        if (!(flags & SHM_RND))
            return -EINVAL;
        addr = ALIGN_DOWN(addr, SHMLBA);
    }
    if (!addr && (flags & SHM_REMAP))
        return -EINVAL;
    int access = IPC_READ | ((flags & SHM_RDONLY) ? 0 : IPC_WRITE) |
                 ((flags & SHM_EXEC) ? IPC_EXEC : 0);
    long ret = page_ref_init();
    if (ret)
        return ret;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o = id < 0 ? NULL : ipc_find_id(&shm_ids, id);
    struct shm_seg *s = o ? seg_of(o) : NULL;
    if (!s)
        ret = -EINVAL;
    else if (ipc_perms(o, access))
        ret = -EACCES;
    else
        s->nattch++;            /* keeps s alive while it is mapped outside the lock */
    spin_unlock_irqrestore(&ipc_lock, f);
    if (ret)
        return ret;
    struct mm_space *mm = proc_current()->mm;
    uint64_t len = ALIGN_UP(s->size, PAGE_SIZE);
    uint32_t prot = PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE) |
                    ((flags & SHM_EXEC) ? PROT_EXEC : 0);
    uint32_t vflags = VMA_SHARED | ((flags & SHM_RDONLY) ? 0 : VMA_MAYWRITE);
    vaddr_t at = 0;
    if (addr) {
        /* Without SHM_REMAP the range must be free (Linux: EINVAL). */
        if (!user_range_ok(addr, len) || addr < USER_MMAP_MIN ||
            (!(flags & SHM_REMAP) && mm_find_free(mm, addr, len) != addr))
            ret = -EINVAL;
        at = addr;
    } else if (!(at = mm_find_free(mm, 0, len))) {
        ret = -ENOMEM;
    }
    if (!ret)
        ret = mm_map_object(mm, at, at + len, prot, vflags, s->pages, 0, &shm_vma_ops, s);
    f = spin_lock_irqsave(&ipc_lock);
    s->nattch--;
    struct filepages *gone = seg_maybe_destroy(s);
    spin_unlock_irqrestore(&ipc_lock, f);
    filepages_put(gone);
    return ret ? ret : (long)at;
}

SYSCALL(shmdt)
{
    uint64_t addr = args->a[0];
    if (addr & (PAGE_SIZE - 1) || addr >= USER_SPACE_END)
        return -EINVAL;
    return mm_detach(proc_current()->mm, addr, &shm_vma_ops);
}

static void fill_ds(const struct shm_seg *s, struct shmid64_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ipc_fill_perm(&s->obj, &ds->shm_perm);
    ds->shm_segsz = s->size;
    ds->shm_atime = s->atime;
    ds->shm_dtime = s->dtime;
    ds->shm_ctime = s->obj.ctime;
    ds->shm_cpid = s->cpid;
    ds->shm_lpid = s->lpid;
    ds->shm_nattch = s->nattch;
}

SYSCALL(shmctl)
{
    int id = (int)args->a[0];
    int cmd = (int)args->a[1] & ~IPC_64;
    void *ubuf = (void *)args->a[2];
    if (id < 0 || cmd < 0)
        return -EINVAL;
    struct shmid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof(ds)))
        return -EFAULT;
    union {
        struct shminfo64 limits;
        struct shm_info usage;
    } info;
    size_t info_len = 0;
    long ret = 0;
    struct filepages *gone = NULL;
    unsigned long f = spin_lock_irqsave(&ipc_lock);
    struct ipc_obj *o;
    switch (cmd) {
    case IPC_INFO:
        info.limits = (struct shminfo64){ .shmmax = SHMMAX, .shmmin = SHMMIN,
                                          .shmmni = IPC_SLOTS, .shmseg = IPC_SLOTS,
                                          .shmall = SHMALL };
        info_len = sizeof(info.limits);
        ret = MAX(ipc_max_index(&shm_ids), 0);
        break;
    case SHM_INFO:
        /* Pages are allocated on first touch; every page counts as resident. */
        info.usage = (struct shm_info){ .used_ids = shm_ids.in_use, .shm_tot = shm_pages,
                                        .shm_rss = shm_pages };
        info_len = sizeof(info.usage);
        ret = MAX(ipc_max_index(&shm_ids), 0);
        break;
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY:
        ret = ipc_stat_find(&shm_ids, id, cmd == IPC_STAT, cmd == SHM_STAT_ANY, &o);
        if (ret >= 0)
            fill_ds(seg_of(o), &ds);
        break;
    case IPC_SET:
    case IPC_RMID:
    case SHM_LOCK:
    case SHM_UNLOCK:
        if (!(o = ipc_find_id(&shm_ids, id))) {
            ret = -EINVAL;
        } else if (!(ret = ipc_owner_check(o))) {
            if (cmd == IPC_SET) {
                ipc_set_perm(o, &ds.shm_perm);
            } else if (cmd == SHM_LOCK) {
                o->mode |= SHM_LOCKED;  /* nothing is ever swapped out anyway */
            } else if (cmd == SHM_UNLOCK) {
                o->mode &= ~(uint32_t)SHM_LOCKED;
            } else {
                /* Attached: it lives on, unreachable by key, until the last detach. */
                o->mode |= SHM_DEST;
                o->key = IPC_PRIVATE;
                gone = seg_maybe_destroy(seg_of(o));
            }
        }
        break;
    default:
        ret = -EINVAL;
    }
    spin_unlock_irqrestore(&ipc_lock, f);
    filepages_put(gone);
    if (ret >= 0 && info_len && copy_to_user(ubuf, &info, info_len))
        return -EFAULT;
    if (ret >= 0 && (cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY) &&
        copy_to_user(ubuf, &ds, sizeof(ds)))
        return -EFAULT;
    return ret;
}

void shm_proc_text(ipc_put_fn put, void *ctx)
{
    ipc_put_line(put, ctx, "       key      shmid perms                  size  cpid  lpid nattch"
                 "   uid   gid  cuid  cgid      atime      dtime      ctime"
                 "                   rss                  swap\n");
    for (int i = 0; i < IPC_SLOTS; i++) {
        const struct shm_seg *s = shm_ids.slot[i] ? seg_of(shm_ids.slot[i]) : NULL;
        if (s)
            ipc_put_line(put, ctx,
                         "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10lld %10lld %10lld"
                         " %21lu %21lu\n",
                         s->obj.key, s->obj.id, s->obj.mode, (unsigned long)s->size, s->cpid,
                         s->lpid, (unsigned long)s->nattch, s->obj.uid, s->obj.gid, s->obj.cuid,
                         s->obj.cgid, (long long)s->atime, (long long)s->dtime,
                         (long long)s->obj.ctime, (unsigned long)(seg_pages(s) * PAGE_SIZE), 0ul);
    }
}
