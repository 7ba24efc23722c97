/* The contended spinlock path: spins until the lock is free, and turns a lock
 * that never comes free into a panic naming it, since nothing else would run. */

#include <osc/panic.h>
#include <osc/spinlock.h>
#include <osc/time.h>

/* Reading the clock every spin would slow the hand-over; every 2^14 spins is
 * well under a millisecond even under emulation. */
#define SPINS_PER_CLOCK_CHECK (1u << 14)

void spin_lock_contended(struct spinlock *l)
{
    uint64_t start = 0;
    unsigned spins = 0;
    while (!spin_trylock_raw(l)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
            cpu_relax();
            if (++spins % SPINS_PER_CLOCK_CHECK)
                continue;
            uint64_t now = time_ns();
            if (!start)
                start = now;
            else if (now - start > SPIN_STALL_NS)
                /* The name is not printed: a lock in freed memory has none. */
                panic("spinlock at %p (rank %u) still taken after %llu s: a lost "
                      "unlock or a lock in freed memory", (void *)l, (unsigned)l->rank,
                      SPIN_STALL_NS / 1000000000ull);
        }
    }
}

/* `fault=spin` (test-only): a lock taken twice on one CPU, the simplest lost
 * unlock; the contended path must end it in a panic. */
void spin_inject_deadlock(void)
{
    static spinlock_t lock = SPINLOCK_INIT("fault_spin", 1);
    unsigned long f = irq_save();
    spin_lock_raw(&lock);
    spin_lock_raw(&lock);
    irq_restore(f);
}
