/* Kernel library: string and memory routines, formatted printing, parsing helpers.
 * Everything here is pure logic and is unit-tested on the host (tests/host). */
#pragma once

#include <osc/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/* printf-style formatting into a bounded buffer; returns the length the full output
 * would have had (like C99 vsnprintf). Supports %d %i %u %x %X %o %p %s %c %%, the
 * l/ll/z/h length modifiers, width, precision, '-', '0', '+', ' ' and '#' flags. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parses an unsigned number in base 10, or 16 with a 0x prefix; returns false when
 * the string is not entirely a number or overflows. */
bool parse_u64(const char *s, size_t len, uint64_t *out);

/* SipHash-2-4 of len bytes under a 128-bit key (siphash.c). */
uint64_t siphash24(const uint64_t key[2], const void *data, size_t len);
