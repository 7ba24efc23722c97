/* /sys/bus/pci/devices in Linux's layout and formats, which busybox lspci reads
 * (its uevent file) as do other tools (vendor, device, class, resource, config).
 * The device list is fixed after pci_init, so the nodes are made once at mount.
 * Unlike Linux, every device directory sits directly under /sys/devices/pci0000:00
 * (Linux nests a bridge's devices inside the bridge's directory). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/pci.h>
#include <osc/proc.h>
#include "sysfs_pci.h"

#define PCI_STD_HEADER_SIZE 64

enum { F_VENDOR, F_DEVICE, F_CLASS, F_SUBSYS_VENDOR, F_SUBSYS_DEVICE, F_REVISION, F_IRQ,
       F_RESOURCE, F_CONFIG, F_UEVENT, NFILES };
static const char *const file_names[NFILES] = {
    "vendor", "device", "class", "subsystem_vendor", "subsystem_device", "revision", "irq",
    "resource", "config", "uevent",
};
/* Per device: its link, its directory, then one node per file. */
#define K_LINK      0
#define K_DIR       1
#define K_FILE      2
#define PER_DEV     (K_FILE + NFILES)

static struct pnode **nodes;        /* ndev * PER_DEV, made once */
static size_t ndev;
static int devices_dir_idx = -1, root_dir_idx = -1;

static int node_idx(size_t dev, int k) { return SYSFS_PCI_IDX + (int)(dev * PER_DEV) + k; }

bool sysfs_pci_create(struct vfs_fs *fs, const struct vnode_ops *ops, int devices_idx,
                      struct vnode *devices_dir, int root_idx, struct vnode *root_dir)
{
    devices_dir_idx = devices_idx;
    root_dir_idx = root_idx;
    size_t n = pci_device_count();
    if (!n)
        return true;
    nodes = kzalloc(n * PER_DEV * sizeof(*nodes));
    if (!nodes)
        return false;
    for (size_t i = 0; i < n; i++) {
        struct pnode **p = nodes + i * PER_DEV;
        p[K_LINK] = pnode_alloc(fs, ops, S_IFLNK | 0777, devices_dir, 0, 0, node_idx(i, K_LINK));
        p[K_DIR] = pnode_alloc(fs, ops, S_IFDIR | 0555, root_dir, 0, 0, node_idx(i, K_DIR));
        if (!p[K_LINK] || !p[K_DIR])
            return false;
        for (int f = 0; f < NFILES; f++) {
            p[K_FILE + f] = pnode_alloc(fs, ops, S_IFREG | 0444, &p[K_DIR]->v, 0, 0,
                                        node_idx(i, K_FILE + f));
            if (!p[K_FILE + f])
                return false;
        }
        ndev = i + 1;
    }
    return true;
}

/* Which device and node kind idx names; false for non-PCI nodes. */
static bool decode(int idx, size_t *dev, int *k)
{
    if (idx < SYSFS_PCI_IDX || (size_t)(idx - SYSFS_PCI_IDX) >= ndev * PER_DEV)
        return false;
    *dev = (size_t)(idx - SYSFS_PCI_IDX) / PER_DEV;
    *k = (idx - SYSFS_PCI_IDX) % PER_DEV;
    return true;
}

struct vnode *sysfs_pci_lookup(int dir_idx, const char *name, size_t len)
{
    size_t dev;
    int k;
    if (dir_idx == devices_dir_idx || dir_idx == root_dir_idx) {
        for (size_t i = 0; i < ndev; i++)
            if (pseudofs_name_is(name, len, pci_device_at(i)->name))
                return &nodes[i * PER_DEV + (dir_idx == devices_dir_idx ? K_LINK : K_DIR)]->v;
    } else if (decode(dir_idx, &dev, &k) && k == K_DIR) {
        for (int f = 0; f < NFILES; f++)
            if (pseudofs_name_is(name, len, file_names[f]))
                return &nodes[dev * PER_DEV + K_FILE + f]->v;
    }
    return NULL;
}

