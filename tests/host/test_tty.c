/* host-test: kernel/fs/tty_ldisc.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* Line discipline core: canonical editing and echo, EOF, signal characters, input
 * mapping, raw mode, termios switches and output post-processing. */
#include <stdint.h>
#include <osc/tty.h>
#include "check.h"

static char echo_buf[TTY_ECHO_MAX];
static char echoed[8192];
static size_t echoed_len;
static int last_signal;

static void feed(struct tty_ldisc *l, const char *s)
{
    for (; *s; s++) {
        struct tty_input_result r = { .echo = echo_buf, .echo_cap = sizeof(echo_buf) };
        tty_ldisc_input(l, (uint8_t)*s, &r);
        if (echoed_len + r.echo_len < sizeof(echoed)) {
            memcpy(echoed + echoed_len, r.echo, r.echo_len);
            echoed_len += r.echo_len;
        }
        if (r.signal)
            last_signal = r.signal;
    }
    echoed[echoed_len] = 0;
}

static void reset(struct tty_ldisc *l)
{
    tty_ldisc_init(l);
    echoed_len = 0;
    echoed[0] = 0;
    last_signal = 0;
}

static const char *read_str(struct tty_ldisc *l, size_t n)
{
    static char buf[TTY_BUF_SIZE + 1];
    size_t k = tty_ldisc_read(l, buf, n);
    buf[k] = 0;
    return buf;
}

static struct tty_ldisc L;

TEST(canonical_line_is_readable_only_after_newline)
{
    reset(&L);
    feed(&L, "echo hi");
    CHECK(!tty_ldisc_readable(&L, 1));
    CHECK_EQ(tty_ldisc_available(&L), 0);
    feed(&L, "\r");                     /* ICRNL */
    CHECK(tty_ldisc_readable(&L, 1));
    CHECK_EQ(tty_ldisc_available(&L), 8);
    CHECK(strcmp(read_str(&L, 100), "echo hi\n") == 0);
    CHECK(strcmp(echoed, "echo hi\n") == 0);
    CHECK(!tty_ldisc_readable(&L, 1));
}

TEST(canonical_read_returns_one_line_at_a_time)
{
    reset(&L);
    feed(&L, "a\nbc\n");
    CHECK(strcmp(read_str(&L, 100), "a\n") == 0);
    CHECK(strcmp(read_str(&L, 2), "bc") == 0);
    CHECK(strcmp(read_str(&L, 100), "\n") == 0);
}

TEST(erase_del_and_ctrl_h_rub_out)
{
    reset(&L);
    feed(&L, "abc\x7f\bd\n");
    CHECK(strcmp(read_str(&L, 100), "ad\n") == 0);
    CHECK(strcmp(echoed, "abc\b \b\b \bd\n") == 0);
    reset(&L);
    feed(&L, "\x7f\x7fx\n");            /* erase on an empty line does nothing */
    CHECK(strcmp(read_str(&L, 100), "x\n") == 0);
    CHECK(strcmp(echoed, "x\n") == 0);
}

TEST(kill_and_werase)
{
    reset(&L);
    feed(&L, "foo bar\x15" "baz\n");
    CHECK(strcmp(read_str(&L, 100), "baz\n") == 0);
    reset(&L);
    feed(&L, "foo bar  \x17qux\n");
    CHECK(strcmp(read_str(&L, 100), "foo qux\n") == 0);
}

TEST(eof_at_line_start_reads_zero_and_mid_line_returns_text)
{
    reset(&L);
    feed(&L, "\x04");
    CHECK(tty_ldisc_readable(&L, 1));
    CHECK_EQ(tty_ldisc_read(&L, echo_buf, 10), 0);
    CHECK(!tty_ldisc_readable(&L, 1));
    feed(&L, "ab\x04");
    CHECK(strcmp(read_str(&L, 100), "ab") == 0);
    CHECK(!tty_ldisc_readable(&L, 1));
    feed(&L, "x\n\x04");
    CHECK(strcmp(read_str(&L, 100), "x\n") == 0);
    CHECK_EQ(tty_ldisc_read(&L, echo_buf, 10), 0);
}

