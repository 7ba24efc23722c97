/* The i8042 PS/2 controller: a keyboard on port 1 (IRQ 1, scancode set 1, the
 * controller translating from the keyboard's set 2) and a mouse on the aux port
 * (IRQ 12), both reporting Linux input events to the input layer through the
 * parsers in ps2_parse.c. Who consumes them (console, evdev) is not its business. */

#define LOG_TAG "ps2"
#include <osc/arch.h>
#include <osc/input.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/ps2.h>
#include <osc/time.h>

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
#define CMD_ENABLE_PORT2    0xa8
#define CMD_WRITE_PORT2     0xd4    /* the next data byte goes to the aux device */
#define CMD_SELF_TEST       0xaa
#define SELF_TEST_OK        0x55
#define CONFIG_IRQ1         0x01
#define CONFIG_IRQ12        0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_PORT2_CLOCK_OFF 0x20
#define CONFIG_TRANSLATE    0x40    /* set 2 from the keyboard -> set 1 to us */
#define KBD_ENABLE_SCAN     0xf4
#define KBD_ACK             0xfa
#define KBD_ISA_IRQ         1
#define AUX_ISA_IRQ         12
/* PS/2 mouse commands (IBM PS/2 Technical Reference, pointing device). */
#define AUX_SET_RATE        0xf3
#define AUX_GET_ID          0xf2
#define AUX_SET_DEFAULTS    0xf6
#define AUX_ENABLE          0xf4
#define AUX_ID_IMPS         3       /* IntelliMouse: 4-byte packets with a wheel */
#define AUX_ID_IMEX         4       /* IntelliMouse Explorer: both wheels, 5 buttons */
#define FLUSH_MAX           32      /* bytes drained before giving up on a stuck port */
#define WAIT_NS             50000000ull /* 50 ms: a real 8042 answers in microseconds */

/* Only the IRQ handler touches these after init, and ISA IRQs go to the boot CPU
 * with interrupts off, so it never runs concurrently with itself: no lock. */
static struct ps2_scancode scancode;
static struct ps2_mouse mouse;
static bool kbd_present, aux_present;

static struct input_dev kbd_dev = {
    .name = "AT Translated Set 2 keyboard",
    .phys = "isa0060/serio0/input0",
    .id = { BUS_I8042, 0x0001, 0x0001, 0xab41 },    /* as Linux's atkbd */
};
static struct input_dev aux_dev = {
    .phys = "isa0060/serio1/input0",
    .id = { BUS_I8042, 0x0002, 0x0001, 0 },         /* psmouse: product = protocol */
};

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

static void keyboard_byte(uint8_t sc)
{
    struct ps2_key keys[2];
    size_t n = ps2_scancode_feed(&scancode, sc, keys);
    for (size_t i = 0; i < n; i++) {
        /* The keyboard repeats a held key as another make code: Linux's value 2. */
        int value = !keys[i].down ? 0 : input_key_down(&kbd_dev, keys[i].code) ? 2 : 1;
        input_event(&kbd_dev, EV_KEY, keys[i].code, value);
        input_sync(&kbd_dev);
    }
}

static void mouse_byte(uint8_t b)
{
    struct ps2_mouse_packet p;
    if (!ps2_mouse_feed(&mouse, b, &p))
        return;
    input_event(&aux_dev, EV_KEY, BTN_LEFT, p.left);
    input_event(&aux_dev, EV_KEY, BTN_RIGHT, p.right);
    input_event(&aux_dev, EV_KEY, BTN_MIDDLE, p.middle);
    input_event(&aux_dev, EV_REL, REL_X, p.dx);
    input_event(&aux_dev, EV_REL, REL_Y, p.dy);
    if (mouse.packet_len == 4)
        input_event(&aux_dev, EV_REL, REL_WHEEL, p.wheel);
    if (mouse.explorer)
        input_event(&aux_dev, EV_REL, REL_HWHEEL, p.hwheel);
    if (p.has_side_extra) {     /* a scroll packet leaves them as they were (as Linux) */
        input_event(&aux_dev, EV_KEY, BTN_SIDE, p.side);
        input_event(&aux_dev, EV_KEY, BTN_EXTRA, p.extra);
    }
    input_sync(&aux_dev);
}

/* IRQ 1 and 12 share the data port: one interrupt per byte, but drain what is there
 * in case some were merged, routing each by the status register's aux bit. */
