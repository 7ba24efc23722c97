/* Address spaces: the VMA list and demand paging over the arch page tables
 * (<osc/mm_space.h>). Every operation takes mm->lock (rank 20), so the VMA list and
 * the tables always agree: a page is mapped only inside a VMA, with its prot. */

#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/panic.h>
#include <osc/percpu.h>
#include <osc/uaccess.h>

#define RANK_MM_SPACE 20

struct mm_space *mm_create(void)
{
    struct mm_space *mm = kzalloc(sizeof(*mm));
    if (!mm)
        return NULL;
    mm->root = upt_create();
    if (!mm->root) {
        kfree(mm);
        return NULL;
    }
    mm->refs = 1;
    mm->mmap_base = USER_MMAP_BASE;
    mutex_init(&mm->lock, "mm_space", RANK_MM_SPACE);
    return mm;
}

static void vma_open(struct vma *v)
{
    if (v->ops && v->ops->open)
        v->ops->open(v);
}

static void vma_free(struct vma *v)
{
    if (v->ops && v->ops->close)
        v->ops->close(v);
    if (v->file && (v->flags & VMA_MAYWRITE))
        filepages_writable_maps_add(v->file, -1);
    filepages_put(v->file);
    kfree(v);
}

/* A new VMA v names its file: a page-store reference, and the writable shared
 * mapping count that F_SEAL_WRITE consults. */
static void vma_file_get(struct vma *v)
{
    filepages_get(v->file);
    if (v->flags & VMA_MAYWRITE)
        filepages_writable_maps_add(v->file, 1);
}

void mm_get(struct mm_space *mm)
{
    __atomic_fetch_add(&mm->refs, 1, __ATOMIC_RELAXED);
}

/* The last reference. A CPU loads mm only for a thread (or an exec) that holds a
 * reference, and that thread drops it only after switching its CPU to other
 * tables (proc_thread_exit: mm_activate(NULL), then mm_put); so when refs reaches
 * 0 no CPU has root loaded or can load it again, mm->cpus is empty, and the
 * tables can go (LESSONS 6). The check below would catch a path that broke this. */
void mm_put(struct mm_space *mm)
{
    if (!mm || __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    uint64_t loaded = __atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST);
    if (loaded)
        panic("mm %p freed while loaded on CPUs %#llx", (void *)mm,
              (unsigned long long)loaded);
    for (struct vma *v = mm->vmas, *n; v; v = n) {
        n = v->next;
        vma_free(v);
    }
    upt_destroy(mm->root);
    kfree(mm);
}

/* Per CPU: the address space whose tables it has loaded (NULL: the kernel's).
 * Written by that CPU only, with interrupts off. */
static struct mm_space *loaded_mm[MAX_CPUS];

void mm_activate(struct mm_space *mm)
{
    unsigned long f = irq_save();
    uint32_t me = this_cpu()->id;
    struct mm_space *prev = loaded_mm[me];
    uint64_t bit = 1ull << me;
    /* The bit before CR3, with a full fence (the locked OR): pairs with the fence
     * between a shoot-down's page-table stores and its mask load (tlb.c), so that
     * either the initiator sees this CPU or this CPU's walks see its stores. */
    if (mm && mm != prev)
        __atomic_fetch_or(&mm->cpus, bit, __ATOMIC_SEQ_CST);
    upt_activate(mm ? mm->root : 0);
    /* Only once off prev's tables (the CR3 write dropped its TLB entries): from
     * here on its shoot-downs may skip this CPU and its last mm_put may free it. */
    if (prev && prev != mm)
        __atomic_fetch_and(&prev->cpus, ~bit, __ATOMIC_SEQ_CST);
    loaded_mm[me] = mm;
    irq_restore(f);
}

static struct vma *vma_find(struct mm_space *mm, vaddr_t addr)
{
    for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
        if (addr < v->end)
            return v;
    return NULL;
}

/* Recounts the VMA sizes after the list changed (a handful of VMAs: cheaper than
 * keeping every edit in step). Caller holds mm->lock. */
