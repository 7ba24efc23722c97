/* Linux capability numbers (linux/capability.h) and the sets a process holds
 * (kernel/proc/creds.c computes them; the VFS and signals check them). */
#pragma once

#include <osc/types.h>

#define CAP_CHOWN            0
#define CAP_DAC_OVERRIDE     1
#define CAP_DAC_READ_SEARCH  2
#define CAP_FOWNER           3
#define CAP_FSETID           4
#define CAP_KILL             5
#define CAP_SETGID           6
#define CAP_SETUID           7
#define CAP_SETPCAP          8
#define CAP_LINUX_IMMUTABLE  9
#define CAP_NET_ADMIN        12
#define CAP_NET_RAW          13
#define CAP_SYS_CHROOT       18
#define CAP_SYS_ADMIN        21
#define CAP_MKNOD            27
#define CAP_MAC_OVERRIDE     32
#define CAP_SYSLOG           34
#define CAP_LAST_CAP         40         /* CAP_CHECKPOINT_RESTORE, Linux 5.9+ */

#define CAP_BIT(c)           (1ull << (c))
#define CAP_FULL_SET         ((1ull << (CAP_LAST_CAP + 1)) - 1)
/* What a filesystem uid of 0 carries (Linux's CAP_FS_MASK): set and dropped with
 * fsuid changes. */
#define CAP_FS_MASK          (CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_DAC_OVERRIDE) |             \
                              CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_FOWNER) |          \
                              CAP_BIT(CAP_FSETID) | CAP_BIT(CAP_LINUX_IMMUTABLE) |          \
                              CAP_BIT(CAP_MKNOD) | CAP_BIT(CAP_MAC_OVERRIDE))

/* Whether gid is the primary group given or one of the supplementary groups: the
 * group test of every permission check (files use fsgid, System V IPC egid). */
static inline bool cred_in_groups(uint32_t primary, const uint32_t *groups, uint32_t n,
                                  uint32_t gid)
{
    if (primary == gid)
        return true;
    for (uint32_t i = 0; i < n; i++)
        if (groups[i] == gid)
            return true;
    return false;
}
