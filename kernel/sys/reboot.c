/* reboot(2): power off, restart or halt the machine, with Linux's argument checks
 * (two magic numbers, root only). PID 1 calls it after it has stopped every other
 * process (user/init/init.c); the kernel itself does no further shutdown work:
 * there are no disk caches to write back and no devices that need a goodbye. */

#define LOG_TAG "kernel"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uart.h>

/* include/uapi/linux/reboot.h */
#define REBOOT_MAGIC1           0xfee1deadu
#define REBOOT_MAGIC2           672274793u      /* 0x28121969 */
#define REBOOT_MAGIC2A          85072278u       /* 0x05121996 */
#define REBOOT_MAGIC2B          369367448u      /* 0x16041998 */
#define REBOOT_MAGIC2C          537993216u      /* 0x20112000 */
#define REBOOT_CMD_RESTART      0x01234567u
#define REBOOT_CMD_HALT         0xcdef0123u
#define REBOOT_CMD_CAD_ON       0x89abcdefu
#define REBOOT_CMD_CAD_OFF      0x00000000u
#define REBOOT_CMD_POWER_OFF    0x4321fedcu
#define REBOOT_CMD_RESTART2     0xa1b2c3d4u

/* Whether ctrl-alt-del reboots at once (on) or signals init (off); only stored:
 * nothing delivers ctrl-alt-del yet. */
static bool cad_enabled = true;

/* The last words go out before the machine stops. */
static void say_last(const char *what)
{
    log_info("%s", what);
    uart_flush();
}

static __noreturn void halt_now(void)
{
    say_last("halt");
    arch_halt_forever();
}

SYSCALL(reboot)
{
    uint32_t magic1 = (uint32_t)args->a[0], magic2 = (uint32_t)args->a[1];
    uint32_t cmd = (uint32_t)args->a[2];
    if (proc_current()->euid != 0)
        return -EPERM;      /* Linux checks CAP_SYS_BOOT before the magic */
    if (magic1 != REBOOT_MAGIC1 ||
        (magic2 != REBOOT_MAGIC2 && magic2 != REBOOT_MAGIC2A &&
         magic2 != REBOOT_MAGIC2B && magic2 != REBOOT_MAGIC2C))
        return -EINVAL;
    switch (cmd) {
    case REBOOT_CMD_CAD_ON:
    case REBOOT_CMD_CAD_OFF:
        cad_enabled = cmd == REBOOT_CMD_CAD_ON;
        return 0;
    case REBOOT_CMD_RESTART:
    case REBOOT_CMD_RESTART2:       /* the command string argument is ignored */
        say_last("restart");
        arch_reset(acpi_info.fadt.present ? &acpi_info.fadt : NULL);
    case REBOOT_CMD_POWER_OFF: {
        say_last("power off");
        int err = arch_power_off(&acpi_info.fadt);
        /* Like Linux without a power-off driver: halt instead. */
        log_error("power off failed (%d%s); halting", err,
                  err == -ENOENT ? ": no \\_S5_ in the DSDT" :
                  err == -ENODEV ? ": no ACPI FADT" : "");
        halt_now();
    }
    case REBOOT_CMD_HALT:
        halt_now();
    default:
        return -EINVAL;
    }
}
