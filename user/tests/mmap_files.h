/* Helpers the file-mapping tests share (mmap_shared.c, mmap_private.c): a /tmp
 * file with known bytes, a mapping of it, and a child that runs a check on a
 * mapping (a fault there must not leave a core file). */
#pragma once

#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define PAGE 4096UL

/* A fresh /tmp file of n bytes, byte i = i & 0xff, open read-write; -1 on error.
 * Written from a small buffer: no malloc, so frame counts around it stay exact. */
static inline int make_file(const char *path, size_t n)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    unsigned char buf[256];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)i;
    for (size_t done = 0; done < n;) {
        size_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);
        if (write(fd, buf, chunk) != (ssize_t)chunk) {
            close(fd);
            return -1;
        }
        done += chunk;
    }
    return fd;
}

/* mmap of len bytes of fd from offset 0 with flags (MAP_SHARED/MAP_PRIVATE);
 * NULL on failure. */
static inline unsigned char *map_file(int fd, size_t len, int prot, int flags)
{
    void *p = mmap(NULL, len, prot, flags, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

static inline unsigned char *map_shared(int fd, size_t len, int prot)
{
    return map_file(fd, len, prot, MAP_SHARED);
}

static inline unsigned char *map_private(int fd, size_t len, int prot)
{
    return map_file(fd, len, prot, MAP_PRIVATE);
}

/* Forks a child running fn(arg) (no core file); its wait status, or -1. */
static inline int in_child(void (*fn)(unsigned char *), unsigned char *arg)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        fn(arg);
        _exit(0);
    }
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}
