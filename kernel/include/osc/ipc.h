/* System V IPC (kernel/ipc): message queues, semaphore sets and shared memory
 * segments, named by key and id as on Linux x86_64. The system calls live in
 * kernel/ipc; this header is what the process core calls into. */
#pragma once

#include <osc/types.h>

struct process;

/* The last thread of p leaves: its SEM_UNDO adjustments are applied and dropped.
 * (Its shared memory attaches go with its address space.) */
void ipc_proc_exit(struct process *p);

/* /proc/sysvipc/{msg,sem,shm}: Linux's table (header line, then one line per
 * object) for kind, handed to put piece by piece. put runs under the ipc lock
 * (rank 55): it may allocate (heap) but take nothing else. */
enum { IPC_KIND_MSG, IPC_KIND_SEM, IPC_KIND_SHM };
void ipc_proc_text(int kind, void (*put)(void *ctx, const char *s, size_t n), void *ctx);
