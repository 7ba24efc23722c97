/* 16550 UART driver for COM1 (the serial console). Output is polled: the log is
 * quiet by default, so the few lines per boot do not justify a transmit queue. */

#include <osc/arch.h>
#include <osc/log.h>
#include <osc/uart.h>

#define COM1            0x3f8
#define UART_DATA       0       /* RBR/THR; DLL when DLAB=1 */
#define UART_IER        1       /* DLM when DLAB=1 */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define LSR_DATA_READY  0x01
#define LSR_THR_EMPTY   0x20
#define LSR_TX_IDLE     0x40
#define LCR_DLAB        0x80
#define LCR_8N1         0x03

static bool present;

void uart_early_init(void)
{
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, 1);          /* divisor 1: 115200 baud */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, 0xc7);        /* enable + clear FIFOs, 14-byte trigger */
    outb(COM1 + UART_MCR, 0x0b);        /* DTR, RTS, OUT2 (IRQ gate) */
    /* A missing UART reads back 0xff from the line status register. */
    present = inb(COM1 + UART_LSR) != 0xff;
}

static void put_raw(char c)
{
    /* Bounded wait: a wedged UART must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        cpu_relax();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
    if (!present)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw(s[i]);
    }
}

void uart_flush(void)
{
    for (int i = 0; present && i < 100000 && !(inb(COM1 + UART_LSR) & LSR_TX_IDLE); i++)
        cpu_relax();
}

int uart_getc(void)
{
    if (present && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
        return inb(COM1 + UART_DATA);
    return -1;
}

void uart_init(void)
{
    /* Interrupt-driven receive arrives with the IOAPIC; until then input is polled. */
}
