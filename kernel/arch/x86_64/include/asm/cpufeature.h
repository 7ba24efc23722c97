/* CPU features detected once with CPUID on the boot CPU and enabled on every CPU
 * (cpu_features.c). Query with cpu_has(); all of them are optional except long mode. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cpu_feature {
    CPU_FEATURE_SSE,        /* SSE + SSE2 (always on x86_64, but checked) */
    CPU_FEATURE_XSAVE,      /* XSAVE/XRSTOR and XCR0 */
    CPU_FEATURE_AVX,        /* AVX state enabled in XCR0 */
    CPU_FEATURE_NX,         /* no-execute page bit (EFER.NXE) */
    CPU_FEATURE_SMEP,
    CPU_FEATURE_SMAP,
    CPU_FEATURE_PAT,
    CPU_FEATURE_MCE,        /* machine-check exception (CR4.MCE): #MC instead of shutdown */
    CPU_FEATURE_RDTSCP,     /* RDTSCP: TSC and IA32_TSC_AUX (the vDSO's getcpu) */
    CPU_FEATURE_RDPID,      /* RDPID: IA32_TSC_AUX alone */
    CPU_FEATURE_COUNT
};

bool cpu_has(enum cpu_feature f);
const char *cpu_feature_name(enum cpu_feature f);

/* Boot CPU only: runs CPUID and records what the machine has. */
void cpu_features_detect(void);
/* Every CPU: turns the detected features on in CR0/CR4/EFER/XCR0/PAT. */
void cpu_features_enable(void);
/* The control state cpu_features_enable and the rest of per-CPU init leave behind,
 * recorded by each CPU at the end of arch_cpu_init so a test can compare every
 * core with the boot CPU (LESSONS 15). */
struct cpu_control_state {
    uint64_t cr0, cr4, efer, pat, xcr0;
};
void cpu_control_state_read(struct cpu_control_state *st);
const struct cpu_control_state *cpu_control_state_of(unsigned cpu);  /* NULL if never recorded */

/* Writes the names of the present features ("sse xsave nx ...") into buf. */
void cpu_features_describe(char *buf, size_t size);
