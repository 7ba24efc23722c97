/* host-test: user/apps/shell/bundle.c -Iuser/apps/shell */
/* /Applications bundle manifests: good ones, comments and spaces, every kind of
 * bad one (skipped with a reason), and a directory scan sorted by name. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bundle.h"
#include "check.h"

static int parse(const char *text, struct bundle *b, char *why)
{
    memset(b, 0, sizeof(*b));
    return bundle_parse(text, strlen(text), b, why, 96);
}

TEST(a_full_manifest_parses)
{
    struct bundle b;
    char why[96];
    CHECK_EQ(parse("# Terminal\nname = Terminal\nexec=/bin/terminal\nargs=-l\n"
                   "kind=local\naccent=#8B5cf6\r\nicon=t.png\n", &b, why), 0);
    CHECK_STR(b.name, "Terminal");
    CHECK_STR(b.exec, "/bin/terminal");
    CHECK_STR(b.args, "-l");
    CHECK_EQ(b.kind, BUNDLE_LOCAL);
    CHECK_EQ(b.accent, 0x8b5cf6);
    CHECK_STR(b.icon, "t.png");
    CHECK_EQ(parse("name=X\nexec=/x\n", &b, why), 0);
    CHECK_STR(b.icon, "");
}

TEST(bad_manifests_are_refused_with_a_reason)
{
    struct bundle b;
    char why[96];
    CHECK_EQ(parse("exec=/bin/x\n", &b, why), -1);
    CHECK_STR(why, "no name");
    CHECK_EQ(parse("name=X\n", &b, why), -1);
    CHECK_STR(why, "no exec");
    CHECK_EQ(parse("name=X\nexec=bin/x\n", &b, why), -1);     /* relative */
    CHECK(strstr(why, "exec") != NULL);
    CHECK_EQ(parse("name=X\nexec=/x\nkind=cloud\n", &b, why), -1);
    CHECK_EQ(parse("name=X\nexec=/x\naccent=blue\n", &b, why), -1);
    CHECK_EQ(parse("name=X\nexec=/x\njunk\n", &b, why), -1);
    CHECK_STR(why, "line 3: no '='");
    char big[400];
    snprintf(big, sizeof(big), "name=%0300d\nexec=/x\n", 1);
    CHECK_EQ(parse(big, &b, why), -1);
    CHECK_EQ(parse("name=X\nexec=/x\nicon=../../etc/shadow\n", &b, why), -1);
    CHECK_STR(why, "line 3: bad value for 'icon'");
    CHECK_EQ(parse("name=X\nexec=/x\nicon=..\n", &b, why), -1);
    CHECK_EQ(parse("name=X\nexec=/x\nicon=\n", &b, why), -1);
    CHECK_EQ(parse("name=Store\nkind=remote\n", &b, why), 0);  /* remote: no exec yet */
}

TEST(scan_reads_bundles_sorted_and_skips_bad_ones)
{
    char dir[] = "/tmp/bundle-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *apps[][2] = { { "Zed.app", "name=Zed\nexec=/bin/zed\n" },
                              { "Alpha.app", "name=Alpha\nexec=/bin/alpha\n" },
                              { "Broken.app", "name=Broken\n" },
                              { "NotAnApp", "name=No\nexec=/bin/no\n" } };
    char path[512];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, apps[i][0]);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/%s/manifest", dir, apps[i][0]);
        FILE *f = fopen(path, "w");
        fputs(apps[i][1], f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/Empty.app", dir);
    mkdir(path, 0755);
    struct bundle b[8];
    int n = bundle_scan(dir, b, 8, NULL);
    CHECK_EQ(n, 2);
    CHECK_STR(b[0].name, "Alpha");
    CHECK_STR(b[1].name, "Zed");
    CHECK(strstr(b[1].dir, "/Zed.app") != NULL);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    CHECK_EQ(system(path), 0);
    CHECK_EQ(bundle_scan("/nonexistent", b, 8, NULL), 0);
}
