# simwatch — build, test and demo on a Debian machine with the Swift toolchain.
# Every target installs what is missing first (libcurl's headers), so a fresh
# machine needs nothing but `make demo` or `make test`.

SWIFT   ?= swift
PREFIX  ?= /usr/local
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN      = $(shell $(SWIFT) build --show-bin-path)

.PHONY: all deps build test demo bench clean

all: build

## deps: install libcurl's development files when pkg-config cannot find them
deps:
	@if ! pkg-config --exists libcurl 2>/dev/null; then \
	  echo "==> installing libcurl4-openssl-dev (libcurl headers for Swift's CCurl module)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libcurl4-openssl-dev pkg-config; \
	fi

## build: debug build of the simwatch executable
build: deps
	$(SWIFT) build --product simwatch

## test: build everything and run every test (unit and integration)
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## demo: the simulator, the daemon and alerts as a chat channel shows them
demo: build
	@$(BIN)/simwatch demo

## bench: state file load/save figures for 100,000 devices (release build)
bench: deps
	$(SWIFT) build -c release --product simwatch-bench
	$$($(SWIFT) build -c release --show-bin-path)/simwatch-bench

clean:
	$(SWIFT) package clean
