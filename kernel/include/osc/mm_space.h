/* User address spaces: page tables sharing the kernel half, plus a sorted list of
 * VMAs (virtual memory areas) that say what may be mapped where. Pages are mapped
 * on first touch (demand paging). Reference-counted: a process, and later a thread
 * or a CPU still on its tables, holds a reference; the last mm_put frees every user
 * page and table (LESSONS 6). */
#pragma once

#include <osc/sched.h>
#include <osc/types.h>

/* PROT_* and MAP_* values of the Linux ABI (mmap(2)). */
#define PROT_NONE       0
#define PROT_READ       1
#define PROT_WRITE      2
#define PROT_EXEC       4
#define MAP_SHARED      0x01
#define MAP_PRIVATE     0x02
#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define MAP_FIXED_NOREPLACE 0x100000

#define VMA_STACK       (1u << 0)       /* the initial stack */
#define VMA_HEAP        (1u << 1)       /* brk area */
#define VMA_SHARED      (1u << 2)       /* MAP_SHARED: fork shares pages */
#define VMA_MAYWRITE    (1u << 3)       /* shared file mapping of a file open for writing */
#define VMA_VDSO        (1u << 4)       /* the vDSO's code: /proc maps [vdso] */
#define VMA_VVAR        (1u << 5)       /* the vDSO's data page: /proc maps [vvar] */

#define USER_STACK_TOP   0x00007ffffffff000ull
#define USER_STACK_SIZE  MiB(8)
#define USER_MMAP_BASE   0x00007f0000000000ull  /* mmap's top without randomisation */
#define USER_STACK_GUARD MiB(1)                 /* no mmap hint this close below the stack */
#define USER_MMAP_MIN    0x0000000000010000ull  /* nothing maps below (NULL guard) */

struct filepages;
struct vma;

/* An object a VMA shows besides its pages (SysV shared memory segments): told about
 * every VMA that starts showing it (mapped, split off another, copied by fork) and
 * every one that goes (unmapped, exec, exit), so it can count its attaches as
 * Linux's vm_ops open/close do. Called with the VMA's mm->lock held, or from the
 * last mm_put with no lock; they may take spinlocks only. */
struct vma_ops {
    void (*open)(struct vma *v);
    void (*close)(struct vma *v);
};

struct vma {
    vaddr_t start, end;         /* page-aligned, start < end */
    uint32_t prot;              /* PROT_* */
    uint32_t flags;             /* VMA_* */
    struct vma *next;           /* ascending, non-overlapping */
    /* A file mapping's pages (a reference), or NULL. MAP_SHARED (VMA_SHARED) maps
     * them as they are; MAP_PRIVATE maps them copy-on-write. */
    struct filepages *file;
    uint64_t file_off;          /* byte offset in file of start */
    const struct vma_ops *ops;  /* NULL for plain memory and file mappings */
    void *priv;                 /* ops' object */
};

struct mm_space {
    /* Atomic. Every thread of the process holds one (uthread->mm) besides the
     * process's own (pub.mm), so the last one goes only after every thread has
     * switched this CPU off the tables: see mm_put. */
    int refs;
    paddr_t root;               /* PML4 */
    /* The CPUs that have root loaded (bit i: CPU i): set by mm_activate before it
     * loads CR3, cleared after it loads other tables; read by the TLB shoot-down
     * (<osc/tlb.h>). Atomic, with full fences on both sides (see tlb.c). */
    uint64_t cpus;
    /* Rank 20 (docs/locking.md): the VMA list, the page tables below root and the
     * brk fields. A mutex: page-fault handling allocates and may sleep. */
    struct mutex lock;
    struct vma *vmas;
    vaddr_t brk_start, brk;     /* heap: [brk_start, ALIGN_UP(brk)) is a VMA */
    /* mmap searches down from here: USER_MMAP_BASE less exec's random offset
     * (exec.c). Set before the space is live, then constant. */
    vaddr_t mmap_base;
    /* Accounting in pages, written under lock, read without it (atomic loads) by
     * getrusage and /proc: see struct mm_counts. */
    uint64_t rss, hiwater_rss;
    uint64_t total_vm, hiwater_vm, data_vm, stack_vm;
    /* Bumped (under lock) by every fork: a futex waiter that looked its word's
     * frame up before a fork re-checks, since the fork may have made it
     * copy-on-write (kernel/proc/futex.c). Read with atomic loads. */
    uint32_t fork_gen;
};

