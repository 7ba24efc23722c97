/* The guest's server for tests/qemu/netload.py: one process, epoll, non-blocking
 * sockets. Listens on PORT (backlog 1024) and answers every connection's request
 * (read up to the blank line) with an HTTP/1.0 200 reply carrying the file PAGE,
 * then closes it. Prints "loadsrv: N open" each time a new hundred of connections
 * are open at the same time, and "loadsrv: N served, M failed, K open at most" after COUNT.
 * usage: loadsrv PORT PAGE COUNT READYFILE (made once it listens) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFD 4096

struct conn { size_t got, sent; char req[512]; };
static struct conn *conns[MAXFD];
static char *reply;
static size_t reply_len;

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static void drop(int ep, int fd)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(conns[fd]);
    conns[fd] = NULL;
}

/* Reads what the peer sent; once the request is whole, sends the reply (what
 * fits now; the rest when EPOLLOUT says so). Returns 1 once the reply is out. */
static int serve(int fd, struct conn *c)
{
    while (!memmem(c->req, c->got, "\r\n\r\n", 4)) {
        if (c->got == sizeof(c->req))
            return -1;
        ssize_t r = read(fd, c->req + c->got, sizeof(c->req) - c->got);
        if (r == 0 || (r < 0 && errno != EAGAIN))
            return -1;
        if (r < 0)
            return 0;
        c->got += (size_t)r;
    }
    while (c->sent < reply_len) {
        ssize_t w = write(fd, reply + c->sent, reply_len - c->sent);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->sent += (size_t)w;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    FILE *f = fopen(argv[2], "rb");
    static char page[1 << 16];
    size_t n = f ? fread(page, 1, sizeof(page), f) : 0;
    long want = atol(argv[3]), served = 0, failed = 0, nopen = 0, most = 0;
    reply = malloc(n + 128);
    reply_len = (size_t)sprintf(reply, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
    memcpy(reply + reply_len, page, n);
    reply_len += n;

    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1024)) {
        perror("loadsrv: bind/listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    close(open(argv[4], O_WRONLY | O_CREAT, 0644));
    struct sigaction sa = { .sa_handler = on_term };   /* no SA_RESTART: ends the wait */
    sigaction(SIGTERM, &sa, NULL);
    struct epoll_event evs[64];
    while (served + failed < want && !stop) {
        int k = epoll_wait(ep, evs, 64, -1);
        if (k < 0 && errno != EINTR) {
            perror("loadsrv: epoll_wait");
            return 1;
        }
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAXFD || !(conns[c] = calloc(1, sizeof(struct conn)))) {
                        close(c);
                        failed++;
                        continue;
                    }
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                    if (++nopen > most && (most = nopen) % 100 == 0) {
                        printf("loadsrv: %ld open\n", nopen);
                        fflush(stdout);
                    }
                }
                continue;
            }
            int r = serve(fd, conns[fd]);
            if (r) {
                served += r > 0;
                failed += r < 0;
                drop(ep, fd);
                nopen--;
            }
        }
    }
    printf("loadsrv: %ld served, %ld failed, %ld open at most\n", served, failed, most);
    return 0;
}
