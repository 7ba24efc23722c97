/* Kernel log: formats a line once, appends it to the ring buffer (dmesg) and hands
 * it to each sink (serial, framebuffer console). Lines below the current level are
 * dropped before formatting, so disabled debug tracing costs one comparison. */

#include <osc/lib.h>
#include <osc/log.h>
#include <osc/spinlock.h>

#define LOG_RING_SIZE  LOG_RING_BYTES
#define LOG_LINE_MAX   512
#define LOG_SINKS_MAX  4

static spinlock_t log_lock = SPINLOCK_INIT("log", 90);   /* protects everything below */
static char ring[LOG_RING_SIZE];
static uint64_t ring_head;              /* total bytes ever written */
static log_sink_fn sinks[LOG_SINKS_MAX];
static enum log_level current_level = LOG_INFO;
static bool panic_mode;

static const char *const level_marks[] = { "", "warning: ", "", "" };

void log_set_level(enum log_level level) { current_level = level; }
enum log_level log_get_level(void) { return current_level; }
bool log_enabled(enum log_level level) { return level <= current_level; }

void log_enter_panic_mode(void) { panic_mode = true; }

/* In panic mode the lock is skipped: another CPU may hold it forever, and the
 * panicking CPU is the only one still running kernel code. */
static bool log_lock_take(unsigned long *flags)
{
    *flags = irq_save();
    bool locked = !panic_mode;
    if (locked)
        spin_lock_raw(&log_lock);
    return locked;
}

static void log_lock_drop(bool locked, unsigned long flags)
{
    if (locked)
        spin_unlock_raw(&log_lock);
    irq_restore(flags);
}

int log_add_sink(log_sink_fn fn)
{
    unsigned long f;
    bool locked = log_lock_take(&f);
    int ret = -1;
    for (size_t i = 0; i < LOG_SINKS_MAX; i++) {
        if (!sinks[i]) {
            sinks[i] = fn;
            ret = 0;
            break;
        }
    }
    log_lock_drop(locked, f);
    return ret;
}

void log_remove_sink(log_sink_fn fn)
{
    unsigned long f = spin_lock_irqsave(&log_lock);
    for (size_t i = 0; i < LOG_SINKS_MAX; i++)
        if (sinks[i] == fn)
            sinks[i] = NULL;
    spin_unlock_irqrestore(&log_lock, f);
}

static void ring_append(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    ring_head += n;
}

size_t log_read_ring_since(uint64_t since, char *buf, size_t size)
{
    unsigned long f;
    bool locked = log_lock_take(&f);
    uint64_t oldest = ring_head < LOG_RING_SIZE ? 0 : ring_head - LOG_RING_SIZE;
    uint64_t start = since > oldest ? (since < ring_head ? since : ring_head) : oldest;
    uint64_t avail = ring_head - start;
    size_t n = avail < size ? (size_t)avail : size;
    for (size_t i = 0; i < n; i++)
        buf[i] = ring[(start + i) % LOG_RING_SIZE];
    log_lock_drop(locked, f);
    return n;
}

size_t log_read_ring(char *buf, size_t size)
{
    return log_read_ring_since(0, buf, size);
}

uint64_t log_ring_written(void)
{
    unsigned long f;
    bool locked = log_lock_take(&f);
    uint64_t n = ring_head;
    log_lock_drop(locked, f);
    return n;
}

void log_vwrite(enum log_level level, const char *tag, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char line[LOG_LINE_MAX];
    int n = ksnprintf(line, sizeof(line), "[%s] %s", tag, level_marks[level]);
    if (n < 0 || n >= (int)sizeof(line))
        n = 0;
    int m = kvsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    line[len] = 0;

    unsigned long f = irq_save();
    bool locked = !panic_mode;
    if (locked)
        spin_lock_raw(&log_lock);
    ring_append(line, len);
    for (size_t i = 0; i < LOG_SINKS_MAX; i++)
        if (sinks[i])
            sinks[i](line, len);
    if (locked)
        spin_unlock_raw(&log_lock);
    irq_restore(f);
}

void log_write(enum log_level level, const char *tag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, tag, fmt, ap);
    va_end(ap);
}