static void vm_recount_locked(struct mm_space *mm)
{
    uint64_t total = 0, data = 0, stack = 0;
    for (struct vma *v = mm->vmas; v; v = v->next) {
        uint64_t n = (v->end - v->start) / PAGE_SIZE;
        total += n;
        if (v->flags & VMA_STACK)
            stack += n;
        else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
            data += n;
    }
    __atomic_store_n(&mm->total_vm, total, __ATOMIC_RELAXED);
    __atomic_store_n(&mm->data_vm, data, __ATOMIC_RELAXED);
    __atomic_store_n(&mm->stack_vm, stack, __ATOMIC_RELAXED);
    if (total > mm->hiwater_vm)
        __atomic_store_n(&mm->hiwater_vm, total, __ATOMIC_RELAXED);
}

/* RSS bookkeeping: pages gained (populate, copy) and lost (unmap). Caller holds
 * mm->lock. */
static void rss_add_locked(struct mm_space *mm, uint64_t n)
{
    uint64_t rss = mm->rss + n;
    __atomic_store_n(&mm->rss, rss, __ATOMIC_RELAXED);
    if (rss > mm->hiwater_rss)
        __atomic_store_n(&mm->hiwater_rss, rss, __ATOMIC_RELAXED);
}

static void rss_unmap_locked(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    uint64_t n = upt_unmap_range(mm, start, end);
    __atomic_store_n(&mm->rss, mm->rss > n ? mm->rss - n : 0, __ATOMIC_RELAXED);
}

void mm_get_counts(struct mm_space *mm, struct mm_counts *out)
{
    out->rss = __atomic_load_n(&mm->rss, __ATOMIC_RELAXED);
    out->hiwater_rss = MAX(__atomic_load_n(&mm->hiwater_rss, __ATOMIC_RELAXED), out->rss);
    out->total_vm = __atomic_load_n(&mm->total_vm, __ATOMIC_RELAXED);
    out->hiwater_vm = MAX(__atomic_load_n(&mm->hiwater_vm, __ATOMIC_RELAXED), out->total_vm);
    out->data_vm = __atomic_load_n(&mm->data_vm, __ATOMIC_RELAXED);
    out->stack_vm = __atomic_load_n(&mm->stack_vm, __ATOMIC_RELAXED);
}

uint64_t mm_mapped_bytes(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    uint64_t n = 0;
    mutex_lock(&mm->lock);
    for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
        if (v->end > start)
            n += MIN(v->end, end) - MAX(v->start, start);
    mutex_unlock(&mm->lock);
    return n;
}

/* Makes addr a VMA boundary, splitting the VMA that strictly contains it. */
static int vma_split_at(struct mm_space *mm, vaddr_t addr)
{
    struct vma *v = vma_find(mm, addr);
    if (!v || v->start == addr)
        return 0;
    struct vma *n = kmalloc(sizeof(*n));
    if (!n)
        return -ENOMEM;
    *n = *v;
    n->start = addr;
    if (n->file) {
        vma_file_get(n);
        n->file_off += addr - v->start;
    }
    v->end = addr;
    v->next = n;
    vma_open(n);
    return 0;
}

/* Removes VMAs and pages in [start, end). Caller holds mm->lock. */
static int unmap_locked(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    int err = vma_split_at(mm, start);
    if (!err)
        err = vma_split_at(mm, end);
    if (err)
        return err;
    struct vma **pp = &mm->vmas;
    while (*pp) {
        struct vma *v = *pp;
        if (v->start >= start && v->end <= end) {
            *pp = v->next;
            vma_free(v);
        } else {
            pp = &v->next;
        }
    }
    rss_unmap_locked(mm, start, end);
    vm_recount_locked(mm);
    return 0;
}

/* Links n into the sorted list; its range must be free. Caller holds mm->lock. */
static void vma_insert(struct mm_space *mm, struct vma *n)
{
    struct vma **pp = &mm->vmas;
    while (*pp && (*pp)->start < n->start)
        pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
}

static bool range_ok(vaddr_t start, vaddr_t end)
{
    return IS_ALIGNED(start, PAGE_SIZE) && IS_ALIGNED(end, PAGE_SIZE) && start < end &&
           end <= USER_SPACE_END;
}

