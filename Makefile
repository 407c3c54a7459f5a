# Union mounts: build the UML kernel with the series applied, the userland
# tools, and run the tests.  See README.md.

BUILD   ?= $(CURDIR)/build
export BUILD

# The kernel: 7.3, mainline (the default), or 6.12, the LTS backport
# (make KERNEL=6.12 test).  Its series is patches/$(KERNEL); its kernel
# trees and builds are under KBUILD: build/ for mainline, build/6.12/ for
# the backport (scripts/kernel-env.sh).  Mainline's UML runs on 2 CPUs.
KERNEL  ?= 7.3
ifeq ($(KERNEL),7.3)
KBUILD  ?= $(BUILD)
UML_CPUS ?= 2
SMP_CONFIG = configs/smp.config
else
KBUILD  ?= $(BUILD)/$(KERNEL)
UML_CPUS ?= 1
SMP_CONFIG =
endif
PATCHES ?= $(CURDIR)/patches/$(KERNEL)
UML_KERNEL ?= $(KBUILD)/uml/linux
export KERNEL KBUILD PATCHES UML_CPUS UML_KERNEL SMP_CONFIG

# The objects of the existing C files the series changes.
NOUNION_OBJS = $(shell git -C $(KBUILD)/src diff --name-only base -- '*.c' | \
	sed -n 's/\.c$$/.o/p')

# Objects sparse checks in "make check"; empty: the .c files the series
# adds or changes.  E.g. make check SPARSE_OBJS="fs/union/copyup.o fs/namei.o"
SPARSE_OBJS ?=
export SPARSE_OBJS

# Tests to run in "make test" (names or number prefixes; empty: all), and
# how many UML guests at once.
TESTS   ?=
JOBS    ?= 2
# Rounds of make crash, and of the shorter run make test does (CI's time
# is limited; make crash is the longer check).
CRASH_ROUNDS ?= 50
TEST_CRASH_ROUNDS ?= 10

.PHONY: all kernel prepare clean deps userland test test-full demo check check-series \
	test-backport backport-run \
	format-patch config-x86 build-nounion test-nounion lockdep bench debug \
	test-debug stress crash fuzz livecd livecd-shell xfstests
all: kernel userland

# Cheap when nothing changed: it compares a checksum of the series.
prepare:
	scripts/prepare-tree.sh

# build/linux is mainline's kernel (the default of scripts/uml-run).
kernel: prepare
	scripts/build-kernel.sh $(KBUILD)/uml configs/uml.config $(SMP_CONFIG) -- linux
	if [ "$(KBUILD)" = "$(BUILD)" ]; then ln -sfn uml/linux $(BUILD)/linux; fi

# Debian packages (as root; apt-get update only when needed).
deps:
	scripts/install-deps.sh

# build/bin: util-linux mount(8) with -o union, and the tests' syscall helper.
userland: $(BUILD)/bin/union-sysop $(BUILD)/bin/union-bench $(BUILD)/bin/union-stress \
		$(BUILD)/bin/union-nounion.so $(BUILD)/bin/union-asyncread
	scripts/build-userland.sh

$(BUILD)/bin/union-sysop: tools/testing/union/sysop.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bin/union-bench: tools/testing/union/bench/union-bench.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bin/union-nounion.so: tools/testing/union/nounion-shim.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

$(BUILD)/bin/union-stress: tools/testing/union/stress.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bin/union-asyncread: tools/testing/union/asyncread.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

# The README's test command: the static checks, the build without union
# mounts, the crash rounds, then the tests (whose summary line comes
# last).  One kernel: lockdep, KASAN, UBSAN and kmemleak are make
# test-debug's (their kernel alone took a cold CI run a third of its
# time).  CI's time is limited, so every test runs with each upper and
# each lower, not every pair, and the longest take their shorter runs
# (PAIRS=cover QUICK=1, see tools/testing/union/run); make test-full runs
# the whole matrix at full length.
test: all build-nounion test-backport check
	tools/testing/union/crash/crash.py --rounds $(TEST_CRASH_ROUNDS)
	tools/testing/union/livecd/run.sh test
	PAIRS=cover QUICK=1 tools/testing/union/run -j $(JOBS) $(TESTS)

# The 6.12 backport in make test: its kernel and CONFIG_UNION_MOUNT=n
# objects built, and the tests of what its last patch changes in the new
# files (lookups, directory and file copy-up, first listings on a full or
# read-only top, the hard-link index, layer identities, the inode numbers
# that copies keep, the trace events, NFS lowers, failures injected), on
# one CPU.  make KERNEL=6.12 test runs all of it.
BACKPORT ?= 6.12
BACKPORT_TESTS ?= 010 022 026 033 054 065 066 100 102 157 160 190 200 210
# (The sub-make works out its own KBUILD, PATCHES and UML_*.)
BACKPORT_MAKE = env -u KBUILD -u PATCHES -u UML_CPUS -u UML_KERNEL -u SMP_CONFIG \
	$(MAKE) KERNEL=$(BACKPORT)
test-backport:
ifneq ($(KERNEL),$(BACKPORT))
	$(BACKPORT_MAKE) kernel build-nounion backport-run
endif

backport-run:
	RESULTS=$(KBUILD)/test-results PAIRS=cover QUICK=1 \
		tools/testing/union/run -j $(JOBS) $(BACKPORT_TESTS)

test-full: all
	tools/testing/union/run -j $(JOBS) $(TESTS)

demo: all
	scripts/uml-run --timeout 120 -- tools/testing/union/demo.sh

