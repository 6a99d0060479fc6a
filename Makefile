# dbintel: make demo (try it), make test (what CI runs), make bench.
GO        ?= go
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
PKGS      := ./...
# Tests start real PostgreSQL/MariaDB servers; one package at a time keeps
# a 2-core machine responsive and the servers' start-up within timeouts.
TESTFLAGS ?= -race -count=1 -timeout 20m -p 2

# make install: binaries, configs and systemd units where the units expect
# them. PREFIX, SYSCONFDIR and UNITDIR are baked into the installed units;
# DESTDIR only stages the files (packaging). Configs and env files already
# there are kept.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= $(SYSCONFDIR)/systemd/system
DESTDIR    ?=

.PHONY: build test demo bench lint vet fmt clean install loadtest loadtest-steady

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/gateway ./cmd/gateway
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/scraper ./cmd/scraper

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test: lint build
	$(GO) test $(TESTFLAGS) $(PKGS)

demo: build
	./deploy/demo.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m $(PKGS)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/dbintel $(DESTDIR)$(UNITDIR)
	install -m 0755 bin/gateway $(DESTDIR)$(PREFIX)/bin/dbintel-gateway
	install -m 0755 bin/scraper $(DESTDIR)$(PREFIX)/bin/dbintel-scraper
	for f in gateway.yaml scraper.yaml; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/dbintel/$$f ] || install -m 0644 deploy/$$f $(DESTDIR)$(SYSCONFDIR)/dbintel/$$f; done
	for f in gateway.env scraper.env; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/dbintel/$$f ] || install -m 0600 /dev/null $(DESTDIR)$(SYSCONFDIR)/dbintel/$$f; done
	for u in dbintel-gateway dbintel-scraper; do \
	  sed -e 's|/usr/local/bin/|$(PREFIX)/bin/|g' -e 's|/etc/dbintel/|$(SYSCONFDIR)/dbintel/|g' \
	    deploy/systemd/$$u.service > $(DESTDIR)$(UNITDIR)/$$u.service; \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service; done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

# Load harness (test/load, docs/performance.md): loadgen → sink, → gateway
# with stages off, → gateway with deploy/gateway.yaml (queue in memory, on
# disk), → an OpenTelemetry Collector built into a temp dir; prints the
# side-by-side table.
# Knobs: DBINTEL_LOAD_SECONDS, _SIGNALS, _SCENARIOS, _PROTOCOL, _FORWARD,
# _COMPRESSION, _CONNS, _WORKERS, _RATE, _PROFILE (a directory for pprof).
loadtest:
	DBINTEL_LOAD=1 $(GO) test -count=1 -run '^TestLoad$$' -v -timeout 20m ./test/load

# The gateway flat out, then for DBINTEL_LOAD_STEADY_SECONDS (300) at half
# that rate, printing its highest RSS of each minute: memory stays flat.
loadtest-steady:
	DBINTEL_LOAD=1 DBINTEL_LOAD_SCENARIOS=$${DBINTEL_LOAD_SCENARIOS:-default,steady} \
		$(GO) test -count=1 -run '^TestLoad$$' -v -timeout 60m ./test/load
