/* host-test: user/lib/libui/ui_settings.c -Iuser/lib/libui */
/* libui's settings file: parsing (comments, blanks, bad values kept out), the
 * text it writes read back, the atomic save under $HOME, the cached copy that
 * follows the file, and wheel rows by direction and speed. */
#include "ui.h"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PARSE(s, text) ui_settings_parse((s), (text), strlen(text))

TEST(defaults_are_traditional_scroll_speed_3_us_layout)
{
    struct ui_settings s;
    ui_settings_defaults(&s);
    CHECK(!s.natural_scroll);
    CHECK_EQ(s.scroll_speed, 3);
    CHECK_EQ(s.layout, UI_LAYOUT_US);
}

TEST(parse_takes_known_keys_with_blanks_and_crlf)
{
    struct ui_settings s;
    ui_settings_defaults(&s);
    CHECK_EQ(PARSE(&s, "# comment\n\n  mouse.natural_scroll = 1 \r\nmouse.scroll_speed=7\n"
                       "keyboard.layout=de"), 3);
    CHECK_EQ(s.display_w, 0);
    CHECK_EQ(PARSE(&s, "display.resolution=1280x800\n"), 1);
    CHECK_EQ(s.display_w, 1280);
    CHECK_EQ(s.display_h, 800);
    CHECK(s.natural_scroll);
    CHECK_EQ(s.scroll_speed, 7);
    CHECK_EQ(s.layout, UI_LAYOUT_DE);
}

TEST(parse_skips_bad_values_unknown_keys_and_garbage)
{
    struct ui_settings s;
    ui_settings_defaults(&s);
    s.scroll_speed = 5;
    const char *bad = "mouse.scroll_speed=0\nmouse.scroll_speed=11\nmouse.scroll_speed=-2\n"
                      "mouse.scroll_speed=4x\nmouse.scroll_speed=99999999999\n"
                      "mouse.natural_scroll=2\nmouse.natural_scroll=yes\nmouse.natural_scroll=\n"
                      "keyboard.layout=fr\nkeyboard.layout=usa\nno equals sign\n=1\n"
                      "mouse.natural_scrollx=1\n#mouse.natural_scroll=1\n"
                      "display.resolution=1280\ndisplay.resolution=x800\ndisplay.resolution=10x10\n"
                      "display.resolution=1280x800x2\ndisplay.resolution=99999x800\n";
    CHECK_EQ(PARSE(&s, bad), 0);
    CHECK_EQ(s.scroll_speed, 5);
    CHECK(!s.natural_scroll);
    CHECK_EQ(s.layout, UI_LAYOUT_US);
    CHECK_EQ(s.display_w, 0);
    /* A NUL inside a line spoils only that line; the last value of a key wins. */
    const char nul[] = "mouse.natural_scroll=1\0garbage\nmouse.scroll_speed=2\nmouse.scroll_speed=9\n";
    CHECK_EQ(ui_settings_parse(&s, nul, sizeof(nul) - 1), 2);
    CHECK(!s.natural_scroll);
    CHECK_EQ(s.scroll_speed, 9);
}

TEST(format_then_parse_gives_the_same_settings)
{
    struct ui_settings a = { true, 10, UI_LAYOUT_DE, 0, 0, 175 }, b;
    char buf[256];
    size_t n = ui_settings_format(&a, buf, sizeof(buf));
    CHECK(n > 0 && n < sizeof(buf));
    CHECK(strstr(buf, "mouse.natural_scroll=1\n") != NULL);
    ui_settings_defaults(&b);
    CHECK_EQ(ui_settings_parse(&b, buf, n), 4);
    CHECK(b.natural_scroll);
    CHECK_EQ(b.scroll_speed, 10);
    CHECK_EQ(b.layout, UI_LAYOUT_DE);
    CHECK_EQ(b.scale, 175);
    char tiny[8];
    CHECK(ui_settings_format(&a, tiny, sizeof(tiny)) >= sizeof(tiny));
    a.display_w = 1920;
    a.display_h = 1080;
    n = ui_settings_format(&a, buf, sizeof(buf));
    CHECK(strstr(buf, "display.resolution=1920x1080\n") != NULL);
    CHECK_EQ(ui_settings_parse(&b, buf, n), 5);
    CHECK_EQ(b.display_w, 1920);
    CHECK_EQ(b.display_h, 1080);
    CHECK(ui_settings_format(&a, tiny, sizeof(tiny)) >= sizeof(tiny));
}

