/* settings: the Settings app. Four tabs: Mouse (natural scroll, scroll speed, a
 * list to try them on), Keyboard (US/German, a field to try it), Display
 * (resolution, chosen from the modes the compositor lists, applied at once and
 * again at each start by the desktop; scale) and About (kernel, CPUs, memory,
 * uptime). Changes are saved to
 * ~/.config/oscortex/settings (ui_settings_save: atomic) a moment after they are
 * made, and every libui window follows the file, this one included. Prints
 * "SAVED <settings>" after each save; with OSC_SEMANTICS=1 (tests) its semantics
 * tree as "SETTINGS-SEM ..." lines ending "SETTINGS-SEM-END" whenever it changed,
 * after "SETTINGS-AT x y", the window's place on screen. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "osc.h"
#include "ui.h"

#define FONT "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define WIN_W 760
#define WIN_H 540
#define SAVE_DELAY_MS 250       /* a slider drag is saved once, when it rests */
#define PREVIEW_ROWS 40

static struct ui_surface_window win;
static struct ui_settings cur;
static struct ui_widget *natural, *speed, *speed_label, *preview, *preview_label;
static struct ui_widget *layout_list, *status, *uptime_label, *memory_label, *mode_list,
                        *scale_list;
static struct osc_modes modes;          /* what the display can take (count 0: fixed) */
static char mode_text[OSC_MODES_MAX][24];
static const char *mode_items[OSC_MODES_MAX];
static const char *const scales[] = { "100%", "125%", "150%", "175%", "200%" };
static char preview_text[PREVIEW_ROWS][16];
static const char *preview_items[PREVIEW_ROWS];
static const char *const layouts[] = { "English (US)", "German (DE)" };
static long save_due;           /* CLOCK_MONOTONIC ms; 0: nothing to save */
static unsigned ticks;          /* repaint requests made by the About figures */

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void show_speed(void)
{
    char text[64];
    snprintf(text, sizeof(text), "Scroll speed: %d row%s per notch", cur.scroll_speed,
             cur.scroll_speed == 1 ? "" : "s");
    ui_set_label(speed_label, text);
}

/* A resolution picked from the list: the screen changes at once (the
 * compositor resizes the desktop), and the choice is saved for the next start. */
static void set_resolution(int i)
{
    if (i < 0 || (uint32_t)i >= modes.count)
        return;
    int comp = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    char text[80];
    if (comp < 0 || ioctl(comp, OSC_COMP_SET_MODE, &modes.mode[i]) < 0) {
        snprintf(text, sizeof(text), "Could not change the resolution: %s", strerror(errno));
        printf("RESOLUTION-FAILED %s\n", strerror(errno));
    } else {
        snprintf(text, sizeof(text), "Resolution %u x %u", modes.mode[i].width,
                 modes.mode[i].height);
        cur.display_w = (int)modes.mode[i].width;
        cur.display_h = (int)modes.mode[i].height;
        save_due = now_ms() + SAVE_DELAY_MS;
        printf("RESOLUTION %ux%u\n", modes.mode[i].width, modes.mode[i].height);
    }
    fflush(stdout);
    if (comp >= 0)
        close(comp);
    ui_set_label(status, text);
}

static void apply_clicked(struct ui_widget *w, void *ctx)
{
    (void)w;
    (void)ctx;
    set_resolution(mode_list->value);
}

static void settings_changed(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    if (w == natural)
        cur.natural_scroll = w->value != 0;
    else if (w == speed)
        cur.scroll_speed = w->value;
    else if (w == layout_list) {
        cur.layout = w->value == 1 ? UI_LAYOUT_DE : UI_LAYOUT_US;
        ui_keyboard_layout_apply(cur.layout);  /* live: the next key types in it */
    } else if (w == scale_list) {
        cur.scale = UI_SCALE_MIN + 25 * w->value;
    }
    show_speed();
    save_due = now_ms() + SAVE_DELAY_MS;
}

static void save(void)
{
    save_due = 0;
    if (ui_settings_save(&cur, NULL) < 0) {
        char text[64];
        snprintf(text, sizeof(text), "Could not save: %s", strerror(errno));
        ui_set_label(status, text);
        printf("SAVE-FAILED %s\n", strerror(errno));
    } else {
        ui_set_label(status, "Saved");
        printf("SAVED natural_scroll=%d scroll_speed=%d layout=%s scale=%d\n", cur.natural_scroll,
               cur.scroll_speed, cur.layout == UI_LAYOUT_DE ? "de" : "us", cur.scale);
    }
    fflush(stdout);
}