/* Sizes of an address space in pages, as Linux counts them: rss the present user
 * pages (a page shared copy-on-write or MAP_SHARED counts in every mapper),
 * total_vm every VMA, data_vm private writable VMAs but the stack (RLIMIT_DATA's
 * measure since Linux 4.7), stack_vm the stack; hiwater_*: the peaks so far. */
struct mm_counts {
    uint64_t rss, hiwater_rss, total_vm, hiwater_vm, data_vm, stack_vm;
};
void mm_get_counts(struct mm_space *mm, struct mm_counts *out);         /* lock-free */
/* Bytes of [start, end) that VMAs cover now (what a MAP_FIXED replaces). */
uint64_t mm_mapped_bytes(struct mm_space *mm, vaddr_t start, vaddr_t end);

struct mm_space *mm_create(void);               /* NULL when memory is short */
void mm_get(struct mm_space *mm);
void mm_put(struct mm_space *mm);
/* Loads mm's page tables on this CPU (NULL: the kernel's) and keeps mm->cpus in
 * step; the caller holds a reference on mm for as long as it stays loaded. */
void mm_activate(struct mm_space *mm);

/* The calls below take mm->lock themselves. */
/* Maps [start, end) anonymous with prot, replacing whatever was there (MAP_FIXED). */
int mm_map_fixed(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot, uint32_t flags);
/* The same for a file mapping: [start, end) shows fp's pages from byte off
 * (page-aligned) on, faulted in on demand; takes its own reference on fp. Without
 * VMA_SHARED in flags the pages are copy-on-write: untouched ones keep showing the
 * file, written ones are private copies. page_ref_init must have succeeded. */
int mm_map_file(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot,
                uint32_t flags, struct filepages *fp, uint64_t off);
/* mm_map_file for an object with vma_ops: ops->open runs for the new VMA. */
int mm_map_object(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot,
                  uint32_t flags, struct filepages *fp, uint64_t off,
                  const struct vma_ops *ops, void *priv);
/* shmdt, Linux's rule: unmaps the first ops VMA at or above addr whose offset in
 * its pages equals its distance from addr, and the other VMAs of the same object
 * whose offsets match so and that end within its pages' size from addr. 0, or
 * -EINVAL when there is no such first VMA. */
int mm_detach(struct mm_space *mm, vaddr_t addr, const struct vma_ops *ops);
/* Finds a free page-aligned range of len bytes: at hint if free and clear of the
 * stack's guard gap, else top-down below mm->mmap_base. Returns the address or 0. */
vaddr_t mm_find_free(struct mm_space *mm, vaddr_t hint, size_t len);
int mm_unmap(struct mm_space *mm, vaddr_t start, vaddr_t end);
/* -ENOMEM when part of the range is unmapped; -EACCES for PROT_WRITE on a shared
 * file mapping of a file not open for writing (nothing changes then). */
int mm_protect(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot);
/* msync: -ENOMEM unless [start, end) is wholly mapped; with write (MS_SYNC) the
 * files of the shared mappings there are written back (filepages_sync: a disk
 * file's dirty pages and inode; tmpfs has no backing store): 0 or their error. */
int mm_sync(struct mm_space *mm, vaddr_t start, vaddr_t end, bool write);
/* mremap: resizes the page-aligned [old, old+old_len), which one VMA must cover
 * (-EFAULT). Shrinks and grows in place when it can; otherwise moves (copying the
 * pages) when may_move, else -ENOMEM. fixed (nonzero, not overlapping the old
 * range): always move there. new_len page-aligned and nonzero. The new address goes
 * to *out; 0 or a negative errno. */
