/* ui-demo: a small libui app on the compositor (a greeter with a text field, a
 * button, a toggle and a list), used by tests/qemu/ui_demo.py and make run. It
 * prints its semantics tree ("SEM ..." lines) when it has drawn its first frame
 * and after each greeting, so a test finds widgets by role and label; after a
 * resize has been drawn, RESIZED w h and the tree again. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

#define FONT "/usr/share/fonts/opentype/inter/Inter-Regular.otf"

static struct ui_surface_window win;
static struct ui_widget *name, *result;
static const char *const fruit[] = { "Apple", "Banana", "Cherry", "Damson", "Elderberry",
                                     "Fig", "Grape", "Huckleberry" };

static void print_semantics(void)
{
    ui_print_semantics(&win.ui, "SEM");
}

static void greet(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char text[96];
    const char *who = name->text.len ? name->text.buf : "stranger";
    snprintf(text, sizeof(text), "Hello, %s!", who);
    ui_set_label(result, text);
    printf("GREETED %s\n", who);
    print_semantics();
}

static void toggled(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    printf("TOGGLE %s %d\n", w->label, w->value);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int x = argc > 2 ? atoi(argv[1]) : 200, y = argc > 2 ? atoi(argv[2]) : 150;
    struct ui_font *font = ui_font_open(FONT, 16);
    if (!font) {
        perror("ui-demo: " FONT);
        return 1;
    }
    if (ui_surface_open(&win, 420, 380, x, y, "Greeter", font) < 0) {
        perror("ui-demo: /dev/compositor");
        return 1;
    }
    struct ui_widget *root = &win.ui.root;
    ui_add(root, UI_ROLE_LABEL, "What is your name?");
    name = ui_add(root, UI_ROLE_TEXT_FIELD, "Name");
    struct ui_widget *greet_button = ui_add(root, UI_ROLE_BUTTON, "Greet");
    greet_button->on_change = greet;
    result = ui_add(root, UI_ROLE_LABEL, "Nobody greeted yet");
    struct ui_widget *toggle = ui_add(root, UI_ROLE_TOGGLE, "Natural scrolling");
    toggle->on_change = toggled;
    struct ui_widget *list = ui_add(root, UI_ROLE_LIST, "Fruit");
    ui_set_items(list, fruit, 8);

    bool announced = false;
    int shown_w = win.ui.w, shown_h = win.ui.h;
    for (;;) {
        int r = ui_surface_dispatch(&win, 100);
        if (r != 0)
            break;
        if (!announced && !win.frame_pending && !win.ui.damaged) {
            print_semantics();
            printf("READY\n");
            fflush(stdout);
            announced = true;
        }
        if ((win.ui.w != shown_w || win.ui.h != shown_h) && !win.frame_pending && !win.ui.damaged &&
            !win.ui.needs_layout) {
            shown_w = win.ui.w, shown_h = win.ui.h;
            printf("RESIZED %d %d\n", shown_w, shown_h);
            print_semantics();
        }
    }
    printf("CLOSED\n");
    ui_surface_close(&win);
    ui_font_close(font);
    return 0;
}
