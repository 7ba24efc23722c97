/* 16550 UART on COM1: the serial console. uart_early_init gives polled output from
 * the first instruction of kmain; uart_init later switches receive (and transmit
 * draining) to interrupts once the IOAPIC is up. */
#pragma once

#include <osc/types.h>

void uart_early_init(void);
void uart_init(void);
/* Writes bytes to COM1 ('\n' becomes "\r\n"). Safe in any context, panic included. */
void uart_write(const char *s, size_t n);
/* The log's sink: uart_write, starting a new line if terminal output left one open. */
void uart_log_sink(const char *s, size_t n);
/* Writes bytes unchanged (a terminal in raw output mode). */
void uart_write_raw(const char *s, size_t n);
/* Routes received bytes to fn (from the IRQ handler, no lock held) instead of the
 * ring uart_getc reads; NULL restores the ring. */
void uart_set_rx_handler(void (*fn)(uint8_t byte));
/* Waits until everything queued has left the transmitter (panic, emulator exit). */
void uart_flush(void);
/* Non-blocking read of one received byte; returns -1 when none is pending. */
int uart_getc(void);