TEST(isig_characters_signal_flush_and_echo_ctl)
{
    reset(&L);
    feed(&L, "junk\x03");
    CHECK_EQ(last_signal, 2);
    CHECK(strcmp(echoed, "junk^C") == 0);
    CHECK(!tty_ldisc_readable(&L, 1));
    feed(&L, "ok\n");
    CHECK(strcmp(read_str(&L, 100), "ok\n") == 0);
    last_signal = 0;
    feed(&L, "\x1c");
    CHECK_EQ(last_signal, 3);
    feed(&L, "\x1a");
    CHECK_EQ(last_signal, 20);
    /* Without ISIG ^C is data. */
    struct linux_termios t = L.termios;
    t.c_lflag &= ~(uint32_t)TTY_ISIG;
    tty_ldisc_set_termios(&L, &t);
    last_signal = 0;
    feed(&L, "\x03\n");
    CHECK_EQ(last_signal, 0);
    CHECK(strcmp(read_str(&L, 100), "\x03\n") == 0);
}

TEST(control_characters_echo_as_caret_and_erase_two_columns)
{
    reset(&L);
    feed(&L, "\x01\x7f");
    CHECK(strcmp(echoed, "^A\b \b\b \b") == 0);
}

TEST(no_echo_when_echo_off_but_echonl)
{
    reset(&L);
    struct linux_termios t = L.termios;
    t.c_lflag &= ~(uint32_t)TTY_ECHO;
    t.c_lflag |= TTY_ECHONL;
    tty_ldisc_set_termios(&L, &t);
    feed(&L, "secret\n");
    CHECK(strcmp(echoed, "\n") == 0);
    CHECK(strcmp(read_str(&L, 100), "secret\n") == 0);
}

TEST(input_mapping_igncr_inlcr)
{
    reset(&L);
    struct linux_termios t = L.termios;
    t.c_iflag = TTY_IGNCR;
    tty_ldisc_set_termios(&L, &t);
    feed(&L, "a\r\n");
    CHECK(strcmp(read_str(&L, 100), "a\n") == 0);
    t.c_iflag = TTY_INLCR;
    t.c_lflag &= ~(uint32_t)TTY_ICANON;
    tty_ldisc_set_termios(&L, &t);
    feed(&L, "\n");
    CHECK(strcmp(read_str(&L, 100), "\r") == 0);
}

TEST(raw_mode_bytes_readable_at_once)
{
    reset(&L);
    struct linux_termios t = L.termios;
    t.c_lflag &= ~(uint32_t)(TTY_ICANON | TTY_ECHO | TTY_ISIG);
    t.c_iflag &= ~(uint32_t)TTY_ICRNL;
    t.c_cc[VMIN] = 1;
    tty_ldisc_set_termios(&L, &t);
    feed(&L, "q");
    CHECK(tty_ldisc_readable(&L, 1));
    CHECK(!tty_ldisc_readable(&L, 2));
    feed(&L, "\x7f\r\x03");
    CHECK_EQ(tty_ldisc_available(&L), 4);
    CHECK(strcmp(read_str(&L, 100), "q\x7f\r\x03") == 0);
    CHECK(strcmp(echoed, "") == 0);
}

TEST(leaving_canonical_makes_partial_line_readable)
{
    reset(&L);
    feed(&L, "par");
    struct linux_termios t = L.termios;
    t.c_lflag &= ~(uint32_t)TTY_ICANON;
    tty_ldisc_set_termios(&L, &t);
    CHECK(strcmp(read_str(&L, 100), "par") == 0);
}

TEST(lnext_quotes_the_next_byte)
{
    reset(&L);
    feed(&L, "\x16\x03\n");
    CHECK_EQ(last_signal, 0);
    CHECK(strcmp(read_str(&L, 100), "\x03\n") == 0);
}

TEST(output_onlcr_and_raw)
{
    reset(&L);
    char out[32];
    size_t k = tty_ldisc_output(&L, "a\nb", 3, out);
    CHECK_EQ(k, 4);
    CHECK(memcmp(out, "a\r\nb", 4) == 0);
    struct linux_termios t = L.termios;
    t.c_oflag &= ~(uint32_t)TTY_OPOST;
    tty_ldisc_set_termios(&L, &t);
    k = tty_ldisc_output(&L, "a\nb", 3, out);
    CHECK_EQ(k, 3);
    CHECK(memcmp(out, "a\nb", 3) == 0);
}

