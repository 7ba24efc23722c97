/* kmain: the boot sequence. Each phase logs with its subsystem prefix (SPEC §3), so
 * the last line of a failed boot names the phase that stopped it. */

#define LOG_TAG "kernel"
#include <osc/arch.h>
#include <osc/boot.h>
#include <osc/cmdline.h>
#include <osc/compositor.h>
#include <osc/console.h>
#include <osc/errno.h>
#include <osc/fb.h>
#include <osc/lib.h>
#include <osc/ktest.h>
#include <osc/net_stack.h>
#include <osc/tty.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/pci.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/input.h>
#include <osc/ps2.h>
#include <osc/sched.h>
#include <osc/stack_protector.h>
#include <osc/smp.h>
#include <osc/syscall.h>
#include <osc/uart.h>
#include <osc/usb.h>
#include <osc/vdso.h>
#include <osc/vfs.h>

struct boot_info boot_info;

static void apply_log_level(void)
{
    const char *lvl = cmdline_get("log");
    if (!lvl)
        return;
    if (strcmp(lvl, "debug") == 0)
        log_set_level(LOG_DEBUG);
    else if (strcmp(lvl, "info") == 0)
        log_set_level(LOG_INFO);
    else if (strcmp(lvl, "warn") == 0 || strcmp(lvl, "quiet") == 0)
        log_set_level(LOG_WARN);
    else if (strcmp(lvl, "error") == 0)
        log_set_level(LOG_ERROR);
    else
        log_warn("unknown log level '%s' ignored", lvl);
}

#define INIT_ARGS_MAX 32

/* Starts /sbin/init as PID 1 with the kernel command line split as Linux does:
 * plain words become arguments, KEY=VALUE words the environment. Returns its pid,
 * or a negative errno (-ENOENT when the initramfs has no init: the kernel idles). */
static int start_init(void)
{
    static const char *argv[INIT_ARGS_MAX + 2] = { "/sbin/init" };
    static const char *envp[INIT_ARGS_MAX + 3] = { "PATH=/bin:/sbin", "HOME=/" };
    const char *words[INIT_ARGS_MAX];
    size_t n = cmdline_words(words, INIT_ARGS_MAX), argc = 1, envc = 2;
    for (size_t i = 0; i < n && i < INIT_ARGS_MAX; i++) {
        if (words[i][0] == '/')
            continue;           /* the kernel image path GRUB puts first */
        if (strchr(words[i], '='))
            envp[envc++] = words[i];
        else
            argv[argc++] = words[i];
    }
    int pid = proc_spawn_init("/sbin/init", argv, envp);
    if (pid > 0)
        log_write(LOG_INFO, "process", "PID %d: /sbin/init", pid);
    else if (pid != -ENOENT)
        log_write(LOG_ERROR, "process", "cannot start /sbin/init (%d)", pid);
    return pid;
}

/* Boot phases, in log order (docs/boot.md):
 *   arch_cpu_init()                       [arch] GDT, TSS, IDT, CPU features
 *   pmm_init(); vmm_init(); heap_init();  [mm]
 *   arch_time_init()                      [arch] ACPI, LAPIC, IOAPIC, timers, RTC
 *   sched_init()                          [sched] (interrupts on from here)
 *   smp_init()                            [smp] the other CPUs start and park
 *   fb_init(); splash_start()             [fb]
 *   uart_init()                           [uart]
 *   pci_init()                            [pci] enumeration, driver probes
 *   net_stack_init()                      [net] TCP/IP (lwIP), DHCP in the background
 *   vfs_init()                            [vfs] root tmpfs + initramfs, /dev, /tmp
 *   tty_init(); input_init(); ps2_init()  [tty], [input], [ps2] console input
 *   comp_init()                           [compositor] thread idle until a first surface
 *   usb_init()                            [xhci] USB HID devices (after PS/2: event0/1)
 * then: "test" runs ktest_run_all() and exits QEMU; "fault=KIND" injects a
 * deliberate kernel fault; otherwise /sbin/init starts, the splash hands the screen
 * to the text console ([fb] text console) and the boot thread exits. */
/* No canary in kmain's own frame: it changes the guard and never returns. */
__attribute__((no_stack_protector)) void kmain(uint32_t magic, uint32_t mbi_phys)
{
    stack_protector_init();
    percpu_init(0, 0);          /* APIC id filled in once the LAPIC is up */
    uart_early_init();
    log_add_sink(uart_log_sink);
    log_info("OSCortex booting");

    if (magic != MULTIBOOT2_BOOTLOADER_MAGIC)
        panic("not started by a multiboot2 loader (magic %#x)", magic);
    int err = multiboot2_parse(phys_to_virt(mbi_phys), mbi_phys, &boot_info);
    if (err)      /* boot.S direct-maps the low 4 GiB, where GRUB puts it */
        panic("malformed multiboot2 boot information (%d)", err);
    cmdline_init(boot_info.cmdline);
    apply_log_level();
    log_debug("loader '%s', command line '%s'", boot_info.loader_name, boot_info.cmdline);
    arch_cpu_init();
    pmm_init();
    vmm_init();
    heap_init();

    arch_time_init();
    sched_init();
    smp_init();
    fb_init();
    splash_start();             /* or the text console, with splash=0 */
    uart_init();
    pci_init();                 /* before vfs_init: sysfs lists the devices */
    net_stack_init();           /* [net] lwIP over the devices pci_init found */
    vfs_init();
    tty_init();                 /* [tty] console input through the line discipline */
    input_init();               /* [input] evdev's /dev/input nodes, so after vfs_init */
    comp_init();                /* [compositor] its thread, waiting for a first surface */
    ps2_init();                 /* [ps2] keyboard and mouse: report to the input layer */
    usb_init();                 /* [xhci] USB devices present at boot, then hot-plug */
    syscall_init();             /* [syscall] the dispatch table */
    vdso_init();                /* the vDSO every process maps */

    if (cmdline_has("test")) {
        /* Kernel tests, then the user-space suite under /sbin/init; PID 1's exit
         * status decides with them. */
        int failed = ktest_run_all();
        if (!failed) {
            int status = -1;
            int pid = start_init();
            if (pid < 0 || proc_wait(pid, &status, NULL, 0) != 0 || status != 0) {
                log_write(LOG_ERROR, "process", "PID 1 failed (pid %d, status %#x)", pid, status);
                failed = 1;
            }
        }
        arch_exit_emulator(failed ? EXIT_FAIL : EXIT_PASS);
        arch_halt_forever();
    }
    const char *fault = cmdline_get("fault");
    if (fault && strcmp(fault, "spin") == 0)
        spin_inject_deadlock();
    else if (fault)
        arch_inject_fault(fault);
    int pid = start_init();
    if (pid > 0)
        proc_detach(pid);       /* it never exits; nobody in the kernel waits */
    splash_finish();            /* the text console, with init's shell on it */
    /* Booted: the boot flow is done and the idle thread takes over. */
    thread_exit();
}
