/* The Linux evdev ABI on /dev/input/eventN: devices found by EVIOCGNAME, their ids
 * and capability bits, struct input_event reads (EAGAIN when empty, EINVAL for a
 * buffer too small for one record), poll/epoll readiness, EVIOCGKEY and EVIOCGRAB.
 * In OSCortex the PS/2 keyboard and mouse must be there; on a host Linux without
 * readable input devices the device checks say so and skip. Events themselves are
 * checked by tests/qemu/input.py, which can press keys. */
#define _GNU_SOURCE
#include "testlib.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define MAX_EVDEV 32

/* linux/input.h and input-event-codes.h, spelled out: musl ships no kernel headers. */
struct input_event {
    struct timeval time;
    uint16_t type, code;
    int32_t value;
};
struct input_id {
    uint16_t bustype, vendor, product, version;
};
#define IOC(dir, nr, size)  ((unsigned long)(dir) << 30 | (unsigned long)(size) << 16 | 'E' << 8 | (nr))
#define EVIOCGVERSION       IOC(2, 0x01, sizeof(int))
#define EVIOCGID            IOC(2, 0x02, sizeof(struct input_id))
#define EVIOCGNAME(len)     IOC(2, 0x06, len)
#define EVIOCGPHYS(len)     IOC(2, 0x07, len)
#define EVIOCGKEY(len)      IOC(2, 0x18, len)
#define EVIOCGBIT(ev, len)  IOC(2, 0x20 + (ev), len)
#define EVIOCGRAB           IOC(1, 0x90, sizeof(int))
#define EV_VERSION          0x010001
#define EV_SYN 0x00
#define EV_KEY 0x01
#define EV_REL 0x02
#define EV_MAX 0x1f
#define KEY_MAX 0x2ff
#define REL_MAX 0x0f
#define REL_X 0x00
#define REL_Y 0x01
#define REL_HWHEEL 0x06
#define REL_WHEEL 0x08
#define KEY_ESC 1
#define KEY_ENTER 28
#define KEY_A 30
#define KEY_LEFTSHIFT 42
#define KEY_F12 88
#define KEY_RIGHTCTRL 97
#define KEY_UP 103
#define BTN_LEFT 0x110
#define BTN_RIGHT 0x111
#define BTN_MIDDLE 0x112
#define BTN_SIDE 0x113
#define BTN_EXTRA 0x114
#define BUS_I8042 0x11

static int kbd_index = -1, mouse_index = -1;
static bool scanned, any_readable;


static int open_event(int n, int flags)
{
    char path[64];
    snprintf(path, sizeof(path), "/dev/input/event%d", n);
    return open(path, flags | O_CLOEXEC);
}

static bool has_bit(const unsigned char *bits, unsigned int bit)
{
    return bits[bit / 8] >> (bit % 8) & 1;
}

/* The first device whose key bits include KEY_A is the keyboard; the first with
 * REL_X and BTN_LEFT, the mouse (names differ between machines). */
static void scan(void)
{
    if (scanned)
        return;
    scanned = true;
    for (int n = 0; n < MAX_EVDEV; n++) {
        int fd = open_event(n, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
            continue;
        any_readable = true;
        unsigned char keys[KEY_MAX / 8 + 1] = { 0 }, rel[REL_MAX / 8 + 1] = { 0 };
        ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys);
        ioctl(fd, EVIOCGBIT(EV_REL, sizeof(rel)), rel);
        if (kbd_index < 0 && has_bit(keys, KEY_A) && has_bit(keys, KEY_ENTER))
            kbd_index = n;
        if (mouse_index < 0 && has_bit(rel, REL_X) && has_bit(keys, BTN_LEFT))
            mouse_index = n;
        close(fd);
    }
}

/* In OSCortex both devices must exist; elsewhere a missing one skips the test. */
static bool need(const int *index, const char *what)
{
    scan();
    if (*index >= 0)
        return true;
    if (tl_on_oscortex()) {
        CHECK(!"no such evdev device");
        printf("  missing: %s\n", what);
    } else {
        printf("  note: no readable %s under /dev/input on this host: skipped\n", what);
    }
    return false;
}

