/* The TCP/IP stack (lwIP, kernel/net/lwip_port/): started once at boot after the
 * network drivers registered their devices (pci_init). */
#pragma once

#include <osc/types.h>

/* Starts lwIP's tcpip thread, the loopback interface and one interface per netdev
 * with DHCP; never waits for the network ("[net] DHCP: ..." or "[net] offline: ..."
 * comes later in the log). */
void net_stack_init(void);
/* True once net_stack_init has run. */
bool net_stack_ready(void);
