/* Split virtqueues (virtio 1.0 §2.4): a descriptor free list, chains posted in the
 * avail ring, completions taken from the used ring. The used ring is written by
 * the device, so every index, id and length read from it is checked before use. */

#define LOG_TAG "virtio"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/virtio.h>

#define AVAIL_IDX   1           /* uint16_t slots: flags, idx, ring[] */
#define AVAIL_RING  2
#define USED_IDX    1

static size_t ring_bytes(uint16_t size, size_t *avail_off, size_t *used_off)
{
    *avail_off = 16u * size;                            /* descriptors: 16 each */
    *used_off = ALIGN_UP(*avail_off + 6 + 2u * size, 4); /* avail: flags idx ring used_event */
    return *used_off + 6 + 8u * size;                   /* used: flags idx ring avail_event */
}

int virtq_alloc(struct virtq *q, struct virtio_dev *v, uint16_t index, uint16_t size)
{
    memset(q, 0, sizeof(*q));
    if (size == 0 || (size & (size - 1)) || size > VIRTQ_MAX_SIZE)
        return -EINVAL;
    size_t avail_off, used_off, bytes = ring_bytes(size, &avail_off, &used_off);
    q->mem_pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
    q->mem = pmm_alloc_pages(q->mem_pages);
    q->token = kzalloc(size * sizeof(*q->token));
    q->in_len = kzalloc(size * sizeof(*q->in_len));
    q->chain_len = kzalloc(size * sizeof(*q->chain_len));
    if (!q->mem || !q->token || !q->in_len || !q->chain_len) {
        virtq_free(q);
        return -ENOMEM;
    }
    uint8_t *base = phys_to_virt(q->mem);
    q->desc = (volatile struct virtq_desc *)base;
    q->avail = (volatile uint16_t *)(base + avail_off);
    q->used = (volatile uint16_t *)(base + used_off);
    for (uint16_t i = 0; i < size; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    q->size = q->num_free = size;
    q->index = index;
    q->vdev = v;
    spin_init(&q->lock, "virtq", 72);
    return 0;
}

void virtq_free(struct virtq *q)
{
    if (q->mem)
        pmm_free_pages(q->mem, q->mem_pages);
    kfree(q->token);
    kfree(q->in_len);
    kfree(q->chain_len);
    memset(q, 0, sizeof(*q));
}

static volatile struct virtq_used_elem *used_elem(struct virtq *q, uint16_t slot)
{
    return (volatile struct virtq_used_elem *)((volatile uint8_t *)q->used + 4) + slot;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *token)
{
    if (n == 0 || !token)
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&q->lock);
    int err = 0;
    if (q->broken)
        err = -EIO;
    else if (n > q->size)
        err = -EINVAL;
    else if (n > q->num_free)
        err = -ENOSPC;
    if (err) {
        spin_unlock_irqrestore(&q->lock, flags);
        return err;
    }
    uint16_t head = q->free_head, idx = head, last = head;
    uint32_t in = 0;
    for (unsigned i = 0; i < n; i++) {
        volatile struct virtq_desc *d = &q->desc[idx];
        d->addr = bufs[i].addr;
        d->len = bufs[i].len;
        d->flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                              (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        if (bufs[i].write)
            in += bufs[i].len;
        last = idx;
        idx = d->next;          /* the free list is already in chain order */
    }
    q->free_head = q->desc[last].next;
    q->num_free = (uint16_t)(q->num_free - n);
    q->token[head] = token;
    q->in_len[head] = in;
    q->chain_len[head] = (uint16_t)n;
    q->avail[AVAIL_RING + q->avail_idx % q->size] = head;
    q->avail_idx++;
    /* The ring entry is visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->avail[AVAIL_IDX] = q->avail_idx;
    spin_unlock_irqrestore(&q->lock, flags);
    return 0;
}

/* The used ring's flags (§2.7.8): the device asks not to be notified (it is
 * working through the ring already). Without VIRTIO_F_EVENT_IDX, which is never
 * negotiated, the driver then should not notify (§2.7.10). */
#define VIRTQ_USED_F_NO_NOTIFY  1

void virtq_kick(struct virtq *q)
{
    /* The new avail index is visible before the flag is read: a device that
     * clears the flag looks at the ring again after (so no buffer is missed). A
     * notification is a trap into the emulator, one per frame sent before. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (q->used[0] & VIRTQ_USED_F_NO_NOTIFY)
        return;
    *q->notify = q->index;
}

static void mark_broken(struct virtq *q, const char *what, uint32_t a, uint32_t b)
{
    q->broken = true;
    log_error("%s queue %u: %s (%u, %u): device input refused, queue stopped",
              q->vdev->pci->name, q->index, what, a, b);
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
    unsigned long flags = spin_lock_irqsave(&q->lock);
    void *token = NULL;
    if (q->broken)
        goto out;
    uint16_t used_idx = __atomic_load_n(&q->used[USED_IDX], __ATOMIC_ACQUIRE);
    uint16_t pending = (uint16_t)(used_idx - q->last_used);
    if (pending == 0)
        goto out;
    if (pending > q->size - q->num_free) {
        mark_broken(q, "used index beyond what is in flight", used_idx, q->last_used);
        goto out;
    }
    volatile struct virtq_used_elem *e = used_elem(q, q->last_used % q->size);
    uint32_t id = e->id, l = e->len;
    if (id >= q->size || !q->token[id]) {
        mark_broken(q, "used id not in flight", id, q->size);
        goto out;
    }
    if (l > q->in_len[id]) {
        mark_broken(q, "used length above the buffers given", l, q->in_len[id]);
        goto out;
    }
    token = q->token[id];
    q->token[id] = NULL;
    /* Back to the free list: walk the chain as we built it (our own count, not
     * the device's flags). */
    uint16_t last = (uint16_t)id;
    for (uint16_t i = 1; i < q->chain_len[id]; i++)
        last = q->desc[last].next;
    q->desc[last].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + q->chain_len[id]);
    q->last_used++;
    *len = l;
out:
    spin_unlock_irqrestore(&q->lock, flags);
    return token;
}

void virtq_break(struct virtq *q)
{
    unsigned long flags = spin_lock_irqsave(&q->lock);
    q->broken = true;
    spin_unlock_irqrestore(&q->lock, flags);
}

void *virtq_detach(struct virtq *q)
{
    unsigned long flags = spin_lock_irqsave(&q->lock);
    void *token = NULL;
    for (uint16_t i = 0; q->broken && i < q->size && !token; i++) {
        token = q->token[i];
        q->token[i] = NULL;
    }
    spin_unlock_irqrestore(&q->lock, flags);
    return token;
}