int mm_remap(struct mm_space *mm, vaddr_t old, size_t old_len, size_t new_len,
             vaddr_t fixed, bool may_move, vaddr_t *out);
/* Drops the pages of [start, end) so the next touch sees zeroes (MADV_DONTNEED). */
int mm_discard(struct mm_space *mm, vaddr_t start, vaddr_t end);
/* Demand paging and copy-on-write: 0 (retry the access), -EFAULT (SIGSEGV), -EIO
 * (SIGBUS: a shared file page wholly past the end of the file) or -ENOMEM. */
int mm_fault(struct mm_space *mm, vaddr_t addr, bool write, bool exec, bool present);
/* Copies into mm's memory through the direct map (exec: before mm is live). The
 * range must lie in VMAs; pages are allocated as needed. 0 or -EFAULT/-ENOMEM. */
int mm_write(struct mm_space *mm, vaddr_t va, const void *src, size_t len);
/* fork: a copy of mm (VMAs, brk) whose private pages are copy-on-write shared with
 * it; MAP_SHARED areas are populated and shared for real. NULL on out of memory. */
struct mm_space *mm_fork(struct mm_space *mm);
/* The futex side of fork (kernel/proc/futex.c): the user addresses of the words
 * mm's queued futex sleepers wait on; returns how many (only max stored). */
int futex_sleeper_words(struct mm_space *mm, uint64_t *out, int max);
/* The physical address of the user word at addr (futex keys, LESSONS 5), faulting
 * the page in; a writable private page gets its own frame first, so the key stays
 * the same until the page is unmapped. write: the caller will store to the word
 * through the direct map, so the mapping must allow writes (-EFAULT otherwise).
 * 0 or -EFAULT/-ENOMEM. */
int mm_user_phys(struct mm_space *mm, vaddr_t addr, bool write, paddr_t *out);
/* New brk (0: query); returns the resulting break (Linux brk semantics). */
vaddr_t mm_brk(struct mm_space *mm, vaddr_t want);

/* ---- arch: user page tables (kernel/arch/<arch>/user_paging.c); callers hold
 * mm->lock for the tables below root; every change to present entries is flushed
 * from every CPU that has mm loaded (TLB shoot-down) before the call returns ---- */
paddr_t upt_create(void);                       /* PML4 with the kernel half; 0 on OOM */
/* Frees user frames and tables: only once no CPU has root loaded (mm_put). */
void upt_destroy(paddr_t root);
int upt_map(struct mm_space *mm, vaddr_t va, paddr_t pa, uint32_t prot);   /* 0 or -ENOMEM */
/* The same, but copy-on-write: read-only whatever prot says, until a write fault
 * (upt_cow_break) gives va its own copy (private file mappings). */
int upt_map_cow(struct mm_space *mm, vaddr_t va, paddr_t pa, uint32_t prot);
/* Unmaps [start, end); the frames are released after the shoot-down.
 * Returns how many pages were present (RSS accounting). */
size_t upt_unmap_range(struct mm_space *mm, vaddr_t start, vaddr_t end);
void upt_protect_range(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot);
paddr_t upt_translate(struct mm_space *mm, vaddr_t va);        /* frame, or 0 */
/* fork: maps every present page of [start, end) of src into dst too. Private
 * (!shared): both sides become read-only copy-on-write. 0 or -ENOMEM. Caller holds
 * both mm locks' worth of exclusion (src's lock; dst is not live yet). */
int upt_fork_range(struct mm_space *dst, struct mm_space *src, vaddr_t start, vaddr_t end,
                   bool shared);
/* Write fault on a copy-on-write page: copies it (or, when no one else maps it any
 * more, just makes it writable) with prot. 0 (also when the page is already
 * writable: retry), -EFAULT (not CoW) or -ENOMEM. */
int upt_cow_break(struct mm_space *mm, vaddr_t va, uint32_t prot);
void upt_activate(paddr_t root);                /* 0: the kernel's tables */
