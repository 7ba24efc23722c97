/* Discretionary access control as Linux enforces it: mode bits, owners, groups and
 * root's capabilities for open/exec/search/create/remove, sticky directories,
 * chmod/chown/utimensat rules, access() with real ids, kill permission, set-user-ID
 * exec with AT_SECURE, capget/capset and no_new_privs. Runs as root and checks each
 * rule in forked children that become uid/gid 1000 (or 1001). */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/sysmacros.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include "testlib.h"

#define USER 1000
#define OTHER 1001
#define EXTRA_GROUP 1234

/* The set-user-ID probe: run through execve with DAC_PROBE set, this binary
 * exits 0 when it runs with euid 0, real uid 1000 and AT_SECURE (DAC_PROBE=1), or
 * with euid 1000 and no AT_SECURE (DAC_PROBE=nnp). */
__attribute__((constructor)) static void suid_probe(void)
{
    const char *p = getenv("DAC_PROBE");
    if (!p)
        return;
    bool want_root = strcmp(p, "1") == 0;
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    unsigned long secure = getauxval(AT_SECURE);
    if (want_root)
        _exit(r == USER && e == 0 && s == 0 && secure == 1 ? 0 : 10 + (int)secure);
    _exit(r == USER && e == USER && secure == 0 ? 0 : 20 + (int)secure);
}

static char dir[64];            /* per-test scratch directory (0755, root) */

static void path(char *buf, const char *name)
{
    snprintf(buf, 128, "%s/%s", dir, name);
}

static void make_dir(void)
{
    strcpy(dir, "/tmp/dacXXXXXX");
    if (!mkdtemp(dir))
        abort();
    chmod(dir, 0755);
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* A file made by root with this content, mode, owner and group. */
static void put(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    char p[128];
    path(p, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "data", 4) != 4)
        abort();
    close(fd);
    if (chown(p, uid, gid) || chmod(p, mode))
        abort();
}

static void put_dir(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    char p[128];
    path(p, name);
    if (mkdir(p, 0700) || chown(p, uid, gid) || chmod(p, mode))
        abort();
}

/* Becomes uid (and gid = uid) with the given supplementary groups. */
static void become(uid_t uid, int ngroups, const gid_t *groups)
{
    EXPECT(setgroups((size_t)ngroups, groups) == 0);
    EXPECT(setresgid(uid, uid, uid) == 0);
    EXPECT(setresuid(uid, uid, uid) == 0);
}

static void become_user(void)
{
    gid_t g = USER;
    become(USER, 1, &g);
}

