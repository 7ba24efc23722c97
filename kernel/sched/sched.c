/* The scheduler core: one run queue per CPU (the highest-ranked ready thread runs:
 * real-time by priority, then normal threads round-robin with nice-weighted
 * slices, then SCHED_IDLE ones), the sleep list, the idle thread, time slices from
 * the timer tick and the switch on interrupt exit.
 * Invariant: a thread's state and list membership change only under the run-queue
 * lock of its CPU, or under a wait-queue lock while the thread is BLOCKED. */

#define LOG_TAG "sched"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/panic.h>
#include <osc/time.h>
#include <asm/segment.h>
#include "sched_internal.h"

#define BOOT_STACK_SIZE 16384   /* boot.S */

static struct runqueue runqueues[MAX_CPUS];
static struct thread boot_thread;   /* the boot flow, "kmain"; never freed */
extern char boot_stack_top[];

/* Before sched_init the boot flow is already the thread it will become ("kmain"),
 * so early code may use uncontended mutexes. */
struct thread *thread_current(void)
{
    struct thread *t = this_cpu()->current;
    return t ? t : &boot_thread;
}

bool sched_running(void)
{
    return __atomic_load_n(&this_cpu()->sched_data, __ATOMIC_ACQUIRE) != NULL;
}

const char *thread_name(const struct thread *t)
{
    return t->name;
}

static void sched_check_canary(const struct thread *t)
{
    if (t->stack_bottom && *t->stack_bottom != STACK_CANARY)
        panic("kernel stack overflow in thread '%s'", t->name);
}

/* Runs on the resumed thread right after arch_context_switch. Caller-visible
 * contract of sched_switch_locked: the run-queue lock is dropped here. */
static void sched_finish_switch(struct thread *prev)
{
    bool dead = prev->state == THREAD_DEAD;
    spin_unlock_irqs_off(&this_rq()->lock);
    if (dead)
        thread_exit_finish(prev);
}

void sched_switch_locked(struct runqueue *rq)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    if (c->preempt_count != 0)
        panic("thread '%s' switches away with preemption disabled (%d)", prev->name,
              c->preempt_count);
#ifdef LOCK_DEBUG
    if (c->lock_depth != 1)
        panic("thread '%s' switches away holding %u spinlocks besides the run queue",
              prev->name, c->lock_depth - 1);
#endif
    sched_check_canary(prev);

    if (prev->state == THREAD_READY && prev != c->idle)
        tq_push_tail(&rq->ready_head, &rq->ready_tail, prev);
    struct thread *next = tq_pop_best(&rq->ready_head, &rq->ready_tail);
    if (!next)
        next = c->idle;
    c->need_resched = false;
    next->slice_left = sched_slice_ticks(next);
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        spin_unlock_irqs_off(&rq->lock);
        return;
    }
    if (prev->state == THREAD_READY)
        prev->nivcsw++;         /* preempted or yielded */
    else
        prev->nvcsw++;          /* went to sleep (or exited) */
    next->state = THREAD_RUNNING;
    c->current = next;
    rq->switches++;
    uint64_t now = time_ns();           /* CPU time: prev's stint ends, next's begins */
    prev->run_ns += now - prev->run_start;
    next->run_start = now;
    arch_set_kernel_stack(next->stack_top);
    proc_thread_switch(prev, next);
    arch_fpu_switch(prev->fpu_area, next->fpu_area);
    uint64_t *prev_slot = arch_context_switch(&prev->saved_sp, next->saved_sp);
    sched_finish_switch(container_of(prev_slot, struct thread, saved_sp));
}

void sched_thread_start(uint64_t *prev_slot, void (*fn)(void *), void *arg)
{
    sched_finish_switch(container_of(prev_slot, struct thread, saved_sp));
    irq_enable();
    fn(arg);
    thread_exit();
}

