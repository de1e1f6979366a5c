# sabuf: SharedArrayBuffer and Atomics for C on Linux.
#
#   make              build the module (for the VM's kernel), libsabuf, the
#                     sabuf tool, the selftests, the examples and the Node.js
#                     binding; installs no package (see "Which kernel" below)
#   make demo         the module, libsabuf, the tool and the examples, then
#                     boot the VM and run the examples there (quietly; ~3 min)
#   make check        ... then boot the VM and run every selftest there;
#                     ends with "N passed, N failed"
#   make check T=wait_test    only the named test binaries (space-separated)
#   make check-debug  the same on the debug kernel (KASAN, lockdep, kmemleak,
#                     UBSAN, fault injection; tools/debug-kernel/, built once
#                     in ~10 min and cached in ~/.cache/sabuf); a full run
#                     includes make check-module-sig
#   make check-module-sig  the debug kernel booted with module.sig_enforce=1:
#                     the module signed by make install SIGN_KEY=... loads,
#                     unsigned or foreign-signed ones are refused (one VM boot)
#   make check-rt     the same on Debian's PREEMPT_RT kernel
#   make check-kernels  the same on every supported kernel: Debian 12's stock
#                     and PREEMPT_RT, the debug build, Debian 13's 6.12 and
#                     unstable's newest (fetched as packages into
#                     ~/.cache/sabuf/kernels); make check-kernel SUITE=trixie|sid
#                     for one of the last two. The Node.js binding's tests run
#                     with each release's own node: Debian 12's 18 (rt),
#                     13's 20 (trixie; for those two five of the files,
#                     NODE_VERSION_TESTS), unstable's newest; a line per node
#   make check-node-versions  only the binding's tests, with those three nodes,
#                     on the default kernel; a line per node
#   make check-compilers  the userspace with GCC 12, clang and GCC 14, -Werror
#   make check-arm64  the module and libsabuf cross-built for arm64
#   make deb          Debian packages in build/deb/ (debian/); make check-deb
#                     installs them in a fresh Debian 12 root and tries them
#   make bench        benchmarks against futex, pthread and Node.js (bench/)
#   make stress       torture, fuzzer, faults, leaks, reloads in the VM (stress/);
#                     make stress-debug on the debug kernel
#   make deps         install the Debian packages that are missing (the VM's:
#                     QEMU, Debian's kernel and headers, linux-source, ...)
#   make install      the module (+ depmod) for the running kernel, libsabuf,
#                     its headers and pkg-config file, the sabuf tool, the man
#                     pages, the udev rule and the Node.js module, under
#                     DESTDIR and PREFIX (/usr/local); make uninstall.
#                     SIGN_KEY=key.pem SIGN_CERT=cert.der (or .pem): sign the
#                     installed module with the kernel's scripts/sign-file
#   make modules_install   the module, into /lib/modules of KDIR's kernel
#   make clean        remove everything built
#
# Which kernel. Only the targets that boot the VM (demo, check*, bench,
# stress, module-debug, ...) install packages (tools/install-deps, with
# sudo); make, make module lib cli, make KDIR=... and make install never do.
#   make, make module  build the module for the VM's kernel (Debian's newest
#                      -amd64 with headers, tools/vm/kernel-release); when
#                      there is none, it stops and names both ways out:
#                      `make deps` (the VM's kernel), or KDIR=
#   make install       builds and installs for the running kernel, uname -r
#   KDIR=/lib/modules/$(uname -r)/build   the module for the kernel of that
#                      tree (its release read from it)
#   KERNELRELEASE=R    the kernel R, headers from /lib/modules/R/build
#

# Everything generated goes under build/, except kbuild's objects, which it
# keeps next to the sources.

BUILD    := $(CURDIR)/build
KSFT_DIR := $(BUILD)/kselftest
UAPI     := $(CURDIR)/uapi

# The goals that install their packages and boot the VM (or need its kernel).
VM_GOALS := deps demo check check-debug check-rt check-kernel check-kernels \
	check-node check-node-versions check-module-sig kernel-deps module-for module-debug \
	bench bench-node stress stress-debug check-deb check-compilers check-arm64
# The goals that install onto this machine: for the running kernel.
INSTALL_GOALS := install install-built uninstall modules_install
ifneq ($(filter $(VM_GOALS),$(MAKECMDGOALS)),)
NEED_DEPS := deps
endif

