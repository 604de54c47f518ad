# Thin wrapper around CMake. `make run` and `make test` each install what is
# missing (Debian packages), build, then run or test.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build run demo test test-asan bench clean

all: build

deps:
	@sh tests/scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The default guest: Debian 12's i686 kernel with a busybox shell, both
# from Debian's packages through tests/images/linux.sh (downloaded and
# built once, then cached). The shell is on this terminal (COM1); with a
# display, the window shows the VGA console too. `reboot -f` ends the run.
LINUX_APPEND = console=tty0 console=ttyS0,115200 quiet panic=-1 cryptomgr.notests noisapnp
run: build
	@dir=$$(bash tests/images/linux.sh) || { echo "make run: could not build the Linux guest images (see above)" >&2; exit 1; }; \
		echo "Booting Debian's Linux (shell on this terminal; 'reboot -f' to end)..."; \
		./$(BUILD)/ringside -m 128 -no-reboot -serial stdio \
			-kernel $$dir/vmlinuz-686 -initrd $$dir/initrd-686.gz -append '$(LINUX_APPEND)'

# The small ROM demo: prints from real and protected mode and exits through
# the test exit port, which makes ringside exit with status (0 << 1) | 1 = 1.
demo: build
	@./$(BUILD)/ringside -display none -bios $(BUILD)/demo.rom; st=$$?; \
		if [ $$st -ne 1 ]; then echo "ringside exited with status $$st" >&2; exit 1; fi

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'bench|nightly'

# The unit and guest tests again under AddressSanitizer and UBSan (the
# default backend: x64 on x86-64 hosts), then the guest tests once more
# under the threaded backend.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) -L 'unit|guest'
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 RINGSIDE_ACCEL=threaded \
		ctest --output-on-failure -j $(JOBS) -L guest

bench: build
	cd $(BUILD) && ctest -V -L bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
