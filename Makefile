# lexgate — entry points. The real build is CMake (CMakeLists.txt).
#
#   make run     install deps, build, make a demo database, serve on :8080
#   make test    install deps, build, run every suite, then again under
#                ASan+UBSan (unit and CLI tests)
#   make check   layer, banned-function and docs checks only
#   make san     the sanitizer build and its tests
#   make bench-<name>   one benchmark from bench/ (see bench/README.md)
#   make eval    scan rule-pack precision/recall (when rules exist)
BUILD   ?= build
SANBUILD ?= build-san
JOBS    ?= 2
PORT    ?= 8080

.PHONY: all deps build run test check san unit clean eval fuzz

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DLX_SANITIZE=OFF >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-demo $(BUILD)/lexgate $(PORT)

check: build
	cd $(BUILD) && ctest -L check --output-on-failure

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 600
	$(MAKE) san

$(SANBUILD)/CMakeCache.txt:
	cmake -S . -B $(SANBUILD) -DLX_SANITIZE=ON >/dev/null

san: deps $(SANBUILD)/CMakeCache.txt
	cmake --build $(SANBUILD) -j$(JOBS)
	cd $(SANBUILD) && ctest -j$(JOBS) -L 'unit|cli' --output-on-failure --timeout 1200

bench-%: deps
	@scripts/install-deps --bench
	cmake --build $(BUILD) -j$(JOBS) --target lexgate
	@if [ -x bench/$*.sh ]; then bench/$*.sh $(BUILD); \
	else cmake --build $(BUILD) --target bench_$* && $(BUILD)/bench_$*; fi

clean:
	rm -rf $(BUILD) $(SANBUILD)

# Precision and recall of the conduct rule pack over tests/data/scan.
eval: build
	tools/scan-eval $(BUILD)/lexgate

# libFuzzer over every fuzz/<module>_<what>.c for FUZZ_SECONDS each (clang);
# new crashing inputs go to build-fuzz/; add them to fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DLX_LIBFUZZER=ON >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $$(cd fuzz && ls *_*.c | sed 's/^/fuzz_/; s/\.c$$//')
	for t in $$(cd fuzz && ls *_*.c | sed 's/\.c$$//'); do \
		mkdir -p build-fuzz/corpus-$$t && cp fuzz/corpus/$$t/* build-fuzz/corpus-$$t/ 2>/dev/null; \
		(cd build-fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) corpus-$$t) || exit 1; \
	done