int mm_map_file(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot,
                uint32_t flags, struct filepages *fp, uint64_t off)
{
    return mm_map_object(mm, start, end, prot, flags, fp, off, NULL, NULL);
}

int mm_map_object(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot,
                  uint32_t flags, struct filepages *fp, uint64_t off,
                  const struct vma_ops *ops, void *priv)
{
    if (!range_ok(start, end) || !IS_ALIGNED(off, PAGE_SIZE))
        return -EINVAL;
    struct vma *n = kzalloc(sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->start = start;
    n->end = end;
    n->prot = prot;
    n->flags = flags;
    if (fp) {
        n->file = fp;
        n->file_off = off;
        vma_file_get(n);
    }
    mutex_lock(&mm->lock);
    int err = unmap_locked(mm, start, end);
    if (!err) {
        vma_insert(mm, n);
        n->ops = ops;           /* only now: a failed map must not close what never opened */
        n->priv = priv;
        vma_open(n);
        vm_recount_locked(mm);
    }
    mutex_unlock(&mm->lock);
    if (err)
        vma_free(n);
    return err;
}

int mm_map_fixed(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot, uint32_t flags)
{
    return mm_map_file(mm, start, end, prot, flags, NULL, 0);
}

static bool range_free(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    for (struct vma *v = mm->vmas; v; v = v->next)
        if (v->start < end && start < v->end)
            return false;
    return true;
}

/* A hint is taken only outside the guard gap below the stack (Linux's
 * stack_guard_gap), so an overflowing stack faults instead of running into it. */
static bool clear_of_stack(struct mm_space *mm, vaddr_t end)
{
    for (struct vma *v = mm->vmas; v; v = v->next)
        if ((v->flags & VMA_STACK) && end <= v->start && v->start - end < USER_STACK_GUARD)
            return false;
    return true;
}

/* mm_find_free with mm->lock held. */
static vaddr_t find_free_locked(struct mm_space *mm, vaddr_t hint, size_t len)
{
    len = ALIGN_UP(len, PAGE_SIZE);
    if (!len || len > mm->mmap_base - USER_MMAP_MIN)
        return 0;
    vaddr_t found = 0;
    hint = ALIGN_DOWN(hint, PAGE_SIZE);
    if (hint >= USER_MMAP_MIN && hint < USER_SPACE_END && len <= USER_SPACE_END - hint &&
        range_free(mm, hint, hint + len) && clear_of_stack(mm, hint + len)) {
        found = hint;
    } else {
        /* Top-down: try just below each VMA (and below the base), highest first. */
        vaddr_t top = mm->mmap_base;
        for (;;) {
            if (top < USER_MMAP_MIN + len)
                break;
            vaddr_t cand = top - len;
            struct vma *clash = NULL;
            for (struct vma *v = mm->vmas; v; v = v->next)
                if (v->start < cand + len && cand < v->end)
                    clash = v;          /* the highest overlapping one */
            if (!clash) {
                found = cand;
                break;
            }
            /* Lowest VMA start among the overlapping ones bounds the next try. */
            vaddr_t low = clash->start;
            for (struct vma *v = mm->vmas; v; v = v->next)
                if (v->start < cand + len && cand < v->end && v->start < low)
                    low = v->start;
            top = low;
        }
    }
    return found;
}

vaddr_t mm_find_free(struct mm_space *mm, vaddr_t hint, size_t len)
{
    mutex_lock(&mm->lock);
    vaddr_t found = find_free_locked(mm, hint, len);
    mutex_unlock(&mm->lock);
    return found;
}

int mm_unmap(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    if (!range_ok(start, end))
        return -EINVAL;
    mutex_lock(&mm->lock);
    int err = unmap_locked(mm, start, end);
    mutex_unlock(&mm->lock);
    return err;
}

/* A VMA of the ops object attached at addr: its offset is its distance from addr. */
static bool attach_piece(const struct vma *v, vaddr_t addr, const struct vma_ops *ops)
{
    return v->start >= addr && v->ops == ops && v->file_off == v->start - addr;
}

/* As Linux's shmdt: the first piece is the first VMA at or above addr that fits,
 * wherever it lies; the rest must be of the same object and end within its size. */
int mm_detach(struct mm_space *mm, vaddr_t addr, const struct vma_ops *ops)
{
    mutex_lock(&mm->lock);
    struct vma *first = mm->vmas;
    while (first && !attach_piece(first, addr, ops))
        first = first->next;
    if (!first) {
        mutex_unlock(&mm->lock);
        return -EINVAL;
    }
    void *priv = first->priv;
    vaddr_t end = addr + ALIGN_UP(filepages_size(first->file), PAGE_SIZE);
    int err = unmap_locked(mm, first->start, first->end);
    /* Unmapping frees VMAs: look again from the start after each one. */
    for (bool again = !err; again;) {
        again = false;
        for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
            if (attach_piece(v, addr, ops) && v->priv == priv && v->end <= end) {
                again = unmap_locked(mm, v->start, v->end) == 0;
                break;
            }
    }
    mutex_unlock(&mm->lock);
    return err;
}

/* True when VMAs cover all of [start, end). Caller holds mm->lock. */
static bool covered_locked(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    vaddr_t cur = start;
    for (struct vma *v = mm->vmas; v && cur < end; v = v->next) {
        if (v->end <= cur)
            continue;
        if (v->start > cur)
            break;
        cur = v->end;
    }
    return cur >= end;
}

int mm_protect(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot)
{
    if (!range_ok(start, end))
        return -EINVAL;
    mutex_lock(&mm->lock);
    int err = 0;
    /* Linux: -ENOMEM when part of the range is unmapped. */
    if (!covered_locked(mm, start, end))
        err = -ENOMEM;
    /* A shared file mapping may become writable only if the file was opened so. */
    for (struct vma *v = mm->vmas; v && !err && v->start < end; v = v->next)
        if (v->end > start && (v->flags & VMA_SHARED) && v->file && (prot & PROT_WRITE) &&
            !(v->flags & VMA_MAYWRITE))
            err = -EACCES;
    if (!err)
        err = vma_split_at(mm, start);
    if (!err)
        err = vma_split_at(mm, end);
    if (!err) {
        for (struct vma *v = mm->vmas; v; v = v->next)
            if (v->start >= start && v->end <= end)
                v->prot = prot;
        upt_protect_range(mm, start, end, prot);
    }
    mutex_unlock(&mm->lock);
    return err;
}

#define SYNC_STORES 16      /* distinct files per msync pass */

int mm_sync(struct mm_space *mm, vaddr_t start, vaddr_t end, bool write)
{
    if (!range_ok(start, end))
        return -EINVAL;
    /* The files of the shared mappings in the range, written back once each after
     * mm->lock is dropped (write-back takes the filesystem's lock, and may sleep
     * long on the disk). More than SYNC_STORES files: another pass. */
    int err = 0;
    for (vaddr_t from = start; from < end && !err;) {
        struct filepages *fps[SYNC_STORES];
        size_t n = 0;
        mutex_lock(&mm->lock);
        if (!covered_locked(mm, start, end))
            err = -ENOMEM;
        vaddr_t next = end;
        for (struct vma *v = mm->vmas; v && !err && v->start < end; v = v->next) {
            if (v->end <= from || !v->file || !(v->flags & VMA_SHARED) || !write)
                continue;
            bool seen = false;
            for (size_t i = 0; i < n; i++)
                seen |= fps[i] == v->file;
            if (seen)
                continue;
            if (n == SYNC_STORES) {
                next = v->start;
                break;
            }
            filepages_get(v->file);
            fps[n++] = v->file;
        }
        mutex_unlock(&mm->lock);
        for (size_t i = 0; i < n; i++) {
            int e = err ? 0 : filepages_sync(fps[i]);
            err = err ? err : e;
            filepages_put(fps[i]);
        }
        from = next;
    }
    return err;
}

int mm_discard(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    if (!range_ok(start, end))
        return -EINVAL;
    mutex_lock(&mm->lock);
    rss_unmap_locked(mm, start, end);
    mutex_unlock(&mm->lock);
    return 0;
}

static bool vma_private_file(const struct vma *v)
{
    return v->file && !(v->flags & VMA_SHARED);
}

/* Maps the page at va per its VMA if it is not mapped yet: the file's page for a
 * file mapping (copy-on-write for a private one), else a zeroed frame. 0 and the
 * frame in *out, -EIO (past the end of the file) or -ENOMEM. Caller holds mm->lock. */
static int populate_locked(struct mm_space *mm, struct vma *v, vaddr_t va, paddr_t *out)
{
    paddr_t pa = upt_translate(mm, va);
    if (pa) {
        *out = pa;
        return 0;
    }
    bool cow = false;
    if (v->file) {
        bool priv = vma_private_file(v), copied;
        bool mapw = (v->flags & VMA_SHARED) && (v->flags & VMA_MAYWRITE);
        int err = filepages_map_w(v->file, (v->file_off + (va - v->start)) / PAGE_SIZE, priv,
                                  mapw, &pa, &copied);
        if (err)
            return err;
        cow = priv && !copied;
    } else if (!(pa = pmm_alloc_page())) {
        return -ENOMEM;
    }
    if (cow ? upt_map_cow(mm, va, pa, v->prot) : upt_map(mm, va, pa, v->prot)) {
        page_ref_put(pa);       /* a fresh frame is freed, a file page keeps its store's */
        return -ENOMEM;
    }
    rss_add_locked(mm, 1);
    *out = pa;
    return 0;
}

int mm_fault(struct mm_space *mm, vaddr_t addr, bool write, bool exec, bool present)
{
    int err = -EFAULT;
    mutex_lock(&mm->lock);
    struct vma *v = vma_find(mm, addr);
    bool allowed = v && (write ? (v->prot & PROT_WRITE)
                         : exec ? (v->prot & PROT_EXEC)
                         : (v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)));
    /* A write to a present page in a writable VMA is a copy-on-write fault; any
     * other fault on a present page broke its protection. */
    if (allowed && present && write) {
        err = upt_cow_break(mm, ALIGN_DOWN(addr, PAGE_SIZE), v->prot);
    } else if (allowed && !present) {
        paddr_t pa;
        vaddr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
        err = populate_locked(mm, v, va, &pa);
        /* A first write to a private file page copies it now, not on a second fault. */
        if (!err && write && vma_private_file(v))
            err = upt_cow_break(mm, va, v->prot);
    }
    mutex_unlock(&mm->lock);
    return err;
}

