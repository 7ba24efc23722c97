/* libui's side of the keyboard layout: the compositor turns keys into text
 * (OSC_EV_TEXT, kernel/gfx/compositor/comp_keymap.c); libui tells it which
 * layout the user chose. */
#include "ui.h"

#include <errno.h>
#include <unistd.h>

#include "osc.h"

_Static_assert((int)UI_LAYOUT_US == OSC_LAYOUT_US && (int)UI_LAYOUT_DE == OSC_LAYOUT_DE,
               "libui's layouts are the compositor's");

int ui_keyboard_layout_apply(enum ui_layout_id layout)
{
    int comp = osc_comp_open();
    if (comp < 0)
        return -1;
    int r = osc_keyboard_layout_set(comp, (unsigned)layout);
    int e = errno;
    close(comp);
    errno = e;
    return r;
}
