/* Kernel log: levelled, tagged with the subsystem prefix of SPEC §3 ("[mm] ..."),
 * kept in a ring buffer (dmesg) and copied to the registered console sinks.
 * Quiet by default: debug lines appear only with log=debug on the command line.
 *
 * Usage: #define LOG_TAG "mm" before including this header, then log_info(...). */
#pragma once

#include <osc/types.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_write(enum log_level level, const char *tag, const char *fmt, ...) __printf(3, 4);
void log_vwrite(enum log_level level, const char *tag, const char *fmt, va_list ap);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);

/* A sink receives every emitted line (already formatted, '\n'-terminated). Sinks are
 * called with the log lock held and interrupts off: they must not log themselves. */
typedef void (*log_sink_fn)(const char *text, size_t len);
int log_add_sink(log_sink_fn fn);
void log_remove_sink(log_sink_fn fn);

/* Copies up to size bytes of the ring buffer's oldest-first contents into buf;
 * returns the number copied. */
size_t log_read_ring(char *buf, size_t size);
/* The same from byte `since` of everything ever logged (what is older than the
 * ring holds is gone: it starts at the oldest kept byte). */
size_t log_read_ring_since(uint64_t since, char *buf, size_t size);
/* Bytes logged since boot (the ring's write position). */
uint64_t log_ring_written(void);
#define LOG_RING_BYTES (64 * 1024)

/* Panic path: stop taking the log lock (another CPU may hold it forever). */
void log_enter_panic_mode(void);

#ifndef LOG_TAG
#define LOG_TAG "kernel"
#endif
#define log_error(...) log_write(LOG_ERROR, LOG_TAG, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, LOG_TAG, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, LOG_TAG, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, LOG_TAG, __VA_ARGS__); } while (0)
