/* Weak stand-in for the scheduler's tick hook, so the timer links (and ticks
 * harmlessly) before kernel/sched provides the real sched_tick. */

#include <osc/sched.h>

__attribute__((weak)) void sched_tick(void)
{
}
