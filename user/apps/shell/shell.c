/* desktop: the OSCortex shell. A full-screen desktop surface under every window
 * with a tile per app bundle in /Applications, a top bar with the clock, a dock
 * of running apps, a "Launching <app>" overlay from the tile click until the
 * app's first window is on screen, and a notice with "Reopen" when an app
 * crashes. Apps start through osc-launch (a home core each). Prints "[shell]
 * desktop rendered" after its first frame and, with OSC_SEMANTICS=1 in its
 * environment (tests), its semantics tree ("SEM ..." lines, then "SEM-END")
 * whenever it changes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pixman.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "osc.h"
#include "ui.h"

#define FONT "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define APPS_DIR "/Applications"
#define LAUNCHER "/bin/osc-launch"
#define MAX_RUNNING 16
#define WINDOWS_DIR "/sys/compositor/windows"
#define LAUNCH_GIVE_UP_MS 15000     /* an app with no window by then is not "launching" */

static struct ui_surface_window desk;
static struct bundle bundles[BUNDLE_MAX];
static int nbundles;
static struct ui_widget *tiles[BUNDLE_MAX], *clock_label, *dock, *notice, *notice_text;
static struct ui_widget *dock_items[MAX_RUNNING];
static struct running {
    pid_t pid;
    int bundle;
} running[MAX_RUNNING];
static int crashed_bundle = -1;
static bool tree_changed;
static struct ui_widget *overlay, *overlay_text;
static pid_t launching;             /* the app the overlay waits for; 0: none */
static struct timespec launch_start;

static void say(const char *fmt, const char *a, int n)
{
    printf("[shell] ");
    printf(fmt, a, n);
    printf("\n");
    fflush(stdout);
}

static void report_bad_bundle(const char *dir, const char *why)
{
    printf("[shell] skipped %s: %s\n", dir, why);
}

/* A tile shows its bundle's icon; one that cannot be read leaves the initial,
 * with the reason in the log. */
static void load_icon(struct ui_widget *tile, const struct bundle *b)
{
    if (!b->icon[0])
        return;
    char path[BUNDLE_PATH_MAX + BUNDLE_NAME_MAX + 2];
    snprintf(path, sizeof(path), "%s/%s", b->dir, b->icon);
    int err = 0;
    pixman_image_t *img = ui_image_load_png(path, &err);
    if (!img) {
        printf("[shell] %s: icon %s: %s\n", b->name, path, strerror(err));
        return;
    }
    ui_set_image(tile, img);
    pixman_image_unref(img);
}

static void print_semantics(void)
{
    if (ui_semantics_wanted())
        ui_print_semantics(&desk.ui, "SEM");
}

static void refresh_dock(void)
{
    int shown = 0;
    for (int i = 0; i < MAX_RUNNING; i++) {
        if (!running[i].pid)
            continue;
        struct ui_widget *w = dock_items[shown++];
        ui_set_label(w, bundles[running[i].bundle].name);
        w->box.hidden = false;
    }
    for (int i = shown; i < MAX_RUNNING; i++)
        dock_items[i]->box.hidden = true;
    dock->box.hidden = shown == 0;
    desk.ui.needs_layout = true;
    tree_changed = true;
}

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

static void overlay_done(const char *why)
{
    if (!launching)
        return;
    printf("[shell] launch of pid %d: %s after %ld ms\n", (int)launching, why,
           ms_since(&launch_start));
    fflush(stdout);
    launching = 0;
    overlay->box.hidden = true;
    desk.ui.needs_layout = true;
    tree_changed = true;
}

/* The compositor lists a window once its first frame is presented: the app is up
 * when a window's pid is the one launched (osc-launch execs the app in place). */
static void watch_launch(void)
{
    if (!launching)
        return;
    DIR *d = opendir(WINDOWS_DIR);
    struct dirent *e;
    bool shown = false;
    while (d && !shown && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], text[24];
        snprintf(path, sizeof(path), WINDOWS_DIR "/%s/pid", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, text, sizeof(text) - 1);
        close(fd);
        text[n > 0 ? n : 0] = 0;
        shown = n > 0 && atoi(text) == (int)launching;
    }
    if (d)
        closedir(d);
    if (shown)
        overlay_done("first window");
    else if (ms_since(&launch_start) > LAUNCH_GIVE_UP_MS)
        overlay_done("no window yet, overlay removed");
}

