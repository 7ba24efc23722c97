/* Memory system calls: brk, mmap (anonymous; files through their pages, shared or
 * copy-on-write, or as private copies when the filesystem keeps none), mremap, munmap, mprotect, madvise, msync. Arguments are user values: every range is checked before mm_*
 * sees it. */

#define LOG_TAG "mm"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define MADV_DONTNEED 4

static struct mm_space *current_mm(void)
{
    return proc_current()->mm;
}

/* RLIMIT_AS and RLIMIT_DATA (Linux may_expand_vm): may the address space grow by
 * bytes? data: the new pages are private and writable (Linux 4.7+ counts those,
 * the heap included, against RLIMIT_DATA). */
static long may_expand(struct mm_space *mm, uint64_t bytes, bool data)
{
    struct mm_counts c;
    mm_get_counts(mm, &c);
    uint64_t as = proc_rlimit(RLIMIT_AS), dl = proc_rlimit(RLIMIT_DATA);
    if (as != RLIM_INFINITY && (as < bytes || c.total_vm * PAGE_SIZE > as - bytes))
        return -ENOMEM;
    if (data && dl != RLIM_INFINITY && (dl < bytes || c.data_vm * PAGE_SIZE > dl - bytes))
        return -ENOMEM;
    return 0;
}

SYSCALL(brk)
{
    struct mm_space *mm = current_mm();
    uint64_t want = args->a[0], cur = mm->brk;
    /* Growing past a limit leaves the break where it is (brk's way to fail). */
    if (want > cur && want < USER_SPACE_END &&
        may_expand(mm, ALIGN_UP(want, PAGE_SIZE) - ALIGN_UP(cur, PAGE_SIZE), true))
        return (long)cur;
    return (long)mm_brk(mm, want);
}

/* Page-aligned [addr, addr+len) inside the user half, or -EINVAL. */
static long user_span(uint64_t addr, uint64_t len, uint64_t *end)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || len == 0)
        return -EINVAL;
    uint64_t l = ALIGN_UP(len, PAGE_SIZE);
    if (l < len || !user_range_ok(addr, l))
        return -EINVAL;
    *end = addr + l;
    return 0;
}

/* The pages a mapping of f maps, or NULL when its filesystem keeps none (procfs
 * snapshots, devices): those are mapped as private copies (file_fill). A device's
 * store comes with a reference (*ref set), which the caller drops. */
/* A device that keeps its own page store (a surface; /dev/fb0's window): an
 * anonymous file, or one opened through a character device node. */
static bool device_store(const struct file *f)
{
    return f->ops->pages && (!f->vnode || S_ISCHR(f->vnode->mode));
}

static struct filepages *file_pages(struct file *f, bool *ref)
{
    struct vnode *v = f->vnode;
    *ref = device_store(f);
    if (*ref)
        return f->ops->pages(f);        /* a device's own store (a surface) */
    return v && v->ops && v->ops->pages && !f->ops->pread ? v->ops->pages(v) : NULL;
}

/* Checks that f can back a mapping (Linux mmap(2) errors): readable, a regular file
 * that supports positional reads; a writable MAP_SHARED needs the file open for
 * writing and a filesystem that shares its pages. */
static long file_mappable(struct file *f, uint32_t prot, uint32_t flags)
{
    if ((f->flags & O_ACCMODE) == O_WRONLY)
        return -EACCES;
    if (device_store(f)) {
        if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
            return -EACCES;
        return 0;
    }
    if (!f->vnode || !S_ISREG(f->vnode->mode) || !f->ops->seekable)
        return -ENODEV;
    if ((flags & MAP_SHARED) && (prot & PROT_WRITE)) {
        if ((f->flags & O_ACCMODE) != O_RDWR)
            return -EACCES;
        if (f->vnode->seals & (VFS_SEAL_WRITE | VFS_SEAL_FUTURE_WRITE))
            return -EPERM;              /* a memfd sealed against writes */
        bool ref;
        struct filepages *fp = file_pages(f, &ref);
        if (ref)
            filepages_put(fp);
        if (!fp) {
            log_debug("mmap: writable MAP_SHARED of a file without shared pages");
            return -ENODEV;
        }
    }
    return 0;
}

/* Copies the file from off into the fresh mapping [at, at+len). Pages start zeroed,
 * so the tail of the last file page (and any page past EOF) reads as zeroes.
 * mm_write goes through the direct map, so the mapping's prot does not matter. */
static long file_fill(struct mm_space *mm, vaddr_t at, size_t len, struct file *f, uint64_t off)
{
    uint8_t *buf = kmalloc(PAGE_SIZE);
    if (!buf)
        return -ENOMEM;
    long err = 0;
    for (size_t done = 0; done < len; done += PAGE_SIZE) {
        ssize_t n = file_pread(f, buf, PAGE_SIZE, off + done);
        if (n <= 0) {
            err = n;            /* 0: end of file, the rest stays zero */
            break;
        }
        err = mm_write(mm, at + done, buf, (size_t)n);
        if (err || n < (ssize_t)PAGE_SIZE)
            break;
    }
    kfree(buf);
    return err;
}

