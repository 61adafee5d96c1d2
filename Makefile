# SPDX-License-Identifier: MIT
# wg-xdp: one entry point. `make` builds, `make check` runs every suite that can
# run here, `make demo` runs a real tunnel between namespaces. V=1 for commands.

VERSION := 0.1.0
BUILD   ?= build
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

WARN     := -Wall -Wextra -Werror
CPPFLAGS := -D_GNU_SOURCE -DWGX_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(BUILD)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -pthread -MMD -MP
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS   := -lbpf -lxdp -lelf -lz -lsodium -lb2 -lcrypto -lmnl -ljson-c -lmicrohttpd -lsystemd -lpthread -lm \
            $(shell pkg-config --libs libcurl yaml-0.1 2>/dev/null || echo -lcurl -lyaml)

# ---- BPF: x.bpf.c -> x.bpf.o -> x.skel.h (libbpf-bootstrap style) ----
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
ARCH_INC  := -I/usr/include/$(shell $(CC) -dumpmachine)
BPF_CFLAGS := -target bpf -g -O2 $(WARN) -Iinclude -Ibpf $(ARCH_INC) -D__BPF__

# ---- userspace: every user/*/ source but the CLI's main.c goes into libwgx.a ----
USER_SRCS := $(shell find user -name '*.c' | sort)
LIB_SRCS  := $(filter-out user/cli/main.c,$(USER_SRCS))
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(LIB_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/unit/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(BPFT_SRCS))
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRCS))
NETNS_TESTS := $(sort $(wildcard tests/netns/test-*.sh))
LINT_TESTS  := $(sort $(wildcard tests/lint/test-*.sh))
CLI_TESTS   := $(sort $(wildcard tests/cli/test-*.sh))

# ---- install: make install [PREFIX=/usr/local] [DESTDIR=] ----
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

PROVE := prove --exec '' --verbose --timer

.PHONY: all deps check check-lint check-unit check-bpf check-netns check-cli check-fuzz fuzz stress demo bench \
	bench-core profile clean vmtest image install uninstall man
.DEFAULT_GOAL := all
# Skeletons are intermediate files make would delete, forcing user/ to rebuild every time.
.SECONDARY: $(BPF_OBJS) $(BPF_SKELS)

all: $(BUILD)/wg-xdp $(BUILD)/wg-xdp.8

man: $(BUILD)/wg-xdp.8
$(BUILD)/wg-xdp.8: docs/wg-xdp.8.scd | deps-quiet
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scdoc <$< >$@.tmp && mv $@.tmp $@

# The binary, wg-xdp(8), wg-xdp@.service; the wg-quick@ drop-in as an example (README).
install: $(BUILD)/wg-xdp $(BUILD)/wg-xdp.8
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/wg-xdp)
	$(Q)install -D -m 0755 $(BUILD)/wg-xdp $(DESTDIR)$(BINDIR)/wg-xdp
	$(Q)install -D -m 0644 $(BUILD)/wg-xdp.8 $(DESTDIR)$(MANDIR)/man8/wg-xdp.8
	$(Q)install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/wg-xdp/wg-quick@.service.d
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' deploy/systemd/wg-xdp@.service \
		>$(DESTDIR)$(UNITDIR)/wg-xdp@.service
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' deploy/systemd/wg-quick@.service.d/wg-xdp.conf \
		>$(DESTDIR)$(DATADIR)/wg-xdp/wg-quick@.service.d/wg-xdp.conf
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/wg-xdp@.service \
		$(DESTDIR)$(DATADIR)/wg-xdp/wg-quick@.service.d/wg-xdp.conf

uninstall:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/wg-xdp $(DESTDIR)$(MANDIR)/man8/wg-xdp.8 \
		$(DESTDIR)$(UNITDIR)/wg-xdp@.service \
		$(DESTDIR)$(DATADIR)/wg-xdp/wg-quick@.service.d/wg-xdp.conf
	$(Q)rmdir -p $(DESTDIR)$(DATADIR)/wg-xdp/wg-quick@.service.d 2>/dev/null || true

