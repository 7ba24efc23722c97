/* procfs, mounted at /proc: the kernel's and every process's state as Linux-format
 * text (programs parse it: glibc readlink("/proc/self/exe"), busybox ps reading
 * /proc/<pid>/stat). Per-process vnodes are made on lookup and kept in one list
 * until their process is gone and nothing holds them. */

#include <osc/cmdline.h>
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/input.h>
#include <osc/ipc.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/net.h>
#include <osc/net_stack.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/time.h>
#include "procfs_internal.h"
#include "pseudofs.h"

enum {
    K_ROOT, K_SELF, K_MEMINFO, K_CPUINFO, K_UPTIME, K_MOUNTS, K_CMDLINE, K_VERSION,
    K_LOADAVG, K_STAT,
    K_PID_DIR, K_PID_STAT, K_PID_STATUS, K_PID_CMDLINE, K_PID_COMM, K_PID_EXE, K_PID_FD,
    K_PID_MAPS, K_FD_LINK, K_PID_LIMITS, K_SYSVIPC, K_SYSVIPC_MSG, K_SYSVIPC_SEM,
    K_SYSVIPC_SHM, K_PARTITIONS, K_BUS, K_BUS_INPUT, K_INPUT_DEVICES, K_PID_MOUNTS,
    K_FILESYSTEMS, K_SYS, K_SYS_VM, K_DROP_CACHES, K_NET, K_NET_DEV, K_NET_ROUTE,
    K_NET_TCP, K_NET_UDP, K_NET_TCP6, K_NET_UDP6, K_NET_UNIX, K_NET_IF_INET6, K_NET_ARP, K_SYS_NET,
    K_SYS_NET_IPV4, K_PING_GROUPS,
};

struct pent { const char *name; int kind; uint32_t mode; };

static const struct pent root_ents[] = {
    { "self", K_SELF, S_IFLNK | 0777 },
    { "meminfo", K_MEMINFO, S_IFREG | 0444 },
    { "cpuinfo", K_CPUINFO, S_IFREG | 0444 },
    { "uptime", K_UPTIME, S_IFREG | 0444 },
    { "mounts", K_MOUNTS, S_IFREG | 0444 },
    { "cmdline", K_CMDLINE, S_IFREG | 0444 },
    { "version", K_VERSION, S_IFREG | 0444 },
    { "loadavg", K_LOADAVG, S_IFREG | 0444 },
    { "stat", K_STAT, S_IFREG | 0444 },
    { "sysvipc", K_SYSVIPC, S_IFDIR | 0555 },
    { "partitions", K_PARTITIONS, S_IFREG | 0444 },
    { "filesystems", K_FILESYSTEMS, S_IFREG | 0444 },
    { "bus", K_BUS, S_IFDIR | 0555 },
    { "sys", K_SYS, S_IFDIR | 0555 },
    { "net", K_NET, S_IFDIR | 0555 },
};

static const struct pent sysvipc_ents[] = {
    { "msg", K_SYSVIPC_MSG, S_IFREG | 0444 },
    { "sem", K_SYSVIPC_SEM, S_IFREG | 0444 },
    { "shm", K_SYSVIPC_SHM, S_IFREG | 0444 },
};
static const struct pent bus_ents[] = { { "input", K_BUS_INPUT, S_IFDIR | 0555 } };
static const struct pent bus_input_ents[] = { { "devices", K_INPUT_DEVICES, S_IFREG | 0444 } };
static const struct pent sys_ents[] = {
    { "vm", K_SYS_VM, S_IFDIR | 0555 },
    { "net", K_SYS_NET, S_IFDIR | 0555 },
};
static const struct pent sys_net_ents[] = { { "ipv4", K_SYS_NET_IPV4, S_IFDIR | 0555 } };
/* Fixed here (Linux's is writable): every group may open ping sockets. */
static const struct pent sys_net_ipv4_ents[] = {
    { "ping_group_range", K_PING_GROUPS, S_IFREG | 0444 },
};
static const struct pent sys_vm_ents[] = { { "drop_caches", K_DROP_CACHES, S_IFREG | 0200 } };
static const struct pent net_ents[] = {
    { "dev", K_NET_DEV, S_IFREG | 0444 },
    { "route", K_NET_ROUTE, S_IFREG | 0444 },
    { "tcp", K_NET_TCP, S_IFREG | 0444 },
    { "udp", K_NET_UDP, S_IFREG | 0444 },
    { "tcp6", K_NET_TCP6, S_IFREG | 0444 },
    { "udp6", K_NET_UDP6, S_IFREG | 0444 },
    { "unix", K_NET_UNIX, S_IFREG | 0444 },
    { "if_inet6", K_NET_IF_INET6, S_IFREG | 0444 },
    { "arp", K_NET_ARP, S_IFREG | 0444 },
};

