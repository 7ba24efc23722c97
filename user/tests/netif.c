/* The interface ioctls busybox ifconfig/route and glibc's if_nametoindex use, on
 * the loopback interface (every machine has it): names, indexes, flags,
 * addresses, MTU, hardware address, SIOCGIFCONF, the errors for a missing
 * interface and for a change without privilege; /proc/net/dev and /proc/net/route
 * in Linux's formats. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ARPHRD_LOOPBACK
#define ARPHRD_LOOPBACK 772
#endif

static int sock(void) { return socket(AF_INET, SOCK_DGRAM, 0); }

static struct ifreq req(const char *name)
{
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    return r;
}

static const char *in_str(const struct sockaddr *sa)
{
    static char buf[INET_ADDRSTRLEN];
    if (sa->sa_family != AF_INET)
        return "not AF_INET";
    return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof(buf));
}

TEST(lo_has_an_index_and_its_name_back)
{
    int s = sock();
    struct ifreq r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFINDEX, &r), 0);
    CHECK(r.ifr_ifindex > 0);
    int idx = r.ifr_ifindex;
    CHECK_EQ((int)if_nametoindex("lo"), idx);   /* glibc asks an AF_UNIX socket */
    struct ifreq n;
    memset(&n, 0, sizeof(n));
    n.ifr_ifindex = idx;
    CHECK_EQ(ioctl(s, SIOCGIFNAME, &n), 0);
    CHECK_STR(n.ifr_name, "lo");
    close(s);
}

TEST(lo_flags_address_netmask_mtu_and_hwaddr)
{
    int s = sock();
    struct ifreq r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFFLAGS, &r), 0);
    CHECK_EQ(r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
             IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
    CHECK_EQ(r.ifr_flags & IFF_BROADCAST, 0);
    r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFADDR, &r), 0);
    CHECK_STR(in_str(&r.ifr_addr), "127.0.0.1");
    r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFNETMASK, &r), 0);
    CHECK_STR(in_str(&r.ifr_netmask), "255.0.0.0");
    r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFMTU, &r), 0);
    CHECK(r.ifr_mtu >= 1500);
    r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFMETRIC, &r), 0);
    CHECK_EQ(r.ifr_metric, 0);
    r = req("lo");
    CHECK_EQ(ioctl(s, SIOCGIFHWADDR, &r), 0);
    CHECK_EQ(r.ifr_hwaddr.sa_family, ARPHRD_LOOPBACK);
    static const char zero[6];
    CHECK_EQ(memcmp(r.ifr_hwaddr.sa_data, zero, 6), 0);
    close(s);
}

TEST(ifconf_lists_lo_with_its_address)
{
    int s = sock();
    struct ifconf ic = { .ifc_len = 0, .ifc_buf = NULL };
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &ic), 0);
    CHECK(ic.ifc_len >= (int)sizeof(struct ifreq));
    CHECK_EQ(ic.ifc_len % (int)sizeof(struct ifreq), 0);
    struct ifreq reqs[32];
    ic.ifc_len = sizeof(reqs);
    ic.ifc_req = reqs;
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &ic), 0);
    int found = 0;
    for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++)
        if (!strcmp(reqs[i].ifr_name, "lo"))
            found = !strcmp(in_str(&reqs[i].ifr_addr), "127.0.0.1");
    CHECK(found);
    /* Room for one: one entry. */
    ic.ifc_len = sizeof(struct ifreq);
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &ic), 0);
    CHECK_EQ(ic.ifc_len, (int)sizeof(struct ifreq));
    close(s);
}

TEST(a_missing_interface_is_enodev)
{
    int s = sock();
    struct ifreq r = req("nosuchif9");
    CHECK_ERR(ioctl(s, SIOCGIFFLAGS, &r), ENODEV);
    CHECK_ERR(ioctl(s, SIOCGIFINDEX, &r), ENODEV);
    CHECK_ERR(ioctl(s, SIOCGIFMTU, &r), ENODEV);
    struct ifreq n;
    memset(&n, 0, sizeof(n));
    n.ifr_ifindex = 99999;
    CHECK_ERR(ioctl(s, SIOCGIFNAME, &n), ENODEV);
    CHECK_EQ((int)if_nametoindex("nosuchif9"), 0);
    CHECK_ERR(ioctl(s, SIOCGIFFLAGS, (void *)8), EFAULT);
    close(s);
}

/* Reads need no privilege; changes do (EPERM for an unprivileged user). */
TEST(an_unprivileged_user_reads_but_cannot_change)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) || setuid(65534)))
            _exit(10);
        int s = sock();
        struct ifreq r = req("lo");
        if (ioctl(s, SIOCGIFFLAGS, &r))
            _exit(11);
        if (ioctl(s, SIOCSIFFLAGS, &r) != -1 || errno != EPERM)
            _exit(12);
        r = req("lo");
        if (ioctl(s, SIOCGIFMTU, &r))
            _exit(13);
        if (ioctl(s, SIOCSIFMTU, &r) != -1 || errno != EPERM)
            _exit(14);
        struct rtentry rt;
        memset(&rt, 0, sizeof(rt));
        rt.rt_dst.sa_family = AF_INET;
        rt.rt_gateway.sa_family = AF_INET;
        rt.rt_genmask.sa_family = AF_INET;
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        if (ioctl(s, SIOCADDRT, &rt) != -1 || errno != EPERM)
            _exit(15);
        _exit(0);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

TEST(proc_net_dev_and_route_have_linux_headers)
{
    char buf[4096];
    FILE *f = fopen("/proc/net/dev", "r");
    REQUIRE(f != NULL);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    CHECK(!strncmp(buf, "Inter-|   Receive", 17));
    CHECK(strstr(buf, "\n face |bytes    packets errs drop fifo frame compressed multicast|") != NULL);
    CHECK(strstr(buf, "    lo: ") != NULL);
    f = fopen("/proc/net/route", "r");
    REQUIRE(f != NULL);
    CHECK(fgets(buf, sizeof(buf), f) != NULL);
    fclose(f);
    CHECK(!strncmp(buf, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT", 70));
    CHECK_EQ(strlen(buf), 128u);        /* padded to 127 and a newline */
}
