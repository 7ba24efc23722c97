/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for values an
 * outsider must not predict, such as TCP initial sequence numbers (RFC 6528). */

#include <osc/lib.h>

static inline uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline void sip_round(uint64_t v[4])
{
    v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
    v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

uint64_t siphash24(const uint64_t key[2], const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t v[4] = {
        key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
        key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
    };
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load_le64(p + i, 8);
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    /* The last word: the leftover bytes, and the length's low byte on top. */
    uint64_t m = load_le64(p + whole, len - whole) | ((uint64_t)len << 56);
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}