static void launch(int b)
{
    int slot = -1;
    for (int i = 0; i < MAX_RUNNING && slot < 0; i++)
        if (!running[i].pid)
            slot = i;
    if (slot < 0) {
        say("cannot launch %s: %d apps already running", bundles[b].name, MAX_RUNNING);
        return;
    }
    char args[BUNDLE_PATH_MAX];
    snprintf(args, sizeof(args), "%s", bundles[b].args);
    char *argv[16] = { LAUNCHER, bundles[b].exec };
    int argc = 2;
    for (char *a = strtok(args, " "); a && argc < 15; a = strtok(NULL, " "))
        argv[argc++] = a;
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execv(LAUNCHER, argv);
        _exit(127);
    }
    if (pid < 0) {
        say("cannot launch %s: fork failed (%d)", bundles[b].name, errno);
        return;
    }
    running[slot] = (struct running){ pid, b };
    say("launched %s (pid %d)", bundles[b].name, (int)pid);
    char text[96];
    snprintf(text, sizeof(text), "Launching %s", bundles[b].name);
    ui_set_label(overlay_text, text);
    overlay->box.hidden = false;
    launching = pid;
    clock_gettime(CLOCK_MONOTONIC, &launch_start);
    refresh_dock();
}

static void tile_clicked(struct ui_widget *w, void *ctx)
{
    (void)w;
    launch((int)(long)ctx);
}

static void reopen_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    notice->box.hidden = true;
    desk.ui.needs_layout = true;
    tree_changed = true;
    if (crashed_bundle >= 0)
        launch(crashed_bundle);
    crashed_bundle = -1;
}

static void dismiss_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    notice->box.hidden = true;
    desk.ui.needs_layout = true;
    tree_changed = true;
    crashed_bundle = -1;
}

/* Collects exited apps: a crash (killed by a signal other than the ones a user
 * or the system sends to end an app) raises the notice. */
static void reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_RUNNING; i++) {
            if (running[i].pid != pid)
                continue;
            int b = running[i].bundle;
            running[i].pid = 0;
            if (pid == launching)
                overlay_done("exited before its first window");
            bool crash = WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM &&
                         WTERMSIG(status) != SIGKILL && WTERMSIG(status) != SIGHUP &&
                         WTERMSIG(status) != SIGINT;
            if (crash) {
                char text[96];
                snprintf(text, sizeof(text), "%s quit unexpectedly", bundles[b].name);
                ui_set_label(notice_text, text);
                notice->box.hidden = false;
                crashed_bundle = b;
                desk.ui.needs_layout = true;
                refresh_dock();
                print_semantics();      /* the notice's tree before the line that names it */
                say("%s crashed (signal %d)", bundles[b].name, WTERMSIG(status));
            } else {
                say("%s exited (status %d)", bundles[b].name,
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            }
            refresh_dock();
        }
    }
}

static void update_clock(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char text[16];
    snprintf(text, sizeof(text), "%02d:%02d", tm.tm_hour, tm.tm_min);
    if (strcmp(text, clock_label->label) != 0)
        ui_set_label(clock_label, text);
}

static void build(int screen_w)
{
    struct ui_widget *root = &desk.ui.root;
    root->box.padding = 0;
    root->box.spacing = 0;
    root->box.align = UI_ALIGN_STRETCH;
    struct ui_widget *bar = ui_add(root, UI_ROLE_PANEL, "");
    bar->box.dir = UI_ROW;
    struct ui_window *win = &desk.ui;
    bar->box.padding = ui_px(win, 10);
    ui_add(bar, UI_ROLE_LABEL, "OSCortex");
    struct ui_widget *spacer = ui_add(bar, UI_ROLE_LABEL, "");
    spacer->box.flex = 1;
    clock_label = ui_add(bar, UI_ROLE_LABEL, "00:00");
    struct ui_widget *grid = ui_add(root, UI_ROLE_WINDOW, "");
    grid->box.dir = UI_COLUMN;
    grid->box.padding = ui_px(win, 40);
    grid->box.spacing = ui_px(win, 24);
    grid->box.flex = 1;
    int cell = ui_px(win, 120 + 24), room = screen_w - 2 * ui_px(win, 40);
    int per_row = room / cell > 0 ? room / cell : 1;
    struct ui_widget *row = NULL;
    for (int i = 0; i < nbundles; i++) {
        if (i % per_row == 0) {
            row = ui_add(grid, UI_ROLE_WINDOW, "");
            row->box.dir = UI_ROW;
            row->box.spacing = ui_px(win, 24);
            row->box.padding = 0;
        }
        tiles[i] = ui_add(row, UI_ROLE_TILE, bundles[i].name);
        tiles[i]->value = (int)bundles[i].accent;
        tiles[i]->on_change = tile_clicked;
        tiles[i]->ctx = (void *)(long)i;
        load_icon(tiles[i], &bundles[i]);
    }
    overlay = ui_add(root, UI_ROLE_PANEL, "Launching");
    overlay->box.dir = UI_ROW;
    overlay->box.align = UI_ALIGN_CENTER;
    overlay_text = ui_add(overlay, UI_ROLE_LABEL, "");
    overlay->box.hidden = true;
    notice = ui_add(root, UI_ROLE_PANEL, "Notice");
    notice->box.dir = UI_ROW;
    notice->box.align = UI_ALIGN_CENTER;
    notice_text = ui_add(notice, UI_ROLE_LABEL, "");
    ui_add(notice, UI_ROLE_BUTTON, "Reopen")->on_change = reopen_clicked;
    ui_add(notice, UI_ROLE_BUTTON, "Dismiss")->on_change = dismiss_clicked;
    notice->box.hidden = true;
    dock = ui_add(root, UI_ROLE_PANEL, "Dock");
    dock->box.dir = UI_ROW;
    for (int i = 0; i < MAX_RUNNING; i++) {
        dock_items[i] = ui_add(dock, UI_ROLE_LABEL, "");
        dock_items[i]->box.hidden = true;
    }
    dock->box.hidden = true;
}