# KDIR given: the release is that tree's (its utsrelease.h, which the
# module's vermagic is made of). Else KERNELRELEASE: given, or uname -r for
# the install goals, or the VM's kernel. Lazily expanded (recipes run after
# `deps`, which may install the VM's kernel).
ifdef KDIR
KERNELRELEASE ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
else ifneq ($(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),)
ifeq ($(filter $(VM_GOALS),$(MAKECMDGOALS)),)
KERNELRELEASE ?= $(shell uname -r)
endif
endif
KERNELRELEASE ?= $(shell tools/vm/kernel-release)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KERNELRELEASE)/build) \
                    /usr/src/linux-headers-$(KERNELRELEASE))
# Kbuild has its own KERNELRELEASE: never hand ours down to it.
MAKEOVERRIDES := $(filter-out KERNELRELEASE=%,$(MAKEOVERRIDES))

LINUX_SOURCE := /usr/src/linux-source-6.12.tar.xz
# The harness and the header it includes; nothing else of the tarball.
KSFT_HEADERS := kselftest_harness.h kselftest.h

# What every sub-make gets.
SUBMAKE_VARS := BUILD=$(BUILD) KSFT_DIR=$(KSFT_DIR) UAPI=$(UAPI)
# $(call submake,DIR): build DIR if its Makefile exists yet.
submake = @if [ -f $(1)/Makefile ]; then \
		$(MAKE) -C $(1) $(SUBMAKE_VARS); \
	else \
		echo "make: skipping $(1)/ (no Makefile yet)"; \
	fi

.PHONY: all deps module kselftest lib cli selftests selftests-lib examples \
	check check-debug check-rt check-kernel check-kernels check-compilers kernel-deps module-for module-debug demo bench install install-built uninstall modules_install clean \
	check-module-sig

all: module lib cli selftests selftests-lib examples

deps:
	@tools/install-deps

module: | $(NEED_DEPS)
	@if [ ! -f Kbuild ]; then echo "make: skipping the module (no Kbuild yet)"; exit 0; fi; \
	if [ -z "$(KERNELRELEASE)" ]; then \
		echo "make: no kernel to build the module for: the VM's (Debian's newest -amd64" \
		     "kernel with its headers) is not installed. Either install it with the VM's" \
		     "other packages, \`make deps\` (or run \`make demo\`/\`make check\`, which do)," \
		     "or build for the kernel you run: \`make KDIR=/lib/modules/$$(uname -r)/build\`" \
		     "(headers: apt-get install linux-headers-$$(uname -r))." >&2; \
		exit 1; \
	fi; \
	if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "make: no kernel headers for $(KERNELRELEASE) at '$(KDIR)'. Install them" \
		     "(apt-get install linux-headers-$(KERNELRELEASE)), or name another kernel" \
		     "with KDIR= or KERNELRELEASE=." >&2; \
		exit 1; \
	fi; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The module for another kernel than the default one, built in a copy of its
# sources under build/module/RELEASE/, so that the default build's objects in
# kmod/ stay as they are. W=1e: W=1's extra warnings on, and any warning fails
# the build.
#   make module-for KERNELRELEASE=6.1.0-56-rt-amd64    (against its headers)
#   make module-debug                                   (against the debug kernel)
MODULE_COPY = $(BUILD)/module/$(KERNELRELEASE)
module-for: | $(NEED_DEPS)
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "make: no kernel tree at '$(KDIR)' for '$(KERNELRELEASE)'" >&2; exit 1; \
	fi
	@mkdir -p $(MODULE_COPY)/kmod
	@cp -a Kbuild uapi $(MODULE_COPY)/
	@cp -a kmod/*.[ch] $(MODULE_COPY)/kmod/
	$(MAKE) -C $(KDIR) M=$(MODULE_COPY) W=1e modules

# The debug kernel is built (about 10 minutes) or reused from ~/.cache/sabuf.
module-debug: | $(NEED_DEPS)
	@tools/install-deps flex bison bc libelf-dev libssl-dev openssl
	@env=$$(tools/debug-kernel/build) && eval "$$env" && \
	$(MAKE) --no-print-directory module-for \
		KERNELRELEASE=$$SABUF_DEBUG_KERNEL_RELEASE KDIR=$$SABUF_DEBUG_KERNEL_KDIR

# Without the VM's packages (no linux-source: a real machine), `make`
# leaves the selftests out and says so; the check targets install it.
kselftest: $(if $(NEED_DEPS)$(wildcard $(LINUX_SOURCE)),$(addprefix $(KSFT_DIR)/,$(KSFT_HEADERS))) | $(NEED_DEPS)

# A pattern rule with two targets is one recipe run that makes both (the
# stem is "kselftest"): one pass over the tarball, which --occurrence cuts
# short once both members are out. -m: stamped now, so that they count as
# newer than the tarball.
$(KSFT_DIR)/%_harness.h $(KSFT_DIR)/%.h: $(LINUX_SOURCE) | $(NEED_DEPS)
	@echo "  EXTRACT $(KSFT_HEADERS) from $(LINUX_SOURCE)"
	@rm -rf $(KSFT_DIR).tmp && mkdir -p $(KSFT_DIR).tmp $(KSFT_DIR)
	@tar -xJmf $(LINUX_SOURCE) -C $(KSFT_DIR).tmp --strip-components=4 \
		--wildcards --occurrence=1 \
		$(foreach h,$(KSFT_HEADERS),'*/tools/testing/selftests/$(h)')
	@for h in $(KSFT_HEADERS); do mv $(KSFT_DIR).tmp/$$h $(KSFT_DIR)/$$h; done
	@rm -rf $(KSFT_DIR).tmp

