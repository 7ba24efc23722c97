/* Process groups and sessions (setpgid, getpgid, getpgrp, setsid, getsid) with
 * Linux's rules; ids live in struct process, under the process table lock. */

#include <osc/errno.h>
#include <osc/syscall.h>
#include "proc_internal.h"

SYSCALL(setpgid)
{
    struct pcb *me = pcb_of(proc_current());
    int pid = (int)args->a[0], pgid = (int)args->a[1];
    if (pgid < 0)
        return -EINVAL;
    unsigned long f = proc_table_lock();
    struct pcb *t = pid ? proc_find_locked(pid) : me;
    int err = 0;
    if (!t || (t != me && t->pub.parent != &me->pub))
        err = -ESRCH;
    else if (t != me && t->execed)
        err = -EACCES;
    else if (t->pub.sid != me->pub.sid || t->pub.sid == t->pub.pid)
        err = -EPERM;           /* other session, or a session leader */
    if (!err) {
        if (!pgid)
            pgid = t->pub.pid;
        if (pgid != t->pub.pid) {
            /* Joining a group: it must exist in the same session. */
            bool found = false;
            for (struct pcb *c = proc_table_first(); c; c = c->next_all)
                if (c->state == PROC_ALIVE && c->pub.pgid == pgid && c->pub.sid == me->pub.sid)
                    found = true;
            if (!found)
                err = -EPERM;
        }
        if (!err)
            t->pub.pgid = pgid;
    }
    proc_table_unlock(f);
    return err;
}

/* pid 0: the caller. */
static long pcb_field(int pid, bool sid)
{
    struct process *me = proc_current();
    if (pid < 0)
        return -ESRCH;
    unsigned long f = proc_table_lock();
    struct pcb *t = pid ? proc_find_locked(pid) : pcb_of(me);
    long r = !t ? -ESRCH : sid ? t->pub.sid : t->pub.pgid;
    proc_table_unlock(f);
    return r;
}

SYSCALL(getpgid) { return pcb_field((int)args->a[0], false); }
SYSCALL(getsid) { return pcb_field((int)args->a[0], true); }
SYSCALL(getpgrp) { (void)args; return pcb_field(0, false); }

SYSCALL(setsid)
{
    (void)args;
    struct pcb *me = pcb_of(proc_current());
    unsigned long f = proc_table_lock();
    /* A group leader, or anyone whose pid names a group, may not: the new session's
     * group would collide. */
    bool clash = false;
    for (struct pcb *c = proc_table_first(); c; c = c->next_all)
        if (c->pub.pgid == me->pub.pid)
            clash = true;
    long r = -EPERM;
    if (!clash) {
        me->pub.sid = me->pub.pgid = me->pub.pid;
        r = me->pub.pid;
    }
    proc_table_unlock(f);
    return r;
}
