/* execve as scripts and shells use it: what a "#!" script's process is (its exe
 * link names the interpreter, its comm and AT_EXECFN the script), relative paths
 * resolved in the working directory, symlinked programs, and the execute-bit and
 * file-type refusals. Scripts are written under /tmp and removed. */
#define _GNU_SOURCE
#include "testlib.h"

#include <limits.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Probe mode: run as a script's interpreter with EXEC_PROBE set, this program
 * prints what the kernel says it is and exits before any test runs. */
__attribute__((constructor(101))) static void probe(void)
{
    if (!getenv("EXEC_PROBE"))
        return;
    char exe[PATH_MAX] = "", comm[32] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0)
        exe[n] = 0;
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd >= 0) {
        n = read(fd, comm, sizeof(comm) - 1);
        comm[n > 0 ? n : 0] = 0;
        close(fd);
    }
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("exe=%s\ncomm=%sexecfn=%s\n", exe, comm, execfn ? execfn : "(none)");
    fflush(stdout);
    _exit(0);
}

static char dir[64];

static void make_dir(void)
{
    if (!dir[0])
        snprintf(dir, sizeof(dir), "/tmp/exec.%d", (int)getpid());
    mkdir(dir, 0755);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror("write");
        close(fd);
    }
    chmod(path, mode);
}

/* Runs path (relative to cwd when not absolute) with argv and envp in a child limited to
 * 20 s, collects at most size-1 bytes of its stdout into out; returns the wait
 * status, or -1 when the child could not even start. */
static int run_capture(const char *cwd, const char *path, char *const argv[],
                       char *const envp[], char *out, size_t size)
{
    int p[2];
    if (pipe(p))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        alarm(20);              /* a script that re-runs itself must not run forever */
        if (cwd && chdir(cwd))
            _exit(126);
        execve(path, argv, envp);
        _exit(errno == ENOENT ? 127 : errno == EACCES ? 126 : 125);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < size && (n = read(p[0], out + got, size - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = 0;
    close(p[0]);
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static char *self_exe(void)
{
    static char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = 0;
    return exe;
}

TEST(script_exe_link_names_the_interpreter_and_comm_the_script)
{
    make_dir();
    char script[128], text[PATH_MAX + 32], out[PATH_MAX * 2];
    snprintf(script, sizeof(script), "%s/probe-script", dir);
    snprintf(text, sizeof(text), "#!%s\n", self_exe());
    write_file(script, text, 0755);
    char *argv[] = { script, NULL }, *envp[] = { "EXEC_PROBE=1", NULL };
    int st = run_capture(NULL, argv[0], argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char want[PATH_MAX * 2];
    snprintf(want, sizeof(want), "exe=%s\ncomm=probe-script\nexecfn=%s\n", self_exe(), script);
    CHECK_STR(out, want);
    unlink(script);
}

TEST(shell_script_sees_its_interpreter_as_proc_self_exe)
{
    make_dir();
    char script[128], out[PATH_MAX], want[PATH_MAX];
    snprintf(script, sizeof(script), "%s/exe.sh", dir);
    write_file(script, "#!/bin/sh\nreadlink /proc/$$/exe\n", 0755);
    char *argv[] = { script, NULL }, *envp[] = { "PATH=/usr/bin:/bin", NULL };
    int st = run_capture(NULL, argv[0], argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    REQUIRE(realpath("/bin/sh", want) != NULL);
    strcat(want, "\n");
    CHECK_STR(out, want);
    unlink(script);
}

/* The bug this guards against: busybox runs applets by re-executing
 * /proc/self/exe; if that named the script, every command in it re-ran the script
 * (a fork bomb ending in EAGAIN for the whole system). */
TEST(busybox_script_running_an_applet_runs_it_once)
{
    if (access("/bin/busybox", X_OK))
        REQUIRE(!"/bin/busybox present (busybox-static)");
    make_dir();
    char script[128], out[256];
    snprintf(script, sizeof(script), "%s/applet.sh", dir);
    write_file(script, "#!/bin/busybox sh\ncd /tmp\ncmp /proc/self/exe /proc/self/exe && echo same\n"
                       "busybox expr 6 \\* 7\n", 0755);
    char *argv[] = { script, NULL }, *envp[] = { "PATH=/nonexistent", NULL };
    int st = run_capture(NULL, argv[0], argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_STR(out, "same\n42\n");
    unlink(script);
}

TEST(execve_of_dot_slash_symlink_resolves_in_the_working_directory)
{
    make_dir();
    char link[128], out[64];
    snprintf(link, sizeof(link), "%s/sh-link", dir);
    unlink(link);
    REQUIRE(symlink("/bin/sh", link) == 0);
    /* argv[0] "sh": busybox picks its applet by that name. */
    char *argv[] = { "sh", "-c", "echo rel-ok; exit 7", NULL }, *envp[] = { NULL };
    int st = run_capture(dir, "./sh-link", argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK_STR(out, "rel-ok\n");
    unlink(link);
}

TEST(execve_of_a_relative_script_resolves_in_the_working_directory)
{
    make_dir();
    char script[128], out[64];
    snprintf(script, sizeof(script), "%s/rel.sh", dir);
    write_file(script, "#!/bin/sh\necho script-ran\n", 0755);
    char *argv[] = { "rel.sh", NULL }, *envp[] = { NULL };
    int st = run_capture(dir, argv[0], argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_STR(out, "script-ran\n");
    /* And not from the root directory: a file of that name there is not run. */
    char *argv2[] = { "./rel.sh", NULL };
    st = run_capture("/", argv2[0], argv2, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
    unlink(script);
}

TEST(exe_link_of_a_program_run_through_a_symlink_names_the_target)
{
    make_dir();
    char link[128], out[PATH_MAX * 2];
    snprintf(link, sizeof(link), "%s/prog-link", dir);
    unlink(link);
    REQUIRE(symlink(self_exe(), link) == 0);
    /* A script run through the link: the interpreter path itself is a symlink. */
    char script[128], text[192];
    snprintf(script, sizeof(script), "%s/via-link", dir);
    snprintf(text, sizeof(text), "#!%s\n", link);
    write_file(script, text, 0755);
    char *argv[] = { script, NULL }, *envp[] = { "EXEC_PROBE=1", NULL };
    int st = run_capture(NULL, argv[0], argv, envp, out, sizeof(out));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char want[PATH_MAX + 8];
    snprintf(want, sizeof(want), "exe=%s\n", self_exe());
    CHECK(strncmp(out, want, strlen(want)) == 0);
    unlink(script);
    unlink(link);
}

TEST(execve_of_a_file_without_execute_bits_is_eacces)
{
    make_dir();
    char script[128];
    snprintf(script, sizeof(script), "%s/noexec.sh", dir);
    write_file(script, "#!/bin/sh\nexit 0\n", 0644);
    char *argv[] = { script, NULL }, *envp[] = { NULL };
    CHECK_ERR(execve(script, argv, envp), EACCES);
    unlink(script);
}

TEST(execve_of_a_directory_is_eacces)
{
    char *argv[] = { "/tmp", NULL }, *envp[] = { NULL };
    CHECK_ERR(execve("/tmp", argv, envp), EACCES);
}

TEST(execve_of_a_script_whose_interpreter_is_missing_is_enoent)
{
    make_dir();
    char script[128];
    snprintf(script, sizeof(script), "%s/badinterp.sh", dir);
    write_file(script, "#!/nonexistent/interp\n", 0755);
    char *argv[] = { script, NULL }, *envp[] = { NULL };
    CHECK_ERR(execve(script, argv, envp), ENOENT);
    unlink(script);
    rmdir(dir);
}
