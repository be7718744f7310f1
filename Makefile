# SPDX-License-Identifier: GPL-2.0
#
# rnet: Linux networking in Rust (an e1000e driver, DCCP, and the kernel::
# abstractions they need), built into a pinned 6.12 kernel and tested in QEMU.
#
#   make run        build, boot, show rnet working, power off
#   make run CMD='uname -r; ip -br link'   run a command in the guest
#   make run EXTRA=dir                     ... with dir copied to /extra
#   make shell      interactive guest shell (Ctrl-A X quits QEMU)
#   make check      build, run every test; last line "N passed, N failed, N skipped"
#   make bench      benchmarks (Rust vs C), medians and ratios
#   make profile    guest perf profile (UDP flood or TCP), C and Rust drivers
#   make setup | kernel | initramfs        the steps on their own
#
# DEBUG=1 selects the debug flavour (KASAN, kmemleak, lockdep). The unpacked
# kernel, object trees and console logs live in RNET_CACHE (default
# ~/.cache/rnet), outside the checkout.

T := tools/rnet
export DEBUG RNET_CACHE TESTS

.PHONY: all setup kernel initramfs run shell check bench profile clean-cache help

all: check

help:
	@sed -n '3,18p' Makefile | sed 's/^# \{0,1\}//'

setup:
	@$(T)/setup.sh

kernel: setup
	@$(T)/kernel.sh

initramfs: kernel
	@$(T)/mkinitramfs.sh

run: initramfs
	@$(T)/qemu.sh --name run $(if $(EXTRA),--extra '$(EXTRA)') -- \
		'$(if $(CMD),$(subst ','\'',$(CMD)),sh /rnet/demo.sh)'

shell: initramfs
	@$(T)/qemu.sh --shell --name shell $(if $(EXTRA),--extra '$(EXTRA)')

check:
	@$(T)/check.sh

bench: initramfs
	@$(T)/bench.sh

profile: initramfs
	@$(T)/profile.sh

clean-cache:
	rm -rf "$${RNET_CACHE:-$$HOME/.cache/rnet}"
