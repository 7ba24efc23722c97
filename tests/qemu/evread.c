/* Guest side of tests/qemu/input.py: finds the keyboard and mouse under /dev/input
 * by EVIOCGNAME, says READY, then prints every event read from both (poll) as
 * "EV kbd|mouse TYPE CODE VALUE SEC" until it has seen what the host sends (KEY_A
 * press and release, REL_X, REL_Y, BTN_LEFT press and release, REL_WHEEL) or 40 s
 * passed, and ends with "DONE". Static musl, built by the test. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct input_event {
    struct timeval time;
    uint16_t type, code;
    int32_t value;
};
#define EVIOCGNAME(len) ((2ul << 30) | ((unsigned long)(len) << 16) | ('E' << 8) | 0x06)

int main(void)
{
    int kbd = -1, mouse = -1;
    for (int n = 0; n < 32; n++) {
        char path[64], name[128] = "";
        snprintf(path, sizeof(path), "/dev/input/event%d", n);
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
            continue;
        ioctl(fd, EVIOCGNAME(sizeof(name)), name);
        printf("DEV %d %s\n", n, name);
        if (kbd < 0 && strstr(name, "keyboard"))
            kbd = fd;
        else if (mouse < 0 && strstr(name, "Mouse"))
            mouse = fd;
        else
            close(fd);
    }
    if (kbd < 0 || mouse < 0) {
        printf("MISSING kbd=%d mouse=%d\nDONE\n", kbd, mouse);
        return 1;
    }
    printf("READY\n");
    fflush(stdout);
    int seen = 0;           /* bits: A down, A up, REL_X, REL_Y, BTN down, BTN up, wheel,
                               horizontal wheel */
    time_t end = time(NULL) + 40;
    while (seen != 0xff && time(NULL) < end) {
        struct pollfd p[2] = { { kbd, POLLIN, 0 }, { mouse, POLLIN, 0 } };
        if (poll(p, 2, 1000) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            struct input_event ev[64];
            ssize_t r = (p[i].revents & POLLIN) ? read(p[i].fd, ev, sizeof(ev)) : 0;
            for (ssize_t j = 0; j < r / (ssize_t)sizeof(ev[0]); j++) {
                struct input_event *e = &ev[j];
                printf("EV %s %u %u %d %ld\n", i ? "mouse" : "kbd", e->type, e->code,
                       e->value, (long)e->time.tv_sec);
                if (e->type == 1 && e->code == 30)
                    seen |= e->value == 1 ? 1 : e->value == 0 ? 2 : 0;
                if (e->type == 2 && e->code == 0)
                    seen |= 4;
                if (e->type == 2 && e->code == 1)
                    seen |= 8;
                if (e->type == 1 && e->code == 0x110)
                    seen |= e->value ? 16 : 32;
                if (e->type == 2 && e->code == 8)
                    seen |= 64;
                if (e->type == 2 && e->code == 6)
                    seen |= 128;
            }
        }
        fflush(stdout);
    }
    printf("DONE\n");
    return 0;
}
