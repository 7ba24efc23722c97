# OSCortex build. `make` builds build/oscortex.iso; `make run` boots it in QEMU;
# `make test` runs every test and ends with "N passed, N failed".

BUILD   := build
ARCH    := x86_64
CC      := gcc
LD      := ld
OBJCOPY := objcopy

KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
    -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
    -fstack-protector-strong -mstack-protector-guard=global \
    -fno-omit-frame-pointer -fno-strict-aliasing \
    -fno-asynchronous-unwind-tables \
    -Ikernel/include -Ikernel/arch/$(ARCH)/include -MMD -MP $(EXTRA_CFLAGS)
# `make DEBUG=1`: debug checks in the kernel (lock order: docs/locking.md).
ifeq ($(DEBUG),1)
KERNEL_CFLAGS += -DLOCK_DEBUG
endif
KERNEL_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
    -T kernel/arch/$(ARCH)/linker.ld

# Every .c and .S under kernel/ is part of the kernel; a subsystem adds files simply
# by creating them.
KERNEL_SRCS := $(filter-out kernel/arch/$(ARCH)/vdso/%,$(shell find kernel -name '*.c' -o -name '*.S' | sort))
KERNEL_OBJS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRCS))

# lwIP, the TCP/IP stack: Debian's `lwip` 2.1.3 source (its pristine upstream tarball),
# fetched and unpacked under build/third_party by tools/lwip-fetch.sh at build time,
# never committed. Compiled freestanding with its own include path: the port layer
# (kernel/net/lwip_port/include: arch/cc.h, arch/sys_arch.h, lwipopts.h and the few
# C library headers lwIP includes). The port's .c files are kernel sources built
# with the same include path.
# The source is the same for every BUILD= (DEBUG=1 builds into build/debug).
LWIP_DIR   := build/third_party/lwip
LWIP_STAMP := $(LWIP_DIR)/.unpacked-2.1.3+dfsg1
LWIP_SRCS  := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
    core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c \
    core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
    core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c core/ipv4/ip4.c \
    core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
    core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
    core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
    netif/ethernet.c api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/tcpip.c
LWIP_OBJS  := $(patsubst %.c,$(BUILD)/lwip/%.o,$(LWIP_SRCS))
LWIP_INC    = -nostdinc -isystem $(shell $(CC) -print-file-name=include) -D_LIBC_LIMITS_H_ \
    -Ikernel/net/lwip_port/include -I$(LWIP_DIR)/src/include
# lwIP's own code: the kernel's flags without -Werror/-Wextra (third-party warnings
# are not ours to fix).
LWIP_CFLAGS = $(filter-out -Werror -Wextra,$(KERNEL_CFLAGS)) $(LWIP_INC)

# (These rules come before `all`, so the default goal is named.)
.DEFAULT_GOAL := all
$(LWIP_STAMP): tools/lwip-fetch.sh
	@echo "  FETCH   lwip (Debian source package)"
	@bash tools/lwip-fetch.sh && touch $@

# The sources exist only once the stamp does, so they are named in the recipe.
$(LWIP_OBJS): $(BUILD)/lwip/%.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	@$(CC) $(LWIP_CFLAGS) -c $(LWIP_DIR)/src/$*.c -o $@

$(BUILD)/kernel/net/lwip_port/%: KERNEL_CFLAGS += $(LWIP_INC)
$(filter $(BUILD)/kernel/net/lwip_port/%,$(KERNEL_OBJS)): | $(LWIP_STAMP)
KERNEL_OBJS += $(LWIP_OBJS)

.PHONY: test-smp all kernel iso run test host-tests fuzz fuzz-syscalls setup clean bench
all: iso $(BUILD)/desktop.iso

setup:
	@bash tools/setup.sh

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Console fonts from Debian's console-setup-linux (tools/setup.sh installs it),
# unpacked at build time and embedded by kernel/gfx/font_data.S: Terminus 8x16 for
# text, Terminus Bold 16x32 for the splash title.
FONT_DIR      ?= /usr/share/consolefonts
CONSOLE_FONT  ?= Lat2-Terminus16
TITLE_FONT    ?= Lat2-TerminusBold32x16
$(BUILD)/fonts/console.psf: $(FONT_DIR)/$(CONSOLE_FONT).psf.gz
	@mkdir -p $(dir $@)
	@echo "  FONT    $<"
	@gunzip -c $< > $@.tmp && mv $@.tmp $@