int mm_write(struct mm_space *mm, vaddr_t va, const void *src, size_t len)
{
    const uint8_t *s = src;
    int err = 0;
    mutex_lock(&mm->lock);
    while (len) {
        struct vma *v = vma_find(mm, va);
        if (!v) {
            err = -EFAULT;
            break;
        }
        vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
        paddr_t pa;
        err = populate_locked(mm, v, page, &pa);
        /* Never write into a file's own page: a private file page gets its copy
         * (-EFAULT from upt_cow_break: it is one already). */
        if (!err && vma_private_file(v)) {
            err = upt_cow_break(mm, page, v->prot);
            if (err == -EFAULT)
                err = 0;
            pa = upt_translate(mm, page);
        }
        if (err)
            break;
        size_t n = MIN(len, PAGE_SIZE - (va - page));
        memcpy((uint8_t *)phys_to_virt(pa) + (va - page), s, n);
        s += n;
        va += n;
        len -= n;
    }
    mutex_unlock(&mm->lock);
    return err;
}

/* Copies the present pages of [src, src+len) to fresh frames at dst (a VMA with
 * prot, not yet populated); untouched pages stay untouched. Caller holds mm->lock. */
static int copy_pages_locked(struct mm_space *mm, vaddr_t src, vaddr_t dst, size_t len,
                             uint32_t prot)
{
    for (size_t off = 0; off < len; off += PAGE_SIZE) {
        paddr_t from = upt_translate(mm, src + off);
        if (!from)
            continue;
        paddr_t to = pmm_alloc_page();
        if (!to)
            return -ENOMEM;
        memcpy(phys_to_virt(to), phys_to_virt(from), PAGE_SIZE);
        if (upt_map(mm, dst + off, to, prot)) {
            pmm_free_page(to);
            return -ENOMEM;
        }
        rss_add_locked(mm, 1);
    }
    return 0;
}

