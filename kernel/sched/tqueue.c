/* Intrusive singly linked thread lists with head and tail: the run queue (FIFO,
 * picked by rank), wait queues (FIFO) and the sleep list (ordered by deadline).
 * Pure list logic, no locking: the caller holds whatever lock protects the list. */

#include "sched_internal.h"

void tq_push_tail(struct thread **head, struct thread **tail, struct thread *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

struct thread *tq_pop_head(struct thread **head, struct thread **tail)
{
    struct thread *t = *head;
    if (!t)
        return NULL;
    *head = t->next;
    if (!*head)
        *tail = NULL;
    t->next = NULL;
    return t;
}

bool tq_remove(struct thread **head, struct thread **tail, struct thread *t)
{
    struct thread *prev = NULL;
    for (struct thread *p = *head; p; prev = p, p = p->next) {
        if (p != t)
            continue;
        if (prev)
            prev->next = p->next;
        else
            *head = p->next;
        if (*tail == p)
            *tail = prev;
        t->next = NULL;
        return true;
    }
    return false;
}

void tq_insert_by_deadline(struct thread **head, struct thread **tail, struct thread *t)
{
    /* Walk past every entry due no later than t, so equal deadlines stay FIFO. */
    struct thread *prev = NULL, *p = *head;
    while (p && p->wake_at <= t->wake_at) {
        prev = p;
        p = p->next;
    }
    t->next = p;
    if (prev)
        prev->next = t;
    else
        *head = t;
    if (!p)
        *tail = t;
}

struct thread *tq_pop_expired(struct thread **head, struct thread **tail, uint64_t now)
{
    if (!*head || (*head)->wake_at > now)
        return NULL;
    return tq_pop_head(head, tail);
}

int sched_rank(const struct thread *t)
{
    if (t->policy == SCHED_FIFO || t->policy == SCHED_RR)
        return 100 + t->rt_prio;
    return t->policy == SCHED_IDLE ? 0 : 1;
}

unsigned sched_slice_ticks(const struct thread *t)
{
    if (t->policy == SCHED_FIFO)
        return 0;
    if (t->policy == SCHED_RR)
        return SCHED_RR_TICKS;
    int n = t->nice;
    if (n <= 0)
        return SCHED_SLICE_TICKS << ((-n) / 5);
    unsigned s = SCHED_SLICE_TICKS >> ((n + 4) / 5);
    return s ? s : 1;
}

struct thread *tq_pop_best(struct thread **head, struct thread **tail)
{
    struct thread *best = NULL, *best_prev = NULL, *prev = NULL;
    for (struct thread *p = *head; p; prev = p, p = p->next)
        if (!best || sched_rank(p) > sched_rank(best)) {
            best = p;
            best_prev = prev;
        }
    if (!best)
        return NULL;
    if (best_prev)
        best_prev->next = best->next;
    else
        *head = best->next;
    if (*tail == best)
        *tail = best_prev;
    best->next = NULL;
    return best;
}
