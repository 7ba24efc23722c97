/* Basic kernel types and helper macros shared by every subsystem. The kernel is
 * freestanding: only the compiler's own headers (stdint, stddef, stdbool, stdarg). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;   /* physical address */
typedef uint64_t vaddr_t;   /* virtual address as an integer */
typedef int64_t ssize_t;

#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)    (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)  ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)  (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __unused    __attribute__((unused))
#define __noreturn  __attribute__((noreturn))
#define __packed    __attribute__((packed))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* Pointers that carry a negative errno (Linux style): IS_ERR(p) tells them apart. */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (uintptr_t)p >= (uintptr_t)-MAX_ERRNO; }
