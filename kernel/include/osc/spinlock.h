/* Spinlocks that disable interrupts on the holding CPU while held (an interrupt
 * handler taking the same lock would otherwise deadlock). Not recursive (LESSONS 2).
 * Each lock names its rank in docs/locking.md; debug builds (-DLOCK_DEBUG) check
 * that a CPU takes locks in increasing rank order. */
#pragma once

#include <osc/arch.h>
#include <osc/types.h>

struct spinlock {
    volatile uint32_t locked;
    uint16_t rank;          /* position in docs/locking.md; higher = taken later */
    const char *name;
};
typedef struct spinlock spinlock_t;

#define SPINLOCK_INIT(n, r) { .locked = 0, .rank = (r), .name = (n) }

#ifdef LOCK_DEBUG
void lockdep_acquire(struct spinlock *l);
void lockdep_release(struct spinlock *l);
/* True when taking l now would break the order on this CPU (what lockdep_acquire
 * panics on); lets tests exercise the checker without panicking. */
bool lockdep_would_violate(const struct spinlock *l);
#else
static inline void lockdep_acquire(struct spinlock *l) { (void)l; }
static inline void lockdep_release(struct spinlock *l) { (void)l; }
#endif

static inline void spin_init(struct spinlock *l, const char *name, uint16_t rank)
{
    l->locked = 0;
    l->rank = rank;
    l->name = name;
}

static inline bool spin_trylock_raw(struct spinlock *l)
{
    return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

/* The contended path, out of line (kernel/sched/spin_stall.c): it spins, and a
 * lock still taken after SPIN_STALL_NS is a kernel bug (a lost unlock, or a lock
 * word in freed memory), reported as a panic with a backtrace rather than a
 * machine frozen with interrupts off. */
#define SPIN_STALL_NS (20ull * 1000 * 1000 * 1000)
void spin_lock_contended(struct spinlock *l);
void spin_inject_deadlock(void);    /* `fault=spin`: the panic above, on purpose */

static inline void spin_lock_raw(struct spinlock *l)
{
    if (!spin_trylock_raw(l))
        spin_lock_contended(l);
}

static inline void spin_unlock_raw(struct spinlock *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* The normal interface: save and disable interrupts, then take the lock. */
static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
    unsigned long flags = irq_save();
    lockdep_acquire(l);
    spin_lock_raw(l);
    return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
    spin_unlock_raw(l);
    lockdep_release(l);
    irq_restore(flags);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
    return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}
