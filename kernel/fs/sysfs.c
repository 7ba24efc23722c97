/* sysfs, mounted at /sys: kernel status as text, one value or list per file.
 * A fixed tree from one table; /sys/cortex and /sys/pkg will join it as new rows.
 * The one dynamic part: /sys/devices/system/cpu/cpuN, one empty directory per
 * present CPU as Linux registers them (glibc counts them for
 * sysconf(_SC_NPROCESSORS_CONF)); the PCI devices (sysfs_pci.c); the network
 * devices (sysfs_net.c); the compositor's windows (sysfs_comp.c). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/net_stack.h>
#include <osc/percpu.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include "pseudofs.h"
#include "sysfs_comp.h"
#include "sysfs_net.h"
#include "sysfs_pci.h"

#define SYSFS_LOG_MAX (64 * 1024)       /* bytes of the log ring a read can see */

static int gen_unimplemented(struct pnode *n, struct pbuf *b)
{
    (void)n;
    /* "NUMBER NAME COUNT" for every number that answered -ENOSYS at least once,
     * then "NUMBER NAME:op=OP COUNT" for each unknown operation of an implemented
     * multiplexed call (futex). */
    for (uint32_t nr = 0; nr < NR_SYSCALLS; nr++) {
        uint64_t c = syscall_unimplemented_count(nr);
        const char *name = syscall_linux_name(nr);
        if (c)
            pbuf_printf(b, "%u %s %lu\n", nr, name ? name : "unknown", (unsigned long)c);
        uint32_t onr, op;
        for (size_t i = 0; syscall_unimplemented_op_at(i, &onr, &op, &c); i++)
            if (onr == nr)
                pbuf_printf(b, "%u %s:op=%u %lu\n", nr, name ? name : "unknown", op,
                            (unsigned long)c);
    }
    return 0;
}

static int gen_syscalls(struct pnode *n, struct pbuf *b)
{
    (void)n;
    for (uint32_t nr = 0; nr < NR_SYSCALLS; nr++) {
        const char *name = syscall_name(nr);
        if (name)
            pbuf_printf(b, "%s\n", name);
    }
    return 0;
}

static int gen_log(struct pnode *n, struct pbuf *b)
{
    (void)n;
    char *buf = kmalloc(SYSFS_LOG_MAX);
    if (!buf)
        return -ENOMEM;
    size_t len = log_read_ring(buf, SYSFS_LOG_MAX);
    pbuf_put(b, buf, len);
    kfree(buf);
    return 0;
}

static int gen_mm(struct pnode *n, struct pbuf *b)
{
    (void)n;
    struct mm_stats st;
    mm_get_stats(&st);
    pbuf_printf(b, "free_pages %zu\ntotal_pages %zu\nheap_bytes_in_use %zu\nheap_bytes_reserved %zu\n",
                st.free_pages, st.total_pages, st.heap_bytes_in_use, st.heap_bytes_reserved);
    return 0;
}

static int gen_net(struct pnode *n, struct pbuf *b)
{
    (void)n;
    size_t size = 8192;
    char *buf = kmalloc(size);
    if (!buf)
        return -ENOMEM;
    pbuf_put(b, buf, net_stack_stats(buf, size));
    kfree(buf);
    return 0;
}