TEST(display_scale_takes_100_to_200_in_steps_of_25)
{
    struct ui_settings s;
    ui_settings_defaults(&s);
    CHECK_EQ(s.scale, 100);
    CHECK_EQ(PARSE(&s, "display.scale=150\n"), 1);
    CHECK_EQ(s.scale, 150);
    CHECK_EQ(PARSE(&s, "display.scale=99\ndisplay.scale=225\ndisplay.scale=110\n"
                       "display.scale=\ndisplay.scale=2x\n"), 0);
    CHECK_EQ(s.scale, 150);
    CHECK_EQ(PARSE(&s, "display.scale = 200\r\n"), 1);
    CHECK_EQ(s.scale, 200);
}

TEST(wheel_rows_follow_direction_and_speed)
{
    struct ui_settings s;
    ui_settings_defaults(&s);
    s.scroll_speed = 1;
    CHECK_EQ(ui_settings_wheel_rows(&s, 1), -1);      /* notch up: earlier rows */
    CHECK_EQ(ui_settings_wheel_rows(&s, -2), 2);
    s.natural_scroll = true;
    CHECK_EQ(ui_settings_wheel_rows(&s, 1), 1);       /* natural: the other way */
    s.scroll_speed = 4;
    CHECK_EQ(ui_settings_wheel_rows(&s, -1), -4);
    s.scroll_speed = 77;                              /* out of range: the default */
    CHECK_EQ(ui_settings_wheel_rows(&s, 1), 3);
    CHECK_EQ(ui_settings_wheel_rows(&s, 1 << 30), 3000);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

TEST(save_makes_the_directories_and_current_follows_every_save)
{
    char home[] = "/tmp/ui-settings-XXXXXX";
    CHECK(mkdtemp(home) != NULL);
    setenv("HOME", home, 1);
    char path[512], dir[512];
    CHECK_EQ(ui_settings_path(path, sizeof(path)), 0);
    snprintf(dir, sizeof(dir), "%s/.config/oscortex", home);
    CHECK(strcmp(path + strlen(dir), "/settings") == 0);

    const struct ui_settings *cur = ui_settings_current();     /* no file: defaults */
    CHECK(!cur->natural_scroll);
    CHECK_EQ(cur->scroll_speed, UI_SCROLL_SPEED_DEFAULT);

    struct ui_settings s;
    ui_settings_defaults(&s);
    s.natural_scroll = true;
    CHECK_EQ(ui_settings_save(&s, NULL), 0);
    CHECK(ui_settings_current()->natural_scroll);
    CHECK_EQ(files_in(dir), 1);                 /* no temporary file left beside it */
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* Saved again within the same second (ext2 keeps seconds): still seen. */
    s.natural_scroll = false;
    s.scroll_speed = 8;
    CHECK_EQ(ui_settings_save(&s, NULL), 0);
    CHECK(!ui_settings_current()->natural_scroll);
    CHECK_EQ(ui_settings_current()->scroll_speed, 8);

    struct ui_settings back;
    CHECK_EQ(ui_settings_load(&back, NULL), 0);
    CHECK_EQ(back.scroll_speed, 8);

    /* The file gone: defaults again. A save that cannot happen leaves the file alone. */
    unlink(path);
    CHECK_EQ(ui_settings_current()->scroll_speed, UI_SCROLL_SPEED_DEFAULT);
    CHECK_EQ(ui_settings_load(&back, NULL), -1);
    char plain[600], blocked[640];
    snprintf(plain, sizeof(plain), "%s/plain", home);
    snprintf(blocked, sizeof(blocked), "%s/sub/settings", plain);
    close(open(plain, O_CREAT | O_WRONLY, 0600));       /* a file where a directory goes */
    CHECK_EQ(ui_settings_save(&s, blocked), -1);
    unlink(plain);
    rmdir(dir);
    snprintf(dir, sizeof(dir), "%s/.config", home);
    rmdir(dir);
    CHECK_EQ(rmdir(home), 0);

    unsetenv("HOME");
    CHECK_EQ(ui_settings_path(path, sizeof(path)), -1);
    CHECK(!ui_settings_current()->natural_scroll);
}
