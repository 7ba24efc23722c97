# User space (included by the top Makefile): test programs built twice — musl
# (musl-gcc -static) and glibc (gcc -static) — into build/user/{musl,glibc}/tests/,
# /sbin/init with musl only, and the initramfs that carries them with busybox.

USER_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -Iuser/lib -Iuser/lib/libosc -pthread
MUSL_CC     ?= musl-gcc
GLIBC_CC    ?= gcc
BUSYBOX     ?= /bin/busybox

USER_TESTS      := $(sort $(basename $(notdir $(wildcard user/tests/*.c))))
USER_TESTS_MUSL := $(addprefix $(BUILD)/user/musl/tests/,$(USER_TESTS))
USER_TESTS_GLIBC:= $(addprefix $(BUILD)/user/glibc/tests/,$(USER_TESTS))
USER_INIT       := $(BUILD)/user/musl/init
USER_LAUNCH     := $(BUILD)/user/musl/osc-launch
USER_FUZZ       := $(BUILD)/user/musl/sysfuzz
USER_DEMO       := $(BUILD)/user/musl/osc-demo-window
USER_UI_DEMO    := $(BUILD)/user/musl/ui-demo
USER_DESKTOP    := $(BUILD)/user/musl/desktop
USER_TERMINAL   := $(BUILD)/user/musl/terminal
USER_SETTINGS   := $(BUILD)/user/musl/settings
USER_CANVAS     := $(BUILD)/user/musl/canvas
USER_MONITOR    := $(BUILD)/user/musl/monitor
USER_FILES      := $(BUILD)/user/musl/files
USER_BINS       := $(USER_TESTS_MUSL) $(USER_TESTS_GLIBC) $(USER_INIT) $(USER_LAUNCH) \
                   $(USER_FUZZ) $(USER_DEMO) $(USER_UI_DEMO) $(USER_DESKTOP) $(USER_TERMINAL) \
                   $(USER_SETTINGS) $(USER_CANVAS) $(USER_MONITOR) $(USER_FILES) $(BUILD)/user/musl/libui.so

.PHONY: user user-tests-host initramfs
user: $(USER_BINS)

# libosc (user/lib/libosc): the platform calls and compositor ioctls, a static
# library per C library that every test, the demo, libui's programs and the
# benchmark link.
LIBOSC_SRCS   := $(wildcard user/lib/libosc/*.c)
LIBOSC_MUSL   := $(BUILD)/user/musl/libosc.a
LIBOSC_GLIBC  := $(BUILD)/user/glibc/libosc.a
LIBOSC_HDRS   := user/lib/libosc/osc.h kernel/include/uapi/osc_compositor.h
$(BUILD)/user/musl/libosc/%.o: user/lib/libosc/%.c $(LIBOSC_HDRS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) -fPIC -c -o $@ $<
$(BUILD)/user/glibc/libosc/%.o: user/lib/libosc/%.c $(LIBOSC_HDRS)
	@mkdir -p $(dir $@)
	@echo "  GLIBCC  $@"
	@$(GLIBC_CC) $(USER_CFLAGS) -c -o $@ $<
$(LIBOSC_MUSL): $(patsubst user/lib/libosc/%.c,$(BUILD)/user/musl/libosc/%.o,$(LIBOSC_SRCS))
	@rm -f $@
	@$(AR) rcs $@ $^
$(LIBOSC_GLIBC): $(patsubst user/lib/libosc/%.c,$(BUILD)/user/glibc/libosc/%.o,$(LIBOSC_SRCS))
	@rm -f $@
	@$(AR) rcs $@ $^

$(BUILD)/user/musl/tests/%: user/tests/%.c user/lib/testlib.h $(wildcard user/tests/*.h) $(LIBOSC_MUSL)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) -static $(USER_CFLAGS) $(MUSL_GFX_CFLAGS) -o $@ $< $(MUSL_GFX_LIBS) $(LIBOSC_MUSL)

$(BUILD)/user/glibc/tests/%: user/tests/%.c user/lib/testlib.h $(wildcard user/tests/*.h) $(LIBOSC_GLIBC)
	@mkdir -p $(dir $@)
	@echo "  GLIBCC  $@"
	@$(GLIBC_CC) -static $(USER_CFLAGS) $(GLIBC_GFX_FLAGS) -o $@ $< $(GLIBC_GFX_LIBS) $(LIBOSC_GLIBC)

# Programs that draw link the graphics libraries: for musl the sysroot that
# tools/sysroot.sh builds from Debian's sources, for glibc Debian's static archives.
# libui (user/lib/libui) is built as a static library per C library and linked
# with them.
SYSROOT       := $(BUILD)/sysroot/musl
SYSROOT_STAMP := $(SYSROOT)/.built-v1
GFX_USERS     := gfxlibs ui_render ui_widgets ui_hooks ui_dialogs ui_menus ui_scale
MUSL_GFX_INC  := -I$(SYSROOT)/include -I$(SYSROOT)/include/freetype2 -I$(SYSROOT)/include/pixman-1 \
                 -Iuser/lib/libui
MUSL_GFX_LIB  := -L$(SYSROOT)/lib -lfreetype -lpng16 -lz -lpixman-1 -lm
GLIBC_GFX_INC  = $(shell pkg-config --cflags freetype2 pixman-1 libpng) -Iuser/lib/libui
GLIBC_GFX_LIB  = $(shell pkg-config --static --libs freetype2 pixman-1 libpng)
LIBUI_SRCS    := $(wildcard user/lib/libui/*.c)
LIBUI_MUSL    := $(BUILD)/user/musl/libui.a
LIBUI_GLIBC   := $(BUILD)/user/glibc/libui.a
LIBUI_SO      := $(BUILD)/user/musl/libui.so
# How an app links: dynamically, against libui.so (and musl's libc.so).
MUSL_APP_LIBS := -L$(BUILD)/user/musl -lui -lm
$(SYSROOT_STAMP): tools/sysroot.sh
	@bash tools/sysroot.sh && touch $@

$(BUILD)/user/musl/libui/%.o: user/lib/libui/%.c $(wildcard user/lib/libui/*.h) $(LIBOSC_HDRS) $(SYSROOT_STAMP) user/user.mk
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) -fPIC $(MUSL_GFX_INC) -c -o $@ $<
$(BUILD)/user/glibc/libui/%.o: user/lib/libui/%.c $(wildcard user/lib/libui/*.h) $(LIBOSC_HDRS)
	@mkdir -p $(dir $@)
	@echo "  GLIBCC  $@"
	@$(GLIBC_CC) $(USER_CFLAGS) $(GLIBC_GFX_INC) -c -o $@ $<
$(LIBUI_MUSL): $(patsubst user/lib/libui/%.c,$(BUILD)/user/musl/libui/%.o,$(LIBUI_SRCS))
	@$(AR) rcs $@ $^
$(LIBUI_GLIBC): $(patsubst user/lib/libui/%.c,$(BUILD)/user/glibc/libui/%.o,$(LIBUI_SRCS))
	@$(AR) rcs $@ $^
# The apps share one libui.so that carries libosc, FreeType, libpng, zlib and pixman too
# (whole archives: apps call them directly), loaded by musl's own dynamic linker
# from /usr/lib. Linked statically, each app was 1.5 MB of which 1.45 MB were these
# libraries, and GRUB reading the archive is most of the boot (docs/performance.md).
$(LIBUI_SO): $(patsubst user/lib/libui/%.c,$(BUILD)/user/musl/libui/%.o,$(LIBUI_SRCS)) $(SYSROOT_STAMP) \
             $(LIBOSC_MUSL)
	@echo "  MUSLLD  $@"
	@$(MUSL_CC) -shared -Wl,-soname,libui.so -Wl,-z,defs -o $@ $(filter %.o,$^) \
	    -Wl,--whole-archive $(LIBOSC_MUSL) $(SYSROOT)/lib/libfreetype.a $(SYSROOT)/lib/libpng16.a \
	    $(SYSROOT)/lib/libz.a $(SYSROOT)/lib/libpixman-1.a -Wl,--no-whole-archive -lm -pthread

$(addprefix $(BUILD)/user/musl/tests/,$(GFX_USERS)): $(SYSROOT_STAMP) $(LIBUI_MUSL)
$(addprefix $(BUILD)/user/musl/tests/,$(GFX_USERS)): MUSL_GFX_CFLAGS = $(MUSL_GFX_INC)
$(addprefix $(BUILD)/user/musl/tests/,$(GFX_USERS)): MUSL_GFX_LIBS = $(LIBUI_MUSL) $(LIBOSC_MUSL) $(MUSL_GFX_LIB)
$(addprefix $(BUILD)/user/glibc/tests/,$(GFX_USERS)): $(LIBUI_GLIBC)
$(addprefix $(BUILD)/user/glibc/tests/,$(GFX_USERS)): GLIBC_GFX_FLAGS = $(GLIBC_GFX_INC)
$(addprefix $(BUILD)/user/glibc/tests/,$(GFX_USERS)): GLIBC_GFX_LIBS = $(LIBUI_GLIBC) $(LIBOSC_GLIBC) $(GLIBC_GFX_LIB)

$(USER_INIT): user/init/init.c user/init/root.c user/init/init.h
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) -static $(USER_CFLAGS) -o $@ $(filter %.c,$^)

$(USER_LAUNCH): user/osc-launch/osc-launch.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) -static $(USER_CFLAGS) -o $@ $<

$(USER_FUZZ): user/fuzz/sysfuzz.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) -static $(USER_CFLAGS) -o $@ $<

$(USER_DEMO): user/demo/osc-demo-window.c $(LIBOSC_MUSL)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) -static $(USER_CFLAGS) -o $@ $< $(LIBOSC_MUSL)

$(USER_UI_DEMO) $(USER_DESKTOP) $(USER_TERMINAL) $(USER_SETTINGS) $(USER_CANVAS) $(USER_MONITOR) \
    $(USER_FILES): $(LIBOSC_MUSL)
$(USER_UI_DEMO): user/apps/demo/ui-demo.c $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -o $@ $< $(MUSL_APP_LIBS)

$(USER_DESKTOP): user/apps/shell/shell.c user/apps/shell/bundle.c user/apps/shell/bundle.h \
                 $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -Iuser/apps/shell -o $@ \
	    user/apps/shell/shell.c user/apps/shell/bundle.c $(MUSL_APP_LIBS)

# The Terminal app: the vt engine (host-tested) under a compositor surface.
TERMINAL_SRCS := $(wildcard user/apps/terminal/*.c)
$(USER_TERMINAL): $(TERMINAL_SRCS) $(wildcard user/apps/terminal/*.h) $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -Iuser/apps/terminal -o $@ $(TERMINAL_SRCS) \
	    $(MUSL_APP_LIBS)

# The Settings app (settings persist through libui's ui_settings.c).
SETTINGS_SRCS := $(wildcard user/apps/settings/*.c)
$(USER_SETTINGS): $(SETTINGS_SRCS) $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -o $@ $(SETTINGS_SRCS) $(MUSL_APP_LIBS)
# The Canvas and System Monitor apps (their pure logic is host-tested:
# tests/host/test_canvas_doc.c, test_procstat.c).
CANVAS_SRCS   := $(wildcard user/apps/canvas/*.c)
MONITOR_SRCS  := $(wildcard user/apps/monitor/*.c)
$(USER_CANVAS): $(CANVAS_SRCS) $(wildcard user/apps/canvas/*.h) $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -Iuser/apps/canvas -o $@ $(CANVAS_SRCS) \
	    $(MUSL_APP_LIBS)
$(USER_MONITOR): $(MONITOR_SRCS) $(wildcard user/apps/monitor/*.h) $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -Iuser/apps/monitor -o $@ $(MONITOR_SRCS) \
	    $(MUSL_APP_LIBS)
# The Files app: the folder model (host-tested), actions, icons and dialogs.
FILES_SRCS := $(wildcard user/apps/files/*.c)
$(USER_FILES): $(FILES_SRCS) $(wildcard user/apps/files/*.h) $(LIBUI_SO) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(USER_CFLAGS) $(MUSL_GFX_INC) -Iuser/apps/files -o $@ $(FILES_SRCS) \
	    $(MUSL_APP_LIBS)

# Every test program, both builds, on this host Linux (tests/user-host.sh).
user-tests-host: $(USER_TESTS_MUSL) $(USER_TESTS_GLIBC)
	@bash tests/user-host.sh

# The initramfs: tools/initramfs-manifest.sh lists busybox + applet links, init,
# /etc, the tests; tools/mkinitramfs.py packs it reproducibly.
initramfs: $(BUILD)/initramfs.cpio
# Every file packed (PROC_TEST_BINS: the process core's KTEST programs, from the
# top Makefile). The manifest is regenerated each time (a new test file changes it)
# but only rewritten when its text changes; the archive depends on the files too.
INITRAMFS_FILES := $(USER_BINS) $(PROC_TEST_BINS) $(wildcard tests/proc/script.sh) \
                   $(BUSYBOX) $(wildcard user/rootfs/etc/*) $(wildcard user/rootfs/Applications/*/*) \
                   $(BUILD)/rootfs/shadow $(BUILD)/icons/stamp
$(BUILD)/initramfs.manifest: $(INITRAMFS_FILES) tools/initramfs-manifest.sh FORCE
	@mkdir -p $(dir $@)
	@BUILD=$(BUILD) BUSYBOX=$(BUSYBOX) bash tools/initramfs-manifest.sh > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The bundles' icons (tools/mkicons.py draws them; /Applications/<X>.app/icon.png).
$(BUILD)/icons/stamp: tools/mkicons.py
	@echo "  ICONS   $(dir $@)"
	@python3 tools/mkicons.py $(dir $@) && touch $@

# /etc/shadow: SHA-512 crypt hashes of the default passwords (docs/security.md),
# with a salt fixed per user so the archive stays reproducible.
$(BUILD)/rootfs/shadow: user/user.mk
	@mkdir -p $(dir $@)
	@echo "  SHADOW  $@"
	@{ echo "root:$$(openssl passwd -6 -salt oscRootSalt root):20000:0:99999:7:::"; \
	   echo "user:$$(openssl passwd -6 -salt oscUserSalt user):20000:0:99999:7:::"; } > $@.tmp
	@mv $@.tmp $@

$(BUILD)/initramfs.cpio: $(BUILD)/initramfs.manifest $(INITRAMFS_FILES) tools/mkinitramfs.py
	@echo "  CPIO    $@"
	@python3 tools/mkinitramfs.py $< $@

# The product's archive (make run's desktop image): the same without the tests,
# its programs stripped of debug information (a tenth of their size, which GRUB
# would read at every boot).
PRODUCT_BINS := $(patsubst $(BUILD)/user/musl/%,$(BUILD)/product/%,\
                  $(filter $(BUILD)/user/musl/%,$(filter-out $(USER_TESTS_MUSL),$(USER_BINS))))
$(BUILD)/product/%: $(BUILD)/user/musl/%
	@mkdir -p $(dir $@)
	@strip -o $@ $<
$(BUILD)/initramfs-product.manifest: $(INITRAMFS_FILES) $(PRODUCT_BINS) tools/initramfs-manifest.sh FORCE
	@mkdir -p $(dir $@)
	@PRODUCT=1 BUILD=$(BUILD) BUSYBOX=$(BUSYBOX) bash tools/initramfs-manifest.sh | \
	    sed 's# $(BUILD)/user/musl/# $(BUILD)/product/#' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/initramfs-product.cpio: $(BUILD)/initramfs-product.manifest $(INITRAMFS_FILES) $(PRODUCT_BINS) \
                                 tools/mkinitramfs.py
	@echo "  CPIO    $@"
	@python3 tools/mkinitramfs.py $< $@