int mm_remap(struct mm_space *mm, vaddr_t old, size_t old_len, size_t new_len,
             vaddr_t fixed, bool may_move, vaddr_t *out)
{
    vaddr_t old_end = old + old_len;
    if (!range_ok(old, old_end) || !new_len || !IS_ALIGNED(new_len, PAGE_SIZE))
        return -EINVAL;
    mutex_lock(&mm->lock);
    int err = 0;
    struct vma *v = vma_find(mm, old);
    if (!v || old_end > v->end) {
        err = -EFAULT;
        goto out;
    }
    if (v->flags & (VMA_HEAP | VMA_STACK | VMA_VDSO | VMA_VVAR)) {
        err = -EINVAL;          /* brk, the stack and the vDSO keep their own bookkeeping */
        goto out;
    }
    if (!fixed && new_len <= old_len) {
        if (new_len < old_len)
            err = unmap_locked(mm, old + new_len, old_end);
        *out = old;
        goto out;
    }
    if (!fixed && v->end == old_end && new_len - old_len <= USER_SPACE_END - old_end &&
        range_free(mm, old_end, old + new_len)) {
        v->end = old + new_len;         /* grow in place: the new pages fault in zeroed */
        vm_recount_locked(mm);
        *out = old;
        goto out;
    }
    /* Moving copies the pages, which would split a MAP_SHARED area from the
     * processes sharing it: refuse the move instead (callers fall back). */
    if (!may_move || (v->flags & VMA_SHARED)) {
        err = -ENOMEM;
        goto out;
    }
    uint32_t prot = v->prot, flags = v->flags;
    /* A private file mapping moves with its file: pages not yet touched still fault
     * in from it; present ones are copied. (v may be gone after the unmap below.) */
    struct filepages *file = v->file;
    uint64_t file_off = v->file_off + (old - v->start);
    if (file)
        filepages_get(file);
    vaddr_t dst = fixed;
    if (dst) {
        err = unmap_locked(mm, dst, dst + new_len);
    } else {
        dst = find_free_locked(mm, 0, new_len);
        if (!dst)
            err = -ENOMEM;
    }
    struct vma *n = err ? NULL : kzalloc(sizeof(*n));
    if (!err && !n)
        err = -ENOMEM;
    if (err) {
        filepages_put(file);
        goto out;
    }
    *n = (struct vma){ .start = dst, .end = dst + new_len, .prot = prot, .flags = flags,
                       .file = file, .file_off = file_off };
    vma_insert(mm, n);
    vm_recount_locked(mm);
    err = copy_pages_locked(mm, old, dst, MIN(old_len, new_len), prot);
    if (!err)
        err = unmap_locked(mm, old, old_end);
    if (err)
        unmap_locked(mm, dst, dst + new_len);   /* the old mapping stays */
    else
        *out = dst;
out:
    mutex_unlock(&mm->lock);
    return err;
}