/* Fixed directories below the root: their kind, entries and first inode number. */
static const struct subdir {
    int kind;
    const struct pent *ents;
    size_t n;
    uint64_t ino;
} subdirs[] = {
    { K_SYSVIPC, sysvipc_ents, ARRAY_SIZE(sysvipc_ents), 0x300000000ull },
    { K_BUS, bus_ents, ARRAY_SIZE(bus_ents), 0x300000010ull },
    { K_BUS_INPUT, bus_input_ents, ARRAY_SIZE(bus_input_ents), 0x300000020ull },
    { K_SYS, sys_ents, ARRAY_SIZE(sys_ents), 0x300000030ull },
    { K_SYS_VM, sys_vm_ents, ARRAY_SIZE(sys_vm_ents), 0x300000040ull },
    { K_NET, net_ents, ARRAY_SIZE(net_ents), 0x300000050ull },
    { K_SYS_NET, sys_net_ents, ARRAY_SIZE(sys_net_ents), 0x300000060ull },
    { K_SYS_NET_IPV4, sys_net_ipv4_ents, ARRAY_SIZE(sys_net_ipv4_ents), 0x300000070ull },
};

static const struct subdir *subdir_of(int kind)
{
    for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
        if (subdirs[i].kind == kind)
            return &subdirs[i];
    return NULL;
}

static const struct pent pid_ents[] = {
    { "stat", K_PID_STAT, S_IFREG | 0444 },
    { "status", K_PID_STATUS, S_IFREG | 0444 },
    { "cmdline", K_PID_CMDLINE, S_IFREG | 0444 },
    { "comm", K_PID_COMM, S_IFREG | 0444 },
    { "exe", K_PID_EXE, S_IFLNK | 0777 },
    { "fd", K_PID_FD, S_IFDIR | 0500 },
    { "maps", K_PID_MAPS, S_IFREG | 0444 },
    { "limits", K_PID_LIMITS, S_IFREG | 0444 },
    { "mounts", K_PID_MOUNTS, S_IFREG | 0444 },
};

/* All under `vfs`: */
static struct vfs_fs *proc_fs;
static struct pnode *root_nodes[ARRAY_SIZE(root_ents)];
static struct pnode *dyn_nodes;         /* per-process nodes */
static int pid_scratch[PROC_MAX_PIDS_SHOWN];
static struct proc_info info_scratch;
static char name_scratch[16];

static const struct vnode_ops procfs_ops;

/* ---- text generators (vfs_open, `vfs` not held) ---- */

/* Whether directory d lies inside root's tree (crossing mount points upward). */
static bool inside(struct vnode *root, struct vnode *d)
{
    while (d != root) {
        while (d == d->fs->root && d->fs->mountpoint && d != root)
            d = d->fs->mountpoint;
        if (d == root)
            return true;
        if (!d->parent)
            return false;
        d = d->parent;
    }
    return true;
}

static void mount_line(struct pbuf *b, const struct vfs_fs *fs, const char *path)
{
    pbuf_printf(b, "%s %s %s %s%s%s%s%s%s 0 0\n", fs->source ? fs->source : fs->type, path,
                fs->type, (fs->st_flags & VFS_ST_RDONLY) ? "ro" : "rw",
                (fs->st_flags & VFS_ST_NOSUID) ? ",nosuid" : "",
                (fs->st_flags & VFS_ST_NODEV) ? ",nodev" : "",
                (fs->st_flags & VFS_ST_NOEXEC) ? ",noexec" : "",
                (fs->st_flags & VFS_ST_NOATIME) ? ",noatime" : "",
                (fs->st_flags & VFS_ST_RELATIME) ? ",relatime" : "");
}

