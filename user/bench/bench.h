/* Shared by the benchmark's files (bench.c, bench_net.c, bench_storage.c):
 * iteration counts and the timing loop that prints one figure. */
#pragma once

#include <stdint.h>

extern int quick;                   /* --quick: small counts */
int64_t now_ns(void);               /* CLOCK_MONOTONIC */
double median(double *v, int n);    /* sorts v */
void report(const char *name, double value, const char *unit);   /* "BENCH ..." */
void fail(const char *name, const char *what);  /* "BENCH_ERROR name what: strerror(errno)" */

/* Iteration counts: batches of iters (full mode), one small batch (--quick). */
struct counts { int batches, iters; };
struct counts pick(int full_batches, int full_iters, int quick_iters);
/* Runs body(iters) per batch; prints the median time per iteration divided by
 * divisor ns as "BENCH name value unit" (or BENCH_ERROR when body fails). */
void timed(const char *name, struct counts c, int (*body)(int iters),
           double divisor, const char *unit);
/* bench_net.c: TCP/UDP over 127.0.0.1 and epoll. */
void bench_net(void);
/* bench_storage.c: ext2 on the virtio-blk disk /dev/vda (made by tools/bench.py). */
void bench_storage(void);
/* bench_nic.c: TCP through the NIC to and from tools/bench.py's peer at
 * 10.0.2.2:nic_peer_port (0: not run). */
extern int nic_peer_port;
void bench_nic(void);
