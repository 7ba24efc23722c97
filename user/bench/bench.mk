# The OSCortex-vs-Linux benchmark (included by the top Makefile): user/bench/bench.c
# (+ bench_net.c, bench_storage.c, bench_nic.c) and its fork+execve helper nop.c, musl static; tools/bench.py runs them in both
# kernels (docs/performance.md).
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -pthread

$(BUILD)/user/bench/bench: user/bench/bench.c user/bench/bench_net.c user/bench/bench_storage.c \
                          user/bench/bench_nic.c user/bench/bench.h
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@musl-gcc -static $(BENCH_CFLAGS) -o $@ user/bench/bench.c user/bench/bench_net.c \
	    user/bench/bench_storage.c user/bench/bench_nic.c

# compbench drives the compositor through libosc (user/user.mk builds it).
$(BUILD)/user/bench/compbench: user/bench/compbench.c $(BUILD)/user/musl/libosc.a
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@musl-gcc -static $(BENCH_CFLAGS) -Iuser/lib/libosc -o $@ $< $(BUILD)/user/musl/libosc.a

$(BUILD)/user/bench/%: user/bench/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@musl-gcc -static $(BENCH_CFLAGS) -o $@ $<
