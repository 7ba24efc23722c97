/* Weak stand-ins for what the process core (branch proc) provides, so kernel/fs
 * links on its own: no current process and no user memory. The strong definitions
 * replace these at link time once proc is merged. */

#include <osc/errno.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>

__attribute__((weak)) struct process *proc_current(void) { return NULL; }
__attribute__((weak)) int copy_from_user(void *d, const void *s, size_t n) { (void)d; (void)s; (void)n; return -EFAULT; }
__attribute__((weak)) int copy_to_user(void *d, const void *s, size_t n) { (void)d; (void)s; (void)n; return -EFAULT; }
__attribute__((weak)) long strncpy_from_user(char *d, const char *s, size_t n) { (void)d; (void)s; (void)n; return -EFAULT; }
__attribute__((weak)) uint64_t syscall_unimplemented_count(uint32_t nr) { (void)nr; return 0; }
__attribute__((weak)) const char *syscall_name(uint32_t nr) { (void)nr; return NULL; }
