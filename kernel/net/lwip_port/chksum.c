/* lwIP's checksum routine (LWIP_CHKSUM in lwipopts.h): the Internet sum 32 bits
 * at a time into a 64-bit accumulator, where lwIP's own adds 16 bits a step
 * (every received segment is summed once, every sent one too). */

#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>

#include "lwip/arch.h"

typedef uint32_t __attribute__((may_alias, aligned(1))) u32_unaligned;
typedef uint16_t __attribute__((may_alias, aligned(1))) u16_unaligned;

/* As lwip_standard_chksum: the ones' complement sum (not inverted) of len bytes
 * at any address, as 16-bit words loaded in host order, a last odd byte padded
 * with zero. A 64-bit sum of 32-bit words cannot overflow for len < 2^34. */
u16_t lwip_port_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    uint64_t acc = 0;
    size_t n = len > 0 ? (size_t)len : 0;
    for (; n >= 32; n -= 32, p += 32) {
        const u32_unaligned *w = (const u32_unaligned *)p;
        acc += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
    }
    for (; n >= 4; n -= 4, p += 4)
        acc += *(const u32_unaligned *)p;
    if (n >= 2) {
        acc += *(const u16_unaligned *)p;
        p += 2;
        n -= 2;
    }
    if (n)
        acc += *p;                      /* little-endian: the low byte of a word */
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (u16_t)acc;
}

/* lwIP's algorithm #2, 16 bits at a time, as the reference. */
static u16_t chksum_ref(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (; len >= 2; len -= 2, p += 2)
        sum += (uint32_t)(p[0] | p[1] << 8);
    if (len)
        sum += p[0];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (u16_t)sum;
}

KTEST(lwip_checksum_matches_the_16_bit_sum_at_every_alignment_and_length)
{
    static uint8_t buf[1600];
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    memset(buf + 1000, 0xff, 300);      /* runs of carries */
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= sizeof(buf); len += len < 80 ? 1 : 37)
            KT_ASSERT_EQ(lwip_port_chksum(buf + off, (int)len), chksum_ref(buf + off, len));
}
