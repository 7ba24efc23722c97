/* cpio "newc" reader: header = "070701" + 13 fields of 8 ASCII hex digits (cpio(5)),
 * then the NUL-terminated name, padded so the data starts 4-byte aligned, then the
 * data, padded to 4 bytes. Offsets are relative to the archive's first byte. */

#include <osc/cpio.h>
#include <osc/errno.h>
#include <osc/lib.h>

enum {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
    F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
    F_COUNT
};

#define CPIO_MAGIC     "070701"
#define CPIO_MAGIC_LEN 6
#define CPIO_TRAILER   "TRAILER!!!"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Eight hex digits, exactly: no sign, no blanks, no short fields. */
static bool parse_hex8(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return false;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* Rounds off up to a multiple of 4 unless that would pass limit. */
static bool pad4_within(size_t off, size_t limit, size_t *out)
{
    size_t pad = (4 - (off & 3)) & 3;
    if (off > limit || pad > limit - off)
        return false;
    *out = off + pad;
    return true;
}

int cpio_iterate(const void *buf, size_t len, cpio_entry_fn fn, void *ctx)
{
    const char *b = buf;
    size_t off = 0;
    if (!buf)
        return -EINVAL;
    for (;;) {
        if (len - off < CPIO_HEADER_SIZE)
            return -EINVAL;     /* ran out before the trailer */
        const char *h = b + off;
        if (memcmp(h, CPIO_MAGIC, CPIO_MAGIC_LEN) != 0)
            return -EINVAL;
        uint32_t f[F_COUNT];
        for (int i = 0; i < F_COUNT; i++)
            if (!parse_hex8(h + CPIO_MAGIC_LEN + 8 * i, &f[i]))
                return -EINVAL;

        /* Name: namesize counts the NUL, which must be its last byte and the only one. */
        size_t namesize = f[F_NAMESIZE];
        size_t name_off = off + CPIO_HEADER_SIZE;
        if (namesize < 2 || namesize > CPIO_NAME_MAX || namesize > len - name_off)
            return -EINVAL;
        const char *name = b + name_off;
        if (name[namesize - 1] != '\0' || strnlen(name, namesize) != namesize - 1)
            return -EINVAL;

        size_t data_off, next;
        if (!pad4_within(name_off + namesize, len, &data_off))
            return -EINVAL;
        size_t size = f[F_FILESIZE];
        if (size > len - data_off)
            return -EINVAL;
        if (strcmp(name, CPIO_TRAILER) == 0)
            return 0;
        /* Data padding may be missing only at the very end of the buffer; the next
         * header check then reports the missing trailer. */
        if (!pad4_within(data_off + size, len, &next))
            next = len;

        struct cpio_entry e = {
            .name = name,
            .name_len = namesize - 1,
            .ino = f[F_INO],
            .mode = f[F_MODE],
            .uid = f[F_UID],
            .gid = f[F_GID],
            .nlink = f[F_NLINK],
            .mtime = f[F_MTIME],
            .data = b + data_off,
            .size = size,
            .dev_major = f[F_DEVMAJOR],
            .dev_minor = f[F_DEVMINOR],
            .rdev_major = f[F_RDEVMAJOR],
            .rdev_minor = f[F_RDEVMINOR],
        };
        int r = fn(&e, ctx);
        if (r)
            return r;
        off = next;
    }
}

bool cpio_name_is_safe(const char *name)
{
    if (!name || name[0] == '\0' || name[0] == '/')
        return false;
    const char *p = name;
    while (*p) {
        const char *c = p;
        while (*p && *p != '/')
            p++;
        if (p - c == 2 && c[0] == '.' && c[1] == '.')
            return false;
        while (*p == '/')
            p++;
    }
    return true;
}
