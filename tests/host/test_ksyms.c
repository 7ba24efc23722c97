/* host-test: kernel/lib/ksyms.c */
/* Symbol lookup over a hand-made table shaped like tools/gensyms.py's output. */
#include <stdint.h>
#include <osc/ksyms.h>
#include "check.h"

const uint64_t ksyms_count = 3;
const uint64_t ksyms_text_end = 0x1300;
const struct ksym ksyms_table[] = {
    { 0x1000, 0 },      /* alpha */
    { 0x1100, 6 },      /* beta */
    { 0x1200, 11 },     /* gamma */
};
const char ksyms_names[] = "alpha\0beta\0gamma";

TEST(ksyms_lookup_finds_symbol_and_offset)
{
    uint64_t off = 0;
    CHECK_STR(ksyms_lookup(0x1000, &off), "alpha");
    CHECK_EQ(off, 0);
    CHECK_STR(ksyms_lookup(0x10ff, &off), "alpha");
    CHECK_EQ(off, 0xff);
    CHECK_STR(ksyms_lookup(0x1100, &off), "beta");
    CHECK_EQ(off, 0);
    CHECK_STR(ksyms_lookup(0x12ff, &off), "gamma");
    CHECK_EQ(off, 0xff);
    CHECK_STR(ksyms_lookup(0x1150, NULL), "beta");
}

TEST(ksyms_lookup_rejects_addresses_outside_text)
{
    uint64_t off = 7;
    CHECK(ksyms_lookup(0xfff, &off) == NULL);
    CHECK(ksyms_lookup(0x1300, &off) == NULL);
    CHECK(ksyms_lookup(0, &off) == NULL);
    CHECK(ksyms_lookup(UINT64_MAX, &off) == NULL);
    CHECK_EQ(off, 7);   /* untouched on failure */
}
