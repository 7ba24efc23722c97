/* Files under parallel load (issue 9, locks split per object): processes and
 * threads on several CPUs at once doing open/write/read/close on their own files in
 * one tmpfs directory, creates/unlinks/renames in that directory meanwhile, and
 * threads sharing one open file (dup'd descriptors): a shared offset hands out
 * every byte exactly once, O_APPEND and shared-offset writes never overlap, and no
 * read ever sees a torn record. Every check counts the work done, so a run that did
 * nothing cannot pass. */
#define _GNU_SOURCE
#include "testlib.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NPAR 4          /* processes or threads at once */
#define REC 64          /* record size: [index:8][writer:8][filler derived from both] */

static char dir[64];

static void make_dir(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/fs_parallel.%d", (int)getpid());
    mkdir(dir, 0700);
}

static void fill_rec(unsigned char *r, uint64_t idx, uint64_t who)
{
    memcpy(r, &idx, 8);
    memcpy(r + 8, &who, 8);
    for (int i = 16; i < REC; i++)
        r[i] = (unsigned char)(idx * 31 + who * 7 + (uint64_t)i);
}

/* True when r is a record fill_rec made (any index/writer); both out. */
static int rec_ok(const unsigned char *r, uint64_t *idx, uint64_t *who)
{
    memcpy(idx, r, 8);
    memcpy(who, r + 8, 8);
    for (int i = 16; i < REC; i++)
        if (r[i] != (unsigned char)(*idx * 31 + *who * 7 + (uint64_t)i))
            return 0;
    return 1;
}

static int write_all(int fd, const void *b, size_t n)
{
    return write(fd, b, n) == (ssize_t)n;
}

/* Child k: ITER rounds of create-or-truncate, write a file of records, close,
 * reopen, read back, compare, close; its own file only. Exit status: rounds that
 * were wrong (0 = all good), 100 + step on a failing call. */
#define ITER 60
#define RECS 16
static int own_file_loop(int k)
{
    char path[96];
    snprintf(path, sizeof path, "%s/own%d", dir, k);
    unsigned char buf[RECS * REC], back[RECS * REC];
    int bad = 0;
    for (int it = 0; it < ITER; it++) {
        for (int r = 0; r < RECS; r++)
            fill_rec(buf + r * REC, (uint64_t)(it * RECS + r), (uint64_t)k);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            return 101;
        if (!write_all(fd, buf, sizeof buf))
            return 102;
        close(fd);
        fd = open(path, O_RDONLY);
        if (fd < 0)
            return 103;
        struct stat st;
        if (fstat(fd, &st) || st.st_size != (off_t)sizeof buf)
            bad++;
        ssize_t n = read(fd, back, sizeof back);
        if (n != (ssize_t)sizeof back || memcmp(buf, back, sizeof buf))
            bad++;
        if (read(fd, back, 1) != 0)
            bad++;
        close(fd);
    }
    unlink(path);
    return bad;
}

/* Child k: ITER rounds of create, write, rename over a shared name, and create +
 * unlink of a scratch name; the shared name must always hold one whole record. */