static void i8042_irq(struct irq_frame *frame, void *ctx)
{
    (void)frame;
    (void)ctx;
    for (int i = 0; i < FLUSH_MAX; i++) {
        uint8_t st = inb(I8042_STATUS);
        if (!(st & STATUS_OUT_FULL))
            break;
        uint8_t b = inb(I8042_DATA);
        if (!(st & STATUS_AUX_DATA)) {
            if (kbd_present)
                keyboard_byte(b);
        } else if (aux_present) {
            mouse_byte(b);
        }
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

static int irq_setup(uint8_t isa_irq)
{
    int err = irq_register(IRQ_VECTOR_ISA_BASE + isa_irq, i8042_irq, NULL);
    if (!err) {
        err = irq_route_isa(isa_irq);
        if (err)
            irq_unregister(IRQ_VECTOR_ISA_BASE + isa_irq);
    }
    return err;
}

/* The aux device's next byte, or -1. Keys pressed meanwhile are dropped: their
 * bytes must not be taken for the mouse's answers (the keyboard IRQ is still off). */
static int read_aux(void)
{
    for (int i = 0; i < FLUSH_MAX; i++) {
        if (!wait_status(STATUS_OUT_FULL, true))
            return -1;
        uint8_t st = inb(I8042_STATUS);
        uint8_t b = inb(I8042_DATA);
        if (st & STATUS_AUX_DATA)
            return b;
    }
    return -1;
}

/* A command to the aux device; its reply byte (0xFA ACK), or -1. */
static int aux_command(uint8_t b)
{
    if (!write_cmd(CMD_WRITE_PORT2) || !write_data(b))
        return -1;
    return read_aux();
}

static bool aux_set_rate(uint8_t rate)
{
    return aux_command(AUX_SET_RATE) == KBD_ACK && aux_command(rate) == KBD_ACK;
}

/* Enables the aux port's device in IntelliMouse mode if it takes the magic rate
 * sequence (then it answers id 3 and sends a 4th, wheel, byte). */
static bool aux_setup(void)
{
    if (!write_cmd(CMD_ENABLE_PORT2) || aux_command(AUX_SET_DEFAULTS) != KBD_ACK)
        return false;
    int id = -1;
    if (aux_set_rate(200) && aux_set_rate(100) && aux_set_rate(80) &&
        aux_command(AUX_GET_ID) == KBD_ACK)
        id = read_aux();
    /* An IntelliMouse may be an Explorer too (Linux asks the same way, in this
     * order): it then reports the horizontal wheel and buttons 4 and 5. */
    if (id == AUX_ID_IMPS && aux_set_rate(200) && aux_set_rate(200) && aux_set_rate(80) &&
        aux_command(AUX_GET_ID) == KBD_ACK && read_aux() == AUX_ID_IMEX)
        id = AUX_ID_IMEX;
    if (!aux_set_rate(100) || aux_command(AUX_ENABLE) != KBD_ACK)
        return false;
    bool wheel = id == AUX_ID_IMPS || id == AUX_ID_IMEX;
    mouse.packet_len = wheel ? 4 : 3;
    mouse.explorer = id == AUX_ID_IMEX;
    /* Linux's psmouse names and product ids (PSMOUSE_IMPS 3, PSMOUSE_IMEX 6). */
    aux_dev.name = id == AUX_ID_IMEX ? "ImExPS/2 Generic Explorer Mouse" :
                   id == AUX_ID_IMPS ? "ImPS/2 Generic Wheel Mouse" : "PS/2 Generic Mouse";
    aux_dev.id.product = id == AUX_ID_IMEX ? 0x0006 : id == AUX_ID_IMPS ? 0x0003 : 0x0001;
    input_set_bit(aux_dev.evbit, EV_KEY);
    input_set_bit(aux_dev.evbit, EV_REL);
    input_set_bit(aux_dev.keybit, BTN_LEFT);
    input_set_bit(aux_dev.keybit, BTN_RIGHT);
    input_set_bit(aux_dev.keybit, BTN_MIDDLE);
    input_set_bit(aux_dev.relbit, REL_X);
    input_set_bit(aux_dev.relbit, REL_Y);
    if (wheel)
        input_set_bit(aux_dev.relbit, REL_WHEEL);
    if (id == AUX_ID_IMEX) {
        input_set_bit(aux_dev.relbit, REL_HWHEEL);
        input_set_bit(aux_dev.keybit, BTN_SIDE);
        input_set_bit(aux_dev.keybit, BTN_EXTRA);
    }
    return true;
}

static void keyboard_bits(void)
{
    input_set_bit(kbd_dev.evbit, EV_KEY);
    for (uint8_t sc = 0; sc < 0x80; sc++) {
        struct ps2_scancode s = { 0 };
        struct ps2_key k[2];
        if (ps2_scancode_feed(&s, sc, k))
            input_set_bit(kbd_dev.keybit, k[0].code);
        s.e0 = true;
        if (ps2_scancode_feed(&s, sc, k))
            input_set_bit(kbd_dev.keybit, k[0].code);
    }
    input_set_bit(kbd_dev.keybit, KEY_PAUSE);
}

void ps2_init(void)
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

    /* The aux port's clock runs once the configuration says so; both IRQs stay off
     * until each device is set up, so its replies are read here, not by the IRQ. */
    config &= ~CONFIG_PORT2_CLOCK_OFF;
    bool aux = write_cmd(CMD_WRITE_CONFIG) && write_data((uint8_t)config) && aux_setup();
    flush_output();

    int err = irq_setup(KBD_ISA_IRQ);
    if (err) {
        log_warn("keyboard port without IRQ %d (%d): no PS/2 keyboard input", KBD_ISA_IRQ, err);
    } else {
        keyboard_bits();
        kbd_present = input_register_device(&kbd_dev) == 0;
        config |= CONFIG_IRQ1;
    }
    if (aux) {
        err = irq_setup(AUX_ISA_IRQ);
        if (err)
            log_warn("mouse port without IRQ %d (%d): no PS/2 mouse", AUX_ISA_IRQ, err);
        else if (input_register_device(&aux_dev) == 0)
            config |= CONFIG_IRQ12;
    }
    aux_present = config & CONFIG_IRQ12;
    if (!aux_present) {
        /* A half-set-up mouse must not hold the shared output buffer with no IRQ to
         * drain it: the keyboard's bytes would wait behind its. */
        config |= CONFIG_PORT2_CLOCK_OFF;
        write_cmd(CMD_DISABLE_PORT2);
        flush_output();
    }
    if (!write_cmd(CMD_WRITE_CONFIG) || !write_data((uint8_t)config)) {
        log_warn("i8042 stopped answering enabling its IRQs");
        return;
    }
    log_info("keyboard on i8042 port 1, IRQ %d, scancode set 1%s", KBD_ISA_IRQ,
             ack ? "" : " (no ACK: keyboard absent?)");
    if (aux_present)
        log_info("mouse on i8042 port 2, IRQ %d, %d-byte packets", AUX_ISA_IRQ,
                 mouse.packet_len);
    else
        log_info("no PS/2 mouse on i8042 port 2");
}
