/* Robust futex lists: each thread registers a user list of the robust locks it
 * holds (set_robust_list); when the thread ends — exit, exit_group, a fatal signal,
 * or execve dropping the old image — the kernel walks it and marks every lock the
 * thread still owns FUTEX_OWNER_DIED, waking one waiter, so the next locker gets
 * EOWNERDEAD instead of waiting forever (Linux kernel/futex/core.c). */

#include <osc/errno.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include "futex_internal.h"
#include "proc_internal.h"

/* struct robust_list_head (Linux include/uapi/linux/futex.h): the list (a pointer
 * to the first entry, the head itself when empty), the offset from an entry to its
 * futex word, and the entry being locked or unlocked right now (list_op_pending). */
#define ROBUST_HEAD_SIZE     24
#define ROBUST_LIST_LIMIT    2048       /* Linux: stops a circular or hostile list */

/* A list pointer at uptr: the entry with bit 0 (a PI lock) split off. */
static int fetch_entry(uint64_t uptr, uint64_t *entry, bool *pi)
{
    uint64_t v;
    if (copy_from_user(&v, (const void *)uptr, sizeof(v)))
        return -EFAULT;
    *entry = v & ~1ull;
    *pi = v & 1;
    return 0;
}

void futex_exit_robust_list(struct uthread *u)
{
    uint64_t head = u->robust_list;
    if (!head)
        return;
    __atomic_store_n(&u->robust_list, 0, __ATOMIC_RELAXED);
    uint64_t entry, pending, next = 0;
    int64_t offset;
    bool pi, pending_pi, next_pi = false;
    /* Any bad pointer just ends the walk: the user's list, the user's problem. */
    if (fetch_entry(head, &entry, &pi) ||
        copy_from_user(&offset, (const void *)(head + 8), sizeof(offset)) ||
        fetch_entry(head + 16, &pending, &pending_pi))
        return;
    for (unsigned limit = ROBUST_LIST_LIMIT; entry != head && limit; limit--) {
        int rc = fetch_entry(entry, &next, &next_pi);
        /* The pending entry is handled last, once (it may be on the list too). */
        if (entry != pending && futex_owner_died(entry + (uint64_t)offset, u->tid, pi, false))
            return;
        if (rc)
            return;
        entry = next;
        pi = next_pi;
    }
    if (pending)
        futex_owner_died(pending + (uint64_t)offset, u->tid, pending_pi, true);
}

SYSCALL(set_robust_list)
{
    if (args->a[1] != ROBUST_HEAD_SIZE)
        return -EINVAL;
    /* Atomic: get_robust_list reads it from other threads. */
    __atomic_store_n(&proc_uthread()->robust_list, args->a[0], __ATOMIC_RELAXED);
    return 0;
}

/* get_robust_list(tid, &head, &len): tid 0 is the caller. */
SYSCALL(get_robust_list)
{
    int tid = (int)args->a[0];
    uint64_t head;
    if (tid == 0) {
        head = proc_uthread()->robust_list;
    } else {
        unsigned long f = proc_table_lock();
        struct uthread *u = tid > 0 ? proc_find_thread_locked(tid) : NULL;
        head = u ? __atomic_load_n(&u->robust_list, __ATOMIC_RELAXED) : 0;
        proc_table_unlock(f);
        if (!u)
            return -ESRCH;
    }
    uint64_t len = ROBUST_HEAD_SIZE;
    if (copy_to_user((void *)args->a[2], &len, sizeof(len)) ||
        copy_to_user((void *)args->a[1], &head, sizeof(head)))
        return -EFAULT;
    return 0;
}
