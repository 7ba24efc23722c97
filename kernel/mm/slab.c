/* Slab heap core. Every page the heap hands out starts with a header whose magic is
 * xor-ed with the page's own address, so kfree finds the page's kind from any block
 * pointer by rounding down to the page. Single-page slabs keep the design free of
 * per-frame descriptors; the cost is that a 2048-byte slab holds one object (and a
 * 1024-byte slab three), because the header shares the page. */

#include <osc/errno.h>
#include <osc/lib.h>
#include "slab.h"

#define SLAB_MAGIC        0x534c4142a110c000ull
#define LARGE_MAGIC       0x4c415247e0b10c00ull
#define LARGE_FREED_MAGIC 0x4c415247deadf4eeull
/* Second word of every free object: a hint that makes double frees cheap to spot
 * (confirmed by a walk of the slab's free list, since live data may hold it too). */
#define FREE_POISON       0xf4eef4eef4eef4eeull

struct slab {
    uint64_t magic;             /* SLAB_MAGIC ^ address of this header */
    struct slab_cache *cache;
    struct slab *next, *prev;   /* on cache->partial or cache->full */
    void **freelist;            /* free objects, linked through their first word */
    uint32_t inuse, capacity;
    uint64_t pad[2];
};
_Static_assert(sizeof(struct slab) <= SLAB_HEADER_SIZE, "slab header too large");

struct large {
    uint64_t magic;             /* LARGE_MAGIC ^ address, LARGE_FREED_MAGIC ^ address once freed */
    uint32_t pages;
    uint32_t pad;
};
_Static_assert(sizeof(struct large) == SLAB_LARGE_HEADER, "large header size");

static uint64_t tag(uint64_t magic, const void *page) { return magic ^ (uintptr_t)page; }