vaddr_t mm_brk(struct mm_space *mm, vaddr_t want)
{
    mutex_lock(&mm->lock);
    vaddr_t cur = mm->brk;
    if (want < mm->brk_start || want > USER_MMAP_MIN + USER_MMAP_BASE / 2) {
        mutex_unlock(&mm->lock);
        return cur;
    }
    vaddr_t old_end = ALIGN_UP(cur, PAGE_SIZE), new_end = ALIGN_UP(want, PAGE_SIZE);
    int err = 0;
    if (new_end > old_end) {
        if (!range_free(mm, old_end, new_end)) {
            err = -ENOMEM;
        } else {
            struct vma *n = kzalloc(sizeof(*n));
            if (!n) {
                err = -ENOMEM;
            } else {
                *n = (struct vma){ .start = old_end, .end = new_end, .prot = PROT_READ | PROT_WRITE,
                                  .flags = VMA_HEAP };
                struct vma **pp = &mm->vmas;
                while (*pp && (*pp)->start < old_end)
                    pp = &(*pp)->next;
                n->next = *pp;
                *pp = n;
                vm_recount_locked(mm);
            }
        }
    } else if (new_end < old_end) {
        err = unmap_locked(mm, new_end, old_end);
    }
    if (!err)
        mm->brk = want;
    cur = mm->brk;
    mutex_unlock(&mm->lock);
    return cur;
}

