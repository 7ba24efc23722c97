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

/* Misses of a multiplexed call's operations (futex), per (number, operation): slots
 * are claimed in order by compare-and-swap on their key and never given back, so a
 * reader walks them without a lock and stops at the first free one. Past the last
 * slot a miss counts as the number's own (the plain line). */
#define OP_MISS_SLOTS 32
#define OP_MISS_USED  (1ull << 63)
static struct { uint64_t key, count; } op_misses[OP_MISS_SLOTS];

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

long syscall_unimplemented_op(uint32_t nr, uint32_t op)
{
    uint64_t want = OP_MISS_USED | (uint64_t)nr << 32 | op;
    for (size_t i = 0; i < OP_MISS_SLOTS; i++) {
        uint64_t key = __atomic_load_n(&op_misses[i].key, __ATOMIC_ACQUIRE);
        if (!key && __atomic_compare_exchange_n(&op_misses[i].key, &key, want, false,
                                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            key = want;
        if (key == want) {
            __atomic_fetch_add(&op_misses[i].count, 1, __ATOMIC_RELAXED);
            log_debug("unimplemented syscall %u operation %u", nr, op);
            return -ENOSYS;
        }
    }
    if (nr < NR_SYSCALLS)
        __atomic_fetch_add(&unimplemented[nr], 1, __ATOMIC_RELAXED);
    return -ENOSYS;
}

bool syscall_unimplemented_op_at(size_t i, uint32_t *nr, uint32_t *op, uint64_t *count)
{
    if (i >= OP_MISS_SLOTS)
        return false;
    uint64_t key = __atomic_load_n(&op_misses[i].key, __ATOMIC_ACQUIRE);
    if (!key)
        return false;
    *nr = (uint32_t)(key >> 32) & 0x7fffffffu;
    *op = (uint32_t)key;
    *count = __atomic_load_n(&op_misses[i].count, __ATOMIC_RELAXED);
    return true;
}

const char *syscall_name(uint32_t nr)
{
    return nr < NR_SYSCALLS && table[nr] ? table[nr]->name : NULL;
}
