/* AF_UNIX files in flight: each socket counts the SCM_RIGHTS messages queued
 * anywhere that hold its file, and a collector (Linux's unix_gc) frees the sockets
 * nothing but such messages refers to: a socket sent into its own queue, or a
 * cycle of them, would otherwise never be released. Everything here runs under
 * `unix`, which guards every queue and count it reads. */

#include <osc/lib.h>
#include <osc/net.h>
#include <osc/vfs.h>

#include "unix_internal.h"

static struct unix_sock *inflight_list;         /* sockets with inflight > 0 */
static unsigned long inflight_total;

void unix_inflight_locked(const struct scm_fds *fds, int delta)
{
    for (unsigned i = 0; fds && i < fds->n; i++) {
        struct unix_sock *u = unix_of(fds->f[i]);
        if (!u)
            continue;
        if (delta > 0) {
            if (u->inflight++ == 0) {
                u->inflight_next = inflight_list;
                inflight_list = u;
            }
            inflight_total++;
            continue;
        }
        inflight_total--;
        if (--u->inflight == 0) {
            for (struct unix_sock **pp = &inflight_list; *pp; pp = &(*pp)->inflight_next) {
                if (*pp == u) {
                    *pp = u->inflight_next;
                    break;
                }
            }
        }
    }
}

void unix_queue_drop_locked(struct unix_sock *s, struct gc *g)
{
    if (!s->rq_tail)
        return;
    for (struct umsg *m = s->rq; m; m = m->next)
        unix_inflight_locked(m->fds, -1);
    s->rq_tail->next = g->msgs;
    g->msgs = s->rq;
    s->rq = s->rq_tail = NULL;
    s->rq_bytes = 0;
}

enum scan_op { DEC_TMP, REACH };

/* Applies op to each socket whose file is in u's queue or in the queues of the
 * connections waiting in u's accept queue; true when a REACH marked one. */
static bool scan(struct unix_sock *u, enum scan_op op)
{
    bool changed = false;
    for (struct unix_sock *e = u; e; e = e == u ? u->acc_head : e->acc_next) {
        for (struct umsg *m = e->rq; m; m = m->next) {
            for (unsigned i = 0; m->fds && i < m->fds->n; i++) {
                struct unix_sock *v = unix_of(m->fds->f[i]);
                if (!v || !v->gc_cand)
                    continue;
                if (op == DEC_TMP) {
                    v->gc_tmp--;
                } else if (!v->gc_reach) {
                    v->gc_reach = true;
                    changed = true;
                }
            }
        }
    }
    return changed;
}

void unix_gc_locked(struct gc *g)
{
    if (!inflight_total)
        return;
    /* Candidates: every reference to the file is a message in flight. A file's
     * count cannot grow while this holds (no descriptor is left, and receiving
     * it needs `unix`); one that shrinks meanwhile waits for the next run. */
    for (struct unix_sock *u = inflight_list; u; u = u->inflight_next) {
        u->gc_cand = u->file &&
                     __atomic_load_n(&u->file->refcount, __ATOMIC_ACQUIRE) == (int)u->inflight;
        u->gc_tmp = u->inflight;
        u->gc_reach = false;
    }
    /* What remains of a candidate's count after the references from candidates'
     * queues: references from live sockets' queues, so it is reachable. */
    for (struct unix_sock *u = inflight_list; u; u = u->inflight_next)
        if (u->gc_cand)
            scan(u, DEC_TMP);
    for (struct unix_sock *u = inflight_list; u; u = u->inflight_next)
        u->gc_reach = u->gc_cand && u->gc_tmp > 0;
    bool changed;
    do {
        changed = false;
        for (struct unix_sock *u = inflight_list; u; u = u->inflight_next)
            if (u->gc_cand && u->gc_reach)
                changed |= scan(u, REACH);
    } while (changed);
    /* The rest is garbage: its queues go (dropping the files, them included). */
    struct unix_sock *victims = NULL;
    for (struct unix_sock *u = inflight_list; u; u = u->inflight_next) {
        if (u->gc_cand && !u->gc_reach) {
            u->gc_victim = victims;
            victims = u;
        }
    }
    for (struct unix_sock *v = victims; v; v = v->gc_victim) {
        for (struct unix_sock *e = v->acc_head; e; e = e->acc_next)
            unix_queue_drop_locked(e, g);
        unix_queue_drop_locked(v, g);
    }
}
