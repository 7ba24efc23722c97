/* Proc KTEST program: fork of a process with a big touched heap (16 MiB): the child
 * rewrites half of it (copy-on-write copies) and exits; the KTEST checks that the
 * frames come back after both are gone. Exit status = first failed check. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAP (16 << 20)

int main(void)
{
    char *p = malloc(HEAP);
    if (!p)
        return 1;
    memset(p, 1, HEAP);
    pid_t c = fork();
    if (c == 0) {
        memset(p, 2, HEAP / 2);
        _exit(p[0] == 2 && p[HEAP - 1] == 1 ? 0 : 1);
    }
    int st;
    if (c < 0 || waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 0)
        return 2;
    return p[0] == 1 && p[HEAP / 2 - 1] == 1 ? 0 : 3;
}
