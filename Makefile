# Thin wrapper around CMake. `make run` and `make test` each install what is
# missing (Debian packages), build, then run or test.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-asan bench clean

all: build

deps:
	@sh tests/scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Until the board can boot an operating system, run the demo guest. It ends
# by writing 0 to the test exit port, which makes ringside exit with status
# (0 << 1) | 1 = 1: that is success here.
run: build
	@./$(BUILD)/ringside -display none -bios $(BUILD)/demo.rom; st=$$?; \
		if [ $$st -ne 1 ]; then echo "ringside exited with status $$st" >&2; exit 1; fi

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'bench|nightly'

# The unit and guest tests again under AddressSanitizer and UBSan.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) -L 'unit|guest'

bench: build
	cd $(BUILD) && ctest -V -L bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
