/* host-test: kernel/lib/printf.c kernel/lib/cmdline.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* Kernel library: formatting, string routines, command-line parsing. */
#include <stdint.h>
#include <osc/lib.h>
#include <osc/cmdline.h>
#include "check.h"

static const char *fmt(const char *f, ...)
{
    static char buf[256];
    va_list ap;
    va_start(ap, f);
    kvsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

TEST(printf_formats_integers_like_libc)
{
    CHECK_STR(fmt("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
    CHECK_STR(fmt("%x %X %#x %o", 0xbeef, 0xbeef, 255, 8), "beef BEEF 0xff 10");
    CHECK_STR(fmt("%5d|%-5d|%05d", 42, 42, 42), "   42|42   |00042");
    CHECK_STR(fmt("%ld %lu %llx %zu", -1l, 18446744073709551615ul, 0x123456789abcull, (size_t)9), "-1 18446744073709551615 123456789abc 9");
    CHECK_STR(fmt("%lld", (long long)INT64_MIN), "-9223372036854775808");
    CHECK_STR(fmt("%+d % d %.3d", 5, 5, 7), "+5  5 007");
    CHECK_STR(fmt("%hhu %hd", 300, 70000), "44 4464");
}

TEST(printf_formats_strings_chars_pointers)
{
    CHECK_STR(fmt("[%s] [%6s] [%-6s] [%.2s]", "abc", "abc", "abc", "abc"), "[abc] [   abc] [abc   ] [ab]");
    CHECK_STR(fmt("%c%c%%", 'o', 'k'), "ok%");
    CHECK_STR(fmt("%s", (char *)NULL), "(null)");
    CHECK_STR(fmt("%p", (void *)0xffffffff80001000ul), "0xffffffff80001000");
    CHECK_STR(fmt("%*d|%-*d", 4, 1, 3, 2), "   1|2  ");
}

TEST(printf_truncates_and_reports_full_length)
{
    char buf[8];
    int n = ksnprintf(buf, sizeof(buf), "hello %s", "world");
    CHECK_EQ(n, 11);
    CHECK_STR(buf, "hello w");
    CHECK_EQ(ksnprintf(NULL, 0, "%d", 12345), 5);
    char one[1] = { 'x' };
    CHECK_EQ(ksnprintf(one, 1, "abc"), 3);
    CHECK_EQ(one[0], 0);
}

TEST(string_routines_handle_overlap_and_bounds)
{
    char b[16] = "abcdefgh";
    k_memmove(b + 2, b, 6);
    CHECK_STR(b, "ababcdef");
    k_memmove(b, b + 2, 7);
    CHECK_STR(b, "abcdef");
    CHECK_EQ(k_strnlen("abc", 2), 2);
    char d[4];
    CHECK_EQ(k_strlcpy(d, "toolong", sizeof(d)), 7);
    CHECK_STR(d, "too");
    CHECK(k_memcmp("ab", "ac", 2) < 0);
    CHECK(k_strncmp("abc", "abd", 2) == 0);
    uint64_t big[4] = { 0 };
    k_memset(big, 0xab, sizeof(big));
    CHECK(big[3] == 0xababababababababull);
}

TEST(strrchr_finds_the_last_occurrence_or_the_terminator)
{
    const char *p = "/usr/bin/sh";
    CHECK(k_strrchr(p, '/') == p + 8);
    CHECK(k_strrchr(p, 'x') == NULL);
    CHECK(k_strrchr(p, 0) == p + 11);
    CHECK(k_strrchr("", '/') == NULL);
}

TEST(parse_u64_accepts_decimal_and_hex_only)
{
    uint64_t v;
    CHECK(parse_u64("1234", 4, &v) && v == 1234);
    CHECK(parse_u64("0x1F", 4, &v) && v == 31);
    CHECK(!parse_u64("12a", 3, &v));
    CHECK(!parse_u64("", 0, &v));
    CHECK(!parse_u64("0x", 2, &v));
    CHECK(!parse_u64("18446744073709551616", 20, &v));
    CHECK(parse_u64("18446744073709551615", 20, &v) && v == UINT64_MAX);
}

TEST(cmdline_finds_flags_and_values)
{
    cmdline_init("/boot/kernel.elf log=debug test  fault=page x=");
    CHECK_STR(cmdline_get("log"), "debug");
    CHECK_STR(cmdline_get("test"), "");
    CHECK_STR(cmdline_get("x"), "");
    CHECK(cmdline_get("lo") == NULL);
    CHECK(cmdline_get("missing") == NULL);
    CHECK(cmdline_test_mode());
    const char *w[8];
    CHECK_EQ(cmdline_words(w, 8), 5);
    CHECK_STR(w[0], "/boot/kernel.elf");
    CHECK_STR(w[2], "test");
    CHECK_STR(w[4], "x=");
    CHECK_EQ(cmdline_words(w, 1), 5);
    cmdline_init("quiet");
    CHECK(!cmdline_test_mode());
    cmdline_init("   ");
    CHECK_EQ(cmdline_words(w, 8), 0);
}
