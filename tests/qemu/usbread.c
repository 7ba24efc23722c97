/* Guest side of tests/qemu/usb.py: finds QEMU's USB tablet, keyboard and mouse
 * under /dev/input by EVIOCGNAME, prints the tablet's axes (EVIOCGABS) and what
 * EVIOCGABS says on the keyboard, says READY, then prints every event of the
 * three as "EV tablet|kbd|mouse TYPE CODE VALUE" until it has seen what the host
 * sends (the tablet at 16384,8192, a left click on a USB pointer, b, shift+c
 * and a held x on the keyboard, mouse motion) or 40 s passed, and ends with
 * "DONE". Static musl, built by the test. */
#include <errno.h>
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
struct input_absinfo {
    int32_t value, minimum, maximum, fuzz, flat, resolution;
};
#define IOR(nr, len) ((2ul << 30) | ((unsigned long)(len) << 16) | ('E' << 8) | (nr))
#define EVIOCGNAME(len) IOR(0x06, len)
#define EVIOCGABS(abs) IOR(0x40 + (abs), sizeof(struct input_absinfo))

static const char *const names[3] = { "tablet", "kbd", "mouse" };
static const char *const match[3] = { "QEMU USB Tablet", "QEMU USB Keyboard", "QEMU USB Mouse" };

int main(void)
{
    int fd[3] = { -1, -1, -1 };
    for (int n = 0; n < 32; n++) {
        char path[64], name[128] = "";
        snprintf(path, sizeof(path), "/dev/input/event%d", n);
        int f = open(path, O_RDONLY | O_NONBLOCK);
        if (f < 0)
            continue;
        ioctl(f, EVIOCGNAME(sizeof(name)), name);
        printf("DEV %d %s\n", n, name);
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (fd[i] < 0 && strstr(name, match[i]))
                k = i;
        if (k >= 0)
            fd[k] = f;
        else
            close(f);
    }
    if (fd[0] < 0 || fd[1] < 0 || fd[2] < 0) {
        printf("MISSING tablet=%d kbd=%d mouse=%d\nDONE\n", fd[0], fd[1], fd[2]);
        return 1;
    }
    for (int axis = 0; axis < 2; axis++) {
        struct input_absinfo a;
        memset(&a, 0x55, sizeof(a));
        int r = ioctl(fd[0], EVIOCGABS(axis), &a);
        printf("ABSINFO %d %d %d %d %d %d %d %d\n", axis, r, a.value, a.minimum, a.maximum,
               a.fuzz, a.flat, a.resolution);
    }
    struct input_absinfo a;
    int r = ioctl(fd[1], EVIOCGABS(0), &a);
    printf("KBDABS %d %d\n", r, r < 0 ? errno : 0);
    printf("READY\n");
    fflush(stdout);
    /* bits: abs x, abs y, btn down, btn up, b down, b up, shift down, c down, rel x,
     * x up */
    int seen = 0;
    time_t end = time(NULL) + 40;
    while (seen != 0x3ff && time(NULL) < end) {
        struct pollfd p[3];
        for (int i = 0; i < 3; i++)
            p[i] = (struct pollfd){ fd[i], POLLIN, 0 };
        if (poll(p, 3, 1000) <= 0)
            continue;
        for (int i = 0; i < 3; i++) {
            struct input_event ev[64];
            ssize_t n = read(fd[i], ev, sizeof(ev));
            for (ssize_t k = 0; k < n / (ssize_t)sizeof(ev[0]); k++) {
                struct input_event *e = &ev[k];
                printf("EV %s %u %u %d\n", names[i], e->type, e->code, e->value);
                if (i == 0 && e->type == 3 && e->code == 0 && e->value == 16384)
                    seen |= 1;
                if (i == 0 && e->type == 3 && e->code == 1 && e->value == 8192)
                    seen |= 2;
                if (i != 1 && e->type == 1 && e->code == 0x110)
                    seen |= e->value ? 4 : 8;
                if (i == 1 && e->type == 1 && e->code == 48)
                    seen |= e->value ? 16 : 32;
                if (i == 1 && e->type == 1 && e->code == 42 && e->value)
                    seen |= 64;
                if (i == 1 && e->type == 1 && e->code == 46 && e->value)
                    seen |= 128;
                if (i == 2 && e->type == 2 && e->code == 0)
                    seen |= 256;
                if (i == 1 && e->type == 1 && e->code == 45 && e->value == 0)
                    seen |= 512;
            }
        }
        fflush(stdout);
    }
    printf("DONE\n");
    return 0;
}
