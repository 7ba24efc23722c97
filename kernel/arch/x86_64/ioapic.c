/* IOAPIC routing (82093AA datasheet §3.2) of ISA interrupts to the boot CPU, with
 * the MADT's source overrides; the legacy 8259 PICs are remapped and masked. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/spinlock.h>
#include "arch_time.h"

#define IOAPIC_REGSEL       0x00
#define IOAPIC_WINDOW       0x10
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_REG_REDIR    0x10        /* entry n: 0x10 + 2n (low), +1 (high) */
#define REDIR_MASKED        (1u << 16)
#define REDIR_LEVEL         (1u << 15)
#define REDIR_ACTIVE_LOW    (1u << 13)
#define REDIR_DEST_SHIFT    56

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ICW1_INIT_ICW4  0x11
#define PIC_ICW4_8086       0x01
#define PIC_VECTOR_BASE     0xe0        /* away from ISA vectors: a spurious 8259
                                           IRQ 7 must not look like a device's */

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base;
    uint32_t pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static size_t ioapic_count;
static spinlock_t ioapic_lock = SPINLOCK_INIT("ioapic", 60);  /* the select/window pair */

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
    io->regs[IOAPIC_REGSEL / 4] = reg;
    return io->regs[IOAPIC_WINDOW / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[IOAPIC_REGSEL / 4] = reg;
    io->regs[IOAPIC_WINDOW / 4] = v;
}

static void write_redirection(struct ioapic *io, uint32_t pin, uint64_t entry)
{
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, REDIR_MASKED);   /* mask while changing */
    ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, (uint32_t)(entry >> 32));
    ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, (uint32_t)entry);
    spin_unlock_irqrestore(&ioapic_lock, f);
}

void pic_disable(void)
{
    outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC1_DATA, PIC_VECTOR_BASE);
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 4);         /* slave on IRQ 2 */
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, PIC_ICW4_8086);
    outb(PIC2_DATA, PIC_ICW4_8086);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

int ioapic_init(void)
{
    int total = 0;
    for (size_t i = 0; i < acpi_info.ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
        struct ioapic *io = &ioapics[ioapic_count];
        io->regs = vmm_map_mmio(acpi_info.ioapics[i].address, PAGE_SIZE, MAP_NOCACHE | MAP_WRITE);
        if (!io->regs)
            continue;
        io->gsi_base = acpi_info.ioapics[i].gsi_base;
        io->pins = ((ioapic_read(io, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1;
        for (uint32_t pin = 0; pin < io->pins; pin++)
            write_redirection(io, pin, REDIR_MASKED);
        total += (int)io->pins;
        ioapic_count++;
    }
    return total;
}

int irq_route_isa(uint8_t isa_irq)
{
    if (isa_irq >= 16)
        return -EINVAL;
    uint32_t gsi = isa_irq;
    uint16_t flags = 0;         /* ISA default: edge-triggered, active high */
    for (size_t i = 0; i < acpi_info.override_count; i++) {
        if (acpi_info.overrides[i].source == isa_irq) {
            gsi = acpi_info.overrides[i].gsi;
            flags = acpi_info.overrides[i].flags;
        }
    }
    for (size_t i = 0; i < ioapic_count; i++) {
        struct ioapic *io = &ioapics[i];
        if (gsi < io->gsi_base || gsi >= io->gsi_base + io->pins)
            continue;
        uint64_t entry = (uint64_t)(IRQ_VECTOR_ISA_BASE + isa_irq);
        if ((flags & ACPI_POLARITY_MASK) == ACPI_POLARITY_LOW)
            entry |= REDIR_ACTIVE_LOW;
        if ((flags & ACPI_TRIGGER_MASK) == ACPI_TRIGGER_LEVEL)
            entry |= REDIR_LEVEL;
        entry |= (uint64_t)cpus[0].apic_id << REDIR_DEST_SHIFT;
        write_redirection(io, gsi - io->gsi_base, entry);
        log_debug("ISA IRQ %u -> GSI %u -> vector %#x", isa_irq, gsi, IRQ_VECTOR_ISA_BASE + isa_irq);
        return 0;
    }
    log_warn("ISA IRQ %u (GSI %u): no IOAPIC serves it", isa_irq, gsi);
    return -ENODEV;
}