/* The mounts the reader can see from its root, with paths from there (after
 * switch_root the disk is "/" and the initramfs, outside, is not listed). */
static int gen_mounts(struct pnode *n, struct pbuf *b)
{
    (void)n;
    struct vfs_fs *list[32];
    size_t count = 0;
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    vfs_lock();
    struct process *p = proc_current();
    struct vnode *root = p && p->root ? p->root : vfs_root();
    if (root == vfs_root())
        pbuf_printf(b, "tmpfs / tmpfs rw 0 0\n");   /* "rootfs" would be skipped by df */
    for (struct vfs_fs *fs = vfs_mounts_locked(); fs && count < ARRAY_SIZE(list); fs = fs->next) {
        if (fs->root == root)
            mount_line(b, fs, "/");             /* the root first, as Linux lists it */
        else
            list[count++] = fs;
    }
    while (count-- > 0) {                       /* oldest first, as Linux lists them */
        struct vfs_fs *fs = list[count];
        if (!inside(root, fs->mountpoint) ||
            vfs_dir_path_locked(root, fs->mountpoint, path, VFS_PATH_MAX) < 0)
            continue;
        mount_line(b, fs, path);
    }
    vfs_unlock();
    kfree(path);
    return 0;
}

static int gen_cmdline(struct pnode *n, struct pbuf *b)
{
    (void)n;
    pbuf_printf(b, "%s\n", cmdline_raw());
    return 0;
}

static int gen_version(struct pnode *n, struct pbuf *b)
{
    (void)n;
    /* uname(2) says 6.1.0-oscortex; this line matches it. */
    pbuf_printf(b, "Linux version 6.1.0-oscortex (OSCortex kernel, Linux x86_64 ABI) #1 SMP\n");
    return 0;
}

static void put_pbuf(void *ctx, const char *s, size_t n)
{
    pbuf_put(ctx, s, n);
}

/* /proc/sysvipc/{msg,sem,shm}: kernel/ipc writes Linux's table. */
static int gen_sysvipc(struct pnode *n, struct pbuf *b)
{
    ipc_proc_text(n->kind == K_SYSVIPC_MSG ? IPC_KIND_MSG
                  : n->kind == K_SYSVIPC_SEM ? IPC_KIND_SEM : IPC_KIND_SHM, put_pbuf, b);
    return 0;
}

