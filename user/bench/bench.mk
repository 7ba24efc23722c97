# The OSCortex-vs-Linux benchmark (included by the top Makefile): user/bench/bench.c
# (+ bench_net.c) and its fork+execve helper nop.c, musl static; tools/bench.py runs them in both
# kernels (docs/performance.md).
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -pthread

$(BUILD)/user/bench/bench: user/bench/bench.c user/bench/bench_net.c user/bench/bench_nic.c user/bench/bench.h
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@musl-gcc -static $(BENCH_CFLAGS) -o $@ user/bench/bench.c user/bench/bench_net.c user/bench/bench_nic.c

$(BUILD)/user/bench/%: user/bench/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@musl-gcc -static $(BENCH_CFLAGS) -o $@ $<
