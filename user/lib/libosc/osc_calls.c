/* libosc's platform calls: cursor_shape_set, the clipboard, app_close_foreground,
 * beep and dns_resolve through syscall(2), which gives -1/errno. */
#include "osc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int osc_cursor_shape_set(int shape)
{
    return (int)syscall(OSC_SYS_cursor_shape_set, (long)shape);
}

int osc_clipboard_set(const char *mime, const void *data, size_t len)
{
    return (int)syscall(OSC_SYS_clipboard_set, mime, data, len);
}

ssize_t osc_clipboard_get(char *mime, size_t mime_cap, void *buf, size_t cap)
{
    return syscall(OSC_SYS_clipboard_get, mime, mime_cap, buf, cap);
}

char *osc_clipboard_get_text(size_t max)
{
    char mime[64];
    ssize_t n = osc_clipboard_get(NULL, 0, NULL, 0);
    if (n <= 0 || (size_t)n > max)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    /* Another app may have replaced it meanwhile: then ERANGE or a shorter one. */
    n = osc_clipboard_get(mime, sizeof(mime), s, (size_t)n);
    if (n < 0 || strncmp(mime, "text/plain", 10) != 0) {
        free(s);
        return NULL;
    }
    s[n] = 0;
    return s;
}

int osc_app_close_foreground(void)
{
    return (int)syscall(OSC_SYS_app_close_foreground);
}

int osc_beep(unsigned hz, unsigned ms)
{
    return (int)syscall(OSC_SYS_beep, (long)hz, (long)ms);
}

int osc_dns_resolve(const char *name, void *addr)
{
    return (int)syscall(OSC_SYS_dns_resolve, name, addr);
}
