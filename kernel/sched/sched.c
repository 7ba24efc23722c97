/* The scheduler core: one run queue per CPU (the highest-ranked ready thread runs:
 * real-time by priority, then normal threads round-robin with nice-weighted
 * slices, then SCHED_IDLE ones), the sleep list, the idle thread, time slices from
 * the timer tick and the switch on interrupt exit. Where a thread runs is
 * balance.c's choice; this file makes it happen without two CPUs ever running
 * one stack (on_cpu) and without a lost wake-up (the target's lock, then its IPI).
 * Invariant: a thread's state and list membership change only under the run-queue
 * lock of its CPU, or under a wait-queue lock while the thread is BLOCKED. */

#define LOG_TAG "sched"
#include <osc/arch.h>
#include <osc/context.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/smp.h>
#include <osc/time.h>
#include <asm/segment.h>
#include "sched_internal.h"

#define BOOT_STACK_SIZE 16384   /* boot.S */
#define BALANCE_TICKS   4       /* a busy CPU looks for a long queue every 16 ms */
/* Wake-up preemption (CFS's numbers): a sleeper is credited up to half of a 6 ms
 * latency period, and preempts when it is more than 1 ms of weighted run time
 * behind the running thread, so two threads waking each other do not thrash. */
#define SLEEPER_CREDIT_NS  3000000ull
#define WAKEUP_GRAN_NS     1000000ull

static struct runqueue runqueues[MAX_CPUS];
static struct thread boot_thread;   /* the boot flow, "kmain"; never freed */
extern char boot_stack_top[];

/* Before sched_init the boot flow is already the thread it will become ("kmain"),
 * so early code may use uncontended mutexes. */
struct thread *thread_current(void)
{
    struct thread *t = this_cpu_current();
    return t ? t : &boot_thread;
}

struct runqueue *thread_rq_lock(struct thread *t, unsigned long *flags)
{
    for (;;) {
        struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        struct runqueue *rq = c->sched_data;
        *flags = spin_lock_irqsave(&rq->lock);
        if (__atomic_load_n(&t->cpu, __ATOMIC_RELAXED) == c)
            return rq;
        spin_unlock_irqrestore(&rq->lock, *flags);      /* moved meanwhile */
    }
}

void sched_resched_cpu_locked(struct cpu *c)
{
    if (c == this_cpu()) {
        c->need_resched = true;
        return;
    }
    /* Set under c's run-queue lock, which c's switch also holds while it clears
     * the flag: when it is already set, c has not picked its next thread yet and
     * will see what the caller just queued; no second IPI needed. */
    if (__atomic_exchange_n(&c->need_resched, true, __ATOMIC_SEQ_CST))
        return;
    smp_send_reschedule(c->id);
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
    bool relocate = prev->relocate;
    prev->relocate = false;
    /* prev's stack is free from here: a waker spinning on on_cpu may move it. */
    __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
    spin_unlock_irqs_off(&this_rq()->lock);
    if (relocate)
        sched_make_ready(prev);         /* to a CPU its affinity allows */
    if (dead)
        thread_exit_finish(prev);
}

/* Run time scaled by the thread's share: a nice -5 thread's slice is twice as
 * long, so its time counts half. */
