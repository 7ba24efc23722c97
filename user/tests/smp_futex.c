/* SMP stress: wake-ups across CPUs. Two threads pinned to different CPUs play
 * ping-pong through a raw futex and through a pthread condition variable; a group
 * of threads spread over every CPU is woken together many times. Every wait is
 * bounded (5 s), so a lost wake-up is a failed check, never a hang. Each pinned
 * thread checks that getcpu (the syscall) and sched_getcpu (libc: rseq or vDSO
 * or the syscall) both name its CPU. With one usable CPU the same logic runs
 * without the cross-CPU checks (a note says so). Rounds: FUTEX_ROUNDS +
 * COND_ROUNDS = 10^5 (~10 s at -smp 2 under TCG on a quiet host). On a loaded host a cross-CPU wake-up of a halted vCPU can take
 * milliseconds, so each game also stops after GAME_BUDGET_S, when player 0 ends it
 * at a round boundary; it must still have played MIN_ROUNDS (a generous bound). */
#define _GNU_SOURCE
#include "testlib.h"
#include "smp_cpus.h"

#include <limits.h>
#include <stdatomic.h>
#include <time.h>

/* From <linux/futex.h>, which musl-gcc's include path does not have. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

#define FUTEX_ROUNDS 60000
#define COND_ROUNDS  40000
#define WAIT_LIMIT_S 5
#define GAME_BUDGET_S 15.0
#define MIN_ROUNDS   1000
#define STOP         (-1)       /* pp_word when player 0 ended the game early */
#define GROUP_ROUNDS 300

