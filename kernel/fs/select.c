/* I/O multiplexing: poll, ppoll, select, pselect6. The first scan hooks the
 * caller on the wait queues of every file that has them (poll_table.c); it then
 * sleeps until one of those queues is woken, the deadline passes or a signal
 * arrives (-ERESTARTNOHAND, as in Linux), and scans again. Files without a queue
 * never change their answer, so they never need a wake-up. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/poll.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define NS_PER_SEC     1000000000ull
#define NO_DEADLINE    UINT64_MAX
#define POLLRDNORM     0x040            /* asm-generic/poll.h */
#define POLLRDBAND     0x080
#define POLLWRNORM     0x100
#define POLLWRBAND     0x200
/* What select counts as readable / writable / exceptional (Linux fs/select.c). */
#define POLLIN_SET     (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET    (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET     POLLPRI

struct linux_pollfd { int fd; int16_t events, revents; };
struct linux_timespec { int64_t tv_sec, tv_nsec; };
struct linux_timeval { int64_t tv_sec, tv_usec; };

/* What fd is ready for now (POLL* bits), or -EBADF; hooks the caller on the
 * file's queues while pt is hooking. */
static int fd_ready(int fd, struct poll_table *pt)
{
    struct process *p = proc_current();
    struct file *f = p && fd >= 0 ? fdtable_get(p->files, fd) : NULL;
    if (!f)
        return -EBADF;
    int m = file_poll(f, pt);
    file_put(f);
    return m;
}

/* Deadline for a relative timeout of sec + nsec (validated by the caller). */
static uint64_t deadline_after(uint64_t sec, uint64_t nsec)
{
    if (sec == 0 && nsec == 0)
        return 0;
    uint64_t now = time_ns();
    if (sec >= (NO_DEADLINE - now) / NS_PER_SEC)
        return NO_DEADLINE;
    return now + sec * NS_PER_SEC + nsec;
}

static uint64_t time_left(uint64_t deadline)
{
    uint64_t now = time_ns();
    return deadline > now ? deadline - now : 0;
}

/* ---- poll, ppoll ---- */

struct poll_req { struct linux_pollfd *fds; uint64_t n; };

static long poll_scan(void *arg, struct poll_table *pt)
{
    struct poll_req *req = arg;
    long ready = 0;
    for (uint64_t i = 0; i < req->n; i++) {
        struct linux_pollfd *p = &req->fds[i];
        p->revents = 0;
        if (p->fd < 0)
            continue;
        int m = fd_ready(p->fd, pt);
        p->revents = (int16_t)(m < 0 ? POLLNVAL : m & (p->events | POLLHUP | POLLERR));
        if (p->revents)
            ready++;
    }
    return ready;
}

static long do_poll(uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
    if (nfds > VFS_FD_MAX)
        return -EINVAL;
    struct poll_req req = { kmalloc(nfds * sizeof(struct linux_pollfd) + 1), nfds };
    if (!req.fds)
        return -ENOMEM;
    struct poll_table pt;
    poll_table_init(&pt, deadline != 0);
    long r = 0;
    if (copy_from_user(req.fds, (const void *)ufds, nfds * sizeof(*req.fds)))
        r = -EFAULT;
    if (!r) {
        r = poll_table_run(&pt, poll_scan, &req, deadline);
        poll_table_release(&pt);
        /* revents go back whatever happened, as Linux does (EINTR included). */
        if (copy_to_user((void *)ufds, req.fds, nfds * sizeof(*req.fds)))
            r = -EFAULT;
    }
    kfree(req.fds);
    return r;
}

SYSCALL(poll)
{
    int timeout_ms = (int)args->a[2];
    uint64_t deadline = timeout_ms < 0 ? NO_DEADLINE
                      : deadline_after((uint64_t)timeout_ms / 1000,
                                       (uint64_t)timeout_ms % 1000 * 1000000);
    return do_poll(args->a[0], args->a[1], deadline);
}

/* Reads a timespec timeout: 0 and *deadline, or -EFAULT / -EINVAL. */
static long get_timespec_deadline(uint64_t uts, uint64_t *deadline)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NS_PER_SEC)
        return -EINVAL;
    *deadline = deadline_after((uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec);
    return 0;
}

/* pselect6, ppoll write the time left back (the C libraries hide it); a zero
 * timeout is left alone, as in Linux's poll_select_finish. */
static long put_timespec_left(uint64_t uts, uint64_t deadline, long ret)
{
    if (!uts || deadline == 0 || deadline == NO_DEADLINE)
        return ret;
    uint64_t left = time_left(deadline);
    struct linux_timespec ts = { (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC) };
    if (copy_to_user((void *)uts, &ts, sizeof(ts)) && ret == -ERESTARTNOHAND)
        return -EINTR;
    return ret;
}

/* Reads the temporary mask of pselect6/ppoll: 0 (*has says whether there is one),
 * -EINVAL for a size other than sigset_t's 8 bytes, -EFAULT. */
static long get_sigmask(uint64_t uset, uint64_t size, uint64_t *set, bool *has)
{
    *has = uset != 0;
    if (!uset)
        return 0;
    if (size != sizeof(uint64_t))
        return -EINVAL;
    return copy_from_user(set, (const void *)uset, sizeof(*set)) ? -EFAULT : 0;
}