static void list_push(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void list_remove(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

void slab_heap_init(struct slab_heap *h, const struct slab_page_source *src)
{
    memset(h, 0, sizeof(*h));
    h->src = *src;
    for (int i = 0; i < SLAB_CLASSES; i++)
        h->caches[i].size = 1ul << (SLAB_MIN_SHIFT + i);
}

static int size_class(size_t size)
{
    int c = 0;
    while ((1ul << (SLAB_MIN_SHIFT + c)) < size)
        c++;
    return c;
}

static char *slab_objects(struct slab *s) { return (char *)s + SLAB_HEADER_SIZE; }

static struct slab *slab_new(struct slab_heap *h, struct slab_cache *c)
{
    struct slab *s = h->src.alloc(1, h->src.ctx);
    if (!s)
        return NULL;
    h->pages_held++;
    s->magic = tag(SLAB_MAGIC, s);
    s->cache = c;
    s->inuse = 0;
    s->capacity = (SLAB_PAGE_SIZE - SLAB_HEADER_SIZE) / c->size;
    s->freelist = NULL;
    /* Build the list backwards so objects are handed out in address order. */
    for (uint32_t i = s->capacity; i-- > 0;) {
        void **obj = (void **)(slab_objects(s) + i * c->size);
        obj[0] = s->freelist;
        ((uint64_t *)obj)[1] = FREE_POISON;
        s->freelist = obj;
    }
    list_push(&c->partial, s);
    c->empty++;
    return s;
}

/* A kept block links to the next through its first payload word. */
static struct large **kept_next(struct large *l)
{
    return (struct large **)((char *)l + SLAB_LARGE_HEADER);
}

static void *large_alloc(struct slab_heap *h, size_t size)
{
    if (size > (size_t)UINT32_MAX * SLAB_PAGE_SIZE - SLAB_LARGE_HEADER)
        return NULL;
    size_t pages = (size + SLAB_LARGE_HEADER + SLAB_PAGE_SIZE - 1) / SLAB_PAGE_SIZE;
    struct large *l;
    if (pages <= SLAB_KEEP_PAGES && h->kept[pages - 1]) {
        l = h->kept[pages - 1];
        h->kept[pages - 1] = *kept_next(l);
        h->nkept[pages - 1]--;
    } else {
        if (!(l = h->src.alloc(pages, h->src.ctx)))
            return NULL;
        l->pages = pages;
        h->pages_held += pages;
    }
    l->magic = tag(LARGE_MAGIC, l);
    h->bytes_in_use += pages * SLAB_PAGE_SIZE - SLAB_LARGE_HEADER;
    return (char *)l + SLAB_LARGE_HEADER;
}

void slab_heap_trim(struct slab_heap *h)
{
    for (size_t i = 0; i < SLAB_KEEP_PAGES; i++) {
        while (h->kept[i]) {
            struct large *l = h->kept[i];
            h->kept[i] = *kept_next(l);
            h->pages_held -= l->pages;
            h->src.free(l, l->pages, h->src.ctx);
        }
        h->nkept[i] = 0;
    }
}

static void *heap_alloc(struct slab_heap *h, size_t size);

void *slab_heap_alloc(struct slab_heap *h, size_t size)
{
    void *p = heap_alloc(h, size);
    bool kept = false;
    for (size_t i = 0; i < SLAB_KEEP_PAGES; i++)
        kept |= h->nkept[i] != 0;
    if (!p && kept) {
        slab_heap_trim(h);              /* the kept pages may be what is missing */
        p = heap_alloc(h, size);
    }
    return p;
}

static void *heap_alloc(struct slab_heap *h, size_t size)
{
    if (size > (1ul << SLAB_MAX_SHIFT))
        return large_alloc(h, size);
    struct slab_cache *c = &h->caches[size_class(size)];
    struct slab *s = c->partial;
    if (!s && !(s = slab_new(h, c)))
        return NULL;
    void **obj = s->freelist;
    s->freelist = obj[0];
    ((uint64_t *)obj)[1] = 0;       /* not free any more: clear the hint */
    if (s->inuse++ == 0)
        c->empty--;
    if (!s->freelist) {
        list_remove(&c->partial, s);
        list_push(&c->full, s);
    }
    h->bytes_in_use += c->size;
    return obj;
}

static int slab_free(struct slab_heap *h, struct slab *s, void *p)
{
    struct slab_cache *c = s->cache;
    if (c < h->caches || c >= h->caches + SLAB_CLASSES)
        return -EINVAL;
    size_t off = (char *)p - slab_objects(s);
    if ((char *)p < slab_objects(s) || off % c->size || off / c->size >= s->capacity)
        return -EINVAL;
    void **obj = p;
    if (((uint64_t *)obj)[1] == FREE_POISON)
        for (void **f = s->freelist; f; f = f[0])
            if (f == obj)
                return -EFAULT;
    if (!s->freelist) {
        list_remove(&c->full, s);
        list_push(&c->partial, s);
    }
    obj[0] = s->freelist;
    ((uint64_t *)obj)[1] = FREE_POISON;
    s->freelist = obj;
    h->bytes_in_use -= c->size;
    if (--s->inuse == 0) {
        /* Keep one empty slab per cache against alloc/free ping-pong; give the rest back. */
        if (c->empty >= 1) {
            list_remove(&c->partial, s);
            s->magic = 0;
            h->pages_held--;
            h->src.free(s, 1, h->src.ctx);
        } else {
            c->empty++;
        }
    }
    return 0;
}

int slab_heap_free(struct slab_heap *h, void *p)
{
    void *page = (void *)ALIGN_DOWN((uintptr_t)p, SLAB_PAGE_SIZE);
    uint64_t magic = *(uint64_t *)page;
    if (magic == tag(SLAB_MAGIC, page))
        return slab_free(h, page, p);
    if ((char *)p != (char *)page + SLAB_LARGE_HEADER)
        return -EINVAL;
    struct large *l = page;
    if (magic == tag(LARGE_FREED_MAGIC, page))
        return -EFAULT;
    if (magic != tag(LARGE_MAGIC, page))
        return -EINVAL;
    size_t pages = l->pages;
    l->magic = tag(LARGE_FREED_MAGIC, page);
    h->bytes_in_use -= pages * SLAB_PAGE_SIZE - SLAB_LARGE_HEADER;
    if (pages <= SLAB_KEEP_PAGES && h->nkept[pages - 1] < SLAB_KEEP) {
        *kept_next(l) = h->kept[pages - 1];
        h->kept[pages - 1] = l;
        h->nkept[pages - 1]++;
        return 0;
    }
    h->pages_held -= pages;
    h->src.free(page, pages, h->src.ctx);
    return 0;
}

size_t slab_heap_block_size(const void *p)
{
    const void *page = (const void *)ALIGN_DOWN((uintptr_t)p, SLAB_PAGE_SIZE);
    uint64_t magic = *(const uint64_t *)page;
    if (magic == tag(SLAB_MAGIC, page))
        return ((const struct slab *)page)->cache->size;
    if (magic == tag(LARGE_MAGIC, page) && (const char *)p == (const char *)page + SLAB_LARGE_HEADER)
        return ((const struct large *)page)->pages * SLAB_PAGE_SIZE - SLAB_LARGE_HEADER;
    return 0;
}
