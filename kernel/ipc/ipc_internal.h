/* Shared by the files of kernel/ipc: the Linux x86_64 ABI of SysV IPC (flags, the
 * 64-bit ipc64_perm and *id64_ds layouts), the id tables that map keys and ids to
 * objects, and the permission check. */
#pragma once

#include <osc/errno.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/types.h>

/* include/uapi/linux/ipc.h */
#define IPC_PRIVATE  0
#define IPC_CREAT    00001000
#define IPC_EXCL     00002000
#define IPC_NOWAIT   00004000
#define IPC_RMID     0
#define IPC_SET      1
#define IPC_STAT     2
#define IPC_INFO     3
#define IPC_64       0x0100     /* accepted in cmd and ignored: x86_64 is always 64 */

#define IPC_MODE_MASK 0777      /* S_IRWXUGO */
#define IPC_READ      0444      /* S_IRUGO: requested access, as ipcperms takes it */
#define IPC_WRITE     0222
#define IPC_EXEC      0111

/* Id = seq * IPC_SEQ_MULT + slot (Linux's ipc_buildid with IPCMNI 32768): a slot's
 * next object gets another id, so a stale id finds nothing. */
#define IPC_SEQ_MULT  32768
#define IPC_SLOTS     1024      /* objects per kind (reported as MSGMNI/SEMMNI/SHMMNI) */

struct ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;
    uint16_t seq;
    uint16_t pad2;
    uint64_t unused1, unused2;
};
_Static_assert(sizeof(struct ipc64_perm) == 48, "ipc64_perm is 48 bytes on x86_64");

/* What every object starts with. */
struct ipc_obj {
    int id;
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;              /* low 9 bits: permissions; SHM_DEST and SHM_LOCKED too */
    int64_t ctime;              /* seconds, realtime: creation and last IPC_SET */
};

/* One namespace per kind. */
struct ipc_ids {
    struct ipc_obj *slot[IPC_SLOTS];
    int in_use;
    uint16_t seq;
};

/* ipc_lock (rank 55, docs/locking.md) protects every id table, every object and
 * each process's sem_undo list. A spinlock: nothing under it sleeps or touches
 * user memory (copies go through kernel buffers outside it); it is taken inside
 * mm_space (a VMA of a segment opened or closed) and takes heap and pmm only.
 * Sleepers are woken after it is dropped. */
extern spinlock_t ipc_lock;

/* Sleepers of every kind wait on one queue and re-check their condition after any
 * change: the rate of SysV IPC traffic does not warrant per-object queues, and a
 * removed object's waiters then need no queue that outlives it. */
void ipc_wake_all(void);
/* The sleep half of ipc_wait: returns after a wake-up, a signal, or deadline
 * (time_ns; UINT64_MAX: none). Use as
 *     struct ipc_waiter w; ipc_wait_begin(&w);
 *     for (;;) { ipc_wait_arm(&w); lock, check, unlock; ...; ipc_wait_sleep(&w, dl); }
 *     ipc_wait_end(&w);
 * A wake-up after the arm is never lost. */
struct ipc_waiter {
    struct poll_waiter pw;
    struct poll_entry pe;
};
void ipc_wait_begin(struct ipc_waiter *w);
void ipc_wait_arm(struct ipc_waiter *w);
void ipc_wait_sleep(struct ipc_waiter *w, uint64_t deadline);
void ipc_wait_end(struct ipc_waiter *w);

/* Caller holds ipc_lock. */
struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id);      /* NULL: no such id */
struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key);
/* Puts o into a free slot and gives it an id and its creator's credentials, mode
 * from flags; -ENOSPC when the table is full. */
int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flags);
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
int ipc_max_index(const struct ipc_ids *ids);                  /* highest used slot, -1 */
/* The lookup every *get call starts with: 1 and *o for key's existing object,
 * 0 when a new one is to be made (IPC_PRIVATE, or IPC_CREAT and none), -EEXIST
 * (IPC_CREAT|IPC_EXCL and one exists) or -ENOENT (none, no IPC_CREAT). The
 * caller then checks what its kind adds. Caller holds ipc_lock. */
int ipc_get_lookup(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **o);
/* *_STAT by index: the object in slot idx, or NULL. */
struct ipc_obj *ipc_at_index(struct ipc_ids *ids, int idx);
/* The object a stat command names: IPC_STAT by id (by_id), *_STAT and *_STAT_ANY
 * by slot index; read permission checked unless *_STAT_ANY (any). *out and what
 * the call returns (0 for IPC_STAT, the object's id for the others), or -EINVAL /
 * -EACCES. Caller holds ipc_lock. */
int ipc_stat_find(struct ipc_ids *ids, int id, bool by_id, bool any, struct ipc_obj **out);

/* Linux ipcperms: 0 or -EACCES for access (IPC_READ/IPC_WRITE bits, or the low
 * bits of a get flag) by the current process; euid 0 may do anything. */
int ipc_perms(const struct ipc_obj *o, int access);
/* IPC_SET and IPC_RMID are for the owner, the creator and root: 0 or -EPERM. */
int ipc_owner_check(const struct ipc_obj *o);
void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *out);
/* IPC_SET: uid, gid, mode bits from in; ctime now. */
void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *in);
int64_t ipc_now(void);          /* realtime seconds */
int ipc_pid(void);              /* the caller's process id */

/* /proc/sysvipc lines (ipc_proc_text), each kind's own; caller holds ipc_lock. */
typedef void (*ipc_put_fn)(void *ctx, const char *s, size_t n);
void msg_proc_text(ipc_put_fn put, void *ctx);
void sem_proc_text(ipc_put_fn put, void *ctx);
void shm_proc_text(ipc_put_fn put, void *ctx);
/* Formats one line into a stack buffer and hands it to put. */
void ipc_put_line(ipc_put_fn put, void *ctx, const char *fmt, ...) __printf(3, 4);
