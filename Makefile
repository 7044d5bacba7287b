# Changeledger: `make run` and `make test` are the two entry points (see README).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

BUILD   ?= build
JOBS    ?= $(shell nproc)
DB      ?= var/changeledger.db
LISTEN  ?= 127.0.0.1:8080
CMAKE_FLAGS ?=

.PHONY: run test bench fuzz soak deps configure build build-all clean format tidy

deps:
	@scripts/install-deps.sh

# Configures once; ninja re-runs CMake by itself when CMakeLists change.
configure: deps
	@if [[ ! -f $(BUILD)/build.ninja ]]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS); \
	fi

# The release binary only (what `make run` serves).
build: configure
	ninja -C $(BUILD) -j$(JOBS) changeledger

# Everything: release + ASan/UBSan variants of the binary and every test suite.
build-all: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCL_WITH_ASAN=ON $(CMAKE_FLAGS) >/dev/null
	ninja -C $(BUILD) -j$(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	$(BUILD)/changeledger serve --db $(DB) --listen $(LISTEN)

test: build-all
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --no-label-summary --timeout 600

# Formatting and lint: `make format` rewrites the C++ files with
# .clang-format (make test checks it); `make tidy` runs clang-tidy over the
# files changed since BASE (.ci/run does it for the last commit).
BASE ?= HEAD~1
format:
	@scripts/format.sh
tidy: configure
	@scripts/tidy.sh $(BASE) $(BUILD)

# The libFuzzer targets for longer (FUZZ_SECONDS each, default 10 minutes).
FUZZ_SECONDS ?= 600
fuzz: build-all
	for t in plan k8s webhook policy api; do \
	  tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_$$t $(FUZZ_SECONDS) $(BUILD)/fuzz/corpus_$$t \
	    $$( case $$t in webhook) echo tests/fixtures/webhooks;; policy) echo policy;; api) echo tests/fuzz/seeds/api;; *) echo tests/fixtures/iac;; esac ) \
	    $$( [[ -d ../shared/data ]] && case $$t in plan) echo ../shared/data/terraform;; \
	        k8s) echo ../shared/data/k8s;; webhook) echo ../shared/data/webhooks;; esac ); \
	done

# The long crash-safety run: SIGKILL under concurrent API writers, 50 times
# per backend (`make test` does 5); CRASH_SEED picks other kill moments.
CRASH_TRIALS ?= 50
CRASH_SEED ?= 1
soak: build-all
	cd $(BUILD) && CL_CRASH_TRIALS=$(CRASH_TRIALS) CL_CRASH_SEED=$(CRASH_SEED) \
	  ./cl_cli_tests --gtest_filter='*CrashSafety*'

bench: configure
	ninja -C $(BUILD) -j$(JOBS) changeledger cl_micro_bench
	@benchmarks/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