TEST(evdev_keyboard_and_mouse_are_found_by_their_names)
{
    if (!need(&kbd_index, "keyboard") || !need(&mouse_index, "mouse"))
        return;
    char name[256] = "";
    int fd = open_event(kbd_index, O_RDONLY);
    REQUIRE(fd >= 0);
    int len = ioctl(fd, EVIOCGNAME(sizeof(name)), name);
    CHECK(len > 1 && len == (int)strlen(name) + 1);
    if (tl_on_oscortex())
        CHECK_STR(name, "AT Translated Set 2 keyboard");
    /* A short buffer gets the start of the name and its length back. */
    char shortname[4] = { 'x', 'x', 'x', 'x' };
    CHECK_EQ(ioctl(fd, EVIOCGNAME(3), shortname), 3);
    CHECK(memcmp(shortname, name, 3) == 0 && shortname[3] == 'x');
    close(fd);
    fd = open_event(mouse_index, O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(ioctl(fd, EVIOCGNAME(sizeof(name)), name) > 1);
    if (tl_on_oscortex())
        CHECK(strstr(name, "PS/2") != NULL && strstr(name, "Mouse") != NULL);
    close(fd);
}

TEST(evdev_nodes_are_char_devices_13_64_plus_n)
{
    if (!need(&kbd_index, "keyboard"))
        return;
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/dev/input/event%d", kbd_index);
    REQUIRE(stat(path, &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 13);
    CHECK_EQ(minor(st.st_rdev), 64 + kbd_index);
}

TEST(evdev_version_and_ids_are_linux_shaped)
{
    if (!need(&kbd_index, "keyboard"))
        return;
    int fd = open_event(kbd_index, O_RDONLY);
    REQUIRE(fd >= 0);
    int version = 0;
    CHECK_EQ(ioctl(fd, EVIOCGVERSION, &version), 0);
    CHECK_EQ(version, EV_VERSION);
    struct input_id id = { 0 };
    CHECK_EQ(ioctl(fd, EVIOCGID, &id), 0);
    CHECK(id.bustype != 0);
    if (tl_on_oscortex()) {
        CHECK_EQ(id.bustype, BUS_I8042);
        char phys[64] = "";
        CHECK(ioctl(fd, EVIOCGPHYS(sizeof(phys)), phys) > 0);
        CHECK_STR(phys, "isa0060/serio0/input0");
    }
    CHECK_ERR(ioctl(fd, EVIOCGID, (void *)8), EFAULT);
    close(fd);
}

TEST(evdev_capability_bits_say_what_each_device_reports)
{
    if (!need(&kbd_index, "keyboard") || !need(&mouse_index, "mouse"))
        return;
    unsigned char ev[EV_MAX / 8 + 1], keys[KEY_MAX / 8 + 1], rel[REL_MAX / 8 + 1];
    int fd = open_event(kbd_index, O_RDONLY);
    REQUIRE(fd >= 0);
    memset(ev, 0, sizeof(ev));
    CHECK_EQ(ioctl(fd, EVIOCGBIT(0, sizeof(ev)), ev), (int)sizeof(ev));
    CHECK(has_bit(ev, EV_SYN) && has_bit(ev, EV_KEY));
    memset(keys, 0, sizeof(keys));
    CHECK_EQ(ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys), (int)sizeof(keys));
    CHECK(has_bit(keys, KEY_ESC) && has_bit(keys, KEY_A) && has_bit(keys, KEY_UP) &&
          has_bit(keys, KEY_RIGHTCTRL) && has_bit(keys, KEY_F12));
    if (tl_on_oscortex()) {
        CHECK(!has_bit(ev, EV_REL) && !has_bit(keys, BTN_LEFT));
        /* EVIOCGKEY: nothing held while the test runs. */
        unsigned char down[KEY_MAX / 8 + 1];
        memset(down, 0xff, sizeof(down));
        CHECK_EQ(ioctl(fd, EVIOCGKEY(sizeof(down)), down), (int)sizeof(down));
        CHECK(!has_bit(down, KEY_A) && !has_bit(down, KEY_LEFTSHIFT));
    }
    close(fd);

    fd = open_event(mouse_index, O_RDONLY);
    REQUIRE(fd >= 0);
    memset(ev, 0, sizeof(ev));
    memset(keys, 0, sizeof(keys));
    memset(rel, 0, sizeof(rel));
    CHECK(ioctl(fd, EVIOCGBIT(0, sizeof(ev)), ev) > 0);
    CHECK(ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) > 0);
    CHECK(ioctl(fd, EVIOCGBIT(EV_REL, sizeof(rel)), rel) > 0);
    CHECK(has_bit(ev, EV_KEY) && has_bit(ev, EV_REL));
    CHECK(has_bit(keys, BTN_LEFT) && has_bit(keys, BTN_RIGHT));
    CHECK(has_bit(rel, REL_X) && has_bit(rel, REL_Y));
    if (tl_on_oscortex()) {
        CHECK(has_bit(keys, BTN_MIDDLE) && !has_bit(keys, KEY_A));
        /* QEMU's mouse speaks IntelliMouse Explorer: both wheels, 5 buttons. */
        CHECK(has_bit(rel, REL_WHEEL) && has_bit(rel, REL_HWHEEL));
        CHECK(has_bit(keys, BTN_SIDE) && has_bit(keys, BTN_EXTRA));
        struct input_id id = { 0 };
        CHECK_EQ(ioctl(fd, EVIOCGID, &id), 0);
        CHECK_EQ(id.bustype, BUS_I8042);
        CHECK_EQ(id.product, 6);            /* Linux's psmouse: PSMOUSE_IMEX */
    }
    close(fd);
}

