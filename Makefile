# Bianmin — the two commands a new machine needs are `make demo` and `make test`.
# Both run scripts/setup.sh first, which installs missing system packages.

GO      ?= go
BIN     := bin
# Fyne reads the locale while its packages initialise and logs an error for C or
# C.UTF-8; the kiosk chooses its own language, so any well-formed locale will do.
export LANG := zh_CN.UTF-8

.PHONY: all setup build test vet bench fuzz demo clean

all: build

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN)/ ./cmd/kiosk ./cmd/kioskctl ./cmd/officed

vet: setup
	$(GO) vet ./...

# -race needs cgo, which the build has (Fyne, SQLite); it covers every package.
test: setup
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	# The UI must build and test without cgo or a display (STYLE.md).
	CGO_ENABLED=0 $(GO) test -count=1 ./kiosk/ui/...

# Benchmarks print their ratio against the physical limit measured in the same run.
bench: setup
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 1 -timeout 30m ./...

# Short fuzzing of every decoder of outside input (the seed corpora also run in `make test`).
FUZZTIME ?= 30s
fuzz: setup
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

demo: build
	@scripts/demo.sh

clean:
	rm -rf $(BIN)