static int namespace_loop(int k)
{
    char tmp[96], shared[96], scratch[96];
    snprintf(shared, sizeof shared, "%s/shared", dir);
    unsigned char r[REC], got[REC];
    int bad = 0;
    for (int it = 0; it < ITER; it++) {
        snprintf(tmp, sizeof tmp, "%s/tmp%d.%d", dir, k, it);
        snprintf(scratch, sizeof scratch, "%s/scratch%d", dir, k);
        fill_rec(r, (uint64_t)it, (uint64_t)(100 + k));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            return 111;
        if (!write_all(fd, r, REC))
            return 112;
        close(fd);
        if (rename(tmp, shared))
            return 113;
        int s = open(scratch, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (s < 0)
            return 114;
        close(s);
        if (unlink(scratch))
            return 115;
        /* Whoever renamed last, the name holds a complete record. */
        fd = open(shared, O_RDONLY);
        if (fd < 0)
            return 116;
        uint64_t idx, who;
        if (read(fd, got, REC) != REC || !rec_ok(got, &idx, &who) || who < 100 ||
            who >= 100 + NPAR || idx >= ITER)
            bad++;
        close(fd);
    }
    return bad;
}

static int run_children(int (*fn)(int), int *statuses)
{
    pid_t pids[NPAR];
    for (int k = 0; k < NPAR; k++) {
        pids[k] = fork();
        if (pids[k] == 0)
            _exit(fn(k));
        if (pids[k] < 0)
            return -1;
    }
    for (int k = 0; k < NPAR; k++) {
        int st = -1;
        if (waitpid(pids[k], &st, 0) != pids[k] || !WIFEXITED(st))
            statuses[k] = -1;
        else
            statuses[k] = WEXITSTATUS(st);
    }
    return 0;
}

TEST(processes_on_their_own_files_read_back_what_they_wrote)
{
    make_dir();
    int st[NPAR];
    REQUIRE(run_children(own_file_loop, st) == 0);
    for (int k = 0; k < NPAR; k++)
        CHECK_EQ(st[k], 0);
}

TEST(renames_over_one_name_always_leave_a_whole_file)
{
    make_dir();
    int st[NPAR];
    REQUIRE(run_children(namespace_loop, st) == 0);
    for (int k = 0; k < NPAR; k++)
        CHECK_EQ(st[k], 0);
    char shared[96];
    snprintf(shared, sizeof shared, "%s/shared", dir);
    struct stat s;
    CHECK(stat(shared, &s) == 0 && s.st_size == REC);
    unlink(shared);
}

TEST(file_work_and_namespace_changes_at_once_stay_whole)
{
    make_dir();
    pid_t pids[2 * NPAR];
    for (int k = 0; k < 2 * NPAR; k++) {
        pids[k] = fork();
        if (pids[k] == 0)
            _exit(k < NPAR ? own_file_loop(k) : namespace_loop(k - NPAR));
        REQUIRE(pids[k] > 0);
    }
    for (int k = 0; k < 2 * NPAR; k++) {
        int st = -1;
        CHECK(waitpid(pids[k], &st, 0) == pids[k]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char shared[96];
    snprintf(shared, sizeof shared, "%s/shared", dir);
    unlink(shared);
}

/* ---- threads sharing one open file ---- */

#define SHARED_RECS 800
struct share {
    int fd;                     /* this thread's own dup of the shared file */
    int seen[SHARED_RECS];      /* records this thread read, by index */
    int torn, reads;
    uint64_t who;
};

static void *read_shared(void *arg)
{
    struct share *s = arg;
    unsigned char r[REC];
    for (;;) {
        ssize_t n = read(s->fd, r, REC);
        if (n == 0)
            break;
        uint64_t idx, who;
        if (n != REC || !rec_ok(r, &idx, &who) || idx >= SHARED_RECS) {
            s->torn++;
            if (n <= 0)
                break;
            continue;
        }
        s->seen[idx]++;
        s->reads++;
    }
    return NULL;
}

static int make_records_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    static unsigned char all[SHARED_RECS * REC];
    for (int i = 0; i < SHARED_RECS; i++)
        fill_rec(all + i * REC, (uint64_t)i, 7);
    if (!write_all(fd, all, sizeof all)) {
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

TEST(threads_reading_dup_fds_of_one_file_get_every_record_exactly_once)
{
    make_dir();
    char path[96];
    snprintf(path, sizeof path, "%s/records", dir);
    int fd = make_records_file(path);
    REQUIRE(fd >= 0);
    static struct share sh[NPAR];
    pthread_t th[NPAR];
    for (int k = 0; k < NPAR; k++) {
        memset(&sh[k], 0, sizeof sh[k]);
        sh[k].fd = dup(fd);             /* one offset shared by every descriptor */
        REQUIRE(sh[k].fd >= 0);
    }
    for (int k = 0; k < NPAR; k++)
        REQUIRE(pthread_create(&th[k], NULL, read_shared, &sh[k]) == 0);
    for (int k = 0; k < NPAR; k++)
        pthread_join(th[k], NULL);
    int total = 0, torn = 0, dupes = 0, missing = 0;
    for (int k = 0; k < NPAR; k++) {
        total += sh[k].reads;
        torn += sh[k].torn;
        close(sh[k].fd);
    }
    for (int i = 0; i < SHARED_RECS; i++) {
        int c = 0;
        for (int k = 0; k < NPAR; k++)
            c += sh[k].seen[i];
        dupes += c > 1;
        missing += c == 0;
    }
    CHECK_EQ(torn, 0);
    CHECK_EQ(dupes, 0);
    CHECK_EQ(missing, 0);
    CHECK_EQ(total, SHARED_RECS);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), (off_t)(SHARED_RECS * REC));
    close(fd);
    unlink(path);
}

#define WRITES_EACH 150
struct writer { int fd; uint64_t who; int fails; };

static void *write_records(void *arg)
{
    struct writer *w = arg;
    unsigned char r[REC];
    for (int i = 0; i < WRITES_EACH; i++) {
        fill_rec(r, (uint64_t)i, w->who);
        if (write(w->fd, r, REC) != REC)
            w->fails++;
    }
    return NULL;
}

/* Every writer's records land once each and whole: none overwrote another. */
static void check_written(int fd, int nwriters)
{
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_size, (off_t)(nwriters * WRITES_EACH * REC));
    static int seen[NPAR][WRITES_EACH];
    memset(seen, 0, sizeof seen);
    unsigned char r[REC];
    int torn = 0, n = 0;
    for (off_t off = 0; pread(fd, r, REC, off) == REC; off += REC, n++) {
        uint64_t idx, who;
        if (!rec_ok(r, &idx, &who) || who >= (uint64_t)nwriters || idx >= WRITES_EACH)
            torn++;
        else
            seen[who][idx]++;
    }
    CHECK_EQ(n, nwriters * WRITES_EACH);
    CHECK_EQ(torn, 0);
    int wrong = 0;
    for (int k = 0; k < nwriters; k++)
        for (int i = 0; i < WRITES_EACH; i++)
            wrong += seen[k][i] != 1;
    CHECK_EQ(wrong, 0);
}

static void parallel_writes(int flags)
{
    make_dir();
    char path[96];
    snprintf(path, sizeof path, "%s/written", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | flags, 0600);
    REQUIRE(fd >= 0);
    struct writer w[NPAR];
    pthread_t th[NPAR];
    for (int k = 0; k < NPAR; k++) {
        w[k] = (struct writer){ dup(fd), (uint64_t)k, 0 };
        REQUIRE(w[k].fd >= 0);
        REQUIRE(pthread_create(&th[k], NULL, write_records, &w[k]) == 0);
    }
    int fails = 0;
    for (int k = 0; k < NPAR; k++) {
        pthread_join(th[k], NULL);
        fails += w[k].fails;
        close(w[k].fd);
    }
    CHECK_EQ(fails, 0);
    check_written(fd, NPAR);
    close(fd);
    unlink(path);
}

TEST(threads_writing_one_shared_offset_never_overlap)
{
    parallel_writes(0);
}

TEST(threads_appending_to_one_file_never_overlap)
{
    parallel_writes(O_APPEND);
}

/* Threads of one process open, read and close their own files while others of the
 * same process dup and close descriptors: one descriptor table under load. */
struct own { int k; int bad; };

static void *thread_own_files(void *arg)
{
    struct own *o = arg;
    char path[96];
    snprintf(path, sizeof path, "%s/thr%d", dir, o->k);
    unsigned char r[REC], got[REC];
    for (int it = 0; it < ITER * 2; it++) {
        fill_rec(r, (uint64_t)it, (uint64_t)o->k);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) {
            o->bad++;
            continue;
        }
        int d = dup(fd);
        if (d < 0 || pwrite(d, r, REC, 0) != REC || close(d) != 0)
            o->bad++;
        uint64_t idx, who;
        if (pread(fd, got, REC, 0) != REC || !rec_ok(got, &idx, &who) || idx != (uint64_t)it ||
            who != (uint64_t)o->k)
            o->bad++;
        if (close(fd) != 0)
            o->bad++;
    }
    unlink(path);
    return NULL;
}

TEST(threads_of_one_process_open_dup_and_close_at_once)
{
    make_dir();
    struct own o[NPAR];
    pthread_t th[NPAR];
    for (int k = 0; k < NPAR; k++) {
        o[k] = (struct own){ k, 0 };
        REQUIRE(pthread_create(&th[k], NULL, thread_own_files, &o[k]) == 0);
    }
    for (int k = 0; k < NPAR; k++) {
        pthread_join(th[k], NULL);
        CHECK_EQ(o[k].bad, 0);
    }
    CHECK(rmdir(dir) == 0);            /* every file made above is gone again */
}
