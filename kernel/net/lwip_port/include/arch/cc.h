/* lwIP's compiler/platform header for OSCortex: the kernel's own types, formats for
 * its diagnostics, assertions and randomness routed into the kernel. */
#pragma once

#include <osc/types.h>

#define LWIP_NO_UNISTD_H   1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
/* lwIP's err_to_errno and errno values are Linux's, as the kernel's. */
#define LWIP_ERRNO_INCLUDE <osc/errno.h>
#define SSIZE_MAX INT64_MAX     /* ssize_t comes from <osc/types.h> */

#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

void lwip_port_diag(const char *fmt, ...) __printf(1, 2);
__noreturn void lwip_port_assert(const char *msg, const char *file, int line);
uint32_t lwip_port_rand(void);

#define LWIP_PLATFORM_DIAG(x)        do { lwip_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)      lwip_port_assert((x), __FILE__, __LINE__)
#define LWIP_RAND()                  lwip_port_rand()
