/* Shared by the benchmark's files (bench.c, bench_net.c): iteration counts and
 * the timing loop that prints one figure. */
#pragma once

/* Iteration counts: batches of iters (full mode), one small batch (--quick). */
struct counts { int batches, iters; };
struct counts pick(int full_batches, int full_iters, int quick_iters);
/* Runs body(iters) per batch; prints the median time per iteration divided by
 * divisor ns as "BENCH name value unit" (or BENCH_ERROR when body fails). */
void timed(const char *name, struct counts c, int (*body)(int iters),
           double divisor, const char *unit);
/* bench_net.c: TCP/UDP over 127.0.0.1 and epoll. */
void bench_net(void);
/* bench_nic.c: TCP through the NIC to and from tools/bench.py's peer at
 * 10.0.2.2:nic_peer_port (0: not run). */
extern int nic_peer_port;
void bench_nic(void);
