/* The pipe byte ring (pure logic, host-tested): head and tail count bytes ever
 * written and read, so head - tail is the fill level even across wrap-around. */

#include <osc/lib.h>
#include <osc/vfs.h>

size_t pipe_ring_put(struct pipe_ring *r, const void *src, size_t n)
{
    size_t space = PIPE_BUF_SIZE - pipe_ring_used(r);
    n = MIN(n, space);
    size_t at = r->head % PIPE_BUF_SIZE, first = MIN(n, PIPE_BUF_SIZE - at);
    memcpy(r->buf + at, src, first);
    memcpy(r->buf, (const uint8_t *)src + first, n - first);
    r->head += (uint32_t)n;
    return n;
}

size_t pipe_ring_get(struct pipe_ring *r, void *dst, size_t n)
{
    n = MIN(n, pipe_ring_used(r));
    size_t at = r->tail % PIPE_BUF_SIZE, first = MIN(n, PIPE_BUF_SIZE - at);
    memcpy(dst, r->buf + at, first);
    memcpy((uint8_t *)dst + first, r->buf, n - first);
    r->tail += (uint32_t)n;
    return n;
}
