/* Leaving the machine on x86_64: ACPI soft off (S5) through the PM1 control
 * registers, and reset through the FADT reset register, the 8042 keyboard
 * controller's reset line, or as a last resort a triple fault. The ACPI values
 * come from the neutral table parser; only the port writes live here. */

#define LOG_TAG "kernel"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/time.h>

#define PM1_SCI_EN          (1u << 0)   /* ACPI 6.5 §4.8.3.2.1: PM1 control bits */
#define PM1_SLP_TYP_SHIFT   10
#define PM1_SLP_TYP_MASK    (7u << 10)
#define PM1_SLP_EN          (1u << 13)
#define ACPI_ENABLE_WAIT_NS 3000000000ull   /* Linux waits up to 3 s for SCI_EN */
#define POWER_OFF_WAIT_NS   1000000000ull   /* S5 should take effect at once */
#define RESET_WAIT_NS       500000000ull    /* per reset method before the next */
#define KBC_STATUS          0x64        /* 8042: status (read), command (write) */
#define KBC_INPUT_FULL      0x02
#define KBC_PULSE_RESET     0xfe        /* pulse output line 0: CPU reset */

static void wait_ns(uint64_t ns)
{
    uint64_t start = time_ns();
    while (time_ns() - start < ns)
        cpu_relax();
}

/* SCI_EN clear means the firmware still owns power management (legacy mode):
 * ask it to hand over through SMI_CMD, as an OS's ACPI driver does at boot. */
static void acpi_take_over(const struct acpi_fadt *f)
{
    uint16_t pm1a = (uint16_t)f->pm1a_cnt;
    if ((inw(pm1a) & PM1_SCI_EN) || !f->smi_cmd || !f->acpi_enable)
        return;
    outb((uint16_t)f->smi_cmd, f->acpi_enable);
    uint64_t start = time_ns();
    while (!(inw(pm1a) & PM1_SCI_EN)) {
        if (time_ns() - start > ACPI_ENABLE_WAIT_NS) {
            log_warn("ACPI mode did not come on (SCI_EN still clear); trying S5 anyway");
            return;
        }
        cpu_relax();
    }
}

static void pm1_sleep(uint32_t port, uint8_t slp_typ)
{
    uint16_t v = inw((uint16_t)port);
    v = (uint16_t)((v & ~PM1_SLP_TYP_MASK) | ((uint32_t)slp_typ << PM1_SLP_TYP_SHIFT));
    outw((uint16_t)port, v);
    outw((uint16_t)port, v | PM1_SLP_EN);
}

int arch_power_off(const struct acpi_fadt *f)
{
    if (!f || !f->present || !f->pm1a_cnt || f->pm1a_cnt > 0xffff)
        return -ENODEV;
    if (!f->s5_found)
        return -ENOENT;
    irq_disable();
    acpi_take_over(f);
    pm1_sleep(f->pm1a_cnt, f->slp_typa);
    if (f->pm1b_cnt && f->pm1b_cnt <= 0xffff)
        pm1_sleep(f->pm1b_cnt, f->slp_typb);
    wait_ns(POWER_OFF_WAIT_NS);
    return -EIO;        /* still running: the firmware ignored us */
}

/* An IDT with no entries: the next exception cannot be delivered, which escalates
 * to a double and then a triple fault, and the CPU resets. */
static __noreturn void triple_fault(void)
{
    static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("lidt %0; int3" ::"m"(empty) : "memory");
    arch_halt_forever();
}

void arch_reset(const struct acpi_fadt *f)
{
    irq_disable();
    if (f && f->reset_supported && f->reset_space == ACPI_GAS_IO && f->reset_address &&
        f->reset_address <= 0xffff) {
        outb((uint16_t)f->reset_address, f->reset_value);
        wait_ns(RESET_WAIT_NS);
        log_warn("ACPI reset register %#lx did not reset; trying the 8042",
                 (unsigned long)f->reset_address);
    }
    for (int i = 0; i < 100000 && (inb(KBC_STATUS) & KBC_INPUT_FULL); i++)
        cpu_relax();
    outb(KBC_STATUS, KBC_PULSE_RESET);
    wait_ns(RESET_WAIT_NS);
    log_warn("8042 reset did not reset; triple fault");
    triple_fault();
}