TEST(full_buffer_still_accepts_newline)
{
    reset(&L);
    for (int i = 0; i < TTY_BUF_SIZE + 10; i++)
        feed(&L, "x");
    feed(&L, "\n");
    CHECK(tty_ldisc_readable(&L, 1));
    CHECK_EQ(tty_ldisc_available(&L), TTY_BUF_SIZE);
}

TEST(kill_of_long_line_fits_echo_room)
{
    reset(&L);
    for (int i = 0; i < 100; i++)
        feed(&L, "\x01");
    echoed_len = 0;
    feed(&L, "\x15");
    CHECK_EQ(echoed_len, 600);
    CHECK(!tty_ldisc_readable(&L, 1));
}


/* Raw mode with the given VMIN/VTIME, no echo or signals. */
static void raw(struct tty_ldisc *l, uint8_t vmin, uint8_t vtime)
{
    struct linux_termios t = l->termios;
    t.c_lflag &= ~(uint32_t)(TTY_ICANON | TTY_ECHO | TTY_ISIG);
    t.c_cc[VMIN] = vmin;
    t.c_cc[VTIME] = vtime;
    tty_ldisc_set_termios(l, &t);
}

TEST(raw_vmin1_vtime0_blocks_until_a_byte)
{
    reset(&L);
    raw(&L, 1, 0);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_SLEEP);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, true, false), TTY_READ_AGAIN);
    CHECK(!tty_ldisc_poll_readable(&L));
    feed(&L, "\x1b");
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_NOW);
    CHECK(tty_ldisc_poll_readable(&L));
}

TEST(raw_vmin0_vtime0_is_a_poll_even_nonblocking)
{
    reset(&L);
    raw(&L, 0, 0);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_NOW);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, true, false), TTY_READ_NOW);
    CHECK_EQ(tty_ldisc_read(&L, echo_buf, 10), 0);
    CHECK(!tty_ldisc_poll_readable(&L));
}

TEST(raw_vmin0_vtime_times_the_whole_read)
{
    reset(&L);
    raw(&L, 0, 5);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_TIMED);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, true), TTY_READ_NOW);   /* 0 bytes */
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, true, false), TTY_READ_AGAIN);
    feed(&L, "a");
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_NOW);
}

TEST(raw_vmin_waits_for_vmin_or_the_interbyte_timer)
{
    reset(&L);
    raw(&L, 3, 0);
    feed(&L, "ab");
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_SLEEP);
    /* Without VTIME there is no timer: "expired" must not end the wait. */
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, true), TTY_READ_SLEEP);
    CHECK_EQ(tty_ldisc_raw_step(&L, 2, false, false), TTY_READ_NOW);    /* n < VMIN */
    /* Non-blocking returns the partial input rather than EAGAIN. */
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, true, false), TTY_READ_NOW);
    /* poll agrees with the blocking read: not readable short of VMIN. */
    CHECK(!tty_ldisc_poll_readable(&L));
    feed(&L, "c");
    CHECK(tty_ldisc_poll_readable(&L));
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_NOW);

    reset(&L);
    raw(&L, 3, 2);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_SLEEP); /* no timer yet */
    feed(&L, "a");
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, false), TTY_READ_TIMED);
    CHECK_EQ(tty_ldisc_raw_step(&L, 10, false, true), TTY_READ_NOW);
    CHECK(tty_ldisc_poll_readable(&L));     /* VTIME set: any byte is readable */
}

TEST(canonical_poll_wants_a_line_whatever_vmin)
{
    reset(&L);
    struct linux_termios t = L.termios;
    t.c_cc[VMIN] = 5;
    tty_ldisc_set_termios(&L, &t);
    feed(&L, "ab");
    CHECK(!tty_ldisc_poll_readable(&L));
    feed(&L, "\n");
    CHECK(tty_ldisc_poll_readable(&L));
}