SYSCALL(mmap)
{
    uint64_t addr = args->a[0], len = args->a[1], off = args->a[5];
    uint32_t prot = (uint32_t)args->a[2], flags = (uint32_t)args->a[3];
    struct mm_space *mm = current_mm();
    struct file *f = NULL;
    struct filepages *fp = NULL;
    bool fp_ref = false;
    if (!(flags & MAP_ANONYMOUS)) {
        if (!IS_ALIGNED(off, PAGE_SIZE))
            return -EINVAL;
        f = fdtable_get(proc_current()->files, (int)args->a[4]);
        if (!f)
            return -EBADF;
    }
    long ret;
    if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || len == 0) {
        ret = -EINVAL;
        goto out;
    }
    uint64_t l = ALIGN_UP(len, PAGE_SIZE);
    if (l < len || l > USER_SPACE_END) {
        ret = -ENOMEM;
        goto out;
    }
    prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
    if (f && (ret = file_mappable(f, prot, flags)))
        goto out;
    ret = -EOVERFLOW;
    if (f && off + l < off)
        goto out;
    /* MAP_SHARED anonymous memory is shared with children across fork; a file
     * mapping maps the file's own pages when its filesystem has them (MAP_PRIVATE:
     * copy-on-write), else it is a private copy filled now. */
    if (f)
        fp = file_pages(f, &fp_ref);
    if (fp && (ret = page_ref_init()))
        goto out;
    uint32_t vflags = ((!f || fp) && (flags & MAP_SHARED)) ? VMA_SHARED : 0;
    /* A write-sealed memfd's shared mappings may never become writable (mprotect). */
    if (fp && (flags & MAP_SHARED) && (f->flags & O_ACCMODE) == O_RDWR &&
        (!f->vnode || !(f->vnode->seals & (VFS_SEAL_WRITE | VFS_SEAL_FUTURE_WRITE))))
        vflags |= VMA_MAYWRITE;
    uint64_t at;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        uint64_t end;
        ret = -EINVAL;
        if (user_span(addr, l, &end) || addr < USER_MMAP_MIN)
            goto out;
        ret = -EEXIST;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
            mm_find_free(mm, addr, l) != addr)
            goto out;
        at = addr;
    } else {
        at = mm_find_free(mm, addr, l);
        ret = -ENOMEM;
        if (!at)
            goto out;
    }
    /* A fixed mapping grows the space only by what it does not replace. */
    uint64_t replaced = (flags & MAP_FIXED) ? mm_mapped_bytes(mm, at, at + l) : 0;
    if ((ret = may_expand(mm, l - replaced, (prot & PROT_WRITE) && !(vflags & VMA_SHARED))))
        goto out;
    ret = mm_map_file(mm, at, at + l, prot, vflags, fp, off);
    if (!ret && f && !fp) {
        ret = file_fill(mm, at, l, f, off);
        if (ret)
            mm_unmap(mm, at, at + l);
    }
    if (!ret)
        ret = (long)at;
out:
    if (fp_ref)
        filepages_put(fp);
    if (f)
        file_put(f);
    return ret;
}

#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2

SYSCALL(mremap)
{
    uint64_t old = args->a[0], old_len = args->a[1], new_len = args->a[2];
    uint64_t flags = args->a[3], new_addr = args->a[4];
    if (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) {
        log_debug("mremap: unsupported flags %#lx", (unsigned long)flags);
        return -EINVAL;
    }
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    uint64_t old_end, new_end;
    /* old_len 0 (duplicating a shared mapping) is not supported: -EINVAL. */
    if (user_span(old, old_len, &old_end) || new_len == 0)
        return -EINVAL;
    uint64_t nl = ALIGN_UP(new_len, PAGE_SIZE);
    if (nl < new_len || nl > USER_SPACE_END)
        return -EINVAL;
    uint64_t fixed = 0;
    if (flags & MREMAP_FIXED) {
        if (user_span(new_addr, nl, &new_end) || new_addr < USER_MMAP_MIN)
            return -EINVAL;
        if (new_addr < old_end && old < new_end)
            return -EINVAL;     /* overlapping ranges */
        fixed = new_addr;
    }
    if (nl > old_end - old && may_expand(current_mm(), nl - (old_end - old), false))
        return -ENOMEM;
    vaddr_t out = 0;
    long err = mm_remap(current_mm(), old, old_end - old, nl, fixed,
                        flags & MREMAP_MAYMOVE, &out);
    return err ? err : (long)out;
}

SYSCALL(munmap)
{
    uint64_t end;
    long err = user_span(args->a[0], args->a[1], &end);
    return err ? err : mm_unmap(current_mm(), args->a[0], end);
}

SYSCALL(mprotect)
{
    uint64_t end;
    long err = user_span(args->a[0], args->a[1], &end);
    if (err)
        return err;
    return mm_protect(current_mm(), args->a[0], end,
                      (uint32_t)args->a[2] & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

SYSCALL(madvise)
{
    uint64_t end;
    long err = user_span(args->a[0], args->a[1], &end);
    if (err)
        return err;
    if (args->a[2] == MADV_DONTNEED)
        return mm_discard(current_mm(), args->a[0], end);
    return 0;           /* advice only */
}

#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

/* Shared file pages are the file's own and tmpfs has nothing behind them, so there
 * is nothing to write back: only the arguments and the range are checked. */
SYSCALL(msync)
{
    uint64_t addr = args->a[0], len = args->a[1], flags = args->a[2];
    if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
        return -EINVAL;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC))
        return -EINVAL;
    if (!IS_ALIGNED(addr, PAGE_SIZE))
        return -EINVAL;
    uint64_t l = ALIGN_UP(len, PAGE_SIZE);
    if (l < len || !user_range_ok(addr, l))
        return -ENOMEM;
    return l ? mm_sync(current_mm(), addr, addr + l, flags & MS_SYNC) : 0;
}
