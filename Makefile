# sabuf: SharedArrayBuffer and Atomics for C on Linux.
#
#   make              build the module (for the VM's kernel), libsabuf, the
#                     sabuf tool, the selftests and the examples
#   make demo         ... then boot the VM and run the examples there
#   make check        ... then boot the VM and run every selftest there;
#                     ends with "N passed, N failed"
#   make check T=wait_test    only the named test binaries (space-separated)
#   make deps         install the Debian packages that are missing
#   make install      libsabuf, its header and pkg-config file, the sabuf tool
#                     and the man pages, under PREFIX (/usr/local) and DESTDIR
#   make modules_install   the module, into /lib/modules of KDIR's kernel
#   make clean        remove everything built
#
# The module is built against the kernel the VM boots: Debian's newest
# amd64 kernel with headers installed. On your own machine, build it for
# your running kernel with
#   make KDIR=/lib/modules/$(uname -r)/build
# (KERNELRELEASE=... picks another installed release the same way).
#
# Everything generated goes under build/, except kbuild's objects, which it
# keeps next to the sources.

BUILD    := $(CURDIR)/build
KSFT_DIR := $(BUILD)/kselftest
UAPI     := $(CURDIR)/uapi

# Lazily expanded (recipes run after `deps`, which may install the kernel).
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
	check demo install modules_install clean

all: module lib cli selftests selftests-lib examples

deps:
	@tools/install-deps

module: deps
	@if [ ! -f Kbuild ]; then echo "make: skipping the module (no Kbuild yet)"; exit 0; fi; \
	if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "make: no kernel headers at '$(KDIR)'. For the running kernel:" \
		     "apt-get install linux-headers-$$(uname -r); for the VM's: make deps" >&2; \
		exit 1; \
	fi; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

kselftest: deps $(addprefix $(KSFT_DIR)/,$(KSFT_HEADERS))

# A pattern rule with two targets is one recipe run that makes both (the
# stem is "kselftest"): one pass over the tarball, which --occurrence cuts
# short once both members are out. -m: stamped now, so that they count as
# newer than the tarball.
$(KSFT_DIR)/%_harness.h $(KSFT_DIR)/%.h: $(LINUX_SOURCE) | deps
	@echo "  EXTRACT $(KSFT_HEADERS) from $(LINUX_SOURCE)"
	@rm -rf $(KSFT_DIR).tmp && mkdir -p $(KSFT_DIR).tmp $(KSFT_DIR)
	@tar -xJmf $(LINUX_SOURCE) -C $(KSFT_DIR).tmp --strip-components=4 \
		--wildcards --occurrence=1 \
		$(foreach h,$(KSFT_HEADERS),'*/tools/testing/selftests/$(h)')
	@for h in $(KSFT_HEADERS); do mv $(KSFT_DIR).tmp/$$h $(KSFT_DIR)/$$h; done
	@rm -rf $(KSFT_DIR).tmp

$(LINUX_SOURCE): | deps

lib: deps
	$(call submake,lib)

cli: deps
	$(call submake,tools/cli)

selftests: kselftest
	$(call submake,selftests)

selftests-lib: kselftest lib
	$(call submake,selftests/lib)

examples: lib
	$(call submake,examples)

# The VM runs with the module built here (its vermagic picks the kernel).
check: all
	@tools/sabuf-check $(T)

demo: all
	@tools/sabuf-vm -- sabuf-run-demo

install: lib cli
	@for d in lib tools/cli man; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d $(SUBMAKE_VARS) install || exit 1; fi; \
	done

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	@if [ -f Kbuild ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	@for d in lib tools/cli selftests selftests/lib examples; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d $(SUBMAKE_VARS) clean; fi; \
	done
	rm -rf $(BUILD)
