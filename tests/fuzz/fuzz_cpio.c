/* libFuzzer target for cpio_iterate and cpio_name_is_safe (tests/fuzz/run.sh): any
 * input gives 0 or -EINVAL, and every entry handed out lies inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <osc/cpio.h>
#include <osc/errno.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

struct span { const uint8_t *lo; size_t len; };

static int visit(const struct cpio_entry *e, void *ctx)
{
    const struct span *in = ctx;
    const uint8_t *name = (const uint8_t *)e->name, *data = e->data;
    REQUIRE(name >= in->lo && e->name_len < (size_t)(in->lo + in->len - name));
    REQUIRE(strlen(e->name) == e->name_len && e->name_len >= 1);
    REQUIRE(data >= in->lo && e->size <= (size_t)(in->lo + in->len - data));
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < e->size; i++)     /* ASan checks each byte */
        sum += data[i];
    bool safe = cpio_name_is_safe(e->name);
    if (safe)
        REQUIRE(e->name[0] != '/' && strcmp(e->name, "..") != 0 && strncmp(e->name, "../", 3) != 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct span in = { data, size };
    int r = cpio_iterate(data, size, visit, &in);
    REQUIRE(r == 0 || r == -EINVAL);
    return 0;
}
