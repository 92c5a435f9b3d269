# cadv - the two commands a user needs: `make run` and `make check` (see README.md).
# Everything else is a helper for developers. All set-up (Debian packages) is done by
# scripts/install-deps, which the targets below call first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
N          ?= 1000
ARGS       ?=
BENCH_ARGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all build run check unit integration format format-check lint fuzz bench deps clean install deb

all: build

deps:
	@scripts/install-deps

build: deps
	@scripts/meson-build $(BUILD)

# Builds, then runs the daemon on this host (port 8080, like cAdvisor). Extra flags: make run ARGS="-v=4".
run: build
	$(BUILD)/cadv -port=8080 $(ARGS)

# Installs the binaries, man pages, systemd unit and /etc/default/cadv (Meson install). Defaults to
# /usr/local; make install PREFIX=/usr DESTDIR=/tmp/stage for a staged install.
PREFIX ?= /usr/local
install: build
	meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	meson install -C $(BUILD) --no-rebuild $(if $(DESTDIR),--destdir $(DESTDIR))

# Debian package of the built tree: $(BUILD)/cadv_<version>_<arch>.deb (deploy/debian/build-deb).
deb: build
	@deploy/debian/build-deb $(BUILD)

# Benchmark (see bench/README.md): make bench N=1000 BENCH_ARGS="--window 60 --soak"
# Every test: format check, static analysis, unit + fuzz-corpus tests (debug and ASan/UBSan builds),
# a short libFuzzer run of every target, black-box tests of the real daemon; ends with one line
# "N passed, N failed".
check: deps
	@scripts/check

unit: build
	meson test -C $(BUILD) --print-errorlogs

integration: build
	/usr/bin/python3 -m pytest -q tests/integration

format:
	@scripts/format

format-check:
	@scripts/format --check

# Static analysis: clang-tidy (.clang-tidy) and cppcheck over src/ (docs/architecture.md#static-analysis).
lint: build
	@scripts/lint $(BUILD)

# Every libFuzzer target of tests/fuzz for FUZZ_SECONDS each (clang, ASan+UBSan, in build-fuzz/):
# make fuzz FUZZ_SECONDS=300. One line per target with executions and coverage.
fuzz: deps
	@scripts/fuzz $(FUZZ_SECONDS)

bench: build
	/usr/bin/python3 bench/run.py --n $(N) --cadv $(BUILD)/cadv --floor $(BUILD)/bench/floor $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-tsan build-fuzz
