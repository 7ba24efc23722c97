/* Sleeping reader-writer lock (kernel/sched/rwsem.c): many readers or one writer;
 * a waiting writer holds back new readers, so a stream of readers cannot starve it.
 * Not recursive in either mode; never from interrupts or under a spinlock. Its
 * rank (docs/locking.md) is checked like a mutex's in LOCK_DEBUG builds, in both
 * modes. */
#pragma once

#include <osc/sched.h>

struct rwsem {
    struct mutex dep;           /* identity (name, rank) for lock-order checking only */
    struct waitqueue wq;        /* its lock guards the fields below; waiters of both kinds */
    int readers;                /* holders in shared mode */
    int writers_waiting;
    struct thread *writer;      /* the exclusive holder, or NULL */
};

void rwsem_init(struct rwsem *rw, const char *name, uint16_t rank);
void rwsem_down_read(struct rwsem *rw);
void rwsem_up_read(struct rwsem *rw);
void rwsem_down_write(struct rwsem *rw);
void rwsem_up_write(struct rwsem *rw);