deps:
	$(Q)bash scripts/deps.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/*.h) | deps-quiet
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(BPF_SKELS) | deps-quiet
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/user/%.o: user/%.c $(BPF_SKELS) | deps-quiet
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c $< -o $@

$(BUILD)/libwgx.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/libwgx.a: $(ASAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/wg-xdp: $(BUILD)/user/cli/main.o $(BUILD)/libwgx.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libwgx.a
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -o $@ $< $(BUILD)/libwgx.a $(LDLIBS)

$(BUILD)/asan/tests/unit/%: tests/unit/%.c $(BUILD)/asan/libwgx.a
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $< $(BUILD)/asan/libwgx.a $(LDLIBS)

# Install missing packages once per build tree (scripts/deps.sh is idempotent).
.PHONY: deps-quiet
deps-quiet: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: scripts/deps.sh
	$(Q)bash scripts/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

# ---- fuzzing: libFuzzer harnesses (clang), the library rebuilt with the same sanitizers ----
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(LIB_SRCS))
FUZZ_CFLAGS := -O1 -g -std=gnu11 $(WARN) -pthread -MMD -MP -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SECS ?= 60

$(BUILD)/fuzz/user/%.o: user/%.c $(BPF_SKELS) | deps-quiet
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libwgx.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libwgx.a
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) -Itests/fuzz -Itests/unit -Itests/bpf $(FUZZ_CFLAGS) -fsanitize=fuzzer \
		-o $@ $< $(BUILD)/fuzz/libwgx.a $(LDLIBS)

# `make fuzz`: every harness FUZZ_SECS seconds from a generated seed corpus
# (findings under build/fuzz/findings/); `make check` runs them briefly.
fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECS=$(FUZZ_SECS) BUILD=$(BUILD) bash tests/fuzz/run.sh $(FUZZ_BINS)

# `make stress`: the long load tests (tests/stress/), not part of `make check`.
STRESS_TESTS := $(sort $(wildcard tests/stress/test-*.sh))
# Built by check too, so that it keeps compiling; run only here.
STRESS_BINS := $(BUILD)/tests/stress/flood
stress: $(BUILD)/wg-xdp $(STRESS_BINS)
	$(Q)$(PROVE) $(STRESS_TESTS)

check-fuzz: $(FUZZ_BINS)
	$(Q)$(PROVE) tests/fuzz/test-fuzz.sh

# ---- test suites: everything runs through one prove, one closing summary ----
CHECK_BINS := $(UNIT_BINS) $(ASAN_BINS) $(BPFT_BINS)
CHECK_FUZZ := $(if $(FUZZ_BINS),tests/fuzz/test-fuzz.sh)

check-lint:
	$(Q)$(PROVE) $(LINT_TESTS)

check-unit: $(UNIT_BINS) $(ASAN_BINS)
	$(Q)$(PROVE) $^

check-bpf: $(BPFT_BINS) $(BPF_OBJS)
	$(Q)$(PROVE) $(BPFT_BINS)

check-netns: $(BUILD)/wg-xdp
	$(Q)$(PROVE) $(NETNS_TESTS)

check-cli: $(BUILD)/wg-xdp $(BUILD)/wg-xdp.8
	$(Q)$(PROVE) $(CLI_TESTS)

check: deps-quiet $(BUILD)/wg-xdp $(BUILD)/wg-xdp.8 $(CHECK_BINS) $(STRESS_BINS) $(BPF_OBJS) $(FUZZ_BINS)
	$(Q)BUILD=$(BUILD) $(PROVE) $(LINT_TESTS) $(CHECK_BINS) $(CLI_TESTS) $(CHECK_FUZZ) $(NETNS_TESTS)

# Suites inside Debian kernels under QEMU plus the host kernel: vmtest/run.sh.
vmtest: deps-quiet $(BUILD)/wg-xdp $(UNIT_BINS) $(BPFT_BINS) $(BPF_OBJS)
	$(Q)bash vmtest/run.sh $(VMTEST_ARGS)

# Container image from Debian packages (scripts/image.sh; cached by its inputs, ~1.5-3 min
# when they change). make check does not build it: test-k8s-image.sh SKIPs without it.
image: deps-quiet $(BUILD)/wg-xdp
	$(Q)bash scripts/image.sh $(BUILD)

demo: deps-quiet $(BUILD)/wg-xdp
	$(Q)bash scripts/demo.sh

bench-core: $(BENCH_BINS)
	$(Q)for b in $(BENCH_BINS); do $$b; done

bench: deps-quiet $(BUILD)/wg-xdp $(BENCH_BINS)
	$(Q)bash scripts/bench.sh $(BENCH_ARGS)

profile: deps-quiet $(BUILD)/wg-xdp
	$(Q)bash scripts/bench.sh --profile $(BENCH_ARGS)

clean:
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
