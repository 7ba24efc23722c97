/* The vDSO and its vvar page (kernel/proc/vdso.c): mapped into every process at
 * exec, found by user space through AT_SYSINFO_EHDR. */
#pragma once

#include <osc/types.h>

struct mm_space;

/* Boot, after the clock and the heap: the image and the vvar page. Without memory
 * for them processes simply run without a vDSO. */
void vdso_init(void);
/* Maps [vvar] (one read-only page) and right above it [vdso] (read+exec) into mm,
 * top-down from its mmap base: the vDSO's address, or 0 when there is none (no
 * AT_SYSINFO_EHDR then). */
vaddr_t vdso_map(struct mm_space *mm);
/* Rewrites the vvar clock record from the kernel's clock under the seqlock (boot;
 * later, whatever steps the clock). */
void vdso_update_clock(void);
