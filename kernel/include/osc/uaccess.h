/* Access to user memory from the kernel. Every user pointer goes through these:
 * they check the range lies in the user half without wrapping, open SMAP for the
 * copy only, and turn a fault during the copy into -EFAULT (through the exception
 * fix-up table), never a kernel fault (SPEC §2). */
#pragma once

#include <osc/types.h>

#define USER_SPACE_END 0x0000800000000000ull   /* first non-canonical address */

static inline bool user_range_ok(uint64_t addr, size_t n)
{
    return addr < USER_SPACE_END && n <= USER_SPACE_END - addr;
}

int copy_from_user(void *dst, const void *user_src, size_t n);     /* 0 or -EFAULT */
int copy_to_user(void *user_dst, const void *src, size_t n);       /* 0 or -EFAULT */
int clear_user(void *user_dst, size_t n);                          /* 0 or -EFAULT */
/* Copies a NUL-terminated string of at most size-1 bytes; returns its length,
 * -EFAULT, or -ENAMETOOLONG when no NUL lies within size bytes (LESSONS 7). */
long strncpy_from_user(char *dst, const char *user_src, size_t size);
