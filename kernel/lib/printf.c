/* Bounded printf-style formatting (kvsnprintf). No floating point: the kernel is
 * built with -mgeneral-regs-only. */

#include <osc/lib.h>

struct out {
    char *buf;
    size_t size;
    size_t len;     /* length the full output would have */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padding(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width;
    int precision;  /* -1 when absent */
};

static void put_number(struct out *o, const struct spec *sp, uint64_t v, bool negative,
                       unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);

    const char *prefix = "";
    if (negative)
        prefix = "-";
    else if (sp->plus)
        prefix = "+";
    else if (sp->space)
        prefix = " ";
    else if (sp->alt && base == 16)
        prefix = upper ? "0X" : "0x";
    else if (sp->alt && base == 8)
        prefix = "0";

    int digits_len = n;
    if (sp->precision > digits_len)
        digits_len = sp->precision;
    int total = (int)strlen(prefix) + digits_len;
    int pad = sp->width > total ? sp->width - total : 0;

    if (!sp->left && !(sp->zero && sp->precision < 0))
        put_padding(o, ' ', pad);
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    if (!sp->left && sp->zero && sp->precision < 0)
        put_padding(o, '0', pad);
    put_padding(o, '0', digits_len - n);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        put_padding(o, ' ', pad);
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    size_t len = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
    int pad = sp->width > (int)len ? sp->width - (int)len : 0;
    if (!sp->left)
        put_padding(o, ' ', pad);
    for (size_t i = 0; i < len; i++)
        put(o, s[i]);
    if (sp->left)
        put_padding(o, ' ', pad);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp = { .precision = -1 };
        for (;; fmt++) {
            if (*fmt == '-') sp.left = true;
            else if (*fmt == '0') sp.zero = true;
            else if (*fmt == '+') sp.plus = true;
            else if (*fmt == ' ') sp.space = true;
            else if (*fmt == '#') sp.alt = true;
            else break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = true;
                sp.width = -sp.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.precision = 0;
            if (*fmt == '*') {
                sp.precision = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    sp.precision = sp.precision * 10 + (*fmt++ - '0');
            }
        }
        int lng = 0;    /* 0 int, 1 long, 2 long long, -1 short, -2 char */
        for (;; fmt++) {
            if (*fmt == 'l') lng++;
            else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') lng = 2;
            else if (*fmt == 'h') lng--;
            else break;
        }

        char c = *fmt;
        if (!c)
            break;
        fmt++;
        switch (c) {
        case 'd':
        case 'i': {
            int64_t v;
            if (lng >= 1) v = va_arg(ap, long long);
            else v = va_arg(ap, int);
            if (lng == -1) v = (short)v;
            if (lng <= -2) v = (signed char)v;
            put_number(&o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            if (lng >= 1) v = va_arg(ap, unsigned long long);
            else v = va_arg(ap, unsigned int);
            if (lng == -1) v = (unsigned short)v;
            if (lng <= -2) v = (unsigned char)v;
            unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
            sp.plus = sp.space = false;
            put_number(&o, &sp, v, false, base, c == 'X');
            break;
        }
        case 'p': {
            sp.alt = true;
            put_number(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
            break;
        }
        case 's':
            put_string(&o, &sp, va_arg(ap, const char *));
            break;
        case 'c': {
            char s[2] = { (char)va_arg(ap, int), 0 };
            sp.precision = 1;
            put_string(&o, &sp, s);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default:
            put(&o, '%');
            put(&o, c);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