/* The saved resolution, once the desktop is on screen (the compositor takes a
 * mode change only then); the desktop then gets a resize like any window. */
static void apply_saved_resolution(void)
{
    const struct ui_settings *s = ui_settings_current();
    if (!s->display_w || (s->display_w == desk.ui.w && s->display_h == desk.ui.h))
        return;
    struct osc_screen_info want = { (uint32_t)s->display_w, (uint32_t)s->display_h };
    int comp = open("/dev/compositor", O_RDWR | O_CLOEXEC);
    if (comp < 0 || ioctl(comp, OSC_COMP_SET_MODE, &want) < 0)
        printf("[shell] saved resolution %dx%d not set: %s\n", s->display_w, s->display_h,
               strerror(errno));
    if (comp >= 0)
        close(comp);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct ui_font *font = ui_font_open(FONT, ui_scale_px(16));
    if (!font) {
        perror("[shell] " FONT);
        return 1;
    }
    int comp = osc_comp_open();
    struct osc_screen_info screen = { 1024, 768 };
    if (comp < 0 || osc_comp_screen(comp, &screen) < 0) {
        perror("[shell] /dev/compositor");
        return 1;
    }
    close(comp);
    /* The session starts in the user's saved keyboard layout (Settings changes it). */
    ui_keyboard_layout_apply(ui_settings_current()->layout);
    nbundles = bundle_scan(APPS_DIR, bundles, BUNDLE_MAX, report_bad_bundle);
    if (ui_surface_open_flags(&desk, (int)screen.width, (int)screen.height, 0, 0, "Desktop",
                              font, OSC_SURFACE_DESKTOP) < 0) {
        perror("[shell] desktop surface");
        return 1;
    }
    ui_window_set_scale(&desk.ui, ui_settings_current()->scale);
    build((int)screen.width);
    int built_w = (int)screen.width, built_h = (int)screen.height;
    update_clock();
    bool rendered = false;
    tree_changed = true;
    for (;;) {
        if (ui_surface_dispatch(&desk, launching ? 30 : 250) < 0 && errno != EINTR)
            break;
        if (desk.ui.w != built_w || desk.ui.h != built_h) {
            /* The screen changed size: tiles flow into rows for the new width. */
            built_w = desk.ui.w;
            built_h = desk.ui.h;
            ui_window_clear(&desk.ui);
            build(built_w);
            refresh_dock();
            update_clock();
            tree_changed = true;
            printf("[shell] screen %dx%d\n", built_w, built_h);
            fflush(stdout);
        }
        reap();
        watch_launch();
        update_clock();
        if (!desk.frame_pending && !desk.ui.damaged && !desk.ui.needs_layout) {
            if (!rendered) {
                printf("[shell] desktop rendered (%d apps, uid %d)\n", nbundles, (int)getuid());
                rendered = true;
                apply_saved_resolution();
            }
            if (tree_changed) {
                print_semantics();
                tree_changed = false;
            }
        }
    }
    ui_surface_close(&desk);
    ui_font_close(font);
    return 1;
}