SYSCALL(ppoll)
{
    uint64_t deadline = NO_DEADLINE, mask;
    bool has_mask;
    long r = args->a[2] ? get_timespec_deadline(args->a[2], &deadline) : 0;
    if (!r)
        r = get_sigmask(args->a[3], args->a[4], &mask, &has_mask);
    if (r)
        return r;
    if (has_mask)
        signal_mask_begin(mask);
    r = do_poll(args->a[0], args->a[1], deadline);
    if (has_mask)
        signal_mask_end(r);
    return put_timespec_left(args->a[2], deadline, r);
}

/* ---- select, pselect6 ---- */

/* fd_set bitmaps in, then the ready bits out (same buffers). */
struct select_req {
    int n;                      /* descriptors 0..n-1 */
    uint64_t *in[3], *out[3];   /* read, write, except; NULL when not given */
};

static const int select_wanted[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };

static bool bit_test(const uint64_t *s, int fd) { return s && (s[fd / 64] >> (fd % 64)) & 1; }

static long select_scan(void *arg, struct poll_table *pt)
{
    struct select_req *req = arg;
    long ready = 0;
    for (int fd = 0; fd < req->n; fd++) {
        if (!bit_test(req->in[0], fd) && !bit_test(req->in[1], fd) && !bit_test(req->in[2], fd))
            continue;
        int m = fd_ready(fd, pt);
        if (m < 0)
            return m;           /* Linux: a bad descriptor in any set is -EBADF */
        for (int k = 0; k < 3; k++) {
            if (bit_test(req->in[k], fd) && (m & select_wanted[k])) {
                req->out[k][fd / 64] |= 1ull << (fd % 64);
                ready++;
            }
        }
    }
    return ready;
}

/* The common part: nfds < 0 is -EINVAL; above the descriptor table it is
 * clamped, as Linux does with its table size. Sets are rewritten on success. */
static long do_select(int64_t nfds, uint64_t usets[3], uint64_t deadline)
{
    if (nfds < 0)
        return -EINVAL;
    struct select_req req = { .n = (int)MIN(nfds, (int64_t)VFS_FD_MAX) };
    size_t bytes = (size_t)(req.n + 63) / 64 * sizeof(uint64_t);
    uint64_t *buf = kmalloc(6 * bytes + 1);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0, 6 * bytes + 1);
    long r = 0;
    for (int k = 0; k < 3 && !r; k++) {
        if (!usets[k])
            continue;
        req.in[k] = (uint64_t *)((char *)buf + 2 * k * bytes);
        req.out[k] = (uint64_t *)((char *)buf + (2 * k + 1) * bytes);
        if (copy_from_user(req.in[k], (const void *)usets[k], bytes))
            r = -EFAULT;
        else if (req.n % 64)    /* bits at and above n are not looked at */
            req.in[k][req.n / 64] &= (1ull << (req.n % 64)) - 1;
    }
    if (!r) {
        struct poll_table pt;
        poll_table_init(&pt, deadline != 0);
        /* a scan sets output bits only when it reports readiness */
        r = poll_table_run(&pt, select_scan, &req, deadline);
        poll_table_release(&pt);
    }
    if (r >= 0) {
        for (int k = 0; k < 3; k++)
            if (usets[k] && copy_to_user((void *)usets[k], req.out[k], bytes))
                r = -EFAULT;
    }
    kfree(buf);
    return r;
}

SYSCALL(select)
{
    uint64_t usets[3] = { args->a[1], args->a[2], args->a[3] };
    uint64_t utv = args->a[4], deadline = NO_DEADLINE;
    if (utv) {
        struct linux_timeval tv;
        if (copy_from_user(&tv, (const void *)utv, sizeof(tv)))
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0)
            return -EINVAL;
        deadline = deadline_after((uint64_t)tv.tv_sec + (uint64_t)tv.tv_usec / 1000000,
                                  (uint64_t)tv.tv_usec % 1000000 * 1000);
    }
    long r = do_select((int64_t)(int)args->a[0], usets, deadline);
    if (utv && deadline != 0 && deadline != NO_DEADLINE) {
        /* select writes the time left back, as Linux does (not POSIX). */
        uint64_t left = time_left(deadline);
        struct linux_timeval tv = { (int64_t)(left / NS_PER_SEC),
                                    (int64_t)(left % NS_PER_SEC / 1000) };
        if (copy_to_user((void *)utv, &tv, sizeof(tv)) && r == -ERESTARTNOHAND)
            r = -EINTR;
    }
    return r;
}

/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; }. */
struct pselect_sigmask { uint64_t ss, ss_len; };

SYSCALL(pselect6)
{
    uint64_t usets[3] = { args->a[1], args->a[2], args->a[3] };
    uint64_t deadline = NO_DEADLINE, mask = 0;
    bool has_mask = false;
    long r = args->a[4] ? get_timespec_deadline(args->a[4], &deadline) : 0;
    if (!r && args->a[5]) {
        struct pselect_sigmask sm;
        r = copy_from_user(&sm, (const void *)args->a[5], sizeof(sm)) ? -EFAULT
          : get_sigmask(sm.ss, sm.ss_len, &mask, &has_mask);
    }
    if (r)
        return r;
    if (has_mask)
        signal_mask_begin(mask);
    r = do_select((int64_t)(int)args->a[0], usets, deadline);
    if (has_mask)
        signal_mask_end(r);
    return put_timespec_left(args->a[4], deadline, r);
}