static long futex(atomic_int *addr, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct player {
    int id;                     /* 0 or 1: which turn is ours */
    int cpu;                    /* CPU to pin to, -1: none */
    int rounds;
    int pin_err;                /* sched_setaffinity failed */
    int cpu_first;              /* getcpu right after pinning */
    int cpu_wrong;              /* samples of getcpu off the pinned CPU */
    int libc_cpu_wrong;         /* samples of sched_getcpu() != getcpu */
    int done;                   /* rounds completed */
    double start;               /* when the game began (player 0's budget) */
    int lost;                   /* waits that ran into the 5 s bound */
    long sleeps;                /* waits that really slept (returned 0) */
};

static atomic_int pp_word, pp_abort, pp_rounds;     /* pp_rounds: rounds played */

static void player_pin(struct player *p)
{
    if (p->cpu >= 0 && smp_pin(p->cpu) != 0)
        p->pin_err = 1;
    p->cpu_first = smp_getcpu();
}

static void player_sample_cpu(struct player *p)
{
    int cpu = smp_getcpu();
    if (p->cpu >= 0 && cpu != p->cpu)
        p->cpu_wrong++;
    int lc = sched_getcpu();
    if (lc != smp_getcpu() && lc != cpu)        /* allow a migration in between */
        p->libc_cpu_wrong++;
}

/* Player id moves the word from 2r+id to 2r+id+1: strict alternation. */
static void *futex_player(void *arg)
{
    struct player *p = arg;
    player_pin(p);
    for (int r = 0; r < p->rounds; r++) {
        int want = 2 * r + p->id;
        for (;;) {
            int v = atomic_load(&pp_word);
            if (v == want)
                break;
            if (v == STOP || atomic_load(&pp_abort))
                return NULL;
            struct timespec ts = { WAIT_LIMIT_S, 0 };
            long rc = futex(&pp_word, FUTEX_WAIT_PRIVATE, v, &ts);
            if (rc == 0)
                p->sleeps++;
            else if (errno == ETIMEDOUT) {
                /* 5 s with no wake: the partner's wake-up was lost (or it died). */
                p->lost++;
                atomic_store(&pp_abort, 1);
                futex(&pp_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
                return NULL;
            }
        }
        if (p->id == 0 && r >= MIN_ROUNDS && now_s() - p->start > GAME_BUDGET_S) {
            /* Out of time: the partner finished round r - 1; it sees STOP (a value
             * change, so its FUTEX_WAIT cannot sleep through it) and ends too. */
            atomic_store(&pp_rounds, r);
            atomic_store(&pp_word, STOP);
            futex(&pp_word, FUTEX_WAKE_PRIVATE, 1, NULL);
            return NULL;
        }
        atomic_store(&pp_word, want + 1);
        futex(&pp_word, FUTEX_WAKE_PRIVATE, 1, NULL);
        p->done++;
        if ((r & 1023) == 0)
            player_sample_cpu(p);
    }
    return NULL;
}

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static int cv_turn, cv_abort, cv_stop;      /* cv_stop: player 0 ended the game */

static void *cond_player(void *arg)
{
    struct player *p = arg;
    player_pin(p);
    for (int r = 0; r < p->rounds; r++) {
        pthread_mutex_lock(&cv_lock);
        while (cv_turn != p->id && !cv_abort && !cv_stop) {
            struct timespec limit;
            clock_gettime(CLOCK_MONOTONIC, &limit);
            limit.tv_sec += WAIT_LIMIT_S;
            int rc = pthread_cond_timedwait(&cv, &cv_lock, &limit);
            if (rc == ETIMEDOUT && cv_turn != p->id) {
                p->lost++;
                cv_abort = 1;
                pthread_cond_broadcast(&cv);
            } else if (rc == 0) {
                p->sleeps++;
            }
        }
        if (!cv_abort && !cv_stop && p->id == 0 && r >= MIN_ROUNDS &&
            now_s() - p->start > GAME_BUDGET_S) {
            /* Out of time, with the turn: the partner finished round r - 1. */
            cv_stop = 1;
            pthread_cond_broadcast(&cv);
        }
        if (cv_abort || cv_stop) {
            pthread_mutex_unlock(&cv_lock);
            return NULL;
        }
        cv_turn = !p->id;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&cv_lock);
        p->done++;
        if ((r & 1023) == 0)
            player_sample_cpu(p);
    }
    return NULL;
}

/* Runs two players on two different CPUs (when there are two) and checks the
 * game ended with every round played, no lost wake-up, each on its own CPU. */
static int play(void *(*fn)(void *), int rounds, const char *what)
{
    int cross = SMP_CROSS_CPU();
    struct player p[2];
    pthread_t t[2];
    double t0 = now_s();
    for (int i = 0; i < 2; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].id = i;
        p[i].rounds = rounds;
        p[i].cpu = cross ? smp_cpu(i) : -1;
        p[i].start = t0;
    }
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, fn, &p[i]) != 0) {
            CHECK(!"pthread_create");
            return 0;
        }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    double dt = now_s() - t0;
    int played = p[0].done;                     /* rounds, or fewer if out of time */
    printf("  note: %s: %d of %d rounds in %.2f s (%.1f us/round), slept %ld + %ld times, "
           "CPUs %d and %d\n", what, played, rounds, dt, dt * 1e6 / (played ? played : 1),
           p[0].sleeps, p[1].sleeps, p[0].cpu_first, p[1].cpu_first);
    CHECK(played >= MIN_ROUNDS);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(p[i].pin_err, 0);
        CHECK_EQ(p[i].lost, 0);
        CHECK_EQ(p[i].done, played);
        CHECK_EQ(p[i].libc_cpu_wrong, 0);
        if (cross) {
            CHECK_EQ(p[i].cpu_first, p[i].cpu);
            CHECK_EQ(p[i].cpu_wrong, 0);
        }
    }
    if (cross)
        CHECK(p[0].cpu_first != p[1].cpu_first);
    /* Not vacuous: the players really went to sleep and were woken. */
    CHECK(p[0].sleeps + p[1].sleeps > 0);
    return played;
}

TEST(a_thread_pinned_to_each_online_cpu_runs_there)
{
    struct smp_cpus *c = smp_cpus();
    if (smp_on_oscortex())
        CHECK_EQ(c->n_usable, c->n_online);
    CHECK(c->n_usable >= 1);
    for (int i = 0; i < c->n_usable; i++) {
        int cpu = c->usable[i];
        CHECK_EQ(smp_pin(cpu), 0);
        CHECK_EQ(smp_getcpu(), cpu);
        CHECK_EQ(sched_getcpu(), cpu);
        sched_yield();
        CHECK_EQ(smp_getcpu(), cpu);            /* and stays there */
        CHECK_EQ(sched_getcpu(), cpu);
    }
    smp_unpin();
}

TEST(futex_ping_pong_across_cpus_loses_no_wake_up)
{
    atomic_store(&pp_word, 0);
    atomic_store(&pp_abort, 0);
    atomic_store(&pp_rounds, FUTEX_ROUNDS);
    int played = play(futex_player, FUTEX_ROUNDS, "futex ping-pong");
    CHECK_EQ(played, atomic_load(&pp_rounds));
    CHECK_EQ(atomic_load(&pp_word), played == FUTEX_ROUNDS ? 2 * FUTEX_ROUNDS : STOP);
}

