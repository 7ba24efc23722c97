/* Kernel thread lifetime: a thread is one 16 KiB block of physical pages with its
 * struct at the top and its stack growing down below it, mapped above an unmapped
 * guard page (kstack.c: an overflow faults there; a canary in the lowest word
 * still catches a write that skipped the guard, at the next switch). A dead thread cannot free the stack
 * it is still running on, so the joiner, or for detached threads the reaper (the
 * idle thread, or the next thread_alloc on its CPU), frees it once the switch away
 * from it has completed. */

#define LOG_TAG "sched"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include "sched_internal.h"

static uint32_t next_thread_id = 1;     /* atomic */
static uint32_t live_threads;           /* atomic: allocated, not freed, idle excluded */

unsigned sched_thread_count(void)
{
    return __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
}

void thread_uncount(void)
{
    __atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
}

struct thread *thread_alloc(const char *name)
{
    /* The idle thread alone would free dead stacks only when this CPU idles: a
     * busy fork loop would pile them up without bound. */
    if (sched_running())
        sched_reap_zombies();
    paddr_t block = pmm_alloc_pages(THREAD_BLOCK_PAGES);
    if (!block)
        return NULL;
    uint8_t *base = kstack_map(block);
    if (!base) {
        pmm_free_pages(block, THREAD_BLOCK_PAGES);
        return NULL;
    }
    size_t struct_size = ALIGN_UP(sizeof(struct thread), 64);
    struct thread *t = (struct thread *)(base + THREAD_BLOCK_PAGES * PAGE_SIZE - struct_size);
    memset(t, 0, sizeof(*t));
    t->block = block;
    t->stack_bottom = (uint64_t *)base;
    *t->stack_bottom = STACK_CANARY;
    t->stack_top = ALIGN_DOWN((uint64_t)t, 16);
    t->id = __atomic_fetch_add(&next_thread_id, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
    strlcpy(t->name, name, sizeof(t->name));
    t->cpu = this_cpu();            /* a hint: sched_make_ready places it */
    t->allowed = ~0ull;
    waitqueue_init(&t->exit_wq);
    return t;
}

void thread_free(struct thread *t)
{
    if (t == thread_current())
        panic("thread '%s' frees its own stack", t->name);
    if (t->block) {     /* the boot thread's stack is static */
        __atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
        paddr_t block = t->block;       /* t itself goes with the mapping */
        kstack_unmap(t->stack_bottom);
        pmm_free_pages(block, THREAD_BLOCK_PAGES);
    }
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
    return thread_create_on(name, fn, arg, ~0ull);
}

struct thread *thread_create_on(const char *name, void (*fn)(void *), void *arg,
                                uint64_t cpus)
{
    if (!sched_running()) {
        log_warn("thread '%s' created before sched_init: refused", name);
        return NULL;
    }
    struct thread *t = thread_alloc(name);
    if (!t) {
        log_warn("no memory for thread '%s'", name);
        return NULL;
    }
    t->saved_sp = arch_thread_init_stack((void *)t->stack_top, fn, arg);
    t->allowed = cpus;
    t->vruntime = thread_current()->vruntime;  /* a new thread does not preempt its maker */
    t->state = THREAD_BLOCKED;      /* not on any list yet */
    log_debug("thread %u '%s' created", t->id, t->name);
    sched_make_ready(t);
    return t;
}

void thread_exit(void)
{
    irq_disable();
    struct runqueue *rq = this_rq();
    spin_lock_irqs_off(&rq->lock);
    this_cpu()->current->state = THREAD_DEAD;
    sched_switch_locked(rq);
    panic("dead thread resumed");
}

void thread_exit_finish(struct thread *t)
{
    unsigned long f = spin_lock_irqsave(&t->exit_wq.lock);
    t->exited = true;
    if (t->detached) {
        struct runqueue *rq = t->cpu->sched_data;
        spin_lock_irqs_off(&rq->lock);
        tq_push_tail(&rq->zombie_head, &rq->zombie_tail, t);
        spin_unlock_irqs_off(&rq->lock);
    } else {
        waitqueue_wake_locked(&t->exit_wq, -1);
    }
    /* Once the lock drops, a joiner may free t: touch nothing of it after this. */
    spin_unlock_irqrestore(&t->exit_wq.lock, f);
}

int thread_join(struct thread *t)
{
    if (!t || t == thread_current())
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&t->exit_wq.lock);
    if (t->joined || t->detached) {
        spin_unlock_irqrestore(&t->exit_wq.lock, f);
        return -EINVAL;
    }
    t->joined = true;
    while (!t->exited)
        waitqueue_sleep_locked(&t->exit_wq, &f);
    spin_unlock_irqrestore(&t->exit_wq.lock, f);
    thread_free(t);
    return 0;
}

int thread_detach(struct thread *t)
{
    if (!t)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&t->exit_wq.lock);
    if (t->joined || t->detached) {
        spin_unlock_irqrestore(&t->exit_wq.lock, f);
        return -EINVAL;
    }
    bool exited = t->exited;
    t->detached = true;
    spin_unlock_irqrestore(&t->exit_wq.lock, f);
    if (exited)
        thread_free(t);
    return 0;
}
