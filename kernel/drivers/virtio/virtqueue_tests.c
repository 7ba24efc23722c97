/* virtqueue KTESTs without a device: this file plays the device's part, writing
 * the used ring itself, well-behaved first, then with the lies a broken or hostile
 * device could tell (an index beyond what is in flight, an unknown id, a length
 * above the buffers given). */

#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/percpu.h>
#include <osc/virtio.h>

static struct pci_dev fake_pci = { .name = "ktest-virtq" };
static struct virtio_dev fake_dev = { .pci = &fake_pci };

/* The device side: completes chain id with len as used entry number n. */
static void device_complete(struct virtq *q, uint16_t n, uint32_t id, uint32_t len)
{
    volatile struct virtq_used_elem *e =
        (volatile struct virtq_used_elem *)((volatile uint8_t *)q->used + 4) + n % q->size;
    e->id = id;
    e->len = len;
    __atomic_store_n(&q->used[1], (uint16_t)(n + 1), __ATOMIC_RELEASE);
}

KTEST(virtq_completions_return_tokens_in_device_order_and_free_descriptors)
{
    struct virtq q;
    KT_ASSERT_EQ(virtq_alloc(&q, &fake_dev, 0, 8), 0);
    int a, b;
    struct virtq_buf two[2] = { { 0x1000, 16, false }, { 0x2000, 100, true } };
    struct virtq_buf three[3] = { { 0x1000, 16, false }, { 0x2000, 512, true },
                                  { 0x3000, 1, true } };
    KT_ASSERT_EQ(virtq_add(&q, two, 2, &a), 0);         /* descriptors 0, 1 */
    KT_ASSERT_EQ(virtq_add(&q, three, 3, &b), 0);       /* 2, 3, 4 */
    KT_ASSERT_EQ(q.num_free, 3);
    KT_ASSERT_EQ(q.avail[1], 2);                        /* avail->idx */
    KT_ASSERT_EQ(q.avail[2], 0);
    KT_ASSERT_EQ(q.avail[3], 2);
    KT_ASSERT_EQ(q.desc[0].flags, VIRTQ_DESC_F_NEXT);
    KT_ASSERT_EQ(q.desc[1].flags, VIRTQ_DESC_F_WRITE);
    KT_ASSERT_EQ(q.desc[0].next, 1);
    uint32_t len = 0;
    KT_ASSERT(virtq_get(&q, &len) == NULL);            /* nothing used yet */
    device_complete(&q, 0, 2, 513);
    KT_ASSERT(virtq_get(&q, &len) == &b);
    KT_ASSERT_EQ(len, 513);
    KT_ASSERT_EQ(q.num_free, 6);
    device_complete(&q, 1, 0, 100);
    KT_ASSERT(virtq_get(&q, &len) == &a);
    KT_ASSERT_EQ(q.num_free, 8);
    KT_ASSERT(virtq_get(&q, &len) == NULL);
    /* Every descriptor is usable again, and no more. */
    struct virtq_buf one = { 0x1000, 8, false };
    for (int i = 0; i < 8; i++)
        KT_ASSERT_EQ(virtq_add(&q, &one, 1, &a), 0);
    KT_ASSERT_EQ(virtq_add(&q, &one, 1, &a), -ENOSPC);
    KT_ASSERT(!q.broken);
    virtq_free(&q);
}

/* One queue per lie; each must stop the queue and hand the token back only
 * through virtq_detach (so the driver fails the request). */
KTEST(virtq_refuses_used_entries_with_a_bad_index_id_or_length)
{
    struct lie { uint16_t used_idx; uint32_t id, len; };
    static const struct lie lies[] = {
        { 5, 0, 1 },        /* five used entries, one chain in flight */
        { 1, 9, 1 },        /* id beyond the queue */
        { 1, 1, 1 },        /* id inside the queue but not a chain's head in flight */
        { 1, 0, 4097 },     /* more bytes than the chain's device-writable buffers */
    };
    for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
        struct virtq q;
        KT_ASSERT_EQ(virtq_alloc(&q, &fake_dev, 0, 8), 0);
        int tok;
        struct virtq_buf bufs[2] = { { 0x1000, 16, false }, { 0x2000, 4096, true } };
        KT_ASSERT_EQ(virtq_add(&q, bufs, 2, &tok), 0);
        device_complete(&q, (uint16_t)(lies[i].used_idx - 1), lies[i].id, lies[i].len);
        uint32_t len = 0;
        KT_ASSERT(virtq_get(&q, &len) == NULL);
        KT_ASSERT(q.broken);
        KT_ASSERT_EQ(virtq_add(&q, bufs, 2, &tok), -EIO);
        KT_ASSERT(virtq_detach(&q) == &tok);
        KT_ASSERT(virtq_detach(&q) == NULL);
        virtq_free(&q);
    }
}

static void nop_handler(struct irq_frame *f, void *ctx) { (void)f; (void)ctx; }

KTEST(msi_vectors_come_from_the_dynamic_range_and_messages_target_the_cpu)
{
    int v1 = irq_alloc_vector(nop_handler, NULL), v2 = irq_alloc_vector(nop_handler, NULL);
    KT_ASSERT(v1 >= IRQ_VECTOR_DYN_FIRST && v1 <= IRQ_VECTOR_DYN_LAST);
    KT_ASSERT(v2 >= IRQ_VECTOR_DYN_FIRST && v2 <= IRQ_VECTOR_DYN_LAST && v2 != v1);
    KT_ASSERT_EQ(irq_register((uint8_t)v1, nop_handler, NULL), -EBUSY);
    uint64_t addr = 0;
    uint32_t data = 0;
    KT_ASSERT_EQ(arch_msi_message(0, (uint8_t)v1, &addr, &data), 0);
    KT_ASSERT_EQ(addr, 0xfee00000ull | (uint64_t)cpus[0].apic_id << 12);
    KT_ASSERT_EQ(data, (uint32_t)v1);       /* fixed delivery, edge */
    KT_ASSERT_EQ(arch_msi_message(MAX_CPUS, (uint8_t)v1, &addr, &data), -EINVAL);
    irq_free_vector((uint8_t)v2);
    irq_free_vector((uint8_t)v1);
    int v3 = irq_alloc_vector(nop_handler, NULL);
    KT_ASSERT_EQ(v3, v1 < v2 ? v1 : v2);        /* lowest free first, freed ones reused */
    irq_free_vector((uint8_t)v3);
}
