/* beep (0x4B6): a tone on the PC speaker for a while, without blocking the
 * caller. A kernel thread ends the tone; a newer beep replaces the one sounding. */
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/syscall.h>
#include <osc/time.h>

#define BEEP_MIN_HZ     20
#define BEEP_MAX_HZ     20000
#define BEEP_MAX_MS     10000
#define BEEP_POLL_NS    5000000ull      /* how late a tone may end: 5 ms */

/* rank 72 (a leaf): the speaker and the deadline below. The beep thread sleeps
 * on beep_wq, whose lock is taken only with this one dropped. */
static spinlock_t beep_lock = SPINLOCK_INIT("beep", 72);
static uint64_t beep_until;             /* time_ns() deadline; 0: silent */
static struct waitqueue beep_wq = WAITQUEUE_INITIALIZER;
static int beep_thread_started;

static void beep_main(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned long flags = spin_lock_irqsave(&beep_lock);
        uint64_t until = beep_until;
        spin_unlock_irqrestore(&beep_lock, flags);
        if (!until) {
            flags = spin_lock_irqsave(&beep_wq.lock);
            if (!__atomic_load_n(&beep_until, __ATOMIC_ACQUIRE))
                waitqueue_sleep_locked(&beep_wq, &flags);
            spin_unlock_irqrestore(&beep_wq.lock, flags);
            continue;
        }
        uint64_t now = time_ns();
        if (now < until) {
            thread_sleep_ns(until - now < BEEP_POLL_NS ? until - now : BEEP_POLL_NS);
            continue;
        }
        flags = spin_lock_irqsave(&beep_lock);
        if (beep_until == until) {      /* not replaced meanwhile */
            arch_speaker_tone(0);
            beep_until = 0;
        }
        spin_unlock_irqrestore(&beep_lock, flags);
    }
}

/* The first beep starts the thread that ends tones; it lives from then on. */
static int beep_start_thread(void)
{
    if (__atomic_load_n(&beep_thread_started, __ATOMIC_ACQUIRE) ||
        __atomic_exchange_n(&beep_thread_started, 1, __ATOMIC_ACQ_REL))
        return 0;
    struct thread *t = thread_create("beep", beep_main, NULL);
    if (!t) {
        __atomic_store_n(&beep_thread_started, 0, __ATOMIC_RELEASE);
        log_warn("cannot start the beep thread");
        return -ENOMEM;
    }
    thread_detach(t);
    return 0;
}

/* beep(hz, ms): hz 0 or ms 0 silences at once. Returns at once; the tone ends
 * on its own. */
SYSCALL(beep)
{
    uint64_t hz = args->a[0], ms = args->a[1];
    if ((hz && (hz < BEEP_MIN_HZ || hz > BEEP_MAX_HZ)) || ms > BEEP_MAX_MS)
        return -EINVAL;
    int err = beep_start_thread();
    if (err)
        return err;
    unsigned long flags = spin_lock_irqsave(&beep_lock);
    if (hz && ms) {
        arch_speaker_tone((uint32_t)hz);
        __atomic_store_n(&beep_until, time_ns() + ms * 1000000ull, __ATOMIC_RELEASE);
    } else {
        arch_speaker_tone(0);
        __atomic_store_n(&beep_until, 0, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&beep_lock, flags);
    waitqueue_wake_all(&beep_wq);
    return 0;
}
