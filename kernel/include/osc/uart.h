/* 16550 UART on COM1: the serial console. uart_early_init gives polled output from
 * the first instruction of kmain; uart_init later switches receive (and transmit
 * draining) to interrupts once the IOAPIC is up. */
#pragma once

#include <osc/types.h>

void uart_early_init(void);
void uart_init(void);
/* Writes bytes to COM1 ('\n' becomes "\r\n"). Safe in any context, panic included. */
void uart_write(const char *s, size_t n);
/* Waits until everything queued has left the transmitter (panic, emulator exit). */
void uart_flush(void);
/* Non-blocking read of one received byte; returns -1 when none is pending. */
int uart_getc(void);
