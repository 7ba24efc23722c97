/* App bundles: /Applications/<Name>.app/ directories, each with a `manifest` of
 * key=value lines (name, exec, kind, accent, args, icon), read by the desktop shell to
 * show a tile per app and launch it. Pure parsing is host-tested
 * (tests/host/test_bundle.c); bad manifests are skipped with a reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define BUNDLE_MAX 32
#define BUNDLE_NAME_MAX 48
#define BUNDLE_PATH_MAX 256

enum bundle_kind { BUNDLE_LOCAL, BUNDLE_REMOTE };

struct bundle {
    char name[BUNDLE_NAME_MAX];         /* shown on the tile */
    char exec[BUNDLE_PATH_MAX];         /* absolute path of the program */
    char args[BUNDLE_PATH_MAX];         /* extra arguments, space-separated */
    enum bundle_kind kind;
    unsigned accent;                    /* tile colour 0xRRGGBB */
    char icon[BUNDLE_NAME_MAX];         /* a PNG's file name in the bundle, "" for none */
    char dir[BUNDLE_PATH_MAX];          /* the bundle directory */
};

/* Parses one manifest's text into b (dir left alone). Returns 0, or -1 with a
 * reason in why (a missing name or exec, a relative exec, a bad kind or colour,
 * an icon that is not a plain file name in the bundle, an over-long value). Unknown keys, blank lines and '#' comments are ignored. */
int bundle_parse(const char *text, size_t len, struct bundle *b, char *why, size_t why_len);
/* Reads every <dir>/<X>.app/manifest; fills up to max bundles sorted by name and
 * returns how many; a bad bundle is reported through report(name, why) and skipped. */
int bundle_scan(const char *dir, struct bundle *out, int max,
                void (*report)(const char *bundle_dir, const char *why));
