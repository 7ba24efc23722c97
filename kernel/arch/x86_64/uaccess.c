/* copy_from_user and friends (<osc/uaccess.h>): range checks in C, the accesses in
 * uaccess_copy.S under the exception fix-up, SMAP opened (STAC) only around them. */

#include <osc/errno.h>
#include <osc/uaccess.h>
#include <asm/cpufeature.h>
#include "arch_cpu.h"

extern char uaccess_start[], uaccess_end[], uaccess_fault[];
long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_clear(void *dst, size_t n);
long uaccess_strncpy(char *dst, const char *src, size_t size);

uint64_t uaccess_fixup(uint64_t rip)
{
    if (rip >= (uint64_t)uaccess_start && rip < (uint64_t)uaccess_end)
        return (uint64_t)uaccess_fault;
    return 0;
}

/* STAC/CLAC exist only with SMAP (they are #UD otherwise). */
static void smap_open(void)
{
    if (cpu_has(CPU_FEATURE_SMAP))
        __asm__ volatile("stac" ::: "memory");
}

static void smap_close(void)
{
    if (cpu_has(CPU_FEATURE_SMAP))
        __asm__ volatile("clac" ::: "memory");
}

int copy_from_user(void *dst, const void *user_src, size_t n)
{
    if (!user_range_ok((uint64_t)user_src, n))
        return -EFAULT;
    if (!n)
        return 0;
    smap_open();
    long r = uaccess_copy(dst, user_src, n);
    smap_close();
    return (int)r;
}

int copy_to_user(void *user_dst, const void *src, size_t n)
{
    if (!user_range_ok((uint64_t)user_dst, n))
        return -EFAULT;
    if (!n)
        return 0;
    smap_open();
    long r = uaccess_copy(user_dst, src, n);
    smap_close();
    return (int)r;
}

int clear_user(void *user_dst, size_t n)
{
    if (!user_range_ok((uint64_t)user_dst, n))
        return -EFAULT;
    if (!n)
        return 0;
    smap_open();
    long r = uaccess_clear(user_dst, n);
    smap_close();
    return (int)r;
}

long strncpy_from_user(char *dst, const char *user_src, size_t size)
{
    uint64_t src = (uint64_t)user_src;
    if (src >= USER_SPACE_END || size == 0)
        return size == 0 ? -ENAMETOOLONG : -EFAULT;
    size_t room = USER_SPACE_END - src;
    bool clamped = size > room;
    smap_open();
    long r = uaccess_strncpy(dst, user_src, clamped ? room : size);
    smap_close();
    /* No NUL before the end of the user half: the string runs into the kernel half. */
    if (r == -ENAMETOOLONG && clamped)
        return -EFAULT;
    return r;
}
