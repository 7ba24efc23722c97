/* What init's files share: the log line writer and the root switch (root.c). */
#pragma once

#include <stdbool.h>

/* One "[init] ..." line on the console with plain write(2). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* root=DEV (ro: read-only): exec's the disk's /sbin/init through busybox
 * switch_root; returns (logged) when the disk cannot be the root, or when / is
 * the disk already. */
void init_switch_root(const char *dev, bool read_only);
