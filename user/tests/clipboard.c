/* The clipboard shared by all apps (clipboard_set 0x4B3, clipboard_get 0x4B4):
 * round trips with the MIME type, size queries, ERANGE/EINVAL/E2BIG/EFAULT,
 * clearing, sharing across processes, and no frames kept after a large item is
 * replaced. An OSCortex interface: on Linux every test notes that and skips. */
#include "testlib.h"

#include <sys/mman.h>

#include "osc.h"

/* libosc's wrappers (user/lib/libosc): -1/errno as syscall(2) gives. */
static long clip_set(const char *mime, const void *data, size_t len)
{
    return osc_clipboard_set(mime, data, len);
}

static long clip_get(char *mime, size_t mime_cap, void *buf, size_t cap)
{
    return osc_clipboard_get(mime, mime_cap, buf, cap);
}

static int skip(void)
{
    if (tl_free_frames() >= 0)
        return 0;
    printf("  note: not OSCortex (no clipboard calls): skipped\n");
    return 1;
}

TEST(set_then_get_returns_the_bytes_and_type)
{
    if (skip())
        return;
    CHECK(clip_set("text/plain;charset=utf-8", "hello \xe2\x82\xac", 9) == 0);
    char mime[64], buf[32];
    CHECK(clip_get(mime, sizeof(mime), buf, sizeof(buf)) == 9);
    CHECK(!memcmp(buf, "hello \xe2\x82\xac", 9));
    CHECK(!strcmp(mime, "text/plain;charset=utf-8"));
    CHECK(clip_get(NULL, 0, NULL, 0) == 9);             /* the size alone */
}

TEST(short_buffers_get_erange_and_bad_arguments_are_refused)
{
    if (skip())
        return;
    CHECK(clip_set("text/plain", "0123456789", 10) == 0);
    char mime[64], buf[8];
    errno = 0;
    CHECK(clip_get(mime, sizeof(mime), buf, sizeof(buf)) == -1 && errno == ERANGE);
    char tiny[4];
    CHECK(clip_get(tiny, sizeof(tiny), buf, 0) == -1 && errno == ERANGE);
    CHECK(clip_set("", "x", 1) == -1 && errno == EINVAL);
    char long_mime[100];
    memset(long_mime, 'a', sizeof(long_mime) - 1);
    long_mime[sizeof(long_mime) - 1] = 0;
    CHECK(clip_set(long_mime, "x", 1) == -1 && errno == EINVAL);
    CHECK(clip_set("text/plain", "x", (2u << 20)) == -1 && errno == E2BIG);
    CHECK(clip_set("text/plain", (void *)8, 4) == -1 && errno == EFAULT);
    CHECK(clip_set((char *)8, "x", 1) == -1 && errno == EFAULT);
    char big[16];
    CHECK(clip_get(mime, sizeof(mime), big, sizeof(big)) == 10);   /* unchanged */
    CHECK(clip_get(mime, sizeof(mime), (void *)8, sizeof(big)) == -1 && errno == EFAULT);
}

TEST(empty_set_clears_the_clipboard)
{
    if (skip())
        return;
    CHECK(clip_set("text/plain", "x", 1) == 0);
    CHECK(clip_set("text/plain", NULL, 0) == 0);
    char mime[64], buf[8];
    CHECK(clip_get(mime, sizeof(mime), buf, sizeof(buf)) == 0);
}

TEST(another_process_sees_what_one_copied)
{
    if (skip())
        return;
    pid_t pid = fork();
    if (pid == 0)
        _exit(clip_set("text/uri-list", "file:///home/user/a.png\r\n", 25) == 0 ? 0 : 1);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char mime[64], buf[64];
    CHECK(clip_get(mime, sizeof(mime), buf, sizeof(buf)) == 25);
    CHECK(!strcmp(mime, "text/uri-list") && !memcmp(buf, "file:///", 8));
}

static void one_mib_round_trip(void)
{
    static unsigned char in[1 << 20], out[1 << 20];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 131 + (i >> 12));
    CHECK(clip_set("application/octet-stream", in, sizeof(in)) == 0);
    char mime[64];
    CHECK(clip_get(mime, sizeof(mime), out, sizeof(out)) == (long)sizeof(out));
    CHECK(!memcmp(in, out, sizeof(in)));
    CHECK(clip_set("text/plain", "small", 5) == 0);
}

TEST(a_large_item_round_trips_and_its_memory_comes_back)
{
    if (skip())
        return;
    CHECK_FRAMES_RETURN(one_mib_round_trip(), 8);
}