/* "MemTotal:   123 kB" -> 123, from /proc/meminfo; -1 when missing. */
static long meminfo_kb(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    long kb = -1;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, key, klen) && line[klen] == ':') {
            kb = strtol(line + klen + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return kb;
}

static void update_about(void)
{
    unsigned before = win.ui.changes;
    char text[64];
    double up = 0;
    FILE *f = fopen("/proc/uptime", "re");
    if (!f || fscanf(f, "%lf", &up) != 1)
        up = -1;
    if (f)
        fclose(f);
    if (up < 0) {
        snprintf(text, sizeof(text), "Uptime: unknown");
    } else {
        long s = (long)up;
        snprintf(text, sizeof(text), "Uptime: %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    }
    if (strcmp(text, uptime_label->label))
        ui_set_label(uptime_label, text);
    long total = meminfo_kb("MemTotal"), avail = meminfo_kb("MemAvailable");
    if (avail < 0)
        avail = meminfo_kb("MemFree");
    if (total < 0)
        snprintf(text, sizeof(text), "Memory: unknown");
    else
        snprintf(text, sizeof(text), "Memory: %ld MiB, %ld MiB available", total / 1024,
                 avail < 0 ? 0 : avail / 1024);
    if (strcmp(text, memory_label->label))
        ui_set_label(memory_label, text);
    ticks += win.ui.changes - before;
}

static int cpu_count(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[128];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += !strncmp(line, "processor", 9);
    if (f)
        fclose(f);
    if (n > 0)
        return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

/* A tab's page with its title over it. */
static struct ui_widget *section(struct ui_widget *tabs, const char *title)
{
    struct ui_widget *p = ui_tab_add(tabs, title);
    ui_add(p, UI_ROLE_LABEL, title);
    return p;
}

static void build(void)
{
    char text[64];
    struct ui_widget *root = &win.ui.root;
    root->box.align = UI_ALIGN_STRETCH;
    struct ui_widget *tabs = ui_tabs_add(root);
    tabs->box.flex = 1;

    struct ui_widget *mouse = section(tabs, "Mouse");
    natural = ui_add(mouse, UI_ROLE_TOGGLE, "Natural scrolling");
    ui_set_value(natural, cur.natural_scroll);
    natural->on_change = settings_changed;
    speed_label = ui_add(mouse, UI_ROLE_LABEL, "");
    speed = ui_add(mouse, UI_ROLE_SLIDER, "Scroll speed");
    speed->min = UI_SCROLL_SPEED_MIN;
    speed->max = UI_SCROLL_SPEED_MAX;
    speed->value = cur.scroll_speed;
    speed->on_change = settings_changed;
    show_speed();
    for (int i = 0; i < PREVIEW_ROWS; i++) {
        snprintf(preview_text[i], sizeof(preview_text[i]), "Row %d", i + 1);
        preview_items[i] = preview_text[i];
    }
    preview = ui_add(mouse, UI_ROLE_LIST, "Scroll preview");
    ui_set_items(preview, preview_items, PREVIEW_ROWS);
    preview->box.pref_h = preview->box.pref_h * 2 / 3;
    preview_label = ui_add(mouse, UI_ROLE_LABEL, "Preview top row: 1");

    struct ui_widget *keys = section(tabs, "Keyboard");
    layout_list = ui_add(keys, UI_ROLE_LIST, "Keyboard layout");
    ui_set_items(layout_list, layouts, 2);
    ui_set_value(layout_list, cur.layout == UI_LAYOUT_DE ? 1 : 0);
    layout_list->on_change = settings_changed;
    ui_add(keys, UI_ROLE_TEXT_FIELD, "Try the layout");

    struct ui_widget *display = section(tabs, "Display");
    int comp = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    if (comp < 0 || ioctl(comp, OSC_COMP_MODES, &modes) < 0)
        modes.count = 0;
    if (comp >= 0)
        close(comp);
    if (modes.count) {
        for (uint32_t i = 0; i < modes.count; i++) {
            snprintf(mode_text[i], sizeof(mode_text[i]), "%u x %u", modes.mode[i].width,
                     modes.mode[i].height);
            mode_items[i] = mode_text[i];
        }
        mode_list = ui_add(display, UI_ROLE_LIST, "Resolution");
        ui_set_items(mode_list, mode_items, (int)modes.count);
        ui_set_value(mode_list, modes.current < modes.count ? (int)modes.current : -1);
        mode_list->box.pref_h = mode_list->box.pref_h / 2;
        ui_add(display, UI_ROLE_BUTTON, "Apply resolution")->on_change = apply_clicked;
    } else {
        ui_add(display, UI_ROLE_LABEL, "This display has one resolution");
    }
    ui_add(display, UI_ROLE_LABEL, "Scale (apps opened from now on)");
    scale_list = ui_add(display, UI_ROLE_LIST, "Scale");
    ui_set_items(scale_list, scales, 5);
    ui_set_value(scale_list, (cur.scale - UI_SCALE_MIN) / 25);
    scale_list->on_change = settings_changed;

    struct ui_widget *about = section(tabs, "About");
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(text, sizeof(text), "%.20s %.40s", u.sysname, u.release);
        ui_add(about, UI_ROLE_LABEL, text);
        snprintf(text, sizeof(text), "Version: %.50s", u.version);
        ui_add(about, UI_ROLE_LABEL, text);
        snprintf(text, sizeof(text), "Machine: %.40s", u.machine);
        ui_add(about, UI_ROLE_LABEL, text);
    }
    int cpus = cpu_count();
    snprintf(text, sizeof(text), "CPUs: %d", cpus);
    ui_add(about, UI_ROLE_LABEL, text);
    memory_label = ui_add(about, UI_ROLE_LABEL, "Memory: ?");
    uptime_label = ui_add(about, UI_ROLE_LABEL, "Uptime: ?");
    update_about();

    status = ui_add(root, UI_ROLE_LABEL, "");
}

static void print_semantics(void)
{
    ui_print_semantics(&win.ui, "SETTINGS-SEM");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (ui_settings_load(&cur, NULL) < 0 && errno != ENOENT)
        fprintf(stderr, "settings: reading the settings: %s (using defaults)\n", strerror(errno));
    struct ui_font *font = ui_font_open(FONT, ui_scale_px(16));
    if (!font) {
        perror("settings: " FONT);
        return 1;
    }
    struct osc_screen_info screen = { 1024, 768 };
    int comp = osc_comp_open();
    if (comp >= 0) {
        osc_comp_screen(comp, &screen);
        close(comp);
    }
    ui_keyboard_layout_apply(cur.layout);      /* the session follows the saved choice */
    int x = screen.width > WIN_W ? ((int)screen.width - WIN_W) / 2 : 0;
    int y = screen.height > WIN_H + 100 ? 72 : 24;
    int w = WIN_W, h = WIN_H;
    ui_scale_window(&x, &y, &w, &h);
    if (ui_surface_open(&win, w, h, x, y, "Settings", font) < 0) {
        perror("settings: /dev/compositor");
        return 1;
    }
    ui_window_set_scale(&win.ui, cur.scale);
    build();
    bool tests = getenv("OSC_SEMANTICS") && !strcmp(getenv("OSC_SEMANTICS"), "1");
    if (tests) {
        printf("SETTINGS-AT %d %d\n", x, y);      /* the tree's rects are window-local */
        fflush(stdout);
    }
    unsigned printed = ~0u;
    int top = 0;
    long next_about = now_ms() + 1000;
    for (;;) {
        long now = now_ms();
        long wait = next_about - now;
        if (save_due && save_due - now < wait)
            wait = save_due - now;
        int r = ui_surface_dispatch(&win, wait > 0 ? (int)wait : 0);
        if (r != 0)
            break;
        now = now_ms();
        if (save_due && now >= save_due)
            save();
        if (now >= next_about) {
            update_about();
            next_about = now + 1000;
        }
        if (preview->first_row != top) {
            char text[64];
            top = preview->first_row;
            snprintf(text, sizeof(text), "Preview top row: %d", top + 1);
            ui_set_label(preview_label, text);
        }
        /* The uptime ticks every second; only other changes print a tree. */
        if (tests && !win.frame_pending && !win.ui.damaged && !win.ui.needs_layout &&
            printed != win.ui.changes - ticks) {
            print_semantics();
            printed = win.ui.changes - ticks;
        }
    }
    if (save_due)
        save();
    ui_surface_close(&win);
    ui_font_close(font);
    return 0;
}