# The LiveCD (build/livecd): a read-only busybox root image that boots
# into a union with an ext2 layer, and a look around inside it.
# make livecd-shell boots it with its console on this terminal.
livecd: all
	tools/testing/union/livecd/run.sh demo

livecd-shell: all
	tools/testing/union/livecd/run.sh shell

# Union mounts against the bare file system and overlayfs, by the guest
# kernel's CPU time: build/bench/results.md and ratios.png.  Sizes, rounds
# and parts: tools/testing/union/bench/bench.py --help (BENCH_* variables).
bench: all
	tools/testing/union/bench/bench.py

# fstests' generic group on unions and on their bare top layers (ext2,
# tmpfs), compared: build/xfstests/report.md.  Needs the fstests source
# in ../shared/third_party (or XFSTESTS_TARBALL); hours, not part of make
# test.  XFSTESTS_GROUP=generic/quick, XFSTESTS_TOPS=ext2, or
# make xfstests XFSTESTS_ARGS="--resume generic/013".
XFSTESTS_ARGS ?=
xfstests: all
	tools/testing/union/xfstests/xfstests.py $(XFSTESTS_ARGS)

# checkpatch --strict on the series and its new files, sparse on our code.
check: kernel
	scripts/check.sh

# Every prefix of the series builds (build/series-check).
check-series: prepare
	scripts/check-series.sh

# build/series/*.patch: the series as git format-patch output, checked
# with git am on a pristine tree.
format-patch: prepare
	scripts/format-patch.sh

# Build check on x86_64 (build/x86): tinyconfig plus the file systems.
config-x86: prepare
	scripts/build-variant.sh x86

# CONFIG_UNION_MOUNT=n (build/uml-nounion, which make bench links into
# its kernel without union mounts): every C file the series changes must
# build without union mounts.  The objects alone: the configuration
# changes struct dentry, so nothing could come from ccache.
build-nounion: prepare
	scripts/build-kernel.sh $(KBUILD)/uml-nounion configs/uml.config $(SMP_CONFIG) \
		configs/no-union.config -- $(NOUNION_OBJS)
	@! grep -q '^CONFIG_UNION_MOUNT=y' $(KBUILD)/uml-nounion/.config || \
		{ echo "build-nounion: CONFIG_UNION_MOUNT=y in build/uml-nounion"; exit 1; }

# The whole kernel without union mounts, and the tests that boot it after
# the union kernel (their "then-kernel" header): a top layer it must
# refuse, the sizes of its objects.  Not in make test: a second kernel
# built from nothing, as above, doubles the build.
test-nounion: all
	scripts/build-kernel.sh $(KBUILD)/uml-nounion configs/uml.config $(SMP_CONFIG) \
		configs/no-union.config -- linux
	tools/testing/union/run $$(grep -l '^# then-kernel:' tools/testing/union/tests/*.sh)

# UML with lockdep and list debugging: build/lockdep/linux.  Run tests on
# it with UML_KERNEL=build/lockdep/linux.
lockdep: prepare
	scripts/build-kernel.sh $(KBUILD)/lockdep configs/uml.config $(SMP_CONFIG) \
		configs/lockdep.config -- linux

# UML with lockdep, KASAN, UBSAN, list debugging and kmemleak:
# build/debug/linux.  make test-debug runs the suite on it.
debug: prepare
	scripts/build-kernel.sh $(KBUILD)/debug configs/uml.config $(SMP_CONFIG) configs/debug.config -- linux

test-debug: debug userland
	UML_KERNEL=$(KBUILD)/debug/linux RESULTS=$(KBUILD)/test-results-debug \
		tools/testing/union/run -j $(JOBS) $(TESTS)

# The hostile-image test (180) with FUZZ_ROUNDS (100) changed images of
# each kind, on the debug kernel; FUZZ_SEED picks them (2: the suite's
# run of 180 has seed 1).
FUZZ_ROUNDS ?= 100
FUZZ_SEED   ?= 2
fuzz: debug userland
	scripts/uml-run --kernel $(KBUILD)/debug/linux --mem 1G \
		--timeout $$((600 + $(FUZZ_ROUNDS) * 20)) --results $(BUILD)/fuzz -- \
		"UPPER=ext2 LOWER=ext2 FUZZ_ROUNDS=$(FUZZ_ROUNDS) FUZZ_SEED=$(FUZZ_SEED) bash tools/testing/union/tests/180-hostile-images.sh"

# Kill the guest at random moments of copy-ups, renames and first
# listings, CRASH_ROUNDS times; e2fsck, then check (build/crash/).
crash: all
	tools/testing/union/crash/crash.py --rounds $(CRASH_ROUNDS)

# The concurrency stress (test 170) for STRESS_SECONDS (600) on the debug
# kernel, with each upper; STRESS_SEED picks the run (1).
STRESS_SECONDS ?= 600
STRESS_SEED    ?= 1
stress: debug userland
	for u in tmpfs ext2 jffs2; do \
		scripts/uml-run --kernel $(KBUILD)/debug/linux --mem 1G \
			--timeout $$(($(STRESS_SECONDS) + 600)) \
			--results $(BUILD)/stress-$$u -- \
			"UPPER=$$u LOWER=squashfs STRESS_SECONDS=$(STRESS_SECONDS) STRESS_SEED=$(STRESS_SEED) bash tools/testing/union/tests/170-stress.sh" \
			|| exit 1; \
	done

clean:
	rm -rf $(BUILD)