TEST(condvar_ping_pong_across_cpus_loses_no_wake_up)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    REQUIRE(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0);
    REQUIRE(pthread_cond_init(&cv, &attr) == 0);
    cv_turn = 0;
    cv_abort = 0;
    cv_stop = 0;
    play(cond_player, COND_ROUNDS, "condvar ping-pong");
    CHECK_EQ(cv_turn, 0);                       /* an even number of moves */
    pthread_cond_destroy(&cv);
}

/* A generation counter bumped by the main thread and woken with FUTEX_WAKE of all;
 * each member waits for the next generation then reports in. */
#define GROUP_MAX 16
static atomic_int grp_gen, grp_arrived, grp_abort;

struct member {
    int cpu, pin_err, cpu_first, cpu_wrong, seen, lost;
};

static void *grp_member(void *arg)
{
    struct member *m = arg;
    if (m->cpu >= 0 && smp_pin(m->cpu) != 0)
        m->pin_err = 1;
    m->cpu_first = smp_getcpu();
    for (int g = 1; g <= GROUP_ROUNDS; g++) {
        for (;;) {
            int v = atomic_load(&grp_gen);
            if (v >= g || atomic_load(&grp_abort))
                break;
            struct timespec ts = { WAIT_LIMIT_S, 0 };
            if (futex(&grp_gen, FUTEX_WAIT_PRIVATE, v, &ts) != 0 && errno == ETIMEDOUT &&
                atomic_load(&grp_gen) < g) {
                m->lost++;
                atomic_store(&grp_abort, 1);
            }
        }
        if (atomic_load(&grp_abort))
            break;
        m->seen++;
        if (m->cpu >= 0 && smp_getcpu() != m->cpu)
            m->cpu_wrong++;
        atomic_fetch_add(&grp_arrived, 1);
        futex(&grp_arrived, FUTEX_WAKE_PRIVATE, 1, NULL);
    }
    return NULL;
}

TEST(futex_wake_all_reaches_waiters_on_every_cpu)
{
    int cross = SMP_CROSS_CPU();
    struct smp_cpus *c = smp_cpus();
    int n = 2 * (c->n_usable ? c->n_usable : 1);
    if (n > GROUP_MAX)
        n = GROUP_MAX;
    struct member m[GROUP_MAX];
    pthread_t t[GROUP_MAX];
    atomic_store(&grp_gen, 0);
    atomic_store(&grp_arrived, 0);
    atomic_store(&grp_abort, 0);
    int started = 0;
    for (int i = 0; i < n; i++) {
        memset(&m[i], 0, sizeof m[i]);
        m[i].cpu = cross ? smp_cpu(i) : -1;
        if (pthread_create(&t[i], NULL, grp_member, &m[i]) == 0)
            started++;
    }
    REQUIRE(started == n);
    double t0 = now_s();
    for (int g = 1; g <= GROUP_ROUNDS && !atomic_load(&grp_abort); g++) {
        atomic_store(&grp_gen, g);
        futex(&grp_gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
        /* Wait (bounded) for all n to report generation g. */
        for (;;) {
            int a = atomic_load(&grp_arrived);
            if (a >= g * n || atomic_load(&grp_abort))
                break;
            struct timespec ts = { WAIT_LIMIT_S, 0 };
            if (futex(&grp_arrived, FUTEX_WAIT_PRIVATE, a, &ts) != 0 && errno == ETIMEDOUT &&
                atomic_load(&grp_arrived) == a) {
                printf("  generation %d: only %d of %d members arrived\n", g, a - (g - 1) * n, n);
                atomic_store(&grp_abort, 1);
                futex(&grp_gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
            }
        }
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    printf("  note: %d threads x %d wake-all rounds in %.2f s\n", n, GROUP_ROUNDS, now_s() - t0);
    CHECK_EQ(atomic_load(&grp_abort), 0);
    CHECK_EQ(atomic_load(&grp_arrived), n * GROUP_ROUNDS);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        CHECK_EQ(m[i].pin_err, 0);
        CHECK_EQ(m[i].lost, 0);
        CHECK_EQ(m[i].seen, GROUP_ROUNDS);
        if (cross) {
            CHECK_EQ(m[i].cpu_first, m[i].cpu);
            CHECK_EQ(m[i].cpu_wrong, 0);
        }
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= m[j].cpu_first == m[i].cpu_first;
        distinct += !dup;
    }
    if (cross)
        CHECK_EQ(distinct, c->n_usable);
}