$(LINUX_SOURCE): | $(NEED_DEPS)

lib: | $(NEED_DEPS)
	$(call submake,lib)

cli: | $(NEED_DEPS)
	@echo '#include <libmnl/libmnl.h>' | $(CC) -E -x c - >/dev/null 2>&1 || { \
		echo "make: the sabuf tool needs libmnl's headers: apt-get install libmnl-dev" \
		     "(or make deps)" >&2; exit 1; }
	$(call submake,tools/cli)

# (the harness comes from linux-source-6.12's tarball, a VM package)
no_harness = $(if $(wildcard $(KSFT_DIR)/kselftest_harness.h),,@echo "make: skipping \
	$(1): no $(LINUX_SOURCE) for kselftest_harness.h (make deps installs it; \
	make check does)")

selftests: kselftest
	$(or $(call no_harness,the selftests),$(call submake,selftests))

selftests-lib: kselftest lib
	$(or $(call no_harness,the library tests),$(call submake,selftests/lib))

examples: lib
	$(call submake,examples)

# The VM runs with the module built here (its vermagic picks the kernel).
check: all | $(NEED_DEPS)
	@tools/sabuf-check $(T)

# The same suite on the debug kernel (KASAN, lockdep, kmemleak, UBSAN, ...).
check-debug: all module-debug
	@tools/sabuf-check --debug-kernel $(T)

# A kernel that enforces module signatures (the debug kernel, booted with
# module.sig_enforce=1): the module signed by make install SIGN_KEY=...
# loads, an unsigned one and one signed by an untrusted key are refused
# (tools/check-module-sig; also part of a full make check-debug).
check-module-sig: all module-debug
	@tools/check-module-sig

# ... and on Debian's PREEMPT_RT kernel (installed on first use).
check-rt: all
	@rel=$$(tools/vm/kernel-release --rt) || { \
		tools/install-deps linux-image-rt-amd64 linux-headers-rt-amd64 && \
		rel=$$(tools/vm/kernel-release --rt); } && \
	$(MAKE) --no-print-directory module-for KERNELRELEASE=$$rel && \
	tools/sabuf-check --rt $(T)

# The suite on another Debian release's newest kernel, fetched as packages
# into ~/.cache/sabuf/kernels/ (tools/kernels/fetch: nothing is installed on
# this machine) with the module built in a root of that release, by its own
# compiler, W=1 with warnings as errors (tools/kernels/build-module).
#   make check-kernel SUITE=trixie      Debian 13's 6.12
#   make check-kernel SUITE=sid         Debian unstable's newest (7.x)
SUITE ?= trixie
check-kernel: all kernel-deps
	@env=$$(tools/kernels/build-module $(SUITE)) && eval "$$env" && \
	tools/sabuf-check --kernel "$$KERNEL_RELEASE" $(T)

# Everything a kernel of another release needs on this machine.
kernel-deps: deps
	@tools/install-deps mmdebstrap zstd

