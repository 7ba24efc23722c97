/* System V IPC (kernel/ipc): message queues, semaphore sets and shared memory
 * segments, named by key and id as on Linux x86_64. The system calls live in
 * kernel/ipc; this header is what the process core calls into. */
#pragma once

struct process;

/* The last thread of p leaves: its SEM_UNDO adjustments are applied and dropped.
 * (Its shared memory attaches go with its address space.) */
void ipc_proc_exit(struct process *p);
