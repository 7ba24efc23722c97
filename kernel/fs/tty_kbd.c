/* The text console as an input consumer: every keyboard's key events go through the
 * console keymap (tty_keymap.c) into the console terminal, as COM1's bytes do, and
 * Shift+PgUp/PgDn page its scrollback. A device grabbed through evdev is skipped, and
 * so is everything once the compositor owns the screen (the keymap still follows the
 * modifiers). */

#include <osc/compositor.h>
#include <osc/console.h>
#include <osc/input.h>
#include <osc/keymap.h>
#include <osc/tty.h>

/* Used only by the handler, which the input layer runs under `input`: no lock. */
static struct keymap keymap;

static void console_key_event(struct input_handler *h, struct input_dev *dev,
                              const struct input_event_rec *ev)
{
    (void)h;
    if (ev->type != EV_KEY || input_grabbed_by_other(dev, NULL))
        return;
    char out[KEYMAP_OUT_MAX];
    size_t n = keymap_feed(&keymap, ev->code, ev->value, out);
    if (comp_owns_screen())
        return;         /* keys go to the focused surface, not an unseen shell */
    for (size_t i = 0; i < n; i++)
        tty_receive_byte(TTY_VT, (uint8_t)out[i]);
    if (keymap.action != KEYMAP_NONE)
        fbcon_scrollback(keymap.action == KEYMAP_SCROLL_BACK ? 1 : -1);
}

static struct input_handler console_handler = { .name = "console", .event = console_key_event };

void tty_kbd_init(void)
{
    input_register_handler(&console_handler);
}