static int mode_of(const char *name)
{
    char p[128];
    path(p, name);
    struct stat st;
    return stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* ---- open, search, exec ---- */

static void user_opens(void)
{
    char secret[128], pub[128], hidden[128], grp[128];
    path(secret, "secret");
    path(pub, "pub");
    path(hidden, "closed/inner");
    path(grp, "groupfile");
    become_user();
    EXPECT(open(secret, O_RDONLY) == -1 && errno == EACCES);
    int fd = open(pub, O_RDONLY);
    EXPECT(fd >= 0);
    close(fd);
    EXPECT(open(pub, O_WRONLY) == -1 && errno == EACCES);
    EXPECT(open(pub, O_RDONLY | O_TRUNC) == -1 && errno == EACCES);
    EXPECT(truncate(pub, 0) == -1 && errno == EACCES);
    struct stat st;
    EXPECT(stat(hidden, &st) == -1 && errno == EACCES);        /* no search on closed/ */
    EXPECT(open(grp, O_RDONLY) == -1 && errno == EACCES);      /* not in its group */
    /* O_PATH needs no permission on the file itself. */
    fd = open(secret, O_PATH);
    EXPECT(fd >= 0);
    close(fd);
}

static void user_in_extra_group_reads(void)
{
    char grp[128];
    path(grp, "groupfile");
    gid_t g[2] = { USER, EXTRA_GROUP };
    become(USER, 2, g);
    int fd = open(grp, O_RDONLY);
    EXPECT(fd >= 0);
    close(fd);
}

TEST(a_user_is_refused_what_mode_bits_and_groups_refuse)
{
    make_dir();
    put("secret", 0600, 0, 0);
    put("pub", 0644, 0, 0);
    put("groupfile", 0040, 0, EXTRA_GROUP);
    put_dir("closed", 0700, 0, 0);
    put("closed/inner", 0644, 0, 0);
    CHECK_EQ(tl_in_child(user_opens), 0);
    CHECK_EQ(tl_in_child(user_in_extra_group_reads), 0);
    /* root reads and writes anything (CAP_DAC_OVERRIDE) */
    char p[128];
    path(p, "secret");
    int fd = open(p, O_RDWR);
    CHECK(fd >= 0);
    close(fd);
    remove_dir();
}

static void user_execs(void)
{
    char pub[128], d[128];
    path(pub, "pub");
    path(d, "closed");
    become_user();
    char *argv[] = { pub, NULL };
    execve(pub, argv, environ);
    EXPECT(errno == EACCES);
    execve(d, argv, environ);
    EXPECT(errno == EACCES);
}

TEST(exec_needs_an_execute_bit_and_a_regular_file)
{
    make_dir();
    put("pub", 0644, 0, 0);
    put_dir("closed", 0755, 0, 0);
    CHECK_EQ(tl_in_child(user_execs), 0);
    char p[128];
    path(p, "pub");
    char *argv[] = { p, NULL };
    CHECK_ERR(execve(p, argv, environ), EACCES);    /* even root needs one x bit */
    CHECK_ERR(access(p, X_OK), EACCES);
    remove_dir();
}

/* ---- the namespace: w+x on the parent, sticky directories ---- */

static void user_namespace_ops(void)
{
    char f[128], n[128], sub[128], newf[128], mine[128], mine2[128];
    path(f, "ro/file");
    path(n, "ro/new");
    path(sub, "ro/sub");
    path(newf, "ro/renamed");
    path(mine, "mine/f");
    path(mine2, "mine/g");
    become_user();
    EXPECT(open(n, O_WRONLY | O_CREAT, 0644) == -1 && errno == EACCES);
    EXPECT(mkdir(n, 0755) == -1 && errno == EACCES);
    EXPECT(mknod(n, S_IFIFO | 0644, 0) == -1 && errno == EACCES);
    EXPECT(symlink("x", n) == -1 && errno == EACCES);
    EXPECT(unlink(f) == -1 && errno == EACCES);
    EXPECT(rmdir(sub) == -1 && errno == EACCES);
    EXPECT(rename(f, newf) == -1 && errno == EACCES);
    EXPECT(rename(f, mine) == -1 && errno == EACCES);       /* removing from ro/ */
    EXPECT(link(f, n) == -1 && errno == EACCES);
    /* In its own directory everything works; a new file opens whatever its mode. */
    int fd = open(mine, O_RDWR | O_CREAT, 0444);
    EXPECT(fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    EXPECT(rename(mine, mine2) == 0 && unlink(mine2) == 0);
    /* A device node needs CAP_MKNOD. */
    EXPECT(mknod(mine, S_IFCHR | 0600, makedev(1, 3)) == -1 && errno == EPERM);
}

TEST(creating_and_removing_names_need_write_and_search_on_the_parent)
{
    make_dir();
    put_dir("ro", 0755, 0, 0);
    put("ro/file", 0666, USER, USER);       /* owning the file is not enough */
    put_dir("ro/sub", 0777, USER, USER);
    put_dir("mine", 0755, USER, USER);
    CHECK_EQ(tl_in_child(user_namespace_ops), 0);
    remove_dir();
}

static void user_in_sticky(void)
{
    char rootf[128], own[128], moved[128];
    path(rootf, "sticky/rootfile");
    path(own, "sticky/own");
    path(moved, "sticky/moved");
    become_user();
    EXPECT(unlink(rootf) == -1 && errno == EPERM);
    EXPECT(rename(rootf, moved) == -1 && errno == EPERM);
    int fd = open(rootf, O_WRONLY);         /* writing it is the mode bits' business */
    EXPECT(fd >= 0);
    close(fd);
    fd = open(own, O_WRONLY | O_CREAT, 0666);
    EXPECT(fd >= 0);
    close(fd);
}

static void other_in_sticky(void)
{
    char own[128];
    path(own, "sticky/own");
    gid_t g = OTHER;
    become(OTHER, 1, &g);
    EXPECT(unlink(own) == -1 && errno == EPERM);
}

static void user_cleans_own(void)
{
    char own[128];
    path(own, "sticky/own");
    become_user();
    EXPECT(unlink(own) == 0);
}

TEST(in_a_sticky_directory_only_owners_remove_and_rename)
{
    make_dir();
    put_dir("sticky", 01777, 0, 0);
    put("sticky/rootfile", 0666, 0, 0);
    CHECK_EQ(tl_in_child(user_in_sticky), 0);
    CHECK_EQ(tl_in_child(other_in_sticky), 0);
    CHECK_EQ(tl_in_child(user_cleans_own), 0);
    struct stat st;
    CHECK(stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777);
    remove_dir();
}

/* ---- chmod, chown, utimensat, set-id bits ---- */

static void user_chmods(void)
{
    char rootf[128], own[128], owng0[128];
    path(rootf, "pub");
    path(own, "own");
    path(owng0, "owng0");
    become_user();
    EXPECT(chmod(rootf, 0777) == -1 && errno == EPERM);
    EXPECT(chmod(own, 0600) == 0);
    /* set-group-ID on a file of a group the caller is not in: dropped */
    EXPECT(chmod(owng0, 02755) == 0);
    struct stat st;
    EXPECT(stat(owng0, &st) == 0 && (st.st_mode & 07777) == 0755);
    EXPECT(chmod(own, 02755) == 0);
    EXPECT(stat(own, &st) == 0 && (st.st_mode & 07777) == 02755);
}

static void user_chowns(void)
{
    char rootf[128], own[128];
    path(rootf, "pub");
    path(own, "own");
    gid_t g[2] = { USER, EXTRA_GROUP };
    become(USER, 2, g);
    EXPECT(chown(own, 0, -1) == -1 && errno == EPERM);          /* giving it away */
    EXPECT(chown(own, USER, -1) == 0);                          /* to itself: fine */
    EXPECT(chown(own, -1, 0) == -1 && errno == EPERM);          /* not its group */
    EXPECT(chown(own, -1, EXTRA_GROUP) == 0);
    EXPECT(chown(rootf, -1, USER) == -1 && errno == EPERM);     /* not its file */
    struct stat st;
    EXPECT(stat(own, &st) == 0 && st.st_gid == EXTRA_GROUP);
}

TEST(chmod_and_chown_follow_linux_rules)
{
    make_dir();
    put("pub", 0644, 0, 0);
    put("own", 0644, USER, USER);
    put("owng0", 0644, USER, 0);
    CHECK_EQ(tl_in_child(user_chmods), 0);
    CHECK_EQ(tl_in_child(user_chowns), 0);
    /* chown of a set-user-ID file drops the bit, even done by root */
    put("suid", 06755, 0, 0);
    char p[128];
    path(p, "suid");
    CHECK_EQ(chown(p, USER, USER), 0);
    CHECK_EQ(mode_of("suid"), 0755);
    remove_dir();
}

static void user_writes_suid(void)
{
    char p[128];
    path(p, "suid");
    become_user();
    int fd = open(p, O_WRONLY);
    EXPECT(fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
}

TEST(a_write_without_cap_fsetid_drops_set_id_bits)
{
    make_dir();
    put("suid", 06777, 0, 0);
    char p[128];
    path(p, "suid");
    int fd = open(p, O_WRONLY);
    CHECK(fd >= 0 && write(fd, "y", 1) == 1);          /* root keeps them */
    close(fd);
    CHECK_EQ(mode_of("suid"), 06777);
    CHECK_EQ(tl_in_child(user_writes_suid), 0);
    CHECK_EQ(mode_of("suid"), 0777);
    remove_dir();
}

static void user_utimes(void)
{
    char shared[128], ro[128];
    path(shared, "shared");
    path(ro, "pub");
    become_user();
    EXPECT(utimensat(AT_FDCWD, shared, NULL, 0) == 0);         /* write permission */
    struct timespec now2[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    EXPECT(utimensat(AT_FDCWD, shared, now2, 0) == 0);
    struct timespec t[2] = { { 1000, 0 }, { 1000, 0 } };
    EXPECT(utimensat(AT_FDCWD, shared, t, 0) == -1 && errno == EPERM);
    EXPECT(utimensat(AT_FDCWD, ro, NULL, 0) == -1 && errno == EACCES);
}

TEST(utimensat_now_needs_write_permission_and_set_times_ownership)
{
    make_dir();
    put("shared", 0666, 0, 0);
    put("pub", 0644, 0, 0);
    CHECK_EQ(tl_in_child(user_utimes), 0);
    remove_dir();
}

TEST(umask_applies_to_created_files)
{
    make_dir();
    mode_t old = umask(027);
    char p[128];
    path(p, "m");
    int fd = open(p, O_WRONLY | O_CREAT, 0666);
    CHECK(fd >= 0);
    close(fd);
    umask(old);
    CHECK_EQ(mode_of("m"), 0640);
    remove_dir();
}

/* ---- access() uses the real ids ---- */

static void real_user_effective_root(void)
{
    char secret[128];
    path(secret, "secret");
    gid_t g = USER;
    EXPECT(setgroups(1, &g) == 0);
    EXPECT(setresuid(USER, 0, 0) == 0);
    EXPECT(access(secret, R_OK) == -1 && errno == EACCES);
    EXPECT(faccessat(AT_FDCWD, secret, R_OK, AT_EACCESS) == 0);
    int fd = open(secret, O_RDONLY);
    EXPECT(fd >= 0);
    close(fd);
}

static void real_root_effective_user(void)
{
    char secret[128];
    path(secret, "secret");
    EXPECT(setresuid(0, USER, 0) == 0);
    EXPECT(access(secret, R_OK | W_OK) == 0);
    EXPECT(faccessat(AT_FDCWD, secret, R_OK, AT_EACCESS) == -1 && errno == EACCES);
    EXPECT(open(secret, O_RDONLY) == -1 && errno == EACCES);
    /* setfsuid moves only the filesystem id */
    EXPECT(setresuid(0, 0, 0) == 0);
    EXPECT(setfsuid(USER) == 0);
    EXPECT(open(secret, O_RDONLY) == -1 && errno == EACCES);
    EXPECT(setfsuid(0) == USER);
    int fd = open(secret, O_RDONLY);
    EXPECT(fd >= 0);
    close(fd);
}

TEST(access_checks_with_the_real_ids)
{
    make_dir();
    put("secret", 0600, 0, 0);
    CHECK_EQ(tl_in_child(real_user_effective_root), 0);
    CHECK_EQ(tl_in_child(real_root_effective_user), 0);
    remove_dir();
}

/* ---- kill ---- */

static pid_t root_sleeper;

static void user_kills(void)
{
    pid_t mine = fork();
    if (mine == 0) {
        become_user();
        pause();
        _exit(0);
    }
    become_user();
    EXPECT(kill(root_sleeper, SIGTERM) == -1 && errno == EPERM);
    EXPECT(kill(root_sleeper, 0) == -1 && errno == EPERM);
    EXPECT(kill(root_sleeper, SIGCONT) == 0);          /* same session */
    EXPECT(syscall(SYS_tgkill, root_sleeper, root_sleeper, SIGTERM) == -1 && errno == EPERM);
    usleep(100000);                                     /* let the child become the user */
    EXPECT(kill(mine, SIGTERM) == 0);
    int st;
    EXPECT(waitpid(mine, &st, 0) == mine && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

TEST(kill_needs_a_matching_uid_or_cap_kill)
{
    root_sleeper = fork();
    if (root_sleeper == 0) {
        pause();
        _exit(0);
    }
    REQUIRE(root_sleeper > 0);
    CHECK_EQ(tl_in_child(user_kills), 0);
    CHECK_EQ(kill(root_sleeper, 0), 0);                 /* still alive */
    CHECK_EQ(kill(root_sleeper, SIGKILL), 0);           /* root may */
    int st;
    CHECK_EQ(waitpid(root_sleeper, &st, 0), root_sleeper);
}

/* ---- set-user-ID exec ---- */

static char suid_bin[160];

static void user_runs_suid(void)
{
    become_user();
    char *argv[] = { suid_bin, NULL };
    char *envp[] = { "DAC_PROBE=1", NULL };
    execve(suid_bin, argv, envp);
    _exit(99);
}

static void user_runs_suid_nnp(void)
{
    become_user();
    EXPECT(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    char *argv[] = { suid_bin, NULL };
    char *envp[] = { "DAC_PROBE=nnp", NULL };
    execve(suid_bin, argv, envp);
    _exit(99);
}

/* A directory on a filesystem that honours set-user-ID bits (/tmp is nosuid on
 * many systems, OSCortex included). */
static const char *suid_base(void)
{
    struct statvfs s;
    if (statvfs("/var/tmp", &s) == 0 && !(s.f_flag & ST_NOSUID))
        return "/var/tmp";
    return "/";
}

TEST(a_set_user_id_root_binary_runs_with_euid_0_and_at_secure)
{
    char d[128];
    snprintf(d, sizeof(d), "%s/dacsuidXXXXXX", strcmp(suid_base(), "/") ? suid_base() : "");
    REQUIRE(mkdtemp(d) != NULL);
    chmod(d, 0755);
    snprintf(suid_bin, sizeof(suid_bin), "%s/probe", d);
    int in = open("/proc/self/exe", O_RDONLY), out = open(suid_bin, O_WRONLY | O_CREAT, 0755);
    REQUIRE(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        REQUIRE(write(out, buf, (size_t)n) == n);
    close(in);
    close(out);
    REQUIRE(chmod(suid_bin, 04755) == 0);
    int st = tl_in_child(user_runs_suid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    st = tl_in_child(user_runs_suid_nnp);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    unlink(suid_bin);
    rmdir(d);
}

/* ---- capabilities ---- */

struct cap_hdr { uint32_t version; int pid; };
struct cap_dat { uint32_t eff, perm, inh; };
#define CAPV3 0x20080522

static void caps_drop_with_uid(void)
{
    struct cap_hdr h = { CAPV3, 0 };
    struct cap_dat d[2];
    become_user();
    EXPECT(syscall(SYS_capget, &h, d) == 0);
    EXPECT(d[0].eff == 0 && d[0].perm == 0 && d[1].eff == 0 && d[1].perm == 0);
    d[0].eff = d[0].perm = 1u << 1;                     /* CAP_DAC_OVERRIDE back: no */
    EXPECT(syscall(SYS_capset, &h, d) == -1 && errno == EPERM);
    EXPECT(setuid(0) == -1 && errno == EPERM);
}

static void root_drops_dac_override(void)
{
    char secret[128];
    path(secret, "secret");
    struct cap_hdr h = { CAPV3, 0 };
    struct cap_dat d[2];
    EXPECT(syscall(SYS_capget, &h, d) == 0);
    d[0].eff &= ~((1u << 1) | (1u << 2));               /* DAC_OVERRIDE, DAC_READ_SEARCH */
    EXPECT(syscall(SYS_capset, &h, d) == 0);
    EXPECT(chown(secret, 0, 0) == 0);                   /* still CAP_CHOWN */
    chmod(secret, 0);
    EXPECT(open(secret, O_RDONLY) == -1 && errno == EACCES);
}

TEST(capabilities_follow_the_uid_and_answer_truthfully)
{
    struct cap_hdr h = { 0, 0 };
    struct cap_dat d[2];
    CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL);      /* unknown version */
    CHECK_EQ(h.version, CAPV3);
    CHECK_EQ(syscall(SYS_capget, &h, d), 0);
    CHECK((d[0].eff & 0xff) == 0xff);                   /* CHOWN..SETUID */
    CHECK_EQ(d[0].eff, d[0].perm);
    CHECK_EQ(prctl(PR_CAPBSET_READ, 0, 0, 0, 0), 1);    /* CAP_CHOWN */
    CHECK_ERR(prctl(PR_CAPBSET_READ, 999, 0, 0, 0), EINVAL);
    CHECK_EQ(tl_in_child(caps_drop_with_uid), 0);
    make_dir();
    put("secret", 0600, 0, 0);
    CHECK_EQ(tl_in_child(root_drops_dac_override), 0);
    remove_dir();
}
