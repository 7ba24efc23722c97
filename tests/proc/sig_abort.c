/* Proc KTEST program: abort() with SIGABRT at its default action must kill the
 * process with the core bit set in the wait status. */
#include <stdlib.h>

int main(void)
{
    abort();
}
