/* EFAULT: every pointer from user space is checked. Bad pointers — NULL, an
 * unmapped low page, the kernel half, and a pointer+length that wraps around the
 * address space — must make the call fail with EFAULT, never crash the caller or
 * the kernel. Raw syscall() so no libc wrapper checks or touches the pointer first. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define UNMAPPED   ((void *)0x1000UL)                  /* below every static binary */
#define KERNEL     ((void *)0xffff800000000000UL)      /* start of the kernel half */
#define NONCANON   ((void *)0x0000800000000000UL)      /* first non-canonical address */

static const void *const bad_ptrs[] = { NULL, UNMAPPED, KERNEL, NONCANON };
static const char *const bad_names[] = { "NULL", "0x1000", "kernel half", "non-canonical" };
#define NBAD (sizeof bad_ptrs / sizeof bad_ptrs[0])

/* A scratch file with some content, opened read-write. */
static int scratch(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/efault.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        unlink(path);
        if (write(fd, "0123456789abcdef", 16) != 16) {
            close(fd);
            return -1;
        }
        lseek(fd, 0, SEEK_SET);
    }
    return fd;
}

#define CHECK_EFAULT_EACH(call_with_p)                                          \
    for (size_t i = 0; i < NBAD; i++) {                                         \
        void *p = (void *)bad_ptrs[i];                                          \
        errno = 0;                                                              \
        long r = (call_with_p);                                                 \
        if (r != -1 || errno != EFAULT)                                         \
            tl_fail(__FILE__, __LINE__, "%s with %s pointer: returned %ld errno %d (%s)", \
                    #call_with_p, bad_names[i], r, errno, strerror(errno));     \
    }

TEST(write_from_bad_pointer_is_efault)
{
    int fd = scratch();
    REQUIRE(fd >= 0);
    CHECK_EFAULT_EACH(syscall(SYS_write, fd, p, 8));
    close(fd);
}

TEST(read_into_bad_pointer_is_efault)
{
    int fd = scratch();
    REQUIRE(fd >= 0);
    CHECK_EFAULT_EACH((lseek(fd, 0, SEEK_SET), syscall(SYS_read, fd, p, 8)));
    close(fd);
}

TEST(write_with_wrapping_length_is_efault)
{
    int fd = scratch();
    REQUIRE(fd >= 0);
    char buf[16] = "wrap";
    /* buf + len wraps past 2^64 to a small address. */
    size_t len = (size_t)0 - (uintptr_t)buf + 16;
    CHECK_ERR(syscall(SYS_write, fd, buf, len), EFAULT);
    /* The top page of the address space plus two pages. */
    CHECK_ERR(syscall(SYS_write, fd, (void *)0xfffffffffffff000UL, 0x2000), EFAULT);
    close(fd);
}

TEST(read_with_wrapping_length_is_efault)
{
    int fd = scratch();
    REQUIRE(fd >= 0);
    char buf[16];
    size_t len = (size_t)0 - (uintptr_t)buf + 16;
    CHECK_ERR(syscall(SYS_read, fd, buf, len), EFAULT);
    close(fd);
}

TEST(read_crossing_into_the_kernel_half_is_efault)
{
    int fd = scratch();
    REQUIRE(fd >= 0);
    /* Starts in user space (last user page), ends in the kernel half. */
    CHECK_ERR(syscall(SYS_read, fd, (void *)0x00007ffffffff000UL, 0x2000), EFAULT);
    close(fd);
}

TEST(getcwd_into_bad_pointer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_getcwd, p, 4096));
}

TEST(clock_gettime_into_bad_pointer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
}

TEST(uname_into_bad_pointer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_uname, p));
}

TEST(getrandom_into_bad_pointer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_getrandom, p, 16, 0));
}

TEST(nanosleep_with_bad_request_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_nanosleep, p, NULL));
}

TEST(open_with_bad_path_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
}

TEST(stat_with_bad_path_or_buffer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_newfstatat, AT_FDCWD, p, NULL, 0));
    CHECK_EFAULT_EACH(syscall(SYS_newfstatat, AT_FDCWD, "/", p, 0));
    CHECK_EFAULT_EACH(syscall(SYS_fstat, 0, p));
}

TEST(pipe_into_bad_pointer_is_efault)
{
    CHECK_EFAULT_EACH(syscall(SYS_pipe2, p, 0));
}

TEST(the_caller_survives_and_memory_is_intact)
{
    /* After all of the above the process still works normally. */
    char buf[32];
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK_EQ(buf[0], '/');
}
