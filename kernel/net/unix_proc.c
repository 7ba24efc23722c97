/* /proc/net/unix in Linux's text (busybox netstat -x reads it): one line per
 * AF_UNIX socket, from a snapshot taken under `unix`, formatted after it. */

#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/net.h>

#include "unix_internal.h"

#define SO_ACCEPTCON    0x10000     /* Linux's __SO_ACCEPTCON: a listener */
#define SS_UNCONNECTED  1
#define SS_CONNECTED    3

/* The name as Linux prints it: a path, or '@' and the abstract name with every
 * NUL byte shown as '@'; nothing for an unnamed socket. */
static size_t name_text(const struct sock_addr *a, char *out, size_t cap)
{
    size_t len = a->len > SUN_HDR ? MIN((size_t)a->len - SUN_HDR, sizeof(a->a.path)) : 0, n = 0;
    if (!len)
        return 0;
    out[n++] = ' ';
    if (a->a.path[0]) {
        for (size_t i = 0; i < len && a->a.path[i] && n + 1 < cap; i++)
            out[n++] = a->a.path[i];
        return n;
    }
    out[n++] = '@';
    for (size_t i = 1; i < len && n + 1 < cap; i++)
        out[n++] = a->a.path[i] ? a->a.path[i] : '@';
    return n;
}

void unix_proc_net(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    static const char head[] = "Num       RefCount Protocol Flags    Type St Inode Path\n";
    put(ctx, head, sizeof(head) - 1);
    struct unix_info *all = NULL;
    size_t cap = 16, n;
    for (;;) {
        all = kmalloc(cap * sizeof(*all));
        if (!all)
            return;
        n = unix_snapshot(all, cap);
        if (n <= cap)
            break;
        kfree(all);
        cap = n + 16;                   /* more were opened meanwhile: again */
    }
    for (size_t i = 0; i < n; i++) {
        const struct unix_info *u = &all[i];
        char line[160];
        int k = ksnprintf(line, sizeof(line), "%016lx: %08X %08X %08X %04X %02X %5lu",
                          (unsigned long)u->ino * 0x9e3779b97f4a7c15ul, (unsigned)u->refs, 0u,
                          u->listening ? SO_ACCEPTCON : 0u, (unsigned)u->type,
                          u->state == U_CONNECTED ? SS_CONNECTED : SS_UNCONNECTED,
                          (unsigned long)u->ino);
        if (k < 0)
            continue;
        size_t len = MIN((size_t)k, sizeof(line) - 1);
        len += name_text(&u->addr, line + len, sizeof(line) - len - 1);
        line[len++] = '\n';
        put(ctx, line, len);
    }
    kfree(all);
}
