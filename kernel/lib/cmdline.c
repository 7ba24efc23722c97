/* Kernel command line lookup. The line is split once at boot into NUL-separated
 * words; lookups scan them (the line is short and read rarely). */

#include <osc/boot.h>
#include <osc/cmdline.h>
#include <osc/lib.h>

static char words[BOOT_CMDLINE_MAX];
static size_t words_len;
static char raw[BOOT_CMDLINE_MAX];      /* as given, for /proc/cmdline */

const char *cmdline_raw(void) { return raw; }

void cmdline_init(const char *cmdline)
{
    strlcpy(raw, cmdline, sizeof(raw));
    size_t n = strlcpy(words, cmdline, sizeof(words));
    if (n >= sizeof(words))
        n = sizeof(words) - 1;
    words_len = n;
    for (size_t i = 0; i < words_len; i++)
        if (words[i] == ' ' || words[i] == '\t')
            words[i] = 0;
}

const char *cmdline_get(const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < words_len;) {
        const char *w = &words[i];
        size_t wlen = strlen(w);
        if (wlen && strncmp(w, key, klen) == 0) {
            if (w[klen] == 0)
                return w + klen;        /* bare key: empty string */
            if (w[klen] == '=')
                return w + klen + 1;
        }
        i += wlen + 1;
    }
    return NULL;
}

size_t cmdline_words(const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < words_len;) {
        size_t wlen = strlen(&words[i]);
        if (wlen) {
            if (n < max)
                out[n] = &words[i];
            n++;
        }
        i += wlen + 1;
    }
    return n;
}

bool cmdline_has(const char *key)
{
    return cmdline_get(key) != NULL;
}

bool cmdline_test_mode(void)
{
    return cmdline_has("test") || cmdline_has("fault");
}
