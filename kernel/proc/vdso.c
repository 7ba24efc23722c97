/* The vDSO (built from kernel/arch/x86_64/vdso/, embedded by vdso_image.S) and the
 * vvar page it reads the clock from: both live in page stores made once at boot, so
 * every process maps the same frames, the code copy-on-write, the vvar shared
 * read-only (the kernel writes it through the direct map). */

#define LOG_TAG "process"
#include <osc/arch.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/spinlock.h>
#include <osc/time.h>
#include <osc/vdso.h>
#include <osc/vdso_data.h>
#include <asm/cpufeature.h>

extern const char vdso_image_start[], vdso_image_end[];

static struct filepages *vdso_pages, *vvar_pages;
static uint64_t vdso_len;               /* page-rounded image size; 0: no vDSO */
static struct vdso_data *vvar;          /* the vvar frame through the direct map */
/* Rank 88 (docs/locking.md): serialises writers of the vvar record (readers are
 * user space, under its seqlock). A leaf. */
static spinlock_t vvar_lock = SPINLOCK_INIT("vvar", 88);

void vdso_update_clock(void)
{
    if (!vvar)
        return;
    uint64_t base, mult;
    unsigned shift;
    time_clock_params(&base, &mult, &shift);
    unsigned long f = spin_lock_irqsave(&vvar_lock);
    __atomic_store_n(&vvar->seq, vvar->seq + 1, __ATOMIC_RELEASE);     /* odd: busy */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vvar->tsc_base = base;
    vvar->mult = mult;
    vvar->shift = shift;
    vvar->realtime_offset = time_realtime_offset_ns();
    vvar->clock_mode = mult ? VDSO_CLOCK_TSC : VDSO_CLOCK_NONE;
    vvar->cpu_mode = cpu_has(CPU_FEATURE_RDPID) ? VDSO_CPU_RDPID
                   : cpu_has(CPU_FEATURE_RDTSCP) ? VDSO_CPU_RDTSCP : VDSO_CPU_SYSCALL;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&vvar->seq, vvar->seq + 1, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&vvar_lock, f);
}

void vdso_init(void)
{
    uint64_t len = (uint64_t)(vdso_image_end - vdso_image_start);
    uint64_t padded = ALIGN_UP(len, PAGE_SIZE);
    uint8_t *zero = kzalloc(PAGE_SIZE);
    paddr_t pa = 0;
    bool copied;
    if (page_ref_init() || !zero)
        goto fail;
    vdso_pages = filepages_create();
    vvar_pages = filepages_create();
    if (!vdso_pages || !vvar_pages)
        goto fail;
    /* Written out to whole pages: a private mapping of a partial last page would
     * be copied on every fault (filepages_map's tail check). */
    if (filepages_write(vdso_pages, vdso_image_start, len, 0) != (ssize_t)len ||
        (padded > len && filepages_write(vdso_pages, zero, padded - len, len) !=
                         (ssize_t)(padded - len)) ||
        filepages_write(vvar_pages, zero, PAGE_SIZE, 0) != PAGE_SIZE)
        goto fail;
    /* The frame stays referenced for good: the kernel's own view of the page. */
    if (filepages_map(vvar_pages, 0, false, &pa, &copied))
        goto fail;
    kfree(zero);
    vvar = phys_to_virt(pa);
    vdso_len = padded;
    vdso_update_clock();
    log_info("vDSO: %llu bytes, clock %s, getcpu by %s", (unsigned long long)len,
             vvar->clock_mode == VDSO_CLOCK_TSC ? "TSC" : "syscall",
             vvar->cpu_mode == VDSO_CPU_RDPID ? "RDPID"
             : vvar->cpu_mode == VDSO_CPU_RDTSCP ? "RDTSCP" : "syscall");
    return;
fail:
    kfree(zero);
    if (vdso_pages)
        filepages_put(vdso_pages);
    if (vvar_pages)
        filepages_put(vvar_pages);
    vdso_pages = vvar_pages = NULL;
    log_warn("vDSO: out of memory, processes run without one");
}

vaddr_t vdso_map(struct mm_space *mm)
{
    if (!vdso_len)
        return 0;
    vaddr_t base = mm_find_free(mm, 0, PAGE_SIZE + vdso_len);
    if (!base)
        return 0;
    vaddr_t code = base + PAGE_SIZE;
    if (mm_map_file(mm, base, code, PROT_READ, VMA_SHARED | VMA_VVAR, vvar_pages, 0) ||
        mm_map_file(mm, code, code + vdso_len, PROT_READ | PROT_EXEC, VMA_VDSO, vdso_pages, 0)) {
        mm_unmap(mm, base, code + vdso_len);
        return 0;
    }
    return code;
}