# The whole suite on every supported kernel (tools/check-kernels): stock,
# debug, rt, trixie, unstable; the Node binding's tests with the machine's
# node on stock, Debian 12's on rt, Debian 13's on trixie, unstable's on
# unstable. One summary line per kernel, one per node, then
# "N passed, N failed". SKIP_KERNELS="stock ..." leaves some out.
check-kernels: all kernel-deps
	@tools/check-kernels $(if $(SKIP_KERNELS),--skip "$(SKIP_KERNELS)") $(KERNELS)

# libsabuf, the CLI, examples, selftests and bench with GCC 12, clang and
# (in a trixie root) GCC 14, -Werror; <sabuf.h> as C11-C23 and C++11-23.
check-compilers: kselftest kernel-deps
	@tools/check-compilers $(COMPILERS)

# Debian packages (debian/): sabuf-dkms, libsabuf0, libsabuf-dev,
# sabuf-tools and node-sabuf in build/deb/, made with dpkg-buildpackage in
# a clean Debian 12 root (cached), lintian-clean (tools/make-deb; DEB_HOST=1:
# on this machine, all but node-sabuf). check-deb installs them into a
# fresh Debian 12 root, checks that DKMS built the module for the VM's
# kernel, that the README's example compiles with pkg-config and that
# Debian's node loads the module, and runs the example and a Node.js
# program in the VM with that module (tools/check-deb).
.PHONY: deb check-deb check-arm64
deb:
	@tools/make-deb $(if $(DEB_HOST),--host)

check-deb: deb kernel-deps
	@tools/check-deb

# arm64: the module cross-built (W=1, warnings as errors) against Debian
# 12's arm64 headers, and libsabuf with aarch64-linux-gnu-gcc
# (tools/kernels/check-arm64).
check-arm64: kernel-deps
	@tools/kernels/check-arm64

# Only what the demo runs, quietly: the compiler's command lines, the
# selftests, the -m32 builds and the header checks are for make and make
# check. With node, the Node.js addon too, for the JavaScript examples.
demo: | $(NEED_DEPS)
	@echo "make demo: building the module, libsabuf, the sabuf tool, the examples" \
	     "and the Node.js addon (about a minute), then booting the VM to run the" \
	     "examples (about two minutes under software emulation) ..."
	@$(MAKE) -s --no-print-directory module lib cli examples
	@if command -v node >/dev/null || command -v nodejs >/dev/null; then \
		$(MAKE) -s --no-print-directory node >/dev/null; fi
	@n=$$(command -v node || command -v nodejs); add=; \
	if [ -n "$$n" ] && [ -d build/node/sabuf-node ]; then \
		add="--add $$(readlink -f $$n) --add $(CURDIR)/build/node/sabuf-node"; fi; \
	tools/sabuf-vm $$add -- sabuf-run-demo

# Long-running proof (stress/README.md): torture (10^6 wait/notify handoffs),
# the fuzzer, fault injection, leak and reload cycles, in the VM.
#   make stress             the standard profile on the stock kernel
#   make stress-debug       the same on the debug kernel, where fault
#                           injection and kmemleak are live
#   STRESS_PROFILE=--full   the fuzzer for ten minutes, torture unbounded
STRESS_PROFILE ?= --standard

stress: all
	$(call submake,stress)
	@tools/sabuf-vm --add $(BUILD)/stress -- run-stress $(STRESS_PROFILE)

stress-debug: all module-debug
	$(call submake,stress)
	@tools/sabuf-vm --debug-kernel --add $(BUILD)/stress -- run-stress $(STRESS_PROFILE)

# Benchmarks against the peers (bench/README.md): the atomics under
# callgrind on the host, everything else in one VM boot. Writes
# build/bench.json, build/bench/table.txt and build/bench/pingpong-latency.png.
# Node.js: the machine's own, else Debian's nodejs.
bench: all
	@tools/install-deps gnuplot-nox valgrind
	@command -v node >/dev/null || command -v nodejs >/dev/null || tools/install-deps nodejs
	$(call submake,bench)
	@bench/run-bench

