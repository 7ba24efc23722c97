/* The C library subset lwIP includes (atoi: its address parsers). */
#pragma once
#include <osc/types.h>
static inline int atoi(const char *s)
{
    int neg = 0, v = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}
