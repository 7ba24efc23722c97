/* The clipboard shared by every app (clipboard_set 0x4B3, clipboard_get 0x4B4):
 * one item, its MIME type and bytes, replaced whole by each set. */
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>

#define CLIP_MAX_BYTES  (1u << 20)      /* 1 MiB: text and small images */
#define CLIP_MIME_MAX   64              /* with the NUL */

/* Mutex rank 48 (a leaf but for `heap`): the item below. User memory is never
 * touched under it (copies go through kernel buffers), so a fault cannot nest
 * `mm_space` inside it. */
static struct mutex clip_lock;
static int clip_lock_ready;
static char clip_mime[CLIP_MIME_MAX];
static void *clip_data;
static size_t clip_len;

static void clip_lock_take(void)
{
    /* The first caller initialises the mutex; a racing one spins until it is ready. */
    int state = __atomic_load_n(&clip_lock_ready, __ATOMIC_ACQUIRE);
    if (state != 2) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&clip_lock_ready, &expected, 1, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            mutex_init(&clip_lock, "clipboard", 48);
            __atomic_store_n(&clip_lock_ready, 2, __ATOMIC_RELEASE);
        }
        while (__atomic_load_n(&clip_lock_ready, __ATOMIC_ACQUIRE) != 2)
            sched_yield();
    }
    mutex_lock(&clip_lock);
}

/* clipboard_set(mime, data, len): len 0 empties the clipboard. */
SYSCALL(clipboard_set)
{
    const char *umime = (const char *)args->a[0];
    const void *udata = (const void *)args->a[1];
    size_t len = args->a[2];
    char mime[CLIP_MIME_MAX];
    if (len > CLIP_MAX_BYTES)
        return -E2BIG;
    long n = strncpy_from_user(mime, umime, sizeof(mime));
    if (n == -ENAMETOOLONG)
        return -EINVAL;
    if (n < 0)
        return n;
    if (n == 0 || (size_t)n >= sizeof(mime))
        return -EINVAL;                 /* a type is required and must fit */
    void *data = NULL;
    if (len) {
        data = kmalloc(len);
        if (!data)
            return -ENOMEM;
        if (copy_from_user(data, udata, len)) {
            kfree(data);
            return -EFAULT;
        }
    }
    clip_lock_take();
    void *old = clip_data;
    clip_data = data;
    clip_len = len;
    memcpy(clip_mime, mime, sizeof(mime));
    mutex_unlock(&clip_lock);
    kfree(old);
    return 0;
}

/* clipboard_get(mime_buf, mime_cap, buf, cap): copies the type (NUL-terminated)
 * and the bytes; returns the byte count. cap 0 asks only for the size; a cap or
 * mime_cap too small is -ERANGE, as getxattr does. */
SYSCALL(clipboard_get)
{
    char *umime = (char *)args->a[0];
    size_t mime_cap = args->a[1];
    void *ubuf = (void *)args->a[2];
    size_t cap = args->a[3];
    char mime[CLIP_MIME_MAX];
    clip_lock_take();
    size_t len = clip_len;
    void *copy = NULL;
    if (cap && len && len <= cap) {
        copy = kmalloc(len);
        if (!copy) {
            mutex_unlock(&clip_lock);
            return -ENOMEM;
        }
        memcpy(copy, clip_data, len);
    }
    memcpy(mime, clip_mime, sizeof(mime));
    mutex_unlock(&clip_lock);
    if (cap == 0 && mime_cap == 0)
        return (long)len;
    long ret = (long)len;
    size_t mlen = strlen(mime) + 1;
    if (cap && len > cap)
        ret = -ERANGE;
    else if (mime_cap && mlen > mime_cap)
        ret = -ERANGE;
    else if ((mime_cap && copy_to_user(umime, mime, mlen)) ||
             (copy && copy_to_user(ubuf, copy, len)))
        ret = -EFAULT;
    kfree(copy);
    return ret;
}