$(BUILD)/fonts/title.psf: $(FONT_DIR)/$(TITLE_FONT).psf.gz
	@mkdir -p $(dir $@)
	@echo "  FONT    $<"
	@gunzip -c $< > $@.tmp && mv $@.tmp $@
$(FONT_DIR)/%.psf.gz:
	@echo "missing console font $@: run 'make setup' (package console-setup-linux)"; exit 1
$(BUILD)/kernel/gfx/font_data.S.o: $(BUILD)/fonts/console.psf $(BUILD)/fonts/title.psf
$(BUILD)/kernel/gfx/font_data.S.o: KERNEL_CFLAGS += -Wa,-I$(BUILD)/fonts

# The vDSO (kernel/arch/x86_64/vdso/): user-mode code, position-independent, no
# libc, linked by its own script into a small shared object that vdso_image.S embeds.
# It must need no relocation (it runs wherever it is mapped), which is checked.
VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -ffreestanding -fno-builtin \
    -nostdlib -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -fcf-protection=none -Ikernel/include
VDSO_DIR := kernel/arch/$(ARCH)/vdso
$(BUILD)/vdso/vdso.so: $(VDSO_DIR)/vdso.c $(VDSO_DIR)/vdso.lds kernel/include/osc/vdso_data.h
	@mkdir -p $(dir $@)
	@echo "  VDSO    $@"
	@$(CC) $(VDSO_CFLAGS) -c $< -o $(BUILD)/vdso/vdso.o
	@$(LD) -shared -soname=linux-vdso.so.1 --hash-style=both --build-id=none -Bsymbolic \
	    -z max-page-size=4096 -z noexecstack --no-undefined -T $(VDSO_DIR)/vdso.lds \
	    $(BUILD)/vdso/vdso.o -o $@.tmp
	@readelf -r $@.tmp | grep -q 'no relocations' || \
	    { echo "error: the vDSO has relocations"; readelf -r $@.tmp; exit 1; }
	@$(OBJCOPY) -S $@.tmp $@ && rm -f $@.tmp
$(BUILD)/kernel/arch/$(ARCH)/vdso_image.S.o: $(BUILD)/vdso/vdso.so
$(BUILD)/kernel/arch/$(ARCH)/vdso_image.S.o: KERNEL_CFLAGS += -Wa,-I$(BUILD)/vdso

kernel: $(BUILD)/kernel.elf

# Two-pass link for the built-in symbol table (tools/gensyms.py): pass 1 links with
# an empty table, its text symbols become the table, pass 2 links that in. The table
# sits after all text (linker.ld), so no function may move between the passes; the
# comparison below fails the build if one ever does.
$(BUILD)/ksyms_empty.S: tools/gensyms.py
	@mkdir -p $(dir $@)
	@python3 tools/gensyms.py --empty $@

$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(BUILD)/ksyms_empty.o kernel/arch/$(ARCH)/linker.ld
	@echo "  LD      $@"
	@$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms_empty.o

$(BUILD)/ksyms.S: $(BUILD)/kernel.pass1.elf tools/gensyms.py
	@echo "  SYMS    $@"
	@python3 tools/gensyms.py $< $@

$(BUILD)/ksyms_empty.o $(BUILD)/ksyms.o: %.o: %.S
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(BUILD)/kernel.pass1.elf $(BUILD)/ksyms.o
	@echo "  LD      $@"
	@$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	@nm -n --defined-only $(BUILD)/kernel.pass1.elf | grep ' [tTwW] ' > $(BUILD)/ksyms.pass1.txt
	@nm -n --defined-only $@ | grep ' [tTwW] ' > $(BUILD)/ksyms.pass2.txt
	@cmp -s $(BUILD)/ksyms.pass1.txt $(BUILD)/ksyms.pass2.txt || \
	    { echo "error: text symbols moved between link passes (see $(BUILD)/ksyms.pass*.txt)"; rm -f $@; exit 1; }

