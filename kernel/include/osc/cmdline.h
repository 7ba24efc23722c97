/* Kernel command line: space-separated "key" or "key=value" words. */
#pragma once

#include <osc/types.h>

void cmdline_init(const char *cmdline);
const char *cmdline_raw(void);         /* the whole line as the loader gave it */
/* Returns the value of key=value, "" for a bare key, NULL when absent. The result
 * lives in a static copy of the command line. */
const char *cmdline_get(const char *key);
bool cmdline_has(const char *key);
/* The words of the command line in order (pointers into the static copy); returns
 * how many there are, storing at most max. */
size_t cmdline_words(const char **out, size_t max);
/* True when the kernel runs under an automated test ("test" or "fault=" given):
 * panics then exit the emulator with a failure code instead of halting. */
bool cmdline_test_mode(void);
