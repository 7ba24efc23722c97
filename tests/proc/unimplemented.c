/* Proc KTEST program: makes one call OSCortex does not implement (333,
 * io_pgetevents), so the KTEST can watch /sys/kernel/unimplemented count it. */
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    syscall(333, 0, 0, 0, 0, 0, 0);     /* ENOSYS here; EINVAL on Linux */
    return 0;
}
