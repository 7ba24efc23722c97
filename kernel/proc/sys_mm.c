/* Memory system calls: brk, mmap (anonymous only for now), munmap, mprotect,
 * madvise. Arguments are user values: every range is checked before mm_* sees it. */

#include <osc/errno.h>
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

SYSCALL(brk)
{
    return (long)mm_brk(current_mm(), args->a[0]);
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

SYSCALL(mmap)
{
    uint64_t addr = args->a[0], len = args->a[1];
    uint32_t prot = (uint32_t)args->a[2], flags = (uint32_t)args->a[3];
    struct mm_space *mm = current_mm();
    if (!(flags & MAP_ANONYMOUS)) {
        /* File mappings are not implemented yet; a bad descriptor is still EBADF. */
        struct file *f = fdtable_get(proc_current()->files, (int)args->a[4]);
        if (!f)
            return -EBADF;
        file_put(f);
        return -ENODEV;
    }
    if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || len == 0)
        return -EINVAL;
    uint64_t l = ALIGN_UP(len, PAGE_SIZE);
    if (l < len || l > USER_SPACE_END)
        return -ENOMEM;
    prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
    /* MAP_SHARED anonymous memory is shared with children across fork. */
    uint32_t vflags = (flags & MAP_SHARED) ? VMA_SHARED : 0;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        uint64_t end;
        if (user_span(addr, l, &end) || addr < USER_MMAP_MIN)
            return -EINVAL;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED)) {
            if (mm_find_free(mm, addr, l) != addr)
                return -EEXIST;
        }
        long err = mm_map_fixed(mm, addr, end, prot, vflags);
        return err ? err : (long)addr;
    }
    uint64_t at = mm_find_free(mm, addr, l);
    if (!at)
        return -ENOMEM;
    long err = mm_map_fixed(mm, at, at + l, prot, vflags);
    return err ? err : (long)at;
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
