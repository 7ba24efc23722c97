/* libui's scale factor for apps: a window's size at the user's display.scale,
 * kept inside the screen the compositor reports. */
#include "ui.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "osc_compositor.h"

#define MARGIN_H 96     /* the desktop's top bar and dock */

void ui_scale_window(int *x, int *y, int *w, int *h)
{
    *w = ui_scale_px(*w);
    *h = ui_scale_px(*h);
    struct osc_screen_info screen = { 1024, 768 };
    int comp = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    if (comp >= 0) {
        ioctl(comp, OSC_COMP_SCREEN, &screen);
        close(comp);
    }
    if (*w > (int)screen.width)
        *w = (int)screen.width;
    if (*h > (int)screen.height - MARGIN_H)
        *h = (int)screen.height - MARGIN_H;
    if (*x + *w > (int)screen.width)
        *x = (int)screen.width - *w;
    if (*y + *h > (int)screen.height - MARGIN_H / 2)
        *y = (int)screen.height - MARGIN_H / 2 - *h;
    if (*x < 0)
        *x = 0;
    if (*y < MARGIN_H / 2)
        *y = MARGIN_H / 2;
}
