/* Home cores (SPEC §4 sched): an app process runs on an application core of its
 * own, the least loaded one when it is marked, so a busy or crashing app cannot
 * stall the desktop; the system processes (init, the shell and the services init
 * marks) stay on the boot CPU; every other process goes where the scheduler puts
 * it. A role is set with prctl(PR_OSC_SET_ROLE) and is a default affinity, not a
 * cage: sched_setaffinity still changes it afterwards, as on Linux. */

#include <osc/errno.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include "proc_internal.h"

/* Live app processes homed on each CPU (atomic; placement only reads them). */
static unsigned apps_on[MAX_CPUS];

/* The online CPU other than the boot CPU with the fewest apps (the lowest id among
 * equals); the boot CPU when it is the only one. */
static int pick_home(void)
{
    uint64_t online = sched_online_mask() & ~1ull;
    int best = 0;
    for (uint64_t m = online; m; m &= m - 1) {
        int id = __builtin_ctzll(m);
        if (best == 0 || __atomic_load_n(&apps_on[id], __ATOMIC_RELAXED) <
                             __atomic_load_n(&apps_on[best], __ATOMIC_RELAXED))
            best = id;
    }
    return best;
}

static void home_release(struct pcb *pc)
{
    if (pc->role == PROC_ROLE_APP && pc->home >= 0)
        __atomic_fetch_sub(&apps_on[pc->home], 1, __ATOMIC_RELAXED);
}

static void home_take(struct pcb *pc)
{
    if (pc->role == PROC_ROLE_APP && pc->home >= 0)
        __atomic_fetch_add(&apps_on[pc->home], 1, __ATOMIC_RELAXED);
}

static uint64_t role_mask(const struct pcb *pc)
{
    return pc->home >= 0 ? 1ull << pc->home : ~0ull;
}

long home_core_set_role(struct pcb *pc, int role)
{
    if (role != PROC_ROLE_NORMAL && role != PROC_ROLE_SYSTEM && role != PROC_ROLE_APP)
        return -EINVAL;
    if (role == PROC_ROLE_SYSTEM && !proc_privileged(&pc->pub))
        return -EPERM;
    unsigned long f = proc_table_lock();
    home_release(pc);
    pc->role = role;
    pc->home = role == PROC_ROLE_APP ? pick_home() : role == PROC_ROLE_SYSTEM ? 0 : -1;
    home_take(pc);
    for (struct uthread *u = pc->threads; u; u = u->next_thread)
        sched_thread_set_affinity(u->thread, role_mask(pc));
    proc_table_unlock(f);
    sched_preempt_point();      /* off a CPU the new mask excludes, now */
    return 0;
}

void home_core_fork(struct pcb *child, const struct pcb *parent, struct thread *t)
{
    /* What a system process starts is an ordinary program (a command the shell
     * runs); an app's children are part of the app and share its core. */
    if (parent->role == PROC_ROLE_SYSTEM) {
        child->role = PROC_ROLE_NORMAL;
        child->home = -1;
        sched_thread_set_affinity(t, ~0ull);
    } else {
        child->role = parent->role;
        child->home = parent->home;
        home_take(child);
    }
}

void home_core_init(struct pcb *pc)
{
    pc->role = PROC_ROLE_NORMAL;
    pc->home = -1;
}

void home_core_exit(struct pcb *pc)
{
    home_release(pc);
    pc->role = PROC_ROLE_NORMAL;
    pc->home = -1;
}
