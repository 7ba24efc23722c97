/* Legacy 8259A PIC pair: remapped off the exception vectors and fully masked, so
 * that only the IOAPIC and LAPIC deliver interrupts. Without the remap a stray
 * PIC interrupt would arrive as a CPU exception (vectors 8-15). */

#include <osc/arch.h>
#include "arch_time.h"

/* 8259A datasheet, "Initialization Command Words" / "Operation Command Words". */
#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1
#define ICW1_INIT_ICW4  0x11    /* edge triggered, cascade, ICW4 follows */
#define ICW3_MASTER     0x04    /* slave on IR2 */
#define ICW3_SLAVE      0x02    /* slave's cascade identity */
#define ICW4_8086       0x01
#define PIC1_VECTOR     0x20
#define PIC2_VECTOR     0x28
#define OCW1_MASK_ALL   0xff
#define POST_PORT       0x80    /* writing here takes ~1 us: lets the PIC settle */

static void pic_write(uint16_t port, uint8_t v)
{
    outb(port, v);
    outb(POST_PORT, 0);
}

void pic_disable(void)
{
    pic_write(PIC1_CMD, ICW1_INIT_ICW4);
    pic_write(PIC2_CMD, ICW1_INIT_ICW4);
    pic_write(PIC1_DATA, PIC1_VECTOR);
    pic_write(PIC2_DATA, PIC2_VECTOR);
    pic_write(PIC1_DATA, ICW3_MASTER);
    pic_write(PIC2_DATA, ICW3_SLAVE);
    pic_write(PIC1_DATA, ICW4_8086);
    pic_write(PIC2_DATA, ICW4_8086);
    pic_write(PIC1_DATA, OCW1_MASK_ALL);
    pic_write(PIC2_DATA, OCW1_MASK_ALL);
}