static int gen_uptime(struct pnode *n, struct pbuf *b)
{
    (void)n;
    uint64_t ms = time_ns() / 1000000;
    pbuf_printf(b, "%lu.%03lu\n", (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
    return 0;
}

/* Linux's CPU list format (Documentation/ABI, "cpu lists"): ids first..end-1 as
 * "0", "0-3"; an empty line when the range is empty. CPU ids are dense and ordered
 * (percpu.h), so every list here is one range. */
static void cpu_range(struct pbuf *b, uint32_t first, uint32_t end)
{
    if (end <= first)
        pbuf_printf(b, "\n");
    else if (end - first == 1)
        pbuf_printf(b, "%u\n", first);
    else
        pbuf_printf(b, "%u-%u\n", first, end - 1);
}

static uint32_t cpus_online(void) { return __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE); }

static int gen_cpu_online(struct pnode *n, struct pbuf *b)
{
    (void)n;
    cpu_range(b, 0, cpus_online());
    return 0;
}

static int gen_cpu_offline(struct pnode *n, struct pbuf *b)
{
    (void)n;
    cpu_range(b, cpus_online(), cpu_possible_count);
    return 0;
}

static int gen_cpu_possible(struct pnode *n, struct pbuf *b)
{
    (void)n;
    cpu_range(b, 0, cpu_possible_count);
    return 0;
}

static int gen_cpu_present(struct pnode *n, struct pbuf *b)
{
    (void)n;
    cpu_range(b, 0, cpu_present_count);
    return 0;
}

/* The tree: each row names its parent row (0 is the root). */
struct sysent { const char *name; int parent; uint32_t mode; pseudo_gen_fn gen; };
static const struct sysent entries[] = {
    { "", -1, S_IFDIR | 0555, NULL },
    { "kernel", 0, S_IFDIR | 0555, NULL },
    { "unimplemented", 1, S_IFREG | 0444, gen_unimplemented },
    { "syscalls", 1, S_IFREG | 0444, gen_syscalls },
    { "log", 1, S_IFREG | 0400, gen_log },
    { "mm", 1, S_IFREG | 0444, gen_mm },
    { "uptime", 1, S_IFREG | 0444, gen_uptime },
    { "devices", 0, S_IFDIR | 0555, NULL },             /* 7 */
    { "system", 7, S_IFDIR | 0555, NULL },              /* 8 */
    { "cpu", 8, S_IFDIR | 0555, NULL },                 /* 9: CPU_DIR */
    { "online", 9, S_IFREG | 0444, gen_cpu_online },
    { "offline", 9, S_IFREG | 0444, gen_cpu_offline },
    { "possible", 9, S_IFREG | 0444, gen_cpu_possible },
    { "present", 9, S_IFREG | 0444, gen_cpu_present },
    { "bus", 0, S_IFDIR | 0555, NULL },                 /* 14 */
    { "pci", 14, S_IFDIR | 0555, NULL },                /* 15 */
    { "devices", 15, S_IFDIR | 0555, NULL },            /* 16: PCI_DEVICES_DIR */
    { "pci0000:00", 7, S_IFDIR | 0555, NULL },          /* 17: PCI_ROOT_DIR */
    { "class", 0, S_IFDIR | 0555, NULL },               /* 18 */
    { "net", 18, S_IFDIR | 0555, NULL },                /* 19: NET_DIR */
    { "compositor", 0, S_IFDIR | 0555, NULL },          /* 20 */
    { "windows", 20, S_IFDIR | 0555, NULL },            /* 21: WINDOWS_DIR */
    { "net", 1, S_IFREG | 0444, gen_net },
};
#define PCI_DEVICES_DIR 16
#define PCI_ROOT_DIR    17
#define NET_DIR         19
#define WINDOWS_DIR     21
#define CPU_DIR         9
#define CPU_NODE_IDX    1000    /* pnode idx of cpuN: CPU_NODE_IDX + N, parent of no row */
static struct pnode *nodes[ARRAY_SIZE(entries)];   /* made once at mount */
static struct pnode *cpu_nodes[MAX_CPUS];           /* cpuN, shown for N < present */
static char cpu_names[MAX_CPUS][8];

static struct vnode *sysfs_lookup(struct vnode *dir, const char *name, size_t len)
{
    int d = pnode_of(dir)->idx;
    for (size_t i = 1; i < ARRAY_SIZE(entries); i++)
        if (entries[i].parent == d && pseudofs_name_is(name, len, entries[i].name))
            return &nodes[i]->v;
    if (d == CPU_DIR)
        for (uint32_t c = 0; c < MIN(cpu_present_count, (uint32_t)MAX_CPUS); c++)
            if (pseudofs_name_is(name, len, cpu_names[c]))
                return &cpu_nodes[c]->v;
    struct vnode *v = sysfs_net_lookup(d, name, len);
    if (!v)
        v = sysfs_comp_lookup(d, name, len);
    return v ? v : sysfs_pci_lookup(d, name, len);
}

static int sysfs_readdir(struct vnode *dir, uint64_t *posp, const char **name, size_t *len,
                         struct vnode **v)
{
    uint64_t pos = *posp;               /* dense positions: *posp stays */
    int d = pnode_of(dir)->idx;
    uint64_t k = pos - 2;
    for (size_t i = 1; i < ARRAY_SIZE(entries); i++) {
        if (entries[i].parent == d && k-- == 0) {
            *name = entries[i].name;
            *len = strlen(*name);
            *v = &nodes[i]->v;
            return 0;
        }
    }
    if (d == CPU_DIR && k < MIN(cpu_present_count, (uint32_t)MAX_CPUS)) {
        *name = cpu_names[k];
        *len = strlen(*name);
        *v = &cpu_nodes[k]->v;
        return 0;
    }
    if (d == WINDOWS_DIR || d >= SYSFS_COMP_IDX)
        return sysfs_comp_readdir(d, k, name, len, v);
    if (d == NET_DIR || d >= SYSFS_NET_IDX)
        return sysfs_net_readdir(d, k, name, len, v);
    return sysfs_pci_readdir(d, k, name, len, v);
}

static int sysfs_gen(struct pnode *n, struct pbuf *b)
{
    if (n->idx >= SYSFS_COMP_IDX)
        return sysfs_comp_gen(n, b);
    if (n->idx >= SYSFS_NET_IDX)
        return sysfs_net_gen(n, b);
    if (n->idx >= SYSFS_PCI_IDX)
        return sysfs_pci_gen(n, b);
    if (n->idx < 0 || (size_t)n->idx >= ARRAY_SIZE(entries) || !entries[n->idx].gen)
        return -EISDIR;
    return entries[n->idx].gen(n, b);
}

static int sysfs_open(struct vnode *v, struct file *f)
{
    (void)v;
    return pseudofs_open(f, sysfs_gen);
}

static int sysfs_readlink(struct vnode *v, const char **target, size_t *len)
{
    return sysfs_pci_readlink(pnode_of(v), target, len);
}

static const struct vnode_ops sysfs_ops = {
    .lookup = sysfs_lookup, .create = pseudofs_create, .link = pseudofs_link,
    .unlink = pseudofs_unlink, .rename = pseudofs_rename, .readdir = sysfs_readdir,
    .dir_empty = pseudofs_dir_empty, .read = pseudofs_read, .write = pseudofs_write,
    .truncate = pseudofs_truncate, .readlink = sysfs_readlink, .open = sysfs_open,
};

struct vfs_fs *sysfs_create(void)
{
    struct vfs_fs *fs = kzalloc(sizeof(*fs));
    if (!fs)
        return NULL;
    fs->type = "sysfs";
    fs->magic = 0x62656572u;               /* linux/magic.h */
    fs->st_flags = VFS_ST_NOSUID | VFS_ST_NODEV | VFS_ST_NOEXEC | VFS_ST_RELATIME;
    fs->dev = VFS_MKDEV(0, 21);
    fs->next_ino = 1;
    for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
        struct vnode *parent = entries[i].parent >= 0 ? &nodes[entries[i].parent]->v : NULL;
        nodes[i] = pnode_alloc(fs, &sysfs_ops, entries[i].mode, parent, 0, 0, (int)i);
        if (!nodes[i])
            return NULL;
    }
    for (uint32_t c = 0; c < MAX_CPUS; c++) {
        ksnprintf(cpu_names[c], sizeof(cpu_names[c]), "cpu%u", c);
        cpu_nodes[c] = pnode_alloc(fs, &sysfs_ops, S_IFDIR | 0555, &nodes[CPU_DIR]->v, 0, 0,
                                   CPU_NODE_IDX + (int)c);
        if (!cpu_nodes[c])
            return NULL;
    }
    if (!sysfs_pci_create(fs, &sysfs_ops, PCI_DEVICES_DIR, &nodes[PCI_DEVICES_DIR]->v,
                          PCI_ROOT_DIR, &nodes[PCI_ROOT_DIR]->v) ||
        !sysfs_net_create(fs, &sysfs_ops, NET_DIR, &nodes[NET_DIR]->v) ||
        !sysfs_comp_create(fs, &sysfs_ops, WINDOWS_DIR, &nodes[WINDOWS_DIR]->v))
        return NULL;
    fs->root = &nodes[0]->v;
    return fs;
}