# Test user programs for the process KTESTs (tests/proc/*.c, musl static). The
# initramfs (user/user.mk, tools/initramfs-manifest.sh) packs them at /test.
PROC_TEST_BINS := $(patsubst tests/proc/%.c,$(BUILD)/proc-tests/%,$(wildcard tests/proc/*.c))
$(BUILD)/proc-tests/%: tests/proc/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

iso: $(BUILD)/oscortex.iso

$(BUILD)/oscortex.iso: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio tools/mkiso.sh
	@echo "  ISO     $@"
	@bash tools/mkiso.sh $@ ""

# make run boots the desktop: the product image (the archive without the test
# programs, initramfs-product.cpio) with `osc.desktop` on the command line;
# make run CONSOLE=1 the text console only; UEFI=1 boots with OVMF, not SeaBIOS.
UEFI ?= 0
CONSOLE ?= 0
$(BUILD)/desktop.iso: $(BUILD)/kernel-product.elf $(BUILD)/initramfs-product.cpio tools/mkiso.sh
	@echo "  ISO     $@"
	@KERNEL=$(BUILD)/kernel-product.elf INITRAMFS=$(BUILD)/initramfs-product.cpio \
	    bash tools/mkiso.sh $@ "osc.desktop=1"
# The product kernel without DWARF (panics name functions from the symbol table
# built into the kernel itself, build/ksyms.S).
$(BUILD)/kernel-product.elf: $(BUILD)/kernel.elf
	@strip -o $@ $<
# The user's home disk: an ext2 image labelled osc-home (init mounts it on
# /home/user), made once and kept, so settings and files survive `make run` after
# `make run`; `rm build/home.img` starts afresh. Attached as virtio-blk.
HOME_IMG := $(BUILD)/home.img
$(HOME_IMG):
	@bash tools/setup.sh --quiet
	@mkdir -p $(dir $@)
	@echo "  MKFS    $@ (ext2, 64 MiB, label osc-home)"
	@rm -f $@.tmp && mkfs.ext2 -q -F -L osc-home -E root_owner=1000:1000 $@.tmp 64M && mv $@.tmp $@
run: iso $(BUILD)/desktop.iso $(HOME_IMG)
	@bash tools/setup.sh --quiet
	UEFI=$(UEFI) HOME_IMG=$(HOME_IMG) bash tools/run.sh $(if $(filter 1,$(CONSOLE)),$(BUILD)/oscortex.iso,$(BUILD)/desktop.iso)

test:
	@bash tools/setup.sh --quiet
	bash tests/run-all.sh

# The longer multiprocessor runs (tests/run-smp.sh): the suite at -smp 4 and
# busybox's testsuite at -smp 2.
test-smp:
	@bash tools/setup.sh --quiet
	bash tests/run-smp.sh

# Host unit tests: every tests/host/test_*.c, built with ASan+UBSan together with
# the kernel sources its "host-test:" line names.
host-tests:
	@bash tests/host/run.sh

# libFuzzer runs over the ELF and cpio parsers (tests/fuzz/README.md); by hand only.
FUZZ_SECONDS ?= 20
fuzz:
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# The system-call fuzzer at length (tests/qemu/fuzz.py; make test runs 10^5 calls).
FUZZ_CALLS ?= 1000000
fuzz-syscalls:
	@bash tools/setup.sh --quiet
	python3 tests/qemu/fuzz.py --calls $(FUZZ_CALLS) --timeout 3000

# `make bench`: the same benchmark in OSCortex and in Debian's Linux on the same QEMU
# machine, alternating rounds (tools/bench.py, docs/performance.md). QUICK=1: one
# round with small counts, only checks that every figure is produced on both.
QUICK ?= 0
bench:
	@bash tools/setup.sh --quiet --bench
	python3 tools/bench.py $(if $(filter 1,$(QUICK)),--quick)
	python3 tools/desktop-budgets.py $(if $(filter 1,$(QUICK)),--runs 1)

include user/bench/bench.mk

clean:
	rm -rf $(BUILD)

include user/user.mk

# Objects depend on the flags they were built with, so switching DEBUG rebuilds
# everything (LOCK_DEBUG changes structure layouts).
$(BUILD)/cflags.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(KERNEL_CFLAGS)' | cmp -s - $@ || echo '$(KERNEL_CFLAGS)' > $@
$(KERNEL_OBJS): $(BUILD)/cflags.stamp
.PHONY: FORCE

-include $(KERNEL_OBJS:.o=.d)
