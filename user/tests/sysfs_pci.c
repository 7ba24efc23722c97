/* /sys/bus/pci/devices as Linux lays it out and formats it: what busybox lspci (the
 * uevent file) and pciutils-style tools (vendor, device, class, resource, config)
 * read. Checks that the files of each device agree with each other and with the raw
 * config space, so it holds on any machine with PCI (the host, QEMU's q35). Needs a
 * mounted /sys, so the initramfs chroot check skips it. */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DEVS "/sys/bus/pci/devices"
#define MAX_DEVS 64

static char names[MAX_DEVS][32];
static int ndevs;

static void list_devices(void)
{
    if (ndevs)
        return;
    DIR *d = opendir(DEVS);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && ndevs < MAX_DEVS)
        if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof(names[0]))
            memcpy(names[ndevs++], e->d_name, strlen(e->d_name) + 1);
    closedir(d);
}

/* The whole file (NUL-terminated) in buf; its length, or -1. */
static ssize_t slurp(const char *dev, const char *file, char *buf, size_t size)
{
    char path[128];
    snprintf(path, sizeof(path), DEVS "/%.31s/%.31s", dev, file);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = 0, r;
    while (n < (ssize_t)size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* A "0x%0*x\n" file of the given width; its value, or -1 when malformed. */
static long hex_file(const char *dev, const char *file, int digits)
{
    char buf[64], *end;
    ssize_t n = slurp(dev, file, buf, sizeof(buf));
    if (n != 2 + digits + 1 || buf[0] != '0' || buf[1] != 'x' || buf[n - 1] != '\n')
        return -1;
    long v = strtol(buf + 2, &end, 16);
    return end == buf + n - 1 ? v : -1;
}

TEST(sysfs_pci_devices_are_symlinks_named_by_domain_bus_device_function)
{
    list_devices();
    CHECK(ndevs > 0);
    for (int i = 0; i < ndevs; i++) {
        char path[128], target[256];
        struct stat st;
        unsigned dom, bus, dev, fn;
        char extra;
        snprintf(path, sizeof(path), DEVS "/%.31s", names[i]);
        CHECK_EQ(lstat(path, &st), 0);
        CHECK(S_ISLNK(st.st_mode));
        CHECK_EQ(stat(path, &st), 0);
        CHECK(S_ISDIR(st.st_mode));
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        CHECK(n > 0);
        target[n > 0 ? n : 0] = 0;
        CHECK(strstr(target, "/devices/pci") != NULL);
        CHECK_EQ(sscanf(names[i], "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &extra), 4);
        CHECK_EQ(strlen(names[i]), 12);
        CHECK(dev < 32 && fn < 8);
    }
}

TEST(sysfs_pci_id_files_agree_with_uevent_and_config_space)
{
    list_devices();
    CHECK(ndevs > 0);
    for (int i = 0; i < ndevs; i++) {
        const char *d = names[i];
        long vendor = hex_file(d, "vendor", 4), device = hex_file(d, "device", 4);
        long class = hex_file(d, "class", 6), rev = hex_file(d, "revision", 2);
        long sv = hex_file(d, "subsystem_vendor", 4), sd = hex_file(d, "subsystem_device", 4);
        CHECK(vendor >= 0 && vendor != 0xffff);
        CHECK(device >= 0 && class >= 0 && rev >= 0 && sv >= 0 && sd >= 0);
        char ue[1024], want[512];
        CHECK(slurp(d, "uevent", ue, sizeof(ue)) > 0);
        snprintf(want, sizeof(want), "PCI_CLASS=%04lX\nPCI_ID=%04lX:%04lX\nPCI_SUBSYS_ID=%04lX:%04lX\n"
                 "PCI_SLOT_NAME=%.31s\n", class, vendor, device, sv, sd, d);
        CHECK(strstr(ue, want) != NULL);
        if (!strstr(ue, want))
            fprintf(stderr, "  %s uevent:\n%s  want:\n%s", d, ue, want);
        /* Everyone may read the header's first 64 bytes (Linux limits the rest). */
        unsigned char cfg[4096];
        ssize_t n = slurp(d, "config", (char *)cfg, sizeof(cfg));
        CHECK(n >= 64);
        if (n < 64)
            continue;
        CHECK_EQ(cfg[0] | cfg[1] << 8, vendor);
        CHECK_EQ(cfg[2] | cfg[3] << 8, device);
        CHECK_EQ(cfg[8], rev);
        CHECK_EQ(cfg[9] | cfg[10] << 8 | cfg[11] << 16, class);
        if ((cfg[0x0e] & 0x7f) == 0) {
            CHECK_EQ(cfg[0x2c] | cfg[0x2d] << 8, sv);
            CHECK_EQ(cfg[0x2e] | cfg[0x2f] << 8, sd);
        }
    }
}

TEST(sysfs_pci_config_shows_only_the_64_byte_header_to_non_root)
{
    list_devices();
    CHECK(ndevs > 0);
    if (!ndevs)
        return;
    unsigned char full[4096];
    ssize_t n_root = geteuid() == 0 ? slurp(names[0], "config", (char *)full, sizeof(full)) : -1;
    pid_t pid = fork();
    if (pid == 0) {
        unsigned char cfg[4096];
        if (setuid(65534) != 0)
            _exit(10);
        ssize_t n = slurp(names[0], "config", (char *)cfg, sizeof(cfg));
        _exit(n == 64 ? 0 : n < 0 ? 11 : 12);
    }
    int status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (geteuid() == 0) {
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(n_root >= 256);               /* root: the whole space */
    }
}

TEST(sysfs_pci_resource_lines_are_start_end_flags_and_irq_is_decimal)
{
    list_devices();
    CHECK(ndevs > 0);
    for (int i = 0; i < ndevs; i++) {
        char buf[2048];
        ssize_t n = slurp(names[i], "resource", buf, sizeof(buf));
        CHECK(n > 0 && n % 57 == 0);        /* "0x" + 16 digits, three times, blanks, \n */
        int lines = 0;
        for (char *p = buf; p < buf + n; p += 57, lines++) {
            unsigned long long s, e, f;
            CHECK_EQ(sscanf(p, "0x%16llx 0x%16llx 0x%16llx", &s, &e, &f), 3);
            CHECK(p[56] == '\n');
            CHECK(f ? e >= s : (s == 0 && e == 0));
            CHECK(!(f & 0x100) || !(f & 0x200));    /* not both I/O and memory */
        }
        CHECK(lines >= 7);                  /* six BARs and the ROM at least */
        char irq[32], *end;
        CHECK(slurp(names[i], "irq", irq, sizeof(irq)) > 1);
        strtoul(irq, &end, 10);
        CHECK(end > irq && *end == '\n');
    }
}

TEST(sysfs_pci_device_directory_lists_the_attribute_files)
{
    list_devices();
    CHECK(ndevs > 0);
    if (!ndevs)
        return;
    static const char *const want[] = { "vendor", "device", "class", "subsystem_vendor",
        "subsystem_device", "revision", "irq", "resource", "config", "uevent" };
    char path[128];
    snprintf(path, sizeof(path), DEVS "/%.31s", names[0]);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (!d)
        return;
    unsigned found = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        for (unsigned k = 0; k < 10; k++)
            if (strcmp(e->d_name, want[k]) == 0)
                found |= 1u << k;
    closedir(d);
    CHECK_EQ(found, 0x3ff);
}