static uint64_t vruntime_delta(const struct thread *t, uint64_t ns)
{
    unsigned slice = sched_slice_ticks(t);
    return slice ? ns * SCHED_SLICE_TICKS / slice : ns;
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

    if (prev->state == THREAD_READY && prev != c->idle) {
        if (__atomic_load_n(&prev->allowed, __ATOMIC_RELAXED) & cpu_bit(c)) {
            rq_ready_push(rq, prev);
        } else {
            prev->state = THREAD_BLOCKED;       /* on no list until placed again */
            prev->relocate = true;
        }
    }
    struct thread *next = rq_ready_pop_best(rq);
    if (!next)
        next = c->idle;
    c->need_resched = false;
    next->slice_left = sched_slice_ticks(next);
    if (next == prev) {         /* never a relocating one: that one is on no list */
        prev->state = THREAD_RUNNING;
        spin_unlock_irqs_off(&rq->lock);
        return;
    }
    if (prev->state == THREAD_READY || prev->relocate)
        prev->nivcsw++;         /* preempted or yielded */
    else
        prev->nvcsw++;          /* went to sleep (or exited) */
    next->state = THREAD_RUNNING;
    next->on_cpu = true;
    c->current = next;
    rq->switches++;
    uint64_t now = time_ns();           /* CPU time: prev's stint ends, next's begins */
    prev->run_ns += now - prev->run_start;
    prev->vruntime += vruntime_delta(prev, now - prev->run_start);
    next->run_start = now;
    if (next != c->idle && next->vruntime > rq->min_vruntime)
        rq->min_vruntime = next->vruntime;
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

void sched_wake_preempt_locked(struct runqueue *rq, struct thread *t)
{
    struct cpu *c = t->cpu;
    uint64_t floor = rq->min_vruntime > SLEEPER_CREDIT_NS ? rq->min_vruntime - SLEEPER_CREDIT_NS : 0;
    if (t->vruntime < floor)
        t->vruntime = floor;
    struct thread *cur = __atomic_load_n(&c->current, __ATOMIC_RELAXED);
    if (cur != c->idle && t->policy == SCHED_OTHER && cur->policy != SCHED_FIFO &&
        sched_rank(t) == sched_rank(cur)) {
        uint64_t cur_v = cur->vruntime + vruntime_delta(cur, time_ns() - cur->run_start);
        if (cur_v > t->vruntime + WAKEUP_GRAN_NS && rq_ready_remove(rq, t)) {
            /* First among its equals, and the running thread gives way. */
            t->next = rq->ready_head;
            rq->ready_head = t;
            if (!rq->ready_tail)
                rq->ready_tail = t;
            __atomic_store_n(&rq->nr_ready, rq->nr_ready + 1, __ATOMIC_RELAXED);
            sched_resched_cpu_locked(c);
            return;
        }
    }
    sched_preempt_check_locked(t);
}

void sched_preempt_check_locked(struct thread *t)
{
    struct cpu *c = t->cpu;
    struct thread *cur = __atomic_load_n(&c->current, __ATOMIC_RELAXED);
    if (cur == c->idle || sched_rank(t) > sched_rank(cur))
        sched_resched_cpu_locked(c);
}

void sched_kick(struct thread *t)
{
    struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
    if (c != this_cpu() && __atomic_load_n(&c->current, __ATOMIC_RELAXED) == t)
        smp_send_reschedule(c->id);
}

void sched_make_ready(struct thread *t)
{
    /* t may have gone to sleep on another CPU that has not finished switching
     * away from it (the sleeper holds that CPU's run-queue lock until then, but
     * placement may pick a different queue): wait until its stack is free. The
     * window is a few instructions of a switch with interrupts off. */
    while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        cpu_relax();
    struct cpu *c = sched_select_cpu(t);
    struct runqueue *rq = c->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    __atomic_store_n(&t->cpu, c, __ATOMIC_RELEASE);
    t->state = THREAD_READY;
    rq_ready_push(rq, t);
    sched_wake_preempt_locked(rq, t);
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_yield(void)
{
    unsigned long f = irq_save();       /* pins us to this CPU until the switch */
    struct runqueue *rq = this_rq();
    spin_lock_irqs_off(&rq->lock);
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
    unsigned long f = irq_save();
    struct runqueue *rq = this_rq();
    spin_lock_irqs_off(&rq->lock);
    struct thread *cur = this_cpu()->current;
    uint64_t now = time_ns();
    cur->wake_at = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    cur->state = THREAD_SLEEPING;
    sched_sleep_insert_locked(rq, cur);
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
    sched_sleep_insert_locked(rq, cur);
    spin_unlock_irqs_off(held);
    sched_switch_locked(rq);
    rq = this_rq();                     /* woken, perhaps on another CPU */
    spin_lock_irqs_off(&rq->lock);
    cur->intr_sleep = false;
    spin_unlock_irqs_off(&rq->lock);
    spin_lock_irqs_off(held);
}

bool sched_end_sleep(struct thread *t, bool only_interruptible)
{
    unsigned long f;
    struct runqueue *rq = thread_rq_lock(t, &f);
    bool sleeping = t->state == THREAD_SLEEPING && (!only_interruptible || t->intr_sleep) &&
                    tq_remove(&rq->sleep_head, &rq->sleep_tail, t);
    if (sleeping)
        t->state = THREAD_BLOCKED;      /* on no list: placed below, maybe elsewhere */
    spin_unlock_irqrestore(&rq->lock, f);
    if (sleeping)
        sched_make_ready(t);
    return sleeping;
}

bool sched_wake_sleeping(struct thread *t)
{
    return sched_end_sleep(t, false);
}

/* Readies rq's expired sleepers; returns those whose affinity no longer allows
 * this CPU (on no list: the caller places them once rq is unlocked). */
static struct thread *wake_expired_locked(struct runqueue *rq, struct cpu *c)
{
    uint64_t now = time_ns();
    struct thread *t, *moving = NULL;
    while ((t = tq_pop_expired(&rq->sleep_head, &rq->sleep_tail, now))) {
        if (__atomic_load_n(&t->allowed, __ATOMIC_RELAXED) & cpu_bit(c)) {
            t->state = THREAD_READY;
            rq_ready_push(rq, t);
            sched_wake_preempt_locked(rq, t);
        } else {
            t->state = THREAD_BLOCKED;  /* its affinity changed while it slept */
            t->next = moving;
            moving = t;
        }
    }
    return moving;
}

static void place_moving(struct thread *moving)
{
    while (moving) {
        struct thread *t = moving;
        moving = t->next;
        sched_make_ready(t);
    }
}

/* Only this CPU adds sleepers to its list (interrupts off): the head read under
 * the lock stays the earliest until the caller has loaded the timer. */
static uint64_t next_sleeper_locked(const struct runqueue *rq)
{
    return rq->sleep_head ? rq->sleep_head->wake_at : UINT64_MAX;
}

void sched_sleep_insert_locked(struct runqueue *rq, struct thread *t)
{
    tq_insert_by_deadline(&rq->sleep_head, &rq->sleep_tail, t);
    arch_timer_wake_at(t->wake_at);
}

uint64_t sched_tick_sleepers(void)
{
    struct cpu *c = this_cpu();
    struct runqueue *rq = __atomic_load_n(&c->sched_data, __ATOMIC_ACQUIRE);
    if (!rq)
        return UINT64_MAX;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    struct thread *moving = wake_expired_locked(rq, c);
    uint64_t next = next_sleeper_locked(rq);
    spin_unlock_irqrestore(&rq->lock, f);
    place_moving(moving);
    return next;
}

uint64_t sched_tick(bool user)
{
    struct cpu *c = this_cpu();
    struct runqueue *rq = __atomic_load_n(&c->sched_data, __ATOMIC_ACQUIRE);
    if (!rq)
        return UINT64_MAX;      /* the timer may start before sched_init */
    unsigned long f = spin_lock_irqsave(&rq->lock);
    struct thread *moving = wake_expired_locked(rq, c);
    uint64_t next = next_sleeper_locked(rq);
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
    bool idle_now = cur == c->idle && !rq->ready_head;
    unsigned waiting = rq->nr_ready;
    spin_unlock_irqrestore(&rq->lock, f);
    place_moving(moving);
    /* Idle CPUs pull in their idle loop after every interrupt; a busy CPU with
     * nothing waiting also takes from a CPU with two or more waiting, now and then,
     * so a queue does not stay long while a CPU could share it. */
    uint64_t ticks = rq->user_ticks + rq->sys_ticks + rq->idle_ticks;
    if (!idle_now && waiting == 0 && ticks % BALANCE_TICKS == 0)
        sched_pull(2);
    return next;
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
    this_cpu_preempt_inc();
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void preempt_enable(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    /* Still pinned here (count > 0): this CPU's fields are ours to read. */
    struct cpu *c = this_cpu();
    if (c->preempt_count <= 0)
        panic("preempt_enable without preempt_disable");
    this_cpu_preempt_dec();
    if (c->preempt_count == 0 && c->need_resched && irq_enabled())
        sched_yield();
}

void sched_reap_zombies(void)
{
    for (;;) {
        unsigned long f = irq_save();
        struct runqueue *rq = this_rq();
        spin_lock_irqs_off(&rq->lock);
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
    struct runqueue *rq = this_rq();        /* the idle thread never moves */
    for (;;) {
        sched_reap_zombies();
        unsigned long f = spin_lock_irqsave(&rq->lock);
        bool ready = rq->ready_head != NULL;
        spin_unlock_irqs_off(&rq->lock);
        if (!ready)
            ready = sched_pull(1);
        if (ready) {
            irq_restore(f);
            sched_yield();
        } else {
            /* The timer is loaded for the earliest sleeper already
             * (sched_sleep_insert_locked, timer_interrupt). */
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
    b->on_cpu = true;
    b->allowed = ~0ull;
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
    thread_uncount();
    idle->saved_sp = arch_thread_init_stack((void *)idle->stack_top, sched_idle_loop, NULL);
    idle->state = THREAD_READY;
    idle->allowed = cpu_bit(c);
    c->idle = idle;

    arch_set_kernel_stack(b->stack_top);
    __atomic_store_n(&c->sched_data, rq, __ATOMIC_RELEASE);
    sched_mark_online(c);
    /* From here on the boot flow is an ordinary preemptible thread. */
    irq_enable();
    log_info("scheduler ready (round-robin, %d Hz tick)", TIMER_HZ);
}

uint64_t sched_prepare_cpu(uint32_t id)
{
    if (id == 0 || id >= MAX_CPUS)
        return 0;
    struct cpu *c = &cpus[id];
    struct runqueue *rq = &runqueues[id];
    memset(rq, 0, sizeof(*rq));
    spin_init(&rq->lock, "runqueue", RANK_RUNQUEUE);
    char name[THREAD_NAME_MAX];
    ksnprintf(name, sizeof(name), "idle/%u", id);
    struct thread *idle = thread_alloc(name);
    if (!idle)
        return 0;
    thread_uncount();
    /* The AP starts on this stack and becomes this thread (as the boot flow
     * becomes kmain): thread_current() names it from the AP's first instruction. */
    idle->cpu = c;
    idle->allowed = cpu_bit(c);
    idle->state = THREAD_RUNNING;
    idle->on_cpu = true;
    c->idle = idle;
    c->current = idle;
    return idle->stack_top;
}

void sched_unprepare_cpu(uint32_t id)
{
    struct cpu *c = &cpus[id];
    if (c->idle && c->idle->block) {                            /* never counted */
        paddr_t block = c->idle->block;
        kstack_unmap(c->idle->stack_bottom);
        pmm_free_pages(block, THREAD_BLOCK_PAGES);
    }
    c->idle = c->current = NULL;
}

__noreturn void sched_start_ap(void)
{
    struct cpu *c = this_cpu();
    struct thread *idle = c->idle;
    struct runqueue *rq = &runqueues[c->id];
    idle->run_start = time_ns();
    idle->slice_left = sched_slice_ticks(idle);
    arch_set_kernel_stack(idle->stack_top);
    /* The interrupt exit hooks act once the run queue is published; other CPUs
     * place threads here once the online bit is set (after it: they read the
     * queue). */
    __atomic_store_n(&c->sched_data, rq, __ATOMIC_RELEASE);
    sched_mark_online(c);
    irq_enable();
    sched_idle_loop(NULL);
    panic("idle loop returned");
}