TEST(evdev_nonblocking_read_without_input_gives_eagain)
{
    if (!need(&mouse_index, "mouse"))
        return;
    int fd = open_event(mouse_index, O_RDONLY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    struct input_event evs[16];
    ssize_t r = 0;
    /* A host mouse may be moving: whatever is queued reads as whole records. */
    for (int i = 0; i < 1000 && (r = read(fd, evs, sizeof(evs))) > 0; i++)
        CHECK_EQ(r % (ssize_t)sizeof(struct input_event), 0);
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(sizeof(struct input_event), 24);
    CHECK_ERR(read(fd, evs, sizeof(evs[0]) - 1), EINVAL);
    close(fd);
}

TEST(evdev_poll_and_epoll_report_no_input_as_not_ready)
{
    if (!need(&kbd_index, "keyboard") || !tl_on_oscortex())
        return;         /* a host keyboard may be typed on */
    int fd = open_event(kbd_index, O_RDONLY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 50), 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep >= 0);
    struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), 0);
    CHECK_EQ(epoll_wait(ep, &e, 1, 50), 0);
    close(ep);
    close(fd);
}

TEST(evdev_grab_is_exclusive_and_only_its_holder_releases_it)
{
    if (!need(&mouse_index, "mouse") || !tl_on_oscortex())
        return;         /* grabbing a host's real device would steal its input */
    int a = open_event(mouse_index, O_RDONLY | O_NONBLOCK);
    int b = open_event(mouse_index, O_RDONLY | O_NONBLOCK);
    REQUIRE(a >= 0 && b >= 0);
    CHECK_EQ(ioctl(a, EVIOCGRAB, 1), 0);
    CHECK_ERR(ioctl(b, EVIOCGRAB, 1), EBUSY);
    CHECK_ERR(ioctl(b, EVIOCGRAB, 0), EINVAL);
    CHECK_EQ(ioctl(a, EVIOCGRAB, 0), 0);
    CHECK_EQ(ioctl(b, EVIOCGRAB, 1), 0);
    close(b);                               /* closing releases the grab */
    CHECK_EQ(ioctl(a, EVIOCGRAB, 1), 0);
    close(a);
}

TEST(evdev_unknown_ioctl_is_refused)
{
    if (!need(&kbd_index, "keyboard"))
        return;
    int fd = open_event(kbd_index, O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_ERR(ioctl(fd, IOC(2, 0x7f, sizeof(int)), &fd), EINVAL);
    close(fd);
}

TEST(proc_bus_input_devices_lists_each_device_in_linux_format)
{
    char buf[8192];
    int fd = open("/proc/bus/input/devices", O_RDONLY);
    if (fd < 0 && !tl_on_oscortex()) {
        printf("  note: no /proc/bus/input/devices on this host: skipped\n");
        return;
    }
    REQUIRE(fd >= 0);
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    /* Every block: I:, N:, P:, ... H: with its eventN, B: EV=, a blank line. */
    int blocks = 0;
    for (char *p = buf; (p = strstr(p, "I: Bus=")); p++) {
        blocks++;
        char *end = strstr(p, "\n\n");
        REQUIRE(end);
        CHECK(strstr(p, "\nN: Name=\"") && strstr(p, "\nN: Name=\"") < end);
        CHECK(strstr(p, "\nH: Handlers=") && strstr(p, "\nH: Handlers=") < end);
        CHECK(strstr(p, "\nB: EV=") && strstr(p, "\nB: EV=") < end);
    }
    if (tl_on_oscortex()) {
        CHECK(blocks >= 2);
        CHECK(strstr(buf, "I: Bus=0011 Vendor=0001 Product=0001 Version=ab41\n"
                          "N: Name=\"AT Translated Set 2 keyboard\"\n"
                          "P: Phys=isa0060/serio0/input0\n") != NULL);
        CHECK(strstr(buf, "N: Name=\"ImExPS/2 Generic Explorer Mouse\"") != NULL);
        CHECK(strstr(buf, "B: REL=143\n") != NULL);     /* REL_X, REL_Y, REL_HWHEEL, REL_WHEEL */
    }
}
