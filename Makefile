# simwatch — build, test and demo on a Debian machine with the Swift toolchain.
# Every target installs what is missing first (libcurl's headers), so a fresh
# machine needs nothing but `make demo` or `make test`.

SWIFT   ?= swift
PREFIX  ?= /usr/local
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN      = $(shell $(SWIFT) build --show-bin-path)
# An import of a target the importer does not declare (an arrow backwards) is an error,
# not something that links by luck because the module happens to be built already.
ARROWS   = --explicit-target-dependency-import-check error
# Release builds link the Swift runtime and Foundation statically: calls into them are
# direct instead of through the PLT, and only what simwatch uses is linked: less CPU per
# poll and less memory (README, "Performance", has the figures).
STATIC   = --static-swift-stdlib

# install/uninstall: DESTDIR stages into another root; CONFIG=debug installs the debug
# build instead of the release one; BUILD=no installs the binary already built for CONFIG
# (tests do this: they run inside `swift test`, which holds .build's lock).
DESTDIR ?=
CONFIG  ?= release
BUILD   ?= yes
BUILT   ?= .build/$(CONFIG)/simwatch
UNITDIR ?= /etc/systemd/system
CONFDIR ?= /etc/simwatch
DOCDIR  ?= $(PREFIX)/share/doc/simwatch

.PHONY: all deps test-deps build test demo bench fuzz clean install uninstall

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
	$(SWIFT) build $(ARROWS) --product simwatch

## test-deps: promtool (Debian's prometheus package) checks the /metrics output in tests
test-deps: deps
	@if ! command -v promtool >/dev/null 2>&1; then \
	  echo "==> installing prometheus (for promtool, which checks simwatch's /metrics in tests)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus \
	    || echo "==> prometheus not installed: the promtool checks will say so and be skipped"; \
	fi

## test: build everything and run every test (unit and integration)
test: test-deps
	$(SWIFT) build $(ARROWS) --build-tests
	$(SWIFT) test --skip-build

## demo: the simulator, the daemon and alerts as a chat channel shows them
demo: build
	@$(BIN)/simwatch demo

## bench: simwatch against the curl CLI on a local nginx (installs nginx and curl when
## missing), then the state file figures at 100,000 devices and budgeted polling against
## round robin for 100,000 SIMs in simulated time (simwatch-bench schedule); release builds.
## BENCH_DEVICES (default 10000) answers, BENCH_ROUNDS (default 3) rounds, medians printed.
bench: deps
	$(SWIFT) build -c release $(STATIC) --product simwatch
	$(SWIFT) build -c release $(STATIC) --product simwatch-bench
	python3 bench/bench.py "$$($(SWIFT) build -c release $(STATIC) --show-bin-path)/simwatch" \
	  "$$($(SWIFT) build -c release $(STATIC) --show-bin-path)/simwatch-bench"

## fuzz: build the libFuzzer targets in Fuzz/ (a package of their own: `test` never builds
## them) and run each until FUZZ_RUNS executions or FUZZ_SECONDS, whichever comes first;
## fails on any crash. Defaults per target (Fuzz/fuzz.sh): 10 million executions in all,
## at least 1 million each: 20 to 60 minutes on 2 cores, depending on their load.
## FUZZ_TARGETS picks targets; FUZZ_JOBS runs that many at once.
FUZZ_SECONDS ?=
FUZZ_RUNS    ?=
FUZZ_TARGETS ?=
FUZZ_JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
fuzz: deps
	SWIFT="$(SWIFT)" FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_RUNS="$(FUZZ_RUNS)" FUZZ_JOBS="$(FUZZ_JOBS)" \
	  Fuzz/fuzz.sh $(FUZZ_TARGETS)

clean:
	$(SWIFT) package clean

## install: build (release) and install simwatch as a systemd service; never overwrites
## the configuration in $(CONFDIR)
install: $(if $(filter no,$(BUILD)),,deps)
	$(if $(filter no,$(BUILD)),,$(SWIFT) build -c $(CONFIG) $(if $(filter release,$(CONFIG)),$(STATIC)) --product simwatch)
	@test -x "$(BUILT)" || { echo "no simwatch binary at $(BUILT): build it first or drop BUILD=no" >&2; exit 1; }
	install -d -m 0755 "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(CONFDIR)"
	install -m 0755 "$(BUILT)" "$(DESTDIR)$(PREFIX)/bin/simwatch"
	sed -e 's|/usr/local/|$(PREFIX)/|g' systemd/simwatch.service > "$(DESTDIR)$(UNITDIR)/simwatch.service.tmp"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/simwatch.service.tmp"
	mv -f "$(DESTDIR)$(UNITDIR)/simwatch.service.tmp" "$(DESTDIR)$(UNITDIR)/simwatch.service"
	install -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	@for file in simwatch.yaml devices.txt; do \
	  if [ -e "$(DESTDIR)$(CONFDIR)/$$file" ]; then \
	    echo "==> kept your $(CONFDIR)/$$file (the example is etc/$$file)"; \
	  else \
	    install -m 0644 "etc/$$file" "$(DESTDIR)$(CONFDIR)/$$file" && echo "==> installed the example $(CONFDIR)/$$file"; \
	  fi; \
	done
	install -d -m 0700 "$(DESTDIR)$(CONFDIR)/credentials"
	@echo
	@echo "Installed $(PREFIX)/bin/simwatch and $(UNITDIR)/simwatch.service. Next steps, as root:"
	@echo "  1. Edit $(CONFDIR)/simwatch.yaml and put each secret it reads in its own file,"
	@echo "     mode 0600, in $(CONFDIR)/credentials/: api_key, slack_url, teams_url,"
	@echo "     pagerduty_routing_key (the unit loads these four; see its comments to drop some)."
	@echo "     Encrypted instead: systemd-creds encrypt --name=api_key - $(CONFDIR)/credentials/api_key.cred"
	@echo "     and LoadCredentialEncrypted= in a drop-in (systemctl edit simwatch); README.md has the details."
	@echo "  2. systemctl daemon-reload"
	@echo "  3. $(PREFIX)/bin/simwatch check --config $(CONFDIR)/simwatch.yaml"
	@echo "  4. systemctl enable --now simwatch"
	@echo "  5. journalctl -u simwatch -f"

## uninstall: remove the binary and the unit; keeps configuration, credentials and state
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then \
	  echo "==> systemctl disable --now simwatch"; systemctl disable --now simwatch.service || true; \
	fi
	rm -f "$(DESTDIR)$(PREFIX)/bin/simwatch" "$(DESTDIR)$(UNITDIR)/simwatch.service"
	rm -rf "$(DESTDIR)$(DOCDIR)"
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then \
	  systemctl daemon-reload || true; \
	fi
	@echo "Removed $(PREFIX)/bin/simwatch and $(UNITDIR)/simwatch.service."
	@echo "Kept $(CONFDIR)/ (configuration and credentials) and /var/lib/simwatch (state);"
	@echo "remove them by hand if you no longer need them."
