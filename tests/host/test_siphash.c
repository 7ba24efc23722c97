/* host-test: kernel/lib/siphash.c */
/* SipHash-2-4 against the published vectors (key 00..0f, message 00..len-1). */
#include <stdint.h>
#include <osc/lib.h>
#include "check.h"

static uint64_t sip_of_len(size_t len)
{
    const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
    uint8_t msg[64];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    return siphash24(key, msg, len);
}

TEST(siphash_matches_the_papers_vector_for_15_bytes)
{
    CHECK(sip_of_len(15) == 0xa129ca6149be45e5ull);
}

TEST(siphash_matches_the_reference_vectors_for_0_and_8_bytes)
{
    CHECK(sip_of_len(0) == 0x726fdb47dd0e0e31ull);
    CHECK(sip_of_len(8) == 0x93f5f5799a932462ull);
}

TEST(siphash_depends_on_every_byte_and_the_key)
{
    const uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
    uint8_t a[12] = { 0 }, b[12] = { 0 };
    b[11] = 1;
    CHECK(siphash24(k1, a, sizeof(a)) != siphash24(k1, b, sizeof(b)));
    CHECK(siphash24(k1, a, sizeof(a)) != siphash24(k2, a, sizeof(a)));
    CHECK(siphash24(k1, a, 11) != siphash24(k1, a, 12));
}
