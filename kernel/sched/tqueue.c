/* Intrusive singly linked thread lists with head and tail: the run queue (FIFO),
 * wait queues (FIFO) and the sleep list (ordered by deadline). Pure list logic,
 * no locking: the caller holds whatever lock protects the list. */

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
