/* IOAPICs: every pin masked at boot; ISA lines are routed on request to a vector
 * on the boot CPU, honouring the MADT's interrupt source overrides (on PCs ISA
 * IRQ 0 usually arrives on GSI 2, the SCI on a level-triggered, active-low pin). */

#define LOG_TAG "arch"
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/spinlock.h>
#include "arch_time.h"

/* 82093AA IOAPIC datasheet, 3.0 and 3.2: indirect register access and registers. */
#define IOAPIC_IOREGSEL         0x00
#define IOAPIC_IOWIN            0x10
#define IOAPIC_MMIO_SIZE        0x20
#define IOAPIC_REG_VER          0x01    /* bits 23:16: maximum redirection entry */
#define IOAPIC_REG_REDTBL       0x10    /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define IOAPIC_RTE_MASKED       (1u << 16)
#define IOAPIC_RTE_LEVEL        (1u << 15)
#define IOAPIC_RTE_ACTIVE_LOW   (1u << 13)
#define IOAPIC_RTE_DEST_SHIFT   24      /* high dword: physical destination APIC id */
#define ISA_IRQS                16

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base;
    uint32_t pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static size_t ioapic_count;
/* Protects the IOREGSEL/IOWIN pairs of every IOAPIC (select-then-access must not
 * interleave). Rank 85: a leaf taken by drivers, nothing is taken inside it. */
static spinlock_t ioapic_lock = SPINLOCK_INIT("ioapic", 85);
static const struct acpi_info *madt;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
    io->regs[IOAPIC_IOREGSEL / 4] = reg;
    return io->regs[IOAPIC_IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[IOAPIC_IOREGSEL / 4] = reg;
    io->regs[IOAPIC_IOWIN / 4] = v;
}

void ioapic_init(const struct acpi_info *acpi)
{
    madt = acpi;
    if (!acpi)
        return;
    for (size_t i = 0; i < acpi->ioapic_count; i++) {
        const struct acpi_ioapic *a = &acpi->ioapics[i];
        volatile uint32_t *regs = vmm_map_mmio(a->address, IOAPIC_MMIO_SIZE, MAP_NOCACHE | MAP_WRITE);
        if (!regs)
            continue;
        struct ioapic *io = &ioapics[ioapic_count];
        io->regs = regs;
        io->gsi_base = a->gsi_base;
        uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
        if (ver == 0xffffffffu) {
            log_error("IOAPIC %u at %#llx does not respond, ignored", a->id,
                      (unsigned long long)a->address);
            continue;
        }
        io->pins = ((ver >> 16) & 0xff) + 1;
        for (uint32_t pin = 0; pin < io->pins; pin++) {
            ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, IOAPIC_RTE_MASKED);
            ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, 0);
        }
        log_debug("IOAPIC %u at %#llx: GSI %u-%u, all masked", a->id,
                  (unsigned long long)a->address, io->gsi_base, io->gsi_base + io->pins - 1);
        ioapic_count++;
    }
}

size_t ioapic_pin_total(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ioapic_count; i++)
        n += ioapics[i].pins;
    return n;
}

int irq_route_isa(uint8_t isa_irq)
{
    if (isa_irq >= ISA_IRQS)
        return -EINVAL;
    /* ISA defaults: identity GSI, edge triggered, active high (ACPI 6.5 5.2.12.5). */
    uint32_t gsi = isa_irq;
    uint16_t flags = 0;
    for (size_t i = 0; madt && i < madt->override_count; i++) {
        if (madt->overrides[i].isa_irq == isa_irq) {
            gsi = madt->overrides[i].gsi;
            flags = madt->overrides[i].flags;
            break;
        }
    }
    struct ioapic *io = NULL;
    for (size_t i = 0; i < ioapic_count; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins)
            io = &ioapics[i];
    if (!io) {
        log_warn("ISA IRQ %u (GSI %u): no IOAPIC serves it", isa_irq, gsi);
        return -ENODEV;
    }
    uint32_t low = IRQ_VECTOR_ISA_BASE + isa_irq;   /* fixed delivery, physical dest */
    if ((flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW)
        low |= IOAPIC_RTE_ACTIVE_LOW;
    if ((flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL)
        low |= IOAPIC_RTE_LEVEL;
    uint32_t high = cpus[0].apic_id << IOAPIC_RTE_DEST_SHIFT;
    uint32_t pin = gsi - io->gsi_base;

    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    /* Destination first, then the low half, which unmasks. */
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, high);
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, low);
    spin_unlock_irqrestore(&ioapic_lock, f);
    log_debug("ISA IRQ %u -> GSI %u -> vector %#x%s%s", isa_irq, gsi, low & 0xff,
              (low & IOAPIC_RTE_LEVEL) ? ", level" : "", (low & IOAPIC_RTE_ACTIVE_LOW) ? ", active low" : "");
    return 0;
}