static int procfs_gen(struct pnode *n, struct pbuf *b)
{
    switch (n->kind) {
    case K_MEMINFO: return procfs_gen_meminfo(n, b);
    case K_CPUINFO: return procfs_gen_cpuinfo(n, b);
    case K_UPTIME: return procfs_gen_uptime(n, b);
    case K_MOUNTS:
    case K_PID_MOUNTS: return gen_mounts(n, b);
    case K_FILESYSTEMS:
        /* What mount(2) and the kernel's own mounts know (busybox mount reads it
         * when no -t is given: it tries the lines without "nodev"). */
        pbuf_printf(b, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n\text2\n");
        return 0;
    case K_CMDLINE: return gen_cmdline(n, b);
    case K_VERSION: return gen_version(n, b);
    case K_LOADAVG: return procfs_gen_loadavg(n, b);
    case K_STAT: return procfs_gen_stat(n, b);
    case K_PID_STAT: return procfs_gen_pid_stat(n, b);
    case K_PID_STATUS: return procfs_gen_pid_status(n, b);
    case K_PID_CMDLINE: return procfs_gen_pid_cmdline(n, b);
    case K_PID_COMM: return procfs_gen_pid_comm(n, b);
    case K_PID_MAPS: return procfs_gen_pid_maps(n, b);
    case K_PID_LIMITS: return procfs_gen_pid_limits(n, b);
    case K_SYSVIPC_MSG:
    case K_SYSVIPC_SEM:
    case K_SYSVIPC_SHM: return gen_sysvipc(n, b);
    case K_NET_DEV: net_proc_dev(put_pbuf, b); return 0;
    case K_NET_ROUTE: net_proc_route(put_pbuf, b); return 0;
    case K_NET_TCP: net_proc_tcp(put_pbuf, b); return 0;
    case K_NET_UDP: net_proc_udp(put_pbuf, b); return 0;
    case K_NET_TCP6: net_proc_tcp6(put_pbuf, b); return 0;
    case K_NET_UDP6: net_proc_udp6(put_pbuf, b); return 0;
    case K_NET_UNIX: unix_proc_net(put_pbuf, b); return 0;
    case K_NET_IF_INET6: net_proc_if_inet6(put_pbuf, b); return 0;
    case K_NET_ARP: net_proc_arp(put_pbuf, b); return 0;
    case K_PING_GROUPS: net_proc_ping_group_range(put_pbuf, b); return 0;
    case K_PARTITIONS: blk_proc_partitions(put_pbuf, b); return 0;
    case K_INPUT_DEVICES: input_proc_devices(put_pbuf, b); return 0;
    default: return -EINVAL;
    }
}

/* /proc/sys/vm/drop_caches: writing 1 or 3 (Linux: 1 page cache, 2 dentries and
 * inodes, 3 both, bit 2 only silences Linux's log line) drops the page cache's
 * clean unmapped pages and the buffer cache's clean unheld blocks, so the next
 * reads go to the disk; dirty data stays (sync
 * first to drop it too). As on Linux, a decimal number with blanks around it
 * (1-4, as Linux 6.1 checks) and write-only even for root. */
static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

static ssize_t drop_caches_write(struct file *f, const void *buf, size_t n)
{
    (void)f;
    if (n == 0)
        return 0;
    char text[16];
    size_t len = MIN(n, sizeof(text) - 1);
    memcpy(text, buf, len);
    size_t i = 0, digits = 0;
    int v = 0;
    while (i < len && blank(text[i]))
        i++;
    for (; i < len && text[i] >= '0' && text[i] <= '9' && v < 100; i++, digits++)
        v = v * 10 + (text[i] - '0');
    while (i < len && blank(text[i]))
        i++;
    if (digits == 0 || i != len || n > len || v < 1 || v > 4)
        return -EINVAL;
    if (v & 1) {
        filepages_reclaim_all();        /* files' clean, unmapped cache pages */
        bcache_drop_clean();
    }
    return (ssize_t)n;
}

static const struct file_ops drop_caches_ops = { .write = drop_caches_write, .seekable = true };

static int procfs_open(struct vnode *v, struct file *f)
{
    if (pnode_of(v)->kind == K_DROP_CACHES) {
        if ((f->flags & O_ACCMODE) != O_WRONLY)
            return -EACCES;             /* Linux's sysctl: 0200 binds root too */
        f->ops = &drop_caches_ops;
        return 0;
    }
    return pseudofs_open(f, procfs_gen);
}

/* O_TRUNC (a shell's "echo 3 >") is ignored on the one writable file, as on
 * Linux's /proc/sys; every other file is read-only. */
static int procfs_truncate(struct vnode *v, uint64_t size)
{
    if (pnode_of(v)->kind == K_DROP_CACHES)
        return 0;
    return pseudofs_truncate(v, size);
}

/* ---- the namespace (all under `vfs`) ---- */

static bool pid_alive(int pid)
{
    return proc_info_get(pid, &info_scratch) == 0;
}

/* Frees the nodes of processes that are gone, a process at a time, and only when
 * none of its nodes is held (a held fd/ directory still points at its parent). */
static void sweep(void)
{
restart:
    for (struct pnode *n = dyn_nodes; n; n = n->next) {
        if (n->kind != K_PID_DIR || pid_alive(n->pid))
            continue;
        bool held = false;
        for (struct pnode *m = dyn_nodes; m; m = m->next)
            if (m->pid == n->pid && m->v.refcount > 0)
                held = true;
        if (held)
            continue;
        int pid = n->pid;
        for (struct pnode **pp = &dyn_nodes; *pp;) {
            struct pnode *m = *pp;
            if (m->pid == pid) {
                *pp = m->next;
                kfree(m);
            } else {
                pp = &m->next;
            }
        }
        goto restart;                   /* n is gone: walk the list again */
    }
}

static struct pnode *find_node(int kind, int pid, int idx)
{
    for (struct pnode *n = dyn_nodes; n; n = n->next)
        if (n->kind == kind && n->pid == pid && n->idx == idx)
            return n;
    return NULL;
}

/* readdir's answer for an entry: its node when one exists (so getcwd's name search
 * finds a directory someone is in), else a scratch vnode with a stable made-up ino. */
static struct vnode *dirent_of(int kind, int pid, int idx, uint64_t ino, uint32_t mode)
{
    struct pnode *n = find_node(kind, pid, idx);
    return n ? &n->v : pseudofs_dirent(ino, mode);
}

/* A process's entries belong to its effective ids, as on Linux: its owner may
 * search /proc/<pid>/fd (0500) and reopen what it has open; others may not.
 * Looked up afresh each time (setuid moves them). */
static void own_by_process(struct pnode *n)
{
    struct proc_info *pi = n->pid > 0 ? kmalloc(sizeof(*pi)) : NULL;
    if (pi && proc_info_get(n->pid, pi) == 0) {
        n->v.uid = pi->euid;
        n->v.gid = pi->egid;
    }
    kfree(pi);
}

static struct pnode *find_or_make(int kind, int pid, int idx, uint32_t mode, struct vnode *parent)
{
    struct pnode *n = find_node(kind, pid, idx);
    if (!n) {
        n = pnode_alloc(proc_fs, &procfs_ops, mode, parent, kind, pid, idx);
        if (!n)
            return NULL;
        n->next = dyn_nodes;
        dyn_nodes = n;
    }
    own_by_process(n);
    return n;
}

/* Parses a decimal name; -1 when it is not one. */
static int parse_num(const char *name, size_t len)
{
    if (len == 0 || len > 9)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static struct vnode *procfs_lookup(struct vnode *dir, const char *name, size_t len)
{
    struct pnode *d = pnode_of(dir);
    if (d->kind == K_ROOT) {
        for (size_t i = 0; i < ARRAY_SIZE(root_ents); i++)
            if (pseudofs_name_is(name, len, root_ents[i].name))
                return &root_nodes[i]->v;
        int pid = parse_num(name, len);
        if (pid <= 0 || !pid_alive(pid))
            return NULL;
        sweep();                        /* the walk holds no per-process node here */
        struct pnode *n = find_or_make(K_PID_DIR, pid, 0, S_IFDIR | 0555, dir);
        return n ? &n->v : NULL;
    }
    if (d->kind == K_PID_DIR) {
        for (size_t i = 0; i < ARRAY_SIZE(pid_ents); i++) {
            if (pseudofs_name_is(name, len, pid_ents[i].name)) {
                struct pnode *n = find_or_make(pid_ents[i].kind, d->pid, 0, pid_ents[i].mode, dir);
                return n ? &n->v : NULL;
            }
        }
        return NULL;
    }
    const struct subdir *sd = subdir_of(d->kind);
    if (sd) {
        for (size_t i = 0; i < sd->n; i++) {
            if (pseudofs_name_is(name, len, sd->ents[i].name)) {
                struct pnode *n = find_or_make(sd->ents[i].kind, 0, 0, sd->ents[i].mode, dir);
                return n ? &n->v : NULL;
            }
        }
        return NULL;
    }
    if (d->kind == K_PID_FD) {
        int fd = parse_num(name, len);
        struct fdtable *t = proc_files_locked(d->pid);
        if (!fdtable_is_open(t, fd))
            return NULL;
        struct pnode *n = find_or_make(K_FD_LINK, d->pid, fd, S_IFLNK | 0700, dir);
        return n ? &n->v : NULL;
    }
    return NULL;
}

static int procfs_readdir(struct vnode *dir, uint64_t *posp, const char **name, size_t *len,
                          struct vnode **v)
{
    uint64_t pos = *posp;               /* dense positions: *posp stays */
    struct pnode *d = pnode_of(dir);
    size_t i = (size_t)pos - 2;
    if (d->kind == K_ROOT) {
        if (i < ARRAY_SIZE(root_ents)) {
            *name = root_ents[i].name;
            *len = strlen(*name);
            *v = &root_nodes[i]->v;
            return 0;
        }
        i -= ARRAY_SIZE(root_ents);
        int count = proc_list_pids(pid_scratch, (int)ARRAY_SIZE(pid_scratch));
        if (i >= (size_t)MIN(count, (int)ARRAY_SIZE(pid_scratch)))
            return -ENOENT;
        *len = (size_t)ksnprintf(name_scratch, sizeof(name_scratch), "%d", pid_scratch[i]);
        *name = name_scratch;
        *v = dirent_of(K_PID_DIR, pid_scratch[i], 0, 0x100000000ull + (uint64_t)pid_scratch[i] * 64,
                       S_IFDIR | 0555);
        return 0;
    }
    if (d->kind == K_PID_DIR) {
        if (i >= ARRAY_SIZE(pid_ents))
            return -ENOENT;
        *name = pid_ents[i].name;
        *len = strlen(*name);
        *v = dirent_of(pid_ents[i].kind, d->pid, 0, 0x100000000ull + (uint64_t)d->pid * 64 + 1 + i,
                       pid_ents[i].mode);
        return 0;
    }
    const struct subdir *sd = subdir_of(d->kind);
    if (sd) {
        if (i >= sd->n)
            return -ENOENT;
        *name = sd->ents[i].name;
        *len = strlen(*name);
        *v = dirent_of(sd->ents[i].kind, 0, 0, sd->ino + i, sd->ents[i].mode);
        return 0;
    }
    if (d->kind == K_PID_FD) {
        struct fdtable *t = proc_files_locked(d->pid);
        for (int fd = 0; t && fd < VFS_FD_MAX; fd++) {
            if (fdtable_is_open(t, fd) && i-- == 0) {
                *len = (size_t)ksnprintf(name_scratch, sizeof(name_scratch), "%d", fd);
                *name = name_scratch;
                *v = dirent_of(K_FD_LINK, d->pid, fd,
                               0x200000000ull + (uint64_t)d->pid * VFS_FD_MAX + (uint64_t)fd,
                               S_IFLNK | 0700);
                return 0;
            }
        }
    }
    return -ENOENT;
}

/* Where descriptor fd of pid points, Linux style, into n->target. Caller holds
 * `vfs` (the table stays attached to its process, a vnode stays allocated); the
 * table's lock keeps the file itself while its fields are read. */
static int fd_target(struct pnode *n)
{
    struct fdtable *t = proc_files_locked(n->pid);
    if (!t || n->idx >= VFS_FD_MAX)
        return -ENOENT;
    char *out = n->target;
    unsigned long fl = fdtable_lock(t);
    struct file *f = t->fd[n->idx];
    struct vnode *v = f ? f->vnode : NULL;
    bool named = f && f->path;
    if (named)
        strlcpy(out, f->path, PNODE_TARGET_MAX);
    unsigned long pipe_id = f ? (unsigned long)(((uintptr_t)f->priv >> 4) & 0xffffff) : 0;
    fdtable_unlock(t, fl);
    if (!f)
        return -ENOENT;
    if (!v && named) {                  /* anonymous files name themselves */
    } else if (!v) {                    /* pipes have no vnode */
        ksnprintf(out, PNODE_TARGET_MAX, "pipe:[%lu]", pipe_id);
    } else if (S_ISCHR(v->mode) && devfs_name(v->rdev)) {
        ksnprintf(out, PNODE_TARGET_MAX, "/dev/%s", devfs_name(v->rdev));
    } else if (S_ISDIR(v->mode)) {
        if (vfs_dir_path_locked(vfs_root(), v, out, PNODE_TARGET_MAX) < 0)
            strlcpy(out, "/", PNODE_TARGET_MAX);
    } else if (named) {
    } else {
        ksnprintf(out, PNODE_TARGET_MAX, "anon_inode:[%lu]", (unsigned long)v->ino);
    }
    return 0;
}

/* /proc/<pid>/fd/N opens what the descriptor has open, as on Linux, even when the
 * file has no name any more (unlinked, memfd). Pipes and anonymous files have no
 * vnode here: they resolve by their text (and fail). Caller holds `vfs`, under
 * which the descriptor's file and its vnode stay put. */
static int procfs_magic_link(struct vnode *v, struct vnode **out, struct file **reopen)
{
    struct pnode *n = pnode_of(v);
    if (n->kind != K_FD_LINK)
        return -EINVAL;
    struct fdtable *t = proc_files_locked(n->pid);
    if (!t || n->idx >= VFS_FD_MAX)
        return -EINVAL;
    unsigned long fl = fdtable_lock(t);
    struct file *f = t->fd[n->idx];
    struct vnode *target = f ? f->vnode : NULL;
    bool reopened = f && !target && f->ops && f->ops->reopen && reopen;
    if (reopened)
        file_get(f);
    fdtable_unlock(t, fl);
    if (reopened) {
        *reopen = f;
        *out = v;
        return 0;
    }
    uint32_t type = target ? target->mode & S_IFMT : 0;
    if (type != S_IFREG && type != S_IFDIR && type != S_IFCHR && type != S_IFBLK)
        return -EINVAL;
    *out = target;
    return 0;
}

static int procfs_readlink(struct vnode *v, const char **target, size_t *len)
{
    struct pnode *n = pnode_of(v);
    if (n->kind == K_SELF) {
        struct process *p = proc_current();
        if (!p)
            return -ENOENT;             /* a kernel thread has no /proc/self */
        ksnprintf(n->target, PNODE_TARGET_MAX, "%d", p->pid);
    } else if (n->kind == K_PID_EXE) {
        if (proc_info_get(n->pid, &info_scratch) || !info_scratch.exe[0])
            return -ENOENT;
        strlcpy(n->target, info_scratch.exe, PNODE_TARGET_MAX);
    } else if (n->kind == K_FD_LINK) {
        int err = fd_target(n);
        if (err)
            return err;
    } else {
        return -EINVAL;
    }
    *target = n->target;
    *len = strlen(n->target);
    return 0;
}

static const struct vnode_ops procfs_ops = {
    .lookup = procfs_lookup, .create = pseudofs_create, .link = pseudofs_link,
    .unlink = pseudofs_unlink, .rename = pseudofs_rename, .readdir = procfs_readdir,
    .dir_empty = pseudofs_dir_empty, .read = pseudofs_read, .write = pseudofs_write,
    .truncate = procfs_truncate, .readlink = procfs_readlink, .open = procfs_open,
    .magic_link = procfs_magic_link,
};

struct vfs_fs *procfs_create(void)
{
    struct vfs_fs *fs = kzalloc(sizeof(*fs));
    if (!fs)
        return NULL;
    fs->type = "proc";
    fs->magic = 0x9fa0u;               /* linux/magic.h */
    fs->st_flags = VFS_ST_NOSUID | VFS_ST_NODEV | VFS_ST_NOEXEC | VFS_ST_RELATIME;
    fs->dev = VFS_MKDEV(0, 20);
    fs->next_ino = 1;
    proc_fs = fs;
    struct pnode *root = pnode_alloc(fs, &procfs_ops, S_IFDIR | 0555, NULL, K_ROOT, 0, 0);
    if (!root)
        return NULL;
    fs->root = &root->v;
    for (size_t i = 0; i < ARRAY_SIZE(root_ents); i++) {
        root_nodes[i] = pnode_alloc(fs, &procfs_ops, root_ents[i].mode, &root->v,
                                    root_ents[i].kind, 0, 0);
        if (!root_nodes[i])
            return NULL;
    }
    return fs;
}
