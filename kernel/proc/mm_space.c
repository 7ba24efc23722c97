/* Address spaces: the VMA list and demand paging over the arch page tables
 * (<osc/mm_space.h>). Every operation takes mm->lock (rank 20), so the VMA list and
 * the tables always agree: a page is mapped only inside a VMA, with its prot. */

#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
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
    filepages_put(v->file);
    kfree(v);
}

void mm_get(struct mm_space *mm)
{
    __atomic_fetch_add(&mm->refs, 1, __ATOMIC_RELAXED);
}

/* The last reference: nobody runs on these tables any more (a CPU leaving them
 * switched to other tables first), so they can go. */
void mm_put(struct mm_space *mm)
{
    if (!mm || __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (struct vma *v = mm->vmas, *n; v; v = n) {
        n = v->next;
        vma_free(v);
    }
    upt_destroy(mm->root);
    kfree(mm);
}

void mm_activate(struct mm_space *mm)
{
    upt_activate(mm ? mm->root : 0);
}

static struct vma *vma_find(struct mm_space *mm, vaddr_t addr)
{
    for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
        if (addr < v->end)
            return v;
    return NULL;
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
        filepages_get(n->file);
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
    upt_unmap_range(mm->root, start, end);
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
        filepages_get(fp);
        n->file = fp;
        n->file_off = off;
    }
    mutex_lock(&mm->lock);
    int err = unmap_locked(mm, start, end);
    if (!err) {
        vma_insert(mm, n);
        n->ops = ops;           /* only now: a failed map must not close what never opened */
        n->priv = priv;
        vma_open(n);
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

/* mm_find_free with mm->lock held. */
static vaddr_t find_free_locked(struct mm_space *mm, vaddr_t hint, size_t len)
{
    len = ALIGN_UP(len, PAGE_SIZE);
    if (!len || len > USER_MMAP_BASE - USER_MMAP_MIN)
        return 0;
    vaddr_t found = 0;
    hint = ALIGN_DOWN(hint, PAGE_SIZE);
    if (hint >= USER_MMAP_MIN && hint < USER_SPACE_END && len <= USER_SPACE_END - hint &&
        range_free(mm, hint, hint + len)) {
        found = hint;
    } else {
        /* Top-down: try just below each VMA (and below the base), highest first. */
        vaddr_t top = USER_MMAP_BASE;
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
        upt_protect_range(mm->root, start, end, prot);
    }
    mutex_unlock(&mm->lock);
    return err;
}

int mm_sync(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    if (!range_ok(start, end))
        return -EINVAL;
    mutex_lock(&mm->lock);
    int err = covered_locked(mm, start, end) ? 0 : -ENOMEM;
    mutex_unlock(&mm->lock);
    return err;
}

int mm_discard(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    if (!range_ok(start, end))
        return -EINVAL;
    mutex_lock(&mm->lock);
    upt_unmap_range(mm->root, start, end);
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
    paddr_t pa = upt_translate(mm->root, va);
    if (pa) {
        *out = pa;
        return 0;
    }
    bool cow = false;
    if (v->file) {
        bool priv = vma_private_file(v), copied;
        int err = filepages_map(v->file, (v->file_off + (va - v->start)) / PAGE_SIZE, priv,
                                &pa, &copied);
        if (err)
            return err;
        cow = priv && !copied;
    } else if (!(pa = pmm_alloc_page())) {
        return -ENOMEM;
    }
    if (cow ? upt_map_cow(mm->root, va, pa, v->prot) : upt_map(mm->root, va, pa, v->prot)) {
        page_ref_put(pa);       /* a fresh frame is freed, a file page keeps its store's */
        return -ENOMEM;
    }
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
        err = upt_cow_break(mm->root, ALIGN_DOWN(addr, PAGE_SIZE), v->prot);
    } else if (allowed && !present) {
        paddr_t pa;
        vaddr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
        err = populate_locked(mm, v, va, &pa);
        /* A first write to a private file page copies it now, not on a second fault. */
        if (!err && write && vma_private_file(v))
            err = upt_cow_break(mm->root, va, v->prot);
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
            err = upt_cow_break(mm->root, page, v->prot);
            if (err == -EFAULT)
                err = 0;
            pa = upt_translate(mm->root, page);
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
        paddr_t from = upt_translate(mm->root, src + off);
        if (!from)
            continue;
        paddr_t to = pmm_alloc_page();
        if (!to)
            return -ENOMEM;
        memcpy(phys_to_virt(to), phys_to_virt(from), PAGE_SIZE);
        if (upt_map(mm->root, dst + off, to, prot)) {
            pmm_free_page(to);
            return -ENOMEM;
        }
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
    if (v->flags & (VMA_HEAP | VMA_STACK)) {
        err = -EINVAL;          /* brk and the stack keep their own bookkeeping */
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
            filepages_get(n->file);
        vma_open(n);
        bool shared = v->flags & VMA_SHARED;
        /* Shared anonymous memory must be one set of frames on both sides from now
         * on: give every page its frame before sharing (no demand paging across
         * fork). A shared file mapping faults its pages in from the file on both. */
        paddr_t pa;
        for (vaddr_t va = v->start; shared && !v->file && va < v->end && !err; va += PAGE_SIZE)
            err = populate_locked(mm, v, va, &pa);
        if (!err)
            err = upt_fork_range(c->root, mm->root, v->start, v->end, shared);
    }
    mutex_unlock(&mm->lock);
    if (err) {
        mm_put(c);
        return NULL;
    }
    return c;
}

int mm_user_phys(struct mm_space *mm, vaddr_t addr, paddr_t *out)
{
    int err = -EFAULT;
    mutex_lock(&mm->lock);
    struct vma *v = vma_find(mm, addr);
    if (v && (v->prot & (PROT_READ | PROT_WRITE))) {
        vaddr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
        paddr_t pa = 0;
        err = populate_locked(mm, v, va, &pa);
        if (!err && (v->prot & PROT_WRITE) && upt_cow_break(mm->root, va, v->prot) == 0)
            pa = upt_translate(mm->root, va);
        if (!err)
            *out = pa + (addr & (PAGE_SIZE - 1));
    }
    mutex_unlock(&mm->lock);
    return err;
}