#define FORK_FUTEX_WORDS 64     /* sleepers' words on the stack; more: kmalloc */

/* Futex sleepers are keyed by their word's frame. After fork made a private page
 * copy-on-write, a waker in the parent would write to a new frame and miss them;
 * so the child gets its own copy of each such page now, and the parent keeps the
 * frame (its next write finds it unshared and reuses it). Caller holds mm->lock,
 * so no parent thread is between a lookup and a fault on these pages. */
static int fork_keep_futex_frames(struct mm_space *mm, struct mm_space *c)
{
    __atomic_add_fetch(&mm->fork_gen, 1, __ATOMIC_RELEASE);
    uint64_t small[FORK_FUTEX_WORDS], *words = small;
    int max = FORK_FUTEX_WORDS, n;
    /* Sleepers that looked their word up before the bump may still queue (they
     * then see it and retry), so a larger count is fetched again. */
    while ((n = futex_sleeper_words(mm, words, max)) > max) {
        if (words != small)
            kfree(words);
        max = n * 2;
        words = kmalloc((size_t)max * sizeof(*words));
        if (!words)
            return -ENOMEM;
    }
    int err = 0;
    for (int i = 0; i < n && err != -ENOMEM; i++) {
        struct vma *v = vma_find(mm, words[i]);
        if (v && !(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE))
            err = upt_cow_break(c, ALIGN_DOWN(words[i], PAGE_SIZE), v->prot);
    }
    if (words != small)
        kfree(words);
    return err == -ENOMEM ? err : 0;    /* -EFAULT: not copy-on-write (absent): fine */
}

struct mm_space *mm_fork(struct mm_space *mm)
{
    if (page_ref_init())
        return NULL;
    struct mm_space *c = mm_create();
    if (!c)
        return NULL;
    int err = 0;
    mutex_lock(&mm->lock);
    c->brk_start = mm->brk_start;
    c->mmap_base = mm->mmap_base;
    c->brk = mm->brk;
    struct vma **tail = &c->vmas;
    for (struct vma *v = mm->vmas; v && !err; v = v->next) {
        struct vma *n = kmalloc(sizeof(*n));
        if (!n) {
            err = -ENOMEM;
            break;
        }
        *n = *v;
        n->next = NULL;
        *tail = n;
        tail = &n->next;
        if (n->file)
            vma_file_get(n);
        vma_open(n);
        bool shared = v->flags & VMA_SHARED;
        /* Shared anonymous memory must be one set of frames on both sides from now
         * on: give every page its frame before sharing (no demand paging across
         * fork). A shared file mapping faults its pages in from the file on both. */
        paddr_t pa;
        for (vaddr_t va = v->start; shared && !v->file && va < v->end && !err; va += PAGE_SIZE)
            err = populate_locked(mm, v, va, &pa);
        if (!err)
            err = upt_fork_range(c, mm, v->start, v->end, shared);
    }
    if (!err)
        err = fork_keep_futex_frames(mm, c);
    /* Every present page is now mapped on both sides. */
    c->rss = c->hiwater_rss = mm->rss;
    vm_recount_locked(c);
    mutex_unlock(&mm->lock);
    if (err) {
        mm_put(c);
        return NULL;
    }
    return c;
}

int mm_user_phys(struct mm_space *mm, vaddr_t addr, bool write, paddr_t *out)
{
    int err = -EFAULT;
    mutex_lock(&mm->lock);
    struct vma *v = vma_find(mm, addr);
    if (v && (v->prot & (write ? PROT_WRITE : PROT_READ | PROT_WRITE))) {
        vaddr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
        paddr_t pa = 0;
        err = populate_locked(mm, v, va, &pa);
        if (!err && (v->prot & PROT_WRITE) && upt_cow_break(mm, va, v->prot) == 0)
            pa = upt_translate(mm, va);
        if (!err)
            *out = pa + (addr & (PAGE_SIZE - 1));
    }
    mutex_unlock(&mm->lock);
    return err;
}
