/* The CPUs as /proc and /sys show them: /sys/devices/system/cpu/{online,possible,
 * present} in Linux's list format, a cpuN directory per present CPU, one
 * /proc/cpuinfo entry per online CPU with distinct APIC ids, and an affinity mask
 * inside the online set. Named procfs_* so the initramfs chroot check (no /proc,
 * no /sys) skips it. */
#define _GNU_SOURCE
#include "testlib.h"

#include <sched.h>
#include <sys/stat.h>

#define MAXCPU 1024

/* Parses a Linux CPU list ("0", "0-3", "0,2-5\n") into set[]; the count, or -1. */
static int parse_list(const char *s, unsigned char set[MAXCPU])
{
    memset(set, 0, MAXCPU);
    int n = 0;
    while (*s && *s != '\n') {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0 || a >= MAXCPU)
            return -1;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            if (end == s + 1 || b < a || b >= MAXCPU)
                return -1;
            s = end;
        }
        for (long i = a; i <= b; i++)
            if (!set[i]) {
                set[i] = 1;
                n++;
            }
        if (*s == ',')
            s++;
        else if (*s && *s != '\n')
            return -1;
    }
    return n;
}

static int read_list(const char *path, unsigned char set[MAXCPU])
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t len = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (len <= 0 || buf[len - 1] != '\n')
        return -1;
    buf[len] = 0;
    return parse_list(buf, set);
}

/* The "processor" numbers and "apicid" values of /proc/cpuinfo, in order. */
static int read_cpuinfo(int proc[MAXCPU], int apic[MAXCPU], int *napic)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[4096];
    int n = 0;
    *napic = 0;
    while (fgets(line, sizeof(line), f)) {
        int v;
        if (sscanf(line, "processor : %d", &v) == 1 && n < MAXCPU)
            proc[n++] = v;
        else if (sscanf(line, "apicid : %d", &v) == 1 && *napic < MAXCPU)
            apic[(*napic)++] = v;
    }
    fclose(f);
    return n;
}

TEST(sys_cpu_online_is_a_linux_cpu_list_with_cpu0)
{
    unsigned char on[MAXCPU];
    int n = read_list("/sys/devices/system/cpu/online", on);
    CHECK(n >= 1);
    CHECK(n >= 1 && on[0]);
}

TEST(possible_and_present_cpus_include_every_online_one)
{
    unsigned char on[MAXCPU], pos[MAXCPU], pre[MAXCPU];
    int non = read_list("/sys/devices/system/cpu/online", on);
    int npos = read_list("/sys/devices/system/cpu/possible", pos);
    int npre = read_list("/sys/devices/system/cpu/present", pre);
    REQUIRE(non >= 1 && npos >= 1 && npre >= 1);
    CHECK(npre >= non);
    CHECK(npos >= npre);
    for (int i = 0; i < MAXCPU; i++) {
        if (on[i])
            CHECK(pre[i] && pos[i]);
        if (pre[i])
            CHECK(pos[i]);
    }
}

TEST(every_present_cpu_has_a_sysfs_directory)
{
    unsigned char pre[MAXCPU];
    REQUIRE(read_list("/sys/devices/system/cpu/present", pre) >= 1);
    for (int i = 0; i < MAXCPU; i++) {
        if (!pre[i])
            continue;
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", i);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    }
}

TEST(proc_cpuinfo_has_one_entry_per_online_cpu)
{
    unsigned char on[MAXCPU];
    static int proc[MAXCPU], apic[MAXCPU];
    int napic, non = read_list("/sys/devices/system/cpu/online", on);
    int n = read_cpuinfo(proc, apic, &napic);
    REQUIRE(non >= 1);
    CHECK_EQ(n, non);
    for (int i = 0; i < n; i++) {
        CHECK(proc[i] >= 0 && proc[i] < MAXCPU && on[proc[i]]);
        for (int j = 0; j < i; j++)
            CHECK(proc[i] != proc[j]);
    }
}

TEST(proc_cpuinfo_apic_ids_are_distinct)
{
    static int proc[MAXCPU], apic[MAXCPU];
    int napic, n = read_cpuinfo(proc, apic, &napic);
    REQUIRE(n >= 1);
    CHECK_EQ(napic, n);
    for (int i = 0; i < napic; i++)
        for (int j = 0; j < i; j++)
            CHECK(apic[i] != apic[j]);
}

TEST(affinity_mask_lies_inside_the_online_cpus)
{
    unsigned char on[MAXCPU];
    REQUIRE(read_list("/sys/devices/system/cpu/online", on) >= 1);
    cpu_set_t set;
    CPU_ZERO(&set);
    REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
    CHECK(CPU_COUNT(&set) >= 1);
    for (int i = 0; i < CPU_SETSIZE && i < MAXCPU; i++)
        if (CPU_ISSET(i, &set))
            CHECK(on[i]);
}

TEST(sysconf_counts_agree_with_sysfs)
{
    unsigned char on[MAXCPU], pre[MAXCPU];
    int non = read_list("/sys/devices/system/cpu/online", on);
    int npre = read_list("/sys/devices/system/cpu/present", pre);
    REQUIRE(non >= 1 && npre >= 1);
    long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    /* glibc reads the sysfs lists; musl counts the affinity mask: either way
     * between 1 and what sysfs says. */
    CHECK(onln >= 1 && onln <= non);
    CHECK(conf >= onln && conf <= npre);
}
