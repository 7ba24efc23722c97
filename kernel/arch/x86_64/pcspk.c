/* The PC speaker: PIT channel 2 as a square-wave generator gated onto the speaker
 * through port 0x61 (8254 datasheet; IBM PC/AT technical reference). */
#include <asm/cpu.h>
#include <osc/arch.h>

#define PIT_HZ              1193182u
#define PIT_CH2_DATA        0x42
#define PIT_COMMAND         0x43
#define PIT_CH2_SQUARE_LOHI 0xb6        /* channel 2, lobyte/hibyte, mode 3, binary */
#define PORT_B              0x61
#define PORT_B_GATE2        0x01
#define PORT_B_SPEAKER      0x02

void arch_speaker_tone(uint32_t hz)
{
    uint8_t b = inb(PORT_B);
    if (hz == 0) {
        outb(PORT_B, b & ~(PORT_B_GATE2 | PORT_B_SPEAKER));
        return;
    }
    uint32_t divisor = PIT_HZ / hz;
    if (divisor > 0xffff)
        divisor = 0xffff;
    if (divisor < 1)
        divisor = 1;
    outb(PIT_COMMAND, PIT_CH2_SQUARE_LOHI);
    outb(PIT_CH2_DATA, divisor & 0xff);
    outb(PIT_CH2_DATA, divisor >> 8);
    outb(PORT_B, b | PORT_B_GATE2 | PORT_B_SPEAKER);
}