int sysfs_pci_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                      struct vnode **v)
{
    size_t dev;
    int kind;
    if (dir_idx == devices_dir_idx || dir_idx == root_dir_idx) {
        if (k >= ndev)
            return -ENOENT;
        *name = pci_device_at(k)->name;
        *v = &nodes[k * PER_DEV + (dir_idx == devices_dir_idx ? K_LINK : K_DIR)]->v;
    } else if (decode(dir_idx, &dev, &kind) && kind == K_DIR) {
        if (k >= NFILES)
            return -ENOENT;
        *name = file_names[k];
        *v = &nodes[dev * PER_DEV + K_FILE + k]->v;
    } else {
        return -ENOENT;
    }
    *len = strlen(*name);
    return 0;
}

/* Linux's resource file (drivers/pci/pci-sysfs.c resource_show): "start end flags"
 * per BAR, then the expansion ROM; unused ones all zero. */
static void gen_resource(const struct pci_dev *d, struct pbuf *b)
{
    for (int i = 0; i <= PCI_MAX_BARS; i++) {
        const struct pci_bar *bar = i < PCI_MAX_BARS ? &d->bars[i] : &d->rom;
        uint64_t start = 0, end = 0, flags = pci_bar_resource_flags(bar);
        if (bar->kind != PCI_BAR_NONE) {
            start = bar->base;
            end = bar->base + bar->size - 1;
        }
        pbuf_printf(b, "0x%016llx 0x%016llx 0x%016llx\n", (unsigned long long)start,
                    (unsigned long long)end, (unsigned long long)flags);
    }
}

/* Linux's uevent (drivers/pci/pci-driver.c pci_uevent), which busybox lspci parses. */
static void gen_uevent(const struct pci_dev *d, struct pbuf *b)
{
    if (d->driver)
        pbuf_printf(b, "DRIVER=%s\n", d->driver->name);
    pbuf_printf(b, "PCI_CLASS=%04X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
                "PCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
                d->class, d->vendor, d->device, d->subsys_vendor, d->subsys_device, d->name,
                d->vendor, d->device, d->subsys_vendor, d->subsys_device, d->class >> 16,
                (d->class >> 8) & 0xff, d->class & 0xff);
}

int sysfs_pci_gen(struct pnode *n, struct pbuf *b)
{
    size_t dev;
    int k;
    if (!decode(n->idx, &dev, &k) || k < K_FILE)
        return -EISDIR;
    const struct pci_dev *d = pci_device_at(dev);
    switch (k - K_FILE) {
    case F_VENDOR: pbuf_printf(b, "0x%04x\n", d->vendor); break;
    case F_DEVICE: pbuf_printf(b, "0x%04x\n", d->device); break;
    case F_CLASS: pbuf_printf(b, "0x%06x\n", d->class); break;
    case F_SUBSYS_VENDOR: pbuf_printf(b, "0x%04x\n", d->subsys_vendor); break;
    case F_SUBSYS_DEVICE: pbuf_printf(b, "0x%04x\n", d->subsys_device); break;
    case F_REVISION: pbuf_printf(b, "0x%02x\n", d->revision); break;
    case F_IRQ: pbuf_printf(b, "%u\n", d->irq_line); break;
    case F_RESOURCE: gen_resource(d, b); break;
    case F_CONFIG: {
        /* Read live, so what a driver changed shows. Like Linux, only root sees past
         * the standard 64-byte header (reading some registers has side effects);
         * the opener's credentials decide, as Linux checks the file's. */
        struct process *p = proc_current();
        uint16_t size = p && p->euid != 0 ? PCI_STD_HEADER_SIZE : d->cfg_size;
        for (uint16_t off = 0; off < size; off += 4) {
            uint32_t v = pci_read32(d, off);
            pbuf_put(b, &v, 4);
        }
        break;
    }
    case F_UEVENT: gen_uevent(d, b); break;
    default: return -EISDIR;
    }
    return 0;
}

int sysfs_pci_readlink(struct pnode *n, const char **target, size_t *len)
{
    size_t dev;
    int k;
    if (!decode(n->idx, &dev, &k) || k != K_LINK)
        return -EINVAL;
    ksnprintf(n->target, PNODE_TARGET_MAX, "../../../devices/pci0000:00/%s",
              pci_device_at(dev)->name);
    *target = n->target;
    *len = strlen(n->target);
    return 0;
}