void sched_preempt_check_locked(struct thread *t)
{
    /* Another CPU's current thread will need a reschedule IPI once there are
     * other CPUs. */
    struct thread *cur = this_cpu()->current;
    if (t->cpu == this_cpu() && (cur == this_cpu()->idle || sched_rank(t) > sched_rank(cur)))
        this_cpu()->need_resched = true;
}

void sched_make_ready(struct thread *t)
{
    struct runqueue *rq = t->cpu->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    t->state = THREAD_READY;
    tq_push_tail(&rq->ready_head, &rq->ready_tail, t);
    sched_preempt_check_locked(t);
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_yield(void)
{
    struct runqueue *rq = this_rq();
    unsigned long f = spin_lock_irqsave(&rq->lock);
    this_cpu()->current->state = THREAD_READY;
    sched_switch_locked(rq);
    irq_restore(f);
}

void thread_sleep_ns(uint64_t ns)
{
    if (ns == 0) {
        sched_yield();
        return;
    }
    struct runqueue *rq = this_rq();
    unsigned long f = spin_lock_irqsave(&rq->lock);
    struct thread *cur = this_cpu()->current;
    uint64_t now = time_ns();
    cur->wake_at = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    cur->state = THREAD_SLEEPING;
    tq_insert_by_deadline(&rq->sleep_head, &rq->sleep_tail, cur);
    sched_switch_locked(rq);
    irq_restore(f);
}

void thread_sleep_until_locked(struct spinlock *held, uint64_t deadline)
{
    struct runqueue *rq = this_rq();
    struct thread *cur = this_cpu()->current;
    spin_lock_irqs_off(&rq->lock);
    cur->wake_at = deadline;
    cur->intr_sleep = true;             /* sched_signal_wake may end it */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (signal_pending_current()) {
        cur->intr_sleep = false;
        spin_unlock_irqs_off(&rq->lock);
        return;                         /* held is still taken */
    }
    cur->state = THREAD_SLEEPING;
    tq_insert_by_deadline(&rq->sleep_head, &rq->sleep_tail, cur);
    spin_unlock_irqs_off(held);
    sched_switch_locked(rq);
    spin_lock_irqs_off(&rq->lock);
    cur->intr_sleep = false;
    spin_unlock_irqs_off(&rq->lock);
    spin_lock_irqs_off(held);
}

bool sched_wake_sleeping(struct thread *t)
{
    struct runqueue *rq = t->cpu->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    bool sleeping = t->state == THREAD_SLEEPING &&
                    tq_remove(&rq->sleep_head, &rq->sleep_tail, t);
    if (sleeping) {
        t->state = THREAD_READY;
        tq_push_tail(&rq->ready_head, &rq->ready_tail, t);
        sched_preempt_check_locked(t);
    }
    spin_unlock_irqrestore(&rq->lock, f);
    return sleeping;
}

void sched_tick(bool user)
{
    struct cpu *c = this_cpu();
    struct runqueue *rq = __atomic_load_n(&c->sched_data, __ATOMIC_ACQUIRE);
    if (!rq)
        return;     /* the timer may start before sched_init */
    unsigned long f = spin_lock_irqsave(&rq->lock);
    uint64_t now = time_ns();
    struct thread *t;
    while ((t = tq_pop_expired(&rq->sleep_head, &rq->sleep_tail, now))) {
        t->state = THREAD_READY;
        tq_push_tail(&rq->ready_head, &rq->ready_tail, t);
        sched_preempt_check_locked(t);
    }
    struct thread *cur = c->current;
    if (cur == c->idle) {
        rq->idle_ticks++;
    } else if (user) {
        cur->user_ticks++;
        rq->user_ticks++;
    } else {
        cur->sys_ticks++;
        rq->sys_ticks++;
    }
    sched_load_tick(rq, c == &cpus[0]);
    if (cur == c->idle) {
        if (rq->ready_head)
            c->need_resched = true;
    } else if (cur->policy == SCHED_FIFO) {
        /* Never sliced: runs until it sleeps, yields or is outranked. */
    } else if (cur->slice_left <= 1) {
        /* Slice used up: give way if a thread of the same rank (or better) waits,
         * else start a new one. */
        bool peer = false;
        for (struct thread *r = rq->ready_head; r && !peer; r = r->next)
            peer = sched_rank(r) >= sched_rank(cur);
        if (peer)
            c->need_resched = true;
        else
            cur->slice_left = sched_slice_ticks(cur);
    } else {
        cur->slice_left--;
    }
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_irq_exit(void)
{
    struct cpu *c = this_cpu();
    struct runqueue *rq = __atomic_load_n(&c->sched_data, __ATOMIC_ACQUIRE);
    if (!rq || !c->need_resched || c->preempt_count != 0)
        return;
    /* Interrupts are off (interrupt context); the frame of the interrupted code
     * stays on this thread's stack until it is switched back in and IRETs. */
    spin_lock_irqs_off(&rq->lock);
    c->current->state = THREAD_READY;
    sched_switch_locked(rq);
}

void sched_preempt_point(void)
{
    struct cpu *c = this_cpu();
    if (c->need_resched && c->preempt_count == 0 && irq_enabled() && sched_running())
        sched_yield();
}

void preempt_disable(void)
{
    this_cpu()->preempt_count++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void preempt_enable(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    struct cpu *c = this_cpu();
    if (c->preempt_count <= 0)
        panic("preempt_enable without preempt_disable");
    if (--c->preempt_count == 0 && c->need_resched && irq_enabled())
        sched_yield();
}

void sched_reap_zombies(void)
{
    struct runqueue *rq = this_rq();
    for (;;) {
        unsigned long f = spin_lock_irqsave(&rq->lock);
        struct thread *z = tq_pop_head(&rq->zombie_head, &rq->zombie_tail);
        spin_unlock_irqrestore(&rq->lock, f);
        if (!z)
            return;
        thread_free(z);
    }
}

/* The idle thread: frees detached dead threads, then halts with interrupts on
 * until an interrupt makes something runnable (sched_irq_exit switches away). */
static void sched_idle_loop(void *arg)
{
    (void)arg;
    struct runqueue *rq = this_rq();
    for (;;) {
        sched_reap_zombies();
        unsigned long f = spin_lock_irqsave(&rq->lock);
        bool ready = rq->ready_head != NULL;
        spin_unlock_irqs_off(&rq->lock);
        if (ready) {
            irq_restore(f);
            sched_yield();
        } else {
            arch_wait_for_interrupt();      /* sti; hlt: no wake-up lost in between */
        }
    }
}

void sched_init(void)
{
    struct cpu *c = this_cpu();
    struct runqueue *rq = &runqueues[c->id];
    spin_init(&rq->lock, "runqueue", RANK_RUNQUEUE);

    struct thread *b = &boot_thread;
    strlcpy(b->name, "kmain", sizeof(b->name));
    b->state = THREAD_RUNNING;
    b->cpu = c;
    b->stack_top = (uint64_t)boot_stack_top;
    b->stack_bottom = (uint64_t *)((uint64_t)boot_stack_top - BOOT_STACK_SIZE);
    *b->stack_bottom = STACK_CANARY;
    b->slice_left = sched_slice_ticks(b);
    b->run_start = time_ns();
    waitqueue_init(&b->exit_wq);
    c->current = b;

    struct thread *idle = thread_alloc("idle");
    if (!idle)
        panic("no memory for the idle thread");
    idle->saved_sp = arch_thread_init_stack((void *)idle->stack_top, sched_idle_loop, NULL);
    idle->state = THREAD_READY;
    c->idle = idle;

    arch_set_kernel_stack(b->stack_top);
    __atomic_store_n(&c->sched_data, rq, __ATOMIC_RELEASE);
    /* From here on the boot flow is an ordinary preemptible thread. */
    irq_enable();
    log_info("scheduler ready (round-robin, %d Hz tick)", TIMER_HZ);
}
