/* PS/2 keyboard on the i8042 controller's first port: IRQ 1 reads scancodes (set 1,
 * the controller translating from the keyboard's set 2) and types the bytes
 * ps2_keymap.c makes of them into the console terminal, like COM1 input. */

#define LOG_TAG "ps2"
#include <osc/arch.h>
#include <osc/console.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/ps2.h>
#include <osc/time.h>
#include <osc/tty.h>

#define I8042_DATA          0x60
#define I8042_STATUS        0x64    /* read */
#define I8042_CMD           0x64    /* write */
#define STATUS_OUT_FULL     0x01    /* a byte waits in the data port */
#define STATUS_IN_FULL      0x02    /* the controller has not taken our last byte */
#define STATUS_AUX_DATA     0x20    /* the waiting byte came from the second port */
#define CMD_READ_CONFIG     0x20
#define CMD_WRITE_CONFIG    0x60
#define CMD_DISABLE_PORT2   0xa7
#define CMD_DISABLE_PORT1   0xad
#define CMD_ENABLE_PORT1    0xae
#define CMD_SELF_TEST       0xaa
#define SELF_TEST_OK        0x55
#define CONFIG_IRQ1         0x01
#define CONFIG_IRQ12        0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_TRANSLATE    0x40    /* set 2 from the keyboard -> set 1 to us */
#define KBD_ENABLE_SCAN     0xf4
#define KBD_ACK             0xfa
#define KBD_ISA_IRQ         1
#define FLUSH_MAX           32      /* bytes drained before giving up on a stuck port */
#define WAIT_NS             50000000ull /* 50 ms: a real 8042 answers in microseconds */

/* Only the IRQ 1 handler touches it after init, and ISA IRQs go to the boot CPU with
 * interrupts off, so the handler never runs concurrently with itself: no lock. */
static struct ps2_keymap keymap;

/* Bounded waits: a machine without an 8042 reads 0xff (both buffer bits stuck),
 * which must cost one timeout, not a hang. */
static bool wait_status(uint8_t bit, bool set)
{
    uint64_t end = time_ns() + WAIT_NS;
    do {
        if (!!(inb(I8042_STATUS) & bit) == set)
            return true;
        cpu_relax();
    } while (time_ns() < end);
    return false;
}

static bool write_cmd(uint8_t cmd)
{
    if (!wait_status(STATUS_IN_FULL, false))
        return false;
    outb(I8042_CMD, cmd);
    return true;
}

static bool write_data(uint8_t b)
{
    if (!wait_status(STATUS_IN_FULL, false))
        return false;
    outb(I8042_DATA, b);
    return true;
}

static int read_data(void)
{
    if (!wait_status(STATUS_OUT_FULL, true))
        return -1;
    return inb(I8042_DATA);
}

static void flush_output(void)
{
    for (int i = 0; i < FLUSH_MAX && (inb(I8042_STATUS) & STATUS_OUT_FULL); i++)
        (void)inb(I8042_DATA);
}

/* IRQ 1: one interrupt per byte, but drain what is there in case some were merged. */
static void ps2kbd_irq(struct irq_frame *frame, void *ctx)
{
    (void)frame;
    (void)ctx;
    for (int i = 0; i < FLUSH_MAX; i++) {
        uint8_t st = inb(I8042_STATUS);
        if (!(st & STATUS_OUT_FULL))
            break;
        uint8_t sc = inb(I8042_DATA);
        if (st & STATUS_AUX_DATA)
            continue;           /* a mouse byte: port 2 is off, nothing reads it yet */
        char out[PS2_KEY_OUT_MAX];
        size_t n = ps2_keymap_feed(&keymap, sc, out);
        for (size_t j = 0; j < n; j++)
            tty_receive_byte(TTY_VT, (uint8_t)out[j]);
        if (keymap.action == PS2_SCROLL_BACK || keymap.action == PS2_SCROLL_FORWARD)
            fbcon_scrollback(keymap.action == PS2_SCROLL_BACK ? 1 : -1);
    }
}

/* Disables both ports and their interrupts, checks the controller, and returns the
 * configuration byte to run with (translation on, port 1 clocked), or -1. */
static int controller_setup(void)
{
    if (inb(I8042_STATUS) == 0xff || !write_cmd(CMD_DISABLE_PORT1) ||
        !write_cmd(CMD_DISABLE_PORT2))
        return -1;
    flush_output();
    if (!write_cmd(CMD_READ_CONFIG))
        return -1;
    int config = read_data();
    if (config < 0)
        return -1;
    config &= ~(CONFIG_IRQ1 | CONFIG_IRQ12);
    if (!write_cmd(CMD_WRITE_CONFIG) || !write_data((uint8_t)config))
        return -1;
    /* Some controllers reset their configuration on self-test: it is rewritten below. */
    if (!write_cmd(CMD_SELF_TEST) || read_data() != SELF_TEST_OK)
        return -1;
    config = (config | CONFIG_TRANSLATE) & ~CONFIG_PORT1_CLOCK_OFF;
    return config;
}

void ps2kbd_init(void)
{
    int config = controller_setup();
    if (config < 0) {
        log_info("no i8042 controller (or it does not answer): no PS/2 keyboard");
        return;
    }
    if (!write_cmd(CMD_WRITE_CONFIG) || !write_data((uint8_t)config) ||
        !write_cmd(CMD_ENABLE_PORT1)) {
        log_warn("i8042 stopped answering during setup: no PS/2 keyboard");
        return;
    }
    /* Scanning is on after the firmware's reset, but say so: some BIOSes leave the
     * keyboard disabled. No ACK just means no keyboard plugged in (yet). */
    bool ack = write_data(KBD_ENABLE_SCAN) && read_data() == KBD_ACK;
    flush_output();

    int err = irq_register(IRQ_VECTOR_ISA_BASE + KBD_ISA_IRQ, ps2kbd_irq, NULL);
    if (!err) {
        err = irq_route_isa(KBD_ISA_IRQ);
        if (err)
            irq_unregister(IRQ_VECTOR_ISA_BASE + KBD_ISA_IRQ);
    }
    if (err) {
        log_warn("keyboard port without IRQ %d (%d): no PS/2 keyboard input", KBD_ISA_IRQ, err);
        return;
    }
    if (!write_cmd(CMD_WRITE_CONFIG) || !write_data((uint8_t)(config | CONFIG_IRQ1))) {
        log_warn("i8042 stopped answering enabling IRQ %d", KBD_ISA_IRQ);
        return;
    }
    log_info("keyboard on i8042 port 1, IRQ %d, scancode set 1%s", KBD_ISA_IRQ,
             ack ? "" : " (no ACK: keyboard absent?)");
}
