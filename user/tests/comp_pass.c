/* Surface fds passed between processes over AF_UNIX (SCM_RIGHTS): the receiver
 * maps the same pixels and presents them; the surface lives while any process
 * holds it (its maker closing its fd does not take it away) and goes with the
 * last fd.
 * An OSCortex interface: on Linux (no /dev/compositor) the test notes that and
 * skips. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "comp_test.h"

#define W 48
#define H 24

static int send_fd(int sock, int fd)
{
    char byte = 'S';
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof(u));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    if (recvmsg(sock, &m, 0) != 1)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* The /sys/compositor/windows entry whose title is title, or 0. */
static int window_titled(const char *title)
{
    char path[96], buf[128];
    for (int id = 1; id < 20000; id++) {
        snprintf(path, sizeof(path), "/sys/compositor/windows/%d/title", id);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0 && (buf[n - 1] = 0, strcmp(buf, title) == 0))
            return id;
    }
    return 0;
}

/* The child: takes the surface, checks it is the parent's, draws its own
 * pattern, presents it and waits for the frame; exit status 0 when all went. */
static int receiver(int sock)
{
    int fd = recv_fd(sock);
    if (fd < 0)
        return 1;
    struct osc_surface_info info;
    if (ioctl(fd, OSC_SURFACE_INFO, &info) || info.width != W || info.height != H)
        return 2;
    uint32_t *px = mmap(NULL, W * H * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED || px[5] != 0x00abcd00u + 5)
        return 3;
    for (int i = 0; i < W * H; i++)
        px[i] = 0x00ff0000u | (uint32_t)i;
    if (osc_surface_present(fd, NULL, 0) || !wait_event(fd, OSC_EV_FRAME_DONE, NULL))
        return 4;
    /* Tell the parent, then wait until it lets go, so the surface outlives it. */
    char go = 'P';
    if (write(sock, &go, 1) != 1 || read(sock, &go, 1) != 1)
        return 5;
    if (ioctl(fd, OSC_SURFACE_SET_TITLE, "pass-kept") || osc_surface_present(fd, NULL, 0) ||
        !wait_event(fd, OSC_EV_FRAME_DONE, NULL))
        return 6;
    return 0;
}

TEST(a_surface_passed_over_af_unix_is_drawn_by_the_receiver_and_lives_with_its_last_fd)
{
    int comp = open_comp();
    if (comp < 0)
        return;
    int fd = osc_surface_create(comp, W, H, 0);
    REQUIRE(fd >= 0);
    char title[32];
    snprintf(title, sizeof(title), "pass-%d", (int)getpid());
    CHECK_EQ(ioctl(fd, OSC_SURFACE_SET_TITLE, title), 0);
    uint32_t *px = mmap(NULL, W * H * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(px != MAP_FAILED);
    for (int i = 0; i < W * H; i++)
        px[i] = 0x00abcd00u + (uint32_t)i;
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(sv[0]);
        _exit(receiver(sv[1]));
    }
    close(sv[1]);
    CHECK_EQ(send_fd(sv[0], fd), 0);
    close(fd);                                  /* the child's copy keeps it */
    char go;
    CHECK_EQ(read(sv[0], &go, 1), 1);
    /* The child's pixels, in the parent's mapping of the same memory. */
    CHECK_EQ(px[7], 0x00ff0000u | 7);
    int id = window_titled(title);
    CHECK(id > 0);
    munmap(px, W * H * 4);
    /* The parent holds nothing now: the child's fd alone keeps the window. */
    CHECK_EQ(write(sv[0], &go, 1), 1);
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    /* The child renamed it before exiting; with its exit the last fd went. */
    char path[96];
    snprintf(path, sizeof(path), "/sys/compositor/windows/%d", id);
    struct stat st;
    errno = 0;
    CHECK_EQ(stat(path, &st), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(window_titled("pass-kept"), 0);
    close(sv[0]);
    close(comp);
}