# make install / make uninstall: everything a user gets, under DESTDIR and
# PREFIX (default /usr/local). The module goes to the kernel's own tree,
# /lib/modules/$(KERNELRELEASE)/updates (uname -r unless KERNELRELEASE or
# KDIR say otherwise), followed by depmod; install-built refuses a sabuf.ko
# whose vermagic names another release. SIGN_KEY and SIGN_CERT: the
# installed module is signed with them by KDIR's scripts/sign-file (hash:
# the kernel's CONFIG_MODULE_SIG_HASH), for a kernel that enforces module
# signatures (Secure Boot: README, "Secure Boot"). The Node.js module goes to
# $(PREFIX)/lib/node/sabuf (NODE_MODULES_DIR), where a node installed under
# the same prefix looks (another node: NODE_PATH=$(PREFIX)/lib/node). With DESTDIR
# set, depmod -b DESTDIR runs only when DESTDIR holds that kernel's
# modules.order (a real root, like the VM's); a bare staging directory is a
# package in the making, whose target runs depmod itself. uninstall removes
# exactly what install wrote.
PREFIX   ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
UDEVDIR  ?= /etc/udev/rules.d
MODDIR   = /lib/modules/$(KERNELRELEASE)/updates
DEPMOD   ?= depmod
define run_depmod
	@if ! command -v $(DEPMOD) >/dev/null && [ ! -x /sbin/$(DEPMOD) ]; then \
		echo "  DEPMOD  skipped: no $(DEPMOD) here (Debian: apt-get install kmod); run 'depmod $(KERNELRELEASE)' before modprobe"; \
	elif [ -z "$(DESTDIR)" ] || [ -e "$(DESTDIR)/lib/modules/$(KERNELRELEASE)/modules.order" ]; then \
		echo "  DEPMOD  $(KERNELRELEASE)"; PATH="$$PATH:/sbin:/usr/sbin" $(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) $(KERNELRELEASE); \
	else \
		echo "  DEPMOD  skipped: $(DESTDIR) has no kernel tree; run 'depmod $(KERNELRELEASE)' on the target"; \
	fi
endef
INSTALL_SUBDIRS := lib tools/cli man
NODE_MODULES_DIR ?= $(PREFIX)/lib/node
INSTALL_VARS := $(SUBMAKE_VARS) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
	NODE_MODULES_DIR=$(NODE_MODULES_DIR)

# The module to install; the VM rig names the one it boots with.
SABUF_KO ?= sabuf.ko
MODINFO  ?= $(firstword $(shell command -v modinfo /sbin/modinfo 2>/dev/null))
# The release a .ko is built for, from its vermagic: modinfo's (kmod), or
# read from its .modinfo section with binutils' objcopy where kmod is absent
# (a build root; every machine that loads modules has kmod).
ko_release = { $(if $(MODINFO),$(MODINFO) -F vermagic $(1),objcopy -O binary \
	--only-section=.modinfo $(1) /dev/stdout | tr '\0' '\n' | sed -n 's/^vermagic=//p'); } \
	| sed 's/ .*//'
SIGN_FILE ?= $(KDIR)/scripts/sign-file
SIGN_HASH ?= $(or $(shell sed -n 's/^CONFIG_MODULE_SIG_HASH="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' \
	$(KDIR)/include/config/auto.conf 2>/dev/null),sha256)

install: module lib cli node
	@$(MAKE) --no-print-directory install-built KERNELRELEASE=$(KERNELRELEASE)

# install without building first (the VM rig's way into the VM's root)
install-built:
	@[ -r $(SABUF_KO) ] || { echo "make: no $(SABUF_KO) to install: build it first (make)" >&2; exit 1; }
	@release=$$($(call ko_release,$(SABUF_KO))) && \
	[ "$$release" = "$(KERNELRELEASE)" ] || { \
		echo "make: $(SABUF_KO) is built for '$$release', not for" \
		     "'$(KERNELRELEASE)' (uname -r, or KERNELRELEASE/KDIR): run make install" \
		     "with the same KDIR/KERNELRELEASE as the build" >&2; exit 1; }
	@if [ -n "$(SIGN_KEY)$(SIGN_CERT)" ]; then \
		[ -r "$(SIGN_KEY)" ] && [ -r "$(SIGN_CERT)" ] || { echo "make: SIGN_KEY and SIGN_CERT" \
			"must both name readable files (the private key, PEM; its certificate)" >&2; exit 1; }; \
		[ -x "$(SIGN_FILE)" ] || { echo "make: no $(SIGN_FILE) to sign with (the kernel's" \
			"headers have it; or SIGN_FILE=)" >&2; exit 1; }; \
	fi
	@for d in $(INSTALL_SUBDIRS); do \
		$(MAKE) -C $$d $(INSTALL_VARS) install || exit 1; \
	done
	install -D -m 0644 $(SABUF_KO) $(DESTDIR)$(MODDIR)/sabuf.ko
	$(if $(SIGN_KEY),$(SIGN_FILE) $(SIGN_HASH) $(SIGN_KEY) $(SIGN_CERT) $(DESTDIR)$(MODDIR)/sabuf.ko)
	install -D -m 0644 uapi/linux/sabuf.h $(DESTDIR)$(INCLUDEDIR)/linux/sabuf.h
	install -D -m 0644 uapi/linux/sabuf_netlink.h $(DESTDIR)$(INCLUDEDIR)/linux/sabuf_netlink.h
	install -D -m 0644 kmod/60-sabuf.rules $(DESTDIR)$(UDEVDIR)/60-sabuf.rules
	$(run_depmod)

