# SPDX-License-Identifier: GPL-2.0
# Entry points.  Each is a script under scripts/, so any step also runs alone.

.PHONY: help check kunit kunit-x86_64 kunit-um-debug selftests \
	selftests-x86_64 selftests-um-debug kunit-x86_64-debug \
	selftests-x86_64-debug stress module module-test series demo bench \
	deb deb-test fuzz kunit-tree kselftest-tree

help:
	@echo "make demo              two versions as containers (python3.11, redis): start time, memory, sharing off/on"
	@echo "make check             each kind of test once: kunit.py, kselftest, module, debug kernel, fuzz"
	@echo "make kunit             erofs KUnit suites on UML"
	@echo "make kunit-x86_64      erofs KUnit suites on x86_64 under QEMU"
	@echo "make selftests         erofs selftests in a UML guest"
	@echo "make selftests-x86_64  erofs selftests in an x86_64 QEMU guest"
	@echo "make kunit-um-debug    erofs KUnit suites on a UML debug kernel (KASAN, lockdep...)"
	@echo "make selftests-um-debug erofs selftests on the UML debug kernel, kernel log checked"
	@echo "make kunit-x86_64-debug erofs KUnit suites on the x86_64 debug kernel, 4 CPUs"
	@echo "make selftests-x86_64-debug erofs selftests on the x86_64 debug kernel, 4 CPUs, log checked"
	@echo "make stress            file-identity stress on the x86_64 debug kernel (STRESS_SECONDS=60)"
	@echo "make fuzz              10000 corrupt images on x86_64-fuzz (x86_64-debug without EROFS_FS_DEBUG)"
	@echo "make kunit-tree        kunit.py run --kunitconfig=fs/erofs in a fresh patched tree (KUNIT_ARCH=um|x86_64)"
	@echo "make kselftest-tree    make kselftest TARGETS=erofs in a fresh patched tree, in a UML guest"
	@echo "make module            out-of-tree erofs.ko for Debian's 6.12 kernel"
	@echo "make module-test       erofs.ko on Debian's stock kernel in QEMU: tests, unload, reload"
	@echo "make deb               out/deb/erofs-ishare-dkms_*.deb: DKMS package for Debian's 6.12 kernels"
	@echo "make deb-test          that package on bookworm and trixie roots, their own kernels in QEMU"
	@echo "make series            our erofs work as a patch series; each patch checkpatch-clean, built, KUnit run"
	@echo "make bench             memory, fio throughput, scale and hot-read CPU on any trees; peer kernel column"

check:
	@scripts/check.sh

kunit:
	@scripts/kunit.sh um

kunit-x86_64:
	@scripts/kunit.sh x86_64

selftests:
	@scripts/selftests.sh um

selftests-x86_64:
	@scripts/selftests.sh x86_64

kunit-um-debug:
	@scripts/kunit.sh um-debug

selftests-um-debug:
	@scripts/selftests.sh um-debug

kunit-x86_64-debug:
	@scripts/kunit.sh x86_64-debug

selftests-x86_64-debug:
	@scripts/selftests.sh x86_64-debug

STRESS_SECONDS ?= 60
stress:
	@scripts/stress.sh $(STRESS_SECONDS)

module:
	@scripts/module.sh

module-test:
	@scripts/module-test.sh

deb:
	@scripts/deb.sh

# DEB_SUITES="bookworm" or "trixie" runs one suite
deb-test:
	@scripts/deb-test.sh $(DEB_SUITES)

series:
	@scripts/series.sh

demo:
	@scripts/demo.sh

bench:
	@scripts/bench.sh
# FUZZ_MUTANTS (10000), FUZZ_SEED (1), FUZZ_FLAVOUR (x86_64-fuzz)
fuzz:
	@scripts/fuzz.sh

KUNIT_ARCH ?= um
kunit-tree:
	@scripts/kunit-tree.sh $(KUNIT_ARCH)

kselftest-tree:
	@scripts/kselftest-tree.sh um
