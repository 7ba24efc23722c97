/* The system-call table: built at boot from the SYSCALL() entries the linker gathers
 * in .syscalls. Every slot has a handler: numbers nobody implements answer -ENOSYS
 * and count the miss per number (SPEC §2: never silently faked). */

#define LOG_TAG "syscall"
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/panic.h>
#include <osc/syscall.h>

extern const struct syscall_entry _syscalls_start[], _syscalls_end[];

/* Written once by syscall_init on the boot CPU before any user code exists, read-only
 * afterwards; the miss counters are updated atomically. */
static const struct syscall_entry *table[NR_SYSCALLS];
static uint64_t unimplemented[NR_SYSCALLS];
static uint64_t out_of_range;

void syscall_init(void)
{
    size_t n = 0, fallbacks = 0;
    for (const struct syscall_entry *e = _syscalls_start; e < _syscalls_end; e++) {
        if (e->nr >= NR_SYSCALLS)
            panic("syscall %s has number %u beyond the table", e->name, e->nr);
        const struct syscall_entry *old = table[e->nr];
        if (old && !old->fallback && !e->fallback)
            panic("syscall %u defined twice (%s)", e->nr, e->name);
        if (old && !old->fallback)
            continue;           /* a fallback yields to the real one */
        if (old && e->fallback)
            panic("syscall %u has two fallbacks (%s)", e->nr, e->name);
        table[e->nr] = e;
    }
    for (size_t i = 0; i < NR_SYSCALLS; i++) {
        if (table[i]) {
            n++;
            fallbacks += table[i]->fallback;
        }
    }
    log_info("%zu system calls (%zu temporary fallbacks), the rest -ENOSYS", n, fallbacks);
}

long syscall_dispatch(uint64_t nr, struct syscall_args *args)
{
    if (nr >= NR_SYSCALLS) {
        __atomic_fetch_add(&out_of_range, 1, __ATOMIC_RELAXED);
        log_debug("unimplemented syscall %lu (out of range)", nr);
        return -ENOSYS;
    }
    const struct syscall_entry *e = table[nr];
    if (!e) {
        __atomic_fetch_add(&unimplemented[nr], 1, __ATOMIC_RELAXED);
        log_debug("unimplemented syscall %lu (%#lx, %#lx, %#lx)", nr, args->a[0], args->a[1],
                  args->a[2]);
        return -ENOSYS;
    }
    return e->fn(args);
}

uint64_t syscall_unimplemented_count(uint32_t nr)
{
    if (nr >= NR_SYSCALLS)
        return __atomic_load_n(&out_of_range, __ATOMIC_RELAXED);
    return __atomic_load_n(&unimplemented[nr], __ATOMIC_RELAXED);
}

const char *syscall_name(uint32_t nr)
{
    return nr < NR_SYSCALLS && table[nr] ? table[nr]->name : NULL;
}