uninstall:
	@for d in $(INSTALL_SUBDIRS); do \
		$(MAKE) -C $$d $(INSTALL_VARS) uninstall || exit 1; \
	done
	rm -f $(DESTDIR)$(MODDIR)/sabuf.ko $(DESTDIR)$(UDEVDIR)/60-sabuf.rules
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/sabuf.h $(DESTDIR)$(INCLUDEDIR)/linux/sabuf_netlink.h
	$(if $(DESTDIR),-rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(MODDIR) \
		$(DESTDIR)$(UDEVDIR) $(DESTDIR)$(INCLUDEDIR)/linux 2>/dev/null)
	$(run_depmod)

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	@if [ -f Kbuild ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	@for d in lib tools/cli selftests selftests/lib examples bench stress; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d $(SUBMAKE_VARS) clean; fi; \
	done
	rm -rf $(BUILD)

# The Node.js binding (bindings/node/): part of `make` (skipped when there
# is no node with headers), of `make install` (into $(PREFIX)/lib/node/sabuf)
# and of `make check` (the selftests node_*_test; the VM goals install
# Debian's nodejs when there is no node); alone, in the VM with this
# machine's node: make check-node (T=test/x.test.js for one file).
.PHONY: node check-node bench-node
all: node
INSTALL_SUBDIRS += bindings/node
node: lib
	$(if $(NEED_DEPS),@command -v node >/dev/null || command -v nodejs >/dev/null || \
		tools/install-deps nodejs libnode-dev)
	$(call submake,bindings/node)

check-node: all node
	@node=$$(readlink -f "$$(command -v node || command -v nodejs)") && \
	tools/sabuf-vm --add "$$node" --add $(BUILD)/node/sabuf-node -- sabuf-node-tests $(T)

# The binding's tests with each Debian release's own node (tools/check-node-versions):
# Debian 12's 18, Debian 13's 20 and unstable's newest, each built in a root
# of its release (tools/kernels/node-root) and run in a chroot of its files
# in the VM, one boot each on the default kernel; a line per node, then
# "N passed, N failed". make check-kernels runs the same three nodes, each
# with its release's kernel (SABUF_CHECK_NODE=bookworm|trixie|sid, which
# make check and make check-kernel take too).
#   make check-node-versions NODE_SUITES="trixie sid" T=test/smoke.test.js
.PHONY: check-node-versions
check-node-versions: all node kernel-deps
	@tools/check-node-versions $(NODE_SUITES) $(if $(T),-- $(T))

# The npm package as a Node user gets it (bindings/node/check-npm): npm pack,
# npm install of the tarball in a fresh directory (node-gyp builds the addon
# from the libsabuf sources it carries, and once more against a libsabuf
# found with pkg-config), require and import, tsc on its declarations, and
# its tests and an example in the VM. npm's cache: ~/.cache/sabuf/npm.
.PHONY: check-npm
check-npm: all node
	@bindings/node/check-npm

# Ping-pong between Node processes through sabuf, against Node's IPC channel
# and Atomics between Workers (bindings/node/bench/pingpong.js), in the VM.
bench-node: all node
	@node=$$(readlink -f "$$(command -v node || command -v nodejs)") && \
	tools/sabuf-vm --add "$$node" --add $(BUILD)/node/sabuf-node -- \
		sh -c 'node /opt/sabuf/add/sabuf-node/bench/pingpong.js $(BENCH_NODE_ARGS)' | tee $(BUILD)/bench-node.log
